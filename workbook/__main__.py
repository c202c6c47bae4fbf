"""The ``workbook`` command: the app, and export, import, reset, restore, backups and status."""

from __future__ import annotations

import argparse
import json
import os
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
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where your answers are kept (default: $WORKBOOK_DATA_DIR, or your user data folder)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    reset = commands.add_parser("reset", help="erase your answers (all, one section, or the decisions practice); undo with restore")
    scope = reset.add_mutually_exclusive_group()
    scope.add_argument("--section", type=section_number, metavar="N", help="only section N's answers")
    scope.add_argument("--game", action="store_true", help="only the decisions practice and streak")
    reset.add_argument("--yes", action="store_true", help="don't ask first")
    restore = commands.add_parser("restore", help="bring back a backup (the newest by default)")
    restore.add_argument("name", nargs="?", help="a name from `workbook backups`")
    restore.add_argument("--yes", action="store_true", help="don't ask first")
    commands.add_parser("backups", help="list backups with dates and sizes")
    export = commands.add_parser("export", help="write your answers as Markdown or JSON")
    export.add_argument("--format", choices=["markdown", "json"], default="markdown")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    imp = commands.add_parser("import", help="replace your workbook with a JSON export")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--yes", action="store_true", help="don't ask first")
    status = commands.add_parser("status", help="one short line: sections, today's practice, streak")
    status.add_argument("--json", action="store_true", help="the same, for scripts")
    serve = commands.add_parser(
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


def confirm(question: str, answer: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise Fail("nothing changed: add --yes to do this without a question")
    try:
        reply = input(question)
    except EOFError:
        reply = ""
    if reply.strip().lower() != answer.lower():
        raise Fail("nothing changed")


def open_store(folder: Path):
    """The store, repaired if need be; what happened is said on standard error."""
    from workbook import transfer

    store, notices = transfer.open_store(folder)
    for notice in notices:
        print(f"workbook: {notice}", file=sys.stderr)
    return store, notices


def run_command(args: argparse.Namespace, folder: Path) -> int:
    from workbook import practice, transfer
    from workbook.storage import Store

    if args.command == "serve":
        from workbook import serve

        try:
            return serve.run(args)
        except ValueError as exc:
            raise Fail(str(exc)) from None
    if args.command == "status":
        store = Store.read_only(folder)
        info = transfer.status(store, practice.local_day(practice.system_clock()))
        print(json.dumps(info) if args.json else transfer.status_line(info))
        return 0
    store, _ = open_store(folder)
    if args.command == "reset":
        scope, section = transfer.reset_scope(
            "game" if args.game else "section" if args.section is not None else "all", args.section
        )
        what = transfer.describe_reset(scope, section)
        confirm(f"This erases {what}.\nA backup is taken first; `workbook restore` brings it back.\nType RESET to go on: ", "RESET", args.yes)
        transfer.reset(store, scope, section)
        print(f"Done: erased {what}. `workbook restore` undoes it.")
    elif args.command == "restore":
        replaced = transfer.restore_would_replace(store, args.name)
        if replaced:
            answers = "1 answer was" if replaced == 1 else f"{replaced} answers were"
            print(f"{answers} written since that backup; restoring keeps them as earlier versions (ctrl+e in the workbook).")
            if sys.stdin.isatty():
                confirm("Type RESTORE to go on: ", "RESTORE", args.yes)
        chosen = transfer.restore(store, args.name)
        print(f"Restored the backup {chosen.name} (what was there before is backed up too).")
    elif args.command == "backups":
        found = transfer.backups(store)
        if not found:
            print("No backups yet. One is taken each day you open the workbook, and before any reset or import.")
        for b in found:
            print(f"{b.name}  {b.taken.astimezone():%Y-%m-%d %H:%M}  {b.size:>9,} bytes  {b.reason}")
    elif args.command == "export":
        text = transfer.export_markdown(store) if args.format == "markdown" else transfer.export_json(store)
        if args.output:
            from workbook.storage import atomic_write

            atomic_write(Path(args.output).expanduser().resolve(), text.encode("utf-8"))
            print(f"Wrote {args.output}")
        else:
            sys.stdout.write(text)
    elif args.command == "import":
        try:
            text = Path(args.file).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Fail(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}") from None
        data = transfer.parse_export(text)
        if store.answers() or store.picks():
            confirm(f"Replace your current workbook with {args.file}? A backup is taken first. [y/N] ", "y", args.yes)
        transfer.import_data(store, data)
        print(f"Imported {args.file}: {len(data['answers'])} answers, {len(data['picks'])} decisions.")
    return 0


def say_unsaved(app) -> None:
    """The disk would not take the last changes: say so, and where the rescue copy is if one was written."""
    from workbook import rescue

    why = rescue.reason(app.saver.refused)
    if app.rescued is not None:
        line = (f"workbook: the last changes could not be written to the data folder ({why}). Everything, with them, "
                f"is in the rescue copy {app.rescued.json_path} (to read: {app.rescued.markdown_path}); "
                f"`workbook import {app.rescued.json_path}` brings it back.")
    else:
        line = f"workbook: the last changes could not be written to the data folder ({why})."
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass  # the terminal is gone (a hang-up); the rescue copy is found at the next start


def run_app(folder: Path, mouse: bool = True) -> int:
    from workbook import transfer

    from workbook.storage import join_session

    store, notices = transfer.open_store(folder)
    session, others = join_session(store.folder)
    if others:
        notices.append(
            "The workbook is also open in another window. Both save safely; "
            "a screen shows the other window's saved answers when you open it."
        )
    from workbook.app import WorkbookApp

    app = WorkbookApp(store, notices=notices)
    # The day's backup is taken on the writer thread, in order with the saves, off the start-up path.
    app.saver.then(lambda: transfer.daily_backup(store), lambda taken: None)
    try:
        app.run(mouse=mouse)
    finally:
        if not app.saver.save_now():
            say_unsaved(app)
        else:
            app.rescue_superseded()
        app.saver.close()
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
        return run_app(folder, mouse=not args.no_mouse)
    except (Fail, StorageError) as exc:
        print(f"workbook: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"workbook: cannot use the data folder {folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nworkbook: stopped; nothing was changed by the interrupted command.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
