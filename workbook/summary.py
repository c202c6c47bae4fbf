"""The summary: what Home and the top bar show, kept beside the data so the first screen needs no history.

A workbook file holds, in its first few hundred bytes (the ``summary`` table, written first), the
progress of each section, the number of answers and decisions, the facts that give the streak on
any day (:class:`workbook.practice.RunFacts`) and whether there is a place to continue from. The
store updates it with each save (:meth:`workbook.storage.Store.apply`); the app draws Home from it
while everything else is read after the first frame, then checks it against the full data and
corrects it (another program may have changed the file). It is derived data: one that does not read
as a summary is simply made again from the tables. No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workbook import content, practice
from workbook.progress import section_progress

TABLE = "summary"
VERSION = 1


@dataclass(frozen=True)
class Summary:
    """Home's numbers: answered exercises per counted section, the decisions, the streak's facts."""

    done: dict[int, int] = field(default_factory=dict)  # section number -> exercises answered
    answered: int = 0  # answers that count, in all sections
    picks: int = 0
    run: practice.RunFacts = practice.RunFacts()
    continues: bool = False  # a place to continue from

    def to_doc(self) -> dict[str, Any]:
        """The summary as stored (plain JSON)."""
        run = self.run
        return {
            "version": VERSION,
            "done": {str(n): d for n, d in sorted(self.done.items())},
            "answered": self.answered,
            "picks": self.picks,
            "run": [_iso(run.end), run.count, _iso(run.last_rest), run.best_before, run.days],
            "continues": self.continues,
        }

    @classmethod
    def from_doc(cls, doc: Any) -> Summary | None:
        """A stored summary, or None when it is not one this version reads (then it is made again)."""
        try:
            if not isinstance(doc, dict) or doc.get("version") != VERSION:
                return None
            done = {int(n): _count(d) for n, d in doc["done"].items()}
            end, count, last_rest, best_before, days = doc["run"]
            run = practice.RunFacts(_day(end), _count(count), _day(last_rest), _count(best_before), _count(days))
            if not isinstance(doc["continues"], bool):
                return None
            return cls(done, _count(doc["answered"]), _count(doc["picks"]), run, doc["continues"])
        except (AttributeError, KeyError, TypeError, ValueError):
            return None

    def with_picks(self, days: Iterable[str]) -> Summary | None:
        """The summary after new picks on ``days`` (ISO days); None if one comes before the last
        practice day (then it is made again from every pick)."""
        run, count = self.run, self.picks
        for text in days:
            count += 1
            if not text:
                continue
            added = run.add(date.fromisoformat(text))
            if added is None:
                return None
            run = added
        return Summary(self.done, self.answered, count, run, self.continues)

    def with_answers(self, answers: Mapping[str, Any], position: Mapping[str, Any] | None,
                     workbook: content.Workbook | None = None) -> Summary:
        """The summary with the answers' progress and the place to continue from made again (both small)."""
        done, answered = progress(answers, workbook)
        return Summary(done, answered, self.picks, self.run, continues(position))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: Any) -> date | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(text)
    return date.fromisoformat(text)


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(value)
    return value


def progress(answers: Mapping[str, Any], workbook: content.Workbook | None = None) -> tuple[dict[int, int], int]:
    """(answered per counted section, answered in all) from the answers (key -> value)."""
    workbook = workbook or content.load()
    done = {s.number: section_progress(s, answers)[0] for s in workbook.sections if s.counted}
    return done, sum(done.values())


def continues(position: Mapping[str, Any] | None) -> bool:
    """Whether a stored position holds a place to continue from."""
    return isinstance(position, Mapping) and isinstance(position.get("last"), Mapping)


def of_tables(tables: Mapping[str, Any]) -> Summary:
    """The summary made from the whole database (tables as stored)."""
    answers = {doc["key"]: doc.get("value") for doc in _docs(tables, "answers") if isinstance(doc.get("key"), str)}
    position = next((doc for doc in _docs(tables, "state") if doc.get("name") == "position"), None)
    picks = _docs(tables, "picks")
    days = {p.get("day") for p in picks}
    run = practice.run_facts(date.fromisoformat(d) for d in days if isinstance(d, str) and d)
    return Summary(picks=len(picks), run=run).with_answers(answers, position)


def _docs(tables: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    table = tables.get(name)
    return [d for d in table.values() if isinstance(d, dict)] if isinstance(table, dict) else []


def stored(tables: Mapping[str, Any]) -> Summary | None:
    """The summary a database holds, if it holds one this version reads."""
    table = tables.get(TABLE)
    return Summary.from_doc(table.get("1")) if isinstance(table, dict) else None


@dataclass(frozen=True)
class Home:
    """What Home and the top bar show on ``today``: per-section progress, answers, decisions, the streak."""

    done: dict[int, int]
    answered: int
    picks: int
    current: int
    run_ended: bool
    continues: bool

    @property
    def streak_line(self) -> str:
        """The streak in words for the top bar, or nothing before the first pick."""
        return practice.streak_text(self.current, self.run_ended) if self.picks else ""


def home(summary: Summary, today: date) -> Home | None:
    """Home's numbers from a stored summary on ``today`` (None when the summary cannot say: a clock set back)."""
    streak = summary.run.streak_on(today)
    if streak is None:
        return None
    current, _, ended, _ = streak
    return Home(summary.done, summary.answered, summary.picks, current, ended, summary.continues)
