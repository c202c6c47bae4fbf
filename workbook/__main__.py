"""The ``workbook`` command: starts the app, and (later) export, import, reset and friends."""

from __future__ import annotations

import argparse
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbook",
        description=(
            "A terminal workbook for “What is Self-Trust? Why is it so Hard? And Ways to Build It” "
            "by Chardyce Kott, LSW. Your answers are saved as you type."
        ),
        epilog="Your answers stay on this computer, in the data folder (see --data-dir).",
    )
    parser.add_argument("--version", action="version", version=f"workbook {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where your answers are kept (default: $WORKBOOK_DATA_DIR, or your user data folder)",
    )
    return parser


def run_app(folder: Path) -> int:
    from workbook.storage import Store, StorageError

    try:
        store = Store.open(folder)
    except StorageError as exc:
        print(f"workbook: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"workbook: cannot use the data folder {folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    from workbook.app import WorkbookApp

    app = WorkbookApp(store)
    try:
        app.run()
    finally:
        if not app.saver.save_now():
            print("workbook: the last changes could not be written to the data folder.", file=sys.stderr)
        app.saver.close()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_app(data_folder(args.data_dir))


if __name__ == "__main__":
    sys.exit(main())
