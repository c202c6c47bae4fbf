"""The disk-refused dialog (before and after a rescue copy) and the rescue offer at start, at 80×24."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from screens.rescue import DiskRefused, OfferRescue
from screens.app import WorkbookApp
from workbook.rescue import RescueCopy
from workbook.storage import Store

FOLDER = Path("/tmp/workbook-snapshots-rescue/data")
# The tests here share that folder: in a parallel run (pytest-xdist) they run on one worker, one at a time.
pytestmark = pytest.mark.xdist_group("snapshots-" + __name__)
COPY = RescueCopy(Path("/home/me/workbook-rescue-2026-04-09-090000-1a2b3c4d.json"),
                  Path("/home/me/workbook-rescue-2026-04-09-090000-1a2b3c4d.md"))


@pytest.mark.parametrize("name", ["disk-refused", "rescue-saved", "rescue-offer"])
def test_rescue_screen(snap_compare, name):
    shutil.rmtree(FOLDER.parent, ignore_errors=True)
    app = WorkbookApp(Store.open(FOLDER))

    async def settle(pilot) -> None:
        await pilot.pause()
        if name == "rescue-offer":
            app.push_screen(OfferRescue(COPY))
        else:
            app.push_screen(DiskRefused("the disk is full", lambda: COPY))
        await pilot.pause()
        if name == "rescue-saved":
            await pilot.press("enter")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    try:
        assert snap_compare(app, run_before=settle, terminal_size=(80, 24))
    finally:
        app.saver.close()
