"""The browser page of `workbook serve --web`: textual-serve's server with a page of our own.

textual-serve's page asks Google Fonts for a font, so an outside server would learn each time the
workbook is opened. This page asks nothing of any host but its own: the font (Roboto Mono, which
textual-serve ships) comes from this server, falling back to the browser's monospace, and a
Content-Security-Policy makes the browser refuse any request elsewhere. The page and its websocket
answer only to this server's own address (Host and Origin are checked), so a web page on another
site cannot reach the workbook through the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import ipaddress
import json
import logging
import signal
from typing import Any

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from workbook.text import clean

log = logging.getLogger("workbook.web")

QUIT_GRACE = 1.0  # seconds a workbook has to save and leave when asked, before a SIGTERM (on which it saves too)
TERM_GRACE = 0.8  # and after the SIGTERM, before a SIGKILL
COLUMNS, ROWS = (20, 500), (10, 200)  # the screen sizes a page may ask for (as for SSH sessions)


def clamp(value: Any, low_high: tuple[int, int], default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = default
    return min(max(number, low_high[0]), low_high[1])

PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="referrer" content="no-referrer" />
    <title>{title}</title>
    <link rel="stylesheet" href="/static/css/xterm.css" />
    <script src="/static/js/textual.js"></script>
    <style>
      @font-face {{
        font-family: "Roboto Mono";
        font-style: normal;
        font-weight: 100 700;
        src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
      }}
      @font-face {{
        font-family: "Roboto Mono";
        font-style: italic;
        font-weight: 100 700;
        src: url("/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
      }}
      body {{ background: #0c181f; margin: 0; }}
      .dialog-container {{
        position: absolute; width: 100vw; height: 100vh; display: flex;
        align-items: center; justify-content: center; z-index: 10;
      }}
      .shade {{ position: absolute; width: 100%; height: 100%; background: #0c181f; }}
      .intro {{
        width: 640px; height: 240px; font-size: 16px; z-index: 20;
        font-family: "Roboto Mono", monospace; text-align: center;
        color: rgba(255, 255, 255, 0.95); background-color: #12232d;
        display: flex; flex-direction: column; align-items: center; justify-content: center; margin: 32px;
      }}
      body.-first-byte .intro-dialog, body.-first-byte .intro-dialog .shade {{ display: none; }}
      body .textual-terminal {{ opacity: 0; transition: opacity 0.3s ease-out; }}
      body.-first-byte .textual-terminal {{ opacity: 1; }}
      body button {{
        padding: 16px 32px; background-color: #5e0ba7; color: rgba(255, 255, 255, 0.95);
        border: none; font-family: "Roboto Mono", monospace; margin: 16px; display: block; cursor: pointer;
      }}
      .closed-dialog {{ display: none; }}
      body.-closed .closed-dialog {{ display: flex; }}
      #start {{ display: none; }}
      #start.-delay {{ display: flex; }}
    </style>
    <script>
      function refresh() {{ window.location.href = window.location.pathname; }}
    </script>
  </head>
  <body>
    <div class="dialog-container intro-dialog">
      <div class="shade"></div>
      <div class="intro">
        <div>{title}</div>
        <button type="button" onclick="refresh()" id="start">Start</button>
      </div>
    </div>
    <div class="dialog-container closed-dialog">
      <div class="shade"></div>
      <div class="intro">
        <div>The workbook has closed. Everything is saved.</div>
        <button type="button" onclick="refresh()">Open it again</button>
      </div>
    </div>
    <div id="terminal" class="textual-terminal"
         data-session-websocket-url="{websocket}" data-font-size="{font_size}"></div>
  </body>
</html>
"""


def policy(websocket: str) -> str:
    """The browser may fetch from this page's own origin only (and its websocket)."""
    return "; ".join((
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {websocket}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ))


def wildcard(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


class WebServer(Server):
    """textual-serve's Server, serving PAGE, answering only to its own address."""

    def __init__(self, command: str, host: str, port: int, title: str, max_sessions: int = 100) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.max_sessions = max_sessions  # browser sessions at once (each is a workbook process)
        self.sessions = 0
        self.live: set[Session] = set()  # the sessions whose workbook is running
        self.stopping = asyncio.Event()
        shown = f"[{host}]" if ":" in host else host
        self.names = {f"{name}:{port}" for name in (shown, "localhost", "127.0.0.1", "[::1]")}
        if port == 80:
            self.names |= {name.rpartition(":")[0] for name in self.names}

    def own(self, request: web.Request) -> str | None:
        """The Host the request came to, if it is this server's own address (a page served under a
        foreign name could be a DNS-rebinding attack); None otherwise."""
        host = (request.host or "").lower()
        if wildcard(self.host) or host in self.names:
            return host
        return None

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        host = self.own(request)
        if host is None:
            raise web.HTTPMisdirectedRequest(text="This is not the address of this workbook.")
        try:
            font_size = min(max(int(request.query.get("fontsize", "16")), 8), 48)
        except ValueError:
            font_size = 16
        websocket = f"ws://{host}/ws"
        page = PAGE.format(title=html.escape(self.title), websocket=html.escape(websocket), font_size=font_size)
        return web.Response(
            text=page,
            content_type="text/html",
            headers={
                "Content-Security-Policy": policy(websocket),
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    async def handle_websocket(self, request: web.Request) -> Any:
        host = self.own(request)
        origin = request.headers.get("Origin")
        if host is None or (origin is not None and origin.lower() != f"http://{host}"):
            raise web.HTTPForbidden(text="The workbook answers only to its own page.")
        if self.sessions >= self.max_sessions or self.stopping.is_set():
            raise web.HTTPServiceUnavailable(
                text="The workbook has as many visitors as it can take just now. Please try again in a little while.")
        self.sessions += 1  # a place, held until the session's workbook has ended
        websocket = web.WebSocketResponse(heartbeat=15, timeout=2.0)
        session: Session | None = None
        try:
            await websocket.prepare(request)
            session = Session(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                              close=websocket.close, download_manager=self.download_manager)
            self.live.add(session)
            await session.start(clamp(request.query.get("width"), COLUMNS, 80), clamp(request.query.get("height"), ROWS, 24))
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # its type only: a message or traceback could carry what was typed
            log.warning("a browser session ended on %s", type(exc).__name__)
        finally:
            if session is not None:
                await asyncio.shield(session.end())
                self.live.discard(session)
            self.sessions -= 1
            with contextlib.suppress(Exception):
                await websocket.close()
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        """The page's messages, as textual-serve reads them; one that makes no sense is passed over."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                if not isinstance(envelope, list) or not envelope:
                    continue
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None  # ["blur"] and ["focus"] are one word
                if kind == "stdin" and isinstance(data, str):
                    await app_service.send_bytes(data.encode("utf-8"))
                elif kind == "resize" and isinstance(data, dict):
                    await app_service.set_terminal_size(data.get("width"), data.get("height"))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await app_service.blur()
                elif kind == "focus":
                    await app_service.focus()
            except (ValueError, TypeError):
                continue

    # -- running and stopping -------------------------------------------------------------------
    def initialize_logging(self) -> None:
        """The log stays as `workbook serve` set it up: plain lines, never a traceback's local values."""

    async def on_startup(self, app: web.Application) -> None:
        """(textual-serve prints its banner here; the log says where the workbook is once it listens.)"""

    def serve(self, debug: bool = False) -> None:
        asyncio.run(self.run_until_stopped())

    async def run_until_stopped(self) -> None:
        """Serve until SIGTERM or SIGINT; then every session's workbook saves and ends, then the server."""
        runner = web.AppRunner(await self._make_app(), handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ValueError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        log.info("serving the workbook in a browser on http://%s:%s", f"[{self.host}]" if ":" in self.host else self.host, self.port)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        await self.stopping.wait()
        log.info("stopping: saving and closing %d browser session(s)", len(self.live))
        await asyncio.gather(*(session.end() for session in list(self.live)))
        await runner.cleanup()
        log.info("stopped")


class Session(AppService):
    """One browser session's workbook process (textual-serve's AppService), which always ends.

    Its standard error never reaches the log whole: a crash's traceback shows local values, which can
    be answers. Only the workbook's own one-line messages (``workbook: …``, cleaned of escapes) pass.
    """

    async def set_terminal_size(self, width: int, height: int) -> None:
        await super().set_terminal_size(clamp(width, COLUMNS, 80), clamp(height, ROWS, 24))

    async def on_data(self, payload: bytes) -> None:
        """The screen, to the page; once the page has gone, the workbook's output is still read (and
        dropped), so that it is never stuck writing to a full pipe while it saves and leaves."""
        with contextlib.suppress(ConnectionResetError, RuntimeError):
            await super().on_data(payload)

    async def on_meta(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionResetError, RuntimeError, ValueError, KeyError):
            await super().on_meta(data)

    async def run(self) -> None:
        """textual-serve's relay of the workbook's packets to the page, less the echo of standard error."""
        process = self._process
        assert process is not None and process.stdout is not None and process.stderr is not None
        stdout, stderr = process.stdout, process.stderr
        errors = io.BytesIO()

        async def read_stderr() -> None:
            while data := await stderr.read(4096):
                if errors.tell() < 65536:
                    errors.write(data)

        reading = asyncio.create_task(read_stderr())
        try:
            for _ in range(10):  # the workbook's first line says the web driver is speaking
                line = await stdout.readline()
                if not line or line == b"__GANGLION__\n":
                    break
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                payload = await stdout.readexactly(size)
                if kind == b"D":
                    await self.on_data(payload)
                elif kind == b"M":
                    await self.on_meta(payload)
                elif kind == b"P":
                    await self.on_packed(payload)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        except asyncio.CancelledError:
            reading.cancel()
            raise
        code = await process.wait()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(reading, 1.0)  # the rest of what it printed, up to its end
        with contextlib.suppress(Exception):
            await self.remote_close()  # the page says the workbook has closed (if its exit did not already)
        for line in errors.getvalue().decode("utf-8", "replace").splitlines():
            if line.startswith("workbook: "):
                log.warning("a browser session's %s", clean(line))
        if code not in (0, -signal.SIGTERM):
            log.warning("a browser session's workbook ended with exit code %s (what it printed is not logged: "
                        "it can hold answers)", code)

    async def end(self) -> None:
        """Ask the workbook to save and leave; if it has not after QUIT_GRACE, SIGTERM (it saves on that
        too), and after TERM_GRACE more, SIGKILL. Then the relay is done. Safe to call twice."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(Exception):
                await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            for sig, grace in ((None, QUIT_GRACE), (signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, None)):
                if sig is not None:
                    with contextlib.suppress(ProcessLookupError):
                        process.send_signal(sig)
                try:
                    await asyncio.wait_for(asyncio.shield(process.wait()), grace)
                    break
                except asyncio.TimeoutError:
                    continue
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 2.0)  # the page may be slow to take the close
            except asyncio.TimeoutError:
                pass
            except Exception as exc:  # its type only, as in handle_websocket
                log.warning("a browser session's relay ended on %s", type(exc).__name__)
