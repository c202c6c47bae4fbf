"""Section 7, My workbook: everything answered, section by section, read-only."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from screens.widgets import KeptScreen, KeyBar, TopBar
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


class ReviewScreen(KeptScreen):
    BINDINGS = [Binding("escape", "app.home", "Home", id="home", priority=True)]

    def __init__(self, workbook: Workbook, answers: dict[str, Any]) -> None:
        super().__init__(name="section-7", classes="review")
        self.workbook = workbook
        self.answers = answers

    def compose(self) -> ComposeResult:
        yield TopBar("7 · My workbook")
        with VerticalScroll(id="body", can_focus=True):
            for section in self.workbook.sections:
                yield Static(classes="review-section", id=f"review-{section.number}")
        yield KeyBar(("esc", "Home"), ("^n", "Next"), ("^p", "Previous"), ("↑↓", "Scroll"))

    def on_mount(self) -> None:
        self.refresh_progress()
        self.query_one("#body").focus()

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
                for line in answer_lines(exercise, self.answers.get(exercise.key)):
                    style = "dim" if line == NOT_YET else ""
                    parts.append(Content.styled("  " + line + "\n", style) if style else Content("  " + line + "\n"))
            self.query_one(f"#review-{section.number}", Static).update(Content("").join(parts))
