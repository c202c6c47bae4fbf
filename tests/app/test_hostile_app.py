"""In the app: error notifications with markup-like paths and texts, and a file damaged by
another program while the app is open."""

from __future__ import annotations

import json
from pathlib import Path

from screens.messages import ExportRequested, ResetRequested, UndoResetRequested
from workbook import backups, exchange, storage
from screens.app import WorkbookApp
from workbook.storage import Changes, StorageError


def messages(app: WorkbookApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_failed_export_reset_and_undo_say_so_literally_in_a_folder_named_with_markup(tmp_path: Path, monkeypatch):
    folder = tmp_path / "wb[/]x"
    store, _ = backups.open_store(folder)
    store.apply(Changes(answers={"what-is.own-words": "mine"}))
    app = WorkbookApp(store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()

        def refuse(*args, **kwargs):
            raise StorageError(f"cannot write {folder}/exports [@click=app.quit]x")

        monkeypatch.setattr(exchange, "write_export", refuse)
        app.post_message(ExportRequested("markdown"))
        await pilot.pause()
        assert any(f"{folder}/exports [@click=app.quit]x" in m for m in messages(app))
        monkeypatch.undo()

        # A before-reset backup that no longer reads as a workbook: undo names why, with "[/]" in it.
        (folder / "backups").mkdir(exist_ok=True)
        bad = {"picks": {"1": {"id": "[/]", "day": "2026-05-04"}, "2": {"id": "[/]", "day": "2026-05-04"}}}
        (folder / "backups" / "workbook-20260504-080000000000-before-reset.json").write_text(json.dumps(bad))
        app.post_message(UndoResetRequested())
        await pilot.pause()
        assert any("picks[1] has the same id as picks[0] ([/])" in m for m in messages(app))

        store.path.write_text("{damaged")  # reset reads the file first: the message names its path
        app.post_message(ResetRequested("section", 2))
        await pilot.pause()
        assert any(m.startswith("Nothing was erased") and "wb[/]x" in m for m in messages(app))
        assert app.is_running
    app.saver.close()


async def test_a_file_damaged_underneath_the_open_app_is_repaired_and_the_person_told(tmp_path: Path):
    folder = tmp_path / "data"
    store, _ = backups.open_store(folder)
    store.apply(Changes(answers={"what-is.own-words": "kept in the backup"}))
    backups.backup(store, "daily")
    app = WorkbookApp(store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        raw = json.loads(store.path.read_text())
        raw["decisions"] = {"1": {"id": "c-1", "prompt": "\x1b]2;x\x07?", "options": "not a list"}}
        store.path.write_text(json.dumps(raw))  # another program's edit
        await pilot.press("2")  # opening a screen catches up with the file
        await pilot.pause()
        app.saver.wait()
        await pilot.pause()
        told = [m for m in messages(app) if "moved aside" in m]
        assert told and "decisions[0].options is not a list of 2 to 4 options" in told[0]
        assert app.answers["what-is.own-words"] == "kept in the backup"
        assert app.is_running
    app.saver.close()
    assert len(list(folder.glob("workbook.damaged-*.json"))) == 1
    assert json.loads((folder / storage.DB_NAME).read_text())  # a readable workbook again


def test_accepted_corrupted_exports_open_home_section_5_and_the_saved_place(tmp_path_factory):
    """A hypothesis family of corrupted exports: each one the import accepts opens in the app."""
    import asyncio
    import sys

    from hypothesis import HealthCheck, given, settings

    sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
    from test_validate import corrupted_exports

    opened = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=corrupted_exports())
    def check(text):
        folder = tmp_path_factory.mktemp("wb")
        store, _ = backups.open_store(folder)
        try:
            exchange.import_data(store, exchange.parse_export(text))
        except backups.TransferError:
            return
        store, _ = backups.open_store(folder)  # as the next start would
        app = WorkbookApp(store)

        async def visit():
            async with app.run_test(size=(80, 24), notifications=True) as pilot:
                await pilot.pause()
                await app.action_home()
                await app.action_open_section(5)
                await pilot.pause()
                assert app.screen.name == "section-5"
                await app.action_home()
                await app.action_resume()
                await pilot.pause()

        asyncio.run(visit())
        app.saver.close()
        opened.append(text)

    check()
    print(f"\n{len(opened)} accepted corrupted exports opened in the app")
    assert opened  # some of the family were accepted and opened
