"""The one way the workbook writes days, counts and list entries. No UI."""

from __future__ import annotations

from datetime import date, datetime, timezone

from workbook import content, practice
from workbook.wording import day_label, entry_line, moment_label, plural

TODAY = date(2026, 11, 28)


def test_days_are_written_one_way_with_the_year_only_when_not_this_year():
    assert day_label(date(2026, 11, 28), TODAY) == "28 Nov"
    assert day_label("2026-04-05", TODAY) == "5 Apr"
    assert day_label(date(2025, 12, 31), TODAY) == "31 Dec 2025"
    assert day_label(date(2026, 1, 2)) == "2 Jan 2026"  # no today (a file): always the year
    assert day_label("not a day", TODAY) == "not a day"  # shown as it is, never a traceback
    moment = datetime(2026, 3, 1, 9, 5, tzinfo=timezone.utc).astimezone()
    assert moment_label(moment, TODAY) == f"{day_label(moment.date(), TODAY)} {moment:%H:%M}"


def test_counts_agree_with_their_nouns():
    assert plural(1, "day") == "1 day"
    assert plural(2, "day") == "2 days"
    assert plural(0, "answer") == "0 answers"
    assert plural(10_000, "decision") == "10,000 decisions"
    assert practice.practice_note(0, 1) == "1 decision practised"
    assert practice.practice_note(0, 0) == "not started yet"
    assert practice.practice_note(4, 9) == "4-day streak · 9 decisions"


def test_a_reframe_reads_with_short_labels_and_no_doubled_punctuation():
    pairs = content.load().exercise("reframing.pairs")
    line = entry_line(pairs, {"thought": "I always get it wrong.", "reframe": "I am learning what I like."})
    assert line == "Critical thought: I always get it wrong. / Reframe: I am learning what I like."
    assert entry_line(pairs, {"thought": "", "reframe": "only this"}) == "Reframe: only this"
    needs = content.load().exercise("needs.needs")
    assert entry_line(needs, {"text": "rest", "honour": "self-care"}) == "Need: rest / How I honour it: self-care"
