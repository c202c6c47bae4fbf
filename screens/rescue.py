"""When the disk will not take a save: the dialog on quitting, and the offer of a rescue copy at the next start.

``DiskRefused`` returns "keep" (stay, keep trying), "quit" (leave; after a rescue copy, or anyway).
``OfferRescue`` returns True (bring it in), False (keep the file, don't ask again), None (ask next time).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.widgets import plain
from workbook.rescue import RescueCopy, RescueError
from workbook.wording import hosted


class DiskRefused(ModalScreen[str]):
    """The save was refused while quitting: keep trying, save a rescue copy, or quit anyway."""

    BINDINGS = [Binding("escape", "keep", "Keep trying", id="keep-trying", tooltip="close the question and keep trying to save")]

    def __init__(self, why: str, write_copy: Callable[[], RescueCopy]) -> None:
        super().__init__()
        self.why = why
        self.write_copy = write_copy
        self.copy: RescueCopy | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="rescue"):
            yield Static(plain("Your last changes are not saved yet"), id="rescue-title")
            yield Static(
                plain(
                    f"The disk will not take the save: {self.why}. Everything you wrote is still here.\n\n"
                    "Keep trying: stay in the workbook; it tries again every few seconds.\n"
                    "Save a rescue copy: everything, with the unsaved changes, goes to a file outside "
                    "the data folder, for workbook import.\n"
                    "Quit anyway: the changes since the last save are not kept."
                ),
                id="rescue-text",
            )
            yield Static("", id="rescue-hint")
            with Horizontal(id="rescue-buttons"):
                yield Button("Keep trying", id="keep", compact=True)
                yield Button("Save a rescue copy", id="save-copy", variant="primary", compact=True)
                yield Button("Quit anyway", id="quit-anyway", compact=True)
                yield Button("Quit", id="quit", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#quit", Button).display = False
        self.query_one("#save-copy", Button).focus()

    @on(Button.Pressed, "#save-copy")
    def save_copy(self) -> None:
        hint = self.query_one("#rescue-hint", Static)
        try:
            copy = self.write_copy()
        except RescueError as exc:
            hint.update(plain(f"{str(exc).capitalize()}. Everything is still here: keep trying, or free some space."))
            hint.display = True
            return
        self.copy = copy
        self.query_one("#rescue-title", Static).update(plain("A rescue copy is saved"))
        self.query_one("#rescue-text", Static).update(
            plain(
                "Everything you wrote, with the unsaved changes, is in a rescue copy kept on the server beside "
                f"your workbook ({copy.json_path.name}).\n\nThe next visit offers to bring it in."
                if hosted() else
                f"Everything you wrote, with the unsaved changes, is in\n{copy.json_path}\nand, to read, in\n"
                f"{copy.markdown_path}\n\nTo bring it back: workbook import {copy.json_path}\n"
                "(the next start of the workbook offers it too)."
            )
        )
        hint.display = False
        for name in ("#save-copy", "#quit-anyway"):
            self.query_one(name, Button).display = False
        quit_button = self.query_one("#quit", Button)
        quit_button.display = True
        quit_button.focus()

    @on(Button.Pressed, "#quit-anyway, #quit")
    def _quit(self) -> None:
        self.dismiss("quit")

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss("keep")


class OfferRescue(ModalScreen[bool | None]):
    """At start: a rescue copy of this workbook exists. Bring it in?"""

    BINDINGS = [Binding("escape", "later", "Ask next time", id="rescue-later", tooltip="keep the rescue copy and ask again next time")]

    def __init__(self, copy: RescueCopy) -> None:
        super().__init__()
        self.copy = copy

    def compose(self) -> ComposeResult:
        taken = self.copy.taken
        when = f" on {taken.day} {taken:%B at %H:%M}" if taken else ""
        with Vertical(id="rescue"):
            yield Static(plain("A rescue copy of your workbook"), id="rescue-title")
            yield Static(
                plain(
                    f"It was saved{when}, when the disk would not take a save:\n"
                    f"{self.copy.json_path.name if hosted() else self.copy.json_path}\n\n"
                    "Bring it into your workbook? It takes the place of what is here now; "
                    "a backup of the workbook as it is now is taken first."
                ),
                id="rescue-text",
            )
            with Horizontal(id="rescue-buttons"):
                yield Button("Bring it in", id="bring-in", variant="primary", compact=True)
                yield Button("Keep the file, don't ask again", id="keep-file", compact=True)

    def on_mount(self) -> None:
        self.query_one("#bring-in", Button).focus()

    @on(Button.Pressed, "#bring-in")
    def _bring_in(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep-file")
    def _keep_file(self) -> None:
        self.dismiss(False)

    def action_later(self) -> None:
        self.dismiss(None)
