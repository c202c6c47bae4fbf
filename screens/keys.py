"""The keys that work everywhere in the workbook (the App's bindings).

The key bar and F1 help read the bindings: ``description`` for the bar, ``tooltip`` for the help's
longer words.
"""

from textual.binding import Binding

APP_KEYS = [
    Binding("ctrl+n", "next_section", "Next section", priority=True, id="next-section", tooltip="next section, also while typing"),
    Binding("ctrl+p", "previous_section", "Previous section", priority=True, id="previous-section",
            tooltip="previous section, also while typing (ctrl+p is not the command palette here: that is ctrl+o)"),
    Binding("ctrl+g", "home", "Home", priority=True, show=False, id="home-ctrl-g",
            tooltip="back to Home (for slow links, where a lone escape can be mistaken)"),
    # Priority, so the field changes before the next key is handed on: "rest<tab>3" typed in one
    # burst (or arriving in one packet over SSH) puts the 3 in the next field, not this one.
    Binding("tab", "focus_next", "Next field", priority=True, show=False, id="next-field",
            tooltip="next thing to answer or press (the page scrolls with it)"),
    Binding("shift+tab", "focus_previous", "Previous field", priority=True, show=False, id="previous-field",
            tooltip="previous thing to answer or press"),
    Binding("f1", "help", "Help", id="help", tooltip="this help: every key of every screen"),
    Binding("question_mark", "help", "Help", show=False, id="help-question", tooltip="help, when not typing"),
    Binding("ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="save and quit"),
    Binding("f2", "plain_mode", "Plain mode", show=False, id="plain-mode",
            tooltip="Switch to plain mode: plain lines for screen readers and braille (remembered)"),
    Binding("ctrl+o", "command_palette", "Palette", priority=True, id="palette",
            tooltip="command palette (on ctrl+o, as ctrl+p is the previous section): sections, export, reset, help, theme, cursor blink, quit"),
]
