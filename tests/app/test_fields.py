"""Where typing goes: the focus you can see, nothing typed into the void, the cursor's line on
screen, each section's place kept, and every key declared once (key bar, help, README)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual import events
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.dom import DOMNode
from textual.scroll_view import ScrollView
from textual.widgets import Static

import screens
from screens.fields import AnswerArea, Choice, EntriesExercise, LineInput, ScaleChoice, ToggleExercise
from screens.help import HelpScreen, declared_bindings, key_groups, key_table_markdown
from screens.practice import Card, CheckIn, PracticeScreen
from screens.widgets import KEY_BAR_PAIRS, KeyBar, key_label

START = datetime(2026, 4, 6, 9, 0, tzinfo=timezone.utc)
README = Path(__file__).resolve().parents[2] / "README.md"


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def bar(app) -> list[tuple[str, str]]:
    return app.screen.query_one(KeyBar).items()


# -- 1. focus you can see; no container is a Tab stop ------------------------------------------
async def test_a_focused_tick_and_choice_carry_a_mark_that_needs_no_colour(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        tick = app.screen.query(ToggleExercise).first()
        assert not str(tick.render()).startswith("›")
        app.screen.set_focus(tick)
        await pilot.pause()
        assert str(tick.render()).startswith("› [ ]")
        await pilot.press("ctrl+n")
        await pilot.pause()
        scale = app.screen.query(ScaleChoice).first()
        assert not str(scale.render()).startswith("›")
        app.screen.set_focus(scale)
        await pilot.pause()
        assert str(scale.render()).startswith("› ")


@pytest.mark.parametrize("keys", [["1"], ["2"], ["3"], ["4"], ["5"], ["6"], [], ["d"]])
async def test_tab_and_shift_tab_never_stop_on_a_container(make_app, keys):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.pause()
        seen = []
        for key in ["tab"] * 14 + ["shift+tab"] * 14:
            await pilot.press(key)
            seen.append(app.focused)
        assert all(w is not None for w in seen)
        pages = [w for w in seen if isinstance(w, ScrollableContainer) and not isinstance(w, ScrollView)]
        assert pages == []


async def test_the_page_scrolls_so_the_focused_field_is_fully_visible_above_the_key_bar(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        body = app.screen.query_one("#body")
        for _ in range(8):
            await pilot.press("tab")
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            region = app.focused.region
            assert body.region.contains_region(region), (app.focused, region, body.region)
            assert region.bottom <= app.screen.query_one(KeyBar).region.y


# -- 2. nothing typed into the void -------------------------------------------------------------
SENTENCE = "I learned to keep quiet, and now I speak up! (mostly)"


async def test_a_sentence_typed_with_a_tick_focused_lands_whole_in_its_answer_box(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        tick = app.screen.query(ToggleExercise).first()
        app.screen.set_focus(tick)
        await pilot.pause()
        await pilot.press(*SENTENCE)  # one burst: the keys come faster than the focus moves
        await pilot.pause()
        area = app.screen.query(AnswerArea).first()
        assert app.focused is area
        assert area.text == SENTENCE
        assert tick.value is False  # no letter ticked it
        await pilot.press("shift+tab", "space")  # its own key still ticks
        await pilot.pause()
        assert tick.value is True and area.text == SENTENCE


async def test_letters_on_a_scale_go_to_its_note_and_its_digits_still_choose(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        scale = app.screen.query(ScaleChoice).first()
        app.screen.set_focus(scale)
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        assert scale.value == 3 and app.focused is scale
        await pilot.press(*"some days 7")
        await pilot.pause()
        note = app.focused
        assert isinstance(note, AnswerArea) and note.text == "some days 7"
        chain = app.screen.focus_chain
        assert chain.index(note) == chain.index(scale) + 1  # the box that belongs to the scale


async def test_typing_on_a_list_goes_to_its_entry_and_on_add_starts_a_new_entry(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        needs = app.screen.query(EntriesExercise).first()
        app.screen.set_focus(needs.query_one(".add"))
        await pilot.pause()
        await pilot.press(*"rest well")
        await pilot.pause()
        line = app.focused
        assert isinstance(line, LineInput) and line.value == "rest well"
        choice = needs.query(Choice).first()
        app.screen.set_focus(choice)
        await pilot.press("2", *" ok")
        await pilot.pause()
        assert choice.value == 1
        assert app.focused is line and line.value == "rest well ok"
        assert needs.value() == [{"text": "rest well ok", "honour": "saying no or a boundary"}]


def burst(app, keys: list[str]) -> None:
    """Keys posted all at once, with no pause between them: a fast typist, or one SSH packet."""
    for key in keys:
        char = {"space": " ", "tab": "\t", "enter": "\r"}.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, char))


@pytest.mark.parametrize("start", ["typing on Add", "enter on Add"])
@pytest.mark.parametrize("move", ["tab", "enter"])
async def test_keys_typed_while_the_cursor_moves_in_a_list_go_to_the_field_it_moves_to(make_app, start, move):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        needs = app.screen.query(EntriesExercise).first()
        app.screen.set_focus(needs.query_one(".add"))
        await pilot.pause()
        # "Time out", then tab (or enter) and 3 at once: the 3 chooses "self-compassion" in the
        # new entry's next field; it is never typed on the end of the line ("Time out3").
        first = ["enter"] if start == "enter on Add" else []
        burst(app, [*first, "T", "i", "m", "e", "space", "o", "u", "t", move, "3"])
        for _ in range(4):
            await pilot.pause()
        assert needs.value() == [{"text": "Time out", "honour": "self-compassion"}]
        assert isinstance(app.focused, Choice)


async def test_a_choice_typed_just_before_tabs_goes_to_the_choice_not_to_a_new_entry(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        needs = app.screen.query(EntriesExercise).first()
        app.screen.set_focus(needs.query_one(".add"))
        await pilot.press("enter")
        await pilot.pause()
        # Textual looks a focused widget's keys up only once the key comes back up from it, by
        # when the tabs after the 3 have moved the focus on to Add (where a 3 starts an entry).
        burst(app, ["r", "e", "s", "t", "tab", "3", "tab", "tab"])
        for _ in range(4):
            await pilot.pause()
        assert needs.value() == [{"text": "rest", "honour": "self-compassion"}]
        assert app.focused.has_class("add")


async def test_keys_typed_right_after_removing_an_entry_do_not_go_into_the_removed_line(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        needs = app.screen.query(EntriesExercise).first()
        app.screen.set_focus(needs.query_one(".add"))
        await pilot.press("enter", *"rest", "tab", "tab")  # on the entry's Remove
        await pilot.pause()
        assert app.focused.has_class("remove")
        burst(app, ["enter", "s", "l", "e", "e", "p"])  # remove it, then type on Add: a new entry
        for _ in range(4):
            await pilot.pause()
        assert needs.value() == [{"text": "sleep"}]
        assert isinstance(app.focused, LineInput) and app.focused.value == "sleep"


async def test_where_nothing_can_be_typed_a_hint_says_which_keys_work(make_app):
    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        card = app.screen.query_one(Card)
        first = card.decision
        key_bar = app.screen.query_one(KeyBar)
        await pilot.press("z")
        await pilot.pause()
        hint = str(key_bar.render())
        assert "Nothing to type here" in hint and "1-4 Pick" in hint and "s Skip" in hint
        assert len(hint.splitlines()) == 1 and len(hint) <= 78
        assert card.decision is first and card.phase == "choose"
        app.screen._hint_over()  # a few seconds later: the keys again
        await pilot.pause()
        assert str(key_bar.render()).startswith("1-4 Pick")


# -- 3. the line you type is on screen ----------------------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("how", ["typed", "pasted"])
async def test_forty_lines_in_an_answer_box_keep_the_cursor_line_above_the_key_bar(make_app, size, how):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("1")
        await pilot.pause()
        area = app.focused
        assert isinstance(area, AnswerArea)
        lines = [f"line {n}" for n in range(1, 41)]
        if how == "typed":
            # The first lines arrive at once (typing 300 keys one frame each took 30 s); the box is
            # already taller than the page when the last ones are typed, key by key.
            app.post_message(events.Paste("\n".join(lines[:32]) + "\n"))
            await pilot.pause()
            for line in lines[32:]:
                await pilot.press(*line, "enter")
        else:
            app.post_message(events.Paste("\n".join(lines) + "\n"))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        x, y = area.cursor_screen_offset
        key_bar = app.screen.query_one(KeyBar).region
        body = app.screen.query_one("#body").region
        assert area.cursor_location == (40, 0)
        assert body.y <= y < key_bar.y and y < size[1] - 1
        assert area.region.bottom <= key_bar.y  # the whole box, its border too
        assert area.region.y >= body.y
        assert area.region.height >= body.height - 3  # it grew to the room the page has, then scrolled


# -- 4. each section remembers its place --------------------------------------------------------
@pytest.mark.parametrize(
    "away, back",
    [(["ctrl+n"], ["ctrl+p"]), (["escape"], ["1"]), (["ctrl+g"], ["1"]), (["ctrl+p"], ["1"]), (["escape", "3"], ["escape", "1"])],
)
async def test_leaving_and_coming_back_keeps_the_field_and_the_cursor(make_app, away, back):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("tab", "tab", *"first line", "enter", *"abc def", "left", "left", "left")
        await pilot.pause()
        area = app.focused
        field = area.field_id
        assert field != app.screen.query(AnswerArea).first().field_id  # not the first unanswered
        assert area.cursor_location == (1, 4)
        for key in away:
            await pilot.press(key)
            await pilot.pause()
        assert app.screen.name != "section-1"
        for key in back:
            await pilot.press(key)
            await pilot.pause()
        assert app.screen.name == "section-1"
        assert app.focused.field_id == field
        assert app.focused.cursor_location == (1, 4)
        await pilot.press("X")
        assert app.focused.text == "first line\nabc Xdef"


async def test_a_line_field_keeps_its_cursor_column_too(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.set_focus(app.screen.query(".add").first())
        await pilot.press("enter", *"walks", "left", "left")
        await pilot.pause()
        line = app.focused
        assert isinstance(line, LineInput) and line.cursor_position == 3
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.focused is line and line.cursor_position == 3


async def test_the_game_keeps_its_place_too(make_app):
    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        prompt = app.screen.query_one("#new-prompt")
        app.screen.set_focus(prompt)
        await pilot.press(*"Tea now?", "left")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.focused is prompt and prompt.cursor_position == 7


# -- 5. keys declared once ---------------------------------------------------------------------
async def settle(pilot) -> None:
    """Let the key press, the focus change it makes and the key bar's redraw after it all run."""
    for _ in range(3):
        await pilot.pause()


async def test_the_game_key_bar_follows_its_phase(make_app):
    clock = FakeClock(START)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        keys = bar(app)
        assert keys[:3] == [("1-4", "Pick"), ("s", "Skip"), ("g", "Gut window")]
        await pilot.press("1")
        await settle(pilot)
        keys = bar(app)
        assert keys[:2] == [("1-3", "How clear"), ("enter", "Skip question")]
        assert ("1-4", "Pick") not in keys and ("s", "Skip") not in keys
        await pilot.press("enter")
        await settle(pilot)
        assert bar(app)[:3] == [("1-4", "Pick"), ("s", "Skip"), ("g", "Gut window")]
        app.screen.set_focus(app.screen.query_one("#new-prompt"))
        await pilot.pause()
        await pilot.pause()
        assert bar(app)[:2] == [("enter", "Save"), ("esc", "Leave field")]
        await pilot.press("escape")  # leaves the field, not the game
        await pilot.pause()
        assert isinstance(app.screen, PracticeScreen) and isinstance(app.focused, Card)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.name == "home"
    clock.now += timedelta(days=1)
    again = make_app(clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert ("y/p/n/x", "Check in") in bar(again)
        again.screen.set_focus(again.screen.query_one(CheckIn))
        await pilot.pause()
        await pilot.pause()
        assert bar(again)[:4] == [("y", "Yes"), ("p", "Partly"), ("n", "Not really"), ("x", "Skip")]


async def test_check_in_keys_work_from_the_card(make_app):
    clock = FakeClock(START)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("1", "enter")
        await pilot.pause()
    clock.now += timedelta(days=1)
    again = make_app(clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(again.focused, Card)
        await pilot.press("p")
        await pilot.pause()
        assert again.picks[0]["checkin"] == "partly"
        assert again.screen.query_one("#new-prompt").value == ""
        await pilot.press(*"it was ok", "enter")  # its note has the cursor now
        await pilot.pause()
        assert again.picks[0]["learned"] == "it was ok"
        assert isinstance(again.focused, Card)


def our_classes() -> list[type]:
    """Every screen and widget class in the screens package, and the app."""
    found = []
    names = [f"screens.{m.name}" for m in pkgutil.iter_modules(screens.__path__)]
    for name in names:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, DOMNode):
                found.append(cls)
    return found


def covers(keys: str, label: str) -> bool:
    """Whether a help row's keys ("1 … 7", "escape / F1 / q / ?") include a binding's key."""
    if label in keys:
        return True
    span = re.fullmatch(r"(\d) … (\d)", keys)
    return bool(span and label.isdigit() and int(span[1]) <= int(label) <= int(span[2]))


async def test_help_lists_every_binding_of_every_screen_and_widget(make_app):
    declared = {cls for _, cls, _ in declared_bindings()}
    for cls in our_classes():
        if "BINDINGS" in cls.__dict__ and cls.__dict__["BINDINGS"]:
            assert cls in declared, f"{cls.__name__} declares keys that help does not list"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = [
            (str(row.query_one(".help-keys", Static).render()), str(row.query_one(".help-what", Static).render()))
            for row in app.screen.query(".help-row")
        ]
        groups = [str(w.render()) for w in app.screen.query(".help-group")]
        total = 0
        for title, cls, bindings in declared_bindings():
            assert title in groups
            for binding in bindings:
                total += 1
                label = key_label(binding, short=False)
                what = binding.tooltip or binding.description
                assert any(
                    covers(keys, label)
                    and (what in text or binding.description.lower() in text.lower() or what.rstrip("0123456789 ") in text)
                    for keys, text in rows
                ), (cls.__name__, binding)
        assert total >= 40


def test_readme_key_table_is_the_one_help_makes():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Keys", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == key_table_markdown(), "README's key table is out of date: python -m screens.help prints the new one"


async def test_every_key_bar_item_is_a_declared_binding(make_app):
    """The key bar shows bindings only (or a screen's own extra hints): nothing help lacks."""
    declared = [b for _, _, bindings in declared_bindings() for b in bindings]
    described = {(key_label(b), b.description) for b in declared}
    groups = {b.group.description for b in declared if b.group is not None}
    by_words = {b.description: key_label(b) for b in declared}
    described |= {(f"{by_words[a]}/{by_words[b]}", words) for (a, b), words in KEY_BAR_PAIRS.items()}
    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(120, 24)) as pilot:  # wide: every item shows
        checked = 0
        for keys in (["escape"], ["1"], ["shift+tab"], ["2"], ["3"], ["tab"], ["5"], ["1"], ["escape", "d"], ["escape", "7"]):
            await pilot.press(*keys)
            await pilot.pause()
            await pilot.pause()
            key_bar = app.screen.query_one(KeyBar)
            for item in key_bar.items():
                checked += 1
                assert item in described or item[1] in groups or item in key_bar.extra, (app.screen.name, item)
        assert checked > 50


def test_a_new_binding_on_an_answer_box_reaches_help(monkeypatch):
    """Adding a key to a field is all it takes: help (and so the README check) picks it up."""
    extra = Binding("ctrl+e", "versions", "Earlier versions", tooltip="earlier versions of this answer")
    monkeypatch.setattr(AnswerArea, "BINDINGS", [extra], raising=False)
    rows = dict(key_groups())
    assert any(row.keys == "ctrl+e" and row.what == "earlier versions of this answer" for row in rows["In an answer box"])
    assert re.search(r"\| In an answer box \| `ctrl\+e` \| earlier versions of this answer \|", key_table_markdown())


async def test_the_field_with_the_cursor_stays_in_view_when_the_terminal_shrinks(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        body = app.screen.query_one("#body")
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
        field = app.focused
        assert body.scrollable_content_region.contains_region(field.region)
        await pilot.resize_terminal(60, 20)  # the text above rewraps into more lines
        for _ in range(3):
            await pilot.pause()
        assert app.focused is field
        assert body.scrollable_content_region.contains_region(field.region), (field, field.region, body.scrollable_content_region)
