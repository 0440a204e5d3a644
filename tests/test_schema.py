"""The CRM schema contract, access control and connection handling, on a real PostgreSQL server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import psycopg
import pytest
from pgfixture import PasswordLogin, dsn_for, make_supabase_shape
from psycopg.conninfo import conninfo_to_dict

from crm_importer.crm import connection as connection_mod
from crm_importer.crm.connection import (
    CrmError,
    Identity,
    build_conninfo,
    connect,
    get_password,
    redact_dsn,
    require_admin,
    sign_in,
    store_password,
)
from crm_importer.crm.demo import DEMO_ADMIN_EMAIL, DEMO_PROFILES, seed_demo_profiles
from crm_importer.crm.names import CrmNames, read_names
from crm_importer.crm.schema import (
    SCHEMA_VERSION,
    crm_settings,
    migrate,
    plan_migration,
    require_schema,
    schema_version,
)
from crm_importer.engine.fields import FIELD_BY_NAME, LEAD_COLUMNS

ALL_VERSIONS = list(range(1, SCHEMA_VERSION + 1))

ADMIN = next(p for p in DEMO_PROFILES if p.role == "admin")
SALES = next(p for p in DEMO_PROFILES if p.role == "sales")

CONTRACT_COLUMNS: dict[str, set[str]] = {
    "profiles": {"id", "email", "full_name", "role", "active", "created_at"},
    "import_jobs": {
        "id",
        "file_name",
        "file_hash",
        "status",
        "total_rows",
        "valid_rows",
        "invalid_rows",
        "imported_rows",
        "updated_rows",
        "duplicate_rows",
        "skipped_rows",
        "rejected_rows",
        "processed_rows",
        "last_checkpoint",
        "error_report_path",
        "assignment_config",
        "duplicate_config",
        "column_mapping",
        "worker_id",
        "created_by",
        "created_at",
        "updated_at",
        "started_at",
        "completed_at",
        "error_message",
        "crm_importer_status",
        "crm_importer_login",
        "crm_importer_identity",
    },
    "leads": {
        "id",
        *LEAD_COLUMNS,
        "status",
        "assigned_to",
        "created_by",
        "import_job_id",
        "import_row",
        "created_at",
        "updated_at",
    },
    "lead_history": {"id", "lead_id", "event", "actor_id", "import_job_id", "changes", "created_at"},
    "import_batches": {
        "job_id",
        "batch_no",
        "row_count",
        "inserted",
        "updated",
        "skipped",
        "rr_next",
        "details",
        "committed_at",
    },
    "crm_importer_settings": {"key", "value"},
    "crm_importer_migrations": {"version", "applied_at"},
}

CONTRACT_INDEXES = {
    "import_jobs_file_hash_idx",
    "leads_import_job_row_key",
    "leads_email_key_idx",
    "leads_phone_key_idx",
    "leads_external_id_key_idx",
    "lead_history_lead_id_idx",
    "lead_history_import_job_id_idx",
    "profiles_email_lower_key",
}


def _columns(conn: psycopg.Connection, table: str) -> dict[str, tuple[str, int | None]]:
    rows = conn.execute(
        "select column_name, data_type, character_maximum_length from information_schema.columns"
        " where table_schema = 'public' and table_name = %s",
        (table,),
    ).fetchall()
    return {name: (dtype, length) for name, dtype, length in rows}


def _indexes(conn: psycopg.Connection) -> dict[str, str]:
    rows = conn.execute("select indexname, indexdef from pg_indexes where schemaname = 'public'").fetchall()
    return dict(rows)


def _rls(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("select relrowsecurity from pg_class where oid = %s::regclass", (table,)).fetchone()[
        0
    ]


def _catalog_snapshot(conn: psycopg.Connection) -> tuple:
    """Everything a migration could touch, to prove a second run changes nothing."""
    return (
        conn.execute(
            "select table_name, column_name, data_type, column_default, is_nullable"
            " from information_schema.columns where table_schema = 'public' order by 1, 2"
        ).fetchall(),
        conn.execute(
            "select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1"
        ).fetchall(),
        conn.execute(
            "select tablename, policyname, cmd, roles::text, qual, with_check from pg_policies order by 1, 2"
        ).fetchall(),
        conn.execute(
            "select p.oid, p.proname, md5(p.prosrc) from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
            " where n.nspname = 'public' order by 2"
        ).fetchall(),
        conn.execute("select tgname, oid from pg_trigger where not tgisinternal order by 1").fetchall(),
    )


# --- migrate ----------------------------------------------------------------------------------------------


def test_migrate_on_empty_database_creates_the_contract(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        assert schema_version(conn) is None
        assert migrate(conn, "FR") == list(range(1, SCHEMA_VERSION + 1))
        assert schema_version(conn) == SCHEMA_VERSION
        assert require_schema(conn) == SCHEMA_VERSION

        for table, expected in CONTRACT_COLUMNS.items():
            assert set(_columns(conn, table)) == expected, table
        leads = _columns(conn, "leads")
        for name in LEAD_COLUMNS:
            assert leads[name] == ("character varying", FIELD_BY_NAME[name].max_length), name
        assert CONTRACT_INDEXES <= set(_indexes(conn))
        assert "'33'" in _indexes(conn)["leads_phone_key_idx"]
        settings = crm_settings(conn)
        assert {k: settings[k] for k in ("phone_region", "phone_country_code")} == {
            "phone_region": "FR", "phone_country_code": "33"}
        assert read_names(conn) == CrmNames()

        for table in (
            "import_jobs",
            "import_batches",
            "profiles",
            "lead_history",
            "crm_importer_settings",
            "crm_importer_migrations",
        ):
            assert _rls(conn, table), table
        assert not _rls(conn, "leads")
        policies = conn.execute(
            "select tablename, policyname, roles::text from pg_policies where tablename = 'import_jobs'"
        ).fetchall()
        assert {p[1] for p in policies} == {
            "admin_read_import_jobs",
            "admin_insert_import_jobs",
            "admin_update_import_jobs",
            "admin_delete_import_jobs",
        }
        assert all(p[2] == "{public}" for p in policies)
        secdef, config = conn.execute(
            "select prosecdef, proconfig from pg_proc where oid = 'public.get_user_role()'::regprocedure"
        ).fetchone()
        assert secdef and "search_path=public, pg_temp" in config
        assert conn.execute(
            "select count(*) from pg_trigger where tgname = 'crm_importer_leads_updated_at'"
        ).fetchone() == (1,)


def test_migrate_twice_is_a_no_op(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        assert migrate(conn) == ALL_VERSIONS
        before = _catalog_snapshot(conn)
        assert migrate(conn) == []
        # Even when the quick version check is bypassed, the locked re-check finds nothing to do.
        conn.execute("select 1")
        assert _catalog_snapshot(conn) == before
        assert conn.execute("select count(*) from crm_importer_migrations").fetchone() == (len(ALL_VERSIONS),)


def test_migrate_inside_a_callers_transaction(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        conn.execute("create table unrelated (id int)")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert migrate(conn) == ALL_VERSIONS
        conn.rollback()
        assert schema_version(conn) is None  # the caller's rollback undid everything
        assert migrate(conn) == ALL_VERSIONS
        assert schema_version(conn) == SCHEMA_VERSION


def test_template_database_is_migrated_and_seeded(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        assert require_schema(conn) == SCHEMA_VERSION
        emails = {r[0] for r in conn.execute("select email from profiles")}
        assert emails == {p.email for p in DEMO_PROFILES}
        assert seed_demo_profiles(conn) == 0  # idempotent


def test_require_schema_refuses_missing_or_older(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        with pytest.raises(CrmError) as missing:
            require_schema(conn)
        assert missing.value.code == "schema_missing"
        assert missing.value.exit_code == 4
        assert "crm-importer db migrate" in missing.value.text("fr")
        migrate(conn)
        conn.execute("delete from crm_importer_migrations")
        conn.execute("insert into crm_importer_migrations (version) values (0)")
        conn.commit()
        with pytest.raises(CrmError) as older:
            require_schema(conn)
        assert older.value.params["found"] == "0"


def test_migrate_rejects_unknown_region(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        with pytest.raises(CrmError) as exc:
            migrate(conn, "ZZ")
        assert exc.value.code == "bad_region" and exc.value.exit_code == 2
        assert schema_version(conn) is None


def test_migrate_region_sets_the_index_calling_code(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        migrate(conn, "be")
        settings = crm_settings(conn)
        assert (settings["phone_region"], settings["phone_country_code"]) == ("BE", "32")
        assert "'32'" in _indexes(conn)["leads_phone_key_idx"]


EXISTING_CRM = """
create table profiles (
    id uuid primary key default gen_random_uuid(),
    email text not null unique,
    full_name text,
    role text not null
);
create table leads (
    id uuid primary key default gen_random_uuid(),
    email text,
    phone text,
    first_name text
);
create index leads_email_lower_idx on leads (lower(email));
create table import_jobs (
    id uuid primary key default gen_random_uuid(),
    file_name text,
    status text,
    total_rows integer,
    created_by uuid references profiles (id),
    created_at timestamptz default now()
);
alter table import_jobs enable row level security;
-- the seed plan's bug: a policy querying profiles directly
create policy admin_read_import_jobs on import_jobs for select
    using (exists (select 1 from profiles p where p.role = 'admin'));
insert into profiles (id, email, full_name, role) values
    ('11111111-1111-1111-1111-111111111111', 'Boss@Example.com', 'The Boss', 'admin'),
    ('22222222-2222-2222-2222-222222222222', 'rep@example.com', 'A Rep', 'sales');
insert into leads (email, phone, first_name) values
    ('Jean.Dupont@Example.FR ', '06.12.34.56.78', 'Jean'),
    ('marie@example.fr', '+33 7 11 22 33 44', 'Marie'),
    (null, '0033 1 23 45 67 89', 'Paul');
insert into import_jobs (file_name, status, total_rows) values ('old.csv', 'completed', 3);
"""


def test_migrate_on_existing_crm_adds_only_what_is_missing(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        conn.execute(EXISTING_CRM)
        conn.commit()
        old_index = _indexes(conn)["leads_email_lower_idx"]
        constraints = "select conname from pg_constraint where conrelid = 'profiles'::regclass and contype <> 'n' order by 1"
        old_constraints = conn.execute(constraints).fetchall()

        assert migrate(conn) == ALL_VERSIONS
        # No constraint is added to existing columns (the CRM's role values may differ from ours).
        assert conn.execute(constraints).fetchall() == old_constraints

        assert set(_columns(conn, "leads")) == CONTRACT_COLUMNS["leads"]
        # profiles only gets what the importer reads (not the contract's created_at).
        assert set(_columns(conn, "profiles")) == CONTRACT_COLUMNS["profiles"] - {"created_at"}
        assert set(_columns(conn, "import_jobs")) == CONTRACT_COLUMNS["import_jobs"]
        # Existing columns keep their types; the CRM's own index is left as it was.
        assert _columns(conn, "leads")["email"] == ("text", None)
        assert _indexes(conn)["leads_email_lower_idx"] == old_index
        # The CRM's lower(email) index cannot serve the match (a stored email has a trailing space): the
        # importer's own is added; profiles' email keeps the CRM's unique constraint, no index is added.
        assert CONTRACT_INDEXES - {"profiles_email_lower_key"} <= set(_indexes(conn))
        assert read_names(conn).email_match == "lower_btrim"
        # Data kept; new columns take their defaults on existing rows.
        rows = conn.execute(
            "select first_name, status, created_at is not null from leads order by 1"
        ).fetchall()
        assert rows == [("Jean", "new", True), ("Marie", "new", True), ("Paul", "new", True)]
        assert conn.execute("select email, role, active from profiles order by email").fetchall() == [
            ("Boss@Example.com", "admin", True),
            ("rep@example.com", "sales", True),
        ]
        assert conn.execute("select file_name, imported_rows from import_jobs").fetchall() == [("old.csv", 0)]
        # RLS on an existing profiles table is the CRM's business; import_jobs' seed policy is replaced.
        assert not _rls(conn, "profiles")
        qual = conn.execute(
            "select qual from pg_policies where policyname = 'admin_read_import_jobs'"
        ).fetchone()[0]
        assert "crm_importer_role()" in qual and "profiles" not in qual

        # The typed phones and emails of the existing leads are found through the match indexes.
        conn.execute("set enable_seqscan = off")
        found = conn.execute(
            "select first_name from leads where public.crm_phone_e164(phone, '33') = any(%s) order by 1",
            (["+33612345678", "+33711223344", "+33123456789"],),
        ).fetchall()
        assert found == [("Jean",), ("Marie",), ("Paul",)]
        assert conn.execute(
            "select first_name from leads where lower(btrim(email)) = 'jean.dupont@example.fr'"
        ).fetchall() == [("Jean",)]


def test_existing_security_definer_get_user_role_is_kept(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        conn.execute(
            """
            create table profiles (id uuid primary key, email text not null, role text not null);
            create function get_user_role() returns text language sql stable security definer
                set search_path = public as $$ select 'crm-own'::text $$;
            """
        )
        conn.commit()
        migrate(conn)
        assert conn.execute("select public.get_user_role()").fetchone() == ("crm-own",)


def test_existing_invoker_get_user_role_is_kept_and_noted(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        conn.execute(
            """
            create table profiles (id uuid primary key, email text not null, role text not null);
            create function get_user_role() returns text language sql stable
                as $$ select role from profiles limit 1 $$;
            """
        )
        conn.commit()
        plan = plan_migration(conn)
        assert [n.code for n in plan.notes if n.code.startswith("plan_role")] == ["plan_role_invoker"]
        assert "security definer" in plan.notes[-1].sql
        migrate(conn)
        # The app's function is the app's: never replaced; the importer's policies use crm_importer_role().
        assert conn.execute(
            "select prosecdef from pg_proc where oid = 'public.get_user_role()'::regprocedure"
        ).fetchone() == (False,)


def test_existing_case_duplicate_profile_emails_do_not_block_migration(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty) as conn:
        conn.execute(
            "create table profiles (id uuid primary key default gen_random_uuid(), email text, role text);"
            "insert into profiles (email, role) values ('a@x.fr', 'admin'), ('A@X.FR', 'sales');"
        )
        conn.commit()
        assert migrate(conn) == ALL_VERSIONS
        indexes = _indexes(conn)
        # An existing profiles table gets no index of the importer's (the seed's unique lower(email) one is
        # a change of the app's rules): sign-in still tells the case-duplicates apart.
        assert "profiles_email_lower_key" not in indexes and "profiles_email_lower_idx" not in indexes
        with pytest.raises(CrmError) as exc:
            sign_in(conn, "a@x.fr")
        assert exc.value.code == "profile_ambiguous"


def test_concurrent_migrations_are_safe(pg_dsn_empty: str) -> None:
    barrier = threading.Barrier(3)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(pg_dsn_empty) as conn:
                barrier.wait(timeout=10)
                results.append(migrate(conn))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [[], [], ALL_VERSIONS]
    with psycopg.connect(pg_dsn_empty) as conn:
        assert conn.execute("select count(*) from crm_importer_migrations").fetchone() == (len(ALL_VERSIONS),)


# --- phone matching ------------------------------------------------------------------------------------------


PHONE_CASES: list[tuple[str | None, str, str | None]] = [
    ("06.12.34.56.78", "33", "+33612345678"),
    ("06 12 34 56 78", "33", "+33612345678"),
    ("+33 6 12 34 56 78", "33", "+33612345678"),
    ("+33 (0)6 12 34 56 78", "33", "+33612345678"),
    ("0033612345678", "33", "+33612345678"),
    ("00 33 6 12 34 56 78", "33", "+33612345678"),
    ("612345678", "33", "+33612345678"),
    (" +33612345678 ", "33", "+33612345678"),
    ("tél : +33 6-12-34-56-78", "33", "+33612345678"),
    ("+1 (415) 555-0100", "33", "+14155550100"),
    ("0470 12 34 56", "32", "+32470123456"),
    ("", "33", None),
    ("n/a", "33", None),
    (None, "33", None),
]


def test_crm_phone_e164_matches_typed_formats(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        got = [
            (typed, cc, conn.execute("select public.crm_phone_e164(%s, %s)", (typed, cc)).fetchone()[0])
            for typed, cc, _ in PHONE_CASES
        ]
    assert got == PHONE_CASES


def test_match_indexes_are_used(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "insert into leads (email, phone, external_id, first_name)"
            " select 'Lead' || g || '@Example.fr ', '06 ' || lpad(g::text, 8, '0'), ' EXT-' || g, 'n' || g"
            " from generate_series(1, 3000) g"
        )
        conn.execute("insert into leads (email, phone, external_id) values (null, '06.12.34.56.78', null)")
        conn.execute("analyze leads")
        conn.execute("set enable_seqscan = off")
        cases = {
            "leads_phone_key_idx": "public.crm_phone_e164(phone, '33') = '+33612345678'",
            "leads_email_key_idx": "lower(btrim(email)) = 'lead42@example.fr'",
            "leads_external_id_key_idx": "lower(btrim(external_id)) = 'ext-42'",
        }
        for index, where in cases.items():
            plan = "\n".join(r[0] for r in conn.execute(f"explain select id from leads where {where}"))
            assert index in plan, plan
            assert len(conn.execute(f"select id from leads where {where}").fetchall()) == 1, where
        # The set-based form the importer uses (a batch of keys) uses the index too.
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "explain select l.id from leads l join (values ('+33612345678'), ('+33600000042')) k(p)"
                " on public.crm_phone_e164(l.phone, '33') = k.p"
            )
        )
        assert "leads_phone_key_idx" in plan, plan


# --- other contract details ----------------------------------------------------------------------------------


def test_updated_at_trigger_and_ledger_cascades(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        job = conn.execute(
            "insert into import_jobs (file_name, created_by) values ('a.csv', %s) returning id", (ADMIN.id,)
        ).fetchone()[0]
        lead = conn.execute(
            "insert into leads (email, import_job_id, import_row, updated_at)"
            " values ('x@y.fr', %s, 2, now() - interval '1 day') returning id",
            (job,),
        ).fetchone()[0]
        conn.execute(
            "insert into import_batches (job_id, batch_no, row_count, inserted, updated, skipped)"
            " values (%s, 0, 1, 1, 0, 0)",
            (job,),
        )
        conn.execute(
            "insert into lead_history (lead_id, event, import_job_id) values (%s, 'created', %s)", (lead, job)
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "insert into leads (email, import_job_id, import_row) values ('z@y.fr', %s, 2)", (job,)
            )
        conn.execute("update leads set first_name = 'X' where id = %s", (lead,))
        assert conn.execute(
            "select updated_at > now() - interval '1 minute' from leads where id = %s", (lead,)
        ).fetchone() == (True,)
        conn.execute("delete from import_jobs where id = %s", (job,))
        assert conn.execute("select import_job_id from leads where id = %s", (lead,)).fetchone() == (None,)
        assert conn.execute("select count(*) from import_batches").fetchone() == (0,)
        conn.execute("delete from leads where id = %s", (lead,))
        assert conn.execute("select count(*) from lead_history where lead_id = %s", (lead,)).fetchone() == (
            1,
        )


# --- row-level security --------------------------------------------------------------------------------------

APP_ROLE = "crm_app"
APP_PASSWORD = "crm-app-pw"


def _ensure_app_role(conn: psycopg.Connection) -> None:
    if not conn.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,)).fetchone():
        try:
            with conn.transaction():
                conn.execute(f"create role {APP_ROLE} login password '{APP_PASSWORD}'")
        except psycopg.errors.DuplicateObject:
            pass
    conn.execute(
        f"grant usage on schema public to {APP_ROLE};"
        f" grant select, insert, update, delete on profiles, import_jobs, import_batches, leads, lead_history"
        f" to {APP_ROLE};"
        f" grant usage on all sequences in schema public to {APP_ROLE};"
    )


def _insert_job_as_owner(conn: psycopg.Connection) -> None:
    conn.execute("insert into import_jobs (file_name, created_by) values ('owner.csv', %s)", (ADMIN.id,))


def _map(owner: psycopg.Connection, login: str, profile_id: object) -> None:
    """What ``crm-importer db grant`` records: this login acts as this profile."""
    owner.execute("insert into crm_importer_logins (login, profile_id) values (%s, %s) on conflict (login)"
                  " do update set profile_id = excluded.profile_id", (login, profile_id))


def test_rls_import_tables_admin_only_for_a_non_owner_role(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as owner:
        _ensure_app_role(owner)
        _insert_job_as_owner(owner)

    app_dsn = dsn_for(pg_dsn, conninfo_to_dict(pg_dsn)["dbname"], user=APP_ROLE, password=APP_PASSWORD)
    with connect(app_dsn, autocommit=True) as app:
        assert app.execute("select current_user").fetchone() == (APP_ROLE,)
        # Not mapped: nobody, whatever the session says it is.
        with pytest.raises(CrmError) as unmapped:
            sign_in(app, ADMIN.email)
        assert unmapped.value.code == "login_not_mapped" and APP_ROLE in unmapped.value.text("en")
        app.execute("select set_config('crm.profile_id', %s, false)", (str(ADMIN.id),))
        assert app.execute("select public.get_user_role()").fetchone() == (None,)
        assert app.execute("select count(*) from import_jobs").fetchone() == (0,)
        # Nor can it read or write who is who.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("select * from crm_importer_logins")

        with psycopg.connect(pg_dsn, autocommit=True) as owner:
            _map(owner, APP_ROLE, SALES.id)
        sales = sign_in(app)
        assert (sales.profile_id, sales.login, sales.verified) == (SALES.id, APP_ROLE, True)
        with pytest.raises(CrmError) as mismatch:
            sign_in(app, ADMIN.email)
        assert mismatch.value.code == "as_mismatch"
        assert app.execute("select public.get_user_role()").fetchone() == ("sales",)
        assert app.execute("select count(*) from import_jobs").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(
                "insert into import_jobs (file_name, created_by) values ('x.csv', %s)", (sales.profile_id,)
            )
        assert app.execute("update profiles set full_name = 'hacked' where true").rowcount == 0

        with psycopg.connect(pg_dsn, autocommit=True) as owner:
            _map(owner, APP_ROLE, ADMIN.id)
        admin = sign_in(app, f" {ADMIN.email.upper()} ")
        assert admin.profile_id == ADMIN.id and admin.verified
        assert app.execute("select count(*) from import_jobs").fetchone() == (1,)
        job = app.execute(
            "insert into import_jobs (file_name, created_by) values ('x.csv', %s) returning id",
            (admin.profile_id,),
        ).fetchone()[0]
        app.execute(
            "insert into import_batches (job_id, batch_no, row_count, inserted, updated, skipped)"
            " values (%s, 0, 1, 1, 0, 0)",
            (job,),
        )
        assert app.execute("select count(*) from import_batches").fetchone() == (1,)
        assert app.execute("select count(*) from import_jobs").fetchone() == (2,)

        with psycopg.connect(pg_dsn, autocommit=True) as owner:
            _map(owner, APP_ROLE, SALES.id)
        assert app.execute("select count(*) from import_batches").fetchone() == (0,)
        assert app.execute("delete from import_jobs").rowcount == 0


def test_rls_profiles_policy_calling_get_user_role_does_not_recurse(pg_dsn: str) -> None:
    """The seed's bug: a profiles policy that asks for the role through profiles recursed forever."""
    with psycopg.connect(pg_dsn, autocommit=True) as owner:
        _ensure_app_role(owner)
        # A CRM-style restrictive policy: admins see every profile, others only their own.
        owner.execute(
            "create policy crm_profiles_visibility on profiles as restrictive for select to public"
            " using (public.get_user_role() = 'admin' or id = public.crm_current_profile_id())"
        )
        _map(owner, APP_ROLE, SALES.id)
    app_dsn = dsn_for(pg_dsn, conninfo_to_dict(pg_dsn)["dbname"], user=APP_ROLE, password=APP_PASSWORD)
    with connect(app_dsn, autocommit=True) as app:
        assert app.execute("select email from profiles").fetchall() == [(SALES.email,)]
        with psycopg.connect(pg_dsn, autocommit=True) as owner:
            _map(owner, APP_ROLE, ADMIN.id)
        assert app.execute("select count(*) from profiles").fetchone() == (len(DEMO_PROFILES),)


def test_rls_inactive_admin_has_no_role(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        _ensure_app_role(conn)
        _insert_job_as_owner(conn)
        _map(conn, APP_ROLE, ADMIN.id)
        conn.execute("update profiles set active = false where id = %s", (ADMIN.id,))
    app_dsn = dsn_for(pg_dsn, conninfo_to_dict(pg_dsn)["dbname"], user=APP_ROLE, password=APP_PASSWORD)
    with connect(app_dsn, autocommit=True) as app:
        assert app.execute("select public.get_user_role()").fetchone() == (None,)
        assert app.execute("select count(*) from import_jobs").fetchone() == (0,)
        with pytest.raises(CrmError) as inactive:
            sign_in(app)
        assert inactive.value.code == "login_profile_inactive"


def test_rls_on_a_supabase_shaped_database(pg_dsn_empty: str) -> None:
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        make_supabase_shape(conn)
        assert migrate(conn) == ALL_VERSIONS
        seed_demo_profiles(conn)
        _insert_job_as_owner(conn)
        # Supabase grants table privileges to its API roles by default; RLS is what keeps rows apart.
        conn.execute(
            "grant select, insert, update, delete on profiles, import_jobs, import_batches,"
            " crm_importer_migrations, crm_importer_settings to anon, authenticated"
        )
        roles = {
            r[0] for r in conn.execute("select roles::text from pg_policies where tablename = 'import_jobs'")
        }
        assert roles == {"{authenticated}"}
        src = conn.execute(
            "select prosrc from pg_proc where oid = 'public.crm_current_profile_id()'::regprocedure"
        ).fetchone()[0]
        assert "crm_importer_logins" in src and "crm.profile_id" not in src

        conn.execute("set role authenticated")
        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (str(SALES.id),))
        # A setting is never believed: a signed-in sales rep cannot claim to be the admin.
        conn.execute("select set_config('crm.profile_id', %s, false)", (str(ADMIN.id),))
        assert conn.execute("select public.get_user_role()").fetchone() == ("sales",)
        assert conn.execute("select count(*) from import_jobs").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into import_jobs (file_name) values ('x.csv')")
        assert conn.execute("select count(*) from profiles").fetchone() == (len(DEMO_PROFILES),)

        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (str(ADMIN.id),))
        assert conn.execute("select count(*) from import_jobs").fetchone() == (1,)
        conn.execute("insert into import_jobs (file_name) values ('x.csv')")

        # Without a JWT, this (superuser) login is the profile it is mapped to: none, whatever the setting.
        conn.execute("select set_config('request.jwt.claim.sub', '', false)")
        assert conn.execute("select public.get_user_role()").fetchone() == (None,)

        conn.execute("reset role")
        conn.execute("set role anon")
        assert conn.execute("select count(*) from import_jobs").fetchone() == (0,)
        # The importer's own tables are readable through the API but cannot be tampered with.
        assert conn.execute("select max(version) from crm_importer_migrations").fetchone() == (
            SCHEMA_VERSION,
        )
        assert conn.execute(
            "select value from crm_importer_settings where key = 'phone_country_code'"
        ).fetchone() == ("33",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into crm_importer_migrations (version) values (99)")
        assert conn.execute("delete from crm_importer_settings").rowcount == 0


# --- connection ----------------------------------------------------------------------------------------------

SECRET = "S3cr3t-Pässwörd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assert_no_secret(exc: CrmError, secret: str = SECRET) -> None:
    for text in (str(exc), exc.text("fr"), exc.text("en"), repr(exc.params), repr(exc.args)):
        assert secret not in text


def test_connect_bad_port_is_unreachable_quickly() -> None:
    port = _free_port()
    started = time.monotonic()
    with pytest.raises(CrmError) as exc:
        connect(f"postgresql://someone:{SECRET}@127.0.0.1:{port}/crm")
    assert time.monotonic() - started < 5
    assert exc.value.code == "db_unreachable"
    assert exc.value.exit_code == 3
    assert exc.value.params["port"] == str(port)
    assert f"127.0.0.1:{port}" in exc.value.text("fr")
    _assert_no_secret(exc.value)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts and never answers: the connect timeout must fire."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for c in conns:
        c.close()
    listener.close()


def test_connect_timeout_from_the_dsn_is_kept(silent_server: int) -> None:
    dsn = f"host=127.0.0.1 port={silent_server} user=u password={SECRET} dbname=d connect_timeout=2"
    assert "connect_timeout=2" in build_conninfo(dsn)
    started = time.monotonic()
    with pytest.raises(CrmError) as exc:
        connect(dsn)
    assert 1.5 < time.monotonic() - started < 8
    assert exc.value.code == "db_unreachable"
    _assert_no_secret(exc.value)


@pytest.fixture
def no_tls_server() -> Iterator[int]:
    """Answers PostgreSQL's SSLRequest with 'N' (no TLS here), like a server without ssl=on."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(8)
                conn.sendall(b"N")
                conn.recv(1024)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(timeout=5)


def test_connect_tls_required_but_unavailable(no_tls_server: int) -> None:
    with pytest.raises(CrmError) as exc:
        connect(f"postgresql://u:{SECRET}@127.0.0.1:{no_tls_server}/d?sslmode=require")
    assert exc.value.code == "db_tls"
    assert "SSL" in exc.value.params["reason"]
    _assert_no_secret(exc.value)


def test_connect_wrong_password_is_auth_failed(pg_password_login: PasswordLogin) -> None:
    login = pg_password_login
    with pytest.raises(CrmError) as wrong:
        connect(login.dsn, password=SECRET)
    assert wrong.value.code == "db_auth_failed" and wrong.value.exit_code == 2
    assert wrong.value.params["user"] == login.user
    _assert_no_secret(wrong.value)

    uri_params = conninfo_to_dict(login.dsn)
    uri = f"postgresql://{login.user}:{SECRET}@/postgres?host={uri_params['host']}"
    with pytest.raises(CrmError) as in_dsn:
        connect(uri)
    assert in_dsn.value.code == "db_auth_failed"
    _assert_no_secret(in_dsn.value)

    with pytest.raises(CrmError) as missing:
        connect(login.dsn)
    assert missing.value.code == "db_password_missing"

    with connect(login.dsn, password=login.password) as conn:
        assert conn.execute("select current_user").fetchone() == (login.user,)


def test_connect_asking_tries_libpq_then_the_keyring_then_the_caller(
    pg_password_login: PasswordLogin, memory_keyring: MemoryKeyring, no_libpq_password: None,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    login = pg_password_login
    host, port, user, _ = connection_mod.dsn_endpoint(login.dsn)
    asked: list[str] = []

    def ask(answer: str | None) -> connection_mod.AskPassword:
        def prompt(where: str) -> str | None:
            asked.append(where)
            return answer
        return prompt

    def never(where: str) -> str | None:
        raise AssertionError(f"asked for the password of {where}")

    # Nothing anywhere, nobody to ask (off a terminal, --json, the GUI with a password already): an error.
    with pytest.raises(CrmError) as missing:
        connection_mod.connect_asking(login.dsn)
    assert missing.value.code == "db_password_missing"
    # A prompt that gives nothing (Ctrl+C, an empty line): the same error, asked once.
    with pytest.raises(CrmError) as refused:
        connection_mod.connect_asking(login.dsn, ask_password=ask(None))
    assert refused.value.code == "db_password_missing" and asked == [f"{user}@{host}:{port}"]
    # The password typed works, and the connection says which one it used.
    with connection_mod.connect_asking(login.dsn, ask_password=ask(login.password)) as conn:
        assert conn.execute("select current_user").fetchone() == (login.user,)
        assert conn.info.password == login.password
    assert len(asked) == 2
    # Saved in the keyring: used without asking.
    assert store_password(host, port, user, login.password)
    with connection_mod.connect_asking(login.dsn, ask_password=never) as conn:
        assert conn.info.password == login.password
    # A saved password the server refuses (changed since): asked again rather than reported.
    assert store_password(host, port, user, "an old one")
    with connection_mod.connect_asking(login.dsn, ask_password=ask(login.password)) as conn:
        assert conn.info.password == login.password
    assert len(asked) == 3
    # libpq's own sources come first: the password file is read by libpq (no parsing of ours), and neither
    # the keyring's wrong password nor a prompt is reached.
    pgpass = tmp_path / "pgpass"
    escaped = login.password.replace("\\", "\\\\").replace(":", "\\:")
    pgpass.write_text(f"*:{port}:*:{user}:{escaped}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with connection_mod.connect_asking(login.dsn, ask_password=never) as conn:
        assert conn.execute("select current_user").fetchone() == (login.user,)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.setenv("PGPASSWORD", login.password)
    with connection_mod.connect_asking(login.dsn, ask_password=never) as conn:
        assert conn.execute("select current_user").fetchone() == (login.user,)


def test_connect_unknown_database_and_role(pg_server: str) -> None:
    with pytest.raises(CrmError) as db:
        connect(dsn_for(pg_server, "no_such_db_here"))
    assert db.value.code == "db_not_found" and db.value.params["dbname"] == "no_such_db_here"
    assert "no_such_db_here" in db.value.text("fr")
    with pytest.raises(CrmError) as role:
        connect(dsn_for(pg_server, "postgres", user="no_such_role_here"))
    assert role.value.code == "db_auth_failed"


def test_connect_malformed_dsn_does_not_echo_it() -> None:
    with pytest.raises(CrmError) as exc:
        connect(f"host=db.example.com password={SECRET} oops")
    assert exc.value.code == "db_bad_dsn" and exc.value.exit_code == 2
    _assert_no_secret(exc.value)
    assert "oops" not in str(exc.value)


def test_connect_sets_the_session_defaults(pg_server: str) -> None:
    with connect(pg_server, application_name="crm-importer-test") as conn:
        assert conn.prepare_threshold is None
        assert conn.execute("show application_name").fetchone() == ("crm-importer-test",)
        assert conn.autocommit is False
    with connect(pg_server, autocommit=True) as conn:
        assert conn.autocommit is True
        assert conn.execute("show application_name").fetchone() == ("crm-importer",)


def test_build_conninfo_network_defaults() -> None:
    tcp = conninfo_to_dict(build_conninfo("postgresql://u@db.example.com:6543/postgres?sslmode=require"))
    assert tcp["sslmode"] == "require"
    assert tcp["connect_timeout"] == "10"
    assert (
        tcp["keepalives"],
        tcp["keepalives_idle"],
        tcp["keepalives_interval"],
        tcp["keepalives_count"],
    ) == (
        "1",
        "30",
        "10",
        "3",
    )
    assert tcp["tcp_user_timeout"] == "60000"
    assert tcp["application_name"] == "crm-importer"

    own = conninfo_to_dict(
        build_conninfo("host=db port=5432 keepalives=0 connect_timeout=3 application_name=x")
    )
    assert (own["keepalives"], own["connect_timeout"], own["application_name"]) == ("0", "3", "x")
    assert own["keepalives_idle"] == "30"

    local = conninfo_to_dict(build_conninfo("postgresql://postgres@/crm?host=/tmp/sock%20dir"))
    assert "keepalives" not in local and "tcp_user_timeout" not in local
    assert local["connect_timeout"] == "10"

    with_pw = conninfo_to_dict(build_conninfo("host=db user=u", password="p w'd"))
    assert with_pw["password"] == "p w'd"


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        (
            "postgresql://u:secret@db:5432/crm?sslmode=require",
            "postgresql://u:***@db:5432/crm?sslmode=require",
        ),
        ("postgres://u:p%40ss@db/crm", "postgres://u:***@db/crm"),
        (
            "postgresql://u@db/crm?password=secret&sslmode=require",
            "postgresql://u@db/crm?password=***&sslmode=require",
        ),
        ("postgresql://u@db/crm", "postgresql://u@db/crm"),
        ("postgresql://postgres:@/crm_demo?host=/tmp/x", "postgresql://postgres:@/crm_demo?host=/tmp/x"),
    ],
)
def test_redact_dsn_uri(dsn: str, expected: str) -> None:
    assert redact_dsn(dsn) == expected


def test_redact_dsn_key_value() -> None:
    redacted = redact_dsn(r"host=db user=u password='it\'s secret' dbname=crm")
    assert "secret" not in redacted and "***" in redacted
    assert conninfo_to_dict(redacted)["host"] == "db"
    assert redact_dsn("host=db user=u") == "host=db user=u"
    broken = redact_dsn("host=db password=sec ret oops user=u")
    assert "sec" not in broken and "ret" not in broken and "host=db" in broken and "user=u" in broken


# --- keyring ---------------------------------------------------------------------------------------------------


from helpers import MemoryKeyring  # noqa: E402 - beside the tests that use it


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_libpq_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


def test_keyring_store_and_lookup(memory_keyring: MemoryKeyring, no_libpq_password: None) -> None:
    assert get_password("db.example.com", 5432, "alice") is None
    assert store_password("db.example.com", 5432, "alice", SECRET) is True
    assert memory_keyring.items == {("crm-importer", "alice@db.example.com:5432"): SECRET}
    assert get_password("db.example.com", "5432", "alice") == SECRET
    assert connection_mod.saved_password_for("postgresql://alice@db.example.com/crm") == SECRET
    assert connection_mod.saved_password_for("host=db.example.com port=5432 user=alice dbname=crm") == SECRET
    # Another port or user is another secret.
    assert connection_mod.saved_password_for("postgresql://alice@db.example.com:6543/crm") is None
    assert connection_mod.saved_password_for("postgresql://bob@db.example.com/crm") is None
    assert connection_mod.delete_password("db.example.com", 5432, "alice") is True
    assert connection_mod.delete_password("db.example.com", 5432, "alice") is False


def test_keyring_without_backend_fails_softly(fail_keyring: None, no_libpq_password: None) -> None:
    with pytest.raises(keyring.errors.NoKeyringError):
        keyring.set_password("x", "y", "z")  # the backend really is the failing one
    assert store_password("db", 5432, "alice", SECRET) is False
    assert get_password("db", 5432, "alice") is None
    assert connection_mod.saved_password_for("postgresql://alice@db/crm") is None


# --- identity ----------------------------------------------------------------------------------------------------


def test_sign_in_and_require_admin(pg_dsn: str) -> None:
    with connect(pg_dsn) as conn:
        # The test server's login is a superuser: the database cannot check it, the profile is declared.
        login = conn.execute("select session_user").fetchone()[0]
        admin = sign_in(conn, f"  {DEMO_ADMIN_EMAIL.upper()} ")
        assert admin == Identity(ADMIN.id, ADMIN.email, "Alice Admin", "admin", login=login, verified=False)
        assert admin.assurance == "declared"
        require_admin(admin)
        with pytest.raises(CrmError) as required:
            sign_in(conn)
        assert required.value.code == "as_required"
        conn.execute("update crm_importer_settings set value = 'refused' where key = 'declared_identity'")
        with pytest.raises(CrmError) as refused_declared:
            sign_in(conn, DEMO_ADMIN_EMAIL)
        assert refused_declared.value.code == "declared_refused" and login in refused_declared.value.text("fr")
        conn.rollback()

        sales = sign_in(conn, SALES.email)
        with pytest.raises(CrmError) as refused:
            require_admin(sales)
        assert refused.value.code == "not_admin" and refused.value.exit_code == 4
        assert SALES.email in refused.value.text("fr") and "sales" in refused.value.text("en")

        with pytest.raises(CrmError) as unknown:
            sign_in(conn, "nobody@example.com")
        assert unknown.value.code == "profile_not_found" and unknown.value.exit_code == 4

        conn.execute("update profiles set active = false where id = %s", (SALES.id,))
        conn.commit()
        with pytest.raises(CrmError) as inactive:
            sign_in(conn, SALES.email)
        assert inactive.value.code == "profile_not_found"


def test_crm_error_messages_are_worded_from_the_catalogue() -> None:
    err = CrmError("db_unreachable", host="h", port="1")
    assert str(err) == err.text("en") == "Cannot reach the database server at h:1; check that it is running and that the host and port are right."
    assert err.text("fr").startswith("Impossible de joindre le serveur de base de données h:1 ;")
