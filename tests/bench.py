"""Benchmarks: the installed `workbook` beside a bare Textual app, in a real pseudo-terminal at 80x24.

Run:  python tests/bench.py [--runs N]

Not part of the test suite (tests never assert wall-clock times). Prints a table of medians.
Both programs run alternately in the same run, so the machine's load touches both alike.
"""

from __future__ import annotations

import argparse
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

COLS, ROWS = 80, 24

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Static("Hello")
            yield Footer()

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

    def read_until(self, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds from start until ``marker`` has appeared in the output."""
        deadline = time.perf_counter() + timeout
        while marker not in self.output:
            if time.perf_counter() > deadline:
                raise TimeoutError(marker)
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        return time.perf_counter() - self.started

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
            try:
                os.read(self.fd, 65536)
            except OSError:
                pass
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
        os.close(self.fd)


def env_for(data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), WORKBOOK_DATA_DIR=data_dir)
    return env


def first_screen(argv: list[str], data_dir: str) -> float:
    term = Term(argv, env_for(data_dir))
    try:
        return term.read_until(b"palette")  # the footer's last item ends the first frame
    finally:
        term.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workbook = shutil.which("workbook")
    if workbook is None:
        print("bench: install the workbook first (pip install .)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        times: dict[str, list[float]] = {"bare": [], "fresh": []}
        for _ in range(args.runs):
            times["bare"].append(first_screen([sys.executable, str(bare)], tmp))
            fresh = tempfile.mkdtemp(dir=tmp)
            times["fresh"].append(first_screen([workbook], fresh))
    bare_median = statistics.median(times["bare"])
    print(f"{'measure':<36}{'median':>10}{'bare app':>10}{'ratio':>8}")
    fresh_median = statistics.median(times["fresh"])
    print(f"{'first screen, fresh start':<36}{fresh_median*1000:>8.0f}ms{bare_median*1000:>8.0f}ms{fresh_median/bare_median:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
