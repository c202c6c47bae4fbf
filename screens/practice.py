"""The practice section, Practising small decisions: the gut-feeling game, check-ins and the streak."""

from __future__ import annotations

import random
import time
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from screens.messages import DecisionAdded, PickChanged, PickMade, SettingChanged
from screens.base import WorkbookScreen, blinks
from screens.fields import FocusMarked
from screens.widgets import KeyBar, Page, Paragraph, TopBar, plain
from workbook import practice
from workbook import content, records
from workbook.content import Section
from workbook.practice import Decision
from workbook.state import WorkbookState
from workbook.wording import day_label, plural

TICK = 0.25  # seconds between updates of the gut-window bar (4 a second at most)
BAR = 16
PLAY_WIDTH = 44  # narrower than this beside the streak panel (below 76 columns), the panel goes below


class Card(FocusMarked, Widget, can_focus=True):
    """One decision at a time. 1–4 pick, ←/→ and enter pick the highlighted one, s skips.

    Its keys follow its phase (``check_action``): picking, then "How clear was the ping?".
    """

    HELP_TITLE = "The game (section 5): the decision card"
    BINDINGS = [
        *(
            Binding(str(n), f"pick({n - 1})", "Pick", key_display="1-4", show=n == 1, tooltip="pick an option")
            for n in range(1, 5)
        ),
        Binding("s", "skip", "Skip", id="skip", tooltip="skip this decision"),
        Binding("g", "gut", "Gut window", id="gut-window", tooltip="the 8-second gut window on or off"),
        Binding("left,up", "move(-1)", "Highlight", show=False, tooltip="highlight the option before or after"),
        Binding("right,down", "move(1)", "Highlight", show=False, tooltip="highlight the option before or after"),
        Binding("enter", "choose", "Pick", show=False, id="pick", tooltip="pick the highlighted option"),
        *(
            Binding(str(n), f"clarity({n - 1})", "How clear", key_display="1-3", show=n == 1,
                    tooltip="after a pick: how clear was the ping (quiet, some, clear)")
            for n in range(1, 4)
        ),
        Binding("enter", "skip_clarity", "Skip question", id="skip-clarity", tooltip="after a pick: skip the clarity question"),
    ]

    # A new card or phase can take more or fewer lines: those changes lay the card out again.
    decision: reactive[Decision | None] = reactive(None, layout=True)
    highlighted: reactive[int] = reactive(0)
    phase: reactive[str] = reactive("choose", layout=True)  # choose, clarity
    remaining: reactive[float] = reactive(0.0)

    class Picked(Message):
        def __init__(self, decision: Decision, option: int) -> None:
            super().__init__()
            self.decision = decision
            self.option = option

    class Clarity(Message):
        def __init__(self, clarity: str | None) -> None:
            super().__init__()
            self.clarity = clarity

    class Skipped(Message):
        pass

    def __init__(self) -> None:
        super().__init__(id="card")
        self.gut_seconds = float(practice.GUT_WINDOW_SECONDS)
        self._deadline = 0.0
        self._ticker: Timer | None = None
        self.picked_option = ""

    def show(self, decision: Decision, gut_seconds: float) -> None:
        self.decision = decision
        name = practice.LEVEL_NAMES[decision.level]
        level = "your own decision" if decision.custom else f"{'an' if name[0] in 'aeiou' else 'a'} {name} decision"
        self.border_title = plain(level)
        self.highlighted = 0
        self.phase = "choose"
        self.gut_seconds = gut_seconds
        self._stop_ticker()
        if gut_seconds > 0:
            self._deadline = time.monotonic() + gut_seconds
            self.remaining = gut_seconds
            self._ticker = self.set_interval(TICK, self._tick)
        else:
            self.remaining = 0.0

    def _tick(self) -> None:
        self.remaining = max(0.0, self._deadline - time.monotonic())
        if self.remaining <= 0:
            self._stop_ticker()
            self.refresh(layout=True)  # the closing words may take another line

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def render(self) -> Content:
        d = self.decision
        if d is None:
            return Content("")
        lines = [plain(d.prompt, "bold"), Content("\n\n")]
        if self.phase == "clarity":
            lines += [
                plain(f"You picked: {self.picked_option}\n\n"),
                Content("How clear was the ping?\n"),
                Content.styled("1 quiet   2 some   3 clear   ", "bold"),
                Content.styled("enter: skip this question", "dim"),
            ]
            return Content("").join(lines)
        for index, option in enumerate(d.options):
            # One option a line, never split between two. Reverse video marks the highlighted
            # option only while the card has the focus.
            style = ("reverse bold" if self.has_focus else "bold underline") if index == self.highlighted else ""
            lines += [plain(f" {index + 1} {option} ", style), Content("\n")]
        lines.append(Content("\n"))
        if self.gut_seconds <= 0:
            lines.append(Content.styled("Gut window off (g turns it on). Pick when you're ready.", "dim"))
        elif self.remaining > 0:
            filled = round(BAR * self.remaining / self.gut_seconds)
            lines.append(Content.styled("▮" * filled + "▯" * (BAR - filled), "$accent"))
            lines.append(Content(f" gut window {self.remaining:.0f}s: what is the first ping?"))
        else:
            lines.append(Content("No pick is information too. Choose when you're ready, or s to skip."))
        return Content("").join(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys work in which phase: hidden (and idle) in the other phase."""
        if self.decision is None:
            return False
        if action in ("clarity", "skip_clarity"):
            return self.phase == "clarity"
        if self.phase != "choose":
            return False
        if action == "pick":
            return int(parameters[0]) < len(self.decision.options)  # type: ignore[call-overload]
        return True

    def watch_phase(self) -> None:
        self.refresh_bindings()

    def watch_decision(self) -> None:
        self.refresh_bindings()

    def action_pick(self, index: int) -> None:
        self._pick(index)

    def action_clarity(self, index: int) -> None:
        self.post_message(self.Clarity(practice.CLARITY[index]))

    def action_skip_clarity(self) -> None:
        self.post_message(self.Clarity(None))

    def _pick(self, index: int) -> None:
        assert self.decision is not None
        self._stop_ticker()
        self.picked_option = self.decision.options[index]
        self.phase = "clarity"
        self.post_message(self.Picked(self.decision, index))

    def action_move(self, step: int) -> None:
        if self.decision is not None and self.phase == "choose":
            self.highlighted = (self.highlighted + step) % len(self.decision.options)

    def action_choose(self) -> None:
        if self.phase == "clarity":
            self.post_message(self.Clarity(None))
        elif self.decision is not None:
            self._pick(self.highlighted)

    def action_skip(self) -> None:
        self._stop_ticker()
        if self.phase == "clarity":
            self.post_message(self.Clarity(None))
        else:
            self.post_message(self.Skipped())

    def action_gut(self) -> None:
        on = self.gut_seconds <= 0
        self.post_message(SettingChanged("gut_window", on))
        if self.decision is not None and self.phase == "choose":
            self.show(self.decision, float(practice.GUT_WINDOW_SECONDS) if on else 0.0)


class GameInput(Input):
    """A one-line field of the game: enter saves, escape (the screen's key) leaves the field."""

    HELP_TITLE = "The game: typing a note or your own decision"
    BINDINGS = [Binding("enter", "submit", "Save", id="save", tooltip="save what you typed")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(select_on_focus=False, compact=True, **kwargs)


class CheckIn(Vertical, can_focus=True):
    """A pick waiting for "Did it align?": y yes, p partly, n not really, x skip. Then an optional note."""

    HELP_TITLE = "The game: a check-in"
    BINDINGS = [
        Binding("y", "align('yes')", "Yes", tooltip="did it align? yes"),
        Binding("p", "align('partly')", "Partly", tooltip="did it align? partly"),
        Binding("n", "align('not really')", "Not really", tooltip="did it align? not really"),
        Binding("x", "align('skip')", "Skip", tooltip="skip this check-in"),
    ]

    def __init__(self, pick: records.Pick, today: Any) -> None:
        super().__init__(classes="checkin")
        self.pick = pick
        self.today = today
        self.answered = False

    def compose(self) -> ComposeResult:
        yield Static(self._text(), classes="checkin-text")

    def _text(self) -> Content:
        day = self.pick.day
        when = "today" if day == self.today.isoformat() else f"on {day_label(day, self.today)}"
        return Content.assemble(
            plain(f"“{self.pick.prompt}” → {self.pick.option} ({when})\n"),
            ("Did it align?  y yes · p partly · n not really · x skip", "dim"),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.answered

    async def action_align(self, answer: str) -> None:
        if self.answered:
            return
        self.answered = True
        self.can_focus = False  # from now on its note field is the Tab stop
        # Straight to the app (the one save path): a skipped check-in is removed at once, and a
        # message posted to a removed widget would never be handled.
        self.app.post_message(PickChanged(self.pick.id, {"checkin": answer}))
        if answer == "skip":
            screen = self.screen
            await self.remove()
            screen.refresh_bindings()
            return
        note = GameInput(placeholder="What did I learn?")
        note.cursor_blink = blinks(self)
        text = "Noted. Not really is information too." if answer == "not really" else "Noted."
        self.query_one(Static).update(plain(f"“{self.pick.prompt}”: {text}"))
        await self.mount(note)
        note.focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(PickChanged(self.pick.id, {"learned": event.value}, immediate=False))

    @on(Input.Submitted)
    async def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(PickChanged(self.pick.id, {"learned": event.value}))
        screen = self.screen
        screen.set_focus(screen.query_one(Card))
        await self.remove()
        screen.refresh_bindings()


class StreakPanel(Static):
    """The streak, large, with best, total, check-ins, the 12-week calendar and the levels."""


def calendar_content(s: practice.Streak, today: Any) -> Content:
    """The 12-week calendar, a row per weekday, with its key; readable without colour."""
    parts = []
    rows = practice.calendar(s, today)
    for label, row in zip("MTWTFSS", rows):
        cells = []
        for cell in row:
            if cell.today:
                mark = "◆" if cell.symbol == practice.PRACTISED else "◇"
                cells.append(Content.styled(mark, "bold reverse"))
            else:
                cells.append(Content(cell.symbol))
            cells.append(Content(" "))
        parts.append(Content.assemble(f"{label} ", *cells, "\n"))
    today_mark = "◆ today" if s.practised_today else "◇ today"
    parts.append(plain(f"■ practised  {today_mark}\n", "dim"))
    parts.append(plain(f"~ {practice.REST_RULE}", "dim"))
    return Content("").join(parts)


def panel_text(s: practice.Streak, summary: practice.Summary, today: Any) -> Content:
    parts = [Content.styled(f"{practice.streak_text(s.current, s.run_ended)}\n", "bold $accent")]
    if s.run_ended and summary.total and not s.practised_today:
        parts.append(
            plain(
                "Welcome back. Every practice counts: "
                + ("your decision is" if summary.total == 1 else f"your {summary.total:,} decisions are")
                + " all still here.\n",
                "italic",
            )
        )
    parts.append(plain(f"best: {plural(s.best, 'day')} · decisions: {summary.total:,}\n"))
    a = summary.aligned
    parts.append(plain(f"aligned? yes {a['yes']} · partly {a['partly']}\n          not really {a['not really']}\n\n"))
    parts.append(calendar_content(s, today))
    parts.append(plain("\n\n" + practice.next_level_note(s.practice_days), "italic"))
    return Content("").join(parts)


CHECK_IN = Binding.Group("Check in")


class PracticeScreen(WorkbookScreen):
    AUTO_FOCUS = None
    HELP_TITLE = f"The game (section {content.load().practice_number})"
    BINDINGS = [
        # Typing in a field, escape leaves it (back to the card); elsewhere it goes Home.
        Binding("escape", "leave_field", "Leave field", priority=True, id="leave-field", tooltip="while typing in a field: leave it, back to the card"),
        Binding("escape", "home", "Home", priority=True, id="home", tooltip="back to Home (when not typing)"),
        # A check-in on show answers to y p n x even while the card has the focus.
        Binding("y", "check_in('yes')", "Yes", group=CHECK_IN, tooltip="answer the first check-in shown: yes"),
        Binding("p", "check_in('partly')", "Partly", group=CHECK_IN, tooltip="… partly"),
        Binding("n", "check_in('not really')", "Not really", group=CHECK_IN, tooltip="… not really"),
        Binding("x", "check_in('skip')", "Skip", group=CHECK_IN, tooltip="… skip it"),
    ]

    def __init__(self, section: Section, state: WorkbookState, rng: random.Random | None = None) -> None:
        super().__init__(state, name=f"section-{section.number}", classes="practice")
        self.section = section
        self.rng = rng  # which card comes next
        self.recent: list[str] = []

    def compose(self) -> ComposeResult:
        yield TopBar(f"{self.section.number} · {self.section.title}")
        with Horizontal(id="game"):
            with Page(id="play"):
                # The article's words on gut feelings come first, as in every section; then the game.
                for passage in self.section.passages:
                    for paragraph in passage.paragraphs:
                        yield Paragraph(paragraph, classes="passage")
                yield Card()
                yield Static(id="card-help")
                yield Static(plain("Check in on earlier picks", "bold"), id="checkins-title")
                yield Vertical(id="checkins")
                yield Static(plain("Add a decision from your own life", "bold"), classes="add-title")
                yield GameInput(placeholder="e.g. Which bus to take?", id="new-prompt")
                yield GameInput(placeholder="2 to 4 options: a, b, c", id="new-options")
                yield StreakPanel(id="streak-below")  # on a narrow terminal, in place of the one beside
            yield StreakPanel(id="streak-panel")
        yield KeyBar()

    # -- data down ----------------------------------------------------------
    @property
    def decisions(self) -> list[Decision]:
        return self.state.deck()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.select_on_focus = False
            field.cursor_blink = blinks(self)
        self.query_one("#card-help", Static).update(
            plain("←/→ and enter pick too · tab: check-ins and your own decisions", "dim")
        )
        self.next_card()

    def on_resize(self) -> None:
        # The card keeps a good width: on a narrow terminal the streak panel moves below the game.
        side = self.query_one("#streak-panel", StreakPanel).styles.width
        self.set_class(self.size.width - int(side.value if side else 32) < PLAY_WIDTH, "narrow")

    def refresh_progress(self) -> None:
        """Called by the app each time the screen is shown or the data changes."""
        state = self.state
        state.refresh_streak()
        summary = state.summary()
        text = panel_text(state.streak, summary, state.today())
        for panel in self.query(StreakPanel):
            panel.update(text)
        box = self.query_one("#checkins", Vertical)
        shown = {c.pick.id for c in box.query(CheckIn)}
        wanted = [p for p in summary.pending if p.id not in shown]
        if not shown and not wanted:
            self.query_one("#checkins-title", Static).display = False
        else:
            self.query_one("#checkins-title", Static).display = True
        if wanted and len(shown) < 3:
            box.mount_all([CheckIn(p, state.today()) for p in wanted[: 3 - len(shown)]])
            self.call_after_refresh(self.refresh_bindings)

    def focus_field(self, field: str | None) -> None:
        """The card on a first visit; coming back, wherever the person was (a field keeps its cursor)."""
        if self._visited and self.focused is not None:
            self.set_focus(self.focused)
        else:
            card = self.query_one(Card)
            self.set_focus(card, scroll_visible=False)
            # The article's words stay above; on a small terminal the page moves just enough for the
            # whole card (its options and the gut window) to be on screen.
            self.call_after_refresh(lambda: self.query_one("#play").scroll_to_widget(card, animate=False))
        self._visited = True

    _visited = False

    # -- keys ---------------------------------------------------------------------
    def _typing(self) -> bool:
        return isinstance(self.focused, Input)

    def _open_check_in(self) -> CheckIn | None:
        return next((c for c in self.query(CheckIn) if not c.answered), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":
            return self._typing()
        if action == "home":
            return not self._typing()
        if action == "check_in":
            return not self._typing() and self._open_check_in() is not None
        return True

    def action_leave_field(self) -> None:
        self.set_focus(self.query_one(Card))

    async def action_home(self) -> None:
        await self.app.run_action("home")

    async def action_check_in(self, answer: str) -> None:
        check_in = self._open_check_in()
        if check_in is not None:
            await check_in.action_align(answer)

    def next_card(self) -> None:
        state = self.state
        recent = self.recent + [p.decision for p in state.picks[-10:]]
        decision = practice.draw(self.decisions, state.streak.practice_days, recent, self.rng)
        self.recent = (self.recent + [decision.id])[-10:]
        on = state.settings.get("gut_window", True)
        seconds = float(state.settings.get("gut_seconds", practice.GUT_WINDOW_SECONDS)) if on else 0.0
        self.query_one(Card).show(decision, seconds)

    # -- messages up -----------------------------------------------------------
    @on(Card.Picked)
    def _picked(self, event: Card.Picked) -> None:
        pick = records.Pick.new(event.decision, event.option, self.state.clock())
        self._last_pick = pick.id
        self.post_message(PickMade(pick))

    @on(Card.Clarity)
    def _clarity(self, event: Card.Clarity) -> None:
        if event.clarity is not None:
            self.post_message(PickChanged(self._last_pick, {"clarity": event.clarity}))
        self.next_card()

    @on(Card.Skipped)
    def _skipped(self) -> None:
        self.next_card()

    @on(Input.Submitted, "#new-prompt")
    def _to_options(self) -> None:
        if self.query_one("#new-options", Input).value.strip():
            self._add()  # both filled in: enter saves from either field
        else:
            self.query_one("#new-options", Input).focus()

    @on(Input.Submitted, "#new-options")
    def _add(self) -> None:
        prompt_field = self.query_one("#new-prompt", Input)
        options_field = self.query_one("#new-options", Input)
        prompt = prompt_field.value.strip()
        options = [o.strip() for o in options_field.value.split(",") if o.strip()]
        if not prompt:
            self.notify("Write the decision first, then its options.", severity="warning")
            prompt_field.focus()
            return
        if not 2 <= len(options) <= 4:
            self.notify("Give 2 to 4 options, separated by commas.", severity="warning")
            return
        self.post_message(DecisionAdded(records.Decision.new(prompt, options[:4])))
        prompt_field.value = ""
        options_field.value = ""
        self.notify("Added to your deck.")
        self.query_one(Card).focus()
