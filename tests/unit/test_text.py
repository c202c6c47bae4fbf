"""Any text a person can type or paste survives saving and loading, and is cleaned of control codes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.content import Content

from workbook.storage import Store
from workbook.text import clean

markupish = st.sampled_from(["[/]", "[bold]", "[@click=app.quit]", "[link=x]", "\\[", "$var", "]["])
texts = st.lists(st.one_of(st.text(), markupish), max_size=8).map("".join)


@given(texts)
def test_clean_keeps_newlines_and_tabs_and_drops_other_controls(text: str):
    cleaned = clean(text)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in cleaned)
    assert not any(0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert clean(cleaned) == cleaned
    printable = "".join(c for c in text if c.isprintable() or c in "\n\t")
    if "\r" not in text:
        assert all(c in cleaned for c in printable)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_any_text_round_trips_through_storage(text: str):
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "d")
        store.save({"k": clean(text)})
        assert Store.open(Path(folder) / "d").answers()["k"] == clean(text)


@given(texts)
def test_any_text_renders_as_plain_content(text: str):
    content = Content(clean(text))
    assert content.plain == clean(text)
    assert not content.spans


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidirectional_overrides_are_removed_and_marks_and_joiners_kept():
    # Embeddings, overrides and isolates reorder what a line shows ("Trojan Source"): removed.
    assert clean(f"a{BIDI}b") == "ab"
    assert clean("cost: \u202e01$\u202c ok") == "cost: 01$ ok"
    # The direction marks people writing Hebrew or Arabic use, and the joiner emoji need, stay.
    kept = "שלום\u200f, hi\u200e · 👩\u200d👩\u200d👧 · \u061c"
    assert clean(kept) == kept


def test_loaded_and_typed_text_lose_bidirectional_overrides(tmp_path):
    from workbook.state import WorkbookState
    from workbook.storage import Changes

    store = Store.open(tmp_path / "d")
    store.apply(Changes(new_picks=[{"id": "p1", "decision": "t01", "prompt": "Tea?", "option": "Tea",
                                    "at": "2026-05-04T08:00:00+00:00", "day": "2026-05-04", "clarity": None,
                                    "checkin": "yes", "learned": "it \u202egniht\u202c felt right"}]))
    store.close()
    raw = json.loads((tmp_path / "d" / "workbook.json").read_text())
    raw["answers"] = {"1": {"key": "what-is.own-words", "value": "trust \u2067me\u2069"}}
    (tmp_path / "d" / "workbook.json").write_text(json.dumps(raw))  # another program's edit
    state = WorkbookState(Store.open(tmp_path / "d"))
    assert state.answers["what-is.own-words"] == "trust me"
    assert state.picks[0].learned == "it gniht felt right"
    state.set_answer("what-is.own-words", "typed \u202dtext\u202c 👩\u200d👧")
    assert state.answers["what-is.own-words"] == "typed text 👩\u200d👧"
    state.store.close()
