"""The GUI with a job store it cannot write (a read-only disk) or cannot read (a newer version's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE, open_file, wait_for
from system import read_only, small_tmpfs

from crm_importer import paths
from crm_importer.engine.errors import NotCompletedError
from crm_importer.engine.jobstore import JobStore

ROOT = Path(__file__).resolve().parents[2]


def test_a_read_only_job_store_still_shows_history_and_says_why_nothing_can_be_validated(
    qtbot: Any, qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_importer.gui.app import create_main_window

    with small_tmpfs(tmp_path / "disk") as disk:
        monkeypatch.setenv("CRM_IMPORTER_HOME", str(disk / "home"))
        with JobStore(paths.job_store_path()) as store:
            job = store.create_job(file_path=SAMPLE, crm_target="host=crm", actor_email="a@b.fr", total_rows=3)
            store.fail_job(job.id, NotCompletedError("commit_stopped", reason="server gone", job_id=job.id))
        with read_only(disk):
            told: list[str] = []
            window = create_main_window(auto_connect=False)
            ctx = window.ctx
            ctx.tell = lambda _parent, _title, text, error=False: told.append(text)
            qtbot.addWidget(window)
            window.show()
            try:
                wait_for(qtbot, lambda: bool(told), 5_000)
                assert "cannot be written" in told[0] and "History can be read" in told[0]
                assert ctx.store.read_only
                window.show_view(1)
                assert [j.id for j in window.history.model.jobs] == [job.id]
                assert window.history.select_job(job.id)
                assert "server gone" in window.history.banner.text.text()
                # Validating says why it cannot, in one sentence (no traceback, no crash).
                window.show_view(0)
                open_file(qtbot, window)
                wizard = window.wizard
                while wizard.current < 3:
                    wizard.go_next()
                with qtbot.waitSignal(wizard.validation_page.validation_failed, timeout=60_000) as failed:
                    wizard.validation_page.start()
                assert "cannot be written" in failed.args[0] and "Traceback" not in failed.args[0]
            finally:
                ctx.pool.shutdown()
                qapp.processEvents()
                ctx.close()


def test_a_job_store_from_a_newer_version_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "CRM_IMPORTER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "CRM_IMPORTER_LANG": "fr"}
    subprocess.run([sys.executable, "-m", "crm_importer", "history"], env=env, check=True, capture_output=True)
    store = next(home.rglob("jobs.sqlite3"))
    import sqlite3

    with sqlite3.connect(store) as db:
        db.execute("PRAGMA user_version = 99")
    done = subprocess.run([sys.executable, "-m", "crm_importer", "--smoke"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert "vient d’une version plus récente de crm-importer (format v99)" in done.stderr
