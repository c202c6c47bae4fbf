"""The decisions game, played with the keyboard over a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from textual.widgets import Input

from screens.practice import Card, CheckIn, PracticeScreen, StreakPanel
from workbook.storage import Store


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


START = datetime(2026, 4, 6, 9, 0, tzinfo=timezone.utc)


def topbar_streak(app) -> str:
    return str(app.screen.query_one("TopBar #streak").render())


async def open_game(pilot):
    await pilot.press("5")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PracticeScreen)
    return pilot.app.screen.query_one(Card)


async def test_keys_pick_options_and_the_card_has_the_focus(make_app, data_dir):
    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_game(pilot)
        assert app.focused is card
        first = card.decision
        await pilot.press("2")
        await pilot.pause()
        assert card.phase == "clarity"
        assert app.picks[-1]["option"] == first.options[1]
        await pilot.press("3")  # the ping was clear
        await pilot.pause()
        assert card.phase == "choose" and card.decision is not None
        await pilot.press("enter")  # picks the highlighted (first) option
        await pilot.pause()
        await pilot.press("enter")  # skips the clarity question
        await pilot.pause()
        app.saver.wait()
        picks = Store.open(data_dir).picks()
        assert len(picks) == 2
        assert picks[0]["clarity"] == "clear" and picks[1]["clarity"] is None
        assert picks[0]["day"] == "2026-04-06"
        assert "1-day streak" in str(app.screen.query_one(StreakPanel).render())


async def test_countdown_runs_out_and_nothing_is_lost(make_app):
    app = make_app(clock=FakeClock(START))
    app.settings["gut_seconds"] = 0.5
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_game(pilot)
        assert "gut window" in str(card.render())
        await pilot.pause(1.0)
        assert card.remaining == 0
        assert "No pick is information too" in str(card.render())
        assert card._ticker is None  # the bar stops: nothing more is drawn while idle
        await pilot.press("1")
        await pilot.pause()
        assert len(app.picks) == 1


async def test_gut_window_can_be_switched_off_and_is_remembered(make_app, data_dir):
    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_game(pilot)
        await pilot.press("g")
        await pilot.pause()
        assert "Gut window off" in str(card.render())
        app.saver.wait()
        assert Store.open(data_dir).settings()["gut_window"] is False


async def test_check_in_later_with_a_note_and_not_really_still_counts(make_app, data_dir):
    clock = FakeClock(START)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_game(pilot)
        await pilot.press("1", "enter")
        await pilot.pause()
    clock.now += timedelta(days=1)
    again = make_app(clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        card = await open_game(pilot)
        checkins = list(again.screen.query(CheckIn))
        assert len(checkins) == 1  # offered beside the new card, not instead of it
        assert card.decision is not None and again.focused is card
        checkins[0].focus()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"1 more try", "enter")  # digits go into the note, not the card
        await pilot.pause()
        again.saver.wait()
        pick = Store.open(data_dir).picks()[0]
        assert pick["checkin"] == "not really"
        assert pick["learned"] == "1 more try"
        assert len(again.picks) == 1
        panel = str(again.screen.query_one(StreakPanel).render())
        assert "not really 1" in panel and "decisions: 1" in panel


async def test_add_a_decision_of_my_own(make_app, data_dir):
    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_game(pilot)
        app.screen.query_one("#new-prompt").focus()
        await pilot.press(*"Bus or bike 2day?", "enter", *"Bus, Bike", "enter")
        await pilot.pause()
        app.saver.wait()
        decisions = Store.open(data_dir).custom_decisions()
        assert [d["prompt"] for d in decisions] == ["Bus or bike 2day?"]
        assert decisions[0]["options"] == ["Bus", "Bike"]
        assert any(d.custom for d in app.screen.decisions)


async def test_the_streak_shows_in_the_header_of_other_screens(make_app):
    clock = FakeClock(START)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_game(pilot)
        await pilot.press("1", "enter")
        await pilot.pause()
        await pilot.press("escape", "2")
        await pilot.pause()
        assert "1-day streak" in topbar_streak(app)
    clock.now += timedelta(days=1)
    again = make_app(clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await open_game(pilot)
        await pilot.press("1", "enter")
        await pilot.pause()
        await pilot.press("escape", "1")
        await pilot.pause()
        assert "2-day streak" in topbar_streak(again)


async def test_a_kind_welcome_back_after_the_run_ended(make_app):
    clock = FakeClock(START)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_game(pilot)
        await pilot.press("1", "enter", "2", "enter")
        await pilot.pause()
    clock.now += timedelta(days=4)
    again = make_app(clock=clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await open_game(pilot)
        panel = str(again.screen.query_one(StreakPanel).render())
        assert "Welcome back. Every practice counts: your 2 decisions are all still here." in panel
        assert "best: 1" in panel
        for word in ("failed", "lost", "broken"):
            assert word not in panel.lower()


async def test_own_decisions_with_markup_like_text_show_literally(make_app):
    from workbook import practice

    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_game(pilot)
        odd = practice.custom_decision({"id": "c-x", "prompt": "[/] [@click=app.quit]go?", "options": ["[b]x", "[/]"]})
        card.show(odd, 0)
        await pilot.pause()
        shown = str(card.render())
        assert "[/] [@click=app.quit]go?" in shown and "[b]x" in shown
        await pilot.press("2")
        await pilot.pause()
        assert app.is_running and app.picks[-1]["option"] == "[/]"


async def test_a_long_card_grows_so_its_gut_window_line_is_never_cut_off(make_app):
    from workbook import practice

    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_game(pilot)
        short = practice.custom_decision({"id": "c-s", "prompt": "Tea?", "options": ["Yes", "No"]})
        long = practice.custom_decision({
            "id": "c-l",
            "prompt": "Someone offers advice you didn't ask for: listen, thank, or set a limit?",
            "options": ["Listen", "Thank and move on", "Set a gentle limit"],
        })
        card.show(short, 8)
        await pilot.pause()
        short_height = card.size.height
        card.show(long, 8)
        await pilot.pause()
        assert card.size.height > short_height
        lines = [line.text for line in card.render_lines(card.region.reset_offset)]
        assert any("gut window" in line for line in lines)


async def test_skipping_a_check_in_with_x_is_saved_and_the_game_goes_on(make_app, data_dir):
    clock = FakeClock(START)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_game(pilot)
        await pilot.press("1", "enter")
        await pilot.pause()
        assert list(app.screen.query(CheckIn))
        await pilot.press("x")  # from the card: skip the check-in
        await pilot.pause()
        await pilot.pause()
        assert app.is_running and not list(app.screen.query(CheckIn))
        app.saver.wait()
        assert Store.open(data_dir).picks()[0]["checkin"] == "skip"
        await pilot.press("2")  # the next card still takes a pick
        await pilot.pause()
        app.saver.wait()
        assert len(Store.open(data_dir).picks()) == 2


async def test_the_field_with_the_cursor_stays_in_view_when_the_card_above_it_grows(make_app):
    from workbook import practice

    app = make_app(clock=FakeClock(START))
    async with app.run_test(size=(60, 20)) as pilot:
        card = await open_game(pilot)
        await pilot.press("1", "enter")  # a pick: its check-in shows below the card
        await pilot.pause()
        await pilot.press("y")  # "did it align?" yes: the cursor goes to "What did I learn?"
        await pilot.pause()
        await pilot.pause()
        note, play = app.focused, app.screen.query_one("#play")
        view = play.scrollable_content_region
        assert isinstance(note, Input) and view.contains_region(note.region)
        # Scrolled so the note is on the page's last line; then the card above takes more lines
        # (as when its gut window closes on a narrow card) and pushes the note down.
        play.scroll_to(y=play.scroll_y - (view.bottom - 1 - note.region.y), animate=False, immediate=True)
        await pilot.pause()
        assert note.region.bottom == view.bottom
        grown = card.region.height
        card.show(practice.custom_decision({
            "id": "c-l", "prompt": "Someone offers advice you didn't ask for: listen, thank, or set a limit?",
            "options": ["Listen", "Thank and move on", "Set a gentle limit", "Ask a question"],
        }), 0)
        await pilot.pause()
        await pilot.pause()
        assert card.region.height > grown
        assert app.focused is note and view.contains_region(note.region), (note.region, view)
