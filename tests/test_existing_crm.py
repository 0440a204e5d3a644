"""db migrate on an app's existing CRM (issue 12): the seed plan's Supabase CRM, in its variants.

Each test builds the app's CRM (``seedcrm.make_seed_crm``: Supabase's roles and ``auth.uid()``, the plan's
tables with the app's own names, its recursive policies, its trigger and indexes, Supabase's default grants),
then plans, migrates, imports, updates and undoes through the command line, and checks what the app and
PostgREST-like sessions see.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from leadfiles import lead, one_json, run_cli, write_leads_csv
from pgfixture import make_supabase_shape
from seedcrm import (
    ADMIN_ID,
    EXISTING_EMAIL,
    LEAD_IDS,
    SALES_ID,
    SeedVariant,
    catalog_snapshot,
    fix_app_policies,
    jwt_session,
    make_seed_crm,
)

from crm_importer.crm.names import read_names
from crm_importer.crm.schema import SCHEMA_VERSION, plan_migration

ADMIN_EMAIL = "admin@seed.test"
SALES_EMAIL = "sales@seed.test"

#: The variants of the issue: the plan's names, a status CHECK, uuid history ids, a cascading history and an
#: enum-returning get_user_role() (the default); and the contract's names with bigint ids, no cascade, no
#: CHECK and an app get_user_role() that is not SECURITY DEFINER.
VARIANTS = {
    "plan": SeedVariant(),
    "contract": SeedVariant(owner="assigned_to", event="event", actor="actor_id", changes="changes",
                            history_id="bigint", cascade=False, status_check=False, role_function="invoker"),
}


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


def _seed(dsn: str, variant: SeedVariant, *, fixed: bool = False) -> None:
    """The app's CRM; ``fixed``: with the seed plan's own fix of its recursive policies on profiles and leads,
    which an import needs since it writes with the admin's rights as the app's policies judge them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        make_supabase_shape(conn)
        make_seed_crm(conn, variant)
        if fixed:
            fix_app_policies(conn, variant)


def _snapshot(dsn: str) -> dict:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return catalog_snapshot(conn)


def _rows(dsn: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def test_plan_says_what_migrate_would_do_and_changes_nothing(pg_dsn_empty: str, home: Path,
                                                             tmp_path: Path) -> None:
    _seed(pg_dsn_empty, VARIANTS["plan"])
    before = _snapshot(pg_dsn_empty)
    out = tmp_path / "migrate.sql"
    done = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--plan", "--sql", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert _snapshot(pg_dsn_empty) == before  # nothing changed, not even a comment or a grant
    plan = one_json(done.stdout)
    assert plan["schema_version"] is None and plan["target_version"] == SCHEMA_VERSION
    codes = [c["code"] for c in plan["changes"]]
    notes = {n["code"]: n for n in plan["notes"]}
    # Adopted, not added: the owner column, the history's columns, the app's trigger, its status words.
    assert notes["plan_adopt_owner"]["sentence"].count("owner_id") == 1
    assert "event_type" in notes["plan_adopt_history"]["sentence"]
    assert "metadata" in notes["plan_adopt_history"]["sentence"]
    assert "set_leads_updated_at" in notes["plan_adopt_trigger"]["sentence"]
    assert "committing" in notes["plan_adopt_status"]["sentence"]
    assert "plan_history_cascades" in notes
    assert "plan_trigger" not in codes
    all_sql = "\n".join(c["sql"] for c in plan["changes"])
    assert "assigned_to" not in all_sql and "add column if not exists event " not in all_sql
    assert "profiles_email_lower_key" not in all_sql and "get_user_role" not in all_sql
    # The recursive policies of both import tables are replaced; anon loses the import tables.
    replaced = [c for c in plan["changes"] if c["code"] == "plan_policies_replace"]
    assert {c["sentence"].split()[5] for c in replaced} == {"import_jobs", "import_rows"}
    assert "revoke all on table public.import_rows from anon" in all_sql
    assert "revoke truncate, references, trigger on table public.import_jobs from authenticated" in all_sql
    assert all(c["sentence"] and c["sql"] for c in plan["changes"])
    # The script is the same plan, in one transaction.
    script = out.read_text(encoding="utf-8")
    assert script.count("BEGIN;") == 1 and script.rstrip().endswith("COMMIT;")
    assert all(c["sql"].strip().rstrip(";") in script for c in plan["changes"])

    text = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--plan", "--lang", "fr")
    assert text.returncode == 0, text.stderr
    assert "owner_id" in text.stdout and "Remplacer les règles d’accès de import_rows" in text.stdout
    assert _snapshot(pg_dsn_empty) == before


def _app_objects(snapshot: dict) -> dict[str, set]:
    """What the app had: its columns, constraints, triggers, functions, types, other tables' policies."""
    ours = ("import_jobs", "import_rows")
    return {
        "columns": {repr(c) for c in snapshot["columns"]},
        "constraints": {repr(c) for c in snapshot["constraints"]},
        "triggers": {repr(t) for t in snapshot["triggers"]},
        "functions": {repr(f) for f in snapshot["functions"] if not f[1].startswith("crm_")},
        "types": {repr(t) for t in snapshot["types"]},
        "policies": {repr(p) for p in snapshot["policies"] if p[1] not in ours},
    }


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_migrate_import_update_and_undo_on_the_apps_crm(pg_dsn_empty: str, home: Path, tmp_path: Path,
                                                        name: str) -> None:
    v = VARIANTS[name]
    _seed(pg_dsn_empty, v, fixed=True)
    before = _snapshot(pg_dsn_empty)
    done = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--json")
    assert done.returncode == 0, done.stderr
    after = _snapshot(pg_dsn_empty)
    # Every column, constraint, trigger, function, type and other table's policy of the app is as it was,
    # and so is every row count.
    for key, objects in _app_objects(before).items():
        assert objects <= _app_objects(after)[key], key
    for table, (count, _digest) in before["rows"].items():
        assert after["rows"][table][0] == count, table
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        names = read_names(conn)
    assert (names.owner, names.event, names.actor, names.changes) == (v.owner, v.event, v.actor, v.changes)
    columns = {r[0] for r in _rows(pg_dsn_empty, "select column_name from information_schema.columns"
                                                 " where table_name = 'leads'")}
    assert ("assigned_to" in columns) == (v.owner == "assigned_to")
    again = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--plan", "--json")
    assert one_json(again.stdout)["changes"] == []

    # A first import, assigned to the sales rep: the owner lands in the app's column.
    path = write_leads_csv(tmp_path / "new.csv", [lead(i) for i in range(20, 24)])
    imported = run_cli(home, "import", str(path), "--db", pg_dsn_empty, "--as", ADMIN_EMAIL,
                       "--assign", f"user:{SALES_EMAIL}", "--json")
    assert imported.returncode == 0, imported.stderr
    first = one_json(imported.stdout)
    assert first["imported_rows"] == 4
    owners = _rows(pg_dsn_empty, f"select {v.owner}::text from leads where import_job_id = %s", (first["job_id"],))
    assert owners == [(SALES_ID,)] * 4
    history = _rows(pg_dsn_empty, f"select {v.event}, {v.actor}::text from lead_history where import_job_id = %s",
                    (first["job_id"],))
    assert history == [("created", ADMIN_ID)] * 4
    status = _rows(pg_dsn_empty, "select status, crm_importer_status from import_jobs where id = %s",
                   (first["job_id"],))
    assert status == [("completed", "completed")]

    # An update import of the app's lead (typed with other case and no spaces), then its undo.
    update = write_leads_csv(tmp_path / "update.csv", [{**lead(30), "email": EXISTING_EMAIL.strip().upper(),
                                                         "city": "Brest"}, lead(31)])
    updated = run_cli(home, "import", str(update), "--db", pg_dsn_empty, "--as", ADMIN_EMAIL,
                      "--on-duplicate", "update", "--json")
    assert updated.returncode == 0, updated.stderr
    second = one_json(updated.stdout)
    assert (second["imported_rows"], second["updated_rows"]) == (1, 1)
    assert _rows(pg_dsn_empty, "select city from leads where id = %s", (LEAD_IDS[1],)) == [("Brest",)]
    undo = run_cli(home, "undo", second["job_id"], "--db", pg_dsn_empty, "--as", ADMIN_EMAIL, "--json")
    assert undo.returncode == 0, undo.stderr
    result = one_json(undo.stdout)
    assert (result["deleted"], result["restored"]) == (1, 1)
    assert _rows(pg_dsn_empty, "select city from leads where id = %s", (LEAD_IDS[1],)) == [(None,)]
    # The undo's own records survive: in lead_history for the restored lead; for the deleted one, whose
    # history the app's foreign key deletes (CASCADE) or forbids keeping (NO ACTION), beside it.
    restored = _rows(pg_dsn_empty, f"select {v.changes}->>'action' from lead_history where import_job_id = %s"
                                   f" and {v.event} = 'import_undone'", (second["job_id"],))
    assert restored == [("restored",)]
    table, cols = "crm_importer_events", ("changes", "event")
    deleted = _rows(pg_dsn_empty, f"select lead_id::text, {cols[0]}->>'action' from {table}"
                                  f" where import_job_id = %s and {cols[1]} = 'import_undone'"
                                  f" and {cols[0]}->>'action' = 'deleted'", (second["job_id"],))
    assert len(deleted) == 1 and deleted[0][1] == "deleted"
    assert result.get("undo_events") == table
    status = _rows(pg_dsn_empty, "select status, crm_importer_status from import_jobs where id = %s",
                   (second["job_id"],))
    assert status == [("failed" if v.status_check else "undone", "undone")]


def test_postgrest_sessions_see_what_they_should(pg_dsn_empty: str, home: Path, tmp_path: Path) -> None:
    _seed(pg_dsn_empty, VARIANTS["plan"], fixed=True)
    assert run_cli(home, "db", "migrate", "--db", pg_dsn_empty).returncode == 0
    path = write_leads_csv(tmp_path / "new.csv", [lead(i) for i in range(3)])
    done = run_cli(home, "import", str(path), "--db", pg_dsn_empty, "--as", ADMIN_EMAIL, "--json")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        conn.execute("insert into import_rows (job_id, row_number) values (%s, 1)", (one_json(done.stdout)["job_id"],))
        seen = {}
        for who, sub in (("admin", ADMIN_ID), ("sales", SALES_ID)):
            for table in ("import_jobs", "import_rows", "import_batches", "crm_importer_events"):
                with jwt_session(conn, "authenticated", sub):  # no 42P17 anywhere
                    seen[who, table] = conn.execute(f"select count(*) from public.{table}").fetchone()[0]
        assert seen["admin", "import_jobs"] == 1 and seen["admin", "import_rows"] == 1
        assert seen["admin", "import_batches"] >= 1
        assert all(seen["sales", t] == 0 for t in ("import_jobs", "import_rows", "import_batches"))
        with jwt_session(conn, "authenticated", SALES_ID):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("truncate public.import_rows")
        for table in ("import_jobs", "import_rows", "import_batches", "crm_importer_settings"):
            with jwt_session(conn, "anon"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(f"select 1 from public.{table}")
        with jwt_session(conn, "anon"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select public.crm_importer_role()")


def test_what_stops_migrate_is_one_sentence_and_nothing_changes(pg_dsn_empty: str, home: Path) -> None:
    _seed(pg_dsn_empty, SeedVariant(second_owner="manager_id"))
    before = _snapshot(pg_dsn_empty)
    done = run_cli(home, "db", "migrate", "--db", pg_dsn_empty)
    assert done.returncode == 4
    [line] = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert "owner_id, manager_id" in line and "--owner-column" in line
    assert _snapshot(pg_dsn_empty) == before
    chosen = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--owner-column", "manager_id", "--json")
    assert chosen.returncode == 0, chosen.stderr
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        assert read_names(conn).owner == "manager_id"
        # The owner column is the importer's to fill: a file cannot map it.
        from crm_importer.crm.columns import read_lead_columns
        columns = read_lead_columns(conn)
        assert not columns["manager_id"].writable and columns["owner_id"].writable


def test_profiles_without_email_stop_migrate(pg_dsn_empty: str) -> None:
    _seed(pg_dsn_empty, SeedVariant(profiles_email=False))
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        before = catalog_snapshot(conn)
        with pytest.raises(Exception) as exc:
            plan_migration(conn)
        assert getattr(exc.value, "code", None) == "migrate_profiles_no_email"
        assert catalog_snapshot(conn) == before


@pytest.mark.parametrize("role_function", ["invoker", "definer_no_path", "enum", "none"])
def test_the_apps_get_user_role_is_kept_and_said(pg_dsn_empty: str, role_function: str) -> None:
    _seed(pg_dsn_empty, SeedVariant(role_function=role_function))
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        plan = plan_migration(conn)
        codes = {n.code for n in plan.notes} | {c.code for c in plan.changes}
        expected = {"invoker": "plan_role_invoker", "definer_no_path": "plan_role_no_path",
                    "enum": "plan_role_kept", "none": "plan_function_get_user_role"}[role_function]
        assert expected in codes
        before = conn.execute("select pg_get_functiondef('public.get_user_role()'::regprocedure)").fetchone() \
            if role_function != "none" else None
        from crm_importer.crm.schema import migrate
        migrate(conn)
        if before is not None:
            assert conn.execute("select pg_get_functiondef('public.get_user_role()'::regprocedure)"
                                ).fetchone() == before
        else:  # created by the importer: not for anon
            assert conn.execute("select has_function_privilege('anon', 'public.get_user_role()', 'execute')"
                                ).fetchone() == (False,)
