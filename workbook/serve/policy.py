"""The connection policy of `workbook serve`: who gets in, the caps, rate limits, take-over, timeouts and
the log. No Textual here, and no pty: a session's workbook and its terminal are pty.py's.

A person is the SHA-256 fingerprint of the key they logged in with; their answers live in
`DATA/profiles/<hash of the fingerprint>/`. The log has one line per session and never anything anyone wrote.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import os
import resource
import signal
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from workbook.serve.pty import Launcher, Pipe, Spawner, Terminal, clamp_size, session_env
from workbook.storage import ensure_private_folder

log = logging.getLogger("workbook.serve")

NO_TERMINAL = ("The workbook needs a terminal or plain mode: connect with `ssh -p PORT HOST`, or "
               "`ssh -t -p PORT HOST plain` for plain lines (screen readers).\r\n")
PLAIN_COMMAND = "plain"  # `ssh -t host plain`: plain mode on a pty; `ssh -T host` is plain mode on a pipe
ONE_SESSION = "This connection already has the workbook open: one window at a time."
FULL = "The workbook has as many visitors as it can take just now. Please connect again in a little while.\r\n"
CANNOT_START = "The workbook cannot start just now (the server is busy). Please connect again in a little while.\r\n"


def raise_open_files_limit() -> int:
    """Soft open-files limit up to the hard one (many connections each hold a socket); the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


@dataclass
class Limits:
    login_timeout: float = 30.0  # from connecting to logged in
    hello_timeout: float = 10.0  # a connection that has not begun to log in (no key offered) is closed sooner
    max_unauthenticated: int = 64  # connections not yet logged in, in total ...
    max_unauthenticated_per_address: int = 8  # ... and from one address
    max_sessions: int = 100  # workbooks open at once, in total ...
    max_sessions_per_address: int = 8  # ... and from one address (with --open, keys cost nothing)
    idle_timeout: float = 30 * 60.0
    max_session: float = 4 * 3600.0
    rate: int = 10  # connections per address ...
    rate_window: float = 60.0  # ... in this many seconds
    keepalive_interval: float = 30.0
    keepalive_count_max: int = 3


def span(seconds: float) -> str:
    """A length of time in words: "30 minutes", "45 seconds"."""
    if seconds >= 90:
        minutes = round(seconds / 60)
        return f"{minutes} minutes"
    whole = max(1, round(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen takes HOST:PORT, like 127.0.0.1:2222 (got {text!r})")
    return host.strip("[]"), int(port)


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's key; made on first start (ed25519, 0600)."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    ensure_private_folder(path.parent)
    key = asyncssh.generate_private_key("ssh-ed25519")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())
    log.info("made a new host key at %s (fingerprint %s)", path, key.get_fingerprint("sha256"))
    return key


KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


def read_authorized_keys(path: Path) -> set[str]:
    """SHA-256 fingerprints of the keys in an authorized_keys file (options before a key are allowed)."""
    fingerprints = set()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        start = next((i for i, w in enumerate(words) if w.startswith(KEY_TYPES)), None)
        try:
            if start is None:
                raise ValueError("no key type")
            key = asyncssh.import_public_key(" ".join(words[start:start + 2]))
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ValueError(f"{path}, line {number}: not a public key ({exc})") from None
        fingerprints.add(key.get_fingerprint("sha256"))
    return fingerprints


def profile_folder(root: Path, fingerprint: str) -> Path:
    """A private folder per key; the name is a hash, so no fingerprint text reaches the file system."""
    return root / "profiles" / hashlib.sha256(fingerprint.encode()).hexdigest()[:32]


@dataclass
class Session:
    fingerprint: str
    process: asyncssh.SSHServerProcess
    address: str = "?"
    terminal: Terminal | None = None
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    reason: str = "closed by the visitor"
    message: str = ""
    stopped: bool = False  # asked to end (maybe before its workbook started)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Host:
    """The running server: who is connected, the limits, the log."""

    def __init__(self, root: Path, allowed: set[str] | None, limits: Limits, launcher: Launcher | None = None) -> None:
        self.root = root
        self.launcher: Launcher = launcher or Spawner()  # how a session's workbook starts (pty.py, helper.py)
        self.allowed = allowed  # None: --open
        self.limits = limits
        self.sessions: dict[str, Session] = {}
        self.recent: dict[str, deque[float]] = defaultdict(deque)
        self.pending: dict[_Server, str] = {}  # not logged in yet -> address
        self.pending_at: dict[str, dict[_Server, int]] = {}  # address -> those, oldest first -> their number
        self.admitted = itertools.count()  # numbers connections as they come (oldest: lowest)
        self.cap_notes: dict[str, tuple[float, int]] = {}  # cap -> (last log line, dropped since)

    # -- the connection's side -------------------------------------------------
    def server_factory(self) -> asyncssh.SSHServer:
        return _Server(self)

    def admit(self, newcomer: _Server, address: str) -> bool:
        """Count a connection that has not logged in yet. Over a cap, one connection is dropped to make room:
        from one address, that address's own; in total, one from the address with the most connections
        not logged in (its own address first, if that is one of them): a crowd from a few addresses,
        however fast it reconnects, pushes out only itself, never a person at a quieter address. Of those,
        the one furthest from logging in goes (sent nothing, then said hello but never asked to log in),
        the oldest first; the newcomer counts as having said hello (it has had no time to), so it is the
        one dropped only when every other one is logging in. Cheap: dict look-ups and a pass over one
        address's connections (all of the busiest addresses' at most). False: the newcomer was dropped."""
        limits = self.limits
        self.pending[newcomer] = address
        mates = self.pending_at.setdefault(address, {})
        mates[newcomer] = next(self.admitted)
        if len(mates) > limits.max_unauthenticated_per_address:
            if not self._make_room([address], newcomer, f"more than {limits.max_unauthenticated_per_address} "
                                   "connections not logged in from one address"):
                return False
        if len(self.pending) > limits.max_unauthenticated:
            most = max(len(m) for m in self.pending_at.values())
            busiest = [address] if len(self.pending_at[address]) == most else \
                [a for a, m in self.pending_at.items() if len(m) == most]
            if not self._make_room(busiest, newcomer, f"more than {limits.max_unauthenticated} "
                                   "connections not logged in in total"):
                return False
        return True

    def _make_room(self, addresses: list[str], newcomer: _Server, cap: str) -> bool:
        """Drop one connection from these addresses (the newcomer's maybe); False: it was the newcomer."""
        def furthest(item: tuple[_Server, int]) -> tuple[int, int]:
            server, number = item
            stage = 1 if server is newcomer else 2 if not server.spoke() else 1 if not server.began_auth else 0
            return stage, -number  # furthest from logging in, then the oldest

        victim = max((item for a in addresses for item in self.pending_at[a].items()), key=furthest)[0]
        address = self.forget(victim)
        victim.drop()
        self.note_cap(cap, address or "?")
        return victim is not newcomer

    def forget(self, server: _Server) -> str | None:
        """No longer counted as not logged in (it logged in, was dropped, or closed); its address."""
        address = self.pending.pop(server, None)
        if address is not None:
            mates = self.pending_at[address]
            del mates[server]
            if not mates:
                del self.pending_at[address]
        return address

    def note_cap(self, what: str, address: str) -> None:
        """One log line when a cap first turns a connection away, then at most one every 10 seconds."""
        now = time.monotonic()
        last, dropped = self.cap_notes.get(what, (-1e9, 0))
        if now - last < 10:
            self.cap_notes[what] = (last, dropped + 1)
            return
        more = f" ({dropped} more since the last note)" if dropped else ""
        log.warning("cap: %s; turning a connection away (latest from %s)%s", what, address, more)
        self.cap_notes[what] = (now, 0)

    def over_rate(self, address: str) -> bool:
        now = time.monotonic()
        times = self.recent[address]
        while times and now - times[0] > self.limits.rate_window:
            times.popleft()
        times.append(now)
        return len(times) > self.limits.rate

    # -- a session --------------------------------------------------------------
    async def handle(self, process: asyncssh.SSHServerProcess) -> None:
        fingerprint = process.get_extra_info("workbook_fingerprint")
        try:
            await self._handle(process, fingerprint)
        except Exception as exc:  # noqa: BLE001 one line in the log, a sentence for the visitor
            log.warning("session key=%s ended by an error: %s", fingerprint, type(exc).__name__)
            try:
                process.stdout.write(CANNOT_START.encode())
                process.exit(1)
            except (OSError, asyncssh.Error):
                pass

    def full(self, fingerprint: str, address: str) -> str | None:
        """Why one more workbook cannot open now (None: it can). A key's new session replaces its old
        one, so it always can."""
        if fingerprint in self.sessions:
            return None
        limits = self.limits
        if len(self.sessions) >= limits.max_sessions:
            return f"more than {limits.max_sessions} sessions in total"
        if sum(s.address == address for s in self.sessions.values()) >= limits.max_sessions_per_address:
            return f"more than {limits.max_sessions_per_address} sessions from one address"
        return None

    async def _handle(self, process: asyncssh.SSHServerProcess, fingerprint: str) -> None:
        if process.get_extra_info("rate_limited"):
            process.stdout.write(
                b"Too many logins from your address just now. Please wait a minute and connect again.\r\n"
            )
            process.exit(1)
            log.info("session key=%s duration=0s exit=rate limit", fingerprint)
            return
        if process.command not in (None, "", PLAIN_COMMAND):
            process.stdout.write(NO_TERMINAL.encode())
            process.exit(1)
            log.info("session key=%s duration=0s exit=no terminal", fingerprint)
            return
        address = str((process.get_extra_info("peername") or ("?",))[0])
        cap = self.full(fingerprint, address)
        if cap is not None:
            process.stdout.write(FULL.encode())
            process.exit(1)
            self.note_cap(cap, address)
            log.info("session key=%s duration=0s exit=server full", fingerprint)
            return
        session = Session(fingerprint, process, address)
        earlier = self.sessions.get(fingerprint)
        self.sessions[fingerprint] = session  # before waiting: a later connection stops this one, not the earlier
        try:
            if earlier is not None:
                earlier.reason = "taken over by a new connection"
                earlier.message = "This workbook was opened from another connection, so this one closes. Everything is saved."
                await self.stop(earlier)
            if session.stopped:  # taken over in turn while waiting: it never starts
                try:
                    process.stdout.write(f"{session.message}\r\n".encode())
                    process.exit(0)
                except (OSError, asyncssh.Error):
                    pass
                return
            await self.run(session)
        finally:
            if self.sessions.get(fingerprint) is session:
                del self.sessions[fingerprint]
            duration = time.monotonic() - session.started
            log.info("session key=%s duration=%.0fs exit=%s", fingerprint, duration, session.reason)
            session.done.set()

    async def run(self, session: Session) -> None:
        process = session.process
        folder = profile_folder(self.root, session.fingerprint)
        ensure_private_folder(folder.parent)
        ensure_private_folder(folder)
        width, height, _, _ = process.get_terminal_size()
        env = session_env(process.get_terminal_type(), process.env.get("COLORTERM"))
        terminal: Terminal
        if process.get_terminal_type() is None:  # `ssh -T`: plain mode, on a socket pair instead of a pty
            env.update(WORKBOOK_PLAIN="1", TERM="dumb")
            env.pop("COLORTERM", None)
            terminal = Pipe()
        else:
            if process.command == PLAIN_COMMAND:
                env["WORKBOOK_PLAIN"] = "1"
            terminal = Terminal(width, height)
        await terminal.start(self.launcher, folder, env)
        session.terminal = terminal
        if session.stopped:  # asked to end while its workbook was starting
            terminal.signal(signal.SIGTERM)

        def key() -> None:
            session.last_input = time.monotonic()

        def gone() -> None:
            session.reason = "connection dropped"

        await terminal.relay(process, key, gone, self._watch(session))
        try:
            if session.message:
                process.stdout.write(f"\r\n{session.message}\r\n".encode())
            process.exit(0)
        except (OSError, asyncssh.Error):
            pass

    async def _watch(self, session: Session) -> None:
        limits = self.limits
        while True:
            await asyncio.sleep(min(5.0, limits.idle_timeout / 4, limits.max_session / 4))
            now = time.monotonic()
            if now - session.last_input > limits.idle_timeout:
                session.reason = "idle timeout"
                session.message = (
                    f"Closed after {span(limits.idle_timeout)} without a key press. "
                    "Everything is saved; connect again to carry on."
                )
                self._signal(session, signal.SIGTERM)
                return
            if now - session.started > limits.max_session:
                session.reason = "session length limit"
                session.message = "This session reached its time limit. Everything is saved; connect again to carry on."
                self._signal(session, signal.SIGTERM)
                return

    @staticmethod
    def _signal(session: Session, sig: int) -> None:
        if session.terminal is not None:
            session.terminal.signal(sig)

    async def stop(self, session: Session, reason: str | None = None) -> None:
        """Ask a session's workbook to save and end, and wait until it has."""
        if reason:
            session.reason = reason
        session.stopped = True
        self._signal(session, signal.SIGTERM)
        try:
            await asyncio.wait_for(session.done.wait(), 15)
        except asyncio.TimeoutError:
            self._signal(session, signal.SIGKILL)

    async def stop_all(self) -> None:
        for session in list(self.sessions.values()):
            session.message = "The workbook server is stopping. Everything is saved."
        await asyncio.gather(*(self.stop(s, "server stopped") for s in list(self.sessions.values())))


class _Channel(asyncssh.SSHServerChannel):
    """A session channel that keeps only the environment variable the workbook reads (asyncssh keeps
    every one a client sends: thousands of them would fill the server's memory)."""

    def _process_env_request(self, packet: Any) -> bool:
        key, value = packet.get_string(), packet.get_string()
        packet.check_end()
        if key != b"COLORTERM" or len(value) > 64:
            return False
        self._env[key] = value
        return True


class _Server(asyncssh.SSHServer):
    """Public keys only; the key that authenticated is the person."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.conn: asyncssh.SSHServerConnection | None = None
        self.last_key: asyncssh.SSHKey | None = None
        self.address = "?"
        self.process: asyncssh.SSHServerProcess | None = None  # its one session
        self.told = False  # the sentence about one session was shown
        self.began_auth = False  # it has asked to log in (a real client does at once; a flood of hellos never)
        self.timer: asyncio.TimerHandle | None = None  # closes a connection that sends nothing, or logs in and opens nothing

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address = str(peer[0])
        if self.host.admit(self, self.address):
            self._set_timer(min(self.host.limits.hello_timeout, self.host.limits.login_timeout), self._silent)

    def spoke(self) -> bool:
        """The other side has sent something (its SSH version line)."""
        return self.conn is not None and self.conn.get_extra_info("client_version") is not None

    def drop(self) -> None:
        if self.conn is not None:
            asyncio.get_running_loop().call_soon(self.conn.abort)

    def _set_timer(self, delay: float | None, then: Any = None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if delay is not None:
            self.timer = asyncio.get_running_loop().call_later(delay, then)

    def _silent(self) -> None:
        self.timer = None
        if not self.began_auth and self in self.host.pending:  # said hello at most: not kept for the login timeout
            self.host.forget(self)
            self.drop()

    def _no_session(self) -> None:
        self.timer = None
        if self.process is None:  # logged in, then nothing: the socket is not kept
            self.drop()

    def connection_lost(self, exc: Exception | None) -> None:
        self.host.forget(self)
        self._set_timer(None)

    def session_requested(self) -> tuple[asyncssh.SSHServerChannel, asyncssh.SSHServerProcess]:
        """One session channel a connection: more would each start a workbook."""
        if self.process is not None:
            if not self.told:
                self.told = True
                log.warning("cap: refusing more than one session on one connection (key=%s)",
                            self.conn.get_extra_info("workbook_fingerprint") if self.conn else "?")
                try:  # on the bottom line of the open session, leaving its cursor where it was
                    _, height = clamp_size(*self.process.get_terminal_size()[:2])
                    self.process.channel.write(f"\x1b7\x1b[{height};1H\x1b[2K{ONE_SESSION}\x1b8".encode())
                except (AttributeError, OSError, asyncssh.Error):
                    pass
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, ONE_SESSION)
        self._set_timer(None)
        self.process = asyncssh.SSHServerProcess(self._session, None, 3, False)
        assert self.conn is not None
        channel = self.conn.create_server_channel(encoding=None)
        channel.__class__ = _Channel
        return channel, self.process

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        try:
            await self.host.handle(process)
        finally:  # its one session is over: the connection has no more use (its last words get a second)
            if self.conn is not None:
                asyncio.get_running_loop().call_later(1.0, self.conn.close)

    def begin_auth(self, username: str) -> bool:
        self.began_auth = True
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the query and again for the signed attempt: remember the last key accepted.
        allowed = self.host.allowed
        if allowed is not None and key.get_fingerprint("sha256") not in allowed:
            return False
        self.last_key = key
        return True

    def auth_completed(self) -> None:
        self.host.forget(self)
        self._set_timer(self.host.limits.login_timeout, self._no_session)
        if self.conn is not None and self.last_key is not None:
            self.conn.set_extra_info(workbook_fingerprint=self.last_key.get_fingerprint("sha256"))
            if self.host.over_rate(self.address):  # only logins count: anonymous connects lock no one out
                self.conn.set_extra_info(rate_limited=True)
