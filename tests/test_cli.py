"""The command line: help, version, wrong arguments and unusable data folders, without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbook import __version__
from workbook.__main__ import data_folder, main


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbook", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_help_and_version():
    result = run("--help")
    assert result.returncode == 0
    assert "--data-dir" in result.stdout
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"workbook {__version__}"


def test_unknown_option_gets_usage_not_traceback():
    result = run("--colour")
    assert result.returncode == 2
    assert "usage: workbook" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_folder_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("WORKBOOK_DATA_DIR", str(tmp_path / "env"))
    assert data_folder(str(tmp_path / "arg")) == tmp_path / "arg"
    assert data_folder(None) == tmp_path / "env"
    monkeypatch.delenv("WORKBOOK_DATA_DIR")
    assert data_folder(None).name == "self-trust-workbook"


def test_a_data_folder_that_is_a_file_gets_a_clear_message(tmp_path: Path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--data-dir", str(blocker / "inner")]) == 1
    err = capsys.readouterr().err
    assert "cannot use the data folder" in err


def test_a_damaged_database_gets_a_clear_message(tmp_path: Path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "workbook.json").write_text("{not json")
    assert main(["--data-dir", str(folder)]) == 1
    assert "not readable as a workbook" in capsys.readouterr().err
