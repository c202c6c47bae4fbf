"""Answers and progress: what counts as answered, per-section counts, where to resume. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbook.content import Exercise, Section, Workbook


def is_answered(exercise: Exercise, value: Any) -> bool:
    if value is None:
        return False
    if exercise.kind == "text":
        return isinstance(value, str) and bool(value.strip())
    if exercise.kind == "toggle":
        return value is True
    if exercise.kind == "scale":
        return isinstance(value, int) and 1 <= value <= 5
    if exercise.kind == "entries":
        return isinstance(value, list) and any(entry_has_text(exercise, e) for e in value)
    return False


def entry_has_text(exercise: Exercise, entry: Any) -> bool:
    """Whether an entry of a list has something written in one of its text fields."""
    if not isinstance(entry, dict):
        return False
    return any(
        isinstance(entry.get(f.id), str) and entry[f.id].strip() for f in exercise.fields if f.kind == "line"
    )


def section_progress(section: Section, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered, total) over the exercises that count.

    A tick that does not count on its own ("This feels familiar") answers the exercise that
    follows it: a reason ticked as familiar is a reason answered, with or without words.
    """
    done = 0
    ticked = False
    for exercise in section.exercises:
        value = answers.get(exercise.key)
        if not exercise.counts:
            ticked = exercise.kind == "toggle" and is_answered(exercise, value)
            continue
        if ticked or is_answered(exercise, value):
            done += 1
        ticked = False
    return done, len(section.counted)


def first_unanswered(section: Section, answers: Mapping[str, Any]) -> Exercise | None:
    """The first exercise that takes typing and has no answer yet."""
    for exercise in section.exercises:
        if exercise.kind in {"text", "entries", "scale"} and not is_answered(exercise, answers.get(exercise.key)):
            return exercise
    return None


def overall_progress(workbook: Workbook, answers: Mapping[str, Any]) -> tuple[int, int]:
    done = total = 0
    for section in workbook.sections:
        d, t = section_progress(section, answers)
        done += d
        total += t
    return done, total


def bar(done: int, total: int, width: int = 10) -> str:
    """A progress bar readable without colour: ``■■■□□□□□□□``."""
    if total <= 0:
        return "□" * width
    filled = round(width * done / total)
    if done and not filled:
        filled = 1
    return "■" * filled + "□" * (width - filled)
