"""Connecting to the CRM's PostgreSQL: sane network defaults, one-sentence errors, secrets in the keyring.

Why the defaults: an import runs for minutes over laptop Wi-Fi, often to Supabase behind a transaction-mode
pooler. So the connection has a connect timeout, TCP keepalives and ``tcp_user_timeout`` (a dead link is
noticed in about a minute instead of hanging for the kernel's two hours), and psycopg never prepares
server-side statements (``prepare_threshold=None``), which a transaction pooler cannot keep track of.

Errors: libpq's messages are technical and multi-line; they become :class:`CrmError` with a stable code and
one sentence in English or French. The password never appears in an error: libpq does not echo it, but a
malformed connection string can be echoed back, so that case gets a sentence of our own, and every detail
kept for ``--debug`` goes through :func:`_scrub`.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import keyring
import keyring.errors
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm_importer.engine.errors import DEFAULT_LANG, ImporterError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "crm-importer"

#: The OS keyring each platform's saved passwords go to, and the modules keyring needs for it (the bundle
#: ships exactly these: packaging/crm_importer.spec): Windows Credential Manager, the macOS Keychain,
#: the Secret Service (GNOME Keyring, KWallet 5.97+, KeePassXC) or KWallet's own API on Linux.
KEYRING_BACKENDS: dict[str, tuple[str, ...]] = {
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred", "win32ctypes.core"),
    "darwin": ("keyring.backends.macOS", "keyring.backends.macOS.api"),
    "linux": ("keyring.backends.SecretService", "secretstorage", "jeepney", "keyring.backends.kwallet",
              "keyring.backends.libsecret"),
}


#: Exit codes per the CLI contract: 2 unusable input or usage, 3 not completed (try again), 4 refused.
_EXIT_CODES: dict[str, int] = {
    "db_bad_dsn": 2,
    "db_auth_failed": 2,
    "db_password_missing": 2,
    "db_not_found": 2,
    "db_access_denied": 2,
    "db_tls": 2,
    "bad_region": 2,
    "demo_unavailable": 2,
    "demo_version_mismatch": 2,
    "profile_not_found": 4,
    "profile_ambiguous": 4,
    "not_admin": 4,
    "migrate_profiles_no_email": 4,
    "migrate_profiles_no_role": 4,
    "migrate_vocabulary": 4,
    "migrate_required_column": 4,
    "migrate_owner_ambiguous": 4,
    "migrate_owner_not_profile": 4,
    "migrate_owner_unknown": 2,
    "migrate_history_no_lead": 4,
    "migrate_function_incompatible": 4,
    "plan_changed": 4,
    "login_not_mapped": 4,
    "login_profile_inactive": 4,
    "as_mismatch": 4,
    "as_required": 2,
    "declared_refused": 4,
    "grant_failed": 4,
    "grant_not_owner": 4,
    "schema_missing": 4,
}


class CrmError(ImporterError):
    """A CRM database problem the user can act on, worded from the message catalogue.

    ``exit_code`` follows the CLI contract per code (unreachable server: 3, bad credentials: 2, not an
    admin or schema missing: 4). Extra parameters (``detail``) are kept for ``--debug`` output only.
    """

    exit_code = 3

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, **params)
        self.exit_code = _EXIT_CODES.get(code, 3)
        self.args = (self.text(DEFAULT_LANG),)


# --- DSN handling ----------------------------------------------------------------------------------------

_URI_PASSWORD = re.compile(r"^(postgres(?:ql)?://[^:/?#@]*:)([^@/?#]*)(@)", re.IGNORECASE)
# In a malformed key=value DSN, everything up to the next "key=" may be part of the password.
_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)(.*?)(?=\s+\w+\s*=|$)", re.IGNORECASE | re.DOTALL)
_URI_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)


def parse_dsn(dsn: str) -> dict[str, Any]:
    """The DSN's parameters (URI or key=value). A malformed DSN raises ``db_bad_dsn``, without echoing it."""
    try:
        return conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise CrmError("db_bad_dsn") from None


def redact_dsn(dsn: str) -> str:
    """The DSN with its password replaced by ``***``, safe for logs, history and error messages.

    A parsable DSN is rebuilt in its own form (URI stays URI); an unparsable one is redacted by pattern
    so even a typo'd DSN never leaks its password into a log.
    """
    if dsn.lower().startswith(("postgresql://", "postgres://")):
        out = _URI_PASSWORD.sub(lambda m: m.group(1) + ("***" if m.group(2) else "") + m.group(3), dsn)
        return _URI_QUERY_PASSWORD.sub(lambda m: m.group(1) + "***", out)
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return _KV_PASSWORD.sub(lambda m: m.group(1) + "***", dsn)
    if "password" not in params:
        return dsn
    params["password"] = "***"
    return make_conninfo("", **params)


def _is_socket_host(host: str) -> bool:
    return host.startswith("/") or host.startswith("@") or bool(re.match(r"^[A-Za-z]:[\\/]", host))


def _hosts(params: dict[str, str]) -> list[str]:
    host = params.get("host") or os.environ.get("PGHOST") or ""
    if not host and params.get("hostaddr"):
        host = params["hostaddr"]
    return [h for h in host.split(",")] if host else []


def _uses_tcp(params: dict[str, str]) -> bool:
    hosts = _hosts(params)
    if not hosts:
        # libpq's default is a unix socket on POSIX and localhost TCP on Windows.
        return sys.platform == "win32"
    return any(h and not _is_socket_host(h) for h in hosts)


def _endpoint(params: dict[str, str]) -> tuple[str, str, str, str]:
    """(host, port, user, dbname) as libpq would use them, for messages and the keyring key."""
    hosts = _hosts(params)
    host = hosts[0] if hosts else "localhost"
    port = (params.get("port") or os.environ.get("PGPORT") or "5432").split(",")[0]
    user = params.get("user") or os.environ.get("PGUSER") or _os_user()
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or user
    return host, port, user, dbname


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): libpq would fail the same way
        return "postgres"


def build_conninfo(dsn: str, *, password: str | None = None, application_name: str = "crm-importer") -> str:
    """The conninfo :func:`connect` uses: the DSN plus our network defaults where the DSN is silent."""
    params = parse_dsn(dsn)
    if password is not None:
        params["password"] = password
    if "connect_timeout" not in params and not os.environ.get("PGCONNECT_TIMEOUT"):
        params["connect_timeout"] = "10"
    if _uses_tcp(params):
        params.setdefault("keepalives", "1")
        params.setdefault("keepalives_idle", "30")
        params.setdefault("keepalives_interval", "10")
        params.setdefault("keepalives_count", "3")
        # Milliseconds unacknowledged data may wait before the link is declared dead; matches keepalives.
        params.setdefault("tcp_user_timeout", "60000")
    if "application_name" not in params and not os.environ.get("PGAPPNAME"):
        params["application_name"] = application_name
    return make_conninfo("", **params)


# --- errors ------------------------------------------------------------------------------------------------


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            text = text.replace(quote(secret, safe=""), "***")
    return text


def _first_line(message: str) -> str:
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    text = lines[0] if lines else message.strip()
    # psycopg prefixes multi-host attempts with 'connection failed: connection to server at ... failed:'.
    text = re.sub(r"^(connection failed:\s*)?(connection to server (at|on) .*?failed:\s*)", "", text)
    return text.rstrip(".")


def classify_connect_error(exc: BaseException, params: dict[str, Any]) -> CrmError:
    """Turn a libpq/psycopg connection failure into one :class:`CrmError` (never with the password)."""
    host, port, user, dbname = _endpoint(params)
    secrets = [params.get("password") or "", os.environ.get("PGPASSWORD") or ""]
    raw = _scrub(str(exc), secrets)
    low = raw.lower()
    detail = _first_line(raw)
    common: dict[str, Any] = {"host": host, "port": port, "user": user, "dbname": dbname, "detail": detail}
    sqlstate = getattr(exc, "sqlstate", None)
    pgconn = getattr(exc, "pgconn", None)
    if getattr(pgconn, "needs_password", False) or "no password supplied" in low:
        return CrmError("db_password_missing", **common)
    if (
        sqlstate == "28P01"
        or "password authentication failed" in low
        or "authentication failed for user" in low
        or re.search(r'role ".*" does not exist', low)
    ):
        return CrmError("db_auth_failed", **common)
    if sqlstate == "3D000" or re.search(r'database ".*" does not exist', low):
        return CrmError("db_not_found", **common)
    if "pg_hba.conf" in low:
        return CrmError("db_access_denied", **common)
    if (
        sqlstate == "53300"
        or "too many clients" in low
        or "too many connections" in low
        or "remaining connection slots" in low
    ):
        return CrmError("db_busy", **common)
    if sqlstate in ("57P03", "57P01", "57P02") or any(
        s in low for s in ("the database system is starting up", "the database system is shutting down",
                           "the database system is in recovery mode", "not yet accepting connections")
    ):
        return CrmError("db_unreachable", **common)  # a restart: retried with backoff
    if re.search(r"\bssl\b|\btls\b|certificate|gssapi", low):
        return CrmError("db_tls", reason=detail, **{k: v for k, v in common.items() if k != "detail"})
    if any(
        s in low
        for s in (
            "connection refused",
            "could not translate host name",
            "failed to resolve host",
            "name or service not known",
            "timeout expired",
            "timed out",
            "network is unreachable",
            "no route to host",
            "no such file or directory",
            "could not connect",
            "server closed the connection unexpectedly",
            "connection reset",
        )
    ):
        return CrmError("db_unreachable", **common)
    return CrmError("db_error", reason=detail, **{k: v for k, v in common.items() if k != "detail"})


def connect(
    dsn: str,
    *,
    password: str | None = None,
    autocommit: bool = False,
    application_name: str = "crm-importer",
) -> psycopg.Connection:
    """Open a connection to the CRM with the importer's defaults (see the module docstring).

    ``password`` (from the keyring or a prompt) is added to the DSN's parameters; ``sslmode`` and every
    other parameter of the DSN pass through untouched. Failures raise :class:`CrmError`.
    """
    conninfo = build_conninfo(dsn, password=password, application_name=application_name)
    params = conninfo_to_dict(conninfo)
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, prepare_threshold=None)
    except psycopg.Error as exc:
        raise classify_connect_error(exc, params) from None


#: The caller's prompt: given ``user@host:port``, the password the user typed, or None (none given).
AskPassword = Callable[[str], str | None]


def connect_asking(
    dsn: str, *, ask_password: AskPassword | None = None, autocommit: bool = False,
    application_name: str = "crm-importer",
) -> psycopg.Connection:
    """Connect like ``psql``: libpq first looks where it always does (the DSN, ``PGPASSWORD``, the password
    file). Only when it reports that the server wants a password none of them gave
    (``pgconn.needs_password``) does the keyring's come in, and then ``ask_password``, the caller's prompt
    (the CLI's terminal, the GUI's dialog; None: never ask). A saved password the server refuses is
    asked again rather than reported. The connection's ``info.password`` is the one that worked.
    """
    kwargs: dict[str, Any] = {"autocommit": autocommit, "application_name": application_name}
    try:
        return connect(dsn, **kwargs)
    except CrmError as exc:
        if exc.code != "db_password_missing":
            raise
        missing = exc
    failure: CrmError = missing  # what to say when nothing more can be tried
    saved = saved_password_for(dsn)
    if saved is not None:
        try:
            return connect(dsn, password=saved, **kwargs)
        except CrmError as exc:
            if exc.code != "db_auth_failed":
                raise
            failure = exc  # the saved password was refused: say so, not that none was given
    host, port, user, _ = dsn_endpoint(dsn)
    typed = ask_password(f"{user}@{host}:{port}") if ask_password is not None else None
    if not typed:
        raise failure
    return connect(dsn, password=typed, **kwargs)


# --- passwords ------------------------------------------------------------------------------------------------


def _keyring_username(host: str, port: int | str, user: str) -> str:
    return f"{user}@{host}:{port}"


def keyring_available() -> bool:
    """Whether a keyring that can keep passwords is there (not keyring's ``fail`` or ``null`` backend)."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring set-up is no keyring
        return False
    return type(backend).__module__.split(".")[-1] not in ("fail", "null")


def get_password(host: str, port: int | str, user: str) -> str | None:
    """The password saved for ``user@host:port``, or None (none saved, or no usable keyring)."""
    try:
        return keyring.get_password(KEYRING_SERVICE, _keyring_username(host, port, user))
    except keyring.errors.KeyringError as exc:
        log.info("keyring unavailable: %s", type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - OS backends raise their own errors (D-Bus, locked store)
        log.warning("keyring lookup failed: %s", type(exc).__name__)
    return None


def store_password(host: str, port: int | str, user: str, password: str) -> bool:
    """Save the password in the OS keyring; False (no exception) when there is no usable keyring."""
    try:
        keyring.set_password(KEYRING_SERVICE, _keyring_username(host, port, user), password)
        return True
    except keyring.errors.KeyringError as exc:
        log.info("keyring unavailable: %s", type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - see get_password
        log.warning("keyring store failed: %s", type(exc).__name__)
    return False


def delete_password(host: str, port: int | str, user: str) -> bool:
    """Forget the saved password; False when none was saved or there is no usable keyring."""
    try:
        keyring.delete_password(KEYRING_SERVICE, _keyring_username(host, port, user))
        return True
    except keyring.errors.PasswordDeleteError:
        return False
    except Exception as exc:  # noqa: BLE001 - see get_password
        log.info("keyring delete failed: %s", type(exc).__name__)
    return False


def dsn_has_password(dsn: str) -> bool:
    return bool(parse_dsn(dsn).get("password"))


def dsn_endpoint(dsn: str) -> tuple[str, str, str, str]:
    """(host, port, user, dbname) of a DSN, with libpq's defaults: the keyring key and what messages name."""
    return _endpoint(parse_dsn(dsn))


def saved_password_for(dsn: str) -> str | None:
    host, port, user, _ = dsn_endpoint(dsn)
    return get_password(host, port, user)


def scalar(conn: psycopg.Connection, query: Any, params: Any = None) -> Any:
    """The first column of the one row a query returns (an aggregate, ``exists``, ``count``)."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise psycopg.ProgrammingError("the query returned no row")
    return row[0]


def one_trip(conn: psycopg.Connection, statements: list[tuple[Any, Any]]) -> list[list[tuple[Any, ...]]]:
    """``statements`` (query and params, or None for a query without) as one transaction in one round trip:
    ``BEGIN``, them and ``COMMIT`` as one query string, their values bound by the client (nothing prepared
    on the server). Returns each statement's rows ([] for one without a result). Over a far link a read of
    several statements costs one round trip, not one per statement and two more for the transaction; a
    failure rolls the transaction back and is raised. On a connection inside a transaction already, the
    statements go in that one (one round trip, nothing committed)."""
    cur = psycopg.ClientCursor(conn)
    parts = [cur.mogrify(q, p) if p is not None else (q.as_string(conn) if isinstance(q, sql.Composable) else q)
             for q, p in statements]

    def results() -> list[list[tuple[Any, ...]]]:
        found = [list(cur.fetchall()) if cur.description else []]
        while cur.nextset():
            found.append(list(cur.fetchall()) if cur.description else [])
        return found

    if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
        cur.execute("; ".join(parts))
        return results()
    with autocommit(conn):
        cur.execute("; ".join(["BEGIN", *parts, "COMMIT"]))
        return results()[1:-1]  # less BEGIN's and COMMIT's


@contextmanager
def autocommit(conn: psycopg.Connection) -> Iterator[None]:
    """The connection in autocommit mode for a while (an idle one: a transaction left open is rolled back
    first), so that an explicit ``BEGIN`` goes with the statements after it instead of costing a round trip
    of its own; a transaction the block leaves open (a failure) is rolled back, and the connection's mode is
    given back."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    was = conn.autocommit
    conn.autocommit = True
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                try:
                    conn.execute("ROLLBACK")
                except psycopg.Error:
                    pass
            if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                conn.autocommit = was


# --- who the importer acts as ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The CRM profile the importer acts as: recorded on every job, lead and history row.

    ``verified``: the database itself says who this is (the login's mapping in ``crm_importer_logins``);
    False for a login that bypasses row-level security, whose profile is only declared (``--as``).
    """

    profile_id: uuid.UUID
    email: str
    full_name: str | None
    role: str
    login: str = ""
    verified: bool = True
    #: For a declared identity on a Supabase-shaped CRM: the API role (``authenticated``) the importer's
    #: transactions take, so that the app's own policies judge its writes as they judge the app's users'.
    api_role: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def assurance(self) -> str:
        return "verified" if self.verified else "declared"


def sign_in(conn: psycopg.Connection, email: str | None = None) -> Identity:
    """Who this connection imports as.

    A login that row-level security applies to is the profile it is mapped to (``crm-importer db grant``):
    ``email``, when given, must be that profile (``as_mismatch``), and an unmapped login is refused
    (``login_not_mapped``). A login that bypasses row-level security (a superuser, Supabase's ``postgres``)
    cannot be checked by the database: it acts as ``email`` (else its mapping; else ``as_required``), the
    identity is *declared*, and the CRM may refuse that (``declared_refused``).
    """
    whoami_sql = ("select login, bypass, profile_id, email, full_name, role, active"
                  " from public.crm_importer_whoami()", None)
    # A login that bypasses row-level security writes under the profile's rights where the app decides: its
    # transactions take Supabase's `authenticated` role (it is a member, as Supabase's postgres is) with the
    # profile's claims, the way the app's API runs its users' requests.
    api_sql = ("select case when to_regprocedure('auth.uid()') is not null and exists (select 1 from pg_roles"
               " where rolname = 'authenticated') and pg_has_role(session_user, 'authenticated', 'MEMBER')"
               " then 'authenticated' end", None)
    # What a declared identity needs besides: the CRM's say on them, and the profile (the one given, else the
    # login's mapping).
    declared_sql = [
        ("select (select value from public.crm_importer_settings where key = 'declared_identity')", None),
        ("select id, email, full_name, role::text from public.profiles where lower(btrim(email)) ="
         " lower(btrim(coalesce(%s, (select email from public.crm_importer_whoami())))) and active is not false",
         (email,)),
    ]
    try:  # everything in one round trip
        whoami, api, *more = one_trip(conn, [whoami_sql, api_sql, *declared_sql])
    except psycopg.DatabaseError:
        # A login those reads fail for (one mapped to its profile, with no right on them, or under an app's
        # policy that fails without claims): they are only a declared identity's, read after the rest.
        whoami, api = one_trip(conn, [whoami_sql, api_sql])
        more = []
    if not whoami:  # a function returning one row always does; a broken one is a bug
        raise psycopg.ProgrammingError("crm_importer_whoami() returned no row")
    login, bypass, mapped_id, mapped_email, mapped_name, mapped_role, active = whoami[0]
    if not bypass:
        if mapped_id is None:
            raise CrmError("login_not_mapped", login=login)
        if not active:
            raise CrmError("login_profile_inactive", login=login, email=mapped_email)
        if email is not None and email.strip().lower() != (mapped_email or "").strip().lower():
            raise CrmError("as_mismatch", login=login, profile=mapped_email, email=email.strip())
        return Identity(profile_id=mapped_id, email=mapped_email, full_name=mapped_name,
                        role=mapped_role or "", login=login, verified=True)
    if email is None:
        if mapped_id is None or not active:
            raise CrmError("as_required", login=login)
        email = mapped_email
    declared, rows = more or one_trip(conn, declared_sql)
    if declared[0][0] == "refused":
        raise CrmError("declared_refused", login=login)
    wanted = (email or "").strip()
    api_role = api[0][0]
    if not rows:
        raise CrmError("profile_not_found", email=wanted)
    if len(rows) > 1:
        raise CrmError("profile_ambiguous", email=wanted)
    pid, found_email, full_name, role = rows[0]
    return Identity(profile_id=pid, email=found_email, full_name=full_name, role=role or "", login=login,
                    verified=False, api_role=api_role)


def require_admin(identity: Identity) -> None:
    """Refuse (exit code 4) unless the profile is an admin: imports and undo are admin-only."""
    if not identity.is_admin:
        raise CrmError("not_admin", email=identity.email, role=identity.role)
