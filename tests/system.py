"""What some tests need of the machine (root, a Debian tool, a small disk) and how they get it.

Outside CI a missing capability skips the test with the reason; in CI (``CI=true``) it fails it, since
``.ci/run`` runs as root and installs them (``packaging/system-packages.sh --test``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(ok: bool, reason: str) -> None:
    """Skip with the reason here; in CI the tool must be there (packaging/system-packages.sh --test, root)."""
    if not ok:
        if in_ci():
            pytest.fail(f"{reason} (CI must provide it: packaging/system-packages.sh --test, run as root)", pytrace=False)
        pytest.skip(reason)


def is_root() -> bool:
    return os.geteuid() == 0


@contextmanager
def small_tmpfs(path: Path, size: str = "32m") -> Iterator[Path]:
    """A small disk of its own at ``path`` (a tmpfs), to fill up or make read-only."""
    need(is_root() and shutil.which("mount") is not None, "needs root to mount a small tmpfs")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], check=True,
                   capture_output=True, timeout=30)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True, timeout=30)


@contextmanager
def read_only(disk: Path) -> Iterator[Path]:
    """The tmpfs ``disk`` read-only for the duration (root can write no file on it either)."""
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True, timeout=30)
    try:
        yield disk
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=False, capture_output=True, timeout=30)
