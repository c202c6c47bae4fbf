"""Small widgets the screens share: plain text, the top bar, the key bar, the kept-screen base.

User text is never markup: everything shown goes through ``Content``. The answer fields live in
screens/fields.py.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widgets import Static

from screens.front import front


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
        app = front(self)
        yield Static(plain(app.streak_line if app else ""), id="streak")
        yield Static(plain(app.status_line if app else ""), id="status")

    def on_mount(self) -> None:
        app = front(self)
        if app is not None:
            self.watch(app, "status_line", self._show_status, init=False)
            self.watch(app, "streak_line", self._show_streak, init=False)

    def _show_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text))

    def _show_streak(self, text: str) -> None:
        self.query_one("#streak", Static).update(plain(text))


KEY_NAMES = {
    "escape": "esc", "question_mark": "?", "left": "←", "right": "→", "up": "↑", "down": "↓",
    "pageup": "pgup", "pagedown": "pgdn", "backspace": "bksp", "delete": "del",
}
LONG_NAMES = {"escape": "escape", "pageup": "page up", "pagedown": "page down", "backspace": "backspace", "delete": "delete"}


def key_label(binding: Binding, short: bool = True) -> str:
    """How a binding's keys are written: ``^n`` on the key bar (``short``), ``ctrl+n`` in the help."""
    if binding.key_display:
        return binding.key_display
    names = []
    for key in (k.strip() for k in binding.key.split(",")):
        if key.startswith("ctrl+") and short:
            names.append("^" + key.removeprefix("ctrl+"))
        elif key[:1] == "f" and key[1:].isdigit() and not short:
            names.append(key.upper())
        else:
            names.append((LONG_NAMES if not short and key in LONG_NAMES else KEY_NAMES).get(key, key))
    return "/".join(names)


def shown_keys(screen: Screen) -> list[tuple[str, str]]:
    """The keys to show for what has the focus now, from the bindings (focused widget first, app last).

    Each binding marked ``show`` counts once; bindings that share a ``group`` show as one item
    ("y/p/n/x Check in"). A binding whose ``check_action`` says False (another phase) is left out.
    """
    items: list[tuple[str, str]] = []
    groups: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    merged: dict[tuple[int, str, str], int] = {}
    app = screen.app
    order = {b.id or b.key: n for n, b in enumerate(type(app).BINDINGS) if isinstance(b, Binding)}
    actives = list(screen.active_bindings.values())
    # The app's keys last, in the order the app declares them.
    actives.sort(key=lambda a: (a.node is app, order.get(a.binding.id or a.binding.key, 0) if a.node is app else 0))
    skip = screen.KEY_BAR_SKIP if isinstance(screen, KeptScreen) else frozenset()
    for active in actives:
        binding = active.binding
        if not binding.show or not active.enabled or binding.id in skip:
            continue
        if binding.group is not None:
            name = binding.group.description
            if name in groups:
                key, what = items[groups[name]]
                items[groups[name]] = (f"{key}/{key_label(binding)}", what)
                continue
            groups[name] = len(items)
            items.append((key_label(binding), name))
            continue
        item = (key_label(binding), binding.description)
        same = (id(active.node), binding.action, binding.description)
        if same in merged:  # one binding, several keys ("space,enter"): one item
            key, what = items[merged[same]]
            if item[0] not in key.split("/"):
                items[merged[same]] = (f"{key}/{item[0]}", what)
            continue
        if item not in seen:
            seen.add(item)
            merged[same] = len(items)
            items.append(item)
    for (first, second), words in KEY_BAR_PAIRS.items():  # where both work, one item: "^n/^p Next/prev section"
        pair = [item for item in items if item[1] in (first, second)]
        if len(pair) == 2:
            items[items.index(pair[0])] = (f"{pair[0][0]}/{pair[1][0]}", words)
            items.remove(pair[1])
    return items


# Two keys the key bar shows as one item, to keep room for the rest (by their descriptions).
KEY_BAR_PAIRS = {("Next section", "Previous section"): "Next/prev section"}


class KeyBar(Static):
    """The keys that work right now, on one line at the bottom: taken from the bindings.

    A single line rather than Textual's Footer (which rebuilds a widget per key on every focus
    change, most of the cost of switching sections). It follows the focus and the phase: a
    screen or widget that changes which keys work calls ``refresh_bindings()``. Items that do not
    fit are left out whole, never cut, and "f1 Help" always stays: help lists every key.

    ``extra`` keys are shown first, for keys a screen handles without a binding of its own (a
    scrolling page's arrows); one whose key or meaning a binding already shows is skipped.
    """

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, *extra: tuple[str, str]) -> None:
        super().__init__("")
        self.extra = extra
        self._shown: tuple[tuple[str, str], ...] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._shown = None
        self._bindings_changed(self.screen)

    def items(self) -> list[tuple[str, str]]:
        """Every key this bar would show now, in order (before leaving out what does not fit)."""
        items = shown_keys(self.screen)
        keys = {k for key, _ in items for k in (key, *key.split("/"))}
        meanings = {w for _, w in items}
        words = {w for meaning in meanings for w in (meaning, *meaning.removesuffix(" section").split("/"))}
        extra = [(k, w) for k, w in self.extra if k not in keys and w not in meanings and w not in words]
        return [*extra, *items]

    def show_hint(self, keys: list[tuple[str, str]]) -> None:
        """Say, on this one line, that nothing here takes typing and which keys work."""
        self._hint = True
        room = (self.size.width or self.app.size.width) - 2
        text = "Nothing to type here. Keys: "
        parts: list[Content] = [Content.styled(text, "bold")]
        used = len(text) + len("F1 all keys")
        for key, what in keys:
            if used + len(key) + len(what) + 4 > room:
                break
            parts += [Content.styled(key, "bold reverse"), Content(f" {what} · ")]
            used += len(key) + len(what) + 4
        parts += [Content.styled("F1", "bold reverse"), Content(" all keys")]
        self.update(Content("").join(parts))

    def end_hint(self) -> None:
        self._hint = False
        self._shown = None
        self._bindings_changed(self.screen)

    _hint = False

    def _bindings_changed(self, screen: Screen) -> None:
        if self._hint:
            return  # the hint stays its few seconds
        shown = tuple(self.items())
        if shown == self._shown:
            return
        self._shown = shown
        self.update(self._render_items(list(shown)))

    def _render_items(self, items: list[tuple[str, str]]) -> Content:
        room = (self.size.width or self.app.size.width) - 2
        width = lambda item: len(item[0]) + len(item[1]) + 3  # noqa: E731
        keep = [item for item in items if item[1] == "Help"]
        used = sum(width(item) for item in keep)
        chosen = []
        for item in items:
            if item in keep:
                chosen.append(item)
            elif used + width(item) <= room:
                chosen.append(item)
                used += width(item)
        parts: list[Content] = []
        for key, what in chosen:
            parts += [Content.styled(key, "bold $accent"), Content(f" {what}  ")]
        return Content("").join(parts)


class Page(VerticalScroll):
    """A scrolling page that keeps the field with the cursor in view.

    Textual scrolls to a widget as it takes the focus, but a field just mounted (a check-in's
    note, a new list entry) may not be laid out yet, and the page can change under a field that
    keeps the focus (the card above it grows, the terminal is resized). So once the page is laid
    out again, after a focus change or a change of its size or contents, the focused field is
    brought into view if it is not. The person's own scrolling is left alone.
    """

    def on_descendant_focus(self) -> None:
        self.call_after_refresh(self.show_focused)

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_focused)

    def watch_virtual_size(self) -> None:
        # Its contents grew or shrank (scrolling alone never changes this): laid out afresh.
        self.call_after_refresh(self.show_focused)

    def show_focused(self) -> None:
        """Scroll just enough for the whole focused field (or its top, if taller than the page) to be seen."""
        focused = self.screen.focused if self.is_mounted else None
        if focused is None or self not in focused.ancestors or not focused.region:
            return
        if self.app.animator.is_being_animated(self, "scroll_y"):
            self.set_timer(0.05, self.show_focused)  # Textual's own scroll to the focus first, then look
            return
        view = self.scrollable_content_region
        if not view.contains_region(focused.region):
            self.scroll_to_widget(focused, animate=False, immediate=True, top=focused.region.height > view.height)


HINT_SECONDS = 4


class KeptScreen(Screen):
    """A screen that is built once and shown again and again.

    Textual restyles every widget of a screen each time it is shown again, in case the
    stylesheet changed while it was away; here that only happens after a theme change, which
    makes switching back to a section as quick as switching to a small screen.

    Scroll containers are not Tab stops when the screen has anything to answer or press (Tab goes
    only through those; the page still scrolls with the focus and with page up/down). A printable
    key that nothing on the screen takes gets a one-line hint saying which keys work here.
    """

    KEY_BAR_SKIP: frozenset[str] = frozenset()  # ids of keys that work here but need no room on the key bar
    _styled_theme: str | None = None
    _hinted: bool = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (subclass first), which reads this flag.
        theme = self.app.theme
        event.refresh_styles = self._styled_theme != theme
        self._styled_theme = theme

    def _on_mount(self, event: events.Mount) -> None:
        self.call_after_refresh(self._no_container_stops)

    def _no_container_stops(self) -> None:
        # A page (VerticalScroll), not a field that scrolls (TextArea, OptionList are ScrollViews).
        page = lambda w: isinstance(w, ScrollableContainer) and not isinstance(w, ScrollView)  # noqa: E731
        scrollers = [w for w in self.query(ScrollableContainer) if w.can_focus and page(w)]
        others = [w for w in self.query("*") if w.can_focus and not page(w)]
        if others:
            for scroller in scrollers:
                scroller.can_focus = False

    def on_key(self, event: events.Key) -> None:
        """A printable key that no binding or field took: say which keys work here."""
        if not event.is_printable or event.key in self.active_bindings:
            return
        self.hint_keys()

    def hint_keys(self) -> None:
        """One line, in place of the key bar for a few seconds: there is nothing to type into
        here, and these are the keys that work."""
        if self._hinted:
            return
        bars = list(self.query(KeyBar))
        if not bars:
            return
        everywhere = {(key_label(b), b.description) for _, b in self.app._bindings}
        own = [(k, w) for k, w in bars[0].items() if (k, w) not in everywhere]
        self._hinted = True
        bars[0].show_hint(own)
        self.set_timer(HINT_SECONDS, self._hint_over)

    def _hint_over(self) -> None:
        self._hinted = False
        for bar in self.query(KeyBar):
            bar.end_hint()
