"""Benchmark: open My workbook (section 7) on a workbook near the file cap, in a real pseudo-terminal.

Run:  python tests/bench_review.py [PICKS] [--note CHARS] [--entries N] [--quit-after SECONDS]

Fills a data folder with every exercise answered and PICKS decisions practised (78,000 by default),
each with a check-in note of CHARS characters (600), then starts the installed `workbook` at 80x24,
presses 7 and reports: seconds until My workbook is drawn, the process's peak memory, and (a second
run) seconds from ctrl+q, pressed while section 7 opens, until the process has ended.

Not part of the test suite (tests never assert wall-clock times).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import Term, env_for  # noqa: E402

from workbook import content  # noqa: E402
from workbook.storage import Changes, Store  # noqa: E402


def fill(folder: Path, picks: int, note: int, entries: int = 1) -> None:
    """Every exercise answered (each list with ``entries`` items), and ``picks`` decisions, each with a
    ``note``-character check-in note."""
    start = date(2000, 1, 1)
    words = ("I noticed the ping was there before I thought about it, and it settled. " * 20)[:note]
    records = []
    for n in range(picks):
        day = start + timedelta(days=n // 3)
        records.append({
            "id": uuid.uuid4().hex, "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
            "at": f"{day.isoformat()}T10:00:{n % 60:02d}+00:00", "day": day.isoformat(),
            "clarity": "some", "checkin": "yes", "learned": words,
        })
    answers = {}
    for section in content.load().sections:
        for exercise in section.exercises:
            if exercise.kind == "toggle":
                answers[exercise.key] = True
            elif exercise.kind == "scale":
                answers[exercise.key] = 3
            elif exercise.kind == "entries":
                answers[exercise.key] = [{f.id: f"{n}: an answer for {f.label}. " * 6 for f in exercise.fields if f.kind == "line"}
                                         for n in range(entries)]
            else:
                answers[exercise.key] = "An answer a few sentences long. " * 4
    store = Store.open(folder)
    store.apply(Changes(new_picks=records, answers=answers,
                        position={"screen": "home", "field": None, "last": None}, settings={"gut_window": False}))
    store.close()


def open_review(workbook: str, folder: Path) -> tuple[float, float, int, int]:
    """(seconds to the first screen, seconds from 7 until My workbook is drawn, peak memory in kB on Home
    and after My workbook)."""
    term = Term([workbook], env_for(str(folder)))
    try:
        first = term.wait_for(b"Palette", timeout=600)
        term.quiet(0.3)
        home = term.peak_memory_kb()
        mark = len(term.output)
        os.write(term.fd, b"7")
        latency = term.wait_for(b"1 \xc2\xb7 Why is it so hard", since=mark, timeout=900)  # section 1's heading in the review
        return first, latency, home, term.peak_memory_kb()
    finally:
        term.close()


def quit_while_opening(workbook: str, folder: Path, after: float) -> float:
    """Seconds from ctrl+q (pressed ``after`` seconds after 7) until the process has ended."""
    term = Term([workbook], env_for(str(folder)))
    try:
        term.wait_for(b"Palette", timeout=600)
        term.quiet(0.3)
        os.write(term.fd, b"7")
        time.sleep(after)
        pressed = time.perf_counter()
        os.write(term.fd, b"\x11")  # ctrl+q
        while True:
            done, _ = os.waitpid(term.pid, os.WNOHANG)
            if done:
                return time.perf_counter() - pressed
            if time.perf_counter() - pressed > 900:
                return float("inf")
            term._read(0.02)
    finally:
        try:
            os.close(term.fd)
        except OSError:
            pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("picks", nargs="?", type=int, default=78_000)
    parser.add_argument("--note", type=int, default=600)
    parser.add_argument("--quit-after", type=float, default=0.3)
    parser.add_argument("--entries", type=int, default=1, help="items in each list (needs, wants, desires, reframes)")
    parser.add_argument("--no-quit", action="store_true", help="skip the ctrl+q measure")
    args = parser.parse_args()
    workbook = shutil.which("workbook") or str(Path(sys.executable).parent / "workbook")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        fill(folder, args.picks, args.note, args.entries)
        size = (folder / "workbook.json").stat().st_size
        print(f"{args.picks:,} decisions with {args.note}-character notes, {args.entries:,} items a list; workbook.json {size / 2**20:.1f} MiB", flush=True)
        first, latency, home, peak = open_review(workbook, folder)
        print(f"first screen {first:.2f} s; 7 to My workbook drawn {latency:.2f} s; "
              f"peak memory {home / 1024:.0f} MiB on Home, {peak / 1024:.0f} MiB after My workbook", flush=True)
        if not args.no_quit:
            quit_s = quit_while_opening(workbook, folder, args.quit_after)
            print(f"ctrl+q {args.quit_after:g} s after 7: ended {quit_s:.2f} s after the key", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
