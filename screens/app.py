"""WorkbookApp: the keys that work everywhere, and the messages up from the screens, passed to the state.

Data goes down: every screen is built from the :class:`~workbook.state.WorkbookState`. Messages come
up: a screen posts what the person did (:mod:`screens.messages`), the app asks the state to do it and
hands the changes to the autosave. The navigator opens screens, the autosave saves, the commands fill
the palette, and the jobs run slow work off the event loop.
"""

from __future__ import annotations

import gc
import os
import random

from textual import events, on
from textual.screen import Screen

import styles
from screens import commands, keys, theme
from screens.autosave import Autosave, ChangedElsewhere, Saved, plain_text
from screens.front import Front
from screens.jobs import Jobs
from screens.loading import Loading
from screens.messages import (
    AnswerChanged, DecisionAdded, ExportRequested, FieldFocused, PickChanged, PickMade, PutBack, ResetRequested,
    SettingChanged, UndoResetRequested,
)
from screens.navigator import Navigator
from workbook import practice
from workbook.state import WorkbookState
from workbook.storage import Head, Store
from workbook.wording import in_browser


class WorkbookApp(Front):
    TITLE = "Self-Trust Workbook"
    CSS_PATH = [styles.path(f"{name}.tcss") for name in ("app", "home", "section", "practice", "review", "data", "rescue")]
    COMMAND_PALETTE_BINDING = "ctrl+o"
    BINDINGS = keys.APP_KEYS  # every key is declared once: here (screens/keys.py) and on each screen or widget

    def __init__(self, store: Store, *, blink_cursor: bool = False, clock: practice.Clock = practice.system_clock,
                 notices: list[str] | None = None, rng: random.Random | None = None, head: Head | None = None,
                 ahead: bool = False) -> None:
        """``head`` (from :func:`workbook.storage.read_head`, the store not opened yet): Home is drawn
        from it, and everything is read on the writer thread after the first screen. ``ahead``: the
        screens likely opened next are built in pauses after that (as `workbook` runs)."""
        super().__init__()
        self.rng = rng or random.Random()  # which decision card comes next
        # Hosted by `workbook serve`: no way out to a shell, nothing written outside the profile.
        self.hosted = os.environ.get("WORKBOOK_HOSTED") == "1"
        self.notices = list(notices or [])
        self.state = WorkbookState(store, clock=clock, head=head)
        self.store, self.answers, self.picks, self.settings = store, self.state.answers, self.state.picks, self.state.settings
        self.blink_cursor = blink_cursor or self.settings.get("cursor_blink") is True
        self.autosave, self.navigator, self.jobs = Autosave(self), Navigator(self), Jobs(self)
        self.saver = self.autosave.saver
        self.streak_line = self.state.streak_line
        self.switch_to_plain = False  # set by F2: __main__ runs plain mode once the screen is given back
        self.loading = Loading(self, ahead)  # Home from the summary: the rest is read after the first frame

    async def until_ready(self) -> None:
        """Wait until everything is read: keys that need the data wait with it (see screens/loading.py)."""
        await self.loading.until_ready()

    # -- screens ---------------------------------------------------------------------
    def on_mount(self) -> None:
        theme.install(self, self.settings.get("theme"), self._remember_theme)
        self.push_screen(self.navigator.screen("home"))
        self.loading.start()
        self.autosave.watch_terminal()  # SIGHUP, SIGTERM or a terminal gone: save, and always end
        self.call_after_refresh(self.navigator.welcome_back if self.state.resume else self.autosave.offer_rescue)
        # Everything loaded so far lives as long as the app: keep it out of the garbage collector's
        # full passes, which otherwise walk 10,000 decisions and pause the interface for ~10 ms.
        self.call_after_refresh(gc.freeze)
        for notice in self.notices:
            self.notify(plain_text(notice), severity="warning", timeout=30)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.is_forwarded:
            await super().on_event(event)  # a key coming back up from the field it was handed to
        # Keys typed while a screen is being opened wait until its field has the cursor, then go on in order.
        elif not self.navigator.hold(event):
            await self.handle_key(event)

    async def handle_key(self, event: events.Event) -> None:
        """An event, a key first offered to the screen on show (see :meth:`WorkbookScreen.take_key`),
        then to the keys of what has the focus as it comes (see :meth:`Navigator.run_binding`)."""
        if not (self.navigator.take_key(event) or await self.navigator.run_binding(event)):
            await super().on_event(event)

    def hold_keys(self) -> None:
        self.navigator.hold_keys()

    async def release_keys(self) -> None:
        await self.navigator.release_keys()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "Previous" from Home leads nowhere: not shown there (the key bar keeps room for the rest).
        return not (action == "previous_section" and self._screen_stack and self.screen.name == "home")

    async def action_open_section(self, number: int) -> None:
        if 1 <= number <= self.state.last_number:
            await self.navigator.show(f"section-{number}")

    async def action_home(self) -> None:
        await self.navigator.show("home")

    async def action_next_section(self) -> None:
        number = self.navigator.current_number() + 1
        await (self.navigator.show("home") if number > self.state.last_number else self.action_open_section(number))

    async def action_previous_section(self) -> None:
        number = self.navigator.current_number() - 1
        await (self.navigator.show("home") if number < 1 else self.action_open_section(number))

    async def action_resume(self) -> None:
        """Go back to the last section and field the person was in; on a first run, section 1."""
        last = self.state.position.last if self.state.position else None
        await (self.navigator.show(last.screen, last.field) if last else self.action_open_section(1))

    async def action_my_data(self, field: str | None = None) -> None:
        await self.navigator.show("data", field)

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.autosave.quit()

    async def action_plain_mode(self) -> None:
        """Leave the full screen for plain mode (workbook/plain.py), remembered for this data folder."""
        if in_browser():  # the page is a terminal of the browser's: no plain lines there
            self.notify("Plain mode needs a terminal: there, `workbook --plain` starts it. In a browser the workbook stays as it is.", markup=False, timeout=10)
            return
        self.autosave.add(self.state.set_setting("plain", True), delay=True)
        self.switch_to_plain = True
        await self.action_quit()

    def action_suspend_process(self) -> None:
        if not self.hosted:
            super().action_suspend_process()

    def get_system_commands(self, screen: Screen):
        return commands.system_commands(self)

    def toggle_blink(self) -> None:
        """Cursor blink on or off, for every field, remembered."""
        self.blink_cursor = not self.blink_cursor
        self.navigator.set_blink(self.blink_cursor)
        self.post_message(SettingChanged("cursor_blink", self.blink_cursor))

    def _remember_theme(self, name: str) -> None:
        if self.settings.get("theme") != name:
            self.post_message(SettingChanged("theme", name))

    def on_resize(self, event: events.Resize) -> None:
        self.navigator.resized(event)

    # -- messages up: the state does it, the autosave saves it ---------------------------------
    @on(AnswerChanged)
    def _answer_changed(self, message: AnswerChanged) -> None:
        changes = self.state.set_answer(message.key, message.value, removed=message.removed)
        if message.removed:
            self.notify("Removed. It is kept as an earlier version: ctrl+e puts it back.", timeout=5)
        self.navigator.refresh()
        self.autosave.add(changes, message.immediate)

    @on(PutBack)
    async def _put_back(self, message: PutBack) -> None:
        """An earlier version goes back in its field; the text there becomes an earlier version."""
        self.autosave.save_now()  # what was typed there first: it becomes the earlier version
        self.saver.add(self.state.put_back(message.key, message.value, item=message.item))
        await self.navigator.rebuild(message.field or message.key)  # its fields show the old text
        if message.item:
            self.notify("The item is back on the list.", timeout=5)
        else:
            self.notify("The earlier version is back; the text it replaced is kept as an earlier version.", timeout=6)

    @on(PickMade)
    def _pick_made(self, message: PickMade) -> None:
        changes = self.state.add_pick(message.pick)
        self.navigator.refresh()
        self.autosave.add(changes, immediate=True)

    @on(PickChanged)
    def _pick_changed(self, message: PickChanged) -> None:
        changes = self.state.update_pick(message.pick_id, **message.changes)
        if "checkin" in message.changes:
            self.navigator.refresh()
        self.autosave.add(changes, message.immediate)

    @on(DecisionAdded)
    def _decision_added(self, message: DecisionAdded) -> None:
        self.autosave.add(self.state.add_decision(message.decision), immediate=True)

    @on(SettingChanged)
    def _setting_changed(self, message: SettingChanged) -> None:
        self.autosave.add(self.state.set_setting(message.name, message.value), immediate=True)

    @on(FieldFocused)
    def _field_focused(self, message: FieldFocused) -> None:
        self.autosave.add(self.state.move_to(message.screen_name, message.field), delay=True)

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.autosave.saved(message.ok)

    @on(ChangedElsewhere)
    async def _changed_elsewhere(self) -> None:
        for notice in self.state.store.take_notices():  # the file was damaged underneath us, and repaired
            self.notify(plain_text(notice), severity="warning", timeout=30)
        await self.jobs.reload(home=False)

    # -- my data: off the event loop, after the saves handed over before -------------------------
    @on(ExportRequested)
    async def _export_requested(self, message: ExportRequested) -> None:
        await self.jobs.export(message.fmt)

    @on(ResetRequested)
    async def _reset_requested(self, message: ResetRequested) -> None:
        await self.jobs.reset(message.scope, message.section)

    @on(UndoResetRequested)
    async def undo_reset(self) -> None:
        await self.jobs.undo_reset()
