"""The typed contract between the app and its screens: data down, messages up.

:class:`Front` is what screens and widgets may read from the app (the state, the status and
streak lines, the cursor blink); :class:`WorkbookScreen` is what the app may call on a screen.
Every workbook screen is given the :class:`~workbook.state.WorkbookState` when it is built and
posts the messages of :mod:`screens.messages` when the person changes something.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events

from screens.front import Front, blinks, front
from screens.widgets import KeptScreen
from workbook.state import WorkbookState

__all__ = ["Front", "WorkbookScreen", "blinks", "front"]


class WorkbookScreen(KeptScreen):
    """A screen of the workbook, built from the state; the app calls only these methods on it."""

    def __init__(self, state: WorkbookState, *, name: str, classes: str) -> None:
        super().__init__(name=name, classes=classes)
        self.state = state

    def refresh_progress(self) -> None:
        """The data changed or the screen is shown again: redraw what depends on the data."""

    def focus_field(self, field: str | None) -> None:
        """Put the cursor in ``field`` (None: where the person was, or the first thing to answer)."""

    def current_values(self) -> dict[str, Any]:
        """What the fields hold right now, typing not yet reported included."""
        return {}

    def show_export(self, path: Path) -> None:
        """An export was written to ``path``."""

    def take_key(self, event: events.Key) -> bool:
        """A key about to be handed on, in the order typed: True if the screen took it."""
        return False
