"""Earlier versions of one answer: read them, newest first, and put one back."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.review import answer_lines
from screens.widgets import plain
from workbook import versions as versions_
from workbook.content import Exercise

SHOWN_LINES = 8  # of each version, in the list; the rest is behind an ellipsis


def _text(lines: list[str], shown: int = SHOWN_LINES) -> str:
    lines = [part for line in lines for part in line.split("\n")]
    if len(lines) > shown:
        lines = lines[:shown] + ["…"]
    return "\n".join("  " + line for line in lines)


class VersionsScreen(ModalScreen[dict[str, Any] | None]):
    """Dismisses with the version to put back, or None."""

    BINDINGS = [
        Binding("escape,q,ctrl+e", "close", "Close", id="close-versions", tooltip="close the earlier versions"),
    ]

    def __init__(self, exercise: Exercise, current: Any, history: list[dict[str, Any]]) -> None:
        super().__init__(classes="versions")
        self.exercise = exercise
        self.current = current
        self.history = list(reversed(history))  # newest first

    def compose(self) -> ComposeResult:
        today = versions_.local_day(versions_.now_iso())
        with Vertical(id="versions"):
            yield Static(plain(f"Earlier versions: {self.exercise.prompt}"), id="versions-title")
            yield Static(Content.assemble(("Now\n", "bold"), _text(answer_lines(self.exercise, self.current), 3)), id="versions-now")
            options = []
            for index, version in enumerate(self.history):
                lines = answer_lines(self.exercise, version.get("value"))
                label = Content.assemble((versions_.describe(version, today) + "\n", "bold"), _text(lines))
                options.append(Option(label, id=str(index)))
            yield OptionList(*options, id="versions-list")
            yield Static(plain("enter  put it back (what is there now is kept too) · esc  close"), id="versions-keys")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.history[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
