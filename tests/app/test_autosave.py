"""In the app: a full disk, huge pastes, escape sequences, a second session, repair notices."""

from __future__ import annotations

import errno

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.widgets import Static

from screens.fields import AnswerArea, LineInput
from screens.widgets import plain
from workbook import storage
from workbook.storage import Store
from workbook.text import MAX_ANSWER_CHARS, MAX_LINE_CHARS


async def test_a_full_disk_shows_a_message_keeps_the_answer_and_retries(make_app, data_dir, monkeypatch, until):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"first")
        await until(pilot, lambda: app.status_line == "✓ saved", "the autosave")
        app.saver.wait()
        before = (data_dir / storage.DB_NAME).read_bytes()
        real = storage.atomic_write

        def full(path, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(storage, "atomic_write", full)
        await pilot.press(*" second")
        await until(pilot, lambda: app.status_line != "saving…", "the autosave's try")
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "not saved yet, trying again"
        assert (data_dir / storage.DB_NAME).read_bytes() == before  # never damaged, never claimed
        assert not list(data_dir.glob(".workbook-*.tmp"))
        monkeypatch.setattr(storage, "atomic_write", real)
        await until(pilot, lambda: app.status_line == "✓ saved", "the retry")
        app.saver.wait()
        await pilot.pause()
        assert app.status_line == "✓ saved"
        assert Store.open(data_dir).answers()["what-is.own-words"] == "first second"


async def test_a_huge_paste_is_capped_with_a_message_and_the_app_stays_responsive(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        area = app.focused
        assert isinstance(area, AnswerArea)
        app.post_message(events.Paste("word " * 600_000))  # 3 MB
        await pilot.pause()
        assert len(area.text) == MAX_ANSWER_CHARS
        assert any("longer than an answer can be" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+n")  # still answers keys
        await pilot.pause()
        assert app.screen.name == "section-3"
        app.saver.wait()
        assert len(Store.open(data_dir).answers()["what-is.own-words"]) == MAX_ANSWER_CHARS


async def test_pasted_escape_sequences_never_reach_the_screen_or_the_file(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        app.post_message(events.Paste("a\x1b]0;owned\x07b\x1b[2Jc\x00d"))
        await pilot.pause()
        assert app.focused.text == "a]0;ownedb[2Jcd"
        await pilot.press("3")
        await pilot.press("escape", "3", "enter")  # an entry in section 3: a one-line field
        await pilot.pause()
        field = app.focused
        assert isinstance(field, LineInput)
        app.post_message(events.Paste("x" * (MAX_LINE_CHARS + 50) + "\x1b[31m"))
        await pilot.pause()
        assert len(field.value) == MAX_LINE_CHARS and "\x1b" not in field.value


async def test_the_second_session_sees_the_first_sessions_saved_answers_on_opening_a_screen(make_app, data_dir):
    first = make_app()
    second = make_app()
    async with first.run_test(size=(80, 24)) as pilot_one:
        async with second.run_test(size=(80, 24)) as pilot_two:
            await pilot_two.press("4")  # builds section 4 before the other window writes
            await pilot_two.pause()
            await pilot_one.press("4", *"from window one")
            await pilot_one.pause()
            await pilot_one.press("escape")
            await pilot_one.pause()
            first.saver.wait()
            await pilot_two.press("escape", "4")
            await pilot_two.pause()
            second.saver.wait()  # the check for the other window's saves runs after our own writes
            await pilot_two.pause()
            await pilot_two.pause()
            assert second.answers["time-with-yourself.like"] == "from window one"
            assert second.screen.query(AnswerArea).first().text == "from window one"
            await pilot_two.press(*"two")  # its own answer goes to the next field
            await pilot_two.press("escape")
            await pilot_two.pause()
            second.saver.wait()
    answers = Store.open(data_dir).answers()
    assert answers["time-with-yourself.like"] == "from window one"
    assert answers["time-with-yourself.dislike"] == "two"


async def test_repair_notices_are_shown_as_plain_text(data_dir):
    from screens.app import WorkbookApp

    app = WorkbookApp(Store.open(data_dir), notices=["moved aside to /tmp/[bold]x[/] and /tmp/wb[/]y (kept)"])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert any("[bold]x[/]" in str(n.message) for n in app._notifications)
    app.saver.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(["[/]", "[@click=app.quit]x", "\x1b[2J"]))
def test_any_text_renders_in_a_widget_without_error(text):
    from workbook.text import clean

    static = Static(plain(clean(text)))
    rendered = static.visual
    assert "\x1b" not in str(rendered)
