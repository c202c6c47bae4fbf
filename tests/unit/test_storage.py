from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from workbook import storage
from workbook.storage import DamagedData, NewerData, Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_nothing_is_created_until_open(data_dir: Path):
    Store(data_dir)
    assert not data_dir.exists()


def test_open_makes_a_private_folder_and_file(data_dir: Path):
    store = Store.open(data_dir)
    store.save({"a": "b"})
    assert mode(data_dir) == 0o700
    assert mode(store.path) == 0o600
    store.save({"a": "c"})
    assert mode(store.path) == 0o600


def test_answers_round_trip_and_removal(data_dir: Path):
    store = Store.open(data_dir)
    store.save({"x.one": "first", "x.two": [{"text": "rest"}], "x.three": 4})
    store.save({"x.one": None})
    again = Store.open(data_dir)
    assert again.answers() == {"x.two": [{"text": "rest"}], "x.three": 4}


def test_position_round_trip(data_dir: Path):
    store = Store.open(data_dir)
    assert store.position() is None
    store.save(position={"screen": "section-2", "field": "what-is.own-words"})
    assert Store.open(data_dir).position() == {"screen": "section-2", "field": "what-is.own-words"}


def test_schema_version_is_recorded(data_dir: Path):
    Store.open(data_dir)
    raw = json.loads((data_dir / storage.DB_NAME).read_text())
    assert raw["meta"]["1"] == {"name": "schema", "version": storage.SCHEMA_VERSION}


def test_newer_schema_is_refused_and_left_untouched(data_dir: Path):
    data_dir.mkdir(mode=0o700)
    path = data_dir / storage.DB_NAME
    text = json.dumps({"meta": {"1": {"name": "schema", "version": storage.SCHEMA_VERSION + 1}}})
    path.write_text(text)
    with pytest.raises(NewerData, match="newer version"):
        Store.open(data_dir)
    assert path.read_text() == text


def test_damaged_file_is_reported_not_overwritten(data_dir: Path):
    data_dir.mkdir(mode=0o700)
    path = data_dir / storage.DB_NAME
    path.write_text('{"answers": {"1": ')
    with pytest.raises(DamagedData):
        Store.open(data_dir)
    assert path.read_text() == '{"answers": {"1": '


def test_writes_leave_no_temporary_files(data_dir: Path):
    store = Store.open(data_dir)
    for n in range(5):
        store.save({f"k{n}": "v"})
    assert sorted(p.name for p in data_dir.iterdir()) == [storage.LOCK_NAME, storage.DB_NAME]


def test_two_stores_on_one_folder_keep_both_writes(data_dir: Path):
    first = Store.open(data_dir)
    second = Store.open(data_dir)
    first.save({"a": "from first"})
    second.save({"b": "from second"})
    first.save({"c": "first again"})
    assert Store.open(data_dir).answers() == {"a": "from first", "b": "from second", "c": "first again"}
    second.refresh()
    assert second.answers()["c"] == "first again"


def test_a_failed_write_keeps_the_old_file(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    store = Store.open(data_dir)
    store.save({"a": "kept"})

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full_disk)
    with pytest.raises(OSError):
        store.save({"a": "new"})
    monkeypatch.undo()
    assert Store.open(data_dir).answers() == {"a": "kept"}
    assert sorted(p.name for p in data_dir.iterdir()) == [storage.LOCK_NAME, storage.DB_NAME]


def test_a_refused_write_tried_again_adds_a_pick_once_and_is_not_taken_for_another_window(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    from workbook.storage import Changes

    store = Store.open(data_dir)
    store.save({"a": "kept"})
    store.refresh()
    real = storage.atomic_write

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "atomic_write", full_disk)
    changes = Changes(answers={"a": "new"}, new_picks=[{"id": "p1", "day": "2026-01-01"}])
    for _ in range(3):  # the app tries again every few seconds
        with pytest.raises(OSError):
            store.apply(changes)
    monkeypatch.setattr(storage, "atomic_write", real)
    assert store.refresh() is False  # our own file read again: nobody else saved
    store.apply(changes)
    assert [p["id"] for p in Store.open(data_dir).picks()] == ["p1"]
    assert Store.open(data_dir).answers() == {"a": "new"}
