"""Slow work off the event loop: export, reset, undo and import run on the writer thread, after
every save handed over before them, while the interface keeps drawing and taking keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from screens.autosave import plain_text
from workbook import exchange, resets
from workbook.storage import StorageError

if TYPE_CHECKING:
    from screens.app import WorkbookApp

T = TypeVar("T")


def why(exc: Exception) -> str:
    """The reason a job did not happen, in the system's words when it has some."""
    return getattr(exc, "strerror", None) or str(exc)


class Jobs:
    """My data's jobs for the app: each runs in order after pending saves, then says how it went."""

    def __init__(self, app: WorkbookApp) -> None:
        self.app = app
        self.store = app.state.store

    async def run(self, job: Callable[[], T]) -> T:
        """Everything typed so far is handed over first, then ``job`` runs; its result (or its error)."""
        await self.app.until_ready()
        autosave = self.app.autosave
        autosave.save_now()
        return await asyncio.wrap_future(autosave.saver.run(job))

    async def reload(self, home: bool) -> None:
        """After a reset, undo, restore or another session's save: read everything again, rebuild the screens."""
        app = self.app
        await app.until_ready()
        app.autosave.save_and_close()  # our own typing first, so the re-read includes it
        app.autosave.take_kept()
        app.state.reload()
        app.autosave.show_notes()
        if home:
            await app.navigator.show("home")
        app.navigator.drop_stale(mark_current=True)
        app.navigator.refresh()
        if app.screen in app.navigator.stale:
            # The screen on show holds the old answers: build it again at once, in the same field,
            # so nothing typed next lands in a field that no longer shows what is saved.
            await app.navigator.show(app.screen.name or "home", app.navigator.focused_field())

    async def export(self, fmt: str) -> None:
        """Write an export ("markdown" or "json") and say where; My data shows it too."""
        app = self.app
        try:
            keep = exchange.HOSTED_EXPORTS if app.hosted else None
            path = await self.run(lambda: exchange.write_export(self.store, fmt, keep=keep))
        except (OSError, StorageError) as exc:
            app.notify(plain_text(f"The export could not be written: {why(exc)}"), severity="warning")
            return
        shown = path
        if app.hosted:  # a path inside the visitor's own folder, not the server's; only the newest few stay
            shown = path.relative_to(self.store.folder)
            app.notify(plain_text(f"Saved to {shown} (the newest {exchange.HOSTED_EXPORTS} exports are kept)"), timeout=8)
        else:
            app.notify(plain_text(f"Saved to {path}"), timeout=8)
        screen = app.navigator.workbook_screen()
        if screen is not None:
            screen.show_export(shown)

    async def reset(self, scope: str, section: int | None) -> None:
        """Erase what the person confirmed (after a backup) and read everything again."""
        app = self.app
        try:
            await self.run(lambda: resets.reset(self.store, scope, section))
        except (OSError, StorageError) as exc:
            app.notify(plain_text(f"Nothing was erased: {why(exc)}"), severity="warning")
            return
        await self.reload(home=scope == "all")
        app.notify("Done. “Undo last reset” on My data brings it back.", timeout=6)

    async def undo_reset(self) -> None:
        """Put back what the last reset erased, keeping what was written since."""
        app = self.app
        try:
            undone = await self.run(lambda: resets.undo_reset(self.store))
        except (OSError, StorageError) as exc:
            app.notify(plain_text(f"Nothing was changed: {why(exc)}"), severity="warning")
            return
        await self.reload(home=False)
        message = "What the reset erased is back, and everything you wrote since is still here."
        if undone.kept_newer:
            fields = "1 field keeps" if undone.kept_newer == 1 else f"{undone.kept_newer} fields keep"
            message += f" {fields} the newer text; the erased text is an earlier version there (ctrl+e)."
        app.notify(message, timeout=10)
