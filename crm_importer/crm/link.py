"""The connection to the CRM during an import: it comes back after a loss, and acts as one profile.

:class:`CrmLink` runs each unit of work (a batch, a read) through :meth:`CrmLink.retrying`: connection
losses, server restarts, serialization failures and deadlocks are retried with exponential backoff and
jitter on a fresh connection; anything else is raised at once. Each transaction starts with
:func:`act_as` (the acting profile for row-level security, and server-side timeouts so that a vanished
laptop does not hold locks). Passwords are never asked here: the caller passes :class:`Prompts` (the CLI's
terminal, the GUI's dialog), used only when libpq reports that the server wants a password.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from crm_importer.crm.columns import read_lead_columns
from crm_importer.crm.connection import (
    AskPassword,
    CrmError,
    Identity,
    autocommit,
    connect,
    connect_asking,
    dsn_endpoint,
    dsn_has_password,
    one_trip,
    redact_dsn,
    require_admin,
    saved_password_for,
    sign_in,
    store_password,
)
from crm_importer.crm.names import CrmNames
from crm_importer.crm.schema import crm_settings, require_schema
from crm_importer.engine import errors as E
from crm_importer.engine.errors import CancelledError, ImporterError, NotCompletedError
from crm_importer.engine.pipeline import CancelFn, never_cancelled
from crm_importer.engine.typed import CrmColumn

log = logging.getLogger(__name__)

#: A retry's wait asks whether the run was cancelled this often (seconds).
RETRY_STEP = 0.2
RETRYABLE_SQLSTATES = frozenset(
    {"40001", "40P01", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "08007", "25P03"}
)


@dataclass(frozen=True)
class Prompts:
    """What the caller can ask its user while connecting (None: never ask)."""

    #: Given ``user@host:port``: the password typed, or None.
    password: AskPassword | None = None
    #: After a typed password worked, given ``user@host:port``: keep it in the OS keyring?
    remember: Callable[[str], bool] | None = None


class CrmLink:
    """A connection to the CRM that comes back after a loss, acting as one profile."""

    def __init__(
        self,
        dsn: str,
        *,
        password: str | None = None,
        prompts: Prompts | None = None,
        max_attempts: int = 8,
        base_delay: float = 0.5,
        max_delay: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.dsn = dsn
        self._password = password
        self._ask_password = prompts.password if prompts else None
        self._offer_to_remember = prompts.remember if prompts else None
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._conn: psycopg.Connection | None = None
        self.identity: Identity | None = None
        #: Told of each retry (reason, attempt, delay) before its wait: a progress display says it.
        self.on_retry: Callable[[dict[str, Any]], None] | None = None
        #: Asked during a retry's wait (in steps of :data:`RETRY_STEP`): a cancel ends the wait at once.
        self.is_cancelled: CancelFn = never_cancelled
        self._names: CrmNames | None = None
        self._settings: dict[str, str] | None = None
        self._columns: dict[str, CrmColumn] | None = None
        self._round_trip: float | None = None
        self._siblings: Future[list[CrmLink]] | None = None

    def settings(self) -> dict[str, str]:
        """The CRM's crm-importer settings (read once per link: one command's work)."""
        if self._settings is None:
            self._settings = dict(self.retrying(crm_settings))
        return self._settings

    def lead_columns(self, *, fresh: bool = False) -> dict[str, CrmColumn]:
        """The CRM's leads columns (read once per link, or again when ``fresh``): an import reads them
        before it validates and commits with the same, without a second read over a far link."""
        if self._columns is None or fresh:
            self._columns = dict(self.retrying(read_lead_columns))
        return self._columns

    def round_trip(self) -> float:
        """The link's round-trip time in seconds (measured once per link: :func:`measure_round_trip`)."""
        if self._round_trip is None:
            self._round_trip = float(self.retrying(measure_round_trip))
        return self._round_trip

    def prefetch(self, siblings: int = 0) -> Callable[[], None]:
        """What a commit will ask of the CRM before its first batch (the settings, the round-trip time, and
        ``siblings`` more connections), fetched on another thread while this one does something else (an
        import validates its file): over a far link, their round trips are then not waited for. Returns
        the function to call before this link is used again (it waits for the fetch; a failure is left for
        the commit to meet again)."""
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="crm-prefetch")
        try:
            if siblings > 0 and self._siblings is None:
                self._siblings = pool.submit(self._open_siblings, siblings)
            fetched = pool.submit(lambda: (self.settings(), self.round_trip()))
        finally:
            pool.shutdown(wait=False)

        def join() -> None:
            try:
                fetched.result()
            except Exception:  # noqa: BLE001 - met again, and said, by the commit itself
                pass
        return join

    def take_siblings(self, wanted: int) -> list[CrmLink]:
        """Up to ``wanted`` more links to the CRM, open (those :meth:`prefetch` opened, else opened now);
        fewer when the CRM refuses another connection (no free slot). The caller closes them."""
        future, self._siblings = self._siblings, None
        opened = future.result() if future is not None else []
        if len(opened) < wanted and future is None:
            opened += self._open_siblings(wanted - len(opened))
        for extra in opened[max(wanted, 0):]:
            extra.close()
        return opened[:max(wanted, 0)]

    def _open_siblings(self, wanted: int) -> list[CrmLink]:
        opened: list[CrmLink] = []
        for _ in range(max(wanted, 0)):
            other = self.sibling()
            try:
                other.conn  # noqa: B018 - opened now: a refusal is known before the first batch
            except (CrmError, psycopg.Error) as exc:
                other.close()
                log.info("committing over %d connection(s): another one was refused (%s)", 1 + len(opened),
                         reason(exc))
                break
            opened.append(other)
        return opened

    def names(self) -> CrmNames:
        """The app's names of what the importer writes (read once per link: db migrate records them)."""
        if self._names is None:
            self._names = CrmNames.from_settings(self.settings())  # among the settings, read once
        return self._names

    def sibling(self) -> CrmLink:
        """Another link to the same CRM as the same login, acting as the same profile (a commit's second
        connection): the password this link found is reused, nothing is asked."""
        other = CrmLink(self.dsn, password=self._password, max_attempts=self.max_attempts,
                        base_delay=self.base_delay, max_delay=self.max_delay, sleep=self._sleep)
        other.identity, other._names = self.identity, self._names
        other._settings, other._columns = self._settings, self._columns
        return other

    @property
    def target(self) -> str:
        return redact_dsn(self.dsn)

    def _open(self) -> psycopg.Connection:
        if self._password is not None:
            return connect(self.dsn, password=self._password)
        conn = connect_asking(self.dsn, ask_password=self._ask_password)
        self._ask_password = None  # asked at most once per run
        used = conn.info.password
        if used and not dsn_has_password(self.dsn):
            # A reconnect after a lost connection must not ask again (nor fail for want of it).
            self._password = used
            if self._offer_to_remember is not None and used != saved_password_for(self.dsn):
                host, port, user, _ = dsn_endpoint(self.dsn)
                try:
                    remember = self._offer_to_remember(f"{user}@{host}:{port}")
                except BaseException:  # Ctrl+C at the question: the connection goes with it
                    conn.close()
                    raise
                if remember and not store_password(host, port, user, used):
                    log.warning(E.message("keyring_unavailable"), extra={"code": "keyring_unavailable", "params": {}})
        return conn

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            self._conn = self._open()
        return self._conn

    def close(self) -> None:
        if self._siblings is not None:  # opened ahead for a commit that did not come
            future, self._siblings = self._siblings, None
            try:
                for other in future.result():
                    other.close()
            except Exception:  # noqa: BLE001 - closing must not hide the real error
                pass
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
                conn = self.conn
                if conn.info.transaction_status in (psycopg.pq.TransactionStatus.INTRANS,
                                                    psycopg.pq.TransactionStatus.INERROR):
                    # A read outside any block left its implicit transaction open: the block below must open
                    # a transaction of its own, not a savepoint inside that one, which nothing would commit.
                    conn.rollback()
                return what(conn)
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
            delay = self.backoff(attempt)
            said: dict[str, Any] = {"reason": reason(last), "attempt": attempt + 1, "delay": f"{delay:.1f}"}
            log.warning(E.message("crm_retrying", **said), extra={"code": "crm_retrying", "params": said})
            if self.on_retry is not None:
                self.on_retry(said)
            self._pause(delay)
        raise NotCompletedError(
            "connection_lost", attempts=self.max_attempts, reason=reason(last), job_id=job_id
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


def transaction_settings(who: Identity | object) -> tuple[str, tuple[str, ...]]:
    """WHO the importer acts as and its timeouts, for one transaction: a list of ``set_config(…, true)``
    expressions and their parameters, to go in a ``SELECT`` (:func:`act_as` runs it alone; a commit batch
    folds it into its first statement with the commit lock and the ledger read, so that it costs no round
    trip of its own). Every per-transaction setting of the importer's identity is said here and nowhere
    else.

    Who: the JWT claims an app's own policies read (``auth.uid()``), set to the profile settled at sign-in:
    the login's mapping (which is what the importer's own policies read, whatever these claims say) or, for
    a login that bypasses row-level security, the declared one, whose transactions also take the API role
    (``Identity.api_role``: ``SET LOCAL ROLE``, as PostgREST does) so that the app's policies apply to them.
    ``who`` is an :class:`Identity`, or a bare profile id (claims only). Transaction-local settings only
    (``set_config(…, true)``), so they hold behind a transaction pooler and never leak to another client of
    a pooled server."""
    profile_id = who.profile_id if isinstance(who, Identity) else who
    names = ["request.jwt.claims", "idle_in_transaction_session_timeout", *KEEPALIVES]
    values: list[str] = [claims(profile_id), IDLE_IN_TRANSACTION_TIMEOUT, *KEEPALIVES.values()]
    if isinstance(who, Identity) and who.api_role:
        names.append("role")
        values.append(who.api_role)
    return ", ".join(f"set_config('{name}', %s, true)" for name in names), tuple(values)


def claims(profile_id: object) -> str:
    """The JWT claims an app's own policies read (``auth.uid()``) for the acting profile."""
    return json.dumps({"sub": str(profile_id), "role": "authenticated"})


def act_as(conn: psycopg.Connection, profile_id: Identity | object) -> None:
    """For this transaction: the app's own policies (``auth.uid()``) see the acting profile, as they see the
    app's users, and a client that vanishes cannot leave its backend holding locks for hours
    (:func:`transaction_settings`)."""
    exprs, params = transaction_settings(profile_id)
    conn.execute("SELECT " + exprs, params)


def measure_round_trip(conn: psycopg.Connection, samples: int = 2) -> float:
    """The link's round-trip time in seconds: the fastest of a few empty statements on an open connection
    (the fastest, so that a busy server does not pass for a far one). Outside any transaction: each
    statement is one round trip."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    best = math.inf
    with autocommit(conn):
        for _ in range(max(1, samples)):
            start = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            best = min(best, time.perf_counter() - start)
    return best


def begin_as(cur: psycopg.ClientCursor[Any], who: Identity | object | None) -> list[str]:
    """``BEGIN`` and, acting as ``who``, the transaction's settings (:func:`transaction_settings`; none for
    None), as statements of one query string, their values bound by the client (nothing prepared on the
    server: fine behind a transaction pooler)."""
    statements = [cur.mogrify("BEGIN")]
    if who is not None:
        settings, params = transaction_settings(who)
        statements.append(cur.mogrify("SELECT " + settings, params))
    return statements


def in_one_trip(conn: psycopg.Connection, who: Identity | object | None, statement: str | sql.SQL | sql.Composed,
                params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """``statement`` in a transaction of its own, acting as ``who`` (:func:`begin_as`), in one round trip
    (:func:`one_trip`: over a far link, a read or a write costs one round trip, not four). Returns the rows
    of the statement's (first) result. The connection must hold no work of its own (an open transaction is
    rolled back first)."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    acting: list[tuple[Any, Any]] = []
    if who is not None:
        settings, values = transaction_settings(who)
        acting.append(("SELECT " + settings, values))
    return one_trip(conn, [*acting, (statement, params)])[len(acting)]


def reason(exc: BaseException | None) -> str:
    """One line saying why a statement or a connection failed (never with a password)."""
    if exc is None:
        return "?"
    if isinstance(exc, ImporterError):
        return exc.text()
    diag = getattr(exc, "diag", None)
    text = (getattr(diag, "message_primary", None) if diag else None) or str(exc).strip().splitlines()[0:1]
    if isinstance(text, list):
        text = text[0] if text else type(exc).__name__
    return str(text)[:200]



def open_link(dsn: str, actor_email: str | None, *, password: str | None = None,
              prompts: Prompts | None = None) -> tuple[CrmLink, Identity]:
    """Connect, check the schema, sign in (the login's profile; ``actor_email`` must be it, or is the
    declared one of a login that bypasses row-level security) and refuse a non-admin (exit 4)."""
    link = CrmLink(dsn, password=password, prompts=prompts)
    try:
        conn = link.conn
        require_schema(conn)  # CrmError 'schema_missing': exit code 4
        identity = sign_in(conn, actor_email)
        require_admin(identity)
        link.identity = identity
        if not identity.verified:
            said = {"login": identity.login, "email": identity.email}
            log.warning(E.message("declared_identity", **said), extra={"code": "declared_identity", "params": said})
    except BaseException:  # a refusal or a failure leaves no connection open behind it
        link.close()
        raise
    return link, identity


def mark_server(link: CrmLink, job_id: str, status: str, message: str | None,
                report_path: str | None = None) -> None:
    """Best effort: the server-side job row says how it ended (the ledger stays the truth)."""
    try:
        names = link.names()
        conn = link.conn
        update = ("UPDATE public.import_jobs SET status = %s, crm_importer_status = %s, error_message = %s,"
                  " error_report_path = coalesce(%s, error_report_path), updated_at = now() WHERE id = %s")
        params = (names.status(status), status, message, report_path, job_id)
        if link.identity is not None:
            in_one_trip(conn, link.identity, update, params)
        else:
            with conn.transaction():
                conn.execute(update, params)
    except Exception:  # noqa: BLE001
        pass


