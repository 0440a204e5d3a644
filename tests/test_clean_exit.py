"""No thread outlives the work it serves: a file refused early exits 2, never SIGABRT (issue 14, item 2).

The phone rules are built on a thread while the file is hashed and opened. When the file was refused
before that thread was joined, the interpreter could exit while the thread still ran polars code:
"Fatal Python error: Aborted" (exit 134), a few runs in a hundred under CPU load.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from leadfiles import ROOT, cli_env


def _refused_csv(path: Path) -> Path:
    path.write_text("Nom;Ville\nDupont;Paris\nMartin;Lyon\n", encoding="utf-8")  # no email, no phone column
    return path


def test_no_thread_is_left_running_when_the_file_is_refused(tmp_path: Path) -> None:
    """In a fresh interpreter (the warm-up then takes its real ~0.15 s, far longer than the refusal),
    right after validate_file raised, only the main thread is left."""
    csv = _refused_csv(tmp_path / "refused.csv")
    script = textwrap.dedent(
        f"""
        import threading
        from crm_importer.engine.errors import UnusableFileError
        from crm_importer.engine.jobstore import JobStore
        from crm_importer.engine.pipeline import validate_file
        with JobStore({str(tmp_path / "jobs.sqlite3")!r}) as store:
            try:
                validate_file({str(csv)!r}, store)
            except UnusableFileError as exc:
                print(exc.code)
            print(sorted(t.name for t in threading.enumerate() if t is not threading.main_thread()))
        """
    )
    run = subprocess.run([sys.executable, "-c", script], env=cli_env(tmp_path / "home"), cwd=str(ROOT),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["no_contact_column", "[]"], run.stdout


def _hog(seconds: float) -> subprocess.Popen[bytes]:
    """One process spinning on a core for at most ``seconds`` (it stops by itself)."""
    code = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


@pytest.mark.slow
def test_an_early_refused_file_exits_2_every_time_under_a_cpu_hog(tmp_path: Path) -> None:
    """200 runs, two at a time, beside a process that keeps a core busy: every one exits 2 with its
    sentence; not one aborts."""
    csv = _refused_csv(tmp_path / "refused.csv")
    runs = 200
    env = cli_env(tmp_path / "home")

    def one(_: int) -> tuple[int, str]:
        proc = subprocess.run([sys.executable, "-m", "crm_importer", "validate", str(csv)], env=env,
                              cwd=str(ROOT), capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        return proc.returncode, proc.stderr

    started = time.monotonic()
    hog = _hog(900)  # bounded: it ends by itself even if this test is killed
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one, range(runs)))
    finally:
        hog.kill()
        hog.wait()
    codes = [code for code, _ in results]
    print(f"{runs} runs in {time.monotonic() - started:.0f} s")
    bad = [(code, err) for code, err in results if code != 2]
    assert not bad, f"{len(bad)} of {runs} runs did not exit 2: {bad[:3]}"
    assert codes.count(2) == runs
    assert all("maps to an email or a phone" in err and "Fatal" not in err for _, err in results)
