"""A rescue copy: when the disk will not take a save, everything goes to a file somewhere else.

No Textual here. The copy is the workbook as it would be with the unsaved changes written: the
stored data with the saver's pending :class:`~workbook.storage.Changes` applied in memory, as the
usual JSON export (which ``workbook import`` takes) and the usual Markdown export, both from
:mod:`workbook.exchange`. Both files are 0600, in the first place that takes them: the data folder's
parent, the home folder, the temporary folder.

How the next start finds a copy: by its name, in those same places. A copy is called
``workbook-rescue-<date>-<time>-<tag>.json`` (and ``.md``), where the tag is the first eight hex
digits of the SHA-256 of the data folder's full path: copies of other workbooks (another
``--data-dir``, another visitor's profile) are never offered. A marker in the data folder could not
work, since the data folder is exactly where nothing could be written. Copies the person has
answered about (imported, or kept without importing) are listed in the data folder's
``.workbook-rescues-seen`` and not offered again; the files themselves are never deleted.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from workbook import backups, exchange
from workbook.storage import Changes, Store, StorageError, atomic_write, encode

PREFIX = "workbook-rescue-"
SEEN_NAME = ".workbook-rescues-seen"


class RescueError(Exception):
    """No place would take the rescue copy. The message names the places tried and why."""


@dataclass(frozen=True)
class RescueCopy:
    json_path: Path
    markdown_path: Path

    @property
    def taken(self) -> datetime | None:
        """When the copy was made (from its name, local time), if the name says."""
        stamp = self.json_path.name.removeprefix(PREFIX)[:17]  # 2026-11-28-021530
        try:
            return datetime.strptime(stamp, "%Y-%m-%d-%H%M%S")
        except ValueError:
            return None


# -- why the disk refused ---------------------------------------------------------------------
def reason(exc: BaseException | None) -> str:
    """The disk's refusal in plain words, for a dialog or a line on standard error."""
    if isinstance(exc, OSError):
        words = {
            errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the disk is read-only",
            errno.EACCES: "the data folder does not allow writing",
            errno.EPERM: "the data folder does not allow writing",
            errno.EISDIR: "the workbook file was replaced by a folder",
            errno.EIO: "the disk reports an input/output error",
        }
        return words.get(exc.errno or 0) or (exc.strerror or str(exc) or "the disk did not take it")
    if isinstance(exc, StorageError):
        return str(exc)
    return "the disk did not take it"


# -- building the copy -------------------------------------------------------------------------
class _MemoryStorage(Storage):
    """Tables held in memory only: the stored data with the pending changes applied."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.generation = 0
        self.foreign = False

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data

    def refresh(self) -> bool:
        return False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield

    def replace(self, data: dict[str, Any]) -> None:
        self.generation += 1
        self._data = data

    def close(self) -> None:
        pass


class _MemoryStore(Store):
    """A Store over memory, so the saver's own ``apply`` and the usual exports work unchanged."""

    def __init__(self, folder: Path, data: dict[str, Any]) -> None:
        super().__init__(folder)
        self._storage = _MemoryStorage(data)  # type: ignore[assignment]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        yield  # nothing on disk to lock


def _dedupe(data: dict[str, Any]) -> dict[str, Any]:
    """Picks once per id, own decisions once each.

    When the file could not be read again, the base is the data as last held in memory, which can
    already hold a refused write; applying the pending changes on top adds its picks a second time.
    """
    for table, key in (("picks", lambda d: d.get("id") or json.dumps(d, sort_keys=True)),
                       ("decisions", lambda d: json.dumps(d, sort_keys=True))):
        docs = data.get(table)
        if not isinstance(docs, dict):
            continue
        seen: set[str] = set()
        kept = {}
        for doc_id, doc in docs.items():
            k = key(doc) if isinstance(doc, dict) else doc_id
            if k not in seen:
                seen.add(k)
                kept[doc_id] = doc
        data[table] = kept
    return data


def with_pending(store: Store, pending: Changes) -> Store:
    """The workbook as it would be if ``pending`` had been written: a Store in memory only."""
    try:
        base = store.tables()  # the file as it is now
    except (OSError, StorageError):
        base = store.tables(refresh=False)  # the file cannot be read: the data as last held
    memory = _MemoryStore(store.folder, base)
    memory.knows_as(store)  # the pending answers replace what this window last saw, as a save would
    if pending:
        memory.apply(pending)
    return _MemoryStore(store.folder, _dedupe(json.loads(encode(memory.tables()))))


def texts(store: Store, pending: Changes, now: datetime | None = None) -> tuple[str, str]:
    """The rescue copy's JSON (an ordinary export) and Markdown."""
    now = now or datetime.now(timezone.utc)
    memory = with_pending(store, pending)
    return exchange.export_json(memory, now), exchange.export_markdown(memory, now)


# -- where it goes, and finding it again ---------------------------------------------------------
def folder_tag(folder: Path) -> str:
    """Eight hex digits naming the data folder in a rescue copy's file name."""
    return hashlib.sha256(str(Path(folder).expanduser().resolve()).encode("utf-8")).hexdigest()[:8]


def places(folder: Path, home: Path | None = None, temp: Path | None = None) -> list[Path]:
    """Where a rescue copy may go, in order: the data folder's parent, the home folder, the temporary folder."""
    found: list[Path] = []
    for place in (Path(folder).expanduser().resolve().parent, home or Path.home(), temp or Path(tempfile.gettempdir())):
        with contextlib.suppress(OSError, RuntimeError):
            place = place.resolve()
        if place not in found:
            found.append(place)
    return found


def _names(folder: Path, place: Path, now: datetime) -> tuple[Path, Path]:
    base = f"{PREFIX}{now.astimezone():%Y-%m-%d-%H%M%S}-{folder_tag(folder)}"
    name, n = base, 1
    while (place / f"{name}.json").exists() or (place / f"{name}.md").exists():
        n += 1
        name = f"{base}-{n}"
    return place / f"{name}.json", place / f"{name}.md"


def write(store: Store, pending: Changes, where: list[Path] | None = None, now: datetime | None = None) -> RescueCopy:
    """Write the rescue copy (JSON and Markdown, 0600) to the first place that takes both files."""
    now = now or datetime.now(timezone.utc)
    try:
        json_text, markdown = texts(store, pending, now)
    except (OSError, StorageError) as exc:
        raise RescueError(f"the rescue copy could not be put together: {reason(exc)}") from None
    tried = []
    for place in where if where is not None else places(store.folder):
        json_path, md_path = _names(store.folder, place, now)
        note = (
            f"> A rescue copy of your workbook, made on {now.astimezone():%d %B %Y at %H:%M} because the disk "
            f"would not take the save. `workbook import {json_path}` brings it back.\n\n"
        )
        try:
            atomic_write(json_path, json_text.encode("utf-8"))
            try:
                atomic_write(md_path, (note + markdown).encode("utf-8"))
            except BaseException:
                with contextlib.suppress(OSError):
                    json_path.unlink()
                raise
        except OSError as exc:
            tried.append(f"{place} ({reason(exc)})")
            continue
        return RescueCopy(json_path, md_path)
    raise RescueError("no place would take the rescue copy: " + "; ".join(tried))


def _seen(folder: Path) -> set[str]:
    try:
        return set((Path(folder) / SEEN_NAME).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def find(folder: Path, where: list[Path] | None = None) -> list[RescueCopy]:
    """This workbook's rescue copies not yet answered about, newest first."""
    seen = _seen(folder)
    found = []
    tag = f"-{folder_tag(folder)}"
    for place in where if where is not None else places(folder):
        with contextlib.suppress(OSError):
            for name in os.listdir(place):  # one pass: a home folder can hold thousands of files
                if not (name.startswith(PREFIX) and name.endswith(".json")):
                    continue
                stem = name.removesuffix(".json")
                if not (stem.endswith(tag) or tag + "-" in stem):
                    continue
                path = place / name
                if str(path) not in seen and path.is_file():
                    found.append(RescueCopy(path, path.with_suffix(".md")))
    return sorted(set(found), key=_order, reverse=True)


def _order(copy: RescueCopy) -> tuple[str, int]:
    """Oldest to newest: the time in the name, then the number added for a second copy in the same second."""
    rest = copy.json_path.stem.removeprefix(PREFIX)  # 2026-11-28-021530-1a2b3c4d[-2]
    number = rest[27:]
    return rest[:17], int(number) if number.isdigit() else 1


def mark_seen(folder: Path, copy: RescueCopy) -> None:
    """Do not offer ``copy`` again (the file stays where it is)."""
    seen = sorted(_seen(folder) | {str(copy.json_path)})
    atomic_write(Path(folder) / SEEN_NAME, ("\n".join(seen) + "\n").encode("utf-8"))


def read(copy: RescueCopy) -> dict[str, Any]:
    """The copy's contents, checked the way `workbook import` checks a file."""
    try:
        text = copy.json_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise backups.TransferError(f"cannot read {copy.json_path}: {reason(exc)}") from None
    return exchange.parse_export(text)
