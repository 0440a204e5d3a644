"""The commit phase under faults, against a real CRM: kills, lost backends, retried transactions, rows the
CRM rejects, permanent errors, concurrent imports. Each fault is real — a SIGKILL, pg_terminate_backend, a
trigger raising the SQLSTATE the server would — and each test ends by checking that every expected lead is
in the CRM exactly once.
"""

from __future__ import annotations

import csv
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from leadfiles import (
    ADMIN,
    SALES,
    assignments,
    check_audit,
    crm_job,
    do_import,
    grant_crm_access,
    insert_leads,
    lead,
    one_json,
    popen_cli,
    query,
    refuse,
    run_cli,
    scalar,
    server_batches,
    wait_for,
    with_password,
    write_generated,
    write_leads_csv,
)
from pgfixture import PasswordLogin
from psycopg.conninfo import conninfo_to_dict

from crm_importer.crm import committer
from crm_importer.crm import link as link_mod
from crm_importer.crm.options import Assignment
from crm_importer.engine.errors import ImporterError, NotCompletedError, StoreError
from crm_importer.engine.jobstore import COMPLETED, FAILED, Job, JobStore
from crm_importer.service import ImportRequest, commit_validated, resume_import, run_import, validate


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(committer, "COMMIT_ROWS", 50)
    return 50


def leads_file(tmp_path: Path, n: int, name: str = "leads.csv", **overrides: Callable[[int], str]) -> Path:
    rows = [lead(i, **{f: make(i) for f, make in overrides.items()}) for i in range(n)]
    return write_leads_csv(tmp_path / name, rows)


def exactly_once(dsn: str, job_id: str, expected_rows: set[int]) -> None:
    """The job's leads are exactly the expected file rows, each once, each with one 'created' event."""
    rows = [r for (r,) in query(dsn, "SELECT import_row FROM public.leads WHERE import_job_id = %s", (job_id,))]
    assert len(rows) == len(set(rows))
    assert set(rows) == expected_rows
    assert scalar(dsn, "SELECT count(*) FROM public.lead_history WHERE import_job_id = %s AND event = 'created'",
                  (job_id,)) == len(rows)
    assert scalar(dsn, "SELECT count(*) FROM public.leads") == scalar(
        dsn, "SELECT count(DISTINCT lower(email)) FROM public.leads")


def install_fault(dsn: str, body: str, *, row: int) -> None:
    """A trigger on leads running ``body`` (PL/pgSQL) when the importer inserts file row ``row``.

    ``nextval`` is not rolled back with the failed transaction, so ``n`` (the number of times the row was
    tried) lets a fault fire on the first try only.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE SEQUENCE crm_test_fault_tries")
        conn.execute(
            "CREATE FUNCTION crm_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$"
            " DECLARE n bigint := nextval('crm_test_fault_tries'); BEGIN " + body + " RETURN NEW; END $$"
        )
        conn.execute(
            f"CREATE TRIGGER crm_test_fault BEFORE INSERT ON public.leads FOR EACH ROW"
            f" WHEN (NEW.import_row = {int(row)}) EXECUTE FUNCTION crm_test_fault()"
        )


def fault_tries(dsn: str) -> int:
    return int(scalar(dsn, "SELECT last_value FROM crm_test_fault_tries"))


def terminate_when_sleeping(conn: psycopg.Connection, terminated: list[int],
                            first: Callable[[], object] = lambda: None) -> None:
    """Terminate the importer's backend once it sleeps in a test trigger (``pg_sleep``): within 60 s, the
    backend's pid appended to ``terminated``; ``first`` runs just before the termination."""
    deadline = time.monotonic() + 60
    while not terminated and time.monotonic() < deadline:
        for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'crm-importer'"
            " AND datname = current_database() AND wait_event = 'PgSleep'"
        ).fetchall():
            first()
            if conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]:
                terminated.append(pid)
        time.sleep(0.02)


# --- kill -9 ---------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_kill_9_mid_commit_then_resume_ends_with_exactly_the_expected_leads(
    pg_dsn: str, make_crm: Callable[[], str], tmp_path: Path
) -> None:
    path = write_generated(tmp_path / "salon-150k.csv", 150_000, seed=42)  # 30 commit batches
    assign = "round-robin:" + ",".join(SALES)
    home = tmp_path / "home"
    proc = popen_cli(home, "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--assign", assign, "--json")
    try:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            deadline = time.monotonic() + 240
            while conn.execute("SELECT count(*) FROM public.import_batches").fetchone()[0] < 3:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the import never reached its third batch"
                time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert out == ""

    [job] = one_json(run_cli(home, "history", "--json").stdout)
    assert job["status"] == "importing"
    partial = scalar(pg_dsn, "SELECT count(*) FROM public.leads")
    assert partial >= 3 * committer.COMMIT_ROWS * 0.9

    resumed = run_cli(home, "resume", job["job_id"], "--json")
    assert resumed.returncode == 1, resumed.stderr  # completed; the file has invalid rows
    result = one_json(resumed.stdout)
    assert result["status"] == "completed"

    clean_dsn = make_crm()
    clean = run_cli(tmp_path / "home-clean", "import", str(path), "--db", clean_dsn, "--as", ADMIN, "--assign",
                    assign, "--json")
    assert clean.returncode == 1, clean.stderr
    expected = one_json(clean.stdout)
    for key in ("total_rows", "valid_rows", "invalid_rows", "imported_rows", "updated_rows", "duplicate_rows",
                "rejected_rows"):
        assert result[key] == expected[key], key

    assert partial < expected["imported_rows"]  # the kill did land in the middle of the commit
    count_sql = "SELECT count(*), count(DISTINCT import_row) FROM public.leads"
    assert query(pg_dsn, count_sql) == query(clean_dsn, count_sql) == [(expected["imported_rows"],) * 2]
    # The same rows, the same owners: round-robin survived the kill.
    assert assignments(pg_dsn, job["job_id"]) == assignments(clean_dsn, expected["job_id"])
    assert scalar(pg_dsn, "SELECT count(*) FROM public.lead_history WHERE event = 'created'") == \
        expected["imported_rows"]
    server = crm_job(pg_dsn, job["job_id"])
    assert server["status"] == "completed" and server["imported_rows"] == expected["imported_rows"]

    with sqlite3.connect(f"file:{home / 'data' / 'jobs.sqlite3'}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# --- a lost backend --------------------------------------------------------------------------------------------
def test_terminated_backend_mid_commit_is_survived(pg_dsn: str, store: JobStore, tmp_path: Path,
                                                   small_batches: int) -> None:
    # The importer's backend sleeps inside the batch holding row 152 (its first try only) ...
    install_fault(pg_dsn, "IF n = 1 THEN PERFORM pg_sleep(20); END IF;", row=152)
    terminated: list[int] = []

    def terminate() -> None:  # ... and is terminated from another connection meanwhile.
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            terminate_when_sleeping(conn, terminated)

    killer = threading.Thread(target=terminate)
    killer.start()
    try:
        job = do_import(pg_dsn, leads_file(tmp_path, 400), store)
    finally:
        killer.join()
    assert terminated, "the importer's backend was never seen sleeping"
    assert fault_tries(pg_dsn) == 2  # the batch went in again, on a new connection
    assert job.status == COMPLETED and job.imported_rows == 400
    exactly_once(pg_dsn, job.id, set(range(2, 402)))
    check_audit(pg_dsn, store, job)


@pytest.mark.parametrize(("sqlstate", "what"), [("40001", "serialization failure"), ("40P01", "deadlock")])
def test_transient_error_raised_once_is_retried_without_duplicates(
    pg_dsn: str, store: JobStore, tmp_path: Path, small_batches: int, sqlstate: str, what: str
) -> None:
    install_fault(pg_dsn, f"IF n = 1 THEN RAISE EXCEPTION 'injected {what}' USING ERRCODE = '{sqlstate}'; END IF;",
                  row=177)
    job = do_import(pg_dsn, leads_file(tmp_path, 300), store, assign="round-robin:" + ",".join(SALES))
    assert fault_tries(pg_dsn) == 2
    assert (job.status, job.imported_rows, job.rejected_rows) == (COMPLETED, 300, 0)
    exactly_once(pg_dsn, job.id, set(range(2, 302)))
    check_audit(pg_dsn, store, job)
    owners = list(assignments(pg_dsn, job.id).values())
    assert {owners.count(s) for s in SALES} == {100}


def test_an_error_before_the_first_batch_says_so_and_resume_finishes(pg_dsn: str, store: JobStore,
                                                                     tmp_path: Path) -> None:
    """The server-side job row is refused (no batch planned yet): said as such, not as "batch 1 of ?"."""
    refuse(pg_dsn, "BEFORE INSERT", "public.import_jobs", "import jobs are frozen", "42501")
    with pytest.raises(NotCompletedError) as info:
        do_import(pg_dsn, leads_file(tmp_path, 30), store)
    err = info.value
    assert err.code == "commit_stopped" and err.exit_code == 3
    text = err.text()
    assert "before its first batch" in text and "import jobs are frozen" in text and "?" not in text
    assert f"crm-importer resume {err.job_id}" in text  # type: ignore[attr-defined]
    assert "avant son premier lot" in err.text("fr")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER crm_test_refuse ON public.import_jobs")
    job = resume_import(store.list_jobs()[0].id, store=store)
    assert (job.status, job.imported_rows) == (COMPLETED, 30)


def test_a_transaction_the_server_ends_as_idle_is_retried(pg_dsn: str, store: JobStore, tmp_path: Path,
                                                          small_batches: int, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """The importer stalls mid-batch longer than the idle-in-transaction limit it sets (a laptop asleep):
    the server ends the session (25P03, an InternalError); the batch is retried, nothing is lost or doubled."""
    monkeypatch.setattr(link_mod, "IDLE_IN_TRANSACTION_TIMEOUT", "1s")
    params = committer.JobCommitter._params  # the batch statement's values, made after the COPY
    stalls: list[int] = []

    def stalled(self: Any, lo: int, hi: int, rr_offset: int) -> dict[str, Any]:
        if not stalls and lo > 100:  # after the COPY, the transaction idle on the server
            stalls.append(1)
            time.sleep(2.5)
        return params(self, lo, hi, rr_offset)

    monkeypatch.setattr(committer.JobCommitter, "_params", stalled)
    phases: list[str] = []
    job = run_import(ImportRequest(leads_file(tmp_path, 300), pg_dsn, ADMIN), store=store,
                     progress=lambda p: phases.append(p.phase))
    assert stalls == [1]
    assert "reconnecting" in phases and phases[-1] != "reconnecting"  # said while it waited, then went on
    assert (job.status, job.imported_rows) == (COMPLETED, 300)
    exactly_once(pg_dsn, job.id, set(range(2, 302)))


def test_permanent_error_stops_the_job_and_resume_finishes_after_the_fix(
    pg_dsn: str, store: JobStore, tmp_path: Path, small_batches: int
) -> None:
    install_fault(pg_dsn, "RAISE EXCEPTION 'leads are read-only during the audit' USING ERRCODE = '42501';",
                  row=230)
    path = leads_file(tmp_path, 300)
    with pytest.raises(NotCompletedError) as info:
        do_import(pg_dsn, path, store)
    err = info.value
    assert err.code == "commit_failed" and err.exit_code == 3
    assert "leads are read-only during the audit" in err.text() and "crm-importer resume" in err.text()
    [job] = store.list_jobs()
    # Batches 0 to 3 went in, and maybe the batch beside the failing one (committed side by side).
    assert job.status == FAILED and job.committed_batches in range(4, 4 + committer.COMMIT_CONNECTIONS)
    assert crm_job(pg_dsn, job.id)["status"] == "failed"
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == job.imported_rows == 50 * job.committed_batches
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads WHERE import_row BETWEEN 202 AND 251") == 0

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER crm_test_fault ON public.leads")
    job = resume_import(job.id, store=store)
    assert (job.status, job.imported_rows) == (COMPLETED, 300)
    exactly_once(pg_dsn, job.id, set(range(2, 302)))
    check_audit(pg_dsn, store, job)


def test_statement_timeout_fails_the_job_resumably(pg_dsn: str, store: JobStore, tmp_path: Path,
                                                   small_batches: int) -> None:
    install_fault(pg_dsn, "PERFORM pg_sleep(2);", row=120)
    path = leads_file(tmp_path, 200)
    with pytest.raises(ImporterError) as info:
        do_import(pg_dsn + " options='-c statement_timeout=300'", path, store)
    assert info.value.code == "statement_timeout"
    [job] = store.list_jobs()
    assert job.status == FAILED and job.committed_batches in range(2, 2 + committer.COMMIT_CONNECTIONS)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == job.imported_rows
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER crm_test_fault ON public.leads")
    job = resume_import(job.id, store=store, dsn=pg_dsn)
    exactly_once(pg_dsn, job.id, set(range(2, 202)))
    check_audit(pg_dsn, store, job)


class FailingStore(JobStore):
    """A job store that fails (disk full) right after the CRM committed batch ``batch_no``, once."""

    def __init__(self, path: Path, batch_no: int) -> None:
        super().__init__(path)
        self.batch_no = batch_no

    def record_commit(self, job_id: str, batch_no: int, **kwargs: Any) -> None:
        if batch_no == self.batch_no:
            self.batch_no = -1
            raise StoreError("store_unwritable", path=str(self.path), reason="database or disk is full")
        super().record_commit(job_id, batch_no, **kwargs)


def test_batch_committed_but_not_recorded_locally_is_learnt_from_the_ledger(
    pg_dsn: str, tmp_path: Path, small_batches: int
) -> None:
    existing = [{"email": f"ELODIE.LEFEVRE{i}@EXEMPLE.FR"} for i in (105, 110, 160)]
    insert_leads(pg_dsn, existing)
    path = leads_file(tmp_path, 250)
    store_path = tmp_path / "store" / "jobs.sqlite3"
    with FailingStore(store_path, batch_no=2) as failing, pytest.raises(StoreError):
        do_import(pg_dsn, path, failing, assign="round-robin:" + ",".join(SALES))
    with JobStore(store_path) as store:
        [job] = store.list_jobs()
        # Batch 2 is in the CRM (its ledger row) but not in the store; batch 3, committed beside it, is in
        # both when it ended first.
        learnt = store.committed_batches(job.id)
        assert {0, 1} <= learnt and 2 not in learnt and learnt <= {0, 1, 3}
        assert scalar(pg_dsn, "SELECT count(*) FROM public.import_batches") in range(3, 3 + committer.COMMIT_CONNECTIONS)
        job = resume_import(job.id, store=store)
        assert (job.imported_rows, job.skipped_rows) == (247, 3)
        exactly_once(pg_dsn, job.id, set(range(2, 252)) - {107, 112, 162})
        check_audit(pg_dsn, store, job)
        # The rows of the batch learnt from the ledger still map to their leads, and its skips are reported.
        inserted = [int(r) for frame in store.commit_results(job.id)
                    for r, o in zip(frame["__row"], frame["outcome"], strict=True) if o == "inserted"]
        assert sorted(inserted) == sorted(set(range(2, 252)) - {107, 112, 162})
        assert store.issue_rows(job.id, ["crm_duplicate"]) == {107, 112, 162}
    owners = list(assignments(pg_dsn, job.id).values())
    assert sorted(owners.count(s) for s in SALES) == [82, 82, 83]


# --- rows the CRM rejects ------------------------------------------------------------------------------------
def test_rows_rejected_by_a_crm_constraint_are_isolated_and_reported(pg_dsn: str, tmp_path: Path) -> None:
    """The CRM has a CHECK the importer does not know: the batch is split, those rows alone are rejected."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.leads ADD CONSTRAINT city_code CHECK (length(city) < 5)")
    bad = {5: "Marseille", 4_321: "Strasbourg", 10_002: "Toulouse"}  # file rows (3 of 3 batches)
    rows = [lead(i, city=bad.get(i + 2, "Lyon")) for i in range(12_000)]
    path = write_leads_csv(tmp_path / "cities.csv", rows)
    report = tmp_path / "out" / "rejected.csv"
    home = tmp_path / "home"
    done = run_cli(home, "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--report", str(report), "--json")
    assert done.returncode == 1, done.stderr
    result = one_json(done.stdout)
    assert (result["status"], result["imported_rows"], result["rejected_rows"]) == ("completed", 11_997, 3)
    with report.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f, delimiter=";"))
    assert [int(line[0]) for line in lines[1:]] == sorted(bad)
    assert all("Rejected by the CRM database" in line[1] and "city_code" in line[1] for line in lines[1:])
    assert [line[lines[0].index("Ville")] for line in lines[1:]] == [bad[r] for r in sorted(bad)]
    exactly_once(pg_dsn, result["job_id"], set(range(2, 12_002)) - set(bad))
    assert crm_job(pg_dsn, result["job_id"])["rejected_rows"] == 3


def test_a_row_of_the_job_found_in_the_crm_already_is_reported_not_dropped(pg_dsn: str, store: JobStore,
                                                                          tmp_path: Path) -> None:
    """The batch insert has no ON CONFLICT clause: were one of the job's rows in the CRM already while the
    ledger does not have its batch (it cannot happen through the importer), the CRM's unique
    (import_job_id, import_row) refuses it, and it is reported with why; the batch's other rows go in."""
    job = validate(leads_file(tmp_path, 30), store)
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("INSERT INTO public.import_jobs (id, file_name, status) VALUES (%s, 'leads.csv', 'pending')",
                     (job.id,))
        conn.execute("INSERT INTO public.leads (first_name, email, import_job_id, import_row)"
                     " VALUES ('Déjà', 'deja@exemple.fr', %s, 7)", (job.id,))
    done = commit_validated(store, job.id, dsn=pg_dsn, actor_email=ADMIN, policy="skip", assignment=Assignment(),
                            lang="en")
    assert (done.status, done.imported_rows, done.rejected_rows) == (COMPLETED, 29, 1)
    [refused] = store.issues(job.id, statuses=["rejected"])
    assert refused.row_no == 7 and "leads_import_job_row_key" in refused.errors[0].params["detail"]
    rows = [r for (r,) in query(pg_dsn, "SELECT import_row FROM public.leads WHERE import_job_id = %s"
                                        " AND first_name <> 'Déjà'", (job.id,))]
    assert sorted(rows) == sorted(set(range(2, 32)) - {7})


# --- concurrency ---------------------------------------------------------------------------------------------
def test_two_concurrent_imports_of_overlapping_files_create_no_duplicate(
    pg_dsn: str, tmp_path: Path, small_batches: int
) -> None:
    # B repeats half of A, typed differently (upper-case emails, international phones, other ids).
    a = leads_file(tmp_path, 600, "a.csv")
    rows_b = [lead(i, email=lead(i)["email"].upper(), phone="+33 " + lead(i)["phone"][1:],
                   external_id=f"b-{i}") for i in range(300, 900)]
    b = write_leads_csv(tmp_path / "b.csv", rows_b)
    jobs: dict[str, Job] = {}
    errors: list[BaseException] = []
    both_committing = threading.Barrier(2, timeout=60)

    def run(name: str, path: Path) -> None:
        first = [True]

        def progress(p: Any) -> None:  # each waits for the other's first batch: the rest interleaves
            if p.phase == "committing" and first[0]:
                first[0] = False
                both_committing.wait()

        try:
            jobs[name] = run_import(ImportRequest(path, pg_dsn, ADMIN), progress=progress)  # the user's store
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    JobStore().close()  # created up front: two first-ever opens of the store race on its migration
    threads = [threading.Thread(target=run, args=(n, p)) for n, p in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 900
    assert scalar(pg_dsn, "SELECT count(DISTINCT lower(email)) FROM public.leads") == 900
    assert scalar(pg_dsn, "SELECT count(DISTINCT phone) FROM public.leads") == 900
    assert jobs["a"].imported_rows + jobs["b"].imported_rows == 900
    assert jobs["a"].skipped_rows + jobs["b"].skipped_rows == 300
    # The batches really interleaved (otherwise this proves nothing about concurrency).
    order = [str(j) for (j,) in query(pg_dsn, "SELECT job_id FROM public.import_batches ORDER BY committed_at")]
    switches = sum(1 for x, y in zip(order, order[1:], strict=False) if x != y)
    assert switches >= 2, order


def test_the_same_job_resumed_twice_at_once_commits_each_batch_once(
    pg_dsn: str, tmp_path: Path, small_batches: int
) -> None:
    """A resume started from the GUI and from the CLI at the same time: both finish, nothing twice."""
    path = leads_file(tmp_path, 600)
    store_path = tmp_path / "store" / "jobs.sqlite3"
    with JobStore(store_path) as store:
        cancel_after = [2]

        def progress(p: Any) -> None:
            if p.phase == "committing":
                cancel_after[0] -= 1

        with pytest.raises(ImporterError):
            run_import(ImportRequest(path, pg_dsn, ADMIN, assign="round-robin:" + ",".join(SALES)), store=store,
                       progress=progress, is_cancelled=lambda: cancel_after[0] <= 0)
        [job] = store.list_jobs()
    results: list[Job] = []
    errors: list[BaseException] = []

    def resume() -> None:
        try:
            with JobStore(store_path) as own:
                results.append(resume_import(job.id, store=own))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert [r.status for r in results] == [COMPLETED, COMPLETED]
    exactly_once(pg_dsn, job.id, set(range(2, 602)))
    with JobStore(store_path) as store:
        final = store.get_job(job.id)
        assert final.imported_rows == 600
        check_audit(pg_dsn, store, final)
    owners = list(assignments(pg_dsn, job.id).values())
    assert {owners.count(s) for s in SALES} == {200}


def test_a_batch_commits_beside_another_that_the_crm_holds_up_and_another_import_waits_its_turn(
    pg_dsn: str, tmp_path: Path, small_batches: int
) -> None:
    """A job commits over two connections side by side: while the CRM holds up batch 0's insert (a trigger
    waiting on a lock this test holds), batch 1 goes in beside it. Another import into the same CRM, started
    meanwhile, waits for the commit lock: nothing of it goes in before the held-up batch is released. Then
    both finish: each row once, round-robin turns as if the batches had gone one after the other."""
    install_fault(pg_dsn, "PERFORM pg_advisory_lock_shared(4242); PERFORM pg_advisory_unlock_shared(4242);", row=2)
    path = leads_file(tmp_path, 200)
    other = write_leads_csv(tmp_path / "other.csv", [lead(i) for i in range(500, 520)])
    JobStore().close()
    jobs: dict[str, Job] = {}
    errors: list[BaseException] = []

    def run(name: str, file: Path, assign: str) -> None:
        try:
            jobs[name] = run_import(ImportRequest(file, pg_dsn, ADMIN, assign=assign))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    with psycopg.connect(pg_dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(4242)")
        first = threading.Thread(target=run, args=("a", path, "round-robin:" + ",".join(SALES)))
        first.start()
        wait_for("batch 1 committed beside the held-up batch 0", lambda: server_batches(pg_dsn) == [1])
        second = threading.Thread(target=run, args=("b", other, "none"))
        second.start()
        key = committer.COMMIT_LOCK_KEY
        wait_for("the other import waiting for the commit lock", lambda: scalar(
            pg_dsn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND classid = %s::bigint::oid AND objid = %s::bigint::oid", (key >> 32, key & 0xFFFFFFFF)) == 1)
        assert server_batches(pg_dsn) == [1]  # still: batch 0 held up, nothing of the other import
        assert scalar(pg_dsn, "SELECT count(*) FROM public.leads WHERE import_row BETWEEN 2 AND 51") == 0
        holder.execute("SELECT pg_advisory_unlock(4242)")
    for t in (first, second):
        t.join(120)
    assert not errors, errors
    assert (jobs["a"].status, jobs["a"].imported_rows, jobs["b"].imported_rows) == (COMPLETED, 200, 20)
    exactly_once(pg_dsn, jobs["a"].id, set(range(2, 202)))
    owners = assignments(pg_dsn, jobs["a"].id)
    assert [owners[r] for r in sorted(owners)] == [SALES[i % 3] for i in range(200)]


def test_a_login_that_cannot_read_pg_locks_commits_one_batch_after_the_other(
    pg_dsn: str, pg_password_login: PasswordLogin, store: JobStore, tmp_path: Path, small_batches: int
) -> None:
    """A follower checks its leader in ``pg_locks``; a CRM that keeps ``pg_lock_status()`` from the import's
    login refuses the check: the batch goes alone, and the rest of the job one batch after the other."""
    login = grant_crm_access(pg_dsn, pg_password_login)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_lock_status() FROM PUBLIC")
    try:
        job = do_import(with_password(login, login.password), leads_file(tmp_path, 300), store,
                        assign="round-robin:" + ",".join(SALES))
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute("GRANT EXECUTE ON FUNCTION pg_catalog.pg_lock_status() TO PUBLIC")
    assert job.status == COMPLETED and job.imported_rows == 300
    exactly_once(pg_dsn, job.id, set(range(2, 302)))
    owners = assignments(pg_dsn, job.id)
    assert [owners[r] for r in sorted(owners)] == [SALES[i % 3] for i in range(300)]
    check_audit(pg_dsn, store, job)


def test_reconnect_waits_for_a_free_connection_slot(pg_dsn: str, pg_password_login: PasswordLogin,
                                                    store: JobStore, tmp_path: Path, small_batches: int) -> None:
    """The backend is lost while the CRM has no free slot for a while (a pooler at its limit): the importer
    keeps retrying with backoff instead of failing the job."""
    install_fault(pg_dsn, "IF n = 1 THEN PERFORM pg_sleep(20); END IF;", row=102)
    login = grant_crm_access(pg_dsn, pg_password_login)
    dbname = conninfo_to_dict(pg_dsn)["dbname"]
    refused_for = 1.5
    terminated: list[int] = []

    def terminate_and_fill_up() -> None:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            terminate_when_sleeping(conn, terminated, first=lambda: conn.execute(
                f'ALTER DATABASE "{dbname}" CONNECTION LIMIT 0'))
            time.sleep(refused_for)
            conn.execute(f'ALTER DATABASE "{dbname}" CONNECTION LIMIT -1')

    helper = threading.Thread(target=terminate_and_fill_up)
    helper.start()
    try:
        job = do_import(with_password(login, login.password), leads_file(tmp_path, 200), store)
    finally:
        helper.join()
    assert terminated
    assert job.status == COMPLETED and job.imported_rows == 200
    exactly_once(pg_dsn, job.id, set(range(2, 202)))
    check_audit(pg_dsn, store, job)


def test_a_reconnect_reuses_the_password_the_first_connection_found(pg_dsn: str,
                                                                     pg_password_login: PasswordLogin) -> None:
    """The password came from the keyring (or a prompt) once; after a lost connection the importer must not
    need it again from there: the keyring may be locked by then, and a prompt would block a running import."""
    import keyring
    import keyring.backends.fail

    from crm_importer.crm.connection import dsn_endpoint, store_password
    from crm_importer.crm.link import CrmLink

    login = grant_crm_access(pg_dsn, pg_password_login)
    previous = keyring.get_keyring()
    from helpers import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    try:
        host, port, user, _ = dsn_endpoint(login.dsn)
        assert store_password(host, port, user, login.password)
        link = CrmLink(login.dsn, base_delay=0.01)
        first_pid = link.conn.info.backend_pid
        keyring.set_keyring(keyring.backends.fail.Keyring())  # the keyring is gone now
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first_pid,))
        pid = link.retrying(lambda conn: conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        assert pid != first_pid
        link.close()
    finally:
        keyring.set_keyring(previous)
