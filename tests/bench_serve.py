"""Benchmark for `workbook serve`: logins in a burst until all show Home, and memory per session (USS and
PSS from /proc/PID/smaps_rollup), beside a cold-started workbook measured in the same run. Linux only.

Run:  python tests/bench_serve.py [--bursts 20 60] [--modes no-helper helper] [--rounds N]   (not part of the suite)

"helper" is the server as it ships (each session a fork of the pre-started workbook, which rehearsed a
start before forking); "helper-imports" is the helper that only imports (WORKBOOK_HELPER_REHEARSE=0, as
the helper was first built); "no-helper" is `serve --no-helper` (each session a fresh Python). With
--rounds N each mode runs N times, alternating, and the figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_serve import Server, open_workbook, read_until, workbook_processes  # noqa: E402


def memory_kb(pid: int) -> dict[str, int]:
    """Rss, Pss and USS (private clean + private dirty) of a process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    return {"rss": fields["Rss"], "pss": fields["Pss"], "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (since its fork, for a fork)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_workbook() -> tuple[float, dict[str, int]]:
    """A workbook started as a fresh Python on a pty of 80x24: seconds until Home shows, and its memory."""
    import fcntl
    import struct
    import termios

    folder = tempfile.mkdtemp()
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TERM": "xterm-256color"}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "workbook", "--data-dir", folder], stdin=slave, stdout=slave,
                             stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    while b"Palette" not in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen):
        seen += os.read(master, 65536)
    home = time.perf_counter() - started
    time.sleep(1.0)  # settled, as the sessions are when measured
    memory = memory_kb(child.pid)
    child.terminate()
    try:
        while os.read(master, 65536):
            pass
    except OSError:
        pass
    child.wait(20)
    os.close(master)
    return home, memory


async def settle(check, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not check() and time.monotonic() < end:
        await asyncio.sleep(0.1)


async def measure(mode: str, bursts: list[int]) -> dict:
    root = Path(tempfile.mkdtemp()) / "server"
    flags = ["--no-helper"] if mode == "no-helper" else []
    if mode == "helper-imports":
        os.environ["WORKBOOK_HELPER_REHEARSE"] = "0"
    try:
        server = Server(root, "--open", "--rate", "10000", "--max-sessions", "1000", "--max-sessions-per-address",
                        "1000", *flags)
    finally:
        os.environ.pop("WORKBOOK_HELPER_REHEARSE", None)
    result: dict = {"mode": mode, "bursts": {}}
    try:
        if mode != "no-helper":
            assert "pre-started helper ready" in server.log.read_text(), server.log.read_text()
        times = []
        for _ in range(5):  # one at a time
            started = time.perf_counter()
            conn, process = await open_workbook(server.port, asyncssh.generate_private_key("ssh-ed25519"))
            await read_until(process, "Palette")
            times.append(time.perf_counter() - started)
            conn.close()
            await asyncio.sleep(0.5)
        result["one"] = statistics.median(times)
        for count in bursts:
            await settle(lambda: not workbook_processes(root))
            keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(count)]
            logging_in = asyncio.Semaphore(8)  # the server takes 8 connections not yet logged in from one address

            async def opening(key):
                async with logging_in:
                    return await open_workbook(server.port, key)

            async def home(key):
                conn, process = await opening(key)
                await read_until(process, "Palette", timeout=180)
                return conn, process

            server_cpu, own_cpu = cpu_seconds(server.proc.pid), time.process_time()
            started = time.perf_counter()
            opened = await asyncio.gather(*(home(k) for k in keys))
            all_home = time.perf_counter() - started
            server_cpu, own_cpu = cpu_seconds(server.proc.pid) - server_cpu, time.process_time() - own_cpu
            sessions_cpu = [cpu_seconds(pid) for pid in workbook_processes(root)]
            await asyncio.sleep(1.0)
            memory = [memory_kb(pid) for pid in workbook_processes(root)]
            result["bursts"][count] = {
                "seconds": all_home,
                "sessions": len(memory),
                "uss": statistics.median(m["uss"] for m in memory),
                "pss": statistics.median(m["pss"] for m in memory),
                "rss": statistics.median(m["rss"] for m in memory),
                "total_pss": sum(m["pss"] for m in memory),
                "cpu": (statistics.median(sessions_cpu), sum(sessions_cpu), server_cpu, own_cpu),
            }
            if count == max(bursts):  # each opens a section and types; the echo is the responsiveness under load
                for _, process in opened:
                    process.stdin.write(b"4")
                await asyncio.gather(*(read_until(p, "What I like", timeout=60) for _, p in opened))
                echo = []
                for n, (_, process) in enumerate(opened):
                    typed = time.perf_counter()
                    process.stdin.write(f"s{n}".encode())
                    await read_until(process, f"s{n}", timeout=60)
                    echo.append(time.perf_counter() - typed)
                result["bursts"][count]["echo"] = (statistics.median(echo), max(echo))
            for conn, _ in opened:
                conn.close()
        result["server"] = memory_kb(server.proc.pid)
        helper = re.findall(r"pre-started helper ready \(pid (\d+)\)", server.log.read_text())
        if helper:
            result["helper"] = memory_kb(int(helper[-1]))
    finally:
        server.stop()
    return result


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def med(values) -> float:
    return statistics.median(list(values))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, nargs="+", default=[20, 60])
    parser.add_argument("--modes", nargs="+", choices=["helper", "helper-imports", "no-helper"],
                        default=["no-helper", "helper"])
    parser.add_argument("--rounds", type=int, default=1, help="times each mode runs, alternating (medians shown)")
    args = parser.parse_args()
    colds: list[tuple[float, dict[str, int]]] = []
    results: dict[str, list[dict]] = {mode: [] for mode in args.modes}
    for round_ in range(args.rounds):
        colds.append(cold_workbook())
        cold_home, cold = colds[-1]
        print(f"round {round_ + 1}: cold-started workbook (a fresh Python on a pty): Home after {cold_home * 1000:.0f} ms; "
              f"USS {mb(cold['uss'])}, PSS {mb(cold['pss'])}, RSS {mb(cold['rss'])}", flush=True)
        for mode in args.modes:
            result = await measure(mode, args.bursts)
            results[mode].append(result)
            report(mode, result, cold)
    if args.rounds > 1:
        cold_uss = med(c[1]["uss"] for c in colds)
        print(f"\nMedians of {args.rounds} rounds (modes alternating); a cold-started workbook: Home after "
              f"{med(c[0] for c in colds) * 1000:.0f} ms, USS {mb(cold_uss)}, PSS {mb(med(c[1]['pss'] for c in colds))}\n")
        print("| | " + " | ".join(args.modes) + " |")
        print("| --- |" + " ---: |" * len(args.modes))
        rows = [("connect until Home, one at a time", lambda r: f"{r['one'] * 1000:.0f} ms", None)]
        for count in args.bursts:
            rows += [
                (f"{count} logins at once, until all show Home", lambda r, c=count: f"{r['bursts'][c]['seconds']:.1f} s",
                 lambda r, c=count: r["bursts"][c]["seconds"]),
                (f"{count}: session CPU to Home (median)", lambda r, c=count: f"{r['bursts'][c]['cpu'][0] * 1000:.0f} ms",
                 lambda r, c=count: r["bursts"][c]["cpu"][0]),
                (f"{count}: USS per session (× a cold workbook's)",
                 lambda r, c=count: f"{mb(r['bursts'][c]['uss'])} ({r['bursts'][c]['uss'] / cold_uss:.2f}×)",
                 lambda r, c=count: r["bursts"][c]["uss"]),
                (f"{count}: PSS per session", lambda r, c=count: mb(r["bursts"][c]["pss"]),
                 lambda r, c=count: r["bursts"][c]["pss"]),
                (f"{count}: the server's CPU per login", lambda r, c=count: f"{r['bursts'][c]['cpu'][2] / c * 1000:.1f} ms",
                 lambda r, c=count: r["bursts"][c]["cpu"][2]),
            ]
        for label, shown, key in rows:
            cells = []
            for mode in args.modes:
                runs = results[mode]
                if key is None:
                    middle = sorted(runs, key=lambda r: r["one"])[len(runs) // 2]
                else:
                    middle = sorted(runs, key=key)[len(runs) // 2]
                cells.append(shown(middle))
            print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


def report(mode: str, result: dict, cold: dict[str, int]) -> None:
    print(f"[{mode}] connect to Home over SSH, one at a time: median {result['one'] * 1000:.0f} ms")
    for count, burst in result["bursts"].items():
        print(f"[{mode}] {count} logins at once: all on Home after {burst['seconds']:.1f} s; per session "
              f"(median of {burst['sessions']}): USS {mb(burst['uss'])} ({burst['uss'] / cold['uss']:.2f}× the "
              f"cold workbook's), PSS {mb(burst['pss'])}, RSS {mb(burst['rss'])}; all sessions' PSS "
              f"{mb(burst['total_pss'])}")
        session_cpu, all_cpu, server_cpu, own_cpu = burst["cpu"]
        print(f"[{mode}]   CPU until all were on Home: sessions {all_cpu:.1f} s (median {session_cpu * 1000:.0f} ms "
              f"each), the server {server_cpu:.1f} s, this benchmark's {count} SSH clients {own_cpu:.1f} s; "
              f"{(all_cpu + server_cpu + own_cpu) / os.cpu_count():.1f} s on {os.cpu_count()} cores at best")
        if "echo" in burst:
            print(f"[{mode}]   typing in each of the {count} then: echo median {burst['echo'][0] * 1000:.0f} ms, "
                  f"max {burst['echo'][1] * 1000:.0f} ms")
    extra = f"; the helper: USS {mb(result['helper']['uss'])}, RSS {mb(result['helper']['rss'])}" \
        if "helper" in result else ""
    print(f"[{mode}] the server: USS {mb(result['server']['uss'])}, RSS {mb(result['server']['rss'])}{extra}", flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
