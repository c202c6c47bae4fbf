"""The domain package stands without Textual: every workbook/ module imports with Textual refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import workbook

REFUSE = """
import importlib.abc, pkgutil, sys, importlib
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError("textual is refused here")
        return None
sys.meta_path.insert(0, Refuse())
import workbook
names = ["workbook"] + [m.name for m in pkgutil.walk_packages(workbook.__path__, "workbook.")]
OPTIONAL = {"aiohttp", "textual_serve"}  # the `web` extra, for workbook/web.py only
for name in names:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in OPTIONAL:
            raise
assert not any(m == "textual" or m.startswith("textual.") for m in sys.modules), "textual was imported"
print(len(names))
"""


def test_every_workbook_module_imports_without_textual():
    root = Path(workbook.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", REFUSE], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10  # the state, the records, the storage, … every module was tried
