"""Phase 2 of an import: a validated job's staged rows into the CRM, each batch exactly once.

A commit batch (``COMMIT_ROWS`` valid rows, more on a far link: :func:`batch_rows_for`) goes in as one
transaction, in four round trips whatever the link's latency (:data:`ROUND_TRIPS_PER_BATCH`):

1. ``BEGIN``, then: the transaction's settings (:func:`transaction_settings`: who the importer acts as,
   its timeouts); the commit lock (below); the ledger read; the stage and match tables made sure of
   (temporary tables kept for the session, emptied at every commit, created again when missing: behind a
   transaction pooler a transaction may meet another backend); and the match of the batch's keys against
   existing leads through the normalized-key indexes (:func:`build_match_sql`), whose count says how many
   of its rows will be inserted, and so where the next batch's round-robin turns start;
2. and 3. ``COPY`` of the rows into the stage table (its query, then its data: it cannot be pipelined);
4. under a savepoint, one set-based statement: the duplicate policy (skip / update / create) on the
   matches, the assignment, the inserted and updated leads and their ``lead_history`` rows, the ledger row
   ``import_batches(job_id, batch_no)``; then the job's counters made again from the ledger (by a round's
   leader or a batch committed alone: :func:`job_counters_sql`), and ``COMMIT``.

Each round trip is one simple-protocol query string holding its statements (the values bound by the
client, so no server-side statement is prepared: a transaction pooler stays fine).

**Side by side.** A job commits over :data:`COMMIT_CONNECTIONS` connections at once, in rounds: the
server works on one batch while it works on another (its cores), and a far link's round trips overlap.
A job has as many batches as fill every round (:func:`plan_batches`), and the next round's rows are read
from the job store and its COPY data made while a round is on the wire.
Batches of one job never match each other's rows (the file's own duplicates are left out), but two
imports into one CRM must dedupe against each other's leads; so batches of *different* jobs never overlap
between their match and their commit, and batches of one job may. Two advisory locks say it:

* a round's first batch (its *leader*, or a batch committed alone) takes the commit lock
  (``COMMIT_LOCK_KEY``, transaction-level, exclusive) in its first round trip, then waits until no batch
  holds the room (``ROOM_KEY``: a session-level lock taken and released at once, a barrier);
* the round's other batches (its *followers*) open their transaction and copy their rows without either
  lock; their last round trip takes the room in shared mode (held to their commit), checks that their
  leader still holds the commit lock (``pg_locks``: else it raises :data:`LEADER_GONE`, and the batch goes
  again alone), matches and writes. The next leader, of this job or another, waits at the barrier until
  they have committed.

So a follower's match and writes always run while its own job holds the commit lock, and no other job's
batch runs between another's match and commit. Waits on the client side are short and bounded
(:data:`ROOM_WAIT`): a leader, before its batch statement, waits for its followers to have copied their
rows (which waits on nothing of it), so that their last round trip meets it still holding the commit lock;
a follower waits for its leader's first round trip (where its round-robin turns start), holding no
advisory lock, and past the bound lets its transaction go and commits alone. A follower's retry (after a
lost connection) goes alone too.

The ledger row commits with the leads, so a batch is in the CRM exactly when its ledger row is. Before a
batch is (re)tried the ledger is read, and the batch statement reads it again (a run committing the same
batch meanwhile is seen, and nothing is written twice; the unique ``(import_job_id, import_row)`` of the
leads is the last guard): a retried, resumed or ambiguously committed batch is never inserted twice.
Connection losses, server restarts, serialization failures and deadlocks are retried with exponential
backoff and jitter on a fresh connection; rows the server rejects (a CRM constraint, a trigger, a tighter
column) are isolated by splitting the batch under savepoints and reported, and the rest goes in (the batch
then takes the slower way: one statement per split, the ledger row after).
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from crm_importer.crm.connection import Identity
from crm_importer.crm.link import (
    CrmLink,
    act_as,
    autocommit,
    begin_as,
    in_one_trip,
    reason,
)
from crm_importer.crm.names import CrmNames
from crm_importer.crm.options import CommitOptions
from crm_importer.crm.statements import (
    build_commit_sql,
    build_match_sql,
    default_sql,
    ensure_match_sql,
    ensure_stage_sql,
    job_counters_sql,
    matches,
    stage_columns,
    stage_name,
)
from crm_importer.engine import errors as E
from crm_importer.engine.errors import CancelledError, ImporterError, RowError
from crm_importer.engine.fields import DEDUPE_KEYS, LEAD_COLUMNS
from crm_importer.engine.jobstore import COMPLETED, IMPORTING, Job, JobStore, now_iso
from crm_importer.engine.pipeline import CancelFn, Progress, ProgressFn, never_cancelled, no_progress
from crm_importer.engine.readers.base import ROW_COL
from crm_importer.engine.typed import CrmColumn
from crm_importer.engine.validate import VALID_COL, ValidationOptions, fcol, kcol

log = logging.getLogger(__name__)

#: Valid rows per commit batch (one transaction each) on a near link.
COMMIT_ROWS = 5_000
#: The most rows a commit batch grows to on a far link: a staged batch (the unit already held in memory).
MAX_COMMIT_ROWS = 20_000
#: Round trips of one commit batch (see the module docstring).
ROUND_TRIPS_PER_BATCH = 4
#: What one row costs the server in a commit batch, before the first batch measured it (seconds).
ROW_SECONDS = 1e-4
#: Batches grow until the link's round trips take at most this share of a batch's time…
LATENCY_SHARE = 0.1
#: … on a link at least this far (seconds per round trip): the same machine or a LAN never changes them.
FAR_ROUND_TRIP = 0.010
#: Connections a job commits over side by side (see the module docstring); the environment variable
#: ``CRM_IMPORTER_COMMIT_CONNECTIONS`` says otherwise (1: one batch after the other, for a CRM with few
#: connection slots to spare).
COMMIT_CONNECTIONS = 2
#: Transaction-level advisory lock serialising the dedupe-and-insert step of concurrent imports.
COMMIT_LOCK_KEY = 0x63726D5F636F6D  # "crm_com"
#: Advisory lock held (shared) by the batches that commit beside their round's leader: the next holder of
#: the commit lock waits until none holds it (see the module docstring).
ROOM_KEY = 0x63726D5F726F6F  # "crm_roo"
#: The commit lock, then the barrier (see the module docstring): what a leader, a batch alone and an undo
#: take before they match or change the CRM's leads.
COMMIT_LOCK_SQL = (f"SELECT pg_advisory_xact_lock({COMMIT_LOCK_KEY});"
                   f" SELECT pg_advisory_lock({ROOM_KEY}), pg_advisory_unlock({ROOM_KEY})")
#: How long a follower, its rows copied, waits for its leader's first round trip before it lets its
#: transaction go and commits alone; and a leader for its followers' rows to be copied (seconds).
ROOM_WAIT = 5.0
#: SQLSTATE a follower's last round trip raises when its leader no longer holds the commit lock.
LEADER_GONE = "CRM01"


# --- the plan --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommitBatch:
    no: int
    #: Where its rows are: (staged batch, index of the first row among its committable rows, rows) for each
    #: staged batch it takes rows from, in file order.
    parts: tuple[tuple[int, int, int], ...]
    rows: int
    first_row: int
    last_row: int


def commit_connections() -> int:
    """How many connections a job commits over (:data:`COMMIT_CONNECTIONS`, or the environment's say)."""
    said = os.environ.get("CRM_IMPORTER_COMMIT_CONNECTIONS", "").strip()
    if said.isdigit() and int(said) >= 1:
        return min(int(said), 8)
    return COMMIT_CONNECTIONS


def committable(frame: pl.DataFrame, skip: pl.Series) -> pl.DataFrame:
    """The rows of a staged batch that go to the CRM: valid and not a duplicate within the file."""
    return frame.filter(pl.col(VALID_COL) & ~pl.col(ROW_COL).is_in(skip.implode()))


def batch_rows_for(round_trip: float) -> int:
    """Rows per commit batch for a link with this round-trip time (seconds): ``COMMIT_ROWS``; on a far link
    (:data:`FAR_ROUND_TRIP`) doubled while the batch's round trips would take more than
    :data:`LATENCY_SHARE` of its time, up to ``MAX_COMMIT_ROWS`` (a staged batch: no more rows in memory
    than validation holds)."""
    rows = COMMIT_ROWS
    if round_trip < FAR_ROUND_TRIP:
        return rows
    latency = ROUND_TRIPS_PER_BATCH * max(round_trip, 0.0)
    while rows * 2 <= MAX_COMMIT_ROWS and latency > LATENCY_SHARE * (latency + rows * ROW_SECONDS):
        rows *= 2
    return rows


def plan_batches(store: JobStore, job: Job, batch_rows: int | None = None, *,
                 balanced: bool = True, rounds: int = 1) -> list[CommitBatch]:
    """Commit batches of at most ``batch_rows`` rows (``COMMIT_ROWS`` by default), numbered the same way on
    every run with the same options (the job keeps those it was first committed with).

    ``balanced``: as few batches as that size allows, all of the same size (give or take a row), taking
    rows across staged batches (whose sizes follow the reader's chunks), so that batches committed side by
    side end together; when there is more than one, their number is a multiple of ``rounds`` (the
    connections committing side by side: the last round is full, not one batch committed alone while the
    other connections wait). Otherwise (the plan of jobs first committed by older versions, kept for their
    resume): each staged batch cut on its own, its last batch short."""
    size = batch_rows or COMMIT_ROWS
    dup_rows = pl.Series(sorted(store.issue_rows(job.id, ["duplicate"])), dtype=pl.UInt32)
    staged = [committable(frame, dup_rows)[ROW_COL]
              for frame in store.iter_batches(job.id, [ROW_COL, VALID_COL])]
    plan: list[CommitBatch] = []
    if not balanced:
        for staged_no, rows in enumerate(staged):
            for start in range(0, rows.len(), size):
                part = rows.slice(start, size)
                plan.append(CommitBatch(len(plan), ((staged_no, start, part.len()),), part.len(),
                                        int(part[0]), int(part[-1])))
        return plan
    total = sum(rows.len() for rows in staged)
    count = -(-total // size)
    if count == 0:
        return plan
    if count > 1 and rounds > 1:
        count = min(-(-count // rounds) * rounds, total)
    cuts = [total * i // count for i in range(count + 1)]
    staged_no, offset = 0, 0
    for no in range(count):
        want = cuts[no + 1] - cuts[no]
        parts: list[tuple[int, int, int]] = []
        first, last = -1, -1
        while want:
            rows = staged[staged_no]
            take = min(want, rows.len() - offset)
            if take:
                parts.append((staged_no, offset, take))
                first = int(rows[offset]) if first < 0 else first
                last = int(rows[offset + take - 1])
                offset += take
                want -= take
            if offset == rows.len():
                staged_no, offset = staged_no + 1, 0
        plan.append(CommitBatch(no, tuple(parts), cuts[no + 1] - cuts[no], first, last))
    return plan


#: A batch's outcome per row, as kept in the job store.
RESULT_SCHEMA = {ROW_COL: pl.UInt32, "lead_id": pl.String, "outcome": pl.String}

ROW_LEVEL_ERRORS = (pg_errors.DataError, pg_errors.IntegrityError, pg_errors.RaiseException)


# --- committing one job --------------------------------------------------------------------------
@dataclass
class BatchOutcome:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rr_next: int = 0
    result: list[tuple[int, str, str]] = field(default_factory=list)  # (row, lead_id, outcome)
    #: More of the same, as frames (``__row``, ``lead_id``, ``outcome``): what the batch statement sends joined.
    result_frames: list[pl.DataFrame] = field(default_factory=list)
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, key)
    rejected_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, detail)

    def details(self) -> dict[str, Any]:
        return {"skipped": self.skipped_rows, "rejected": self.rejected_rows}


class JobCommitter:
    """Commits the staged rows of one job through a :class:`CrmLink` (CLI, GUI and resume share it)."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        link: CrmLink,
        identity: Identity,
        *,
        progress: ProgressFn = no_progress,
        is_cancelled: CancelFn = never_cancelled,
    ) -> None:
        self.store = store
        self.job = job
        self.link = link
        self.identity = identity
        self.progress = progress
        self.is_cancelled = is_cancelled
        options = CommitOptions.of(job.options) or CommitOptions()
        self.options = options
        self.policy = options.on_duplicate
        self.assignment = options.assignment
        self.owner_ids = options.owner_ids
        self.user_ids = list(options.user_ids)
        self.fallback_id = options.fallback_id
        self._sql: sql.Composed | None = None
        #: Batches may follow their round's leader (False once a follower was refused: one after the other).
        self._side_by_side = True
        self._ledger_sql: sql.Composed | None = None
        self._country_code = "33"
        self.names = CrmNames()
        validation = ValidationOptions.from_json(job.options)
        self.dedupe_keys: tuple[str, ...] = validation.dedupe_keys
        self.mapping = validation.mapping(job.headers, job.mapping)
        #: The CRM's own columns the file maps, as validated (their staged values are typed text).
        self.custom = {c: col for c, col in validation.custom().items() if c in self.mapping.field_columns()}

    # -- the server-side job row --
    def ensure_server_job(self, conn: psycopg.Connection) -> tuple[bool, bool]:
        """The job's row on the server, made or marked importing again. Returns, read in the same round
        trip (for :func:`build_match_sql`): whether the batches are subject to the leads' row-level
        security; and whether the login itself is not, and may use the rights of the role they act as
        (a declared identity's API role: its matches are then probed as the login)."""
        job = self.job
        role = self.identity.api_role
        login_probes = sql.SQL(
            ", pg_has_role(session_user, {r}, 'USAGE') AND has_table_privilege(session_user, 'public.leads',"
            " 'SELECT') AND coalesce((SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = session_user),"
            " false)").format(r=sql.Literal(role)) if role else sql.SQL(", false")
        [(row_security, probes)] = in_one_trip(
            conn, self.identity,
            "WITH j AS (INSERT INTO public.import_jobs (id, file_name, file_hash, status, crm_importer_status, total_rows,"
            " valid_rows, invalid_rows, duplicate_rows, assignment_config, duplicate_config, column_mapping,"
            " worker_id, created_by, crm_importer_login, crm_importer_identity, started_at)"
            " VALUES (%s, %s, %s, %s, 'importing', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, crm_importer_status = 'importing',"
            " crm_importer_login = excluded.crm_importer_login,"
            " crm_importer_identity = excluded.crm_importer_identity, error_message = NULL, updated_at = now())"
            " SELECT row_security_active('public.leads')" + login_probes.as_string(conn),
            (
                job.id, job.file_name, job.file_hash, self.names.status("importing"), job.total_rows,
                job.valid_rows, job.invalid_rows,
                job.duplicate_rows, json.dumps(self.assignment.to_json()),
                json.dumps({"keys": list(self.dedupe_keys), "policy": self.policy}),
                json.dumps(dict(zip(job.headers, job.mapping, strict=False))),
                f"crm-importer@{_hostname()}", str(self.identity.profile_id), self.identity.login or None,
                self.identity.assurance,
            ),
        )
        return bool(row_security), bool(probes)

    def run(self) -> Job:
        # The connections beside this one are opened while the job's settings are read (or were, while
        # the file was validated): CrmLink.prefetch; those not taken are closed with the link.
        self.link.prefetch(commit_connections() - 1)()
        links = [self.link]
        try:
            return self._run(links)
        finally:
            for link in links[1:]:
                link.close()

    def _run(self, links: list[CrmLink]) -> Job:
        """:meth:`run`, committing over ``links`` (this link's own, then the others taken here)."""
        store, job = self.store, self.job
        settings = self.link.settings()
        self._country_code = str(settings.get("phone_country_code") or "33")
        self.names = CrmNames.from_settings(settings)
        crm_columns = self.link.lead_columns()
        self._sql = self.commit_sql(crm_columns)
        self._ledger_sql = self.commit_sql(crm_columns, ledger=True)
        row_security, login_probes = self.link.retrying(self.ensure_server_job, job_id=job.id)
        self._match_sql = build_match_sql(
            self.dedupe_keys, self._country_code, self.names, row_security=row_security,
            login_probes_for=self.identity.api_role if login_probes else None,
        ) if matches(self.dedupe_keys, self.policy) else None
        round_trip = self.link.round_trip()
        done = store.committed_batches(job.id)
        batch_rows = self.options.batch_rows
        if batch_rows is None:
            # Chosen once per job, for the link it first commits over; a job committed before sizes were
            # kept (batches already done) keeps the size and the plan it was committed with. A match that
            # scans the leads (under row-level security: build_match_sql) costs a scan per batch: then batches
            # as large as a staged batch.
            scans = self._match_sql is not None and row_security and not login_probes
            batch_rows = COMMIT_ROWS if done else MAX_COMMIT_ROWS if scans else batch_rows_for(round_trip)
            self.options = replace(self.options, batch_rows=batch_rows, balanced=not done,
                                   rounds=1 if done else commit_connections())
            store.update_job(job.id, options=self.options.stored_in(store.get_job(job.id).options))
            job = self.job = store.get_job(job.id)
        plan = plan_batches(store, job, batch_rows, balanced=self.options.balanced, rounds=self.options.rounds)
        store.update_job(job.id, status=IMPORTING, phase="committing", commit_total_batches=len(plan),
                         error_code=None, error_message=None)
        rows_total = sum(b.rows for b in plan)
        rows_done = sum(b.rows for b in plan if b.no in done)
        todo = [b for b in plan if b.no not in done]
        started = time.monotonic()
        frames: dict[int, pl.DataFrame] = {}
        dup_rows = pl.Series(sorted(store.issue_rows(job.id, ["duplicate"])), dtype=pl.UInt32)
        #: Where each committed batch left the round-robin turns (its ledger's rr_next).
        rr_after = self._rr_next_of(done)
        row_seconds = ROW_SECONDS

        def eta(batches_left: int, rows_left: int) -> float:
            """What is left: each batch's round trips (overlapped over the connections), and its rows at the
            rate measured so far."""
            return batches_left * ROUND_TRIPS_PER_BATCH * round_trip / len(links) + rows_left * row_seconds

        def report(phase: str, batches_left: int) -> None:
            fraction = rows_done / rows_total if rows_total else 1.0
            self.progress(Progress(phase, rows_done, fraction, rows_total, eta(batches_left, rows_total - rows_done)))

        def reconnecting(_said: dict[str, Any]) -> None:  # the progress says why it stands still
            report("reconnecting", len(todo))

        def rows_of(batch: CommitBatch) -> pl.DataFrame:
            """The batch's rows (each staged batch read once from the store, in this thread; batches are
            made in file order, so two staged batches at most are held)."""
            pieces = []
            for staged_no, offset, rows in batch.parts:
                if staged_no not in frames:
                    for older in [no for no in frames if no < batch.parts[0][0]]:
                        del frames[older]
                    frames[staged_no] = committable(store.load_batch(job.id, staged_no), dup_rows)
                pieces.append(frames[staged_no].slice(offset, rows))
            return pieces[0] if len(pieces) == 1 else pl.concat(pieces, how="vertical")

        links += self.link.take_siblings(min(commit_connections(), len(todo)) - 1)
        for link in links:
            link.on_retry = reconnecting
            link.is_cancelled = self.is_cancelled
        stager = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-stage")
        workers = ThreadPoolExecutor(max_workers=len(links), thread_name_prefix="crm-commit")
        staged: dict[int, _Staged] = {}

        def prepare(batch: CommitBatch) -> None:
            if batch.no not in staged:
                rows = rows_of(batch)
                staged[batch.no] = _Staged(rows, stager.submit(self._stage_rows, rows))

        left = len(todo)
        try:
            at = 0
            while at < len(todo):
                if self.is_cancelled():
                    raise CancelledError()
                batches = todo[at:at + len(links)]
                for batch in batches:
                    prepare(batch)  # made while the round before was on the wire, but for the first

                def prepare_next(start: int = at + len(links)) -> None:
                    """The next round's rows read from the store and its COPY data made while this round is
                    on the wire (not between rounds, where the connections would wait for it)."""
                    for batch in todo[start:start + len(links)]:
                        prepare(batch)
                # Proves the job store is writable before anything more goes to the CRM.
                store.update_job(job.id, phase="committing")
                round_started = time.monotonic()

                def committed(batch: CommitBatch, outcome: BatchOutcome) -> None:
                    """A batch is in the CRM: kept in the store at once (not at the end of its round)."""
                    nonlocal rows_done, left
                    rr_after[batch.no] = outcome.rr_next
                    self._record(batch, outcome)
                    rows_done += batch.rows
                    left -= 1
                    report("committing", left)

                failure = self._commit_round(batches, [staged.pop(b.no) for b in batches], links, rr_after,
                                             workers, committed, prepare_next)
                took = time.monotonic() - round_started - ROUND_TRIPS_PER_BATCH * round_trip
                per_row = max(took, 0.0) / max(sum(b.rows for b in batches), 1)
                row_seconds = per_row if at == 0 else 0.7 * row_seconds + 0.3 * per_row
                if failure is not None:
                    raise failure
                at += len(batches)
        finally:
            workers.shutdown(wait=True, cancel_futures=True)
            stager.shutdown(wait=True, cancel_futures=True)
            for link in links:
                link.on_retry = None
                link.is_cancelled = never_cancelled
            elapsed = time.monotonic() - started
            try:
                current = store.get_job(job.id)
                store.update_job(job.id, elapsed_seconds=current.elapsed_seconds + elapsed)
            except ImporterError:
                pass
        final = store.get_job(job.id)
        self.link.retrying(lambda conn: self._finish_server_job(conn, final), job_id=job.id)
        store.update_job(job.id, status=COMPLETED, phase="completed", finished_at=now_iso())
        return store.get_job(job.id)

    def _commit_round(self, batches: list[CommitBatch], staged: list[_Staged], links: list[CrmLink],
                      rr_after: dict[int, int], workers: ThreadPoolExecutor,
                      done: Callable[[CommitBatch, BatchOutcome], None],
                      meanwhile: Callable[[], None] = lambda: None) -> BaseException | None:
        """One round: its first batch leads (the commit lock), the others follow it over their own
        connections (see the module docstring). Each batch is handed to ``done`` (in this thread) as soon
        as it is committed; what stopped the first batch that failed, if one did, is returned once the
        round's other batches have ended. ``meanwhile`` runs in this thread while the round is on the wire
        (before it, for a batch alone)."""
        room = _Room(len(batches))

        def rr_base(i: int) -> int | None:
            """Where batch ``i``'s round-robin turns start: after the batch before it (committed already, or
            counted by its first round trip in this round); None when that batch has gone."""
            before = batches[i].no - 1
            if before in rr_after or before < 0:
                return rr_after.get(before, 0)
            if i == 0:  # not done and not in this round: numbering with a hole (never planned so)
                return 0
            return room.rr_after[i - 1]

        def task(i: int) -> BatchOutcome:
            batch = batches[i]
            try:
                attempts = [0]

                def work(conn: psycopg.Connection) -> BatchOutcome:
                    first = attempts[0] == 0
                    attempts[0] += 1
                    if i > 0 and first and self._side_by_side:
                        outcome = self._commit_following(conn, batch, staged[i], room, i, lambda: rr_base(i))
                        if outcome is not None:
                            return outcome
                    # Alone (a follower whose leader has let the lock go, or a retry): with the commit lock.
                    room.wait_counted(i)  # what comes before it is known (no lock held)
                    rr_offset = rr_base(i)
                    if rr_offset is None:
                        raise _RoundBroken()
                    return self._commit_leading(conn, batch, staged[i], rr_offset, room, i)

                return links[i].retrying(work, job_id=self.job.id)
            finally:
                room.gone(i)

        if len(batches) == 1:  # alone: in this thread
            try:
                meanwhile()
                done(batches[0], task(0))
            except Exception as exc:  # noqa: BLE001 - raised by run()
                return exc
            return None
        futures = {workers.submit(task, i): i for i in range(len(batches))}
        failures: dict[int, BaseException] = {}
        try:
            meanwhile()
        except BaseException as exc:  # noqa: BLE001 - the store failed: the round's batches end first
            failures[-1] = exc
        for future in as_completed(futures):
            i = futures[future]
            try:
                outcome = future.result()
            except BaseException as exc:  # noqa: BLE001 - raised by run() once the round has ended
                failures[i] = exc
                continue
            try:
                done(batches[i], outcome)
            except BaseException as exc:  # noqa: BLE001 - the store failed: the others end first
                failures.setdefault(-1, exc)
        real = [failures[i] for i in sorted(failures) if not isinstance(failures[i], _RoundBroken)]
        return real[0] if real else None

    def commit_sql(self, crm_columns: dict[str, CrmColumn], *, ledger: bool = False) -> sql.Composed:
        """The batch statement for this job: it writes the fields the file maps (the standard ones and the
        CRM's own, cast to their type), and an empty cell of one whose CRM column has a default gets that
        default; every other CRM column keeps its own. ``ledger``: with the ledger row and the job's
        counters (see :func:`build_commit_sql`)."""
        mapped = [c for c in self.mapping.field_columns() if c in LEAD_COLUMNS or c in self.custom]
        casts = {c: col.type for c in mapped if c in self.custom and (col := self.custom[c]).category != "S"}
        defaults: dict[str, str] = {}
        for c in mapped:
            known = crm_columns.get(c) or self.custom.get(c)
            if known is not None and known.default is not None:
                defaults[c] = default_sql(known.default, casts.get(c))
        return build_commit_sql(self.dedupe_keys, self.policy, self.assignment.mode,
                                columns=mapped, defaults=defaults, casts=casts, names=self.names, ledger=ledger)

    def _rr_next_of(self, done: set[int]) -> dict[int, int]:
        """Where each committed batch left the round-robin turns, from the ledger: a resumed batch starts
        where the batch before it ended, as it would have in an uninterrupted run."""
        if not done:
            return {}

        def read(conn: psycopg.Connection) -> dict[int, int]:
            with conn.transaction():
                act_as(conn, self.identity)
                return {int(no): int(rr) for no, rr in conn.execute(
                    "SELECT batch_no, rr_next FROM public.import_batches WHERE job_id = %s", (self.job.id,))}

        return dict(self.link.retrying(read, job_id=self.job.id))

    def _finish_server_job(self, conn: psycopg.Connection, job: Job) -> None:
        in_one_trip(
            conn, self.identity,
            sql.SQL("{}; UPDATE public.import_jobs SET status = %s, crm_importer_status = 'completed',"
                    " completed_at = now(), updated_at = now(), error_report_path = %s WHERE id = %s").format(
                job_counters_sql(sql.Literal(job.id))),
            (self.names.status("completed"), job.report_path, job.id),
        )

    def _stage_rows(self, rows: pl.DataFrame) -> tuple[bytes, dict[str, str]]:
        """The batch's COPY data for the stage table, and its keys for the match (PostgreSQL array literals
        of its rows and their normalized keys: :func:`build_match_sql`)."""
        cols: list[pl.Expr] = [pl.col(ROW_COL).cast(pl.Int64).alias("import_row")]
        for name in LEAD_COLUMNS:
            cols.append((pl.col(fcol(name)) if fcol(name) in rows.columns else pl.lit(None, pl.String)).alias(name))
        for name in self.custom:
            cols.append((pl.col(fcol(name)) if fcol(name) in rows.columns else pl.lit(None, pl.String))
                        .alias(stage_name(name)))
        mode = self.assignment.mode
        if mode == "user":
            owner = pl.lit(self.user_ids[0], pl.String)
        elif mode == "column" and fcol("owner") in rows.columns:
            mapping = {k: v for k, v in self.owner_ids.items()}
            owner = pl.col(fcol("owner")).str.to_lowercase().replace_strict(
                mapping, default=self.fallback_id, return_dtype=pl.String
            )
        elif mode == "column":
            owner = pl.lit(self.fallback_id, pl.String)
        else:
            owner = pl.lit(None, pl.String)
        cols.append(owner.alias("owner_id"))
        staged = rows.select(cols)
        buf = io.BytesIO()
        staged.write_csv(buf, include_header=False)
        keys = {"m_rows": _array_literal(staged["import_row"])}
        for key in DEDUPE_KEYS:
            keys[f"m_{key}"] = _array_literal(rows[kcol(key)] if key in self.dedupe_keys and kcol(key) in rows.columns
                                              else pl.Series([None] * staged.height, dtype=pl.String))
        return buf.getvalue(), keys

    def _commit_leading(self, conn: psycopg.Connection, batch: CommitBatch, staged: _Staged, rr_offset: int,
                        room: _Room, index: int) -> BatchOutcome:
        """One batch in one transaction, holding the commit lock: as its round's leader (``index`` 0) or
        alone (see the module docstring). The connection is in autocommit mode for it, so that ``BEGIN``
        goes with the first statement instead of costing a round trip."""
        try:
            with autocommit(conn):
                return self._lead(conn, batch, staged, rr_offset, room, index)
        finally:
            if index == 0:
                room.shut()  # this attempt has ended: a follower that comes now goes alone

    def _lead(self, conn: psycopg.Connection, batch: CommitBatch, staged: _Staged, rr_offset: int, room: _Room,
              index: int) -> BatchOutcome:
        assert self._ledger_sql is not None
        payload, keys = staged.data.result()
        # 1: BEGIN, who and timeouts, the commit lock and the barrier, the ledger read (a batch done by a run
        # we could not hear back from is read back, not inserted again), the stage and match tables, the
        # match.
        cur = psycopg.ClientCursor(conn)
        parts = [*begin_as(cur, self.identity),
                 COMMIT_LOCK_SQL,
                 *self._ensure_tables(conn)]
        matched = "0"
        if self._match_sql is not None:
            parts.append(cur.mogrify(self._match_sql, keys))
            matched = "(SELECT count(*) FROM _crm_match)"
        parts.append(cur.mogrify(
            "SELECT (SELECT to_jsonb(b) FROM (SELECT inserted, updated, skipped, rr_next, details"
            " FROM public.import_batches WHERE job_id = %s AND batch_no = %s) b), ", (self.job.id, batch.no))
            + matched + ", pg_backend_pid()")
        cur.execute("; ".join(parts))
        while cur.nextset():
            pass
        first = cur.fetchone()
        assert first is not None
        ledger, pid = first[0], int(first[2])
        if ledger is not None:
            room.counted(index, int(ledger["rr_next"]))
            outcome = self._from_ledger(conn, batch, ledger)
            conn.execute("COMMIT")
            return outcome
        rr_counts = self.assignment.mode == "round_robin"
        room.counted(index, rr_offset + (batch.rows - int(first[1]) if rr_counts else 0))
        if index == 0:
            room.lead(pid)  # holds the commit lock: the round's followers may come in
        # 2, 3: the rows into the stage table.
        self._copy(conn, payload)
        if index == 0:
            room.wait_copied(ROOM_WAIT)
        # 4: the batch statement with its ledger row, under a savepoint; the job's counters; COMMIT.
        try:
            cur.execute(sql.SQL("SAVEPOINT crm_batch; {}; RELEASE SAVEPOINT crm_batch; {}; COMMIT").format(
                self._ledger_sql, job_counters_sql()), self._batch_params(batch, rr_offset))
        except ROW_LEVEL_ERRORS as exc:
            # A row the CRM refuses (or a refusal of the ledger row): the slow way, which finds the rows.
            conn.execute("ROLLBACK TO SAVEPOINT crm_batch")
            return self._commit_split(conn, batch, staged, rr_offset, exc)
        return self._outcome(conn, cur, batch, rr_offset)

    def _commit_following(self, conn: psycopg.Connection, batch: CommitBatch, staged: _Staged, room: _Room,
                          index: int, rr_base: Callable[[], int | None]) -> BatchOutcome | None:
        """One batch in one transaction beside its round's leader (see the module docstring), or None when
        it must go alone after all (its leader has let the commit lock go, or is late): the connection is
        then idle, nothing held."""
        assert self._ledger_sql is not None
        with autocommit(conn):
            payload, keys = staged.data.result()
            # 1: BEGIN, who and timeouts, the stage and match tables; 2, 3: the rows into the stage table.
            # None of it needs the room: the leader is not waited for yet.
            cur = psycopg.ClientCursor(conn)
            cur.execute("; ".join([*begin_as(cur, self.identity), *self._ensure_tables(conn)]))
            self._copy(conn, payload)
            room.copied(index)
            # Where its turns start, and its leader's backend: known once the leader's first round trip is
            # back. Waited for a while at most (a leader held up must not hold this transaction open).
            rr_offset = rr_base() if room.wait_counted(index, ROOM_WAIT) else None
            leader = room.follow()
            if rr_offset is None or leader is None:
                conn.execute("ROLLBACK")
                return None
            # 4: the room, then (checked) the leader still holds the commit lock; the match; the batch
            # statement with its ledger row (which reads the ledger: a batch done meanwhile writes nothing),
            # under a savepoint; COMMIT. The job's counters are left to the next leader.
            high, low = COMMIT_LOCK_KEY >> 32, COMMIT_LOCK_KEY & 0xFFFFFFFF
            parts = [
                cur.mogrify("SELECT pg_advisory_xact_lock_shared(%s)", (ROOM_KEY,)),
                cur.mogrify(
                    "DO $crm_room$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = %s AND granted AND mode = 'ExclusiveLock' AND classid = %s::bigint::oid"
                    " AND objid = %s::bigint::oid AND objsubid = 1) THEN RAISE EXCEPTION"
                    " 'crm-importer: the round''s leader has let the commit lock go' USING ERRCODE = '"
                    + LEADER_GONE + "'; END IF; END $crm_room$", (leader, high, low)),
            ]
            if self._match_sql is not None:
                parts.append(cur.mogrify(self._match_sql, keys))
            parts.append(cur.mogrify(sql.SQL("SAVEPOINT crm_batch; {}; RELEASE SAVEPOINT crm_batch; COMMIT").format(
                self._ledger_sql), self._batch_params(batch, rr_offset)))
            try:
                cur.execute("; ".join(parts))
            except psycopg.Error as exc:
                if exc.sqlstate == LEADER_GONE or isinstance(exc, pg_errors.InsufficientPrivilege):
                    # Its leader let the lock go; or a refusal (``pg_locks`` not readable by this login, or
                    # a right the batch itself lacks): alone, where a real refusal is met again and said.
                    if isinstance(exc, pg_errors.InsufficientPrivilege):
                        self._side_by_side = False
                    conn.execute("ROLLBACK")
                    return None
                if not isinstance(exc, ROW_LEVEL_ERRORS) or conn.info.transaction_status != \
                        psycopg.pq.TransactionStatus.INERROR:
                    raise
                conn.execute("ROLLBACK TO SAVEPOINT crm_batch")
                return self._commit_split(conn, batch, staged, rr_offset, exc)
            return self._outcome(conn, cur, batch, rr_offset)

    def _ensure_tables(self, conn: psycopg.Connection) -> list[str]:
        """The statements that make sure of the session's stage table (and match table, if the batch is
        matched)."""
        parts = [ensure_stage_sql(list(self.custom)).as_string(conn)]
        if self._match_sql is not None:
            parts.append(ensure_match_sql().as_string(conn))
        return parts

    def _copy(self, conn: psycopg.Connection, payload: bytes) -> None:
        """The batch's rows into the stage table (two round trips: the query, then the data)."""
        with conn.cursor() as copy_cur:
            with copy_cur.copy(
                sql.SQL("COPY _crm_stage ({}) FROM STDIN (FORMAT csv)").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in stage_columns(list(self.custom)))
                )
            ) as copy:
                copy.write(payload)

    def _outcome(self, conn: psycopg.Connection, cur: psycopg.ClientCursor[Any], batch: CommitBatch,
                 rr_offset: int) -> BatchOutcome:
        """The batch statement's outcome rows (its result among the query string's) as the batch's outcome."""
        records: list[tuple[Any, ...]] = []
        while True:
            if cur.description and cur.description[0].name == "outcome":
                records = cur.fetchall()
                break
            if not cur.nextset():
                break
        if not any(kind == "ledger" for kind, *_ in records):
            # A run committing this very batch got the lock first: its ledger row says what went in.
            return self._read_back(conn, batch)
        outcome = BatchOutcome(rr_next=rr_offset)
        self._count(records, outcome)
        return outcome

    def _read_back(self, conn: psycopg.Connection, batch: CommitBatch) -> BatchOutcome:
        with conn.transaction():
            act_as(conn, self.identity)
            ledger = conn.execute(
                "SELECT to_jsonb(b) FROM (SELECT inserted, updated, skipped, rr_next, details"
                " FROM public.import_batches WHERE job_id = %s AND batch_no = %s) b", (self.job.id, batch.no),
            ).fetchone()
            if ledger is None or ledger[0] is None:
                raise ImporterError("unexpected", error=f"ledger row of batch {batch.no} not found")
            return self._from_ledger(conn, batch, ledger[0])

    def _commit_split(self, conn: psycopg.Connection, batch: CommitBatch, staged: _Staged,
                      rr_offset: int, refused: BaseException) -> BatchOutcome:
        """The batch with rows the CRM rejects: split under savepoints to find them, the rest goes in; then
        the ledger row and the job's counters, and COMMIT (the open transaction is the batch's). If no row
        is rejected, what the CRM ``refused`` was the ledger row or the counters: that error is raised."""
        job_id = self.job.id
        outcome = BatchOutcome(rr_next=rr_offset)
        self._insert_range(conn, staged.rows[ROW_COL].to_list(), outcome)
        if not outcome.rejected_rows:
            raise refused
        outcome.skipped = len(outcome.skipped_rows)
        outcome.rejected = len(outcome.rejected_rows)
        conn.execute(
            "INSERT INTO public.import_batches (job_id, batch_no, row_count, inserted, updated, skipped, rr_next,"
            " details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (job_id, batch.no, batch.rows, outcome.inserted, outcome.updated, outcome.skipped, outcome.rr_next,
             json.dumps(outcome.details())),
        )
        conn.execute(job_counters_sql(), {"job": job_id})
        conn.execute("COMMIT")
        return outcome

    def _params(self, lo: int, hi: int, rr_offset: int) -> dict[str, Any]:
        """The values of the batch statement for the staged rows numbered ``lo`` to ``hi``."""
        return {
            "lo": lo,
            "hi": hi,
            "actor": self.identity.profile_id,
            "job": self.job.id,
            "rr_users": self.user_ids,
            "rr_offset": rr_offset,
            "rr_n": max(len(self.user_ids), 1),
        }

    def _batch_params(self, batch: CommitBatch, rr_offset: int) -> dict[str, Any]:
        """The values of the batch statement with its ledger row (:func:`build_commit_sql`): the whole batch
        (the stage table holds its rows only)."""
        return {**self._params(batch.first_row, batch.last_row, rr_offset), "batch_no": batch.no,
                "rows": batch.rows, "rr_counts": self.assignment.mode == "round_robin"}

    def _count(self, records: list[tuple[Any, ...]], outcome: BatchOutcome) -> None:
        """Outcome rows of the batch statement into ``outcome``."""
        inserted = 0
        for kind, row, lead_id, key in records:
            if kind == "ledger":
                continue
            if kind != "skipped" and isinstance(row, str):  # the rows of one outcome, joined (the ledger's way)
                joined = pl.DataFrame({ROW_COL: [row], "lead_id": [lead_id]}).select(
                    pl.col(ROW_COL).str.split(","), pl.col("lead_id").str.split(",")).explode(ROW_COL, "lead_id")
                frame = joined.select(pl.col(ROW_COL).cast(pl.UInt32), "lead_id", pl.lit(kind).alias("outcome"))
                outcome.result_frames.append(frame)
                count = frame.height
            else:
                outcome.result.append((int(row), str(lead_id), kind))
                count = 1
            if kind == "inserted":
                inserted += count
            elif kind == "updated":
                outcome.updated += count
            else:
                outcome.skipped_rows.append((int(row), key))
        outcome.inserted += inserted
        outcome.skipped = len(outcome.skipped_rows)
        outcome.rejected = len(outcome.rejected_rows)
        if self.assignment.mode == "round_robin":
            outcome.rr_next += inserted

    def _insert_range(self, conn: psycopg.Connection, row_numbers: list[int], outcome: BatchOutcome) -> None:
        """Insert these rows; if the server rejects some, split the range to find them (pgloader-style)."""
        assert self._sql is not None
        params = self._params(row_numbers[0], row_numbers[-1], outcome.rr_next)
        try:
            with conn.transaction():  # a savepoint
                records = conn.execute(self._sql, params).fetchall()
        except ROW_LEVEL_ERRORS as exc:
            if len(row_numbers) == 1:
                outcome.rejected_rows.append((row_numbers[0], reason(exc)))
                return
            mid = len(row_numbers) // 2
            self._insert_range(conn, row_numbers[:mid], outcome)
            self._insert_range(conn, row_numbers[mid:], outcome)
            return
        self._count(records, outcome)

    def _from_ledger(self, conn: psycopg.Connection, batch: CommitBatch, ledger: dict[str, Any]) -> BatchOutcome:
        """The batch was already committed (a retry after an ambiguous commit, or a resume): read it back."""
        inserted, updated, skipped, rr_next = (ledger[k] for k in ("inserted", "updated", "skipped", "rr_next"))
        details = ledger.get("details") or {}
        outcome = BatchOutcome(int(inserted), int(updated), int(skipped), 0, int(rr_next))
        outcome.skipped_rows = [(int(r), str(k)) for r, k in details.get("skipped", [])]
        outcome.rejected_rows = [(int(r), str(d)) for r, d in details.get("rejected", [])]
        outcome.rejected = len(outcome.rejected_rows)
        for lead_id, row in conn.execute(
            "SELECT id, import_row FROM public.leads WHERE import_job_id = %s AND import_row BETWEEN %s AND %s",
            (self.job.id, batch.first_row, batch.last_row),
        ):
            outcome.result.append((int(row), str(lead_id), "inserted"))
        n = self.names
        for lead_id, row in conn.execute(
            sql.SQL("SELECT lead_id, ({c}->>'import_row')::int FROM public.lead_history WHERE import_job_id = %s"
                    " AND {e} = %s AND {c} ? 'fields' AND ({c}->>'import_row')::int BETWEEN %s AND %s").format(
                c=sql.Identifier(n.changes), e=sql.Identifier(n.event)),
            (self.job.id, n.event_word("updated"), batch.first_row, batch.last_row),
        ):
            outcome.result.append((int(row), str(lead_id), "updated"))
        return outcome

    def _record(self, batch: CommitBatch, outcome: BatchOutcome) -> None:
        issues: list[tuple[str, int, list[RowError]]] = []
        for row, key in outcome.skipped_rows:
            issues.append(("crm_duplicate", row, [RowError(E.DUPLICATE_IN_CRM, params={"key": key})]))
        for row, detail in outcome.rejected_rows:
            issues.append(("rejected", row, [RowError(E.REJECTED_BY_CRM, params={"detail": detail})]))
        result = pl.concat([pl.DataFrame(outcome.result, schema=RESULT_SCHEMA, orient="row"),
                            *outcome.result_frames], how="vertical")
        self.store.record_commit(
            self.job.id, batch.no, first_row=batch.first_row, last_row=batch.last_row,
            inserted=outcome.inserted, updated=outcome.updated, skipped=outcome.skipped,
            rejected=outcome.rejected, result=result, issues=issues,
        )


@dataclass
class _Staged:
    """A batch's rows, and (made by the stage thread) their COPY data and match keys."""

    rows: pl.DataFrame
    data: Future[tuple[bytes, dict[str, str]]]


class _RoundBroken(Exception):
    """A batch of a round could not know where its round-robin turns start: the batch before it failed."""


class _Room:
    """One round's batches (see the module docstring): whether its leader holds the commit lock (and on
    which backend), where each batch's round-robin turns end."""

    def __init__(self, n: int) -> None:
        self._lock = threading.Lock()
        self._open = False
        self._leader_pid: int | None = None
        self._counted = [threading.Event() for _ in range(n)]
        self._copied = [threading.Event() for _ in range(n)]
        self.rr_after: list[int | None] = [None] * n

    def lead(self, pid: int) -> None:
        """The round's leader holds the commit lock, on backend ``pid``: followers may come in."""
        with self._lock:
            self._open, self._leader_pid = True, pid

    def follow(self) -> int | None:
        """The leader's backend for a follower to follow, or None (the leader's attempt has ended: it goes
        alone)."""
        with self._lock:
            return self._leader_pid if self._open else None

    def shut(self) -> None:
        with self._lock:
            self._open = False

    def counted(self, i: int, rr_after: int) -> None:
        self.rr_after[i] = rr_after
        self._counted[i].set()

    def wait_counted(self, i: int, timeout: float | None = None) -> bool:
        """Until every batch before ``i`` is counted (or gone), or ``timeout`` seconds; whether they are."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for event in self._counted[:i]:
            if not event.wait(None if deadline is None else max(deadline - time.monotonic(), 0.0)):
                return False
        return True

    def copied(self, i: int) -> None:
        """Batch ``i``'s rows are in its stage table: its last round trip goes now."""
        self._copied[i].set()

    def wait_copied(self, timeout: float) -> None:
        """The leader, before its batch statement: until its followers have copied their rows (or gone), or
        ``timeout`` seconds, so that their last round trip meets it still holding the commit lock."""
        deadline = time.monotonic() + timeout
        for event in self._copied[1:]:
            event.wait(max(deadline - time.monotonic(), 0.0))

    def gone(self, i: int) -> None:
        self._counted[i].set()
        self._copied[i].set()


def _array_literal(values: pl.Series) -> str:
    """A PostgreSQL array literal of these values (text: quoted, ``"`` and ``\\`` escaped; NULL for None)."""
    if values.dtype.is_integer():
        return "{" + (values.cast(pl.String).str.join(",").item() or "") + "}"
    quoted = (pl.when(pl.col("v").is_null()).then(pl.lit("NULL"))
              .otherwise(pl.lit('"') + pl.col("v").str.replace_all(r'(["\\])', r"\$1") + pl.lit('"')))
    joined = values.alias("v").to_frame().select(quoted.str.join(",")).item()
    return "{" + (joined or "") + "}"


def _hostname() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return "unknown"
