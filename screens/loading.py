"""The fast start: Home drawn from the summary beside the data, everything else read after it.

The read is the writer thread's first job (so every save and backup comes after it), and it waits
for the first frame. Keys that need the data wait for it (:meth:`Loading.until_ready`; the navigator
holds the keys typed meanwhile). Once read, the state takes it, Home is drawn again from the data
(the summary checked), and the screens likely opened next are built in pauses of the keys.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from screens.autosave import plain_text
from workbook.state import Loaded

if TYPE_CHECKING:
    from screens.app import WorkbookApp

FIRST_FRAME_WAIT = 2.0  # seconds the read waits for the first frame at most


class Loading:
    """Reads everything after the first frame when the app was started from the summary alone."""

    def __init__(self, app: WorkbookApp, ahead: bool) -> None:
        self.app = app
        self.ahead = ahead  # build the likely next screens once everything is read
        self.error: Exception | None = None  # the store could not be opened (said by __main__)
        self.loaded = asyncio.Event()
        self._first_frame = threading.Event()
        state = app.state
        self._future: Future[Loaded] | None = None if state.ready else app.saver.run(self._read)

    def _read(self) -> Loaded:
        self._first_frame.wait(timeout=FIRST_FRAME_WAIT)
        return self.app.state.load()

    def start(self) -> None:
        """On mount: the read begins after the first frame; then the screens ahead."""
        app = self.app
        if self._future is not None:
            app.call_after_refresh(self._first_frame.set)
            app.run_worker(self._take(), name="load", group="load")
        elif self.ahead:
            app.call_after_refresh(app.navigator.build_ahead)

    async def until_ready(self) -> None:
        """Wait until everything is read (at once when it is)."""
        if not self.app.state.ready:
            await self.loaded.wait()

    async def _take(self) -> None:
        app = self.app
        assert self._future is not None
        try:
            loaded = await asyncio.wrap_future(self._future)
        except Exception as exc:  # noqa: BLE001 - said by __main__ once the terminal is given back
            self.error = exc
            app.exit(1)
            return
        for notice in app.state.take(loaded):
            app.notify(plain_text(notice), severity="warning", timeout=30)
        self.loaded.set()
        app.navigator.refresh()  # the summary checked against the data: Home's numbers, the streak
        gc.freeze()  # what was read lives as long as the app (see WorkbookApp.on_mount)
        if self.ahead:
            app.navigator.build_ahead()
