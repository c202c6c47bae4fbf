"""My data: reset with a typed confirmation, undo, export; the confirmation dialog on its own."""

from __future__ import annotations

from textual.app import App

from screens.confirm import ConfirmReset
from screens.data import DataScreen
from screens.home import HomeScreen
from workbook.storage import Changes, Store


class Host(App):
    def __init__(self) -> None:
        super().__init__()
        self.result = None

    def on_mount(self) -> None:
        self.push_screen(ConfirmReset("everything"), callback=self._done)

    def _done(self, value) -> None:
        self.result = value


async def test_confirm_needs_the_word_reset():
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press(*"reset", "enter")  # lower case is not enough
        await pilot.pause()
        assert app.result is None
        assert "in capitals" in str(app.screen.query_one("#confirm-hint").render())
        app.screen.query_one("Input").value = ""
        await pilot.press(*"RESET", "enter")
        await pilot.pause()
        assert app.result is True


async def test_confirm_escape_keeps_everything():
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is False


async def seed(data_dir):
    Store.open(data_dir).apply(Changes(answers={"what-is.own-words": "keep me"}, position={"screen": "home", "field": None, "last": {"screen": "section-2", "field": "what-is.own-words"}}))


async def test_reset_everything_back_to_first_run_then_undo(make_app, data_dir):
    await seed(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DataScreen)
        scope = app.screen.query_one("#reset-scope")
        scope.focus()
        scope.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmReset)
        assert "everything" in str(app.screen.query_one("#confirm-what").render())
        await pilot.press(*"RESET", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.answers == {}
        assert "Begin with section 1" in str(app.screen.query_one("#continue").label)
        app.saver.wait()
        assert Store.open(data_dir).answers() == {}
        await pilot.press("d")
        await pilot.pause()
        undo = app.screen.query_one("#undo")
        assert not undo.disabled
        undo.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == {"what-is.own-words": "keep me"}
        await pilot.press("escape", "2")
        await pilot.pause()
        from screens.fields import AnswerArea

        assert app.screen.query(AnswerArea).first().text == "keep me"  # rebuilt from the restored data


async def test_refusing_the_reset_changes_nothing(make_app, data_dir):
    await seed(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        scope = app.screen.query_one("#reset-scope")
        scope.focus()
        scope.highlighted = 2  # section 2
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DataScreen)
        assert app.answers == {"what-is.own-words": "keep me"}
        assert Store.open(data_dir).answers() == {"what-is.own-words": "keep me"}


async def test_export_writes_a_file_and_says_where(make_app, data_dir):
    await seed(data_dir)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # "Export as Markdown" has the focus
        await pilot.pause()
        files = list((data_dir / "exports").glob("*.md"))
        assert len(files) == 1
        assert "> keep me" in files[0].read_text()
        assert str(files[0]) in str(app.screen.query_one("#export-result").render())


async def test_hosted_export_keeps_the_newest_five_and_names_them_inside_the_profile(make_app, data_dir, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOSTED", "1")
    await seed(data_dir)
    exports = data_dir / "exports"
    exports.mkdir(mode=0o700)
    for n in range(6):  # earlier exports, from earlier visits
        (exports / f"my-workbook-2026-01-0{n + 1}-090000.md").write_text("earlier")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # "Export as Markdown" has the focus
        await pilot.pause()
        names = sorted(p.name for p in exports.iterdir())
        assert len(names) == 5 and "my-workbook-2026-01-01-090000.md" not in names
        assert any("> keep me" in (exports / name).read_text() for name in names)  # the new one stays
        said = str(app.screen.query_one("#export-result").render())
        assert "exports/my-workbook-" in said and str(data_dir) not in said
        where = str(app.screen.query_one("#data-where").render())
        assert "your own folder on the server" in where and str(data_dir) not in where


def test_plain_mode_hosted_export_names_it_inside_the_profile_and_keeps_five(data_dir, monkeypatch):
    import io

    from workbook import plain
    from workbook.saver import Saver
    from workbook.state import WorkbookState
    from workbook.storage import Store

    monkeypatch.setenv("WORKBOOK_HOSTED", "1")
    store = Store.open(data_dir)
    exports = data_dir / "exports"
    exports.mkdir(mode=0o700)
    for n in range(6):  # earlier exports, from earlier visits
        (exports / f"my-workbook-2026-01-0{n + 1}-090000.md").write_text("earlier")
    saver = Saver(store)
    out = io.StringIO()
    try:
        plain.Plain(WorkbookState(store), saver, io.StringIO("d\n1\n\nq\n"), out, width=200).run()
    finally:
        saver.close()
    said = out.getvalue()
    assert "Saved to this file:\nexports/my-workbook-" in said and str(data_dir) not in said
    assert "The newest 5 exports are kept." in said
    assert len(list(exports.iterdir())) == 5 and not (exports / "my-workbook-2026-01-01-090000.md").exists()


async def palette_choose(app, pilot, until, title: str) -> None:
    """ctrl+o, type the entry's title, Enter on it (the palette's first match)."""
    from textual.command import CommandList

    await pilot.press("ctrl+o", *title)
    await until(pilot, lambda: app.screen.query(CommandList) and app.screen.query_one(CommandList).option_count,
                "the palette's matches")
    listing = app.screen.query_one(CommandList)
    first = str(listing.get_option_at_index(0).prompt)
    assert first.startswith(title), first
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, DataScreen), "My data")
    await pilot.pause()


async def test_the_palettes_reset_opens_my_data_on_the_reset_choice_in_view(make_app, until):
    from textual.widgets import Button, OptionList

    for size in [(80, 24), (60, 20)]:
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await palette_choose(app, pilot, until, "Reset")
            scope = app.screen.query_one("#reset-scope", OptionList)
            assert app.focused is scope, app.focused  # Enter now chooses what to reset, never exports
            assert scope.highlighted == 0
            body = app.screen.query_one("#body")
            await pilot.pause()
            assert body.region.contains_region(scope.region), (size, scope.region, body.region)
            # My data from the palette (or d on Home) starts at the exports again.
            await pilot.press("escape")
            await pilot.pause()
            await palette_choose(app, pilot, until, "My data")
            assert isinstance(app.focused, Button) and app.focused.id == "export-markdown"
