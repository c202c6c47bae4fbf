"""Small widgets the screens share: plain text, the top bar, the key bar, the kept-screen base.

User text is never markup: everything shown goes through ``Content``. The answer fields live in
screens/fields.py.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


def plain(text: str, style: str = "") -> Content:
    """User or article text as Content: shown literally, never parsed."""
    content = Content(text)
    return content.stylize(style) if style else content


class Paragraph(Static):
    """Plain text, never markup."""

    def __init__(self, text: str, style: str = "", **kwargs: Any) -> None:
        super().__init__(plain(text, style), **kwargs)


class PassageText(Static):
    """A passage of the article, heading and paragraphs, as one widget (fewer widgets, faster screens)."""

    def __init__(self, heading: str, paragraphs: tuple[str, ...]) -> None:
        parts = [Content.styled(heading, "bold $accent")] if heading else []
        parts += [plain(p) for p in paragraphs]
        super().__init__(Content("\n\n").join(parts), classes="passage")


class TopBar(Horizontal):
    """One line at the top of every screen: where you are, and the app's status (saving, streak)."""

    DEFAULT_CSS = """
    TopBar { dock: top; height: 1; background: $panel; color: $foreground; }
    TopBar > #where { width: 1fr; padding: 0 1; text-style: bold; }
    TopBar > #status { width: auto; padding: 0 1; color: $text-muted; }
    TopBar > #streak { width: auto; padding: 0 1; color: $accent; text-style: bold; }
    """

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        # Drawn with the current values, so the first frame needs no second layout pass.
        yield Static(plain(self.where), id="where")
        yield Static(plain(getattr(self.app, "streak_line", "")), id="streak")
        yield Static(plain(getattr(self.app, "status_line", "")), id="status")

    def on_mount(self) -> None:
        self.watch(self.app, "status_line", self._show_status, init=False)
        self.watch(self.app, "streak_line", self._show_streak, init=False)

    def _show_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text))

    def _show_streak(self, text: str) -> None:
        self.query_one("#streak", Static).update(plain(text))


class KeptScreen(Screen):
    """A screen that is built once and shown again and again.

    Textual restyles every widget of a screen each time it is shown again, in case the
    stylesheet changed while it was away; here that only happens after a theme change, which
    makes switching back to a section as quick as switching to a small screen.
    """

    _styled_theme: str | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (subclass first), which reads this flag.
        theme = self.app.theme
        event.refresh_styles = self._styled_theme != theme
        self._styled_theme = theme


class KeyBar(Static):
    """The keys of a screen, on one line at the bottom.

    A fixed line rather than Textual's Footer: the Footer rebuilds itself on every focus and
    screen change, which was most of the cost of switching sections. The keys here are the
    screen's own; the help screen (F1) lists them all.
    """

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, *keys: tuple[str, str]) -> None:
        parts = []
        for key, what in (*keys, ("f1", "Help"), ("^q", "Quit"), ("^o", "Palette")):
            parts += [Content.styled(key, "bold $accent"), Content(f" {what}  ")]
        super().__init__(Content("").join(parts))
