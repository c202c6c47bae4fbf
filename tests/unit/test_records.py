"""Typed records at the storage boundary: the fast paths read the same as the stored documents."""

from __future__ import annotations

from workbook import practice
from workbook.records import Pick

DOCS = [
    {"id": "a", "day": "2026-03-01", "decision": "t01", "prompt": "Tea?", "option": "Tea", "at": "2026-03-01T10:00:00+00:00",
     "clarity": "some", "checkin": "yes", "learned": ""},
    {"id": "b", "day": "2026-03-02", "decision": "t02", "prompt": "Walk?", "option": "Yes", "at": "2026-03-02T10:00:00+00:00",
     "clarity": None, "checkin": None, "learned": ""},
    {"id": "c", "day": "2026-03-02", "decision": "t03", "at": "2026-03-02T11:00:00+00:00", "checkin": "partly",
     "from_a_newer_version": 1},
]


def test_from_dicts_keeps_unknown_fields_and_round_trips():
    picks = Pick.from_dicts(DOCS)
    assert [p.to_dict() for p in picks] == [{**Pick.from_dict(d).to_dict()} for d in DOCS]
    assert picks[2].extra == {"from_a_newer_version": 1}
    assert picks[2].get("from_a_newer_version") == 1 and picks[0].get("missing", "x") == "x"
    assert picks[1].get("checkin") is None and picks[0]["option"] == "Tea"


def test_the_rules_read_records_as_they_read_documents():
    picks = Pick.from_dicts(DOCS)
    assert practice.practice_days_of(picks) == practice.practice_days_of(DOCS) == {
        practice.date(2026, 3, 1), practice.date(2026, 3, 2)}
    by_records, by_docs = practice.summarise(picks), practice.summarise(DOCS)
    assert by_records.total == by_docs.total == 3
    assert by_records.aligned == by_docs.aligned == {**{a: 0 for a in practice.ALIGNED}, "yes": 1, "partly": 1}
    assert [p["id"] for p in by_records.pending] == [p["id"] for p in by_docs.pending] == ["b"]
