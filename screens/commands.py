"""The command palette (ctrl+o): the workbook's entries, and none that repeat or do not fit.

Textual's own entries are left out, each for a reason: "Keys" repeats "Help: keys" (F1);
"Maximize" enlarges one field over the page, where escape means Home; "Screenshot" writes a
picture of your answers into whatever folder the terminal is in. Its "Quit" and "Theme" are here
in the workbook's words: quit saves first, and the full list of themes sits beside the
workbook's own two, which are one step each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from screens.theme import HIGH_CONTRAST, WORKBOOK

if TYPE_CHECKING:
    from screens.app import WorkbookApp


def system_commands(app: WorkbookApp) -> Iterator[SystemCommand]:
    """The palette's entries: the sections, my data, help, plain mode, themes, cursor blink, quit."""
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
    yield SystemCommand("Theme: choose from all", "Every theme, light ones too, tried as you move through the list", app.action_change_theme)
    state = "off" if app.blink_cursor else "on"
    yield SystemCommand(f"Cursor blink {state}", "A blinking cursor sends a little traffic every half second", app.toggle_blink)
    yield SystemCommand("Quit", "Save everything and leave (ctrl+q)", app.action_quit)
