"""WorkbookState and the typed records: everything a person does, without any interface."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from workbook import content, practice
from workbook.records import Decision, Pick, Place, Position
from workbook.state import WorkbookState
from workbook.storage import Changes, Store
from workbook.text import MAX_ANSWER_CHARS

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
KEY = "why-hard.unsafe.reflection"


def clock() -> datetime:
    return NOW


@pytest.fixture
def store(tmp_path: Path):
    store = Store.open(tmp_path / "data")
    yield store
    store.close()


def saved(store: Store, state: WorkbookState, changes: Changes) -> WorkbookState:
    """Apply ``changes`` and read a fresh state, as the next start would."""
    store.apply(changes)
    return WorkbookState(store, clock=clock)


def test_an_answer_is_cleaned_saved_and_read_back(store):
    state = WorkbookState(store, clock=clock)
    changes = state.set_answer(KEY, "one\x1b[31m two\x07")
    assert state.answers[KEY] == "one[31m two"
    assert changes.answers == {KEY: "one[31m two"}
    assert saved(store, state, changes).answers[KEY] == "one[31m two"


def test_an_empty_answer_clears_it(store):
    state = WorkbookState(store, clock=clock)
    store.apply(state.set_answer(KEY, "something"))
    changes = state.set_answer(KEY, "")
    assert KEY not in state.answers and changes.answers == {KEY: None}
    assert KEY not in saved(store, state, changes).answers


def test_a_long_answer_is_capped_with_a_note(store):
    state = WorkbookState(store, clock=clock)
    changes = state.set_answer(KEY, "x" * (MAX_ANSWER_CHARS + 5))
    assert len(changes.answers[KEY]) == MAX_ANSWER_CHARS
    notes = state.take_notes()
    assert len(notes) == 1 and f"{MAX_ANSWER_CHARS:,}" in notes[0]
    assert state.take_notes() == []


def test_a_removed_list_item_is_kept_as_an_earlier_version(store):
    state = WorkbookState(store, clock=clock)
    store.apply(state.set_answer("needs.needs", [{"text": "rest", "honour": ""}, {"text": "tea", "honour": ""}]))
    changes = state.remove_list_item("needs.needs", [{"text": "rest", "honour": ""}], {"text": "tea", "honour": ""})
    again = saved(store, state, changes)
    assert again.answers["needs.needs"] == [{"text": "rest", "honour": ""}]
    assert [v["value"] for v in again.versions["needs.needs"]] == [{"text": "tea", "honour": ""}]
    assert again.versions["needs.needs"][0]["why"] == "removed"


def test_put_back_keeps_the_replaced_text(store):
    state = WorkbookState(store, clock=clock)
    store.apply(state.set_answer(KEY, "newer"))
    changes = state.put_back(KEY, "older")
    assert changes.keep == {KEY: "put-back"}
    kept = store.apply(changes)
    assert state.kept_versions(kept)
    assert state.answers[KEY] == "older" and state.versions[KEY][-1]["value"] == "newer"


def test_collect_saves_only_what_differs(store):
    state = WorkbookState(store, clock=clock)
    store.apply(state.set_answer(KEY, "same"))
    changes = state.collect({KEY: "same", "what-is.own-words": "typed\x00 late"})
    assert changes.answers == {"what-is.own-words": "typed late"}
    assert not state.collect({KEY: "same"})


def test_a_pick_its_check_in_and_note_round_trip_as_records(store):
    state = WorkbookState(store, clock=clock)
    pick = Pick.new(practice.deck()[0], 1, NOW)
    changes = state.add_pick(pick)
    changes = changes.merge_under(state.clarity(pick.id, "clear"))
    changes = changes.merge_under(state.check_in(pick.id, "yes"))
    changes = changes.merge_under(state.learned(pick.id, "tea\x1b was right"))
    assert state.picks[-1].checkin == "yes" and state.picks[-1].learned == "tea was right"
    again = saved(store, state, changes)
    assert again.picks == [pick]
    assert isinstance(again.picks[0], Pick) and again.picks[0].option == practice.deck()[0].options[1]
    assert again.picks[0]["checkin"] == "yes"  # a record reads as its stored form too
    assert again.streak.current == 1 and again.streak_line


def test_own_decisions_join_the_deck(store):
    state = WorkbookState(store, clock=clock)
    decision = Decision.new("Bus or bike?", ["Bus", "Bike"])
    again = saved(store, state, state.add_decision(decision))
    assert again.decisions == [decision]
    assert again.deck()[-1] == practice.Decision(decision.id, 1, "Bus or bike?", ("Bus", "Bike"), custom=True)


def test_settings_are_remembered(store):
    state = WorkbookState(store, clock=clock)
    assert saved(store, state, state.set_setting("gut_window", False)).settings["gut_window"] is False


def test_moving_remembers_the_place_to_continue_from(store):
    state = WorkbookState(store, clock=clock)
    assert not state.has_position()
    store.apply(state.move_to("section-2", "what-is.own-words"))
    changes = state.move_to("home")
    assert state.position == Position("home", None, Place("section-2", "what-is.own-words"))
    again = saved(store, state, changes)
    assert again.has_position() and again.resume == state.position
    assert not again.move_to("home")  # nothing changed, nothing to save


def test_records_keep_fields_they_do_not_know():
    doc = {"id": "p", "day": "2026-05-04", "mood": "calm", "checkin": None}
    pick = Pick.from_dict(doc)
    assert pick.extra == {"mood": "calm"} and pick.to_dict()["mood"] == "calm"
    assert Decision.from_dict({"id": "c", "prompt": "?", "options": ["a", "b"], "x": 1}).to_dict()["x"] == 1


def test_reset_and_undo_go_through_the_store(store):
    state = WorkbookState(store, clock=clock)
    store.apply(state.set_answer(KEY, "keep me"))
    state.reset("all")
    assert state.answers == {}
    state.undo_reset()
    assert state.answers[KEY] == "keep me"


def test_another_windows_save_is_read_again_with_a_note(store, tmp_path):
    state = WorkbookState(store, clock=clock)
    store.apply(state.set_answer(KEY, "mine"))
    other = Store.open(tmp_path / "data")
    other.apply(Changes(answers={KEY: "theirs"}))  # other has never read "mine": it is kept as "window"
    other.close()
    state.reload()
    assert state.answers[KEY] == "theirs"
    assert any("Another window saved" in note for note in state.take_notes())


def test_the_practice_and_the_review_come_from_the_content_file():
    workbook = content.load()
    assert [s.number for s in workbook.sections if s.kind == "practice"] == [workbook.practice_number]
    assert workbook.review.kind == "review" and workbook.review.title == "My workbook"
    assert workbook.review_number == workbook.last_number
    assert workbook.review not in workbook.sections
    moved = content.parse({
        "title": "t", "credit": "c", "intro": [], "care_note": "",
        "sections": [
            {"number": 1, "id": "a", "title": "A", "kind": "practice", "blocks": []},
            {"number": 2, "id": "r", "title": "Read back", "kind": "review", "blocks": []},
        ],
    })
    assert moved.practice_number == 1 and moved.review_number == 2 and moved.review.title == "Read back"
    with pytest.raises(content.ContentError):
        content.parse({"title": "t", "credit": "c", "intro": [], "care_note": "",
                       "sections": [{"number": 1, "id": "a", "title": "A", "kind": "odd", "blocks": []}]})
