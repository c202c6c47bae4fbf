"""Resets and undoing them: no UI. (Moved from test_transfer.py as they were.)"""

from __future__ import annotations

import pytest

from workbook import backups, resets
from workbook.backups import TransferError
from test_exchange import ANSWERS, full_store, snapshot


def test_reset_everything_then_undo_restores_exactly(data_dir):
    store = full_store(data_dir)
    before = snapshot(store)
    resets.reset(store, "all")
    assert store.answers() == {} and store.picks() == [] and store.position() is None
    assert backups.last_reset(store) is not None
    resets.undo_reset(store)
    assert snapshot(store) == before
    assert backups.last_reset(store) is None  # nothing left to undo


def test_reset_one_section_leaves_the_rest(data_dir):
    store = full_store(data_dir)
    resets.reset(store, "section", 2)
    answers = store.answers()
    assert not any(k.startswith("what-is.") for k in answers)
    assert answers["why-hard.unsafe.reflection"] == ANSWERS["why-hard.unsafe.reflection"]
    assert len(store.picks()) == 1


def test_reset_the_game_leaves_the_answers(data_dir):
    store = full_store(data_dir)
    resets.reset(store, "game")
    assert store.picks() == [] and store.custom_decisions() == []
    assert store.answers()["what-is.own-words"] == ANSWERS["what-is.own-words"]
    assert store.settings() == {"gut_window": False}


def test_section_five_means_the_game_and_seven_is_refused(data_dir):
    assert resets.reset_scope("section", 5) == ("game", None)
    with pytest.raises(TransferError):
        resets.reset_scope("section", 7)
