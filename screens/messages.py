"""Messages that widgets and screens post up to the app, the one place that saves."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class AnswerChanged(Message):
    """An answer changed. ``value`` None clears it. ``immediate`` skips the typing debounce."""

    def __init__(self, key: str, value: Any, immediate: bool = False) -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.immediate = immediate


class FieldFocused(Message):
    """The person moved to a field: remembered so that the next start resumes there."""

    def __init__(self, screen: str, field: str) -> None:
        super().__init__()
        self.screen_name = screen
        self.field = field
