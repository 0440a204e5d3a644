"""The command line contract for import, resume, undo, history and db migrate (SPEC 10), run as a script
runs it: ``python -m crm_importer`` in a subprocess with its own data folder, against a real CRM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from leadfiles import (
    ADMIN,
    DECLARED,
    SALES,
    assignments,
    crm_job,
    error_lines,
    grant_crm_access,
    lead,
    one_json,
    popen_cli,
    query,
    run_cli,
    scalar,
    with_password,
    write_leads_csv,
)
from pgfixture import PasswordLogin, dsn_for

from crm_importer.crm import committer
from crm_importer.crm.connection import CrmError
from crm_importer.crm.schema import SCHEMA_VERSION, schema_version
from crm_importer.engine.errors import CancelledError
from crm_importer.engine.jobstore import JobStore
from crm_importer.engine.pipeline import Progress
from crm_importer.service import ImportRequest, run_import

IMPORT_KEYS = {"job_id", "status", "total_rows", "valid_rows", "invalid_rows", "imported_rows", "updated_rows",
               "duplicate_rows", "report"}


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """The data folder the CLI subprocesses use: the test's own (so the library sees the same store)."""
    return isolated_home


def leads_file(tmp_path: Path, n: int, name: str = "leads.csv", start: int = 0) -> Path:
    return write_leads_csv(tmp_path / name, [lead(i) for i in range(start, start + n)])


def import_args(path: Path, dsn: str, *extra: str, actor: str = ADMIN) -> list[str]:
    return ["import", str(path), "--db", dsn, "--as", actor, *extra]


def one_line_error(stderr: str) -> str:
    """Errors go to stderr as one sentence, never a traceback (after the notices: the job's id, said when it
    started, and that the tests' superuser login's identity is only declared)."""
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- the JSON contract and exit codes 0 / 1 -----------------------------------------------------------------
def test_import_json_contract_and_history(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    path = leads_file(tmp_path, 25)
    done = run_cli(home, *import_args(path, pg_dsn, "--assign", f"user:{SALES[0]}", "--json"))
    assert done.returncode == 0, done.stderr
    result = one_json(done.stdout)
    # No progress bar (stderr is not a terminal, and the run is shorter than a progress line's interval):
    # only the job's id, said as soon as the job exists, for a script killed later to resume it, after what the
    # tests' superuser login is told once: that the identity it imports as is only declared.
    [declared, started] = done.stderr.splitlines()
    assert DECLARED in declared
    assert started == f"Job {result['job_id'][:8]} ({path.name}); if it stops: crm-importer resume {result['job_id'][:8]}"
    assert IMPORT_KEYS <= set(result)
    assert {k: result[k] for k in IMPORT_KEYS - {"job_id"}} == {
        "status": "completed", "total_rows": 25, "valid_rows": 25, "invalid_rows": 0, "imported_rows": 25,
        "updated_rows": 0, "duplicate_rows": 0, "report": None,
    }
    assert set(assignments(pg_dsn, result["job_id"]).values()) == {SALES[0]}
    server = crm_job(pg_dsn, result["job_id"])
    assert (server["status"], server["imported_rows"]) == ("completed", 25)

    history = run_cli(home, "history", "--json")
    assert history.returncode == 0
    [entry] = one_json(history.stdout)
    for key in ("job_id", "file_name", "file_hash", "status", "created_at", "total_rows", "valid_rows",
                "invalid_rows", "imported_rows", "updated_rows", "duplicate_rows"):
        assert entry[key] == result.get(key, entry[key]), key
    assert entry["file_name"] == "leads.csv" and len(entry["file_hash"]) == 64


def test_import_with_rejected_rows_exits_1_and_writes_the_report(pg_dsn: str, tmp_path: Path,
                                                                 home: Path) -> None:
    existing = lead(3)
    query(pg_dsn, "INSERT INTO public.leads (email) VALUES (%s) RETURNING id", (existing["email"].upper(),))
    rows = [lead(i) for i in range(10)] + [lead(50, email="nope", phone="")] + [lead(51, email=lead(4)["email"])]
    path = write_leads_csv(tmp_path / "with-errors.csv", rows)
    report = tmp_path / "report.csv"
    done = run_cli(home, *import_args(path, pg_dsn, "--report", str(report), "--json"))
    assert done.returncode == 1, done.stderr
    result = one_json(done.stdout)
    assert (result["total_rows"], result["valid_rows"], result["invalid_rows"]) == (12, 11, 1)
    assert (result["imported_rows"], result["duplicate_rows"]) == (9, 2)  # one in the file, one in the CRM
    assert result["report"] == str(report)
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert [ln.split(";")[0] for ln in lines[1:]] == ["5", "12", "13"]

    text = run_cli(home, *import_args(leads_file(tmp_path, 3, "other.csv", start=100), pg_dsn))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Import ") and "completed: created: 3; updated: 0;" in text.stdout


def test_update_and_create_policies_from_the_command_line(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    query(pg_dsn, "INSERT INTO public.leads (email, city) VALUES ('ELODIE.LEFEVRE1@EXEMPLE.FR', 'Paris')"
                  " RETURNING id")
    path = leads_file(tmp_path, 3)
    done = run_cli(home, *import_args(path, pg_dsn, "--on-duplicate", "update", "--json"))
    assert done.returncode == 0, done.stderr
    result = one_json(done.stdout)
    assert (result["imported_rows"], result["updated_rows"], result["duplicate_rows"]) == (2, 1, 0)
    assert scalar(pg_dsn, "SELECT city FROM public.leads WHERE import_job_id IS NULL") == "Lyon"

    again = run_cli(home, *import_args(path, pg_dsn, "--on-duplicate", "create", "--dedupe", "email", "--yes",
                                       "--json"))
    assert again.returncode == 0, again.stderr
    assert one_json(again.stdout)["imported_rows"] == 3
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 6


# --- exit codes 2 / 3 / 4 -----------------------------------------------------------------------------------
def test_unusable_input_exits_2(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    no_contact = tmp_path / "no-contact.csv"
    no_contact.write_text("Prénom;Nom\nJean;Dupont\n", encoding="utf-8")
    done = run_cli(home, *import_args(no_contact, pg_dsn, "--json"))
    assert done.returncode == 2
    assert "maps to an email or a phone" in one_line_error(done.stderr)

    done = run_cli(home, *import_args(leads_file(tmp_path, 2), pg_dsn, "--assign", "everyone"))
    assert done.returncode == 2
    assert "--assign" in one_line_error(done.stderr)

    done = run_cli(home, *import_args(tmp_path / "missing.csv", pg_dsn))
    assert done.returncode == 2
    assert "does not exist" in one_line_error(done.stderr)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.import_jobs") == 0


def test_header_only_file_has_nothing_to_import(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    """Exit 0 and one sentence; nothing reaches the CRM and no job is left to resume."""
    path = tmp_path / "no-new-leads.csv"
    path.write_text("E-mail;Prénom;Nom\r\n", encoding="utf-8")
    done = run_cli(home, *import_args(path, pg_dsn, "--lang", "en"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"The file {path} has a header but no data rows: there is nothing to import."
    done = run_cli(home, *import_args(path, pg_dsn, "--json"))
    assert done.returncode == 0, done.stderr
    result = one_json(done.stdout)
    assert (result["status"], result["job_id"], result["total_rows"], result["imported_rows"]) == (
        "nothing_to_import", None, 0, 0)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.import_jobs") == 0
    with JobStore() as store:
        assert store.list_jobs() == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_crm_exits_3(tmp_path: Path, home: Path) -> None:
    dsn = f"host=127.0.0.1 port={_free_port()} dbname=crm user=admin connect_timeout=3"
    started = time.monotonic()
    done = run_cli(home, *import_args(leads_file(tmp_path, 2), dsn, "--json"))
    assert done.returncode == 3
    assert "Cannot reach the database server at 127.0.0.1" in one_line_error(done.stderr)
    assert time.monotonic() - started < 20


def test_non_admin_unknown_profile_and_missing_schema_exit_4(pg_dsn: str, pg_dsn_empty: str, tmp_path: Path,
                                                             home: Path) -> None:
    path = leads_file(tmp_path, 2)
    done = run_cli(home, *import_args(path, pg_dsn, actor=SALES[0]))
    assert done.returncode == 4
    assert "only an admin can import" in one_line_error(done.stderr)

    done = run_cli(home, *import_args(path, pg_dsn, actor="ghost@demo.crm-importer.test"))
    assert done.returncode == 4
    assert "No active CRM profile" in one_line_error(done.stderr)

    done = run_cli(home, *import_args(path, pg_dsn_empty))
    assert done.returncode == 4
    assert "db migrate" in one_line_error(done.stderr)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 0


def test_same_file_twice_exits_4_unless_yes(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    path = leads_file(tmp_path, 4)
    first = one_json(run_cli(home, *import_args(path, pg_dsn, "--json")).stdout)
    again = run_cli(home, *import_args(path, pg_dsn, "--json"))
    assert again.returncode == 4
    line = one_line_error(again.stderr)
    assert first["job_id"] in line and "--yes" in line
    forced = run_cli(home, *import_args(path, pg_dsn, "--yes", "--json"))
    assert forced.returncode == 0, forced.stderr
    result = one_json(forced.stdout)
    assert (result["imported_rows"], result["duplicate_rows"]) == (0, 4)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == 4


def test_errors_with_json_still_print_one_json_value(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    """Scripts parse stdout whatever happened: a refusal is one JSON value too, with no job."""
    done = run_cli(home, *import_args(leads_file(tmp_path, 2), pg_dsn, "--json", actor=SALES[1]))
    assert done.returncode == 4
    result = one_json(done.stdout)
    assert result["job_id"] is None and result["status"] == "refused"
    assert result["error"] == one_line_error(done.stderr)


# --- db migrate ---------------------------------------------------------------------------------------------
def test_db_migrate_json_is_idempotent(pg_dsn_empty: str, home: Path) -> None:
    first = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--json")
    assert first.returncode == 0, first.stderr
    done = one_json(first.stdout)
    assert (done["schema_version"], done["applied"]) == (SCHEMA_VERSION, list(range(1, SCHEMA_VERSION + 1)))
    assert done["changes"] and all(c["sentence"] and c["sql"] for c in done["changes"])
    second = run_cli(home, "db", "migrate", "--db", pg_dsn_empty, "--json")
    assert second.returncode == 0, second.stderr
    assert one_json(second.stdout) == {"schema_version": SCHEMA_VERSION, "applied": [], "changes": [], "notes": []}
    with psycopg.connect(pg_dsn_empty) as conn:
        assert schema_version(conn) == SCHEMA_VERSION
    text = run_cli(home, "db", "migrate", "--db", pg_dsn_empty)
    assert text.returncode == 0 and "applied: —" in text.stdout


def test_db_migrate_unknown_database_exits_2(pg_dsn_empty: str, home: Path) -> None:
    dsn = dsn_for(pg_dsn_empty, "no_such_database_here")
    done = run_cli(home, "db", "migrate", "--db", dsn, "--json")
    assert done.returncode == 2
    assert "no_such_database_here" in one_line_error(done.stderr)


# --- resume -------------------------------------------------------------------------------------------------
class CancelAfter:
    def __init__(self, batches: int) -> None:
        self.batches = batches

    def progress(self, p: Progress) -> None:
        if p.phase == "committing":
            self.batches -= 1

    def __call__(self) -> bool:
        return self.batches <= 0


def cancelled_import(path: Path, dsn: str, **options: object) -> str:
    """An import cancelled after its first commit batch (in this process, same data folder)."""
    cancel = CancelAfter(1)
    with pytest.raises(CancelledError) as info:
        run_import(ImportRequest(path, dsn, ADMIN, **options), progress=cancel.progress, is_cancelled=cancel)
    return info.value.job_id  # type: ignore[attr-defined]


def test_resume_json_contract(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    n = committer.COMMIT_ROWS * 2 + 100
    path = leads_file(tmp_path, n)
    job_id = cancelled_import(path, pg_dsn, assign="round-robin:" + ",".join(SALES))
    # Cancelled after its first batch: the batch committed beside it goes in too; two are left. Four
    # batches of one size: 10,100 rows by at most 5,000, as many as fill every round of two.
    batches = query(pg_dsn, "SELECT batch_no, row_count FROM public.import_batches ORDER BY batch_no")
    assert [no for no, _ in batches] in ([0], [0, 1][:committer.COMMIT_CONNECTIONS])
    assert all(count in (n // 4, n // 4 + 1) for _, count in batches)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == sum(count for _, count in batches)
    [entry] = one_json(run_cli(home, "history", "--json").stdout)
    assert (entry["job_id"], entry["status"]) == (job_id, "cancelled")

    done = run_cli(home, "resume", job_id[:8], "--json")
    assert done.returncode == 0, done.stderr
    result = one_json(done.stdout)
    assert IMPORT_KEYS <= set(result)
    assert (result["job_id"], result["status"], result["imported_rows"], result["total_rows"]) == (
        job_id, "completed", n, n)
    rows = query(pg_dsn, "SELECT count(*), count(DISTINCT import_row) FROM public.leads")
    assert rows == [(n, n)]
    owners = list(assignments(pg_dsn, job_id).values())
    assert max(owners.count(s) for s in SALES) - min(owners.count(s) for s in SALES) <= 1

    again = run_cli(home, "resume", job_id, "--json")
    assert again.returncode == 2
    assert "nothing to resume" in one_line_error(again.stderr)
    missing = run_cli(home, "resume", "no-such-job")
    assert missing.returncode == 2
    assert "There is no import job" in one_line_error(missing.stderr)


def test_ctrl_c_mid_commit_says_how_to_resume(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    path = leads_file(tmp_path, committer.COMMIT_ROWS * 4)  # 4 batches: 2 rounds of 2
    # Ctrl+C comes while the first round is in the CRM (its second batch held up by a trigger on one of its
    # rows), however fast the machine: that round ends, the second is never sent.
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION crm_test_hold() RETURNS trigger LANGUAGE plpgsql AS $$"
                     " BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$")
        conn.execute(f"CREATE TRIGGER crm_test_hold BEFORE INSERT ON public.leads FOR EACH ROW"
                     f" WHEN (NEW.import_row = {committer.COMMIT_ROWS + 1000}) EXECUTE FUNCTION crm_test_hold()")
    proc = popen_cli(home, *import_args(path, pg_dsn, "--json"))
    try:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            deadline = time.monotonic() + 120
            while not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
                                   " AND pid <> pg_backend_pid()").fetchone()[0]:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    with JobStore() as store:
        [job] = store.list_jobs()
    assert f"crm-importer resume {job.id}" in one_line_error(err)
    assert job.status == "interrupted" and job.committed_batches == 2
    result = one_json(out)
    assert (result["job_id"], result["status"]) == (job.id, "interrupted")

    done = run_cli(home, "resume", job.id, "--json")
    assert done.returncode == 0, done.stderr
    assert one_json(done.stdout)["imported_rows"] == committer.COMMIT_ROWS * 4
    assert query(pg_dsn, "SELECT count(*), count(DISTINCT import_row) FROM public.leads") == [
        (committer.COMMIT_ROWS * 4,) * 2]


# --- undo ---------------------------------------------------------------------------------------------------
def test_undo_from_the_command_line(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    result = one_json(run_cli(home, *import_args(leads_file(tmp_path, 5), pg_dsn, "--json")).stdout)
    job_id = result["job_id"]
    refused = run_cli(home, "undo", job_id, "--db", pg_dsn, "--as", SALES[2], "--json")
    assert refused.returncode == 4
    one_line_error(refused.stderr)
    edited = query(pg_dsn, "UPDATE public.leads SET notes = 'rappelé' WHERE import_row = 4 RETURNING id")[0][0]
    # A deal made on another lead since: that lead stays too.
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.deals (id serial PRIMARY KEY, lead_id uuid REFERENCES public.leads(id))")
        dealt = conn.execute("INSERT INTO public.deals (lead_id) SELECT id FROM public.leads WHERE import_row = 6"
                             " RETURNING lead_id").fetchone()[0]

    done = run_cli(home, "undo", job_id, "--db", pg_dsn, "--as", ADMIN, "--lang", "fr")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Annulé : 3 leads supprimés, 0 restaurés, 1 conservés car modifiés depuis.",
        "1 lead conservé car d’autres fiches du CRM y font référence (crm-importer undo --json le liste).",
    ]
    assert sorted(str(i) for (i,) in query(pg_dsn, "SELECT id FROM public.leads")) == sorted([str(edited), str(dealt)])
    [entry] = one_json(run_cli(home, "history", "--json").stdout)
    assert entry["status"] == "undone"


# --- secrets ------------------------------------------------------------------------------------------------
@pytest.fixture
def password_crm(pg_dsn: str, pg_password_login: PasswordLogin) -> PasswordLogin:
    return grant_crm_access(pg_dsn, pg_password_login)


def secret_forms(password: str) -> list[str]:
    return [password, quote(password, safe=""), quote(password), password[:6]]


def assert_no_secret(text: str | bytes, password: str, where: str) -> None:
    for form in secret_forms(password):
        needle = form.encode() if isinstance(text, bytes) else form
        assert needle not in text, f"password found in {where}"


@pytest.mark.parametrize("uri", [False, True], ids=["key-value", "uri"])
def test_password_never_appears_anywhere(password_crm: PasswordLogin, pg_dsn: str, tmp_path: Path, home: Path,
                                         uri: bool) -> None:
    login = password_crm
    dsn = with_password(login, login.password, uri)
    rows = [lead(i) for i in range(6)] + [lead(9, email="bad", phone="")]
    path = write_leads_csv(tmp_path / "leads.csv", rows)
    outputs: list[tuple[str, str]] = []

    done = run_cli(home, *import_args(path, dsn, "--json"))
    assert done.returncode == 1, done.stderr
    result = one_json(done.stdout)
    assert (result["status"], result["imported_rows"]) == ("completed", 6)
    outputs += [("import stdout", done.stdout), ("import stderr", done.stderr)]
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads WHERE import_job_id = %s", (result["job_id"],)) == 6
    assert crm_job(pg_dsn, result["job_id"])["status"] == "completed"

    again = run_cli(home, *import_args(path, dsn, "--debug"))
    assert again.returncode == 4
    outputs += [("refusal", again.stdout + again.stderr)]
    wrong = with_password(login, "Wr0ng-" + login.password, uri)
    for extra in ([], ["--debug"], ["--json"]):
        bad = run_cli(home, *import_args(path, wrong, "--yes", *extra))
        assert bad.returncode == 2
        outputs += [("wrong password", bad.stdout + bad.stderr)]
        assert_no_secret(bad.stdout + bad.stderr, "Wr0ng-" + login.password, "wrong password output")
    with pytest.raises(CrmError) as info:
        run_import(ImportRequest(path, wrong, ADMIN, confirm_reimport=True))
    exc_text = f"{info.value} {info.value!r} {info.value.text('fr')} {info.value.params!r}"
    assert_no_secret(exc_text, "Wr0ng-" + login.password, "the exception")
    outputs += [("exception", exc_text)]
    history = run_cli(home, "history", "--json")
    outputs += [("history", history.stdout)]
    undo = run_cli(home, "undo", result["job_id"], "--db", dsn, "--as", ADMIN, "--json")
    assert undo.returncode == 0, undo.stderr
    outputs += [("undo", undo.stdout + undo.stderr)]

    for where, text in outputs:
        assert_no_secret(text, login.password, where)
    assert_no_secret(Path(result["report"]).read_bytes(), login.password, "the report")
    for file in (home / "data").glob("jobs.sqlite3*"):
        assert_no_secret(file.read_bytes(), login.password, file.name)
    with sqlite3.connect(home / "data" / "jobs.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    assert_no_secret(dump, login.password, "the job store")
    server = "\n".join(str(r) for r in query(pg_dsn, "SELECT row_to_json(j)::text FROM public.import_jobs j"))
    assert_no_secret(server, login.password, "import_jobs")


def test_resume_of_a_job_whose_dsn_had_a_password(password_crm: PasswordLogin, pg_dsn: str, tmp_path: Path,
                                                  home: Path) -> None:
    """The job store keeps the DSN without its password; resume gets it again the libpq way."""
    login = password_crm
    n = committer.COMMIT_ROWS * committer.COMMIT_CONNECTIONS + 10  # a round of batches side by side, and one more
    job_id = cancelled_import(leads_file(tmp_path, n), with_password(login, login.password, uri=False),
                              assign="round-robin:" + ",".join(SALES))
    with JobStore() as store:
        target = store.get_job(job_id).crm_target
    assert login.password not in target

    no_password = run_cli(home, "resume", job_id, "--json")
    assert no_password.returncode == 2
    assert "password" in one_line_error(no_password.stderr)
    done = run_cli(home, "resume", job_id, "--json", PGPASSWORD=login.password)
    assert done.returncode == 0, done.stderr
    assert one_json(done.stdout)["imported_rows"] == n
    assert_no_secret(done.stdout + done.stderr, login.password, "resume output")
    # Round-robin went on where the first run stopped: it read the ledger through row-level security.
    owners = list(assignments(pg_dsn, job_id).values())
    assert sorted(owners.count(s) for s in SALES) == sorted(n // 3 + (i < n % 3) for i in range(3))


def test_progress_bar_only_on_a_terminal(pg_dsn: str, tmp_path: Path, home: Path) -> None:
    """With stderr a terminal the bar is drawn there; stdout keeps exactly one JSON value."""
    import pty
    import subprocess
    import sys

    from leadfiles import ROOT, cli_env

    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "crm_importer", *import_args(leads_file(tmp_path, 30), pg_dsn, "--json")],
            env=cli_env(home), cwd=str(ROOT), stdout=subprocess.PIPE, stderr=secondary, stdin=subprocess.DEVNULL,
            text=True, timeout=120,
        )
        os.close(secondary)
        secondary = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    assert proc.returncode == 0
    assert one_json(proc.stdout)["imported_rows"] == 30
    assert b"Importing" in drawn and b"100.0%" in drawn


def test_unknown_owners_are_named_before_the_commit(pg_dsn: str, home: Path, tmp_path: Path) -> None:
    """By column: owners that match no profile are said on stderr (not a log line) and listed in the JSON."""
    from test_commit import owner_file

    out = run_cli(home, *import_args(owner_file(tmp_path), pg_dsn, "--assign", "column:Commercial", "--json"))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert sorted(o.casefold() for o in data["unknown_owners"]) == ["inconnu durand", "x@nowhere.fr"]
    assert "2 owners match no active CRM profile" in out.stderr
    assert "stay unassigned" in out.stderr
    out = run_cli(home, *import_args(owner_file(tmp_path), pg_dsn, "--assign", "column:Commercial", "--yes",
                                     "--unknown-owner", "user:david.leroy@demo.crm-importer.test", "--lang", "fr"))
    assert out.returncode == 0, out.stderr
    assert "attribués à david.leroy@demo.crm-importer.test" in out.stderr


@pytest.mark.parametrize(("lang", "said"), [("fr", "CRM indisponible (injected) ; nouvel essai n° 1 dans"),
                                           ("en", "CRM unavailable (injected); retry 1 in")])
def test_retries_are_told_in_the_users_language(pg_dsn: str, lang: str, said: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A retry is what the user sees while the CRM is away: one line on stderr, in --lang, every time."""
    from crm_importer import cli
    from crm_importer.crm.link import CrmLink

    failures = [psycopg.OperationalError("injected")]

    def flaky(conn: psycopg.Connection) -> int:
        if failures:
            raise failures.pop()
        return int(conn.execute("SELECT 1").fetchone()[0])

    cli._log_to_stderr(lang, debug=False)
    cli._log_to_stderr(lang, debug=False)  # a second run in the same process: still one line
    link = CrmLink(pg_dsn, sleep=lambda _s: None)
    try:
        assert link.retrying(flaky) == 1
    finally:
        link.close()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(said), lines


def test_a_cancel_ends_a_retry_wait(pg_dsn: str) -> None:
    """While the CRM is away the link waits up to 20 s between attempts: a cancel (the GUI's button, the
    CLI's Ctrl+C) ends that wait at its next step, not when the wait is over."""
    from crm_importer.crm.link import RETRY_STEP, CrmLink

    slept: list[float] = []
    link = CrmLink(pg_dsn, sleep=slept.append, base_delay=10.0)
    link.is_cancelled = lambda: len(slept) >= 3

    def down(_conn: psycopg.Connection) -> None:
        raise psycopg.OperationalError("injected")

    try:
        with pytest.raises(CancelledError):
            link.retrying(down)
    finally:
        link.close()
    assert len(slept) == 3 and all(0 < s <= RETRY_STEP for s in slept), slept
