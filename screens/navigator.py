"""The navigator: which screen is on show, built when first opened, rebuilt when its data went stale.

It also holds the keys typed while a screen is opening (they go on, in order, once its field has
the cursor) and puts up the too-small notice when the terminal is below 60×20.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen
from textual.widget import Widget

from screens.base import WorkbookScreen

if TYPE_CHECKING:
    from screens.app import WorkbookApp


AHEAD_PAUSE = 0.4  # seconds without a key before a screen is built ahead


class Navigator:
    """Opens screens for the app; the app calls :meth:`show` and nothing else opens a section."""

    def __init__(self, app: WorkbookApp) -> None:
        self.app = app
        self.state = app.state
        self.stale: set[Screen] = set()
        self._opening = 0  # screens being opened, or fields being made, right now: keys wait
        self._held_keys: list[events.Key] = []
        self._last_key = 0.0  # when the last key came (monotonic; 0: none yet): screens are built ahead only in a pause
        self._ahead: list[str] = []

    # -- building --------------------------------------------------------------
    def screen(self, name: str) -> Screen:
        """The screen called ``name``, built from the state when first asked for."""
        app = self.app
        if not app.is_screen_installed(name):
            app.install_screen(self._build(name), name)
        return app.get_screen(name)

    def _build(self, name: str) -> WorkbookScreen:
        # Section screens (and TextArea with them) are imported when first opened: a faster first screen.
        state = self.state
        if name == "home":
            from screens.home import HomeScreen

            return HomeScreen(state)
        if name == "data":
            from screens.data import DataScreen

            return DataScreen(state)
        number = int(name.removeprefix("section-"))
        if number == state.review_number:
            from screens.review import ReviewScreen

            return ReviewScreen(state)
        section = state.workbook.section(number)
        if section.kind == "practice":
            from screens.practice import PracticeScreen

            return PracticeScreen(section, state, self.app.rng)
        from screens.section import SectionScreen

        return SectionScreen(section, state)

    def set_blink(self, blink: bool) -> None:
        """The cursor blinks (or not) in every field of every screen built so far."""
        for name in ["home", "data", *self.section_names()]:
            if self.app.is_screen_installed(name):
                for field in self.app.get_screen(name).query("TextArea, Input"):
                    field.cursor_blink = blink  # type: ignore[attr-defined]

    def section_names(self) -> list[str]:
        """The names of every section screen, in order."""
        return [f"section-{n}" for n in range(1, self.state.last_number + 1)]

    def current_number(self) -> int:
        """The section on show (0: Home or another screen)."""
        name = self.app.screen.name or "home"
        return int(name.removeprefix("section-")) if name.startswith("section-") else 0

    def workbook_screen(self) -> WorkbookScreen | None:
        """The screen on show, when it is one of the workbook's own (not a dialog)."""
        stack = self.app.screen_stack  # empty while the app starts or closes
        return stack[-1] if stack and isinstance(stack[-1], WorkbookScreen) else None

    def refresh(self) -> None:
        """Data down: the screen on show redraws what depends on the data; the top bar's streak too."""
        screen = self.workbook_screen()
        if screen is not None:
            screen.refresh_progress()
        self.app.streak_line = self.state.streak_line

    def welcome_back(self) -> None:
        """At start, with a saved place: open it, say welcome back, then offer a rescue copy if there is one.

        Home is on the screen until everything is read, and takes keys meanwhile (this waits in a
        worker, not on the app's messages): a key pressed there (5 for the game) is the person's
        choice, done on Home, and the saved place is not opened over it (else the 5 would be typed
        into the answer opened there).
        """
        self.app.run_worker(self._welcome_back(), group="welcome-back")

    async def _welcome_back(self) -> None:
        resume = self.state.resume
        if resume is not None and resume.screen != "home":
            await self.app.until_ready()
            if not self._last_key:
                await self.show(resume.screen, resume.field)
        self.app.status_line = "Welcome back"
        self.app.autosave.offer_rescue()

    # -- keys while opening ----------------------------------------------------------
    def hold(self, event: events.Event) -> bool:
        """A key typed while a screen is opening waits (True); it goes on once the field has the cursor."""
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        if isinstance(event, events.Key) and self._opening:
            self._held_keys.append(event)
            return True
        return False

    def hold_keys(self) -> None:
        """From now on keys wait (a screen or a field is being made), until :meth:`release_keys`."""
        self._opening += 1

    async def release_keys(self) -> None:
        """The keys held meanwhile go on, in the order typed, to whatever has the cursor now.

        Keys that come while these are handed on wait behind them; a key that starts another wait
        (a new list entry, a screen opening) leaves the rest to that wait's release.
        """
        while self._opening == 1 and self._held_keys:
            await self.app.handle_key(self._held_keys.pop(0))
        self._opening -= 1

    def take_key(self, event: events.Event) -> bool:
        """A key the focused tick or button would drop goes to a text field, in the order the keys came."""
        screen = self.workbook_screen()
        return isinstance(event, events.Key) and screen is not None and screen.take_key(event)

    async def run_binding(self, event: events.Event) -> bool:
        """A key for a focused tick, choice, button or list runs its binding as it comes (True).

        Textual looks up a focused widget's keys only once the key has been handed to the widget
        and comes back up, by which time a tab typed after it may have moved the focus on: "3",
        tab, tab typed at once on a choice would then miss the choice. Text fields still get their
        keys in order (their own keys, such as the arrows, must come after the letters before them).
        """
        app = self.app
        if not isinstance(event, events.Key) or app.focused is None or _types_text(app.focused):
            return False
        return await app._check_bindings(event.key, priority=True) or await app._check_bindings(event.key)

    # -- opening ---------------------------------------------------------------------------
    async def show(self, name: str, field: str | None = None) -> None:
        """Open the screen ``name`` with the cursor in ``field``; keys typed meanwhile follow."""
        from screens.too_small import TooSmallScreen

        if isinstance(self.app.screen, TooSmallScreen):
            return  # nothing to show until the terminal is large enough
        self.hold_keys()
        try:
            await self.app.until_ready()  # the data read after the first screen (keys wait meanwhile)
            await self._open(name, field)
        finally:
            await self.release_keys()

    async def _open(self, name: str, field: str | None) -> None:
        app = self.app
        app.autosave.save_now()
        app.autosave.check_elsewhere()
        if app.screen in self.stale and app.screen.name == name:
            await app.switch_screen("home")  # leave the stale screen so it can be rebuilt
            self.drop_stale()
        screen = self.screen(name)
        if app.screen is not screen:
            await app.switch_screen(screen)
        self.drop_stale()
        if isinstance(screen, WorkbookScreen):
            screen.refresh_progress()
            screen.focus_field(field)
        app.autosave.add(self.state.move_to(name, field), delay=True)

    async def rebuild(self, field: str | None = None) -> None:
        """The screen on show was built from data since replaced: build it afresh, the cursor in ``field``."""
        name = self.app.screen.name or "home"
        self.stale.add(self.app.screen)
        await self.show(name, field)

    def focused_field(self) -> str | None:
        """The answer field with the cursor, if any."""
        from screens.section import field_of

        return field_of(self.app.focused)

    def drop_stale(self, mark_current: bool = False) -> None:
        """Uninstall section screens built from old data.

        After a reload (``mark_current``) every section screen is stale: those not on show go at
        once, the one on show is marked and goes once the person has left it.
        """
        app = self.app
        for name in self.section_names():
            if not app.is_screen_installed(name):
                continue
            screen = app.get_screen(name)
            if screen is app.screen:
                if mark_current:
                    self.stale.add(screen)
            elif mark_current or screen in self.stale:
                self.stale.discard(screen)
                app.uninstall_screen(name)

    # -- screens ready before they are asked for -----------------------------------------------
    def likely_next(self) -> list[str]:
        """The screens a person is likely to open next: the place to continue (or section 1), the
        section after it, and the game."""
        state = self.state
        place = state.position.last.screen if state.position and state.position.last else "section-1"
        names = [place]
        if place.startswith("section-"):
            names.append(f"section-{int(place.removeprefix('section-')) + 1}")
        names.append(f"section-{state.practice_number}")
        known = self.section_names()
        return [name for name in dict.fromkeys(names) if name in known]

    def build_ahead(self) -> None:
        """After everything is read: build the likely next screens, one at a time, each in a pause of
        the keys (never while a screen opens), so their first visit costs about a return visit."""
        self._ahead = [name for name in self.likely_next() if not self.app.is_screen_installed(name)]
        self.app.set_timer(AHEAD_PAUSE, self._build_one_ahead)

    async def _build_one_ahead(self) -> None:
        app = self.app
        if not self._ahead or not app.is_running:
            return
        if self._opening or time.monotonic() - self._last_key < AHEAD_PAUSE or not app.is_screen_installed("home"):
            app.set_timer(AHEAD_PAUSE, self._build_one_ahead)  # keys come first
            return
        name = self._ahead.pop(0)
        if not app.is_screen_installed(name):
            screen = self.screen(name)
            # A reading section is composed now, off screen (as after a visit); the game is only made,
            # since its gut window would start counting on mount.
            from screens.section import SectionScreen

            if type(screen) is SectionScreen and not screen.is_running:
                _, mounted = app._get_screen(screen)  # what switch_screen does first
                await mounted
        app.set_timer(AHEAD_PAUSE / 4, self._build_one_ahead)

    # -- the terminal's size --------------------------------------------------------------------
    def resized(self, event: events.Resize) -> None:
        """Below 60×20 a notice replaces the layout; it goes away when the terminal grows."""
        from screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen

        app = self.app
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        showing = isinstance(app.screen, TooSmallScreen)
        if small and not showing:
            app.push_screen(TooSmallScreen())
        elif small and showing:
            app.screen.show_size()
        elif showing:
            app.pop_screen()


def _types_text(widget: Widget) -> bool:
    """A field that takes typing (its keys go to it in the order typed)."""
    from textual.widgets import Input

    text_area = sys.modules.get("textual.widgets._text_area")  # not imported yet: no answer box shown yet
    return isinstance(widget, Input) or (text_area is not None and isinstance(widget, text_area.TextArea))
