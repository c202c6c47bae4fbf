"""The workbook's Textual stylesheets (.tcss), shipped with the package."""

from pathlib import Path


def path(name: str) -> str:
    """The absolute path of a stylesheet in this folder."""
    return str(Path(__file__).with_name(name))
