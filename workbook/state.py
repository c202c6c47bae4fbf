"""WorkbookState: everything a person has made, and one method per thing they can do. No Textual here.

Built from a :class:`~workbook.storage.Store` (and a clock), it holds the answers with their earlier
versions, the picks, the person's own decisions, the settings, the position and the streak. A front
end (the Textual app in ``screens/``, or a plain line-by-line one) shows this state and calls its
methods; each method changes the state at once and returns the :class:`~workbook.storage.Changes`
to save, which the front end hands to its writer (:class:`workbook.saver.Saver`). The heavier jobs
(reset, undo, restore, import, export) call :mod:`workbook.backups`, :mod:`workbook.resets` and :mod:`workbook.exchange` and read everything again.

Cleaning (no control characters) and the answer cap live here, so every front end gets them.
Words meant for the person (a cap reached, another window's text kept) are collected in ``notes``
for the front end to show (:meth:`take_notes`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from workbook import backups, content, exchange, practice, resets
from workbook import summary as summary_
from workbook import versions as versions_
from workbook.wording import hosted
from workbook.records import Decision, Pick, Position
from workbook.storage import Changes, Head, Store, StorageError
from workbook.text import MAX_ANSWER_CHARS, clean


def tidy(value: Any) -> Any:
    """An answer with control characters removed from all its text."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: tidy(v) for k, v in value.items()}
    return value


def is_empty(value: Any) -> bool:
    """An answer that is not there: nothing, an empty text, an empty list."""
    return value in (None, "", [])


@dataclass
class Loaded:
    """Everything read after the first screen, ready for :meth:`WorkbookState.take`."""

    answers: dict[str, Any]
    versions: dict[str, list[dict[str, Any]]]
    picks: list[Pick]
    decisions: list[Decision]
    settings: dict[str, Any]
    position: Position | None
    streak: practice.Streak
    notices: list[str] = field(default_factory=list)


class WorkbookState:
    """The person's workbook in memory, and what they can do with it."""

    def __init__(
        self,
        store: Store,
        *,
        clock: practice.Clock = practice.system_clock,
        workbook: content.Workbook | None = None,
        head: Head | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.workbook = workbook or content.load()
        self.answers: dict[str, Any] = {}
        self.versions: dict[str, list[dict[str, Any]]] = {}
        self.picks: list[Pick] = []
        self.decisions: list[Decision] = []  # the person's own, added to the deck
        self.settings: dict[str, Any] = {}
        self.position: Position | None = None
        self.notes: list[str] = []
        self._streak_key: tuple[int, date] | None = None
        self.streak = practice.streak([], self.today())
        # Home's numbers as stored beside the data, until everything is read (see start_from).
        self._head: summary_.Home | None = None
        if head is not None and summary_.home(head.summary, self.today()) is None:
            self.notes.extend(backups.open_into(store))  # the summary cannot say (a clock set back): read all now
            head = None
        if head is None:
            self._read()
        else:
            self.start_from(head)
        # Where the person was when this session began (a welcome back goes there).
        self.resume: Position | None = self.position

    # -- a fast start: Home from the summary, everything else read after the first screen ----------
    @property
    def ready(self) -> bool:
        """Whether everything is read (False only between :meth:`start_from` and :meth:`take`)."""
        return self._head is None

    def start_from(self, head: Head) -> None:
        """Begin with what the first screen needs (the store is not open yet): settings, the place,
        and Home's numbers from the stored summary. :meth:`load` then :meth:`take` bring the rest."""
        self.settings.update(head.settings)
        self.position = Position.from_dict(head.position)
        self._head = summary_.home(head.summary, self.today())
        assert self._head is not None  # (checked by __init__)

    def load(self) -> Loaded:
        """Open the store and read everything (on the writer thread: nothing here is changed).

        The stored summary is checked against the whole data, and saved again if it was not right."""
        notices = backups.open_into(self.store)
        store = self.store
        with contextlib.suppress(OSError, StorageError):
            store.correct_summary()  # another program changed the file; a folder that takes no writes is fine
        answers = tidy(store.answers())
        picks = store.pick_records()
        return Loaded(
            answers=answers,
            versions=versions_.by_key(store.versions()),
            picks=picks,
            decisions=[Decision.from_dict(doc) for doc in store.custom_decisions()],
            settings=store.settings(),
            position=Position.from_dict(store.position()),
            streak=practice.streak(practice.practice_days_of(picks), self.today()),
            notices=notices,
        )

    def take(self, loaded: Loaded) -> list[str]:
        """Everything :meth:`load` read becomes the state (on the event loop); what to tell the person."""
        self.answers.clear()
        self.answers.update(loaded.answers)
        self.versions.clear()
        self.versions.update(loaded.versions)
        self.picks[:] = loaded.picks
        self.decisions[:] = loaded.decisions
        self.settings.clear()
        self.settings.update(loaded.settings)
        self.position = loaded.position
        self.streak = loaded.streak
        self._streak_key = (len(self.picks), self.today())
        self._head = None
        return loaded.notices

    def home(self) -> summary_.Home:
        """What Home and the top bar show: from the data, or from the stored summary until it is read."""
        if self._head is not None:
            return self._head
        done, answered = summary_.progress(self.answers, self.workbook)
        streak = self.streak
        return summary_.Home(done, answered, len(self.picks), streak.current, streak.run_ended, self.has_position())

    # -- reading ------------------------------------------------------------------
    def _read(self) -> None:
        self.answers.clear()
        self.answers.update(tidy(self.store.answers()))
        self.versions.clear()
        self.versions.update(versions_.by_key(self.store.versions()))
        self.picks[:] = Pick.from_dicts(self.store.picks())
        self.decisions[:] = [Decision.from_dict(doc) for doc in self.store.custom_decisions()]
        self.settings.clear()
        self.settings.update(self.store.settings())
        self.position = Position.from_dict(self.store.position())
        self.refresh_streak(force=True)

    def reload(self) -> None:
        """Read everything again (after a reset, undo, restore, import or another session's save).

        An answer this session had that another window replaced meanwhile is now an earlier
        version: a note says so.
        """
        ours = dict(self.answers)
        known = {(v["key"], v.get("replaced")) for history in self.versions.values() for v in history}
        self._read()
        for history in self.versions.values():
            for version in history:
                mine = version.get("why") == "window" and ours.get(version["key"]) == version.get("value")
                if mine and (version["key"], version.get("replaced")) not in known:
                    self.notes.append(
                        f"Another window saved {self.field_name(version['key'])} after this one. Its text is "
                        "there now; yours is kept as an earlier version (ctrl+e to see it)."
                    )

    def take_notes(self) -> list[str]:
        """The notes for the person since the last call (each one line of plain text)."""
        notes, self.notes = self.notes, []
        return notes

    # -- the day and the streak ------------------------------------------------------
    def today(self) -> date:
        """The person's calendar day now."""
        return practice.local_day(self.clock())

    def refresh_streak(self, force: bool = False) -> bool:
        """Recompute the streak from the picks; True if it was recomputed.

        Picks are only ever added (a reload passes ``force``), so the count and the day tell
        whether anything changed: a pick does not walk 10,000 decisions again.
        """
        key = (len(self.picks), self.today())
        if key == self._streak_key and not force:
            return False
        self._streak_key = key
        self.streak = practice.streak(practice.practice_days_of(self.picks), self.today())
        return True

    @property
    def streak_line(self) -> str:
        """The streak in words, or nothing before the first pick."""
        if self._head is not None:
            return self._head.streak_line
        return practice.streak_text(self.streak.current, self.streak.run_ended) if self.picks else ""

    def summary(self) -> practice.Summary:
        """The practice in numbers: picks, how they aligned, check-ins waiting."""
        return practice.summarise(self.picks)

    def deck(self) -> list[practice.Decision]:
        """Every decision the game can deal: the shipped deck, then the person's own."""
        return [*practice.deck(), *(d.card() for d in self.decisions)]

    # -- sections ---------------------------------------------------------------------------
    @property
    def practice_number(self) -> int:
        """The section whose screen is the decision game."""
        return self.workbook.practice_number

    @property
    def review_number(self) -> int:
        """My workbook, the last section."""
        return self.workbook.review_number

    @property
    def last_number(self) -> int:
        """The highest section number."""
        return self.workbook.last_number

    def field_name(self, key: str) -> str:
        """An answer named for a person: its section and the start of its prompt."""
        return self.workbook.field_name(key)

    # -- answers -----------------------------------------------------------------------------
    def set_answer(self, key: str, value: Any, removed: Any = None) -> Changes:
        """Write ``value`` as the answer ``key`` (nothing, "" or [] clears it), cleaned and capped.

        ``removed`` is a list item the person took out: it is kept as an earlier version.
        """
        value = tidy(value)
        if isinstance(value, str) and len(value) > MAX_ANSWER_CHARS:
            value = value[:MAX_ANSWER_CHARS]
            self.notes.append(
                f"That answer is longer than {MAX_ANSWER_CHARS:,} characters; the first {MAX_ANSWER_CHARS:,} are kept."
            )
        if is_empty(value):
            self.answers.pop(key, None)
            value = None
        else:
            self.answers[key] = value
        changes = Changes(answers={key: value})
        if removed:
            changes.versions.append(versions_.make(key, tidy(removed), None, "removed"))
        return changes

    def remove_list_item(self, key: str, value: list[Any], removed: Any) -> Changes:
        """Take one item out of a list answer: ``value`` is the list without it, ``removed`` the item."""
        return self.set_answer(key, value, removed=removed)

    def put_back(self, key: str, value: Any, item: bool = False) -> Changes:
        """An earlier version goes back as the answer; the text it replaces is kept as an earlier version.

        ``item``: a removed list item goes back on its list (``value`` is the list with it), which
        replaces nothing, so nothing is kept.
        """
        value = tidy(value)
        self.answers[key] = value
        return Changes(answers={key: value}, keep={} if item else {key: "put-back"})

    def collect(self, values: Mapping[str, Any]) -> Changes:
        """Typing the front end has not reported yet (fields and their text): what differs is saved."""
        changes = Changes()
        for key, value in values.items():
            value = tidy(value) or None
            if self.answers.get(key) != value:
                changes.answers[key] = value
                if value is None:
                    self.answers.pop(key, None)
                else:
                    self.answers[key] = value
        return changes

    def kept_versions(self, kept: Iterable[dict[str, Any]]) -> bool:
        """Earlier versions the last writes kept (from the writer): shown under their fields.

        One kept because another window also saved that answer gets a note. True if any came.
        """
        kept = list(kept)
        for version in kept:
            self.versions.setdefault(version["key"], []).append(version)
            if version.get("why") == "window":
                self.notes.append(
                    f"Another window also saved {self.field_name(version['key'])}. This window's text is "
                    "there now; the other text is kept as an earlier version (ctrl+e to see it)."
                )
        return bool(kept)

    # -- the practice ----------------------------------------------------------------------
    def add_pick(self, pick: Pick) -> Changes:
        """A decision picked in the game (see :meth:`Pick.new`)."""
        self.picks.append(pick)
        self.refresh_streak()
        return Changes(new_picks=[pick.to_dict()])

    def update_pick(self, pick_id: str, **update: Any) -> Changes:
        """Change fields of a pick (clarity, checkin, learned), cleaned."""
        update = tidy(update)
        for pick in reversed(self.picks):
            if pick.id == pick_id:
                for name, value in update.items():
                    if name in Pick.__dataclass_fields__ and name != "extra":
                        setattr(pick, name, value)
                    else:
                        pick.extra = {**pick.extra, name: value}
                break
        return Changes(pick_updates={pick_id: update})

    def check_in(self, pick_id: str, answer: str) -> Changes:
        """Did the pick align: "yes", "partly", "not really", or "skip"."""
        return self.update_pick(pick_id, checkin=answer)

    def learned(self, pick_id: str, text: str) -> Changes:
        """What the person learned from a pick."""
        return self.update_pick(pick_id, learned=text)

    def clarity(self, pick_id: str, value: str) -> Changes:
        """How clear the ping of knowing was for a pick."""
        return self.update_pick(pick_id, clarity=value)

    def add_decision(self, decision: Decision) -> Changes:
        """A decision from the person's own life joins the deck (see :meth:`Decision.new`)."""
        decision = Decision(decision.id, tidy(decision.prompt), tuple(tidy(list(decision.options))), dict(decision.extra))
        self.decisions.append(decision)
        return Changes(new_decisions=[decision.to_dict()])

    # -- settings and place --------------------------------------------------------------------
    def set_setting(self, name: str, value: Any) -> Changes:
        """Remember a setting (theme, cursor_blink, gut_window, gut_seconds)."""
        self.settings[name] = value
        return Changes(settings={name: value})

    def move_to(self, screen: str, field: str | None = None) -> Changes:
        """The person went to ``field`` on ``screen``: remembered, so the next start resumes there."""
        position = (self.position or Position()).moved(screen, field)
        if position == self.position:
            return Changes()
        self.position = position
        return Changes(position=position.to_dict())

    def has_position(self) -> bool:
        """Whether there is a place to continue from."""
        return self.position is not None and self.position.last is not None

    # -- my data: each writes at once (after a backup) and reads everything again ----------------------
    def export(self, fmt: str, folder: Path | None = None) -> Path:
        """Write the workbook to a file ("markdown" or "json"); its path. Raises OSError or StorageError.

        Hosted (a visitor of `workbook serve`), only the newest few exports stay in the profile."""
        keep = exchange.HOSTED_EXPORTS if hosted() and folder is None else None
        return exchange.write_export(self.store, fmt, folder, keep=keep)

    def reset(self, scope: str, section: int | None = None) -> backups.Backup | None:
        """Erase everything ("all"), one section ("section") or the practice ("game"), after a backup."""
        backup = resets.reset(self.store, scope, section)
        self.reload()
        return backup

    def undo_reset(self) -> resets.Undone:
        """Put back what the last reset erased; what was written since stays."""
        undone = resets.undo_reset(self.store)
        self.reload()
        return undone

    def restore(self, name: str | None = None) -> backups.Backup:
        """Bring back a backup (the newest when ``name`` is None), after a backup of now."""
        backup = backups.restore(self.store, name)
        self.reload()
        return backup

    def import_(self, data: dict[str, Any]) -> backups.Backup | None:
        """Bring in checked data (an export, a rescue copy), after the usual backup."""
        backup = exchange.import_data(self.store, data)
        self.reload()
        return backup
