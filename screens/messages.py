"""Messages that widgets and screens post up to the app, the one place that saves (messages up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from workbook.records import Decision, Pick


@dataclass
class AnswerChanged(Message):
    """An answer changed. ``value`` None clears it. ``immediate`` skips the typing debounce.

    ``removed`` is a list item the person removed: it is kept as an earlier version.
    """

    key: str
    value: Any
    immediate: bool = False
    removed: Any = None


@dataclass
class PutBack(Message):
    """Put an earlier version of an answer back; the current text becomes an earlier version."""

    key: str
    value: Any
    field: str | None = None
    item: bool = False  # a removed list item goes back on the list


@dataclass
class FieldFocused(Message):
    """The person moved to a field: remembered so that the next start resumes there."""

    screen_name: str
    field: str


@dataclass
class PickMade(Message):
    """A decision was picked in the practice game."""

    pick: Pick


@dataclass
class PickChanged(Message):
    """A pick gained its clarity, its check-in or its learning note."""

    pick_id: str
    changes: dict[str, Any] = field(default_factory=dict)
    immediate: bool = True


@dataclass
class DecisionAdded(Message):
    """The person added a decision from their own life to the deck."""

    decision: Decision


@dataclass
class SettingChanged(Message):
    """A setting the person changed (theme, cursor blink, the gut window)."""

    name: str
    value: Any


@dataclass
class ResetRequested(Message):
    """The person confirmed a reset. ``scope`` is "all", "section" or "game"."""

    scope: str
    section: int | None = None


@dataclass
class UndoResetRequested(Message):
    """The person asked to put back what the last reset erased."""


@dataclass
class ExportRequested(Message):
    """The person asked for an export: ``fmt`` is "markdown" or "json"."""

    fmt: str
