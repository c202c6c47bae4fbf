"""The workbook's own theme, beside Textual's: high contrast, for low vision and bright rooms."""

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="workbook-high-contrast",
    primary="#ffffff",
    secondary="#ffff00",
    accent="#ffff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#262626",
    warning="#ffff00",
    error="#ff5f5f",
    success="#5fff5f",
    dark=True,
)
