"""Messages that widgets and screens post up to the app, the one place that saves."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class AnswerChanged(Message):
    """An answer changed. ``value`` None clears it. ``immediate`` skips the typing debounce.

    ``removed`` is a list item the person removed: it is kept as an earlier version.
    """

    def __init__(self, key: str, value: Any, immediate: bool = False, removed: Any = None) -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.immediate = immediate
        self.removed = removed


class PutBack(Message):
    """Put an earlier version of an answer back; the current text becomes an earlier version."""

    def __init__(self, key: str, value: Any, field: str | None = None, item: bool = False) -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.field = field
        self.item = item  # a removed list item goes back on the list


class FieldFocused(Message):
    """The person moved to a field: remembered so that the next start resumes there."""

    def __init__(self, screen: str, field: str) -> None:
        super().__init__()
        self.screen_name = screen
        self.field = field


class PickMade(Message):
    """A decision was picked in the practice game. ``pick`` is the full record to keep."""

    def __init__(self, pick: dict[str, Any]) -> None:
        super().__init__()
        self.pick = pick


class PickChanged(Message):
    """A pick gained its clarity, its check-in or its learning note."""

    def __init__(self, pick_id: str, changes: dict[str, Any], immediate: bool = True) -> None:
        super().__init__()
        self.pick_id = pick_id
        self.changes = changes
        self.immediate = immediate


class DecisionAdded(Message):
    """The person added a decision from their own life to the deck."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record


class SettingChanged(Message):
    def __init__(self, name: str, value: Any) -> None:
        super().__init__()
        self.name = name
        self.value = value


class ResetRequested(Message):
    """The person confirmed a reset. ``scope`` is "all", "section" or "game"."""

    def __init__(self, scope: str, section: int | None = None) -> None:
        super().__init__()
        self.scope = scope
        self.section = section


class UndoResetRequested(Message):
    pass


class ExportRequested(Message):
    def __init__(self, fmt: str) -> None:
        super().__init__()
        self.fmt = fmt
