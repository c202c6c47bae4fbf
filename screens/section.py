"""One screen per section of the article: its text and its exercises, driven by content."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import DescendantFocus
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from screens.messages import FieldFocused, PutBack
from screens.fields import AnswerArea, EntriesExercise, EntryRow, LineInput, ScaleChoice, ToggleExercise
from screens.base import WorkbookScreen, front
from screens.widgets import KeyBar, Page, Paragraph, PassageText, TopBar, plain
from workbook import versions as versions_
from workbook.content import Exercise, Passage, Section
from workbook.progress import first_unanswered, section_progress
from workbook.state import WorkbookState


class VersionsHint(Static):
    """Under an answer with earlier versions: how many, and the key to see them."""

    def __init__(self, key: str) -> None:
        super().__init__(classes="versions-hint")
        self.key = key
        self.display = False

    def show_count(self, count: int) -> None:
        self.display = count > 0
        if count:
            self.update(plain(f"{versions_.count_text(count)} · ctrl+e to see {'it' if count == 1 else 'them'}"))


def field_of(widget: Widget | None) -> str | None:
    """The answer field a widget belongs to, if any."""
    while widget is not None:
        field_id = getattr(widget, "field_id", None)
        if isinstance(field_id, str):
            return field_id
        widget = widget.parent if isinstance(widget.parent, Widget) else None
    return None


class SectionScreen(WorkbookScreen):
    """A section of the article with its exercises."""

    AUTO_FOCUS = None
    HELP_TITLE = "In a section (1 to 6)"
    BINDINGS = [
        Binding("escape", "app.home", "Home", id="home", priority=True, tooltip="back to Home"),
        Binding("ctrl+e", "versions", "Earlier versions", id="versions", priority=True,
                tooltip="earlier versions of the answer you are in: read them, put one back"),
    ]

    def __init__(self, section: Section, state: WorkbookState) -> None:
        super().__init__(state, name=f"section-{section.number}", classes="section")
        self.section = section
        self.answers = state.answers
        self.versions = state.versions

    def compose(self) -> ComposeResult:
        yield TopBar(f"{self.section.number} · {self.section.title}")
        yield Static(id="section-progress")
        with Page(id="body"):
            for block in self.section.blocks:
                if isinstance(block, Passage):
                    yield PassageText(block.heading, block.paragraphs)
                else:
                    yield from self._exercise(block)
        yield KeyBar()

    def _exercise(self, exercise: Exercise) -> list[Widget]:
        """An exercise's widgets, placed straight in the page (fewer containers, faster switches)."""
        value = self.answers.get(exercise.key)
        if exercise.kind == "toggle":
            return [ToggleExercise(exercise, value)]
        hint = VersionsHint(exercise.key)
        if exercise.kind == "entries":
            return [EntriesExercise(exercise, value), hint]
        prompt = Paragraph(exercise.prompt, classes="prompt")
        if exercise.kind == "scale":
            return [prompt, ScaleChoice(exercise, value), hint]
        text = value if isinstance(value, str) else exercise.default
        return [prompt, AnswerArea(exercise.key, text, classes="answer"), hint]

    _visited = False  # shown before: coming back keeps the place

    def on_mount(self) -> None:
        self.refresh_progress()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_answer_boxes)

    def _fit_answer_boxes(self) -> None:
        """An answer box may grow to the page's height (less a line), then it scrolls inside itself."""
        room = max(3, self.query_one("#body").scrollable_content_region.height - 1)
        for area in self.query(AnswerArea):
            area.styles.max_height = room

    def refresh_progress(self) -> None:
        done, total = section_progress(self.section, self.answers)
        self.query_one("#section-progress", Static).update(
            plain(f"{done} of {total} answered · every exercise is optional")
        )
        for hint in self.query(VersionsHint):
            hint.show_count(len(self.versions.get(hint.key, ())))

    def action_versions(self) -> None:
        """Earlier versions of the answer with the cursor (ctrl+e)."""
        field = field_of(self.focused)
        key = field.split("#")[0] if field else None
        history = self.versions.get(key or "", [])
        if not key or not history:
            self.notify("This answer has no earlier versions yet.", timeout=4)
            return
        from screens.versions import VersionsScreen

        exercise = next(e for e in self.section.exercises if e.key == key)

        def chosen(version: dict[str, Any] | None) -> None:
            if version is None:
                return
            value = version.get("value")
            item = version.get("why") == "removed" and isinstance(value, list)
            if item:
                current = self.answers.get(key)
                value = (list(current) if isinstance(current, list) else []) + value  # the item goes back on the list
            self.post_message(PutBack(key, value, field, item))

        self.app.push_screen(VersionsScreen(exercise, self.answers.get(key), history), chosen)

    def focus_field(self, field: str | None) -> None:
        """Put the cursor in ``field`` (a resumed position); coming back without one, where the
        person was (the same field, the cursor where it was); on a first visit, the first
        unanswered field."""
        target = self._widget_for(field) if field else None
        if target is None and self._visited and self.focused is not None:
            target = self.focused
        self._visited = True
        if target is None:
            exercise = first_unanswered(self.section, self.answers)
            target = self._widget_for(exercise.key) if exercise else None
        if target is None:
            focusable = self.query_one("#body").query("AnswerArea, LineInput, Choice, ToggleExercise, Button")
            target = focusable.first() if focusable else None
        if target is not None:
            self.set_focus(target)  # at once (widget.focus() waits a turn): keys typed next land here

    def _widget_for(self, field: str) -> Widget | None:
        for widget in self.query("AnswerArea, LineInput, Choice, ToggleExercise, Button"):
            if field_of(widget) == field and widget.focusable:
                return widget
        # An entries list with no entries yet: its Add button; an entry not drawn yet (a long
        # list): its "Show more" button.
        for entries in self.query(EntriesExercise):
            if entries.field_id == field.split("#")[0]:
                more = entries.query(".more")
                if more and "#" in field:
                    return more.first()
                if entries.field_id == field:
                    return entries.query(".add").first()
        return None

    def current_values(self) -> dict[str, Any]:
        """What the fields hold right now, typed text included."""
        values: dict[str, Any] = {}
        for area in self.query(AnswerArea):
            values[area.field_id] = area.text
        for entries in self.query(EntriesExercise):
            values[entries.field_id] = entries.value() or None
        return values

    def take_key(self, event: events.Key) -> bool:
        """Nothing typed into the void: a printable key that the focused tick, scale, choice or
        button does not take goes on to that exercise's answer box (or the next text field) and
        is typed there. Called by the app for each key, in order, before it is handed on.

        In a list, whatever moves the cursor to another field happens here, at once, so the keys
        typed next go to that field: enter in an entry's line moves on, and typing or enter on Add
        makes a new entry while the keys typed meanwhile wait for its line (tab included)."""
        focused = self.focused
        if focused is None:
            return False
        entries = next((a for a in focused.ancestors if isinstance(a, EntriesExercise)), None)
        if entries is not None and event.key == "enter" and isinstance(focused, LineInput):
            entries.move_on(focused)
            return True
        if entries is not None and event.key == "enter" and focused.has_class("add"):
            self._while_holding_keys(self._make_entry(entries, ""))
            return True
        if entries is not None and event.key == "enter" and focused.has_class("remove"):
            self._while_holding_keys(entries.remove_entry(focused))
            return True
        if (
            not event.is_printable
            or event.character is None
            or isinstance(focused, (TextArea, Input))
            or event.key in self.active_bindings
        ):
            return False
        row = next((a for a in focused.ancestors_with_self if isinstance(a, EntryRow)), None)
        if row is not None:
            target: Widget | None = row.query(LineInput).first()
        elif entries is not None and focused.has_class("add"):
            self._while_holding_keys(self._make_entry(entries, event.character))
            return True
        elif entries is not None and focused.has_class("more"):
            self._while_holding_keys(self._show_more(entries, event.character))
            return True
        else:
            target = self._next_text_field(focused)
        if target is None:
            return False  # the screen's hint says which keys work
        self.set_focus(target)
        target.type_here(event.character)  # type: ignore[attr-defined]
        return True

    def _while_holding_keys(self, work: Awaitable[object]) -> None:
        """Run ``work`` (a new entry, a removal); the keys typed meanwhile wait, then follow in order."""
        app = front(self)
        if app is not None:
            app.hold_keys()  # at once: the very next key already waits

        async def run() -> None:
            try:
                await work
            finally:
                if app is not None:
                    await app.release_keys()

        self.run_worker(run())

    async def _make_entry(self, entries: EntriesExercise, text: str) -> None:
        """A new entry in ``entries``, the cursor in its first line with ``text`` typed there."""
        field = await entries.add_entry()
        self.set_focus(field)
        if text:
            field.type_here(text)

    async def _show_more(self, entries: EntriesExercise, text: str) -> None:
        """Typing on a long list's "Show more": the next entries drawn, ``text`` typed in the first."""
        field = await entries.show_more()
        if field is not None:
            self.set_focus(field)
            field.type_here(text)

    def _next_text_field(self, widget: Widget) -> Widget | None:
        chain = self.focus_chain
        if widget in chain:
            for candidate in chain[chain.index(widget) + 1:]:
                if isinstance(candidate, (AnswerArea, LineInput)):
                    return candidate
        return None

    @on(DescendantFocus)
    def _remember(self, event: DescendantFocus) -> None:
        field = field_of(event.widget)
        if field:
            self.post_message(FieldFocused(self.name or "", field))
