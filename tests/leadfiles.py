"""Realistic lead files and CRM fixtures for the commit tests: real CSVs, real rows in a real CRM.

``HEADERS`` are the French headers a trade-show export carries (auto-mapped by the importer); rows are
dicts keyed by CRM field so a test says what it means. ``write_generated`` reuses the benchmark's
generator (mixed phone formats, ~2 % invalid rows, ~3 % in-file duplicates).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl
import psycopg
from pgfixture import PasswordLogin
from psycopg.conninfo import conninfo_to_dict

from crm_importer.bench import generate_frame
from crm_importer.crm.demo import DEMO_PROFILES
from crm_importer.engine.jobstore import COMPLETED, Job, JobStore
from crm_importer.service import ImportRequest, run_import

ROOT = Path(__file__).resolve().parent.parent

#: Field -> French header, in the order of a typical export (auto-mapped, SPEC 4).
HEADERS: dict[str, str] = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "email": "E-mail",
    "phone": "Téléphone",
    "company": "Société",
    "job_title": "Fonction",
    "city": "Ville",
    "postal_code": "Code postal",
    "country": "Pays",
    "source": "Source",
    "external_id": "ID externe",
    "notes": "Commentaire",
}

ADMIN = DEMO_PROFILES[0].email
SALES = [p.email for p in DEMO_PROFILES[1:]]
PROFILE_ID = {p.email: str(p.id) for p in DEMO_PROFILES}
PROFILE_NAME = {p.email: p.full_name for p in DEMO_PROFILES}
ADMIN_ID = PROFILE_ID[ADMIN]

#: Lead columns compared by the undo snapshot (everything but the timestamps).
SNAPSHOT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "city",
    "postal_code",
    "country",
    "source",
    "external_id",
    "notes",
    "status",
    "assigned_to",
    "created_by",
    "import_job_id",
    "import_row",
)


def lead(i: int, **overrides: str) -> dict[str, str]:
    """Lead number ``i`` of a file: a unique email, phone and external id, French accents included."""
    row = {
        "first_name": f"Élodie{i}",
        "last_name": f"Lefèvre{i}",
        "email": f"elodie.lefevre{i}@exemple.fr",
        "phone": f"06 12 {i // 10_000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}",
        "company": f"Société {i % 13}",
        "city": "Lyon",
        "external_id": f"EXT-{i}",
    }
    row.update(overrides)
    return row


def e164(i: int) -> str:
    """The E.164 form of :func:`lead`'s phone ``i``."""
    return f"+33612{i // 10_000 % 100:02d}{i // 100 % 100:02d}{i % 100:02d}"


def write_leads_csv(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    fields: Sequence[str] | None = None,
    extra_headers: Sequence[str] = (),
    delimiter: str = ";",
) -> Path:
    """``rows`` (dicts by CRM field, or by header for ``extra_headers``) as a UTF-8 CSV with French headers."""
    rows = list(rows)
    fields = list(fields or [f for f in HEADERS if any(f in r for r in rows)])
    header = [HEADERS[f] for f in fields] + list(extra_headers)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(f, "") for f in fields] + [r.get(h, "") for h in extra_headers])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_generated(
    path: Path,
    n: int,
    *,
    seed: int = 1,
    invalid: float = 0.02,
    dups: float = 0.03,
    id_offset: int = 0,
    chunk: int = 200_000,
) -> Path:
    """A realistic ``n``-row export (the benchmark's generator), written in chunks."""
    with path.open("wb") as f:
        for start in range(0, n, chunk):
            frame = generate_frame(
                min(chunk, n - start), seed + start, invalid=invalid, dups=dups, id_offset=id_offset + start
            )
            buf = io.BytesIO()
            frame.write_csv(buf, separator=";", include_header=start == 0)
            f.write(buf.getvalue())
    return path


# --- the CRM side ------------------------------------------------------------------------------------------
def refuse(dsn: str, when: str, table: str, message: str, errcode: str = "P0001") -> None:
    """A trigger that makes the server refuse every row ``when`` (``BEFORE INSERT``, ``BEFORE DELETE``…)
    on ``table``, with ``message``: the CRM's own rule, as a real CRM could have one."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION crm_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                     f" RAISE EXCEPTION '{message}' USING ERRCODE = '{errcode}'; END $$")
        conn.execute(f"CREATE TRIGGER crm_test_refuse {when} ON {table} FOR EACH ROW EXECUTE FUNCTION crm_test_refuse()")


def insert_leads(dsn: str, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Leads typed by people straight into the CRM (not through the importer); returns their ids."""
    ids = []
    with psycopg.connect(dsn) as conn:
        for r in rows:
            cols = list(r)
            query = "INSERT INTO public.leads ({}) VALUES ({}) RETURNING id".format(
                ", ".join(cols), ", ".join(["%s"] * len(cols))
            )
            ids.append(str(conn.execute(query, [r[c] for c in cols]).fetchone()[0]))
    return ids


def query(dsn: str, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(dsn: str, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
    return query(dsn, sql, params)[0][0]


def server_batches(dsn: str) -> list[int]:
    """The ledger's batch numbers, in order (every job's)."""
    return [b for (b,) in query(dsn, "SELECT batch_no FROM public.import_batches ORDER BY batch_no")]


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60, importer: Any | None = None) -> None:
    """Until ``check()``; fails after ``timeout`` seconds, or as soon as ``importer`` (a process with
    ``alive()``, ``proc`` and ``err``) has ended."""
    deadline = time.monotonic() + timeout
    while not check():
        if importer is not None and not importer.alive():
            code = importer.proc.returncode
            raise AssertionError(f"the importer ended ({code}) before {what}: {importer.err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)


def grant_crm_access(dsn: str, login: PasswordLogin, email: str = "admin@demo.crm-importer.test") -> PasswordLogin:
    """``login`` (a role that must give its password) may work in this CRM as an app would, as the profile
    ``email`` (what ``crm-importer db grant`` does): not the tables' owner, so row-level security applies to
    it. Returns its DSN for this CRM, without the password."""
    from crm_importer.crm.logins import grant

    with psycopg.connect(dsn, autocommit=True) as conn:
        grant(conn, login.user, email)
    from pgfixture import dsn_for

    dbname = conninfo_to_dict(dsn)["dbname"]
    return PasswordLogin(dsn_for(dsn, dbname, user=login.user), login.user, login.password)


def with_password(login: PasswordLogin, password: str, uri: bool = False) -> str:
    """The login's DSN with ``password`` in it, as key=value pairs or as a URI."""
    from pgfixture import dsn_for

    params = conninfo_to_dict(login.dsn)
    if uri:
        return (f"postgresql://{login.user}:{quote(password, safe='')}@/{params['dbname']}"
                f"?host={quote(params['host'], safe='/')}")
    return dsn_for(login.dsn, params["dbname"], password=password)


def snapshot(dsn: str) -> pl.DataFrame:
    """The leads table without its timestamps, sorted by id: what an undo must give back exactly."""
    cols = ", ".join(f"{c}::text" for c in SNAPSHOT_COLUMNS)
    rows = query(dsn, f"SELECT {cols} FROM public.leads ORDER BY id")
    return pl.DataFrame(rows, schema=list(SNAPSHOT_COLUMNS), orient="row")


def assignments(dsn: str, job_id: str) -> dict[int, str | None]:
    """import_row -> assigned profile email, for the leads a job created."""
    return {
        row: email
        for row, email in query(
            dsn,
            "SELECT l.import_row, p.email FROM public.leads l LEFT JOIN public.profiles p ON p.id = l.assigned_to"
            " WHERE l.import_job_id = %s",
            (job_id,),
        )
    }


# --- importing through the library ------------------------------------------------------------------------
def do_import(dsn: str, path: Path, store: JobStore, **options: Any) -> Job:
    actor = options.pop("actor", ADMIN)
    return run_import(ImportRequest(path, dsn, actor, **options), store=store)


def crm_job(dsn: str, job_id: str) -> dict[str, Any]:
    rows = query(dsn, "SELECT row_to_json(j) FROM public.import_jobs j WHERE id = %s", (job_id,))
    assert len(rows) == 1
    return rows[0][0]


def check_audit(dsn: str, store: JobStore, job: Job) -> None:
    """Every lead and history row of the job carries the actor and the job; the server agrees with the store."""
    assert job.status == COMPLETED
    leads = query(dsn, "SELECT id, created_by::text, import_row FROM public.leads WHERE import_job_id = %s",
                  (job.id,))
    assert len(leads) == job.imported_rows
    assert all(created_by == ADMIN_ID and row is not None for _, created_by, row in leads)
    assert len({row for _, _, row in leads}) == len(leads)
    created = query(
        dsn,
        "SELECT lead_id, actor_id::text, (changes->>'import_row')::int FROM public.lead_history"
        " WHERE import_job_id = %s AND event = 'created'",
        (job.id,),
    )
    assert sorted((str(i), r) for i, _, r in created) == sorted((str(i), r) for i, _, r in leads)
    assert all(actor == ADMIN_ID for _, actor, _ in created)
    updated = scalar(dsn, "SELECT count(*) FROM public.lead_history WHERE import_job_id = %s AND event = 'updated'",
                     (job.id,))
    assert updated == job.updated_rows
    server = crm_job(dsn, job.id)
    assert server["status"] == "completed" and server["completed_at"]
    assert server["created_by"] == ADMIN_ID and server["file_hash"] == job.file_hash
    assert server["error_report_path"] == job.report_path
    for name in ("total_rows", "valid_rows", "invalid_rows", "duplicate_rows", "imported_rows", "updated_rows",
                 "skipped_rows", "rejected_rows"):
        assert server[name] == getattr(job, name), name
    assert scalar(dsn, "SELECT count(*) FROM public.import_batches WHERE job_id = %s", (job.id,)) == \
        job.commit_total_batches == job.committed_batches
    assert job.total_rows == job.valid_rows + job.invalid_rows
    assert job.valid_rows == (job.duplicate_rows + job.imported_rows + job.updated_rows + job.skipped_rows
                              + job.rejected_rows)


# --- the CLI in a subprocess ----------------------------------------------------------------------------
def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CRM_IMPORTER_HOME": str(home), "CRM_IMPORTER_LANG": "en", "PYTHONPATH": str(ROOT)})
    env.pop("CRM_IMPORTER_DEBUG", None)
    env.update(extra)
    return env


#: The line ``import`` writes on stderr as soon as its job exists (English, French): said before any error.
JOB_STARTED = re.compile(r"(Job|Traitement) [0-9a-f]{8} \(.*\) ?; (if it stops|s’il s’arrête) ?: crm-importer resume [0-9a-f]{8}")


#: The tests' CRM login is a superuser: each run that signs in says once that its identity is only declared.
DECLARED = "bypasses row-level security: the import will be recorded as"


def error_lines(stderr: str) -> list[str]:
    """The non-empty lines of ``stderr`` but its notices: the job's id said at the start, and that the
    identity of a login that bypasses row-level security is only declared."""
    return [line for line in stderr.splitlines()
            if line.strip() and not JOB_STARTED.fullmatch(line) and DECLARED not in line]


def run_cli(home: Path, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m crm_importer ARGS`` with its own data folder; stdin is not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "crm_importer", *args],
        env=cli_env(home, **env),
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def popen_cli(home: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crm_importer", *args],
        env=cli_env(home, **env),
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def one_json(stdout: str) -> Any:
    """Exactly one JSON value on stdout (SPEC 10), parsed."""
    text = stdout.strip()
    assert text, "nothing on stdout"
    value, end = json.JSONDecoder().raw_decode(text)
    assert text[end:].strip() == "", f"more than one JSON value on stdout: {text[:300]!r}"
    return value


def new_id() -> str:
    return str(uuid.uuid4())


# --- more fresh CRMs in one test --------------------------------------------------------------------------
@contextmanager
def fresh_crms(pg_server: str, pg_template: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh CRM databases (schema + demo profiles), each dropped at the end."""
    from pgfixture import _create_database, _drop_database, dsn_for

    names: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex}"
        _create_database(pg_server, name, template=pg_template)
        names.append(name)
        return dsn_for(pg_server, name)

    try:
        yield make
    finally:
        for name in names:
            _drop_database(pg_server, name)
