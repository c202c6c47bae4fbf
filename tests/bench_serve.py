"""Benchmark for `workbook serve`: time to Home over SSH, memory per session, many sessions at once.

Run:  python tests/bench_serve.py [--sessions N]      (not part of the test suite)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_serve import Server, open_workbook, read_until, workbook_processes  # noqa: E402


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp()) / "server"
    server = Server(root, "--open", "--rate", "1000", "--max-sessions", "1000", "--max-sessions-per-address", "1000")
    try:
        # time from connecting to Home drawn, one session at a time
        times = []
        for _ in range(5):
            key = asyncssh.generate_private_key("ssh-ed25519")
            started = time.perf_counter()
            conn, process = await open_workbook(server.port, key)
            await read_until(process, "Palette")
            times.append(time.perf_counter() - started)
            conn.close()
            await asyncio.sleep(0.5)
        # many at once
        keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(args.sessions)]
        started = time.perf_counter()
        logging_in = asyncio.Semaphore(8)  # the server takes 8 connections not yet logged in from one address

        async def opening(key):
            async with logging_in:
                return await open_workbook(server.port, key)

        opened = await asyncio.gather(*(opening(k) for k in keys))
        await asyncio.gather(*(read_until(p, "Palette", timeout=120) for _, p in opened))
        all_home = time.perf_counter() - started
        # each types an answer; the slowest echo is the responsiveness under load
        echo = []
        for n, (_, process) in enumerate(opened):
            process.stdin.write(b"4")
        await asyncio.gather(*(read_until(p, "What I like", timeout=60) for _, p in opened))
        for n, (_, process) in enumerate(opened):
            t = time.perf_counter()
            process.stdin.write(f"s{n}".encode())
            await read_until(process, f"s{n}", timeout=60)
            echo.append(time.perf_counter() - t)
        pids = workbook_processes(root)
        mem = [rss_kb(pid) for pid in pids]
        server_mem = rss_kb(server.proc.pid)
        for conn, _ in opened:
            conn.close()
        print(f"connect to Home over SSH (one at a time): median {statistics.median(times) * 1000:.0f} ms")
        print(f"{args.sessions} sessions at once: all on Home after {all_home:.1f} s; "
              f"key echo under that load: median {statistics.median(echo) * 1000:.0f} ms, max {max(echo) * 1000:.0f} ms")
        print(f"memory per session: median {statistics.median(mem) / 1024:.0f} MB RSS ({len(mem)} processes); "
              f"the server itself {server_mem / 1024:.0f} MB")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
