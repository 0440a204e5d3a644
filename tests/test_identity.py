"""Who imports is proven by the database login, not declared (issue 13).

On the seed plan's Supabase CRM (``seedcrm``: Supabase's roles, ``auth.uid()``, the app's tables and
policies), migrated by the importer: logins mapped with ``db grant`` act as their profile and nothing a
session says changes that; a login that bypasses row-level security (Supabase's ``postgres``) is told that
its identity is only declared, its jobs are marked so, and the CRM may refuse it; PostgREST's sessions
(``authenticator`` after it verified the JWT) keep working as the app's users expect.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from leadfiles import lead, one_json, run_cli, write_leads_csv
from pgfixture import dsn_for, make_supabase_shape
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from seedcrm import ADMIN_ID, SALES_ID, SeedVariant, fix_app_policies, jwt_session, make_seed_crm
from test_cli_import import CancelAfter

from crm_importer.crm import committer, statements
from crm_importer.crm.link import begin_as, open_link
from crm_importer.crm.options import CommitOptions
from crm_importer.engine.errors import CancelledError
from crm_importer.engine.jobstore import JobStore
from crm_importer.service import ImportRequest, run_import

ADMIN_EMAIL = "admin@seed.test"
SALES_EMAIL = "sales@seed.test"
#: Logins are cluster-wide and test sessions may run side by side: names of this module's own.
ADMIN_LOGIN, SALES_LOGIN, NOBODY_LOGIN, BYPASS_LOGIN = "idt_admin", "idt_sales", "idt_nobody", "idt_postgres"


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home




def _as(dsn: str, login: str, **extra: str) -> str:
    return dsn_for(dsn, conninfo_to_dict(dsn)["dbname"], user=login, **extra)


def _rows(dsn: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def _role(conn: psycopg.Connection, login: str, options: str) -> None:
    """Roles are cluster-wide: made once per server, set to ``options`` each time."""
    verb = "alter" if conn.execute("select 1 from pg_roles where rolname = %s", (login,)).fetchone() else "create"
    conn.execute(sql.SQL(verb + " role {} " + options).format(sql.Identifier(login)))


def _cancelled_import(path: Path, dsn: str) -> str:
    """An import by the login's own profile (no --as), cancelled after its first batch."""
    cancel = CancelAfter(1)
    with pytest.raises(CancelledError) as info:
        run_import(ImportRequest(path, dsn, None), progress=cancel.progress, is_cancelled=cancel)
    return info.value.job_id  # type: ignore[attr-defined]


@pytest.fixture
def crm(pg_dsn_empty: str, home: Path) -> str:
    """The app's CRM, migrated; admin and sales logins mapped with ``db grant`` (created by it), a login that
    is granted the same rights but mapped to nobody, and a Supabase-``postgres``-like login."""
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        make_supabase_shape(conn)
        make_seed_crm(conn, SeedVariant())
        # The seed plan's own fix of its recursive policies (through get_user_role(), SECURITY DEFINER):
        # without it the app's signed-in users, and so an admin's own login, cannot read profiles or leads.
        fix_app_policies(conn)
        # Supabase's default privileges: every table created from now on (the importer's own, by migrate) is
        # granted in full to the API roles, TRUNCATE and TRIGGER included.
        conn.execute("alter default privileges in schema public grant all on tables to anon, authenticated,"
                     " service_role; alter default privileges in schema public grant all on sequences to anon,"
                     " authenticated, service_role; alter default privileges in schema public grant all on"
                     " functions to anon, authenticated, service_role")
    done = run_cli(home, "db", "migrate", "--db", pg_dsn_empty)
    assert done.returncode == 0, done.stderr
    for login, email in ((ADMIN_LOGIN, ADMIN_EMAIL), (SALES_LOGIN, SALES_EMAIL)):
        granted = run_cli(home, "db", "grant", login, "--profile", email, "--db", pg_dsn_empty, "--json")
        assert granted.returncode == 0, granted.stderr
        out = one_json(granted.stdout)
        assert out["profile"] == email and out["login"] == login
        assert out["created"] is True or out["password"] is None
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        # db grant gives a sales rep's login no privilege (only admins import); a DBA may well have made it
        # one of the app's signed-in users, as the unmapped login below: the policies must hold then too.
        _role(conn, NOBODY_LOGIN, "login")
        for login in (NOBODY_LOGIN, SALES_LOGIN):
            conn.execute(sql.SQL("grant authenticated to {}").format(sql.Identifier(login)))
        # Supabase's postgres: no superuser, but BYPASSRLS, a member of the API roles, rights on every table.
        _role(conn, BYPASS_LOGIN, "login nosuperuser bypassrls")
        conn.execute(sql.SQL(
            "grant authenticated, anon, service_role to {r}; grant usage, create on schema public to {r};"
            " grant all on all tables in schema public to {r}; grant all on all sequences in schema public to {r};"
        ).format(r=sql.Identifier(BYPASS_LOGIN)))
    return pg_dsn_empty


def test_db_grant_lists_and_revokes(crm: str, home: Path) -> None:
    listed = run_cli(home, "db", "logins", "--db", crm, "--json")
    assert listed.returncode == 0, listed.stderr
    out = one_json(listed.stdout)
    assert out["declared_identity"] == "allowed"
    assert {(r["login"], r["profile"], r["role"], r["verified"]) for r in out["logins"]} == {
        (ADMIN_LOGIN, ADMIN_EMAIL, "admin", True), (SALES_LOGIN, SALES_EMAIL, "sales", True)}
    text = run_cli(home, "db", "logins", "--db", crm, "--lang", "fr")
    assert text.returncode == 0 and f"{ADMIN_LOGIN} → {ADMIN_EMAIL} (admin), vérifié ; associé le" in text.stdout
    assert text.stdout.rstrip().endswith("(enregistrés comme déclarés) : autorisés."), text.stdout
    # The generated password is a SCRAM verifier on the server, never the password itself.
    secret = _rows(crm, "select rolpassword from pg_authid where rolname = %s", (ADMIN_LOGIN,))[0][0]
    assert secret is None or secret.startswith("SCRAM-SHA-256$")
    # A login may be re-granted to another profile; an unknown profile is one sentence.
    unknown = run_cli(home, "db", "grant", SALES_LOGIN, "--profile", "nobody@seed.test", "--db", crm)
    assert unknown.returncode == 4 and "No active CRM profile has the email nobody@seed.test" in unknown.stderr
    # Only the schema owner may write who is who: a mapped admin's login cannot map itself elsewhere.
    self_grant = run_cli(home, "db", "grant", SALES_LOGIN, "--profile", ADMIN_EMAIL, "--db", _as(crm, ADMIN_LOGIN))
    assert self_grant.returncode == 4 and f"{ADMIN_LOGIN} is not: connect as the owner" in self_grant.stderr
    revoked = run_cli(home, "db", "revoke", SALES_LOGIN, "--db", crm, "--lang", "fr")
    assert revoked.returncode == 0 and "n’agit plus" in revoked.stdout
    again = run_cli(home, "db", "revoke", SALES_LOGIN, "--db", crm)
    assert again.returncode == 0 and "was not mapped" in again.stdout


def test_an_admins_login_imports_without_as_and_is_recorded(crm: str, home: Path, tmp_path: Path) -> None:
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(5)])
    # Assigned to the sales rep: profiles are read with the admin's claims, as the app's policy on profiles
    # (auth.uid() is not null) asks.
    done = run_cli(home, "import", str(path), "--db", _as(crm, ADMIN_LOGIN), "--assign", f"user:{SALES_EMAIL}",
                   "--json")
    assert done.returncode == 0, done.stderr
    assert "bypasses row-level security" not in done.stderr
    job, imported = one_json(done.stdout)["job_id"], one_json(done.stdout)["imported_rows"]
    assert imported >= 4
    assert _rows(crm, "select created_by::text, crm_importer_login, crm_importer_identity from import_jobs"
                      " where id = %s", (job,)) == [(ADMIN_ID, ADMIN_LOGIN, "verified")]
    assert _rows(crm, "select distinct created_by::text, owner_id::text from leads where import_job_id = %s",
                 (job,)) == [(ADMIN_ID, SALES_ID)]
    assert _rows(crm, "select distinct user_id::text from lead_history where import_job_id = %s",
                 (job,)) == [(ADMIN_ID,)]
    # --as, when given, must be the login's own profile.
    other = run_cli(home, "import", str(path), "--db", _as(crm, ADMIN_LOGIN), "--as", SALES_EMAIL, "--yes")
    assert other.returncode == 4
    assert f"acts as {ADMIN_EMAIL}, not as {SALES_EMAIL}" in other.stderr and len(other.stderr.splitlines()) == 1
    undone = run_cli(home, "undo", job, "--db", _as(crm, ADMIN_LOGIN), "--json")
    assert undone.returncode == 0, undone.stderr
    assert one_json(undone.stdout)["deleted"] == imported


@pytest.mark.parametrize("login", [SALES_LOGIN, NOBODY_LOGIN])
def test_a_sales_or_unmapped_login_cannot_import_by_any_route(crm: str, home: Path, tmp_path: Path,
                                                             login: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(3)])
    code = "is “sales” in the CRM" if login == SALES_LOGIN else "is not mapped to a CRM profile"
    routes = {
        "--as an admin": (_as(crm, login), ["--as", ADMIN_EMAIL]),
        "the login's own": (_as(crm, login), []),
        "crm.profile_id in the DSN": (_as(crm, login, options=f"-c crm.profile_id={ADMIN_ID}"), []),
        "claims in the DSN": (_as(crm, login, options=f"-c request.jwt.claim.sub={ADMIN_ID}"), []),
    }
    for route, (dsn, extra) in routes.items():
        done = run_cli(home, "import", str(path), "--db", dsn, *extra)
        assert done.returncode == 4, (route, done.stderr)
        expected = code if not (extra and login == SALES_LOGIN) else f"acts as {SALES_EMAIL}, not as {ADMIN_EMAIL}"
        assert expected in done.stderr, (route, done.stderr)
    assert _rows(crm, "select count(*) from import_jobs") == [(0,)]

    # An admin's import, cut short; the other login can neither resume nor undo it. (The admin's login is under
    # row-level security: its batches would be as large as a staged batch; kept to COMMIT_ROWS here, so that
    # the file makes a round of batches side by side, and one more.)
    monkeypatch.setattr(committer, "MAX_COMMIT_ROWS", committer.COMMIT_ROWS)
    n = committer.COMMIT_ROWS * committer.COMMIT_CONNECTIONS + 50
    big = write_leads_csv(tmp_path / "big.csv", [lead(i) for i in range(100, 100 + n)])
    job = _cancelled_import(big, _as(crm, ADMIN_LOGIN))
    before = _rows(crm, "select count(*) from leads")
    resumed = run_cli(home, "resume", job, "--db", _as(crm, login))
    assert resumed.returncode == 4, resumed.stderr
    undone = run_cli(home, "undo", job, "--db", _as(crm, login), "--as", ADMIN_EMAIL)
    assert undone.returncode == 4, undone.stderr
    assert _rows(crm, "select count(*) from leads") == before

    # Straight SQL: whatever the session sets, it sees and writes no import row.
    with psycopg.connect(crm, autocommit=True) as owner:  # even a member of the admin's login role
        owner.execute(sql.SQL("grant {} to {}").format(sql.Identifier(ADMIN_LOGIN), sql.Identifier(login)))
    with psycopg.connect(_as(crm, login), autocommit=True) as conn:
        attempts = {
            "plain": "select 1",
            "crm.profile_id": f"select set_config('crm.profile_id', '{ADMIN_ID}', false)",
            "jwt claims": f"select set_config('request.jwt.claims', '{{\"sub\": \"{ADMIN_ID}\"}}', false)",
            "set role authenticated + claims": (
                f"set role authenticated; select set_config('request.jwt.claims', "
                f"'{{\"sub\": \"{ADMIN_ID}\", \"role\": \"authenticated\"}}', false)"),
            "set role to the admin's login": f"reset role; set role {ADMIN_LOGIN}",
        }
        for what, setup in attempts.items():
            conn.execute(setup)
            for table in ("import_jobs", "import_batches", "import_rows", "crm_importer_events"):
                assert conn.execute(f"select count(*) from public.{table}").fetchone() == (0,), (what, table)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("insert into public.import_jobs (file_name, status) values ('x.csv', 'pending')")
            for statement in ("select * from public.crm_importer_logins", "truncate public.crm_importer_logins"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
            assert conn.execute("update public.import_jobs set file_name = 'y' where true").rowcount == 0
            assert conn.execute("select public.crm_importer_role()").fetchone()[0] in (None, "sales"), what
    assert _rows(crm, "select count(*) from import_jobs where id = %s", (job,)) == [(1,)]
    resumed = run_cli(home, "resume", job, "--db", _as(crm, ADMIN_LOGIN), "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert one_json(resumed.stdout)["imported_rows"] == n


def test_a_login_that_bypasses_rls_is_declared_warned_and_may_be_refused(crm: str, home: Path,
                                                                         tmp_path: Path) -> None:
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(3)])
    dsn = _as(crm, BYPASS_LOGIN)
    missing = run_cli(home, "import", str(path), "--db", dsn)
    assert missing.returncode == 2 and "say which profile imports with --as EMAIL" in missing.stderr

    done = run_cli(home, "import", str(path), "--db", dsn, "--as", ADMIN_EMAIL, "--json")
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if "bypasses row-level security" in line]
    assert warning == [f"The database login {BYPASS_LOGIN} bypasses row-level security: the import will be recorded"
                       f" as {ADMIN_EMAIL}, which the database cannot verify."]
    job = one_json(done.stdout)["job_id"]
    assert _rows(crm, "select created_by::text, crm_importer_login, crm_importer_identity from import_jobs"
                      " where id = %s", (job,)) == [(ADMIN_ID, BYPASS_LOGIN, "declared")]
    fr = run_cli(home, "import", str(path), "--db", dsn, "--as", ADMIN_EMAIL, "--yes", "--lang", "fr")
    assert fr.returncode == 0 and "contourne la sécurité par ligne" in fr.stderr

    # Its writes go through the app's own policies, with the declared profile's rights, as the app's users'
    # do: a policy of the app that refuses a lead refuses it to the importer too, though the login bypasses
    # row-level security.
    with psycopg.connect(crm, autocommit=True) as owner:
        owner.execute("create policy no_nowhere on public.leads as restrictive for insert to authenticated"
                      " with check (coalesce(city, '') <> 'Nowhere')")
    nowhere = write_leads_csv(tmp_path / "nowhere.csv", [{**lead(50), "city": "Nowhere"}])
    before = _rows(crm, "select count(*) from leads")
    refused_by_app = run_cli(home, "import", str(nowhere), "--db", dsn, "--as", ADMIN_EMAIL)
    assert refused_by_app.returncode == 3 and "row-level security" in refused_by_app.stderr, refused_by_app.stderr
    assert _rows(crm, "select count(*) from leads") == before
    with psycopg.connect(crm, autocommit=True) as owner:
        owner.execute("drop policy no_nowhere on public.leads")

    # The CRM's admin forbids declared imports: refused in one sentence, nothing written.
    assert run_cli(home, "db", "logins", "--db", crm, "--declared", "refuse").returncode == 0
    jobs = _rows(crm, "select count(*) from import_jobs")
    refused = run_cli(home, "import", str(path), "--db", dsn, "--as", ADMIN_EMAIL, "--yes")
    assert refused.returncode == 4 and "refuses imports by logins that bypass row-level security" in refused.stderr
    assert _rows(crm, "select count(*) from import_jobs") == jobs
    # A mapped admin's login is not concerned.
    verified = run_cli(home, "import", str(path), "--db", _as(crm, ADMIN_LOGIN), "--yes")
    assert verified.returncode == 0, verified.stderr


def test_api_sessions_through_authenticator_keep_their_jwt(crm: str, home: Path, tmp_path: Path) -> None:
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(3)])
    assert run_cli(home, "import", str(path), "--db", _as(crm, ADMIN_LOGIN)).returncode == 0
    with psycopg.connect(crm, autocommit=True) as owner:
        owner.execute("alter role authenticator login")  # PostgREST's login (NOLOGIN in the fixture)
    with psycopg.connect(_as(crm, "authenticator"), autocommit=True) as api:
        assert api.execute("select session_user").fetchone() == ("authenticator",)
        with jwt_session(api, "authenticated", ADMIN_ID):
            assert api.execute("select count(*) from public.import_jobs").fetchone() == (1,)
            assert api.execute("select public.get_user_role()::text").fetchone() == ("admin",)
        with jwt_session(api, "authenticated", SALES_ID):
            assert api.execute("select count(*) from public.import_jobs").fetchone() == (0,)
            assert api.execute("select count(*) from public.import_batches").fetchone() == (0,)
        with jwt_session(api, "anon"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                api.execute("select count(*) from public.import_jobs")


def test_signing_in_leaves_no_transaction_open(crm: str) -> None:
    """A read left open after signing in turned the undo's transaction into a savepoint that nothing
    committed: the undo said it was done and the CRM was unchanged. Signing in ends its transaction, and a
    block run through the link starts its own whatever an earlier read left open."""
    from crm_importer.crm.link import open_link

    link, identity = open_link(_as(crm, BYPASS_LOGIN), ADMIN_EMAIL)
    try:
        assert identity.api_role == "authenticated" and not identity.verified
        assert link.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        link.conn.execute("select 1")  # an implicit transaction, as a stray read leaves one

        def write(conn: psycopg.Connection) -> None:
            with conn.transaction():
                conn.execute("update public.crm_importer_settings set value = 'x' where key = 'probe'")
                conn.execute("insert into public.crm_importer_settings (key, value) values ('probe', 'written')")

        link.retrying(write)
    finally:
        link.close()
    assert _rows(crm, "select value from crm_importer_settings where key = 'probe'") == [("written",)]


def match_keys(rows: list[int], emails: list[str], phones: list[str | None]) -> dict[str, str]:
    """A batch's rows and normalized keys as the match takes them (PostgreSQL array literals; no external ID)."""
    return {"m_rows": "{" + ",".join(map(str, rows)) + "}", "m_email": "{" + ",".join(emails) + "}",
            "m_phone": "{" + ",".join(p or "NULL" for p in phones) + "}",
            "m_external_id": "{" + ",".join("NULL" for _ in rows) + "}"}


def test_a_login_under_row_level_security_matches_a_batch_with_one_scan_of_the_leads(
        crm: str, home: Path, tmp_path: Path) -> None:
    """For a login that does not bypass row-level security, the leads' policies are checked before any other
    condition, and the key expressions (``lower()``, the phone's) are not leakproof: no key index is usable,
    and a probe per row would scan the leads once per row (a batch of 3,000 rows took minutes). The match is
    then a join: the leads scanned once for the whole batch and every key, finding what the probes find."""
    existing = write_leads_csv(tmp_path / "existing.csv", [lead(i) for i in range(1000)])
    done = run_cli(home, "import", str(existing), "--db", _as(crm, ADMIN_LOGIN), "--json")
    assert done.returncode == 0, done.stderr
    # Each batch costs a scan of the leads: its batches are as large as a staged batch, near link or not.
    with JobStore() as store:
        [job] = store.list_jobs()
        assert CommitOptions.of(job.options).batch_rows == committer.MAX_COMMIT_ROWS  # type: ignore[union-attr]
    rows = list(range(1, 151))
    # 150 rows (their normalized keys): one in three has the email of a lead already there, one in three its
    # phone, the rest nothing known.
    emails = [f"elodie.lefevre{r * 5}@exemple.fr" if r % 3 == 0 else f"new{r}@z.fr" for r in rows]
    phones = [f"+3361200{r * 5 // 100 % 100:02d}{r * 5 % 100:02d}" if r % 3 == 1 else None for r in rows]
    keys = match_keys(rows, emails, phones)
    link, identity = open_link(_as(crm, ADMIN_LOGIN), None)
    try:
        conn = link.conn
        cur = psycopg.ClientCursor(conn)
        found = {}
        for row_security in (True, False):
            stmt = statements.build_match_sql(("email", "phone", "external_id"), "33", row_security=row_security)
            for statement in begin_as(cur, identity):
                cur.execute(statement)
            assert cur.execute("SELECT row_security_active('public.leads')").fetchone() == (True,)
            cur.execute(statements.ensure_match_sql())
            plan = "\n".join(r[0] for r in cur.execute(sql.SQL("EXPLAIN (ANALYZE, COSTS OFF) ") + stmt, keys))
            found[row_security] = cur.execute("SELECT import_row, key FROM _crm_match ORDER BY 1").fetchall()
            conn.rollback()
            scans = [line for line in plan.splitlines() if "Seq Scan on leads" in line]
            if row_security:
                assert len(scans) == 1 and "loops=1)" in scans[0], plan
            else:  # the probes' plan: what the join avoids (a scan of the leads per row)
                assert not all("loops=1)" in line for line in scans), plan
    finally:
        link.close()
    assert found[True] == found[False]
    assert [r for r, key in found[True] if key == "email"] == [r for r in rows if r % 3 == 0]
    assert [r for r, key in found[True] if key == "phone"] == [r for r in rows if r % 3 == 1]


def test_a_declared_identity_probes_its_matches_as_the_login_and_keeps_those_its_profile_sees(
        crm: str, home: Path, tmp_path: Path) -> None:
    """Supabase's ``postgres`` (a login that bypasses row-level security) imports as the app's
    ``authenticated`` role: its batches are subject to the app's policies, the login itself is not. Its
    matches are found through the key indexes as the login (no scan of the leads), then those the profile's
    policies hide are dropped: the same matches as the join a mapped login makes under the policies."""
    existing = write_leads_csv(tmp_path / "existing.csv", [lead(i) for i in range(1000)])
    done = run_cli(home, "import", str(existing), "--db", _as(crm, ADMIN_LOGIN), "--json")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(crm, autocommit=True) as conn:  # leads 140-149 hidden from the app's users
        conn.execute("update public.leads set city = 'Caché' where email ~ '^elodie\\.lefevre14[0-9]@'")
        conn.execute("create policy leads_hidden on public.leads as restrictive for select"
                     " using (city is distinct from 'Caché')")
    # 150 rows (their normalized keys): one in three has the email of lead 100 + row / 2, one in three its
    # phone, one in three that email and the phone of the next lead (the email comes first, when it is seen).
    rows = list(range(1, 151))
    lead_of = {r: 100 + r // 2 for r in rows}
    emails = [f"elodie.lefevre{lead_of[r]}@exemple.fr" if r % 3 != 1 else f"new{r}@z.fr" for r in rows]
    phone_of = {r: lead_of[r] + (r % 3 == 2) for r in rows}
    phones = [f"+3361200{phone_of[r] // 100 % 100:02d}{phone_of[r] % 100:02d}" if r % 3 else None for r in rows]
    keys = match_keys(rows, emails, phones)

    def match(login: str, email: str | None) -> tuple[list[tuple], tuple]:
        link, identity = open_link(_as(crm, login), email)
        try:
            conn = link.conn
            cur = psycopg.ClientCursor(conn)
            for statement in begin_as(cur, identity):
                cur.execute(statement)
            assert cur.execute("SELECT row_security_active('public.leads')").fetchone() == (True,)
            cur.execute(statements.ensure_match_sql())
            probes = identity.api_role if login == BYPASS_LOGIN else None
            stmt = statements.build_match_sql(("email", "phone", "external_id"), "33", row_security=True,
                                              login_probes_for=probes)
            cur.execute(stmt, keys)
            while cur.nextset():
                pass
            found = cur.execute("SELECT import_row, key, lead_id FROM _crm_match ORDER BY 1").fetchall()
            scans = cur.execute("SELECT seq_scan FROM pg_stat_xact_all_tables WHERE relid = 'public.leads'::regclass"
                                ).fetchone()
            conn.rollback()
            return found, scans
        finally:
            link.close()

    probed, probe_scans = match(BYPASS_LOGIN, ADMIN_EMAIL)
    joined, join_scans = match(ADMIN_LOGIN, None)
    assert probe_scans == (0,) and join_scans[0] > 0
    assert probed == joined
    def seen(lead: int) -> bool:
        return not 140 <= lead <= 149

    expected = [(r, "email" if r % 3 != 1 and seen(lead_of[r]) else "phone") for r in rows
                if (r % 3 != 1 and seen(lead_of[r])) or (r % 3 != 0 and seen(phone_of[r]))]
    assert [(r, key) for r, key, _ in probed] == expected
    assert any(key == "phone" and r % 3 == 2 for r, key in expected)  # a hidden email's row, matched by phone
