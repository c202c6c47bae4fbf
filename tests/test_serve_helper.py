"""`workbook serve`'s pre-started helper: sessions are forks of it, and when it dies mid-burst a new one
takes its place while every session still reaches Home. Real server, real helper, asyncssh clients."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import asyncssh
import pytest

from test_serve import Server, open_workbook, read_until, workbook_processes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pre-started helper is Linux only")


@pytest.fixture
def server_root(tmp_path: Path):
    return tmp_path / "server"


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def helper_pids(log: str) -> list[int]:
    return [int(p) for p in re.findall(r"helper ready \(pid (\d+)\)|a new one is ready \(pid (\d+)\)", log) for p in p if p]


async def test_a_helper_killed_mid_burst_is_replaced_and_every_session_reaches_home(server_root):
    server = Server(server_root, "--open", "--rate", "100", "--max-sessions-per-address", "100")
    try:
        [helper] = helper_pids(server.log.read_text())
        first_conn, first = await open_workbook(server.port, asyncssh.generate_private_key("ssh-ed25519"))
        await read_until(first, "Contents")
        [first_pid] = workbook_processes(server_root)
        assert parent(first_pid) == helper  # a fork of the helper, not a fresh Python

        keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(8)]

        async def login(key):
            conn, process = await open_workbook(server.port, key)
            await read_until(process, "Contents", timeout=60)
            return conn, process

        burst = asyncio.gather(*(login(k) for k in keys))
        while len(workbook_processes(server_root)) < 2:  # the burst's first session forked: kill it now
            await asyncio.sleep(0.005)
        os.kill(helper, signal.SIGKILL)
        forked_before = len(workbook_processes(server_root)) - 1
        opened = await asyncio.wait_for(burst, 90)  # every one of the eight reaches Home

        log = await server.logged("a new one is ready")
        assert log.count(f"the pre-started helper (pid {helper}) ended") == 1
        new_helper = helper_pids(log)[-1]
        assert new_helper != helper and alive(new_helper) and not alive(helper)
        pids = workbook_processes(server_root)
        assert len(pids) == 9
        after = [pid for pid in pids if parent(pid) == new_helper]
        print(f"\n{forked_before} of 8 forked before the helper was killed, {len(after)} by the new helper")
        assert after, "no session came from the new helper"

        first.stdin.write(b"2")  # the session open before is untouched
        await read_until(first, "Self-Trust is the act")
        opened[0][1].stdin.write(b"4")
        await read_until(opened[0][1], "What I like")

        server.proc.send_signal(signal.SIGTERM)  # and a clean stop still leaves nothing running
        assert server.proc.wait(60) == 0
        assert workbook_processes(server_root) == []
        assert not alive(new_helper)
        for conn, _ in [(first_conn, first), *opened]:
            conn.close()
    finally:
        server.stop()


async def test_without_the_helper_each_session_is_a_fresh_python(server_root):
    server = Server(server_root, "--open", "--no-helper")
    try:
        assert "pre-started helper" not in server.log.read_text()
        conn, process = await open_workbook(server.port, asyncssh.generate_private_key("ssh-ed25519"))
        await read_until(process, "Contents")
        [pid] = workbook_processes(server_root)
        assert parent(pid) == server.proc.pid
        conn.close()
    finally:
        server.stop()


def test_parsed_stylesheets_are_kept_for_the_forks_per_theme(monkeypatch):
    """The helper keeps each stylesheet it parsed (a fork's App then parses none again), keyed by the theme's
    variables too: the same CSS under another theme is parsed again, with that theme's colours."""
    from textual.css.stylesheet import Stylesheet

    from workbook.serve import helper

    monkeypatch.setattr(Stylesheet, "_parse_rules", Stylesheet._parse_rules)  # put back after the test
    monkeypatch.setattr(helper, "SHARED_CSS", {})
    helper.share_parsed_css()
    css = "Screen { background: $accent; }"

    def rules(accent: str):
        sheet = Stylesheet(variables={"accent": accent})
        sheet.add_source(css, ("workbook.tcss", ""))
        return sheet.rules

    first, again, other = rules("red"), rules("red"), rules("blue")
    assert first[0] is again[0]  # the second stylesheet (a fork's App) parsed nothing
    assert other[0] is not first[0]
    assert other[0].styles.background != first[0].styles.background
    assert len(helper.SHARED_CSS) == 2


def test_the_rehearsal_runs_a_workbook_and_leaves_no_thread_and_no_profile(tmp_path):
    """Before forking, the helper runs a throwaway workbook until Home: it parsed the stylesheets (kept), and
    left no thread running (a fork copies only the forking thread) and no temporary profile behind."""
    import subprocess

    code = (
        "import os, threading\n"
        "from workbook.serve import helper\n"
        "helper.warm()\n"
        "print(threading.active_count(), len(helper.SHARED_CSS), sorted(os.listdir(os.environ['TMPDIR'])))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "TMPDIR": str(tmp_path), "LANG": "C.UTF-8"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    threads, parsed, left = out.stdout.split(maxsplit=2)
    assert threads == "1"
    assert int(parsed) >= 10  # every .tcss file and widget's DEFAULT_CSS, in each theme
    assert left.strip() == "[]"
    assert "skipped its rehearsal" not in out.stderr
