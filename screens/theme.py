"""The workbook's own themes, beside Textual's.

WORKBOOK, the default: calm blues. Its colours were picked so that a 16-colour terminal (TERM=xterm,
vt100) shows them as calm ANSI colours too: the accent (headings, the streak, focus) becomes cyan,
the primary (borders) bright blue, warnings bright yellow. Textual's own dark theme has an orange
accent that 16 colours turn into bright red, on everything at once.

HIGH_CONTRAST: for low vision and bright rooms.
"""

from collections.abc import Callable

from textual.app import App
from textual.theme import Theme

WORKBOOK = Theme(
    name="workbook",
    primary="#4a7fd8",  # 16 colours: bright blue
    secondary="#2f5f9f",
    accent="#48b5c4",  # 16 colours: cyan
    warning="#e8b04a",  # 16 colours: bright yellow
    error="#d75f5f",
    success="#4ebf71",  # 16 colours: bright green
    foreground="#e0e0e0",
    background="#121212",
    surface="#1e1e1e",
    panel="#262a33",
    dark=True,
)

HIGH_CONTRAST = Theme(
    name="workbook-high-contrast",
    # white text and borders, yellow for what matters, on black
    primary="#ffffff", secondary="#ffff00", accent="#ffff00", foreground="#ffffff",
    background="#000000", surface="#000000", panel="#1a1a1a", boost="#262626",
    # states: bright enough to read on black
    warning="#ffff00", error="#ff5f5f", success="#5fff5f",
    dark=True,
)


def install(app: App, chosen: object, remember: Callable[[str], None]) -> None:
    """Offer the workbook's themes, show the one chosen before (else WORKBOOK), remember each change."""
    app.register_theme(HIGH_CONTRAST)
    app.register_theme(WORKBOOK)
    app.theme = chosen if isinstance(chosen, str) and chosen in app.available_themes else WORKBOOK.name
    app.watch(app, "theme", remember, init=False)
