"""The seed-plan CRM of tests/seedcrm.py is what it claims to be: each variant's shape, the recursion bug,
Supabase's grants, and a catalog snapshot that sees every change and nothing else."""

from __future__ import annotations

import psycopg
import pytest
from seedcrm import (
    EXISTING_EMAIL,
    ROLE_FUNCTIONS,
    SeedVariant,
    catalog_snapshot,
    jwt_session,
    make_seed_crm,
)

#: The seed plan's names, and an app that named and shaped everything differently.
DEFAULT = SeedVariant()
RENAMED = SeedVariant(
    history_id="bigint",
    cascade=False,
    status_check=False,
    role_function="invoker",
    event="event",
    actor="actor_id",
    changes="changes",
    owner="assigned_to",
)
MAIN_VARIANTS = [pytest.param(DEFAULT, id="default"), pytest.param(RENAMED, id="renamed")]

# "infinite recursion detected in policy" is SQLSTATE 42P17, which psycopg names InvalidObjectDefinition
# (psycopg.errors.InvalidRecursion is 42P19, the recursive-CTE error).
RecursionInPolicy = psycopg.errors.InvalidObjectDefinition


def _columns(conn: psycopg.Connection, table: str) -> dict[str, tuple[str, bool]]:
    rows = conn.execute(
        "select attname, format_type(atttypid, atttypmod), attnotnull from pg_attribute"
        " where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        (f"public.{table}",),
    ).fetchall()
    return {name: (type_, notnull) for name, type_, notnull in rows}


@pytest.mark.parametrize("variant", MAIN_VARIANTS)
def test_snapshot_is_stable_and_sees_every_kind_of_change(pg_dsn_empty: str, variant: SeedVariant) -> None:
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        seed = make_seed_crm(conn, variant)
        path = conn.execute("show search_path").fetchone()
        first = catalog_snapshot(conn)
        assert catalog_snapshot(conn) == first
        assert conn.execute("show search_path").fetchone() == path  # its set local was rolled back
        assert set(first["rows"]) == {"profiles", "leads", "lead_history", "import_jobs", "import_rows"}
        assert first["rows"]["leads"][0] == 3

        # A dry run: writes (advancing lead_history's sequence if bigserial) then rolls back.
        with conn.transaction(force_rollback=True):
            conn.execute(
                f"insert into public.lead_history (lead_id, {variant.event}) values (%s, 'dry')",
                (seed.lead_ids[0],),
            )
            conn.execute("create table public.scratch (x int)")
        assert catalog_snapshot(conn) == first

        changes = [
            "comment on table public.leads is 'x'",
            "revoke delete on public.leads from anon",
            "alter table public.import_rows force row level security",
            f"update public.leads set notes = 'n' where id = '{seed.lead_ids[2]}'",  # same row count
            "alter function public.handle_updated_at() security definer",
            "alter trigger set_leads_updated_at on public.leads rename to leads_touch",
            "alter policy leads_select on public.leads to authenticated, anon",
        ]
        previous = first
        for change in changes:
            conn.execute(change)
            current = catalog_snapshot(conn)
            assert current != previous, change
            previous = current


@pytest.mark.parametrize("variant", MAIN_VARIANTS)
def test_the_seed_plans_policies_recurse(pg_dsn_empty: str, variant: SeedVariant) -> None:
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        seed = make_seed_crm(conn, variant)
        for table in ("import_rows", "import_jobs", "profiles", "leads", "lead_history"):
            with pytest.raises(RecursionInPolicy, match="infinite recursion detected in policy") as exc:
                with jwt_session(conn, "authenticated", seed.admin_id):
                    conn.execute(f"select count(*) from public.{table}").fetchone()
            assert exc.value.sqlstate == "42P17"
        # The session is gone afterwards: back to the superuser, without claims.
        assert conn.execute("select current_user = session_user, auth.uid()").fetchone() == (True, None)
        with jwt_session(conn, "authenticated", seed.sales_id):
            assert conn.execute("select auth.uid()::text, current_user").fetchone() == (
                seed.sales_id,
                "authenticated",
            )
        with jwt_session(conn, "anon", None):
            assert conn.execute("select auth.uid(), current_user").fetchone() == (None, "anon")
        # service_role bypasses RLS, as on Supabase: no recursion there.
        with jwt_session(conn, "service_role", None):
            assert conn.execute("select count(*) from public.import_rows").fetchone() == (0,)


@pytest.mark.parametrize("variant", MAIN_VARIANTS)
def test_variant_shape_grants_and_rows(pg_dsn_empty: str, variant: SeedVariant) -> None:
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        seed = make_seed_crm(conn, variant)
        leads = _columns(conn, "leads")
        assert leads[variant.owner] == ("uuid", False)
        assert "active" not in _columns(conn, "profiles")
        history = _columns(conn, "lead_history")
        assert history[variant.event] == ("text", True)
        assert history[variant.actor] == ("uuid", False)
        assert history[variant.changes] == ("jsonb", False)
        assert history["id"][0] == ("bigint" if variant.history_id == "bigint" else "uuid")
        delete_action = conn.execute(
            "select confdeltype from pg_constraint where conrelid = 'public.lead_history'::regclass"
            " and contype = 'f' and confrelid = 'public.leads'::regclass"
        ).fetchone()
        assert delete_action == ("c" if variant.cascade else "a",)
        checks = conn.execute(
            "select count(*) from pg_constraint where conrelid = 'public.import_jobs'::regclass and contype = 'c'"
        ).fetchone()
        assert checks == (1 if variant.status_check else 0,)
        assert _columns(conn, "import_jobs")["status"] == ("text", variant.status_check)

        # Supabase's default grants, and its PostgREST login role.
        for role in ("anon", "authenticated", "service_role"):
            assert conn.execute(
                "select has_table_privilege(%s, 'public.import_rows', 'delete'),"
                " has_function_privilege(%s, 'public.handle_updated_at()', 'execute')",
                (role, role),
            ).fetchone() == (True, True)
            assert conn.execute("select pg_has_role('authenticator', %s, 'member')", (role,)).fetchone() == (
                True,
            )
        if variant.history_id == "bigint":
            assert conn.execute(
                "select has_sequence_privilege('anon', 'public.lead_history_id_seq', 'usage')"
            ).fetchone() == (True,)

        # Rows: three profiles, three leads with one 'created' event each, the duplicate target as typed.
        assert conn.execute(
            "select role::text, full_name from public.profiles where id = %s", (seed.admin_id,)
        ).fetchone() == ("admin", "Alice Admin")
        owned = conn.execute(
            f"select id::text from public.leads where {variant.owner} = %s", (seed.sales_id,)
        )
        assert owned.fetchall() == [(seed.lead_ids[0],)]
        assert conn.execute(
            "select phone, external_id from public.leads where email = %s", (EXISTING_EMAIL,)
        ).fetchone() == ("06 12 34 56 78", "EXT-1")
        assert conn.execute(
            f"select count(*), count(distinct lead_id) from public.lead_history where {variant.event} = 'created'"
        ).fetchone() == (3, 3)
        indexes = {r[0] for r in conn.execute("select indexname from pg_indexes where tablename = 'leads'")}
        assert {"leads_email_lower_idx", "leads_phone_idx", "leads_external_id_idx"} <= indexes

        # The app's updated_at trigger works.
        before = conn.execute(
            "select updated_at from public.leads where id = %s", (seed.lead_ids[1],)
        ).fetchone()
        conn.execute("update public.leads set notes = 'touched' where id = %s", (seed.lead_ids[1],))
        after = conn.execute(
            "select updated_at from public.leads where id = %s", (seed.lead_ids[1],)
        ).fetchone()
        assert before is not None and after is not None and after[0] > before[0]


@pytest.mark.parametrize(
    "variant",
    [pytest.param(SeedVariant(role_function=kind), id=kind) for kind in ROLE_FUNCTIONS]
    + [
        pytest.param(SeedVariant(profiles_email=False), id="no-profiles-email"),
        pytest.param(SeedVariant(second_owner="manager_id"), id="second-owner"),
    ],
)
def test_every_variant_builds(pg_dsn_empty: str, variant: SeedVariant) -> None:
    # Not autocommit: make_seed_crm commits on its own.
    with psycopg.connect(pg_dsn_empty) as conn:
        seed = make_seed_crm(conn, variant)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        assert conn.execute("select count(*) from public.profiles").fetchone() == (3,)
        profiles = _columns(conn, "profiles")
        assert ("email" in profiles) is variant.profiles_email
        assert profiles["role"][0] == ("user_role" if variant.role_function == "enum" else "text")
        if variant.second_owner:
            assert conn.execute(
                f"select {variant.second_owner}::text from public.leads where id = %s", (seed.lead_ids[0],)
            ).fetchone() == (seed.manager_id,)

        function = conn.execute(
            "select prorettype::regtype::text, prosecdef, proconfig from pg_proc"
            " where oid = to_regprocedure('public.get_user_role()')"
        ).fetchone()
        expected = {
            "enum": ("user_role", True, ["search_path=public"]),
            "text_definer": ("text", True, ["search_path=public"]),
            "invoker": ("text", False, None),
            "definer_no_path": ("text", True, None),
            "none": None,
        }[variant.role_function]
        assert function == expected
        if variant.role_function == "none":
            return
        with jwt_session(conn, "authenticated", seed.manager_id):
            if variant.role_function == "invoker":
                # With the caller's rights, the function meets the recursive policy on profiles.
                with pytest.raises(RecursionInPolicy):
                    conn.execute("select public.get_user_role()")
            else:
                assert conn.execute("select public.get_user_role()::text").fetchone() == ("manager",)
