"""The CRM's own leads table (issue 11): its columns read from the catalog, its defaults kept on import."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from leadfiles import ADMIN, SALES, do_import, lead, query, write_leads_csv
from psycopg import sql

from crm_importer import service
from crm_importer.crm.columns import _check_values, read_lead_columns
from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.jobstore import JobStore
from crm_importer.service import undo_import

#: The app's own columns, one of each kind an existing CRM has (the seed plan's CRM and beyond).
APP_COLUMNS = """
CREATE TYPE public.lead_temperature AS ENUM ('hot', 'warm', 'cold');
CREATE DOMAIN public.short_code AS varchar(8) CHECK (VALUE IN ('A1', 'B2', 'O''Neil'));
ALTER TABLE public.leads
    ADD CONSTRAINT leads_status_list CHECK (status IN ('new', 'contacted', 'qualified', 'lost')),
    ADD COLUMN stage text CHECK (stage = ANY (ARRAY['lead'::text, 'deal'::text])),
    ADD COLUMN tags text[],
    ADD COLUMN labels varchar(20)[],
    ADD COLUMN met_at timestamptz,
    ADD COLUMN opted_in boolean,
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
    assert (cols["tags"].category, cols["tags"].base_type, cols["tags"].kind) == ("A", "text", "array")
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
    kinds = {name: c.kind for name, c in cols.items()}
    assert [kinds[n] for n in ("score", "budget", "next_call", "met_at", "opted_in", "temperature", "status",
                               "pipeline_stage", "labels", "code")] == [
        "integer", "number", "date", "timestamp", "boolean", "choice", "choice", "text", "array", "choice"]
    assert (cols["budget"].precision, cols["budget"].scale) == (12, 2)
    assert cols["labels"].max_length == 20 and cols["labels"].base_type == "character varying"


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


# --- the CRM's own columns, typed, end to end ----------------------------------------------------------------
CUSTOM_CRM = """
CREATE TYPE public.lead_temperature AS ENUM ('hot', 'warm', 'cold');
ALTER TABLE public.leads
    ADD COLUMN next_call date,
    ADD COLUMN score numeric(5, 1) NOT NULL DEFAULT 0,
    ADD COLUMN temperature public.lead_temperature,
    ADD COLUMN tags text[],
    ADD COLUMN opted_in boolean,
    ADD COLUMN pipeline_stage text NOT NULL DEFAULT 'new',
    ALTER COLUMN country SET DEFAULT 'France';
COMMENT ON COLUMN public.leads.next_call IS 'Date de rappel';
"""
CUSTOM_HEADERS = ["Date de rappel", "Score", "Température", "Tags", "Inscrit"]
TEMPERATURE_MAPPING = {"Température": {"field": "temperature", "values": {"Chaud": "hot", "Froid": "cold"}},
                       "Inscrit": "opted_in"}


def _custom_file(tmp_path: Path, name: str, cells: list[dict[str, str]]) -> Path:
    rows = [{**lead(i), **c} for i, c in enumerate(cells)]
    return write_leads_csv(tmp_path / name, rows, fields=["first_name", "last_name", "email", "phone"],
                           extra_headers=CUSTOM_HEADERS)


def test_a_french_file_fills_the_crms_own_columns_with_typed_values(pg_dsn: str, store: JobStore,
                                                                   tmp_path: Path) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(CUSTOM_CRM)
    good = [
        {"Date de rappel": "31/12/2026", "Score": "12,5", "Température": "Chaud", "Tags": "salon; vip", "Inscrit": "oui"},
        {"Date de rappel": "05/01/2027", "Score": "", "Température": "froid", "Tags": "", "Inscrit": "non"},
    ]
    bad = [
        {"Date de rappel": "31/02/2026"},
        {"Score": "beaucoup"},
        {"Score": "123456"},  # numeric(5, 1): four digits before the point at most
        {"Température": "Tiède"},
        {"Inscrit": "peut-être"},
    ]
    path = _custom_file(tmp_path, "salon.csv", good + bad)
    job = do_import(pg_dsn, path, store, mapping_json=TEMPERATURE_MAPPING)
    assert (job.imported_rows, job.invalid_rows) == (2, 5), job
    got = query(pg_dsn, "SELECT import_row, next_call::text, score::text, temperature::text, tags, opted_in,"
                        " pipeline_stage, country FROM public.leads WHERE import_job_id = %s ORDER BY import_row",
                (job.id,))
    assert got == [
        (2, "2026-12-31", "12.5", "hot", ["salon", "vip"], True, "new", "France"),
        (3, "2027-01-05", "0.0", "cold", None, False, "new", "France"),  # an empty score: the CRM's default
    ]
    errors = {i.row_no: [(e.code, e.column, e.value, e.params) for e in i.errors]
              for i in store.issues(job.id, statuses=["invalid"])}
    assert errors == {
        4: [("invalid_date", "Date de rappel", "31/02/2026", {"format": "DD/MM/YYYY"})],
        5: [("invalid_number", "Score", "beaucoup", {})],
        6: [("number_out_of_range", "Score", "123456", {"type": "numeric(5,1)"})],
        7: [("not_in_list", "Température", "Tiède", {"allowed": "hot, warm, cold"})],
        8: [("invalid_boolean", "Inscrit", "peut-être", {})],
    }
    assert store.get_job(job.id).options["rules"]["next_call"] == {"date_order": "dmy", "date_decided_by": "values"}


def test_an_update_of_the_crms_own_columns_is_undone_exactly(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(CUSTOM_CRM)
    first = {"Date de rappel": "31/12/2026", "Score": "12,5", "Température": "Chaud", "Tags": "salon", "Inscrit": "x"}
    do_import(pg_dsn, _custom_file(tmp_path, "a.csv", [first]), store, mapping_json=TEMPERATURE_MAPPING)
    before = query(pg_dsn, "SELECT next_call, score, temperature::text, tags, opted_in FROM public.leads")
    again = {"Date de rappel": "15/01/2027", "Score": "7", "Température": "", "Tags": "vip; rappel", "Inscrit": "non"}
    job = do_import(pg_dsn, _custom_file(tmp_path, "b.csv", [again]), store, mapping_json=TEMPERATURE_MAPPING,
                    on_duplicate="update")
    assert job.updated_rows == 1
    assert query(pg_dsn, "SELECT next_call::text, score::text, temperature::text, tags, opted_in FROM public.leads") == [
        ("2027-01-15", "7.0", "hot", ["vip", "rappel"], False)]  # an empty cell changes nothing
    (changes,) = query(pg_dsn, "SELECT changes->'fields' FROM public.lead_history WHERE import_job_id = %s"
                               " AND event = 'updated'", (job.id,))[0]
    assert changes["score"] == {"old": 12.5, "new": 7.0} and changes["tags"]["old"] == ["salon"]
    undo_import(job.id, dsn=pg_dsn, actor_email=ADMIN, store=store)
    assert query(pg_dsn, "SELECT next_call, score, temperature::text, tags, opted_in FROM public.leads") == before


def test_dates_that_read_both_ways_are_read_by_the_region_and_said(pg_dsn: str, store: JobStore,
                                                                   tmp_path: Path) -> None:
    """Every date of the column reads both ways: a US file is read month first; a rule in the mapping
    turns it; an offline validation checks against the CRM last used and says so."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(CUSTOM_CRM)
    path = _custom_file(tmp_path, "us.csv", [{"Date de rappel": "05/04/2026"}, {"Date de rappel": "01/02/2026"}])
    job = do_import(pg_dsn, path, store, region="US")
    assert query(pg_dsn, "SELECT next_call::text FROM public.leads WHERE import_job_id = %s ORDER BY import_row",
                 (job.id,)) == [("2026-05-04",), ("2026-01-02",)]
    assert job.options["rules"]["next_call"] == {"date_order": "mdy", "date_decided_by": "region"}
    offline = service.validate(path, store, mapping_json={"Date de rappel": {"field": "next_call",
                                                                              "date_order": "dmy"}})
    assert offline.options["crm_schema"]["source"] == "crm"
    assert offline.options["rules"]["next_call"] == {"date_order": "dmy", "date_decided_by": "user"}
    assert offline.invalid_rows == 0


def test_a_column_the_crm_requires_must_be_mapped(pg_dsn: str, store: JobStore, tmp_path: Path) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.leads ADD COLUMN segment text NOT NULL DEFAULT 'x'")
        conn.execute("ALTER TABLE public.leads ALTER COLUMN segment DROP DEFAULT")
    path = write_leads_csv(tmp_path / "a.csv", [lead(1)])
    with pytest.raises(UnusableFileError) as refused:
        do_import(pg_dsn, path, store)
    assert refused.value.code == "required_unmapped" and refused.value.params["columns"] == "segment"
    assert "segment" in refused.value.text("fr") and "NOT NULL" in refused.value.text("en")
    job = do_import(pg_dsn, write_leads_csv(tmp_path / "b.csv", [lead(1, notes="")], extra_headers=["Segment"]),
                    store)
    assert (job.imported_rows, job.invalid_rows) == (0, 1)
    assert [e.code for e in store.issues(job.id)[0].errors] == ["required_missing"]
