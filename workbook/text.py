"""Cleaning user text before it is saved or shown. Pure."""

from __future__ import annotations

import re

# A generous cap for one answer: about 30 pages of text. Longer pastes are cut here, with a message.
MAX_ANSWER_CHARS = 100_000
# One line of a list (a need, a critical thought): a long paragraph at most.
MAX_LINE_CHARS = 2_000

# C0 and C1 control characters except tab and newline, and DEL; ESC goes with them, so no
# terminal escape sequence survives.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without control characters (newlines and tabs stay); CRLF becomes LF."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
