"""The pre-started workbook of `workbook serve` (Linux): sessions are forks of one warm process. The
server's side imports no Textual; the helper process imports it once.

The server starts one helper (`python -I -c 'from workbook.serve.helper import main; main()' FD`): it
imports Textual, the app and its screens, parses the workbook's text, rehearses a start (a throwaway
workbook on a temporary profile, headless, until Home is drawn in each theme: the stylesheets are parsed
once and kept, Textual's and Rich's caches filled, the code specialised), runs `gc.freeze()` and says it
is ready. No visitor's data is ever in the helper: the rehearsal's profile is empty and removed. For each session the server sends the profile folder and environment, with the pty's slave end
(SCM_RIGHTS), on a Unix socket. The helper forks and replies with the new process's pid, a pidfd for it,
and the write end of a pipe the fork waits on: the server says go once it holds the pidfd, so a fork the
server never heard of (the helper ended first) leaves without starting, as does one it heard of too late.
The fork becomes the session leader with the pty as its controlling terminal (setsid, TIOCSCTTY, the pty
on 0/1/2), takes the session's environment and opens the visitor's profile, as `python -m workbook
--data-dir PROFILE` would. Start-up work and most memory pages are shared.

The server watches each session through its pidfd (pty.Watched); sessions are not the server's children,
nor is the helper (it leaves its first parent at once), and the helper reaps its own. If the helper ends,
the sessions it forked carry on; the server starts a new helper and says so in one log line. Where the
helper cannot start (no pidfd, not Linux) or cannot fork a session, that session starts as a fresh Python.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from workbook.serve.pty import Child, Spawner, Watched, workbook_command

log = logging.getLogger("workbook.serve")

# Room for a session's command line and environment over the helper's own (a fork cannot exec, so it
# rewrites those areas in place: `ps` and /proc show each session as the workbook it is).
ROOM = 4096
ROOM_VARIABLE = "WORKBOOK_HELPER_ROOM"
# WORKBOOK_HELPER_REHEARSE=0 in the server's environment: the helper only imports (no rehearsed start).
REHEARSE_VARIABLE = "WORKBOOK_HELPER_REHEARSE"


class HelperGone(Exception):
    """The helper ended before it answered."""


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


class Helper:
    """The launcher that asks the pre-started helper for a fork (a fresh Python when it cannot)."""

    def __init__(self, reply_timeout: float = 20.0) -> None:
        self.reply_timeout = reply_timeout
        self.sock: socket.socket | None = None
        self.pid = 0
        self.pidfd = -1
        self.ready = False
        self.up: asyncio.Future[None] | None = None
        self.restarting: asyncio.Task[None] | None = None
        self.waiting: dict[int, asyncio.Future[tuple[int, int]]] = {}
        self.numbers = itertools.count(1)
        self.closing = False
        self.spawner = Spawner()

    # -- the helper's life ---------------------------------------------------------
    async def start(self) -> bool:
        """Start a helper and wait until it has imported everything; False if it could not start."""
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setblocking(False)
        self.sock, self.up = ours, loop.create_future()
        loop.add_reader(ours, self._readable, ours)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            ROOM_VARIABLE: "." * ROOM,
        }
        if os.environ.get(REHEARSE_VARIABLE) == "0":  # the benchmark's "before", or a way out should it misbehave
            env[REHEARSE_VARIABLE] = "0"
        try:
            first = subprocess.Popen(
                [sys.executable, "-I", "-c", "from workbook.serve.helper import main; main()",
                 str(theirs.fileno()), "." * ROOM],
                pass_fds=(theirs.fileno(),), env=env, cwd="/", start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            )
        except OSError:
            self._lost(ours)
            return False
        finally:
            theirs.close()
        await asyncio.to_thread(first.wait)  # it forks the helper and leaves at once
        try:
            await asyncio.wait_for(asyncio.shield(self.up), 60)
        except (HelperGone, asyncio.TimeoutError):
            self._kill()
            self._lost(ours)
            return False
        return True

    def _readable(self, sock: socket.socket) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 4096, 2)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        if not data:
            for fd in fds:
                os.close(fd)
            self._lost(sock)
            return
        message = json.loads(data)
        if "ready" in message:
            self.pid, self.pidfd, self.ready = message["ready"], fds[0], True
            if self.up is not None and not self.up.done():
                self.up.set_result(None)
            return
        waiter = self.waiting.pop(message["id"], None)
        if "error" in message or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            if waiter is not None and not waiter.done():
                waiter.set_exception(OSError(message.get("error", "no pidfd")))
            return
        pidfd, go = fds
        try:
            if waiter is not None and not waiter.done():
                os.write(go, b"g")  # the fork waits for this: one the server never heard of never starts
                waiter.set_result((message["pid"], pidfd))
            else:  # asked too late (the session started another way): that fork ends without starting
                os.close(pidfd)
        finally:
            os.close(go)

    def _lost(self, sock: socket.socket) -> None:
        """The helper's socket closed: the helper ended (or was told to)."""
        if sock is not self.sock:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(sock)
        sock.close()
        self.sock = None
        was_ready, pid = self.ready, self.pid
        self.ready = False
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1
        if self.up is not None and not self.up.done():
            self.up.set_exception(HelperGone())
        if was_ready and not self.closing:
            self.restarting = asyncio.create_task(self._restart(pid))
        waiting, self.waiting = self.waiting, {}
        for waiter in waiting.values():
            if not waiter.done():
                waiter.set_exception(HelperGone())

    async def _restart(self, pid: int) -> None:
        if await self.start():
            log.warning("the pre-started helper (pid %d) ended; a new one is ready (pid %d); "
                        "open sessions carry on", pid, self.pid)
        else:
            log.warning("the pre-started helper (pid %d) ended and a new one could not start; "
                        "sessions start as a fresh Python each", pid)

    def _kill(self) -> None:
        if self.pidfd >= 0:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass

    async def close(self) -> None:
        """End the helper (the sessions it forked are the server's to stop)."""
        self.closing = True
        if self.restarting is not None:
            self.restarting.cancel()
        pidfd = os.dup(self.pidfd) if self.pidfd >= 0 else -1
        if self.sock is not None:
            self._lost(self.sock)  # it reads the end of its socket and leaves
        if pidfd >= 0:
            helper = Watched(self.pid, pidfd)
            try:
                await asyncio.wait_for(helper.ended(), 5)
            except asyncio.TimeoutError:
                helper.signal(signal.SIGKILL)
            helper.close()

    # -- a session -----------------------------------------------------------------
    async def launch(self, folder: Path, env: dict[str, str], slave: int) -> Child:
        for _ in range(2):  # a helper that ends mid-request is replaced, and asked again
            if self.restarting is not None and not self.restarting.done():
                await asyncio.shield(self.restarting)
            if not self.ready:
                break
            try:
                return await self._fork(folder, env, slave)
            except (HelperGone, OSError, asyncio.TimeoutError):
                continue
        return await self.spawner.launch(folder, env, slave)

    async def _fork(self, folder: Path, env: dict[str, str], slave: int) -> Watched:
        assert self.sock is not None
        number = next(self.numbers)
        waiter = asyncio.get_running_loop().create_future()
        self.waiting[number] = waiter
        request = {"id": number, "folder": str(folder), "env": env, "argv": workbook_command(folder)}
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], [slave])
            pid, pidfd = await asyncio.wait_for(waiter, self.reply_timeout)
        except asyncio.TimeoutError:
            self._kill()  # stuck: it is replaced
            raise
        except asyncio.CancelledError:  # the session ended first; its fork hangs up when the pty closes
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                os.close(waiter.result()[1])
            raise
        finally:
            self.waiting.pop(number, None)
        return Watched(pid, pidfd)


# -- the helper process ------------------------------------------------------------------

def _memory_areas() -> tuple[int, int, int, int]:
    """Where this process's command line and environment strings are (arg_start .. env_end)."""
    with open("/proc/self/stat", "rb") as handle:
        fields = handle.read().rpartition(b")")[2].split()
    return tuple(int(f) for f in fields[45:49])  # type: ignore[return-value]


def _rewrite(start: int, end: int, data: bytes) -> None:
    import ctypes

    room = end - start
    if 0 < len(data) <= room:
        ctypes.memmove(start, data.ljust(room, b"\0"), room)


def retitle(argv: list[str], env: dict[str, str] | None = None) -> None:
    """Show this process as `argv` (and its environment as `env`) in ps and /proc."""
    try:
        arg_start, arg_end, env_start, env_end = _memory_areas()
        _rewrite(arg_start, arg_end, b"\0".join(a.encode() for a in argv) + b"\0")
        if env is not None:  # C's environ no longer points into that area (os.environ was replaced first)
            _rewrite(env_start, env_end, b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items()))
    except (OSError, ValueError, IndexError):
        pass  # only what ps shows


def warm(full: bool = True) -> None:
    """Do once, for every session, what each would otherwise do at its start: import Textual, the app and
    its screens, parse the workbook's text and (`full`) rehearse a start: a throwaway workbook on a temporary
    profile, run headless at 80x24 until Home is drawn, in each theme. That parses every stylesheet (kept,
    see `share_parsed_css`), fills Textual's and Rich's caches and lets the interpreter specialise the code a
    start runs, so a fork finds all of it done (and shared)."""
    import importlib
    import pkgutil

    import workbook.__main__  # noqa: F401
    for name in ("textual.app", "textual.drivers.linux_driver", "textual._xterm_parser", "textual.scrollbar",
                 "textual.layouts.factory", "textual.layouts.vertical", "textual.layouts.horizontal",
                 "textual.layouts.grid", "textual.layouts.stream", "workbook.backups", "workbook.exchange", "workbook.resets", "workbook.status", "workbook.storage",
                 "workbook.saver", "workbook.rescue", "workbook.practice", "workbook.state", "screens.app",
                 "screens"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    screens = sys.modules.get("screens")
    for info in pkgutil.iter_modules(getattr(screens, "__path__", [])):
        try:
            importlib.import_module(f"screens.{info.name}")
        except ImportError:
            pass
    try:
        from workbook import content

        content.load()
    except (ImportError, AttributeError):
        pass
    if full:
        share_parsed_css()
        rehearse()


def app_class() -> type | None:
    """The workbook's App class, wherever this version keeps it."""
    import importlib

    for name in ("screens.app", "workbook.app"):
        try:
            return importlib.import_module(name).WorkbookApp
        except (ImportError, AttributeError):
            continue
    return None


SHARED_CSS: dict[tuple, list] = {}


def share_parsed_css() -> None:
    """Keep every stylesheet parsed in this process for the forks: Textual caches parsed CSS per
    stylesheet object (and empties the cache when the theme changes), so each session's App would parse
    every .tcss file and widget's DEFAULT_CSS again, twice (the default theme, then the workbook's).
    The key holds the CSS text, where it came from and the theme's variables the rules were parsed with;
    a parsed rule set is not changed after parsing (Textual's own cache shares it the same way)."""
    try:
        from textual.css.stylesheet import Stylesheet
    except ImportError:
        return
    parse_rules = getattr(Stylesheet, "_parse_rules", None)
    if parse_rules is None or getattr(parse_rules, "shared", False):
        return

    def shared_parse_rules(self, css, read_from, is_default_rules=False, tie_breaker=0, scope=""):
        variables = getattr(self, "_variables", None)
        if not isinstance(variables, dict):
            return parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        seen = getattr(self, "_shared_variables", None)
        if seen is None or seen[0] is not variables:
            seen = (variables, tuple(sorted(variables.items())))
            self._shared_variables = seen
        key = (css, read_from, is_default_rules, tie_breaker, scope, seen[1])
        rules = SHARED_CSS.get(key)
        if rules is None:
            rules = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
            SHARED_CSS[key] = rules
        return rules

    shared_parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = shared_parse_rules  # type: ignore[method-assign]


def rehearse() -> None:
    """A throwaway workbook on a temporary profile, headless at 80x24, until Home is drawn in each theme;
    then its profile is removed. Skipped (the forks do that work themselves) if anything goes otherwise:
    only its caches matter. No thread it started outlives it (a fork copies only the forking thread)."""
    import asyncio
    import shutil
    import tempfile
    import threading

    app_type = app_class()
    if app_type is None:
        return
    folder = Path(tempfile.mkdtemp(prefix="workbook-helper-"))

    async def run() -> None:
        from workbook.storage import Store

        app = app_type(Store.open(folder))
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                themes = [name for name in getattr(app, "available_themes", {}) if name.startswith("workbook")]
                first = app.theme
                for theme in themes:
                    if theme != app.theme:
                        app.theme = theme
                        await pilot.pause()
                app.theme = first
                await pilot.pause()
        finally:
            saver = getattr(app, "saver", None)
            if saver is not None:
                saver.close()

    try:
        asyncio.run(run())
    except Exception as exc:  # noqa: BLE001 only a rehearsal: the forks do that work themselves then
        print(f"workbook serve: the pre-started helper skipped its rehearsal ({type(exc).__name__}: {exc})",
              file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(5)
            if thread.is_alive():
                raise RuntimeError(f"the rehearsal's thread {thread.name} is still running")


def session(request: dict, slave: int, go: int) -> None:
    """In the fork: become the visitor's workbook on the pty. Never returns."""
    code = 1
    try:
        if os.read(go, 1) != b"g":  # the server never heard of this process (the helper ended first)
            os._exit(0)
        os.close(go)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()
        import fcntl
        import termios

        if os.isatty(slave):  # a plain session without a pty (`ssh -T`) has a socket instead
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.chdir(request["folder"])
        os.environ.clear()
        os.environ.update(request["env"])
        retitle(request["argv"], request["env"])
        sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                                           buffering=1, closefd=False)
        import gc

        gc.enable()
        from workbook.__main__ import main as workbook_main

        code = workbook_main(["--data-dir", request["folder"]])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 one line, never a traceback on the visitor's screen
        try:
            print(f"workbook: could not start ({type(exc).__name__})", file=sys.stderr, flush=True)
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(code or 0)


def reap(signum: int = 0, frame: object = None) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    fd = int(sys.argv[1])
    if os.fork():  # not the server's child: its sessions and it are watched through pidfds
        os._exit(0)
    import gc

    gc.disable()
    sock = socket.socket(fileno=fd)
    os.environ.pop(ROOM_VARIABLE, None)
    rehearsal = os.environ.pop(REHEARSE_VARIABLE, "1") != "0"
    retitle([sys.executable, "-m", "workbook", "serve", "(pre-started helper)"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's stop ends it, by closing the socket
    signal.signal(signal.SIGCHLD, reap)
    try:
        warm(full=rehearsal)
    except Exception as exc:  # noqa: BLE001 the server starts sessions the old way then
        print(f"workbook serve: the pre-started helper could not prepare ({type(exc).__name__}: {exc})",
              file=sys.stderr, flush=True)
        os._exit(1)
    gc.unfreeze()  # the rehearsing app froze what it had built; that is garbage now
    gc.collect()
    gc.freeze()
    me = os.pidfd_open(os.getpid())
    socket.send_fds(sock, [json.dumps({"ready": os.getpid()}).encode()], [me])
    os.close(me)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 65536, 1)
        except OSError:
            data, fds = b"", []
        if not data:  # the server closed its end (stopping, or gone)
            os._exit(0)
        request = json.loads(data)
        if not fds:
            continue
        slave = fds[0]
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # not reaped before its pidfd is open
        try:
            go_read, go_write = os.pipe()
            try:
                pid = os.fork()
            except OSError as exc:
                for end in (go_read, go_write, slave):
                    os.close(end)
                sock.send(json.dumps({"id": request["id"], "error": exc.strerror or "fork"}).encode())
                continue
            if pid == 0:
                sock.close()
                os.close(go_write)
                session(request, slave, go_read)
            os.close(go_read)
            os.close(slave)
            pidfd = os.pidfd_open(pid)
            try:  # the server says go (if the helper ends first, the fork reads the end of the pipe and leaves)
                socket.send_fds(sock, [json.dumps({"id": request["id"], "pid": pid}).encode()], [pidfd, go_write])
            finally:
                os.close(pidfd)
                os.close(go_write)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


if __name__ == "__main__":
    main()
