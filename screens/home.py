"""Home: the title, the author, the article's introduction, the contents with progress."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from screens.widgets import KeptScreen, KeyBar, Paragraph, TopBar
from workbook import practice
from workbook.content import Workbook
from workbook.progress import bar, is_answered, section_progress

REVIEW_NUMBER = 7
REVIEW_TITLE = "My workbook"


class HomeScreen(KeptScreen):
    # Priority: handled by the app as the keys come in, so keys typed right after never reach the
    # list that had the focus (Home has no text field that would want them).
    BINDINGS = [
        *(
            Binding(str(n), f"app.open_section({n})", f"Section {n}", show=False, id=f"open-{n}", priority=True)
            for n in range(1, 8)
        ),
        Binding("c", "app.resume", "Continue", id="continue", priority=True),
        Binding("d", "app.my_data", "My data", id="my-data", priority=True),
    ]

    def __init__(self, workbook: Workbook, answers: dict[str, Any]) -> None:
        super().__init__(name="home", classes="home")
        self.workbook = workbook
        self.answers = answers

    def compose(self) -> ComposeResult:
        yield TopBar("Self-Trust Workbook")
        with VerticalScroll(id="body"):
            yield Paragraph(self.workbook.title, classes="title")
            yield Paragraph(self.workbook.credit, classes="credit")
            for paragraph in self.workbook.intro:
                yield Paragraph(paragraph, classes="passage")
            # Built complete, so the first frame is laid out once (wrapping the long introduction
            # twice, after filling the list in on_mount, cost ~50 ms of start-up).
            contents = OptionList(*self._options(), id="contents")
            contents.border_title = "Contents: press 1 to 7"
            contents.highlighted = 0
            yield contents
            yield Button(self._continue_label(), id="continue", compact=True)
            yield Paragraph(self.workbook.care_note, classes="care")
        yield KeyBar(("1-7", "Open"), ("c", "Continue"), ("d", "My data"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#contents", OptionList), scroll_visible=False)

    def _continue_label(self) -> str:
        has_position = self.app.has_position() if hasattr(self.app, "has_position") else False
        return "Continue where you left off (c)" if has_position else "Begin with section 1 (c)"

    def refresh_progress(self) -> None:
        contents = self.query_one("#contents", OptionList)
        highlighted = contents.highlighted
        contents.set_options(self._options())
        contents.highlighted = highlighted if highlighted is not None else 0
        self.query_one("#continue", Button).label = self._continue_label()

    def _options(self) -> list[Option]:
        """The contents: each section with its progress (the game with its streak), and the review."""
        options = []
        app: Any = self.app
        for section in self.workbook.sections:
            done, total = section_progress(section, self.answers)
            if section.counted:
                row = self._row(section.number, section.title, done, total)
            else:  # the practice game: its streak instead of a count
                picks = len(getattr(app, "picks", []))
                streak = getattr(app, "streak", None)
                if streak is not None and streak.current:
                    note = f"{practice.streak_text(streak.current)} · {picks:,} practised"
                else:
                    note = f"{picks:,} decisions practised" if picks else "not started yet"
                row = Content(f"{section.number}  {section.title:<38} {note}")
            options.append(Option(row, id=str(section.number)))
        answered = sum(
            1 for s in self.workbook.sections for e in s.counted if is_answered(e, self.answers.get(e.key))
        )
        review = f"{answered} answer{'s' if answered != 1 else ''} so far"
        options.append(Option(Content(f"{REVIEW_NUMBER}  {REVIEW_TITLE:<38} {review}"), id=str(REVIEW_NUMBER)))
        return options

    @staticmethod
    def _row(number: int, title: str, done: int, total: int) -> Content:
        return Content.assemble(
            f"{number}  {title:<38} ",
            (bar(done, total, 8), "$accent"),
            f"  {done} of {total}",
        )

    @on(OptionList.OptionSelected, "#contents")
    async def _open(self, event: OptionList.OptionSelected) -> None:
        await self.app.run_action(f"open_section({event.option.id})")

    @on(Button.Pressed, "#continue")
    async def _continue(self) -> None:
        await self.app.run_action("resume")
