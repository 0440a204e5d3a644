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
