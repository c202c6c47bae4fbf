"""Export (Markdown to read, JSON to keep) and import (the JSON, checked) of everything a person made. No Textual here."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from workbook import content, practice, validate
from workbook import versions as versions_
from workbook.content import Exercise, Passage
from workbook.progress import entry_has_text, is_answered, section_progress
from workbook.wording import NOT_YET, day_label, entry_line, plural
from workbook.storage import SCHEMA_VERSION, Store, atomic_write, ensure_private_folder
from workbook.text import clean
from workbook.backups import Backup, TransferError, _check_size, _table, backup, keep_replaced
from workbook.resets import practice_section


EXPORT_FORMAT = "self-trust-workbook-export"
EXPORT_VERSION = 2  # 2: earlier versions and when each answer was written
HOSTED_EXPORTS = 5  # a hosted profile keeps only its newest exports


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


def import_tables(data: dict[str, Any], empty: bool = False) -> dict[str, Any]:
    """The tables an export brings in, checked: :class:`TransferError` names the first bad place.

    ``empty``: the import goes into a workbook not yet made, so its size is checked here too (what
    :func:`import_data` would refuse is refused before a folder or file is made)."""
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
    if empty:
        _check_size(keep_replaced({}, tables, "import"), "nothing was imported")
    return tables


def import_data(store: Store, data: dict[str, Any], trimmed: versions_.Trimmed | None = None,
                tables: dict[str, Any] | None = None) -> Backup | None:
    """Replace everything with an export's contents, after a backup. Checked before anything changes
    (``tables``: already checked by :func:`import_tables`).

    The earlier versions kept are bounded (:func:`workbook.versions.trim`); what that leaves out is
    counted in ``trimmed``, for the import to say so."""
    if tables is None:
        tables = import_tables(data)
    merged = keep_replaced(store.tables(), tables, "import", trimmed=trimmed)
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
