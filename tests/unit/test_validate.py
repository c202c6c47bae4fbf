"""The one validator for data that comes in: each table's checks, cleaning, limits, and what
imports, restores and a file changed underneath do with bad data. No UI."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screens.review import answer_lines
from workbook import backups, content, exchange, practice, status, storage, validate
from workbook.progress import section_progress
from workbook.storage import Changes, DamagedData, Store
from workbook.backups import TransferError

EXPORT = {
    "format": exchange.EXPORT_FORMAT, "version": 1, "schema": 1, "exported_at": "2026-05-04T08:00:00+00:00",
    "answers": {
        "why-hard.unsafe.reflection": "Line one\nLine [bold]two[/] 🌱",
        "why-hard.unsafe.familiar": True,
        "what-is.clear.scale": 4,
        "needs.needs": [{"text": "rest", "honour": "self-care"}],
        "reframing.pairs": [{"thought": "I never get it right", "reframe": "I am learning"}],
    },
    "picks": [
        {"id": "p1", "decision": "t01", "prompt": "Tea or water?", "option": "Tea", "at": "2026-05-04T08:00:00+00:00",
         "day": "2026-05-04", "clarity": "clear", "checkin": None, "learned": ""},
        {"id": "p2", "decision": "c-1", "prompt": "Bus or bike?", "option": "Bike", "at": "2026-05-03T08:00:00+00:00",
         "day": "2026-05-03", "clarity": None, "checkin": "yes", "learned": "it felt right"},
    ],
    "decisions": [{"id": "c-1", "prompt": "Bus or bike?", "options": ["Bus", "Bike"]}],
    "settings": {"gut_window": True, "gut_seconds": 8, "theme": "textual-dark"},
    "position": {"screen": "section-2", "field": "what-is.own-words", "last": {"screen": "section-5", "field": None}},
}


def changed(**edits) -> str:
    data = copy.deepcopy(EXPORT)
    for path, value in edits.items():
        *parents, last = path.split("__")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            del node[last]
        else:
            node[last] = value
    return json.dumps(data)


DELETE = object()

# Each malformed case the issue lists, and the one line that refuses it.
REFUSED = [
    (changed(picks__0__day="not-a-date"), "picks[0].day is not a date"),
    (changed(picks=["a"]), "picks[0] is not a decision practised"),
    (changed(decisions="abc"), "decisions is not a list of decisions"),
    (changed(decisions__0__id=DELETE), "decisions[0].id is missing"),
    (changed(settings__gut_seconds="abc"), "settings.gut_seconds is not a number"),
    (changed(settings=[1, 2]), "settings is not a table of settings"),
    (changed(position="x"), "position is not a place in the workbook"),
    (changed(version="1"), "its version is not a number"),
    (changed(version=-5), "its version (-5) is not a version"),
    (changed(version=True), "its version is not a number"),

    (changed(**{"answers": {"what-is.clear.scale": 9}}), 'answers["what-is.clear.scale"] is not a number from 1 to 5'),
    (changed(**{"answers": {"what-is.own-words": 5}}), 'answers["what-is.own-words"] is not text'),
    (changed(**{"answers": {"what-is.own-words": "x" * 100_001}}), "is longer than 100,000 characters"),
    (changed(**{"answers": {"needs.needs": [{"text": "y" * 2_001}]}}), 'answers["needs.needs"][0].text is longer than 2,000'),
    (changed(**{"answers": {"needs.needs": [{"text": "z"}] * 1_001}}), "has more than 1,000 items"),
    (changed(picks__0__id=DELETE), "picks[0].id is missing"),
    (changed(picks__1__id="p1"), "picks[1] has the same id as picks[0]"),
    (changed(picks__0__checkin="maybe"), "picks[0].checkin is not one of"),
    (changed(picks__0__at="yesterday"), "picks[0].at is not a date and time"),
    (changed(decisions__0__options=["only one"]), "decisions[0].options is not a list of 2 to 4 options"),
    (changed(position__screen=7), "position.screen is not the name of a screen"),
    (changed(schema=99), "newer version"),
    (changed(answers=[1]), "answers is not a table of answers"),
    (changed(versions=5), "versions is not a list of earlier versions"),
    (changed(written=["x"]), "written is not a table of dates"),
    (changed(picks__0__day="0001-01-01"), "picks[0].day is before 1970"),
    (changed(settings__gut_seconds=float("inf")).replace("Infinity", "1e999"), "settings.gut_seconds is not a number"),
    (changed().replace('"gut_seconds": 8', '"gut_seconds": NaN'), "not a number JSON allows"),
    (changed().replace('"answers": {', '"deep": ' + "[" * 100_000 + "]" * 100_000 + ', "answers": {'), "nested too deeply"),
    ('{"answers": {"x": ' + "9" * 5000 + "}}", "cannot be imported"),
    (changed(answers={}).replace('"answers": {', '"answers": {"needs.needs": [{"extra": ' + "[" * 900 + "]" * 900 + "}]", 1),
     'answers["needs.needs"][0].extra' + "[0]" * 14 + " is nested too deeply"),
    (changed(picks__0__extra=json.loads("[" * 900 + "]" * 900)), "picks[0].extra" + "[0]" * 16 + " is nested too deeply"),
]


def full_store(folder: Path) -> Store:
    store = Store.open(folder)
    exchange.import_data(store, exchange.parse_export(json.dumps(EXPORT)))
    return store


@pytest.mark.parametrize("text, message", REFUSED, ids=[m[:40] for _, m in REFUSED])
def test_each_malformed_export_is_refused_with_one_line_and_nothing_changes(data_dir, text, message):
    store = full_store(data_dir)
    before = store.path.read_bytes()
    files = sorted(p.name for p in data_dir.rglob("*"))
    with pytest.raises(TransferError, match=None) as refused:
        exchange.import_data(store, exchange.parse_export(text))
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in data_dir.rglob("*")) == files  # not even a backup


def assert_opens(store: Store) -> None:
    """What Home, section 5, My workbook, status and export compute from the data: no exception."""
    wb = content.load()
    answers = store.answers()
    for section in wb.sections:
        section_progress(section, answers)
        for exercise in section.exercises:
            answer_lines(exercise, answers.get(exercise.key))
    picks = store.picks()
    s = practice.streak(practice.practice_days_of(picks), practice.local_day(practice.system_clock()))
    practice.calendar(s, practice.local_day(practice.system_clock()))
    summary = practice.summarise(picks)
    for pick in summary.pending:
        assert isinstance(pick["id"], str)
    assert all(isinstance(p["decision"], str) for p in picks)
    decisions = [*practice.deck(), *(practice.custom_decision(d) for d in store.custom_decisions())]
    practice.draw(decisions, s.practice_days, [p["decision"] for p in picks[-10:]])
    float(store.settings().get("gut_seconds", practice.GUT_WINDOW_SECONDS))
    position = store.position() or {}
    assert position.get("screen", "home") in validate.screens()
    last = position.get("last") or {}
    assert last.get("screen", "home") in validate.screens()
    status.status_line(status.status(store, practice.local_day(practice.system_clock())))
    exchange.export_markdown(store)
    exchange.export_data(store)


@pytest.mark.parametrize(
    "text, expected",
    [
        (changed(position__screen="section-abc"), {"screen": "home", "field": None}),
        (changed(position__screen="section-99"), {"screen": "home", "field": None}),
        (changed(position__last={"screen": "nowhere"}), {"screen": "section-2", "field": "what-is.own-words", "last": None}),
    ],
)
def test_a_saved_place_that_no_longer_exists_opens_home(data_dir, text, expected):
    store = full_store(data_dir)
    exchange.import_data(store, exchange.parse_export(text))
    position = Store.open(data_dir).position()
    assert {k: position[k] for k in expected} == expected
    assert_opens(store)


def test_unknown_keys_are_kept_when_plain_and_dropped_when_not_an_answer(data_dir):
    data = copy.deepcopy(EXPORT)
    data["answers"]["from-a-newer.version"] = "kept"
    data["answers"]["odd.key"] = {"not": "an answer"}
    data["picks"][0]["mood"] = "calm"
    data["decisions"][0]["colour"] = ["blue"]
    store = full_store(data_dir)
    exchange.import_data(store, exchange.parse_export(json.dumps(data)))
    again = Store.open(data_dir)
    assert again.answers()["from-a-newer.version"] == "kept"
    assert "odd.key" not in again.answers()
    assert again.picks()[0]["mood"] == "calm"
    assert again.custom_decisions()[0]["colour"] == ["blue"]
    assert_opens(again)


HOSTILE = "a\x1b]2;x\x07b\x1b]52;c;SGVsbG8=\x07c\x1b[2Jd\x9b31me\x85f\x00g\x7fh [bold]i[/] [@click=app.quit]j"
CLEAN = "a]2;xb]52;c;SGVsbG8=c[2Jd31mefgh [bold]i[/] [@click=app.quit]j"


def test_every_text_is_cleaned_when_loaded_whatever_its_source(data_dir):
    store = Store.open(data_dir)
    raw = json.loads(store.path.read_text())
    raw["answers"] = {"1": {"key": "what-is.own-words", "value": HOSTILE, "written": "2026-05-04T08:00:00+00:00"},
                      "2": {"key": "needs.needs", "value": [{"text": HOSTILE, "honour": "self-care"}]},
                      "3": {"key": HOSTILE, "value": HOSTILE}}
    raw["picks"] = {"1": {"id": HOSTILE, "decision": HOSTILE, "prompt": HOSTILE, "option": HOSTILE,
                          "at": "2026-05-04T08:00:00+00:00", "day": "2026-05-04", "learned": HOSTILE}}
    raw["decisions"] = {"1": {"id": "c-1", "prompt": HOSTILE, "options": [HOSTILE, "b"]}}
    raw["settings"] = {"1": {"name": "theme", "value": HOSTILE}, "2": {"name": HOSTILE, "value": HOSTILE}}
    raw["state"] = {"1": {"name": "position", "screen": "section-2", "field": HOSTILE}}
    raw["versions"] = {"1": {"key": "what-is.own-words", "value": HOSTILE, "written": None,
                             "replaced": "2026-05-04T09:00:00+01:00", "why": "edit"}}
    store.path.write_text(json.dumps(raw))  # another program's edit
    store.refresh()
    text = json.dumps(store.tables(), ensure_ascii=False)
    assert HOSTILE not in text and "\x1b" not in text and "\x9b" not in text and "\x85" not in text
    assert store.answers()["what-is.own-words"] == CLEAN
    assert store.answers()[CLEAN] == CLEAN
    assert store.picks()[0]["learned"] == CLEAN
    assert store.custom_decisions()[0]["options"][0] == CLEAN
    assert store.settings()["theme"] == CLEAN
    assert store.position()["field"] == CLEAN
    assert store.tables()["versions"]["1"]["value"] == CLEAN


def test_the_versions_table_and_written_dates_are_accepted_and_checked():
    good = {"key": "what-is.own-words", "value": "before", "written": "2026-05-01T08:00:00+02:00",
            "replaced": "2026-05-04T08:00:00+00:00", "why": "reset"}
    tables = {"versions": {"1": good, "2": {**good, "key": "needs.needs", "value": [{"text": "rest"}], "why": "removed"},
                           "3": {**good, "key": "unknown.key", "value": 3, "written": None}},
              "answers": {"1": {"key": "what-is.own-words", "value": "now", "written": "2026-05-04T08:00:00+00:00"}}}
    assert validate.check_tables(tables) == tables
    for bad, message in [
        ({**good, "why": ""}, "versions[0].why is empty"),
        ({**good, "why": 3}, "versions[0].why is not text"),
        ({**good, "replaced": None}, "versions[0].replaced is not a date and time"),
        ({**good, "written": "2026-05-01T08:00:00"}, "versions[0].written has no time zone"),
        ({**good, "value": {"a": 1}}, "versions[0].value is not an answer"),
        ({**good, "value": "x" * 100_001}, "versions[0].value is longer than 100,000 characters"),
    ]:
        with pytest.raises(validate.Invalid, match=None) as refused:
            validate.check_tables({"versions": {"1": bad}})
        assert message in str(refused.value)
    with pytest.raises(validate.Invalid, match="written is not a date and time"):
        validate.check_tables({"answers": {"1": {"key": "what-is.own-words", "value": "x", "written": "soon"}}})


def test_a_table_this_version_does_not_know_is_kept_as_plain_data():
    tables = {"rescues": {"1": {"path": "/tmp/x\x1b]2;t\x07.json", "when": ["2026-05-04"]}}}
    assert validate.check_tables(tables) == {"rescues": {"1": {"path": "/tmp/x]2;t.json", "when": ["2026-05-04"]}}}
    with pytest.raises(validate.Invalid, match="rescues has a record numbered 'x'"):
        validate.check_tables({"rescues": {"x": {}}})
    with pytest.raises(validate.Invalid, match="nested too deeply"):
        validate.check_tables({"rescues": {"1": {"deep": json.loads("[" * 100 + "]" * 100)}}})


def test_the_table_of_checks_has_one_entry_per_table():
    assert set(validate.TABLES) == {"answers", "versions", "picks", "decisions", "settings", "state", "meta"}


# -- special files and sizes -------------------------------------------------------------------
def test_only_regular_files_are_read_and_their_size_is_checked_first(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(validate.Invalid, match="not a regular file"):
        validate.read_file(fifo)  # does not wait for a writer
    with pytest.raises(validate.Invalid, match="not a regular file"):
        validate.read_file("/dev/zero")
    with pytest.raises(validate.Invalid, match="folder"):
        validate.read_file(tmp_path)
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(validate.MAX_FILE_BYTES + 1)  # sparse: nothing is read
    with pytest.raises(validate.Invalid, match="larger than the 64 MB limit"):
        validate.read_file(big)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real")
    (tmp_path / "real").write_text("{}")
    assert validate.read_file(link) == b"{}"
    with pytest.raises(validate.Invalid, match="symbolic link"):
        validate.read_file(link, follow_symlinks=False)


def test_a_file_another_program_damaged_while_open_is_repaired_not_a_crash(data_dir):
    store, _ = backups.open_store(data_dir)
    store.apply(Changes(answers={"what-is.own-words": "good"}))
    backups.backup(store, "daily")
    raw = json.loads(store.path.read_text())
    raw["picks"] = {"1": {"id": "p", "day": "not-a-date"}}
    store.path.write_text(json.dumps(raw))
    assert store.refresh() is True  # no exception: moved aside, the backup brought back
    notices = store.take_notices()
    assert len(notices) == 1 and "picks[0].day is not a date" in notices[0] and "brought back" in notices[0]
    assert store.answers() == {"what-is.own-words": "good"}
    aside = list(data_dir.glob("workbook.damaged-*.json"))
    assert len(aside) == 1 and "not-a-date" in aside[0].read_text()
    store.apply(Changes(answers={"what-is.own-words": "after"}))  # and saving goes on
    assert Store.open(data_dir).answers() == {"what-is.own-words": "after"}


def test_a_store_without_a_repairer_still_says_the_file_is_damaged(data_dir):
    store = Store.open(data_dir)
    store.path.write_text(json.dumps({"picks": {"1": {"id": "p", "day": "x"}}}))
    with pytest.raises(DamagedData, match=r"picks\[0\].day is not a date"):
        store.refresh()


def test_opening_a_file_that_fails_the_check_moves_it_aside(data_dir):
    data_dir.mkdir()
    path = data_dir / storage.DB_NAME
    path.write_text(json.dumps({"state": {"1": {"name": "position", "screen": ["x"]}}}))
    store, notices = backups.open_store(data_dir)
    assert "position.screen is not the name of a screen" in notices[0] and "starts empty" in notices[0]
    assert store.position() is None


def test_a_newer_file_is_not_checked_but_refused_untouched(data_dir):
    data_dir.mkdir()
    path = data_dir / storage.DB_NAME
    text = json.dumps({"meta": {"1": {"name": "schema", "version": 99}}, "answers": {"1": "a form we do not know"}})
    path.write_text(text)
    with pytest.raises(storage.NewerData):
        backups.open_store(data_dir)
    assert path.read_text() == text


# -- a hypothesis-made family of corrupted exports ------------------------------------------------
ODD = st.sampled_from([
    "not-a-date", "2026-05-04", "2026-05-04T08:00:00+00:00", "section-99", "section-abc", "home", "",
    "\x1b]2;x\x07", "[/]", "[@click=app.quit]x", "yes", "clear", "skip", "c-1", "p1", "x" * 2_001,
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | ODD,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8) | ODD, children, max_size=3),
    max_leaves=8,
)


@st.composite
def corrupted_exports(draw) -> str:
    """A real export with one to three places changed: a value replaced, a key removed or added."""
    data = copy.deepcopy(EXPORT)
    for _ in range(draw(st.integers(1, 3))):
        parent, key = None, None
        node: object = data
        while isinstance(node, (dict, list)) and node and (parent is None or draw(st.integers(0, 3))):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, draw(st.sampled_from(keys))
            node = parent[key]  # type: ignore[index]
        if parent is None:
            continue
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[key] = draw(JSON)  # type: ignore[index]
        elif action == "delete":
            del parent[key]  # type: ignore[arg-type]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8) | ODD)] = draw(JSON)
        else:
            parent.append(draw(JSON))
    return json.dumps(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=corrupted_exports())
def test_corrupted_exports_are_refused_cleanly_or_open_everywhere(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("wb")
    store = full_store(folder)
    before = store.path.read_bytes()
    try:
        exchange.import_data(store, exchange.parse_export(text))
    except TransferError as refused:
        assert "\n" not in str(refused)
        assert store.path.read_bytes() == before
        return
    assert_opens(Store.open(folder))  # read back through the check, as the app and the commands do


def test_export_cleans_text_on_the_way_out_too(data_dir):
    store = Store.open(data_dir)
    # Written without passing the load check (as the app's own saves are): cleaned on the way out.
    store.apply(Changes(answers={"what-is.own-words": HOSTILE}, new_decisions=[{"id": "c", "prompt": HOSTILE, "options": ["a", "b"]}]))
    for out in (exchange.export_markdown(store), exchange.export_json(store)):
        assert "\x1b" not in out and "\x9b" not in out and "\x85" not in out and "\x7f" not in out
        assert "[bold]i[/] [@click=app.quit]j" in out


@settings(max_examples=300, deadline=None)
@given(picks=st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(["p1", "p2", " ", "", "\x1bx"]) | st.text(max_size=4), "decision": st.just("t01") | JSON,
     "prompt": st.just("Tea?") | JSON, "option": st.just("Tea") | JSON, "at": st.sampled_from(["", "2026-05-04T08:00:00+00:00", "soon"]),
     "day": st.sampled_from(["2026-05-04", "1969-12-31", "2026-02-30", "20260504"]) | JSON,
     "learned": st.just("") | ODD | JSON, "clarity": st.sampled_from([None, "clear", "loud"]) | JSON,
     "checkin": st.sampled_from([None, "yes", "skip", "no"]) | JSON}), min_size=1, max_size=4))
def test_the_quick_check_of_picks_keeps_only_what_the_full_check_keeps_unchanged(picks):
    table = {str(n): p for n, p in enumerate(picks, 1)}
    if validate.usual_picks(table):
        assert [validate.check_pick(p, "picks[0]") for p in picks] == picks
        assert len({p["id"] for p in picks}) == len(picks)
