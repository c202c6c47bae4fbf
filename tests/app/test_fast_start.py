"""A returning person's first screen: Home from the summary beside the data, the rest read after it."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

from textual import events
from textual.widgets import OptionList

from screens.app import WorkbookApp
from screens.fields import AnswerArea
from screens.home import HomeScreen
from workbook.state import WorkbookState
from workbook.storage import DB_NAME, Changes, Store, read_head


def returning(folder: Path) -> None:
    """A workbook with section 1 fully answered, section 2's first answer, and 3 decisions."""
    answers = {f"why-hard.{part}.{kind}": True if kind == "familiar" else f"{part} words"
               for part in ("unsafe", "criticism", "pressure", "future") for kind in ("familiar", "reflection")}
    picks = [{"id": f"p{n}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea", "at": f"2026-01-0{n}T10:00:00+00:00",
              "day": f"2026-01-0{n}", "clarity": None, "checkin": None, "learned": ""} for n in range(1, 4)]
    store = Store.open(folder)
    store.apply(Changes(answers={**answers, "what-is.own-words": "old words"}, new_picks=picks,
                        position={"screen": "home", "field": None, "last": {"screen": "section-2", "field": "what-is.own-words"}}))
    store.close()


def fast_app(folder: Path) -> WorkbookApp:
    head = read_head(folder)
    assert head is not None  # the summary is there: Home is drawn from it
    return WorkbookApp(Store(folder), head=head)


def contents(app: WorkbookApp) -> list[str]:
    options = app.screen.query_one("#contents", OptionList)
    return [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]


async def test_home_counts_are_corrected_after_the_first_frame_when_another_program_edited_the_file(data_dir, until):
    returning(data_dir)
    # Another program takes section 1's answers out and leaves the summary as it was.
    path = data_dir / DB_NAME
    tables = json.loads(path.read_text())
    tables["answers"] = {k: v for k, v in tables["answers"].items() if not v["key"].startswith("why-hard.")}
    path.write_text(json.dumps(tables))
    assert read_head(data_dir).summary.done[1] == 4  # what the first frame shows
    app = fast_app(data_dir)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.state.ready, "everything read")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            rows = contents(app)
            assert "0 of 4" in rows[0], rows[0]
            assert "1 answer so far" in rows[-1], rows[-1]
        app.saver.wait()
        assert read_head(data_dir).summary.done[1] == 0  # and the summary on disk is right again
    finally:
        app.saver.close()


async def test_home_from_the_summary_shows_what_the_data_holds(data_dir, until):
    returning(data_dir)
    app = fast_app(data_dir)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            first = contents(app)
            assert "4 of 4" in first[0] and "1 of 5" in first[1] and "3 decisions practised" in first[4]
            await until(pilot, lambda: app.state.ready, "everything read")
            await pilot.pause()
            assert contents(app) == first
    finally:
        app.saver.close()


async def test_keys_pressed_before_the_data_is_read_wait_for_it_and_none_is_dropped(data_dir, until, monkeypatch):
    returning(data_dir)
    release = threading.Event()
    load = WorkbookState.load

    def slow_load(state: WorkbookState):
        release.wait(30)
        return load(state)

    monkeypatch.setattr(WorkbookState, "load", slow_load)
    app = fast_app(data_dir)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not app.state.ready

            for key in ("c", "x", "y"):  # continue to section 2's answer, and type there, as a terminal sends them
                app.post_message(events.Key(key, key))
            assert not app.state.ready
            release.set()  # only now can the read finish (the keys came before it)
            await until(pilot, lambda: app.screen.name == "section-2" and "y" in app.screen.query_one(AnswerArea).text,
                        "section 2 with the keys typed")
            text = app.screen.query_one(AnswerArea).text
            assert "old words" in text and "xy" in text, text
    finally:
        release.set()
        app.saver.close()


async def test_the_screens_likely_opened_next_are_built_in_a_pause_of_the_keys(data_dir, until):
    returning(data_dir)  # continues at section 2: then section 3 and the game
    app = WorkbookApp(Store(data_dir), head=read_head(data_dir), ahead=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: all(app.is_screen_installed(f"section-{n}") for n in (2, 3, 5)), "screens built ahead")
            assert app.get_screen("section-2").is_running and app.get_screen("section-3").is_running  # composed
            assert not app.get_screen("section-5").is_running  # the game is only made: its gut window waits
            assert not app.is_screen_installed("section-1") and isinstance(app.screen, HomeScreen)
            await pilot.press("2")
            await pilot.pause()
            assert app.screen.name == "section-2" and "old words" in app.screen.query_one(AnswerArea).text
    finally:
        app.saver.close()


async def test_a_key_pressed_on_home_before_the_saved_place_opens_acts_on_home_not_in_the_answer(data_dir, until, monkeypatch):
    """A returning person saw Home, pressed 5 for the game, and the 5 was typed into the answer of the
    section the workbook then opened by itself (their saved place)."""
    returning(data_dir)
    store = Store.open(data_dir)  # they left while in section 2's answer: the workbook opens it again
    store.apply(Changes(position={"screen": "section-2", "field": "what-is.own-words",
                                  "last": {"screen": "section-2", "field": "what-is.own-words"}}))
    store.close()
    release = threading.Event()
    load = WorkbookState.load

    def slow_load(state: WorkbookState):
        release.wait(30)
        return load(state)

    monkeypatch.setattr(WorkbookState, "load", slow_load)
    app = fast_app(data_dir)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen) and not app.state.ready
            app.post_message(events.Key("5", "5"))  # the game, pressed on Home
            for _ in range(100):  # taken (the game then waits for the read, as the app's messages do)
                await asyncio.sleep(0.05)
                if app.navigator._last_key:
                    break
            release.set()
            await until(pilot, lambda: app.screen.name == "section-5", "the game, as asked on Home")
            await pilot.pause(0.3)
            assert app.screen.name == "section-5"  # and the saved place did not open over it
        app.saver.wait()
    finally:
        release.set()
        app.saver.close()
    assert Store.open(data_dir).answers()["what-is.own-words"] == "old words"


async def test_with_no_key_pressed_the_saved_place_opens_by_itself(data_dir, until):
    returning(data_dir)
    store = Store.open(data_dir)
    store.apply(Changes(position={"screen": "section-2", "field": "what-is.own-words",
                                  "last": {"screen": "section-2", "field": "what-is.own-words"}}))
    store.close()
    app = fast_app(data_dir)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.name == "section-2" and app.status_line == "Welcome back", "the saved place")
    finally:
        app.saver.close()
