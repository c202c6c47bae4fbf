"""Earlier versions in the app: the hint under a field, ctrl+e, putting one back, removed items,
undo of a reset that keeps later writing, and My workbook's then and now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from screens.fields import AnswerArea, EntriesExercise
from screens.messages import ResetRequested
from screens.versions import VersionsScreen
from workbook import resets
from workbook.storage import Changes, Store

KEY = "what-is.own-words"
EARLIER = datetime.now(timezone.utc) - timedelta(days=3)


def seed_with_history(data_dir) -> None:
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={KEY: "what I wrote first"}), now=EARLIER)
    store.apply(Changes(answers={KEY: "what I think now"}))


async def test_a_field_with_earlier_versions_says_so_and_ctrl_e_puts_one_back(make_app, data_dir):
    seed_with_history(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        area = app.screen.query_one(AnswerArea)
        area.focus()
        hint = app.screen.query_one(".versions-hint")
        assert hint.display and "1 earlier version · ctrl+e to see it" in str(hint.render())
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, VersionsScreen)
        shown = str(app.screen.query_one("#versions-list").get_option_at_index(0).prompt)
        assert "what I wrote first" in shown and "written" in shown
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.answers[KEY] == "what I wrote first"
        assert app.screen.query_one(AnswerArea).text == "what I wrote first"
        app.saver.wait()
        await pilot.pause()
        assert "2 earlier versions" in str(app.screen.query_one(".versions-hint").render())
    store = Store.open(data_dir)
    assert store.answers()[KEY] == "what I wrote first"
    assert [v["value"] for v in store.versions()] == ["what I wrote first", "what I think now"]


async def test_removing_a_list_item_keeps_it_as_an_earlier_version(make_app, data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={"needs.needs": [{"text": "rest", "honour": "self-care"}]}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.query_one(EntriesExercise).query_one(".remove").focus()
        await pilot.press("enter")
        await pilot.pause()
        app.saver.wait()
        await pilot.pause()
        assert "needs.needs" not in app.answers
        assert "1 earlier version" in str(app.screen.query(".versions-hint").first().render())
    [kept] = Store.open(data_dir).versions()
    assert kept["value"] == [{"text": "rest", "honour": "self-care"}] and kept["why"] == "removed"


async def test_undo_of_a_reset_keeps_what_was_written_after_it(make_app, data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={
        "why-hard.unsafe.reflection": "section one",
        "reframing.pairs": [{"thought": "old thought", "reframe": "old reframe"}],
    }))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(ResetRequested("section", 6))
        await pilot.pause()
        await pilot.pause()
        assert "reframing.pairs" not in app.answers
        await pilot.press("1")
        await pilot.pause()
        area = app.screen.query(AnswerArea).first()
        area.focus()
        await pilot.press(*" and after")
        await pilot.pause(0.7)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"Undo last reset")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.answers["why-hard.unsafe.reflection"] == "section one and after"
        assert app.answers["reframing.pairs"] == [{"thought": "old thought", "reframe": "old reframe"}]
        assert any("What the reset erased is back" in str(n.message) for n in app._notifications)


async def test_my_workbook_shows_then_and_now(make_app, data_dir):
    seed_with_history(data_dir)
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={"what-is.clear.scale": 2}), now=EARLIER)
    store.apply(Changes(answers={"what-is.clear.scale": 4}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        text = app.screen.shown_text()
        assert "Then (" in text and "Now" in text
        assert "what I wrote first" in text and "what I think now" in text
        assert "■■□□□  2" in text and "■■■■□  4" in text


async def test_an_undo_while_the_section_is_open_shows_the_answers_back_in_its_fields(make_app, data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={"time-with-yourself.like": "Alpha like", "time-with-yourself.dislike": "Bravo dislike"}))
    resets.reset(store, "section", 4)  # `workbook reset --section 4`, then the workbook opens on it
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert [area.text for area in app.screen.query(AnswerArea)][:2] == ["", ""]
        await app.undo_reset()  # as the palette's "Undo last reset" does, with section 4 on show
        await pilot.pause()
        texts = [area.text for area in app.screen.query(AnswerArea)]
        assert "Alpha like" in texts and "Bravo dislike" in texts
        app.screen.query(AnswerArea)[1].focus()
        await pilot.press(*" and more")
        await pilot.pause(0.7)
        app.saver.wait()
    answers = Store.open(data_dir).answers()
    assert answers["time-with-yourself.dislike"] == "Bravo dislike and more"


async def test_enter_after_a_reframe_never_lands_on_remove(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        await pilot.press(*"I always mess things up", "tab", *"I am learning", "enter", "enter")
        await pilot.pause()
        app.saver.wait()
        assert app.answers["reframing.pairs"][0] == {"thought": "I always mess things up", "reframe": "I am learning"}
