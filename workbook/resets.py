"""Resets: erase everything, one section or the practice (after a backup), and undo the last one. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from workbook import content
from workbook import versions as versions_
from workbook.storage import Store
from workbook.backups import Backup, TransferError, _answer_docs, _docs, _read_database, _table, backup, keep_replaced, last_reset


@dataclass(frozen=True)
class Undone:
    """What an undo put back: the backup it read, and how many fields kept text written since."""

    backup: Backup
    kept_newer: int


def undo_reset(store: Store, now: datetime | None = None) -> Undone:
    """Put back what the last reset erased, and nothing else.

    Everything written since the reset stays. Where a field was written again after the reset,
    the newer text stays and the erased text remains an earlier version. Picks and own
    decisions are merged by id; settings come back where none was chosen since.
    """
    chosen = last_reset(store)
    if chosen is None:
        raise TransferError("there is no reset to undo")
    before = _read_database(chosen.path)
    current = store.tables()
    merged = {name: table for name, table in current.items() if name != "meta"}
    now = now or datetime.now(timezone.utc)
    stamp = versions_.now_iso(now)

    answers = _answer_docs(current)
    kept = _docs(current, "versions")
    # What the reset erased: the answers it kept as "before the reset" versions.
    since = chosen.taken.isoformat(timespec="seconds")
    erased = {v.get("key") for v in kept if v.get("why") == "reset" and str(v.get("replaced") or "") >= since}
    kept_newer = 0
    for key, old in _answer_docs(before).items():
        if key not in erased and (key in answers or versions_.has_text(old.get("value"))):
            continue  # not touched by the reset
        if key not in answers:
            # The field is empty since the reset: the erased text goes back, and its "before the
            # reset" version with it (it is the answer again).
            answers[key] = {"key": key, "value": old.get("value"), "written": old.get("written") or stamp}
            kept = [v for v in kept if not (v.get("key") == key and v.get("why") == "reset" and v.get("value") == old.get("value"))]
        elif answers[key].get("value") != old.get("value") and versions_.has_text(old.get("value")):
            kept_newer += 1
            if not any(v.get("key") == key and v.get("value") == old.get("value") for v in kept):
                kept.append(versions_.make(key, old.get("value"), old.get("written"), "reset", now))
    for version in _docs(before, "versions"):
        if not any(versions_.same(version, k) for k in kept):
            kept.append(version)
    merged["answers"] = _table(list(answers.values()))
    merged["versions"] = _table(sorted(kept, key=lambda v: str(v.get("replaced") or "")))

    for name, ident in (("picks", "id"), ("decisions", "id")):
        docs = _docs(current, name)
        ids = {d.get(ident) for d in docs}
        docs += [d for d in _docs(before, name) if d.get(ident) not in ids]
        if name == "picks":
            docs.sort(key=lambda p: str(p.get("at", "")))
        merged[name] = _table(docs)
    settings = {d.get("name"): d for d in _docs(before, "settings")} | {d.get("name"): d for d in _docs(current, "settings")}
    merged["settings"] = _table(list(settings.values()))
    if not _docs(current, "state"):
        merged["state"] = _table(_docs(before, "state"))  # the place the person was, if none since

    backup(store, "before-undo")
    store.replace_all(merged)
    return Undone(chosen, kept_newer)


def describe_reset(scope: str, section: int | None = None) -> str:
    """Exactly what a reset erases, in words."""
    if scope == "all":
        return "everything: all your answers, lists, decisions, check-ins, streak and settings"
    if scope == "game":
        return "your decisions practice: every decision practised, check-ins, notes, your own decisions and the streak"
    wb = content.load()
    return f"your answers in section {section}, “{wb.section(section).title}”"


def reset_scope(scope: str, section: int | None = None) -> tuple[str, int | None]:
    """The scope checked: section 5 is the decisions practice; sections without answers are refused."""
    if scope != "section":
        return scope, None
    if section == practice_section():
        return "game", None
    if section not in {s.number for s in content.load().sections if s.exercises}:
        raise TransferError("sections with answers are 1, 2, 3, 4 and 6 (5 is the decisions practice: use --game)")
    return scope, section


def reset(store: Store, scope: str, section: int | None = None) -> Backup | None:
    """Erase ``scope`` ("all", "section" or "game"), after an automatic backup."""
    scope, section = reset_scope(scope, section)
    taken = backup(store, "before-reset")
    current = store.tables()
    data = dict(current)
    if scope == "all":
        data = {}
    elif scope == "game":
        data.pop("picks", None)
        data.pop("decisions", None)
    else:
        prefix = f"{content.load().section(section).id}."  # type: ignore[arg-type]
        answers = data.get("answers", {})
        data["answers"] = {k: v for k, v in answers.items() if not str(v.get("key", "")).startswith(prefix)}
    # The erased answers stay as earlier versions ("before the reset on 3 Mar").
    store.replace_all(keep_replaced(current, data, "reset"))
    return taken


def practice_section() -> int:
    return 5


# -- export and import ------------------------------------------------------------
