"""A far CRM (issue 18): a commit batch costs at most four round trips, counted on a real delayed loopback
link (the benchmark's :class:`DelayedLink`, in front of the test server); batches grow with the link's
latency and keep their size on resume; the commit's ETA counts the round trips from the first batch; the
connection check measures the round-trip time; the session's stage table is made again when missing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from leadfiles import ADMIN, SALES, check_audit, lead, query, write_leads_csv
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm_importer.bench import DelayedLink, commit_rounds
from crm_importer.crm import committer, statements
from crm_importer.crm.link import measure_round_trip
from crm_importer.crm.options import Assignment, CommitOptions
from crm_importer.engine.errors import CancelledError
from crm_importer.engine.jobstore import CANCELLED, COMPLETED, JobStore
from crm_importer.engine.pipeline import Progress
from crm_importer.engine.readers import ReadOptions
from crm_importer.gui import tasks
from crm_importer.service import ImportRequest, commit_validated, resume_import, run_import, validate


def socket_of(dsn: str) -> str | tuple[str, int]:
    params = conninfo_to_dict(dsn)
    host, port = str(params.get("host") or "localhost"), int(params.get("port") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def through(link: DelayedLink, dsn: str) -> str:
    return make_conninfo(dsn, host="127.0.0.1", port=str(link.port))


class Batches:
    """Progress of the commit phase: the link's round trips between two batches, and the ETA said."""

    def __init__(self, link: DelayedLink | None = None, cancel_after: int | None = None) -> None:
        self.link = link
        self.cancel_after = cancel_after
        self.round_trips: list[int] = []
        self.etas: list[float | None] = []
        self._seen = 0

    def progress(self, p: Progress) -> None:
        if p.phase != "committing":
            return
        self.etas.append(p.eta_seconds)
        if self.link is not None:
            self.round_trips.append(self.link.round_trips - self._seen)
            self._seen = self.link.round_trips

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.etas) >= self.cancel_after


def test_batch_size_grows_with_the_links_latency() -> None:
    assert committer.batch_rows_for(0.0002) == committer.COMMIT_ROWS  # the same machine, a LAN
    assert committer.batch_rows_for(0.009) == committer.COMMIT_ROWS
    assert committer.batch_rows_for(0.020) == 2 * committer.COMMIT_ROWS
    assert committer.batch_rows_for(0.040) == committer.MAX_COMMIT_ROWS  # 20 ms each way
    assert committer.batch_rows_for(5.0) == committer.MAX_COMMIT_ROWS  # never beyond a staged batch


def test_a_batch_costs_at_most_four_round_trips(pg_dsn: str, store: JobStore, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(committer, "COMMIT_ROWS", 40)
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(400)])
    with DelayedLink(socket_of(pg_dsn), 0.0) as link:
        seen = Batches(link)
        job = run_import(ImportRequest(path, through(link, pg_dsn), ADMIN, assign="round-robin:" + ",".join(SALES),
                                       on_duplicate="update"), store=store, progress=seen.progress)
    assert (job.status, job.imported_rows, job.commit_total_batches) == (COMPLETED, 400, 10)
    # A round's batches (committed side by side, over their own connections) are reported as they end: the
    # round trips of a round, per batch. The first round also holds the job's own (settings, its server
    # row, the link's time).
    per_batch = [sum(r) / len(r) for r in commit_rounds(seen.round_trips, committer.COMMIT_CONNECTIONS)[1:]]
    assert per_batch and max(per_batch) <= committer.ROUND_TRIPS_PER_BATCH
    assert min(per_batch) >= 3  # counted, not assumed: the COPY alone is two
    check_audit(pg_dsn, store, job)


def test_far_link_batches_keep_their_size_on_resume_and_the_eta_counts_round_trips(
        pg_dsn: str, store: JobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(committer, "COMMIT_ROWS", 16)
    monkeypatch.setattr(committer, "MAX_COMMIT_ROWS", 64)
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(300)])
    with DelayedLink(socket_of(pg_dsn), 0.010) as link:  # 20 ms round trips: 4 of them outweigh 16 rows
        seen = Batches(link, cancel_after=2)
        with pytest.raises(CancelledError):
            run_import(ImportRequest(path, through(link, pg_dsn), ADMIN), store=store, progress=seen.progress,
                       is_cancelled=seen.cancelled)
    [cancelled] = [j for j in store.list_jobs() if j.status == CANCELLED]
    # 300 rows by at most 64: 5 batches would leave the last round's second connection idle; 6 fill 3 rounds.
    assert cancelled.committed_batches == 2 and cancelled.commit_total_batches == 6
    # From the first batch, the ETA holds at least the round trips of the batches left (overlapped over the
    # connections that commit side by side).
    first = seen.etas[0]
    assert first is not None and first >= 3 * committer.ROUND_TRIPS_PER_BATCH * 0.020 / committer.COMMIT_CONNECTIONS
    # Resumed on a near link, over one connection: the batches are numbered as the import numbered them (all
    # of one size: 300 rows in as few batches of at most 64 as fill every round of two).
    monkeypatch.setenv("CRM_IMPORTER_COMMIT_CONNECTIONS", "1")
    resumed = resume_import(cancelled.id, dsn=pg_dsn, store=store)
    assert (resumed.status, resumed.imported_rows, resumed.commit_total_batches) == (COMPLETED, 300, 6)
    rows = [r for (r,) in query(pg_dsn, "SELECT import_row FROM public.leads WHERE import_job_id = %s",
                                (cancelled.id,))]
    assert sorted(rows) == list(range(2, 302))
    assert [n for (n,) in query(pg_dsn, "SELECT row_count FROM public.import_batches WHERE job_id = %s"
                                        " ORDER BY batch_no", (cancelled.id,))] == [50] * 6


@pytest.mark.parametrize(("kept", "sizes"), [
    # an older version cut each staged batch on its own, the last one short
    (CommitOptions(batch_rows=64), [64, 36] * 3),
    # a later one balanced them without filling the last round (5 batches of 60 over 2 connections)
    (CommitOptions(batch_rows=64, balanced=True), [60] * 5),
])
def test_a_job_first_committed_by_an_older_version_keeps_its_plan(pg_dsn: str, store: JobStore, tmp_path: Path,
                                                                  kept: CommitOptions, sizes: list[int]) -> None:
    """A job whose options say it was planned by an older version is committed, cut short and resumed with
    that plan: its batches keep their numbers and rows, nothing twice."""
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(300)])
    job = validate(path, store, read_options=ReadOptions(batch_rows=100))  # three staged batches of 100
    store.update_job(job.id, options=kept.stored_in(store.get_job(job.id).options))
    stop = Batches(cancel_after=2)
    with pytest.raises(CancelledError):
        commit_validated(store, job.id, dsn=pg_dsn, actor_email=ADMIN, policy="skip", assignment=Assignment(),
                         lang="en", progress=stop.progress, is_cancelled=stop.cancelled)
    assert store.get_job(job.id).commit_total_batches == len(sizes)
    resumed = resume_import(job.id, dsn=pg_dsn, store=store)
    assert (resumed.status, resumed.imported_rows, resumed.commit_total_batches) == (COMPLETED, 300, len(sizes))
    assert [n for (n,) in query(pg_dsn, "SELECT row_count FROM public.import_batches WHERE job_id = %s"
                                        " ORDER BY batch_no", (job.id,))] == sizes
    rows = [r for (r,) in query(pg_dsn, "SELECT import_row FROM public.leads WHERE import_job_id = %s", (job.id,))]
    assert sorted(rows) == list(range(2, 302))


def test_connection_check_measures_the_round_trip(pg_dsn: str) -> None:
    with DelayedLink(socket_of(pg_dsn), 0.025) as link:
        far = tasks.check_connection(tasks.CrmSession(through(link, pg_dsn), ADMIN))
        with psycopg.connect(through(link, pg_dsn)) as conn:
            assert measure_round_trip(conn) * 1000 >= 50
    assert far.identity is not None and far.round_trip_ms is not None and far.round_trip_ms >= 50
    near = tasks.check_connection(tasks.CrmSession(pg_dsn, ADMIN))
    assert near.round_trip_ms is not None and near.round_trip_ms < 50


def test_the_stage_table_is_made_again_when_missing_or_another_jobs(pg_dsn: str) -> None:
    """Behind a transaction pooler a transaction may meet a backend without the stage table, or with another
    job's (other columns of the CRM's own): the batch's first round trip makes it right, in ``pg_temp`` only."""
    def columns(conn: psycopg.Connection) -> list[str]:
        return [c for (c,) in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass('pg_temp._crm_stage') AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum")]

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert columns(conn) == []
        conn.execute(statements.ensure_stage_sql(["score"]))  # another job's, kept by the session
        assert columns(conn) == list(statements.stage_columns(["score"]))
        conn.execute("BEGIN")
        conn.execute(statements.ensure_stage_sql())
        conn.execute("INSERT INTO _crm_stage (import_row) VALUES (1)")
        conn.execute("COMMIT")
        assert columns(conn) == list(statements.stage_columns())
        assert conn.execute("SELECT count(*) FROM _crm_stage").fetchone() == (0,)  # emptied at commit
        conn.execute("DROP TABLE pg_temp._crm_stage")  # what a fresh backend has
        conn.execute(statements.ensure_stage_sql())
        assert columns(conn) == list(statements.stage_columns())
