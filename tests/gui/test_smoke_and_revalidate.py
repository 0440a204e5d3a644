"""The packaged app's smoke test, and re-validating one fixed row without Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE

from crm_importer.engine.jobstore import JobStore
from crm_importer.engine.pipeline import validate_file
from crm_importer.engine.revalidate import revalidate_row, row_cells

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_starts_and_exits_zero(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CRM_IMPORTER_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "crm_importer", "--smoke"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_revalidate_row_fixes_and_finds_new_duplicates(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job = validate_file(SAMPLE, store)
        assert (job.invalid_rows, job.duplicate_rows) == (6, 5)
        email_col = job.headers.index("Adresse e-mail")
        assert row_cells(store, job, 14)[email_col] == "jean.dupont@@exemple.fr"
        fix = revalidate_row(store, job, 14, email_col, "jean.dupont@exemple.fr")
        assert fix.valid and fix.job.invalid_rows == 5 and fix.job.valid_rows == 195
        # row 39 takes the email of row 2: valid, but now a duplicate of it
        first_email = row_cells(store, job, 2)[email_col]
        fix = revalidate_row(store, job, 39, email_col, first_email)
        assert fix.valid and fix.job.duplicate_rows == 6
        dup = [i for i in store.issues(job.id, statuses=["duplicate"]) if i.row_no == 39]
        assert dup and dup[0].dup_of == 2
        # still wrong: the row keeps an issue with the new value
        fix = revalidate_row(store, job, 60, job.headers.index("Téléphone"), "12")
        assert not fix.valid and fix.error_codes == ("invalid_phone",)
        assert store.issues(job.id, statuses=["invalid"], code="invalid_phone")[0].errors[0].value == "12"
