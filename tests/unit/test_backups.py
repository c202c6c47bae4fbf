"""Backups: the daily one, restoring one: no UI. (Moved from test_transfer.py as they were.)"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

import pytest

from workbook import backups
from workbook.storage import Changes, Store
from workbook.backups import TransferError
from test_exchange import ANSWERS, full_store


def test_daily_backup_once_a_day_last_seven_kept(data_dir):
    store = full_store(data_dir)
    start = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert backups.daily_backup(store, start) is not None
    assert backups.daily_backup(store, start + timedelta(hours=1)) is None
    for n in range(1, 10):
        backups.daily_backup(store, start + timedelta(days=n))
    daily = [b for b in backups.backups(store) if b.reason == "daily"]
    assert len(daily) == 7
    assert daily[-1].taken.date() == date(2026, 5, 10)
    for b in backups.backups(store):
        assert os.stat(b.path).st_mode & 0o777 == 0o600
    assert os.stat(data_dir / "backups").st_mode & 0o777 == 0o700


def test_restore_backs_up_the_current_state_first(data_dir):
    store = full_store(data_dir)
    first = backups.backup(store, "daily")
    store.apply(Changes(answers={"what-is.own-words": "changed"}))
    backups.restore(store, first.name)
    assert store.answers()["what-is.own-words"] == ANSWERS["what-is.own-words"]
    latest = backups.backups(store)[-1]
    assert latest.reason == "before-restore"
    assert "changed" in latest.path.read_text()
    with pytest.raises(TransferError, match="no backup is called"):
        backups.restore(store, "nope")


def test_no_daily_backup_of_an_empty_workbook(data_dir):
    store = Store.open(data_dir)
    store.apply(Changes(settings={"theme": "textual-dark"}, position={"screen": "home", "field": None, "last": None}))
    assert store.path.exists()
    assert backups.daily_backup(store) is None
    assert backups.backups(store) == []
    store.apply(Changes(answers={"what-is.own-words": "me"}))
    assert backups.daily_backup(store) is not None
