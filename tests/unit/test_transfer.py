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
    assert "- Need: rest / How I honour it: self-care" in md
    assert "- Critical thought: I never get it right / Reframe: I am learning what I like\n" in md
    assert "I wanted water \\| really" in md
    assert "1-day streak · best: 1 day · 1 decision practised on 1 day." in md
    assert "exported on 4 May 2026." in md
    assert "| 4 May 2026 | Tea or water? |" in md
    assert "Bus | bike?" in md


def test_markdown_says_what_is_not_answered_yet_and_leaves_out_unticked_ticks(data_dir):
    store = full_store(data_dir)
    md = transfer.export_markdown(store, datetime(2026, 5, 4, 12, tzinfo=timezone.utc), TODAY)
    # Section 4 has no answers: each prompt is there, saying so; no bare dashes anywhere.
    part = md.split("## 4.")[1].split("## 5.")[0]
    assert part.count("*(not answered yet)*") == 4
    assert "—" not in md.replace("–", "")
    assert "*This feels familiar:* yes" in md
    assert md.count("This feels familiar") == 1  # only the ticked one
    assert ":”:" not in md and "…”:" not in md  # no doubled punctuation after a long label


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
    assert transfer.status_line(info) == (
        "Self-trust workbook: 5 answers so far · 4 of 5 sections with exercises begun (1 complete)"
        " · practice: 1-day streak · 1 practised · today: practised"
    )
    assert {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")} == files


def test_status_speaks_in_homes_words(data_dir):
    """Home's rows: "N answers so far", each section "N of M", the game "not started yet"."""
    from workbook import content
    from workbook.progress import section_progress

    store = Store.open(data_dir)
    store.apply(Changes(answers={"what-is.own-words": "me"}))
    info = transfer.status(Store.read_only(data_dir), TODAY)
    line = transfer.status_line(info)
    assert line == (
        "Self-trust workbook: 1 answer so far · 1 of 5 sections with exercises begun · practice: not started yet"
    )
    # The sections it counts are exactly Home's rows with an "N of M".
    counted = [s for s in content.load().sections if s.counted]
    assert info["sections"] == len(counted)
    assert info["answers"] == sum(section_progress(s, store.answers())[0] for s in counted)


def test_no_daily_backup_of_an_empty_workbook(data_dir):
    store = Store.open(data_dir)
    store.apply(Changes(settings={"theme": "textual-dark"}, position={"screen": "home", "field": None, "last": None}))
    assert store.path.exists()
    assert transfer.daily_backup(store) is None
    assert transfer.backups(store) == []
    store.apply(Changes(answers={"what-is.own-words": "me"}))
    assert transfer.daily_backup(store) is not None


def test_backups_are_listed_in_aligned_columns(data_dir):
    store = full_store(data_dir)
    transfer.backup(store, "daily", datetime(2026, 5, 3, 8, 5, tzinfo=timezone.utc))
    transfer.backup(store, "before-reset", datetime(2025, 6, 30, 22, 0, tzinfo=timezone.utc))
    lines = transfer.backup_lines(transfer.backups(store), TODAY)
    assert lines[0].split() == ["Name", "Taken", "Size", "Why"]
    # Every column starts (the size: ends) at the same place on every line.
    taken, why, size_end = lines[0].index("Taken"), lines[0].index("Why"), lines[0].index("Size") + 4
    for line in lines[1:]:
        assert line[taken - 2 : taken] == "  " and line[taken] != " "
        assert line[why - 2 : why] == "  " and line[why] != " "
        assert line[size_end - 2 : size_end] == " B"
    assert lines[1][why:] == "before a reset" and lines[2][why:] == "daily"
    assert "2025" in lines[1] and "2026" not in lines[2].split("  ")[1]  # the year only when not this year


def test_status_on_an_empty_folder_creates_nothing(tmp_path):
    folder = tmp_path / "none"
    info = transfer.status(Store.read_only(folder), TODAY)
    assert info["answers"] == 0 and info["decisions"] == 0
    assert not folder.exists()


def test_export_json_is_versioned(data_dir):
    data = json.loads(transfer.export_json(full_store(data_dir)))
    assert data["format"] == transfer.EXPORT_FORMAT and data["version"] == transfer.EXPORT_VERSION
