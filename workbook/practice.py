"""The small-decisions practice: deck, levels, streak, rest days, calendar. Pure; the clock is injected.

A pick records the local calendar day it was made on (in the zone in force then), so a pick just
before midnight stays on its day, a daylight-saving change neither breaks nor doubles a day, and
moving to another time zone does not move old picks.

Streak rules:
- a practice day is a local day with at least one pick;
- the streak counts the practice days of the current run;
- at most one missed day in any 7 consecutive days is forgiven: the run continues through it and
  the calendar shows it as a rest day (not counted);
- otherwise a missed day ends the run; the next pick starts a new one. Today is never "missed":
  it is not over yet.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

LEVEL_NAMES = {1: "tiny", 2: "small", 3: "everyday"}
LEVEL_OPENS_AFTER = {1: 0, 2: 5, 3: 15}  # practice days
GUT_WINDOW_SECONDS = 8
CLARITY = ("quiet", "some", "clear")
ALIGNED = ("yes", "partly", "not really")
FORGIVE_WINDOW = 7  # at most one missed day in any 7 consecutive days

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in the local time zone (TZ honoured)."""
    return datetime.now(timezone.utc).astimezone()


def local_day(instant: datetime, zone: tzinfo | None = None) -> date:
    """The calendar day of ``instant`` in ``zone`` (default: the local zone)."""
    return instant.astimezone(zone).date()


# -- the deck ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Decision:
    """A card of the game: a tiny decision and its options (``custom`` when the person wrote it)."""

    id: str
    level: int
    prompt: str
    options: tuple[str, ...]
    custom: bool = False


@cache
def deck() -> tuple[Decision, ...]:
    raw = tomllib.loads(Path(__file__).with_name("data").joinpath("decisions.toml").read_text(encoding="utf-8"))
    return tuple(Decision(d["id"], d["level"], d["prompt"], tuple(d["options"])) for d in raw["decisions"])


def custom_decision(doc: dict[str, Any]) -> Decision:
    return Decision(doc["id"], 1, doc["prompt"], tuple(doc["options"]), custom=True)


def level_for(practice_days: int) -> int:
    return max(level for level, needed in LEVEL_OPENS_AFTER.items() if practice_days >= needed)


def next_level_note(practice_days: int) -> str:
    """What opens when, in words."""
    for level, needed in sorted(LEVEL_OPENS_AFTER.items()):
        if practice_days < needed:
            to_go = needed - practice_days
            return (
                f"{LEVEL_NAMES[level].capitalize()} decisions open after {needed} practice days "
                f"({to_go} to go)."
            )
    return "All three levels are open: tiny, small and everyday."


def draw(
    decisions: Sequence[Decision],
    practice_days: int,
    recent: Iterable[str] = (),
    rng: random.Random | None = None,
) -> Decision:
    """The next card: from the open levels and the person's own decisions, avoiding recent ones."""
    rng = rng or random.Random()
    level = level_for(practice_days)
    open_ = [d for d in decisions if d.custom or d.level <= level]
    recent = list(recent)
    fresh = [d for d in open_ if d.id not in set(recent[-min(len(recent), len(open_) - 1) :])] if recent else open_
    return rng.choice(fresh or open_)


# -- the streak ---------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    start: date
    end: date  # last practice day
    days: int  # practice days counted
    rests: tuple[date, ...] = ()


@dataclass(frozen=True)
class Streak:
    current: int
    best: int
    practice_days: int
    rests: frozenset[date]
    runs: tuple[Run, ...]
    run_ended: bool  # there was a run, and it is over (a kind welcome back is due)
    practised_today: bool
    days: frozenset[date] = field(default_factory=frozenset)


def _forgiven(rests: list[date], gap: list[date]) -> bool:
    """Whether a run goes on through the missed days ``gap``, given its earlier rest days.

    At most one missed day in any 7 consecutive days: a gap of one day, at least 7 days after
    the run's last rest day (``rests`` is in order, so the last one is the nearest).
    """
    if not gap:
        return True
    return len(gap) == 1 and (not rests or gap[0] - rests[-1] >= timedelta(FORGIVE_WINDOW))


def streak(days: Iterable[date], today: date) -> Streak:
    """Runs, rest days and the current streak from the set of practice days."""
    practice = sorted(set(d for d in days if d <= today))
    practice_set = frozenset(practice)
    runs: list[Run] = []
    if not practice:
        return Streak(0, 0, 0, frozenset(), (), False, False, practice_set)
    start = end = practice[0]
    count = 1
    rests: list[date] = []
    for day in practice[1:]:
        gap = [end + timedelta(n) for n in range(1, (day - end).days)]
        if _forgiven(rests, gap):
            rests.extend(gap)
            end = day
            count += 1
        else:
            runs.append(Run(start, end, count, tuple(rests)))
            start = end = day
            count = 1
            rests = []
    # The days between the last practice day and today (today itself is not over yet).
    gap = [end + timedelta(n) for n in range(1, (today - end).days)]
    alive = _forgiven(rests, gap)
    final = Run(start, end, count, tuple(rests + (gap if alive else [])))
    runs.append(final)
    all_rests = frozenset(r for run in runs for r in run.rests)
    return Streak(
        current=count if alive else 0,
        best=max(run.days for run in runs),
        practice_days=len(practice),
        rests=all_rests,
        runs=tuple(runs),
        run_ended=not alive,
        practised_today=today in practice_set,
        days=practice_set,
    )


@dataclass(frozen=True)
class RunFacts:
    """The few facts that give the streak on any later day without the practice days themselves.

    Kept in the workbook's summary (:mod:`workbook.summary`), so Home shows the streak before the
    picks are read. :func:`run_facts` makes them from the days; :meth:`add` takes one more day;
    :meth:`streak_on` answers as :func:`streak` would.
    """

    end: date | None = None  # the last practice day (None: no practice yet)
    count: int = 0  # practice days in the run that ends on ``end``
    last_rest: date | None = None  # that run's last rest day
    best_before: int = 0  # the best of the runs before it
    days: int = 0  # practice days in all

    def add(self, day: date) -> RunFacts | None:
        """The facts with one more practice day; None when ``day`` comes before ``end`` (then they are
        made again from all the days)."""
        if self.end is None:
            return RunFacts(day, 1, None, 0, 1)
        if day == self.end:
            return self
        if day < self.end:
            return None
        gap = [self.end + timedelta(n) for n in range(1, (day - self.end).days)]
        rests = [self.last_rest] if self.last_rest else []
        if _forgiven(rests, gap):
            return RunFacts(day, self.count + 1, gap[-1] if gap else self.last_rest, self.best_before, self.days + 1)
        return RunFacts(day, 1, None, max(self.best_before, self.count), self.days + 1)

    def streak_on(self, today: date) -> tuple[int, int, bool, bool] | None:
        """(current, best, run ended, practised today) on ``today``, as :func:`streak` gives them;
        None when the last practice day is after ``today`` (a clock set back)."""
        if self.end is None:
            return 0, 0, False, False
        if self.end > today:
            return None
        gap = [self.end + timedelta(n) for n in range(1, (today - self.end).days)]
        alive = _forgiven([self.last_rest] if self.last_rest else [], gap)
        return (self.count if alive else 0), max(self.best_before, self.count), not alive, self.end == today


def run_facts(days: Iterable[date]) -> RunFacts:
    """The :class:`RunFacts` of a set of practice days."""
    facts = RunFacts()
    for day in sorted(set(days)):
        added = facts.add(day)
        assert added is not None  # the days come in order
        facts = added
    return facts


def streak_text(current: int, ended: bool = False) -> str:
    if current:
        return f"{current}-day streak"
    return "a fresh start today" if ended else "no streak yet"


def practice_note(current: int, picks: int) -> str:
    """The practice in a few words, as Home's contents and ``workbook status`` both say it."""
    if current and picks:
        return f"{streak_text(current)} · {picks:,} decision{'' if picks == 1 else 's'}"
    if picks:
        return f"{picks:,} decision{'' if picks == 1 else 's'} practised"
    return "not started yet"


REST_RULE = "One missed day in any seven is a rest day and keeps your streak."


# -- the calendar -------------------------------------------------------------
PRACTISED, REST, EMPTY, FUTURE = "■", "~", "·", " "


@dataclass(frozen=True)
class Cell:
    day: date
    symbol: str
    today: bool


def calendar(s: Streak, today: date, weeks: int = 12) -> list[list[Cell]]:
    """``weeks`` columns of 7 days (Monday first), the last column holding today. Rows are weekdays."""
    last_monday = today - timedelta(today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    rows: list[list[Cell]] = [[] for _ in range(7)]
    for week in range(weeks):
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            if day > today:
                symbol = FUTURE
            elif day in s.days:
                symbol = PRACTISED
            elif day in s.rests:
                symbol = REST
            else:
                symbol = EMPTY
            rows[weekday].append(Cell(day, symbol, day == today))
    return rows


# -- picks and check-ins --------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    total: int
    aligned: dict[str, int]
    pending: tuple[dict[str, Any], ...]  # picks waiting for a check-in, newest first


def summarise(picks: Sequence[Mapping[str, Any]], pending_limit: int = 3) -> Summary:
    """The picks in numbers: how many, how they aligned, the check-ins waiting (newest first).

    ``picks`` are stored documents or :class:`workbook.records.Pick` records (read by attribute:
    the game opens with 10,000 of them).
    """
    aligned = {a: 0 for a in ALIGNED}
    pending = []
    records = bool(picks) and not isinstance(picks[0], dict)
    checkins = [p.checkin for p in picks] if records else [p.get("checkin") for p in picks]  # type: ignore[attr-defined]
    for pick, checkin in zip(picks, checkins):
        if checkin in aligned:
            aligned[checkin] += 1
        elif checkin is None:
            pending.append(pick)
    pending.sort(key=lambda p: p.get("at", ""), reverse=True)
    return Summary(len(picks), aligned, tuple(pending[:pending_limit]))


def new_pick(decision: Decision, option: int, now: datetime, zone: tzinfo | None = None) -> dict[str, Any]:
    """The record of a pick, ready to save."""
    return {
        "decision": decision.id,
        "prompt": decision.prompt,
        "option": decision.options[option],
        "at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "day": local_day(now, zone).isoformat(),
        "clarity": None,
        "checkin": None,
        "learned": "",
    }


def practice_days_of(picks: Iterable[Mapping[str, Any]]) -> set[date]:
    """The days with at least one pick (documents or records); each day's text is read once."""
    picks = list(picks)
    records = bool(picks) and not isinstance(picks[0], dict)
    days = {p.day for p in picks} if records else {p.get("day") for p in picks}  # type: ignore[attr-defined]
    return {date.fromisoformat(day) for day in days if day}
