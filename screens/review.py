"""The last section, My workbook: everything answered, section by section, and the practice, read-only."""

from __future__ import annotations

import heapq
import textwrap
from datetime import date
from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from screens.base import WorkbookScreen
from screens.widgets import KeyBar, TopBar, plain
from workbook import practice
from workbook import versions as versions_
from workbook.content import Exercise, Passage, Section
from workbook.records import Decision, Pick
from workbook.state import WorkbookState
from workbook.progress import entry_has_text, is_answered
from workbook.wording import NOT_YET, day_label, entry_line, plural

# One line of the review: its kind (a CSS class) and its text. Bullets ("entry") wrap under their text.
Line = tuple[str, Content]

# How many items of a list, check-in notes and one's own decisions My workbook shows in full; the
# rest are counted in a line. Each shown item is a few widgets: a workbook near its caps holds 78,000
# notes and 1,000 items in each list, and a widget for each took minutes and gigabytes to draw.
SHOWN_IN_FULL = 50


def answer_lines(exercise: Exercise, value: Any) -> list[str]:
    """An answer as lines of plain text, for reading."""
    if not is_answered(exercise, value) and not (exercise.kind == "text" and exercise.default):
        return [NOT_YET]
    if exercise.kind == "toggle":
        return ["yes"]
    if exercise.kind == "scale":
        return [f"{value} of 5"]
    if exercise.kind == "entries":
        return [entry_line(exercise, entry) for entry in value if entry_has_text(exercise, entry)]
    text = value if isinstance(value, str) and value.strip() else exercise.default
    return [text]


def _day(version: dict[str, Any], today: date) -> str:
    day = versions_.local_day(version.get("written")) or versions_.local_day(version.get("replaced"))
    return day_label(day, today) if day else "earlier"


def then_and_now(exercise: Exercise, history: list[dict[str, Any]], current: Any, width: int) -> Content:
    """An answer's change: the oldest text beside the current one; a 1–5 scale as a small chart."""
    today = date.today()
    if exercise.kind == "scale":
        rows = [(_day(v, today), v.get("value")) for v in history] + [("now", current)]
        lines = []
        for day, value in rows:
            if isinstance(value, int) and 1 <= value <= 5:
                lines.append(f"{day:>11}  {'■' * value}{'□' * (5 - value)}  {value}")
            else:
                lines.append(f"{day:>11}  {'·' * 5}  not answered")
        return Content("\n".join(lines))
    oldest = history[0]
    column = max(16, (width - 4) // 2)
    then, now = answer_lines(exercise, oldest.get("value")), answer_lines(exercise, current)
    cut = max(len(then), len(now)) > SHOWN_IN_FULL  # a long list: its first items, as below
    left = _wrapped(then[:SHOWN_IN_FULL], column)
    right = _wrapped(now[:SHOWN_IN_FULL], column)
    title_left = f"Then ({_day(oldest, today)})"
    count = versions_.count_text(len(history))
    title_right = "Now"
    out = [Content.styled(f"{title_left:<{column}}  {title_right}\n", "bold")]
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else ""
        b = right[index] if index < len(right) else ""
        out.append(Content(f"{a:<{column}}  {b}\n"))
    first = f" · the first {SHOWN_IN_FULL} items of each here, all of them in the section" if cut else ""
    out.append(Content.styled(f"{count} · see them all with ctrl+e in the section{first}", "dim"))
    return Content("").join(out)


def _wrapped(lines: list[str], width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width) or [""]
    return out


def section_lines(
    section: Section,
    answers: dict[str, Any],
    versions: dict[str, list[dict[str, Any]]] | None = None,
    width: int = 74,
) -> list[Line]:
    lines: list[Line] = []
    for block in section.blocks:
        if isinstance(block, Passage):
            if block.heading:  # which reason the answers below belong to
                lines.append(("review-subheading", plain(block.heading)))
            continue
        exercise = block
        if exercise.kind == "toggle":
            if answers.get(exercise.key) is True:
                lines.append(("review-answer", plain(f"[x] {exercise.prompt}")))
            continue
        lines.append(("review-prompt", plain(exercise.prompt)))
        history = (versions or {}).get(exercise.key)
        if history:  # the first words beside today's
            lines.append(("review-answer", then_and_now(exercise, history, answers.get(exercise.key), width)))
            continue
        shown = answer_lines(exercise, answers.get(exercise.key))
        more = len(shown) - SHOWN_IN_FULL
        for text in shown[:SHOWN_IN_FULL]:
            if text == NOT_YET:
                lines.append(("review-answer review-not-yet", plain(text)))
            elif exercise.kind == "entries":
                lines.append(("review-entry", plain(text)))
            else:
                lines.append(("review-answer", plain(text)))
        if more > 0:
            lines.append(("review-answer review-earlier", plain(more_line(more, section.number))))
    return lines


def more_line(count: int, section: int) -> str:
    """The line after the first items of a long list: the others are all kept, and where to see them."""
    others = "the one other is kept too" if count == 1 else f"the other {count:,} are all kept"
    return f"The first {SHOWN_IN_FULL} are above; {others}, in section {section} and in an export from My data."


def earlier_line(count: int, noun: str, nouns: str) -> str:
    """The line standing for what is not shown in full: all of it is kept, and the export has it."""
    if count == 1:
        return f"The newest {SHOWN_IN_FULL} are below; the one earlier {noun} is kept too, and an export from My data has it."
    return (f"The newest {SHOWN_IN_FULL} are below; the {count:,} earlier {nouns} are all kept, "
            "and an export from My data has every one.")


def practice_lines(
    picks: Sequence[Pick], own: Sequence[Decision], streak: practice.Streak, today: Any
) -> list[Line]:
    """The practice: days, streaks, the calendar, every check-in note with its decision, one's own decisions."""
    from screens.practice import calendar_content

    if not picks and not own:
        return [("review-answer review-not-yet", plain("(not started yet)"))]
    summary = practice.summarise(picks)
    a = summary.aligned
    lines: list[Line] = [
        (
            "review-answer",
            plain(
                f"{plural(streak.practice_days, 'day')} practised · {plural(summary.total, 'decision')}\n"
                f"Current streak: {plural(streak.current, 'day')} · best: {plural(streak.best, 'day')}\n"
                f"Did it align? yes {a['yes']} · partly {a['partly']} · not really {a['not really']}"
            ),
        ),
        ("review-calendar", calendar_content(streak, today)),
        ("review-prompt", plain("What I learned at the check-ins")),
    ]
    # The newest notes and own decisions in full; the earlier ones are counted, never built (a workbook
    # near its cap holds 78,000 notes: a widget each took minutes and gigabytes to draw).
    notes = [p for p in picks if isinstance(p.learned, str) and p.learned.strip()]
    earlier = max(0, len(notes) - SHOWN_IN_FULL)
    if earlier:
        lines.append(("review-answer review-earlier", plain(earlier_line(earlier, "note", "notes"))))
    newest = heapq.nlargest(SHOWN_IN_FULL, enumerate(notes), key=lambda n: (n[1].at or "", n[0]))
    for _, p in reversed(newest):  # in the order they were written, as a stable sort by time puts them
        aligned = {"yes": "it aligned", "partly": "it partly aligned", "not really": "not really"}.get(
            p.checkin or "", "no check-in"
        )
        lines.append((
            "review-entry",
            plain(f"{day_label(p.day or '', today)} · {p.prompt or ''} → {p.option or ''} ({aligned}): {p.learned.strip()}"),
        ))
    if not notes:
        lines.append(("review-answer review-not-yet", plain("(no notes yet)")))
    lines.append(("review-prompt", plain("My own decisions")))
    earlier = max(0, len(own) - SHOWN_IN_FULL)
    if earlier:
        lines.append(("review-answer review-earlier", plain(earlier_line(earlier, "decision of your own", "decisions of your own"))))
    for d in own[earlier:]:
        options = " / ".join(str(o) for o in d.options)
        lines.append(("review-entry", plain(f"{d.prompt} ({options})")))
    if not own:
        lines.append(("review-answer review-not-yet", plain("(none added yet)")))
    return lines


def line_widget(kind: str, text: Content) -> Widget:
    if kind == "review-entry":  # a bullet, its wrapped lines under the text, not under the bullet
        return Horizontal(Static("•", classes="bullet"), Static(text, classes="text"), classes=kind)
    return Static(text, classes=kind)


class ReviewScreen(WorkbookScreen):
    BINDINGS = [Binding("escape", "app.home", "Home", id="home", priority=True)]

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(state, name=f"section-{state.review_number}", classes="review")
        self.workbook = state.workbook
        self.answers = state.answers
        self.versions = state.versions
        self._shown: dict[int, list[Line]] = {}

    def compose(self) -> ComposeResult:
        yield TopBar(f"{self.workbook.review_number} · {self.workbook.review.title}")
        with VerticalScroll(id="body", can_focus=True):
            for section in self.workbook.sections:
                yield Static(
                    Content.styled(f"{section.number} · {section.title}", "bold $accent"), classes="review-heading"
                )
                yield Vertical(classes="review-section", id=f"review-{section.number}")
        yield KeyBar(("esc", "Home"), ("^n", "Next"), ("^p", "Previous"), ("↑↓", "Scroll"))

    def on_mount(self) -> None:
        self.refresh_progress()
        self.query_one("#body").focus()

    def _width(self) -> int:
        """The room for an answer: the body's padding, the answer's indent, a scrollbar."""
        return (self.size.width or self.app.size.width) - 8

    def on_resize(self) -> None:
        if any(self.versions.values()):  # then-and-now columns follow the width
            self.refresh_progress()

    def lines(self, section: Section) -> list[Line]:
        if section.kind == "practice":
            state = self.state
            state.refresh_streak()
            return practice_lines(state.picks, state.decisions, state.streak, state.today())
        return section_lines(section, self.answers, self.versions, self._width())

    def refresh_progress(self) -> None:
        """Rebuild the sections whose lines changed since they were last shown."""
        for section in self.workbook.sections:
            lines = self.lines(section)
            if self._shown.get(section.number) == lines:
                continue
            self._shown[section.number] = lines
            box = self.query_one(f"#review-{section.number}", Vertical)
            box.remove_children()
            box.mount_all([line_widget(kind, text) for kind, text in lines])

    def shown_text(self) -> str:
        """Everything the review shows, as plain text (for tests and checks)."""
        return "\n".join(
            "\n".join(str(text) for _, text in self._shown.get(s.number, [])) for s in self.workbook.sections
        )
