"""The package passes ruff and mypy (pyproject's settings), so CI keeps both clean.

Both run as subprocesses of this interpreter's environment, the versions the test extra installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing_in_the_package_and_the_tests() -> None:
    done = _run("ruff", "check", "--no-cache", "crm_importer", "tests")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    done = _run("mypy", "--no-incremental", "crm_importer")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
