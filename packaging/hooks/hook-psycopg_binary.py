"""Replaces pyinstaller-hooks-contrib's hook, whose ``psycopg_binary._uuid`` no longer exists (psycopg 3.3).

psycopg chooses its implementation at import time (``psycopg_c``, then ``psycopg_binary``, then ctypes over a
system libpq); the binary one must be in the bundle, or the app would silently depend on the user's libpq.
collect_submodules() cannot be used: psycopg_binary refuses to be imported before psycopg. The modules are
listed from the package's folder instead; psycopg reads psycopg-binary's version from its metadata.
"""

import importlib.util
from pathlib import Path

from PyInstaller.utils.hooks import copy_metadata

_spec = importlib.util.find_spec("psycopg_binary")
_base = Path(next(iter(_spec.submodule_search_locations)))

hiddenimports = sorted(
    {
        "psycopg_binary." + p.name.split(".", 1)[0]
        for p in _base.iterdir()
        if p.suffix in (".py", ".so", ".pyd") and p.name.split(".", 1)[0] not in ("__init__",)
    }
)
datas = copy_metadata("psycopg-binary")
