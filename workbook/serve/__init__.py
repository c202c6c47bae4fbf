"""`workbook serve`: host the workbook over SSH, one private profile per public key. No Textual here.

Each connection gets its own `workbook` process in its own pseudo-terminal (Textual's driver is
process-wide). The package in three rooms:

- policy.py: the connection policy: who gets in, caps, rate limits, take-over, timeouts, the log;
- pty.py: the plumbing: a visitor's pty and the workbook process on it (resizes, hang-ups, reaping);
- helper.py: the pre-started workbook that each session's process is forked from (Linux).

This module starts the server and keeps `run`, the `serve` command.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

import asyncssh

from workbook.serve.policy import (  # noqa: F401 the names the tests and __main__ use
    CANNOT_START,
    FULL,
    NO_TERMINAL,
    ONE_SESSION,
    Host,
    Limits,
    Session,
    load_host_key,
    parse_listen,
    profile_folder,
    raise_open_files_limit,
    read_authorized_keys,
    span,
)
from workbook.serve.helper import Helper
from workbook.serve.helper import available as helper_available
from workbook.serve.pty import clamp_size, set_size, terminal_name  # noqa: F401
from workbook.storage import ensure_private_folder

log = logging.getLogger("workbook.serve")


async def serve(
    listen: str,
    host_key: Path,
    data_root: Path,
    authorized_keys: Path | None,
    open_: bool,
    limits: Limits | None = None,
    ready: asyncio.Event | None = None,
    helper: bool = True,
) -> None:
    limits = limits or Limits()
    address, port = parse_listen(listen)
    raise_open_files_limit()
    ensure_private_folder(data_root)
    try:
        allowed = None if open_ else read_authorized_keys(authorized_keys) if authorized_keys else set()
    except OSError as exc:
        raise ValueError(f"cannot read the authorized keys file {authorized_keys}: {exc.strerror or exc}") from None
    host = Host(data_root, allowed, limits)
    key = load_host_key(host_key)
    try:
        server = await _listen(host, key, address, port, limits)
    except OSError as exc:
        raise ValueError(f"cannot listen on {listen}: {exc.strerror or exc}") from None
    prestarted = await _start_helper() if helper else None
    if prestarted is not None:
        host.launcher = prestarted
    try:
        await _run_until_stopped(server, host, open_, allowed, data_root, ready)
    finally:
        if prestarted is not None:
            await prestarted.close()


async def _start_helper() -> Helper | None:
    """The pre-started workbook sessions are forked from (None: each session starts a fresh Python)."""
    if not helper_available():
        log.info("sessions start as a fresh Python each (the pre-started helper needs Linux with pidfds)")
        return None
    prestarted = Helper()
    if not await prestarted.start():
        log.warning("the pre-started helper could not start; sessions start as a fresh Python each")
        return None
    log.info("pre-started helper ready (pid %d): sessions are forks of it", prestarted.pid)
    return prestarted


async def _listen(host: Host, key: asyncssh.SSHKey, address: str, port: int, limits: Limits) -> asyncssh.SSHAcceptor:
    return await asyncssh.create_server(
        host.server_factory,
        address,
        port,
        server_host_keys=[key],
        encoding=None,  # sessions: _Server.session_requested, one a connection
        line_editor=False,
        login_timeout=limits.login_timeout,
        keepalive_interval=limits.keepalive_interval,
        keepalive_count_max=limits.keepalive_count_max,
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
    )


async def _run_until_stopped(
    server: asyncssh.SSHAcceptor,
    host: Host,
    open_: bool,
    allowed: set[str] | None,
    data_root: Path,
    ready: asyncio.Event | None,
) -> None:
    sockets = server.sockets
    shown = ", ".join(f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in sockets)
    who = "any key (--open)" if open_ else f"{len(allowed or ())} authorized key(s)"
    log.info("serving the workbook over SSH on %s for %s; data in %s", shown, who, data_root)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    if ready is not None:
        ready.set()
    await stopping.wait()
    log.info("stopping: saving and closing %d session(s)", len(host.sessions))
    server.close()
    await host.stop_all()
    await server.wait_closed()
    log.info("stopped")


def serve_web(listen: str, data_root: Path, max_sessions: int = 100) -> None:
    """The same app in a browser through textual-serve (local only unless --listen says otherwise), on a
    page that asks nothing of any other host (workbook/web.py)."""
    from workbook.web import WebServer

    address, port = parse_listen(listen)
    folder = data_root / "web"
    ensure_private_folder(data_root)
    ensure_private_folder(folder)
    # exec: the shell textual-serve starts becomes the workbook, so a signal to the session reaches it
    command = f"exec {shlex.quote(sys.executable)} -m workbook --data-dir {shlex.quote(str(folder))}"
    WebServer(command, host=address, port=port, title="Self-Trust Workbook", max_sessions=max_sessions).serve()


def run(args: Any) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)  # one line per session, ours
    data_root = Path(args.data_dir).expanduser() if args.data_dir else default_root()
    for option, value in (("--max-sessions", args.max_sessions), ("--max-sessions-per-address", args.max_sessions_per_address)):
        if value < 1:
            raise ValueError(f"{option} takes a number from 1 up (got {value})")
    if args.web:
        serve_web(args.listen or "127.0.0.1:8000", data_root, args.max_sessions)
        return 0
    if not args.open and not args.authorized_keys:
        print("workbook serve: say who may connect: --authorized-keys FILE, or --open for any key", file=sys.stderr)
        return 2
    limits = Limits(idle_timeout=args.idle_timeout * 60, max_session=args.max_session * 60, rate=args.rate,
                    login_timeout=args.login_timeout, max_sessions=args.max_sessions,
                    max_sessions_per_address=args.max_sessions_per_address)
    host_key = Path(args.host_key).expanduser() if args.host_key else data_root / "ssh_host_ed25519_key"
    asyncio.run(serve(args.listen or "127.0.0.1:2222", host_key, data_root,
                      Path(args.authorized_keys).expanduser() if args.authorized_keys else None, args.open, limits,
                      helper=not getattr(args, "no_helper", False)))
    return 0


def default_root() -> Path:
    from platformdirs import user_data_path

    return user_data_path("self-trust-workbook-server", appauthor=False)
