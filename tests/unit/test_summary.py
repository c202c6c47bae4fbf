"""The summary beside the data: the streak's facts, kept with each save, read from the file's start."""

from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import practice, summary
from workbook.storage import DB_NAME, Changes, Store, read_head

START = date(2026, 1, 1)


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 90), max_size=40), st.integers(0, 100))
def test_the_streaks_facts_give_what_the_streak_gives_on_any_later_day(offsets, later):
    days = {START + timedelta(n) for n in offsets}
    today = max(days, default=START) + timedelta(later % 12)
    expected = practice.streak(days, today)
    facts = practice.run_facts(days)
    assert facts.streak_on(today) == (expected.current, expected.best, expected.run_ended, expected.practised_today)
    assert facts.days == expected.practice_days


def pick(n: int, day: date) -> dict:
    return {"id": f"p{n}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
            "at": f"{day.isoformat()}T10:00:00+00:00", "day": day.isoformat(), "clarity": None, "checkin": None, "learned": ""}


def test_each_save_keeps_the_summary_equal_to_one_made_from_the_whole_data(tmp_path):
    store = Store.open(tmp_path)
    steps = [
        Changes(answers={"what-is.own-words": "mine", "why-hard.unsafe.reflection": "words"}),
        Changes(new_picks=[pick(1, START), pick(2, START + timedelta(1))]),
        Changes(new_picks=[pick(3, START + timedelta(5))], position={"screen": "section-2", "field": None,
                                                                     "last": {"screen": "section-2", "field": None}}),
        Changes(new_picks=[pick(4, START - timedelta(3))]),  # a day before the last: made again from every pick
        Changes(answers={"what-is.own-words": None}),
    ]
    for changes in steps:
        store.apply(changes)
        tables = store.tables()
        assert summary.stored(tables) == summary.of_tables(tables)
        assert read_head(tmp_path).summary == summary.of_tables(tables)
    final = read_head(tmp_path).summary
    assert final.picks == 4 and final.done[1] == 1 and final.done[2] == 0 and final.continues


def test_a_replaced_workbook_gets_its_summary_made_again(tmp_path):
    store = Store.open(tmp_path)
    store.apply(Changes(new_picks=[pick(1, START)]))
    tables = store.tables()
    tables["picks"] = {}
    store.replace_all(tables)
    assert read_head(tmp_path).summary.picks == 0


def test_a_file_without_a_summary_at_its_start_is_read_whole(tmp_path):
    store = Store.open(tmp_path)
    store.apply(Changes(answers={"what-is.own-words": "mine"}))
    path = tmp_path / DB_NAME
    tables = json.loads(path.read_text())
    assert read_head(tmp_path) is not None
    # Written by an older version (no summary), or with the history first: no head, the whole file is read.
    path.write_text(json.dumps({k: v for k, v in tables.items() if k != "summary"}))
    assert read_head(tmp_path) is None
    path.write_text(json.dumps({"answers": tables["answers"], **tables}))
    assert read_head(tmp_path) is None
    path.write_text(json.dumps(tables, indent=2))  # spaces are fine
    assert read_head(tmp_path) is not None
    tables["summary"]["1"]["picks"] = "many"  # not a summary this version reads
    path.write_text(json.dumps(tables))
    assert read_head(tmp_path) is None
    assert read_head(tmp_path / "nowhere") is None


def test_a_clock_set_before_the_last_practice_day_reads_everything_at_once(tmp_path):
    from datetime import datetime, timezone

    from workbook.state import WorkbookState

    store = Store.open(tmp_path)
    store.apply(Changes(new_picks=[pick(1, START + timedelta(3))]))
    head = read_head(tmp_path)
    early = WorkbookState(Store(tmp_path), clock=lambda: datetime(2026, 1, 2, 12, tzinfo=timezone.utc), head=head)
    assert early.ready and len(early.picks) == 1  # the summary cannot give the streak then: no fast start
    later = WorkbookState(Store(tmp_path), clock=lambda: datetime(2026, 1, 5, 12, tzinfo=timezone.utc), head=head)
    assert not later.ready and later.home().picks == 1 and later.home().current == 1
