"""Wording and layout: section 5 reads like the others, My workbook shows the practice, Home fits 60×20."""

from __future__ import annotations

from datetime import datetime, timezone

from textual.widgets import OptionList, Static

from screens.home import HomeScreen
from screens.practice import Card, PracticeScreen, StreakPanel
from screens.review import ReviewScreen
from workbook import practice
from workbook.storage import Changes, Store

NOW = datetime(2026, 4, 9, 9, 0, tzinfo=timezone.utc)


def pick(n: int, day: str, checkin=None, learned: str = "") -> dict:
    return {"id": f"p{n}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
            "at": f"{day}T08:00:00+00:00", "day": day, "clarity": "some", "checkin": checkin, "learned": learned}


def fill(data_dir) -> None:
    store = Store.open(data_dir)
    store.apply(Changes(
        answers={"reframing.pairs": [{"thought": "I always get it wrong.", "reframe": "I am learning what I like, " * 4}]},
        new_picks=[
            pick(1, "2026-04-06", "yes", "I knew before I thought about it."),
            pick(2, "2026-04-08", "not really", "Water would have been kinder today."),
            pick(3, "2026-04-09"),
        ],
        new_decisions=[{"id": "c-1", "prompt": "Which bus to take?", "options": ["the 12", "the 40"]}],
    ))
    store.close()


async def test_section_5_opens_with_the_articles_words_then_the_game(make_app, data_dir):
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PracticeScreen)
        play = screen.query_one("#play")
        first = play.children[0]
        assert "practicing to make decisions" in str(first.render())
        card = screen.query_one(Card)
        # The words are on screen first, whole, and the card below them is on screen too.
        assert first.region.y == 1 and first.region.bottom <= card.region.y
        assert card.region.bottom <= 23
        assert app.focused is card
        panel = str(screen.query_one(StreakPanel).render())
        assert practice.REST_RULE in panel


async def test_the_streak_panel_says_1_day_not_1_days(make_app, data_dir):
    store = Store.open(data_dir)
    store.apply(Changes(new_picks=[pick(1, "2026-04-09")]))
    store.close()
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        panel = str(app.screen.query_one(StreakPanel).render())
        assert "best: 1 day ·" in panel and "1 days" not in panel


async def test_my_workbook_shows_the_practice(make_app, data_dir):
    fill(data_dir)
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        shown = app.screen.shown_text()
        assert "3 days practised · 3 decisions" in shown
        assert "Current streak: 3 days · best: 3 days" in shown  # the 7th is a rest day
        assert "■ practised" in shown and practice.REST_RULE in shown
        assert "6 Apr · Tea or water? → Tea (it aligned): I knew before I thought about it." in shown
        assert "8 Apr · Tea or water? → Tea (not really): Water would have been kinder today." in shown
        assert "Which bus to take? (the 12 / the 40)" in shown
        # A reframe reads with short labels, and its wrapped lines stay under its text, not the bullet.
        assert "Critical thought: I always get it wrong. / Reframe: I am learning" in shown
        entry = [e for e in app.screen.query(".review-entry") if "Critical thought" in str(e.query_one(".text", Static).render())][0]
        text = entry.query_one(".text", Static)
        bullet = entry.query_one(".bullet", Static)
        assert text.region.height > 1  # it wraps at 80 columns
        assert text.region.x == bullet.region.x + 2


async def test_home_at_60x20_shows_the_whole_contents_without_scrolling(make_app, data_dir):
    fill(data_dir)
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        contents = app.screen.query_one("#contents", OptionList)
        body = app.screen.query_one("#body")
        assert body.scroll_y == 0
        assert contents.region.y >= 1 and contents.region.bottom <= 19  # above the key bar
        assert contents.region.height == 7 + 2  # one line a row: nothing wraps
        for index in range(contents.option_count):
            assert contents.get_option_at_index(index).prompt.cell_length <= contents.content_region.width
        # The top bar's title is shortened with "…" when it does not fit.
        await pilot.press("1")
        await pilot.pause(0.8)  # the position's save: the top bar says "✓ saved" beside the streak
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "✓ saved"
        where = app.screen.query_one("TopBar #where", Static)
        shown = "".join(seg.text for seg in where.render_line(0))
        assert shown.rstrip().endswith("…")
        assert "1 · Why is it so hard" in shown


async def test_home_at_60x20_on_a_first_start_keeps_each_row_on_one_line(make_app):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        contents = app.screen.query_one("#contents", OptionList)
        assert contents.region.height == 7 + 2
        rows = [str(contents.get_option_at_index(i).prompt) for i in range(contents.option_count)]
        assert rows[4].endswith("not started") and rows[6].endswith("0 answers")
        assert all(len(row) <= contents.content_region.width for row in rows)


async def test_help_keeps_the_indent_of_wrapped_lines_at_60x20(make_app):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        first = next(line for line in lines if "back to Home (for" in line)
        column = first.index("back to Home (for")
        rows = lines[lines.index(first) : lines.index(first) + 12]
        continued = [line for line in rows if not line[1:column].strip()]
        assert continued  # some descriptions wrap at 60 columns ...
        for line in continued:  # ... under their own first line, not under the keys
            assert line[column] != " " and not line[1:column].strip(), line


async def test_a_notification_never_covers_the_reset_dialogs_field(make_app, data_dir):
    from textual.widgets import Input
    from textual.widgets._toast import Toast

    from screens.confirm import ConfirmReset

    for size in ((60, 20), (80, 24)):
        app = make_app()
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.pause()
            await app.push_screen(ConfirmReset("everything"))  # as My data opens it
            await pilot.pause()
            assert isinstance(app.screen, ConfirmReset)
            for n in range(3):
                app.notify(f"Saved to /a/rather/long/path/to/the/data/folder/exports/my-workbook-{n}.md", timeout=30)
            await pilot.pause()
            field = app.screen.query_one(Input)
            toasts = list(app.screen.query(Toast))
            assert toasts
            for toast in toasts:
                if toast.region.height:
                    assert not toast.region.overlaps(field.region), (size, toast.region, field.region)


async def test_the_default_theme_is_calm_in_16_colours(make_app):
    """TERM=xterm or vt100: Textual's orange accent became bright red on the streak, headings and focus."""
    from rich.color import Color, ColorSystem

    from screens.theme import WORKBOOK

    def ansi(colour: str) -> int:
        return Color.parse(colour).downgrade(ColorSystem.STANDARD).number

    assert ansi(WORKBOOK.accent) == 6  # cyan
    assert ansi(WORKBOOK.primary) == 12  # bright blue
    assert ansi(WORKBOOK.warning) == 11  # bright yellow
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == WORKBOOK.name
        accent = app.current_theme.accent
        assert ansi(accent) not in (1, 9)  # never red


async def test_welcome_back_after_a_single_decision_reads_in_the_singular(make_app, data_dir):
    store = Store.open(data_dir)
    store.apply(Changes(new_picks=[pick(1, "2026-04-01")]))
    store.close()
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        panel = str(app.screen.query_one(StreakPanel).render())
        assert "Every practice counts: your decision is all still here." in panel
        assert "best: 1 day ·" in panel


async def test_my_workbook_shows_new_answers_when_opened_again(make_app):
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert "Listening to myself" not in app.screen.shown_text()
        await pilot.press("escape", "2")
        await pilot.pause()
        app.focused.insert("Listening to myself")
        await pilot.pause()
        await pilot.press("escape", "7")
        await pilot.pause()
        assert "Listening to myself" in app.screen.shown_text()
        shown = [str(s.render()) for s in app.screen.query("#review-2 Static")]
        assert "Listening to myself" in shown  # on screen, not only in the list of lines
        assert len(app.screen.query("#review-2 .review-prompt")) == 5  # rebuilt, not added twice


def row_text(app, number: int) -> str:
    contents = app.screen.query_one("#contents", OptionList)
    return str(contents.get_option_at_index(number - 1).prompt)


async def test_a_tick_is_an_answer_and_home_counts_it(make_app):
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        app.screen.set_focus(app.screen.query("ToggleExercise").first())
        await pilot.press("space")  # "This feels familiar": ticked, nothing written
        await pilot.pause()
        assert "1 of 4 answered" in str(app.screen.query_one("#section-progress").render())
        await pilot.press("escape")
        await pilot.pause()
        assert row_text(app, 1).endswith("■■□□□□□□  1 of 4")
        assert row_text(app, 7).endswith("1 answer so far")


async def test_home_says_decisions_where_it_said_practised(make_app, data_dir):
    store = Store.open(data_dir)
    store.apply(Changes(new_picks=[pick(1, "2026-04-08"), pick(2, "2026-04-09")]))
    store.close()
    for size in [(80, 24), (60, 20)]:
        app = make_app(clock=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            row = row_text(app, 5)
            assert "practised" not in row
            assert row.endswith("2-day streak · 2 decisions" if size == (80, 24) else "2-day streak"), row


async def test_the_card_is_wide_and_keeps_each_option_whole_on_its_line(make_app):
    long = practice.custom_decision({
        "id": "c-l", "prompt": "Dinner tonight?",
        "options": ["Whichever is quickest", "The soup from yesterday", "Something new", "Ask a friend"],
    })
    for size, beside in [((80, 24), True), ((60, 20), False)]:
        app = make_app(clock=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            await pilot.press("5")
            await pilot.pause()
            card = app.screen.query_one(Card)
            card.show(long, 8)
            await pilot.pause()
            await pilot.pause()
            assert card.region.width >= 44, (size, card.region)
            lines = [line.text for line in card.render_lines(card.region.reset_offset)]
            for n, option in enumerate(long.options, 1):
                assert sum(f" {n} {option} " in line for line in lines) == 1, (size, option, lines)
            # On a narrow terminal the streak panel goes below the game, its words all there.
            side, below = app.screen.query_one("#streak-panel"), app.screen.query_one("#streak-below")
            assert side.display is beside and below.display is not beside
            assert practice.REST_RULE in str((side if beside else below).render())


async def test_every_lists_add_button_lines_up_with_the_words_of_its_entries(make_app):
    from textual.geometry import Region

    from screens.fields import LineInput

    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("enter", *"rest")
        await pilot.pause()
        words = app.screen.query(LineInput).first().region.x
        for button in app.screen.query(".add"):
            text = "".join(s.text for s in button.render_lines(Region(0, 0, button.region.width, 1))[0])
            assert button.region.x + text.index("+") == words, (text, button.region)


async def test_continue_shows_its_whole_label_after_the_first_visit(make_app):
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        button = app.screen.query_one("#continue")
        assert str(button.label) == "Continue where you left off (c)"
        text = "".join(s.text for s in button.render_lines(button.region.reset_offset)[0])
        assert "Continue where you left off (c)" in text, text
