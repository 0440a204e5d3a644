"""validate_file end to end on real files and a real job store: counts, in-file duplicates, resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import write_bytes, write_csv, write_leads

from crm_importer.engine.errors import CancelledError, RowError, UnusableFileError
from crm_importer.engine.jobstore import VALIDATED, VALIDATING, Job, JobStore
from crm_importer.engine.pipeline import Progress, scan_file, validate_file
from crm_importer.engine.readers import ReadOptions
from crm_importer.engine.validate import ValidationOptions

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Prénom", "E-mail", "Téléphone", "ID externe"]


def duplicates(store: JobStore, job: Job) -> dict[int, int]:
    """Row -> the row it duplicates."""
    return {i.row_no: i.dup_of for i in store.issues(job.id, statuses=["duplicate"])}


def invalid_rows(store: JobStore, job: Job) -> set[int]:
    return store.issue_rows(job.id, ["invalid"])


def check_counts(store: JobStore, job: Job) -> None:
    """SPEC 10: duplicate_rows ⊆ valid_rows and total = valid + invalid, in the counters and the issues."""
    assert job.total_rows == job.valid_rows + job.invalid_rows
    dups = set(duplicates(store, job))
    bad = invalid_rows(store, job)
    assert len(dups) == job.duplicate_rows
    assert len(bad) == job.invalid_rows
    assert not dups & bad
    assert job.duplicate_rows <= job.valid_rows


# --- validate_file --------------------------------------------------------------------------------------
def test_validate_file_creates_a_job_with_counts(tmp_path: Path, store: JobStore) -> None:
    rows = [
        ["Zoé", "zoe@exemple.fr", "06 12 34 56 78", "Z1"],
        ["Bad", "not-an-email", "", ""],
        ["", "", "", ""],
        ["Léa", "LEA@exemple.fr", "", ""],
        ["Dup", "Zoe@Exemple.FR", "", ""],
        ["Nobody", "", "", "N1"],
    ]
    path = write_csv(tmp_path / "leads.csv", [HEADER, *rows], delimiter=";")
    seen: list[Progress] = []
    job = validate_file(path, store, progress=seen.append)

    assert job.status == VALIDATED and job.validation_done
    assert (job.total_rows, job.valid_rows, job.invalid_rows, job.duplicate_rows) == (5, 3, 2, 1)
    assert job.file_name == "leads.csv" and job.file_path == str(path.resolve())
    assert job.file_hash == scan_file(path).sha256
    assert (job.kind, job.encoding, job.delimiter, job.header_row) == ("csv", "utf-8", ";", 1)
    assert job.headers == HEADER
    assert job.mapping == ["first_name", "email", "phone", "external_id"]
    assert job.options["region"] == "FR"
    assert invalid_rows(store, job) == {3, 7}
    assert duplicates(store, job) == {6: 2}
    assert store.list_jobs()[0].id == job.id
    check_counts(store, job)
    phases = [p.phase for p in seen]
    assert phases[0] == "hashing" and "validating" in phases and phases[-1] == "deduplicating"
    assert seen[-1].fraction == 1.0


def test_header_only_file_validates_with_zero_rows(tmp_path: Path, store: JobStore) -> None:
    """A nightly export with no new leads is not an unusable file: validated, 0 rows, nothing invalid."""
    path = write_bytes(tmp_path / "h.csv", b"E-mail;Nom\r\n\r\n  ;  \r\n")
    job = validate_file(path, store)
    assert (job.status, job.total_rows, job.valid_rows, job.invalid_rows, job.duplicate_rows) == (
        "validated", 0, 0, 0, 0)
    assert job.rows_to_import == 0
    assert [j.id for j in store.list_jobs()] == [job.id]


def test_no_contact_column(tmp_path: Path, store: JobStore) -> None:
    path = write_csv(tmp_path / "x.csv", [["Nom", "Ville"], ["Dupont", "Paris"]])
    with pytest.raises(UnusableFileError) as err:
        validate_file(path, store)
    assert err.value.code == "no_contact_column"
    assert "Nom, Ville" in err.value.text("en")
    assert store.list_jobs() == []


def test_missing_file(tmp_path: Path, store: JobStore) -> None:
    with pytest.raises(UnusableFileError) as err:
        validate_file(tmp_path / "nope.csv", store)
    assert err.value.code == "file_not_found"


def test_mapping_json_override(tmp_path: Path, store: JobStore) -> None:
    path = write_csv(tmp_path / "m.csv", [["Contact", "Tel"], ["a@exemple.fr", "abc"]])
    job = validate_file(path, store, mapping_json={"Contact": "email", "Tel": None})
    assert job.mapping == ["email", None]
    assert (job.valid_rows, job.invalid_rows) == (1, 0)


def test_cp1252_file_late_byte_validates_as_cp1252(tmp_path: Path, store: JobStore) -> None:
    lines = ["E-mail;Nom"] + [f"lead{i}@exemple.fr;Nom{i}" for i in range(60_000)]
    path = tmp_path / "late.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode() + "zoé@exemple.fr;Cœur\r\n".encode("cp1252"))
    job = validate_file(path, store)
    assert job.encoding == "cp1252"
    assert (job.total_rows, job.valid_rows) == (60_001, 60_001)
    last = store.load_batch(job.id, job.staged_batches - 1).tail(1)
    assert last["f_email"].item() == "zoé@exemple.fr"
    assert last["c1"].item() == "Cœur"


# --- in-file duplicates -------------------------------------------------------------------------------
def test_duplicates_by_each_key(tmp_path: Path, store: JobStore) -> None:
    rows = [
        ["A", "alice@exemple.fr", "", ""],  # 2
        ["B", "ALICE@Exemple.fr ", "", ""],  # 3 dup of 2 (email, case and spaces)
        ["C", "", "06 12 34 56 78", ""],  # 4
        ["D", "", "+33 6 12 34 56 78", ""],  # 5 dup of 4 (same phone, other format)
        ["E", "", "612345678", ""],  # 6 dup of 4
        ["F", "f@exemple.fr", "", "Ext-9"],  # 7
        ["G", "g@exemple.fr", "", " ext-9 "],  # 8 dup of 7 (external id, case-insensitive, trimmed)
        ["H", "h@exemple.fr", "07 00 00 00 01", "other"],  # 9 unique
    ]
    job = validate_file(write_csv(tmp_path / "d.csv", [HEADER, *rows]), store)
    assert duplicates(store, job) == {3: 2, 5: 4, 6: 4, 8: 7}
    issues = {i.row_no: i for i in store.issues(job.id, statuses=["duplicate"])}
    err = issues[5].errors[0]
    assert err.code == "duplicate_in_file"
    assert err.params == {"dup_of": 4, "key": "phone"}
    assert err.text("en") == "Duplicate of row 4"
    assert err.text("fr") == "Doublon de la ligne 4"
    assert issues[3].errors[0].params["key"] == "email"
    assert issues[8].errors[0].params["key"] == "external_id"
    assert (job.valid_rows, job.duplicate_rows) == (8, 4)
    check_counts(store, job)


def test_invalid_rows_are_not_earlier_rows(tmp_path: Path, store: JobStore) -> None:
    rows = [
        ["A", "same@exemple.fr", "abc", ""],  # 2 invalid (phone): not a first occurrence
        ["B", "same@exemple.fr", "", ""],  # 3 first valid one
        ["C", "SAME@exemple.fr", "", ""],  # 4 dup of 3
        ["D", "same@exemple.fr", "", "x" * 500],  # 5 invalid (too long): never a duplicate
    ]
    job = validate_file(write_csv(tmp_path / "d.csv", [HEADER, *rows]), store)
    assert invalid_rows(store, job) == {2, 5}
    assert duplicates(store, job) == {4: 3}
    check_counts(store, job)


def test_duplicate_of_the_earliest_row_and_transitive_case(tmp_path: Path, store: JobStore) -> None:
    rows = [
        ["A", "a@exemple.fr", "", ""],  # 2
        ["B", "b@exemple.fr", "01 00 00 00 03", ""],  # 3
        ["C", "c@exemple.fr", "", ""],  # 4
        ["D", "A@exemple.fr", "06 99 99 99 99", ""],  # 5 dup of 2 by email
        ["E", "e@exemple.fr", "", ""],  # 6
        ["F", "f@exemple.fr", "+33699999999", ""],  # 7 shares only a phone with 5: dup of 5
        ["G", "c@exemple.fr", "0100000003", ""],  # 8 email of 4, phone of 3: dup of the earliest, 3
    ]
    job = validate_file(write_csv(tmp_path / "t.csv", [HEADER, *rows]), store)
    assert duplicates(store, job) == {5: 2, 7: 5, 8: 3}
    check_counts(store, job)


def test_duplicates_across_batches(tmp_path: Path, store: JobStore) -> None:
    rows = [[f"P{i}", f"p{i}@exemple.fr", "", f"id{i}"] for i in range(30)]
    rows[17][1] = "P3@EXEMPLE.FR"  # row 19 dup of row 5, batches apart
    rows[29][3] = "ID17"  # row 31 dup of row 19 by external id
    rows[25] = ["", "", "", ""]  # a blank row in between keeps its number (27)
    job = validate_file(
        write_csv(tmp_path / "b.csv", [HEADER, *rows]), store, read_options=ReadOptions(batch_rows=4)
    )
    assert job.staged_batches >= 7
    assert job.total_rows == 29
    assert duplicates(store, job) == {19: 5, 31: 19}
    check_counts(store, job)


def test_dedupe_keys_subset(tmp_path: Path, store: JobStore) -> None:
    rows = [
        ["A", "a@exemple.fr", "06 12 34 56 78", "X"],  # 2
        ["B", "b@exemple.fr", "0612345678", "x"],  # 3: same phone and id, other email
        ["C", "A@exemple.fr", "", ""],  # 4: same email
    ]
    path = write_csv(tmp_path / "k.csv", [HEADER, *rows])
    by_email = validate_file(path, store, options=ValidationOptions(dedupe_keys=("email",)))
    assert duplicates(store, by_email) == {4: 2}
    by_phone = validate_file(path, store, options=ValidationOptions(dedupe_keys=("phone",)))
    assert duplicates(store, by_phone) == {3: 2}
    by_none = validate_file(path, store, options=ValidationOptions(dedupe_keys=()))
    assert duplicates(store, by_none) == {}
    every = validate_file(path, store)
    assert duplicates(store, every) == {3: 2, 4: 2}
    assert len({by_email.id, by_phone.id, by_none.id, every.id}) == 4


def test_many_duplicates_counts(tmp_path: Path, store: JobStore) -> None:
    path = write_leads(tmp_path / "many.csv", 5_000, dup_every=10, bad_every=7)
    job = validate_file(path, store, read_options=ReadOptions(batch_rows=700))
    assert job.total_rows == 5_000
    check_counts(store, job)
    # lead_lines: a bad row (i % 7 == 6) is invalid; a dup row (i % 10 == 9) repeats row i-1's email,
    # unless either of the two is invalid.
    bad = {i for i in range(5_000) if i % 7 == 6}
    dups = {i for i in range(5_000) if i % 10 == 9 and i not in bad and i - 1 not in bad}
    assert invalid_rows(store, job) == {i + 2 for i in bad}
    assert duplicates(store, job) == {i + 2: i + 1 for i in dups}


# --- cancel and resume in process --------------------------------------------------------------------
def test_cancel_then_resume_continues_the_same_job(tmp_path: Path, store: JobStore) -> None:
    path = write_leads(tmp_path / "c.csv", 20_000, dup_every=9, bad_every=13)
    read = ReadOptions(batch_rows=1_500)
    validated: list[int] = []

    def progress(p: Progress) -> None:
        if p.phase == "validating":
            validated.append(p.rows)

    with pytest.raises(CancelledError):
        validate_file(
            path, store, read_options=read, progress=progress, is_cancelled=lambda: len(validated) >= 3
        )
    [cut] = store.list_jobs()
    assert cut.status == VALIDATING and not cut.validation_done
    assert cut.staged_batches == 3 and cut.total_rows == 4_500
    assert cut.validated_through == 4_501

    job = validate_file(path, store, read_options=read)
    assert job.id == cut.id and job.created_at == cut.created_at
    assert len(store.list_jobs()) == 1

    with JobStore(tmp_path / "clean.sqlite3") as clean_store:
        clean = validate_file(path, clean_store, read_options=read)
        assert_same_outcome(store, job, clean_store, clean)


def test_a_file_saved_over_while_it_is_read_fails_the_job(tmp_path: Path, store: JobStore) -> None:
    """Excel or a sync client rewrites the file mid-validation: the staged rows would mix two versions that
    the job's fingerprint does not describe, so the job fails and says so (resume refuses it too)."""
    path = write_leads(tmp_path / "c.csv", 20_000)
    rewritten: list[int] = []

    def progress(p: Progress) -> None:
        if p.phase == "validating" and not rewritten:
            rewritten.append(p.rows)
            with path.open("a", encoding="utf-8") as f:
                f.write("Zoé;Nouvelle;zoe.nouvelle@exemple.fr;;;\r\n")

    with pytest.raises(UnusableFileError) as info:
        validate_file(path, store, read_options=ReadOptions(batch_rows=1_500), progress=progress)
    assert info.value.code == "file_changed" and rewritten
    [job] = store.list_jobs()
    assert (job.status, job.error_code) == ("failed", "file_changed")
    assert "changed since job" in job.error_text("en") and "a changé" in job.error_text("fr")


def test_kill_after_duplicates_before_final_status_is_finished_not_redone(tmp_path: Path, store: JobStore) -> None:
    path = write_leads(tmp_path / "c.csv", 2_000, dup_every=5)
    first = validate_file(path, store, read_options=ReadOptions(batch_rows=300))
    # The state a kill leaves between record_duplicates (its own transaction) and the final status:
    store.update_job(first.id, status=VALIDATING, phase="validating", finished_at=None)
    again = validate_file(path, store, read_options=ReadOptions(batch_rows=300))
    assert again.id == first.id
    assert len(store.list_jobs()) == 1
    assert again.status == VALIDATED
    assert (again.total_rows, again.valid_rows, again.duplicate_rows) == (
        first.total_rows, first.valid_rows, first.duplicate_rows
    )
    assert again.duplicate_rows == 400


def test_resume_false_starts_a_new_job(tmp_path: Path, store: JobStore) -> None:
    path = write_leads(tmp_path / "c.csv", 3_000)
    batches: list[Progress] = []
    with pytest.raises(CancelledError):
        validate_file(
            path,
            store,
            read_options=ReadOptions(batch_rows=500),
            progress=batches.append,
            is_cancelled=lambda: any(p.phase == "validating" for p in batches),
        )
    assert store.list_jobs()[0].staged_batches == 1
    job = validate_file(path, store, read_options=ReadOptions(batch_rows=500), resume=False)
    assert len(store.list_jobs()) == 2
    assert job.total_rows == 3_000


def assert_same_outcome(store: JobStore, job: Job, other_store: JobStore, other: Job) -> None:
    counts = ("total_rows", "valid_rows", "invalid_rows", "duplicate_rows")
    assert [getattr(job, c) for c in counts] == [getattr(other, c) for c in counts]
    mine = [(i.row_no, i.status, i.dup_of, [e.to_json() for e in i.errors]) for i in store.issues(job.id)]
    theirs = [
        (i.row_no, i.status, i.dup_of, [e.to_json() for e in i.errors]) for i in other_store.issues(other.id)
    ]
    assert mine == theirs
    rows = [r for f in store.iter_batches(job.id, ["__row"]) for r in f["__row"].to_list()]
    assert rows == sorted(set(rows))  # every row staged exactly once, in order
    assert len(rows) == job.total_rows


# --- resume after a kill -------------------------------------------------------------------------------
def _job_state(db_path: Path) -> tuple[int, int] | None:
    """(staged_batches, validation_done) of the only job, read through a read-only connection."""
    if not db_path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=0.2)
        try:
            row = con.execute("SELECT staged_batches, validation_done FROM jobs").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return None if row is None else (int(row[0]), int(row[1]))


@pytest.mark.slow
def test_resume_after_sigkill(tmp_path: Path) -> None:
    big = write_leads(tmp_path / "BIG.csv", 300_000, dup_every=97, bad_every=89)
    home = tmp_path / "home"
    env = {**os.environ, "CRM_IMPORTER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    db_path = home / "data" / "jobs.sqlite3"
    cmd = [sys.executable, "-m", "crm_importer", "validate", str(big), "--json"]

    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    state = None
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            state = _job_state(db_path)
            if state is not None and state[0] >= 2:
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate(timeout=30)  # reaped, its pipes closed
    assert proc.returncode == -signal.SIGKILL, "the validation ended before it could be killed"
    assert state is not None and state[0] >= 2

    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        job_id, created_at, staged, through, done = con.execute(
            "SELECT id, created_at, staged_batches, validated_through, validation_done FROM jobs"
        ).fetchone()
        kept = con.execute("SELECT batch_no, rowid, last_row FROM batches ORDER BY batch_no").fetchall()
    finally:
        con.close()
    assert done == 0
    assert 2 <= staged == len(kept), "batches and checkpoint must move together"
    assert kept[-1][2] == through

    result = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr  # some rows are invalid
    assert "Traceback" not in result.stderr
    out = json.loads(result.stdout)
    assert out["job_id"] == job_id

    with JobStore(db_path) as store:
        jobs = store.list_jobs()
        assert [j.id for j in jobs] == [job_id]
        job = jobs[0]
        assert job.created_at == created_at
        assert job.status == VALIDATED and job.staged_batches > staged
        assert store.integrity_ok()
        # The batches staged before the kill were not redone: same rows in the table, untouched.
        again = {
            no: rowid
            for no, rowid in store._db.execute(
                "SELECT batch_no, rowid FROM batches WHERE batch_no < ?", (staged,)
            )
        }
        assert again == {no: rowid for no, rowid, _ in kept}

        with JobStore(tmp_path / "clean.sqlite3") as clean_store:
            clean = validate_file(big, clean_store)
            assert (out["total_rows"], out["valid_rows"], out["invalid_rows"], out["duplicate_rows"]) == (
                clean.total_rows,
                clean.valid_rows,
                clean.invalid_rows,
                clean.duplicate_rows,
            )
            assert clean.total_rows == 300_000
            assert_same_outcome(store, job, clean_store, clean)


def test_duplicate_error_json_shape(tmp_path: Path, store: JobStore) -> None:
    rows = [["A", "a@exemple.fr", "", ""], ["B", "a@exemple.fr", "", ""]]
    job = validate_file(write_csv(tmp_path / "d.csv", [HEADER, *rows]), store)
    [issue] = store.issues(job.id, statuses=["duplicate"])
    assert issue.errors == [RowError("duplicate_in_file", None, None, {"dup_of": 2, "key": "email"})]
    assert store.issue_code_counts(job.id) == {"duplicate_in_file": 1}
