"""`workbook serve --web` for real: the server process, a websocket speaking the page's protocol, the
workbook processes it starts. Skipped without the `.[web]` extra (CI installs only `.[test]`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason="`workbook serve --web` needs the `.[web]` extra (textual-serve, aiohttp)")
import aiohttp  # noqa: E402  (installed with textual-serve)

ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-_])")
HOME = "Contents: press 1 to 7"  # Home's frame title, on the first screen at 80x24
SECTION_2 = "what exactly is self-trust"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workbooks(folder: Path) -> list[int]:
    """Processes (other than this one) whose command line or environment names the data folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(folder).encode() in text and state != "Z":
            found.append(int(entry.name))
    return found


class WebServer:
    """`workbook serve --web` on a free port of 127.0.0.1, its data in a fresh folder."""

    def __init__(self, root: Path, *args: str) -> None:
        self.root, self.own = root, f"127.0.0.1:{free_port()}"
        self.log = root.parent / f"{root.name}-server.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "workbook", "--data-dir", str(root), "serve", "--web", "--listen", self.own, *args],
                stdout=log, stderr=subprocess.STDOUT)

    async def ready(self, client: aiohttp.ClientSession) -> None:
        end = time.monotonic() + 30
        while True:
            try:
                async with client.get(f"http://{self.own}/") as response:
                    assert response.status == 200
                return
            except aiohttp.ClientConnectionError:
                assert self.proc.poll() is None, self.log.read_text()
                assert time.monotonic() < end, "the web server never answered"
                await asyncio.sleep(0.1)

    async def open(self, client: aiohttp.ClientSession) -> Browser:
        ws = await client.ws_connect(f"ws://{self.own}/ws?width=80&height=24", headers={"Origin": f"http://{self.own}"})
        await ws.send_json(["resize", {"width": 80, "height": 24}])
        return Browser(ws)

    async def open_when_free(self, client: aiohttp.ClientSession, timeout: float = 30) -> Browser:
        """Open a session, waiting while every place is taken (a closed session's place is given back
        once its workbook has saved and ended)."""
        end = time.monotonic() + timeout
        while True:
            try:
                return await self.open(client)
            except aiohttp.WSServerHandshakeError as exc:
                assert exc.status == 503 and time.monotonic() < end, "a closed session's place was never freed"
                await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for pid in workbooks(self.root):  # none, if the test passed; never left behind either way
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class Browser:
    """What the page does: keys go up as ["stdin", text], the screen comes down as bytes."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.output, self.closed = ws, "", False

    @property
    def text(self) -> str:
        return ESCAPES.sub("", self.output)

    async def until(self, text: str, timeout: float = 60) -> None:
        """Read the screen until ``text`` shows (the wait is generous: the machine may be loaded)."""
        end = time.monotonic() + timeout
        while text not in self.text:
            assert not self.closed, f"the session closed before {text!r} showed"
            assert time.monotonic() < end, f"{text!r} never showed; the screen had: {self.text[-400:]!r}"
            try:
                message = await self.ws.receive(timeout=0.5)
            except asyncio.TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                self.output += message.data.decode("utf-8", "replace")
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                self.closed = True

    async def until_closed(self, timeout: float = 30) -> None:
        """Read until the server closes the websocket (the page then says the workbook has closed)."""
        end = time.monotonic() + timeout
        while not self.closed:
            assert time.monotonic() < end, "the session never closed"
            try:
                message = await self.ws.receive(timeout=0.5)
            except asyncio.TimeoutError:
                continue
            self.closed = message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)

    async def type(self, keys: str) -> None:
        await self.ws.send_json(["stdin", keys])

    async def close(self) -> None:
        await self.ws.close()


def saved(root: Path) -> str:
    path = root / "web" / "workbook.json"
    return path.read_text() if path.exists() else ""


async def wait_for(check, what: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, f"never: {what}"
        await asyncio.sleep(0.1)


async def test_a_browser_session_opens_the_full_screen_workbook_and_keys_work(tmp_path):
    """The workbook textual-serve starts (pipes for stdin and stdout) is the full-screen app, not plain mode:
    Home shows, a key opens section 2, what is typed there is saved when the browser leaves."""
    root = tmp_path / "data"
    server = WebServer(root)
    try:
        async with aiohttp.ClientSession() as client:
            await server.ready(client)
            browser = await server.open(client)
            await browser.until(HOME)
            await browser.type("2")
            await browser.until(SECTION_2)
            await asyncio.sleep(0.5)  # the field takes the cursor as the section opens
            await browser.type("typed in a browser")
            await browser.until("typed in a browser")
            await browser.close()
            await wait_for(lambda: "typed in a browser" in saved(root), "the answer was saved")
            await wait_for(lambda: not workbooks(root / "web"), "the session's workbook ended")
        log = server.log.read_text()
        assert "typed in a browser" not in log and "Traceback" not in log, log
    finally:
        server.stop()


async def test_a_closed_session_frees_its_place(tmp_path):
    """`--max-sessions 2`: five sessions one after another, each closed, each reaches Home; while two are
    open a third is turned away, and once one closes the next one starts."""
    root = tmp_path / "data"
    server = WebServer(root, "--max-sessions", "2")
    try:
        async with aiohttp.ClientSession() as client:
            await server.ready(client)
            for _ in range(5):
                browser = await server.open_when_free(client)
                await browser.until(HOME)
                await browser.close()
            first, second = await server.open_when_free(client), await server.open_when_free(client)
            await first.until(HOME)
            await second.until(HOME)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await server.open(client)
            assert refused.value.status == 503
            await first.close()
            third = await server.open_when_free(client)
            await third.until(HOME)
            await third.type("\x11")  # ctrl+q: the workbook quits, and the page is told it closed
            await third.until_closed()
            await wait_for(lambda: len(workbooks(root / "web")) == 1, "the quit workbook ended")
            await second.close()
            await wait_for(lambda: not workbooks(root / "web"), "every session's workbook ended")
    finally:
        server.stop()


async def test_sigterm_stops_the_web_server_and_its_workbooks_promptly(tmp_path):
    """SIGTERM with two browser sessions open: each workbook saves and ends, then the server; nothing is left."""
    root = tmp_path / "data"
    server = WebServer(root)
    try:
        async with aiohttp.ClientSession() as client:
            await server.ready(client)
            browsers = [await server.open(client), await server.open(client)]
            for browser in browsers:
                await browser.until(HOME)
            await browsers[0].type("2")
            await browsers[0].until(SECTION_2)
            await asyncio.sleep(0.5)
            await browsers[0].type("before the stop")
            await browsers[0].until("before the stop")
            assert len(workbooks(root / "web")) == 2
            server.proc.send_signal(signal.SIGTERM)
            # Promptly: well under textual-serve's own stop (5 to 60 s). Not a timing claim, a bound.
            assert await asyncio.to_thread(server.proc.wait, 5) == 0, server.log.read_text()
        assert workbooks(root / "web") == []
        assert workbooks(root) == []
        assert "before the stop" in saved(root)
        assert "before the stop" not in server.log.read_text()
    finally:
        server.stop()


async def test_a_workbook_that_does_not_answer_is_ended_and_its_place_freed(tmp_path):
    """A session's workbook stopped dead (SIGSTOP: it takes neither the page's quit nor a SIGTERM): closing
    the page still ends it and frees the place, and SIGTERM still stops the server with such a one open."""
    root = tmp_path / "data"
    server = WebServer(root, "--max-sessions", "1")
    try:
        async with aiohttp.ClientSession() as client:
            await server.ready(client)
            browser = await server.open(client)
            await browser.until(HOME)
            [stuck] = workbooks(root / "web")
            os.kill(stuck, signal.SIGSTOP)
            await browser.close()
            browser = await server.open_when_free(client)
            await browser.until(HOME)
            assert stuck not in workbooks(root / "web")
            [stuck] = workbooks(root / "web")
            os.kill(stuck, signal.SIGSTOP)
            server.proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(server.proc.wait, 10) == 0, server.log.read_text()
        assert workbooks(root) == []
    finally:
        server.stop()


async def test_what_a_sessions_workbook_prints_stays_out_of_the_log_but_its_own_lines(caplog):
    """A workbook's standard error can hold a crash's traceback with answers in it: only its own one-line
    `workbook: …` messages reach the server's log, and an unusual exit is noted without any of it."""
    from textual_serve.download_manager import DownloadManager

    from workbook.web import Session

    async def nothing(*_) -> None:
        pass

    command = "printf '__GANGLION__\\n'; printf 'Traceback\\n  answer = \"my secret answer\"\\nworkbook: a note\\n' >&2; exit 3"
    session = Session(command, write_bytes=nothing, write_str=nothing, close=nothing, download_manager=DownloadManager())
    with caplog.at_level("INFO"):
        await session.start(80, 24)
        await session.end()
    logged = caplog.text
    assert "a browser session's workbook: a note" in logged
    assert "exit code 3" in logged
    assert "secret" not in logged and "Traceback" not in logged


async def test_every_message_the_page_sends_is_read_and_nonsense_is_passed_over():
    """The page's messages as textual.js sends them (["blur"] and ["focus"] are one word); junk ends nothing."""
    from types import SimpleNamespace

    from workbook.web import WebServer as Server

    sent: list[object] = []

    class Service:
        async def send_bytes(self, data):
            sent.append(("stdin", data))

        async def set_terminal_size(self, width, height):
            sent.append(("resize", width, height))

        async def blur(self):
            sent.append("blur")

        async def focus(self):
            sent.append("focus")

    class Page:
        def __init__(self, *texts: str) -> None:
            self.texts = list(texts)

        def __aiter__(self):
            return self

        async def __anext__(self):
            if not self.texts:
                raise StopAsyncIteration
            return SimpleNamespace(type=aiohttp.WSMsgType.TEXT, data=self.texts.pop(0))

        async def send_json(self, data):
            sent.append(("pong", data))

    page = Page('["focus"]', "not json", '["stdin", 5]', "{}", "[]", '["stdin", "2"]', '["resize", {"width": 70000, "height": 3}]',
                '["ping", "7"]', '["blur"]')
    await Server("true", "127.0.0.1", 8000, "t")._process_messages(page, Service())
    assert sent == ["focus", ("stdin", b"2"), ("resize", 70000, 3), ("pong", ["pong", "7"]), "blur"]


def test_a_busy_port_is_one_clear_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        own = f"127.0.0.1:{busy.getsockname()[1]}"
        result = subprocess.run([sys.executable, "-m", "workbook", "--data-dir", str(tmp_path), "serve", "--web", "--listen", own],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(f"workbook: cannot listen on {own}: ") and result.stderr.count("\n") == 1, result.stderr
