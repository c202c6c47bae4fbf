"""The one check for all data that comes in: import, restore, repair, migration, and a file that
another program changed. No Textual here.

Everything read from outside goes through :func:`read_file` (regular files only, size checked
before reading), :func:`loads` (JSON with its depth bounded) and :func:`check_tables` (a schema
check of every table and field). What cannot be read as a workbook raises :class:`Invalid`, whose
message names the first bad place (``picks[3].day is not a date``). What can be read comes back
as a checked copy: every text cleaned of control characters and escape sequences, unknown answer
keys and fields kept when they are plain data, a saved place that no longer exists moved to Home.

The checks are a table (:data:`TABLES`): one entry per database table, so a new table is one
more entry.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from workbook import content, practice
from workbook.text import CONTROL, MAX_ANSWER_CHARS, MAX_LINE_CHARS, clean

# The limits, named in the README ("Limits").
MAX_FILE_BYTES = 64 * 1024 * 1024  # a whole workbook or export; 100,000 decisions make about 24.5 MB
MAX_IMPORT_BYTES = 2 * MAX_FILE_BYTES  # an export file (indented: an export of a workbook under the cap fits)
MAX_DEPTH = 16  # lists and tables inside each other; the workbook's own data goes 5 deep
MAX_ENTRIES = 1_000  # items in one list (needs, wants, thoughts…)
MAX_NAME_CHARS = 200  # ids, answer keys, setting names, field names
MAX_GUT_SECONDS = 600
EARLIEST_DAY = date(1970, 1, 1)
# Why an earlier version was kept. Others are accepted too (any short name): a newer workbook may add
# one, and a version with a reason this one does not know is still the person's text.
VERSION_REASONS = frozenset({"edit", "window", "reset", "undo", "restore", "import", "removed", "put-back"})


class Invalid(ValueError):
    """Data that cannot be read as a workbook. The message names the first bad place."""


class Newer(Invalid):
    """Data written by a newer version of the workbook (left as it is, never read as ours)."""

    def __init__(self, version: int) -> None:
        super().__init__(f"it was written by a newer version of the workbook (data version {version})")
        self.version = version


# -- reading files -----------------------------------------------------------------
def read_file(path: str | os.PathLike[str], *, follow_symlinks: bool = True, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, refused before reading if it is anything else or too large.

    FIFOs, devices (``/dev/zero``) and folders are refused without blocking; with
    ``follow_symlinks=False`` a symbolic link is refused too. Raises OSError when the file cannot
    be opened, :class:`Invalid` when it is not a file the workbook reads.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and os.path.islink(path):
            raise Invalid("it is a symbolic link (not followed)") from exc
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Invalid("it is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise Invalid("it is not a regular file")
        if info.st_size > limit:
            raise Invalid(f"it is larger than the {limit // (1024 * 1024)} MB limit ({info.st_size:,} bytes)")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # it grew while we read
                raise Invalid(f"it is larger than the {limit // (1024 * 1024)} MB limit")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


no_constants = _no_constants  # for other readers of the workbook's JSON (storage.read_head)


def loads(raw: bytes | str) -> Any:
    """JSON, with NaN and Infinity refused and the nesting depth bounded. Raises :class:`Invalid`."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid("it is not UTF-8 text") from exc
    else:
        text = raw
    if not text.strip():
        raise Invalid("it is empty")
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError as exc:
        raise Invalid("it is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise Invalid(f"it is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from exc
    except ValueError as exc:  # a number with thousands of digits, NaN
        raise Invalid(f"it is not JSON the workbook reads ({exc})") from exc


# -- naming places -----------------------------------------------------------------------
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _at(where: str, key: str) -> str:
    """``where.key``, or ``where["key"]`` when the key is not a plain name."""
    if _IDENTIFIER.fullmatch(key):
        return f"{where}.{key}" if where else key
    shown = json.dumps(clean(key)[:60], ensure_ascii=False)
    return f"{where}[{shown}]"


# -- field checks ---------------------------------------------------------------------------
_DIRTY = CONTROL  # what clean() removes: text without any is kept as it is


def _clean(text: str) -> str:
    return clean(text) if _DIRTY.search(text) else text


def text(value: Any, where: str, cap: int = MAX_ANSWER_CHARS) -> str:
    if value is None:
        raise Invalid(f"{where} is missing")
    if not isinstance(value, str):
        raise Invalid(f"{where} is not text")
    if len(value) > cap:
        raise Invalid(f"{where} is longer than {cap:,} characters")
    return _clean(value)


def line(value: Any, where: str) -> str:
    return text(value, where, MAX_LINE_CHARS)


def name(value: Any, where: str) -> str:
    """An id or key: text, not empty, not long."""
    result = text(value, where, MAX_NAME_CHARS)
    if not result.strip():
        raise Invalid(f"{where} is empty")
    return result


def day(value: Any, where: str) -> str:
    try:
        parsed = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(f"{where} is not a date")
    if parsed < EARLIEST_DAY:
        raise Invalid(f"{where} is before {EARLIEST_DAY.year}")
    return parsed.isoformat()


def instant(value: Any, where: str, offset: bool = False) -> str:
    """An ISO-8601 date and time (with its offset from UTC when ``offset``)."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 64 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(f"{where} is not a date and time")
    if offset and parsed.utcoffset() is None:
        raise Invalid(f"{where} has no time zone")
    return value


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{where} is not true or false")
    return value


def integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{where} is not a whole number")
    return value


def one_of(value: Any, where: str, allowed: tuple[str, ...] | frozenset[str], none: bool = True) -> Any:
    if value is None and none:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise Invalid(f"{where} is not one of {', '.join(sorted(allowed))}")
    return value


def plain(value: Any, where: str, depth: int = 0) -> Any:
    """Any JSON value whose meaning the workbook does not know (an unknown key, a newer field):
    kept, with its text cleaned and capped and its depth bounded."""
    if depth > MAX_DEPTH:
        raise Invalid(f"{where} is nested too deeply")
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid(f"{where} is not a number")
        return value
    if isinstance(value, str):
        return text(value, where)
    if isinstance(value, list):
        return [plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {_clean(str(k)): plain(v, _at(where, str(k)), depth + 1) for k, v in value.items()}
    raise Invalid(f"{where} is not plain data")


def record(value: Any, where: str, what: str = "a record") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where} is not {what}")
    return value


def _rest(doc: dict[str, Any], known: set[str] | frozenset[str], where: str, depth: int = 1) -> dict[str, Any]:
    """The fields of ``doc`` the workbook does not know, kept as plain data."""
    return {_clean(str(k)): plain(v, _at(where, str(k)), depth) for k, v in doc.items() if k not in known}


# -- answers ---------------------------------------------------------------------------------
@cache
def exercises() -> dict[str, content.Exercise]:
    return {e.key: e for s in content.load().sections for e in s.exercises}


@cache
def screens() -> frozenset[str]:
    """Every screen a saved place may name: Home, My data, and a screen per section plus My workbook."""
    numbers = [s.number for s in content.load().sections]
    return frozenset({"home", "data", *(f"section-{n}" for n in range(1, max(numbers) + 2))})


def entries(value: Any, where: str, exercise: content.Exercise | None) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid(f"{where} is not a list")
    if len(value) > MAX_ENTRIES:
        raise Invalid(f"{where} has more than {MAX_ENTRIES:,} items")
    fields = {f.id: f for f in exercise.fields} if exercise else {}
    result = []
    for index, entry in enumerate(value):
        here = f"{where}[{index}]"
        entry = record(entry, here, "a list item")
        checked: dict[str, Any] = {}
        for key, item in entry.items():
            field = fields.get(key)
            at = _at(here, str(key))
            if field is None:  # a field this version does not know: kept
                checked[_clean(str(key))] = plain(item, at, 3)
            elif item is None:
                checked[key] = None
            elif field.kind == "choice":
                if text(item, at, MAX_NAME_CHARS) in field.options:
                    checked[key] = item  # a choice that no longer exists is dropped
            else:
                checked[key] = line(item, at)
        result.append(checked)
    return result


def answer_value(value: Any, where: str, exercise: content.Exercise | None) -> Any:
    """An answer's value, checked against its exercise's kind (any kind when the key is unknown)."""
    kind = exercise.kind if exercise else None
    if kind == "text" or (kind is None and isinstance(value, str)):
        return text(value, where)
    if kind == "toggle" or (kind is None and isinstance(value, bool)):
        return boolean(value, where)
    if kind == "scale" or (kind is None and isinstance(value, int)):
        number = integer(value, where)
        if not 1 <= number <= 5:
            raise Invalid(f"{where} is not a number from 1 to 5")
        return number
    if kind == "entries" or (kind is None and isinstance(value, list)):
        return entries(value, where, exercise)
    raise Invalid(f"{where} is not an answer")


def check_answer(doc: Any, where: str) -> dict[str, Any] | None:
    doc = record(doc, where, "an answer")
    key = name(doc.get("key"), f"{where}.key")
    where = _at("answers", key)
    value = doc.get("value")
    if value is None:
        return None  # an empty answer is no answer
    exercise = exercises().get(key)
    if exercise is None:
        try:
            value = answer_value(value, where, None)
        except Invalid:
            return None  # an unknown key whose value is no kind of answer: dropped
    else:
        value = answer_value(value, where, exercise)
    checked = {"key": key, "value": value}
    if doc.get("written") is not None:
        checked["written"] = instant(doc["written"], f"{where}.written", offset=True)
    return {**_rest(doc, {"key", "value", "written"}, where), **checked}


def check_version(doc: Any, where: str) -> dict[str, Any]:
    """An earlier version of an answer: like an answer, with when it was replaced and why."""
    doc = record(doc, where, "an earlier version")
    checked = {"key": name(doc.get("key"), f"{where}.key")}
    if doc.get("value") is None:
        raise Invalid(f"{where}.value is missing")
    checked["value"] = answer_value(doc["value"], f"{where}.value", None)
    written = doc.get("written")
    checked["written"] = None if written is None else instant(written, f"{where}.written", offset=True)
    checked["replaced"] = instant(doc.get("replaced"), f"{where}.replaced", offset=True)
    checked["why"] = name(doc.get("why"), f"{where}.why")
    return {**_rest(doc, set(checked), where), **checked}


# -- the decisions practice ---------------------------------------------------------------------
PICK_DEFAULTS: dict[str, Any] = {"decision": "", "prompt": "", "option": "", "at": "", "clarity": None, "checkin": None, "learned": ""}


PICK_FIELDS = frozenset({"id", "day", *PICK_DEFAULTS})
_CLARITIES = frozenset({None, *practice.CLARITY})
_CHECKINS = frozenset({None, "skip", *practice.ALIGNED})
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


_PICK_ORDER = ("id", "decision", "prompt", "option", "at", "day", "learned", "clarity", "checkin")


def usual_picks(table: dict[str, Any]) -> bool:
    """Whether every pick in ``table`` is exactly as the workbook writes it, with nothing to clean
    and no id twice: the quick check, a column at a time, that keeps opening 100,000 decisions
    fast. A table that does not pass takes the full check, which names the first bad place."""
    docs = list(table.values())
    try:
        if set(map(type, docs)) != {dict} or set(map(len, docs)) != {len(PICK_FIELDS)}:
            return False
        ids, decisions, prompts, options, ats, days, notes, clarities, checkins = (
            [doc[name] for doc in docs] for name in _PICK_ORDER)
    except KeyError:  # a field missing
        return False
    texts = (ids, decisions, prompts, options, ats, days, notes)
    if set(map(type, itertools.chain(*texts))) != {str}:
        return False
    if (max(map(len, ids)) > MAX_NAME_CHARS or max(map(len, decisions)) > MAX_NAME_CHARS
            or max(map(len, itertools.chain(prompts, options, notes))) > MAX_LINE_CHARS or max(map(len, ats)) > 64):
        return False
    if not all(map(str.strip, ids)) or len(set(ids)) != len(ids):
        return False
    if not set(map(type, itertools.chain(clarities, checkins))) <= {str, type(None)}:
        return False
    if not set(clarities) <= _CLARITIES or not set(checkins) <= _CHECKINS:
        return False
    if _DIRTY.search("\n".join(itertools.chain(ids, decisions, prompts, options, notes))):
        return False
    for one in set(days):
        try:
            if not _ISO_DAY.fullmatch(one) or date.fromisoformat(one) < EARLIEST_DAY:
                return False
        except ValueError:
            return False
    try:
        all(map(datetime.fromisoformat, filter(None, ats)))
    except ValueError:
        return False
    return True


def check_pick(doc: Any, where: str) -> dict[str, Any]:
    doc = record(doc, where, "a decision practised")
    checked: dict[str, Any] = {"id": name(doc.get("id"), f"{where}.id")}
    checked["day"] = day(doc.get("day"), f"{where}.day")
    get = {**PICK_DEFAULTS, **doc}.get
    checked["decision"] = text(get("decision"), f"{where}.decision", MAX_NAME_CHARS)
    checked["prompt"] = line(get("prompt"), f"{where}.prompt")
    checked["option"] = line(get("option"), f"{where}.option")
    checked["at"] = instant(get("at"), f"{where}.at") if get("at") else ""
    checked["clarity"] = one_of(get("clarity"), f"{where}.clarity", practice.CLARITY)
    checked["checkin"] = one_of(get("checkin"), f"{where}.checkin", practice.ALIGNED + ("skip",))
    learned = get("learned")
    checked["learned"] = "" if learned is None else line(learned, f"{where}.learned")
    return {**_rest(doc, set(checked), where), **checked}


def check_decision(doc: Any, where: str) -> dict[str, Any]:
    """One of the person's own decisions for the game."""
    doc = record(doc, where, "a decision")
    checked: dict[str, Any] = {"id": name(doc.get("id"), f"{where}.id")}
    checked["prompt"] = line(doc.get("prompt"), f"{where}.prompt")
    if not checked["prompt"].strip():
        raise Invalid(f"{where}.prompt is empty")
    options = doc.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 4:
        raise Invalid(f"{where}.options is not a list of 2 to 4 options")
    checked["options"] = [line(o, f"{where}.options[{i}]") for i, o in enumerate(options)]
    return {**_rest(doc, set(checked), where), **checked}


# -- settings, the saved place, the schema record --------------------------------------------
def _theme(value: Any, where: str) -> str:
    return name(value, where)


def _gut_seconds(value: Any, where: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(f"{where} is not a number")
    if not 0 <= value <= MAX_GUT_SECONDS:
        raise Invalid(f"{where} is not between 0 and {MAX_GUT_SECONDS}")
    return value


SETTINGS: dict[str, Callable[[Any, str], Any]] = {
    "theme": _theme,
    "cursor_blink": boolean,
    "gut_window": boolean,
    "gut_seconds": _gut_seconds,
}


def check_setting(doc: Any, where: str) -> dict[str, Any]:
    doc = record(doc, where, "a setting")
    setting = name(doc.get("name"), f"{where}.name")
    where = _at("settings", setting)
    check = SETTINGS.get(setting)
    value = check(doc.get("value"), where) if check else plain(doc.get("value"), where, 2)
    return {**_rest(doc, {"name", "value"}, where), "name": setting, "value": value}


def _place(value: Any, where: str) -> dict[str, Any]:
    place = record(value, where, "a place in the workbook")
    screen = place.get("screen") or "home"
    if not isinstance(screen, str):
        raise Invalid(f"{where}.screen is not the name of a screen")
    field = place.get("field")
    if field is not None:
        field = text(field, f"{where}.field", MAX_NAME_CHARS) or None
    if screen not in screens():
        screen, field = "home", None  # a place that no longer exists opens Home
    return {**_rest(place, {"screen", "field", "last"}, where), "screen": screen, "field": field}


def check_state(doc: Any, where: str) -> dict[str, Any]:
    doc = record(doc, where, "a record")
    if doc.get("name") != "position":
        return plain(doc, where, 1)
    where = "position"
    checked = {"name": "position", **_place(doc, where)}
    if "last" in doc:
        last = doc["last"]
        if last is not None:
            last = _place(last, f"{where}.last")
            if last["screen"] == "home":
                last = None  # the place to continue from is a section (or My data), never Home
        checked["last"] = last
    return checked


def check_meta(doc: Any, where: str) -> dict[str, Any]:
    doc = record(doc, where, "a record")
    if doc.get("name") != "schema":
        return plain(doc, where, 1)
    version = integer(doc.get("version"), "the schema version")
    if version < 0:
        raise Invalid("the schema version is below 0")
    return {"name": "schema", "version": version}


# -- the tables ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableCheck:
    """How one table is checked: each document, and what must be unique across them."""

    document: Callable[[Any, str], dict[str, Any] | None]  # a checked copy, or None to drop it
    unique: str | None = None  # a field no two documents share
    what: str = "id"
    # A quick test for a whole table exactly as the workbook writes it (then kept as it is); a
    # table it does not pass takes the full check. Only for tables that grow large.
    quick: Callable[[dict[str, Any]], bool] | None = None


TABLES: dict[str, TableCheck] = {
    "answers": TableCheck(check_answer, unique="key", what="answer"),
    "versions": TableCheck(check_version),
    "picks": TableCheck(check_pick, unique="id", quick=usual_picks),
    "decisions": TableCheck(check_decision, unique="id"),
    "settings": TableCheck(check_setting, unique="name", what="setting"),
    "state": TableCheck(check_state, unique="name", what="record"),
    "meta": TableCheck(check_meta, unique="name", what="record"),
}

_DOC_ID = re.compile(r"[1-9][0-9]{0,11}")
_DOC_IDS = re.compile(r"[1-9][0-9]{0,11}(?:,[1-9][0-9]{0,11})*")


def schema_version(data: dict[str, Any]) -> int | None:
    """The schema version a database records (None when it records none)."""
    meta = data.get("meta")
    if not isinstance(meta, dict):
        return None if meta is None else 0
    for doc in meta.values():
        if isinstance(doc, dict) and doc.get("name") == "schema":
            return integer(doc.get("version"), "the schema version")
    return None


def check_tables(data: Any, known_version: int | None = None) -> dict[str, Any]:
    """The database tables (as TinyDB stores them), checked and cleaned.

    Raises :class:`Invalid` naming the first bad place; :class:`Newer` when the data records a
    schema version above ``known_version`` (then nothing else is checked: it is not ours to read).
    """
    if not isinstance(data, dict):
        raise Invalid("it does not hold a workbook")
    if known_version is not None:
        version = schema_version(data)
        if version is not None and version > known_version:
            raise Newer(version)
    result: dict[str, Any] = {}
    for table_name, table in data.items():
        label = _clean(str(table_name))
        if not isinstance(table, dict):
            raise Invalid(f"{label} is not a table")
        check = TABLES.get(table_name)
        if check is None:  # a table this version does not know: kept, as plain data
            for doc_id in table:
                if not isinstance(doc_id, str) or not _DOC_ID.fullmatch(doc_id):
                    raise Invalid(f"{label} has a record numbered {str(doc_id)[:20]!r}")
            result[label] = plain(table, label, 1)
            continue
        if check.quick is not None and table and _DOC_IDS.fullmatch(",".join(table)) and check.quick(table):
            result[label] = table  # exactly as the workbook writes it: kept as it is
            continue
        checked: dict[str, Any] = {}
        seen: dict[Any, int] = {}
        for index, (doc_id, doc) in enumerate(table.items()):
            if not (doc_id.isdigit() and doc_id.isascii() and doc_id[0] != "0" and len(doc_id) <= 12):
                raise Invalid(f"{label}[{index}] is numbered {str(doc_id)[:20]!r}, not 1, 2, 3…")
            document = check.document(doc, f"{label}[{index}]")
            if document is None:
                continue
            key = document.get(check.unique) if check.unique else None
            if isinstance(key, str):
                if key in seen:
                    raise Invalid(f"{label}[{index}] has the same {check.what} as {label}[{seen[key]}] ({key[:60]})")
                seen[key] = index
            checked[doc_id] = document
        result[label] = checked
    return result


# -- an export's envelope -------------------------------------------------------------------------
def check_export(data: Any, fmt: str, export_version: int, known_schema: int) -> dict[str, Any]:
    """The outer shape of a JSON export (its tables are checked by :func:`check_tables` once built)."""
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise Invalid("this file is not a workbook export")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid("its version is not a number")
    if version > export_version:
        raise Newer(version)
    if version < 1:
        raise Invalid(f"its version ({version}) is not a version of the workbook export")
    schema = data.get("schema")
    if schema is not None:
        schema = integer(schema, "schema")
        if schema > known_schema:
            raise Newer(schema)
    shapes = {"answers": (dict, "a table of answers", False), "picks": (list, "a list of decisions", False),
              "decisions": (list, "a list of decisions", True), "settings": (dict, "a table of settings", True),
              "position": (dict, "a place in the workbook", True),
              # From export version 2: earlier versions, and when each answer was written.
              "versions": (list, "a list of earlier versions", True), "written": (dict, "a table of dates", True)}
    for key, (kind, what, optional) in shapes.items():
        value = data.get(key)
        if value is None and optional:
            continue
        if value is None:
            raise Invalid(f"{key} is missing")
        if not isinstance(value, kind):
            raise Invalid(f"{key} is not {what}")
    return data


def read_json(path: str | os.PathLike[str], *, follow_symlinks: bool = True) -> Any:
    """A JSON file read with every limit above. Raises OSError or :class:`Invalid`."""
    return loads(read_file(Path(path), follow_symlinks=follow_symlinks))
