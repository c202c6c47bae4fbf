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


def test_a_damaged_database_gets_a_clear_message_from_status(tmp_path: Path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "workbook.json").write_text("{not json")
    assert main(["--data-dir", str(folder), "status"]) == 1
    assert "is not readable" in capsys.readouterr().err
    assert (folder / "workbook.json").read_text() == "{not json"  # status never writes


def test_a_damaged_database_is_moved_aside_by_other_commands(tmp_path: Path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "workbook.json").write_text("{not json")
    assert main(["--data-dir", str(folder), "backups"]) == 0  # reading commands only read
    assert (folder / "workbook.json").read_text() == "{not json"
    assert main(["--data-dir", str(folder), "reset", "--game", "--yes"]) == 0
    err = capsys.readouterr().err
    assert "moved aside" in err and "starts empty" in err
    aside = list(folder.glob("workbook.damaged-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == "{not json"


def seed(folder: Path) -> None:
    from workbook.storage import Changes, Store

    Store.open(folder).apply(Changes(answers={"what-is.own-words": "mine ✨", "like": "x"}))


def test_status_plain_and_json_change_nothing(tmp_path: Path):
    folder = tmp_path / "d"
    seed(folder)
    result = run("--data-dir", str(folder), "status")
    assert result.returncode == 0 and "1 answer so far" in result.stdout
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    result = run("--data-dir", str(folder), "status", "--json")
    import json

    assert json.loads(result.stdout)["answers"] == 1
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def test_reset_asks_and_refusing_changes_nothing(tmp_path: Path):
    folder = tmp_path / "d"
    seed(folder)
    result = subprocess.run(
        [sys.executable, "-c", "import pty, sys; sys.exit(pty.spawn([sys.executable, '-m', 'workbook', '--data-dir', sys.argv[1], 'reset']))", str(folder)],
        input="no\n", capture_output=True, text=True, timeout=60,
    )
    from workbook.storage import Store

    assert "Type RESET to erase everything (a backup is taken first):" in result.stdout
    assert "nothing changed" in result.stdout
    assert Store.open(folder).answers() != {}
    result = run("--data-dir", str(folder), "reset")  # no terminal to ask on, no --yes
    assert result.returncode == 1 and "add --yes" in result.stderr and result.stderr.count("\n") == 1
    assert Store.open(folder).answers() != {}


def test_reset_yes_then_restore_brings_it_back(tmp_path: Path):
    from workbook.storage import Store

    folder = tmp_path / "d"
    seed(folder)
    result = run("--data-dir", str(folder), "reset", "--section", "2", "--yes")
    assert result.returncode == 0, result.stderr
    assert "what-is.own-words" not in Store.open(folder).answers()
    listed = run("--data-dir", str(folder), "backups")
    assert "before-reset" in listed.stdout
    assert run("--data-dir", str(folder), "restore").returncode == 0
    assert Store.open(folder).answers()["what-is.own-words"] == "mine ✨"


def test_export_to_stdout_and_file_then_import(tmp_path: Path):
    from workbook.storage import Store

    folder = tmp_path / "d"
    seed(folder)
    md = run("--data-dir", str(folder), "export")
    assert md.returncode == 0 and "mine ✨" in md.stdout
    out = tmp_path / "me.json"
    assert run("--data-dir", str(folder), "export", "--format", "json", "-o", str(out)).returncode == 0
    other = tmp_path / "other"
    result = run("--data-dir", str(other), "import", str(out))
    assert result.returncode == 0, result.stderr
    assert Store.open(other).answers() == Store.open(folder).answers()
    again = run("--data-dir", str(other), "import", str(out))  # data there now: asks, no terminal
    assert again.returncode == 1 and "add --yes" in again.stderr


def test_an_import_says_when_it_keeps_only_the_newest_earlier_versions(tmp_path: Path):
    import json

    from workbook import exchange
    from workbook.storage import Store
    from workbook.versions import KEEP_PER_ANSWER

    keys = ["what-is.own-words", "why-hard.unsafe.reflection", "time-with-yourself.like"]
    history = [{"key": key, "value": f"{key} {n}", "written": None, "replaced": f"2026-01-01T{n // 60:02d}:{n % 60:02d}:00+00:00",
                "why": "edit"} for key in keys for n in range(KEEP_PER_ANSWER + 7)]
    export = {"format": exchange.EXPORT_FORMAT, "version": 2, "schema": 2, "answers": {key: "now" for key in keys},
              "picks": [], "versions": history}
    path = tmp_path / "many.json"
    path.write_text(json.dumps(export))
    result = run("--data-dir", str(tmp_path / "d"), "import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert (f"3 answers, 0 decisions; kept the newest {KEEP_PER_ANSWER} earlier versions of 3 answers "
            "(21 older ones left out; each is still in the imported file or in the backup taken before it).") in result.stdout
    assert len(Store.open(tmp_path / "d").versions()) == 3 * KEEP_PER_ANSWER


def test_a_refused_import_into_a_new_folder_makes_no_folder_or_file(tmp_path: Path, monkeypatch, capsys):
    import json

    from workbook import exchange, validate

    export = {"format": exchange.EXPORT_FORMAT, "version": 2, "answers": {"what-is.own-words": "mine"},
              "picks": [{"id": "p1", "day": "not-a-date"}]}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(export))
    result = run("--data-dir", str(tmp_path / "new"), "import", str(bad))
    assert result.returncode == 1 and result.stderr == "workbook: nothing was imported: picks[0].day is not a date\n"
    assert not (tmp_path / "new").exists()
    # An empty folder stays empty.
    (tmp_path / "empty").mkdir()
    assert run("--data-dir", str(tmp_path / "empty"), "import", str(bad)).returncode == 1
    assert list((tmp_path / "empty").iterdir()) == []
    # Too large for the workbook's cap: refused before anything is made too.
    export["picks"] = [{"id": f"p{n}", "day": "2026-05-04", "learned": "x" * 1_000} for n in range(100)]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(export))
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", 50_000)
    assert main(["--data-dir", str(tmp_path / "new"), "import", str(big)]) == 1
    assert "nothing was imported: the workbook would be 1 MB, over the 0 MB limit" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
    monkeypatch.undo()
    assert main(["--data-dir", str(tmp_path / "new"), "import", str(big)]) == 0  # within the cap: imported
    assert (tmp_path / "new" / "workbook.json").exists()


def test_bad_imports_and_section_numbers_get_one_line_messages(tmp_path: Path):
    folder = tmp_path / "d"
    seed(folder)
    bad = tmp_path / "bad.json"
    bad.write_text("not json at all")
    result = run("--data-dir", str(folder), "import", str(bad), "--yes")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    result = run("--data-dir", str(folder), "import", str(tmp_path / "missing.json"))
    assert result.returncode == 1 and "cannot read" in result.stderr
    result = run("--data-dir", str(folder), "reset", "--section", "12")
    assert result.returncode == 2 and "usage:" in result.stderr


def test_restore_says_how_many_answers_written_since_become_earlier_versions(tmp_path: Path):
    from workbook.storage import Changes, Store

    folder = tmp_path / "d"
    seed(folder)
    assert run("--data-dir", str(folder), "reset", "--game", "--yes").returncode == 0  # takes a backup
    store = Store.open(folder)
    store.answers()
    store.apply(Changes(answers={"what-is.own-words": "written after the backup"}))
    result = run("--data-dir", str(folder), "restore")
    assert result.returncode == 0, result.stderr
    assert "1 answer was written since that backup" in result.stdout
    store = Store.open(folder)
    assert store.answers()["what-is.own-words"] == "mine ✨"
    assert [v["value"] for v in store.versions()] == ["written after the backup"]


def test_export_with_standard_output_closed_says_so_in_one_line(tmp_path: Path):
    folder = tmp_path / "d"
    seed(folder)
    result = subprocess.run([sys.executable, "-m", "workbook", "--data-dir", str(folder), "export"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 1
    assert "standard output is closed" in result.stderr and "Traceback" not in result.stderr


def test_the_typed_word_must_be_exactly_the_one_asked_for(tmp_path: Path):
    from workbook.storage import Store

    folder = tmp_path / "d"
    seed(folder)
    result = subprocess.run(
        [sys.executable, "-c", "import pty, sys; sys.exit(pty.spawn([sys.executable, '-m', 'workbook', '--data-dir', sys.argv[1], 'reset']))", str(folder)],
        input="reset\n", capture_output=True, text=True, timeout=60,
    )
    assert "nothing changed" in result.stdout
    assert Store.open(folder).answers() != {}


@pytest.mark.parametrize("json_too", [False, True])
def test_status_of_a_folder_with_no_workbook_says_so_in_one_line_and_creates_nothing(tmp_path: Path, json_too: bool):
    """A misspelled --data-dir used to read as an empty workbook ("0 answers so far")."""
    extra = ["--json"] if json_too else []
    missing = tmp_path / "misspelled" / "path"
    result = run("status", "--data-dir", str(missing), *extra)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"workbook: there is no workbook in {missing} (no such folder); nothing was created. Check the folder's name.\n"
    assert not (tmp_path / "misspelled").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("status", "--data-dir", str(empty), *extra)
    assert result.returncode == 1 and "there is no workbook in" in result.stderr and "no workbook.json there" in result.stderr
    assert list(empty.iterdir()) == []
    result = run("status", *extra, env={"WORKBOOK_DATA_DIR": "", "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)})
    assert result.returncode == 1 and "yet; `workbook` starts one." in result.stderr
    assert not (tmp_path / "xdg").exists()


@pytest.mark.parametrize("command", [["export"], ["export", "--format", "json"], ["backups"]])
def test_export_and_backups_of_a_misspelled_folder_say_there_is_no_workbook(tmp_path: Path, command: list[str]):
    """They printed an empty workbook (or "No backups yet") with exit 0 for a folder that is not there."""
    missing = tmp_path / "misspelled"
    result = run("--data-dir", str(missing), *command)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"workbook: there is no workbook in {missing} (no such folder); nothing was created. Check the folder's name.\n"
    assert not missing.exists()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    result = run("--data-dir", str(a_file), *command)
    assert result.returncode == 1 and "(not a folder)" in result.stderr
