"""My data: export, reset (all, one section, the practice) with a typed confirmation, undo, backups."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from screens.confirm import ConfirmReset
from screens.messages import ExportRequested, ResetRequested, UndoResetRequested
from screens.base import WorkbookScreen
from screens.widgets import KeyBar, Page, Paragraph, TopBar, plain
from workbook import backups, resets
from workbook.state import WorkbookState
from workbook.wording import hosted, moment_label


class DataScreen(WorkbookScreen):
    AUTO_FOCUS = None
    BINDINGS = [Binding("escape", "app.home", "Home", id="home", priority=True)]

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(state, name="data", classes="data")
        self.workbook = state.workbook

    def compose(self) -> ComposeResult:
        yield TopBar("My data")
        with Page(id="body"):
            yield Paragraph("Export", classes="heading")
            yield Paragraph("A copy of everything you wrote, to keep or to share with someone you trust.")
            with Horizontal(classes="buttons"):
                yield Button("Export as Markdown", id="export-markdown", compact=True)
                yield Button("Export as JSON", id="export-json", compact=True)
            yield Static(id="export-result")
            yield Paragraph("Start over", classes="heading")
            yield Paragraph("Choose what to erase. You will be asked to confirm, and a backup is taken first.")
            yield OptionList(id="reset-scope")
            yield Button("Undo last reset", id="undo", compact=True)
            yield Static(id="data-where")
        yield KeyBar(("esc", "Home"), ("tab", "Move"), ("enter", "Choose"))

    def on_mount(self) -> None:
        options = [Option(plain("Everything: start the workbook afresh"), id="all")]
        for section in self.workbook.sections:
            if section.exercises:
                options.append(Option(plain(f"Section {section.number}: {section.title}"), id=f"section-{section.number}"))
        options.append(Option(plain("The decisions practice and its streak"), id="game"))
        scope = self.query_one("#reset-scope", OptionList)
        scope.set_options(options)
        scope.highlighted = 0
        self.refresh_progress()

    def focus_field(self, field: str | None) -> None:
        """``reset-scope``: the choice of what to reset (the palette's "Reset…"); ``export``: the
        first export button; None: where the cursor was (on a first visit, the first export)."""
        targets = {"reset-scope": "#reset-scope", "export": "#export-markdown"}
        if field not in targets and isinstance(self.focused, (Button, OptionList)):
            return  # back again: where the cursor was
        target = self.query_one(targets.get(field or "", "#export-markdown"))
        self.set_focus(target, scroll_visible=False)
        # Once laid out, the page scrolls so the whole list (or the button) is in view.
        self.call_after_refresh(lambda: self.query_one("#body").scroll_to_widget(target, animate=False))

    def refresh_progress(self) -> None:
        store = self.state.store
        last = backups.last_reset(store)
        undo = self.query_one("#undo", Button)
        undo.disabled = last is None
        undo.label = f"Undo last reset (from {moment_label(last.taken, self.state.today())})" if last else "Undo last reset"
        count = len(backups.backups(store))
        where = "your own folder on the server, private to your key" if hosted() else str(store.folder)
        self.query_one("#data-where", Static).update(
            plain(f"\nYour data folder: {where}\nBackups kept there: {count} (one a day, and before any reset or import).")
        )

    def show_export(self, path: Path) -> None:
        self.query_one("#export-result", Static).update(plain(f"Saved to {path}"))

    @on(Button.Pressed, "#export-markdown")
    def _markdown(self) -> None:
        self.post_message(ExportRequested("markdown"))

    @on(Button.Pressed, "#export-json")
    def _json(self) -> None:
        self.post_message(ExportRequested("json"))

    @on(Button.Pressed, "#undo")
    def _undo(self) -> None:
        self.post_message(UndoResetRequested())

    @on(OptionList.OptionSelected, "#reset-scope")
    def _reset(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id or "all"
        scope, section = ("section", int(choice.split("-")[1])) if choice.startswith("section-") else (choice, None)
        self.confirm_reset(scope, section)

    @work
    async def confirm_reset(self, scope: str, section: int | None) -> None:
        if await self.app.push_screen_wait(ConfirmReset(resets.describe_reset(scope, section))):
            self.post_message(ResetRequested(scope, section))
