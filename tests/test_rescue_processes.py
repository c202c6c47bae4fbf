"""Real processes: a hang-up while the disk refuses the save writes the rescue copy without a question.

Two ways the disk refuses: the workbook file replaced by a folder underneath the running app (works
anywhere), and a really full disk, a 256 KB tmpfs filled up (needs root to mount; skipped otherwise).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from workbook import rescue
from workbook.storage import DB_NAME, Store

FIELD = "what-is.own-words"
ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z]|\x1b[\]P][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()=>][A-Za-z0-9]?")


def spawn(folder: Path, home: Path) -> tuple[int, int]:
    env = {**os.environ, "WORKBOOK_DATA_DIR": str(folder), "TERM": "xterm-256color", "HOME": str(home)}
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "workbook"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


def read_until(fd: int, marker: bytes, timeout: float = 30) -> bytes:
    out = b""
    end = time.time() + timeout
    while marker not in out:
        assert time.time() < end, f"{marker!r} never appeared"
        if select.select([fd], [], [], 0.05)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def wait_exit(pid: int, fd: int, timeout: float = 15) -> tuple[int | None, bytes]:
    """The exit status and everything the process wrote after the hang-up (its standard error included)."""
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        try:
            if select.select([fd], [], [], 0.02)[0]:
                out += os.read(fd, 65536)
        except OSError:
            pass
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            try:
                while select.select([fd], [], [], 0.1)[0]:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    out += chunk
            except OSError:
                pass
            return status, out
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None, out


def hang_up_after(folder: Path, home: Path, refuse, sig: int = signal.SIGHUP) -> tuple[int | None, str]:
    """Type an answer, let it save, make the disk refuse, type more, then SIGHUP before the autosave."""
    pid, fd = spawn(folder, home)
    try:
        read_until(fd, b"Palette")
        os.write(fd, b"2")
        read_until(fd, b"Self-Trust is the act")
        time.sleep(0.3)
        os.write(fd, b"saved")
        read_until(fd, "✓ saved".encode())
        refuse()
        os.write(fd, b" and then the disk refused")
        read_until(fd, b"disk refused")
        os.kill(pid, sig)
        status, out = wait_exit(pid, fd)
    finally:
        os.close(fd)
    return status, ANSI.sub(b"", out).decode("utf-8", "replace").replace("\r\n", "\n")


def check_rescue(status: int | None, said: str, folder: Path, where: Path) -> Path:
    assert status is not None and os.waitstatus_to_exitcode(status) == 0, said
    assert "Traceback" not in said
    [copy] = list(where.glob("workbook-rescue-*.json"))
    assert copy.name.endswith(f"-{rescue.folder_tag(folder)}.json")
    markdown = copy.with_suffix(".md")
    for path in (copy, markdown):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"rescue copy {copy} (to read: {markdown})" in said  # on standard error, after the screen is given back
    assert f"`workbook import {copy}`" in said
    assert json.loads(copy.read_text())["answers"][FIELD] == "saved and then the disk refused"
    return copy


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_a_hang_up_with_a_data_folder_that_refuses_writes_writes_the_rescue_copy(tmp_path: Path, sig: int):
    """The data folder turns immutable (chattr +i: refused even to root). A workbook file replaced
    by a folder no longer refuses: it is moved aside and repaired from a backup like any damage."""
    folder = tmp_path / "data"
    home = tmp_path / "home"
    home.mkdir()
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not here")

    def refuse() -> None:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"this filesystem has no immutable folders: {done.stderr.strip()}")

    try:
        status, said = hang_up_after(folder, home, refuse, sig)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    copy = check_rescue(status, said, folder, tmp_path)  # the data folder's parent took it
    assert "could not be written" in said
    # and `workbook import` takes it
    other = tmp_path / "other"
    done = subprocess.run([sys.executable, "-m", "workbook", "--data-dir", str(other), "import", str(copy), "--yes"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Store.open(other).answers()[FIELD] == "saved and then the disk refused"


@pytest.fixture
def small_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_a_hang_up_with_a_really_full_disk_writes_the_rescue_copy_in_the_home_folder(small_disk: Path, tmp_path: Path):
    folder = small_disk / "data"
    home = tmp_path / "home"
    home.mkdir()
    status, said = hang_up_after(folder, home, lambda: fill(small_disk))
    check_rescue(status, said, folder, home)  # the data folder's parent is the full disk: the home folder took it
    assert "the disk is full" in said
    assert Store.read_only(folder).answers()[FIELD] == "saved"  # the file on the full disk is whole
