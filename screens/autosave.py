"""Autosave: the one save path. Changes from the state go to the writer thread, half a second after
the last keystroke (or at once), with the status line saying where they are.

It collects typing not reported yet (a hang-up can come between a key and its message), tries
again every few seconds when the disk will not take a save, and, when leaving with the disk still
refusing, asks (or, on a hang-up, simply writes a rescue copy). At start it offers a rescue copy
an earlier session left.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message
from textual.timer import Timer

from screens.hangup import Lifeline
from workbook import exchange, rescue
from workbook.saver import Saver
from workbook.storage import Changes, StorageError, TooLarge
from workbook.text import clean
from workbook.wording import hosted

if TYPE_CHECKING:
    from screens.app import WorkbookApp

SAVE_DELAY = 0.5  # seconds after the last keystroke
RETRY_DELAY = 3.0  # seconds between tries when the disk would not take a save
SAVING, RETRYING, SAVED = "saving…", "not saved yet, trying again", "✓ saved"


@dataclass
class Saved(Message):
    """A write finished on the writer thread: ``ok`` False means it is kept for another try."""

    ok: bool


@dataclass
class ChangedElsewhere(Message):
    """Another session saved changes: read the data again."""


class Autosave:
    """Hands the state's changes to the writer thread and keeps the status line true."""

    def __init__(self, app: WorkbookApp) -> None:
        self.app = app
        self.state = app.state
        self.saver = Saver(app.state.store, lambda ok: app.post_message(Saved(ok)))  # post_message is thread-safe
        self.rescued: rescue.RescueCopy | None = None  # a rescue copy written this session
        self._timer: Timer | None = None
        self._told_too_large = False  # a save over the file's cap is said once, until a save goes through
        self._hung_up = False
        self.lifeline = Lifeline(self)  # ends the process on a hang-up, whatever the terminal does

    # -- handing over ---------------------------------------------------------------
    def add(self, changes: Changes, immediate: bool = False, delay: bool = False) -> None:
        """Changes to save: at once (``immediate``), after the typing pause, or with the next save (``delay``)."""
        self.saver.add(changes)
        self.show_notes()
        if delay:
            self.schedule(SAVE_DELAY)
        elif immediate:
            self.save_now()
        else:
            self.app.status_line = SAVING
            self.schedule(SAVE_DELAY)

    def show_notes(self) -> None:
        """The state's words for the person (a cap reached, another window's text kept)."""
        for note in self.state.take_notes():
            self.app.notify(plain_text(note), severity="warning", timeout=12)

    def schedule(self, delay: float) -> None:
        """Save after ``delay`` seconds unless something comes first."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(delay, self.save_now)

    def collect_typing(self) -> None:
        """Pick up text typed but not yet reported (a hang-up can come between the two).

        Only the screen on show can hold unreported typing; a screen whose data was replaced
        underneath it (a reset, or another session's save) is skipped: its fields are stale.
        """
        screen = self.app.navigator.workbook_screen()
        if screen is not None and screen not in self.app.navigator.stale:
            self.saver.add(self.state.collect(screen.current_values()))

    def save_now(self) -> None:
        """Hand everything pending to the writer thread; the interface never waits for the disk."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.collect_typing()
        if self.saver.unsaved:
            self.app.status_line = SAVING
            self.saver.submit()

    def save_and_close(self) -> bool:
        """Everything on disk before leaving: wait for the writer, then write what is left here."""
        self.collect_typing()
        return self.saver.save_now()

    def take_kept(self) -> None:
        """Earlier versions the last writes kept: shown under their fields, and said when another window's."""
        if self.state.kept_versions(self.saver.take_kept()):
            self.show_notes()
            self.app.navigator.refresh()

    def saved(self, ok: bool) -> None:
        """A write finished (on the event loop, from :class:`Saved`)."""
        self.take_kept()
        if ok:
            self._told_too_large = False
            if not self.saver.unsaved and (self.app.status_line == SAVING or self.app.status_line.startswith("not saved")):
                self.app.status_line = SAVED
        elif isinstance(self.saver.refused, TooLarge):  # over the file's cap: say so once; the text stays here
            self.app.status_line = f"not saved: {self.saver.refused}"
            if not self._told_too_large:
                self._told_too_large = True
                self.app.notify(plain_text(f"Not saved: {self.saver.refused}. Your text is kept here; shorten or "
                                           "remove something and it saves."), severity="warning", timeout=15)
            self.schedule(RETRY_DELAY)
        else:
            self.app.status_line = RETRYING
            self.schedule(RETRY_DELAY)

    def check_elsewhere(self) -> None:
        """Ask the writer thread, after our own writes, whether another session saved meanwhile.

        The screen opens at once; if there were changes, the data is read again and the screen
        rebuilt from it a moment later.
        """
        app = self.app
        self.saver.then(self.state.store.refresh, lambda changed: changed and app.post_message(ChangedElsewhere()))

    # -- leaving ---------------------------------------------------------------------------
    def quit(self) -> None:
        """Save and leave; if the disk will not take the save, ask (never leave silently)."""
        if self.save_and_close():
            self.rescue_superseded()
            self.app.exit(0)
            return
        from screens.rescue import DiskRefused

        if not isinstance(self.app.screen, DiskRefused):
            self.app.push_screen(DiskRefused(rescue.reason(self.saver.refused), self.write_rescue_copy), self._after_refused)

    def _after_refused(self, choice: str | None) -> None:
        if choice == "quit":
            self.app.exit(0)
        else:
            self.save_now()  # keep trying: now, then every few seconds

    def watch_terminal(self) -> None:
        """Treat SIGHUP, SIGTERM and a terminal that has gone as a hang-up, and always end on one.

        A terminal can vanish without a SIGHUP (the workbook not its session's controlling
        process, a pty closed by a program that forgot), or stop reading so that the event loop
        blocks on its output: :mod:`screens.hangup` watches from a thread of its own, asks the
        loop to save, and ends the process within a few seconds whatever the terminal does.
        """
        if self.app.is_headless:
            return
        self.lifeline.start()

    def hang_up(self) -> None:
        """SIGHUP or SIGTERM: the connection is gone or we are asked to stop. Save, then leave.

        If the disk will not take the save, a rescue copy is written without a question (its path
        is printed on standard error once the terminal is given back, if it is still there).
        """
        if self._hung_up:
            return
        self._hung_up = True
        if not self.save_and_close():
            with contextlib.suppress(rescue.RescueError, OSError, StorageError):
                self.write_rescue_copy()
        self.lifeline.saved.set()
        self.app.exit(0)

    # -- rescue copies -------------------------------------------------------------------------
    def write_rescue_copy(self) -> rescue.RescueCopy:
        """Everything, with what is not saved yet, to a file outside the data folder (raises RescueError)."""
        self.collect_typing()
        self.saver.wait()
        self.rescued = rescue.write(self.state.store, self.saver.pending(), self.rescue_places())
        return self.rescued

    def rescue_places(self) -> list[Path] | None:
        """Where rescue copies go. Hosted: only beside the profile (the server's own folder); else the usual places."""
        return [self.state.store.folder.resolve().parent] if self.app.hosted else None

    def rescue_superseded(self) -> None:
        """Everything is saved after all, rescue copy or not: the workbook holds all of it, so it is not offered."""
        if self.rescued is not None:
            with contextlib.suppress(OSError):
                rescue.mark_seen(self.state.store.folder, self.rescued)
            self.rescued = None

    def offer_rescue(self) -> None:
        """At start: a rescue copy of this workbook was saved earlier; offer to bring it in."""
        from screens.rescue import OfferRescue
        from screens.too_small import TooSmallScreen

        found = rescue.find(self.state.store.folder, self.rescue_places())
        if found and not isinstance(self.app.screen, TooSmallScreen):  # too small to read it: asked next time
            self.app.push_screen(OfferRescue(found[0]), lambda yes: self._rescue_answered(found[0], yes))

    async def _rescue_answered(self, copy: rescue.RescueCopy, bring_in: bool | None) -> None:
        if bring_in is None:
            return  # asked again at the next start
        app = self.app
        if bring_in:
            self.save_and_close()
            try:
                data = rescue.read(copy)
                await app.jobs.run(lambda: exchange.import_data(self.state.store, data))  # after the usual automatic backup
            except (OSError, StorageError) as exc:
                app.notify(plain_text(f"The rescue copy is not in yet: {rescue.reason(exc)}. It is kept, and the next start offers it again."), severity="warning", timeout=12)
                return
            await app.jobs.reload(home=False)
            if app.screen in app.navigator.stale:  # the screen on show has the old answers: build it afresh
                name, field = app.screen.name or "home", app.navigator.focused_field()
                await app.switch_screen("home")
                app.navigator.drop_stale()
                await app.navigator.show(name, field)
        with contextlib.suppress(OSError):
            rescue.mark_seen(self.state.store.folder, copy)
        if bring_in:
            count = len(data["answers"])
            app.notify(plain_text(f"The rescue copy is in your workbook ({count} answer{'' if count == 1 else 's'}). "
                                  "What was here before is in the backups (`workbook restore`)."), timeout=12)
        else:
            if hosted():
                app.notify(plain_text(f"Kept {copy.json_path.name} on the server; it will not be offered again."), timeout=12)
            else:
                app.notify(plain_text(f"Kept {copy.json_path}; it will not be offered again. "
                                      f"`workbook import {copy.json_path}` brings it in any time."), timeout=12)


def plain_text(text: str) -> Content:
    """A notification text that is never read as markup (paths and user text), without control characters."""
    return Content(clean(text))
