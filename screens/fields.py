"""The answer fields: free text, one-line entries, choices and scales, ticks, and lists.

Kept apart from the light widgets in screens/widgets.py, so Home (which has no fields) starts
without importing TextArea and friends. None of them touches storage: they post AnswerChanged.
"""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input, TextArea

from screens.messages import AnswerChanged
from screens.widgets import Paragraph, plain
from workbook.content import Exercise, Field
from workbook.progress import entry_has_text
from workbook.text import MAX_ANSWER_CHARS, MAX_LINE_CHARS, clean


class InEntry:
    """A field whose id follows its entry's place in the list (entries move when one is removed)."""

    _field_id: str | None

    @property
    def field_id(self) -> str:
        if self._field_id is not None:
            return self._field_id
        node = getattr(self, "parent", None)
        while node is not None and not isinstance(node, EntryRow):
            node = node.parent
        name = getattr(self, "name", "") or ""
        return node.field_id_for(name) if node is not None else name


def blink(widget: Widget) -> bool:
    """The cursor blinks only when the person asked for it (blinking costs traffic over SSH)."""
    return bool(getattr(widget.app, "blink_cursor", False))


def trim_paste(widget: Widget, event: events.Paste, current: int, limit: int) -> None:
    """Clean a paste of control characters and cut it to what fits under ``limit``, saying so."""
    text = clean(event.text)
    room = max(0, limit - current)
    if len(text) > room:
        text = text[:room]
        widget.notify(
            f"That paste was longer than an answer can be ({limit:,} characters); the first part was kept.",
            severity="warning",
        )
    event.text = text


class AnswerArea(TextArea):
    """A free answer. Posts ``AnswerChanged`` as the person types."""

    DEFAULT_CSS = """
    AnswerArea { height: auto; min-height: 3; max-height: 12; }
    """

    def __init__(self, key: str, value: str = "", **kwargs: Any) -> None:
        super().__init__(value, soft_wrap=True, tab_behavior="focus", show_line_numbers=False, **kwargs)
        self.field_id = key
        self.cursor_blink = False
        self.highlight_cursor_line = False
        self.move_cursor(self.document.end)

    def on_mount(self) -> None:
        self.cursor_blink = blink(self)

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.post_message(AnswerChanged(self.field_id, self.text))

    async def _on_paste(self, event: events.Paste) -> None:
        # Runs before TextArea's own paste handler, which then inserts the trimmed text.
        selected = len(self.selected_text)
        trim_paste(self, event, len(self.text) - selected, MAX_ANSWER_CHARS)

    def on_focus(self) -> None:
        # Coming back to an answer puts the cursor at its end, never selecting it.
        if self.selection.is_empty and self.cursor_location == (0, 0) and self.text:
            self.move_cursor(self.document.end)


class LineInput(InEntry, Input):
    """A one-line answer: no select-on-focus, so a keystroke never replaces a saved answer."""

    def __init__(self, field_id: str | None, value: str = "", **kwargs: Any) -> None:
        super().__init__(value, select_on_focus=False, compact=True, max_length=MAX_LINE_CHARS, **kwargs)
        self._field_id = field_id
        self.cursor_blink = False
        self.cursor_position = len(value)

    def on_mount(self) -> None:
        self.cursor_blink = blink(self)

    def _on_paste(self, event: events.Paste) -> None:
        trim_paste(self, event, len(self.value), MAX_LINE_CHARS)


class Choice(InEntry, Widget, can_focus=True):
    """Pick one of a few options with ←/→ or a digit; readable without colour: (•) picked, ( ) not."""

    DEFAULT_CSS = """
    Choice { height: auto; width: 1fr; padding: 0 1; }
    Choice:focus { background: $boost; text-style: bold; }
    """

    BINDINGS = [
        Binding("left,h", "move(-1)", "Previous option", show=False),
        Binding("right,l", "move(1)", "Next option", show=False),
        Binding("backspace,delete", "clear", "Clear", show=False),
    ]

    value: reactive[int | None] = reactive(None)

    class Changed(Message):
        def __init__(self, choice: Choice, value: int | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(
        self,
        field_id: str | None,
        options: tuple[str, ...],
        value: int | None = None,
        low: str = "",
        high: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._field_id = field_id
        self.options = options
        self.low = low
        self.high = high
        self.set_reactive(Choice.value, value if value is None or 0 <= value < len(options) else None)

    def render(self) -> Content:
        parts: list[Content] = []
        if self.low:
            parts.append(plain(self.low + " ", "dim"))
        for index, label in enumerate(self.options):
            mark = "(•)" if index == self.value else "( )"
            style = "bold reverse" if index == self.value else ""
            parts.append(plain(f"{mark} {label}", style))
            parts.append(Content("  "))
        if self.high:
            parts.append(plain(self.high, "dim"))
        return Content("").join(parts)

    def _set(self, value: int | None) -> None:
        if value != self.value:
            self.value = value
            self.post_message(self.Changed(self, value))

    def action_move(self, step: int) -> None:
        if self.value is None:
            self._set(0 if step > 0 else len(self.options) - 1)
        else:
            self._set(max(0, min(len(self.options) - 1, self.value + step)))

    def action_clear(self) -> None:
        self._set(None)

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.options):
                event.stop()
                event.prevent_default()
                self._set(index)

    def on_click(self) -> None:
        self.focus()


class ScaleChoice(Choice):
    """A 1 to 5 self-check; reports its answer as the number chosen."""

    def __init__(self, exercise: Exercise, value: Any) -> None:
        index = value - 1 if isinstance(value, int) and 1 <= value <= 5 else None
        super().__init__(exercise.key, ("1", "2", "3", "4", "5"), index, exercise.low, exercise.high, classes="answer")

    @on(Choice.Changed)
    def _changed(self, event: Choice.Changed) -> None:
        event.stop()
        value = None if event.value is None else event.value + 1
        self.post_message(AnswerChanged(self.field_id, value, immediate=True))


class ToggleExercise(Widget, can_focus=True):
    """A "this feels familiar" tick box, readable without colour: [x] or [ ]."""

    DEFAULT_CSS = """
    ToggleExercise { height: 1; width: auto; padding: 0 1; }
    ToggleExercise:focus { background: $boost; text-style: bold; }
    """
    BINDINGS = [Binding("space,enter,x", "toggle", "Tick", show=False)]

    value: reactive[bool] = reactive(False)

    def __init__(self, exercise: Exercise, value: Any) -> None:
        super().__init__(classes="toggle")
        self.field_id = exercise.key
        self.exercise = exercise
        self.set_reactive(ToggleExercise.value, value is True)

    def render(self) -> Content:
        return plain(f"[{'x' if self.value else ' '}] {self.exercise.prompt}")

    def action_toggle(self) -> None:
        self.value = not self.value
        self.post_message(AnswerChanged(self.exercise.key, self.value or None, immediate=True))

    def on_click(self) -> None:
        self.focus()
        self.action_toggle()



class EntryRow(Vertical):
    """One entry of a list: its fields and a Remove button."""

    def __init__(self, fields: tuple[Field, ...], key: str, index: int, entry: dict[str, Any]) -> None:
        super().__init__(classes="entry")
        self.fields = fields
        self.key = key
        self.index = index
        self.entry = entry

    def field_id_for(self, name: str) -> str:
        return f"{self.key}#{self.index}.{name}"

    def compose(self) -> ComposeResult:
        for f in self.fields:
            value = self.entry.get(f.id)
            yield Paragraph(f.label, classes="field-label")
            if f.kind == "choice":
                index = f.options.index(value) if value in f.options else None
                yield Choice(None, f.options, index, name=f.id)
            else:
                yield LineInput(None, value if isinstance(value, str) else "", name=f.id)
        with Horizontal(classes="entry-actions"):
            yield Button("Remove", classes="remove", compact=True)

    def value(self) -> dict[str, Any]:
        by_name = {w.name: w for w in self.query("LineInput, Choice")}
        result: dict[str, Any] = {}
        for f in self.fields:
            widget = by_name[f.id]
            if isinstance(widget, Choice):
                if widget.value is not None:
                    result[f.id] = f.options[widget.value]
            elif isinstance(widget, LineInput):
                result[f.id] = clean(widget.value)
        return result


class EntriesExercise(Vertical):
    """A list the person builds: add, edit, remove entries."""

    def __init__(self, exercise: Exercise, value: Any) -> None:
        super().__init__(classes="exercise entries")
        self.exercise = exercise
        self.entries: list[dict[str, Any]] = [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
        self._reported: list[dict[str, Any]] | None = None

    def on_mount(self) -> None:
        self._reported = self.value()

    def compose(self) -> ComposeResult:
        yield Paragraph(self.exercise.prompt, classes="prompt")
        for index, entry in enumerate(self.entries):
            yield EntryRow(self.exercise.fields, self.exercise.key, index, entry)
        yield Button(f"+ {self.exercise.add_label}", classes="add", compact=True)

    @property
    def field_id(self) -> str:
        return self.exercise.key

    def _rows(self) -> list[EntryRow]:
        return list(self.query_children(EntryRow))

    def value(self) -> list[dict[str, Any]]:
        return [row.value() for row in self._rows()]

    def _post(self, immediate: bool, removed: dict[str, Any] | None = None) -> None:
        for index, row in enumerate(self._rows()):
            row.index = index
        value = self.value()
        if value == self._reported:
            return  # Input reports its first value when mounted: nothing changed, nothing to save
        self._reported = value
        kept = [removed] if removed and entry_has_text(self.exercise, removed) else None
        self.post_message(AnswerChanged(self.exercise.key, value or None, immediate=immediate, removed=kept))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._post(immediate=False)

    @on(Choice.Changed)
    def _chosen(self, event: Choice.Changed) -> None:
        event.stop()
        self._post(immediate=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter moves on to the next field, like Tab.
        event.stop()
        self.screen.focus_next()

    @on(Button.Pressed, ".add")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        row = EntryRow(self.exercise.fields, self.exercise.key, len(self._rows()), {})
        await self.mount(row, before=event.button)
        row.query(LineInput).first().focus()
        self._post(immediate=True)

    @on(Button.Pressed, ".remove")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        row = next(a for a in event.button.ancestors if isinstance(a, EntryRow))
        rows = self._rows()
        position = rows.index(row)
        removed = row.value()
        await row.remove()
        rows = self._rows()
        if rows:
            rows[min(position, len(rows) - 1)].query_one(".remove", Button).focus()
        else:
            self.query_one(".add", Button).focus()
        self._post(immediate=True, removed=removed)
