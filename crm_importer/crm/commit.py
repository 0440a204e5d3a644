"""Phase 2 of an import: staged rows into the CRM, each batch exactly once.

A commit batch (``COMMIT_ROWS`` valid rows) goes in as one transaction:

1. a transaction-level advisory lock, so that two imports into one CRM dedupe against each other's
   leads instead of racing (batches of concurrent imports interleave; none waits long);
2. ``COPY`` of the rows into a temporary table (``ON COMMIT DROP``: safe behind a transaction pooler);
3. one set-based statement: the match against existing leads through the normalized-key indexes,
   the duplicate policy (skip / update / create), the assignment, the inserted and updated leads and
   their ``lead_history`` rows;
4. the ledger row ``import_batches(job_id, batch_no)`` and the job's counters.

The ledger row commits with the leads, so a batch is in the CRM exactly when its ledger row is. Before a
batch is (re)tried the ledger is read: a retried, resumed or ambiguously committed batch is never
inserted twice. Connection losses, server restarts, serialization failures and deadlocks are retried
with exponential backoff and jitter on a fresh connection; rows the server rejects (a CRM constraint,
a trigger, a tighter column) are isolated by splitting the batch under savepoints and reported, and the
rest goes in.
"""

from __future__ import annotations

import io
import json
import logging
import math
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import make_conninfo

from crm_importer import paths
from crm_importer.crm.connection import (
    CrmError,
    Identity,
    connect_with_prompt,
    dsn_endpoint,
    dsn_has_password,
    get_password,
    parse_dsn,
    redact_dsn,
    require_admin,
    set_actor,
    sign_in,
    store_password,
)
from crm_importer.crm.relist import relist_quietly
from crm_importer.crm.schema import crm_settings, require_schema
from crm_importer.engine import errors as E
from crm_importer.engine.errors import (
    CancelledError,
    ImporterError,
    NotCompletedError,
    RefusedError,
    RowError,
    UnusableFileError,
)
from crm_importer.engine.fields import DEDUPE_KEYS, LEAD_COLUMNS
from crm_importer.engine.jobstore import (
    CANCELLED,
    COMPLETED,
    FAILED,
    IMPORTING,
    INTERRUPTED,
    UNDONE,
    VALIDATED,
    VALIDATING,
    Job,
    JobStore,
    now_iso,
)
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.pipeline import (
    CancelFn,
    Progress,
    ProgressFn,
    ensure_unchanged,
    never_cancelled,
    no_progress,
    open_for_import,
    run_validation,
    scan_file,
    validate_file,
)
from crm_importer.engine.readers import ReadOptions
from crm_importer.engine.readers.base import ROW_COL
from crm_importer.engine.report import REPORTED, write_report
from crm_importer.engine.validate import VALID_COL, ValidationOptions, fcol, kcol

log = logging.getLogger(__name__)

COMMIT_ROWS = 5_000
#: A retry's wait asks whether the run was cancelled this often (seconds).
RETRY_STEP = 0.2
#: Transaction-level advisory lock serialising the dedupe-and-insert step of concurrent imports.
COMMIT_LOCK_KEY = 0x63726D5F636F6D  # "crm_com"
RETRYABLE_SQLSTATES = frozenset(
    {"40001", "40P01", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "08007", "25P03"}
)
ON_DUPLICATE = ("skip", "update", "create")




# --- options -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Assignment:
    """Who new leads are assigned to: nobody, one user, round-robin over users, or from a column."""

    mode: str = "none"  # none | user | round_robin | column
    emails: tuple[str, ...] = ()
    column: str | None = None
    fallback: str | None = None  # by column: the user for unknown owners (None: leave unassigned)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "emails": list(self.emails), "column": self.column, "fallback": self.fallback}

    @classmethod
    def from_json(cls, obj: dict[str, Any] | None) -> Assignment:
        if not obj:
            return cls()
        return cls(obj.get("mode", "none"), tuple(obj.get("emails") or ()), obj.get("column"), obj.get("fallback"))


def parse_assign(spec: str, unknown_owner: str = "unassigned") -> Assignment:
    """``none | user:EMAIL | round-robin:EMAIL,EMAIL,.. | column:HEADER`` (SPEC 10)."""
    spec = (spec or "none").strip()
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower().replace("_", "-")
    fallback = None
    if unknown_owner and unknown_owner != "unassigned":
        if not unknown_owner.startswith("user:") or not unknown_owner[5:].strip():
            raise UnusableFileError("bad_option", option="--unknown-owner", reason="unassigned or user:EMAIL")
        fallback = unknown_owner[5:].strip()
    if kind == "none" and not rest:
        return Assignment()
    if kind == "user" and rest.strip():
        return Assignment("user", (rest.strip(),))
    if kind == "round-robin":
        emails = tuple(e.strip() for e in rest.split(",") if e.strip())
        if emails:
            return Assignment("round_robin", emails)
    if kind == "column" and rest.strip():
        return Assignment("column", (), rest.strip(), fallback)
    raise UnusableFileError(
        "bad_option", option="--assign", reason="none | user:EMAIL | round-robin:EMAIL,EMAIL | column:HEADER"
    )


def parse_dedupe(spec: str) -> tuple[str, ...]:
    spec = (spec or "").strip().lower()
    if spec in ("", "none"):
        return ()
    keys = tuple(k.strip().replace("-", "_") for k in spec.split(",") if k.strip())
    unknown = [k for k in keys if k not in DEDUPE_KEYS]
    if unknown:
        raise UnusableFileError("bad_option", option="--dedupe", reason=f"unknown key {unknown[0]!r}")
    return tuple(k for k in DEDUPE_KEYS if k in keys)


@dataclass
class ImportRequest:
    file: Path
    dsn: str
    actor_email: str
    read_options: ReadOptions = field(default_factory=ReadOptions)
    mapping_json: Any | None = None
    mapping_path: str = ""
    mapping: ColumnMapping | None = None
    region: str = "FR"
    dedupe: str | tuple[str, ...] = ",".join(DEDUPE_KEYS)
    on_duplicate: str = "skip"
    assign: str | Assignment = "none"
    unknown_owner: str = "unassigned"
    confirm_reimport: bool = False
    report: str | None = None
    lang: str = "en"
    interactive: bool = False
    password: str | None = None
    #: Told, before anything is committed, the owners (by column) that match no active profile and the
    #: fallback user's email (None: those leads stay unassigned).
    on_unknown_owners: Callable[[list[str], str | None], None] | None = None


# --- the connection, with retries ----------------------------------------------------------------
class CrmLink:
    """A connection to the CRM that comes back after a loss, acting as one profile."""

    def __init__(
        self,
        dsn: str,
        *,
        interactive: bool = False,
        password: str | None = None,
        max_attempts: int = 8,
        base_delay: float = 0.5,
        max_delay: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.dsn = dsn
        self.interactive = interactive
        self._password = password
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._conn: psycopg.Connection | None = None
        self.identity: Identity | None = None
        self.attempts_used = 0
        #: Told of each retry (reason, attempt, delay) before its wait: a progress display says it.
        self.on_retry: Callable[[dict[str, Any]], None] | None = None
        #: Asked during a retry's wait (in steps of :data:`RETRY_STEP`): a cancel ends the wait at once.
        self.is_cancelled: CancelFn = never_cancelled

    @property
    def target(self) -> str:
        return redact_dsn(self.dsn)

    def _open(self) -> psycopg.Connection:
        if self._password is not None:
            from crm_importer.crm.connection import connect

            conn = connect(self.dsn, password=self._password)
        else:
            asked = self.interactive
            conn = connect_with_prompt(self.dsn, interactive=self.interactive)
            self.interactive = False  # prompt at most once per run
            used = conn.info.password
            if used and not dsn_has_password(self.dsn):
                # A reconnect after a lost connection must not ask again (nor fail for want of it).
                self._password = used
                if asked:
                    _offer_to_remember(self.dsn, used)
        return conn

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            self._conn = self._open()
            if self.identity is not None:
                # Row-level security must see the acting profile again on a new connection.
                set_actor(self._conn, self.identity)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real error
                pass
            self._conn = None

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, capped."""
        return min(self.max_delay, self.base_delay * (2**attempt)) * random.uniform(0.5, 1.0)

    def retrying(self, what: Callable[[psycopg.Connection], Any], *, job_id: str = "") -> Any:
        """Run ``what(conn)``; retry it on a fresh connection while the failure is transient."""
        last: BaseException | None = None
        for attempt in range(self.max_attempts):
            try:
                return what(self.conn)
            except CrmError as exc:
                if exc.code not in ("db_unreachable", "db_busy"):  # down, restarting, or out of slots
                    raise
                last = exc
            except psycopg.Error as exc:
                if isinstance(exc, pg_errors.QueryCanceled):
                    raise NotCompletedError("statement_timeout", job_id=job_id) from None
                sqlstate = exc.sqlstate
                # Transient: a listed SQLSTATE whatever its class (the server ending an idle transaction,
                # 25P03, is an InternalError), a connection gone, or a connection failure without a code.
                transient = sqlstate in RETRYABLE_SQLSTATES or self._broken() or (
                    sqlstate is None and isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)))
                if not transient:
                    raise
                last = exc
                if self._broken():
                    self.close()
                else:
                    self._rollback_quietly()
            self.attempts_used += 1
            delay = self.backoff(attempt)
            said = {"reason": _reason(last), "attempt": attempt + 1, "delay": f"{delay:.1f}"}
            log.warning(E.message("crm_retrying", **said), extra={"code": "crm_retrying", "params": said})
            if self.on_retry is not None:
                self.on_retry(said)
            self._pause(delay)
        raise NotCompletedError(
            "connection_lost", attempts=self.max_attempts, reason=_reason(last), job_id=job_id
        )

    def _pause(self, delay: float) -> None:
        steps = max(1, math.ceil(delay / RETRY_STEP))
        for _ in range(steps):
            if self.is_cancelled():
                raise CancelledError()
            self._sleep(delay / steps)

    def _broken(self) -> bool:
        return self._conn is None or self._conn.closed or self._conn.broken

    def _rollback_quietly(self) -> None:
        try:
            if self._conn is not None and not self._conn.closed:
                self._conn.rollback()
        except Exception:  # noqa: BLE001
            self.close()


#: A backend whose client vanished mid-transaction (a laptop put to sleep, a network gone) is ended by the
#: server after this long idle in the transaction, so that the commit lock it holds is freed for the resume
#: and for every other import. Between two statements of a batch the importer only builds the next one
#: (milliseconds), so this never cuts a live import; if it did, the batch would be retried.
IDLE_IN_TRANSACTION_TIMEOUT = "30s"
#: While a statement runs (a COPY waiting for rows), a dead client is noticed by the server's TCP
#: keepalives: the first probe after 30 s idle, then every 10 s, given up after 3 (the default is 2 h).
KEEPALIVES = {"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"}
_GUARD_SQL = "SELECT set_config('crm.profile_id', %s, true)" + "".join(
    f", set_config('{name}', %s, true)" for name in ("idle_in_transaction_session_timeout", *KEEPALIVES)
)


def _act_as(conn: psycopg.Connection, profile_id: object) -> None:
    """For this transaction: row-level security sees the acting profile, and a client that vanishes cannot
    leave its backend holding locks for hours. Transaction-local settings only (``set_config(…, true)``),
    so they hold behind a transaction pooler and never leak to another client of a pooled server."""
    conn.execute(_GUARD_SQL, (str(profile_id), IDLE_IN_TRANSACTION_TIMEOUT, *KEEPALIVES.values()))


def _offer_to_remember(dsn: str, password: str) -> None:
    """After a typed password worked: offer to keep it in the OS keyring (never anywhere else)."""
    host, port, user, _ = dsn_endpoint(dsn)
    if get_password(host, port, user) == password:
        return
    try:
        sys.stderr.write(f"Remember the password of {user}@{host}:{port} in the system keyring? [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
    except (OSError, ValueError):
        return
    if answer in ("y", "yes", "o", "oui") and not store_password(host, port, user, password):
        sys.stderr.write("No system keyring is available: the password was not stored.\n")


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "?"
    if isinstance(exc, ImporterError):
        return exc.text()
    diag = getattr(exc, "diag", None)
    text = (getattr(diag, "message_primary", None) if diag else None) or str(exc).strip().splitlines()[0:1]
    if isinstance(text, list):
        text = text[0] if text else type(exc).__name__
    return str(text)[:200]


# --- the plan --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommitBatch:
    no: int
    staged_batch: int
    offset: int  # index of the first row within the staged batch's committable rows
    rows: int
    first_row: int
    last_row: int


def committable(frame: pl.DataFrame, skip: pl.Series) -> pl.DataFrame:
    """The rows of a staged batch that go to the CRM: valid and not a duplicate within the file."""
    return frame.filter(pl.col(VALID_COL) & ~pl.col(ROW_COL).is_in(skip.implode()))


def plan_batches(store: JobStore, job: Job) -> list[CommitBatch]:
    """Commit batches of at most ``COMMIT_ROWS`` rows, numbered the same way on every run."""
    dup_rows = pl.Series(sorted(store.issue_rows(job.id, ["duplicate"])), dtype=pl.UInt32)
    plan: list[CommitBatch] = []
    for staged_no, frame in enumerate(store.iter_batches(job.id, [ROW_COL, VALID_COL])):
        rows = committable(frame, dup_rows)[ROW_COL]
        for start in range(0, rows.len(), COMMIT_ROWS):
            part = rows.slice(start, COMMIT_ROWS)
            plan.append(CommitBatch(len(plan), staged_no, start, part.len(), int(part[0]), int(part[-1])))
    return plan


# --- SQL ---------------------------------------------------------------------------------------------
STAGE_COLUMNS = ("import_row", *LEAD_COLUMNS, "k_email", "k_phone", "k_external_id", "owner_id")


def _stage_table_sql() -> sql.Composable:
    cols = [sql.SQL("import_row integer NOT NULL")]
    cols += [sql.SQL("{} text").format(sql.Identifier(c)) for c in STAGE_COLUMNS[1:-1]]
    cols.append(sql.SQL("owner_id uuid"))
    return sql.SQL("CREATE TEMP TABLE _crm_stage ({}) ON COMMIT DROP").format(sql.SQL(", ").join(cols))


_MATCH_BRANCH = {
    "email": "SELECT l.id, 'email'::text AS key, 1 AS prio FROM public.leads l "
    "WHERE s.k_email IS NOT NULL AND l.email IS NOT NULL AND lower(btrim(l.email)) = s.k_email",
    "phone": "SELECT l.id, 'phone'::text AS key, 2 AS prio FROM public.leads l "
    "WHERE s.k_phone IS NOT NULL AND l.phone IS NOT NULL AND public.crm_phone_e164(l.phone, {cc}) = s.k_phone",
    "external_id": "SELECT l.id, 'external_id'::text AS key, 3 AS prio FROM public.leads l "
    "WHERE s.k_external_id IS NOT NULL AND l.external_id IS NOT NULL "
    "AND lower(btrim(l.external_id)) = s.k_external_id",
}


def build_commit_sql(dedupe_keys: Sequence[str], policy: str, assign_mode: str, country_code: str) -> sql.Composed:
    """The one statement that commits a range of staged rows (see the module docstring)."""
    if not country_code.isdigit():
        raise ValueError("calling code must be digits")
    match = dedupe_keys and policy != "create"
    fields = list(LEAD_COLUMNS)
    ident = {c: sql.Identifier(c) for c in fields}
    parts: list[sql.Composable] = [sql.SQL("WITH s AS (SELECT * FROM _crm_stage WHERE import_row BETWEEN %(lo)s AND %(hi)s)")]
    if match:
        branches = " UNION ALL ".join(_MATCH_BRANCH[k] for k in DEDUPE_KEYS if k in dedupe_keys)
        parts.append(
            sql.SQL(
                ", m AS (SELECT s.import_row, x.id AS lead_id, x.key FROM s CROSS JOIN LATERAL ("
                "SELECT c.id, c.key FROM (" + branches + ") c ORDER BY c.prio LIMIT 1) x)"
            ).format(cc=sql.Literal(country_code))
        )
        parts.append(
            sql.SQL(
                ", ins_src AS (SELECT s.*, row_number() OVER (ORDER BY s.import_row) AS rn FROM s"
                " WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.import_row = s.import_row))"
            )
        )
    else:
        parts.append(sql.SQL(", ins_src AS (SELECT s.*, row_number() OVER (ORDER BY s.import_row) AS rn FROM s)"))
    if assign_mode == "user" or assign_mode == "column":
        assign = sql.SQL("ins_src.owner_id")
    elif assign_mode == "round_robin":
        assign = sql.SQL("(%(rr_users)s::uuid[])[1 + ((%(rr_offset)s + ins_src.rn - 1) %% %(rr_n)s)]")
    else:
        assign = sql.SQL("NULL::uuid")
    parts.append(
        sql.SQL(
            ", ins AS (INSERT INTO public.leads ({cols}, assigned_to, created_by, import_job_id, import_row)"
            " SELECT {src}, {assign}, %(actor)s, %(job)s, ins_src.import_row FROM ins_src"
            " ON CONFLICT (import_job_id, import_row) DO NOTHING RETURNING id, import_row, assigned_to)"
            ", h_ins AS (INSERT INTO public.lead_history (lead_id, event, actor_id, import_job_id, changes)"
            " SELECT id, 'created', %(actor)s, %(job)s,"
            " jsonb_build_object('import_row', import_row, 'assigned_to', assigned_to) FROM ins)"
        ).format(
            cols=sql.SQL(", ").join(ident[c] for c in fields),
            src=sql.SQL(", ").join(sql.SQL("ins_src.{}").format(ident[c]) for c in fields),
            assign=assign,
        )
    )
    outcome = [sql.SQL("SELECT 'inserted'::text AS outcome, import_row, id AS lead_id, NULL::text AS key FROM ins")]
    if match and policy == "update":
        differs = sql.SQL(" OR ").join(
            sql.SQL("(s.{c} IS NOT NULL AND s.{c} IS DISTINCT FROM l.{c})").format(c=ident[c]) for c in fields
        )
        changes = sql.SQL(", ").join(
            sql.SQL(
                "({name}, CASE WHEN s.{c} IS NOT NULL AND s.{c} IS DISTINCT FROM o.{c}"
                " THEN jsonb_build_object('old', o.{c}, 'new', s.{c}) END)"
            ).format(name=sql.Literal(c), c=ident[c])
            for c in fields
        )
        parts.append(
            sql.SQL(
                ", pick AS (SELECT DISTINCT ON (lead_id) import_row, lead_id, key FROM m ORDER BY lead_id, import_row)"
                ", old AS (SELECT l.* FROM public.leads l JOIN pick p ON p.lead_id = l.id)"
                ", upd AS (UPDATE public.leads l SET {sets}, updated_at = now()"
                " FROM pick p JOIN s ON s.import_row = p.import_row"
                " WHERE l.id = p.lead_id AND ({differs}) RETURNING l.id, p.import_row, p.key)"
                ", h_upd AS (INSERT INTO public.lead_history (lead_id, event, actor_id, import_job_id, changes)"
                " SELECT u.id, 'updated', %(actor)s, %(job)s, jsonb_build_object('import_row', u.import_row,"
                " 'fields', (SELECT jsonb_object_agg(k, v) FROM (VALUES {changes}) AS ch(k, v) WHERE v IS NOT NULL))"
                " FROM upd u JOIN s ON s.import_row = u.import_row JOIN old o ON o.id = u.id)"
            ).format(
                sets=sql.SQL(", ").join(sql.SQL("{c} = coalesce(s.{c}, l.{c})").format(c=ident[c]) for c in fields),
                differs=differs,
                changes=changes,
            )
        )
        outcome.append(sql.SQL("SELECT 'updated', import_row, id, key FROM upd"))
        outcome.append(
            sql.SQL("SELECT 'skipped', m.import_row, m.lead_id, m.key FROM m WHERE NOT EXISTS"
                    " (SELECT 1 FROM upd WHERE upd.import_row = m.import_row)")
        )
    elif match:
        outcome.append(sql.SQL("SELECT 'skipped', import_row, lead_id, key FROM m"))
    return sql.SQL(" ").join(parts) + sql.SQL(" ") + sql.SQL(" UNION ALL ").join(outcome)


ROW_LEVEL_ERRORS = (pg_errors.DataError, pg_errors.IntegrityError, pg_errors.RaiseException)


# --- committing one job --------------------------------------------------------------------------
@dataclass
class BatchOutcome:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rr_next: int = 0
    result: list[tuple[int, str, str]] = field(default_factory=list)  # (row, lead_id, outcome)
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, key)
    rejected_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, detail)

    def details(self) -> dict[str, Any]:
        return {"skipped": self.skipped_rows, "rejected": self.rejected_rows}


class JobCommitter:
    """Commits the staged rows of one job through a :class:`CrmLink` (CLI, GUI and resume share it)."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        link: CrmLink,
        identity: Identity,
        *,
        progress: ProgressFn = no_progress,
        is_cancelled: CancelFn = never_cancelled,
    ) -> None:
        self.store = store
        self.job = job
        self.link = link
        self.identity = identity
        self.progress = progress
        self.is_cancelled = is_cancelled
        commit = job.options.get("commit", {})
        self.dedupe_keys: tuple[str, ...] = tuple(job.options.get("dedupe_keys", DEDUPE_KEYS))
        self.policy: str = commit.get("on_duplicate", "skip")
        self.assignment = Assignment.from_json(commit.get("assignment"))
        self.owner_ids: dict[str, str] = commit.get("owner_ids", {})
        self.user_ids: list[str] = commit.get("user_ids", [])
        self.fallback_id: str | None = commit.get("fallback_id")
        self._sql: sql.Composed | None = None
        self._country_code = "33"

    # -- the server-side job row --
    def ensure_server_job(self, conn: psycopg.Connection) -> None:
        job = self.job
        commit = job.options.get("commit", {})
        with conn.transaction():
            _act_as(conn, self.identity.profile_id)
            conn.execute(
                "INSERT INTO public.import_jobs (id, file_name, file_hash, status, total_rows, valid_rows, invalid_rows,"
                " duplicate_rows, assignment_config, duplicate_config, column_mapping, worker_id, created_by, started_at)"
                " VALUES (%s, %s, %s, 'importing', %s, %s, %s, %s, %s, %s, %s, %s, %s, now())"
                " ON CONFLICT (id) DO UPDATE SET status = 'importing', error_message = NULL, updated_at = now()",
                (
                    job.id, job.file_name, job.file_hash, job.total_rows, job.valid_rows, job.invalid_rows,
                    job.duplicate_rows, json.dumps(commit.get("assignment")),
                    json.dumps({"keys": list(self.dedupe_keys), "policy": self.policy}),
                    json.dumps(dict(zip(job.headers, job.mapping, strict=False))),
                    f"crm-importer@{_hostname()}", str(self.identity.profile_id),
                ),
            )

    def run(self) -> Job:
        store, job = self.store, self.job
        settings = self.link.retrying(crm_settings, job_id=job.id)
        self._country_code = str(settings.get("phone_country_code") or "33")
        self._sql = build_commit_sql(self.dedupe_keys, self.policy, self.assignment.mode, self._country_code)
        self.link.retrying(self.ensure_server_job, job_id=job.id)
        plan = plan_batches(store, job)
        store.update_job(job.id, status=IMPORTING, phase="committing", commit_total_batches=len(plan),
                         error_code=None, error_message=None)
        done = store.committed_batches(job.id)
        rows_total = sum(b.rows for b in plan)
        rows_done = sum(b.rows for b in plan if b.no in done)
        started = time.monotonic()
        current_staged: tuple[int, pl.DataFrame] | None = None
        dup_rows = pl.Series(sorted(store.issue_rows(job.id, ["duplicate"])), dtype=pl.UInt32)
        rr_next = self._last_rr_next(done)

        def reconnecting(_said: dict[str, Any]) -> None:  # the progress says why it stands still
            self.progress(Progress("reconnecting", rows_done, rows_done / rows_total if rows_total else 1.0,
                                   rows_total))

        self.link.on_retry = reconnecting
        self.link.is_cancelled = self.is_cancelled
        try:
            for batch in plan:
                if batch.no in done:
                    continue
                if self.is_cancelled():
                    raise CancelledError()
                if current_staged is None or current_staged[0] != batch.staged_batch:
                    frame = committable(store.load_batch(job.id, batch.staged_batch), dup_rows)
                    current_staged = (batch.staged_batch, frame)
                rows = current_staged[1].slice(batch.offset, batch.rows)
                # Proves the job store is writable before anything more goes to the CRM.
                store.update_job(job.id, phase="committing")
                outcome = self.link.retrying(lambda conn, b=batch, r=rows, o=rr_next: self._commit(conn, b, r, o),
                                             job_id=job.id)
                rr_next = outcome.rr_next
                self._record(batch, outcome)
                rows_done += batch.rows
                self.progress(Progress("committing", rows_done, rows_done / rows_total if rows_total else 1.0,
                                       rows_total))
        finally:
            self.link.on_retry = None
            self.link.is_cancelled = never_cancelled
            elapsed = time.monotonic() - started
            try:
                current = store.get_job(job.id)
                store.update_job(job.id, elapsed_seconds=current.elapsed_seconds + elapsed)
            except ImporterError:
                pass
        final = store.get_job(job.id)
        self.link.retrying(lambda conn: self._finish_server_job(conn, final), job_id=job.id)
        store.update_job(job.id, status=COMPLETED, phase="completed", finished_at=now_iso())
        return store.get_job(job.id)

    def _last_rr_next(self, done: set[int]) -> int:
        if not done:
            return 0
        last = max(done)

        def read(conn: psycopg.Connection) -> int:
            with conn.transaction():
                _act_as(conn, self.identity.profile_id)
                row = conn.execute(
                    "SELECT rr_next FROM public.import_batches WHERE job_id = %s AND batch_no = %s",
                    (self.job.id, last),
                ).fetchone()
            return int(row[0]) if row else 0

        return int(self.link.retrying(read, job_id=self.job.id))

    def _finish_server_job(self, conn: psycopg.Connection, job: Job) -> None:
        with conn.transaction():
            _act_as(conn, self.identity.profile_id)
            conn.execute(
                "UPDATE public.import_jobs SET status = 'completed', completed_at = now(), updated_at = now(),"
                " error_report_path = %s WHERE id = %s",
                (job.report_path, job.id),
            )

    def _stage_rows(self, rows: pl.DataFrame) -> bytes:
        cols: list[pl.Expr] = [pl.col(ROW_COL).cast(pl.Int64).alias("import_row")]
        for name in LEAD_COLUMNS:
            cols.append((pl.col(fcol(name)) if fcol(name) in rows.columns else pl.lit(None, pl.String)).alias(name))
        for key in DEDUPE_KEYS:
            cols.append((pl.col(kcol(key)) if kcol(key) in rows.columns else pl.lit(None, pl.String)).alias(f"k_{key}"))
        mode = self.assignment.mode
        if mode == "user":
            owner = pl.lit(self.user_ids[0], pl.String)
        elif mode == "column" and fcol("owner") in rows.columns:
            mapping = {k: v for k, v in self.owner_ids.items()}
            owner = pl.col(fcol("owner")).str.to_lowercase().replace_strict(
                mapping, default=self.fallback_id, return_dtype=pl.String
            )
        elif mode == "column":
            owner = pl.lit(self.fallback_id, pl.String)
        else:
            owner = pl.lit(None, pl.String)
        cols.append(owner.alias("owner_id"))
        buf = io.BytesIO()
        rows.select(cols).write_csv(buf, include_header=False)
        return buf.getvalue()

    def _commit(self, conn: psycopg.Connection, batch: CommitBatch, rows: pl.DataFrame, rr_offset: int) -> BatchOutcome:
        job_id = self.job.id
        with conn.transaction():
            _act_as(conn, self.identity.profile_id)
            # The lock first: a run committing this very batch (the same job resumed twice at once) has
            # then finished, and the ledger read below sees its row.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (COMMIT_LOCK_KEY,))
            ledger = conn.execute(
                "SELECT inserted, updated, skipped, rr_next, details FROM public.import_batches"
                " WHERE job_id = %s AND batch_no = %s",
                (job_id, batch.no),
            ).fetchone()
            if ledger is not None:
                return self._from_ledger(conn, batch, ledger)
            conn.execute(_stage_table_sql())
            with conn.cursor() as cur:
                with cur.copy(
                    sql.SQL("COPY _crm_stage ({}) FROM STDIN (FORMAT csv)").format(
                        sql.SQL(", ").join(sql.Identifier(c) for c in STAGE_COLUMNS)
                    )
                ) as copy:
                    copy.write(self._stage_rows(rows))
            outcome = BatchOutcome(rr_next=rr_offset)
            row_numbers = rows[ROW_COL].to_list()
            self._insert_range(conn, row_numbers, outcome)
            outcome.skipped = len(outcome.skipped_rows)
            outcome.rejected = len(outcome.rejected_rows)
            conn.execute(
                "INSERT INTO public.import_batches (job_id, batch_no, row_count, inserted, updated, skipped, rr_next,"
                " details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (job_id, batch.no, batch.rows, outcome.inserted, outcome.updated, outcome.skipped, outcome.rr_next,
                 json.dumps(outcome.details())),
            )
            conn.execute(
                "UPDATE public.import_jobs SET processed_rows = processed_rows + %s, imported_rows = imported_rows + %s,"
                " updated_rows = updated_rows + %s, skipped_rows = skipped_rows + %s,"
                " rejected_rows = rejected_rows + %s, last_checkpoint = %s, updated_at = now() WHERE id = %s",
                (batch.rows, outcome.inserted, outcome.updated, outcome.skipped, outcome.rejected, batch.no, job_id),
            )
        return outcome

    def _insert_range(self, conn: psycopg.Connection, row_numbers: list[int], outcome: BatchOutcome) -> None:
        """Insert these rows; if the server rejects some, split the range to find them (pgloader-style)."""
        assert self._sql is not None
        params = {
            "lo": row_numbers[0],
            "hi": row_numbers[-1],
            "actor": self.identity.profile_id,
            "job": self.job.id,
            "rr_users": self.user_ids,
            "rr_offset": outcome.rr_next,
            "rr_n": max(len(self.user_ids), 1),
        }
        try:
            with conn.transaction():  # a savepoint
                records = conn.execute(self._sql, params).fetchall()
        except ROW_LEVEL_ERRORS as exc:
            if len(row_numbers) == 1:
                outcome.rejected_rows.append((row_numbers[0], _reason(exc)))
                return
            mid = len(row_numbers) // 2
            self._insert_range(conn, row_numbers[:mid], outcome)
            self._insert_range(conn, row_numbers[mid:], outcome)
            return
        for kind, row, lead_id, key in records:
            outcome.result.append((int(row), str(lead_id), kind))
            if kind == "inserted":
                outcome.inserted += 1
            elif kind == "updated":
                outcome.updated += 1
            else:
                outcome.skipped_rows.append((int(row), key))
        if self.assignment.mode == "round_robin":
            outcome.rr_next += sum(1 for r in records if r[0] == "inserted")

    def _from_ledger(self, conn: psycopg.Connection, batch: CommitBatch, ledger: tuple[Any, ...]) -> BatchOutcome:
        """The batch was already committed (a retry after an ambiguous commit, or a resume): read it back."""
        inserted, updated, skipped, rr_next, details = ledger
        details = details or {}
        outcome = BatchOutcome(int(inserted), int(updated), int(skipped), 0, int(rr_next))
        outcome.skipped_rows = [(int(r), str(k)) for r, k in details.get("skipped", [])]
        outcome.rejected_rows = [(int(r), str(d)) for r, d in details.get("rejected", [])]
        outcome.rejected = len(outcome.rejected_rows)
        for lead_id, row in conn.execute(
            "SELECT id, import_row FROM public.leads WHERE import_job_id = %s AND import_row BETWEEN %s AND %s",
            (self.job.id, batch.first_row, batch.last_row),
        ):
            outcome.result.append((int(row), str(lead_id), "inserted"))
        for lead_id, row in conn.execute(
            "SELECT lead_id, (changes->>'import_row')::int FROM public.lead_history WHERE import_job_id = %s"
            " AND event = 'updated' AND (changes->>'import_row')::int BETWEEN %s AND %s",
            (self.job.id, batch.first_row, batch.last_row),
        ):
            outcome.result.append((int(row), str(lead_id), "updated"))
        return outcome

    def _record(self, batch: CommitBatch, outcome: BatchOutcome) -> None:
        issues: list[tuple[str, int, list[RowError]]] = []
        for row, key in outcome.skipped_rows:
            issues.append(("crm_duplicate", row, [RowError(E.DUPLICATE_IN_CRM, params={"key": key})]))
        for row, detail in outcome.rejected_rows:
            issues.append(("rejected", row, [RowError(E.REJECTED_BY_CRM, params={"detail": detail})]))
        result = pl.DataFrame(
            outcome.result, schema={ROW_COL: pl.UInt32, "lead_id": pl.String, "outcome": pl.String}, orient="row"
        )
        self.store.record_commit(
            self.job.id, batch.no, first_row=batch.first_row, last_row=batch.last_row,
            inserted=outcome.inserted, updated=outcome.updated, skipped=outcome.skipped,
            rejected=outcome.rejected, result=result, issues=issues,
        )


def _hostname() -> str:
    import socket

    try:
        return socket.gethostname()
    except OSError:
        return "unknown"


# --- preparing a job ---------------------------------------------------------------------------------
def resolve_users(conn: psycopg.Connection, emails: Sequence[str], option: str) -> list[str]:
    """Profile ids of active users, in the order given; an unknown email is refused up front."""
    ids: list[str] = []
    with conn.transaction():
        for email in emails:
            row = conn.execute(
                "SELECT id FROM public.profiles WHERE lower(btrim(email)) = lower(btrim(%s)) AND active IS NOT FALSE",
                (email,),
            ).fetchone()
            if row is None:
                raise RefusedError("user_not_found", email=email, option=option)
            ids.append(str(row[0]))
    return ids


def owner_values(store: JobStore, job: Job) -> list[str]:
    """Distinct owner texts (lower-cased) among the rows that will be committed."""
    seen: set[str] = set()
    for frame in store.iter_batches(job.id, [VALID_COL, fcol("owner")]):
        if fcol("owner") in frame.columns:
            values = frame.filter(pl.col(VALID_COL))[fcol("owner")].drop_nulls().str.to_lowercase().unique()
            seen.update(values.to_list())
    return sorted(seen)


def match_owners(conn: psycopg.Connection, owners: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Owner texts matched to active profiles by email or full name (case-insensitive): (found, unknown)."""
    if not owners:
        return {}, []
    with conn.transaction():
        rows = conn.execute(
            "SELECT o.v, p.id FROM unnest(%s::text[]) AS o(v) JOIN LATERAL ("
            " SELECT id FROM public.profiles p WHERE p.active IS NOT FALSE AND"
            " (lower(btrim(p.email)) = o.v OR lower(btrim(p.full_name)) = o.v) ORDER BY p.email LIMIT 1) p ON true",
            (list(owners),),
        ).fetchall()
    found = {v: str(pid) for v, pid in rows}
    return found, [o for o in owners if o not in found]


def previous_import(conn: psycopg.Connection, file_hash: str, job_id: str,
                    actor_id: object | None = None) -> tuple[str, str, str] | None:
    """The most recent import of the same file into this CRM (not undone): (job id, date, who).

    ``import_jobs`` is admin-only (RLS): without ``actor_id`` the session's acting profile must be set.
    """
    with conn.transaction():
        if actor_id is not None:
            _act_as(conn, actor_id)
        row = conn.execute(
            "SELECT j.id, j.created_at, coalesce(p.full_name, p.email, '?') FROM public.import_jobs j"
            " LEFT JOIN public.profiles p ON p.id = j.created_by"
            " WHERE j.file_hash = %s AND j.id::text <> %s AND j.status NOT IN ('undone', 'validated')"
            " ORDER BY j.created_at DESC LIMIT 1",
            (file_hash, job_id),
        ).fetchone()
    if row is None:
        return None
    return str(row[0]), row[1].strftime("%Y-%m-%d %H:%M"), str(row[2])


def open_link(dsn: str, actor_email: str, *, interactive: bool, password: str | None = None) -> tuple[CrmLink, Identity]:
    """Connect, check the schema, sign in as ``actor_email`` and refuse a non-admin (exit 4)."""
    link = CrmLink(dsn, interactive=interactive, password=password)
    conn = link.conn
    require_schema(conn)  # CrmError 'schema_missing': exit code 4
    identity = sign_in(conn, actor_email)
    require_admin(identity)
    link.identity = identity
    set_actor(conn, identity)  # admin-only import tables (RLS) for a login that is not their owner
    return link, identity


def prepare_commit_options(
    link: CrmLink, store: JobStore, job: Job, *, policy: str, assignment: Assignment
) -> dict[str, Any]:
    """Resolve assignment users and owners against the CRM; stored with the job for resumes."""
    if policy not in ON_DUPLICATE:
        raise UnusableFileError("bad_option", option="--on-duplicate", reason="skip | update | create")
    conn = link.conn
    commit: dict[str, Any] = {"on_duplicate": policy, "assignment": assignment.to_json()}
    if assignment.mode in ("user", "round_robin"):
        commit["user_ids"] = resolve_users(conn, assignment.emails, "--assign")
    if assignment.mode == "column":
        mapping = ColumnMapping(list(job.headers), list(job.mapping))
        if "owner" not in mapping.field_columns():
            raise UnusableFileError("bad_option", option="--assign",
                                    reason=f"column {assignment.column!r} is not mapped to the owner field")
        found, unknown = match_owners(conn, owner_values(store, job))
        commit["owner_ids"] = found
        commit["unknown_owners"] = unknown
        commit["fallback_id"] = resolve_users(conn, [assignment.fallback], "--unknown-owner")[0] if assignment.fallback else None
    return commit


COMMIT_REQUEST = "commit_request"  # job option: the import's policy, assignment, language and report


def _settle_commit_options(link: CrmLink, store: JobStore, job: Job,
                           on_unknown_owners: Callable[[list[str], str | None], None] | None = None) -> Job:
    """After validation: resolve the stored commit request against the CRM into the job's ``commit``
    options (owners by column need the validated rows). A job that has them already is left alone."""
    if "commit" in job.options:
        return job
    request = job.options.get(COMMIT_REQUEST)
    if not isinstance(request, dict):
        raise ImporterError("job_not_importable", job_id=job.id)
    assignment = Assignment.from_json(request.get("assignment"))
    # Through retrying: after minutes of validation the connection may have gone (a pooler's idle timeout).
    commit = link.retrying(lambda _conn: prepare_commit_options(
        link, store, job, policy=request.get("on_duplicate", "skip"), assignment=assignment), job_id=job.id)
    commit["lang"] = request.get("lang", "en")
    commit["report"] = request.get("report")
    store.update_job(job.id, options={**job.options, "commit": commit})
    if commit.get("unknown_owners") and on_unknown_owners is not None:
        on_unknown_owners(list(commit["unknown_owners"]), assignment.fallback)
    return store.get_job(job.id)


def _mapping_for_assign(request: ImportRequest, reader_headers: list[str], assignment: Assignment) -> Any:
    """``--assign column:HEADER`` maps that header to the owner field unless the mapping says otherwise."""
    if assignment.mode != "column":
        return request.mapping_json
    base = dict(request.mapping_json or {}) if isinstance(request.mapping_json, dict) else {}
    if assignment.column not in reader_headers:
        raise UnusableFileError("bad_option", option="--assign", reason=f"no column named {assignment.column!r}")
    base.setdefault(assignment.column, "owner")
    return base


# --- entry points -----------------------------------------------------------------------------------
def run_import(request: ImportRequest, progress: ProgressFn = no_progress, is_cancelled: CancelFn = never_cancelled,
               store: JobStore | None = None) -> Job:
    """``crm-importer import``: connect and check, validate and stage, then commit every batch."""
    dedupe = parse_dedupe(request.dedupe) if isinstance(request.dedupe, str) else tuple(request.dedupe)
    assignment = request.assign if isinstance(request.assign, Assignment) else parse_assign(
        request.assign, request.unknown_owner)
    if request.on_duplicate not in ON_DUPLICATE:
        raise UnusableFileError("bad_option", option="--on-duplicate", reason="skip | update | create")
    own_store = store is None
    store = store or JobStore()
    try:
        link, identity = open_link(request.dsn, request.actor_email, interactive=request.interactive,
                                   password=request.password)
        try:
            relist_quietly(store, link, identity)
            path = Path(request.file)
            if not path.exists():
                raise UnusableFileError("file_not_found", path=str(path))
            scan = scan_file(path, progress, is_cancelled)
            prior = link.retrying(lambda conn: previous_import(conn, scan.sha256, "", identity.profile_id))
            if prior and not request.confirm_reimport:
                raise RefusedError("already_imported", job_id=prior[0], date=prior[1], who=prior[2])
            mapping_json = request.mapping_json
            if assignment.mode == "column" and request.mapping is None:
                reader = open_for_import(path, request.read_options, scan)
                try:
                    mapping_json = _mapping_for_assign(request, reader.info.headers, assignment)
                finally:
                    reader.close()
            options = ValidationOptions(region=request.region, dedupe_keys=dedupe)
            # What the commit will use is stored with the job before its first row is validated, so that
            # a job killed while it validates is resumed to the end (resume has no command line to ask).
            commit_request = {"on_duplicate": request.on_duplicate, "assignment": assignment.to_json(),
                              "lang": request.lang, "report": request.report}
            job = validate_file(
                path, store, read_options=request.read_options, mapping=request.mapping,
                mapping_json=mapping_json, mapping_path=request.mapping_path, options=options,
                progress=progress, is_cancelled=is_cancelled,
                extra_job_values={"crm_target": link.target, "actor_email": identity.email,
                                  "actor_id": str(identity.profile_id)},
                extra_options={COMMIT_REQUEST: commit_request},
            )
            if (job.crm_target, job.actor_email) != (link.target, identity.email):  # a cut-short one continued
                store.update_job(job.id, crm_target=link.target, actor_email=identity.email,
                                 actor_id=str(identity.profile_id))
                job = store.get_job(job.id)
            job = _settle_commit_options(link, store, job, request.on_unknown_owners)
            return _commit_and_report(store, job, link, identity, progress, is_cancelled)
        finally:
            link.close()
    finally:
        if own_store:
            store.close()


def _commit_and_report(store: JobStore, job: Job, link: CrmLink, identity: Identity,
                       progress: ProgressFn, is_cancelled: CancelFn) -> Job:
    try:
        job = JobCommitter(store, job, link, identity, progress=progress, is_cancelled=is_cancelled).run()
    except CancelledError as exc:
        store.update_job(job.id, status=CANCELLED, phase="cancelled")
        _mark_server(link, job.id, "cancelled", None)
        exc.job_id = job.id  # type: ignore[attr-defined]
        raise
    except KeyboardInterrupt:
        # Ctrl+C in the CLI: the job is resumable (not "run the same command again", which would now be
        # refused as a re-import), so it is said the way a cancel is, with the job to resume.
        store.update_job(job.id, status=INTERRUPTED, phase="interrupted")
        _mark_server(link, job.id, "interrupted", None)
        interrupted = CancelledError()
        interrupted.job_id = job.id  # type: ignore[attr-defined]
        raise interrupted from None
    except ImporterError as exc:
        store.fail_job(job.id, exc)
        _mark_server(link, job.id, "failed", exc.text())
        exc.job_id = job.id  # type: ignore[attr-defined]
        raise
    except psycopg.Error as exc:
        now = store.get_job(job.id)
        if now.commit_total_batches:
            err = NotCompletedError("commit_failed", batch=now.committed_batches + 1,
                                    batches=now.commit_total_batches, reason=_reason(exc), job_id=job.id)
        else:  # before the batches were planned (the server-side job row, the plan)
            err = NotCompletedError("commit_stopped", reason=_reason(exc), job_id=job.id)
        store.fail_job(job.id, err)
        _mark_server(link, job.id, "failed", err.text())
        err.job_id = job.id  # type: ignore[attr-defined]
        raise err from None
    job = _write_job_report(store, job)
    if job.report_path:
        _mark_server(link, job.id, COMPLETED, None, report_path=job.report_path)
    compact_finished_jobs(store)
    return store.get_job(job.id)


#: Jobs compacted at the end of one import or undo at the most (older ones wait for the next): the first
#: import after an upgrade must not sit at 100 % compacting every job of the past.
COMPACT_PER_RUN = 3


def compact_finished_jobs(store: JobStore) -> None:
    """Completed and undone jobs keep only the staged rows their error report shows. Best effort, after the
    work is done: a failure here (a store that cannot be written now) is logged, never raised, and the job
    is compacted another time."""
    try:
        for job_id in store.jobs_to_compact()[:COMPACT_PER_RUN]:
            store.compact_job(job_id, REPORTED)
    except Exception as exc:  # noqa: BLE001 - the import or undo already succeeded
        log.warning("job store not compacted: %s", exc)


def _write_job_report(store: JobStore, job: Job) -> Job:
    commit = job.options.get("commit", {})
    lang = commit.get("lang", "en")
    target = commit.get("report")
    if not target and (job.invalid_rows or job.duplicate_rows or job.skipped_rows or job.rejected_rows):
        target = str(paths.reports_dir() / f"{Path(job.file_name).stem}-{job.id[:8]}-errors.csv")
    if target:
        out = write_report(store, job, target, lang)
        store.update_job(job.id, report_path=str(out))
    return store.get_job(job.id)


def _mark_server(link: CrmLink, job_id: str, status: str, message: str | None,
                 report_path: str | None = None) -> None:
    """Best effort: the server-side job row says how it ended (the ledger stays the truth)."""
    try:
        conn = link.conn
        with conn.transaction():
            if link.identity is not None:
                _act_as(conn, link.identity.profile_id)
            conn.execute(
                "UPDATE public.import_jobs SET status = %s, error_message = %s,"
                " error_report_path = coalesce(%s, error_report_path), updated_at = now() WHERE id = %s",
                (status, message, report_path, job_id),
            )
    except Exception:  # noqa: BLE001
        pass


def _stored_target(target: str) -> str:
    """The job's DSN as stored (redacted): without its ``***`` password, so that the password comes from
    the keyring, PGPASSWORD, the password file or a prompt, as for a DSN typed without one."""
    params = parse_dsn(target)
    if params.get("password") != "***":
        return target
    del params["password"]
    return make_conninfo("", **params)


def resume_import(job_id: str, *, dsn: str | None = None, progress: ProgressFn = no_progress,
                  is_cancelled: CancelFn = never_cancelled, lang: str = "en", interactive: bool = False,
                  store: JobStore | None = None, password: str | None = None) -> Job:
    """``crm-importer resume``: finish validating if needed, then commit the batches not yet committed."""
    own_store = store is None
    store = store or JobStore()
    try:
        job = store.get_job(job_id)
        if job.status in (COMPLETED, UNDONE):
            raise ImporterError("job_not_resumable", job_id=job.id, status=job.status)
        if job.error_code in ("store_recovered_incomplete", "store_relisted_job"):
            raise RefusedError(job.error_code, job_id=job.id)  # rows lost with a damaged store: never resumed
        if not job.crm_target or "commit" not in job.options and not job.actor_email:
            raise ImporterError("job_not_importable", job_id=job.id)
        target = dsn or _stored_target(job.crm_target)
        link, identity = open_link(target, job.actor_email or "", interactive=interactive, password=password)
        try:
            relist_quietly(store, link, identity)
            if not job.validation_done:
                path = Path(job.file_path)
                scan = scan_file(path, progress, is_cancelled)
                if scan.sha256 != job.file_hash:
                    raise UnusableFileError("file_changed", path=str(path), job_id=job.id)
                read = job.options.get("read", {})
                reader = open_for_import(path, ReadOptions(encoding=read.get("encoding"),
                                                           delimiter=read.get("delimiter"),
                                                           sheet=read.get("sheet")), scan)
                try:
                    run_validation(store, job, reader, ColumnMapping(list(job.headers), list(job.mapping)),
                                   ValidationOptions.from_json(job.options), progress, is_cancelled)
                finally:
                    reader.close()
                ensure_unchanged(path, scan, store, job.id)
                job = store.get_job(job.id)
            job = _settle_commit_options(link, store, job)
            return _commit_and_report(store, job, link, identity, progress, is_cancelled)
        finally:
            link.close()
    finally:
        if own_store:
            store.close()


# --- undo ------------------------------------------------------------------------------------------
def undo_import(job_id: str, *, dsn: str, actor_email: str, interactive: bool = False,
                store: JobStore | None = None, password: str | None = None) -> dict[str, Any]:
    """Remove the leads the import created (keeping those edited since), restore those it updated."""
    own_store = store is None
    store = store or JobStore()
    try:
        job = store.get_job(job_id)
        if job.status not in (COMPLETED, FAILED, CANCELLED, INTERRUPTED, IMPORTING):
            raise ImporterError("job_not_undoable", job_id=job.id, status=job.status)
        link, identity = open_link(dsn, actor_email, interactive=interactive, password=password)
        relist_quietly(store, link, identity)
        try:
            result = link.retrying(lambda conn: _undo(conn, job.id, identity), job_id=job.id)
        except psycopg.Error as exc:  # not transient: a constraint, a trigger, a permission of the CRM
            raise NotCompletedError("undo_failed", job_id=job.id, reason=_reason(exc)) from None
        finally:
            link.close()
        store.update_job(job.id, status=UNDONE, phase="undone", finished_at=now_iso())
        compact_finished_jobs(store)
        return result
    finally:
        if own_store:
            store.close()


def _undo(conn: psycopg.Connection, job_id: str, identity: Identity) -> dict[str, Any]:
    actor = identity.profile_id
    fields = list(LEAD_COLUMNS)
    with conn.transaction():
        _act_as(conn, actor)
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (COMMIT_LOCK_KEY,))
        kept = [str(r[0]) for r in conn.execute(
            "SELECT id FROM public.leads WHERE import_job_id = %s AND updated_at > created_at ORDER BY import_row",
            (job_id,),
        )]
        # Leads other records of the CRM point to (a deal, a task, an activity) stay: deleting them would
        # fail the whole undo, or cascade to those records.
        unreferenced = _unreferenced_condition(conn, job_id)
        referenced = [str(r[0]) for r in conn.execute(
            sql.SQL("SELECT id FROM public.leads l WHERE import_job_id = %s AND updated_at <= created_at"
                    " AND NOT ({}) ORDER BY import_row").format(unreferenced),
            (job_id,),
        )]
        deleted = conn.execute(
            sql.SQL(
                "WITH d AS (DELETE FROM public.leads l WHERE import_job_id = %s AND updated_at <= created_at"
                " AND {} RETURNING id)"
                ", h AS (INSERT INTO public.lead_history (lead_id, event, actor_id, import_job_id, changes)"
                " SELECT id, 'import_undone', %s, %s, '{{\"action\": \"deleted\"}}'::jsonb FROM d)"
                " SELECT count(*) FROM d"
            ).format(unreferenced),
            (job_id, actor, job_id),
        ).fetchone()[0]
        # Leads the import updated: each field that still holds the imported value gets its old value back.
        sets = sql.SQL(", ").join(
            sql.SQL(
                "{c} = CASE WHEN h.changes->'fields' ? {n} AND l.{c} IS NOT DISTINCT FROM"
                " (h.changes->'fields'->{n}->>'new') THEN (h.changes->'fields'->{n}->>'old') ELSE l.{c} END"
            ).format(c=sql.Identifier(c), n=sql.Literal(c))
            for c in fields
        )
        restored_total = 0
        done_events: list[int] = []
        while True:
            restored = conn.execute(
                sql.SQL(
                    "WITH h AS (SELECT DISTINCT ON (lead_id) id, lead_id, changes FROM public.lead_history"
                    " WHERE import_job_id = %s AND event = 'updated' AND NOT (id = ANY(%s))"
                    " ORDER BY lead_id, id DESC)"
                    ", u AS (UPDATE public.leads l SET {sets}, updated_at = now() FROM h WHERE l.id = h.lead_id"
                    " RETURNING l.id, h.id AS event_id)"
                    ", hh AS (INSERT INTO public.lead_history (lead_id, event, actor_id, import_job_id, changes)"
                    " SELECT u.id, 'import_undone', %s, %s, jsonb_build_object('action', 'restored') FROM u)"
                    " SELECT event_id FROM u"
                ).format(sets=sets),
                (job_id, done_events, actor, job_id),
            ).fetchall()
            if not restored:
                break
            done_events.extend(int(r[0]) for r in restored)
            restored_total += len(restored)
        conn.execute(
            "UPDATE public.import_jobs SET status = 'undone', updated_at = now() WHERE id = %s", (job_id,)
        )
    return {"job_id": job_id, "deleted": int(deleted), "restored": restored_total, "kept": kept,
            "referenced": referenced}


def _unreferenced_condition(conn: psycopg.Connection, job_id: str) -> sql.Composable:
    """SQL true for a lead ``l`` that no row of another table refers to by foreign key (any ``ON DELETE``
    action: a cascade would delete the CRM's own records). ``lead_history`` is the import's own log. The
    foreign-key columns are usually not indexed: each check is then one scan of that table per undo.

    A table this login cannot read in full (no privilege, or row-level security hiding rows from it) cannot
    be checked. If it refers to leads with ``NO ACTION``/``RESTRICT`` the DELETE itself stops at a lead it
    refers to (the undo fails, nothing changed); with ``CASCADE``/``SET NULL``/``SET DEFAULT`` the DELETE
    would silently change rows nobody checked, so the undo is refused, naming those tables.
    """
    keys = conn.execute(
        "SELECT n.nspname, t.relname, array_agg(a.attname ORDER BY k.n), array_agg(ra.attname ORDER BY k.n),"
        " c.confdeltype::text,"
        " has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.conrelid, 'SELECT')"
        " AND (NOT t.relrowsecurity OR (pg_has_role(t.relowner, 'USAGE') AND NOT t.relforcerowsecurity)"
        "      OR (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user))"
        " FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
        " CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(att, ratt, n)"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att"
        " JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.ratt"
        " WHERE c.contype = 'f' AND c.confrelid = 'public.leads'::regclass AND c.conparentid = 0"
        " AND c.conrelid <> 'public.lead_history'::regclass"
        " GROUP BY c.oid, c.conrelid, c.confdeltype, n.oid, n.nspname, t.relname, t.relrowsecurity, t.relowner,"
        " t.relforcerowsecurity"
        " ORDER BY c.oid"
    ).fetchall()
    unsafe = sorted({f"{schema}.{table}" for schema, table, _c, _r, action, visible in keys
                     if not visible and action in ("c", "n", "d")})
    if unsafe:
        raise RefusedError("undo_unsafe", job_id=job_id, tables=", ".join(unsafe))
    checks = [
        sql.SQL("NOT EXISTS (SELECT 1 FROM {t} r WHERE {match})").format(
            t=sql.Identifier(schema, table),
            match=sql.SQL(" AND ").join(
                sql.SQL("r.{} = l.{}").format(sql.Identifier(c), sql.Identifier(rc))
                for c, rc in zip(cols, rcols, strict=True)
            ),
        )
        for schema, table, cols, rcols, _action, visible in keys
        if visible
    ]
    return sql.SQL(" AND ").join(checks) if checks else sql.SQL("true")


def iter_unknown_owners(job: Job) -> Iterator[str]:
    yield from job.options.get("commit", {}).get("unknown_owners", [])


__all__ = [
    "Assignment",
    "CrmLink",
    "ImportRequest",
    "JobCommitter",
    "parse_assign",
    "parse_dedupe",
    "resume_import",
    "run_import",
    "undo_import",
    "VALIDATED",
    "VALIDATING",
    "uuid",
]
