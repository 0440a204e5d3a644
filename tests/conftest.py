"""Test set-up: every standard folder redirected, Qt offscreen, a real PostgreSQL (see pgfixture)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Qt without a display aborts the process: pick the offscreen platform before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CRM_IMPORTER_LANG", "en")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

try:
    from pgfixture import *  # noqa: E402,F401,F403
except ImportError:  # pragma: no cover - only while the fixture module is being written
    pass


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data/config folders: no test touches the user's real job store."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CRM_IMPORTER_HOME", str(home))
    return home
