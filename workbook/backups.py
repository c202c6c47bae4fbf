"""Backups: one a day and one before any reset, import or restore, kept rotated in the data folder;
restoring one, and opening the store (repairing a damaged file first). No Textual here."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from workbook import validate
from workbook import versions as versions_
from workbook.wording import moment_label
from workbook.storage import DB_NAME, SCHEMA_VERSION, DamagedData, Store, StorageError, TooLarge, atomic_write, check_size, ensure_private_folder, stored_size


BACKUP_DIR = "backups"
DAILY_KEEP = 7
OTHER_KEEP = 20
BACKUP_CAPS = 4  # all backups together: at most this many times the workbook's cap (validate.MAX_FILE_BYTES)
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


def keep_replaced(current: dict[str, Any], incoming: dict[str, Any], why: str, now: datetime | None = None,
                  trimmed: versions_.Trimmed | None = None) -> dict[str, Any]:
    """``incoming`` (tables as stored), with every earlier version of both sides and the current
    answers it replaces kept as earlier versions: nothing written is ever only in a backup.
    What the bounds on earlier versions leave out is counted in ``trimmed``."""
    merged = dict(incoming)
    kept = _docs(incoming, "versions")
    # Compared only with versions of the same answer, time, reason and text: an import of 100,000 versions
    # over 10,000 does not compare each with each.
    alike: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for k in kept:
        alike.setdefault(_version_place(k), []).append(k)
    for version in _docs(current, "versions"):
        if not any(versions_.same(version, k) for k in alike.get(_version_place(version), ())):
            kept.append(version)
    for doc in _replaced(current, incoming):
        kept.append(versions_.make(doc["key"], doc.get("value"), doc.get("written"), why, now))
    merged["versions"] = _table(versions_.trim(kept, trimmed))  # bounded: the newest, per answer and in all
    return merged


def _version_place(version: dict[str, Any]) -> tuple[str, str, str, str]:
    """What :func:`workbook.versions.same` compares, as a key: only versions with the same key are compared.
    (A value equal but written otherwise, 1 and 1.0, would be kept twice: one version too many, never one too few.)"""
    value = json.dumps(version.get("value"), sort_keys=True, ensure_ascii=False, default=str)
    return str(version.get("key")), str(version.get("replaced")), str(version.get("why")), value


def last_reset(store: Store) -> Backup | None:
    """The backup taken before the last reset, unless a restore (an undo) came after it."""
    latest = None
    for b in backups(store):
        if b.reason == "before-reset":
            latest = b
        elif b.reason in ("before-restore", "before-undo"):
            latest = None
    return latest


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
    store = Store(folder)
    return store, open_into(store)


def open_into(store: Store) -> list[str]:
    """Open ``store`` as :func:`open_store` does (the app makes its store first and opens it after its
    first screen); what the person should be told."""
    notices: list[str] = []
    folder = store.folder
    try:
        store.load(before_migrate=lambda s: backup(s, "before-migrate"))
    except DamagedData as exc:
        notices.append(repair(folder, exc))
        store.load(before_migrate=lambda s: backup(s, "before-migrate"))
    store.on_damaged = lambda problem: repair(folder, problem)
    return notices


# -- reset -----------------------------------------------------------------------
