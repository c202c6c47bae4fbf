from __future__ import annotations

from pathlib import Path

import pytest

from workbook.app import WorkbookApp
from workbook.storage import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, not yet created data folder for each test."""
    return tmp_path / "data"


@pytest.fixture
def make_app(data_dir: Path):
    """Build a WorkbookApp on the test's data folder (a new one each call, like a restart)."""
    stores: list[Store] = []

    def make() -> WorkbookApp:
        store = Store.open(data_dir)
        stores.append(store)
        return WorkbookApp(store)

    yield make
    for store in stores:
        store.close()
