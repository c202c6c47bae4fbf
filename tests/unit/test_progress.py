from __future__ import annotations

from workbook import content
from workbook.progress import bar, first_unanswered, is_answered, section_progress


def test_section_progress_counts_only_answered_counted_exercises():
    section = content.load().section(1)
    answers = {
        "why-hard.unsafe.familiar": True,  # the tick and the words answer the same reason: one
        "why-hard.unsafe.reflection": "I kept myself safe",
        "why-hard.pressure.reflection": "   ",  # blank is not an answer
    }
    assert section_progress(section, answers) == (1, 4)


def test_a_tick_alone_answers_its_reason():
    section = content.load().section(1)
    assert section_progress(section, {"why-hard.criticism.familiar": True}) == (1, 4)
    assert section_progress(section, {"why-hard.criticism.familiar": False}) == (0, 4)
    both = {"why-hard.criticism.familiar": True, "why-hard.future.reflection": "it passed"}
    assert section_progress(section, both) == (2, 4)


def test_first_unanswered_skips_answered_and_toggles():
    section = content.load().section(1)
    answers = {"why-hard.unsafe.reflection": "yes"}
    assert first_unanswered(section, answers).key == "why-hard.criticism.reflection"


def test_entries_answered_only_with_text():
    exercise = content.load().exercise("needs.needs")
    assert not is_answered(exercise, [{"text": "", "honour": "self-care"}])
    assert is_answered(exercise, [{"text": "rest"}])


def test_scale_answered_between_one_and_five():
    exercise = content.load().exercise("what-is.clear.scale")
    assert is_answered(exercise, 3)
    assert not is_answered(exercise, 0)


def test_bar_is_readable_without_colour():
    assert bar(0, 4, 8) == "□□□□□□□□"
    assert bar(2, 4, 8) == "■■■■□□□□"
    assert bar(1, 100, 8).startswith("■")
    assert bar(0, 0, 4) == "□□□□"
