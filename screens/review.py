"""Section 7, My workbook: everything answered, section by section, read-only."""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from screens.widgets import KeptScreen, KeyBar, TopBar
from workbook import versions as versions_
from workbook.content import Exercise, Passage, Workbook
from workbook.progress import entry_has_text, is_answered

NOT_YET = "(not answered yet)"


def answer_lines(exercise: Exercise, value: Any) -> list[str]:
    """An answer as lines of plain text, for reading."""
    if not is_answered(exercise, value) and not (exercise.kind == "text" and exercise.default):
        return [NOT_YET]
    if exercise.kind == "toggle":
        return ["yes"]
    if exercise.kind == "scale":
        return [f"{value} of 5"]
    if exercise.kind == "entries":
        lines = []
        for entry in value:
            if not entry_has_text(exercise, entry):
                continue
            parts = [f"{f.label}: {entry[f.id]}" for f in exercise.fields if entry.get(f.id)]
            lines.append("• " + " / ".join(parts))
        return lines
    text = value if isinstance(value, str) and value.strip() else exercise.default
    return text.splitlines() or [text]


def _day(version: dict[str, Any], today: date) -> str:
    day = versions_.local_day(version.get("written")) or versions_.local_day(version.get("replaced"))
    return versions_.short_date(day, today) if day else "earlier"


def then_and_now(exercise: Exercise, history: list[dict[str, Any]], current: Any, width: int) -> Content:
    """An answer's change: the oldest text beside the current one; a 1–5 scale as a small chart."""
    today = date.today()
    if exercise.kind == "scale":
        rows = [(_day(v, today), v.get("value")) for v in history] + [("now", current)]
        lines = []
        for day, value in rows:
            if isinstance(value, int) and 1 <= value <= 5:
                lines.append(f"  {day:>11}  {'■' * value}{'□' * (5 - value)}  {value}")
            else:
                lines.append(f"  {day:>11}  {'·' * 5}  not answered")
        return Content("\n".join(lines) + "\n")
    oldest = history[0]
    column = max(16, (width - 4) // 2)
    left = _wrapped(answer_lines(exercise, oldest.get("value")), column)
    right = _wrapped(answer_lines(exercise, current), column)
    title_left = f"Then ({_day(oldest, today)})"
    count = versions_.count_text(len(history))
    title_right = "Now"
    out = [Content.styled(f"  {title_left:<{column}}  {title_right}\n", "bold")]
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else ""
        b = right[index] if index < len(right) else ""
        out.append(Content(f"  {a:<{column}}  {b}\n"))
    out.append(Content.styled(f"  {count} · see them all with ctrl+e in the section\n", "dim"))
    return Content("").join(out)


def _wrapped(lines: list[str], width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width) or [""]
    return out


class ReviewScreen(KeptScreen):
    BINDINGS = [Binding("escape", "app.home", "Home", id="home", priority=True)]

    def __init__(self, workbook: Workbook, answers: dict[str, Any], versions: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__(name="section-7", classes="review")
        self.workbook = workbook
        self.answers = answers
        self.versions = versions

    def compose(self) -> ComposeResult:
        yield TopBar("7 · My workbook")
        with VerticalScroll(id="body", can_focus=True):
            for section in self.workbook.sections:
                yield Static(classes="review-section", id=f"review-{section.number}")
        yield KeyBar(("esc", "Home"), ("^n", "Next"), ("^p", "Previous"), ("↑↓", "Scroll"))

    def on_mount(self) -> None:
        self.refresh_progress()
        self.query_one("#body").focus()

    def _width(self) -> int:
        return (self.size.width or self.app.size.width) - 6

    def on_resize(self) -> None:
        if any(self.versions.values()):
            self.refresh_progress()

    def refresh_progress(self) -> None:
        for section in self.workbook.sections:
            parts: list[Content] = [Content.styled(f"{section.number} · {section.title}\n", "bold $accent")]
            for block in section.blocks:
                if isinstance(block, Passage):
                    if block.heading:  # which reason the answers below belong to
                        parts.append(Content.styled(f"{block.heading}\n", "bold"))
                    continue
                exercise = block
                if exercise.kind == "toggle":
                    if self.answers.get(exercise.key) is True:
                        parts.append(Content(f"  [x] {exercise.prompt}\n"))
                    continue
                parts.append(Content.styled(exercise.prompt + "\n", "italic"))
                history = self.versions.get(exercise.key)
                if history:
                    parts.append(then_and_now(exercise, history, self.answers.get(exercise.key), self._width()))
                    continue
                for line in answer_lines(exercise, self.answers.get(exercise.key)):
                    style = "dim" if line == NOT_YET else ""
                    parts.append(Content.styled("  " + line + "\n", style) if style else Content("  " + line + "\n"))
            self.query_one(f"#review-{section.number}", Static).update(Content("").join(parts))
