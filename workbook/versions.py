"""Earlier versions of answers: when one is kept, and how it is named. Pure; no Textual.

An answer replaced on a later day than it was last written, by another window's save, or by a
reset, undo, restore or import, is kept as an earlier version::

    {"key": "what-is.own-words", "value": "…", "written": "2026-11-02T09:14:00+00:00",
     "replaced": "2026-11-28T10:01:12+00:00", "why": "edit"}

Typing within one day makes no versions. A list item the person removes is kept the same way
(its value is a one-item list).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from workbook.wording import day_label, plural

# Earlier versions are bounded, so edits and imports cannot grow the file past its cap: the newest
# KEEP_PER_ANSWER of each answer, and the newest whose text comes to KEEP_BYTES in all.
KEEP_PER_ANSWER = 400
KEEP_BYTES = 16 * 1024 * 1024

WHY = ("edit", "window", "reset", "undo", "restore", "import", "removed", "put-back")


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")


def parse(stamp: Any) -> datetime | None:
    """A stored time, or None when there is none (data from before versions) or it is not a time."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def local_day(stamp: Any) -> date | None:
    moment = parse(stamp)
    return moment.astimezone().date() if moment else None


def written_before_today(written: Any, now: datetime) -> bool:
    """Whether an answer last written at ``written`` is from an earlier day than ``now``.

    An answer with no record of when it was written (older data) counts as earlier: keeping one
    version too many is better than losing one.
    """
    day = local_day(written)
    return day is None or day < now.astimezone().date()


def make(key: str, value: Any, written: Any, why: str, now: datetime | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "value": value,
        "written": written if isinstance(written, str) else None,
        "replaced": now_iso(now),
        "why": why,
    }


def has_text(value: Any) -> bool:
    """Whether a value is worth keeping as a version (an empty answer is not)."""
    return value not in (None, "", [], False)


def short_date(day: date, today: date) -> str:
    """'28 Nov', with the year when it is not this year (the workbook's one date format)."""
    return day_label(day, today)


def describe(version: dict[str, Any], today: date | None = None) -> str:
    """Where a version came from, in plain words: "written 3 Mar", "before the reset on 3 Mar"."""
    today = today or date.today()
    replaced = local_day(version.get("replaced"))
    when = short_date(replaced, today) if replaced else "an earlier day"
    written = local_day(version.get("written"))
    why = version.get("why")
    if why == "edit":
        return f"written {short_date(written, today)}" if written else f"kept {when}"
    if why == "window":
        return f"from another window, {when}"
    if why == "removed":
        return f"removed from the list on {when}"
    if why == "put-back":
        return f"before an earlier version was put back on {when}"
    if why in ("reset", "undo", "restore", "import"):
        action = {"reset": "the reset", "undo": "the undo", "restore": "a backup was restored", "import": "the import"}[why]
        return f"before {action} on {when}"
    return f"kept {when}"


def by_key(versions: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Versions grouped by answer, oldest first."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for version in sorted(versions, key=lambda v: str(v.get("replaced") or "")):
        grouped.setdefault(str(version.get("key")), []).append(version)
    return grouped


def count_text(count: int) -> str:
    return "1 earlier version" if count == 1 else f"{count} earlier versions"


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two version records are the same one (for merging without duplicates)."""
    return (a.get("key"), a.get("value"), a.get("replaced"), a.get("why")) == (
        b.get("key"), b.get("value"), b.get("replaced"), b.get("why")
    )


@dataclass
class Trimmed:
    """What :func:`trim` left out, to say so (an import of a file with more than the bounds)."""

    per_answer: dict[str, int] = field(default_factory=dict)  # answer key: versions over KEEP_PER_ANSWER
    over_bytes: int = 0  # versions past KEEP_BYTES of text in all

    def __bool__(self) -> bool:
        return bool(self.per_answer) or self.over_bytes > 0

    def text(self) -> str:
        """One plain clause: "kept the newest 400 earlier versions of 3 answers (1,200 older ones left out; …)"."""
        kept = []
        if self.per_answer:
            kept.append(f"the newest {KEEP_PER_ANSWER} earlier versions of {plural(len(self.per_answer), 'answer')}")
        if self.over_bytes:
            kept.append(f"the newest earlier versions up to {KEEP_BYTES // 2**20} MB of text in all")
        left = sum(self.per_answer.values()) + self.over_bytes
        if not kept:
            return ""
        return (f"kept {' and '.join(kept)} ({plural(left, 'older one')} left out; "
                "each is still in the imported file or in the backup taken before it)")


def trim(versions: Iterable[dict[str, Any]], trimmed: Trimmed | None = None) -> list[dict[str, Any]]:
    """The versions kept within the bounds (oldest dropped first), oldest first; what was left out
    is counted in ``trimmed``."""
    newest_first = sorted(versions, key=lambda v: str(v.get("replaced") or ""))[::-1]  # ties keep their order
    per_key: dict[str, int] = {}
    total = 0
    kept = []
    for index, version in enumerate(newest_first):
        key = str(version.get("key"))
        per_key[key] = per_key.get(key, 0) + 1
        if per_key[key] > KEEP_PER_ANSWER:
            if trimmed is not None:
                trimmed.per_answer[key] = trimmed.per_answer.get(key, 0) + 1
            continue
        total += len(json.dumps(version, ensure_ascii=False).encode("utf-8"))
        if total > KEEP_BYTES:
            if trimmed is not None:
                trimmed.over_bytes += len(newest_first) - index
            break
        kept.append(version)
    kept.reverse()
    return kept
