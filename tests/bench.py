"""Benchmarks: the installed `workbook` beside a bare Textual app, in a real pseudo-terminal at 80x24.

Run:  python tests/bench.py [--runs N] [--idle SECONDS] [--only main|growth] [--growth-runs N]
      python tests/bench.py --tracemalloc      (where a session's memory goes, by module; see below)

The growth table: first screen (resumed), a pick (key to clarity question), a save (that pick on disk)
and peak memory with every exercise answered and 0, 1,000, 10,000 and 100,000 decisions, and with 10,000
decisions and a heavy year of earlier versions (every field edited daily for 365 days).

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


def heavy_year(folder: Path, days: int = 365) -> int:
    """A year of earlier versions: every field edited once a day, each day's text kept. Returns how many."""
    from datetime import datetime, timedelta, timezone

    from workbook import versions

    start = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
    kept = []
    for section in content.load().sections:
        for exercise in section.exercises:
            for day in range(days):
                written = (start + timedelta(days=day)).isoformat(timespec="seconds")
                replaced = start + timedelta(days=day + 1)
                if exercise.kind == "toggle":
                    value = day % 2 == 0
                elif exercise.kind == "scale":
                    value = day % 5 + 1
                elif exercise.kind == "entries":
                    value = [{f.id: f"day {day}: an answer for {f.label}" for f in exercise.fields if f.kind == "line"}]
                else:
                    value = f"Day {day}: an answer a few sentences long, rewritten today. " * 3
                kept.append(versions.make(exercise.key, value, written, "edit", replaced))
    Store.open(folder).apply(Changes(versions=kept))
    return len(kept)


def game_session(workbook: str, data: Path, picks: int = 3) -> dict[str, list[float]]:
    """Resume a workbook: first screen, open the game, `picks` picks (key to clarity question, and until
    the pick is on disk), peak memory."""
    figures: dict[str, list[float]] = {"first": [], "pick": [], "disk": [], "mem": []}
    term = Term([workbook], env_for(str(data)))
    try:
        figures["first"].append(term.wait_for(b"Palette", timeout=120))
        term.press(b"5", b"gut window ")
        db = data / "workbook.json"
        for _ in range(picks):
            before = db.stat().st_mtime_ns
            pressed = time.perf_counter()
            latency, _ = term.press(b"1", b"How clear")
            figures["pick"].append(latency)
            while db.stat().st_mtime_ns == before and time.perf_counter() - pressed < 30:
                time.sleep(0.001)
            figures["disk"].append(time.perf_counter() - pressed)
            term.press(b"\r", b"gut window ")
        figures["mem"].append(term.peak_memory_kb())
    finally:
        term.close()
    return figures


def growth(workbook: str, runs: int) -> None:
    """The growth table (see the module's docstring), each data set once per run, alternating."""
    rows = [("0 decisions", 0, False), ("1,000 decisions", 1_000, False), ("10,000 decisions", 10_000, False),
            ("100,000 decisions", 100_000, False), ("10,000 decisions + a heavy year of versions", 10_000, True)]
    results: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in rows}
    sizes: dict[str, int] = {}
    counted: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sources = {}
        for label, picks, year in rows:
            folder = Path(tmp) / f"source-{len(sources)}"
            full_data(folder, picks)
            if year:
                counted[label] = heavy_year(folder)
            sources[label] = folder
            sizes[label] = (folder / "workbook.json").stat().st_size
        for _ in range(runs):
            for label, _, _ in rows:
                data = Path(tempfile.mkdtemp(dir=tmp)) / "d"
                shutil.copytree(sources[label], data)
                for key, values in game_session(workbook, data).items():
                    results[label].setdefault(key, []).extend(values)
    print(f"\nHow cost grows ({runs} runs, data sets alternating; every exercise answered; medians; 80×24):\n")
    print("(a save counts from the key: the workbook waits 0.5 s after the last change, then writes and fsyncs)\n")
    print("| data | file | first screen (resume) | a pick: key to clarity question | a save: pick on disk | peak memory |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, _, _ in rows:
        r = results[label]
        name = f"{label} ({counted[label]:,})" if label in counted else label
        size = f"{sizes[label] / 1e6:.1f} MB" if sizes[label] >= 1e5 else f"{sizes[label] / 1e3:.0f} kB"
        print(f"| {name} | {size} | {median(r['first']) * 1000:,.0f} ms | "
              f"{median(r['pick']) * 1000:,.0f} ms | {median(r['disk']) * 1000:,.0f} ms | "
              f"{median(r['mem']) / 1024:,.1f} MB |")


def memory_breakdown(picks: int = 10_000) -> int:  # noqa: D417
    """Where a session's memory goes: a workbook with every exercise answered and `picks` decisions runs
    in a fresh Python traced by tracemalloc from its first line (`-X tracemalloc=8`), headless at 80x24;
    what it holds at Home, settled, is grouped by who asked for it (the innermost frame in the workbook,
    Textual, Rich, TinyDB..., so JSON decoded for the storage counts as the storage's, and a module's code
    for the package that imported it; "modules' code (imports)" is code imported from elsewhere)."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "full"
        full_data(folder, picks)
        return subprocess.run([sys.executable, "-X", "tracemalloc=8", __file__, "--tracemalloc-child", str(folder)],
                              check=False).returncode


def owner(frames) -> str:
    """Who asked for an allocation: the innermost frame in a third-party or the workbook's own package."""
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    for frame in frames:  # innermost first
        name = frame.filename
        if "site-packages/" in name:
            return name.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        for ours in ("/workbook/", "/screens/", "/styles/"):
            if ours in name:
                return ours.strip("/") + "/" + name.rsplit(ours, 1)[1]
    first = frames[0].filename
    if first.startswith("<frozen importlib"):
        return "modules' code (imports)"
    if first.startswith(stdlib):
        return "stdlib: " + first[len(stdlib) + 1:]
    return first


def tracemalloc_child(folder: str) -> int:
    import tracemalloc

    async def run() -> None:
        try:
            from screens.app import WorkbookApp
        except ImportError:
            from workbook.app import WorkbookApp
        app = WorkbookApp(Store.open(Path(folder)))
        async with app.run_test(size=(COLS, ROWS)) as pilot:
            await pilot.pause()
            await asyncio.sleep(1.0)  # what loads after the first frame, loaded
            await pilot.pause()
            show("at Home, settled", tracemalloc.take_snapshot())
        saver = getattr(app, "saver", None)
        if saver is not None:
            saver.close()

    def show(when: str, snapshot) -> None:
        snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        by_owner: dict[str, list[int]] = {}
        by_package: dict[str, int] = {}
        for trace in snapshot.traces:
            name = owner(trace.traceback)
            entry = by_owner.setdefault(name, [0, 0])
            entry[0] += trace.size
            entry[1] += 1
            package = "stdlib" if name.startswith("stdlib") else (name.split("/", 1)[0] or name)
            by_package[package] = by_package.get(package, 0) + trace.size
        total = sum(size for size, _ in by_owner.values())
        print(f"\n{when}: {total / 1e6:.1f} MB traced (Python's allocations; the interpreter itself and "
              f"memory freed but not returned are not in it)\n")
        print("| package | MB | share |\n| --- | ---: | ---: |")
        for package, size in sorted(by_package.items(), key=lambda kv: -kv[1])[:10]:
            print(f"| {package} | {size / 1e6:.2f} | {size / total:.0%} |")
        print("\n| module (who asked) | MB | blocks |\n| --- | ---: | ---: |")
        for name, (size, count) in sorted(by_owner.items(), key=lambda kv: -kv[1][0])[:20]:
            print(f"| {name} | {size / 1e6:.2f} | {count:,} |")
        print("\n| line (innermost) | MB |\n| --- | ---: |")
        for stat in snapshot.statistics("lineno")[:10]:
            frame = stat.traceback[0]
            print(f"| {owner([frame])}:{frame.lineno} | {stat.size / 1e6:.2f} |", flush=True)

    asyncio.run(run())
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle traffic to count")
    parser.add_argument("--only", choices=["main", "growth"], help="only the main table, or only the growth table")
    parser.add_argument("--growth-runs", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="where a session's memory goes, by module (10,000 decisions and every exercise)")
    parser.add_argument("--tracemalloc-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tracemalloc_child:
        return tracemalloc_child(args.tracemalloc_child)
    if args.tracemalloc:
        return memory_breakdown()
    workbook = shutil.which("workbook") or shutil.which("workbook", path=str(Path(sys.executable).parent))
    if workbook is None:
        print("bench: install the workbook first (pip install .)", file=sys.stderr)
        return 2
    if args.only != "growth":
        main_table(args, workbook)
    if args.only != "main":
        growth(workbook, args.growth_runs)
    return 0


def main_table(args: argparse.Namespace, workbook: str) -> None:
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


if __name__ == "__main__":
    sys.exit(main())
