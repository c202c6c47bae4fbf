"""The browser page of `workbook serve --web`: textual-serve's server with a page of our own.

textual-serve's page asks Google Fonts for a font, so an outside server would learn each time the
workbook is opened. This page asks nothing of any host but its own: the font (Roboto Mono, which
textual-serve ships) comes from this server, falling back to the browser's monospace, and a
Content-Security-Policy makes the browser refuse any request elsewhere. The page and its websocket
answer only to this server's own address (Host and Origin are checked), so a web page on another
site cannot reach the workbook through the browser.
"""

from __future__ import annotations

import html
import ipaddress
from typing import Any

from aiohttp import web
from textual_serve.server import Server

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
        if self.sessions >= self.max_sessions:
            raise web.HTTPServiceUnavailable(
                text="The workbook has as many visitors as it can take just now. Please try again in a little while.")
        self.sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1
