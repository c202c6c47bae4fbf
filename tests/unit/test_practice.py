"""Streak, rest-day, level and calendar rules, over an injected clock."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from workbook import practice
from workbook.practice import local_day, streak

D0 = date(2026, 3, 2)  # a Monday


def days(*offsets: int) -> list[date]:
    return [D0 + timedelta(n) for n in offsets]


def test_no_picks_no_streak():
    s = streak([], D0)
    assert (s.current, s.best, s.practice_days, s.run_ended) == (0, 0, 0, False)
    assert practice.streak_text(0) == "no streak yet"


def test_consecutive_days_count():
    s = streak(days(0, 1, 2, 3), D0 + timedelta(3))
    assert s.current == 4 and s.best == 4 and s.practised_today
    assert practice.streak_text(4) == "4-day streak"


def test_today_not_over_yet_keeps_the_streak():
    s = streak(days(0, 1, 2), D0 + timedelta(3))
    assert s.current == 3 and not s.practised_today and not s.run_ended


def test_one_missed_day_is_forgiven_as_a_rest_day():
    s = streak(days(0, 1, 3, 4), D0 + timedelta(4))
    assert s.current == 4  # the rest day is not counted
    assert s.rests == {D0 + timedelta(2)}


def test_yesterday_missed_is_a_rest_day_while_today_is_open():
    s = streak(days(0, 1), D0 + timedelta(3))
    assert s.current == 2 and not s.run_ended
    assert D0 + timedelta(2) in s.rests


def test_two_missed_days_end_the_run_and_the_old_run_stays_as_best():
    s = streak(days(0, 1, 2, 5), D0 + timedelta(5))
    assert s.current == 1
    assert s.best == 3
    assert len(s.runs) == 2
    assert D0 + timedelta(3) not in s.rests and D0 + timedelta(4) not in s.rests


def test_two_missed_days_with_no_pick_since_end_the_run_kindly():
    s = streak(days(0, 1, 2), D0 + timedelta(5))
    assert s.current == 0 and s.run_ended and s.best == 3


def test_a_second_single_miss_inside_seven_days_ends_the_run():
    # missed day 2, then day 5: both inside one 7-day window
    s = streak(days(0, 1, 3, 4, 6, 7), D0 + timedelta(7))
    assert s.current == 2
    assert s.best == 4
    # a second miss 7 days after the first is forgiven again
    s = streak(days(0, 1, 3, 4, 5, 6, 7, 8, 10, 11), D0 + timedelta(11))
    assert s.current == 10
    assert s.rests == {D0 + timedelta(2), D0 + timedelta(9)}


def test_picks_around_midnight_land_on_their_local_days():
    zone = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 6, 1, 23, 59, 30, tzinfo=zone)
    after = datetime(2026, 6, 2, 0, 0, 30, tzinfo=zone)
    assert local_day(before, zone) == date(2026, 6, 1)
    assert local_day(after, zone) == date(2026, 6, 2)
    # the same instants seen in UTC would both be on June 1st: the zone matters
    assert local_day(after, timezone.utc) == date(2026, 6, 1)
    s = streak([local_day(before, zone), local_day(after, zone)], date(2026, 6, 2))
    assert s.current == 2


def test_a_daylight_saving_change_neither_breaks_nor_doubles_a_day():
    zone = ZoneInfo("America/New_York")  # clocks go forward on 2026-03-08 and back on 2026-11-01
    picks = []
    for start in (datetime(2026, 3, 6, 22, 30), datetime(2026, 10, 30, 22, 30)):
        for n in range(4):  # one pick at 22:30 local each evening across the change
            local = (start + timedelta(days=n)).replace(tzinfo=zone)
            picks.append(local_day(local.astimezone(timezone.utc), zone))
    assert len(set(picks)) == 8
    s = streak(picks[4:], date(2026, 11, 2))
    assert s.current == 4
    s = streak(picks[:4], date(2026, 3, 9))
    assert s.current == 4


def test_a_time_zone_change_keeps_old_picks_on_their_days():
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    first = practice.new_pick(practice.deck()[0], 0, datetime(2026, 5, 1, 8, 0, tzinfo=tokyo), tokyo)
    # the person flies to New York; the next evening's pick there is local May 1st evening
    second = practice.new_pick(practice.deck()[0], 1, datetime(2026, 5, 1, 20, 0, tzinfo=new_york), new_york)
    third = practice.new_pick(practice.deck()[0], 1, datetime(2026, 5, 2, 20, 0, tzinfo=new_york), new_york)
    assert first["day"] == "2026-05-01" and second["day"] == "2026-05-01" and third["day"] == "2026-05-02"
    s = streak(practice.practice_days_of([first, second, third]), date(2026, 5, 2))
    assert s.current == 2 and s.practice_days == 2


def test_ten_years_of_history():
    rng = random.Random(7)
    start = date(2016, 1, 1)
    all_days = [start + timedelta(n) for n in range(3653) if rng.random() < 0.8]
    today = start + timedelta(3652)
    s = streak(all_days, today)
    assert s.practice_days == len(set(all_days))
    assert sum(run.days for run in s.runs) == s.practice_days
    assert s.best == max(run.days for run in s.runs)
    for run in s.runs:  # never two rest days within 7 days of each other in one run
        rests = sorted(run.rests)
        assert all(b - a >= timedelta(7) for a, b in zip(rests, rests[1:]))


def test_levels_open_after_5_and_15_practice_days():
    assert practice.level_for(0) == 1
    assert practice.level_for(4) == 1
    assert practice.level_for(5) == 2
    assert practice.level_for(15) == 3
    assert "5 practice days (2 to go)" in practice.next_level_note(3)
    assert "15 practice days" in practice.next_level_note(5)
    assert "All three levels" in practice.next_level_note(20)


def test_the_deck_has_at_least_60_decisions_in_three_levels():
    deck = practice.deck()
    assert len(deck) >= 60
    assert {d.level for d in deck} == {1, 2, 3}
    assert all(2 <= len(d.options) <= 4 for d in deck)
    assert len({d.id for d in deck}) == len(deck)


def test_draw_uses_open_levels_and_custom_decisions():
    deck = list(practice.deck())
    custom = practice.custom_decision({"id": "c-1", "prompt": "Bus or bike?", "options": ["Bus", "Bike"]})
    rng = random.Random(1)
    drawn = {practice.draw(deck + [custom], 0, rng=rng).id for _ in range(400)}
    assert "c-1" in drawn
    assert all(d.startswith(("t", "c")) for d in drawn)
    drawn = {practice.draw(deck, 15, rng=rng).id[0] for _ in range(400)}
    assert drawn == {"t", "s", "e"}


def test_calendar_is_12_weeks_with_symbols_and_today_marked():
    today = D0 + timedelta(10)  # a Thursday
    s = streak(days(7, 8, 10), today)
    rows = practice.calendar(s, today)
    assert len(rows) == 7 and all(len(r) == 12 for r in rows)
    cells = {c.day: c for row in rows for c in row}
    assert cells[today].today and cells[today].symbol == practice.PRACTISED
    assert cells[D0 + timedelta(9)].symbol == practice.REST
    assert cells[D0 + timedelta(11)].symbol == practice.FUTURE
    assert cells[D0].symbol == practice.EMPTY
    assert sum(c.today for c in cells.values()) == 1


def test_summary_counts_checkins_and_offers_pending_newest_first():
    picks = [
        {"id": "a", "at": "2026-01-01T10:00:00", "checkin": "yes"},
        {"id": "b", "at": "2026-01-02T10:00:00", "checkin": "not really"},
        {"id": "c", "at": "2026-01-03T10:00:00", "checkin": None},
        {"id": "d", "at": "2026-01-04T10:00:00", "checkin": "skip"},
        {"id": "e", "at": "2026-01-05T10:00:00", "checkin": None},
    ]
    summary = practice.summarise(picks)
    assert summary.total == 5
    assert summary.aligned == {"yes": 1, "partly": 0, "not really": 1}
    assert [p["id"] for p in summary.pending] == ["e", "c"]
