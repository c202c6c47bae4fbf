"""Benchmarks: the installed `workbook` beside a bare Textual app, in a real pseudo-terminal at 80x24.

Run:  python tests/bench.py [--runs N] [--idle SECONDS]

Not part of the test suite (tests never assert wall-clock times). Both programs run alternately
in the same run, so the machine's load touches both alike, and the table gives medians and ratios.
The app is the installed one (`pip install .`), run as a person runs it; nothing in it knows
about this benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_game import fill, measure, storage_only  # noqa: E402

from workbook import content  # noqa: E402
from workbook.storage import Changes, Store  # noqa: E402

COLS, ROWS = 80, 24

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Input, Static

    class Page(Screen):
        def __init__(self, text):
            super().__init__()
            self.text = text
        def compose(self):
            yield Header()
            yield Static(self.text)
            yield Input()
            yield Footer()

    class Bare(App):
        BINDINGS = [Binding("ctrl+n", "flip", "Flip", priority=True)]
        def on_mount(self):
            self.install_screen(Page("Screen one"), "one")
            self.install_screen(Page("Screen two"), "two")
            self.push_screen("one")
        def action_flip(self):
            self.switch_screen("two" if self.screen.text == "Screen one" else "one")

    Bare().run()
    """
)


class Term:
    """A program in a pseudo-terminal, with everything it writes collected."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.output = bytearray()

    def _read(self, timeout: float) -> int:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return -1
        self.output += data
        return len(data)

    def wait_for(self, marker: bytes, since: int = 0, timeout: float = 10.0) -> float:
        """Seconds until ``marker`` appears in the output written after offset ``since``."""
        start = time.perf_counter()
        while marker not in self.output[since:]:
            if time.perf_counter() - start > timeout:
                tail = self.output[since:].decode("utf-8", "replace")
                Path("/tmp/bench-timeout.txt").write_text(tail)
                raise TimeoutError(f"{marker!r} did not appear; what came is in /tmp/bench-timeout.txt")
            if self._read(0.02) < 0:
                raise EOFError(marker)
        return time.perf_counter() - start

    def quiet(self, gap: float = 0.3) -> None:
        """Read until nothing has come for ``gap`` seconds."""
        while self._read(gap) > 0:
            pass

    def press(self, keys: bytes, marker: bytes) -> tuple[float, int]:
        """(seconds until ``marker`` is drawn, bytes written for the whole change)."""
        self.quiet(0.1)
        mark = len(self.output)
        started = time.perf_counter()
        os.write(self.fd, keys)
        self.wait_for(marker, since=mark)
        latency = time.perf_counter() - started
        self.quiet(0.2)
        return latency, len(self.output) - mark

    def count_idle(self, seconds: float) -> int:
        self.quiet(0.5)
        mark = len(self.output)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self._read(max(0.0, min(0.1, end - time.perf_counter())))
        return len(self.output) - mark

    def peak_memory_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            self._read(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def env_for(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL")}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", WORKBOOK_DATA_DIR=data_dir)
    return env


def full_data(folder: Path, picks: int = 10_000) -> None:
    """Every exercise answered, and ``picks`` recorded decisions."""
    fill(folder, picks)
    answers = {}
    for section in content.load().sections:
        for exercise in section.exercises:
            if exercise.kind == "toggle":
                answers[exercise.key] = True
            elif exercise.kind == "scale":
                answers[exercise.key] = 3
            elif exercise.kind == "entries":
                answers[exercise.key] = [{f.id: f"an answer for {f.label}" for f in exercise.fields if f.kind == "line"}]
            else:
                answers[exercise.key] = "An answer a few sentences long. " * 4
    Store.open(folder).apply(
        Changes(answers=answers, position={"screen": "home", "field": None, "last": None}, settings={"gut_window": True})
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle traffic to count")
    args = parser.parse_args()
    workbook = shutil.which("workbook")
    if workbook is None:
        print("bench: install the workbook first (pip install .)", file=sys.stderr)
        return 2
    r: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        r.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as tmp:
        bare_py = Path(tmp) / "bare.py"
        bare_py.write_text(BARE_APP)
        bare = [sys.executable, str(bare_py)]
        full = Path(tmp) / "full"
        full_data(full)
        for run in range(args.runs):
            # bare app: first screen, then switching between its two screens
            term = Term(bare, env_for(tmp))
            add("bare_first", term.wait_for(b"palette"))
            for n in range(4):
                latency, size = term.press(b"\x0e", b"Screen two" if n % 2 == 0 else b"Screen one")
                add("bare_switch", latency)
                add("bare_switch_bytes", size)
            if run == 0:
                add("bare_idle", term.count_idle(args.idle) * 60 / args.idle)
            add("bare_mem", term.peak_memory_kb())
            term.close()
            # the workbook, fresh
            fresh = tempfile.mkdtemp(dir=tmp)
            term = Term([workbook], env_for(fresh))
            add("fresh_first", term.wait_for(b"Palette"))
            term.close()
            # the workbook, resumed with full data
            data = Path(tempfile.mkdtemp(dir=tmp)) / "d"
            shutil.copytree(full, data)
            term = Term([workbook], env_for(str(data)))
            add("full_first", term.wait_for(b"Palette"))
            latency, _ = term.press(b"2", b"Self-Trust is the act")
            add("switch_cold", latency)
            for n in range(4):  # 2 -> 3 -> 2 -> 3 -> 2, screens already built
                forward = n % 2 == 0
                latency, size = term.press(b"\x0e" if forward else b"\x10", b"How do I build" if forward else b"Self-Trust is the act")
                add("switch", latency)
                add("switch_bytes", size)
            if run == 0:
                add("idle", term.count_idle(args.idle) * 60 / args.idle)
            term.press(b"\x1b", b"Contents")
            latency, _ = term.press(b"5", b"gut window ")
            add("open_game", latency)
            db = data / "workbook.json"
            for _ in range(3):
                before = db.stat().st_mtime_ns
                pressed = time.perf_counter()
                latency, _ = term.press(b"1", b"How clear")
                add("pick", latency)
                while db.stat().st_mtime_ns == before and time.perf_counter() - pressed < 5:
                    time.sleep(0.001)
                add("pick_disk", db.stat().st_mtime_ns and (time.perf_counter() - pressed))
                latency, _ = term.press(b"\r", b"gut window ")
                add("next_card", latency)
            if run == 0:
                time.sleep(9)  # let the gut window run out, then count what an idle game sends
                add("game_idle", term.count_idle(args.idle) * 60 / args.idle)
            add("mem", term.peak_memory_kb())
            term.close()
        game = asyncio.run(measure(Path(shutil.copytree(full, Path(tmp) / "stall")), rounds=10))
        empty = Path(tmp) / "empty-stall"
        fill(empty, 0)
        game_empty = asyncio.run(measure(empty, rounds=10))
        storage_lags = asyncio.run(storage_only(Path(shutil.copytree(full, Path(tmp) / "storage"))))

    def row(label: str, value: float, base: float | None, unit: str = "ms") -> None:
        scale = 1000 if unit == "ms" else 1
        shown = f"{value * scale:,.0f} {unit}"
        bare_shown = f"{base * scale:,.0f} {unit}" if base is not None else ""
        ratio = f"{value / base:.2f}×" if base else ""
        print(f"| {label} | {shown} | {bare_shown} | {ratio} |")

    print(f"Runs: {args.runs} alternating; idle counted over {args.idle:.0f} s; 80×24; 10,000 decisions in the full data.\n")
    print("| measure (median) | workbook | bare Textual app | ratio |")
    print("| --- | ---: | ---: | ---: |")
    bare_first = median(r["bare_first"])
    row("first screen, fresh start", median(r["fresh_first"]), bare_first)
    row("first screen, resume with full data", median(r["full_first"]), bare_first)
    bare_switch = median(r["bare_switch"])
    row("section switch (screen built before)", median(r["switch"]), bare_switch)
    row("section switch, first visit", median(r["switch_cold"]), bare_switch)
    row("open the game (first visit), 10,000 decisions", median(r["open_game"]), bare_switch)
    row("game pick: key to clarity question", median(r["pick"]), bare_switch)
    row("game: enter to next card", median(r["next_card"]), bare_switch)
    row("bytes sent for one section switch", median(r["switch_bytes"]), median(r["bare_switch_bytes"]), "B")
    row("bytes a minute, idle, focused text field", median(r["idle"]), median(r["bare_idle"]), "B")
    row("bytes a minute, idle game after a round", median(r["game_idle"]), None, "B")
    row("peak memory", median(r["mem"]), median(r["bare_mem"]), "KB")
    print(f"| longest event-loop block in a game round, 10,000 decisions (max of 10) | {max(game['stall']) * 1000:.0f} ms | | |")
    print(f"| the same with 0 decisions (Textual's own drawing) | {max(game_empty['stall']) * 1000:.0f} ms | | |")
    print(f"| longest event-loop block caused by storage alone: 20 saves into 10,000 decisions | {max(storage_lags) * 1000:.1f} ms | | |")
    print(f"| a pick on disk, from the key (at most; the bytes are fsynced) | {max(r['pick_disk']) * 1000:.0f} ms | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
