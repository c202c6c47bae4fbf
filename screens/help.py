"""Help: every key, in one place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("1 … 7", "open a section (on Home; Enter on the contents list too)"),
    ("c", "continue where you left off (on Home)"),
    ("d", "My data: export, reset, undo a reset (on Home)"),
    ("ctrl+n / ctrl+p", "next / previous section, also while typing"),
    ("tab / shift+tab", "next / previous field"),
    ("← / → or 1 … 5", "choose on a scale or a choice"),
    ("space", "tick or untick “This feels familiar”"),
    ("enter", "press a button; in a list, move to the next field"),
    ("ctrl+e", "earlier versions of the answer you are in: read them, put one back"),
    ("escape or ctrl+g", "back to Home"),
    ("ctrl+o", "command palette: sections, export, reset, theme, cursor blink"),
    ("F1 or ?", "this help (? when not typing)"),
    ("ctrl+q", "save and quit"),
)


def key_rows(rows: tuple[tuple[str, str], ...]) -> ComposeResult:
    """A key and what it does, a row each; what it does wraps under itself, not under the key."""
    for key, what in rows:
        yield Horizontal(
            Static(Content.styled(key, "bold $accent"), classes="help-key"),
            Static(Content(what), classes="help-what"),
            classes="help-row",
        )


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q,question_mark", "close", "Close", id="close-help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Content.styled("Keys", "bold"))
            yield from key_rows(KEYS)
            yield Static(
                Content(
                    "\nEverything you type is saved as you go. You can close the terminal at any "
                    "moment and pick up where you were. Press escape, q or F1 to close this help."
                )
            )

    def action_close(self) -> None:
        self.dismiss(None)
