"""Keys and screens: 1-7 on Home, ctrl+n / ctrl+p, escape, F1 and ?, Enter on the contents."""

from __future__ import annotations

from textual.widgets import OptionList

from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.review import ReviewScreen
from screens.section import SectionScreen
from screens.fields import AnswerArea
from workbook import content


def texts(screen) -> str:
    return "\n".join(str(p.content) for p in screen.query("Paragraph, PassageText"))


async def test_home_shows_title_credit_intro_contents_and_care_note(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        shown = texts(app.screen)
        wb = content.load()
        assert wb.title in shown and wb.credit in shown
        for paragraph in wb.intro:
            assert paragraph in shown
        assert "not a substitute for therapy" in shown
        contents = app.screen.query_one("#contents", OptionList)
        assert contents.option_count == 7
        assert "0 of 4" in str(contents.get_option_at_index(0).prompt)
        assert app.focused is contents


async def test_keys_one_to_seven_open_each_section_with_its_article_text(make_app):
    app = make_app()
    wb = content.load()
    async with app.run_test(size=(80, 24)) as pilot:
        for number in range(1, 8):
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press(str(number))
            await pilot.pause()
            assert app.screen.name == f"section-{number}"
            if number == 7:
                assert isinstance(app.screen, ReviewScreen)
                continue
            shown = texts(app.screen)
            for passage in wb.section(number).passages:
                for paragraph in passage.paragraphs:
                    assert paragraph in shown


async def test_ctrl_n_and_ctrl_p_move_between_sections_even_while_typing(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.focused, AnswerArea)
        await pilot.press("h", "i", "ctrl+n")
        await pilot.pause()
        assert app.screen.name == "section-2"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.name == "section-3"
        await pilot.press("ctrl+p", "ctrl+p")
        await pilot.pause()
        assert app.screen.name == "section-1"
        assert app.answers["why-hard.unsafe.reflection"] == "hi"


async def test_escape_returns_home_and_enter_opens_from_contents(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.name == "section-2"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_f1_and_question_mark_show_help_but_question_mark_types_in_fields(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "4")
        await pilot.pause()
        await pilot.press("w", "h", "y", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        assert app.focused.text == "why?"


async def test_a_section_opens_in_its_first_unanswered_field_with_the_title_in_view(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "a", "tab", "b")
        await pilot.pause()
        await pilot.press("escape", "4")
        await pilot.pause()
        assert app.focused.field_id == "time-with-yourself.dislike"  # a second visit: where the person was
    app = make_app()  # a new start: the first visit to section 4 in it
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert app.focused.field_id == "time-with-yourself.interests"
        where = app.screen.query_one("TopBar #where")
        assert "Spending time with yourself" in str(where.render())
        assert where.region.y == 0


async def test_palette_is_not_on_ctrl_p(make_app):
    app = make_app()
    assert app.COMMAND_PALETTE_BINDING != "ctrl+p"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(app.COMMAND_PALETTE_BINDING)
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


async def test_a_section_screen_is_built_once_and_kept(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        built = app.screen
        await pilot.press("ctrl+n", "escape", "2")
        await pilot.pause()
        assert app.screen is built


async def test_ctrl_g_goes_home_even_from_a_text_field(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "a", "ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_below_60_by_20_a_notice_replaces_the_layout(make_app):
    from screens.too_small import TooSmallScreen

    app = make_app()
    async with app.run_test(size=(59, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "at least 60×20 (it is 59×24 now)" in str(app.screen.query_one("#too-small-text").render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.resize_terminal(80, 19)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_the_high_contrast_theme_is_remembered(make_app, data_dir):
    from screens.theme import HIGH_CONTRAST

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = HIGH_CONTRAST.name
        await pilot.pause()
        await pilot.press("ctrl+q")
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == HIGH_CONTRAST.name


async def test_cursor_blink_is_off_by_default_and_a_remembered_setting_turns_it_on(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert app.focused.cursor_blink is False
        app.toggle_blink()
        await pilot.pause()
        assert app.focused.cursor_blink is True
        await pilot.press("ctrl+q")
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "4")
        await pilot.pause()
        assert again.focused.cursor_blink is True


async def test_the_palette_has_the_main_actions(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for number in range(1, 8):
            assert any(t.startswith(f"Open section {number}:") for t in titles)
        for wanted in ("Export as Markdown", "Export as JSON", "Reset…", "Help: keys", "Theme: high contrast", "Cursor blink on"):
            assert wanted in titles


async def test_the_palette_has_no_entry_that_repeats_another_or_does_not_fit(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")  # an answer box has the focus: Textual would offer "Maximize" for it
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles))
        # Textual's own: Keys repeats "Help: keys", Maximize does not fit, Screenshot writes your answers out.
        for unwanted in ("Keys", "Maximize", "Minimize", "Screenshot", "Theme"):
            assert unwanted not in titles
        assert "Quit" in titles and "Theme: choose from all" in titles
        await pilot.press("ctrl+o", *"maximize")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_the_key_bar_and_help_say_ctrl_p_is_the_previous_section_and_ctrl_o_the_palette(make_app):
    from screens.help import HelpScreen
    from screens.widgets import KeyBar

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert ("^o", "Palette") in app.screen.query_one(KeyBar).items()
        await pilot.press("2")
        await pilot.pause()
        assert ("^n/^p", "Next/prev section") in app.screen.query_one(KeyBar).items()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        said = " ".join(str(w.render()) for w in app.screen.query(".help-what"))
        assert "previous section, also while typing (ctrl+p is not the command palette here: that is ctrl+o)" in said
        assert "command palette (on ctrl+o, as ctrl+p is the previous section)" in said


async def test_keys_typed_while_a_section_opens_land_in_its_field(make_app):
    import asyncio

    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        opening = asyncio.create_task(app.run_action("open_section(4)"))
        await asyncio.sleep(0)  # the screen is being built ...
        for ch in "quick":  # ... when the keys arrive, as over a slow link or on a busy machine
            app.post_message(events.Key(ch, ch))
        await opening
        await pilot.pause()
        assert app.screen.name == "section-4"
        assert app.focused.text == "quick"


async def test_a_burst_of_keys_with_tab_fills_two_fields(make_app):
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "enter")  # section 3, add a need
        await pilot.pause()
        for key, char in [("r", "r"), ("e", "e"), ("s", "s"), ("t", "t"), ("tab", "\t"), ("3", "3")]:
            app.post_message(events.Key(key, char))  # one burst, as from a fast typist or one SSH packet
        await pilot.pause()
        await pilot.pause()
        assert app.answers["needs.needs"] == [{"text": "rest", "honour": "self-compassion"}]


async def test_a_burst_of_keys_opening_a_section_types_into_it(make_app):
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key in ["4", "h", "i"]:
            app.post_message(events.Key(key, key))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.name == "section-4"
        assert app.answers.get("time-with-yourself.like") == "hi"


async def test_continue_goes_back_to_the_last_section_not_to_my_data(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("escape", "d")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.name == "section-3"
