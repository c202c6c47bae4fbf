"""Cleaning user text before it is saved or shown. Pure."""

from __future__ import annotations

import re

# A generous cap for one answer: about 30 pages of text. Longer pastes are cut here, with a message.
MAX_ANSWER_CHARS = 100_000
# One line of a list (a need, a critical thought): a long paragraph at most.
MAX_LINE_CHARS = 2_000

# C0 and C1 control characters except tab and newline, and DEL; ESC goes with them, so no
# terminal escape sequence survives. With them the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069): unseen, they reorder the text around them, so what a line shows
# is not what it holds. The left-to-right and right-to-left marks (U+200E, U+200F) stay: they
# only set the direction of the characters beside them, and people writing Hebrew or Arabic use
# them. The zero-width joiner (U+200D) stays too: emoji are made with it.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` without control characters or bidirectional overrides (newlines and tabs stay); CRLF becomes LF."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
