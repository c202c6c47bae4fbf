"""The one-line status and the list of backups: no UI. (Moved from test_transfer.py as they were.)"""

from __future__ import annotations

from datetime import datetime, timezone

from workbook import backups, status
from workbook.storage import Changes, Store
from test_exchange import TODAY, full_store


def test_status_counts_and_changes_nothing(data_dir):
    full_store(data_dir)
    files = {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")}
    info = status.status(Store.read_only(data_dir), TODAY)
    assert info["practised_today"] is True and info["streak"] == 1 and info["decisions"] == 1
    assert info["answers"] == 5  # two texts, a scale, two lists
    assert status.status_line(info) == (
        "Self-trust workbook: 5 answers so far · 4 of 5 sections with exercises begun (1 complete)"
        " · practice: 1-day streak · 1 decision · today: practised"
    )
    assert {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")} == files


def test_status_speaks_in_homes_words(data_dir):
    """Home's rows: "N answers so far", each section "N of M", the game "not started yet"."""
    from workbook import content
    from workbook.progress import section_progress

    store = Store.open(data_dir)
    store.apply(Changes(answers={"what-is.own-words": "me"}))
    info = status.status(Store.read_only(data_dir), TODAY)
    line = status.status_line(info)
    assert line == (
        "Self-trust workbook: 1 answer so far · 1 of 5 sections with exercises begun · practice: not started yet"
    )
    # The sections it counts are exactly Home's rows with an "N of M".
    counted = [s for s in content.load().sections if s.counted]
    assert info["sections"] == len(counted)
    assert info["answers"] == sum(section_progress(s, store.answers())[0] for s in counted)


def test_backups_are_listed_in_aligned_columns(data_dir):
    store = full_store(data_dir)
    backups.backup(store, "daily", datetime(2026, 5, 3, 8, 5, tzinfo=timezone.utc))
    backups.backup(store, "before-reset", datetime(2025, 6, 30, 22, 0, tzinfo=timezone.utc))
    lines = status.backup_lines(backups.backups(store), TODAY)
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
    info = status.status(Store.read_only(folder), TODAY)
    assert info["answers"] == 0 and info["decisions"] == 0
    assert not folder.exists()
