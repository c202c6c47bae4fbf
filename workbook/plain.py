"""Plain mode: the whole workbook as a conversation of plain lines, for screen readers and braille.

A second view over :class:`workbook.state.WorkbookState` (no Textual, nothing from ``screens/``).
Output is only text and newlines: no escape sequences, no box drawing, words for states, wrapped at
the terminal width (80 when unknown), nothing redrawn. Input is lines: every prompt ends with the
same cue (``CUE``); a text answer is typed as lines and ended by an empty line.

Saving is the full-screen app's: each answer when its Enter is typed, everything on quit, on
SIGHUP/SIGTERM and at the end of input (ctrl+d). If the disk still refuses on the way out, everything
goes to a rescue copy (workbook/rescue.py) and the next start, in either mode, offers it.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import textwrap
from datetime import date, timedelta
from typing import Any, TextIO

from workbook import exchange, practice, progress, rescue, resets
from workbook import versions as versions_
from workbook.content import Exercise, Passage, Section
from workbook.records import Decision, Pick
from workbook.saver import Saver
from workbook.state import WorkbookState
from workbook.storage import Changes, StorageError
from workbook.text import MAX_LINE_CHARS, clean
from workbook.wording import day_label, entry_line, hosted, plural, shown_path

CUE = "> "  # every prompt ends with this, so a reader knows input is expected
WORD = "RESET"  # the same typed confirmation as the full-screen app and `workbook reset`
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ALIGN_WORDS = ("yes", "partly", "not really", "skip")


class EndOfInput(Exception):
    """Standard input ended (ctrl+d, or the end of a pipe)."""


class HangUp(Exception):
    """SIGHUP or SIGTERM: save and leave."""


class Back(Exception):
    """The person asked for the menu."""


class Quit(Exception):
    """The person typed q at a question (not while writing an answer): save and leave."""


SEP = "; "  # between a list entry's fields ("/" is read aloud as "slash")


def _hang_up(signum: int, frame: Any) -> None:
    raise HangUp()


def plain_width(out: TextIO) -> int:
    """The terminal's width when output is a terminal, else 80 (never under 20)."""
    try:
        if out.isatty():
            return max(20, shutil.get_terminal_size((80, 24)).columns)
    except (OSError, ValueError, AttributeError):
        pass
    return 80


def _safe(text: str) -> str:
    """Only text: control characters (so any escape sequence) removed, tabs as spaces."""
    return clean(text).replace("\t", "    ")


class Plain:
    """One plain-mode session over a state, reading lines from ``inp`` and writing lines to ``out``."""

    def __init__(self, state: WorkbookState, saver: Saver, inp: TextIO, out: TextIO, *,
                 width: int | None = None, notices: list[str] | None = None,
                 rng: random.Random | None = None) -> None:
        self.state = state
        self.saver = saver
        self.inp = inp
        self.out = out
        self.width = width or plain_width(out)
        self.notices = list(notices or [])
        self.rng = rng or random.Random()
        self.recent: list[str] = []
        self.workbook = state.workbook
        self.heading = ""  # the heading of the passage being read or answered under
        # A person at a terminal, or connected to `workbook serve` (ssh -T has no terminal but a
        # person typing), reads paragraph by paragraph; lines piped in (a script) are answers, so
        # there the text is read straight through.
        try:
            self.paging = inp.isatty() or os.environ.get("WORKBOOK_HOSTED") == "1"
        except (OSError, ValueError, AttributeError):
            self.paging = False

    # -- output ---------------------------------------------------------------------
    def write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError):
            pass  # the terminal is gone (a hang-up): the save still happens

    def say(self, *paragraphs: str) -> None:
        """Each paragraph wrapped at the width, on lines of its own."""
        for paragraph in paragraphs:
            for raw in _safe(paragraph).split("\n"):
                lines = textwrap.wrap(raw, self.width - 1, break_on_hyphens=False, break_long_words=False) or [""]
                self.write("".join(line + "\n" for line in lines))

    def blank(self) -> None:
        self.write("\n")

    # -- input ----------------------------------------------------------------------
    def read_line(self) -> str:
        try:
            line = self.inp.readline()
        except (OSError, ValueError):
            line = ""
        if not line:
            raise EndOfInput()
        return _safe(line.rstrip("\r\n"))

    def ask(self, prompt: str) -> str:
        """Say ``prompt``, then the cue; the line typed, stripped."""
        self.say(prompt)
        self.write(CUE)
        return self.read_line().strip()

    @staticmethod
    def nav(reply: str) -> None:
        """m goes to the contents and q quits, from any question but a written answer."""
        if reply in ("m", "menu"):
            raise Back()
        if reply in ("q", "quit"):
            raise Quit()

    def read_text(self, lines: list[str] | None = None, first: bool = False) -> str:
        """Lines until an empty line (or a full stop alone); the cue before each.

        The lines go into ``lines`` as they come, so that the caller still has them when the input
        ends or the line drops halfway (see :meth:`keep_unfinished`). With ``first``, the first
        line may be a command (see :meth:`first_line`).
        """
        lines = [] if lines is None else lines
        while True:
            self.write(CUE)
            line = self.read_line()
            if first and not lines and self.first_line(line):
                continue
            if line.strip() in ("", "."):
                break
            lines.append(line.rstrip())
        return "\n".join(lines).strip()

    def first_line(self, line: str) -> bool:
        """The first line of a written answer: m, q, h or ? alone is a command, not text.

        m goes to the contents and q saves and quits (both raise); h or ? says how to write an
        answer, and True asks for the line again. Later lines are always text.
        """
        word = line.strip().lower()
        if word in ("m", "menu"):
            raise Back()
        if word in ("q", "quit"):
            raise Quit()
        if word in ("h", "help", "?"):
            self.say("Type your answer in lines and press Enter after each; an empty line (or a full stop "
                     "alone) ends it. As the first line, m alone goes to the contents and q alone saves and "
                     "quits; after that every line is your text.")
            return True
        return False

    def keep_unfinished(self, key: str, lines: list[str], before: str | None = None) -> None:
        """The input ended (or the line dropped) in the middle of a written answer: keep what was typed.

        A new answer is what was typed; text typed to add, or to replace an answer, goes after the
        answer there (``before``), so neither is lost: the ending empty line never came to say the
        old one should go.
        """
        text = "\n".join(lines).strip()
        if not text:
            return
        after = bool(before and before.strip())
        self.save(self.state.set_answer(key, before.rstrip() + "\n" + text if after else text))
        if not self.saver.unsaved:  # else the rescue copy on the way out holds it, and says so
            self.blank()  # off the cue's line
            self.say("The answer you were typing is saved as it is"
                     + (", after the answer that was there." if after else "."))

    # -- saving -----------------------------------------------------------------------
    def save(self, changes: Changes) -> None:
        """Hand ``changes`` to the writer and write them now; say anything the state has to say."""
        if changes:
            with self.saver.changes() as pending:
                merged = pending.merge_under(changes)
                pending.__dict__.update(merged.__dict__)
        ok = self.saver.save_now()
        self.state.kept_versions(self.saver.take_kept())
        for note in self.state.take_notes():
            self.say(note.replace("ctrl+e to see it", "v at that exercise reads it"))
        if not ok:
            self.say("Not saved yet: the data folder would not take it just now. It will be tried again.")

    def go(self, screen: str, field: str | None = None) -> None:
        self.save(self.state.move_to(screen, field))

    # -- the session --------------------------------------------------------------------
    def run(self) -> int:
        """Until q, the end of input or a hang-up; everything is saved on the way out."""
        try:
            self._start()
            while True:
                try:
                    if not self.menu():
                        break
                except Back:
                    continue
        except Quit:
            pass
        except EndOfInput:
            self.blank()
            self.say("End of input.")
        except KeyboardInterrupt:
            self.blank()
        except HangUp:
            pass
        self.save(Changes())
        if self.saver.unsaved:
            self.rescue_copy()
        else:
            self.say("Everything is saved. Until next time.")
        return 0

    # -- rescue copies ---------------------------------------------------------------------
    def rescue_places(self):
        """Hosted: only beside the profile; else the usual places (the folder's parent, home, temp)."""
        return [self.state.store.folder.resolve().parent] if os.environ.get("WORKBOOK_HOSTED") == "1" else None

    def rescue_copy(self) -> None:
        """The disk would not take the last changes: everything, with them, to a rescue copy."""
        why = rescue.reason(self.saver.refused)
        try:
            copy = rescue.write(self.state.store, self.saver.pending(), self.rescue_places())
        except (rescue.RescueError, OSError, StorageError) as exc:
            self.say(f"The last changes could not be saved ({why}), and no rescue copy could be written "
                     f"either ({rescue.reason(exc)}).")
            return
        folder = self.state.store.folder
        where = (shown_path(copy.json_path, folder) if hosted()
                 else f"{copy.json_path} (to read: {copy.markdown_path})")
        self.say(f"The last changes could not be written to the data folder ({why}). Everything, with them, "
                 f"is in a rescue copy: {where}. The next start offers to bring it in.")

    def offer_rescue(self) -> None:
        """At start: a rescue copy of this workbook was saved earlier; offer to bring it in."""
        found = rescue.find(self.state.store.folder, self.rescue_places())
        if not found:
            return
        copy = found[0]
        when = f" on {copy.taken:%-d %b at %H:%M}" if copy.taken else ""
        self.say(f"Last time{when} the data folder would not take the last changes, so everything was "
                 f"saved to a rescue copy: {shown_path(copy.json_path, self.state.store.folder)}.")
        reply = self.ask("y brings it into your workbook (a backup of what is here is taken first). "
                         "n keeps the file and stops asking. Enter asks again next time.").lower()
        if reply in ("y", "yes"):
            self.saver.save_now()
            try:
                data = rescue.read(copy)
                exchange.import_data(self.state.store, data)
            except (OSError, StorageError) as exc:
                self.say(f"The rescue copy is not in yet: {rescue.reason(exc)}. It is kept, and the next start "
                         "offers it again.")
                return
            self.state.reload()
            count = len(data["answers"])
            self.say(f"The rescue copy is in your workbook ({plural(count, 'answer')}). What was here before is "
                     "in the backups (workbook restore).")
        elif reply in ("n", "no"):
            self.say(f"Kept {shown_path(copy.json_path, self.state.store.folder)}; it will not be offered again."
                     + ("" if hosted() else f" workbook import {copy.json_path} brings it in any time."))
        else:
            return
        try:
            rescue.mark_seen(self.state.store.folder, copy)
        except OSError:
            pass

    def _start(self) -> None:
        wb = self.workbook
        self.say(f"{wb.title}.", wb.credit + ".", "A self-reflection workbook, in plain lines.")
        for notice in self.notices:
            self.say(notice)
        self.offer_rescue()
        resume = self.state.resume
        if resume is not None and resume.last is not None:
            self.say(f"Welcome back. Last time you were in {self.place_name(resume.last.screen, resume.last.field)}.",
                     "Type c to continue there.")
        else:
            self.say(wb.care_note, "Type h at the menu for help. Every question ends with a greater-than sign; "
                     "type your answer and press Enter.")
        self.blank()

    def place_name(self, screen: str, field: str | None) -> str:
        if screen == "data":
            return "My data"
        try:
            number = int(screen.split("-", 1)[1])
        except (IndexError, ValueError):
            return "the contents"
        if number == self.state.review_number:
            return f"section {number}, My workbook"
        try:
            section = self.workbook.section(number)
        except KeyError:
            return "the contents"
        where = f"section {number}, {section.title}"
        if field:
            try:
                where += f", at “{self.workbook.exercise(field).prompt}”"
            except KeyError:
                pass
        return where

    # -- the menu ------------------------------------------------------------------------
    def menu(self) -> bool:
        """The contents; False to quit."""
        self.say("Contents:")
        for section in self.workbook.sections:
            self.say(f"{section.number}. {section.title} {self.section_state(section)}")
        self.say(f"{self.state.review_number}. My workbook: everything you have written, read back.")
        self.say("c continue where you left off. d my data: export, reset, undo. h help. q quit.")
        choice = self.ask("Type a number or a letter, then Enter.").lower()
        self.blank()
        return self.do(choice)

    def section_state(self, section: Section) -> str:
        if section.kind == "practice":
            line = self.state.streak_line
            return f"(the decisions game: {line})" if line else "(the decisions game: not started yet)"
        done, total = progress.section_progress(section, self.state.answers)
        if not total:
            return ""
        return f"({done} of {total} answered)"

    def do(self, choice: str) -> bool:
        if choice in ("q", "quit", "exit", "bye"):
            return False
        if choice in ("h", "help", "?"):
            self.help()
        elif choice in ("c", "continue"):
            self.continue_()
        elif choice in ("d", "data", "my data"):
            self.my_data()
        elif choice.isdigit() and 1 <= int(choice) <= self.state.last_number:
            self.open_section(int(choice))
        elif choice == "":
            self.say("Type a section number from 1 to 7, or c, d, h or q.")
        else:
            self.say(f"“{choice[:40]}” is not on the menu. Type a number from 1 to 7, or c, d, h or q.")
        return True

    def continue_(self) -> None:
        last = self.state.position.last if self.state.position else None
        if last is None:
            self.open_section(1)
        elif last.screen == "data":
            self.my_data()
        else:
            try:
                number = int(last.screen.split("-", 1)[1])
            except (IndexError, ValueError):
                number = 1
            self.open_section(number, last.field)

    def help(self) -> None:
        self.say(
            "Help. The workbook is a conversation: it says a few lines, then asks. Every question ends "
            "with a greater-than sign; type your answer and press Enter.",
            "At the contents: a number opens that section; c continues where you left off; d is my data "
            "(export, reset, undo); h is this help; q saves and quits.",
            "Reading a section: Enter reads the next paragraph, r repeats it, s skips to the exercises, "
            "m goes back to the contents.",
            "A written answer: type it in lines; an empty line ends it. When there is an answer already, "
            "it is read back first: Enter keeps it, r replaces it, a adds to it, v reads earlier versions, "
            "x clears it.",
            "A tick: y or n. A scale: a number from 1 to 5. A list: a adds, r and a number removes, l reads "
            "it again, Enter moves on.",
            "At any other question, m goes to the contents and q saves and quits. In a written answer, m, q, "
            "h or a question mark alone as its first line goes to the contents, quits, or says how to write; "
            "after the first line every line is your text.",
            "Everything is saved as you answer, and again when you quit, when the connection ends, or when "
            "input ends (ctrl+d); an answer you were still typing then is saved as it is.",
            "Plain mode is remembered for this data folder once chosen with --plain. "
            "workbook --full-screen opens the full-screen workbook again.",
        )
        self.blank()

    # -- a section ---------------------------------------------------------------------
    def open_section(self, number: int, field: str | None = None) -> None:
        if number == self.state.review_number:
            self.review()
            return
        section = self.workbook.section(number)
        self.go(f"section-{number}", field)
        state = self.section_state(section)
        self.say(f"Section {number} of {self.state.last_number}: {section.title} {state}".rstrip())
        reading = field is None
        if reading:
            self.say("Reading. Enter reads on, r repeats, s skips to the exercises, m goes to the contents.")
        started = field is None
        self.heading = ""
        try:
            for block in section.blocks:
                if not started:
                    started = isinstance(block, Exercise) and block.key == field
                    if not started:
                        continue
                if isinstance(block, Passage):
                    self.heading = block.heading  # what the ticks after it are about
                    if reading:
                        reading = self.read_passage(block)
                else:
                    self.go(f"section-{number}", block.key)
                    self.exercise(block)
            if section.kind == "practice":
                self.game()
        except Back:
            self.blank()
            return
        self.blank()
        if number < self.state.last_number:
            self.say(f"That is the end of section {number}. Type {number + 1} for the next one.")
        self.blank()

    def read_passage(self, passage: Passage) -> bool:
        """Paragraph by paragraph; False once the person skips to the exercises."""
        if passage.heading:
            self.say(f"Heading: {passage.heading}")
        index = 0
        while index < len(passage.paragraphs):
            self.say(passage.paragraphs[index])
            if not self.paging:
                index += 1
                continue
            reply = self.ask("Enter for more, r repeat, s skip to the exercises.").lower()
            if reply in ("r", "repeat"):
                if index == 0 and passage.heading:
                    self.say(f"Heading: {passage.heading}")
                continue
            if reply in ("s", "skip"):
                return False
            self.nav(reply)
            index += 1
        return True

    # -- exercises ------------------------------------------------------------------------
    def exercise(self, exercise: Exercise) -> None:
        self.blank()
        {"toggle": self.toggle, "scale": self.scale, "text": self.text, "entries": self.entries}[exercise.kind](exercise)

    def answer(self, key: str, value: Any, removed: Any = None) -> None:
        self.save(self.state.set_answer(key, value, removed))
        self.say("Saved.")

    def toggle(self, exercise: Exercise) -> None:
        ticked = self.state.answers.get(exercise.key) is True
        now = "ticked" if ticked else "not ticked"
        while True:
            about = f" (about: {self.heading.rstrip('.')})" if self.heading else ""
            reply = self.ask(f"{exercise.prompt}{about}: {now}. Tick it? y or n; Enter leaves it {now}.").lower()
            if reply in ("", "y", "yes", "n", "no"):
                break
            self.nav(reply)
            self.say("Type y or n, or just Enter.")
        if reply in ("y", "yes") and not ticked:
            self.answer(exercise.key, True)
        elif reply in ("n", "no") and ticked:
            self.answer(exercise.key, False)

    def scale(self, exercise: Exercise) -> None:
        value = self.state.answers.get(exercise.key)
        now = f"now {value} of 5" if isinstance(value, int) else "not answered yet"
        ends = f" 1 is {exercise.low}, 5 is {exercise.high}." if exercise.low else ""
        while True:
            reply = self.ask(f"{exercise.prompt}{ends} {now.capitalize()}. Type a number from 1 to 5; "
                             "Enter leaves it as it is.").lower()
            if reply == "":
                return
            self.nav(reply)
            if reply in {"1", "2", "3", "4", "5"}:
                self.answer(exercise.key, int(reply))
                return
            self.say("A number from 1 to 5, please, or just Enter.")

    def text(self, exercise: Exercise) -> None:
        key = exercise.key
        self.say(exercise.prompt)
        while True:
            current = self.state.answers.get(key)
            history = self.state.versions.get(key, [])
            earlier = f", v reads {versions_.count_text(len(history))}" if history else ""
            if not (isinstance(current, str) and current.strip()):
                if exercise.default:
                    self.say(f"A suggestion to start from: {exercise.default}")
                    self.say("Type u to use it as it is.")
                self.say(f"Not answered yet. Type your answer; an empty line ends it. "
                         f"Enter alone leaves it for later{earlier}. As the first line, m alone goes to the "
                         "contents, h help, q saves and quits.")
                first = self.ask("Your answer:")
                if first.lower() == "v" and history:
                    self.read_versions(exercise)
                    continue
                if first.lower() == "u" and exercise.default:
                    self.answer(key, exercise.default)
                    return
                if self.first_line(first):
                    continue
                if first in ("", "."):
                    return
                lines: list[str] = []
                try:
                    rest = self.read_text(lines)
                except (EndOfInput, HangUp):
                    self.keep_unfinished(key, [first, *lines])
                    raise
                self.answer(key, first + ("\n" + rest if rest else ""))
                return
            self.say("Your answer now:")
            self.say(current)
            reply = self.ask(f"Enter keeps it; r replaces it, a adds to it, x clears it{earlier}.").lower()
            if reply == "":
                return
            self.nav(reply)
            if reply in ("r", "replace", "a", "add"):
                replace = reply.startswith("r")
                self.say("Type the new answer; an empty line ends it. An empty answer keeps the old one."
                         if replace else "Type what to add; an empty line ends it.")
                lines = []
                try:
                    typed = self.read_text(lines, first=True)
                except (EndOfInput, HangUp):
                    self.keep_unfinished(key, lines, current)
                    raise
                if typed:
                    self.answer(key, typed if replace else current.rstrip() + "\n" + typed)
                return
            if reply in ("x", "clear"):
                if self.ask("Clear this answer? y or n.").lower() in ("y", "yes"):
                    self.answer(key, None)
                    self.say("It is kept as an earlier version when it was from an earlier day.")
                return
            if reply in ("v", "versions") and history:
                self.read_versions(exercise)
                continue
            self.say("Type Enter, r, a or x" + (", or v." if history else "."))

    def read_versions(self, exercise: Exercise) -> None:
        history = list(reversed(self.state.versions.get(exercise.key, [])))  # newest first
        today = self.state.today()
        for number, version in enumerate(history, 1):
            self.say(f"Earlier version {number}, {versions_.describe(version, today)}:")
            self.say(self.value_text(exercise, version.get("value")))
        reply = self.ask("Type a version's number to put it back, or Enter to leave them as they are.")
        if reply.isdigit() and 1 <= int(reply) <= len(history):
            self.save(self.state.put_back(exercise.key, history[int(reply) - 1].get("value")))
            self.say("That version is back; the text it replaced is kept as an earlier version.")

    def entries(self, exercise: Exercise) -> None:
        key = exercise.key
        self.say(f"{exercise.prompt}: a list.")
        self.read_list(exercise)
        while True:
            items = self.items(key)
            reply = self.ask(f"a to {exercise.add_label.lower() or 'add one'}, r and a number removes one, "
                             "l reads the list, Enter moves on.").lower()
            if reply == "":
                return
            self.nav(reply)
            if reply in ("l", "list", "read"):
                self.read_list(exercise)
            elif reply in ("a", "add"):
                typed: dict[str, Any] = {}
                try:
                    entry = self.new_entry(exercise, typed)
                except (EndOfInput, HangUp):
                    if progress.entry_has_text(exercise, typed):  # the line dropped halfway through an entry
                        self.save(self.state.set_answer(key, [*items, typed]))
                        if not self.saver.unsaved:
                            self.blank()
                            self.say("The entry you were writing is saved as it is.")
                    raise
                if entry:
                    self.answer(key, [*items, entry])
            elif reply.startswith("r") and reply[1:].strip().isdigit():
                number = int(reply[1:].strip())
                if 1 <= number <= len(items):
                    removed = items[number - 1]
                    rest = items[: number - 1] + items[number:]
                    self.save(self.state.remove_list_item(key, rest, [removed]))
                    self.say(f"Removed number {number}: {entry_line(exercise, removed, SEP) or 'an empty entry'}. "
                             "It is kept as an earlier version.")
                else:
                    self.say(f"There is no number {number}; the list has {plural(len(items), 'entry', 'entries')}.")
            else:
                self.say("Type a, r and a number, l, or just Enter.")

    def items(self, key: str) -> list[Any]:
        value = self.state.answers.get(key)
        return list(value) if isinstance(value, list) else []

    def read_list(self, exercise: Exercise) -> None:
        items = self.items(exercise.key)
        if not items:
            self.say("Nothing in it yet.")
            return
        self.say(f"{plural(len(items), 'entry', 'entries')}:")
        for number, item in enumerate(items, 1):
            self.say(f"{number}. {entry_line(exercise, item, SEP) or 'an empty entry'}")

    def new_entry(self, exercise: Exercise, entry: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Ask for each of the entry's fields, filling ``entry``; the entry, or None when nothing was written."""
        entry = {} if entry is None else entry
        for f in exercise.fields:
            if f.kind == "line":
                text = self.ask(f"{f.label}: one line; Enter alone leaves it empty.")[:MAX_LINE_CHARS]
                if text:
                    entry[f.id] = text
            else:
                choices = " ".join(f"{n}. {option}." for n, option in enumerate(f.options, 1))
                while True:
                    reply = self.ask(f"{f.label}? {choices} Type a number, or Enter for none.")
                    if reply.isdigit() and 1 <= int(reply) <= len(f.options):
                        entry[f.id] = f.options[int(reply) - 1]
                        break
                    if reply == "":
                        break
                    self.nav(reply.lower())
                    self.say(f"Type a number from 1 to {len(f.options)}, or just Enter for none.")
        if not progress.entry_has_text(exercise, entry):
            self.say("Nothing written, so nothing was added.")
            return None
        return entry

    # -- the decisions game ------------------------------------------------------------------
    def game(self) -> None:
        self.blank()
        self.say("The decisions game: practise small decisions with your gut feeling.")
        self.streak_sentences()
        while True:
            waiting = len(self.state.summary().pending)
            check = f" c check in on earlier picks ({waiting} waiting)." if waiting else ""
            gut = "on" if self.state.settings.get("gut_window", True) else "off"
            reply = self.ask(f"p or Enter: a decision card.{check} o adds a decision of your own. "
                             f"g turns the gut window {'off' if gut == 'on' else 'on'} (it is {gut}). "
                             "s reads the streak and calendar. m goes to the contents.").lower()
            if reply in ("", "p", "play"):
                self.card()
            elif reply in ("c", "check") and waiting:
                self.check_ins()
            elif reply in ("o", "own"):
                self.own_decision()
            elif reply in ("g", "gut"):
                self.save(self.state.set_setting("gut_window", gut != "on"))
                self.say(f"The gut window is {'off' if gut == 'on' else 'on'} now.")
            elif reply in ("s", "streak"):
                self.streak_sentences()
            else:
                self.nav(reply)
                self.say("Type p, c, o, g, s, m or q.")

    def card(self) -> None:
        decision = practice.draw(self.state.deck(), self.state.streak.practice_days,
                                 self.recent + [p.decision for p in self.state.picks[-10:]], self.rng)
        self.recent = (self.recent + [decision.id])[-10:]
        kind = "your own decision" if decision.custom else f"a {practice.LEVEL_NAMES[decision.level]} decision"
        self.blank()
        self.say(f"Card, {kind}: {decision.prompt}")
        for number, option in enumerate(decision.options, 1):
            self.say(f"{number}. {option}")
        if self.state.settings.get("gut_window", True):
            seconds = int(float(self.state.settings.get("gut_seconds", practice.GUT_WINDOW_SECONDS)))
            self.say(f"Gut window: go with the first ping you feel, within about {seconds} seconds.")
        while True:
            reply = self.ask("Type the number you pick; Enter skips this card.").lower()
            if reply == "":
                return
            self.nav(reply)
            if reply.isdigit() and 1 <= int(reply) <= len(decision.options):
                break
            self.say(f"A number from 1 to {len(decision.options)}, or just Enter.")
        pick = Pick.new(decision, int(reply) - 1, self.state.clock())
        self.save(self.state.add_pick(pick))
        self.say(f"Picked: {pick.option}. Saved. {self.state.streak_line.capitalize()}.")
        clarity = self.ask("How clear was the ping? 1 quiet, 2 some, 3 clear; Enter skips.")
        if clarity in ("1", "2", "3"):
            self.save(self.state.clarity(pick.id, practice.CLARITY[int(clarity) - 1]))
            self.say(f"Noted: {practice.CLARITY[int(clarity) - 1]}.")

    def check_ins(self) -> None:
        pending = list(self.state.summary().pending)
        today = self.state.today()
        for number, pick in enumerate(pending, 1):
            day = pick.get("day", "")
            when = "today" if day == today.isoformat() else f"on {day_label(day, today)}"
            self.say(f"Check-in {number} of {len(pending)}: “{pick.get('prompt', '')}”, you picked "
                     f"{pick.get('option', '')} {when}.")
            while True:
                reply = self.ask("Did it align? y yes, p partly, n not really, s skip (or 1 to 4); "
                                 "Enter leaves it for later.").lower()
                answer = align_answer(reply)
                if answer is not None or reply == "":
                    break
                self.nav(reply)
                self.say("Type y, p, n or s (or 1, 2, 3 or 4), or just Enter for later.")
            if answer is None:
                continue
            self.save(self.state.check_in(pick["id"], answer))
            if answer == "skip":
                self.say("Skipped.")
                continue
            self.say("Noted. Not really is information too." if answer == "not really" else "Noted.")
            learned = self.ask("What did I learn? One line; Enter leaves it.")[:MAX_LINE_CHARS]
            if learned:
                self.save(self.state.learned(pick["id"], learned))
                self.say("Saved.")

    def own_decision(self) -> None:
        prompt = self.ask("A decision from your own life, in a few words; Enter alone goes back.")[:MAX_LINE_CHARS]
        if not prompt:
            return
        options = [o.strip() for o in self.ask("Its options, 2 to 4, separated by commas.").split(",") if o.strip()]
        if not 2 <= len(options) <= 4:
            self.say("It needs 2 to 4 options, separated by commas; nothing was added.")
            return
        self.save(self.state.add_decision(Decision.new(prompt, options)))
        self.say("Added to your deck.")

    def streak_sentences(self) -> None:
        for line in streak_sentences(self.state.streak, self.state.summary(), self.state.today()):
            self.say(line)

    # -- My workbook ---------------------------------------------------------------------
    def review(self) -> None:
        self.go(f"section-{self.state.review_number}")
        done, total = progress.overall_progress(self.workbook, self.state.answers)
        self.say(f"My workbook: everything you have written. {done} of {total} answered.")
        try:
            for section in self.workbook.sections:
                self.blank()
                self.say(f"Section {section.number}: {section.title}")
                if section.kind == "practice":
                    self.streak_sentences()
                for exercise in section.exercises:
                    self.say(label(exercise.prompt))
                    self.say(self.value_text(exercise, self.state.answers.get(exercise.key)))
                reply = self.ask("Enter for the next section, m for the contents.").lower()
                self.nav(reply)
        except Back:
            pass
        self.blank()

    def value_text(self, exercise: Exercise, value: Any) -> str:
        if exercise.kind == "toggle":
            return "ticked" if value is True else "not ticked"
        if exercise.kind == "scale":
            return f"{value} of 5" if isinstance(value, int) else "not answered yet"
        if exercise.kind == "entries":
            items = [entry_line(exercise, e, SEP) for e in value] if isinstance(value, list) else []
            items = [i for i in items if i]
            if not items:
                return "not answered yet"
            return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
        return value if isinstance(value, str) and value.strip() else "not answered yet"

    # -- My data ---------------------------------------------------------------------------
    def my_data(self) -> None:
        """My data until Enter: after an export, reset or undo the person is still here."""
        self.go("data")
        self.say("My data. Your answers stay in the data folder on this computer.")
        while True:
            reply = self.ask("1 export as Markdown. 2 export as JSON. 3 reset: start over. 4 undo the last reset. "
                             "Enter goes back to the contents.").lower()
            if reply == "":
                break
            self.nav(reply)
            if reply in ("1", "2"):
                self.export("markdown" if reply == "1" else "json")
            elif reply == "3":
                self.reset()
            elif reply == "4":
                self.undo()
            else:
                self.say("Type 1, 2, 3 or 4, or just Enter for the contents.")
            self.blank()
        self.blank()

    def export(self, fmt: str) -> None:
        self.save(Changes())
        try:
            path = self.state.export(fmt)
        except (OSError, StorageError) as exc:
            self.say(f"The export could not be written: {getattr(exc, 'strerror', None) or exc}")
            return
        self.say("Saved to this file:", shown_path(path, self.state.store.folder))
        if hosted():
            self.say(f"The newest {exchange.HOSTED_EXPORTS} exports are kept.")

    def reset(self) -> None:
        numbers = [s.number for s in self.workbook.sections if s.exercises]
        listed = ", ".join(str(n) for n in numbers)
        reply = self.ask(f"Reset what? a everything. A section number ({listed}) for that section's answers. "
                         "g the decisions practice. Enter keeps everything.").lower()
        if reply in ("a", "all"):
            scope, section = "all", None
        elif reply in ("g", "game", str(self.state.practice_number)):
            scope, section = "game", None
        elif reply.isdigit() and int(reply) in numbers:
            scope, section = "section", int(reply)
        else:
            if reply:
                self.say("Nothing was erased.")
            return
        self.say(f"This erases {resets.describe_reset(scope, section)}. A backup is taken first, and "
                 "undo the last reset, on My data, brings it back.")
        word = self.ask(f"To go on, type {WORD} in capitals. Anything else keeps everything.")
        if word != WORD:
            self.say("Nothing was erased.")
            return
        self.save(Changes())
        try:
            self.state.reset(scope, section)
        except (OSError, StorageError) as exc:
            self.say(f"Nothing was erased: {getattr(exc, 'strerror', None) or exc}")
            return
        self.say("Done. Undo the last reset, on My data, brings it back.")

    def undo(self) -> None:
        self.save(Changes())
        try:
            undone = self.state.undo_reset()
        except (OSError, StorageError) as exc:
            self.say(f"Nothing was changed: {getattr(exc, 'strerror', None) or exc}")
            return
        message = "What the reset erased is back, and everything you wrote since is still here."
        if undone.kept_newer:
            fields = "1 field keeps" if undone.kept_newer == 1 else f"{undone.kept_newer} fields keep"
            message += f" {fields} the newer text; the erased text is an earlier version there."
        self.say(message)


def align_answer(reply: str) -> str | None:
    """A check-in's reply as one of :data:`ALIGN_WORDS`: the number, the word or its first letter
    (y yes, p partly, n or "no" not really, s skip, and x skip as in the full screen); None otherwise."""
    reply = " ".join(reply.lower().split())
    if reply in ("1", "2", "3", "4"):
        return ALIGN_WORDS[int(reply) - 1]
    synonyms = {"y": "yes", "p": "partly", "n": "not really", "no": "not really", "s": "skip", "x": "skip"}
    if reply in synonyms:
        return synonyms[reply]
    return reply if reply in ALIGN_WORDS else None


def label(prompt: str) -> str:
    """A prompt as a label before its answer: a colon, unless it ends in its own punctuation."""
    return prompt if prompt.rstrip().endswith(("?", "!", ".", ":")) else f"{prompt}:"


def streak_sentences(s: practice.Streak, summary: practice.Summary, today: date) -> list[str]:
    """The streak and the calendar as sentences: "4-day streak. Practised on 6 of the last 7 days; ..."."""
    if not summary.total:
        return ["No decisions practised yet: your streak starts with the first one.",
                practice.next_level_note(s.practice_days)]
    lines = []
    head = practice.streak_text(s.current, s.run_ended)
    head = head[0].upper() + head[1:]
    lines.append(f"{head}. Best: {plural(s.best, 'day')}. {plural(summary.total, 'decision')} practised.")
    week = [today - timedelta(n) for n in range(6, -1, -1)]
    practised = [d for d in week if d in s.days]
    rests = [d for d in week if d in s.rests]
    sentence = f"Practised on {len(practised)} of the last 7 days"
    if rests:
        names = " and ".join(WEEKDAYS[d.weekday()] for d in rests)
        sentence += f"; {names} {'was a rest day' if len(rests) == 1 else 'were rest days'}"
    if not s.practised_today:
        sentence += "; not yet today"
    lines.append(sentence + ".")
    first = today - timedelta(weeks=12) + timedelta(1)
    in_calendar = [d for d in s.days if first <= d <= today]
    rest_days = [d for d in s.rests if first <= d <= today]
    lines.append(f"In the last 12 weeks: practised on {plural(len(in_calendar), 'day')}, "
                 f"{plural(len(rest_days), 'rest day')}.")
    aligned = summary.aligned
    lines.append(f"Check-ins: {aligned['yes']} yes, {aligned['partly']} partly, {aligned['not really']} not really.")
    lines.append(practice.REST_RULE)
    lines.append(practice.next_level_note(s.practice_days))
    return lines


def run(state: WorkbookState, saver: Saver, inp: TextIO, out: TextIO, notices: list[str] | None = None) -> int:
    """A plain session on these streams; SIGHUP and SIGTERM save and end it."""

    def hang_up(signum: int, frame: Any) -> None:
        # A terminal that no longer reads (a dropped connection whose pty is still open) would keep
        # every later write waiting, the goodbye included, and the process with it: from here on,
        # what it cannot take at once is dropped.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.set_blocking(out.fileno(), False)
        _hang_up(signum, frame)

    previous = {}
    for sig in (signal.SIGHUP, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, hang_up)
        except ValueError:  # not the main thread
            pass
    try:
        return Plain(state, saver, inp, out, notices=notices).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
