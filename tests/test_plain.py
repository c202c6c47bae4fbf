"""Plain mode as its users run it: through a real pty (every section, every exercise kind, the game,
export, reset and undo, quit and resume) and through a pipe; the raw bytes checked for escapes."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from workbook.storage import Changes, Store

BOXES = re.compile("[\u2500-\u259f\u25a0-\u25ff]")  # box drawing, blocks, ■□ and their kin


def check_plain(raw: bytes) -> str:
    """The output is only text and newlines: no ESC, no C1 control, no box drawing or squares."""
    assert b"\x1b" not in raw
    text = raw.decode("utf-8")
    assert not re.search("[\x80-\x9f]", text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    assert not BOXES.search(text)
    return text


class Session:
    """The workbook in plain mode on a pty of 80x24, driven line by line."""

    def __init__(self, folder: Path, *args: str) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "WORKBOOK_DATA_DIR": str(folder)}
        env.pop("COLUMNS", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "workbook", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.raw = b""
        self.mark = 0

    def expect(self, text: str, timeout: float = 20) -> str:
        """Read until ``text`` shows after the last expectation (a space may be a line's end: lines are
        wrapped); what came meanwhile."""
        want = re.compile(rb"(?: |\r\n)".join(re.escape(w.encode()) for w in text.split(" ")))
        end = time.time() + timeout
        while not (found := want.search(self.raw, self.mark)):
            assert time.time() < end, f"{text!r} never showed; last: {self.raw[-600:]!r}"
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    assert want.search(self.raw, self.mark), f"{text!r} never showed; ended with {self.raw[-600:]!r}"
                self.raw += chunk
        at = found.end()
        seen, self.mark = self.raw[self.mark:at].decode("utf-8", "replace"), at
        return seen

    def send(self, *lines: str) -> None:
        for line in lines:
            os.write(self.master, line.encode() + b"\n")

    def answer(self, prompt: str, *lines: str) -> str:
        """Wait for ``prompt`` and its cue, then type ``lines``."""
        seen = self.expect(prompt)
        self.expect("> ")
        self.send(*lines)
        return seen

    def finish(self) -> int:
        end = time.time() + 20
        while time.time() < end:
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.raw += chunk
        code = self.proc.wait(10)
        os.close(self.master)
        return code


MENU = "Type a number or a letter, then Enter."
MORE = "skip to the exercises."


def test_a_whole_walk_through_a_pty(tmp_path):
    folder = tmp_path / "data"
    s = Session(folder, "--plain")
    # Section 1: paragraph by paragraph, a repeat, a tick, a text of two lines, then skipping the text.
    s.answer(MENU, "1")
    s.answer(MORE, "")
    s.answer(MORE, "r")
    repeated = s.answer(MORE, "")
    assert "There are many answers to this question" in repeated  # the paragraph again
    s.answer(MORE, "")  # the reason's paragraph
    s.answer("This feels familiar (about: Unsafe or out-of-control experiences): not ticked. Tick it?", "y")
    s.answer("Your answer:", "first line", "second line", "")
    s.answer(MORE, "s")
    for _ in range(3):
        s.answer("Tick it?", "")
        s.answer("Your answer:", "")
    # Section 2: a text, two scales (one with a wrong number first), a note.
    s.answer(MENU, "2")
    s.answer(MORE, "s")
    s.answer("Your answer:", "my words", "")
    s.answer("Type a number from 1 to 5", "9")
    s.answer("A number from 1 to 5, please", "4")
    s.answer("Your answer:", "a note", ".")
    s.answer("Type a number from 1 to 5", "2")
    s.answer("Your answer:", "")
    # Section 3: lists, add two, remove one, read it; the suggested reminder.
    s.answer(MENU, "3")
    s.answer(MORE, "s")
    s.answer("Nothing in it yet.", "a")
    s.answer("A need: one line", "rest")
    s.answer("How I honour it?", "1")
    s.answer("Enter moves on.", "a")
    s.answer("A need: one line", "sleep")
    s.answer("How I honour it?", "x")  # not a choice: asked again, not taken as none
    s.answer("Type a number from 1 to 3, or just Enter for none.", "2")
    s.answer("Enter moves on.", "r1")
    s.answer("earlier version.", "l")
    listed = s.answer("Enter moves on.", "")
    assert "1. Need: sleep; How I honour it: saying no or a boundary" in listed
    s.answer("My wants: a list.", "")
    s.answer("My desires: a list.", "")
    s.answer("Type u to use it as it is.", "u")
    # Section 4: one answer, the rest left for later.
    s.answer(MENU, "4")
    s.answer(MORE, "s")
    s.answer("Your answer:", "I like tea", "")
    for _ in range(3):
        s.answer("Your answer:", "")
    # Section 5: three rounds of the game, a check-in with what was learned, an own decision, the streak.
    s.answer(MENU, "5")
    s.answer(MORE, "s")
    for option, clarity in (("1", "3"), ("1", ""), ("2", "1")):
        s.answer("m goes to the contents.", "p")
        card = s.answer("Type the number you pick", option)
        assert re.search(r"Card, a tiny decision: .+\?\r\n1\. .+\r\n2\. ", card)
        assert "Gut window: go with the first ping you feel, within about 8 seconds." in card
        s.answer("How clear was the ping?", clarity)
    s.answer("m goes to the contents.", "c")
    s.answer("Did it align?", "1")
    s.answer("What did I learn?", "trust the ping")
    s.answer("Did it align?", "4")
    s.answer("Did it align?", "")
    s.answer("m goes to the contents.", "o")
    s.answer("A decision from your own life", "Walk or bus?")
    s.answer("2 to 4, separated by commas", "Walk, Bus")
    s.answer("m goes to the contents.", "s")
    streak = s.answer("m goes to the contents.", "m")
    assert "1-day streak. Best: 1 day. 3 decisions practised." in streak
    assert "Practised on 1 of the last 7 days." in streak
    assert "Check-ins: 1 yes, 0 partly, 0 not really." in streak
    # Section 6: a list of pairs.
    s.answer(MENU, "6")
    s.answer(MORE, "s")
    s.answer("Enter moves on.", "a")
    s.answer("The critical thought: one line", "I am lazy")
    s.answer("Its reframe", "I am learning what rest I need")
    s.answer("Enter moves on.", "")
    # Back in section 2: the answer is read back first, and added to.
    s.answer(MENU, "2")
    s.answer(MORE, "s")
    read_back = s.answer("Enter keeps it; r replaces it, a adds to it, x clears it.", "a")
    assert "Your answer now:\r\nmy words\r\n" in read_back
    s.answer("Type what to add", "more words", "")
    s.answer("Type a number from 1 to 5", "m")
    # My workbook, read back section by section.
    s.answer(MENU, "7")
    review = ""
    for _ in range(6):
        review += s.answer("Enter for the next section, m for the contents.", "")
    assert "first line\r\nsecond line" in review and "ticked" in review and "4 of 5" in review
    assert "1. Critical thought: I am lazy; Reframe: I am learning what rest I need" in review
    assert "?:" not in review  # a question as a label keeps its own question mark
    # Export as JSON: the answers exactly.
    s.answer(MENU, "d")
    s.answer("4 undo the last reset.", "2")
    # After an export the person is still on My data; Enter goes back to the contents.
    path = Path(re.search(r"Saved to this file:\r\n(\S+\.json)\r\n", s.expect("4 undo the last reset.")).group(1))
    s.expect("> ")
    s.send("")
    s.expect(MENU)
    s.expect("> ")
    data = json.loads(path.read_text())
    assert data["answers"] == {
        "why-hard.unsafe.familiar": True,
        "why-hard.unsafe.reflection": "first line\nsecond line",
        "what-is.own-words": "my words\nmore words",
        "what-is.connecting.scale": 4,
        "what-is.connecting.note": "a note",
        "what-is.clear.scale": 2,
        "needs.needs": [{"text": "sleep", "honour": "saying no or a boundary"}],
        "needs.reminder": "I can keep myself safe, secure, and valued.",
        "time-with-yourself.like": "I like tea",
        "reframing.pairs": [{"thought": "I am lazy", "reframe": "I am learning what rest I need"}],
    }
    assert len(data["picks"]) == 3 and [d["prompt"] for d in data["decisions"]] == ["Walk or bus?"]
    assert sorted(str(p["checkin"]) for p in data["picks"]) == ["None", "skip", "yes"]
    assert [p["learned"] for p in data["picks"] if p["checkin"] == "yes"] == ["trust the ping"]
    # Reset section 4 with the typed confirmation (a wrong word first), then undo it.
    s.send("d")
    s.answer("4 undo the last reset.", "3")
    s.answer("Reset what?", "4")
    s.answer("To go on, type RESET in capitals.", "reset")
    s.answer("4 undo the last reset.", "3")
    s.answer("Reset what?", "4")
    s.answer("To go on, type RESET in capitals.", "RESET")
    s.answer("4 undo the last reset.", "")
    after = s.expect(MENU)
    assert "4. Spending time with yourself (0 of 4 answered)" in after
    s.expect("> ")
    s.send("d")
    s.answer("4 undo the last reset.", "4")
    undone = s.answer("4 undo the last reset.", "")
    undone += s.expect(MENU)
    assert "What the reset erased is back" in undone and "4. Spending time with yourself (1 of 4 answered)" in undone
    s.expect("> ")
    # Leave from section 6's list; come back there.
    s.send("6")
    s.answer(MORE, "s")
    s.answer("Enter moves on.", "q")
    s.expect("Everything is saved. Until next time.")
    assert s.finish() == 0
    first = check_plain(s.raw)
    assert "Nothing was erased." in first
    assert all(len(line) < 80 or " " not in line for line in first.split("\r\n"))  # only a path is longer
    assert Store.open(folder).answers()["time-with-yourself.like"] == "I like tea"

    s = Session(folder)  # no --plain: it is remembered for this data folder
    s.expect("Welcome back. Last time you were in section 6, Reframing the criticism loop, at")
    s.answer(MENU, "c")
    again = s.answer("Enter moves on.", "q")
    assert "1. Critical thought: I am lazy" in again
    assert s.finish() == 0
    check_plain(s.raw)


def test_the_pipe_example_saves_to_section_two(tmp_path):
    folder = tmp_path / "data"
    env = {**os.environ, "WORKBOOK_DATA_DIR": str(folder)}
    result = subprocess.run(["sh", "-c", f"printf '2\\nmy words\\n\\nq\\n' | {sys.executable} -m workbook --plain"],
                            env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    check_plain(result.stdout)
    assert Store.open(folder).answers() == {"what-is.own-words": "my words"}


def test_a_tick_says_which_reason_it_is_about(tmp_path):
    env = {**os.environ, "WORKBOOK_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(["sh", "-c", f"printf '1\\nq\\n' | {sys.executable} -m workbook --plain"],
                            env=env, capture_output=True, timeout=60)
    assert b"This feels familiar (about: Unsafe or out-of-control experiences): not ticked." in result.stdout


@pytest.mark.parametrize("term", ["dumb", None])
def test_plain_is_chosen_when_term_is_dumb_or_unset_and_the_end_of_input_saves(tmp_path, term):
    folder = tmp_path / "data"
    s_env = {k: v for k, v in os.environ.items() if k != "TERM"}
    if term:
        s_env["TERM"] = term
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "workbook", "--data-dir", str(folder)], stdin=slave,
                            stdout=slave, stderr=slave, env=s_env, start_new_session=True)
    os.close(slave)
    s = Session.__new__(Session)
    s.proc, s.master, s.raw, s.mark = proc, master, b"", 0
    s.answer(MENU, "4")
    s.answer(MORE, "s")
    s.answer("Your answer:", "half typed", "")
    s.expect("Saved.")
    os.write(master, b"\x04")  # ctrl+d: the end of input
    s.expect("Everything is saved.")
    assert s.finish() == 0
    check_plain(s.raw)
    assert Store.open(folder).answers() == {"time-with-yourself.like": "half typed"}


def test_a_hang_up_saves_and_ends(tmp_path):
    folder = tmp_path / "data"
    s = Session(folder, "--plain")
    s.answer(MENU, "5")
    s.answer(MORE, "s")
    s.answer("m goes to the contents.", "p")
    s.answer("Type the number you pick", "1")
    s.expect("How clear was the ping?")
    s.expect("> ")
    s.proc.send_signal(15)  # SIGTERM while a question waits
    assert s.finish() == 0
    assert len(Store.open(folder).picks()) == 1
    assert Store.open(folder).position()["screen"] == "section-5"


def test_a_disk_that_refuses_on_the_way_out_leaves_a_rescue_copy_the_next_start_offers(tmp_path, monkeypatch):
    """In process: the store refuses every write; ending the input writes the rescue copy beside the data
    folder, and the next start (the disk taking writes again) offers it and brings the words in."""
    import errno
    import io

    from workbook import plain
    from workbook.saver import Saver
    from workbook.state import WorkbookState
    from workbook.storage import Store

    folder = tmp_path / "data"
    monkeypatch.delenv("WORKBOOK_HOSTED", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    store = Store.open(folder)

    def refuse(changes):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "apply", refuse)
    out = io.StringIO()
    state = WorkbookState(store)
    saver = Saver(store)
    try:
        plain.Plain(state, saver, io.StringIO("2\nwords the disk would not take\n\n"), out, width=80).run()
    finally:
        saver.close()
    said = out.getvalue()
    assert "could not be written to the data folder (the disk is full)" in said
    assert "Everything is saved" not in said
    copies = list(tmp_path.glob("workbook-rescue-*.json"))
    assert len(copies) == 1
    assert json.loads(copies[0].read_text())["answers"]["what-is.own-words"] == "words the disk would not take"

    store = Store.open(folder)  # the disk takes writes again
    state, saver, out = WorkbookState(store), Saver(store), io.StringIO()
    try:
        plain.Plain(state, saver, io.StringIO("y\nq\n"), out, width=80).run()
    finally:
        saver.close()
    assert "The rescue copy is in your workbook (1 answer)" in out.getvalue()
    assert Store.open(folder).answers()["what-is.own-words"] == "words the disk would not take"


def test_a_pipe_gets_plain_lines_but_the_web_driver_always_gets_the_full_screen(tmp_path):
    """Without a terminal, plain mode is the default; textual-serve (`workbook serve --web`) also starts the
    workbook on pipes, but names Textual's web driver: that is always the full screen, even with plain mode
    remembered (plain lines there would wait for input the page never sends)."""
    folder = tmp_path / "data"
    env = {**os.environ, "WORKBOOK_DATA_DIR": str(folder), "TERM": "xterm-256color"}
    env.pop("TEXTUAL_DRIVER", None)
    result = subprocess.run([sys.executable, "-m", "workbook"], input=b"q\n", env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    check_plain(result.stdout)
    assert b"Contents" in result.stdout
    Store.open(folder).apply(Changes(settings={"plain": True}))  # plain mode remembered for this folder
    proc = subprocess.Popen([sys.executable, "-m", "workbook"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**env, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"})
    try:
        assert proc.stdout.readline() == b"__GANGLION__\n"  # the web driver's first line: the full screen
        proc.stdin.close()  # the server has gone: the workbook saves and ends
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- an answer not finished when the input ends or the line drops ------------------------------------
def run_in_process(folder: Path, typed: str, monkeypatch) -> str:
    """Plain mode in this process on ``typed`` as its whole input (as from a pipe); what it said."""
    import io

    from workbook import plain
    from workbook.saver import Saver
    from workbook.state import WorkbookState

    monkeypatch.delenv("WORKBOOK_HOSTED", raising=False)
    store = Store.open(folder)
    saver = Saver(store)
    out = io.StringIO()
    try:
        plain.Plain(WorkbookState(store), saver, io.StringIO(typed), out, width=80).run()
    finally:
        saver.close()
        store.close()
    return out.getvalue()


def test_piped_input_that_ends_in_the_middle_of_an_answer_keeps_it(tmp_path):
    """Lines typed without the ending empty line were dropped while it said "Everything is saved"."""
    folder = tmp_path / "data"
    env = {**os.environ, "WORKBOOK_DATA_DIR": str(folder)}
    result = subprocess.run(["sh", "-c", f"printf '2\\nmy words\\nand a second line' | {sys.executable} -m workbook --plain"],
                            env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    said = check_plain(result.stdout)
    assert Store.open(folder).answers() == {"what-is.own-words": "my words\nand a second line"}
    assert "The answer you were typing is saved as it is." in said
    assert "Everything is saved" in said


@pytest.mark.parametrize("how, typed, kept", [
    ("new, one line", "2\nonly a first line\n", "only a first line"),
    ("adding", "2\nold words\n\nm\n2\na\nadded\n", "old words\nadded"),
    ("replacing keeps the old answer too", "2\nold words\n\nm\n2\nr\nnew words\nmore", "old words\nnew words\nmore"),
])
def test_the_end_of_input_in_a_written_answer_saves_what_was_typed(tmp_path, monkeypatch, how, typed, kept):
    said = run_in_process(tmp_path / "data", typed, monkeypatch)
    assert Store.open(tmp_path / "data").answers()["what-is.own-words"] == kept, said
    assert "The answer you were typing is saved as it is" in " ".join(said.split())
    assert said.rstrip().endswith("Everything is saved. Until next time.")


def test_the_end_of_input_in_a_list_entry_saves_the_fields_typed(tmp_path, monkeypatch):
    said = run_in_process(tmp_path / "data", "6\na\nI am lazy\n", monkeypatch)
    assert Store.open(tmp_path / "data").answers()["reframing.pairs"] == [{"thought": "I am lazy"}]
    assert "The entry you were writing is saved as it is." in said


def test_a_hang_up_in_the_middle_of_an_answer_saves_it(tmp_path):
    folder = tmp_path / "data"
    s = Session(folder, "--plain")
    s.answer(MENU, "2")
    s.answer(MORE, "s")
    s.answer("Your answer:", "typed before", "the line dropped")
    s.expect("> ")
    s.expect("> ")  # both lines read; the answer is not ended
    s.proc.send_signal(1)  # SIGHUP
    assert s.finish() == 0
    assert Store.open(folder).answers() == {"what-is.own-words": "typed before\nthe line dropped"}


# -- the first line of an answer, and check-ins ----------------------------------------------------------
def test_q_h_and_question_mark_alone_as_an_answers_first_line_are_commands_later_lines_are_text(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    said = run_in_process(folder, "2\nh\n?\nfirst\nq\n\nq\n", monkeypatch)
    said = " ".join(said.split())  # lines are wrapped at 80
    assert said.count("As the first line, m alone goes to the contents and q alone saves and quits") == 2
    assert Store.open(folder).answers() == {"what-is.own-words": "first\nq"}  # a later lone q is text
    said = run_in_process(folder, "2\nr\nq\n", monkeypatch)  # replacing: q alone first quits, the answer stays
    assert Store.open(folder).answers() == {"what-is.own-words": "first\nq"}
    assert "Everything is saved" in said and "The answer you were typing" not in said
    other = tmp_path / "other"
    run_in_process(other, "4\nq\n", monkeypatch)
    assert Store.open(other).answers() == {}


def test_a_check_in_asks_again_on_a_key_it_does_not_know_and_takes_letters(tmp_path, monkeypatch):
    """p and y used to pass silently as "later"."""
    folder = tmp_path / "data"
    said = run_in_process(folder, "5\np\n1\n\nc\nz\np\n\nm\nq\n", monkeypatch)
    assert "Type y, p, n or s (or 1, 2, 3 or 4), or just Enter for later." in " ".join(said.split())
    assert [p["checkin"] for p in Store.open(folder).picks()] == ["partly"]
    said = run_in_process(folder, "5\np\n1\n\nc\ny\nlearned\n\nm\nq\n", monkeypatch)
    picks = Store.open(folder).picks()
    assert sorted(str(p["checkin"]) for p in picks) == ["partly", "yes"]


def test_check_in_replies_as_words_letters_and_numbers():
    from workbook.plain import align_answer

    assert [align_answer(r) for r in ("y", "YES", "1", "p", "2", "n", "no", "Not  really", "3", "s", "x", "4", "skip")] == [
        "yes", "yes", "yes", "partly", "partly", "not really", "not really", "not really", "not really",
        "skip", "skip", "skip", "skip"]
    assert [align_answer(r) for r in ("", "z", "5", "maybe")] == [None] * 4


@pytest.mark.parametrize("sig", [1, 15])
def test_a_hang_up_while_the_terminal_no_longer_reads_ends(tmp_path, sig):
    """The goodbye after a hang-up used to wait forever on a terminal that stopped reading (a dropped
    connection whose pty stays open): the process never ended."""
    folder = tmp_path / "data"
    s = Session(folder, "--plain")
    s.answer(MENU, "2")
    s.answer(MORE, "s")
    s.answer("Your answer:", "my answer", "")
    s.expect("Saved.")
    for _ in range(300):  # from here nothing is read: the contents and the help, again and again, fill the pty
        if not select.select([], [s.master], [], 0.5)[1]:
            break
        os.write(s.master, b"m\nh\n")
    time.sleep(0.5)
    s.proc.send_signal(sig)
    try:
        code = s.proc.wait(30)
    except subprocess.TimeoutExpired:
        s.proc.kill()
        s.proc.wait()
        code = None
    os.close(s.master)
    assert code == 0, "the workbook kept running after the hang-up"
    assert Store.open(folder).answers() == {"what-is.own-words": "my answer"}


def test_an_unfinished_answer_the_disk_refuses_goes_to_the_rescue_copy_and_is_not_called_saved(tmp_path, monkeypatch):
    import errno
    import io

    from workbook import plain
    from workbook.saver import Saver
    from workbook.state import WorkbookState

    monkeypatch.delenv("WORKBOOK_HOSTED", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    store = Store.open(tmp_path / "data")

    def refuse(changes):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "apply", refuse)
    out, saver = io.StringIO(), Saver(store)
    try:
        plain.Plain(WorkbookState(store), saver, io.StringIO("2\nwords the disk\nwould not take"), out, width=80).run()
    finally:
        saver.close()
    said = " ".join(out.getvalue().split())
    assert "saved as it is" not in said and "Everything is saved" not in said
    assert "is in a rescue copy" in said
    [copy] = tmp_path.glob("workbook-rescue-*.json")
    assert json.loads(copy.read_text())["answers"]["what-is.own-words"] == "words the disk\nwould not take"
