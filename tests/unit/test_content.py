"""The article's text is all there, shipped in the package, with its two defects mended."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbook import content

SHARED = Path(__file__).resolve().parents[3] / "shared" / "article" / "self-trust.txt"


def sentences(text: str) -> list[str]:
    text = text.replace("¬†", "")
    result = []
    for line in text.splitlines():
        for piece in re.split(r"(?<=[.?!])\s+", line.strip()):
            if piece:
                result.append(piece)
    return result


def shown_text(wb: content.Workbook) -> str:
    parts = [wb.title, wb.credit, *wb.intro]
    for section in wb.sections:
        parts.append(section.title)
        for passage in section.passages:
            parts.append(passage.heading)
            parts.extend(passage.paragraphs)
    return "\n".join(parts)


def test_every_sentence_of_the_article_is_in_the_content():
    wb = content.load()
    shown = shown_text(wb)
    missing = [s for s in sentences(wb.source) if s not in shown]
    assert len(sentences(wb.source)) > 40
    assert missing == []


def test_the_shipped_source_is_the_article_as_received():
    if not SHARED.exists():
        pytest.skip("the shared article folder is not beside this checkout")
    assert content.load().source == SHARED.read_text(encoding="utf-8")


def test_the_mis_encoded_space_is_gone_and_the_first_reason_has_its_heading():
    wb = content.load()
    assert "¬" not in shown_text(wb)
    first = wb.section(1).passages[1]
    assert first.heading == "Unsafe or out-of-control experiences"
    assert first.paragraphs[0].startswith("As in being in situations")


def test_sections_are_in_order_with_unique_exercise_keys():
    wb = content.load()
    assert [s.number for s in wb.sections] == [1, 2, 3, 4, 5, 6]
    keys = [e.key for s in wb.sections for e in s.exercises]
    assert len(keys) == len(set(keys))
    assert wb.credit == "Written by: Chardyce Kott, LSW"
    assert wb.title == "What is Self-Trust? Why is it so Hard? And Ways to Build It"


def test_section_one_has_four_reasons_each_with_a_toggle_and_a_prompt():
    section = content.load().section(1)
    kinds = [e.kind for e in section.exercises]
    assert kinds == ["toggle", "text"] * 4


def test_unknown_block_kind_is_refused():
    raw = {
        "title": "t", "credit": "c", "intro": [], "care_note": "n",
        "sections": [{"number": 1, "id": "a", "title": "A", "blocks": [{"kind": "poem"}]}],
    }
    with pytest.raises(content.ContentError):
        content.parse(raw)
