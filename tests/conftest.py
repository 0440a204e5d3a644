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

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402
from pgfixture import *  # noqa: E402,F401,F403

from crm_importer.engine.jobstore import JobStore  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data/config folders: no test touches the user's real job store."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CRM_IMPORTER_HOME", str(home))
    return home


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    """A job store of the test's own (beside, not inside, the isolated home)."""
    with JobStore(tmp_path / "store" / "jobs.sqlite3") as s:
        yield s


@pytest.fixture
def make_crm(pg_server: str, pg_template: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh CRM databases, each dropped at the end of the test."""
    from leadfiles import fresh_crms

    with fresh_crms(pg_server, pg_template) as make:
        yield make
