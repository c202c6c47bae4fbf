"""WorkbookApp: installs the screens, holds the global keys, and is the one save path."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import signal
from typing import Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

import styles
from screens.home import HomeScreen
from screens.theme import HIGH_CONTRAST, WORKBOOK
from screens.messages import (
    AnswerChanged,
    DecisionAdded,
    ExportRequested,
    FieldFocused,
    PickChanged,
    PickMade,
    PutBack,
    ResetRequested,
    SettingChanged,
    UndoResetRequested,
)
from workbook import content, practice, rescue, transfer
from workbook import versions as versions_
from workbook.saver import Saver
from workbook.state import tidy
from workbook.storage import Store, StorageError, TooLarge
from workbook.text import MAX_ANSWER_CHARS, clean

SAVE_DELAY = 0.5  # seconds after the last keystroke
RETRY_DELAY = 3.0  # seconds between tries when the disk would not take a save
LAST_SECTION = 7
PRACTICE_SECTION = 5


def plain_text(text: str):
    """A notification text that is never read as markup (paths and user text), without control characters."""
    from textual.content import Content

    return Content(clean(text))


class Saved(Message):
    """A write finished on the writer thread: ``ok`` False means it is kept for another try."""

    def __init__(self, ok: bool) -> None:
        super().__init__()
        self.ok = ok


class ChangedElsewhere(Message):
    """Another session saved changes: read the data again."""


class WorkbookApp(App[int]):
    TITLE = "Self-Trust Workbook"
    CSS_PATH = [styles.path(name) for name in ("app.tcss", "home.tcss", "section.tcss", "practice.tcss", "review.tcss", "data.tcss", "rescue.tcss")]
    COMMAND_PALETTE_BINDING = "ctrl+o"
    # Every key is declared once, here and on each screen or widget: the key bar and F1 help read
    # the bindings (``description`` for the bar, ``tooltip`` for the help's longer words).
    BINDINGS = [
        Binding("ctrl+n", "next_section", "Next", priority=True, id="next-section", tooltip="next section, also while typing"),
        Binding("ctrl+p", "previous_section", "Previous", priority=True, id="previous-section", tooltip="previous section, also while typing"),
        Binding("ctrl+g", "home", "Home", priority=True, show=False, id="home-ctrl-g",
                tooltip="back to Home (for slow links, where a lone escape can be mistaken)"),
        # Priority, so the field changes before the next key is handed on: "rest<tab>3" typed in one
        # burst (or arriving in one packet over SSH) puts the 3 in the next field, not this one.
        Binding("tab", "focus_next", "Next field", priority=True, show=False, id="next-field",
                tooltip="next thing to answer or press (the page scrolls with it)"),
        Binding("shift+tab", "focus_previous", "Previous field", priority=True, show=False, id="previous-field",
                tooltip="previous thing to answer or press"),
        Binding("f1", "help", "Help", id="help", tooltip="this help: every key of every screen"),
        Binding("question_mark", "help", "Help", show=False, id="help-question", tooltip="help, when not typing"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="save and quit"),
        Binding("f2", "plain_mode", "Plain mode", show=False, id="plain-mode",
                tooltip="Switch to plain mode: plain lines for screen readers and braille (remembered)"),
        Binding("ctrl+o", "command_palette", "Palette", priority=True, id="palette",
                tooltip="command palette: sections, export, reset, help, theme, cursor blink"),
    ]

    status_line: reactive[str] = reactive("")
    streak_line: reactive[str] = reactive("")

    def __init__(
        self,
        store: Store,
        *,
        blink_cursor: bool = False,
        clock: practice.Clock = practice.system_clock,
        notices: list[str] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.rng = rng or random.Random()  # which decision card comes next
        # Hosted by `workbook serve`: no way out to a shell, nothing written outside the profile.
        self.hosted = os.environ.get("WORKBOOK_HOSTED") == "1"
        self.notices = list(notices or [])
        self.store = store
        self.saver = Saver(store, self._saved)
        self.clock = clock
        self.workbook = content.load()
        self.answers: dict[str, Any] = tidy(store.answers())
        self.versions: dict[str, list[dict[str, Any]]] = versions_.by_key(store.versions())
        self.picks: list[dict[str, Any]] = store.picks()
        self.custom_decisions: list[dict[str, Any]] = store.custom_decisions()
        self.settings: dict[str, Any] = store.settings()
        self.blink_cursor = blink_cursor or self.settings.get("cursor_blink") is True
        self.position: dict[str, Any] | None = store.position()
        self._resume_position = dict(self.position) if self.position else None
        self._timer: Timer | None = None
        self._stale: set[Screen] = set()
        self._opening = 0  # screens being opened right now
        self._held_keys: list[events.Key] = []
        self._streak_key: tuple[int, Any] | None = None
        self.rescued: rescue.RescueCopy | None = None  # a rescue copy written this session
        self.streak = practice.streak([], self.today())
        self.refresh_streak()

    def today(self):
        return practice.local_day(self.clock())

    def refresh_streak(self, force: bool = False) -> None:
        """Recompute the streak from the picks and show it on every screen.

        Picks are only ever added (a reload passes ``force``), so the count and the day tell whether
        anything changed: a pick no longer walks 10,000 decisions twice (app, then game screen).
        """
        key = (len(self.picks), self.today())
        if key == self._streak_key and not force:
            return
        self._streak_key = key
        self.streak = practice.streak(practice.practice_days_of(self.picks), self.today())
        self.streak_line = practice.streak_text(self.streak.current, self.streak.run_ended) if self.picks else ""

    # -- screens -------------------------------------------------------
    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.register_theme(WORKBOOK)
        theme = self.settings.get("theme")
        self.theme = theme if isinstance(theme, str) and theme in self.available_themes else WORKBOOK.name
        self.watch(self, "theme", self._remember_theme, init=False)
        self.install_screen(HomeScreen(self.workbook, self.answers), "home")
        self.push_screen("home")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self._hang_up)
        if self._resume_position:
            self.call_after_refresh(self._welcome_back)  # then offers a rescue copy, if there is one
        else:
            self.call_after_refresh(self._offer_rescue)
        # Everything loaded so far lives as long as the app: keep it out of the garbage collector's
        # full passes, which otherwise walk 10,000 decisions and pause the interface for ~10 ms.
        self.call_after_refresh(gc.freeze)
        for notice in self.notices:
            self.notify(plain_text(notice), severity="warning", timeout=30)

    async def _welcome_back(self) -> None:
        position = self._resume_position or {}
        if position.get("screen", "home") != "home":
            await self._show(position["screen"], position.get("field"))
        self.status_line = "Welcome back"
        self._offer_rescue()

    def has_position(self) -> bool:
        """Whether there is a place to continue from."""
        return bool((self.position or {}).get("last"))

    def _screen(self, name: str) -> Screen:
        # Section screens (and TextArea with them) are imported when first opened: a faster first screen.
        from screens.review import ReviewScreen
        from screens.section import SectionScreen

        if not self.is_screen_installed(name):
            if name == "data":
                from screens.data import DataScreen

                self.install_screen(DataScreen(self.workbook), name)
            elif name == f"section-{LAST_SECTION}":
                self.install_screen(ReviewScreen(self.workbook, self.answers, self.versions), name)
            elif name == f"section-{PRACTICE_SECTION}":
                from screens.practice import PracticeScreen

                self.install_screen(PracticeScreen(self.workbook.section(PRACTICE_SECTION)), name)
            else:
                section = self.workbook.section(int(name.removeprefix("section-")))
                self.install_screen(SectionScreen(section, self.answers, self.versions), name)
        return self.get_screen(name)

    def _current_number(self) -> int:
        name = self.screen.name or "home"
        return int(name.removeprefix("section-")) if name.startswith("section-") else 0

    async def on_event(self, event: events.Event) -> None:
        # Keys typed while a screen is being opened wait until its field has the cursor, then go
        # on in order; otherwise a quick typist (or a slow machine) would lose the first letters.
        if isinstance(event, events.Key) and self._opening:
            self._held_keys.append(event)
            return
        await self._handle_event(event)

    async def _handle_event(self, event: events.Event) -> None:
        # A key the focused tick or button would drop goes to a text field, decided here in the
        # order the keys came (a widget's own queue may still hold keys sent before the move).
        if isinstance(event, events.Key) and self._screen_stack:
            take_key = getattr(self.screen, "take_key", None)
            if take_key is not None and take_key(event):
                return
        await super().on_event(event)

    async def _show(self, name: str, field: str | None = None) -> None:
        from screens.too_small import TooSmallScreen

        if isinstance(self.screen, TooSmallScreen):
            return  # nothing to show until the terminal is large enough
        self._opening += 1
        try:
            await self._open_screen(name, field)
        finally:
            self._opening -= 1
        if not self._opening:
            held, self._held_keys = self._held_keys, []
            for key in held:
                await self._handle_event(key)

    async def _open_screen(self, name: str, field: str | None) -> None:
        self.save_now()
        self._check_elsewhere()
        if self.screen in self._stale and self.screen.name == name:
            await self.switch_screen("home")  # leave the stale screen so it can be rebuilt
            self._drop_stale_screens()
        screen = self._screen(name)
        if self.screen is not screen:
            await self.switch_screen(screen)
        self._drop_stale_screens()
        refresh = getattr(screen, "refresh_progress", None)
        if refresh:
            refresh()
        focus_field = getattr(screen, "focus_field", None)
        if focus_field:
            focus_field(field)
        self._set_position(name, field)
        self._schedule(SAVE_DELAY)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "Previous" from Home leads nowhere: not shown there (the key bar keeps room for the rest).
        if action == "previous_section" and self._screen_stack and self.screen.name == "home":
            return False
        return True

    async def action_open_section(self, number: int) -> None:
        if 1 <= number <= LAST_SECTION:
            await self._show(f"section-{number}")

    async def action_home(self) -> None:
        await self._show("home")

    async def action_next_section(self) -> None:
        number = self._current_number() + 1
        await (self._show("home") if number > LAST_SECTION else self.action_open_section(number))

    async def action_previous_section(self) -> None:
        number = self._current_number() - 1
        await (self._show("home") if number < 1 else self.action_open_section(number))

    async def action_resume(self) -> None:
        """Go back to the last section and field the person was in; on a first run, section 1."""
        place = (self.position or {}).get("last") or {}
        if place.get("screen"):
            await self._show(place["screen"], place.get("field"))
        else:
            await self.action_open_section(1)

    async def action_my_data(self) -> None:
        await self._show("data")

    def get_system_commands(self, screen: Screen):
        for command in super().get_system_commands(screen):
            if self.hosted and "screenshot" in command.title.lower():
                continue  # hosted: nothing is written outside the visitor's profile
            yield command
        titles = {s.number: s.title for s in self.workbook.sections} | {LAST_SECTION: "My workbook"}
        for number, title in sorted(titles.items()):
            yield SystemCommand(f"Open section {number}: {title}", f"Go to section {number}", lambda n=number: self.run_action(f"open_section({n})"))
        yield SystemCommand("My data: export, reset, undo", "Export your answers, start over, undo a reset", self.action_my_data)
        yield SystemCommand("Export as Markdown", "Write your workbook to a Markdown file", lambda: self.export("markdown"))
        yield SystemCommand("Export as JSON", "Write everything to a JSON file", lambda: self.export("json"))
        yield SystemCommand("Help: keys", "Every key in one place", self.action_help)
        yield SystemCommand("Switch to plain mode", "Plain lines for screen readers and braille (remembered)", self.action_plain_mode)
        yield SystemCommand("Reset…", "Start over: everything, one section, or the practice (asks first)", self.action_my_data)
        yield SystemCommand("Undo last reset", "Put back what the last reset erased; what you wrote since stays", self.undo_reset)
        yield SystemCommand(
            "Theme: high contrast", "White on black with a yellow accent", lambda: setattr(self, "theme", HIGH_CONTRAST.name)
        )
        yield SystemCommand("Theme: default", "Calm blues, as clear in 16 colours", lambda: setattr(self, "theme", WORKBOOK.name))
        state = "off" if self.blink_cursor else "on"
        yield SystemCommand(f"Cursor blink {state}", "A blinking cursor sends a little traffic every half second", self.toggle_blink)

    async def action_plain_mode(self) -> None:
        """Leave the full screen for plain mode (workbook/plain.py), remembered for this data folder."""
        self.settings["plain"] = True
        with self.saver.changes() as changes:
            changes.settings["plain"] = True
        self.switch_to_plain = True  # __main__ runs plain mode once the screen is given back
        await self.action_quit()

    def action_suspend_process(self) -> None:
        if not self.hosted:
            super().action_suspend_process()

    def toggle_blink(self) -> None:
        """Cursor blink on or off, for every field, remembered."""
        self.blink_cursor = not self.blink_cursor
        names = ["home", "data", *(f"section-{n}" for n in range(1, LAST_SECTION + 1))]
        for name in names:
            if self.is_screen_installed(name):
                for field in self.get_screen(name).query("TextArea, Input"):
                    field.cursor_blink = self.blink_cursor  # type: ignore[attr-defined]
        self.post_message(SettingChanged("cursor_blink", self.blink_cursor))

    # -- my data -------------------------------------------------------------
    @on(ExportRequested)
    def _export_requested(self, message: ExportRequested) -> None:
        self.export(message.fmt)

    def export(self, fmt: str) -> None:
        self.save_and_close()
        try:
            path = transfer.write_export(self.store, fmt, keep=transfer.HOSTED_EXPORTS if self.hosted else None)
        except (OSError, StorageError) as exc:
            self.notify(plain_text(f"The export could not be written: {getattr(exc, 'strerror', None) or exc}"), severity="warning")
            return
        shown = path
        if self.hosted:  # a path inside the visitor's own folder, not the server's; only the newest few stay
            shown = path.relative_to(self.store.folder)
            self.notify(plain_text(f"Saved to {shown} (the newest {transfer.HOSTED_EXPORTS} exports are kept)"), timeout=8)
        else:
            self.notify(plain_text(f"Saved to {path}"), timeout=8)
        show = getattr(self.screen, "show_export", None)
        if show:
            show(shown)

    @on(ResetRequested)
    async def _reset_requested(self, message: ResetRequested) -> None:
        self.save_and_close()
        try:
            transfer.reset(self.store, message.scope, message.section)
        except (OSError, StorageError) as exc:
            self.notify(plain_text(f"Nothing was erased: {getattr(exc, 'strerror', None) or exc}"), severity="warning")
            return
        await self.reload_data(home=message.scope == "all")
        self.notify("Done. “Undo last reset” on My data brings it back.", timeout=6)

    @on(UndoResetRequested)
    async def undo_reset(self) -> None:
        self.save_and_close()
        try:
            undone = transfer.undo_reset(self.store)
        except (OSError, StorageError) as exc:
            self.notify(plain_text(f"Nothing was changed: {getattr(exc, 'strerror', None) or exc}"), severity="warning")
            return
        await self.reload_data(home=False)
        message = "What the reset erased is back, and everything you wrote since is still here."
        if undone.kept_newer:
            fields = "1 field keeps" if undone.kept_newer == 1 else f"{undone.kept_newer} fields keep"
            message += f" {fields} the newer text; the erased text is an earlier version there (ctrl+e)."
        self.notify(message, timeout=10)

    def _remember_theme(self, theme: str) -> None:
        if self.settings.get("theme") != theme:
            self.post_message(SettingChanged("theme", theme))

    def on_resize(self, event: events.Resize) -> None:
        """Below 60×20 a notice replaces the layout; it goes away when the terminal grows."""
        from screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen

        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen())
        elif small and showing:
            self.screen.show_size()
        elif showing:
            self.pop_screen()

    def _drop_stale_screens(self, mark_current: bool = False) -> None:
        """Uninstall section screens built from old data.

        After a reload (``mark_current``) every section screen is stale: those not on show go at
        once, the one on show is marked and goes once the person has left it.
        """
        for number in range(1, LAST_SECTION + 1):
            name = f"section-{number}"
            if not self.is_screen_installed(name):
                continue
            screen = self.get_screen(name)
            if screen is self.screen:
                if mark_current:
                    self._stale.add(screen)
            elif mark_current or screen in self._stale:
                self._stale.discard(screen)
                self.uninstall_screen(name)

    def _check_elsewhere(self) -> None:
        """Ask the writer thread, after our own writes, whether another session saved meanwhile.

        The screen opens at once; if there were changes, the data is read again and the screen
        rebuilt from it a moment later.
        """
        self.saver.then(self.store.refresh, lambda changed: changed and self.post_message(ChangedElsewhere()))

    @on(ChangedElsewhere)
    async def _changed_elsewhere(self) -> None:
        for notice in self.store.take_notices():  # the file was damaged underneath us, and repaired
            self.notify(plain_text(notice), severity="warning", timeout=30)
        await self.reload_data(home=False)

    async def reload_data(self, home: bool) -> None:
        """After a reset, undo, restore or another session's save: read everything again, rebuild the screens."""
        self.save_and_close()  # our own typing first, so the re-read includes it
        self._take_kept()
        ours = dict(self.answers)
        known = {(v["key"], v.get("replaced")) for history in self.versions.values() for v in history}
        self.answers.clear()
        self.answers.update(tidy(self.store.answers()))
        self.versions.clear()
        self.versions.update(versions_.by_key(self.store.versions()))
        for history in self.versions.values():
            for version in history:
                mine = version.get("why") == "window" and ours.get(version["key"]) == version.get("value")
                if mine and (version["key"], version.get("replaced")) not in known:
                    self.notify(
                        plain_text(
                            f"Another window saved {self.field_name(version['key'])} after this one. Its text is "
                            "there now; yours is kept as an earlier version (ctrl+e to see it)."
                        ),
                        severity="warning",
                        timeout=12,
                    )
        self.picks[:] = self.store.picks()
        self.custom_decisions[:] = self.store.custom_decisions()
        self.settings.clear()
        self.settings.update(self.store.settings())
        self.position = self.store.position()
        if home:
            await self._show("home")
        self._drop_stale_screens(mark_current=True)
        self.refresh_streak(force=True)
        self._refresh_screen()
        if self.screen in self._stale:
            # The screen on show holds the old answers: build it again at once, in the same field,
            # so nothing typed next lands in a field that no longer shows what is saved.
            from screens.section import field_of

            await self._show(self.screen.name or "home", field_of(self.focused))

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        if self.save_and_close():
            self.rescue_superseded()
            self.exit(0)
            return
        from screens.rescue import DiskRefused  # the disk will not take the save: ask, never leave silently

        if not isinstance(self.screen, DiskRefused):
            self.push_screen(DiskRefused(rescue.reason(self.saver.refused), self.write_rescue_copy), self._after_refused)

    def _after_refused(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit(0)
        else:
            self.save_now()  # keep trying: now, then every few seconds

    def _hang_up(self) -> None:
        """SIGHUP or SIGTERM: the connection is gone or we are asked to stop. Save, then leave.

        If the disk will not take the save, a rescue copy is written without a question (its path
        is printed on standard error once the terminal is given back).
        """
        if not self.save_and_close():
            with contextlib.suppress(rescue.RescueError, OSError, StorageError):
                self.write_rescue_copy()
        self.exit(0)

    # -- rescue copies -----------------------------------------------------
    def _rescue_places(self):
        """Hosted: only beside the profile (the server's own folder); else the usual places."""
        return [self.store.folder.resolve().parent] if self.hosted else None

    def write_rescue_copy(self) -> rescue.RescueCopy:
        """Everything, with what is not saved yet, to a file outside the data folder (raises RescueError)."""
        self._collect_typing()
        self.saver.wait()
        self.rescued = rescue.write(self.store, self.saver.pending(), self._rescue_places())
        return self.rescued

    def rescue_superseded(self) -> None:
        """Everything is saved after all, rescue copy or not: the workbook holds all of it, so it is not offered."""
        if self.rescued is not None:
            with contextlib.suppress(OSError):
                rescue.mark_seen(self.store.folder, self.rescued)
            self.rescued = None

    def _offer_rescue(self) -> None:
        """At start: a rescue copy of this workbook was saved earlier; offer to bring it in."""
        from screens.rescue import OfferRescue
        from screens.too_small import TooSmallScreen

        found = rescue.find(self.store.folder, self._rescue_places())
        if found and not isinstance(self.screen, TooSmallScreen):  # too small to read it: asked next time
            self.push_screen(OfferRescue(found[0]), lambda yes: self._rescue_answered(found[0], yes))

    async def _rescue_answered(self, copy: rescue.RescueCopy, bring_in: bool | None) -> None:
        if bring_in is None:
            return  # asked again at the next start
        if bring_in:
            self.save_and_close()
            try:
                data = rescue.read(copy)
                transfer.import_data(self.store, data)  # after the usual automatic backup
            except (OSError, StorageError) as exc:
                self.notify(plain_text(f"The rescue copy is not in yet: {rescue.reason(exc)}. It is kept, and the next start offers it again."), severity="warning", timeout=12)
                return
            await self.reload_data(home=False)
            if self.screen in self._stale:  # the screen on show has the old answers: build it afresh
                name, field = self.screen.name or "home", getattr(self.focused, "field_id", None)
                await self.switch_screen("home")
                self._drop_stale_screens()
                await self._show(name, field)
        with contextlib.suppress(OSError):
            rescue.mark_seen(self.store.folder, copy)
        if bring_in:
            count = len(data["answers"])
            self.notify(plain_text(f"The rescue copy is in your workbook ({count} answer{'' if count == 1 else 's'}). "
                                   "What was here before is in the backups (`workbook restore`)."), timeout=12)
        else:
            self.notify(plain_text(f"Kept {copy.json_path}; it will not be offered again. "
                                   f"`workbook import {copy.json_path}` brings it in any time."), timeout=12)

    # -- the one save path ----------------------------------------------
    @on(AnswerChanged)
    def _answer_changed(self, message: AnswerChanged) -> None:
        value = tidy(message.value)
        if isinstance(value, str) and len(value) > MAX_ANSWER_CHARS:
            value = value[:MAX_ANSWER_CHARS]
            self.notify(
                f"That answer is longer than {MAX_ANSWER_CHARS:,} characters; the first {MAX_ANSWER_CHARS:,} are kept.",
                severity="warning",
            )
        if value in (None, "", []):
            self.answers.pop(message.key, None)
            value = None
        else:
            self.answers[message.key] = value
        with self.saver.changes() as changes:
            changes.answers[message.key] = value
            if message.removed:
                changes.versions.append(versions_.make(message.key, tidy(message.removed), None, "removed"))
        if message.removed:
            self.notify("Removed. It is kept as an earlier version: ctrl+e puts it back.", timeout=5)
        self._refresh_screen()
        self._changed(message.immediate)

    @on(PutBack)
    async def _put_back(self, message: PutBack) -> None:
        """An earlier version goes back in its field; the text there becomes an earlier version."""
        value = tidy(message.value)
        self.save_now()  # what was typed there first: it becomes the earlier version
        # The screen's fields show the old text: build it again from the answers, in place.
        self._stale.add(self.screen)
        with self.saver.changes() as changes:
            changes.answers[message.key] = value
            if not message.item:  # an item back on its list replaces nothing
                changes.keep[message.key] = "put-back"
        self.answers[message.key] = value
        await self._show(self.screen.name or "home", message.field or message.key)
        if message.item:
            self.notify("The item is back on the list.", timeout=5)
        else:
            self.notify("The earlier version is back; the text it replaced is kept as an earlier version.", timeout=6)

    def _refresh_screen(self) -> None:
        """Data down: the screen on show redraws what depends on the data."""
        refresh = getattr(self.screen, "refresh_progress", None)
        if refresh:
            refresh()

    @on(PickMade)
    def _pick_made(self, message: PickMade) -> None:
        self.picks.append(message.pick)
        with self.saver.changes() as changes:
            changes.new_picks.append(message.pick)
        self.refresh_streak()
        self._refresh_screen()
        self._changed(immediate=True)

    @on(PickChanged)
    def _pick_changed(self, message: PickChanged) -> None:
        update = tidy(message.changes)
        for pick in reversed(self.picks):
            if pick.get("id") == message.pick_id:
                pick.update(update)
                break
        with self.saver.changes() as changes:
            changes.pick_updates.setdefault(message.pick_id, {}).update(update)
        if "checkin" in update:
            self._refresh_screen()
        self._changed(message.immediate)

    @on(DecisionAdded)
    def _decision_added(self, message: DecisionAdded) -> None:
        record = tidy(message.record)
        self.custom_decisions.append(record)
        with self.saver.changes() as changes:
            changes.new_decisions.append(record)
        self._changed(immediate=True)

    @on(SettingChanged)
    def _setting_changed(self, message: SettingChanged) -> None:
        self.settings[message.name] = message.value
        with self.saver.changes() as changes:
            changes.settings[message.name] = message.value
        self._changed(immediate=True)

    @on(FieldFocused)
    def _field_focused(self, message: FieldFocused) -> None:
        self._set_position(message.screen_name, message.field)
        self._schedule(SAVE_DELAY)

    def _changed(self, immediate: bool) -> None:
        if immediate:
            self.save_now()
        else:
            self.status_line = "saving…"
            self._schedule(SAVE_DELAY)

    def _set_position(self, screen: str, field: str | None) -> None:
        last = (self.position or {}).get("last")
        if screen.startswith("section-"):  # "continue" goes back to a section, not to My data
            last = {"screen": screen, "field": field}
        position = {"screen": screen, "field": field, "last": last}
        if position != self.position:
            self.position = position
            with self.saver.changes() as changes:
                changes.position = position

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self.save_now)

    def _collect_typing(self) -> None:
        """Pick up text typed but not yet reported (a hang-up can come between the two).

        Only the screen on show can hold unreported typing; a screen whose data was replaced
        underneath it (a reset, or another session's save) is skipped: its fields are stale.
        """
        screen = self.screen
        current_values = getattr(screen, "current_values", None)
        if current_values is None or screen in self._stale:
            return
        for key, value in current_values().items():
            value = tidy(value) or None
            if self.answers.get(key) != value:
                with self.saver.changes() as changes:
                    changes.answers[key] = value
                if value is None:
                    self.answers.pop(key, None)
                else:
                    self.answers[key] = value

    def save_now(self) -> None:
        """Hand everything pending to the writer thread; the interface never waits for the disk."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._collect_typing()
        if self.saver.unsaved:
            self.status_line = "saving…"
            self.saver.submit()

    def _saved(self, ok: bool) -> None:
        """On the writer thread, after each write (post_message is thread-safe)."""
        self.post_message(Saved(ok))

    def field_name(self, key: str) -> str:
        """An answer named for a person: its section and the start of its prompt."""
        return self.workbook.field_name(key)

    def _take_kept(self) -> None:
        """Earlier versions the last writes kept: shown under their fields, and said when another window's."""
        kept = self.saver.take_kept()
        for version in kept:
            self.versions.setdefault(version["key"], []).append(version)
            if version.get("why") == "window":
                self.notify(
                    plain_text(
                        f"Another window also saved {self.field_name(version['key'])}. This window's text is "
                        "there now; the other text is kept as an earlier version (ctrl+e to see it)."
                    ),
                    severity="warning",
                    timeout=12,
                )
        if kept:
            self._refresh_screen()

    @on(Saved)
    def _show_saved(self, message: Saved) -> None:
        self._take_kept()
        if message.ok:
            self._told_too_large = False
            if not self.saver.unsaved and (self.status_line == "saving…" or self.status_line.startswith("not saved")):
                self.status_line = "✓ saved"
        elif isinstance(self.saver.refused, TooLarge):  # over the file's cap: say so once; the text stays here
            self.status_line = f"not saved: {self.saver.refused}"
            if not getattr(self, "_told_too_large", False):
                self._told_too_large = True
                self.notify(plain_text(f"Not saved: {self.saver.refused}. Your text is kept here; shorten or "
                                       "remove something and it saves."), severity="warning", timeout=15)
            self._schedule(RETRY_DELAY)
        else:
            self.status_line = "not saved yet, trying again"
            self._schedule(RETRY_DELAY)

    def save_and_close(self) -> bool:
        """Everything on disk before leaving: wait for the writer, then write what is left here."""
        self._collect_typing()
        return self.saver.save_now()
