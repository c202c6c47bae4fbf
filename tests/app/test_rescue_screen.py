"""In the app: quitting when the disk refuses the save, the rescue copy, and its offer at the next start."""

from __future__ import annotations

import errno
import json
import stat
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button, Static

import styles

from screens.fields import AnswerArea
from screens.rescue import DiskRefused, OfferRescue
from workbook import backups, exchange, rescue, storage
from workbook.storage import Changes, Store

FIELD = "what-is.own-words"


@pytest.fixture
def refusing_disk(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Turn the data folder's disk full (only the data folder: other places still take files)."""
    real = storage.atomic_write

    def write(path: Path, data: bytes) -> None:
        if refusing["on"] and Path(path).parent == data_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    refusing = {"on": False}
    monkeypatch.setattr(storage, "atomic_write", write)
    return refusing


async def type_then_fill_the_disk(app, pilot, refusing, until) -> None:
    await pilot.press("2", *"saved")
    await until(pilot, lambda: app.status_line == "✓ saved", "the autosave")
    app.saver.wait()
    await pilot.pause()
    assert app.status_line == "✓ saved"
    refusing["on"] = True
    await pilot.press(*" and not saved")


def dialog_text(app) -> str:
    return "\n".join(str(s.visual) for s in app.screen.query(Static) if not isinstance(s, Button))


async def test_quitting_with_a_full_disk_asks_and_keep_trying_stays_and_saves_once_there_is_room(make_app, data_dir, refusing_disk, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_then_fill_the_disk(app, pilot, refusing_disk, until)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, DiskRefused)  # not gone silently
        assert "The disk will not take the save: the disk is full." in dialog_text(app)
        assert app.return_code is None
        await pilot.press("escape")  # keep trying
        await pilot.pause()
        assert not isinstance(app.screen, DiskRefused)
        assert app.screen.focused is not None and app.screen.focused.text == "saved and not saved"
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "not saved yet, trying again"
        refusing_disk["on"] = False
        await until(pilot, lambda: app.status_line == "✓ saved", "the next try")
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "✓ saved"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert Store.open(data_dir).answers()[FIELD] == "saved and not saved"
    assert rescue.find(data_dir) == []


async def test_save_a_rescue_copy_writes_everything_0600_names_it_then_quits(make_app, data_dir, tmp_path, refusing_disk, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_then_fill_the_disk(app, pilot, refusing_disk, until)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, DiskRefused)
        assert app.screen.focused.id == "save-copy"
        await pilot.press("enter")
        await pilot.pause()
        [copy] = list(tmp_path.glob("workbook-rescue-*.json"))  # the data folder's parent took it
        markdown = copy.with_suffix(".md")
        text = dialog_text(app)
        assert str(copy) in text and str(markdown) in text and f"workbook import {copy}" in text
        assert app.screen.focused.id == "quit"
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0
    for path in (copy, markdown):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(copy.read_text())["answers"][FIELD] == "saved and not saved"
    assert "> saved and not saved" in markdown.read_text()
    assert Store.open(data_dir).answers()[FIELD] == "saved"  # the refusing folder is as it was


async def test_a_copy_made_before_the_save_went_through_after_all_is_not_offered(make_app, data_dir, tmp_path, refusing_disk, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_then_fill_the_disk(app, pilot, refusing_disk, until)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("enter")  # save a rescue copy
        await pilot.pause()
        [copy] = list(tmp_path.glob("workbook-rescue-*.json"))
        await pilot.press("escape")  # then keep trying after all
        await pilot.pause()
        refusing_disk["on"] = False
        await until(pilot, lambda: app.status_line == "✓ saved", "the next try")  # it goes through
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "✓ saved"
        await pilot.press(*", and more")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert Store.open(data_dir).answers()[FIELD] == "saved and not saved, and more"
    assert copy.exists()  # kept, but the workbook holds all of it: bringing it in would only go back in time
    assert rescue.find(data_dir) == []


async def test_quit_anyway_leaves_and_the_palette_quit_asks_too(make_app, data_dir, tmp_path, refusing_disk, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_then_fill_the_disk(app, pilot, refusing_disk, until)
        await pilot.press("ctrl+o", *"quit")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DiskRefused)
        await pilot.press("tab", "enter")  # from "Save a rescue copy" to "Quit anyway"
        await pilot.pause()
    assert app.return_code == 0
    assert not list(tmp_path.glob("workbook-rescue-*"))


async def test_when_no_place_takes_the_copy_the_dialog_says_so_and_stays(make_app, data_dir, tmp_path, refusing_disk, monkeypatch, until):
    app = make_app()
    monkeypatch.setattr(app.autosave, "rescue_places", lambda: [tmp_path / "nowhere"])
    async with app.run_test(size=(80, 24)) as pilot:
        await type_then_fill_the_disk(app, pilot, refusing_disk, until)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DiskRefused)
        assert "No place would take the rescue copy" in dialog_text(app)
        assert app.return_code is None
        await pilot.press("escape")  # keep trying
        await pilot.pause()
        assert not isinstance(app.screen, DiskRefused)
    assert not list(tmp_path.glob("workbook-rescue-*"))


def a_rescue_copy(data_dir: Path) -> rescue.RescueCopy:
    store = Store.open(data_dir)
    place = {"screen": "section-2", "field": FIELD, "last": {"screen": "section-2", "field": FIELD}}
    store.apply(Changes(answers={FIELD: "saved", "needs.reminder": "kept too"}, position=place))
    copy = rescue.write(store, Changes(answers={FIELD: "saved and not saved", "time-with-yourself.like": "walks"}))
    store.close()
    return copy


async def test_the_next_start_offers_the_copy_and_bringing_it_in_matches_it(make_app, data_dir):
    copy = a_rescue_copy(data_dir)
    expected = json.loads(copy.json_path.read_text())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OfferRescue)
        assert str(copy.json_path) in dialog_text(app)
        await pilot.press("enter")  # bring it in
        await pilot.pause()
        assert not isinstance(app.screen, OfferRescue)
        assert app.answers == expected["answers"]
        await pilot.pause()
        assert app.screen.name == "section-2"  # where the person was: it shows the answer brought in
        assert app.screen.query_one(AnswerArea).text == "saved and not saved"
    exported = exchange.export_data(Store.open(data_dir))
    for key in ("answers", "picks", "decisions", "settings"):
        assert exported[key] == expected[key]
    assert [b.reason for b in backups.backups(Store.open(data_dir))] == ["before-import"]  # the usual backup first
    assert copy.json_path.exists()
    second = make_app()
    async with second.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not isinstance(second.screen, OfferRescue)  # asked once


async def test_keeping_the_file_stops_the_asking_and_escape_asks_next_time(make_app, data_dir):
    copy = a_rescue_copy(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OfferRescue)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OfferRescue)
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, OfferRescue)
        await pilot.press("tab", "enter")  # keep the file, don't ask again
        await pilot.pause()
        assert any(str(copy.json_path) in str(n.message) for n in again._notifications)
    assert Store.open(data_dir).answers()[FIELD] == "saved"  # nothing imported
    assert copy.json_path.exists()
    last = make_app()
    async with last.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not isinstance(last.screen, OfferRescue)


class Host(App):
    """A tiny app to hold one dialog and keep what it dismissed with."""

    def __init__(self, dialog) -> None:
        super().__init__(css_path=[styles.path("rescue.tcss")])
        self.dialog = dialog
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


@pytest.mark.parametrize("keys, result", [(["escape"], "keep"), (["shift+tab", "enter"], "keep"),
                                          (["tab", "enter"], "quit"), (["enter", "enter"], "quit")])
async def test_the_disk_refused_dialog_returns_the_choice(keys, result, tmp_path):
    written = []

    def write_copy() -> rescue.RescueCopy:
        written.append(True)
        return rescue.RescueCopy(tmp_path / "c.json", tmp_path / "c.md")

    host = Host(DiskRefused("the disk is full", write_copy))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    assert host.results == [result]
    assert written == ([True] if keys == ["enter", "enter"] else [])  # a copy only when asked for


@pytest.mark.parametrize("keys, result", [(["enter"], True), (["tab", "enter"], False), (["escape"], None)])
async def test_the_rescue_offer_returns_the_answer(keys, result, tmp_path):
    host = Host(OfferRescue(rescue.RescueCopy(tmp_path / "c.json", tmp_path / "c.md")))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    assert host.results == [result]


async def test_hosted_the_copy_stays_beside_the_profile(make_app, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOSTED", "1")
    app = make_app()
    assert app.autosave.rescue_places() == [tmp_path.resolve()]  # never the server's home or temporary folder
    monkeypatch.delenv("WORKBOOK_HOSTED")
    assert make_app().autosave.rescue_places() is None  # not hosted: the usual three places
