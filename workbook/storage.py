"""The one place that touches the database file. No Textual here.

TinyDB keeps the data; this module adds what TinyDB leaves out:

- every write is atomic: a temporary file in the same folder, flush, fsync,
  ``os.replace``, then an fsync of the folder, so the file always holds either
  the old or the new state;
- a lock file serialises read-modify-write between processes, and the cache is
  re-read from disk after taking it when another process changed the file;
- the folder is 0700 and the files 0600, after every rewrite too;
- the database records its schema version.

Nothing is created until :meth:`Store.open` is called.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import stat
import tempfile
import time
from datetime import datetime, timezone
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from workbook import summary as summary_
from workbook import validate
from workbook.records import Pick
from workbook import versions as versions_

SCHEMA_VERSION = 2
DB_NAME = "workbook.json"
LOCK_NAME = ".workbook.lock"
TMP_PREFIX = ".workbook-"
_UNREAD = (-1, -1, -1)  # a file stamp no file has: the next refresh reads the file again


class StorageError(Exception):
    """Something about the data folder needs the person's attention. The message says what."""


class TooLarge(StorageError):
    """A write that would make the workbook file larger than its cap (nothing is written)."""


MB = 1024 * 1024


def check_size(size: int) -> None:
    """Refuse a workbook file of ``size`` bytes over the cap (validate.MAX_FILE_BYTES), in one line."""
    if size > validate.MAX_FILE_BYTES:
        raise TooLarge(f"the workbook would be {-(-size // MB)} MB, over the {validate.MAX_FILE_BYTES // MB} MB limit")


def stored_size(tables: dict[str, Any]) -> int:
    """How large the workbook file holding ``tables`` (as stored) would be."""
    return len(encode({**tables, "meta": {"1": {"name": "schema", "version": SCHEMA_VERSION}}}))


def with_summary(tables: dict[str, Any]) -> dict[str, Any]:
    """``tables`` with their summary made again (after an update, an import, a restore, a reset)."""
    return {**tables, summary_.TABLE: {"1": summary_.of_tables(tables).to_doc()}}


class DamagedData(StorageError):
    pass


class NewerData(StorageError):
    pass


def ensure_private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o777 != 0o700:
        os.chmod(folder, 0o700)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


CHUNK = 500  # documents encoded at a time
HEAD = ("meta", summary_.TABLE, "settings", "state")  # written first; all Home needs (read_head)
HEAD_BYTES = 256 * 1024  # read_head looks no further into the file


def encode(data: dict[str, Any]) -> bytes:
    """JSON for the whole database, encoded a few hundred documents at a time.

    One ``json.dumps`` of a large table holds the GIL for tens of milliseconds; in chunks, with a
    pause between them, a save on the writer thread leaves the interface free to draw.
    """
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    tables = []
    # The small tables first: the app reads only these before its first screen (read_head).
    ordered = [name for name in HEAD if name in data] + [name for name in data if name not in HEAD]
    for name, table in ((name, data[name]) for name in ordered):
        items = list(table.items()) if isinstance(table, dict) else []
        parts = []
        for start in range(0, len(items), CHUNK):
            parts.append(dumps(dict(items[start : start + CHUNK]))[1:-1])
            time.sleep(0)
        tables.append(f"{dumps(name)}:{{{','.join(p for p in parts if p)}}}")
    return ("{" + ",".join(tables) + "}").encode("utf-8")


@dataclass
class Changes:
    """Everything waiting to be saved, applied in one locked write."""

    answers: dict[str, Any] = field(default_factory=dict)  # value None removes the answer
    position: dict[str, Any] | None = None
    new_picks: list[dict[str, Any]] = field(default_factory=list)
    pick_updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_decisions: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    # Earlier versions to keep as they are (a removed list item), and answers whose replaced
    # text is kept whatever its day, with the reason (putting an earlier version back).
    versions: list[dict[str, Any]] = field(default_factory=list)
    keep: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.answers or self.position is not None or self.new_picks or self.pick_updates
            or self.new_decisions or self.settings or self.versions
        )

    def merge_under(self, newer: Changes) -> Changes:
        """These (older, unsaved) changes with ``newer`` ones on top."""
        updates = {k: dict(v) for k, v in self.pick_updates.items()}
        for k, v in newer.pick_updates.items():
            updates.setdefault(k, {}).update(v)
        return Changes(
            answers={**self.answers, **newer.answers},
            position=newer.position if newer.position is not None else self.position,
            new_picks=self.new_picks + newer.new_picks,
            pick_updates=updates,
            new_decisions=self.new_decisions + newer.new_decisions,
            settings={**self.settings, **newer.settings},
            versions=self.versions + newer.versions,
            keep={**self.keep, **newer.keep},
        )


def read_checked(path: Path) -> dict[str, Any]:
    """A database file, read within the limits and checked (text cleaned) by :mod:`workbook.validate`.

    Data from a newer version is returned as it is: the store refuses it (:class:`NewerData`).
    """
    try:
        data = validate.loads(validate.read_file(path))
        return validate.check_tables(data, known_version=SCHEMA_VERSION)
    except validate.Newer:
        return data
    except validate.Invalid as exc:
        reason = str(exc)
        if reason == "it is empty":
            raise DamagedData(f"{path} is empty") from exc
        raise DamagedData(f"{path} is not readable: {reason}") from exc


@dataclass(frozen=True)
class Head:
    """The start of a workbook file: what the first screen needs, read without the history."""

    summary: summary_.Summary
    settings: dict[str, Any]
    position: dict[str, Any] | None


_SPACE = re.compile(r"[ \t\n\r]*")


def read_head(folder: str | os.PathLike[str]) -> Head | None:
    """The summary, settings and position from the start of the workbook file, without reading the rest.

    None when they are not all there within :data:`HEAD_BYTES` (a file written before the summary,
    or by another program), or anything about them is not as the workbook writes it: then the whole
    file is read as usual, which also says what is the matter.
    """
    path = Path(folder) / DB_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = os.read(fd, HEAD_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 3:
            return None
        text = raw[: exc.start].decode("utf-8")  # a character cut at the end of what was read
    tables: dict[str, Any] = {}
    decoder = json.JSONDecoder(parse_constant=validate.no_constants)
    try:
        at = _SPACE.match(text).end()
        if text[at : at + 1] != "{":
            return None
        at += 1
        while True:
            at = _SPACE.match(text, at).end()
            name, at = decoder.raw_decode(text, at)
            if not isinstance(name, str) or name not in HEAD or name in tables:
                break  # the history begins: everything Home needs came before it
            at = _SPACE.match(text, at).end()
            if text[at : at + 1] != ":":
                return None
            table, at = decoder.raw_decode(text, _SPACE.match(text, at + 1).end())
            tables[name] = table
            at = _SPACE.match(text, at).end()
            if text[at : at + 1] != ",":
                break
            at += 1
    except (ValueError, RecursionError):
        return None  # cut short within HEAD_BYTES, or not JSON: the whole file is read
    try:
        checked = validate.check_tables(tables, known_version=SCHEMA_VERSION)
    except validate.Invalid:  # Newer too
        return None
    if validate.schema_version(checked) != SCHEMA_VERSION:
        return None
    found = summary_.stored(checked)
    if found is None:
        return None
    settings = {doc["name"]: doc["value"] for doc in checked.get("settings", {}).values()}
    position = next((doc for doc in checked.get("state", {}).values() if doc.get("name") == "position"), None)
    return Head(found, settings, None if position is None else {k: v for k, v in position.items() if k != "name"})


_REPEATED = ("decision", "prompt", "option", "day", "clarity", "checkin", "learned")


def share_repeats(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each repeated text of the picks held once (the same decision, day or answer
    read 10,000 times is 10,000 strings from the JSON parser): a few MB less at 10,000 decisions."""
    picks = data.get("picks")
    if isinstance(picks, dict):
        seen: dict[Any, Any] = {}
        share = seen.setdefault
        for doc in picks.values():
            if isinstance(doc, dict):
                for name in _REPEATED:
                    value = doc.get(name)
                    if type(value) is str:
                        doc[name] = share(value, value)
    return data


class AtomicJSONStorage(Storage):
    """A TinyDB storage that keeps the data in memory and writes atomically.

    Reads come from memory; :meth:`refresh` re-reads the file when another
    process has replaced it. Inside :meth:`batch` writes are held and made once.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._refused_at: tuple[int, int, int] | None = None  # the file's stamp when a write was refused
        self._depth = 0
        self._dirty = False
        self.generation = 0  # bumped whenever the data is reloaded from disk
        self.refresh()
        self.foreign = False  # set when a reload brought in another process's writes

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def refresh(self) -> bool:
        """Re-read the file if it changed since we last read or wrote it. True if it did."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return False
        if stamp is None:
            self._stamp = None
            self.generation += 1
            self._data = None
            return True
        data = share_repeats(read_checked(self.path))
        if stamp != self._refused_at:
            self.foreign = True  # not just our own file read again after a refused write
        self._refused_at = None
        self._stamp = stamp
        self.generation += 1
        self._data = data
        return True

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        if self._depth:
            self._dirty = True
        else:
            self._flush()

    def _flush(self) -> None:
        try:
            data = encode(self._data or {})
            check_size(len(data))  # never a file the workbook could not read back
            atomic_write(self.path, data)
        except BaseException:
            # The memory now holds a write the disk refused: read the file again before the next
            # write, so a retry starts from what is on disk (a refused pick is not added twice).
            if self._stamp != _UNREAD:
                self._refused_at = self._stamp
            self._stamp = _UNREAD
            self._dirty = False
            raise
        self._stamp = self._file_stamp()
        self._dirty = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0 and self._dirty:
            self._flush()

    def replace(self, data: dict[str, Any]) -> None:
        """Put ``data`` in place of everything (restore, import, reset)."""
        self.generation += 1
        self.write(data)

    def close(self) -> None:
        pass


SESSION_NAME = ".workbook.session"


def join_session(folder: Path) -> tuple[int, bool]:
    """Mark this process as a session on ``folder``. Returns (fd to keep open, whether another is open).

    Each session holds a shared lock on one file; a newcomer that cannot take it exclusively
    knows someone else is there. The lock goes when the process ends, however it ends.
    """
    fd = os.open(folder / SESSION_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        others = False
    except BlockingIOError:
        others = True
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd, others


def _from_unversioned(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (no schema record) to 1: the tables are the same; only the record is added."""
    return data


def _add_versions(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 to 2: answers may say when they were written, and earlier versions get a table.

    Nothing in version 1 data changes: an answer without a time counts as written on an earlier
    day, so its first change keeps it as an earlier version.
    """
    data.setdefault("versions", {})
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_unversioned, 1: _add_versions}


def remove_leftovers(folder: Path) -> None:
    """Temporary files a crash left behind (never the database or a backup)."""
    for sub in (folder, folder / "backups", folder / "exports"):
        if sub.is_dir():
            for leftover in sub.glob(f"{TMP_PREFIX}*.tmp"):
                with contextlib.suppress(OSError):
                    leftover.unlink()


class Store:
    """The workbook's database: answers, where the person was, and (later) more tables."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        self._storage: AtomicJSONStorage | None = None
        self._db: TinyDB | None = None
        self._db_generation = -1
        # What this session last read from or wrote to the file, per answer: a save that finds
        # something else there was written by another window meanwhile, and keeps it.
        self._seen: dict[str, Any] = {}
        # Called when the file turns out damaged while open (another program changed it): it moves
        # the file aside, brings back a good backup and returns what to tell the person.
        self.on_damaged: Callable[[DamagedData], str] | None = None
        self.notices: list[str] = []

    # -- opening -------------------------------------------------------
    @classmethod
    def open(cls, folder: str | os.PathLike[str], before_migrate: Callable[[Store], Any] | None = None) -> Store:
        """Open (creating the private folder and file if need be), cleaning up after any crash.

        An older database is migrated forward; ``before_migrate`` runs first (it takes a backup).
        """
        store = cls(folder)
        store.load(before_migrate)
        return store

    def load(self, before_migrate: Callable[[Store], Any] | None = None) -> None:
        """Open this store (see :meth:`open`): the app makes it first and reads the file after its first screen."""
        self._open(before_migrate)

    def _open(self, before_migrate: Callable[[Store], Any] | None) -> None:
        ensure_private_folder(self.folder)
        with self._locked():
            remove_leftovers(self.folder)
            self._storage = AtomicJSONStorage(self.path)
            version = self._schema_version()
            if version is None and not self._storage.read():
                version = SCHEMA_VERSION  # a new workbook
                self.db.table("meta").insert({"name": "schema", "version": SCHEMA_VERSION})
            version = 0 if version is None else version  # data from before versions were recorded
            self._refuse_newer(version)
            if version < SCHEMA_VERSION:
                if before_migrate is not None:
                    before_migrate(self)
                data = self._storage.read() or {}
                for step in range(version, SCHEMA_VERSION):
                    data = MIGRATIONS[step](data)
                data["meta"] = {"1": {"name": "schema", "version": SCHEMA_VERSION}}
                try:
                    data = validate.check_tables(data, known_version=SCHEMA_VERSION)
                except validate.Invalid as exc:
                    raise DamagedData(f"{self.path} is not readable after its update: {exc}") from exc
                self._storage.replace(with_summary(data))

    def _schema_version(self) -> int | None:
        doc = self.db.table("meta").get(Query().name == "schema")
        return None if doc is None else int(doc.get("version", 0))

    @property
    def db(self) -> TinyDB:
        """TinyDB over the shared storage, rebuilt when the file was reloaded.

        TinyDB's tables cache query results and the next document id; after
        another process changed the file both are stale, so the tables are
        made afresh rather than reaching into TinyDB's private state.
        """
        storage = self._storage
        if storage is None:
            raise StorageError("the store is not open")
        if self._db is None or self._db_generation != storage.generation:
            self._db = TinyDB(storage=lambda: storage)
            self._db_generation = storage.generation
        return self._db

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Lock, catch up with the file, and write everything done inside once."""
        if self._storage is None:
            raise StorageError("the store is not open")
        with self._locked():
            self._catch_up()
            with self._storage.batch():
                yield self.db

    def _catch_up(self) -> None:
        """Re-read the file if another program changed it (call with the lock held).

        A file that no longer reads as a workbook is treated like a damaged one: with
        :attr:`on_damaged` set, it is moved aside, a good backup comes back, and the person is told
        (:meth:`take_notices`); without it, :class:`DamagedData` is raised.
        """
        assert self._storage is not None
        try:
            self._storage.refresh()
        except DamagedData as exc:
            if self.on_damaged is None:
                raise
            self.notices.append(self.on_damaged(exc))
            self._storage.refresh()
            if not self._storage.read():
                self.db.table("meta").insert({"name": "schema", "version": SCHEMA_VERSION})

    def take_notices(self) -> list[str]:
        """What happened to the file since the last call, in words for the person."""
        notices, self.notices = self.notices, []
        return notices

    @classmethod
    def read_only(cls, folder: str | os.PathLike[str]) -> Store:
        """Open for reading only: creates nothing, takes no lock (writes are atomic renames)."""
        store = cls(folder)
        store._storage = AtomicJSONStorage(store.path)
        store._refuse_newer(store._schema_version() or 0)
        return store

    def _refuse_newer(self, version: int) -> None:
        """Data from a newer workbook is never read as ours, nor written over."""
        if version > SCHEMA_VERSION:
            raise NewerData(
                f"{self.path} was written by a newer version of the workbook "
                f"(data version {version}, this one knows {SCHEMA_VERSION}). "
                "It is left untouched: please update the workbook to open it."
            )

    def tables(self, refresh: bool = True) -> dict[str, Any]:
        """A copy of the whole database, as stored (``refresh`` False: as last read, without the file)."""
        if self._storage is None:
            raise StorageError("the store is not open")
        if refresh:
            self._storage.refresh()
        return json.loads(encode(self._storage.read() or {}))

    def replace_all(self, data: dict[str, Any]) -> None:
        """Replace the whole database with ``data`` (tables as stored), keeping the schema record."""
        if self._storage is None:
            raise StorageError("the store is not open")
        with self._locked():
            data = {name: table for name, table in data.items() if name != "meta"}
            data["meta"] = {"1": {"name": "schema", "version": SCHEMA_VERSION}}
            self._storage.replace(with_summary(data))

    def refresh(self) -> bool:
        """Catch up with the file. True if another process saved since the last call."""
        if self._storage is None:
            return False
        with self._locked():
            self._catch_up()
        changed, self._storage.foreign = self._storage.foreign, False
        return changed

    def close(self) -> None:
        self._db = None
        self._storage = None

    # -- answers -------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """Every answer, as in the file now; this session has now seen them (see :meth:`apply`)."""
        if self._storage is not None:
            self._catch_up()
        found = {doc["key"]: doc["value"] for doc in self.db.table("answers").all()}
        self._seen = dict(found)
        return found

    def knows_as(self, other: Store) -> None:
        """Take ``other``'s record of what it last read, so a copy of its data saves as it would."""
        self._seen = dict(other._seen)

    def written(self) -> dict[str, str]:
        """When each answer was last written (answers from before version 2 have no time)."""
        return {doc["key"]: doc["written"] for doc in self.db.table("answers").all() if isinstance(doc.get("written"), str)}

    def versions(self) -> list[dict[str, Any]]:
        """Every earlier version, oldest first."""
        raw = (self._storage.read() if self._storage else None) or {}
        found = [dict(doc) for doc in raw.get("versions", {}).values()]
        return sorted(found, key=lambda v: str(v.get("replaced") or ""))

    def save(self, answers: Mapping[str, Any] | None = None, position: Mapping[str, Any] | None = None) -> None:
        """Save changed answers (``None`` removes one) and the resume position, in one write."""
        self.apply(Changes(answers=dict(answers or {}), position=dict(position) if position else None))

    def apply(self, changes: Changes, now: datetime | None = None) -> list[dict[str, Any]]:
        """Everything in ``changes``, in one locked, atomic write.

        Replaced text is kept as an earlier version when it was written on an earlier day, when
        ``changes.keep`` names it, or when another window saved it since this session last read
        that answer ("window"). Returns the earlier versions kept.
        """
        now = now or datetime.now(timezone.utc)
        stamp = versions_.now_iso(now)
        with self.transaction() as db:
            item = Query()
            table = db.table("answers")
            kept = db.table("versions")
            new_versions = list(changes.versions)
            for key, value in changes.answers.items():
                doc = table.get(item.key == key)
                old = doc.get("value") if doc else None
                if old != value and versions_.has_text(old):
                    written = doc.get("written") if doc else None
                    if old != self._seen.get(key):
                        new_versions.append(versions_.make(key, old, written, "window", now))
                    elif key in changes.keep:
                        new_versions.append(versions_.make(key, old, written, changes.keep[key], now))
                    elif versions_.written_before_today(written, now):
                        new_versions.append(versions_.make(key, old, written, "edit", now))
                if value is None:
                    table.remove(item.key == key)
                elif old != value or doc is None:
                    table.upsert({"key": key, "value": value, "written": stamp}, item.key == key)
                self._seen[key] = value
            if new_versions:
                # Putting an earlier version back keeps the text it replaces, unless that text is
                # already kept (back and forth would otherwise fill the list with copies). Other
                # versions all stay: a 1–5 scale going 3, 4, 3 is a history worth its repeats.
                new_versions = [
                    v for v in new_versions
                    if v["why"] != "put-back"
                    or not any(old.get("value") == v["value"] for old in kept.search(item.key == v["key"]))
                ]
                kept.insert_multiple(new_versions)
                everything = kept.all()
                within = versions_.trim(everything)
                if len(within) < len(everything):
                    staying = {id(v) for v in within}
                    kept.remove(doc_ids=[v.doc_id for v in everything if id(v) not in staying])
            if changes.position is not None:
                db.table("state").upsert({"name": "position", **changes.position}, item.name == "position")
            picks = db.table("picks")
            if changes.new_picks:
                picks.insert_multiple(changes.new_picks)
            for pick_id, update in changes.pick_updates.items():
                picks.update(update, item.id == pick_id)
            if changes.new_decisions:
                db.table("decisions").insert_multiple(changes.new_decisions)
            settings = db.table("settings")
            for name, value in changes.settings.items():
                settings.upsert({"name": name, "value": value}, item.name == name)
            if changes.answers or changes.new_picks or changes.position is not None:
                self._summarise(changes)
        return new_versions

    def _summarise(self, changes: Changes) -> None:
        """Bring the summary up to date after ``changes`` (in a transaction): the new picks' days are
        added to the streak's facts; the answers' progress, being small, is counted again."""
        assert self._storage is not None
        data = self._storage.read() or {}
        old = summary_.stored(data)
        new = old.with_picks(p.get("day") or "" for p in changes.new_picks) if old else None
        picks = data.get("picks")
        if new is None or new.picks != (len(picks) if isinstance(picks, dict) else 0):
            new = summary_.of_tables(data)  # none yet, or the file was changed by another program
        else:
            answers = {doc["key"]: doc.get("value") for doc in (data.get("answers") or {}).values()}
            position = next((d for d in (data.get("state") or {}).values() if d.get("name") == "position"), None)
            new = new.with_answers(answers, position)
        if new != old:
            data[summary_.TABLE] = {"1": new.to_doc()}
            self._storage.write(data)

    def correct_summary(self) -> bool:
        """Make the summary again from the whole data and save it if it was not right (another program
        changed the file). True if it was corrected."""
        with self.transaction():
            assert self._storage is not None
            data = self._storage.read() or {}
            right = summary_.of_tables(data)
            if summary_.stored(data) == right:
                return False
            data[summary_.TABLE] = {"1": right.to_doc()}
            self._storage.write(data)
        return True

    def picks(self) -> list[dict[str, Any]]:
        """Every pick, as copies (the app changes them; the stored ones change only through apply)."""
        raw = (self._storage.read() if self._storage else None) or {}
        return [dict(doc) for doc in raw.get("picks", {}).values()]

    def pick_records(self) -> list[Pick]:
        """Every pick as a typed record, made straight from the stored documents (no copies between)."""
        raw = (self._storage.read() if self._storage else None) or {}
        return Pick.from_dicts(raw.get("picks", {}).values())

    def custom_decisions(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self.db.table("decisions").all()]

    def settings(self) -> dict[str, Any]:
        return {doc["name"]: doc["value"] for doc in self.db.table("settings").all()}

    def position(self) -> dict[str, Any] | None:
        doc = self.db.table("state").get(Query().name == "position")
        if doc is None:
            return None
        return {k: v for k, v in doc.items() if k != "name"}
