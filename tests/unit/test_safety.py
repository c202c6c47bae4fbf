"""Damaged, empty, old and newer files; leftovers from a crash; a second session. No UI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workbook import exchange, storage

from workbook import backups as backups_
from workbook.storage import DamagedData, NewerData, Store


def write_db(folder: Path, text: str) -> Path:
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / storage.DB_NAME
    path.write_text(text)
    return path


@pytest.mark.parametrize("text", ["", "   \n", '{"answers": {"1": {"key": "a", "val', "hello", "[1, 2]"])
def test_damaged_file_moved_aside_and_newest_good_backup_restored(data_dir: Path, text: str):
    store = Store.open(data_dir)
    store.save({"what-is.own-words": "older"})
    backups_.backup(store, "daily")
    store.save({"what-is.own-words": "newest good"})
    backups_.backup(store, "daily")
    (data_dir / "backups" / "workbook-29990101-000000000000-daily.json").write_text("{broken")  # a bad newer one
    (data_dir / storage.DB_NAME).write_text(text)
    repaired, notices = backups_.open_store(data_dir)
    assert repaired.answers() == {"what-is.own-words": "newest good"}
    aside = list(data_dir.glob("workbook.damaged-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == text  # kept, never overwritten
    assert str(aside[0]) in notices[0] and "brought back" in notices[0]


def test_damaged_file_without_backups_starts_empty_and_says_so(data_dir: Path):
    write_db(data_dir, "{nope")
    store, notices = backups_.open_store(data_dir)
    assert store.answers() == {}
    assert "starts empty" in notices[0]
    assert (next(data_dir.glob("workbook.damaged-*.json"))).read_text() == "{nope"


def test_empty_file_is_damaged_not_silently_new(data_dir: Path):
    write_db(data_dir, "")
    with pytest.raises(DamagedData, match="is empty"):
        Store.open(data_dir)


def test_newer_version_is_refused_untouched_even_through_repair(data_dir: Path):
    text = json.dumps({"meta": {"1": {"name": "schema", "version": storage.SCHEMA_VERSION + 5}}, "answers": {}})
    path = write_db(data_dir, text)
    with pytest.raises(NewerData):
        backups_.open_store(data_dir)
    assert path.read_text() == text
    assert not list(data_dir.glob("workbook.damaged-*"))


def test_older_schema_is_migrated_forward_with_a_backup_first(data_dir: Path):
    old = {"answers": {"1": {"key": "what-is.own-words", "value": "from long ago"}}}
    write_db(data_dir, json.dumps(old))
    store, notices = backups_.open_store(data_dir)
    assert notices == []
    assert store.answers() == {"what-is.own-words": "from long ago"}
    raw = json.loads((data_dir / storage.DB_NAME).read_text())
    assert raw["meta"]["1"]["version"] == storage.SCHEMA_VERSION
    backups = backups_.backups(store)
    assert [b.reason for b in backups] == ["before-migrate"]
    assert json.loads(backups[0].path.read_text()) == old


def test_leftover_temporary_files_are_cleaned_at_start(data_dir: Path):
    Store.open(data_dir).save({"a": "b"})
    leftover = data_dir / f"{storage.TMP_PREFIX}abc.tmp"
    leftover.write_text("half a save")
    (data_dir / "backups").mkdir()
    other = data_dir / "backups" / f"{storage.TMP_PREFIX}x.tmp"
    other.write_text("x")
    Store.open(data_dir)
    assert not leftover.exists() and not other.exists()
    assert (data_dir / storage.DB_NAME).exists()


def test_a_second_session_is_noticed(data_dir: Path):
    Store.open(data_dir)
    first, others = storage.join_session(data_dir)
    assert others is False
    second, others = storage.join_session(data_dir)
    assert others is True
    os.close(first)
    os.close(second)
    third, others = storage.join_session(data_dir)
    assert others is False
    os.close(third)


def test_modes_stay_private_after_rewrites_even_from_a_loose_umask(data_dir: Path):
    old = os.umask(0)
    try:
        store = Store.open(data_dir)
        for n in range(3):
            store.save({f"k{n}": "v"})
        backups_.backup(store, "daily")
        exchange.write_export(store, "json")
    finally:
        os.umask(old)
    for path in [data_dir, data_dir / "backups", data_dir / "exports"]:
        assert path.stat().st_mode & 0o777 == 0o700
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o600, path
