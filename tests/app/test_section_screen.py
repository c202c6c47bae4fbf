"""Each kind of exercise saves; answers come back after a restart; user text is never markup."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from screens.review import ReviewScreen
from screens.fields import AnswerArea, Choice, LineInput, ToggleExercise
from workbook.storage import Store

MARKUP = ["[/]", "[bold]x", "[@click=app.quit]x", "[link=http://example.com]y[/link]"]


def saved(data_dir: Path, app=None) -> dict:
    """What is on disk, once the app's writer thread has finished what it was handed."""
    if app is not None:
        app.saver.wait()
    return Store.open(data_dir).answers()


async def test_typing_is_saved_within_a_second_without_leaving(make_app, data_dir, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"mine")
        await until(pilot, lambda: saved(data_dir, app).get("what-is.own-words") == "mine", "the autosave")
        assert saved(data_dir, app)["what-is.own-words"] == "mine"


async def test_toggle_and_scale_save_at_once(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        toggle = app.screen.query(ToggleExercise).first()
        toggle.focus()
        await pilot.press("space")
        await pilot.pause()
        assert saved(data_dir, app)["why-hard.unsafe.familiar"] is True
        await pilot.press("space")
        await pilot.pause()
        assert "why-hard.unsafe.familiar" not in saved(data_dir, app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        scale = app.screen.query(Choice).first()
        scale.focus()
        await pilot.press("4")
        await pilot.pause()
        assert saved(data_dir, app)["what-is.connecting.scale"] == 4
        await pilot.press("left")
        await pilot.pause()
        assert saved(data_dir, app)["what-is.connecting.scale"] == 3


async def test_lists_add_edit_choose_and_remove(make_app, data_dir, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        # No needs yet: the cursor is on "Add a need".
        assert "Add a need" in str(app.focused.label)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, LineInput)
        await pilot.press(*"rest", "tab", "right", "right")
        await until(pilot, lambda: saved(data_dir, app).get("needs.needs") == [{"text": "rest", "honour": "saying no or a boundary"}],
                    "the autosave")
        assert saved(data_dir, app)["needs.needs"] == [{"text": "rest", "honour": "saying no or a boundary"}]
        # A second need, then edit the first, then remove the first.
        add = app.screen.query(".add").first()
        add.focus()
        await pilot.press("enter", *"quiet")
        await pilot.pause()
        first = app.screen.query(LineInput).first()
        first.focus()
        await pilot.press("end", *"ful sleep")
        await until(pilot, lambda: saved(data_dir, app)["needs.needs"][0]["text"] == "restful sleep", "the autosave")
        assert [e["text"] for e in saved(data_dir, app)["needs.needs"]] == ["restful sleep", "quiet"]
        app.screen.query(".remove").first().focus()
        await pilot.press("enter")
        await pilot.pause()
        assert saved(data_dir, app)["needs.needs"] == [{"text": "quiet"}]
        assert app.screen.query(LineInput).first().field_id == "needs.needs#0.text"


async def test_inner_reminder_is_prefilled_and_rewritable(make_app, data_dir, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        area = app.screen.query_one(AnswerArea)
        assert area.text == "I can keep myself safe, secure, and valued."
        area.focus()
        await pilot.press("end", *" Always.")
        await until(pilot, lambda: saved(data_dir, app).get("needs.reminder", "").endswith("Always."), "the autosave")
        assert saved(data_dir, app)["needs.reminder"] == "I can keep myself safe, secure, and valued. Always."


async def test_resume_round_trip_same_screen_field_and_text(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", *"walks", "tab", *"noise")
        await pilot.pause()
        await pilot.press("ctrl+q")
    assert app.return_code == 0

    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.screen.name == "section-4"
        focused = again.focused
        assert focused.field_id == "time-with-yourself.dislike"
        assert focused.text == "noise"
        assert focused.cursor_location == (0, 5)  # at the end: a keystroke adds, never replaces
        assert "Welcome back" in again.status_line
        await pilot.press("s")
        assert focused.text == "noises"


async def test_first_run_opens_home_without_welcome(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.name == "home"
        assert "Welcome" not in app.status_line


async def test_continue_goes_back_to_the_last_section(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6", "escape", "c")
        await pilot.pause()
        assert app.screen.name == "section-6"


async def test_markup_like_text_is_shown_literally_everywhere(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6", "enter")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        app.focused.insert_text_at_cursor(" ".join(MARKUP))
        await pilot.press("escape", "1")
        await pilot.pause()
        app.focused.insert("\n".join(MARKUP))
        await pilot.pause()
        await pilot.press("escape", "7")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        shown = app.screen.shown_text()
        for text in MARKUP:
            assert text in shown
        assert app.is_running


async def test_control_characters_are_removed_before_saving(make_app, data_dir, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        app.focused.insert("a\x1b[31mb\x07c\td\ne")
        await until(pilot, lambda: "what-is.own-words" in saved(data_dir, app), "the autosave")
        assert saved(data_dir, app)["what-is.own-words"] == "a[31mbc\td\ne"


async def test_review_lists_answers_section_by_section(make_app, data_dir):
    store = Store.open(data_dir)
    store.save({"what-is.own-words": "Trusting my gut", "needs.wants": [{"text": "a garden", "honour": "self-care"}]})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        shown = app.screen.shown_text()
        assert "Trusting my gut" in shown
        assert "Want: a garden / How I honour it: self-care" in shown
        assert "(not answered yet)" in shown


async def test_the_top_bar_settles_on_saved_after_moving_around(make_app, data_dir, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"abc", "escape", "d")
        await until(pilot, lambda: Store.open(data_dir).position().get("screen") == "data", "the position's save")
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "✓ saved"
        assert Store.open(data_dir).position()["screen"] == "data"


# -- long lists (issue 12): a crafted or long-kept workbook within the caps ---------------------
LONG = 300


def long_lists(data_dir: Path) -> dict:
    """300 entries in each list of sections 3 and 6 (four lists), stored as an import would."""
    answers = {
        key: [{"text": f"{key} {n}", "honour": "self-care"} for n in range(LONG)]
        for key in ("needs.needs", "needs.wants", "needs.desires")
    }
    answers["reframing.pairs"] = [{"thought": f"thought {n}", "reframe": f"reframe {n}"} for n in range(LONG)]
    store = Store.open(data_dir)
    store.save(answers)
    store.close()
    return answers


async def test_a_section_with_long_lists_opens_with_a_bounded_number_of_widgets_and_keeps_every_entry(
    make_app, data_dir, until
):
    answers = long_lists(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert app.screen.name == "section-3"
        # Each entry drawn costs seven widgets: 900 entries would be over 6,000 (minutes to open).
        assert len(list(app.screen.walk_children())) < 600
        more = app.screen.query(".more").first()
        assert "285 not shown yet, all kept" in str(more.label)
        # Typing on "+ Add a need" makes a new, last entry; the 300 before it are all kept.
        app.screen.set_focus(app.screen.query(".add").first())
        await pilot.press(*"new")
        await until(pilot, lambda: len(saved(data_dir, app).get("needs.needs", [])) == LONG + 1, "the autosave")
        await until(pilot, lambda: saved(data_dir, app)["needs.needs"][-1] == {"text": "new"}, "the autosave")
        assert saved(data_dir, app)["needs.needs"][:LONG] == answers["needs.needs"]
        assert app.focused.field_id == f"needs.needs#{LONG}.text"
        # "Show more" draws the next entries, each editable where it stands in the list.
        app.screen.set_focus(more)
        await pilot.press("enter")
        await until(pilot, lambda: any(w.field_id == "needs.needs#39.text" for w in app.screen.query(LineInput)),
                    "the next entries")
        line = next(w for w in app.screen.query(LineInput) if w.field_id == "needs.needs#20.text")
        app.screen.set_focus(line)
        await pilot.press("end", *" more")
        await until(pilot, lambda: saved(data_dir, app)["needs.needs"][20]["text"] == "needs.needs 20 more", "the autosave")
        kept = saved(data_dir, app)
        assert len(kept["needs.needs"]) == LONG + 1
        assert kept["needs.needs"][21:LONG] == answers["needs.needs"][21:]
        assert kept["needs.wants"] == answers["needs.wants"]
        assert "260 not shown yet" in str(app.screen.query(".more").first().label)


async def test_reframing_with_a_long_list_opens_bounded_and_a_new_pair_saves(make_app, data_dir, until):
    answers = long_lists(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        assert app.screen.name == "section-6"
        assert len(list(app.screen.walk_children())) < 300
        app.screen.set_focus(app.screen.query(".add").first())
        await pilot.press(*"kind")
        await until(pilot, lambda: len(saved(data_dir, app).get("reframing.pairs", [])) == LONG + 1, "the autosave")
        await until(pilot, lambda: saved(data_dir, app)["reframing.pairs"][-1].get("thought") == "kind", "the autosave")
        assert saved(data_dir, app)["reframing.pairs"][:LONG] == answers["reframing.pairs"]


async def test_resuming_in_an_entry_not_drawn_yet_puts_the_cursor_on_show_more(make_app, data_dir, until):
    long_lists(data_dir)
    store = Store.open(data_dir)
    store.save(position={"screen": "section-3", "field": "needs.wants#200.text"})
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.name == "section-3" and app.focused is not None, "the resumed section")
        assert app.screen.name == "section-3"
        assert app.focused.has_class("more")
        assert app.focused.parent.field_id == "needs.wants"
        # Typing there draws the next entries and types in the first of them (nothing into the void).
        await pilot.press("!")
        await until(pilot, lambda: saved(data_dir, app)["needs.wants"][15]["text"] == "needs.wants 15!", "the autosave")
        assert app.focused.field_id == "needs.wants#15.text"
