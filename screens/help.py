"""Help: every key, in one place, read from the bindings themselves.

Nothing here lists keys by hand: each screen and widget declares its keys once, as Textual
bindings (a short description for the key bar, an optional ``tooltip`` with the longer words for
this help), and both the key bar and this screen read them. The README's key table is made by
``key_table_markdown()`` and a test keeps it equal, so the three cannot drift apart.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.widgets import key_label
from workbook import content

# Where the keys are declared, in the order help shows them. A new screen module goes here.
MODULES = (
    "screens.app",
    "screens.home",
    "screens.section",
    "screens.fields",
    "screens.practice",
    "screens.review",
    "screens.data",
    "screens.confirm",
    "screens.versions",
    "screens.rescue",
    "screens.help",
)

# Titles for classes that do not carry a HELP_TITLE of their own.
TITLES = {
    "WorkbookApp": "Everywhere",
    "HomeScreen": "Home",
    "ReviewScreen": f"My workbook (section {content.load().review_number})",
    "DataScreen": "My data",
    "ConfirmReset": "Confirming a reset",
    "VersionsScreen": "Earlier versions (ctrl+e)",
    "DiskRefused": "When the disk will not take the save",
    "OfferRescue": "When a rescue copy is offered",
}


@dataclass(frozen=True)
class KeyRow:
    keys: str
    what: str


def _action_name(binding: Binding) -> str:
    return binding.action.split("(", 1)[0]


def _keys(bindings: list[Binding]) -> str:
    labels: list[str] = []
    for binding in bindings:
        label = key_label(binding, short=False)
        if label not in labels:
            labels.append(label)
    if len(labels) > 2 and all(len(x) == 1 and x.isdigit() for x in labels):
        return f"{labels[0]} … {labels[-1]}"
    return " / ".join(labels)


def _what(bindings: list[Binding], keys: str) -> str:
    first = bindings[0]
    if first.group is not None:
        return first.group.description + ": " + ", ".join(f"{key_label(b, short=False)} {b.description.lower()}" for b in bindings)
    texts = {b.tooltip or b.description for b in bindings}
    if len(texts) == 1:
        return first.tooltip or first.description
    # "Section 1" … "Section 7": the same words but for the key's own number.
    stem = re.sub(r"\s*\S+$", "", first.description)
    return f"{stem} {keys}"


def rows_of(bindings: list[Binding]) -> list[KeyRow]:
    """A class's bindings as rows: those for one action (or one group) share a row."""
    rows: list[KeyRow] = []
    runs: list[list[Binding]] = []
    for binding in bindings:
        same = runs and (
            (binding.group is not None and binding.group == runs[-1][0].group)
            or (
                binding.group is None
                and runs[-1][0].group is None
                and _action_name(binding) == _action_name(runs[-1][0])
                and (binding.tooltip or binding.description).rstrip("0123456789 ")
                == (runs[-1][0].tooltip or runs[-1][0].description).rstrip("0123456789 ")
            )
        )
        if same:
            runs[-1].append(binding)
        else:
            runs.append([binding])
    for run in runs:
        keys = _keys(run)
        rows.append(KeyRow(keys, _what(run, keys)))
    return rows


def declared_bindings() -> list[tuple[str, type[DOMNode], list[Binding]]]:
    """Every class of ours that declares keys: its help title, the class, its own bindings."""
    found: list[tuple[str, type[DOMNode], list[Binding]]] = []
    for name in MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, DOMNode) or "BINDINGS" not in cls.__dict__:
                continue
            bindings = [b for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding)]
            if bindings:
                title = cls.__dict__.get("HELP_TITLE") or TITLES.get(cls.__name__, cls.__name__)
                found.append((title, cls, bindings))
    return sorted(found, key=lambda item: (MODULES.index(item[1].__module__), _source_line(item[1])))


def _source_line(cls: type) -> int:
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return 0


def key_groups() -> list[tuple[str, list[KeyRow]]]:
    """The help's contents: one group of rows per screen or widget."""
    return [(title, rows_of(bindings)) for title, _, bindings in declared_bindings()]


def key_table_markdown() -> str:
    """The README's key table, made from the same bindings as the help screen."""
    lines = ["| Where | Key | What it does |", "| --- | --- | --- |"]
    for title, rows in key_groups():
        for row in rows:
            keys = " … ".join(f"`{k}`" for k in row.keys.split(" … "))
            lines.append(f"| {title} | {keys} | {row.what} |")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    HELP_TITLE = "This help"
    BINDINGS = [
        Binding("escape,f1,q,question_mark", "close", "Close", id="close-help", tooltip="close this help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Content.styled("Keys", "bold"), classes="help-title")
            for title, rows in key_groups():
                yield Static(Content.styled(title, "bold"), classes="help-group")
                for row in rows:
                    with Horizontal(classes="help-row"):
                        yield Static(Content.styled(row.keys, "bold $accent"), classes="help-keys")
                        yield Static(Content(row.what), classes="help-what")
            yield Static(
                Content(
                    "Everything you type is saved as you go. You can close the terminal at any "
                    "moment and pick up where you were. Press escape, q or F1 to close this help."
                ),
                classes="help-note",
            )

    def action_close(self) -> None:
        self.dismiss(None)


if __name__ == "__main__":  # python -m screens.help: the README's key table
    print(key_table_markdown())
