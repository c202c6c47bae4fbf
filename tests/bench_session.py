"""What one forked session costs, from the fork until its Home is drawn: CPU (utime + stime from
/proc/PID/stat) and memory (USS/PSS from /proc/PID/smaps_rollup), optionally with a cProfile of the fork.

Run:  python tests/bench_session.py [--sessions N] [--warm imports full] [--profile FILE] [--smaps]

This process plays the pre-started helper exactly as workbook/serve/helper.py prepares it (`warm()`, or
only its imports with `--warm imports`, then `gc.freeze()`), then forks sessions one at a time onto a pty
of 80x24 and runs `helper.session` in each, as the helper does. Each `--warm` level runs in its own
process, alternately, so the machine's load touches them alike. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import fcntl
import gc
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    return {"rss": fields["Rss"], "pss": fields["Pss"], "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def private_by_mapping(pid: int) -> dict[str, int]:
    """Private (clean + dirty) kB of a process, by what is mapped: the heap, anonymous memory, each file."""
    totals: dict[str, int] = {}
    name = "?"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and re.fullmatch(r"[0-9a-f]+-[0-9a-f]+", head[0]):
            name = head[5] if len(head) > 5 else "[anonymous]"
            if "/site-packages/" in name or "/lib/python3" in name:
                name = name.rsplit("/", 1)[-1]
        elif head and head[0] in ("Private_Clean:", "Private_Dirty:"):
            totals[name] = totals.get(name, 0) + int(head[1])
    return totals


def pages(pid: int) -> dict[int, tuple[str, int]]:
    """Every page present in a process's memory: address -> (what is mapped there, physical frame)."""
    present: dict[int, tuple[str, int]] = {}
    size = os.sysconf("SC_PAGE_SIZE")
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            head = line.split()
            start, end = (int(x, 16) for x in head[0].split("-"))
            name = head[5] if len(head) > 5 else "[anonymous]"
            if "/site-packages/" in name or "/lib/python3" in name:
                name = name.rsplit("/", 1)[-1]
            if name == "[vsyscall]":
                continue
            pagemap.seek(start // size * 8)
            data = pagemap.read((end - start) // size * 8)
            for n, (entry,) in enumerate(struct.iter_unpack("<Q", data)):
                if entry >> 63 & 1:
                    present[start + n * size] = (name, entry & ((1 << 55) - 1))
    return present


def copied_by_type(child: int, parent: int) -> list[tuple[str, int, int]]:
    """For each type of object the parent's garbage collector knows (containers: functions, dicts, types,
    tuples, lists, instances), how many sit on pages the child copied, of how many. Strings and numbers are
    not tracked by the collector and are not counted."""
    size = os.sysconf("SC_PAGE_SIZE")
    mine, theirs = pages(child), pages(parent)
    copied = {a for a, (_, frame) in mine.items() if a in theirs and theirs[a][1] != frame}
    gc.unfreeze()
    counts: dict[str, list[int]] = {}
    for obj in gc.get_objects():
        name = type(obj).__name__
        row = counts.setdefault(name, [0, 0])
        row[1] += 1
        if id(obj) // size * size in copied:
            row[0] += 1
    gc.freeze()
    return sorted(((n, c, t) for n, (c, t) in counts.items()), key=lambda r: -r[2])[:12]


def classify(child: int, parent: int) -> dict[str, dict[str, int]]:
    """The child's pages, by mapping: shared with the parent (same frame), copied (the parent has that
    address in another frame: a copy-on-write copy) or new (the parent has nothing there), in kB."""
    size_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    mine, theirs = pages(child), pages(parent)
    table: dict[str, dict[str, int]] = {}
    for address, (name, frame) in mine.items():
        other = theirs.get(address)
        kind = "new" if other is None else "shared" if other[1] == frame else "copied"
        row = table.setdefault(name, {"shared": 0, "copied": 0, "new": 0})
        row[kind] += size_kb
    return table


def read_until(master: int, marker: bytes, timeout: float = 60) -> None:
    seen = b""
    end = time.monotonic() + timeout
    while marker not in ESCAPES.sub(b"", seen):
        if time.monotonic() > end:
            raise TimeoutError(marker)
        if select.select([master], [], [], 0.5)[0]:
            seen += os.read(master, 65536)


def drain(master: int) -> None:
    try:
        while select.select([master], [], [], 0.05)[0]:
            if not os.read(master, 65536):
                return
    except OSError:
        return


def play_helper(level: str, sessions: int, profile: str | None, smaps: bool) -> dict:
    """Prepare as the helper does, then fork `sessions` sessions one by one; their figures."""
    from workbook.serve import helper

    started = time.process_time()
    if level == "none":
        import workbook.__main__  # noqa: F401
    elif level == "imports":
        helper.warm(full=False)
    else:
        helper.warm()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    warm_cpu = time.process_time() - started
    me = memory_kb(os.getpid())
    figures: dict = {"level": level, "warm_cpu": warm_cpu, "helper": me, "cpu": [], "uss": [], "pss": []}
    for n in range(sessions):
        folder = tempfile.mkdtemp()
        os.chmod(folder, 0o700)
        master, slave = os.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        go_read, go_write = os.pipe()
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TERM": "xterm-256color",
               "WORKBOOK_HOSTED": "1"}
        request = {"id": n, "folder": folder, "env": env,
                   "argv": [sys.executable, "-m", "workbook", "--data-dir", folder]}
        pid = os.fork()
        if pid == 0:
            os.close(master)
            os.close(go_write)
            if profile and n == sessions - 1:
                import cProfile

                profiler = cProfile.Profile()

                def dump(signum, frame):
                    profiler.disable()
                    profiler.dump_stats(profile)
                    os._exit(0)

                signal.signal(signal.SIGUSR1, dump)
                real = signal.signal

                def keep_usr1(sig, handler):  # the session resets its signals; this one stays ours
                    return None if sig == signal.SIGUSR1 else real(sig, handler)

                signal.signal = keep_usr1
                profiler.enable()
            helper.session(request, slave, go_read)
        os.close(slave)
        os.close(go_read)
        os.write(go_write, b"g")
        os.close(go_write)
        read_until(master, b"Palette")
        figures["cpu"].append(cpu_seconds(pid))
        if profile and n == sessions - 1:
            os.kill(pid, signal.SIGUSR1)
        else:
            time.sleep(1.0)  # settled, as bench_serve.py measures
            figures["uss"].append(memory_kb(pid)["uss"])
            figures["pss"].append(memory_kb(pid)["pss"])
            if smaps and n == sessions - 1:
                figures["smaps"] = sorted(private_by_mapping(pid).items(), key=lambda kv: -kv[1])[:12]
                figures["pages"] = classify(pid, os.getpid())
                figures["types"] = copied_by_type(pid, os.getpid())
            os.kill(pid, signal.SIGTERM)
        drain(master)
        os.waitpid(pid, 0)
        os.close(master)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8, help="sessions forked per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each level once per round")
    parser.add_argument("--warm", nargs="+", default=["imports", "full"], choices=["none", "imports", "full"])
    parser.add_argument("--profile", help="write a cProfile of the last fork of the last level here")
    parser.add_argument("--smaps", action="store_true", help="list the last fork's private memory by mapping")
    parser.add_argument("--play", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.play:
        figures = play_helper(args.play, args.sessions, args.profile, args.smaps)
        print(json.dumps(figures))
        return 0
    results: dict[str, list[dict]] = {level: [] for level in args.warm}
    for round_ in range(args.rounds):
        for level in args.warm:
            last = round_ == args.rounds - 1
            argv = [sys.executable, __file__, "--play", level, "--sessions", str(args.sessions)]
            if args.profile and last and level == args.warm[-1]:
                argv += ["--profile", args.profile]
            if args.smaps and last:
                argv += ["--smaps"]
            out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=True)
            results[level].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{args.rounds} rounds × {args.sessions} sessions per level, alternating; 80×24; each fork until Home shows")
    print("| helper prepared with | helper's CPU to prepare | session CPU to Home (median) | session USS | session PSS |"
          " helper RSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for level, runs in results.items():
        cpu = statistics.median(c for r in runs for c in r["cpu"])
        uss = statistics.median(c for r in runs for c in r["uss"]) / 1024
        pss = statistics.median(c for r in runs for c in r["pss"]) / 1024
        warm = statistics.median(r["warm_cpu"] for r in runs)
        rss = statistics.median(r["helper"]["rss"] for r in runs) / 1024
        print(f"| {level} | {warm * 1000:.0f} ms | {cpu * 1000:.0f} ms | {uss:.1f} MB | {pss:.1f} MB | {rss:.1f} MB |")
    for level, runs in results.items():
        if "pages" in runs[-1]:
            table = runs[-1]["pages"]
            total = {k: sum(row[k] for row in table.values()) for k in ("shared", "copied", "new")}
            print(f"\n{level}: the last fork's pages at Home, against the helper's (kB): shared {total['shared']}, "
                  f"copied (copy-on-write) {total['copied']}, new {total['new']}")
            for name, row in sorted(table.items(), key=lambda kv: -(kv[1]["copied"] + kv[1]["new"]))[:8]:
                print(f"    {name}: copied {row['copied']}, new {row['new']}, shared {row['shared']}")
            print("  the helper's objects on pages the fork copied, by type (on copied pages / all): "
                  + ", ".join(f"{name} {c:,}/{t:,}" for name, c, t in runs[-1]["types"]))
    for level, runs in results.items():
        if "smaps" in runs[-1]:
            print(f"\n{level}: a fork's private memory by mapping (kB): "
                  + ", ".join(f"{name} {kb}" for name, kb in runs[-1]["smaps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
