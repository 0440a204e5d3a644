"""The commit phase against a real CRM: duplicate policies, assignment, audit trail, undo, refusals.

Existing leads are typed the way people type them (upper-case emails with spaces, phones in dotted or
international formats, external ids in another case) and inserted straight into the CRM; the files go
through the whole importer (read, validate, stage, commit) as the CLI and the GUI run it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from leadfiles import (
    ADMIN,
    ADMIN_ID,
    PROFILE_ID,
    PROFILE_NAME,
    SALES,
    assignments,
    check_audit,
    crm_job,
    do_import,
    e164,
    grant_crm_access,
    insert_leads,
    lead,
    query,
    refuse,
    scalar,
    snapshot,
    write_leads_csv,
)
from pgfixture import PasswordLogin
from psycopg import sql

from crm_importer import service
from crm_importer.crm import committer, statements
from crm_importer.crm.connection import CrmError
from crm_importer.engine.errors import CancelledError, ImporterError, RefusedError
from crm_importer.engine.jobstore import CANCELLED, UNDONE, Job, JobStore
from crm_importer.engine.pipeline import Progress
from crm_importer.service import ImportRequest, resume_import, run_import, undo_import

BRUNO, CHLOE, DAVID = SALES
LEAD_FIELDS = ("first_name", "last_name", "email", "phone", "company", "job_title", "city", "postal_code",
               "country", "source", "external_id", "notes")


def issue_params(store: JobStore, job: Job, status: str) -> dict[int, dict[str, Any]]:
    return {i.row_no: i.errors[0].params for i in store.issues(job.id, statuses=[status])}


# --- duplicate policies -------------------------------------------------------------------------------------
#: Leads already in the CRM, typed by people. Lead i of the file matches EXISTING[i] (i < 6).
EXISTING: list[dict[str, Any]] = [
    # by email: upper case, spaces around
    {"first_name": "Élodie", "email": "  ELODIE.LEFEVRE0@EXEMPLE.FR ", "city": "Paris", "status": "qualified",
     "assigned_to": PROFILE_ID[BRUNO], "notes": "VIP, rappeler lundi"},
    # by phone, dotted national format (another email)
    {"first_name": "Marc", "email": "marc@autre.fr", "phone": "06.12.00.00.01", "company": "Ancienne SARL"},
    # by phone, international format with spaces
    {"first_name": "Luc", "phone": "+33 6 12 00 00 02"},
    # by external id in another case, with spaces
    {"first_name": "Anne", "email": "anne@autre.fr", "external_id": " ext-3 "},
    # by phone typed with the national trunk prefix in brackets
    {"first_name": "Paul", "phone": "+33 (0)6 12 00 00 04", "job_title": "Gérant"},
    # identical to what the file holds for lead 5 (nothing to update)
    {"first_name": "Élodie5", "last_name": "Lefèvre5", "email": "elodie.lefevre5@exemple.fr",
     "phone": "+33612000005", "company": "Société 5", "city": "Lyon", "external_id": "EXT-5"},
    # unrelated
    {"first_name": "Zoé", "email": "zoe@ailleurs.fr", "phone": "01 40 00 00 00", "external_id": "Z-1"},
]
MATCH_KEYS = {2: "email", 3: "phone", 4: "phone", 5: "external_id", 6: "phone", 7: "email"}


def policy_file(tmp_path: Path) -> Path:
    """Leads 0..11 (rows 2..13), two in-file duplicates (rows 14, 15) and an invalid row (16)."""
    rows = [lead(i) for i in range(12)]
    rows.append(lead(100, email="ELODIE.LEFEVRE7@EXEMPLE.FR"))  # duplicate of row 9 by email
    rows.append(lead(101, phone="+33 6 12 00 00 08"))  # duplicate of row 10 by phone
    rows.append(lead(102, email="pas-un-email", phone=""))  # invalid
    return write_leads_csv(tmp_path / "salon.csv", rows)


def normalized(i: int) -> dict[str, str]:
    """What the importer writes for lead ``i`` of :func:`policy_file`."""
    row = lead(i)
    row["email"] = row["email"].lower()
    row["phone"] = e164(i)
    return row


@pytest.fixture
def existing(pg_dsn: str) -> list[str]:
    return insert_leads(pg_dsn, EXISTING)


def test_skip_policy_matches_leads_typed_by_people(pg_dsn: str, existing: list[str], store: JobStore,
                                                   tmp_path: Path) -> None:
    before = snapshot(pg_dsn)
    job = do_import(pg_dsn, policy_file(tmp_path), store, on_duplicate="skip")

    assert (job.total_rows, job.valid_rows, job.invalid_rows, job.duplicate_rows) == (15, 14, 1, 2)
    assert (job.imported_rows, job.updated_rows, job.skipped_rows, job.rejected_rows) == (6, 0, 6, 0)
    skipped = issue_params(store, job, "crm_duplicate")
    assert {row: p["key"] for row, p in skipped.items()} == MATCH_KEYS
    inserted = dict(query(pg_dsn, "SELECT import_row, email FROM public.leads WHERE import_job_id = %s", (job.id,)))
    assert inserted == {i + 2: normalized(i)["email"] for i in range(6, 12)}
    # The existing leads are untouched; in-file duplicates (rows 14, 15) never reach the CRM.
    after = snapshot(pg_dsn)
    assert after.filter(after["import_job_id"].is_null()).equals(before)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == len(EXISTING) + 6
    check_audit(pg_dsn, store, job)
    # Skipped rows are reported with their key (what sales ops get back).
    report = Path(job.report_path).read_text(encoding="utf-8-sig")
    assert "Already in the CRM (same external_id)" in report
    assert len(report.splitlines()) == 1 + 6 + 2 + 1


def test_update_policy_changes_only_what_differs_and_records_it(pg_dsn: str, existing: list[str],
                                                                store: JobStore, tmp_path: Path) -> None:
    before = {r["id"]: r for r in snapshot(pg_dsn).iter_rows(named=True)}
    job = do_import(pg_dsn, policy_file(tmp_path), store, on_duplicate="update")

    assert (job.imported_rows, job.updated_rows, job.skipped_rows, job.duplicate_rows) == (6, 5, 1, 2)
    assert issue_params(store, job, "crm_duplicate") == {7: {"key": "email"}}  # lead 5: nothing differed
    after = {r["id"]: r for r in snapshot(pg_dsn).iter_rows(named=True)}
    history = {
        str(lead_id): changes
        for lead_id, changes in query(
            pg_dsn, "SELECT lead_id, changes FROM public.lead_history WHERE import_job_id = %s AND event = 'updated'"
            " AND actor_id = %s", (job.id, ADMIN_ID))
    }
    assert set(history) == set(existing[:5])
    for i, lead_id in enumerate(existing[:5]):
        old, new, file_row = before[lead_id], after[lead_id], normalized(i)
        expected = {f: {"old": old[f], "new": v} for f, v in file_row.items() if v != old[f]}
        assert history[lead_id] == {"import_row": i + 2, "fields": expected}
        for f in SNAPSHOT_FIELDS:
            assert new[f] == (expected[f]["new"] if f in expected else old[f]), (i, f)
    # What the file does not carry (notes, status, owner) and the non-matched leads are left alone.
    assert after[existing[0]]["notes"] == "VIP, rappeler lundi"
    assert after[existing[0]]["status"] == "qualified"
    assert after[existing[0]]["assigned_to"] == PROFILE_ID[BRUNO]
    assert after[existing[5]] == before[existing[5]] and after[existing[6]] == before[existing[6]]
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == len(EXISTING) + 6
    check_audit(pg_dsn, store, job)


SNAPSHOT_FIELDS = (*LEAD_FIELDS, "status", "assigned_to", "created_by", "import_job_id", "import_row")


def test_update_policy_keeps_a_value_when_the_cell_is_empty(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    [lead_id] = insert_leads(pg_dsn, [{"email": "a@b.fr", "company": "Garde SA", "city": "Paris"}])
    path = write_leads_csv(tmp_path / "f.csv", [{"email": "A@B.FR", "company": "", "city": "Nantes"}])
    job = do_import(pg_dsn, path, store, on_duplicate="update")
    assert (job.updated_rows, job.imported_rows) == (1, 0)
    assert query(pg_dsn, "SELECT company, city FROM public.leads WHERE id = %s", (lead_id,)) == [("Garde SA", "Nantes")]
    [changes] = [c for (c,) in query(pg_dsn, "SELECT changes FROM public.lead_history WHERE event = 'updated'")]
    assert changes == {"import_row": 2, "fields": {"city": {"old": "Paris", "new": "Nantes"}}}


def test_create_policy_inserts_anyway_but_never_in_file_duplicates(pg_dsn: str, existing: list[str],
                                                                   store: JobStore, tmp_path: Path) -> None:
    before = snapshot(pg_dsn)
    job = do_import(pg_dsn, policy_file(tmp_path), store, on_duplicate="create")
    assert (job.imported_rows, job.updated_rows, job.skipped_rows, job.duplicate_rows) == (12, 0, 0, 2)
    rows = {r for (r,) in query(pg_dsn, "SELECT import_row FROM public.leads WHERE import_job_id = %s", (job.id,))}
    assert rows == set(range(2, 14))
    after = snapshot(pg_dsn)
    assert after.filter(after["import_job_id"].is_null()).equals(before)
    check_audit(pg_dsn, store, job)


@pytest.mark.parametrize(
    ("dedupe", "counts"),
    [
        # email only: leads 0 and 5 match; row 15 (same phone as row 10) is no longer a duplicate
        ("email", (11, 2, 1)),
        # phone and external id: leads 1..5 match; lead 0 (email only in the CRM) and row 14 go in
        ("phone,external_id", (8, 5, 1)),
        # no keys: nothing is a duplicate
        ("none", (14, 0, 0)),
    ],
)
def test_dedupe_keys_chosen_per_import(pg_dsn: str, existing: list[str], store: JobStore, tmp_path: Path,
                                       dedupe: str, counts: tuple[int, int, int]) -> None:
    job = do_import(pg_dsn, policy_file(tmp_path), store, on_duplicate="skip", dedupe=dedupe)
    assert (job.imported_rows, job.skipped_rows, job.duplicate_rows) == counts
    check_audit(pg_dsn, store, job)


def test_match_uses_the_normalized_key_indexes(pg_dsn: str) -> None:
    """The match of a batch (its keys, in its first round trip) is index probes on the normalized keys, never
    a scan of the leads table."""
    with_leads = [{"email": f"x{i}@y.fr", "phone": f"06 12 {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}",
                   "external_id": f"E{i}"} for i in range(3000)]
    insert_leads(pg_dsn, with_leads)
    stmt = statements.build_match_sql(("email", "phone", "external_id"), "33")
    keys = {"m_rows": "{" + ",".join(str(g) for g in range(1, 51)) + "}",
            "m_email": "{" + ",".join(f"n{g}@z.fr" for g in range(1, 51)) + "}",
            "m_phone": "{" + ",".join(f"+3370000{g}" for g in range(1, 51)) + "}",
            "m_external_id": "{" + ",".join(f"k{g}" for g in range(1, 51)) + "}"}
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("ANALYZE public.leads")
        conn.execute(statements.ensure_match_sql())
        plan = "\n".join(r[0] for r in psycopg.ClientCursor(conn).execute(sql.SQL("EXPLAIN ") + stmt, keys))
        # And it finds what it should: x7@y.fr by its email, the phone of lead 8 given another way.
        keys = {"m_rows": "{2,3,4}", "m_email": '{"x7@y.fr",NULL,"nobody@z.fr"}', "m_phone": "{NULL,+33612000008,NULL}",
                "m_external_id": "{NULL,NULL,NULL}"}
        psycopg.ClientCursor(conn).execute(stmt, keys)
        found = conn.execute("SELECT m.import_row, m.key, l.email FROM _crm_match m JOIN public.leads l"
                             " ON l.id = m.lead_id ORDER BY 1").fetchall()
        conn.rollback()
    assert "leads_email_key_idx" in plan and "leads_phone_key_idx" in plan and "leads_external_id_key_idx" in plan
    assert "Seq Scan on leads" not in plan
    assert found == [(2, "email", "x7@y.fr"), (3, "phone", "x8@y.fr")]


# --- assignment ---------------------------------------------------------------------------------------------
@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(committer, "COMMIT_ROWS", 16)
    return 16


def rr_file(tmp_path: Path, n: int = 120) -> Path:
    return write_leads_csv(tmp_path / "rr.csv", [lead(i) for i in range(n)])


#: Leads already in each CRM of the round-robin tests: rows they match are skipped and take no turn.
RR_EXISTING = [{"email": f"ELODIE.LEFEVRE{i}@EXEMPLE.FR"} for i in (3, 4, 17, 40, 41, 42, 90)]


class CancelAfter:
    """``is_cancelled`` that turns true after ``n`` committed batches (the progress of the commit phase)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.batches = 0

    def progress(self, p: Progress) -> None:
        if p.phase == "committing":
            self.batches += 1

    def __call__(self) -> bool:
        return self.batches >= self.n


def test_assign_none_and_one_user(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    job = do_import(pg_dsn, rr_file(tmp_path, 10), store, assign="none")
    assert set(assignments(pg_dsn, job.id).values()) == {None}
    path = write_leads_csv(tmp_path / "other.csv", [lead(i) for i in range(10, 20)])
    job = do_import(pg_dsn, path, store, assign=f"user:{CHLOE.upper()}")
    assert set(assignments(pg_dsn, job.id).values()) == {CHLOE}
    assert job.options["commit"]["user_ids"] == [PROFILE_ID[CHLOE]]


def test_assign_unknown_user_is_refused_before_anything_is_written(pg_dsn: str, store: JobStore,
                                                                   tmp_path: Path) -> None:
    with pytest.raises(RefusedError) as info:
        do_import(pg_dsn, rr_file(tmp_path, 5), store, assign="round-robin:nobody@nowhere.fr," + BRUNO)
    assert info.value.code == "user_not_found" and info.value.exit_code == 4
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 0
    assert scalar(pg_dsn, "SELECT count(*) FROM public.import_jobs") == 0


def test_round_robin_is_balanced_and_deterministic_across_crms_and_resume(
    make_crm: Callable[[], str], store: JobStore, tmp_path: Path, small_batches: int
) -> None:
    path = rr_file(tmp_path)
    assign = "round-robin:" + ",".join(SALES)
    runs: list[dict[int, str | None]] = []
    for _ in range(2):  # two fresh CRMs, uninterrupted
        dsn = make_crm()
        insert_leads(dsn, RR_EXISTING)
        job = do_import(dsn, path, store, assign=assign)
        check_audit(dsn, store, job)
        runs.append(assignments(dsn, job.id))

    dsn = make_crm()  # a third: cancelled after 3 batches, then resumed
    insert_leads(dsn, RR_EXISTING)
    cancel = CancelAfter(3)
    with pytest.raises(CancelledError):
        run_import(ImportRequest(path, dsn, ADMIN, assign=assign), store=store, progress=cancel.progress,
                   is_cancelled=cancel)
    [cancelled] = [j for j in store.list_jobs() if j.status == CANCELLED]
    # Cancelled once 3 batches are in: the batch committed beside the third goes in too.
    assert cancelled.committed_batches in range(3, 3 + committer.COMMIT_CONNECTIONS)
    assert crm_job(dsn, cancelled.id)["status"] == "cancelled"
    assert scalar(dsn, "SELECT count(*) FROM public.leads WHERE import_job_id = %s", (cancelled.id,)) == \
        cancelled.imported_rows > 0
    job = resume_import(cancelled.id, store=store)
    check_audit(dsn, store, job)
    runs.append(assignments(dsn, job.id))

    assert runs[0] == runs[1] == runs[2]
    assert len(runs[0]) == 120 - len(RR_EXISTING)
    counts = Counter(runs[0].values())
    assert set(counts) == set(SALES) and max(counts.values()) - min(counts.values()) <= 1
    # In row order, turns go round the users given, skipped rows taking none.
    order = [runs[0][r] for r in sorted(runs[0])]
    assert order[:6] == [BRUNO, CHLOE, DAVID, BRUNO, CHLOE, DAVID]


def test_round_robin_balanced_over_many_batches(pg_dsn: str, store: JobStore, tmp_path: Path,
                                                small_batches: int) -> None:
    path = write_leads_csv(tmp_path / "rr.csv", [lead(i) for i in range(101)])
    job = do_import(pg_dsn, path, store, assign=f"round-robin:{BRUNO},{DAVID}")
    counts = Counter(assignments(pg_dsn, job.id).values())
    assert counts == {BRUNO: 51, DAVID: 50}


OWNERS = {
    0: BRUNO.upper(),  # email, other case
    1: "chloé dubois",  # full name, lower case
    2: "  DAVID LEROY ",  # full name, upper case, spaces
    3: "Inconnu Durand",  # nobody
    4: "x@nowhere.fr",  # nobody
    5: PROFILE_NAME[BRUNO],
    6: "inconnu durand",
}


def owner_file(tmp_path: Path) -> Path:
    rows = [{**lead(i), "Commercial": OWNERS[i]} for i in range(7)]
    return write_leads_csv(tmp_path / "owners.csv", rows, fields=["first_name", "email", "phone"],
                           extra_headers=["Commercial"])


@pytest.mark.parametrize("fallback", [None, DAVID])
def test_assign_by_column(pg_dsn: str, store: JobStore, tmp_path: Path, fallback: str | None) -> None:
    unknown_owner = f"user:{fallback}" if fallback else "unassigned"
    job = do_import(pg_dsn, owner_file(tmp_path), store, assign="column:Commercial", unknown_owner=unknown_owner)
    got = assignments(pg_dsn, job.id)
    expected = {2: BRUNO, 3: CHLOE, 4: DAVID, 5: fallback, 6: fallback, 7: BRUNO, 8: fallback}
    assert got == expected
    unknown = job.options["commit"]["unknown_owners"]
    assert sorted(u.casefold() for u in unknown) == ["inconnu durand", "x@nowhere.fr"]
    assert job.imported_rows == 7
    check_audit(pg_dsn, store, job)


def test_assign_by_column_needs_that_column(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    with pytest.raises(ImporterError) as info:
        do_import(pg_dsn, owner_file(tmp_path), store, assign="column:Vendeur")
    assert info.value.code == "bad_option" and info.value.exit_code == 2
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 0


# --- refusals -----------------------------------------------------------------------------------------------
def test_same_file_twice_is_refused_unless_confirmed(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    path = rr_file(tmp_path, 8)
    first = do_import(pg_dsn, path, store)
    with pytest.raises(RefusedError) as info:
        do_import(pg_dsn, path, store)
    assert info.value.code == "already_imported" and info.value.exit_code == 4
    assert info.value.params["job_id"] == first.id
    assert len(store.list_jobs()) == 1
    again = do_import(pg_dsn, path, store, confirm_reimport=True)
    assert (again.imported_rows, again.skipped_rows) == (0, 8)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 8
    # Once both are undone, the file may go in again without a question.
    undo_import(again.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    undo_import(first.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    third = do_import(pg_dsn, path, store)
    assert third.imported_rows == 8


def test_non_admin_is_refused(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    with pytest.raises(CrmError) as info:
        do_import(pg_dsn, rr_file(tmp_path, 3), store, actor=BRUNO)
    assert info.value.code == "not_admin" and info.value.exit_code == 4
    assert store.list_jobs() == []
    assert scalar(pg_dsn, "SELECT count(*) FROM public.import_jobs") == 0


# --- undo ---------------------------------------------------------------------------------------------------
def test_undo_restores_the_crm_exactly(pg_dsn: str, existing: list[str], store: JobStore, tmp_path: Path) -> None:
    before = snapshot(pg_dsn)
    job = do_import(pg_dsn, policy_file(tmp_path), store, on_duplicate="update")
    assert (job.imported_rows, job.updated_rows) == (6, 5)
    # After the import, a sales rep works on one of the new leads.
    edited = str(scalar(pg_dsn, "UPDATE public.leads SET status = 'contacted' WHERE import_job_id = %s"
                                " AND import_row = 9 RETURNING id", (job.id,)))

    result = undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)

    assert result == {"job_id": job.id, "deleted": 5, "restored": 5, "kept": [edited], "referenced": [],
                      "undo_events": "lead_history"}
    after = snapshot(pg_dsn)
    assert after.filter(after["id"] != edited).equals(before)
    assert store.get_job(job.id).status == UNDONE
    assert crm_job(pg_dsn, job.id)["status"] == "undone"
    events = Counter(c["action"] for (c,) in query(
        pg_dsn, "SELECT changes FROM public.lead_history WHERE import_job_id = %s AND event = 'import_undone'"
        " AND actor_id = %s", (job.id, ADMIN_ID)))
    assert events == {"deleted": 5, "restored": 5}


def test_undo_keeps_the_leads_other_crm_records_refer_to(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    """A deal (plain foreign key) and a task (ON DELETE CASCADE, two columns) were attached to new leads
    since the import: those leads stay and are listed, the records with them; the others are removed."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.deals (id serial PRIMARY KEY, lead_id uuid REFERENCES public.leads(id))")
        conn.execute("ALTER TABLE public.leads ADD CONSTRAINT leads_id_email UNIQUE (id, email)")
        conn.execute('CREATE SCHEMA "Sales Ops"')  # quoted names, another schema
        conn.execute('CREATE TABLE "Sales Ops"."Tasks" (id serial PRIMARY KEY, lead uuid, mail text,'
                     " FOREIGN KEY (lead, mail) REFERENCES public.leads(id, email) ON DELETE CASCADE)")
    job = do_import(pg_dsn, rr_file(tmp_path, 6), store)
    ids = {row: str(i) for i, row in query(pg_dsn, "SELECT id, import_row FROM public.leads"
                                                   " WHERE import_job_id = %s", (job.id,))}
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO public.deals (lead_id) VALUES (%s)", (ids[3],))
        conn.execute('INSERT INTO "Sales Ops"."Tasks" (lead, mail) SELECT id, email FROM public.leads'
                     " WHERE id = %s", (ids[6],))
    result = undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    assert (result["deleted"], result["kept"], result["referenced"]) == (4, [], [ids[3], ids[6]])
    assert sorted(str(i) for (i,) in query(pg_dsn, "SELECT id FROM public.leads")) == sorted([ids[3], ids[6]])
    assert scalar(pg_dsn, "SELECT count(*) FROM public.deals") == 1
    assert scalar(pg_dsn, 'SELECT count(*) FROM "Sales Ops"."Tasks"') == 1


def test_undo_refuses_to_cascade_into_records_this_login_cannot_see(
    pg_dsn: str, pg_password_login: PasswordLogin, store: JobStore, tmp_path: Path
) -> None:
    """Tasks (ON DELETE CASCADE) this login may not read, and deals (ON DELETE SET NULL) under row-level
    security: the undo is refused and names them; a plain foreign key it cannot read is left to the DELETE
    (which stops at a referenced lead). Once it may read them in full, the undo runs."""
    login = grant_crm_access(pg_dsn, pg_password_login)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.tasks (id serial PRIMARY KEY,"
                     " lead_id uuid REFERENCES public.leads(id) ON DELETE CASCADE)")
        conn.execute("CREATE TABLE public.deals (id serial PRIMARY KEY,"
                     " lead_id uuid REFERENCES public.leads(id) ON DELETE SET NULL)")
        conn.execute("ALTER TABLE public.deals ENABLE ROW LEVEL SECURITY")
        conn.execute(f"GRANT SELECT ON public.deals TO {login.user}")  # but no policy: it sees no row
        conn.execute("CREATE TABLE public.notes (id serial PRIMARY KEY, lead_id uuid REFERENCES public.leads(id))")
        conn.execute(f"REVOKE ALL ON public.tasks, public.notes FROM {login.user}")
    job = do_import(pg_dsn, rr_file(tmp_path, 4), store)
    ids = {row: str(i) for i, row in query(pg_dsn, "SELECT id, import_row FROM public.leads"
                                                   " WHERE import_job_id = %s", (job.id,))}
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO public.tasks (lead_id) VALUES (%s)", (ids[2],))
        conn.execute("INSERT INTO public.deals (lead_id) VALUES (%s)", (ids[3],))
    with pytest.raises(RefusedError) as info:
        undo_import(job.id, dsn=login.dsn, password=login.password, actor_email=ADMIN, store=store)
    assert info.value.code == "undo_unsafe" and info.value.exit_code == 4
    assert "public.deals, public.tasks" in info.value.text() and "public.notes" not in info.value.text()
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 4
    assert query(pg_dsn, "SELECT count(*), count(lead_id) FROM public.deals") == [(1, 1)]
    assert scalar(pg_dsn, "SELECT count(*) FROM public.tasks") == 1

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"GRANT SELECT ON public.tasks, public.notes TO {login.user}")
        # Row-level security does not apply to a table's owner (policies are not evaluated: a table with
        # row-level security is readable in full only by its owner, a superuser or a BYPASSRLS role).
        conn.execute(f"ALTER TABLE public.deals OWNER TO {login.user}")
    result = undo_import(job.id, dsn=login.dsn, password=login.password, actor_email=ADMIN, store=store)
    assert (result["deleted"], result["referenced"]) == (2, [ids[2], ids[3]])
    assert scalar(pg_dsn, "SELECT count(*) FROM public.tasks") == 1
    assert query(pg_dsn, "SELECT count(*), count(lead_id) FROM public.deals") == [(1, 1)]


def test_an_undo_the_crm_refuses_changes_nothing_and_says_why(pg_dsn: str, store: JobStore,
                                                               tmp_path: Path) -> None:
    job = do_import(pg_dsn, rr_file(tmp_path, 4), store)
    refuse(pg_dsn, "BEFORE DELETE", "public.leads", "leads are never deleted here")
    with pytest.raises(ImporterError) as info:
        undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    assert info.value.code == "undo_failed" and info.value.exit_code == 3
    assert "leads are never deleted here" in info.value.text() and "nothing was changed" in info.value.text()
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 4
    assert store.get_job(job.id).status == "completed"


def test_undo_keeps_a_field_edited_after_the_update(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    [lead_id] = insert_leads(pg_dsn, [{"email": "a@b.fr", "company": "Old", "city": "Paris"}])
    path = write_leads_csv(tmp_path / "f.csv", [{"email": "a@b.fr", "company": "New", "city": "Lyon"}])
    job = do_import(pg_dsn, path, store, on_duplicate="update")
    query(pg_dsn, "UPDATE public.leads SET company = 'Edited by hand' WHERE id = %s RETURNING id", (lead_id,))
    result = undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    assert result["restored"] == 1
    assert query(pg_dsn, "SELECT company, city FROM public.leads WHERE id = %s", (lead_id,)) == \
        [("Edited by hand", "Paris")]


def test_undo_twice_or_by_a_non_admin_is_refused(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    job = do_import(pg_dsn, rr_file(tmp_path, 3), store)
    with pytest.raises(CrmError) as info:
        undo_import(job.id, dsn=pg_dsn, actor_email=BRUNO, store=store)
    assert info.value.exit_code == 4
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 3
    undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    with pytest.raises(ImporterError) as info2:
        undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    assert info2.value.code == "job_not_undoable"


def test_history_changes_are_json_objects(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    job = do_import(pg_dsn, rr_file(tmp_path, 2), store, assign=f"user:{BRUNO}")
    rows = query(pg_dsn, "SELECT changes FROM public.lead_history WHERE import_job_id = %s",
                 (job.id,))
    assert sorted(json.dumps(c, sort_keys=True) for (c,) in rows) == sorted(
        json.dumps({"import_row": r, "assigned_to": PROFILE_ID[BRUNO]}, sort_keys=True) for r in (2, 3)
    )


# --- values ---------------------------------------------------------------------------------------------------
TRICKY = {
    "company": 'Café « Le Zinc », "Dupont & Fils"; SA',
    "job_title": "Gérant\\adjoint",
    "city": "Saint-Étienne",
    "notes": "Rappeler après le 15 ;\ntrès intéressé, « urgent »\n\\.\n=SUM(A1) \\N\tfin",
    "source": "\\N",
    "country": "Côte d’Ivoire 🇨🇮",
}


def test_values_reach_the_crm_exactly(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    """Quotes, delimiters, newlines, backslashes, COPY's own markers (``\\.``, ``\\N``) and emoji go in as typed."""
    path = write_leads_csv(tmp_path / "tricky.csv", [lead(0, **TRICKY), lead(1)])
    job = do_import(pg_dsn, path, store)
    assert job.imported_rows == 2
    cols = ", ".join(TRICKY)
    got = query(pg_dsn, f"SELECT {cols} FROM public.leads WHERE import_row = 2")
    assert got == [tuple(TRICKY.values())]
    assert query(pg_dsn, "SELECT source FROM public.leads WHERE import_row = 3") == [(None,)]


def test_a_finished_job_keeps_only_the_staged_rows_its_report_shows(
    pg_dsn: str, existing: list[str], store: JobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the commit the staged batches shrink to the rows not imported (the report is the same, byte
    for byte); a validation that was not imported keeps all its rows (it may still be imported)."""
    from crm_importer.engine.pipeline import validate_file
    from crm_importer.engine.report import REPORTED, report_lines

    def staged_rows(job_id: str) -> list[int]:
        return [r for f in store.iter_batches(job_id, ["__row"]) for r in f["__row"].to_list()]

    monkeypatch.setattr(service, "compact_finished_jobs", lambda _store: None)
    job = do_import(pg_dsn, policy_file(tmp_path), store)
    monkeypatch.undo()
    assert not job.compacted and len(staged_rows(job.id)) == 15
    before = list(report_lines(store, job, "fr"))
    reported = sorted(store.issue_rows(job.id, REPORTED))
    assert len(reported) == 9  # 6 CRM duplicates skipped, 2 in-file duplicates, 1 invalid
    pending = validate_file(write_leads_csv(tmp_path / "later.csv", [lead(i) for i in range(200, 230)]), store)

    service.compact_finished_jobs(store)
    assert store.get_job(job.id).compacted and staged_rows(job.id) == reported
    assert list(report_lines(store, store.get_job(job.id), "fr")) == before
    assert len(staged_rows(pending.id)) == 30 and not store.get_job(pending.id).compacted
    # ...and the next import compacts itself at its end; the validated job then imports in full.
    later = do_import(pg_dsn, tmp_path / "later.csv", store)
    assert later.imported_rows == 30 and store.get_job(later.id).compacted
    assert staged_rows(later.id) == []
