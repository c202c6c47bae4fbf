"""The rescue copy: built from the stored data plus the unsaved changes, written where it can be, found again."""

from __future__ import annotations

import errno
import json
import shutil
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workbook import exchange, rescue, storage
from workbook.storage import Changes, Store

NOW = datetime(2026, 11, 28, 2, 15, 30, tzinfo=timezone.utc)
PICK = {"id": "p1", "decision": "t01", "prompt": "Tea or water?", "option": "Tea", "at": "2026-11-28T02:00:00+00:00",
        "day": "2026-11-28"}


def saved_store(folder: Path) -> Store:
    store = Store.open(folder)
    store.apply(Changes(answers={"what-is.own-words": "saved before", "why-hard.unsafe.familiar": True},
                        new_picks=[{**PICK, "id": "p0"}]))
    return store


PENDING = Changes(
    answers={"what-is.own-words": "saved before, and the unsaved rest", "time-with-yourself.like": "walks",
             "why-hard.unsafe.familiar": None},
    new_picks=[dict(PICK)],
    pick_updates={"p1": {"clarity": "clear"}},
    new_decisions=[{"id": "c-1", "prompt": "Bus or bike?", "options": ["Bus", "Bike"]}],
    position={"screen": "section-4", "field": "time-with-yourself.like", "last": None},
)


def test_the_copy_holds_the_saved_and_the_unsaved_and_imports_to_the_same(data_dir: Path, tmp_path: Path):
    store = saved_store(data_dir)
    Store.open(data_dir).apply(Changes(answers={"needs.reminder": "from another window"}))  # saved since we read
    copy = rescue.write(store, PENDING, now=NOW)
    assert copy.json_path.parent == tmp_path  # the data folder's parent comes first
    assert copy.json_path.name == f"workbook-rescue-{NOW.astimezone():%Y-%m-%d-%H%M%S}-{rescue.folder_tag(data_dir)}.json"
    for path in (copy.json_path, copy.markdown_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    markdown = copy.markdown_path.read_text()
    assert "saved before, and the unsaved rest" in markdown and f"workbook import {copy.json_path}" in markdown
    data = exchange.parse_export(copy.json_path.read_text())
    assert Store.open(data_dir).answers()["what-is.own-words"] == "saved before"  # the data folder is untouched
    elsewhere = Store.open(tmp_path / "other")
    exchange.import_data(elsewhere, data)
    assert elsewhere.answers() == {"what-is.own-words": "saved before, and the unsaved rest", "time-with-yourself.like": "walks",
                                   "needs.reminder": "from another window"}
    assert [(p["id"], p.get("clarity")) for p in elsewhere.picks()] == [("p0", None), ("p1", "clear")]
    assert elsewhere.custom_decisions() == PENDING.new_decisions
    assert elsewhere.position() == PENDING.position


def test_the_first_place_that_takes_it_is_used_and_none_taking_it_says_where_it_tried(data_dir: Path, tmp_path: Path):
    store = saved_store(data_dir)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    later = tmp_path / "later"
    later.mkdir()
    copy = rescue.write(store, PENDING, where=[not_a_folder, later], now=NOW)
    assert copy.json_path.parent == later and copy.markdown_path.parent == later
    assert copy.markdown_path.exists()
    with pytest.raises(rescue.RescueError) as refused:
        rescue.write(store, PENDING, where=[not_a_folder, tmp_path / "missing"], now=NOW)
    assert str(not_a_folder) in str(refused.value) and "missing" in str(refused.value)


def test_a_place_that_takes_the_json_but_not_the_markdown_keeps_neither(data_dir: Path, tmp_path: Path, monkeypatch):
    store = saved_store(data_dir)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    real = rescue.atomic_write

    def no_markdown_in_first(path: Path, data: bytes) -> None:
        if path.parent == first and path.suffix == ".md":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(rescue, "atomic_write", no_markdown_in_first)
    copy = rescue.write(store, PENDING, where=[first, second], now=NOW)
    assert copy.json_path.parent == second
    assert list(first.iterdir()) == []


def test_with_the_file_replaced_underneath_the_copy_is_built_from_memory_without_doubled_picks(data_dir: Path, tmp_path: Path, monkeypatch):
    store = saved_store(data_dir)
    real = storage.atomic_write

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "atomic_write", full)
    with pytest.raises(OSError):
        store.apply(Changes().merge_under(PENDING))  # the refused write, still held in memory
    monkeypatch.setattr(storage, "atomic_write", real)
    (data_dir / storage.DB_NAME).unlink()
    (data_dir / storage.DB_NAME).mkdir()  # then damaged: the file is now a folder
    copy = rescue.write(store, PENDING, now=NOW)
    data = json.loads(copy.json_path.read_text())
    assert [p["id"] for p in data["picks"]] == ["p0", "p1"]
    assert len(data["decisions"]) == 1
    assert data["answers"]["what-is.own-words"] == "saved before, and the unsaved rest"


def test_the_next_start_finds_only_this_workbooks_copies_until_answered(data_dir: Path, tmp_path: Path):
    store = saved_store(data_dir)
    assert rescue.find(data_dir) == []
    older = rescue.write(store, PENDING, now=NOW)
    newer = rescue.write(store, PENDING, now=NOW)  # the same second: a second name, nothing overwritten
    other = rescue.write(Store.open(tmp_path / "other-workbook"), PENDING, now=NOW)
    assert newer.json_path != older.json_path and older.json_path.exists()
    found = rescue.find(data_dir)
    assert set(found) == {older, newer} and other not in found
    assert found[0] == newer
    rescue.mark_seen(data_dir, newer)
    assert rescue.find(data_dir) == [older]
    assert newer.json_path.exists()  # kept, only not offered again
    assert stat.S_IMODE((data_dir / rescue.SEEN_NAME).stat().st_mode) == 0o600
    assert rescue.read(older)["answers"]["time-with-yourself.like"] == "walks"


def test_refusals_are_said_in_plain_words():
    assert rescue.reason(OSError(errno.ENOSPC, "No space left on device")) == "the disk is full"
    assert rescue.reason(OSError(errno.EROFS, "Read-only file system")) == "the disk is read-only"
    assert rescue.reason(OSError(errno.ENOENT, "No such file or directory")) == "No such file or directory"
    assert rescue.reason(storage.DamagedData("/x/workbook.json is empty")) == "/x/workbook.json is empty"


def test_places_are_the_parent_then_home_then_temp_without_repeats(tmp_path: Path):
    folder = tmp_path / "data"
    assert rescue.places(folder, home=tmp_path, temp=Path("/tmp")) == [tmp_path.resolve(), Path("/tmp").resolve()]
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_copy_keeps_earlier_versions_and_makes_none_of_this_windows_own_typing(data_dir: Path):
    store = saved_store(data_dir)
    store.apply(Changes(versions=[{"key": "what-is.own-words", "value": "long ago", "written": None,
                                   "replaced": "2026-11-01T09:00:00+00:00", "why": "edit"}]))
    text, _ = rescue.texts(store, PENDING, NOW)
    data = json.loads(text)
    assert [v["value"] for v in data["versions"]] == ["long ago"]  # typed today over today's text: no new one
