"""Every screen at 80×24, cursor blink off: layout changes show up in review.

Update the pictures after an intended change with: pytest tests/snapshots --snapshot-update
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from screens.app import WorkbookApp
from workbook.storage import Changes, Store

# A fixed folder, so that the path shown on My data is the same on every machine.
FOLDER = Path("/tmp/workbook-snapshots")
# The tests here share that folder: in a parallel run (pytest-xdist) they run on one worker, one at a time.
pytestmark = pytest.mark.xdist_group("snapshots-" + __name__)
NOW = datetime(2026, 4, 9, 9, 0, tzinfo=timezone.utc)


def make(filled: bool = False) -> WorkbookApp:
    shutil.rmtree(FOLDER, ignore_errors=True)
    store = Store.open(FOLDER)
    if filled:
        store.apply(Changes(
            answers={
                "why-hard.unsafe.reflection": "I learned to keep quiet. [bold]Now[/] I speak up.",
                "why-hard.unsafe.familiar": True,
                "what-is.own-words": "Listening to myself, and acting on it.",
                "what-is.connecting.scale": 3,
                "needs.needs": [{"text": "rest", "honour": "self-care"}],
                "reframing.pairs": [{"thought": "I always get it wrong", "reframe": "I am learning what I like"}],
            },
            new_picks=[
                {"id": f"p{n}", "decision": "t01", "prompt": "Tea or water?", "option": "Tea",
                 "at": f"2026-04-0{n}T08:00:00+00:00", "day": f"2026-04-0{n}", "clarity": "some",
                 "checkin": "yes" if n < 8 else None, "learned": "I knew at once." if n == 5 else ""}
                for n in (5, 6, 8)
            ],
            new_decisions=[{"id": "c-1", "prompt": "Which bus to take?", "options": ["the 12", "the 40"]}],
        ))
    return WorkbookApp(store, clock=lambda: NOW, rng=random.Random(3))


@pytest.mark.parametrize(
    "name, keys, filled",
    [
        ("home", [], False),
        ("home-filled", [], True),
        ("section-1", ["1"], True),
        ("section-2", ["2"], True),
        ("section-3", ["3"], True),
        ("section-4", ["4"], False),
        ("section-5-game", ["5"], True),
        ("section-6", ["6"], True),
        ("section-7-review", ["7"], True),
        ("help", ["f1"], False),
        ("my-data", ["d"], True),
        ("confirm-reset", ["d", "tab", "tab", "enter"], True),
        ("too-small", [], False),
        ("section-7-practice", ["7", "pagedown", "pagedown", "pagedown"], True),
        ("home-60x20", [], True),
        ("section-5-game-60x20", ["5"], True),  # the streak panel below the game, the card wide
    ],
)
def test_screen(snap_compare, name, keys, filled):
    size = (59, 20) if name == "too-small" else (60, 20) if name.endswith("60x20") else (80, 24)
    app = make(filled)
    app.settings["gut_window"] = False  # no countdown: the picture is the same every time
    async def settle(pilot) -> None:
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.7)  # past the half-second save of the position ...
        app.saver.wait()  # ... and its write, so the top bar reads "✓ saved" every time
        await pilot.pause()
        await pilot.pause()

    try:
        assert snap_compare(app, run_before=settle, terminal_size=size)
    finally:
        app.saver.close()


def focus_first(selector: str, index: int = 0):
    """A step that puts the focus on the ``index``-th widget matching ``selector``."""

    async def step(pilot) -> None:
        screen = pilot.app.screen
        screen.set_focus(screen.query(selector)[index])
        await pilot.pause()

    return step


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "no-color"])
@pytest.mark.parametrize(
    "name, keys, step",
    [
        ("tick", ["1"], focus_first("ToggleExercise", 1)),
        ("scale", ["2"], focus_first("ScaleChoice")),
        ("button", ["3"], focus_first("Button.add", 1)),
        ("card", ["5"], None),
    ],
)
def test_focus_mark(snap_compare, monkeypatch, name, keys, step, no_color):
    """The focused tick, scale, button and card are marked in a way that reads without colour."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make(filled=True)
    app.settings["gut_window"] = False

    async def settle(pilot) -> None:
        await pilot.press(*keys)
        await pilot.pause()
        if step is not None:
            await step(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.7)
        app.saver.wait()
        await pilot.pause()
        await pilot.pause()

    try:
        assert snap_compare(app, run_before=settle, terminal_size=(80, 24))
    finally:
        app.saver.close()


def type_in(selector: str, text: str):
    async def step(pilot) -> None:
        pilot.app.screen.set_focus(pilot.app.screen.query_one(selector))
        await pilot.press(*text)

    return step


@pytest.mark.parametrize(
    "phase, keys, step",
    [
        ("card", [], None),
        ("clarity", ["1"], None),
        ("check-in", [], focus_first("CheckIn")),
        ("typing", [], type_in("#new-prompt", "Tea or coffee?")),
    ],
)
def test_game_phase_key_bar(snap_compare, phase, keys, step):
    """The game's key bar follows its phase: card, clarity, check-in, typing."""
    app = make(filled=True)
    app.settings["gut_window"] = False

    async def settle(pilot) -> None:
        await pilot.press("5", *keys)
        await pilot.pause()
        if step is not None:
            await step(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.7)
        app.saver.wait()
        await pilot.pause()
        await pilot.pause()

    try:
        assert snap_compare(app, run_before=settle, terminal_size=(80, 24))
    finally:
        app.saver.close()
