"""Ordered background saving: the interface hands over changes, one writer thread writes them.

No Textual here. Writes happen one at a time, in the order they were handed over; a write that
the disk refuses (full, read-only) keeps its changes for the next try, under any newer ones.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any
from concurrent.futures import Future, ThreadPoolExecutor

from workbook.storage import Changes, Store, StorageError


class Saver:
    def __init__(self, store: Store, on_done: Callable[[bool], None] = lambda ok: None) -> None:
        self.store = store
        self.on_done = on_done  # called on the writer thread with True (saved) or False (kept for later)
        self._pending = Changes()
        self._kept: list[dict[str, Any]] = []  # earlier versions the writes made, for the interface
        self.refused: Exception | None = None  # why the disk refused the last write (None once one succeeds)
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # held for each write to the store (see save_last)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook-save")

    @contextlib.contextmanager
    def changes(self) -> Iterator[Changes]:
        """The changes waiting to be saved, to add to."""
        with self._lock:
            yield self._pending

    def add(self, changes: Changes) -> None:
        """Changes to save with the next write, on top of those already waiting."""
        if changes:
            with self._lock:
                self._pending = self._pending.merge_under(changes)

    def run(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` on the writer thread, after the writes handed over so far; its future."""
        return self._executor.submit(fn)

    @property
    def unsaved(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def submit(self) -> None:
        """Hand what is pending to the writer thread."""
        with self._lock:
            changes, self._pending = self._pending, Changes()
        if changes:
            self._executor.submit(self._write, changes)

    def _apply(self, changes: Changes) -> bool:
        """Write ``changes``; if the disk refuses, keep them (under any newer ones) for the next try."""
        try:
            with self._writing:
                kept = self.store.apply(changes)
        except (OSError, StorageError) as exc:
            with self._lock:
                self._pending = changes.merge_under(self._pending)
            self.refused = exc
            return False
        if kept:
            with self._lock:
                self._kept.extend(kept)
        self.refused = None
        return True

    def take_kept(self) -> list[dict[str, Any]]:
        """The earlier versions the writes have kept since the last call (each says why)."""
        with self._lock:
            kept, self._kept = self._kept, []
        return kept

    def _write(self, changes: Changes) -> None:
        self.on_done(self._apply(changes))

    def then(self, fn: Callable[[], Any], callback: Callable[[Any], None]) -> None:
        """Run ``fn`` on the writer thread after the writes handed over so far; ``callback`` gets its result there."""

        def run() -> None:
            try:
                result = fn()
            except (OSError, StorageError):
                return
            callback(result)

        self._executor.submit(run)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the writer thread, after the writes handed over so far, and return its result."""
        return self._executor.submit(fn).result()

    def pending(self) -> Changes:
        """A copy of what is waiting to be saved (for a rescue copy); nothing is taken from the queue."""
        with self._lock:
            return Changes().merge_under(self._pending)

    def wait(self) -> None:
        """Block until every write handed over so far is done."""
        self._executor.submit(lambda: None).result()

    def save_now(self) -> bool:
        """Write everything now, on this thread, after the writer is done. For quitting and hang-ups."""
        self.wait()
        with self._lock:
            changes, self._pending = self._pending, Changes()
        return self._apply(changes) if changes else True

    def save_last(self, timeout: float) -> bool:
        """The last write of a process about to be ended (from any thread): wait up to ``timeout``
        for a write under way, write everything pending, and let no write start after it.

        True when everything is on disk; False if the disk refused (the changes stay pending, for a
        rescue copy) or a write under way did not finish in time.
        """
        if not self._writing.acquire(timeout=timeout):
            return False
        with self._lock:
            changes, self._pending = self._pending, Changes()
        if not changes:
            return True
        try:
            self.store.apply(changes)
        except (OSError, StorageError) as exc:
            with self._lock:
                self._pending = changes.merge_under(self._pending)
            self.refused = exc
            return False
        return True

    def close(self) -> None:
        self._executor.shutdown(wait=True)
