"""Benchmark: the decisions game with 10,000 recorded decisions. Not part of the test suite.

Run:  python tests/bench_game.py

Prints, over several picks: how long the event loop was blocked at most (a monitor task that
wakes every millisecond records its lateness), how long a pick takes to show the clarity
question and the next card (in frames of Textual's 60 fps), and how long the save takes to
reach the disk on the writer thread.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from screens.app import WorkbookApp
from workbook.storage import Changes, Store

FRAME = 1 / 60


def fill(folder: Path, picks: int) -> None:
    store = Store.open(folder)
    start = date(2000, 1, 1)
    records = []
    for n in range(picks):
        day = start + timedelta(days=n // 3)
        records.append({
            "id": uuid.uuid4().hex, "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
            "at": f"{day.isoformat()}T10:00:00+00:00", "day": day.isoformat(),
            "clarity": "some", "checkin": "yes", "learned": "",
        })
    store.apply(Changes(new_picks=records))


async def measure(folder: Path, rounds: int) -> dict[str, list[float]]:
    app = WorkbookApp(Store.open(folder))
    app.settings["gut_window"] = False
    lags: list[float] = []
    results: dict[str, list[float]] = {"open": [], "pick": [], "next": [], "stall": []}
    running = True

    async def monitor() -> None:
        while running:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - before - 0.001)

    async with app.run_test(size=(80, 24)) as pilot:
        task = asyncio.create_task(monitor())
        lags.clear()
        t = time.perf_counter()
        await pilot.press("5")
        await pilot.pause()
        results["open"].append(time.perf_counter() - t)
        results["stall"].append(max(lags))
        card = app.screen.query_one("Card")
        for _ in range(rounds):
            lags.clear()
            t = time.perf_counter()
            await pilot.press("1")
            while card.phase != "clarity":
                await asyncio.sleep(0.0005)
            await pilot.pause()
            results["pick"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await pilot.press("enter")
            while card.phase != "choose":
                await asyncio.sleep(0.0005)
            await pilot.pause()
            results["next"].append(time.perf_counter() - t)
            await asyncio.get_running_loop().run_in_executor(None, app.saver.wait)
            await asyncio.sleep(0.05)
            results["stall"].append(max(lags))
        running = False
        await task
    app.saver.close()
    return results


async def storage_only(folder: Path, saves: int = 20) -> list[float]:
    """The event loop's longest blocks while the writer thread saves picks into 10,000, nothing else running."""
    from workbook.saver import Saver

    import gc

    store = Store.open(folder)
    saver = Saver(store)
    gc.freeze()  # as the app does once its data is loaded
    lags: list[float] = []
    loop = asyncio.get_running_loop()
    for n in range(saves):
        with saver.changes() as changes:
            changes.new_picks.append({"id": uuid.uuid4().hex, "day": "2026-01-01", "decision": "t01"})
            changes.answers["what-is.own-words"] = f"answer {n}"
        started = time.perf_counter()
        saver.submit()
        done = loop.run_in_executor(None, saver.wait)
        while not done.done():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - before - 0.001)
        await done
        lags.append(0.0)
        _ = started
    saver.close()
    return lags


def main() -> int:
    picks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        fill(folder, picks)
        size = (folder / "workbook.json").stat().st_size
        results = asyncio.run(measure(folder, rounds=10))
    print(f"decisions recorded: {picks:,}; database {size / 1e6:.1f} MB")
    print(f"{'measure':<44}{'median':>9}{'max':>9}")
    for key, label in (
        ("open", "open the game (key 5 to card shown)"),
        ("pick", "pick: key 1 to clarity question drawn"),
        ("next", "next card: enter to card drawn"),
        ("stall", "longest event-loop block during a round"),
    ):
        values = results[key]
        print(f"{label:<44}{statistics.median(values) * 1000:>7.1f}ms{max(values) * 1000:>7.1f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
