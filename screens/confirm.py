"""A deliberate confirmation: type RESET to erase. Returns True only then."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from screens.front import blinks
from screens.widgets import plain

WORD = "RESET"


class ConfirmReset(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Keep everything", id="cancel-reset")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(plain(f"This erases {self.what}."), id="confirm-what")
            yield Static(
                plain("A backup is taken first, and “Undo last reset” on My data brings it back.\n"
                      f"To go on, type {WORD} and press enter. Escape keeps everything as it is."),
                id="confirm-how",
            )
            yield Input(placeholder=f"type {WORD}", id="confirm-word", select_on_focus=False)
            yield Static("", id="confirm-hint")
            with Horizontal(id="confirm-buttons"):
                yield Button("Keep everything", id="keep", variant="primary", compact=True)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = blinks(self)
        field.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == WORD:
            self.dismiss(True)
        else:
            self.query_one("#confirm-hint", Static).update(plain(f"Type {WORD} in capitals to go on, or escape to keep everything."))

    @on(Button.Pressed, "#keep")
    def action_cancel(self) -> None:
        self.dismiss(False)
