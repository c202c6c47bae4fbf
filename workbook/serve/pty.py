"""The plumbing of `workbook serve`: a visitor's workbook on a pseudo-terminal of its own. No Textual here.

A `Terminal` is one pty and the workbook process on it: it copies the workbook's output to the visitor and
the visitor's keys and window sizes to the workbook, hangs up, signals and waits for the process to end.
Who may connect, the caps and the timeouts are the policy's (policy.py); how the process starts is a
launcher's: `spawn` (a fresh Python, here) or the pre-started helper's fork (helper.py).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol

import asyncssh

# The terminal a visitor asks for, kept to what a person's terminal can be: a pty's size is clamped
# (at the request and on every resize) and TERM/COLORTERM must look like a terminal's name.
COLUMNS = (20, 500)
ROWS = (10, 200)
TERMINAL_NAME = re.compile(r"[A-Za-z0-9._+-]{1,64}")
DEFAULT_TERM = "xterm-256color"
# Back-pressure: once this much of the workbook's output waits for a visitor who is not reading, the pty
# is not read until it has drained, so the kernel's pty buffer holds the workbook instead of the server.
HIGH_WATER = 256 * 1024


RESIZE_GAP = 0.05  # seconds: window sizes reach the workbook at most 20 times a second (the latest always)


def clamp_size(width: int, height: int) -> tuple[int, int]:
    """A pty size in the range a person's terminal has (0, "not given", is 80x24)."""
    width, height = width or 80, height or 24
    return min(max(width, COLUMNS[0]), COLUMNS[1]), min(max(height, ROWS[0]), ROWS[1])


def terminal_name(value: object, default: str | None) -> str | None:
    """TERM or COLORTERM as sent, if it looks like a terminal's name; else the default."""
    return value if isinstance(value, str) and TERMINAL_NAME.fullmatch(value) else default


def set_size(master: int, width: int, height: int) -> None:
    width, height = clamp_size(width, height)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def session_env(term: object, colorterm: object) -> dict[str, str]:
    """The whole environment of a visitor's workbook: nothing of the server's beyond PATH and LANG."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "TERM": terminal_name(term, DEFAULT_TERM) or DEFAULT_TERM,
        "WORKBOOK_HOSTED": "1",
    }
    name = terminal_name(colorterm, None)
    if name:
        env["COLORTERM"] = name
    return env


def workbook_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "workbook", "--data-dir", str(folder)]


class Child(Protocol):
    """A visitor's workbook process, however it was started."""

    pid: int

    def alive(self) -> bool: ...

    def signal(self, sig: int) -> None: ...

    async def ended(self) -> None: ...

    def close(self) -> None: ...


async def fd_ready(fd: int, writable: bool = False) -> None:
    """Wait, on the event loop, until ``fd`` can be read (or written)."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    add, remove = (loop.add_writer, loop.remove_writer) if writable else (loop.add_reader, loop.remove_reader)
    add(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        remove(fd)


def signal_if_alive(child: Child, send: Callable[[], None]) -> None:
    """Signal a workbook that may have ended meanwhile (then there is nothing to signal)."""
    if child.alive():
        try:
            send()
        except ProcessLookupError:
            pass


class Spawned:
    """A workbook started as a fresh Python, a child of the server."""

    def __init__(self, popen: subprocess.Popen) -> None:
        self.popen = popen
        self.pid = popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int) -> None:
        signal_if_alive(self, lambda: os.killpg(self.pid, sig))

    async def ended(self) -> None:
        while self.alive():
            await asyncio.sleep(0.05)

    def close(self) -> None:
        self.popen.poll()  # reaped if it has ended (it has, unless a stop gave up waiting)


class Watched:
    """A workbook the pre-started helper forked: not the server's child, so it is watched and signalled
    through a pidfd (which names that one process, so a reused pid is never signalled)."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self.pidfd = pidfd

    def alive(self) -> bool:
        if self.pidfd < 0:
            return False
        return not select.select([self.pidfd], [], [], 0)[0]  # readable once the process has ended

    def signal(self, sig: int) -> None:
        signal_if_alive(self, lambda: signal.pidfd_send_signal(self.pidfd, sig))

    async def ended(self) -> None:
        if not self.alive():
            return
        await fd_ready(self.pidfd)  # a pidfd is readable once its process has ended

    def close(self) -> None:
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


def _controlling_terminal() -> None:
    """In the child: its pty becomes its controlling terminal (a plain session's socket is none)."""
    if os.isatty(0):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def spawn(folder: Path, env: dict[str, str], slave: int) -> Spawned:
    """A fresh Python running the workbook on the pty whose slave end is `slave`."""
    return Spawned(subprocess.Popen(
        workbook_command(folder),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=folder,
        start_new_session=True,  # its own session, with the pty as its controlling terminal:
        preexec_fn=_controlling_terminal,  # noqa: PLW1509 hang-ups and resizes reach it
        close_fds=True,
    ))


class Launcher(Protocol):
    async def launch(self, folder: Path, env: dict[str, str], slave: int) -> Child: ...


class Spawner:
    """The launcher that starts a fresh Python per visitor (`serve --no-helper`, or no helper here)."""

    async def launch(self, folder: Path, env: dict[str, str], slave: int) -> Child:
        return spawn(folder, env, slave)


class Terminal:
    """One visitor's pty and the workbook on it."""

    def __init__(self, width: int, height: int) -> None:
        self.master, self.slave = os.openpty()
        self.child: Child | None = None
        self.ending = False
        self._resume: Callable[[], Any] | None = None
        self.held = False  # its output waits for the visitor (back-pressure): window changes wait too ...
        self.held_size: tuple[int, int] | None = None  # ... and only the latest is kept
        self._sized_at = 0.0  # when a size was last given to the workbook (monotonic)
        self._size_timer: asyncio.TimerHandle | None = None
        try:
            set_size(self.master, width, height)
        except BaseException:
            self._close_slave()
            os.close(self.master)
            raise

    async def start(self, launcher: Launcher, folder: Path, env: dict[str, str]) -> None:
        try:
            self.child = await launcher.launch(folder, env, self.slave)
        except BaseException:
            os.close(self.master)
            raise
        finally:
            self._close_slave()

    def _close_slave(self) -> None:
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def resize(self, width: int, height: int) -> None:
        """A new window size for the workbook: at once, or, while its output waits for a visitor who is not
        reading, once it flows again (each size is a full redraw the workbook would pile up in its own
        memory, blocked on the pty; only the latest is kept).

        Sizes are also paced, at most one each RESIZE_GAP: each one is a SIGWINCH, and Textual's handler
        for it runs inside itself when the next comes before it has finished, so a flood of window
        changes (hundreds of thousands from a hostile client) ended the visitor's workbook with a
        RecursionError. The latest size always applies."""
        self.held_size = (width, height)
        if self.held or self._size_timer is not None:
            return  # applied when the output flows again, or when the gap has passed
        wait = self._sized_at + RESIZE_GAP - time.monotonic()
        if wait > 0:
            try:
                self._size_timer = asyncio.get_running_loop().call_later(wait, self._apply_size)
                return
            except RuntimeError:  # no event loop (only in tests): at once
                pass
        self._apply_size()

    def _apply_size(self) -> None:
        self._size_timer = None
        if self.held or self.held_size is None or self.master < 0:
            return
        size, self.held_size = self.held_size, None
        self._sized_at = time.monotonic()
        try:
            set_size(self.master, *size)
        except OSError:
            pass

    def _stop_sizes(self) -> None:
        if self._size_timer is not None:
            self._size_timer.cancel()
            self._size_timer = None

    def hold(self, held: bool) -> None:
        """Output waits for the visitor (True) or flows again (False: a window size kept meanwhile applies)."""
        self.held = held
        if not held and self.held_size is not None:
            self.resize(*self.held_size)

    def signal(self, sig: int) -> None:
        """Tell the workbook to end (or stop it): from now on its output never waits for the visitor, so a
        visitor who stopped reading cannot keep it from saving and ending."""
        self.ending = True
        if self._resume is not None:
            self._resume()
        if self.child is not None:
            self.child.signal(sig)

    async def relay(self, process: asyncssh.SSHServerProcess, on_key: Callable[[], None],
                    on_gone: Callable[[], None], watch: Awaitable[Any] | None = None) -> None:
        """Copy output to the visitor and keys and sizes to the workbook until the workbook closes its
        terminal; then wait for it to end and close the pty. `on_key` after each key, `on_gone` when the
        visitor's side closes (the workbook then gets a hang-up); `watch` runs alongside (the policy's)."""
        master = self.master
        os.set_blocking(master, False)
        loop = asyncio.get_running_loop()
        output_closed = asyncio.Event()

        draining: list[asyncio.Task] = []

        def from_child() -> None:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(master)
                output_closed.set()
                return
            try:
                if process.channel.get_write_buffer_size() > HIGH_WATER:
                    return  # told to end, to a visitor who is not reading: what it draws now is dropped
                process.stdout.write(data)
                waiting = process.channel.get_write_buffer_size()
            except (OSError, asyncssh.Error):
                return  # the visitor is gone; the workbook is saving and ending (it got a hang-up)
            if waiting > HIGH_WATER and not self.ending:  # the visitor is not reading: the pty waits
                loop.remove_reader(master)
                self.hold(True)
                draining[:] = [asyncio.ensure_future(drained())]

        async def drained() -> None:
            try:
                await process.stdout.drain()
            except (OSError, asyncssh.Error, ConnectionError):
                pass  # gone: read on, so the workbook's last output (and its end) is seen
            if not output_closed.is_set():
                loop.add_reader(master, from_child)
            self.hold(False)

        def resume() -> None:  # told to end while waiting for the visitor: read on at once
            if draining and not draining[0].done():
                draining[0].cancel()
                if not output_closed.is_set():
                    loop.add_reader(master, from_child)
                self.hold(False)

        self._resume = resume
        loop.add_reader(master, from_child)
        to_child = asyncio.create_task(self._from_visitor(process, on_key, on_gone))
        watchdog = asyncio.ensure_future(watch) if watch is not None else None
        try:
            await output_closed.wait()
        except BaseException:
            self.signal(signal.SIGHUP)  # whatever went wrong, the workbook saves and ends
            raise
        finally:
            to_child.cancel()
            self._resume = None
            for task in draining:
                task.cancel()
            if watchdog is not None:
                watchdog.cancel()
            loop.remove_reader(master)
            try:
                await self._reap_and_stop_sizes()
            finally:
                os.close(master)

    async def _from_visitor(self, process: asyncssh.SSHServerProcess, on_key: Callable[[], None],
                            on_gone: Callable[[], None]) -> None:
        master = self.master
        while True:
            try:
                data = await process.stdin.read(4096)
            except asyncssh.TerminalSizeChanged as change:
                self.resize(change.width, change.height)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except (asyncssh.Error, OSError, ConnectionError):
                data = b""
            if not data:  # the visitor is gone (or, on a pipe, their input ended)
                self.visitor_done(on_gone)
                return
            on_key()
            try:
                await self._write(data)
            except OSError:
                return

    async def _write(self, data: bytes) -> None:
        """All of `data` to the workbook; when its input is full (it is busy, or waiting for the visitor
        to read), wait until it reads rather than drop keys."""
        while data:
            try:
                data = data[os.write(self.master, data):]
                continue
            except BlockingIOError:
                pass
            await fd_ready(self.master, writable=True)

    def visitor_done(self, on_gone: Callable[[], None]) -> None:
        """The visitor's side closed: hang up, the workbook saves and ends."""
        on_gone()
        self.signal(signal.SIGHUP)

    async def _reap_and_stop_sizes(self) -> None:
        try:
            await self.reap()
        finally:
            self._stop_sizes()  # no size for a pty about to close (its number may soon be another's)

    async def reap(self, grace: float = 10.0) -> None:
        """Wait for the workbook to end (it was told to); after `grace` seconds it is killed."""
        child = self.child
        if child is None:
            return
        try:
            await asyncio.wait_for(child.ended(), grace)
        except asyncio.TimeoutError:
            child.signal(signal.SIGKILL)
            await child.ended()
        finally:
            child.close()


class Pipe(Terminal):
    """A visitor without a pty (`ssh -T`): the workbook runs in plain mode with one end of a socket
    pair as its standard input, output and error, and the server relays the other end as it relays a
    pty's master. No line discipline: the visitor's own terminal echoes and edits the lines; no sizes.
    When the visitor's input ends (a piped `printf … | ssh -T`), the workbook reads the end of input,
    saves and ends, and its last words still reach the visitor."""

    def __init__(self) -> None:  # noqa: D107 (no pty, no size)
        ours, theirs = socket.socketpair()
        self.master, self.slave = ours.detach(), theirs.detach()
        self.child = None
        self.ending = False
        self._resume = None
        self.held, self.held_size = False, None

    def resize(self, width: int, height: int) -> None:
        pass  # plain lines have no size to change

    def visitor_done(self, on_gone: Callable[[], None]) -> None:
        try:
            with socket.socket(fileno=os.dup(self.master)) as sock:
                sock.shutdown(socket.SHUT_WR)  # the workbook reads the end of input
        except OSError:
            on_gone()
            self.signal(signal.SIGHUP)
