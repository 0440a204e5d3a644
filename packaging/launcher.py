"""Entry script of the frozen bundle: one script, two executables (see crm_importer.spec).

Both executables of the folder are built from this script and the same analysis, so they share every
module and library. The name of the running executable picks the entry point, exactly as the installed
package's scripts do (pyproject.toml): ``crm-importer-gui`` runs ``crm_importer.gui.app:main``, anything
else runs ``crm_importer.cli:main`` (which itself opens the GUI without arguments).
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def _is_gui_executable() -> bool:
    name = os.path.splitext(os.path.basename(sys.executable))[0].lower()
    return name.endswith("-gui")


def run() -> int:
    if _is_gui_executable():
        from crm_importer.gui.app import run_gui

        return run_gui(sys.argv[1:])
    from crm_importer.cli import main

    return main()


if __name__ == "__main__":
    multiprocessing.freeze_support()  # a no-op unless some library starts worker processes
    raise SystemExit(run())
