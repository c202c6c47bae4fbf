"""The way out on a hang-up: save what was typed, then always end, whatever the terminal does.

A hang-up is SIGHUP, SIGTERM, or a terminal that reports it has gone (POLLHUP on standard input,
which a closed pty shows even when no SIGHUP comes). Textual writes to the terminal on a thread,
through a queue of 30 writes. A terminal that stops reading (a tmux pane being closed, a dropped
connection whose pty is still open) blocks that thread in write(); the queue fills and the event
loop blocks in its next write. Then nothing on the loop runs: not an asyncio signal handler, not a
timer, not Textual's shutdown (which waits for the writer thread). Before, the process lived on,
ignoring SIGTERM and keeping the workbook's session lock, so the next start said the workbook was
"also open in another window".

So SIGHUP and SIGTERM are plain Python handlers (they run on the main thread even while it waits
on that queue) that only wake a guard thread; the guard also waits for the terminal's POLLHUP.
Woken, it:

1. asks the event loop to save and leave (:meth:`Autosave.hang_up`); if the terminal has gone,
   drops every output at once (there is no one to show it to);
2. if the app has not ended after :data:`GRACE`, drops the output anyway: standard output and
   error become /dev/null, the driver writes into a sink, and the writes waiting for the terminal
   are thrown away, which frees the event loop to save and end;
3. if it still has not ended by :data:`LAST`, writes what is still waiting itself (after any write
   in progress, never cutting one) and ends the process with ``os._exit``, which also lets go of
   the session lock.

The guard costs nothing while it waits: one thread blocked in poll().
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
from queue import Empty
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screens.autosave import Autosave

GRACE = 1.0  # seconds for the event loop to save and end before the output is dropped
LAST = 2.5  # seconds after the hang-up by which the process has ended, one way or the other
HOLD = 10.0  # seconds to wait for a write already under way before the last one


class _Sink:
    """Stands in for Textual's writer thread once the terminal is gone: writes go nowhere, at once."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def stop(self) -> None:
        pass


class Lifeline:
    """The guard thread and the signal handlers that wake it (see the module's docstring)."""

    def __init__(self, autosave: Autosave) -> None:
        self.autosave = autosave
        self.ending = False  # a hang-up is being handled (set in the signal handler, before the thread runs)
        self.silenced = False  # the output was dropped: the terminal is gone, or no longer reads
        self.saved = threading.Event()  # the event loop saved everything at the hang-up
        self.ended = threading.Event()  # the app's run is over (or the guard is no longer wanted)
        self._previous: dict[int, object] = {}
        self._pipe: tuple[int, int] | None = None
        self._tty: int | None = None

    # -- starting and stopping ----------------------------------------------------------------
    def start(self) -> None:
        """From the event loop (on mount): install the handlers and start the guard thread."""
        import asyncio

        self._loop = asyncio.get_running_loop()
        read, write = os.pipe()  # not inherited by child processes
        os.set_blocking(read, False)
        os.set_blocking(write, False)
        self._pipe = (read, write)
        # Only Linux's poll() watches a terminal; elsewhere (macOS answers POLLNVAL for a tty) the
        # signals alone wake the guard.
        if sys.platform.startswith("linux"):
            try:
                self._tty = sys.__stdin__.fileno()
            except (AttributeError, OSError, ValueError):
                self._tty = None
        try:
            for sig in (signal.SIGHUP, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._signal)
            # A hang-up of the controlling terminal also sends SIGCONT, on which Textual starts its
            # application mode again (new threads writing to the gone terminal): not while ending.
            textual_cont = signal.getsignal(signal.SIGCONT)
            self._previous[signal.SIGCONT] = textual_cont

            def on_cont(signum: int, frame: object) -> None:
                if not self.ending and callable(textual_cont):
                    textual_cont(signum, frame)

            signal.signal(signal.SIGCONT, on_cont)
        except ValueError:  # not the main thread: the terminal's hang-up alone wakes the guard
            pass
        threading.Thread(target=self._guard, name="workbook-hang-up", daemon=True).start()

    def stop(self) -> None:
        """The app's run is over: put the earlier signal handlers back and let the guard go.

        A hang-up already being handled carries on to its end (the process is leaving anyway).
        """
        self.ended.set()
        if self.ending:
            return
        for sig, handler in self._previous.items():
            with contextlib.suppress(ValueError, TypeError, OSError):
                signal.signal(sig, handler)  # type: ignore[arg-type]
        self._previous.clear()
        # Textual leaves its SIGTSTP and SIGCONT handlers behind; with no app left to suspend or
        # resume (plain mode after F2), the SIGCONT of a hang-up made them start a dead driver
        # and raise in the middle of plain mode's last save, and ctrl+z would wait on it forever.
        for sig in (signal.SIGTSTP, signal.SIGCONT):
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, signal.SIG_DFL)
        self._wake(b"q")

    def _signal(self, signum: int, frame: object) -> None:
        """SIGHUP or SIGTERM, on the main thread wherever it is: only note it and wake the guard."""
        self.ending = True
        self._wake(b"h")

    def _wake(self, byte: bytes) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                os.write(self._pipe[1], byte)

    # -- the guard -----------------------------------------------------------------------------
    def _guard(self) -> None:
        assert self._pipe is not None
        poller = select.poll()
        poller.register(self._pipe[0], select.POLLIN)
        if self._tty is not None:
            poller.register(self._tty, 0)  # only POLLHUP, POLLERR and POLLNVAL, which are always reported
        while True:
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            woken = b""
            for fd, mask in events:
                if fd == self._pipe[0]:
                    with contextlib.suppress(OSError):
                        woken += os.read(fd, 64)
                elif mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    woken += b"h"
            if b"h" in woken and not self.ended.is_set():
                break
            if b"q" in woken or self.ended.is_set():
                return
        self.ending = True
        self._end()

    def terminal_gone(self) -> bool:
        """The terminal reports a hang-up (a pty whose other end closed)."""
        if self._tty is None:
            return False
        poller = select.poll()
        poller.register(self._tty, 0)
        try:
            return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in poller.poll(0))
        except OSError:
            return True

    def _end(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self.autosave.hang_up)
        except RuntimeError:  # the event loop is closed: the app is over, the process about to end
            pass
        if self.terminal_gone():
            self.silence()
        if self.ended.wait(GRACE):
            return
        self.silence()
        if self.ended.wait(LAST - GRACE):
            return
        self.last_save()
        os._exit(0)

    # -- dropping the output, and the last save -------------------------------------------------
    def silence(self) -> None:
        """Drop all output from now on, and what waits for the terminal, so that nothing waits on it."""
        if self.silenced:
            return
        self.silenced = True
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_WRONLY)
            for fd in (1, 2):
                with contextlib.suppress(OSError):
                    os.dup2(null, fd)
            os.close(null)
        driver = getattr(self.autosave.app, "_driver", None)
        writer = getattr(driver, "_writer_thread", None)
        queue = getattr(writer, "_queue", None)
        if queue is None:
            return
        driver._writer_thread = _Sink()  # type: ignore[union-attr]
        # Free whoever waits to put into the old queue (the event loop, or its shutdown putting the
        # stop mark): nothing takes from it when its thread is stuck in write() or has died.
        for _ in range(1000):
            try:
                queue.get_nowait()
            except Empty:
                if not queue.full():
                    break

    def last_save(self) -> None:
        """Before ``os._exit``: write what is still waiting (after a write under way), or a rescue copy."""
        autosave = self.autosave
        if not self.saved.is_set():
            # The event loop never got to the hang-up's save: pick up the typing from here, the
            # best that can be done (the loop is busy or stuck, not changing these fields).
            with contextlib.suppress(Exception):
                autosave.collect_typing()
        if autosave.saver.save_last(HOLD):
            return
        from workbook import rescue

        with contextlib.suppress(Exception):
            rescue.write(autosave.state.store, autosave.saver.pending(), autosave.rescue_places())
