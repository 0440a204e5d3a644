"""A job store damaged anyway (a copy taken mid-write, a bad disk): recognised as damaged, moved aside with a
date, salvaged into a fresh store, the user told where the old file is; imports listed again from the CRM.
Also: writes waiting on another process's lock give way to a cancel; writability is never asked by opening
the file (that would drop this process's SQLite locks)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from leadfiles import ADMIN, lead, one_json, run_cli, scalar, write_leads_csv

from crm_importer.engine import storefiles
from crm_importer.engine.errors import CancelledError, StoreError
from crm_importer.engine.jobstore import FAILED, IMPORTING, JobStore


def _fill(path: Path, jobs: int = 30) -> list[str]:
    """A store with ``jobs`` jobs, one staged batch each, checkpointed into the database file."""
    ids = []
    with JobStore(path) as store:
        for i in range(jobs):
            job = store.create_job(file_path=f"/leads/{i}.csv")
            frame = pl.DataFrame({"__row": [1, 2, 3], "__valid": [True] * 3, "c0": [f"{i}-{'x' * 1500}"] * 3})
            store.stage_batch(job.id, 0, frame, {}, last_row=3, valid_count=3)
            ids.append(job.id)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids


def _damaged_copies(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("jobs.damaged-*.sqlite3"))


@pytest.mark.parametrize("damage", ["magic", "header"])
def test_a_store_whose_header_was_overwritten_is_moved_aside_and_its_jobs_recovered(tmp_path: Path,
                                                                                      damage: str) -> None:
    path = tmp_path / "jobs.sqlite3"
    ids = _fill(path)
    with open(path, "r+b") as f:  # no connection is open: the test may write the file
        f.write(b"not a database!!" if damage == "magic" else os.urandom(100))
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM jobs").fetchone()

    with JobStore.for_reading(path) as store:
        assert store.write_error is None
        salvage = store.salvage
        assert salvage is not None and salvage.method == "read"
        assert (salvage.jobs, salvage.batches, salvage.incomplete) == (30, 30, 0)
        assert sorted(j.id for j in store.list_jobs()) == sorted(ids)
        assert store.load_batch(ids[7], 0)["c0"][0].startswith("7-")
        assert store.integrity_ok()
        assert store.meta("recovered_from") == str(salvage.moved_to)
    [moved] = _damaged_copies(tmp_path)
    assert moved == salvage.moved_to
    assert moved.read_bytes()[:16] != storefiles.MAGIC  # the damaged file itself is kept as it was
    with JobStore(path) as store:  # the next open is an ordinary one
        assert store.salvage is None and len(store.list_jobs()) == 30


def test_damage_found_while_in_use_is_said_then_salvaged_at_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    _fill(path, 40)
    with JobStore(path) as store:
        root = store._db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'batches'").fetchone()[0]
    with open(path, "r+b") as f:
        f.seek((root - 1) * 4096)
        f.write(os.urandom(4096))  # the batches table's root page
    store = JobStore(path)
    try:
        assert store.salvage is None  # opens: the damage is in a table not read yet
        with pytest.raises(StoreError) as caught:
            store.load_batch(store.list_jobs()[0].id, 0)
        assert caught.value.code == "store_damaged"
        assert "recovers what it can the next time" in caught.value.text("en")
        assert "récupère" in caught.value.text("fr")
    finally:
        store.close()
    assert storefiles.marker_path(path).exists()

    with JobStore(path) as store:
        salvage = store.salvage
        assert salvage is not None
        assert salvage.jobs == 40 and salvage.batches < 40  # the jobs survive, the batches on the page do not
        assert not storefiles.marker_path(path).exists()
        assert store.integrity_ok()


def test_a_salvaged_job_that_lost_batches_is_never_resumed(tmp_path: Path, isolated_home: Path) -> None:
    path = isolated_home / "data" / "jobs.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    with JobStore(path) as store:
        job = store.create_job(file_path=tmp_path / "a.csv", status=IMPORTING, crm_target="postgresql://x/crm",
                               actor_email=ADMIN, staged_batches=3, validation_done=True)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no batch was ever staged: 3 are missing
    with open(path, "r+b") as f:
        f.write(b"\0" * 16)
    with JobStore(path) as store:
        assert store.salvage is not None and store.salvage.incomplete == 1
        kept = store.get_job(job.id)
        assert (kept.status, kept.error_code) == (FAILED, "store_recovered_incomplete")
    done = run_cli(isolated_home, "resume", job.id, "--db", "postgresql://127.0.0.1:1/none")
    assert done.returncode == 4, done.stderr
    assert "cannot be resumed" in done.stderr and "Traceback" not in done.stderr


def test_the_cli_says_in_one_sentence_where_the_damaged_store_went(tmp_path: Path, isolated_home: Path) -> None:
    path = isolated_home / "data" / "jobs.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = _fill(path, 5)
    with open(path, "r+b") as f:
        f.write(os.urandom(64))
    sample = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(3)])
    done = run_cli(isolated_home, "validate", str(sample), "--json", "--lang", "fr")
    assert done.returncode == 0, done.stderr
    [sentence] = [line for line in done.stderr.splitlines() if line.strip()]
    [moved] = _damaged_copies(path.parent)
    assert sentence == (f"Le fichier de suivi {path} était endommagé : il a été déplacé vers {moved} et un "
                        "nouveau a été créé (traitements récupérés : 5).")
    listed = one_json(run_cli(isolated_home, "history", "--json").stdout)
    assert {j["job_id"] for j in listed} == {*ids, one_json(done.stdout)["job_id"]}


def test_imports_lost_with_the_store_are_listed_again_from_the_crm(pg_dsn: str, tmp_path: Path,
                                                                   isolated_home: Path) -> None:
    home = isolated_home
    first = write_leads_csv(tmp_path / "first.csv", [lead(i) for i in range(12)])
    done = run_cli(home, "import", str(first), "--db", pg_dsn, "--as", ADMIN, "--json")
    assert done.returncode == 0, done.stderr
    lost = one_json(done.stdout)["job_id"]
    path = home / "data" / "jobs.sqlite3"
    with JobStore(path) as store:
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with open(path, "r+b") as f:  # nothing left to salvage
        f.write(os.urandom(size))
    listed = one_json(run_cli(home, "history", "--json").stdout)
    assert listed == []

    second = write_leads_csv(tmp_path / "second.csv", [lead(i) for i in range(100, 105)])
    done = run_cli(home, "import", str(second), "--db", pg_dsn, "--as", ADMIN, "--json")
    assert done.returncode == 0, done.stderr
    history = {j["job_id"]: j for j in one_json(run_cli(home, "history", "--json").stdout)}
    assert set(history) == {lost, one_json(done.stdout)["job_id"]}
    again = history[lost]
    assert (again["status"], again["file_name"], again["imported_rows"]) == ("completed", "first.csv", 12)
    # Undo works from the CRM's own records: the relisted import can still be taken back.
    undo = run_cli(home, "undo", lost, "--db", pg_dsn, "--as", ADMIN)
    assert undo.returncode == 0, undo.stderr
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads WHERE import_job_id = %s", (lost,)) == 0
    # Listed once per CRM: a third import adds nothing again.
    done = run_cli(home, "import", str(write_leads_csv(tmp_path / "third.csv", [lead(200)])), "--db", pg_dsn,
                   "--as", ADMIN, "--json")
    assert done.returncode == 0, done.stderr
    assert len(one_json(run_cli(home, "history", "--json").stdout)) == 3


def test_a_write_waiting_for_another_process_lock_gives_way_to_a_cancel(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with JobStore(path) as store:
        job = store.create_job(file_path=tmp_path / "a.csv")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) >= 3  # the user presses Cancel while the write waits

    try:
        with JobStore(path, is_cancelled=cancelled) as store, pytest.raises(CancelledError):
            store.update_job(job.id, phase="x")
        assert len(asked) == 3  # asked between short waits, not once after 30 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with JobStore(path) as store:
        store.update_job(job.id, phase="y")  # once the lock is free, writes go through
        assert store.get_job(job.id).phase == "y"


def test_writability_is_asked_without_opening_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """for_reading never opens the database file outside SQLite: closing such a descriptor would drop every
    lock of this process's SQLite connections on it, and another process would delete the WAL."""
    import builtins
    import io

    path = tmp_path / "jobs.sqlite3"
    _fill(path, 1)
    opened: list[str] = []
    real_open = builtins.open

    def spy(file: object, *args: object, **kwargs: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)  # what pathlib's Path.open calls
    with JobStore.for_reading(path) as store:
        assert store.write_error is None and len(store.list_jobs()) == 1
    assert not [p for p in opened if Path(p).name in ("jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm")], opened
