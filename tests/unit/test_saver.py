"""The writer's last write before a process is ended from another thread (screens/hangup.py)."""

from __future__ import annotations

import threading
from pathlib import Path

from workbook.saver import Saver
from workbook.storage import Changes, Store


def test_the_last_write_saves_what_is_pending_and_no_write_starts_after_it(tmp_path: Path):
    folder = tmp_path / "data"
    saver = Saver(Store.open(folder))
    saver.add(Changes(answers={"what-is.own-words": "typed before the hang-up"}))
    assert saver.save_last(timeout=5)
    assert Store.read_only(folder).answers() == {"what-is.own-words": "typed before the hang-up"}
    saver.add(Changes(answers={"what-is.own-words": "later"}))
    assert not saver.save_last(timeout=0.1)  # one last write only
    late = threading.Thread(target=saver.save_now, daemon=True)  # a write from the event loop, too late
    late.start()
    late.join(0.5)
    assert late.is_alive()  # it waits: the process ends first, and no write is ever cut halfway
    assert Store.read_only(folder).answers() == {"what-is.own-words": "typed before the hang-up"}
