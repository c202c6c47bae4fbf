"""The workbook's content as data: the article split into sections, with exercises.

Loaded from ``workbook/data/workbook.toml`` into frozen dataclasses. No Textual here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Union


@dataclass(frozen=True)
class Passage:
    """Article text: an optional heading and its paragraphs."""

    paragraphs: tuple[str, ...]
    heading: str = ""


@dataclass(frozen=True)
class Field:
    """One field of an entry in an ``entries`` exercise."""

    id: str
    label: str
    kind: str  # "line" or "choice"
    options: tuple[str, ...] = ()
    short: str = ""  # the label in My workbook and the export, when the screen's label is long


@dataclass(frozen=True)
class Exercise:
    """A reflection exercise. ``key`` is unique in the whole workbook."""

    key: str
    kind: str  # "toggle", "text", "scale", "entries"
    prompt: str
    counts: bool = True
    default: str = ""
    low: str = ""
    high: str = ""
    add_label: str = ""
    fields: tuple[Field, ...] = ()


Block = Union[Passage, Exercise]


@dataclass(frozen=True)
class Section:
    """One screen of the workbook: its number and title, and its passages and exercises in order."""

    number: int
    id: str
    title: str
    blocks: tuple[Block, ...]
    kind: str = "reading"  # "reading", "practice" (the decision game) or "review" (My workbook)

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Exercise))

    @property
    def passages(self) -> tuple[Passage, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Passage))

    @property
    def counted(self) -> tuple[Exercise, ...]:
        """The exercises that make up this section's progress."""
        return tuple(e for e in self.exercises if e.counts)


@dataclass(frozen=True)
class Workbook:
    title: str
    credit: str
    intro: tuple[str, ...]
    care_note: str
    sections: tuple[Section, ...]  # the sections with text and exercises (the review is apart)
    source: str = field(repr=False, default="")
    review: Section = Section(7, "review", "My workbook", (), "review")

    @property
    def practice_number(self) -> int:
        """The number of the section whose screen is the decision game."""
        return next(s.number for s in self.sections if s.kind == "practice")

    @property
    def review_number(self) -> int:
        """The number of My workbook, the last section, which reads back everything answered."""
        return self.review.number

    @property
    def last_number(self) -> int:
        """The highest section number (the review)."""
        return max(self.review.number, *(s.number for s in self.sections))

    def section(self, number: int) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise KeyError(number)

    def field_name(self, key: str) -> str:
        """An answer named for a person: its section and the start of its prompt."""
        try:
            exercise = self.exercise(key)
        except KeyError:
            return key
        number = next(s.number for s in self.sections if exercise in s.exercises)
        prompt = exercise.prompt if len(exercise.prompt) <= 48 else exercise.prompt[:47].rstrip() + "…"
        return f"section {number}, “{prompt}”"

    def exercise(self, key: str) -> Exercise:
        for section in self.sections:
            for exercise in section.exercises:
                if exercise.key == key:
                    return exercise
        raise KeyError(key)


class ContentError(ValueError):
    """The content file does not describe a workbook."""


def _block(section_id: str, raw: dict[str, Any]) -> Block:
    kind = raw.get("kind")
    if kind == "passage":
        return Passage(tuple(raw["paragraphs"]), raw.get("heading", ""))
    if kind in {"toggle", "text", "scale", "entries"}:
        fields = tuple(
            Field(f["id"], f["label"], f["kind"], tuple(f.get("options", ())), f.get("short", ""))
            for f in raw.get("fields", ())
        )
        return Exercise(
            key=f"{section_id}.{raw['id']}",
            kind=kind,
            prompt=raw.get("prompt", raw.get("label", "")),
            counts=raw.get("counts", True),
            default=raw.get("default", ""),
            low=raw.get("low", ""),
            high=raw.get("high", ""),
            add_label=raw.get("add_label", ""),
            fields=fields,
        )
    raise ContentError(f"unknown block kind {kind!r} in section {section_id}")


def parse(raw: dict[str, Any], source: str = "") -> Workbook:
    parsed = [
        Section(s["number"], s["id"], s["title"], tuple(_block(s["id"], b) for b in s["blocks"]), s.get("kind", "reading"))
        for s in raw["sections"]
    ]
    kinds = [s.kind for s in parsed]
    if any(kind not in {"reading", "practice", "review"} for kind in kinds) or kinds.count("review") > 1:
        raise ContentError("a section's kind is not reading, practice or review (or two are the review)")
    sections = tuple(s for s in parsed if s.kind != "review")
    review = next((s for s in parsed if s.kind == "review"), None)
    if review is None:  # a workbook without one: My workbook comes after the last section
        review = Section(max((s.number for s in sections), default=0) + 1, "review", "My workbook", (), "review")
    keys = [e.key for s in sections for e in s.exercises]
    if len(keys) != len(set(keys)):
        raise ContentError("two exercises share an id")
    return Workbook(
        title=raw["title"],
        credit=raw["credit"],
        intro=tuple(raw["intro"]),
        care_note=raw["care_note"],
        sections=sections,
        source=source,
        review=review,
    )


@cache
def load() -> Workbook:
    """The workbook shipped in the package."""
    data = Path(__file__).with_name("data")
    raw = tomllib.loads((data / "workbook.toml").read_text(encoding="utf-8"))
    source = (data / "article-source.txt").read_text(encoding="utf-8")
    return parse(raw, source)
