"""A by-hand check of `workbook serve --web` in headless Chromium (not part of the test suite).

Start the server first:  workbook --data-dir /tmp/websrv serve --web --listen 127.0.0.1:8765
Then:                    python tests/check_web.py
It opens the page, presses 2, types an answer, and leaves screenshots in /tmp/web-*.png; the answer
is then in /tmp/websrv/web/workbook.json. Needs Debian's chromium and aiohttp (textual-serve brings it).
"""
import asyncio, subprocess, base64, aiohttp
URL = "http://127.0.0.1:8765/"
async def main():
    chrome = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=/tmp/chrome-prof",
        "--remote-debugging-port=9333", "--window-size=1200,800", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(50):
                try:
                    async with http.get("http://127.0.0.1:9333/json") as r:
                        targets = await r.json(); break
                except Exception:
                    await asyncio.sleep(0.2)
            page = [t for t in targets if t["type"] == "page"][0]
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                n = 0
                async def call(method, **params):
                    nonlocal n; n += 1; mid = n
                    await ws.send_json({"id": mid, "method": method, "params": params})
                    while True:
                        msg = await ws.receive_json()
                        if msg.get("id") == mid:
                            return msg.get("result")
                async def shot(name):
                    res = await call("Page.captureScreenshot", format="png")
                    open(name, "wb").write(base64.b64decode(res["data"]))
                async def key(text):
                    for ch in text:
                        await call("Input.dispatchKeyEvent", type="keyDown", text=ch, key=ch, unmodifiedText=ch)
                        await call("Input.dispatchKeyEvent", type="keyUp", key=ch)
                        await asyncio.sleep(0.05)
                await call("Page.enable")
                await call("Page.navigate", url=URL)
                await asyncio.sleep(6)
                await shot("/tmp/web-home.png")
                await call("Input.dispatchMouseEvent", type="mousePressed", x=600, y=400, button="left", clickCount=1)
                await call("Input.dispatchMouseEvent", type="mouseReleased", x=600, y=400, button="left", clickCount=1)
                await asyncio.sleep(0.5)
                await key("2")
                await asyncio.sleep(2)
                await key("in a browser")
                await asyncio.sleep(2)
                await shot("/tmp/web-answer.png")
    finally:
        chrome.terminate(); chrome.wait()
asyncio.run(main())
