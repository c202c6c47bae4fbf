"""My data's slow jobs (export, reset, undo) run on the writer thread, after the saves handed over before them."""

from __future__ import annotations

import threading

from screens.messages import AnswerChanged, ExportRequested, ResetRequested, UndoResetRequested
from workbook import exchange, resets

KEY = "what-is.own-words"


async def test_export_reset_and_undo_run_off_the_event_loop_after_the_typing_before_them(make_app, monkeypatch, until):
    app = make_app()
    seen: list[tuple[str, bool, object]] = []

    def watched(name, job):
        def run(store, *args, **kwargs):
            seen.append((name, threading.current_thread() is threading.main_thread(), store.answers().get(KEY)))
            return job(store, *args, **kwargs)
        return run

    monkeypatch.setattr(exchange, "write_export", watched("export", exchange.write_export))
    monkeypatch.setattr(resets, "reset", watched("reset", resets.reset))
    monkeypatch.setattr(resets, "undo_reset", watched("undo", resets.undo_reset))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.post_message(AnswerChanged(KEY, "typed just before"))  # still in the typing pause
        app.post_message(ExportRequested("json"))
        await until(pilot, lambda: len(seen) == 1, "the export")
        app.post_message(ResetRequested("all"))
        await until(pilot, lambda: len(seen) == 2 and KEY not in app.answers, "the reset")
        app.post_message(UndoResetRequested())
        await until(pilot, lambda: len(seen) == 3 and app.answers.get(KEY) == "typed just before", "the undo")
    assert seen == [
        ("export", False, "typed just before"),
        ("reset", False, "typed just before"),
        ("undo", False, None),
    ]
