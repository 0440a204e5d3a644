"""The CRM's own leads table (issue 11): its columns read from the catalog, its defaults kept on import."""

from __future__ import annotations

from pathlib import Path

import psycopg
from leadfiles import SALES, do_import, lead, query, write_leads_csv
from psycopg import sql

from crm_importer.crm.columns import _check_values, read_lead_columns
from crm_importer.engine.jobstore import JobStore

#: The app's own columns, one of each kind an existing CRM has (the seed plan's CRM and beyond).
APP_COLUMNS = """
CREATE TYPE public.lead_temperature AS ENUM ('hot', 'warm', 'cold');
CREATE DOMAIN public.short_code AS varchar(8) CHECK (VALUE IN ('A1', 'B2', 'O''Neil'));
ALTER TABLE public.leads
    ADD CONSTRAINT leads_status_list CHECK (status IN ('new', 'contacted', 'qualified', 'lost')),
    ADD COLUMN stage text CHECK (stage = ANY (ARRAY['lead'::text, 'deal'::text])),
    ADD COLUMN tags text[],
    ADD COLUMN score int DEFAULT 0,
    ADD COLUMN pipeline_stage text NOT NULL DEFAULT 'new',
    ADD COLUMN next_call date,
    ADD COLUMN temperature public.lead_temperature,
    ADD COLUMN code public.short_code,
    ADD COLUMN rank bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN score_twice int GENERATED ALWAYS AS (score * 2) STORED,
    ADD COLUMN budget numeric(12, 2) CHECK (budget >= 0),
    ALTER COLUMN country SET DEFAULT 'France';
COMMENT ON COLUMN public.leads.next_call IS 'Date de rappel';
"""


def _app_crm(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(APP_COLUMNS)


def test_the_leads_table_is_read_as_it_is(pg_dsn: str) -> None:
    _app_crm(pg_dsn)
    with psycopg.connect(pg_dsn) as conn:
        cols = read_lead_columns(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # nothing left open
    assert cols["status"].allowed == ("new", "contacted", "qualified", "lost")
    assert cols["stage"].allowed == ("lead", "deal")
    assert cols["temperature"].allowed == ("hot", "warm", "cold") and cols["temperature"].category == "E"
    assert cols["code"].allowed == ("A1", "B2", "O'Neil") and cols["code"].max_length == 8
    assert cols["budget"].allowed == ()  # a range check is no value list
    assert (cols["tags"].category, cols["tags"].element_type) == ("A", "text")
    assert cols["score"].default == "0" and not cols["score"].required
    assert cols["pipeline_stage"].not_null and cols["pipeline_stage"].default == "'new'::text"
    assert cols["next_call"].category == "D" and cols["next_call"].comment == "Date de rappel"
    assert cols["email"].max_length == 254 and cols["email"].category == "S"
    assert cols["rank"].identity and not cols["rank"].writable
    assert cols["score_twice"].generated and not cols["score_twice"].writable
    assert not cols["id"].writable and not cols["import_job_id"].writable
    assert cols["status"].writable and cols["status"].default == "'new'::text"
    assert cols["country"].default == "'France'::character varying"
    assert list(cols)[0] == "id"  # in the table's order


def test_check_value_lists_as_postgres_prints_them() -> None:
    assert _check_values("CHECK ((status = ANY (ARRAY['a'::text, 'b c'::text])))") == ("status", ("a", "b c"))
    assert _check_values("CHECK (((kind)::text = ANY ((ARRAY['x'::character varying, 'y'::character varying])"
                         "::text[])))") == ("kind", ("x", "y"))
    assert _check_values("CHECK (((VALUE)::text = ANY ((ARRAY['A1'::character varying])::text[])))") == (
        "VALUE", ("A1",))
    assert _check_values("CHECK ((score >= 0))") is None
    assert _check_values("CHECK ((status = ANY (ARRAY['a'::text, lower(name)])))") is None


def test_columns_the_file_does_not_map_keep_the_crms_defaults(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    """A file without Source or Country: the CRM's ``source NOT NULL DEFAULT 'manual'`` no longer rejects
    every row, ``country`` gets the CRM's 'France', the app's columns their defaults; a mapped column's
    empty cell takes the default too, a filled one its value."""
    _app_crm(pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("UPDATE public.leads SET source = 'legacy' WHERE source IS NULL")
        conn.execute("ALTER TABLE public.leads ALTER COLUMN source SET DEFAULT 'manual',"
                     " ALTER COLUMN source SET NOT NULL")
        rep = conn.execute("SELECT id FROM public.profiles WHERE email = %s", (SALES[0],)).fetchone()
        assert rep is not None
        conn.execute(sql.SQL("ALTER TABLE public.leads ALTER COLUMN assigned_to SET DEFAULT {}::uuid")
                     .format(sql.Literal(str(rep[0]))))
    job = do_import(pg_dsn, write_leads_csv(tmp_path / "sans-source.csv", [lead(i) for i in range(3)]), store)
    assert job.imported_rows == 3, job
    got = query(pg_dsn, "SELECT source, country, pipeline_stage, score, status, assigned_to::text"
                        " FROM public.leads WHERE import_job_id = %s", (job.id,))
    assert got == [("manual", "France", "new", 0, "new", str(rep[0]))] * 3  # no assignment: the CRM's default

    rows = [lead(10, source="Salon", country="Belgique"), lead(11, source="", country="")]
    job = do_import(pg_dsn, write_leads_csv(tmp_path / "avec-source.csv", rows), store)
    assert job.imported_rows == 2, job
    got = query(pg_dsn, "SELECT import_row, source, country FROM public.leads WHERE import_job_id = %s"
                        " ORDER BY import_row", (job.id,))
    assert got == [(2, "Salon", "Belgique"), (3, "manual", "France")]


def test_an_update_import_leaves_unmapped_columns_alone(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    _app_crm(pg_dsn)
    first = do_import(pg_dsn, write_leads_csv(tmp_path / "a.csv", [lead(1, city="Lyon", country="Suisse")]), store)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("UPDATE public.leads SET status = 'contacted', score = 7 WHERE import_job_id = %s", (first.id,))
    second = do_import(pg_dsn, write_leads_csv(tmp_path / "b.csv", [lead(1, city="Paris")]), store,
                       on_duplicate="update")
    assert second.updated_rows == 1
    assert query(pg_dsn, "SELECT city, country, status, score FROM public.leads") == [
        ("Paris", "Suisse", "contacted", 7)]
