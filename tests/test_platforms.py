"""Windows and macOS: no code path of the app relies on what only POSIX has without a fallback, and the OS
keyring of each platform is the one named and bundled.

The app's POSIX-only calls are listed here with the reason each is safe elsewhere (a guard, a fallback, or a
path Windows never takes); a new one fails this test until it is reviewed and added, so Windows and macOS
are thought of when the code is written, not when a user reports it.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

from crm_importer.crm.connection import KEYRING_BACKENDS

ROOT = Path(__file__).resolve().parent.parent

#: Modules only POSIX has.
POSIX_MODULES = {"fcntl", "pwd", "grp", "resource", "termios", "pty", "tty", "posix", "syslog"}
#: os / signal / socket attributes Windows lacks.
POSIX_ATTRIBUTES = {
    "os": {"geteuid", "getuid", "getgid", "getegid", "chown", "lchown", "fork", "setsid", "killpg", "getpgid",
           "setpgid", "statvfs", "sync", "getloadavg", "mkfifo", "WNOHANG", "O_NOFOLLOW", "O_DIRECTORY"},
    "signal": {"SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGSTOP",
               "SIGCONT", "SIGTSTP", "pause", "alarm", "setitimer", "pthread_kill", "siginterrupt"},
    "socket": {"AF_UNIX"},
}

#: (file, function, name) -> why it is safe on Windows and macOS.
REVIEWED = {
    ("crm_importer/crm/demo.py", "_start_system", "os.geteuid"): "after os.name == 'posix' (root only)",
    ("crm_importer/crm/demo.py", "_start_system", "pwd"): "inside the posix-and-root branch",
    ("crm_importer/crm/demo.py", "_start_system", "os.chown"): "inside the posix-and-root branch",
    ("crm_importer/crm/demo.py", "_listen_options", "pwd"): "after the os.name == 'nt' return (TCP there)",
    ("crm_importer/crm/demo.py", "_listen_options", "os.chown"): "after the os.name == 'nt' return",
    ("crm_importer/engine/storefiles.py", "recovery_lock", "fcntl"): "else branch of sys.platform == 'win32' (msvcrt)",
    ("crm_importer/bench.py", "_peak_mb", "resource"): "try/except ImportError, psutil on Windows",
    ("crm_importer/bench.py", "_serve", "socket.AF_UNIX"): "only for a server reached by a unix-socket path"
                                                         " (POSIX); on Windows the server is host:port",
}


def _visit(node: ast.AST, rel: str, where: str, found: set[tuple[str, str, str]]) -> None:
    """Record POSIX-only imports and attributes under ``node``, each with its enclosing function's name."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        where = node.name
    if isinstance(node, ast.Import):
        found.update((rel, where, a.name) for a in node.names if a.name.split(".")[0] in POSIX_MODULES)
    elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_MODULES:
        found.add((rel, where, node.module or ""))
    elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
          and node.attr in POSIX_ATTRIBUTES.get(node.value.id, ())):
        found.add((rel, where, f"{node.value.id}.{node.attr}"))
    for child in ast.iter_child_nodes(node):
        _visit(child, rel, where, found)


def _occurrences() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    files = sorted((ROOT / "crm_importer").rglob("*.py")) + sorted((ROOT / "packaging").glob("*.py")) + sorted(
        (ROOT / "packaging" / "rthooks").glob("*.py"))
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("packaging/smoke_test.py", "packaging/build.py", "packaging/bundle_trim.py",
                   "packaging/screenshots.py"):
            continue  # build tools, each run on the platform it builds for (reviewed in packaging/README.md)
        _visit(ast.parse(path.read_text(encoding="utf-8"), rel), rel, "<module>", found)
    return found


def test_posix_only_calls_are_reviewed() -> None:
    found = _occurrences()
    new = sorted(found - set(REVIEWED))
    assert not new, (f"POSIX-only code without a reviewed Windows/macOS path: {new}. Guard it (os.name, "
                     "sys.platform, try/except ImportError) and add it to REVIEWED with the reason.")
    gone = sorted(set(REVIEWED) - found)
    assert not gone, f"REVIEWED lists code that is no longer there: {gone}"


def test_no_posix_module_is_imported_at_module_level() -> None:
    """An import at the top of a module would fail on Windows before any guard runs."""
    assert not [o for o in _occurrences() if o[1] == "<module>" and o[2].split(".")[0] in POSIX_MODULES]


@pytest.mark.parametrize("platform", sorted(KEYRING_BACKENDS))
def test_keyring_backends_are_named_per_os(platform: str) -> None:
    """keyring ships the back-end module of every OS; the third-party modules it needs are installed where
    they are used (the bundle of each OS lists them as hidden imports)."""
    modules = KEYRING_BACKENDS[platform]
    assert modules[0].startswith("keyring.backends.")
    for name in modules:
        if name.startswith("keyring.") or platform == sys.platform:
            assert importlib.util.find_spec(name) is not None, name


def test_the_keyring_in_use_here_is_one_of_this_os() -> None:
    import keyring

    chosen = keyring.get_keyring()
    mine = KEYRING_BACKENDS["linux" if sys.platform.startswith("linux") else sys.platform]
    # A desktop has its back-end; a bare server (this CI) has none usable, and keyring says so (fail/chainer).
    modules = {type(chosen).__module__} | {type(b).__module__ for b in getattr(chosen, "backends", ())}
    assert modules <= {*mine, "keyring.backends.fail", "keyring.backends.chainer"}, chosen
