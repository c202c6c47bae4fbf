"""The workbook's entries in the command palette (ctrl+o), beside Textual's own.

Textual's Keys, Quit and Theme entries stay as they are (Screenshot too, except when hosted:
nothing is written outside the visitor's profile). The two theme entries here are the workbook's
own themes in one step, without the full theme list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from screens.theme import HIGH_CONTRAST, WORKBOOK

if TYPE_CHECKING:
    from screens.app import WorkbookApp


def system_commands(app: WorkbookApp, textual_own: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Textual's own entries (less Screenshot when hosted), then the workbook's."""
    for command in textual_own:
        if app.hosted and "screenshot" in command.title.lower():
            continue
        yield command
    workbook = app.state.workbook
    titles = {s.number: s.title for s in workbook.sections} | {workbook.review_number: workbook.review.title}
    for number, title in sorted(titles.items()):
        yield SystemCommand(f"Open section {number}: {title}", f"Go to section {number}", lambda n=number: app.run_action(f"open_section({n})"))
    yield SystemCommand("Export as Markdown", "Write your workbook to a Markdown file", lambda: app.jobs.export("markdown"))
    yield SystemCommand("Export as JSON", "Write everything to a JSON file", lambda: app.jobs.export("json"))
    yield SystemCommand("Reset…", "Start over: everything, one section, or the practice (asks first)",
                        lambda: app.run_action("my_data('reset-scope')"))
    yield SystemCommand("Undo last reset", "Put back what the last reset erased; what you wrote since stays", app.undo_reset)
    yield SystemCommand("My data: export, reset, undo", "Export your answers, start over, undo a reset",
                        lambda: app.run_action("my_data('export')"))
    yield SystemCommand("Help: keys", "Every key in one place", app.action_help)
    yield SystemCommand("Switch to plain mode", "Plain lines for screen readers and braille (remembered)", app.action_plain_mode)
    yield SystemCommand("Theme: high contrast", "White on black with a yellow accent", lambda: setattr(app, "theme", HIGH_CONTRAST.name))
    yield SystemCommand("Theme: default", "Calm blues, as clear in 16 colours", lambda: setattr(app, "theme", WORKBOOK.name))
    state = "off" if app.blink_cursor else "on"
    yield SystemCommand(f"Cursor blink {state}", "A blinking cursor sends a little traffic every half second", app.toggle_blink)
