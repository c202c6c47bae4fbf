"""Hostile input through real processes: malformed imports, escape sequences in every kind of
stored text, `export -o` to places it must not write, backups it must not trust, read-only
commands, and prompts that are closed, piped or interrupted. Nothing here prints a traceback."""

from __future__ import annotations

import copy
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from workbook import backups as backups_
from workbook import storage
from workbook.storage import Store

sys.path.insert(0, str(Path(__file__).parent / "unit"))
from test_validate import EXPORT, HOSTILE, changed  # noqa: E402


def run(*args: str, stdin=subprocess.DEVNULL, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbook", *args], capture_output=True, text=True,
                          stdin=stdin, timeout=timeout)


def seeded(folder: Path) -> Path:
    """A data folder holding a full workbook, made by a real import."""
    path = folder.parent / f"{folder.name}-seed.json"
    path.write_text(json.dumps(EXPORT))
    assert run("--data-dir", str(folder), "import", str(path)).returncode == 0
    return folder


def state(folder: Path) -> dict[str, bytes]:
    """Every file in the data folder with its bytes: "nothing changed" is this, before and after."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(stderr: str) -> bool:
    return stderr.count("\n") == 1 and stderr.startswith("workbook: ") and "Traceback" not in stderr


# -- the pseudo-terminal ----------------------------------------------------------------------
def spawn(args: list[str], env: dict | None = None) -> tuple[int, int]:
    env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "workbook", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


class Pty:
    """A real `workbook` on a pseudo-terminal; ``out`` holds every byte it wrote."""

    def __init__(self, args: list[str], env: dict | None = None) -> None:
        self.pid, self.fd = spawn(args, env)
        self.out = b""

    def read_until(self, marker: bytes, timeout: float = 30) -> None:
        start = len(self.out)
        end = time.time() + timeout
        while marker not in self.out[max(0, start - len(marker)):]:
            assert time.time() < end, f"{marker!r} never appeared in {self.out[-400:]!r}"
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    return

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def wait(self, timeout: float = 20) -> int:
        end = time.time() + timeout
        while time.time() < end:
            if select.select([self.fd], [], [], 0.02)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    pass
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        raise AssertionError(f"the workbook did not exit: {self.out[-400:]!r}")


def visit_everything(folder: Path) -> bytes:
    """Home, each section, My data and the continue place in the real app: every raw byte it sent."""
    app = Pty(["--data-dir", str(folder)])
    app.read_until(b"Palette")
    time.sleep(0.5)
    app.send(b"\x07")  # ctrl+g: Home (it opens at the saved place)
    app.read_until(b"Contents")
    time.sleep(0.2)
    for key in b"1234567dc":
        marker = {ord("d"): "My data", ord("c"): ""}.get(key, f"{chr(key)} · ").encode()
        key = bytes([key])
        app.send(key)
        if marker:
            app.read_until(marker)
        time.sleep(0.3)
        app.send(b"\x07")  # ctrl+g: Home
        app.read_until(b"Contents")
        time.sleep(0.2)
    app.send(b"\x11")  # ctrl+q
    assert app.wait() == 0, app.out[-600:]
    return app.out


# -- malformed imports ------------------------------------------------------------------------------
BAD = {
    "day": changed(picks__0__day="not-a-date"),
    "picks-a": changed(picks=["a"]),
    "decisions-abc": changed(decisions="abc"),
    "no-id": changed(decisions__0__id=None),
    "gut-seconds": changed(settings__gut_seconds="abc"),
    "settings-list": changed(settings=[1, 2]),
    "position-x": changed(position="x"),
    "version-text": changed(version="1"),
    "version-negative": changed(version=-5),
    "deep": changed(answers={}).replace('"answers": {', '"answers": {"needs.needs": ' + "[" * 900 + "]" * 900, 1),
    "huge-answer": changed(answers={"what-is.own-words": "x" * (50 * 1024 * 1024)}),
    "not-json": "hello",
}


def test_each_malformed_import_is_refused_in_one_line_and_the_data_stays_byte_identical(tmp_path):
    folder = seeded(tmp_path / "data")
    before = state(folder)
    files = {}
    for name, text in BAD.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(text)
    files["dev-zero"] = Path("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    files["fifo"] = tmp_path / "fifo"
    files["over-64-MB"] = tmp_path / "big.json"
    with files["over-64-MB"].open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    for name, path in files.items():
        result = run("--data-dir", str(folder), "import", str(path), "--yes", timeout=30)
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert one_line(result.stderr), (name, result.stderr)
        assert state(folder) == before, name
    assert "picks[0].day is not a date" in run("--data-dir", str(folder), "import", str(files["day"]), "--yes").stderr


@pytest.mark.parametrize("name, text", [
    ("screen-abc", changed(position__screen="section-abc")),
    ("screen-99", changed(position__screen="section-99", position__last={"screen": "section-99"})),
    ("unknown-deep-key", changed().replace('"answers": {', '"extra": ' + "[" * 900 + "]" * 900 + ', "answers": {', 1)),
    ("odd-but-readable", changed(picks__0__mood="calm", answers__zzz={"not": "an answer"}, settings__new=[1, 2])),
], ids=["screen-abc", "screen-99", "unknown-deep-key", "odd-but-readable"])
def test_an_accepted_odd_import_opens_in_status_export_home_and_section_5(tmp_path, name, text):
    folder = tmp_path / "data"
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    result = run("--data-dir", str(folder), "import", str(path))
    assert result.returncode == 0, result.stderr
    for args in (["status"], ["status", "--json"], ["export"], ["export", "--format", "json"]):
        result = run("--data-dir", str(folder), *args)
        assert result.returncode == 0 and not result.stderr, (args, result.stderr)
    app = Pty(["--data-dir", str(folder)])
    app.read_until(b"Palette")  # it resumes where the saved place says (or Home)
    time.sleep(0.5)
    app.send(b"\x07")  # ctrl+g: Home
    app.read_until(b"Contents")
    time.sleep(0.2)
    app.send(b"5")
    app.read_until("5 · Practising".encode())
    time.sleep(0.3)
    app.send(b"\x07")
    app.read_until(b"Contents")
    app.send(b"c")
    time.sleep(0.5)
    app.send(b"\x11")
    assert app.wait() == 0
    assert b"Traceback" not in app.out and b"Error" not in app.out


# -- escape sequences and markup ---------------------------------------------------------------------
FORBIDDEN = [b"\x1b]2;", b"\x1b]52;", b"x\x07", b"\x1b[2Jd", re.compile(rb"\xc2[\x80-\x9f]")]


def assert_no_escapes(out: bytes, where: str) -> None:
    for bad in FORBIDDEN:
        found = bad.search(out) if isinstance(bad, re.Pattern) else bad in out
        assert not found, f"{where} sent {bad!r}"


def hostile_export() -> dict:
    """HOSTILE (OSC title, OSC 52 clipboard, clear screen, C1 controls, NUL, DEL, markup) in every
    kind of stored text."""
    data = copy.deepcopy(EXPORT)
    for key in ("why-hard.unsafe.reflection", "what-is.own-words", "time-with-yourself.like", HOSTILE):
        data["answers"][key] = HOSTILE
    data["answers"]["needs.needs"] = [{"text": HOSTILE, "honour": HOSTILE}, {"text": HOSTILE, "honour": "self-care"}]
    data["answers"]["reframing.pairs"] = [{"thought": HOSTILE, "reframe": HOSTILE, HOSTILE: HOSTILE}]
    data["picks"] = [{"id": HOSTILE + str(n), "decision": HOSTILE, "prompt": HOSTILE, "option": HOSTILE,
                      "at": f"2026-05-0{n}T08:00:00+00:00", "day": f"2026-05-0{n}", "learned": HOSTILE} for n in (1, 2)]
    data["decisions"] = [{"id": HOSTILE, "prompt": HOSTILE, "options": [HOSTILE, HOSTILE + "2"]}]
    data["settings"] = {"theme": HOSTILE, HOSTILE: HOSTILE}
    data["position"] = {"screen": "section-1", "field": HOSTILE, "last": {"screen": "section-6", "field": HOSTILE}}
    return data


@pytest.mark.parametrize("how", ["import", "edit"])
def test_escape_sequences_in_every_stored_text_never_reach_a_terminal(tmp_path, how):
    folder = tmp_path / "data"
    data = hostile_export()
    if how == "import":
        path = tmp_path / "hostile.json"
        path.write_text(json.dumps(data))
        assert run("--data-dir", str(folder), "import", str(path)).returncode == 0
    else:  # another program writes the file directly, in the database's own form
        Store.open(folder)
        tables = {
            "meta": {"1": {"name": "schema", "version": storage.SCHEMA_VERSION}},
            "answers": {str(n): {"key": k, "value": v} for n, (k, v) in enumerate(data["answers"].items(), 1)},
            "picks": {str(n): p for n, p in enumerate(data["picks"], 1)},
            "decisions": {"1": data["decisions"][0]},
            "settings": {str(n): {"name": k, "value": v} for n, (k, v) in enumerate(data["settings"].items(), 1)},
            "state": {"1": {"name": "position", **data["position"]}},
            "versions": {"1": {"key": "what-is.own-words", "value": HOSTILE, "written": None,
                               "replaced": "2026-05-04T08:00:00+00:00", "why": "edit"}},
        }
        (folder / storage.DB_NAME).write_text(json.dumps(tables))
    for args in (["status"], ["status", "--json"], ["export"], ["export", "--format", "json"]):
        result = subprocess.run([sys.executable, "-m", "workbook", "--data-dir", str(folder), *args],
                                capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert_no_escapes(result.stdout + result.stderr, " ".join(args))
    md = run("--data-dir", str(folder), "export").stdout
    assert "[bold]i[/] [@click=app.quit]j" in md  # markup is text, shown as typed
    for fmt in ("markdown", "json"):
        out = tmp_path / f"out-{how}.{fmt}"
        assert run("--data-dir", str(folder), "export", "--format", fmt, "-o", str(out)).returncode == 0
        assert_no_escapes(out.read_bytes(), f"export -o ({fmt})")
    raw = visit_everything(folder)  # the app, on a real terminal, every screen
    assert_no_escapes(raw, "the app")
    assert b"[bold]i[/]" in raw  # shown literally, not read as markup
    assert b"\x1b" not in (folder / storage.DB_NAME).read_bytes()  # cleaned on load, saved clean


# -- export -o ---------------------------------------------------------------------------------------
def test_export_to_a_file_writes_only_a_new_regular_file(tmp_path):
    folder = seeded(tmp_path / "data")
    existing = tmp_path / "existing.md"
    existing.write_text("keep me")
    os.chmod(existing, 0o644)
    target = tmp_path / "target.txt"
    target.write_text("the link's target")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "folder").mkdir()
    cases = [
        (existing, "already exists; add --force"),
        (link, "is a symbolic link"),
        (dangling, "is a symbolic link"),
        (tmp_path / "folder", "is a folder"),
        (tmp_path / "missing" / "out.md", "the folder"),
        (Path("/dev/null"), "is not a regular file"),
    ]
    for path, message in cases:
        for force in ([], ["--force"]):
            before = {p: (p.lstat().st_mode, p.read_bytes() if p.is_file() else None) for p in tmp_path.iterdir()}
            result = run("--data-dir", str(folder), "export", "-o", str(path), *force)
            expected = message if not (force and path == existing) else None
            if expected is None:
                continue
            assert result.returncode == 1, (path, force, result.stdout)
            assert one_line(result.stderr) and message in result.stderr and str(path) in result.stderr, result.stderr
            assert "data folder" not in result.stderr
            after = {p: (p.lstat().st_mode, p.read_bytes() if p.is_file() else None) for p in tmp_path.iterdir()}
            assert after == before, path
    assert target.read_text() == "the link's target" and not (tmp_path / "nowhere.md").exists()
    assert Path("/dev/null").is_char_device()
    result = run("--data-dir", str(folder), "export", "-o", str(existing), "--force")
    assert result.returncode == 0 and existing.read_text().startswith("# What is Self-Trust?")
    assert existing.stat().st_mode & 0o777 == 0o644  # its mode is kept
    new = tmp_path / "new.json"
    assert run("--data-dir", str(folder), "export", "--format", "json", "-o", str(new)).returncode == 0
    assert new.stat().st_mode & 0o777 == 0o600 and json.loads(new.read_text())["answers"]


# -- reading commands only read ----------------------------------------------------------------------
def test_export_status_and_backups_take_no_lock_and_create_nothing(tmp_path):
    folder = seeded(tmp_path / "data")
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    folder_stamp = folder.stat().st_mtime_ns
    fd = os.open(folder / storage.LOCK_NAME, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another program holds the write lock the whole time
    try:
        for args in (["export"], ["export", "--format", "json"], ["status"], ["status", "--json"], ["backups"]):
            result = run("--data-dir", str(folder), *args, timeout=20)
            assert result.returncode == 0, (args, result.stderr)
    finally:
        os.close(fd)
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before
    assert folder.stat().st_mtime_ns == folder_stamp
    empty = tmp_path / "never-made"
    for args in (["export"], ["backups"], ["status"]):
        assert run("--data-dir", str(empty), *args).returncode == 1  # there is no workbook there, it says
    assert not empty.exists()


# -- backups -------------------------------------------------------------------------------------------
def test_restore_uses_only_the_workbooks_own_backups(tmp_path):
    folder = seeded(tmp_path / "data")
    store = Store.open(folder)
    real = backups_.backup(store, "daily")
    backups = folder / "backups"
    elsewhere = tmp_path / "elsewhere.json"
    evil = json.loads((folder / storage.DB_NAME).read_text())
    evil["answers"] = {"1": {"key": "what-is.own-words", "value": "planted"}}
    elsewhere.write_text(json.dumps(evil))
    future = backups / "workbook-20991231-235959000000-daily.json"  # "the newest" by its name
    future.write_text(json.dumps(evil))
    os.utime(future, (4102444800, 4102444800))  # and by its time stamp (2100)
    (backups / "workbook-20200101-000000000000-daily.json").symlink_to(elsewhere)  # a link
    old = backups / "workbook-20250101-000000000000-daily.json"  # written long before its name says
    old.write_text(json.dumps(evil))
    os.utime(old, (0, 0))
    listed = run("--data-dir", str(folder), "backups").stdout
    assert real.name in listed and "2099" not in listed and "2020" not in listed and "2025" not in listed
    for name in ("workbook-20991231-235959000000-daily", "workbook-20200101-000000000000-daily",
                 "workbook-20250101-000000000000-daily"):
        result = run("--data-dir", str(folder), "restore", name)
        assert result.returncode == 1 and one_line(result.stderr) and "no backup is called" in result.stderr
    assert run("--data-dir", str(folder), "restore").returncode == 0  # the newest is the real one
    assert "planted" not in (folder / storage.DB_NAME).read_text()
    assert Store.open(folder).answers()["what-is.clear.scale"] == 4


# -- the command line's questions -------------------------------------------------------------------
def test_reset_with_standard_input_closed_says_one_line_and_changes_nothing(tmp_path):
    folder = seeded(tmp_path / "data")
    before = state(folder)
    result = subprocess.run(
        f'exec "{sys.executable}" -m workbook --data-dir "{folder}" reset --section 2 <&-',
        shell=True, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1 and one_line(result.stderr), result.stderr
    assert "nothing changed" in result.stderr and not result.stdout
    assert state(folder) == before


def test_import_from_a_pipe_asks_nobody_and_changes_nothing(tmp_path):
    folder = seeded(tmp_path / "data")
    other = tmp_path / "other.json"
    other.write_text(changed(answers={"what-is.own-words": "other"}))
    before = state(folder)
    result = subprocess.run(
        f'echo | "{sys.executable}" -m workbook --data-dir "{folder}" import "{other}"',
        shell=True, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1 and one_line(result.stderr), result.stderr
    assert "add --yes" in result.stderr and not result.stdout
    assert state(folder) == before


@pytest.mark.parametrize("command, prompt", [
    (["reset", "--section", "2"], b"Type RESET to erase section 2 (a backup is taken first): "),
    (["reset"], b"Type RESET to erase everything (a backup is taken first): "),
    (["reset", "--game"], b"Type RESET to erase the whole decisions practice (a backup is taken first): "),
    (["import", "{other}"], b"Type IMPORT to replace your whole workbook with {other} (a backup is taken first): "),
])
@pytest.mark.parametrize("key", [b"\x03", b"\x04", b"no\r"], ids=["ctrl+c", "ctrl+d", "no"])
def test_an_interrupted_or_refused_prompt_says_one_line_and_changes_nothing(tmp_path, command, prompt, key):
    folder = seeded(tmp_path / "data")
    other = tmp_path / "other.json"
    other.write_text(changed(answers={"what-is.own-words": "other"}))
    command = [c.replace("{other}", str(other)) for c in command]
    prompt = prompt.replace(b"{other}", str(other).encode())
    before = state(folder)
    app = Pty(["--data-dir", str(folder), *command])
    app.read_until(prompt)
    app.send(key)
    assert app.wait() == 1
    after_prompt = app.out.split(prompt, 1)[1].decode()
    lines = [line for line in after_prompt.replace("\r", "").split("\n") if line.strip() and line.strip() not in ("^C", "^D", "no")]
    assert len(lines) == 1 and lines[0].startswith("workbook: nothing changed"), after_prompt
    assert "Traceback" not in app.out.decode()
    assert state(folder) == before


def test_typing_the_word_at_the_prompt_does_it(tmp_path):
    folder = seeded(tmp_path / "data")
    app = Pty(["--data-dir", str(folder), "reset", "--section", "2"])
    app.read_until(b"(a backup is taken first): ")
    app.send(b"RESET\r")
    assert app.wait() == 0
    assert "what-is.clear.scale" not in Store.open(folder).answers()


def test_reset_section_5_says_it_is_the_whole_decisions_practice(tmp_path):
    folder = seeded(tmp_path / "data")
    result = run("--data-dir", str(folder), "reset", "--section", "5", "--yes")
    assert result.returncode == 0
    assert "Section 5 is the decisions practice" in result.stdout and "the same as --game" in result.stdout
    assert Store.open(folder).picks() == [] and Store.open(folder).answers()
    app = Pty(["--data-dir", str(folder), "reset", "--section", "5"])  # and when it asks
    app.read_until(b"Type RESET to erase the whole decisions practice (a backup is taken first): ")
    app.send(b"\x03")
    assert app.wait() == 1
    assert b"Section 5 is the decisions practice" in app.out


def test_data_dir_is_accepted_after_the_command_too(tmp_path):
    from workbook.__main__ import build_parser

    parser = build_parser()
    assert parser.parse_args(["serve", "--data-dir", "D"]).data_dir == "D"
    assert parser.parse_args(["--data-dir", "D", "serve"]).data_dir == "D"
    assert parser.parse_args(["--data-dir", "A", "status"]).data_dir == "A"  # not hidden by the command's default
    folder = seeded(tmp_path / "data")
    result = run("status", "--data-dir", str(folder))
    assert result.returncode == 0 and "4 answers so far" in result.stdout


def test_a_workbook_file_that_is_a_pipe_or_a_device_is_never_read(tmp_path):
    pipe = tmp_path / "pipe"
    pipe.mkdir()
    os.mkfifo(pipe / storage.DB_NAME)
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / storage.DB_NAME).symlink_to("/dev/zero")
    for folder in (pipe, zero):
        for args in (["status"], ["export"]):
            result = run("--data-dir", str(folder), *args, timeout=20)  # no hang, no endless read
            assert result.returncode == 1 and one_line(result.stderr) and "not a regular file" in result.stderr
        result = run("--data-dir", str(folder), "reset", "--game", "--yes", timeout=20)
        assert result.returncode == 0 and "moved aside" in result.stderr
        assert json.loads((folder / storage.DB_NAME).read_text())  # a workbook again


def test_a_backup_named_later_today_is_not_the_newest(tmp_path):
    from datetime import datetime, timedelta, timezone

    folder = seeded(tmp_path / "data")
    store = Store.open(folder)
    real = backups_.backup(store, "daily")
    evil = json.loads((folder / storage.DB_NAME).read_text())
    evil["answers"] = {"1": {"key": "what-is.own-words", "value": "planted"}}
    later = datetime.now(timezone.utc) + timedelta(hours=3)  # within the day, and written now
    planted = folder / "backups" / f"workbook-{later:%Y%m%d-%H%M%S%f}-daily.json"
    planted.write_text(json.dumps(evil))
    assert backups_.backups(store)[-1].name == real.name
    assert planted.name not in [b.name for b in backups_.backups(store)]
    assert run("--data-dir", str(folder), "restore").returncode == 0
    assert "planted" not in (folder / storage.DB_NAME).read_text()


def test_restore_passes_over_a_damaged_newest_backup_and_says_which_it_used(tmp_path):
    folder = seeded(tmp_path / "data")
    store = Store.open(folder)
    good = backups_.backup(store, "manual")
    damaged = backups_.backup(store, "before-import")
    damaged.path.write_text('{"answers": {"1": ')  # cut short
    result = run("--data-dir", str(folder), "restore")
    assert result.returncode == 0, result.stderr
    assert f"The newest backup, {damaged.name}, cannot be read as a workbook" in result.stdout
    assert f"Restored the backup {good.name}" in result.stdout


def test_import_counts_read_naturally(tmp_path):
    data = json.loads(changed())
    data["picks"] = data["picks"][:1]
    data["answers"] = dict(list(data["answers"].items())[:1])
    path = tmp_path / "one.json"
    path.write_text(json.dumps(data))
    result = run("--data-dir", str(tmp_path / "data"), "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "1 answer, 1 decision." in result.stdout
