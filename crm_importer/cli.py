"""The command line: a thin layer over the engine that turns library errors into one clear line.

Contract (SPEC 10, scripts rely on it): sub-commands, ``--json`` printing exactly one JSON value on
stdout, exit codes. Without arguments it opens the GUI.
"""

from __future__ import annotations

import argparse
import functools
import json
import locale
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from crm_importer import __version__
from crm_importer.engine.errors import CancelledError, ImporterError, UnusableFileError
from crm_importer.engine.fields import DEDUPE_KEYS
from crm_importer.engine.jobstore import Job, JobStore
from crm_importer.engine.pipeline import Progress
from crm_importer.engine.readers import ReadOptions
from crm_importer.engine.validate import ValidationOptions
from crm_importer.messages import PHASES, message

EXIT_OK, EXIT_ROWS_REJECTED, EXIT_UNUSABLE, EXIT_NOT_COMPLETED, EXIT_REFUSED = 0, 1, 2, 3, 4


def default_lang() -> str:
    for var in ("CRM_IMPORTER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "fr" if loc.lower().startswith("fr") else "en"


class CtrlC:
    """Ctrl+C during an import, resume or undo, delivered where the engine can stop cleanly.

    Python raises KeyboardInterrupt wherever the main thread happens to be, including inside psycopg
    between a statement and its reply, where the rollback that follows can wait for ever. Here the first
    Ctrl+C only records the request; the engine asks for it (its cancel callback) between batches and
    during a retry's wait, and it then becomes the KeyboardInterrupt that the commit turns into a
    resumable, "interrupted" job. A second Ctrl+C interrupts at once, as usual.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_signal(self, _signum: int, _frame: object) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if sys.stderr.isatty():
            print(f"\n{message('stopping', self.lang)}", file=sys.stderr, flush=True)

    def __call__(self) -> bool:
        """The engine's cancel callback: raises the deferred KeyboardInterrupt at a safe point."""
        if self.requested:
            raise KeyboardInterrupt
        return False


class ProgressBar:
    """Progress on stderr: on a terminal, a one-line bar redrawn at most 10 times a second; otherwise (a
    script, a log file) one plain line every ``line_interval`` seconds, so that a run killed meanwhile has
    left where it stood."""

    #: Seconds between two progress lines when stderr is not a terminal.
    LINE_INTERVAL = 5.0

    def __init__(self, lang: str, stream: TextIO | None = None, line_interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.line_interval = self.LINE_INTERVAL if line_interval is None else line_interval
        self.lang = lang
        self._last = 0.0
        self._last_line = time.monotonic()
        self._phase = ""
        self._phase_start = time.monotonic()
        self._phase_rows = 0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase != self._phase:
            self._phase, self._phase_start, self._phase_rows = p.phase, now, p.rows
        elapsed = max(now - self._phase_start, 1e-6)
        rate = (p.rows - self._phase_rows) / elapsed
        name = message(f"phase_{p.phase}", self.lang) if p.phase in PHASES else p.phase
        if not self.enabled:
            if now - self._last_line >= self.line_interval:
                self._last_line = now
                total = p.total_rows if p.total_rows else (int(p.rows / p.fraction) if p.fraction > 0 else p.rows)
                self.stream.write(message("progress_line", self.lang, phase=name, rows=p.rows, total=total,
                                          percent=int(p.fraction * 100), rate=int(rate)) + "\n")
                self.stream.flush()
            return
        if now - self._last < 0.1 and p.fraction < 1.0:
            return
        self._last = now
        eta = elapsed * (1 - p.fraction) / p.fraction if 0 < p.fraction < 1 else 0.0
        if p.eta_seconds is not None:  # the commit's own, the link's round trips counted
            eta = p.eta_seconds
        width = 30
        filled = int(width * min(max(p.fraction, 0.0), 1.0))
        line = f"\r{name:<12} [{'#' * filled}{'.' * (width - filled)}] {p.fraction * 100:5.1f}%  {p.rows:>10,} rows"
        if rate > 0:
            line += f"  {rate:>9,.0f}/s  ETA {eta:4.0f}s"
        self.stream.write(line[:120].ljust(100))
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._phase:
            self.stream.write("\n")
            self.stream.flush()


# --- argument parsing ------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("fr", "en"), default=None, help="language of messages and reports")
    common.add_argument("--json", action="store_true", help="print exactly one JSON value on stdout")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    parser = argparse.ArgumentParser(prog="crm-importer", description="Import lead spreadsheets into a CRM.")
    parser.add_argument("--version", action="version", version=f"crm-importer {__version__}")
    sub = parser.add_subparsers(dest="command")

    def file_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("file", help="CSV, TSV, TXT or XLSX file")
        p.add_argument("--sheet", help="workbook sheet (default: the first with an email or phone column)")
        p.add_argument("--mapping", help='JSON file {"<header>": "<field>" | null}')
        p.add_argument("--region", default="FR", help="default phone region (ISO code, default FR)")
        p.add_argument("--encoding", help="force the text encoding (e.g. cp1252)")
        p.add_argument("--delimiter", help="force the delimiter (',', ';', 'tab', '|')")
        p.add_argument("--header-row", type=_row_number, metavar="N",
                       help="the header's row number (default: detected below any title or notes)")
        p.add_argument("--report", help="write the error report to this .csv or .xlsx")

    p = sub.add_parser("validate", parents=[common], help="check a file offline")
    file_args(p)

    p = sub.add_parser("import", parents=[common], help="validate and import a file into the CRM")
    file_args(p)
    p.add_argument("--db", required=True, help="libpq connection string or URI of the CRM")
    p.add_argument("--as", dest="actor", metavar="EMAIL",
                   help="the CRM admin profile acting (default: the one the database login is mapped to)")
    p.add_argument("--dedupe", default=",".join(DEDUPE_KEYS), help="keys: email,phone,external_id (or none)")
    p.add_argument("--on-duplicate", choices=("skip", "update", "create"), default="skip")
    p.add_argument("--assign", default="none", help="none | user:EMAIL | round-robin:EMAIL,EMAIL | column:HEADER")
    p.add_argument("--unknown-owner", default="unassigned", help="by column: unassigned | user:EMAIL")
    p.add_argument("--yes", action="store_true", help="import even if this file was imported before")

    p = sub.add_parser("resume", parents=[common], help="resume an interrupted import")
    p.add_argument("job_id")
    p.add_argument("--db", help="connection string (default: the one the job used, password from keyring)")

    sub.add_parser("history", parents=[common], help="past imports, newest first")

    p = sub.add_parser("report", parents=[common], help="write the error report of a job")
    p.add_argument("job_id")
    p.add_argument("--out", required=True)

    p = sub.add_parser("undo", parents=[common], help="undo an import")
    p.add_argument("job_id")
    p.add_argument("--db", required=True)
    p.add_argument("--as", dest="actor", metavar="EMAIL",
                   help="the CRM admin profile acting (default: the one the database login is mapped to)")

    p = sub.add_parser("db", parents=[common], help="CRM database administration")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    m = dbsub.add_parser("migrate", parents=[common], help="install or upgrade the CRM schema")
    m.add_argument("--db", required=True)
    m.add_argument("--region", default="FR", help="phone region of the CRM's existing numbers")
    m.add_argument("--plan", action="store_true", help="print what migrate would do, and change nothing")
    m.add_argument("--sql", metavar="OUT.sql", help="write the migration as an SQL script, and change nothing")
    m.add_argument("--owner-column", metavar="NAME",
                   help="the leads column (pointing to profiles) that holds a lead's owner, when several could")

    g = dbsub.add_parser("grant", parents=[common], help="let a database login import as a CRM profile")
    g.add_argument("login", help="the database login (created with a generated password if it does not exist)")
    g.add_argument("--profile", required=True, metavar="EMAIL", help="the CRM profile it acts as")
    g.add_argument("--db", required=True, help="the CRM, as its schema owner")
    r = dbsub.add_parser("revoke", parents=[common], help="remove a login's CRM profile (the login is kept)")
    r.add_argument("login")
    r.add_argument("--db", required=True)
    ls = dbsub.add_parser("logins", parents=[common], help="the logins that act as CRM profiles")
    ls.add_argument("--db", required=True)
    ls.add_argument("--declared", choices=("allow", "refuse"),
                    help="allow or refuse imports by logins that bypass row-level security")

    p = sub.add_parser("demo", parents=[common], help="start the demo CRM database and print its DSN")
    p.add_argument("--data-dir", help="where the demo database lives (default: the user data folder)")
    return parser


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    return {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(value.lower(), value)


def _row_number(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a row number (1, 2, …), not {value!r}")
    return number


def _read_options(args: argparse.Namespace) -> ReadOptions:
    return ReadOptions(encoding=args.encoding, delimiter=_delimiter(args.delimiter), sheet=args.sheet,
                       header_row=args.header_row)


def how_read(job: Job, lang: str) -> list[str]:
    """What the user should know about how the file was read: which sheet and why (a workbook of several
    sheets), a header found below a title, placeholders read as empty. One sentence each, for stderr."""
    detected = job.options.get("detected") or {}
    said = []
    reason = detected.get("sheet_reason")
    if reason in ("active", "first_visible", "hidden"):
        said.append(message(f"sheet_chosen_{reason}", lang, sheet=job.sheet))
    if detected.get("header_below_title"):
        said.append(message("header_below_title", lang, row=job.header_row))
    for name, count in sorted((job.options.get("placeholders") or {}).items()):
        said.append(message("placeholders_read_as_empty", lang, count=count, field=name,
                            examples="N/A, -, n.c., néant"))
    return said


def _emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def mapping_json(job: Job) -> dict[str, str | None]:

    return ValidationOptions.from_json(job.options).mapping(job.headers, job.mapping).to_json()


def _check_report_path(report: str | None) -> None:
    if report and Path(report).suffix.lower() not in (".csv", ".xlsx"):
        raise UnusableFileError("bad_report_path", path=report)


@contextmanager
def _plain_ctrl_c() -> Iterator[None]:
    """At a prompt, Ctrl+C interrupts as it always does: the import's own handler (which holds it until
    the batch ends) is set aside while the question is asked."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def terminal_prompts(lang: str, args: argparse.Namespace) -> Any:
    """On a terminal (and not --json): the password asked without echo when the server wants one, and an
    offer to keep it in the OS keyring once it worked. Off a terminal, nothing is asked."""
    from crm_importer.crm.link import Prompts

    try:
        interactive = sys.stdin is not None and sys.stdin.isatty() and not getattr(args, "json", False)
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        return None

    def password(where: str) -> str | None:
        import getpass

        with _plain_ctrl_c():
            try:
                return getpass.getpass(message("password_prompt", lang, where=where))
            except (EOFError, KeyboardInterrupt):
                sys.stderr.write("\n")
                return None

    def remember(where: str) -> bool:
        with _plain_ctrl_c():  # Ctrl+C at the question stops the run here, not after the next batch
            try:
                sys.stderr.write(message("remember_password", lang, where=where))
                sys.stderr.flush()
                answer = sys.stdin.readline().strip().lower()
            except (OSError, ValueError):
                return False
        return answer in ("y", "yes", "o", "oui")

    return Prompts(password=password, remember=remember)


# --- commands ---------------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace, lang: str) -> int:
    from crm_importer import service
    from crm_importer.engine.mapping import load_mapping_file
    from crm_importer.engine.readers.delimited import LOW_CONFIDENCE

    _check_report_path(args.report)
    options = ValidationOptions(region=args.region.upper())
    _check_region(options.region)
    user_mapping = load_mapping_file(args.mapping) if args.mapping else None
    bar = ProgressBar(lang)
    with JobStore() as store:
        try:
            job = service.validate(
                args.file, store, read_options=_read_options(args), mapping_json=user_mapping,
                mapping_path=args.mapping or "", options=options, report=args.report, lang=lang, progress=bar,
            )
        finally:
            bar.done()
    report = job.report_path if args.report else None
    for sentence in how_read(job, lang):
        print(sentence, file=sys.stderr)
    orders = date_orders(job)
    confidence = job.options.get("detected", {}).get("encoding_confidence")
    if confidence is not None and confidence < LOW_CONFIDENCE:
        print(message("encoding_guessed", lang, encoding=job.encoding), file=sys.stderr)
    for column, said in orders.items():
        if said["decided_by"] == "region":  # every date of the column reads both ways: said, never silent
            print(message("date_order_by_region", lang, column=column, format=said["format"],
                          region=options.region), file=sys.stderr)
    if args.json:
        _emit_json(
            {
                "job_id": job.id,
                "total_rows": job.total_rows,
                "valid_rows": job.valid_rows,
                "invalid_rows": job.invalid_rows,
                "duplicate_rows": job.duplicate_rows,
                "rows_to_import": job.rows_to_import,
                "mapping": mapping_json(job),
                "encoding": job.encoding,
                "encoding_confidence": job.options.get("detected", {}).get("encoding_confidence"),
                "delimiter": job.delimiter,
                "sheet": job.sheet,
                "report": report,
                "schema": job.options.get("crm_schema") or {"source": "standard"},
                "date_orders": orders,
                "sheet_reason": (job.options.get("detected") or {}).get("sheet_reason"),
                "header_row": job.header_row,
                "placeholders": job.options.get("placeholders") or {},
            }
        )
    else:
        print(message("validate_summary", lang, total=job.total_rows, valid=job.valid_rows,
                  dups=job.duplicate_rows, invalid=job.invalid_rows, ready=job.rows_to_import))
        if job.total_rows == 0:
            print(message("nothing_to_import", lang, path=job.file_path))
        if report:
            print(message("report_written", lang, path=report))
        elif job.invalid_rows:
            print(message("report_hint", lang), file=sys.stderr)
    return EXIT_OK if job.invalid_rows == 0 else EXIT_ROWS_REJECTED


def date_orders(job: Job) -> dict[str, dict[str, str]]:
    """How each date column of the CRM's own was read, by header: ``order`` (``dmy``/``mdy``), its
    ``format`` and who ``decided_by`` (``values``, ``conflict``, ``region``, ``user``, ``none``)."""
    from crm_importer.engine.validate import date_format

    options = ValidationOptions.from_json(job.options)
    headers = {f: h for h, f in zip(job.headers, job.mapping, strict=False) if f}
    out: dict[str, dict[str, str]] = {}
    for name, rule in options.rules.items():
        if "date_decided_by" in rule and name in headers:
            order = str(rule.get("date_order") or "dmy")
            out[headers[name]] = {"field": name, "order": order, "format": date_format(order),
                                  "decided_by": str(rule["date_decided_by"])}
    return out


def _check_region(region: str) -> None:
    from crm_importer.engine.phones import is_supported_region

    if not is_supported_region(region):
        raise UnusableFileError("bad_mapping", path="--region", reason=f"unknown phone region {region!r}")


def job_json(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "file_name": job.file_name,
        "file_hash": job.file_hash,
        "status": job.status,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "total_rows": job.total_rows,
        "valid_rows": job.valid_rows,
        "invalid_rows": job.invalid_rows,
        "imported_rows": job.imported_rows,
        "updated_rows": job.updated_rows,
        "duplicate_rows": job.duplicates_skipped,
        "duplicate_in_file_rows": job.duplicate_rows,
        "duplicate_in_crm_rows": job.skipped_rows,
        "rejected_rows": job.rejected_rows,
        "rows_to_import": job.rows_to_import,
        "not_imported_rows": job.not_imported_rows,
        "report": job.report_path,
        "actor": job.actor_email,
        "crm": job.crm_target,
        "error": job.error_message,
        "error_code": job.error_code,
        "unknown_owners": list(_commit_options(job).unknown_owners),
    }


def _commit_options(job: Job) -> Any:
    from crm_importer.crm.options import CommitOptions

    return CommitOptions.of(job.options) or CommitOptions()


def cmd_history(args: argparse.Namespace, lang: str) -> int:
    from crm_importer import service

    with JobStore.for_reading() as store:
        jobs = service.history(store)
    if args.json:
        _emit_json([job_json(j) for j in jobs])
        return EXIT_OK
    if not jobs:
        print(message("no_jobs", lang))
        return EXIT_OK
    # The words of the counts (README, Counts): valid includes the duplicates in the file.
    head = ("job", "date", "status", "rows", "valid", "invalid", "to import", "created", "file")
    print("{:<8}  {:<20}  {:<11}  {:>9}  {:>9}  {:>8}  {:>9}  {:>9}  {}".format(*head))
    for j in jobs:
        print(
            f"{j.id[:8]:<8}  {j.created_at[:19]:<20}  {j.status:<11}  {j.total_rows:>9}  {j.valid_rows:>9}  "
            f"{j.invalid_rows:>8}  {j.rows_to_import:>9}  {j.imported_rows:>9}  {j.file_name}"
        )
    return EXIT_OK


def cmd_report(args: argparse.Namespace, lang: str) -> int:
    from crm_importer import service

    _check_report_path(args.out)
    with JobStore.for_reading() as store:
        job = store.get_job(args.job_id)
        out = service.report(store, job.id, args.out, lang)
    if args.json:
        _emit_json({"job_id": job.id, "report": str(out)})
    else:
        print(message("report_written", lang, path=out))
    return EXIT_OK


def _json_failures(command: Callable[[argparse.Namespace, str], int]) -> Callable[[argparse.Namespace, str], int]:
    """With ``--json``, a failure prints one JSON value on stdout too (SPEC 10): scripts parse stdout
    whatever happened, and need the job id of a job left resumable. The sentence still goes to stderr."""

    @functools.wraps(command)
    def run(args: argparse.Namespace, lang: str) -> int:
        try:
            return command(args, lang)
        except ImporterError as exc:
            if args.json:
                _emit_json(_failure_json(exc, lang))
            raise

    return run


def _failure_json(exc: ImporterError, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"job_id": None, "status": "refused" if exc.exit_code == EXIT_REFUSED else "failed"}
    job_id = getattr(exc, "job_id", None)  # set on errors of a job that exists (never the prior job's id)
    if job_id:
        try:
            with JobStore() as store:
                out = job_json(store.get_job(job_id))
        except ImporterError:
            out["job_id"] = job_id
    out.update(error=exc.text(lang), error_code=exc.code, exit_code=exc.exit_code)
    return out


def _import_exit(job: Job) -> int:
    if job.status != "completed":
        return EXIT_NOT_COMPLETED
    return EXIT_OK if job.invalid_rows == 0 and job.rejected_rows == 0 else EXIT_ROWS_REJECTED


def _print_import(job: Job, args: argparse.Namespace, lang: str) -> None:
    if args.json:
        _emit_json(job_json(job))
    else:
        print(message("import_summary", lang, job_id=job.id[:8], status=job.status, imported=job.imported_rows,
                  updated=job.updated_rows, skipped=job.skipped_rows, dups=job.duplicate_rows,
                  invalid=job.invalid_rows, rejected=job.rejected_rows, seconds=job.elapsed_seconds))
        if job.report_path:
            print(message("report_written", lang, path=job.report_path))


@_json_failures
def cmd_import(args: argparse.Namespace, lang: str) -> int:
    from crm_importer.engine.mapping import load_mapping_file
    from crm_importer.service import ImportRequest, run_import

    _check_report_path(args.report)
    _check_region(args.region.upper())
    request = ImportRequest(
        file=Path(args.file),
        dsn=args.db,
        actor_email=args.actor,
        read_options=_read_options(args),
        mapping_json=load_mapping_file(args.mapping) if args.mapping else None,
        mapping_path=args.mapping or "",
        region=args.region.upper(),
        dedupe=args.dedupe,
        on_duplicate=args.on_duplicate,
        assign=args.assign,
        unknown_owner=args.unknown_owner,
        confirm_reimport=args.yes,
        report=args.report,
        lang=lang,
        prompts=terminal_prompts(lang, args),
        on_unknown_owners=lambda owners, fallback: print(
            message("unknown_owners", lang, count=len(owners), owners=", ".join(owners[:10]),
                then=message("owners_to_fallback" if fallback else "owners_unassigned", lang, user=fallback)),
            file=sys.stderr,
        ),
        # The job's id as soon as it exists, whatever stderr is: a script killed later still knows what
        # to resume.
        on_job=lambda job: print(message("job_started", lang, job_id=job.id[:8], file=job.file_name),
                                 file=sys.stderr, flush=True),
    )
    bar = ProgressBar(lang)
    try:
        with CtrlC(lang) as ctrl_c:
            job = run_import(request, progress=bar, is_cancelled=ctrl_c)
    finally:
        bar.done()
    for sentence in how_read(job, lang):
        print(sentence, file=sys.stderr)
    if job.total_rows == 0 and job.status != "completed":  # a header and no data rows: not an error
        if args.json:
            _emit_json({**job_json(job), "job_id": None, "status": "nothing_to_import"})
        else:
            print(message("nothing_to_import", lang, path=job.file_path))
        return EXIT_OK
    _print_import(job, args, lang)
    return _import_exit(job)


@_json_failures
def cmd_resume(args: argparse.Namespace, lang: str) -> int:
    from crm_importer.service import resume_import

    bar = ProgressBar(lang)
    try:
        with CtrlC(lang) as ctrl_c:
            job = resume_import(args.job_id, dsn=args.db, progress=bar, is_cancelled=ctrl_c,
                                prompts=terminal_prompts(lang, args))
    finally:
        bar.done()
    _print_import(job, args, lang)
    return _import_exit(job)


@_json_failures
def cmd_undo(args: argparse.Namespace, lang: str) -> int:
    from crm_importer.service import undo_import

    result = undo_import(args.job_id, dsn=args.db, actor_email=args.actor, prompts=terminal_prompts(lang, args))
    if args.json:
        _emit_json(result)
    else:
        print(message("undo_summary", lang, deleted=result["deleted"], restored=result["restored"],
                  kept=len(result["kept"])))
        if result["referenced"]:
            print(message("undo_referenced", lang, count=len(result["referenced"])))
    return EXIT_OK


def cmd_db(args: argparse.Namespace, lang: str) -> int:
    if args.db_command != "migrate":
        return cmd_db_logins(args, lang)
    from crm_importer.crm.connection import connect_asking
    from crm_importer.crm.schema import SCHEMA_VERSION, apply_migration, plan_migration

    _check_region(args.region.upper())
    prompts = terminal_prompts(lang, args)
    with connect_asking(args.db, ask_password=prompts.password if prompts else None) as conn:
        if args.plan or args.sql:
            plan = plan_migration(conn, region=args.region.upper(), owner_column=args.owner_column)
            if args.sql:
                Path(args.sql).write_text(plan.script(lang), encoding="utf-8")
            if args.json:
                _emit_json({**plan.to_json(lang), "applied": [], "sql_path": args.sql})
            else:
                if args.plan:
                    print(plan.text(lang))
                if args.sql:
                    print(message("migration_script_written", lang, path=args.sql))
            return EXIT_OK
        applied, plan = apply_migration(conn, region=args.region.upper(), owner_column=args.owner_column)
    if args.json:
        _emit_json({"schema_version": SCHEMA_VERSION, "applied": applied,
                    "changes": [s.to_json(lang) for s in plan.changes] if applied else [],
                    "notes": [s.to_json(lang) for s in plan.notes] if applied else []})
    else:
        if applied:
            print(plan.text(lang))
        print(message("migrated", lang, version=SCHEMA_VERSION, applied=", ".join(map(str, applied)) or "—"))
    return EXIT_OK


def cmd_db_logins(args: argparse.Namespace, lang: str) -> int:
    """``db grant LOGIN --profile EMAIL``, ``db revoke LOGIN``, ``db logins [--declared allow|refuse]``."""
    from crm_importer.crm import logins
    from crm_importer.crm.connection import connect_asking, dsn_endpoint, store_password

    prompts = terminal_prompts(lang, args)
    with connect_asking(args.db, ask_password=prompts.password if prompts else None) as conn:
        if args.db_command == "grant":
            granted = logins.grant(conn, args.login, args.profile)
            saved = False
            if granted.password is not None:
                host, port, _user, _db = dsn_endpoint(args.db)
                saved = bool(store_password(host, port, granted.login, granted.password))
            if args.json:
                _emit_json({"login": granted.login, "profile": granted.email, "role": granted.role,
                            "created": granted.password is not None, "password": granted.password,
                            "keyring": saved})
            else:
                if granted.password is not None:
                    print(message("grant_created", lang, login=granted.login, password=granted.password,
                                  saved=message("grant_saved", lang) if saved else ""))
                print(message("grant_done", lang, login=granted.login, email=granted.email, role=granted.role))
            return EXIT_OK
        if args.db_command == "revoke":
            removed = logins.revoke(conn, args.login)
            if args.json:
                _emit_json({"login": args.login.strip(), "revoked": removed})
            else:
                print(message("revoke_done" if removed else "revoke_unknown", lang, login=args.login.strip()))
            return EXIT_OK
        policy = logins.declared_policy(conn, {"allow": "allowed", "refuse": "refused"}.get(args.declared or ""))
        rows = logins.list_logins(conn)
    if args.json:
        _emit_json({"declared_identity": policy, "logins": [
            {"login": r.login, "profile": r.email, "role": r.role, "granted_at": r.granted_at.isoformat(),
             "granted_by": r.granted_by, "verified": not r.bypass} for r in rows]})
        return EXIT_OK
    for r in rows:
        print(message("login_row", lang, login=r.login, email=r.email, role=r.role,
                      assurance=message("login_declared" if r.bypass else "login_verified", lang),
                      at=f"{r.granted_at:%Y-%m-%d %H:%M}", by=r.granted_by))
    word = message("declared_refused_word" if policy == "refused" else "declared_allowed", lang)
    print(message("logins_declared", lang, policy=word))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, lang: str) -> int:
    from crm_importer.crm.demo import DEMO_ADMIN_EMAIL, start_demo

    server = start_demo(Path(args.data_dir) if args.data_dir else None)
    try:
        if args.json:
            _emit_json({"dsn": server.dsn, "admin": DEMO_ADMIN_EMAIL})
        else:
            print(message("demo_ready", lang, dsn=server.dsn, admin=DEMO_ADMIN_EMAIL), flush=True)
        try:
            with _stop_signals_interrupt():
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
    finally:
        server.stop()
    return EXIT_OK


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """Stop requests other than Ctrl+C end the demo as Ctrl+C does, its server with it: SIGTERM (``kill``,
    a service manager) everywhere, and on Windows Ctrl+Break, which is how a console or a parent process
    interrupts a process group there (Python's default for both would exit at once, leaving the server)."""
    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGBREAK") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


COMMANDS: dict[str, Callable[[argparse.Namespace, str], int]] = {
    # validate and report get the --json failure object too (defined below them, hence wrapped here).
    "validate": _json_failures(cmd_validate),
    "import": cmd_import,
    "resume": cmd_resume,
    "history": cmd_history,
    "report": _json_failures(cmd_report),
    "undo": cmd_undo,
    "db": cmd_db,
    "demo": cmd_demo,
}


class _Worded(logging.Handler):
    """What the engine logs for the user (a record with a message ``code``, such as a retry) goes to
    stderr in the user's language; other warnings as they are. Writes to the current ``sys.stderr``."""

    def __init__(self, lang: str) -> None:
        super().__init__(logging.WARNING)
        self.lang = lang

    def emit(self, record: logging.LogRecord) -> None:
        code = getattr(record, "code", None)
        text = message(code, self.lang, **getattr(record, "params", {})) if code else record.getMessage()
        print(text, file=sys.stderr)


def _log_to_stderr(lang: str, debug: bool) -> None:
    """One handler for the importer's own log (replacing the one of an earlier run in this process); with
    --debug the root logger shows everything instead. Records still propagate (to a caller's handlers)."""
    logger = logging.getLogger("crm_importer")
    for handler in [h for h in logger.handlers if isinstance(h, _Worded)]:
        logger.removeHandler(handler)
    if not debug:
        logger.addHandler(_Worded(lang))


def _quiet_libraries(debug: bool) -> None:
    """psycopg logs a warning when Ctrl+C interrupts a query mid-flight ("error ignored in rollback"), and
    calamine (fastexcel's reader) in English about the sheets it skips ("'chartsheet' not a valid
    worksheet"): noise next to the one sentence the user gets. Shown with --debug only."""
    if debug:
        logging.basicConfig(level=logging.DEBUG if os.environ.get("CRM_IMPORTER_DEBUG") == "2" else logging.INFO)
        return
    for name in ("psycopg", "calamine", "fastexcel"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def _never_fail_on_output_encoding() -> None:
    """Output redirected on Windows is in the ANSI code page (cp1252, cp850…), which lacks some characters
    of our sentences (``’``, ``…``) or of a file's headers: they are escaped rather than crash the run."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("--smoke", "gui"):
        from crm_importer.gui.app import run_gui

        return run_gui(argv[1:] if argv and argv[0] == "gui" else argv)
    _never_fail_on_output_encoding()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_UNUSABLE
    lang = getattr(args, "lang", None) or default_lang()
    debug = getattr(args, "debug", False) or bool(os.environ.get("CRM_IMPORTER_DEBUG"))
    _quiet_libraries(debug)
    _log_to_stderr(lang, debug)
    try:
        return COMMANDS[args.command](args, lang)
    except CancelledError as exc:
        job_id = getattr(exc, "job_id", None)
        key = "interrupted" if job_id else "interrupted_validation"
        print(message(key, lang, job_id=job_id), file=sys.stderr)
        return EXIT_NOT_COMPLETED
    except KeyboardInterrupt:
        print(message("interrupted_validation", lang), file=sys.stderr)
        return EXIT_NOT_COMPLETED
    except ImporterError as exc:
        if debug:
            traceback.print_exc()
        print(exc.text(lang), file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, never a traceback
        if debug:
            traceback.print_exc()
        print(message("unexpected", lang, error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return EXIT_NOT_COMPLETED if args.command in ("import", "resume", "undo") else EXIT_UNUSABLE


if __name__ == "__main__":
    raise SystemExit(main())
