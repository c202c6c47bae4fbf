"""My workbook (section 7) on a large workbook: the newest notes and decisions and the first items of a
list in full, the rest counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from screens.review import SHOWN_IN_FULL, ReviewScreen
from workbook.storage import Changes, Store

NOW = datetime(2026, 4, 9, 9, 0, tzinfo=timezone.utc)
PICKS = 20_000
OWN = SHOWN_IN_FULL + 50
NEEDS = SHOWN_IN_FULL + 70


def fill_large(data_dir) -> None:
    """PICKS decisions practised, each with a check-in note, OWN decisions of one's own, NEEDS needs.

    Stored newest first, so the review has to choose the newest by time, not by place."""
    start = date(2000, 1, 1)
    picks = []
    for n in reversed(range(PICKS)):
        day = (start + timedelta(days=n // 3)).isoformat()
        picks.append({"id": f"p{n}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
                      "at": f"{day}T08:00:{n % 3:02d}+00:00", "day": day, "clarity": "some", "checkin": "yes",
                      "learned": f"note #{n}. I noticed the ping before I thought about it."})
    own = [{"id": f"c-{n}", "prompt": f"Own decision #{n}?", "options": ["this", "that"]} for n in range(OWN)]
    store = Store.open(data_dir)
    needs = [{"text": f"need #{n}.", "honour": "self-care"} for n in range(NEEDS)]
    store.apply(Changes(new_picks=picks, new_decisions=own, answers={"needs.needs": needs}))
    store.close()


async def test_my_workbook_shows_the_newest_in_full_and_counts_the_rest(make_app, data_dir):
    fill_large(data_dir)
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        practice_box = screen.query_one("#review-5")
        # Bounded: the newest notes and own decisions, not one widget per decision ever made.
        assert len(practice_box.query(".review-entry")) == 2 * SHOWN_IN_FULL
        assert len(list(screen.walk_children())) < 20 * SHOWN_IN_FULL
        shown = screen.shown_text()
        assert f"{PICKS:,} decisions" in shown  # the counts are of everything
        earlier = PICKS - SHOWN_IN_FULL
        assert f"the {earlier:,} earlier notes are all kept, and an export from My data has every one." in shown
        assert f"the {OWN - SHOWN_IN_FULL} earlier decisions of your own are all kept" in shown
        # The newest by time, oldest of them first; the earlier ones only counted.
        assert f"note #{PICKS - 1}." in shown and f"note #{earlier}." in shown
        assert f"note #{earlier - 1}." not in shown and "note #0." not in shown
        assert shown.index(f"note #{earlier}.") < shown.index(f"note #{PICKS - 1}.")
        assert f"Own decision #{OWN - 1}?" in shown and f"Own decision #{OWN - SHOWN_IN_FULL}?" in shown
        assert f"Own decision #{OWN - SHOWN_IN_FULL - 1}?" not in shown
        # A long list: its first items, then a line for the others.
        assert len(screen.query_one("#review-3").query(".review-entry")) == SHOWN_IN_FULL
        assert f"need #{SHOWN_IN_FULL - 1}." in shown and f"need #{SHOWN_IN_FULL}." not in shown
        assert (f"The first {SHOWN_IN_FULL} are above; the other {NEEDS - SHOWN_IN_FULL} are all kept, in section 3 "
                "and in an export from My data.") in shown
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_a_small_practice_shows_every_note_without_the_earlier_line(make_app, data_dir):
    store = Store.open(data_dir)
    store.apply(Changes(new_picks=[
        {"id": f"p{n}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea", "at": f"2026-04-0{n + 1}T08:00:00+00:00",
         "day": f"2026-04-0{n + 1}", "clarity": "some", "checkin": "yes", "learned": f"note #{n}."} for n in range(3)
    ]))
    store.close()
    app = make_app(clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        shown = app.screen.shown_text()
        assert "note #0." in shown and "note #2." in shown
        assert "earlier notes" not in shown and "all kept" not in shown


def test_then_and_now_of_a_long_list_shows_its_first_items_and_says_so():
    from screens.review import then_and_now
    from workbook import content

    exercise = next(e for s in content.load().sections for e in s.exercises if e.key == "needs.needs")
    then = [{"text": f"then #{n}.", "honour": "self-care"} for n in range(NEEDS)]
    now = [{"text": f"now #{n}.", "honour": "self-care"} for n in range(3)]
    history = [{"key": "needs.needs", "value": then, "written": None, "replaced": "2026-04-01T08:00:00+00:00", "why": "edit"}]
    shown = then_and_now(exercise, history, now, 74).plain
    assert f"then #{SHOWN_IN_FULL - 1}." in shown and f"then #{SHOWN_IN_FULL}." not in shown and "now #2." in shown
    assert shown.count("\n") < 4 * SHOWN_IN_FULL
    assert f"the first {SHOWN_IN_FULL} items of each here, all of them in the section" in shown
    history[0]["value"] = then[:3]
    assert "the first" not in then_and_now(exercise, history, now, 74).plain
