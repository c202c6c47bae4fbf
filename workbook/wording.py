"""How the workbook writes numbers, days and list entries, the same way on every screen and in every file.

Pure; no Textual. One date format everywhere: "28 Nov", with the year when it is not this year
("28 Nov 2025"); a count with its noun in the right number ("1 day", "2 days").
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from workbook.content import Exercise

NOT_YET = "(not answered yet)"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` with ``noun``: "1 day", "2 days", "1,000 decisions"."""
    word = noun if count == 1 else (nouns or noun + "s")
    return f"{count:,} {word}"


def day_label(day: date | str, today: date | None = None) -> str:
    """A calendar day as people write it: "28 Nov", or "28 Nov 2025" when not this year.

    Without ``today`` (a file that outlives the year it was written in) the year is always there.
    """
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return day
    if isinstance(day, datetime):
        day = day.date()
    text = f"{day.day} {day:%b}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def moment_label(moment: datetime, today: date | None = None) -> str:
    """A local moment: the day as :func:`day_label` writes it, and the time: "28 Nov 09:05"."""
    local = moment.astimezone()
    return f"{day_label(local.date(), today)} {local:%H:%M}"


def entry_line(exercise: Exercise, entry: Any, separator: str = " / ") -> str:
    """One entry of a list, its fields named shortly: "Critical thought: … / Reframe: …".

    Empty fields are left out; nothing is added to what the person wrote. Plain mode joins the
    fields with "; " (a screen reader says " / " as "slash").
    """
    if not isinstance(entry, dict):
        return ""
    parts = []
    for f in exercise.fields:
        value = entry.get(f.id)
        if isinstance(value, str) and value.strip():
            parts.append(f"{f.short or f.label}: {value.strip()}")
    return separator.join(parts)


def hosted() -> bool:
    """Run by `workbook serve` for a visitor: the server's own paths are not theirs to see."""
    return os.environ.get("WORKBOOK_HOSTED") == "1"


def in_browser() -> bool:
    """Started for a browser (`workbook serve --web`, through textual-serve): Textual's web driver is
    named, and standard input and output are its pipes to the page, carrying the full screen."""
    return os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver:")


def shown_path(path: Path, folder: Path) -> str:
    """A path as the person should see it: as it is, or, for a visitor of `workbook serve`, named
    inside their own workbook's folder (``exports/…``) or as a file kept on the server."""
    if not hosted():
        return str(path)
    try:
        return str(Path(path).resolve().relative_to(Path(folder).resolve()))
    except ValueError:
        return f"{Path(path).name}, kept on the server beside your workbook"
