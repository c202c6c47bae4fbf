from __future__ import annotations

import time
from pathlib import Path

import pytest

from screens.app import WorkbookApp
from workbook.storage import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, not yet created data folder for each test."""
    return tmp_path / "data"


@pytest.fixture
def make_app(data_dir: Path):
    """Build a WorkbookApp on the test's data folder (a new one each call, like a restart)."""
    apps: list[WorkbookApp] = []

    def make(**kwargs) -> WorkbookApp:
        app = WorkbookApp(Store.open(data_dir), **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.saver.close()
        app.store.close()


@pytest.fixture
def until():
    """``await until(pilot, check)``: let the app run until check() is true, instead of a fixed pause.

    The wait is generous (a loaded machine is slow), and the test fails with ``what`` if it runs out."""

    async def wait(pilot, check, what: str = "the condition", timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < end, f"waited {timeout:g} s for {what}"
            await pilot.pause(0.05)

    return wait
