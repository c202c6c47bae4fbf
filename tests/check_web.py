"""A by-hand check of `workbook serve --web` in headless Chromium (not part of the test suite).

Run:  python tests/check_web.py          (needs Debian's chromium, and the `.[web]` extra for aiohttp)

It starts `workbook serve --web` on 127.0.0.1 (a free port, a fresh data folder), opens the page in
headless Chromium, presses 2 and types an answer, and leaves screenshots in /tmp/web-*.png. Through
the DevTools protocol it lists every request the page made (documents, scripts, styles, fonts,
images, fetches and websockets) and exits 1 if any went to a host other than the workbook's own, or
if the answer was not saved.
"""

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main() -> int:
    port, devtools = free_port(), free_port()
    own = f"127.0.0.1:{port}"
    url = f"http://{own}/"
    data = Path(tempfile.mkdtemp())
    profile = tempfile.mkdtemp()
    server = subprocess.Popen([sys.executable, "-m", "workbook", "--data-dir", str(data), "serve", "--web",
                               "--listen", own], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chrome = subprocess.Popen(
        [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--remote-debugging-port={devtools}", "--window-size=1200,800",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    requests: list[tuple[str, str]] = []  # (kind, url), in order
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{devtools}/json") as r:
                        targets = await r.json()
                    async with http.get(url) as r:
                        r.raise_for_status()
                    break
                except Exception:
                    await asyncio.sleep(0.2)
            page = [t for t in targets if t["type"] == "page"][0]
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                n = 0
                waiting: dict[int, asyncio.Future] = {}

                async def reader() -> None:
                    async for message in ws:
                        msg = json.loads(message.data)
                        if "id" in msg and msg["id"] in waiting:
                            waiting.pop(msg["id"]).set_result(msg.get("result"))
                        elif msg.get("method") == "Network.requestWillBeSent":
                            p = msg["params"]
                            requests.append((p.get("type", "?"), p["request"]["url"]))
                        elif msg.get("method") == "Network.webSocketCreated":
                            requests.append(("WebSocket", msg["params"]["url"]))

                listening = asyncio.create_task(reader())

                async def call(method, **params):
                    nonlocal n
                    n += 1
                    waiting[n] = asyncio.get_running_loop().create_future()
                    await ws.send_json({"id": n, "method": method, "params": params})
                    return await asyncio.wait_for(waiting[n], 30)

                async def shot(name):
                    res = await call("Page.captureScreenshot", format="png")
                    Path(name).write_bytes(base64.b64decode(res["data"]))

                async def key(text):
                    for ch in text:
                        await call("Input.dispatchKeyEvent", type="keyDown", text=ch, key=ch, unmodifiedText=ch)
                        await call("Input.dispatchKeyEvent", type="keyUp", key=ch)
                        await asyncio.sleep(0.05)

                await call("Network.enable")
                await call("Page.enable")
                await call("Page.navigate", url=url)
                await asyncio.sleep(6)
                await shot("/tmp/web-home.png")
                await call("Input.dispatchMouseEvent", type="mousePressed", x=600, y=590, button="left", clickCount=1)
                await call("Input.dispatchMouseEvent", type="mouseReleased", x=600, y=590, button="left", clickCount=1)
                await asyncio.sleep(0.5)
                await key("2")
                await asyncio.sleep(2)
                await key("in a browser")
                await asyncio.sleep(3)
                await shot("/tmp/web-answer.png")
                listening.cancel()
    finally:
        chrome.terminate()
        chrome.wait()
        server.terminate()
        server.wait(30)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"every request the page made ({len(requests)}):")
    for kind, address in requests:
        print(f"  {kind:<11} {address}")
    elsewhere = [a for _, a in requests if urlsplit(a).netloc != own]
    saved = (data / "web" / "workbook.json").read_text() if (data / "web" / "workbook.json").exists() else ""
    print(f"requests to another host: {len(elsewhere)}" + "".join(f"\n  {a}" for a in elsewhere))
    print(f"the answer typed in the browser was saved: {'in a browser' in saved}")
    print("screenshots: /tmp/web-home.png, /tmp/web-answer.png")
    return 0 if requests and not elsewhere and "in a browser" in saved else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
