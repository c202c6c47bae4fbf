"""`workbook serve` end to end: a real server process, driven by an asyncssh client."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest

from workbook.serve import profile_folder
from workbook.storage import Store

TERM = {"term_type": "xterm-256color", "term_size": (80, 24)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path, *args: str) -> None:
        self.root = root
        self.port = free_port()
        self.log = root / "server.log"
        root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbook", "--data-dir", str(root), "serve",
             "--listen", f"127.0.0.1:{self.port}", *args],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"),
        )
        self.wait_log("serving the workbook")

    def wait_log(self, text: str, timeout: float = 20) -> str:
        end = time.time() + timeout
        while time.time() < end:
            content = self.log.read_text()
            if text in content:
                return content
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the server log:\n{self.log.read_text()}")

    async def logged(self, text: str, timeout: float = 20) -> str:
        """Like wait_log, letting the event loop (and so the client) run meanwhile."""
        end = time.time() + timeout
        while time.time() < end:
            content = self.log.read_text()
            if text in content:
                return content
            await asyncio.sleep(0.05)
        raise AssertionError(f"{text!r} not in the server log:\n{self.log.read_text()}")

    def answers(self, key: asyncssh.SSHKey) -> dict:
        folder = profile_folder(self.root, key.get_fingerprint("sha256"))
        return Store.open(folder).answers() if folder.exists() else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def workbook_processes(root: Path) -> list[int]:
    """Workbook processes whose command line names this server's data folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if str(root).encode() in cmdline and b"workbook" in cmdline and b" serve" not in cmdline:
                found.append(int(entry.name))
    return found


@pytest.fixture
def server_root(tmp_path: Path):
    return tmp_path / "server"


@pytest.fixture
def keys():
    return [asyncssh.generate_private_key("ssh-ed25519") for _ in range(3)]


async def connect(port: int, key: asyncssh.SSHKey) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect("127.0.0.1", port, username="visitor", client_keys=[key],
                                  known_hosts=None, agent_path=None, password=None)


async def read_until(process, pattern: str, timeout: float = 20) -> str:
    seen = b""
    end = time.time() + timeout
    while not re.search(pattern.encode(), re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen)):
        remaining = end - time.time()
        if remaining <= 0:
            raise AssertionError(f"{pattern!r} never showed; last: {seen[-400:]!r}")
        try:
            chunk = await asyncio.wait_for(process.stdout.read(65536), remaining)
        except asyncio.TimeoutError:
            continue
        if not chunk:
            break
        seen += chunk
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen).decode("utf-8", "replace")
    assert re.search(pattern, text), f"{pattern!r} never showed; the session ended with: {text[-400:]!r}"
    return text


async def open_workbook(port: int, key: asyncssh.SSHKey, **term):
    conn = await connect(port, key)
    process = await conn.create_process(encoding=None, **(term or TERM))
    return conn, process


async def test_home_then_an_answer_survives_a_dropped_connection_and_stays_private(server_root, keys):
    server = Server(server_root, "--open")
    try:
        alice, bob = keys[0], keys[1]
        conn, process = await open_workbook(server.port, alice)
        await read_until(process, "Contents")
        process.stdin.write(b"2")
        await read_until(process, "Self-Trust is the act")
        process.stdin.write(b"typed over ssh")
        await read_until(process, "typed over ssh")
        conn.abort()  # the link drops
        await server.logged("exit=connection dropped")
        assert server.answers(alice) == {"what-is.own-words": "typed over ssh"}

        conn, process = await open_workbook(server.port, alice)
        await read_until(process, "typed over ssh")  # resumed on the same screen and field
        conn.close()

        conn, process = await open_workbook(server.port, bob)
        text = await read_until(process, "Contents")
        assert "typed over ssh" not in text
        conn.close()
        assert server.answers(bob) == {}
        log = await server.logged("exit=")
        assert "typed over ssh" not in log  # never answers in the log
    finally:
        server.stop()


async def test_only_authorized_keys_get_in_and_passwords_are_refused(server_root, keys, tmp_path):
    allowed = tmp_path / "authorized_keys"
    allowed.write_text(f'no-pty {keys[0].export_public_key().decode()}')
    server = Server(server_root, "--authorized-keys", str(allowed))
    try:
        conn, process = await open_workbook(server.port, keys[0])
        await read_until(process, "Contents")
        conn.close()
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server.port, keys[1])
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect("127.0.0.1", server.port, username="visitor", password="guess",
                                   client_keys=None, known_hosts=None, agent_path=None)
    finally:
        server.stop()


async def test_no_terminal_is_refused_politely_and_a_resize_reaches_the_app(server_root, keys):
    server = Server(server_root, "--open")
    try:
        async with await connect(server.port, keys[0]) as conn:
            result = await conn.run("ls", encoding="utf-8")
            assert "needs a terminal" in result.stdout and result.exit_status == 1
        conn, process = await open_workbook(server.port, keys[0])
        await read_until(process, "Contents")
        process.change_terminal_size(50, 18)
        await read_until(process, r"it is 50×18 now")
        process.change_terminal_size(80, 24)
        await read_until(process, "Contents")
        conn.close()
    finally:
        server.stop()


async def test_the_rate_limit_trips(server_root, keys):
    server = Server(server_root, "--open", "--rate", "2")
    try:
        for _ in range(2):
            conn, process = await open_workbook(server.port, keys[0])
            await read_until(process, "Contents")
            conn.close()
        conn, process = await open_workbook(server.port, keys[0])
        await read_until(process, "Too many logins")
        conn.close()
        assert "exit=rate limit" in await server.logged("exit=rate limit")
    finally:
        server.stop()


async def test_idle_timeout_saves_and_closes(server_root, keys):
    server = Server(server_root, "--open", "--idle-timeout", "0.1")  # 6 seconds
    try:
        conn, process = await open_workbook(server.port, keys[0])
        await read_until(process, "Contents")
        process.stdin.write(b"4")
        await read_until(process, "What I like")
        process.stdin.write(b"quiet mornings")
        await read_until(process, "quiet mornings")
        await read_until(process, "Closed after 6 seconds without a key press", timeout=30)
        await asyncio.wait_for(process.wait_closed(), 10)
        assert server.answers(keys[0]) == {"time-with-yourself.like": "quiet mornings"}
        assert "exit=idle timeout" in await server.logged("exit=idle timeout")
        conn.close()
    finally:
        server.stop()


async def test_a_second_session_with_the_same_key_takes_over(server_root, keys):
    server = Server(server_root, "--open")
    try:
        first_conn, first = await open_workbook(server.port, keys[0])
        await read_until(first, "Contents")
        first.stdin.write(b"6")  # section 6, then add a thought
        await read_until(first, "The self-trust cycle")
        first.stdin.write(b"\r")
        await read_until(first, "The critical thought")
        first.stdin.write(b"not good enough")
        await read_until(first, "not good enough")
        second_conn, second = await open_workbook(server.port, keys[0])
        await read_until(first, "opened from another connection")
        await read_until(second, "Welcome back")
        assert server.answers(keys[0])["reframing.pairs"] == [{"thought": "not good enough", "reframe": ""}]
        first_conn.close()
        second_conn.close()
    finally:
        server.stop()


async def test_sigterm_on_the_server_saves_every_session_and_leaves_no_process(server_root, keys):
    server = Server(server_root, "--open")
    try:
        sessions = []
        for n, key in enumerate(keys[:2]):
            conn, process = await open_workbook(server.port, key)
            await read_until(process, "Contents")
            process.stdin.write(b"4")
            await read_until(process, "What I like")
            process.stdin.write(f"answer {n}".encode())
            await read_until(process, f"answer {n}")
            sessions.append((conn, process))
        assert len(workbook_processes(server_root)) == 2
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(30) == 0
        for n, key in enumerate(keys[:2]):
            assert server.answers(key) == {"time-with-yourself.like": f"answer {n}"}
        assert workbook_processes(server_root) == []
        for conn, _ in sessions:
            conn.close()
    finally:
        server.stop()


def test_time_spans_read_naturally():
    from workbook.serve import parse_listen, span

    assert span(1800) == "30 minutes"
    assert span(6) == "6 seconds"
    assert span(1) == "1 second"
    assert parse_listen("127.0.0.1:2222") == ("127.0.0.1", 2222)
    assert parse_listen("[::1]:22") == ("::1", 22)
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_listen("2222")


def test_serve_mistakes_get_one_line_messages(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "workbook", "--data-dir", str(tmp_path), "serve", *a],
                                    capture_output=True, text=True, timeout=60)
    result = run("--authorized-keys", str(tmp_path / "missing"))
    assert result.returncode == 1 and "cannot read the authorized keys file" in result.stderr
    bad = tmp_path / "keys"
    bad.write_text("not a key\n")
    result = run("--authorized-keys", str(bad))
    assert result.returncode == 1 and "line 1: not a public key" in result.stderr
    result = run("--open", "--max-sessions-per-address", "0")
    assert result.returncode == 1 and "--max-sessions-per-address takes a number from 1 up" in result.stderr
    result = run("--open", "--listen", "nope")
    assert result.returncode == 1 and "HOST:PORT" in result.stderr
    result = run()
    assert result.returncode == 2 and "--authorized-keys FILE, or --open" in result.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run("--open", "--listen", f"127.0.0.1:{busy.getsockname()[1]}")
    assert result.returncode == 1 and "cannot listen on" in result.stderr
    for result_text in (result.stderr,):
        assert "Traceback" not in result_text


def test_the_browser_page_asks_nothing_of_any_other_host(tmp_path):
    """`serve --web`: the page and every asset it references come from the workbook's own address, the
    policy header keeps the browser there, and other sites' pages cannot use the workbook."""
    pytest.importorskip("textual_serve")
    import urllib.error
    import urllib.request
    from urllib.parse import urljoin, urlsplit

    port = free_port()
    own = f"127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "workbook", "--data-dir", str(tmp_path), "serve", "--web",
                             "--listen", own], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(url: str, **headers: str):
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.headers, response.read().decode("utf-8", "replace")

    try:
        end = time.time() + 30
        while True:
            try:
                headers, page = get(f"http://{own}/")
                break
            except OSError:
                assert time.time() < end, "the web server never answered"
                time.sleep(0.1)

        absolute = re.compile(r"\b(?:https?|wss?)://([^/\s\"'<>)]+)")
        reference = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)|url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""")
        seen, queue, fetched = set(), [(f"http://{own}/", page)], []
        while queue:
            url, text = queue.pop()
            fetched.append(url)
            if url.endswith(".css"):
                text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # a licence's link in a comment is no request
            hosts = absolute.findall(text)
            assert all(host == own for host in hosts), f"{url} names another host: {hosts}"
            for found in reference.findall(text):
                target = urljoin(url, next(part for part in found if part))
                if target.startswith("data:") or target in seen:
                    continue
                seen.add(target)
                assert urlsplit(target).netloc == own, f"{url} refers to {target}"
                if target.endswith((".ttf", ".woff", ".woff2", ".png")):
                    get(target)  # there, and served from here
                else:
                    queue.append((target, get(target)[1]))
        assert {"/static/js/textual.js", "/static/css/xterm.css"} <= {urlsplit(u).path for u in fetched}
        assert any(t.endswith(".ttf") for t in seen)  # the font comes from here too
        policy = headers.get("Content-Security-Policy", "")
        assert "default-src 'none'" in policy and f"connect-src 'self' ws://{own}/ws" in policy
        assert f'data-session-websocket-url="ws://{own}/ws"' in page

        with pytest.raises(urllib.error.HTTPError) as refused:  # a page under another name (DNS rebinding)
            get(f"http://{own}/", Host=f"elsewhere.example:{port}")
        assert refused.value.code == 421
        upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        with pytest.raises(urllib.error.HTTPError) as refused:  # another site's page opening the workbook
            get(f"http://{own}/ws", Origin="http://elsewhere.example", **upgrade)
        assert refused.value.code == 403
    finally:
        proc.terminate()
        proc.wait(30)


async def test_browser_sessions_are_capped(tmp_path):
    """`serve --web --max-sessions 1`: a second browser session at once is turned away; the first works."""
    pytest.importorskip("textual_serve")
    import aiohttp

    port = free_port()
    own = f"127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "workbook", "--data-dir", str(tmp_path), "serve", "--web",
                             "--listen", own, "--max-sessions", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as client:
            end = time.time() + 30
            while True:
                try:
                    async with client.get(f"http://{own}/") as response:
                        assert response.status == 200
                    break
                except aiohttp.ClientConnectionError:
                    assert time.time() < end, "the web server never answered"
                    await asyncio.sleep(0.1)
            origin = {"Origin": f"http://{own}"}
            first = await client.ws_connect(f"ws://{own}/ws?width=80&height=24", headers=origin)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"ws://{own}/ws?width=80&height=24", headers=origin)
            assert refused.value.status == 503
            assert not first.closed  # the first session is open still
            await first.close()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
