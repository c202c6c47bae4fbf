"""Home: the title, the author, the article's introduction, the contents with progress."""

from __future__ import annotations


from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from screens.base import WorkbookScreen
from screens.widgets import KeyBar, Paragraph, TopBar
from workbook import content, practice
from workbook.state import WorkbookState
from workbook.progress import bar
from workbook.wording import plural

LAST = content.load().last_number  # the keys 1 to LAST open the sections
TITLE = 38  # the longest title and a space; one less when narrow
WIDE_ROW = 3 + TITLE + 1 + len("■■■■■■■■  1 of 4")  # a row with its bar fits from here


class HomeScreen(WorkbookScreen):
    # Priority: handled by the app as the keys come in, so keys typed right after never reach the
    # list that had the focus (Home has no text field that would want them).
    BINDINGS = [
        *(
            Binding(str(n), f"app.open_section({n})", f"Section {n}", show=False, id=f"open-{n}", priority=True)
            for n in range(1, LAST + 1)
        ),
        Binding("c", "app.resume", "Continue", id="continue", priority=True),
        Binding("d", "app.my_data", "My data", id="my-data", priority=True),
    ]
    # ctrl+n works here too (to section 1), but 1-7 say more: the key bar keeps its room for ctrl+o.
    KEY_BAR_SKIP = frozenset({"next-section"})

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(state, name="home", classes="home")
        self.workbook = state.workbook
        self._wide = True

    def compose(self) -> ComposeResult:
        yield TopBar("Self-Trust Workbook")
        with VerticalScroll(id="body"):
            yield Paragraph(self.workbook.title, classes="title")
            yield Paragraph(self.workbook.credit, classes="credit")
            # The contents come before the introduction, so the whole list is on the first screen
            # at 80×24 and at 60×20. Built complete, so the first frame is laid out once.
            contents = OptionList(*self._options(), id="contents")
            contents.border_title = f"Contents: press 1 to {LAST}"
            contents.highlighted = 0
            yield contents
            yield Button(self._continue_label(), id="continue", compact=True)
            for paragraph in self.workbook.intro:
                yield Paragraph(paragraph, classes="passage")
            yield Paragraph(self.workbook.care_note, classes="care")
        yield KeyBar((f"1-{LAST}", "Open"), ("c", "Continue"), ("d", "My data"))

    def on_mount(self) -> None:
        # Not query_one: when the session ends while Home is still being mounted (a browser page
        # closed at once, a hang-up at start), the list may already be gone.
        for contents in self.query("#contents").results(OptionList):
            self.set_focus(contents, scroll_visible=False)

    def on_resize(self) -> None:
        if self._wide != self._is_wide():  # the rows change shape between narrow and wide
            self.refresh_progress()

    def _room(self) -> int:
        """The width of a row of the contents: the body's padding, the list's border, a scrollbar."""
        return (self.size.width or self.app.size.width) - 7

    def _is_wide(self) -> bool:
        return self._room() >= WIDE_ROW

    def _continue_label(self) -> str:
        has_position = self.state.has_position()
        return "Continue where you left off (c)" if has_position else "Begin with section 1 (c)"

    def refresh_progress(self) -> None:
        contents = self.query_one("#contents", OptionList)
        highlighted = contents.highlighted
        contents.set_options(self._options())
        contents.highlighted = highlighted if highlighted is not None else 0
        button = self.query_one("#continue", Button)
        label = self._continue_label()
        if str(button.label) != label:
            button.label = label
            button.refresh(layout=True)  # "Begin with section 1" becomes a longer label: as wide as its words

    def _options(self) -> list[Option]:
        """The contents: each section with its progress (the game with its streak), and the review."""
        options = []
        self._wide = wide = self._is_wide()
        title = TITLE if wide else TITLE - 1
        start = 3 + title + 1  # "1  ", the title, a space
        home = self.state.home()  # from the summary beside the data until everything is read
        for section in self.workbook.sections:
            if section.counted:
                done, total = home.done.get(section.number, 0), len(section.counted)
                row = self._row(section.number, section.title, done, total, wide)
            else:  # the practice game: its streak instead of a count
                picks = home.picks
                current = home.current
                note = practice.practice_note(current, picks)
                if start + len(note) > self._room():  # narrow: the streak, or the count, alone
                    note = practice.streak_text(current) if current else plural(picks, "decision") if picks else "not started"
                row = Content(f"{section.number}  {section.title:<{title}} {note}")
            options.append(Option(row, id=str(section.number)))
        review = plural(home.answered, "answer")
        if start + len(review) + len(" so far") <= self._room():
            review += " so far"
        number, name = self.workbook.review_number, self.workbook.review.title
        options.append(Option(Content(f"{number}  {name:<{title}} {review}"), id=str(number)))
        return options

    @staticmethod
    def _row(number: int, title: str, done: int, total: int, wide: bool = True) -> Content:
        if not wide:  # 60 columns: the count without the bar
            return Content(f"{number}  {title:<{TITLE - 1}} {done} of {total}")
        return Content.assemble(
            f"{number}  {title:<{TITLE}} ",
            (bar(done, total, 8), "$accent"),
            f"  {done} of {total}",
        )

    @on(OptionList.OptionSelected, "#contents")
    async def _open(self, event: OptionList.OptionSelected) -> None:
        await self.app.run_action(f"open_section({event.option.id})")

    @on(Button.Pressed, "#continue")
    async def _continue(self) -> None:
        await self.app.run_action("resume")
