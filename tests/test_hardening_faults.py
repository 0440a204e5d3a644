"""Faults of the process, the network, the server and the disk, injected from outside a real importer.

The importer runs as the CLI in a subprocess against a real PostgreSQL; nothing in the product is there for
the tests. Where the importer stands is known from the server: a trigger waits on an advisory lock the test
holds (the *gate*) — on a lead row (inside the set-based INSERT), on the ledger row (after the leads, before
the ledger), at COMMIT (a deferred constraint trigger), on the COPY's temporary table (an event trigger adds
a row trigger to it), or on the commit lock between two batches (before the COPY) — and ``pg_locks`` shows
the importer waiting there. What ``test_commit_faults.py`` already proves (one SIGKILL mid-commit, a backend terminated
during the INSERT, serialization failure and deadlock raised by a row, rows a CRM constraint rejects, a
permanent error, a statement timeout through the library, a batch committed but not recorded locally through
a store subclass, concurrent imports in threads) is not repeated. This file proves:

* **SIGKILL** before the COPY, during it, during the INSERT, before the ledger row, after COMMIT was sent
  (the server commits without the importer), after the server commit but before the local checkpoint
  (the SQLite write blocked by the test): ``resume`` ends with exactly the expected leads, history rows and
  round-robin owners. An import killed while it validates is finished by ``resume`` with the options given
  to ``import``;
* SIGKILL in a loop at random moments of validation and commit: the SQLite store passes
  ``integrity_check`` after every kill and its checkpoint never goes backwards, sampled continuously;
* the **network**, through ``tests/tcpproxy.py`` (a TCP endpoint in front of the server's unix socket):
  the connection cut right after COMMIT is sent (the server commits, the reply is lost) and right before;
  a real black hole (``nft`` drops the proxy's packets) noticed through keepalives / ``tcp_user_timeout``
  given in the DSN, exit 3 with the resume sentence; a client that vanished while its backend holds the
  commit lock does not block the resume: the server ends it after 30 s idle in its transaction;
* **server** errors: a backend terminated mid-COPY; a serialization failure raised by COMMIT itself; a data
  error on the ledger is not retried and is said; a data error on one row rejects that row only; a
  statement timeout from the DSN's options is one sentence through the CLI, and resumable (exit 3);
* a **transaction-mode pooler** (pgbouncer, ``pool_mode = transaction``) with a login that row-level
  security applies to: import, kill, resume and undo through it, no prepared-statement error;
* the job store's **disk full** mid-commit and the store on a **read-only** file system (a small tmpfs):
  one sentence, at most the batch in flight committed without its checkpoint, nothing corrupted, resume
  finishes once space or write access is back.

Tools that need root or a Debian package (nft, mount, pgbouncer) skip with the reason outside CI and fail in
CI (``CI=true``), where ``packaging/system-packages.sh --test`` installs them.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from leadfiles import (
    ADMIN,
    ROOT,
    SALES,
    assignments,
    cli_env,
    crm_job,
    error_lines,
    grant_crm_access,
    lead,
    one_json,
    query,
    run_cli,
    scalar,
    server_batches,
    wait_for,
    write_leads_csv,
)
from pgfixture import PasswordLogin, ServerInfo
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from system import is_root, need, read_only, small_tmpfs
from tcpproxy import TcpProxy

from crm_importer.crm import committer

# Four commit batches of one size (at most 5,000; as many as fill rounds of two): rows 2-4501, 4502-9001 (the
# first round), 9002-13501, 13502-18001 (the second). A multiple of 3: round-robin gives each user as many.
N_LEADS = 18_000
BATCH = N_LEADS // 4
GATED_ROW = 7_000  # a row of the second batch
ROUND_ROBIN = "round-robin:" + ",".join(SALES)
GATE_KEY = 7_400_001


# --- the importer in a subprocess ------------------------------------------------------------------------
class Importer:
    """``python -m crm_importer ARGS`` with its own data folder; output to files (never a full pipe)."""

    def __init__(self, home: Path, *args: str, logs: Path | None = None, **env: str) -> None:
        home.mkdir(parents=True, exist_ok=True)
        stamp = time.monotonic_ns()
        self.home = home
        logs = logs or home  # not on a disk the test fills up
        self._out, self._err = logs / f".stdout-{stamp}", logs / f".stderr-{stamp}"
        with self._out.open("w") as out, self._err.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "crm_importer", *args],
                                         env=cli_env(home, **env), cwd=str(ROOT), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

    @property
    def out(self) -> str:
        return self._out.read_text()

    @property
    def err(self) -> str:
        return self._err.read_text()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL

    def kill_if_alive(self) -> bool:
        """SIGKILL unless it already ended; whether it was killed."""
        self.proc.send_signal(signal.SIGKILL)  # a no-op on an ended (waited-for or zombie) process
        self.proc.wait(timeout=30)
        return self.proc.returncode == -signal.SIGKILL

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the importer still ran after {timeout} s: {self.err[-2000:]}") from None


def job_store(home: Path) -> Path:
    return home / "data" / "jobs.sqlite3"


def read_store(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """A query on the job store opened read-only (the importer may be writing it)."""
    db = sqlite3.connect(f"file:{job_store(home)}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def integrity(home: Path) -> str:
    return read_store(home, "PRAGMA integrity_check")[0][0]


def the_job(home: Path) -> str:
    [(job_id,)] = read_store(home, "SELECT id FROM jobs")
    return str(job_id)


def leads_file(tmp_path: Path, n: int = N_LEADS, name: str = "salon.csv") -> Path:
    return write_leads_csv(tmp_path / name, [lead(i) for i in range(n)])


def exactly_once(dsn: str, job_id: str, n: int = N_LEADS, *, round_robin: bool = True) -> None:
    """Every file row is one lead with one 'created' event; nothing else in the CRM; the job completed."""
    rows = [r for (r,) in query(dsn, "SELECT import_row FROM public.leads WHERE import_job_id = %s",
                                (job_id,))]
    assert len(rows) == len(set(rows)) == n
    assert set(rows) == set(range(2, n + 2))
    assert scalar(dsn, "SELECT count(*) FROM public.leads") == n
    assert scalar(dsn, "SELECT count(DISTINCT lower(email)) FROM public.leads") == n
    created = query(dsn, "SELECT lead_id, count(*) FROM public.lead_history WHERE import_job_id = %s"
                         " AND event = 'created' GROUP BY lead_id", (job_id,))
    assert len(created) == n and {c for _, c in created} == {1}
    batches = [b for (b,) in query(dsn, "SELECT batch_no FROM public.import_batches WHERE job_id = %s",
                                   (job_id,))]
    # Commit batches of 5,000 never span two staged batches: a validation cut by a kill can make a few more.
    assert sorted(batches) == list(range(len(batches))) and len(batches) >= -(-n // 5_000)
    server = crm_job(dsn, job_id)
    assert (server["status"], server["imported_rows"]) == ("completed", n)
    if round_robin:
        owners = list(assignments(dsn, job_id).values())
        assert sorted(owners.count(s) for s in SALES) == [n // 3] * 3


def importer_backends(dsn: str) -> int:
    """The importer's backends still in a transaction (a transaction pooler keeps an idle one for others)."""
    return int(scalar(dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND application_name = 'crm-importer' AND state <> 'idle'"))


# --- the gate: where the importer stops -------------------------------------------------------------------
GATE_SQL = f"""
CREATE SEQUENCE crm_test_gate_tries;
CREATE FUNCTION crm_test_gate() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF nextval('crm_test_gate_tries') = 1 THEN  -- the first try only: a retry or a resume goes through
        PERFORM pg_advisory_xact_lock_shared({GATE_KEY});
    END IF;
END $$;
CREATE FUNCTION crm_test_gate_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM crm_test_gate();
    RETURN NEW;
END $$;
"""

#: Where to stop the importer, in the order a commit batch goes (batch 1 of 0, 1, 2).
KILL_POINTS: dict[str, str] = {
    # Batch 0 waits at its COMMIT (holding the commit lock) while the test queues for that lock; once the
    # gate opens the test holds it, and batch 1 waits for it in its first statement, before its COPY.
    "before-copy": """
        CREATE CONSTRAINT TRIGGER crm_test_gate AFTER INSERT ON public.import_batches
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (NEW.batch_no = 0) EXECUTE FUNCTION crm_test_gate_trigger();
    """,
    "during-copy": f"""
        CREATE FUNCTION crm_test_on_stage() RETURNS event_trigger LANGUAGE plpgsql AS $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
                IF r.object_identity LIKE '%._crm_stage' THEN
                    EXECUTE format('CREATE TRIGGER crm_test_gate BEFORE INSERT ON %s FOR EACH ROW'
                                   ' WHEN (NEW.import_row = {GATED_ROW})'
                                   ' EXECUTE FUNCTION crm_test_gate_trigger()', r.object_identity);
                END IF;
            END LOOP;
        END $$;
        CREATE EVENT TRIGGER crm_test_on_stage ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
            EXECUTE FUNCTION crm_test_on_stage();
    """,
    "during-insert": f"""
        CREATE TRIGGER crm_test_gate BEFORE INSERT ON public.leads FOR EACH ROW
            WHEN (NEW.import_row = {GATED_ROW}) EXECUTE FUNCTION crm_test_gate_trigger();
    """,
    "before-ledger": """
        CREATE TRIGGER crm_test_gate BEFORE INSERT ON public.import_batches FOR EACH ROW
            WHEN (NEW.batch_no = 1) EXECUTE FUNCTION crm_test_gate_trigger();
    """,
    "after-commit-sent": """
        CREATE CONSTRAINT TRIGGER crm_test_gate AFTER INSERT ON public.import_batches
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (NEW.batch_no = 1) EXECUTE FUNCTION crm_test_gate_trigger();
    """,
}
#: The statement the gated importer is in, as pg_stat_activity shows it (its beginning).
#: The batch statement, its ledger row and COMMIT go as one query string, longer than what pg_stat_activity
#: keeps of it: a batch committed alone (or leading its round) starts it with the savepoint; batch 1, which
#: commits beside batch 0 (following it), starts its last round trip with the room and its match.
BATCH_STATEMENT = "SAVEPOINT crm_batch; WITH s AS (SELECT * FROM _crm_stage"
FOLLOWER_STATEMENT = "SELECT pg_advisory_xact_lock_shared("
GATED_STATEMENT: dict[str, tuple[str, ...]] = {
    "before-copy": ("pg_advisory_xact_lock",),
    "during-copy": ("COPY _crm_stage",),
    "during-insert": (BATCH_STATEMENT, FOLLOWER_STATEMENT),
    "before-ledger": (BATCH_STATEMENT, FOLLOWER_STATEMENT),
    "after-commit-sent": (BATCH_STATEMENT, FOLLOWER_STATEMENT),
}


class Gate:
    """Holds the advisory lock the gate triggers wait on; knows when the importer is waiting there.
    ``before-copy``: the gate is the importer's commit lock, taken by the test between batches 0 and 1."""

    def __init__(self, dsn: str, point: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(GATE_SQL)
            conn.execute(KILL_POINTS[point])
        self.dsn = dsn
        self.point = point
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.conn.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
        self.closed = False
        self.commit_lock: psycopg.Connection | None = None

    def waiting(self, key: int = GATE_KEY) -> str | None:
        """The statement of the backend waiting at the gate (or on advisory lock ``key``), if one is."""
        row = self.conn.execute(
            "SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND (l.classid::bigint << 32) + l.objid::bigint = %s AND NOT l.granted"
            " AND a.datname = current_database() AND a.pid <> pg_backend_pid()",
            (key,),
        ).fetchone()
        return None if row is None else str(row[0])

    def wait_closed_on(self, importer: Importer, timeout: float = 180) -> str:
        wait_for("the importer reaching the gate", lambda: self.waiting() is not None, timeout, importer)
        if self.point != "before-copy":
            # Batch 1 is held at the gate; batch 0, committed beside it (side by side), goes in and is learnt.
            wait_for("batch 0 in the CRM and learnt", lambda: server_batches(self.dsn) == [0] and read_store(
                importer.home, "SELECT batch_no FROM commits") == [(0,)], timeout, importer)
            return self.waiting() or ""
        # Batch 0 waits at its COMMIT, holding the commit lock: queue for that lock, then let batch 0 go.
        self.commit_lock = psycopg.connect(self.dsn, autocommit=True)
        queued = threading.Thread(target=self.commit_lock.execute, args=("SELECT pg_advisory_lock(%s)",
                                                                         (committer.COMMIT_LOCK_KEY,)))
        queued.start()
        wait_for("the test queued for the commit lock", lambda: self.waiting(committer.COMMIT_LOCK_KEY) is not None,
                 timeout, importer)
        self.conn.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
        queued.join(timeout)
        wait_for("batch 1 waiting for the commit lock", lambda: self.waiting(committer.COMMIT_LOCK_KEY) is not None,
                 timeout, importer)
        return self.waiting(committer.COMMIT_LOCK_KEY) or ""

    def open(self) -> None:
        if not self.closed:
            if self.commit_lock is not None:
                self.commit_lock.close()  # frees the commit lock
            else:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
            self.conn.close()
            self.closed = True


@pytest.fixture
def gates() -> Iterator[list[Gate]]:
    made: list[Gate] = []
    yield made
    for gate in made:
        gate.open()


def gated(dsn: str, point: str, gates: list[Gate]) -> Gate:
    gate = Gate(dsn, point)
    gates.append(gate)
    return gate


# --- SIGKILL at each point of a commit ---------------------------------------------------------------------
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_at_each_point_of_a_commit_then_resume(pg_dsn: str, tmp_path: Path, gates: list[Gate],
                                                        point: str) -> None:
    gate = gated(pg_dsn, point, gates)
    home = tmp_path / "home"
    importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN, "--assign",
                        ROUND_ROBIN, "--json")
    statement = gate.wait_closed_on(importer)
    assert any(s in statement for s in GATED_STATEMENT[point]), statement
    importer.kill()
    gate.open()  # the server goes on without its client: it rolls back, or (at COMMIT) it commits
    wait_for("the killed importer's backend to end", lambda: importer_backends(pg_dsn) == 0, 30)

    # Batches 0 and 1 commit side by side (a round): the gated one is batch 1, the follower, except before
    # a COPY, where the gate is the commit lock, which the next round's leader (batch 2) waits for.
    learnt = list(range(committer.COMMIT_CONNECTIONS)) if point == "before-copy" else [0]
    committed = [0, 1] if point == "after-commit-sent" else learnt
    assert server_batches(pg_dsn) == committed
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == BATCH * len(committed)
    # The importer learnt each batch as soon as it was in, never the gated one.
    assert read_store(home, "SELECT batch_no FROM commits ORDER BY batch_no") == [(b,) for b in learnt]
    assert integrity(home) == "ok"
    job_id = the_job(home)

    resumed = run_cli(home, "resume", job_id, "--json")
    assert resumed.returncode == 0, resumed.stderr
    result = one_json(resumed.stdout)
    assert (result["status"], result["imported_rows"], result["duplicate_rows"]) == ("completed", N_LEADS, 0)
    exactly_once(pg_dsn, job_id)
    assert read_store(home, "SELECT count(*), sum(inserted) FROM commits") == [(4, N_LEADS)]
    assert integrity(home) == "ok"


def test_sigkill_after_the_server_commit_before_the_local_checkpoint(pg_dsn: str, tmp_path: Path,
                                                                     gates: list[Gate]) -> None:
    """Batch 1 is in the CRM (its ledger row) but its checkpoint write waits for the SQLite lock the test
    holds; the importer dies there. The resume learns batch 1 from the ledger."""
    gate = gated(pg_dsn, "after-commit-sent", gates)
    home = tmp_path / "home"
    importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN, "--assign",
                        ROUND_ROBIN, "--json")
    gate.wait_closed_on(importer)
    blocker = sqlite3.connect(job_store(home), timeout=30, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # the store's write lock: the next checkpoint waits for it
        gate.open()
        wait_for("batch 1 committed in the CRM", lambda: server_batches(pg_dsn) == [0, 1], 60, importer)
        time.sleep(0.5)  # the importer is now in record_commit, waiting for the lock
        assert importer.alive()
        assert blocker.execute("SELECT batch_no FROM commits").fetchall() == [(0,)]
        importer.kill()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert integrity(home) == "ok"
    assert read_store(home, "SELECT batch_no FROM commits") == [(0,)]
    job_id = the_job(home)
    resumed = run_cli(home, "resume", job_id, "--json")
    assert resumed.returncode == 0, resumed.stderr
    exactly_once(pg_dsn, job_id)
    # Batch 1's rows still map to their leads locally (learnt from the ledger, not re-inserted).
    mapped = read_store(home, "SELECT count(*) FROM commits WHERE batch_no = 1 AND inserted = ?", (BATCH,))
    assert mapped == [(1,)]


def test_resume_finishes_an_import_killed_while_it_validates(pg_dsn: str, tmp_path: Path) -> None:
    path = write_leads_csv(tmp_path / "big.csv", [lead(i) for i in range(150_000)])
    home = tmp_path / "home"
    # The options given to ``import`` (here round-robin) are what ``resume`` commits with.
    importer = Importer(home, "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--assign", ROUND_ROBIN,
                        "--on-duplicate", "update", "--json")

    def staging() -> bool:
        if not job_store(home).exists():
            return False
        try:
            rows = read_store(home, "SELECT status, staged_batches FROM jobs")
        except sqlite3.Error:
            return False
        return bool(rows) and rows[0][0] == "validating" and rows[0][1] >= 1

    wait_for("the import staging its first batch", staging, 120, importer)
    importer.kill()
    job_id = the_job(home)
    resumed = run_cli(home, "resume", job_id, "--json")
    assert resumed.returncode == 0, resumed.stderr
    exactly_once(pg_dsn, job_id, 150_000)
    commit = json.loads(read_store(home, "SELECT options FROM jobs")[0][0])["commit"]
    assert commit["on_duplicate"] == "update" and commit["assignment"]["mode"] == "round_robin"


# --- SIGKILL in a loop: the local store stays sound, its checkpoint only moves forward ----------------------
def staged(home: Path) -> bool:
    """The latest job is validating and has staged more batches than at the last kill."""
    if not job_store(home).exists():
        return False
    try:
        rows = read_store(home, "SELECT status, staged_batches FROM jobs"
                                " ORDER BY created_at DESC, rowid DESC")
    except sqlite3.Error:
        return False
    return bool(rows) and rows[0][0] == "validating" and rows[0][1] >= 1


def committed_so_far(home: Path) -> int:
    """The committed batches of the job being imported (0 before there is one)."""
    if not job_store(home).exists():
        return 0
    try:
        rows = read_store(home, "SELECT coalesce(max(committed_batches), 0) FROM jobs")
    except sqlite3.Error:
        return 0
    return int(rows[0][0])


@dataclass(frozen=True)
class Checkpoint:
    staged_batches: int
    validated_through: int
    committed_batches: int
    commit_rows: int
    imported_rows: int

    def not_before(self, other: Checkpoint) -> bool:
        return all(getattr(self, f) >= getattr(other, f) for f in self.__dataclass_fields__)


class CheckpointWatch:
    """Samples every job's checkpoint in the store (read-only) until stopped; records any step back."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.last: dict[str, Checkpoint] = {}
        self.backwards: list[str] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        if not job_store(self.home).exists():
            return
        try:
            rows = read_store(
                self.home,
                "SELECT id, staged_batches, validated_through, committed_batches,"
                " (SELECT count(*) FROM commits c WHERE c.job_id = j.id), imported_rows FROM jobs j",
            )
        except sqlite3.Error as exc:  # the store being created, or a lock: not a checkpoint
            if "locked" in str(exc) or "no such table" in str(exc) or "unable to open" in str(exc):
                return
            raise
        self.samples += 1
        for job_id, *values in rows:
            now = Checkpoint(*values)
            before = self.last.get(job_id)
            if before is not None and not now.not_before(before):
                self.backwards.append(f"{job_id}: {before} -> {now}")
            self.last[job_id] = now

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(0.01)

    def __enter__(self) -> CheckpointWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.mark.slow
def test_sigkill_in_a_loop_never_corrupts_the_store_nor_moves_its_checkpoint_back(pg_dsn: str,
                                                                                 tmp_path: Path) -> None:
    n = 150_000  # 8 staged batches, 30 commit batches
    path = leads_file(tmp_path, n)
    home = tmp_path / "home"
    seed = int(os.environ.get("CRM_TEST_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    kills = 0
    phases: set[str] = set()
    with CheckpointWatch(home) as watch:
        for _ in range(60):
            job = read_store(home, "SELECT id, options, status FROM jobs ORDER BY created_at DESC, rowid DESC"
                                   " LIMIT 1") if job_store(home).exists() else []
            if job and job[0][2] == "completed":
                break  # killed after the end, before it could say so
            if job and '"commit"' in job[0][1]:
                args = ["resume", str(job[0][0]), "--json"]
            else:  # killed before the job could be resumed: the same command goes on where it stopped
                args = ["import", str(path), "--db", pg_dsn, "--as", ADMIN, "--assign", ROUND_ROBIN, "--json"]
            importer = Importer(home, *args, logs=tmp_path)
            if kills < 2:  # the first kills while it validates and stages
                wait_for("a batch staged", lambda: staged(home), 120, importer)
                time.sleep(rng.uniform(0.0, 0.3))
            else:
                # Progress, not wall time: each kill waits for one more committed batch than the last kill
                # left (however slow the machine), then lands at a random point of the next batch. The 30
                # batches then take at most 30 kills, and 8 or more.
                done = committed_so_far(home)
                deadline = time.monotonic() + 600
                while importer.alive() and committed_so_far(home) <= done and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.0, 0.4))
            if not importer.kill_if_alive():  # it finished meanwhile
                assert importer.proc.returncode == 0, importer.err
                break
            kills += 1
            watch.sample()
            if job_store(home).exists():
                phases.update(status for (status,) in read_store(home, "SELECT status FROM jobs"))
            assert integrity(home) == "ok", f"seed {seed}, kill {kills}"
            dup = scalar(pg_dsn, "SELECT count(*) - count(DISTINCT (import_job_id, import_row))"
                                 " FROM public.leads")
            assert dup == 0
        else:
            raise AssertionError(f"the import did not finish between 60 kills (seed {seed})")
    assert not watch.backwards, f"seed {seed}: {watch.backwards}"
    assert kills >= 8 and watch.samples > 100, (kills, watch.samples)
    assert {"validating", "importing"} <= phases, phases  # kills landed in both phases
    [(job_id, status, committed)] = read_store(
        home, "SELECT id, status, committed_batches FROM jobs WHERE options LIKE '%\"commit\"%'")
    assert status == "completed"
    exactly_once(pg_dsn, job_id, n)
    assert committed == scalar(pg_dsn, "SELECT count(*) FROM public.import_batches WHERE job_id = %s",
                               (job_id,))
    assert integrity(home) == "ok"


# --- the network, through the proxy ------------------------------------------------------------------------
def socket_of(info: ServerInfo) -> str | tuple[str, int]:
    params = conninfo_to_dict(info.dsn)
    host, port = params.get("host") or "localhost", int(params.get("port") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def via(proxy: TcpProxy, dsn: str, **extra: str) -> str:
    """``dsn`` through the proxy: TCP to 127.0.0.1 (so keepalives and tcp_user_timeout apply)."""
    params = conninfo_to_dict(dsn)
    params.update(host="127.0.0.1", port=str(proxy.port), **extra)
    return make_conninfo("", **params)


@pytest.fixture
def proxy(pg_server_info: ServerInfo) -> Iterator[TcpProxy]:
    with TcpProxy(socket_of(pg_server_info)) as p:
        yield p


@pytest.mark.parametrize("forwarded", [True, False], ids=["after-commit-sent", "before-commit-sent"])
def test_connection_cut_around_commit_is_resolved_by_the_ledger(pg_dsn: str, tmp_path: Path, proxy: TcpProxy,
                                                                forwarded: bool) -> None:
    """The connection dies as batch 1's COMMIT goes out. Forwarded, the server commits and the reply is
    lost: the importer must learn it from the ledger, not insert the batch again; not forwarded, the server
    rolls back and the batch goes in on the next try."""

    def server_state() -> None:
        if forwarded:
            wait_for("the server committing batch 1", lambda: server_batches(pg_dsn) == [0, 1], 30)
        else:
            assert server_batches(pg_dsn) == [0]

    rule = proxy.cut_on(b"COMMIT\x00", armed_by=b"INSERT INTO public.import_batches", skip=1,
                        forward=forwarded, before_cut=server_state)
    home = tmp_path / "home"
    # One batch after the other: the cut is on batch 1's COMMIT, the second to go out.
    done = run_cli(home, "import", str(leads_file(tmp_path)), "--db", via(proxy, pg_dsn), "--as", ADMIN,
                   "--assign", ROUND_ROBIN, "--json", CRM_IMPORTER_COMMIT_CONNECTIONS="1")
    assert rule.done.is_set() and rule.error is None, rule.error
    assert done.returncode == 0, done.stderr
    assert "retry 1" in done.stderr  # the lost connection was seen and retried
    result = one_json(done.stdout)
    assert (result["status"], result["imported_rows"]) == ("completed", N_LEADS)
    exactly_once(pg_dsn, result["job_id"])
    assert proxy.accepted >= 2


def test_backend_terminated_mid_copy_is_retried(pg_dsn: str, tmp_path: Path, gates: list[Gate]) -> None:
    gate = gated(pg_dsn, "during-copy", gates)
    home = tmp_path / "home"
    importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN, "--assign",
                        ROUND_ROBIN, "--json")
    assert "COPY _crm_stage" in gate.wait_closed_on(importer)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        [(terminated,)] = conn.execute(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory'"
            " AND l.objid::bigint = %s AND NOT l.granted", (GATE_KEY,)).fetchall()
    assert terminated
    assert importer.wait(180) == 0, importer.err
    assert "retry 1" in importer.err
    exactly_once(pg_dsn, one_json(importer.out)["job_id"])


@contextmanager
def black_hole(port: int) -> Iterator[None]:
    """Every packet to or from 127.0.0.1:``port`` dropped by the kernel: not even a TCP ACK comes back."""
    table = f"crm_importer_test_{port}"
    rules = (f"table inet {table} {{\n chain out {{\n  type filter hook output priority 0; policy accept;\n"
             f"  tcp dport {port} drop\n  tcp sport {port} drop\n }}\n}}\n")
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True, capture_output=True, timeout=30)
    try:
        yield
    finally:
        subprocess.run(["nft", "delete", "table", "inet", table], check=False, capture_output=True,
                       timeout=30)


class StderrLines:
    """The lines a process writes to stderr, with the time each arrived."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        assert proc.stderr is not None
        self._stream = proc.stderr
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def join(self) -> None:
        self._thread.join(timeout=10)


@pytest.mark.slow
def test_black_holed_traffic_is_noticed_and_the_import_exits_3(pg_dsn: str, tmp_path: Path, proxy: TcpProxy,
                                                               gates: list[Gate]) -> None:
    need(is_root() and shutil.which("nft") is not None,
         "needs root and nft (package nftables) for a black hole")
    # The libpq parameters pass through the DSN: a dead link is noticed in seconds instead of about a minute.
    fast = {"keepalives_idle": "1", "keepalives_interval": "1", "keepalives_count": "2",
            "tcp_user_timeout": "3000", "connect_timeout": "2"}
    gate = gated(pg_dsn, "during-insert", gates)
    home = tmp_path / "home"
    stdout = tmp_path / "stdout.json"
    with stdout.open("w") as out_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm_importer", "import", str(leads_file(tmp_path)), "--db",
             via(proxy, pg_dsn, **fast), "--as", ADMIN, "--assign", ROUND_ROBIN, "--json"],
            env=cli_env(home), cwd=str(ROOT), stdout=out_file, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True)
    stderr = StderrLines(proc)
    try:
        wait_for("the importer reaching the gate", lambda: gate.waiting() is not None, 180)
        with black_hole(proxy.port):
            holed = time.monotonic()
            gate.open()  # the server answers into the void; the importer waits for a reply that never comes
            proc.wait(timeout=240)
            ended = time.monotonic()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr.join()
    proc.stderr.close()  # type: ignore[union-attr]
    out = stdout.read_text()
    assert proc.returncode == 3, stderr.lines
    first_retry = next(t for t, line in stderr.lines if "retry 1" in line)
    print(f"black hole noticed after {first_retry - holed:.1f} s; exit 3 after {ended - holed:.0f} s")
    assert first_retry - holed < 20, f"the dead link was noticed after {first_retry - holed:.0f} s"
    assert ended - holed < 200
    job_id = the_job(home)
    sentence = stderr.lines[-1][1]
    assert sentence.startswith("The connection to the CRM was lost")
    assert f"crm-importer resume {job_id}" in sentence
    assert "Traceback" not in "\n".join(line for _, line in stderr.lines)
    assert one_json(out)["status"] != "completed"

    proxy.cut_all()  # the server eventually drops the dead client's backend (see the next test)
    resumed = run_cli(home, "resume", job_id, "--json")
    assert resumed.returncode == 0, resumed.stderr
    exactly_once(pg_dsn, job_id)


@pytest.mark.slow
def test_a_vanished_client_does_not_block_the_resume(pg_dsn: str, tmp_path: Path, proxy: TcpProxy,
                                                     gates: list[Gate]) -> None:
    # Batch 1 waits for the commit lock in its first statement: once the lock is free, the server takes it,
    # answers, and waits in the transaction, holding the lock, for a COPY that never comes.
    gate = gated(pg_dsn, "before-copy", gates)
    home = tmp_path / "home"
    importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", via(proxy, pg_dsn), "--as", ADMIN,
                        "--assign", ROUND_ROBIN, "--json")
    gate.wait_closed_on(importer)
    proxy.swallow()  # from now on the server is never told that its client is gone
    importer.kill()
    gate.open()
    wait_for("the orphan backend idle in its transaction", lambda: scalar(
        pg_dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'crm-importer' AND state = 'idle in transaction'") == 1, 30)
    started = time.monotonic()
    resume = Importer(home, "resume", the_job(home), "--db", pg_dsn, "--json")
    code = resume.wait(100)  # the orphan is ended 30 s after it went idle; waiting for hours is not fine
    assert time.monotonic() - started < 100
    assert code == 0, resume.err
    exactly_once(pg_dsn, the_job(home))
    # The server ended the orphan itself (its client never said goodbye): no backend of it is left.
    assert scalar(pg_dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                          " AND application_name = 'crm-importer'"
                          " AND state IN ('idle in transaction', 'idle in transaction (aborted)')") == 0


def one_line(err: str) -> str:
    lines = error_lines(err)  # one sentence, after the job's id said at the start
    assert "Traceback" not in err
    assert len(lines) == 1, err
    return lines[0]


# --- server errors ---------------------------------------------------------------------------------------
def install(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def tries(dsn: str) -> int:
    return int(scalar(dsn, "SELECT last_value FROM crm_test_tries"))


FAULT_SQL = """
CREATE SEQUENCE crm_test_tries;
CREATE FUNCTION crm_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint := nextval('crm_test_tries');
BEGIN
    {body}
    RETURN NEW;
END $$;
"""


def test_serialization_failure_raised_by_commit_is_retried(pg_dsn: str, tmp_path: Path) -> None:
    """Under SERIALIZABLE, the failure comes from COMMIT itself, after every statement succeeded."""
    install(pg_dsn, FAULT_SQL.format(body="IF n = 1 THEN RAISE EXCEPTION 'could not serialize access'"
                                          " USING ERRCODE = '40001'; END IF;")
            + "CREATE CONSTRAINT TRIGGER crm_test_fault AFTER INSERT ON public.import_batches"
              " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.batch_no = 1)"
              " EXECUTE FUNCTION crm_test_fault();")
    home = tmp_path / "home"
    done = run_cli(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN, "--assign",
                   ROUND_ROBIN, "--json")
    assert done.returncode == 0, done.stderr
    assert tries(pg_dsn) == 2
    exactly_once(pg_dsn, one_json(done.stdout)["job_id"])


def test_data_error_on_the_ledger_is_not_retried_and_is_said(pg_dsn: str, tmp_path: Path) -> None:
    install(pg_dsn, FAULT_SQL.format(body="RAISE EXCEPTION 'ledger refuses batch %', NEW.batch_no"
                                          " USING ERRCODE = '22023';")
            + "CREATE TRIGGER crm_test_fault BEFORE INSERT ON public.import_batches FOR EACH ROW"
              " WHEN (NEW.batch_no = 1) EXECUTE FUNCTION crm_test_fault();")
    home = tmp_path / "home"
    started = time.monotonic()
    failed = run_cli(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN, "--assign",
                     ROUND_ROBIN, "--json")
    assert time.monotonic() - started < 60
    assert failed.returncode == 3
    job_id = one_json(failed.stdout)["job_id"]
    sentence = one_line(failed.stderr)
    assert "ledger refuses batch 1" in sentence and f"crm-importer resume {job_id}" in sentence
    assert tries(pg_dsn) == 1  # a data error is permanent: never retried
    assert server_batches(pg_dsn) == [0]
    assert crm_job(pg_dsn, job_id)["status"] == "failed"

    install(pg_dsn, "DROP TRIGGER crm_test_fault ON public.import_batches")
    resumed = run_cli(home, "resume", job_id, "--json")
    assert resumed.returncode == 0, resumed.stderr
    exactly_once(pg_dsn, job_id)


def test_data_error_on_one_row_rejects_that_row_only(pg_dsn: str, tmp_path: Path) -> None:
    install(pg_dsn, FAULT_SQL.format(body="RAISE EXCEPTION 'bad postcode for row %', NEW.import_row"
                                          " USING ERRCODE = '22P02';")
            + f"CREATE TRIGGER crm_test_fault BEFORE INSERT ON public.leads FOR EACH ROW"
              f" WHEN (NEW.import_row = {GATED_ROW}) EXECUTE FUNCTION crm_test_fault();")
    home = tmp_path / "home"
    report = tmp_path / "rejected.csv"
    done = run_cli(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN, "--report",
                   str(report), "--json")
    assert done.returncode == 1, done.stderr
    assert "retry" not in done.stderr
    result = one_json(done.stdout)
    assert (result["imported_rows"], result["rejected_rows"]) == (N_LEADS - 1, 1)
    assert tries(pg_dsn) <= 20  # split down to the row (about log2 5000 tries), in one transaction
    rows = query(pg_dsn, "SELECT import_row FROM public.leads")
    assert len(rows) == N_LEADS - 1 and (GATED_ROW,) not in rows
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{GATED_ROW};")
    assert f"bad postcode for row {GATED_ROW}" in lines[1]


def test_statement_timeout_is_one_sentence_and_exit_3(pg_dsn: str, tmp_path: Path) -> None:
    install(pg_dsn, FAULT_SQL.format(body="PERFORM pg_sleep(6);")
            + f"CREATE TRIGGER crm_test_fault BEFORE INSERT ON public.leads FOR EACH ROW"
              f" WHEN (NEW.import_row = {GATED_ROW}) EXECUTE FUNCTION crm_test_fault();")
    dsn = make_conninfo(pg_dsn, options="-c statement_timeout=2000")
    home = tmp_path / "home"
    failed = run_cli(home, "import", str(leads_file(tmp_path)), "--db", dsn, "--as", ADMIN, "--json")
    result = one_json(failed.stdout)
    job_id = result["job_id"]
    sentence = one_line(failed.stderr)
    assert "statement_timeout" in sentence and f"crm-importer resume {job_id}" in sentence
    assert (result["error_code"], result["status"]) == ("statement_timeout", "failed")
    assert server_batches(pg_dsn) == [0]
    install(pg_dsn, "DROP TRIGGER crm_test_fault ON public.leads")
    resumed = run_cli(home, "resume", job_id, "--db", pg_dsn, "--json")
    assert resumed.returncode == 0, resumed.stderr
    exactly_once(pg_dsn, job_id, round_robin=False)
    assert (failed.returncode, result["exit_code"]) == (3, 3)


# --- a transaction-mode pooler -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Pooler:
    port: int
    log: Path


@pytest.fixture
def pgbouncer(pg_server_info: ServerInfo, pg_password_login: PasswordLogin) -> Iterator[Pooler]:
    """pgbouncer on 127.0.0.1 in front of the test server, pool_mode = transaction, SCRAM for the password
    login (its clear password in the auth file, so that pgbouncer can log in to the server with it)."""
    binary = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None)
    need(binary is not None, "pgbouncer is not installed (Debian package pgbouncer)")
    assert binary is not None
    upstream = conninfo_to_dict(pg_server_info.dsn)
    host, port = upstream.get("host") or "localhost", upstream.get("port") or "5432"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        listen = s.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="crm-pgbouncer-"))
    login = pg_password_login
    (folder / "userlist.txt").write_text(f'"{login.user}" "{login.password.replace(chr(34), chr(34) * 2)}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\nmax_client_conn = 100\ndefault_pool_size = 4\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
    )
    command = [binary]
    if is_root():  # pgbouncer refuses to run as root: as the owner of the server's socket folder
        owner = pwd.getpwuid(os.stat(host).st_uid if host.startswith("/") else 65534)
        command += ["-u", owner.pw_name]
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    for path in folder.iterdir():
        path.chmod(0o600)
    proc = subprocess.Popen([*command, str(folder / "pgbouncer.ini")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        def listening() -> bool:
            assert proc.poll() is None, proc.communicate()[0]
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", listen)) == 0

        wait_for("pgbouncer listening", listening, 30)
        yield Pooler(listen, folder / "pgbouncer.log")
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        shutil.rmtree(folder, ignore_errors=True)


def test_import_resume_and_undo_through_a_transaction_pooler(pg_dsn: str, pg_password_login: PasswordLogin,
                                                             pgbouncer: Pooler, tmp_path: Path,
                                                             gates: list[Gate]) -> None:
    login = grant_crm_access(pg_dsn, pg_password_login)  # not the tables' owner: row-level security applies
    dbname = conninfo_to_dict(pg_dsn)["dbname"]
    pooled = make_conninfo("", host="127.0.0.1", port=str(pgbouncer.port), dbname=dbname, user=login.user)
    secret = {"PGPASSWORD": login.password}
    gate = gated(pg_dsn, "before-ledger", gates)
    home = tmp_path / "home"
    importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", pooled, "--as", ADMIN, "--assign",
                        ROUND_ROBIN, "--json", **secret)
    gate.wait_closed_on(importer)
    importer.kill()
    gate.open()
    wait_for("the killed importer's backend to end", lambda: importer_backends(pg_dsn) == 0, 30)
    assert server_batches(pg_dsn) == [0]
    job_id = the_job(home)

    resumed = run_cli(home, "resume", job_id, "--json", **secret)  # through the job's DSN: the pooler
    assert resumed.returncode == 0, resumed.stderr
    exactly_once(pg_dsn, job_id)
    undone = run_cli(home, "undo", job_id, "--db", pooled, "--as", ADMIN, "--json", **secret)
    assert undone.returncode == 0, undone.stderr
    assert one_json(undone.stdout)["deleted"] == N_LEADS
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 0
    assert crm_job(pg_dsn, job_id)["status"] == "undone"
    log = pgbouncer.log.read_text()
    assert f"{dbname}/{login.user}@127.0.0.1" in log  # the importer really went through the pooler
    for text in (importer.err, resumed.stderr, undone.stderr, log):
        assert "prepared statement" not in text.lower()


# --- the job store's disk -----------------------------------------------------------------------------------
def fill(folder: Path) -> Path:
    """Write zeros into ``folder`` until its file system is full; returns the filler file."""
    filler = folder / "filler"
    block = b"\0" * (64 << 10)
    with filler.open("wb") as f:
        try:
            while True:
                f.write(block)
                f.flush()
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC
    return filler


def test_job_store_disk_full_mid_commit(pg_dsn: str, tmp_path: Path, gates: list[Gate]) -> None:
    with small_tmpfs(tmp_path / "disk") as disk:
        gate = gated(pg_dsn, "after-commit-sent", gates)
        home = disk / "home"
        importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN,
                            "--assign", ROUND_ROBIN, "--json", logs=tmp_path)
        gate.wait_closed_on(importer)
        filler = fill(disk)  # the disk fills up while batch 1 commits in the CRM
        gate.open()
        assert importer.wait(120) == 3, (importer.out, importer.err)
        sentence = [line for line in importer.err.splitlines() if line.strip()][-1]
        assert sentence.startswith(f"The job store {job_store(home)} cannot be written")
        assert "(database or disk is full)" in sentence
        assert "Traceback" not in importer.err
        # The batch in flight is in the CRM without its checkpoint; nothing after it went in.
        assert server_batches(pg_dsn) == [0, 1]
        assert read_store(home, "SELECT batch_no FROM commits") == [(0,)]
        assert integrity(home) == "ok"

        filler.unlink()
        job_id = the_job(home)
        resumed = run_cli(home, "resume", job_id, "--json")
        assert resumed.returncode == 0, resumed.stderr
        exactly_once(pg_dsn, job_id)
        assert integrity(home) == "ok"


def test_job_store_on_a_read_only_file_system(pg_dsn: str, tmp_path: Path, gates: list[Gate]) -> None:
    with small_tmpfs(tmp_path / "disk") as disk:
        gate = gated(pg_dsn, "before-ledger", gates)
        home = disk / "home"
        importer = Importer(home, "import", str(leads_file(tmp_path)), "--db", pg_dsn, "--as", ADMIN,
                            "--assign", ROUND_ROBIN, "--json")
        gate.wait_closed_on(importer)
        importer.kill()
        gate.open()
        wait_for("the killed importer's backend to end", lambda: importer_backends(pg_dsn) == 0, 30)
        job_id = the_job(home)
        with read_only(disk):
            other = write_leads_csv(tmp_path / "other.csv", [lead(i) for i in range(50_000, 50_100)])
            for args in (["resume", job_id], ["import", str(other), "--db", pg_dsn, "--as", ADMIN]):
                refused = run_cli(home, *args)
                assert refused.returncode == 3, refused.stderr
                sentence = one_line(refused.stderr)
                assert sentence.startswith(f"The job store {job_store(home)} cannot be written")
                assert "free some space or fix its permissions" in sentence
            # Reading needs no writable disk: the history and a report of the job still work.
            history = run_cli(home, "history", "--json")
            assert history.returncode == 0, history.stderr
            assert [j["job_id"] for j in json.loads(history.stdout)] == [job_id]
            report = run_cli(home, "report", job_id, "--out", str(tmp_path / "report.csv"))
            assert report.returncode == 0, report.stderr
            assert (tmp_path / "report.csv").read_bytes().startswith(b"\xef\xbb\xbf")
            assert server_batches(pg_dsn) == [0]  # no batch went to the CRM without its checkpoint
            assert scalar(pg_dsn, "SELECT count(*) FROM public.import_jobs") == 1
            assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == BATCH
        assert integrity(home) == "ok"
        resumed = run_cli(home, "resume", job_id, "--json")
        assert resumed.returncode == 0, resumed.stderr
        exactly_once(pg_dsn, job_id)
