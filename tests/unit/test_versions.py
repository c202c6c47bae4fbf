"""Earlier versions: when they are kept, two windows, undo of a reset, restore, export and import."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import backups, exchange, resets, versions
from workbook.storage import DB_NAME, Changes, Store
from workbook.text import clean

KEY = "what-is.own-words"
OTHER = "why-hard.unsafe.reflection"
DAY1 = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
DAY2 = DAY1 + timedelta(days=1)


def history(store: Store, key: str = KEY) -> list:
    return [v for v in store.versions() if v["key"] == key]


def test_typing_within_a_day_makes_no_version_and_a_later_day_keeps_one(data_dir):
    store = Store.open(data_dir)
    store.answers()
    for n in range(1, 30):
        store.apply(Changes(answers={KEY: "word " * n}), now=DAY1 + timedelta(minutes=n))
    assert history(store) == []
    store.apply(Changes(answers={KEY: "a new day"}), now=DAY2)
    [kept] = history(store)
    assert kept["value"] == "word " * 29 and kept["why"] == "edit"
    assert versions.describe(kept, DAY2.date()) == "written 3 Mar"
    store.apply(Changes(answers={KEY: "a new day, more"}), now=DAY2 + timedelta(hours=1))
    assert len(history(store)) == 1  # still the same day


def test_a_cleared_answer_on_a_later_day_is_kept(data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={KEY: "keep me"}), now=DAY1)
    store.apply(Changes(answers={KEY: None}), now=DAY2)
    assert store.answers() == {}
    assert [v["value"] for v in history(store)] == ["keep me"]


def test_a_year_of_daily_edits_keeps_at_most_one_version_a_day(data_dir, capsys):
    store = Store.open(data_dir)
    store.answers()
    start = datetime(2025, 1, 1, 8, tzinfo=timezone.utc)
    for day in range(365):
        for edit in range(3):
            store.apply(Changes(answers={KEY: f"day {day} edit {edit} " + "thoughts " * 40}), now=start + timedelta(days=day, hours=edit))
    kept = history(store)
    assert len(kept) == 364  # one a day, for every day but the last (still the current text)
    assert len({versions.local_day(v["replaced"]) for v in kept}) == 364
    with capsys.disabled():
        size = (data_dir / DB_NAME).stat().st_size
        print(f"\n  one field edited daily for a year (~380 characters each): {size:,} bytes")


def test_two_windows_on_one_field_keep_both_texts(data_dir):
    a = Store.open(data_dir)
    b = Store.open(data_dir)
    a.answers()
    b.answers()  # both windows open the field while it is empty
    assert a.apply(Changes(answers={KEY: "from A"})) == []
    kept_b = b.apply(Changes(answers={KEY: "from B"}))  # B never saw "from A"
    assert [(v["value"], v["why"]) for v in kept_b] == [("from A", "window")]
    kept_a = a.apply(Changes(answers={KEY: "from A more"}))  # A never saw "from B"
    assert [(v["value"], v["why"]) for v in kept_a] == [("from B", "window")]
    final = Store.open(data_dir)
    assert final.answers()[KEY] == "from A more"
    assert sorted(v["value"] for v in history(final)) == ["from A", "from B"]
    assert versions.describe(history(final)[0]).startswith("from another window")


def test_a_window_that_read_the_other_windows_save_replaces_it_normally(data_dir):
    a = Store.open(data_dir)
    b = Store.open(data_dir)
    a.answers()
    a.apply(Changes(answers={KEY: "from A"}), now=DAY1)
    b.answers()  # B opened the field after A's save and saw it
    assert b.apply(Changes(answers={KEY: "from A, then B"}), now=DAY1) == []


def test_a_removed_list_item_is_kept(data_dir):
    store = Store.open(data_dir)
    store.answers()
    item = {"text": "rest", "honour": "self-care"}
    store.apply(Changes(answers={"needs.needs": [item]}), now=DAY1)
    store.apply(Changes(answers={"needs.needs": None}, versions=[versions.make("needs.needs", [item], None, "removed", DAY1)]), now=DAY1)
    [kept] = history(store, "needs.needs")
    assert kept["value"] == [item] and versions.describe(kept, DAY1.date()) == "removed from the list on 3 Mar"


def test_putting_back_keeps_the_current_text(data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={KEY: "first"}), now=DAY1)
    store.apply(Changes(answers={KEY: "second"}), now=DAY2)
    store.apply(Changes(answers={KEY: "first"}, keep={KEY: "put-back"}), now=DAY2)
    assert store.answers()[KEY] == "first"
    assert [(v["value"], v["why"]) for v in history(store)] == [("first", "edit"), ("second", "put-back")]


def _answered(folder: Path) -> Store:
    store = Store.open(folder)
    store.answers()
    store.apply(Changes(answers={
        OTHER: "section one, before",
        "reframing.pairs": [{"thought": "old thought", "reframe": "old reframe"}],
        "reframing.extra": "unused key stays",
    }, new_picks=[{"id": "p1", "day": "2026-03-03", "at": "2026-03-03T09:00:00+00:00"}]), now=DAY1)
    return store


def test_undo_of_a_section_reset_puts_back_only_what_it_erased(data_dir):
    store = _answered(data_dir)
    resets.reset(store, "section", 6)
    assert "reframing.pairs" not in store.answers()
    assert [v["why"] for v in history(store, "reframing.pairs")] == ["reset"]  # kept, even before the undo
    store.answers()
    store.apply(Changes(answers={OTHER: "section one, after the reset", "reframing.extra": "newer"}), now=DAY2)
    undone = resets.undo_reset(store)
    answers = store.answers()
    assert answers[OTHER] == "section one, after the reset"  # written after the reset: stays
    assert answers["reframing.pairs"] == [{"thought": "old thought", "reframe": "old reframe"}]  # was empty: back
    assert answers["reframing.extra"] == "newer"  # written after the reset: newer text stays...
    assert "unused key stays" in [v["value"] for v in history(store, "reframing.extra")]  # ...the erased one is a version
    assert undone.kept_newer == 1
    assert history(store, "reframing.pairs") == []  # it is the answer again, not a version
    assert backups.last_reset(store) is None


def test_undo_of_a_game_reset_merges_picks_by_id(data_dir):
    store = _answered(data_dir)
    resets.reset(store, "game")
    store.apply(Changes(new_picks=[{"id": "p2", "day": "2026-03-04", "at": "2026-03-04T09:00:00+00:00"}]), now=DAY2)
    resets.undo_reset(store)
    assert sorted(p["id"] for p in store.picks()) == ["p1", "p2"]


def test_restore_keeps_what_was_written_since_as_versions(data_dir):
    store = _answered(data_dir)
    taken = backups.backup(store, "daily")
    store.answers()
    store.apply(Changes(answers={OTHER: "written after the backup"}), now=DAY1)
    assert backups.restore_would_replace(store, taken.name) == 1
    backups.restore(store, taken.name)
    assert store.answers()[OTHER] == "section one, before"
    assert [(v["value"], v["why"]) for v in history(store, OTHER)] == [("written after the backup", "restore")]


def test_markdown_export_lists_earlier_versions_newest_first(data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={KEY: "first"}), now=DAY1)
    store.apply(Changes(answers={KEY: "second"}), now=DAY2)
    store.apply(Changes(answers={KEY: "third"}), now=DAY2 + timedelta(days=1))
    md = exchange.export_markdown(store, DAY2 + timedelta(days=1), (DAY2 + timedelta(days=1)).date())
    part = md[md.index("> third"):]
    assert "*2 earlier versions:*" in part
    assert part.index("> second") < part.index("> first")
    assert "- written 4 Mar:" in part


version_records = st.lists(
    st.fixed_dictionaries({
        "key": st.sampled_from([KEY, OTHER, "needs.needs"]),
        "value": st.one_of(st.text(max_size=30).map(clean), st.integers(1, 5),
                           st.lists(st.fixed_dictionaries({"text": st.text(max_size=10).map(clean)}), max_size=2)),
        "written": st.one_of(st.none(), st.just("2026-03-03T09:00:00+00:00")),
        "replaced": st.sampled_from(["2026-03-04T09:00:00+00:00", "2026-03-05T10:00:00+00:00"]),
        "why": st.sampled_from(versions.WHY),
    }),
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version_records)
def test_versions_survive_export_and_import_exactly(tmp_path, records):
    name = abs(hash(json.dumps(records, sort_keys=True)))
    store = Store.open(tmp_path / f"a{name}")
    store.answers()
    store.apply(Changes(answers={KEY: "now"}, versions=records), now=DAY1)
    copy = Store.open(tmp_path / f"b{name}")
    exchange.import_data(copy, exchange.parse_export(exchange.export_json(store)))
    assert copy.versions() == store.versions()
    assert copy.written() == store.written()


def test_putting_back_and_forth_keeps_each_text_once(data_dir):
    store = Store.open(data_dir)
    store.answers()
    store.apply(Changes(answers={KEY: "first"}), now=DAY1)
    store.apply(Changes(answers={KEY: "second"}), now=DAY2)
    store.apply(Changes(answers={KEY: "first"}, keep={KEY: "put-back"}), now=DAY2)
    store.apply(Changes(answers={KEY: "second"}, keep={KEY: "put-back"}), now=DAY2)
    store.apply(Changes(answers={KEY: "first"}, keep={KEY: "put-back"}), now=DAY2)
    assert sorted(v["value"] for v in history(store)) == ["first", "second"]


def test_a_scale_changing_back_and_forth_keeps_every_day(data_dir):
    store = Store.open(data_dir)
    store.answers()
    for day, value in enumerate([3, 4, 3, 4]):
        store.apply(Changes(answers={"what-is.clear.scale": value}), now=DAY1 + timedelta(days=day))
    assert [v["value"] for v in history(store, "what-is.clear.scale")] == [3, 4, 3]
