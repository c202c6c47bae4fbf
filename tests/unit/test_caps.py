"""The 64 MB cap on the workbook file, held at import, restore and every save; earlier versions bounded."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from workbook import backups, exchange, rescue, validate
from workbook import versions as versions_
from workbook.saver import Saver
from workbook.storage import Changes, Store, TooLarge, stored_size
from workbook.backups import TransferError

OVER = re.compile(r"^nothing was imported: the workbook would be \d+ MB, over the 64 MB limit$")


def picks(count: int, note: int) -> list[dict]:
    return [
        {"id": f"p{n:07d}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
         "at": "2026-05-04T08:00:00+00:00", "day": "2026-05-04", "clarity": "clear", "checkin": None,
         "learned": "x" * note}
        for n in range(count)
    ]


def export(picked: list[dict], **more) -> dict:
    return {"format": exchange.EXPORT_FORMAT, "version": 2, "schema": 2, "exported_at": "2026-05-04T08:00:00+00:00",
            "answers": {"what-is.own-words": "mine"}, "picks": picked, **more}


def test_a_compact_export_whose_stored_form_is_over_the_cap_is_refused_and_nothing_changes(tmp_path):
    store = Store.open(tmp_path / "data")
    store.save({"what-is.own-words": "before"})
    before = store.path.read_bytes()
    one = len(json.dumps(picks(1, 300)[0], separators=(",", ":")))
    path = tmp_path / "compact.json"
    path.write_text(json.dumps(export(picks((validate.MAX_FILE_BYTES - 4096) // (one + 1), 300)), separators=(",", ":")))
    assert path.stat().st_size <= validate.MAX_FILE_BYTES  # the file itself is under the cap ...
    data = exchange.read_export(path)
    with pytest.raises(TransferError) as refused:  # ... what it would be stored as is not
        exchange.import_data(store, data)
    assert OVER.match(str(refused.value)), str(refused.value)
    assert store.path.read_bytes() == before
    assert backups.backups(store) == []  # refused before anything, the backup too


def test_an_indented_export_of_a_workbook_near_the_cap_imports_back(tmp_path):
    store = Store.open(tmp_path / "data")
    one = len(json.dumps(picks(1, 1500)[0], separators=(",", ":")))
    tables = {"answers": {"1": {"key": "what-is.own-words", "value": "mine"}},
              "picks": {str(n): p for n, p in enumerate(picks(int(validate.MAX_FILE_BYTES * 0.97) // (one + 8), 1500), 1)}}
    assert stored_size(tables) <= validate.MAX_FILE_BYTES
    store.replace_all(tables)
    path = exchange.write_export(store, "json", tmp_path / "out")
    assert path.stat().st_size > validate.MAX_FILE_BYTES  # indented, the export is larger than the cap
    fresh = Store.open(tmp_path / "fresh")
    exchange.import_data(fresh, exchange.read_export(path))
    assert len(Store.open(tmp_path / "fresh").picks()) == len(tables["picks"])


def test_a_restore_over_the_cap_is_refused_and_nothing_changes(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "data")
    store.save({"what-is.own-words": "y" * 50_000})
    backups.backup(store, "manual")
    store.save({"what-is.own-words": "z" * 50_000})  # restoring keeps this as an earlier version: over
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", 90_000)
    before = store.path.read_bytes()
    with pytest.raises(TransferError, match=r"^nothing was restored: the workbook would be 1 MB, over the 0 MB limit$"):
        backups.restore(store)
    assert store.path.read_bytes() == before
    assert [b.reason for b in backups.backups(store)] == ["manual"]


def test_a_save_over_the_cap_is_refused_in_one_line_and_the_text_is_kept_to_try_again(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "data")
    store.save({"what-is.own-words": "small"})
    before = store.path.read_bytes()
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", 100_000)
    with pytest.raises(TooLarge):
        store.save({"what-is.own-words": "w" * 90_000, "why-hard.unsafe.reflection": "v" * 90_000})
    assert store.path.read_bytes() == before
    assert store.answers() == {"what-is.own-words": "small"}  # memory is the file again

    saver = Saver(store)
    with saver.changes() as pending:
        pending.answers["what-is.own-words"] = "w" * 90_000
        pending.answers["why-hard.unsafe.reflection"] = "v" * 90_000
    saver.submit()
    saver.wait()
    assert isinstance(saver.refused, TooLarge)
    assert rescue.reason(saver.refused) == "the workbook would be 1 MB, over the 0 MB limit"
    assert saver.unsaved and saver.pending().answers["why-hard.unsafe.reflection"] == "v" * 90_000  # kept
    assert store.path.read_bytes() == before
    saver.close()


def version(key: str, n: int, text: str = "v") -> dict:
    at = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=n)
    return {"key": key, "value": f"{text}{n}", "written": None, "replaced": at.isoformat(), "why": "edit"}


def test_earlier_versions_keep_the_newest_per_answer_and_in_all():
    many = [version("a", n) for n in range(versions_.KEEP_PER_ANSWER + 50)] + [version("b", n) for n in range(3)]
    kept = versions_.trim(many)
    assert len([v for v in kept if v["key"] == "a"]) == versions_.KEEP_PER_ANSWER
    assert kept[-1]["value"] == f"v{versions_.KEEP_PER_ANSWER + 49}"  # the newest stay
    assert {"v0", "v49"}.isdisjoint(v["value"] for v in kept if v["key"] == "a")  # the oldest go
    assert len([v for v in kept if v["key"] == "b"]) == 3
    big = [version(f"k{n % 300}", n, "x" * 90_000) for n in range(300)]  # 27 MB of text
    kept = versions_.trim(big)
    assert sum(len(json.dumps(v)) for v in kept) <= versions_.KEEP_BYTES
    assert kept[-1] == big[-1]


def test_trim_counts_what_it_leaves_out_to_say_so():
    many = [version(key, n) for key in "abc" for n in range(versions_.KEEP_PER_ANSWER + 10)] + [version("d", 0)]
    trimmed = versions_.Trimmed()
    kept = versions_.trim(many, trimmed)
    assert len(kept) == 3 * versions_.KEEP_PER_ANSWER + 1
    assert trimmed.per_answer == {"a": 10, "b": 10, "c": 10} and not trimmed.over_bytes
    assert trimmed.text().startswith(f"kept the newest {versions_.KEEP_PER_ANSWER} earlier versions of 3 answers "
                                     "(30 older ones left out;")
    big = [version(f"k{n % 300}", n, "x" * 90_000) for n in range(300)]  # 27 MB of text
    trimmed = versions_.Trimmed()
    kept = versions_.trim(big, trimmed)
    assert trimmed.over_bytes == 300 - len(kept) > 0 and not trimmed.per_answer
    assert "up to 16 MB of text in all" in trimmed.text()
    nothing = versions_.Trimmed()
    versions_.trim([version("a", 1)], nothing)
    assert not nothing and nothing.text() == ""


def test_repeated_imports_and_edits_do_not_grow_the_versions_past_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(versions_, "KEEP_PER_ANSWER", 5)
    store = Store.open(tmp_path / "data")
    for n in range(8):  # each import replaces the answer: one more earlier version each time
        exchange.import_data(store, validate.check_export(export([], answers={"what-is.own-words": f"import {n}"}),
                                                          exchange.EXPORT_FORMAT, 2, 2))
    assert len(store.versions()) == 5
    later = datetime.now(timezone.utc) + timedelta(days=1)
    for n in range(4):  # an edit on a later day keeps the text it replaces
        store.apply(Changes(answers={"what-is.own-words": f"edit {n}"}), now=later + timedelta(days=n))
    kept = [v["value"] for v in store.versions()]
    assert len(kept) == 5 and kept[-1] == "edit 2"


def test_backups_are_bounded_in_bytes_keeping_the_daily_ones_and_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", 100_000)  # so at most 400 KB of backups
    store = Store.open(tmp_path / "data")
    store.save({"what-is.own-words": "d" * 60_000})
    start = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    for n in range(3):
        backups.backup(store, "daily", start + timedelta(days=n))
    for n in range(20):  # twenty large imports
        backups.backup(store, "before-import", start + timedelta(days=3, minutes=n))
    kept = backups.backups(store)
    assert sum(b.size for b in kept) <= 4 * validate.MAX_FILE_BYTES
    assert [b.reason for b in kept].count("daily") == 3
    assert kept[-1].taken == start + timedelta(days=3, minutes=19)  # the newest stays
    assert len(kept) < 20


def test_hosted_exports_keep_only_the_newest_few(tmp_path):
    store = Store.open(tmp_path / "data")
    store.save({"what-is.own-words": "mine"})
    start = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    made = [exchange.write_export(store, "json" if n % 2 else "markdown", now=start + timedelta(seconds=n),
                                  keep=exchange.HOSTED_EXPORTS) for n in range(8)]
    assert sorted(p.name for p in (store.folder / "exports").iterdir()) == sorted(p.name for p in made[-5:])
    (store.folder / "exports" / "notes.txt").write_text("mine")  # a file the workbook did not make stays
    exchange.write_export(store, "json", now=start + timedelta(seconds=9), keep=exchange.HOSTED_EXPORTS)
    assert (store.folder / "exports" / "notes.txt").exists()
    assert len(list((store.folder / "exports").iterdir())) == 6


def test_hosted_the_damaged_file_notice_names_no_server_path(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOSTED", "1")
    store = Store.open(tmp_path / "data")
    store.save({"what-is.own-words": "mine"})
    backups.backup(store, "manual")
    store.path.write_text("{not a workbook")
    _, notices = backups.open_store(tmp_path / "data")
    assert notices and "moved aside to workbook.damaged-" in notices[0]
    assert str(tmp_path) not in notices[0]


def test_merging_earlier_versions_keeps_each_once_without_comparing_each_with_each(monkeypatch):
    calls = []
    same = versions_.same
    monkeypatch.setattr(versions_, "same", lambda a, b: calls.append(1) or same(a, b))
    ours = [version(f"k{n % 20}", n, "ours ") for n in range(2_000)]
    theirs = [version(f"k{n % 20}", n, "theirs ") for n in range(2_000)]
    both = ours[:500]  # in the workbook and in the file: kept once
    current = {"versions": backups._table(ours)}
    incoming = {"versions": backups._table(theirs + [dict(v) for v in both])}
    merged = list(backups.keep_replaced(current, incoming, "import")["versions"].values())
    assert len(merged) == 4_000
    assert sorted(v["value"] for v in merged) == sorted(v["value"] for v in ours + theirs)
    assert len(calls) <= 2 * len(ours)  # each of ours is compared with its twin at most, not with 2,500
