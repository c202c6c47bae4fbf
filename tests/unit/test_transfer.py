"""Reset, undo, backups, export and import, status: no UI."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import transfer
from workbook.storage import Changes, Store
from workbook.text import clean
from workbook.transfer import TransferError

TODAY = date(2026, 5, 4)
PICK = {
    "id": "p1", "decision": "t01", "prompt": "Tea or water?", "option": "Tea", "at": "2026-05-04T08:00:00+00:00",
    "day": "2026-05-04", "clarity": "clear", "checkin": "not really", "learned": "I wanted water | really",
}
ANSWERS = {
    "why-hard.unsafe.reflection": "Line one\nLine [bold]two[/] 🌱",
    "why-hard.unsafe.familiar": True,
    "what-is.own-words": "[@click=app.quit]me",
    "what-is.clear.scale": 4,
    "needs.needs": [{"text": "rest", "honour": "self-care"}, {"text": "", "honour": "self-compassion"}],
    "reframing.pairs": [{"thought": "I never get it right", "reframe": "I am learning what I like"}],
    "time-with-yourself.like": "",
}


def full_store(folder: Path) -> Store:
    store = Store.open(folder)
    store.apply(Changes(
        answers=dict(ANSWERS),
        new_picks=[dict(PICK)],
        new_decisions=[{"id": "c-1", "prompt": "Bus | bike?", "options": ["Bus", "Bike"]}],
        settings={"gut_window": False},
        position={"screen": "section-2", "field": "what-is.own-words", "last": None},
    ))
    return store


def snapshot(store: Store) -> dict:
    data = transfer.export_data(store, datetime(2026, 5, 4, tzinfo=timezone.utc))
    return data


def test_reset_everything_then_undo_restores_exactly(data_dir):
    store = full_store(data_dir)
    before = snapshot(store)
    transfer.reset(store, "all")
    assert store.answers() == {} and store.picks() == [] and store.position() is None
    assert transfer.last_reset(store) is not None
    transfer.undo_reset(store)
    assert snapshot(store) == before
    assert transfer.last_reset(store) is None  # nothing left to undo


def test_reset_one_section_leaves_the_rest(data_dir):
    store = full_store(data_dir)
    transfer.reset(store, "section", 2)
    answers = store.answers()
    assert not any(k.startswith("what-is.") for k in answers)
    assert answers["why-hard.unsafe.reflection"] == ANSWERS["why-hard.unsafe.reflection"]
    assert len(store.picks()) == 1


def test_reset_the_game_leaves_the_answers(data_dir):
    store = full_store(data_dir)
    transfer.reset(store, "game")
    assert store.picks() == [] and store.custom_decisions() == []
    assert store.answers()["what-is.own-words"] == ANSWERS["what-is.own-words"]
    assert store.settings() == {"gut_window": False}


def test_section_five_means_the_game_and_seven_is_refused(data_dir):
    assert transfer.reset_scope("section", 5) == ("game", None)
    with pytest.raises(TransferError):
        transfer.reset_scope("section", 7)


def test_export_then_import_gives_identical_data(data_dir, tmp_path):
    store = full_store(data_dir)
    text = transfer.export_json(store)
    other = Store.open(tmp_path / "other")
    transfer.import_data(other, transfer.parse_export(text))
    assert snapshot(other) == snapshot(store)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([k for k, v in ANSWERS.items() if isinstance(v, str)]), st.text(min_size=0, max_size=40).map(clean), max_size=5))
def test_any_text_survives_export_and_import(tmp_path, answers):
    store = Store.open(tmp_path / f"a{abs(hash(str(answers)))}")
    store.apply(Changes(answers=answers))
    copy = Store.open(tmp_path / f"b{abs(hash(str(answers)))}")
    transfer.import_data(copy, transfer.parse_export(transfer.export_json(store)))
    assert copy.answers() == store.answers()


def test_markdown_has_titles_every_answer_decisions_and_date(data_dir):
    store = full_store(data_dir)
    md = transfer.export_markdown(store, datetime(2026, 5, 4, 12, tzinfo=timezone.utc), TODAY)
    assert md.startswith("# What is Self-Trust? Why is it so Hard? And Ways to Build It")
    assert "## 1. Why is it so hard to trust ourselves?" in md
    assert "### Unsafe or out-of-control experiences" in md
    assert "> Line one\n> Line [bold]two[/] 🌱" in md
    assert "> [@click=app.quit]me" in md
    assert "4 of 5" in md
    assert "- A need: rest; How I honour it: self-care" in md
    assert "The critical thought: I never get it right" in md
    assert "I wanted water \\| really" in md
    assert "1-day streak" in md
    assert "04 May 2026" in md or "4 May 2026" in md
    assert "Bus | bike?" in md


@pytest.mark.parametrize(
    "text, message",
    [
        ("hello", "not a workbook export"),
        ('{"format": "something-else", "version": 1}', "not a workbook export"),
        ('{"format": "self-trust-workbook-export", "version": 99, "answers": {}, "picks": []}', "newer version"),
        ('{"format": "self-trust-workbook-export", "version": 1, "answers": {"a": "b"', "cut short"),
    ],
)
def test_refused_imports_change_nothing(data_dir, text, message):
    store = full_store(data_dir)
    before = store.path.read_bytes()
    with pytest.raises(TransferError, match=message):
        transfer.import_data(store, transfer.parse_export(text))
    assert store.path.read_bytes() == before
    assert transfer.backups(store) == []


def test_daily_backup_once_a_day_last_seven_kept(data_dir):
    store = full_store(data_dir)
    start = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert transfer.daily_backup(store, start) is not None
    assert transfer.daily_backup(store, start + timedelta(hours=1)) is None
    for n in range(1, 10):
        transfer.daily_backup(store, start + timedelta(days=n))
    daily = [b for b in transfer.backups(store) if b.reason == "daily"]
    assert len(daily) == 7
    assert daily[-1].taken.date() == date(2026, 5, 10)
    for b in transfer.backups(store):
        assert os.stat(b.path).st_mode & 0o777 == 0o600
    assert os.stat(data_dir / "backups").st_mode & 0o777 == 0o700


def test_restore_backs_up_the_current_state_first(data_dir):
    store = full_store(data_dir)
    first = transfer.backup(store, "daily")
    store.apply(Changes(answers={"what-is.own-words": "changed"}))
    transfer.restore(store, first.name)
    assert store.answers()["what-is.own-words"] == ANSWERS["what-is.own-words"]
    latest = transfer.backups(store)[-1]
    assert latest.reason == "before-restore"
    assert "changed" in latest.path.read_text()
    with pytest.raises(TransferError, match="no backup is called"):
        transfer.restore(store, "nope")


def test_status_counts_and_changes_nothing(data_dir):
    full_store(data_dir)
    files = {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")}
    info = transfer.status(Store.read_only(data_dir), TODAY)
    assert info["practised_today"] is True and info["streak"] == 1 and info["decisions"] == 1
    assert info["answers"] == 5  # two texts, a scale, two lists
    assert "1-day streak" in transfer.status_line(info)
    assert {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")} == files


def test_status_on_an_empty_folder_creates_nothing(tmp_path):
    folder = tmp_path / "none"
    info = transfer.status(Store.read_only(folder), TODAY)
    assert info["answers"] == 0 and info["decisions"] == 0
    assert not folder.exists()


def test_export_json_is_versioned(data_dir):
    data = json.loads(transfer.export_json(full_store(data_dir)))
    assert data["format"] == transfer.EXPORT_FORMAT and data["version"] == transfer.EXPORT_VERSION
