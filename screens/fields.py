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
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input, TextArea

from screens.front import blinks
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
    return blinks(widget)


def focus_mark(widget: Widget) -> Content:
    """``› `` before the focused tick or choice, two spaces otherwise: the focus reads without colour."""
    return Content.styled("› ", "bold") if widget.has_focus else Content("  ")


class FocusMarked:
    """A widget that draws its own focus mark (:func:`focus_mark`): redrawn when the focus comes or goes."""

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


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
    """A free answer. Posts ``AnswerChanged`` as the person types.

    It grows with its text up to the room the page has (set by the screen), then scrolls inside
    itself; after each change the page scrolls so the whole box, and so the cursor's line, is
    in view above the key bar.
    """

    HELP_TITLE = "In an answer box"
    DEFAULT_CSS = """
    AnswerArea { height: auto; min-height: 3; max-height: 12; }
    """

    def __init__(self, key: str, value: str = "", **kwargs: Any) -> None:
        super().__init__(value, soft_wrap=True, tab_behavior="focus", show_line_numbers=False, **kwargs)
        self.field_id = key
        self.cursor_blink = False
        self.highlight_cursor_line = False
        self.move_cursor(self.document.end)
        self._been_here = False

    def on_mount(self) -> None:
        self.cursor_blink = blink(self)

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.post_message(AnswerChanged(self.field_id, self.text))
        self.call_after_refresh(self.keep_in_view)

    @on(TextArea.SelectionChanged)
    def _moved(self, event: TextArea.SelectionChanged) -> None:
        event.stop()
        if self.has_focus:
            self.call_after_refresh(self.keep_in_view)

    def keep_in_view(self) -> None:
        """The whole box on screen (it is never taller than the page), so the cursor's line is too."""
        if self.is_mounted and self.has_focus:
            self.scroll_cursor_visible()
            self.screen.scroll_to_widget(self, animate=False, immediate=True)

    async def _on_paste(self, event: events.Paste) -> None:
        # Runs before TextArea's own paste handler, which then inserts the trimmed text.
        selected = len(self.selected_text)
        trim_paste(self, event, len(self.text) - selected, MAX_ANSWER_CHARS)

    def on_focus(self) -> None:
        # The first time, the cursor goes to the answer's end, never selecting it; later visits
        # find it where the person left it.
        if not self._been_here and self.selection.is_empty and self.cursor_location == (0, 0) and self.text:
            self.move_cursor(self.document.end)
        self._been_here = True

    def type_here(self, text: str) -> None:
        """Text typed while something else had the focus: inserted at the cursor."""
        self.insert(text)


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

    def type_here(self, text: str) -> None:
        """Text typed while something else had the focus: inserted at the cursor."""
        self.insert_text_at_cursor(text)


class PressButton(Button):
    """A button whose key shows on the key bar; a mark (reverse) reads without colour."""

    HELP_TITLE = "On a button (Add, Remove)"
    BINDINGS = [Binding("enter", "press", "Press", id="press", tooltip="press it; typing on Add starts a new entry with what you type")]


class Choice(FocusMarked, InEntry, Widget, can_focus=True):
    """Pick one of a few options with ←/→ or a digit; readable without colour: (•) picked, ( ) not."""

    HELP_TITLE = "On a 1–5 scale or a choice"

    DEFAULT_CSS = """
    Choice { height: auto; width: 1fr; padding: 0 1 0 0; }
    Choice:focus { background: $boost; text-style: bold; }
    """

    # Letters are never a choice's keys: typed here, they go on to the answer box (see the screen).
    BINDINGS = [
        Binding("left", "move(-1)", "Choose", key_display="←/→", id="choice-previous", tooltip="choose the option before or after"),
        Binding("right", "move(1)", "Choose", key_display="←/→", show=False, id="choice-next", tooltip="choose the option before or after"),
        *(
            Binding(str(n), f"choose({n - 1})", "Choose by number", key_display="1 … 5", show=False,
                    tooltip="choose by its number (1 to 5 on a scale, 1 to 3 for how you honour a need)")
            for n in range(1, 10)
        ),
        Binding("backspace,delete", "clear", "Clear the choice", show=False, id="choice-clear", tooltip="clear the choice"),
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
        parts: list[Content] = [focus_mark(self)]
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return 0 <= int(parameters[0]) < len(self.options)  # type: ignore[call-overload]
        return True

    def action_choose(self, index: int) -> None:
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


class ToggleExercise(FocusMarked, Widget, can_focus=True):
    """A "this feels familiar" tick box, readable without colour: [x] or [ ]."""

    DEFAULT_CSS = """
    ToggleExercise { height: 1; width: auto; padding: 0; }
    ToggleExercise:focus { background: $boost; text-style: bold; }
    """
    HELP_TITLE = "On a “This feels familiar” tick"
    BINDINGS = [Binding("space,enter", "toggle", "Tick", id="tick", tooltip="tick or untick; any other key types in the answer box")]

    value: reactive[bool] = reactive(False)

    def __init__(self, exercise: Exercise, value: Any) -> None:
        super().__init__(classes="toggle")
        self.field_id = exercise.key
        self.exercise = exercise
        self.set_reactive(ToggleExercise.value, value is True)

    def render(self) -> Content:
        return focus_mark(self) + plain(f"[{'x' if self.value else ' '}] {self.exercise.prompt}")

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
        self._by_name: dict[str | None, Widget] | None = None

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
            yield PressButton("Remove", classes="remove", compact=True)

    def value(self) -> dict[str, Any]:
        if self._by_name is None:  # kept once built: a long list asks each row at every keystroke
            self._by_name = {w.name: w for w in self.query("LineInput, Choice")}
        by_name = self._by_name
        result: dict[str, Any] = {}
        for f in self.fields:
            widget = by_name[f.id]
            if isinstance(widget, Choice):
                if widget.value is not None:
                    result[f.id] = f.options[widget.value]
            elif isinstance(widget, LineInput):
                result[f.id] = clean(widget.value)
        return result


# A list's entries drawn when its section opens (each costs seven widgets: a section with three
# lists of 1,000 would take minutes); the rest wait, kept and saved, for "Show more", a batch a press.
FIRST_SHOWN = 15
MORE_AT_ONCE = 25


class MoreEntries(PressButton):
    """Stands in a long list for the entries not drawn yet (all kept and saved): pressed, it
    draws the next ones. A list of 1,000 entries would otherwise take minutes to open."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__("", classes="more", compact=True)
        self.entries = entries
        self._label()

    def _label(self) -> None:
        count = len(self.entries)
        step = min(count, MORE_AT_ONCE)
        self.label = plain(f"Show {step} more ({count:,} not shown yet, all kept)")

    def take(self, count: int) -> list[dict[str, Any]]:
        taken, self.entries = self.entries[:count], self.entries[count:]
        self._label()
        return taken


class EntriesExercise(Vertical):
    """A list the person builds: add, edit, remove entries.

    A long list shows its first entries; a "Show more" button holds the rest (in the list's
    value all along) and draws them a batch at a time."""

    def __init__(self, exercise: Exercise, value: Any) -> None:
        super().__init__(classes="exercise entries")
        self.exercise = exercise
        self.entries: list[dict[str, Any]] = [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
        self._reported: list[dict[str, Any]] | None = None

    def on_mount(self) -> None:
        self._reported = self.value()

    def compose(self) -> ComposeResult:
        yield Paragraph(self.exercise.prompt, classes="prompt")
        for index, entry in enumerate(self.entries[:FIRST_SHOWN]):
            yield EntryRow(self.exercise.fields, self.exercise.key, index, entry)
        if len(self.entries) > FIRST_SHOWN:
            yield MoreEntries(self.entries[FIRST_SHOWN:])
        yield PressButton(f"+ {self.exercise.add_label}", classes="add", compact=True)

    @property
    def field_id(self) -> str:
        return self.exercise.key

    def _rows(self) -> list[EntryRow]:
        return list(self.query_children(EntryRow))

    def _more(self) -> MoreEntries | None:
        return next(iter(self.query_children(MoreEntries)), None)

    def value(self) -> list[dict[str, Any]]:
        """Every entry in order: the rows drawn, and those the "Show more" button still holds."""
        result: list[dict[str, Any]] = []
        for child in self.children:
            if isinstance(child, EntryRow):
                result.append(child.value())
            elif isinstance(child, MoreEntries):
                result.extend(dict(e) for e in child.entries)
        return result

    def _post(self, immediate: bool, removed: dict[str, Any] | None = None) -> None:
        index = 0
        for child in self.children:
            if isinstance(child, EntryRow):
                child.index = index
                index += 1
            elif isinstance(child, MoreEntries):
                index += len(child.entries)
        value = self.value()
        if value == self._reported:
            return  # Input reports its first value when mounted: nothing changed, nothing to save
        self._reported = value
        kept = [removed] if removed and entry_has_text(self.exercise, removed) else None
        self.post_message(AnswerChanged(self.exercise.key, value or None, immediate=immediate, removed=kept))

    @on(Button.Pressed, ".more")
    async def _show_more(self, event: Button.Pressed) -> None:
        event.stop()
        await self.show_more()

    async def show_more(self) -> LineInput | None:
        """Draw the next batch of the entries not shown yet; the cursor goes to the first of them."""
        more = self._more()
        if more is None:
            return None
        start = sum(1 for c in self.children[: self.children.index(more)] if isinstance(c, EntryRow))
        batch = more.take(MORE_AT_ONCE)
        rows = [
            EntryRow(self.exercise.fields, self.exercise.key, start + i, entry) for i, entry in enumerate(batch)
        ]
        if rows:
            await self.mount_all(rows, before=more)
        target: Widget | None = rows[0].query(LineInput).first() if rows else None
        if not more.entries:
            if target is None:
                target = self.query_one(".add", Button)
            self.screen.set_focus(target)
            await more.remove()
        elif target is not None:
            self.screen.set_focus(target)
        self._post(immediate=True)
        return target if isinstance(target, LineInput) else None

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
        event.stop()
        if event.input.has_focus:
            self.move_on(event.input)

    def move_on(self, line: Widget) -> None:
        """Enter in ``line``: on to the next field, like Tab, but never onto a Remove button (a
        second Enter there would take the entry just written off the list). The section screen
        calls it as the key comes, so the keys typed next land in the field it moves to."""
        screen = self.screen
        screen.set_focus(line)
        screen.focus_next()
        focused = screen.focused
        if isinstance(focused, Button) and focused.has_class("remove"):
            rows = self._rows()
            row = next((a for a in focused.ancestors if isinstance(a, EntryRow)), None)
            later = rows[rows.index(row) + 1 :] if row in rows else []
            target = later[0].query(LineInput).first() if later else self.query_one(".add", Button)
            screen.set_focus(target)

    @on(Button.Pressed, ".add")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        (await self.add_entry()).focus()

    async def add_entry(self) -> LineInput:
        """A new, empty entry before the Add button; returns its first line."""
        row = EntryRow(self.exercise.fields, self.exercise.key, len(self._rows()), {})
        await self.mount(row, before=self.query_one(".add", Button))
        self._post(immediate=True)
        return row.query(LineInput).first()

    @on(Button.Pressed, ".remove")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        await self.remove_entry(event.button)

    async def remove_entry(self, button: Widget) -> None:
        """Take the entry of this Remove ``button`` off the list; the cursor goes to the next Remove (or Add)."""
        row = next((a for a in button.ancestors if isinstance(a, EntryRow)), None)
        rows = self._rows()
        if row not in rows:
            return  # already gone (a second press)
        assert row is not None
        position = rows.index(row)
        removed = row.value()
        await row.remove()
        rows = self._rows()
        # At once (focus() waits a turn): the keys typed next go to the button the cursor is on.
        target = rows[min(position, len(rows) - 1)].query_one(".remove", Button) if rows else self.query_one(".add", Button)
        self.screen.set_focus(target)
        self._post(immediate=True, removed=removed)
