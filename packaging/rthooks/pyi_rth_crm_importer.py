"""Runtime hook of the crm-importer bundle: programs it starts get the user's environment, not the bundle's.

On Linux the bootloader puts the bundle's ``_internal`` folder first in ``LD_LIBRARY_PATH`` (the user's own
value, if any, is kept in ``LD_LIBRARY_PATH_ORIG``). Every child process inherits it: the demo's PostgreSQL
(``initdb``, ``pg_ctl``, ``postgres``), ``runuser`` and a system ``pg_ctl``, and whatever ``QDesktopServices``
opens (the spreadsheet application showing an error report, the file manager), which would then load the
bundle's copies of libz, libssl, libstdc++, Qt... instead of their own, and may crash. This process resolved
its own libraries at start-up, so restoring the variable only affects the children. (PyInstaller documents
this: "LD_LIBRARY_PATH / LIBPATH considerations".)
"""

import os
import sys

if sys.platform.startswith(("linux", "freebsd", "openbsd", "sunos", "aix")):
    _bundle = os.path.normpath(sys._MEIPASS)
    for _var in ("LD_LIBRARY_PATH", "LIBPATH"):
        _orig = os.environ.pop(_var + "_ORIG", None)
        if _orig is not None:
            os.environ[_var] = _orig
        elif os.path.normpath(os.environ.get(_var, "").split(os.pathsep)[0]) == _bundle:
            del os.environ[_var]
