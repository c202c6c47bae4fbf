"""What screens and widgets may read from the app, typed (no getattr across the boundary)."""

from __future__ import annotations

from textual.app import App
from textual.dom import DOMNode
from textual.reactive import reactive

from workbook.state import WorkbookState


class Front(App[int]):
    """The app as screens and widgets see it."""

    status_line: reactive[str] = reactive("")
    streak_line: reactive[str] = reactive("")
    blink_cursor: bool = False
    state: WorkbookState

    def hold_keys(self) -> None:
        """Keys typed from now on wait while a field is being made (see :meth:`release_keys`)."""

    async def release_keys(self) -> None:
        """The keys held since :meth:`hold_keys` go on, in order, to the field that has the cursor now."""


def front(node: DOMNode) -> Front | None:
    """The workbook's app, when ``node`` runs inside it (a widget on its own in a test: None)."""
    app = node.app
    return app if isinstance(app, Front) else None


def blinks(node: DOMNode) -> bool:
    """The cursor blinks only when the person asked for it (blinking costs traffic over SSH)."""
    app = front(node)
    return app is not None and app.blink_cursor
