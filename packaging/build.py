"""Build the crm-importer bundle with PyInstaller, then smoke-test it.

    python packaging/build.py [--clean] [--skip-smoke] [--skip-demo]

Runs PyInstaller on packaging/crm_importer.spec into packaging/dist (work files in packaging/build, the full
PyInstaller log in packaging/build/pyinstaller.log), runs packaging/smoke_test.py on the result, and prints
the bundle's size and the time taken. Use the Python of the project's virtual environment: PyInstaller
bundles the packages that Python sees (``pip install -e '.[package]'``). Exit status: 0 when the build and
the smoke test pass.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
SPEC = PACKAGING / "crm_importer.spec"
DIST = PACKAGING / "dist"
WORK = PACKAGING / "build"
BUNDLE = DIST / "crm-importer"
LOG = WORK / "pyinstaller.log"

# PyInstaller lines worth showing while it runs (the rest goes to the log file).
_SHOWN = re.compile(r"\b(ERROR|CRITICAL)\b|crm_importer\.spec:|Traceback|Error:")
_MISSING_LIB = re.compile(r"Library not found: could not resolve '([^']+)', dependency of '([^']+)'")


def bundle_size(path: Path) -> tuple[int, int]:
    """(bytes, files) of a folder, symbolic links counted as links (as the archive of it would hold them)."""
    total = files = 0
    for root, dirs, names in os.walk(path):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            total += os.lstat(os.path.join(root, name)).st_size
            files += 1
    return total, files


def run_pyinstaller(clean: bool) -> int:
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
    ]
    if clean:
        cmd.append("--clean")
    WORK.mkdir(parents=True, exist_ok=True)
    print("+ " + " ".join(cmd), flush=True)
    missing: dict[str, set[str]] = {}
    with open(LOG, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            match = _MISSING_LIB.search(line)
            if match:
                missing.setdefault(match.group(1), set()).add(Path(match.group(2)).name)
            elif _SHOWN.search(line):
                print("  " + line.rstrip(), flush=True)
        code = proc.wait()
    # Libraries of plugins the spec leaves out anyway (bundle_trim.UNWANTED_QT_PLUGINS) do not matter.
    sys.path.insert(0, str(PACKAGING))
    import bundle_trim

    dropped = {Path(p).name for p in bundle_trim.UNWANTED_QT_PLUGINS}
    missing = {lib: users for lib, users in missing.items() if not users <= dropped}
    if missing:
        print("  note: not on this build machine, so not bundled (the user's system must provide them):")
        for lib, users in sorted(missing.items()):
            print(f"    {lib} (needed by {', '.join(sorted(users)[:3])}{'...' if len(users) > 3 else ''})")
    if code != 0:
        tail = LOG.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-25:]
        print("\n".join("  | " + line for line in tail), file=sys.stderr)
        print(f"BUILD FAILED: PyInstaller exited {code}; full log: {LOG}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and smoke-test the crm-importer bundle.")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="remove packaging/build and packaging/dist and PyInstaller's cache first",
    )
    parser.add_argument("--skip-smoke", action="store_true", help="build only")
    parser.add_argument("--skip-demo", action="store_true", help="smoke test without the demo PostgreSQL")
    args = parser.parse_args(argv)

    if importlib.util.find_spec("PyInstaller") is None:
        print(
            f"PyInstaller is not installed for {sys.executable}: pip install -e '.[package]'", file=sys.stderr
        )
        return 2
    if args.clean:
        for folder in (WORK, DIST):
            shutil.rmtree(folder, ignore_errors=True)

    started = time.monotonic()
    code = run_pyinstaller(args.clean)
    build_seconds = time.monotonic() - started
    if code != 0:
        return code
    size, files = bundle_size(BUNDLE)
    print(f"Bundle: {BUNDLE} ({files} files)")

    smoke_seconds = 0.0
    if not args.skip_smoke:
        smoke_started = time.monotonic()
        smoke = [sys.executable, str(PACKAGING / "smoke_test.py"), "--bundle", str(BUNDLE)]
        if args.skip_demo:
            smoke.append("--skip-demo")
        code = subprocess.run(smoke, cwd=ROOT).returncode
        smoke_seconds = time.monotonic() - smoke_started

    print(f"Bundle size: {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB), {files} files")
    print(
        f"Build time: {build_seconds:.0f} s"
        + (f"; smoke test: {smoke_seconds:.0f} s" if smoke_seconds else "")
        + f"; total {build_seconds + smoke_seconds:.0f} s"
    )
    if code != 0:
        print("SMOKE TEST FAILED (see above)", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
