"""The GUI open on the job store while scripts use it (issue 17): real CLI processes and a second GUI
process beside this one, for 30 s, in turns and at once. No process may be left holding a deleted -wal or
-shm (the sign that another one checkpointed and deleted the WAL under it), the store stays sound, and
every job is listed — by ``history`` and by this GUI's History."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE, make_csv, open_file, validate
from leadfiles import cli_env, popen_cli, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _deleted_store_files(pid: int) -> list[str]:
    """The job store's files this process holds open although they were deleted."""
    out = []
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if "jobs.sqlite3" in target and target.endswith("(deleted)"):
            out.append(target)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_gui_and_scripts_share_the_store_for_30_seconds(qtbot: Any, window: Any, isolated_home: Path,
                                                       tmp_path: Path) -> None:
    files = [make_csv(tmp_path / f"leads-{i}.csv", 300, start=i * 1000) for i in range(3)]
    second_gui = subprocess.Popen([sys.executable, "-m", "crm_importer.gui.app"], cwd=str(ROOT),
                                  env=cli_env(isolated_home, QT_QPA_PLATFORM="offscreen"),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    job_ids: set[str] = set()
    deleted: list[str] = []
    rounds = 0
    start = time.monotonic()
    try:
        while time.monotonic() - start < 30 or rounds < 4:
            rounds += 1
            at_once = rounds % 2 == 0
            procs = []
            for f in files:  # three validations and a history, at once or one after the other
                procs.append(popen_cli(isolated_home, "validate", str(f), "--json"))
                if not at_once:
                    _watch(qtbot, procs[-1:], [second_gui.pid], deleted)
            procs.append(popen_cli(isolated_home, "history", "--json"))
            _watch(qtbot, procs, [second_gui.pid], deleted)
            for p in procs[:-1]:
                out, err = p.communicate()
                assert p.returncode == 0, err
                job_ids.add(json.loads(out)["job_id"])
            out, err = procs[-1].communicate()
            assert procs[-1].returncode == 0, err
            if rounds == 2:  # this GUI validates too, while the scripts run
                open_file(qtbot, window, SAMPLE)
                job_ids.add(validate(qtbot, window).id)
            deleted += _deleted_store_files(os.getpid()) + _deleted_store_files(second_gui.pid)
            assert not deleted, deleted
            window.history.refresh()
            assert job_ids <= {j.id for j in window.history.model.jobs}, rounds
        assert second_gui.poll() is None, second_gui.stderr.read() if second_gui.stderr else ""
    finally:
        second_gui.terminate()
        second_gui.communicate(timeout=30)  # reaped, its pipe closed
    assert rounds >= 4 and len(job_ids) >= 12
    done = run_cli(isolated_home, "history", "--json")
    assert done.returncode == 0
    assert job_ids <= {j["job_id"] for j in json.loads(done.stdout)}
    db = sqlite3.connect(isolated_home / "data" / "jobs.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def _watch(qtbot: Any, procs: list[subprocess.Popen[str]], others: list[int], deleted: list[str]) -> None:
    """Wait for ``procs`` while the GUI's event loop runs, looking at every process's open files."""
    while any(p.poll() is None for p in procs):
        for pid in [os.getpid(), *others, *(p.pid for p in procs if p.poll() is None)]:
            deleted += _deleted_store_files(pid)
        qtbot.wait(50)
