"""The one-line status of a workbook and the list of its backups, as the command line shows them. No Textual here."""

from __future__ import annotations

from datetime import date
from typing import Any

from workbook import content, practice
from workbook.progress import section_progress
from workbook.wording import moment_label, plural
from workbook.storage import Store
from workbook.backups import Backup


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
