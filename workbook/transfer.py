"""Owning one's data: backups, reset, export (Markdown, JSON), import, and a one-line status.

No Textual here. Everything goes through :class:`workbook.storage.Store`; backups are copies of
the database file in ``backups/`` beside it, 0600 like the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from workbook import content, practice, validate
from workbook import versions as versions_
from workbook.content import Exercise, Passage
from workbook.progress import entry_has_text, is_answered, section_progress
from workbook.wording import NOT_YET, day_label, entry_line, moment_label, plural
from workbook.storage import (
    DB_NAME,
    SCHEMA_VERSION,
    DamagedData,
    Store,
    StorageError,
    TooLarge,
    atomic_write,
    check_size,
    ensure_private_folder,
    stored_size,
)
from workbook.text import clean

EXPORT_FORMAT = "self-trust-workbook-export"
EXPORT_VERSION = 2  # 2: earlier versions and when each answer was written
BACKUP_DIR = "backups"
DAILY_KEEP = 7
OTHER_KEEP = 20
BACKUP_CAPS = 4  # all backups together: at most this many times the workbook's cap (validate.MAX_FILE_BYTES)
HOSTED_EXPORTS = 5  # a hosted profile keeps only its newest exports


class TransferError(StorageError):
    """A clear, one-line reason an export, import, reset or restore did not happen."""


# -- backups -------------------------------------------------------------------
@dataclass(frozen=True)
class Backup:
    name: str
    path: Path
    taken: datetime
    reason: str
    size: int


def _backup_dir(store: Store) -> Path:
    return store.folder / BACKUP_DIR


# workbook-YYYYMMDD-HHMMSSffffff-reason.json, as backup() names them
BACKUP_NAME = re.compile(r"workbook-(\d{8})-(\d{12})-([a-z][a-z0-9-]{0,40})\.json")
# How far a backup's name may be ahead of the clock and of its file's modification time (a backup is
# named, then written: its name is never later than either, beyond a clock's small adjustments).
CLOCK_SLACK = timedelta(minutes=2)


def backups(store: Store, now: datetime | None = None) -> list[Backup]:
    """Every backup the workbook made, oldest first.

    Only regular files named as :func:`backup` names them count: symbolic links and anything else
    are ignored, and so is a name dated in the future or later than its file was written (a file
    called "2099", or named an hour from now, is never the newest).
    """
    folder = _backup_dir(store)
    if not folder.is_dir() or folder.is_symlink():
        return []
    latest = (now or datetime.now(timezone.utc)) + CLOCK_SLACK
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = BACKUP_NAME.fullmatch(entry.name)
            if not match:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                taken = datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S%f").replace(tzinfo=timezone.utc)
            except (OSError, ValueError):
                continue
            if not stat.S_ISREG(info.st_mode) or taken > latest:
                continue
            if datetime.fromtimestamp(info.st_mtime, timezone.utc) < taken - CLOCK_SLACK:
                continue  # written before the time its name claims: not one of ours
            found.append(Backup(entry.name, Path(entry.path), taken, match[3], info.st_size))
    return sorted(found, key=lambda b: (b.taken, b.name))


def backup(store: Store, reason: str, now: datetime | None = None) -> Backup | None:
    """Copy the database into backups/ (nothing to copy on a first run)."""
    if not store.path.exists():
        return None
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    folder = _backup_dir(store)
    ensure_private_folder(folder)
    name = f"workbook-{now:%Y%m%d-%H%M%S%f}-{reason}.json"
    path = folder / name
    atomic_write(path, store.path.read_bytes())
    _rotate(store)
    return Backup(name, path, now, reason, path.stat().st_size)


def _rotate(store: Store) -> None:
    existing = backups(store)
    daily = [b for b in existing if b.reason == "daily"]
    others = [b for b in existing if b.reason != "daily"]
    gone = daily[:-DAILY_KEEP] + others[:-OTHER_KEEP]
    for old in gone:
        old.path.unlink(missing_ok=True)
    # And a bound in bytes: the oldest non-daily ones go first; the daily ones and the newest other stay.
    kept = [b for b in existing if b not in gone]
    total = sum(b.size for b in kept)
    for old in [b for b in kept if b.reason != "daily"][:-1]:
        if total <= BACKUP_CAPS * validate.MAX_FILE_BYTES:
            break
        old.path.unlink(missing_ok=True)
        total -= old.size


def is_empty(store: Store) -> bool:
    """Nothing the person wrote or practised: no answers, decisions or picks (settings don't count)."""
    return not (store.answers() or store.picks() or store.custom_decisions())


def daily_backup(store: Store, now: datetime | None = None) -> Backup | None:
    """At most one automatic backup a day, the last seven kept; none of an empty workbook."""
    now = now or datetime.now(timezone.utc)
    if is_empty(store):
        return None
    today = now.astimezone().date()
    if any(b.reason == "daily" and b.taken.astimezone().date() == today for b in backups(store, now)):
        return None
    return backup(store, "daily", now)


def restore(store: Store, name: str | None = None, skipped: list[Backup] | None = None) -> Backup:
    """Bring back a backup (the newest that can be read, by default: the newer ones that cannot are
    added to ``skipped``), after backing up the current state."""
    chosen, data = _choose(store, name, skipped if skipped is not None else [])
    merged = keep_replaced(store.tables(), data, "restore")
    _check_size(merged, "nothing was restored")
    backup(store, "before-restore")
    store.replace_all(merged)
    return chosen


def _choose(store: Store, name: str | None, skipped: list[Backup]) -> tuple[Backup, dict[str, Any]]:
    """The backup a restore would bring back, and its tables. Without a name: the newest that reads as a
    workbook (a damaged newest one is passed over)."""
    available = backups(store)
    if not available:
        raise TransferError("there are no backups yet")
    if name is not None:
        matches = [b for b in available if b.name == name or b.name == f"{name}.json"]
        if not matches:
            raise TransferError(f"no backup is called {name!r}; `workbook backups` lists them")
        return matches[0], _read_database(matches[0].path)
    first: TransferError | None = None
    for candidate in reversed(available):
        try:
            return candidate, _read_database(candidate.path)
        except TransferError as exc:
            first = first or exc
            skipped.append(candidate)
    assert first is not None
    raise first


def _check_size(tables: dict[str, Any], nothing: str) -> None:
    """Refuse, before anything changes, tables whose stored form would be over the file's cap."""
    try:
        check_size(stored_size(tables))
    except TooLarge as exc:
        raise TransferError(f"{nothing}: {exc}") from exc


def restore_would_replace(store: Store, name: str | None = None) -> int:
    """How many answers written since the backup ``name`` a restore would turn into earlier versions."""
    try:
        _, data = _choose(store, name, [])
    except TransferError:
        return 0  # the restore itself says why it cannot
    return len(_replaced(store.tables(), data))


def _answer_docs(tables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    table = tables.get("answers")
    docs = table.values() if isinstance(table, dict) else []
    return {doc["key"]: doc for doc in docs if isinstance(doc, dict) and isinstance(doc.get("key"), str)}


def _replaced(current: dict[str, Any], incoming: dict[str, Any]) -> list[dict[str, Any]]:
    """The current answers that ``incoming`` would replace or erase (those with text)."""
    new = _answer_docs(incoming)
    return [
        doc for key, doc in _answer_docs(current).items()
        if versions_.has_text(doc.get("value")) and (key not in new or new[key].get("value") != doc.get("value"))
    ]


def _table(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(n): doc for n, doc in enumerate(docs, 1)}


def _docs(tables: dict[str, Any], name: str) -> list[dict[str, Any]]:
    table = tables.get(name)
    return [dict(d) for d in table.values() if isinstance(d, dict)] if isinstance(table, dict) else []


def keep_replaced(current: dict[str, Any], incoming: dict[str, Any], why: str, now: datetime | None = None) -> dict[str, Any]:
    """``incoming`` (tables as stored), with every earlier version of both sides and the current
    answers it replaces kept as earlier versions: nothing written is ever only in a backup."""
    merged = dict(incoming)
    kept = _docs(incoming, "versions")
    for version in _docs(current, "versions"):
        if not any(versions_.same(version, k) for k in kept):
            kept.append(version)
    for doc in _replaced(current, incoming):
        kept.append(versions_.make(doc["key"], doc.get("value"), doc.get("written"), why, now))
    merged["versions"] = _table(versions_.trim(kept))  # bounded: the newest, per answer and in all
    return merged


def last_reset(store: Store) -> Backup | None:
    """The backup taken before the last reset, unless a restore (an undo) came after it."""
    latest = None
    for b in backups(store):
        if b.reason == "before-reset":
            latest = b
        elif b.reason in ("before-restore", "before-undo"):
            latest = None
    return latest


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


def _read_database(path: Path) -> dict[str, Any]:
    """A backup's tables, read and checked like any data that comes in (links are not followed)."""
    try:
        return validate.check_tables(validate.read_json(path, follow_symlinks=False), known_version=SCHEMA_VERSION)
    except validate.Newer as exc:
        raise TransferError(f"{path.name} comes from a newer version of the workbook; nothing was changed") from exc
    except validate.Invalid as exc:
        raise TransferError(f"{path.name} cannot be restored: {exc}; nothing was changed") from exc
    except OSError as exc:
        raise TransferError(f"{path.name} cannot be read ({exc.strerror or exc}); nothing was changed") from exc


# -- opening, with repair -----------------------------------------------------------
def repair(folder: Path, problem: Exception | None = None) -> str:
    """Move a damaged workbook file aside (kept) and bring back the newest backup that reads as a
    workbook. Returns what the person should be told."""
    damaged = Store(folder)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    aside = folder / f"workbook.damaged-{stamp}.json"
    n = 1
    while aside.exists() or aside.is_symlink():
        n += 1
        aside = folder / f"workbook.damaged-{stamp}-{n}.json"
    os.replace(damaged.path, aside)
    good = None
    for candidate in reversed(backups(damaged)):
        try:
            raw = validate.read_file(candidate.path, follow_symlinks=False)
            validate.check_tables(validate.loads(raw), known_version=SCHEMA_VERSION)
        except (OSError, validate.Invalid):
            continue
        good = candidate
        break
    reason = str(problem).split(": ", 1)[1] if problem and ": " in str(problem) else ""
    why = f" ({reason})" if reason else ""
    # hosted, the visitor is told the name in their own folder, never the server's path
    where = f"{aside.name} in your workbook's folder" if os.environ.get("WORKBOOK_HOSTED") == "1" else aside
    said = f"Your workbook file could not be read{why}, so it was moved aside to {where} (kept, not deleted). "
    if good is not None:
        atomic_write(folder / DB_NAME, raw)
        return said + f"Your answers were brought back from the backup of {moment_label(good.taken, date.today())}."
    return said + "There was no backup to bring back, so the workbook starts empty."


def open_store(folder: Path) -> tuple[Store, list[str]]:
    """Open the workbook; a damaged file is moved aside (kept) and the newest good backup restored.

    The same happens if the file is damaged later, while the workbook is open (another program
    changed it): the store then keeps the notice for :meth:`Store.take_notices`.
    Returns the store and what the person should be told, in plain words.
    """
    notices: list[str] = []
    try:
        store = Store.open(folder, before_migrate=lambda s: backup(s, "before-migrate"))
    except DamagedData as exc:
        notices.append(repair(folder, exc))
        store = Store.open(folder, before_migrate=lambda s: backup(s, "before-migrate"))
    store.on_damaged = lambda problem: repair(folder, problem)
    return store, notices


# -- reset -----------------------------------------------------------------------
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
def export_data(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Everything, complete and versioned."""
    now = now or datetime.now(timezone.utc)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "schema": SCHEMA_VERSION,
        "exported_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "answers": store.answers(),
        "written": store.written(),
        "versions": store.versions(),
        "picks": store.picks(),
        "decisions": store.custom_decisions(),
        "settings": store.settings(),
        "position": store.position(),
    }


def export_json(store: Store, now: datetime | None = None) -> str:
    # Text was cleaned when it was loaded; cleaned again on the way out (JSON leaves DEL and the C1
    # controls as they are), so no export can carry an escape sequence to a terminal.
    return clean(json.dumps(export_data(store, now), ensure_ascii=False, indent=2) + "\n")


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def export_markdown(store: Store, now: datetime | None = None, today: date | None = None) -> str:
    """A document for a person: section titles, each prompt with the answer exactly as typed."""
    now = now or datetime.now(timezone.utc)
    wb = content.load()
    answers = store.answers()
    history = versions_.by_key(store.versions())
    today = today or practice.local_day(now)
    # A file outlives the year it was written in: its own date carries the year.
    out = [f"# {wb.title}", "", f"*{wb.credit}*", "", f"My workbook, exported on {day_label(now.astimezone().date())}.", ""]
    for section in wb.sections:
        out += [f"## {section.number}. {section.title}", ""]
        if section.number == practice_section():
            out += _decisions_markdown(store, today)
            continue
        done, total = section_progress(section, answers)
        out += [f"{done} of {total} answered.", ""]
        for block in section.blocks:
            if isinstance(block, Passage):
                out += [f"### {block.heading}", ""] if block.heading else []
                continue
            out += _answer_markdown(block, answers.get(block.key))
            out += _versions_markdown(block, history.get(block.key, []), today)
    out += ["---", "", wb.care_note, ""]
    return clean("\n".join(out))  # cleaned on the way out too


def _answer_markdown(exercise: Exercise, value: Any) -> list[str]:
    """One exercise: its prompt, and the answer exactly as typed (quoted, line by line).

    An unticked "this feels familiar" is left out; any other prompt without an answer says so.
    """
    if exercise.kind == "toggle":
        return [f"*{exercise.prompt}:* yes", ""] if value is True else []
    return [f"**{exercise.prompt}**", "", *_value_markdown(exercise, value), ""]


def _value_markdown(exercise: Exercise, value: Any, default: bool = True, empty: str = f"*{NOT_YET}*") -> list[str]:
    """An answer's value as Markdown lines; ``empty`` when there is none."""
    if exercise.kind == "toggle":
        return ["yes" if value is True else empty]
    if exercise.kind == "scale":
        return [f"{value} of 5" if is_answered(exercise, value) else empty]
    if exercise.kind == "entries":
        items = value if isinstance(value, list) else []
        lines = [
            "- " + entry_line(exercise, entry).replace("\n", " ") for entry in items if entry_has_text(exercise, entry)
        ]
        return lines or [empty]
    text = value if isinstance(value, str) and value else (exercise.default if default else "")
    return [_quote(text) if text else empty]


def _versions_markdown(exercise: Exercise, history: list[dict[str, Any]], today: date) -> list[str]:
    """An answer's earlier versions, newest first, each with where it came from."""
    if not history:
        return []
    out = [f"*{versions_.count_text(len(history)).capitalize()}:*", ""]
    for version in reversed(history):
        out += [f"- {versions_.describe(version, today)}:", ""]
        value = _value_markdown(exercise, version.get("value"), default=False, empty="*(empty)*")
        out += ["  " + line if line else "" for line in value]
        out += [""]
    return out


def _decisions_markdown(store: Store, today: date) -> list[str]:
    picks = sorted(store.picks(), key=lambda p: p.get("at", ""))
    s = practice.streak(practice.practice_days_of(picks), today)
    summary = practice.summarise(picks)
    a = summary.aligned
    out = [
        f"Streak: {practice.streak_text(s.current, s.run_ended)} · best: {plural(s.best, 'day')} · "
        f"{plural(summary.total, 'decision')} practised on {plural(s.practice_days, 'day')}.",
        f"Did it align? yes {a['yes']} · partly {a['partly']} · not really {a['not really']}.",
        "",
    ]
    if picks:
        out += ["| Day | Decision | My pick | The ping | Did it align? | What I learned |", "| --- | --- | --- | --- | --- | --- |"]
        for p in picks:
            cells = [day_label(p.get("day", "")), p.get("prompt", ""), p.get("option", ""), p.get("clarity") or "",
                     p.get("checkin") or "", p.get("learned") or ""]
            out.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        out.append("")
    own = store.custom_decisions()
    if own:
        out += ["My own decisions:", ""] + [f"- {d['prompt']} ({' / '.join(d['options'])})" for d in own] + [""]
    return out


def parse_export(text: str | bytes) -> dict[str, Any]:
    """Check that ``text`` is a workbook export this version can read (its outer shape; the tables
    are checked by :func:`import_data`)."""
    try:
        data = validate.loads(text)
    except validate.Invalid as exc:
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError) and cause.doc.lstrip().startswith("{") and cause.pos >= len(cause.doc.rstrip()) - 1:
            raise TransferError("this workbook export is cut short (truncated); nothing was changed") from exc
        if isinstance(cause, json.JSONDecodeError) or str(exc) == "it is empty":
            raise TransferError("this file is not a workbook export (it is not JSON); nothing was changed") from exc
        raise TransferError(f"this file cannot be imported: {exc}; nothing was changed") from exc
    try:
        return validate.check_export(data, EXPORT_FORMAT, EXPORT_VERSION, SCHEMA_VERSION)
    except validate.Newer as exc:
        raise TransferError(
            f"this export comes from a newer version of the workbook (format {exc.version}); "
            "please update the workbook first. Nothing was changed"
        ) from exc
    except validate.Invalid as exc:
        if str(exc) == "this file is not a workbook export":
            raise TransferError(f"{exc}; nothing was changed") from exc
        raise TransferError(f"nothing was imported: {exc}") from exc


def read_export(path: Path) -> dict[str, Any]:
    """An export file, read within the limits (a regular file, at most 128 MB: an export is indented,
    so an export of a workbook under its 64 MB cap is larger than the workbook) and checked."""
    try:
        raw = validate.read_file(path, limit=validate.MAX_IMPORT_BYTES)
    except validate.Invalid as exc:
        raise TransferError(f"cannot import {path}: {exc}; nothing was changed") from exc
    except OSError as exc:
        raise TransferError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_export(raw)


def import_data(store: Store, data: dict[str, Any]) -> Backup | None:
    """Replace everything with an export's contents, after a backup. Checked before anything changes."""
    written = data.get("written") if isinstance(data.get("written"), dict) else {}
    tables: dict[str, Any] = {
        "answers": {
            str(n): {"key": k, "value": v, **({"written": written[k]} if isinstance(written.get(k), str) else {})}
            for n, (k, v) in enumerate(data["answers"].items(), 1)
        },
        "versions": _table([dict(v) for v in data.get("versions") or [] if isinstance(v, dict)]),
        "picks": {str(n): p for n, p in enumerate(data["picks"], 1)},
        "decisions": {str(n): d for n, d in enumerate(data.get("decisions") or [], 1)},
        "settings": {str(n): {"name": k, "value": v} for n, (k, v) in enumerate((data.get("settings") or {}).items(), 1)},
    }
    if data.get("position"):
        tables["state"] = {"1": {"name": "position", **data["position"]}}
    try:
        tables = validate.check_tables(tables)
    except validate.Invalid as exc:
        raise TransferError(f"nothing was imported: {exc}") from exc
    merged = keep_replaced(store.tables(), tables, "import")
    _check_size(merged, "nothing was imported")
    taken = backup(store, "before-import")
    store.replace_all(merged)
    return taken


def write_export(store: Store, fmt: str, folder: Path | None = None, now: datetime | None = None,
                 keep: int | None = None) -> Path:
    """Write an export file into ``folder`` (the data folder's exports/ by default); returns its path.
    ``keep``: then only the newest ``keep`` exports in that folder stay (hosted: HOSTED_EXPORTS)."""
    now = now or datetime.now(timezone.utc)
    folder = folder or store.folder / "exports"
    ensure_private_folder(folder)
    suffix = "md" if fmt == "markdown" else "json"
    path = folder / f"my-workbook-{now.astimezone():%Y-%m-%d-%H%M%S}.{suffix}"
    text = export_markdown(store, now) if fmt == "markdown" else export_json(store, now)
    atomic_write(path, text.encode("utf-8"))
    if keep is not None:
        _prune_exports(folder, path, keep)
    return path


EXPORT_NAME = re.compile(r"my-workbook-\d{4}-\d{2}-\d{2}-\d{6}(-\d+)?\.(json|md)")


def _prune_exports(folder: Path, newest: Path, keep: int) -> None:
    """Only the newest ``keep`` export files the workbook named stay in ``folder`` (links are left alone)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if EXPORT_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                found.append((entry.path == str(newest), entry.stat(follow_symlinks=False).st_mtime_ns, entry.name, entry.path))
    for *_, path in sorted(found)[:-keep] if keep > 0 else []:
        with contextlib.suppress(OSError):
            os.unlink(path)


def write_output(path: Path, data: bytes, force: bool = False) -> None:
    """Write an export to a file the person named: a new regular file, created 0600.

    An existing file is replaced only with ``force`` (atomically, keeping its mode); symbolic links
    are never followed, and folders, devices and pipes are refused. Messages name ``path`` as given.
    """
    shown = str(path)
    try:
        info: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise TransferError(f"cannot write {shown}: {exc.strerror or exc}") from exc
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise TransferError(f"{shown} is a symbolic link; the workbook does not write through links. Nothing was written")
        if stat.S_ISDIR(info.st_mode):
            raise TransferError(f"{shown} is a folder; give the name of a new file. Nothing was written")
        if not stat.S_ISREG(info.st_mode):
            raise TransferError(f"{shown} is not a regular file (a device or a pipe); nothing was written")
        if not force:
            raise TransferError(f"{shown} already exists; add --force to replace it. Nothing was written")
        _replace_file(path, data, stat.S_IMODE(info.st_mode))
        return
    if not path.parent.is_dir():
        raise TransferError(f"cannot write {shown}: the folder {path.parent} does not exist")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise TransferError(f"{shown} already exists; add --force to replace it. Nothing was written") from exc
    except OSError as exc:
        raise TransferError(f"cannot write {shown}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise TransferError(f"cannot write {shown}: {exc.strerror or exc}") from exc


def _replace_file(path: Path, data: bytes, mode: int) -> None:
    """``path`` (a regular file) replaced by ``data`` in one rename: never half-written."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".workbook-export-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise TransferError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise TransferError(f"cannot write {path}: {exc.strerror or exc}") from exc


# -- status ------------------------------------------------------------------------
def status(store: Store, today: date) -> dict[str, Any]:
    wb = content.load()
    answers = store.answers()
    counted = [s for s in wb.sections if s.counted]
    progress = {s.number: section_progress(s, answers) for s in counted}
    picks = store.picks()
    s = practice.streak(practice.practice_days_of(picks), today)
    return {
        "sections_done": sum(1 for d, t in progress.values() if d == t),
        "sections_started": sum(1 for d, _ in progress.values() if d),
        "sections": len(counted),
        "answers": sum(d for d, _ in progress.values()),
        "answers_total": sum(t for _, t in progress.values()),
        "practised_today": s.practised_today,
        "streak": s.current,
        "best_streak": s.best,
        "decisions": len(picks),
    }


def status_line(info: dict[str, Any]) -> str:
    """One line in Home's words: the answers, the sections with exercises, the practice."""
    answers = f"{plural(info['answers'], 'answer')} so far"
    sections = f"{info['sections_started']} of {info['sections']} sections with exercises begun"
    if info["sections_done"]:
        sections += f" ({info['sections_done']} complete)"
    note = practice.practice_note(info["streak"], info["decisions"])
    if info["decisions"]:
        note += " · today: practised" if info["practised_today"] else " · today: not yet"
    return f"Self-trust workbook: {answers} · {sections} · practice: {note}"


def backup_lines(found: list[Backup], today: date) -> list[str]:
    """``workbook backups``: one backup a line, in aligned columns under a header."""
    rows = [("Name", "Taken", "Size", "Why")]
    why = {"daily": "daily", "before-reset": "before a reset", "before-import": "before an import",
           "before-restore": "before a restore", "before-migrate": "before an update",
           "before-undo": "before an undo"}
    for b in found:
        rows.append((b.name, moment_label(b.taken, today), f"{b.size:,} B", why.get(b.reason, b.reason)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        name, taken, size, reason = row
        lines.append(f"{name:<{widths[0]}}  {taken:<{widths[1]}}  {size:>{widths[2]}}  {reason}".rstrip())
    return lines
