"""Export (Markdown, JSON) and import: no UI. Resets, backups and status are in their own test files."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import backups, exchange
from workbook.storage import Changes, Store
from workbook.text import clean
from workbook.backups import TransferError

TODAY = date(2026, 5, 4)
PICK = {
    "id": "p1", "decision": "t01", "prompt": "Tea or water?", "option": "Tea", "at": "2026-05-04T08:00:00+00:00",
    "day": "2026-05-04", "clarity": "clear", "checkin": "not really", "learned": "I wanted water | really",
}
ANSWERS = {
    "why-hard.unsafe.reflection": "Line one\nLine [bold]two[/] 🌱",
    "why-hard.unsafe.familiar": True,
    "what-is.own-words": "[@click=app.quit]me",
    "what-is.clear.scale": 4,
    "needs.needs": [{"text": "rest", "honour": "self-care"}, {"text": "", "honour": "self-compassion"}],
    "reframing.pairs": [{"thought": "I never get it right", "reframe": "I am learning what I like"}],
    "time-with-yourself.like": "",
}


def full_store(folder: Path) -> Store:
    store = Store.open(folder)
    store.apply(Changes(
        answers=dict(ANSWERS),
        new_picks=[dict(PICK)],
        new_decisions=[{"id": "c-1", "prompt": "Bus | bike?", "options": ["Bus", "Bike"]}],
        settings={"gut_window": False},
        position={"screen": "section-2", "field": "what-is.own-words", "last": None},
    ))
    return store


def snapshot(store: Store) -> dict:
    data = exchange.export_data(store, datetime(2026, 5, 4, tzinfo=timezone.utc))
    return data


def test_export_then_import_gives_identical_data(data_dir, tmp_path):
    store = full_store(data_dir)
    text = exchange.export_json(store)
    other = Store.open(tmp_path / "other")
    exchange.import_data(other, exchange.parse_export(text))
    assert snapshot(other) == snapshot(store)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([k for k, v in ANSWERS.items() if isinstance(v, str)]), st.text(min_size=0, max_size=40).map(clean), max_size=5))
def test_any_text_survives_export_and_import(tmp_path, answers):
    store = Store.open(tmp_path / f"a{abs(hash(str(answers)))}")
    store.apply(Changes(answers=answers))
    copy = Store.open(tmp_path / f"b{abs(hash(str(answers)))}")
    exchange.import_data(copy, exchange.parse_export(exchange.export_json(store)))
    assert copy.answers() == store.answers()


def test_markdown_has_titles_every_answer_decisions_and_date(data_dir):
    store = full_store(data_dir)
    md = exchange.export_markdown(store, datetime(2026, 5, 4, 12, tzinfo=timezone.utc), TODAY)
    assert md.startswith("# What is Self-Trust? Why is it so Hard? And Ways to Build It")
    assert "## 1. Why is it so hard to trust ourselves?" in md
    assert "### Unsafe or out-of-control experiences" in md
    assert "> Line one\n> Line [bold]two[/] 🌱" in md
    assert "> [@click=app.quit]me" in md
    assert "4 of 5" in md
    assert "- Need: rest / How I honour it: self-care" in md
    assert "- Critical thought: I never get it right / Reframe: I am learning what I like\n" in md
    assert "I wanted water \\| really" in md
    assert "1-day streak · best: 1 day · 1 decision practised on 1 day." in md
    assert "exported on 4 May 2026." in md
    assert "| 4 May 2026 | Tea or water? |" in md
    assert "Bus | bike?" in md


def test_markdown_says_what_is_not_answered_yet_and_leaves_out_unticked_ticks(data_dir):
    store = full_store(data_dir)
    md = exchange.export_markdown(store, datetime(2026, 5, 4, 12, tzinfo=timezone.utc), TODAY)
    # Section 4 has no answers: each prompt is there, saying so; no bare dashes anywhere.
    part = md.split("## 4.")[1].split("## 5.")[0]
    assert part.count("*(not answered yet)*") == 4
    assert "—" not in md.replace("–", "")
    assert "*This feels familiar:* yes" in md
    assert md.count("This feels familiar") == 1  # only the ticked one
    assert ":”:" not in md and "…”:" not in md  # no doubled punctuation after a long label


@pytest.mark.parametrize(
    "text, message",
    [
        ("hello", "not a workbook export"),
        ('{"format": "something-else", "version": 1}', "not a workbook export"),
        ('{"format": "self-trust-workbook-export", "version": 99, "answers": {}, "picks": []}', "newer version"),
        ('{"format": "self-trust-workbook-export", "version": 1, "answers": {"a": "b"', "cut short"),
    ],
)
def test_refused_imports_change_nothing(data_dir, text, message):
    store = full_store(data_dir)
    before = store.path.read_bytes()
    with pytest.raises(TransferError, match=message):
        exchange.import_data(store, exchange.parse_export(text))
    assert store.path.read_bytes() == before
    assert backups.backups(store) == []


def test_export_json_is_versioned(data_dir):
    data = json.loads(exchange.export_json(full_store(data_dir)))
    assert data["format"] == exchange.EXPORT_FORMAT and data["version"] == exchange.EXPORT_VERSION
