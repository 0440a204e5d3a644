"""The job store on its own: first opens racing, schema version, integrity after use."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from crm_importer.engine.errors import StoreError
from crm_importer.engine.jobstore import SCHEMA_VERSION, JobStore


def _open_and_close(path: str) -> None:
    JobStore(path).close()


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    for round_no in range(4):
        path = tmp_path / f"r{round_no}" / "jobs.sqlite3"
        path.parent.mkdir()
        procs = [ctx.Process(target=_open_and_close, args=(str(path),)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0, 0, 0, 0]
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_store_from_a_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError) as caught:
        JobStore(path)
    assert "newer" in caught.value.text()


def test_job_id_prefix_is_matched_literally(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job = store.create_job(file_path=tmp_path / "a.csv", id="abcd_123-0000")
        assert store.get_job("abcd_").id == job.id
        store.create_job(file_path=tmp_path / "b.csv", id="abcdX123-0000")
        assert store.get_job("abcd_").id == job.id  # "_" is not a wildcard: no ambiguity
        assert store.get_job("abcdX").id != job.id


def test_a_store_of_the_first_version_is_migrated_and_keeps_its_jobs(tmp_path: Path) -> None:
    """v1 stores (no error parameters) open, gain the column, and their failed jobs still say why."""
    from crm_importer.engine import jobstore

    path = tmp_path / "jobs.sqlite3"
    with sqlite3.connect(path) as db:
        for statement in jobstore._split_sql(jobstore._MIGRATIONS[1]):
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO jobs (id, created_at, updated_at, status, file_path, file_name, error_code,"
                   " error_message) VALUES ('j1', '2026-01-01', '2026-01-01', 'failed', '/a.csv', 'a.csv',"
                   " 'commit_failed', 'The import stopped at batch 2 of 3: x.')")
    with JobStore(path) as store:
        job = store.get_job("j1")
        assert job.error_params is None
        assert job.error_text("fr") == "The import stopped at batch 2 of 3: x."  # all a v1 store knows
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert db.execute("SELECT count(*) FROM crm_schemas").fetchone()[0] == 0


def test_a_read_only_store_is_read_and_a_missing_one_reads_empty(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with JobStore(path) as store:
        store.create_job(file_path=tmp_path / "a.csv", id="j1")
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with JobStore(path, read_only=True) as store:
            assert [j.id for j in store.list_jobs()] == ["j1"]
            with pytest.raises(StoreError):
                store.update_job("j1", status="failed")
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)
    with JobStore(tmp_path / "none" / "jobs.sqlite3", read_only=True) as store:
        assert store.list_jobs() == []
    assert not (tmp_path / "none").exists()
