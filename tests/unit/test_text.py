"""Any text a person can type or paste survives saving and loading, and is cleaned of control codes."""

from __future__ import annotations

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
