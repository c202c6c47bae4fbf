"""The ``workbook`` command: the app, and export, import, reset, restore, backups and status."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import sys
from pathlib import Path

from workbook import __version__

APP_NAME = "self-trust-workbook"


def data_folder(arg: str | None) -> Path:
    """``--data-dir``, else ``WORKBOOK_DATA_DIR``, else the platform's user data folder."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("WORKBOOK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


class Fail(Exception):
    """A clear message for the person, and exit code 1."""


def section_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= 6:
        raise argparse.ArgumentTypeError(f"{text!r} is not a section with answers (1 to 6)")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbook",
        description=(
            "A terminal workbook for “What is Self-Trust? Why is it so Hard? And Ways to Build It” "
            "by Chardyce Kott, LSW. Your answers are saved as you type. With no command, the workbook opens."
        ),
        epilog="Your answers stay on this computer, in the data folder (see --data-dir).",
    )
    parser.add_argument("--version", action="version", version=f"workbook {__version__}")
    parser.add_argument("--no-mouse", action="store_true", help="don't capture the mouse (the keyboard does everything)")
    view = parser.add_mutually_exclusive_group()
    view.add_argument("--plain", action="store_true",
                      help="plain mode: the workbook as plain lines, for screen readers and braille (remembered)")
    view.add_argument("--full-screen", action="store_true", help="the full-screen workbook, even if plain mode was chosen before")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where your answers are kept (default: $WORKBOOK_DATA_DIR, or your user data folder)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # --data-dir is accepted after the command too (`workbook serve --data-dir DIR`); there it
    # sets the same value, and only when given, so it never hides one given before the command.
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help="where your answers are kept (as before the command)")

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[data_dir], **kwargs)

    reset = command("reset", help="erase your answers (all, one section, or the decisions practice); undo with restore")
    scope = reset.add_mutually_exclusive_group()
    scope.add_argument("--section", type=section_number, metavar="N", help="only section N's answers")
    scope.add_argument("--game", action="store_true", help="only the decisions practice and streak")
    reset.add_argument("--yes", action="store_true", help="don't ask first")
    restore = command("restore", help="bring back a backup (the newest by default)")
    restore.add_argument("name", nargs="?", help="a name from `workbook backups`")
    restore.add_argument("--yes", action="store_true", help="don't ask first")
    command("backups", help="list backups with dates and sizes")
    export = command("export", help="write your answers as Markdown or JSON")
    export.add_argument("--format", choices=["markdown", "json"], default="markdown")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE, a new file (default: standard output)")
    export.add_argument("--force", action="store_true", help="with -o: replace FILE if it exists")
    imp = command("import", help="replace your workbook with a JSON export")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--yes", action="store_true", help="don't ask first")
    status = command("status", help="one short line: sections, today's practice, streak")
    status.add_argument("--json", action="store_true", help="the same, for scripts")
    serve = command(
        "serve",
        help="host the workbook over SSH: a private workbook per public key",
        description="Host the workbook over SSH (or, with --web, in a local browser). --data-dir is the server's "
        "data folder, holding the host key and one private profile per visitor's key.",
    )
    serve.add_argument("--listen", metavar="HOST:PORT", help="where to listen (default 127.0.0.1:2222; 127.0.0.1:8000 with --web)")
    serve.add_argument("--host-key", metavar="FILE", help="the server's private key (made on first start)")
    who = serve.add_mutually_exclusive_group()
    who.add_argument("--authorized-keys", metavar="FILE", help="only these public keys get in")
    who.add_argument("--open", action="store_true", help="any public key gets in, with its own fresh profile")
    serve.add_argument("--idle-timeout", type=float, default=30, metavar="MINUTES", help="close after this long without a key (30)")
    serve.add_argument("--max-session", type=float, default=240, metavar="MINUTES", help="the longest a session may last (240)")
    serve.add_argument("--rate", type=int, default=10, metavar="N", help="logins allowed per address per minute (10)")
    serve.add_argument("--login-timeout", type=float, default=30, metavar="SECONDS",
                       help="time to log in before a connection is closed (30; 10 if it sends nothing)")
    serve.add_argument("--max-sessions", type=int, default=100, metavar="N",
                       help="workbooks open at once (100)")
    serve.add_argument("--max-sessions-per-address", type=int, default=8, metavar="N",
                       help="workbooks open at once from one address (8; raise it for a class behind one address)")
    serve.add_argument("--web", action="store_true", help="serve in a browser through textual-serve instead")
    serve.add_argument("--no-helper", action="store_true",
                       help="start each session as a fresh Python, not as a fork of the pre-started workbook")
    return parser


def can_ask() -> bool:
    """Whether there is a terminal on standard input to ask a question on."""
    stdin = sys.stdin
    try:
        return stdin is not None and not stdin.closed and stdin.isatty()
    except (OSError, ValueError):
        return False


def confirm(question: str, word: str, yes: bool, preface: str = "") -> None:
    """Ask for ``word`` to be typed (``question`` says so). Anything else changes nothing: another
    reply, no terminal to ask on, standard input closed, ctrl+d or ctrl+c each give one line (exit 1)."""
    if yes:
        return
    if not can_ask():
        raise Fail("nothing changed: there is no terminal to ask on (add --yes to do this without a question)")
    if preface:
        print(preface)
    # ctrl+c cancels the question even when the workbook was started with SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        reply = ask(question)
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)  # end the prompt's line, so the message has its own
        raise Fail(f"nothing changed: {word} was not typed") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if reply.strip() != word:  # exactly the word the question names: RESET, not "reset"
        raise Fail(f"nothing changed: {word} was not typed")


def ask(question: str) -> str:
    """A line typed at the terminal. Unlike input(), a ctrl+c that comes just as the question is
    shown is not lost: the wait is a loop of short selects, and Python acts on the signal between them."""
    sys.stdout.write(question)
    sys.stdout.flush()
    while not select.select([sys.stdin], [], [], 0.2)[0]:
        pass
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


def open_store(folder: Path):
    """The store, repaired if need be; what happened is said on standard error."""
    from workbook import backups

    store, notices = backups.open_store(folder)
    for notice in notices:
        print(f"workbook: {notice}", file=sys.stderr)
    return store, notices


def run_command(args: argparse.Namespace, folder: Path) -> int:
    from workbook import backups, exchange, practice, resets, status, versions
    from workbook.storage import DB_NAME, Store
    from workbook.text import clean
    from workbook.wording import plural

    if args.command == "serve":
        from workbook import serve

        try:
            return serve.run(args)
        except ValueError as exc:
            raise Fail(str(exc)) from None
    # Reading commands only read: no lock, no file or folder made, so they work on a read-only folder.
    if args.command in ("status", "export", "backups") and not (folder / DB_NAME).exists():
        # A misspelled --data-dir is not an empty workbook: said, exit 1, nothing made.
        if args.data_dir or os.environ.get("WORKBOOK_DATA_DIR"):
            why = "no such folder" if not folder.exists() else "not a folder" if not folder.is_dir() else f"no {DB_NAME} there"
            raise Fail(f"there is no workbook in {folder} ({why}); nothing was created. Check the folder's name.")
        raise Fail(f"there is no workbook in {folder} yet; `workbook` starts one.")
    if args.command == "status":
        store = Store.read_only(folder)
        info = status.status(store, practice.local_day(practice.system_clock()))
        print(clean(json.dumps(info) if args.json else status.status_line(info)))
        return 0
    if args.command == "backups":
        found = backups.backups(Store(folder))
        if not found:
            print("No backups yet. One is taken each day you open the workbook, and before any reset or import.")
        else:
            print("\n".join(status.backup_lines(found, practice.local_day(practice.system_clock()))))
        return 0
    if args.command == "export":
        if sys.stdout is None and not args.output:
            raise Fail("nothing was exported: standard output is closed (use -o FILE)")
        store = Store.read_only(folder)
        text = exchange.export_markdown(store) if args.format == "markdown" else exchange.export_json(store)
        if args.output:
            exchange.write_output(Path(args.output).expanduser(), text.encode("utf-8"), force=args.force)
            print(clean(f"Wrote {args.output}"))
        else:
            sys.stdout.write(text)
        return 0
    if args.command == "import":
        # Checked, every table, before anything is opened: a refused import makes no folder and no file.
        data = exchange.read_export(Path(args.file).expanduser())
        tables = exchange.import_tables(data, empty=not (folder / DB_NAME).exists())
    store, _ = open_store(folder)
    if args.command == "reset":
        scope, section = resets.reset_scope(
            "game" if args.game else "section" if args.section is not None else "all", args.section
        )
        what = resets.describe_reset(scope, section)
        note = ""
        if args.section == resets.practice_section():
            note = "Section 5 is the decisions practice: resetting it erases all of it, the same as --game.\n"
            if args.yes:
                print(note, end="")
        target = {"all": "everything", "game": "the whole decisions practice"}.get(scope, f"section {section}")
        confirm(f"Type RESET to erase {target} (a backup is taken first): ", "RESET", args.yes,
                preface=f"{note}This erases {what}. `workbook restore` brings it back.")
        resets.reset(store, scope, section)
        print(f"Done: erased {what}. “Undo last reset” in the workbook's My data brings it back, keeping anything written since.")
    elif args.command == "restore":
        replaced = backups.restore_would_replace(store, args.name)
        if replaced:
            answers = "1 answer was" if replaced == 1 else f"{replaced} answers were"
            print(f"{answers} written since that backup; restoring keeps them as earlier versions (ctrl+e in the workbook).")
            if can_ask():
                confirm("Type RESTORE to restore that backup: ", "RESTORE", args.yes)
        passed: list[backups.Backup] = []
        chosen = backups.restore(store, args.name, passed)
        if passed:
            newer = f"The newest backup, {passed[0].name}," if len(passed) == 1 else f"The newest {len(passed)} backups"
            print(clean(f"{newer} cannot be read as a workbook, so the one before was used."))
        print(f"Restored the backup {chosen.name} (what was there before is backed up too).")
    elif args.command == "import":
        if store.answers() or store.picks():
            confirm(
                clean(f"Type IMPORT to replace your whole workbook with {args.file} (a backup is taken first): "),
                "IMPORT", args.yes,
            )
        trimmed = versions.Trimmed()
        exchange.import_data(store, data, trimmed, tables)
        kept = f"; {trimmed.text()}" if trimmed else ""
        print(clean(f"Imported {args.file}: {plural(len(data['answers']), 'answer')}, {plural(len(data['picks']), 'decision')}{kept}."))
    return 0


def say_unsaved(app) -> None:
    """The disk would not take the last changes: say so, and where the rescue copy is if one was written."""
    from workbook import rescue

    why = rescue.reason(app.saver.refused)
    rescued = app.autosave.rescued
    if rescued is not None:
        line = (f"workbook: the last changes could not be written to the data folder ({why}). Everything, with them, "
                f"is in the rescue copy {rescued.json_path} (to read: {rescued.markdown_path}); "
                f"`workbook import {rescued.json_path}` brings it back.")
    else:
        line = f"workbook: the last changes could not be written to the data folder ({why})."
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass  # the terminal is gone (a hang-up); the rescue copy is found at the next start


def plain_by_default() -> bool:
    """Plain mode without asking: TERM dumb or unset, output not a terminal, or hosted as plain; never
    in a browser, whose pipes are no plain terminal (nor a remembered choice of plain mode, see run_app)."""
    from workbook.wording import in_browser

    if in_browser():
        return False
    if os.environ.get("WORKBOOK_PLAIN") == "1":
        return True
    if os.environ.get("TERM", "") in ("", "dumb"):
        return True
    try:
        return not sys.stdout.isatty()
    except (OSError, ValueError, AttributeError):
        return True


def run_plain(store, notices: list[str]) -> int:
    """The workbook as plain lines on standard input and output (see workbook/plain.py)."""
    import io

    from workbook import backups, plain
    from workbook.saver import Saver
    from workbook.state import WorkbookState

    state = WorkbookState(store)
    saver = Saver(store)
    saver.then(lambda: backups.daily_backup(store), lambda taken: None)
    inp = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="")
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace", line_buffering=True)
    try:
        return plain.run(state, saver, inp, out, notices)
    finally:
        if not saver.save_now():
            say("the last changes could not be written to the data folder.")
        saver.close()
        with contextlib.suppress(OSError, ValueError):
            out.flush()


def run_app(folder: Path, mouse: bool = True, view: str | None = None) -> int:
    """The workbook: full-screen, or plain (``view`` "plain", "full", or None to choose)."""
    from workbook import backups

    from workbook.storage import Changes, Store, join_session, read_head

    # A returning person's first screen needs only the start of the file (the summary, settings and
    # place): the rest is read after it is drawn. Anything else opens the whole file first, as before.
    head = read_head(folder)
    full_screen = view == "full" or (view is None and not plain_by_default())
    if head is not None and full_screen and head.settings.get("plain") is not True and (view is None or head.settings.get("plain") is False):
        store, notices = Store(folder), []
    else:
        head = None
        store, notices = backups.open_store(folder)
    session, others = join_session(store.folder)
    if others:
        notices.append(
            "The workbook is also open in another window. Both save safely; "
            "a screen shows the other window's saved answers when you open it."
        )
    if head is None and view is not None and store.settings().get("plain") is not (view == "plain"):
        store.apply(Changes(settings={"plain": view == "plain"}))  # the choice is remembered for this folder
    from workbook.wording import in_browser

    browser = in_browser()
    if head is None and (view == "plain" or (view is None and not browser and (store.settings().get("plain") is True or plain_by_default()))):
        try:
            return run_plain(store, notices)
        finally:
            os.close(session)
    from screens.app import WorkbookApp  # the Textual front end (the only place it is imported from here)

    app = WorkbookApp(store, notices=notices, head=head, ahead=True)
    # The day's backup is taken on the writer thread, in order with the saves, off the start-up path.
    app.saver.then(lambda: backups.daily_backup(store), lambda taken: None)
    lifeline = app.autosave.lifeline
    try:
        app.run(mouse=mouse)
    finally:
        lifeline.stop()  # the run is over: a hang-up from here on ends the process as usual
        if not app.saver.save_now():
            if not lifeline.silenced:  # else the terminal is gone; the rescue copy is offered at the next start
                say_unsaved(app)
        else:
            app.autosave.rescue_superseded()
        app.saver.close()
        if not app.switch_to_plain or browser:
            os.close(session)
        if lifeline.silenced:
            # The terminal is gone and Textual's writer thread may be stuck writing to it, holding
            # standard error's lock: Python's own exit would wait on it. Everything is saved.
            os._exit(app.return_code or 0)
    if app.loading.error is not None:  # the file could not be opened after the first screen
        raise app.loading.error
    if app.switch_to_plain and not browser:  # "Switch to plain mode": the same workbook, as plain lines
        try:
            return run_plain(store, [])
        finally:
            os.close(session)
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    from workbook.storage import StorageError

    parser = build_parser()
    args = parser.parse_args(argv)
    folder = data_folder(args.data_dir)
    try:
        if args.command:
            return run_command(args, folder)
        view = "plain" if args.plain else "full" if args.full_screen else None
        return run_app(folder, mouse=not args.no_mouse, view=view)
    except (Fail, StorageError) as exc:
        say(str(exc))
        return 1
    except BrokenPipeError:
        # The reader went away (`workbook export | head`): nothing more to say, and nobody to say it to.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        say(f"cannot use the data folder {folder}: {exc.strerror or exc}")
        return 1
    except KeyboardInterrupt:
        say("stopped; nothing was changed by the interrupted command.")
        return 130


def say(message: str) -> None:
    """One line on standard error, never carrying a control character or escape sequence."""
    from workbook.text import clean

    with contextlib.suppress(OSError):  # the terminal is gone or no longer reads: no one to tell
        print(f"workbook: {' '.join(clean(message).splitlines())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
