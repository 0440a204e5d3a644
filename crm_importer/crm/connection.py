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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import keyring
import keyring.errors
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm_importer.engine.errors import DEFAULT_LANG, ImporterError, register_messages

log = logging.getLogger(__name__)

KEYRING_SERVICE = "crm-importer"

#: Messages for the CRM/database errors, same shape as ``engine.errors.MESSAGES``.
CRM_MESSAGES: dict[str, dict[str, str]] = {
    "db_bad_dsn": {
        "en": "The database connection string cannot be read; use a postgresql:// URI or key=value pairs.",
        "fr": "La chaîne de connexion à la base est illisible ; utilisez une URI postgresql:// "
        "ou des paires clé=valeur.",
    },
    "db_unreachable": {
        "en": "Cannot reach the database server at {host}:{port}; check that it is running and that the "
        "host and port are right.",
        "fr": "Impossible de joindre le serveur de base de données {host}:{port} ; vérifiez qu’il est "
        "démarré et que l’hôte et le port sont justes.",
    },
    "db_auth_failed": {
        "en": "The database refused the login of user “{user}”: wrong user name or password.",
        "fr": "La base a refusé la connexion de l’utilisateur « {user} » : nom d’utilisateur ou mot de "
        "passe incorrect.",
    },
    "db_password_missing": {
        "en": "The database asks for the password of user “{user}” and none was given.",
        "fr": "La base demande le mot de passe de l’utilisateur « {user} » et aucun n’a été fourni.",
    },
    "db_not_found": {
        "en": "There is no database named “{dbname}” on this server.",
        "fr": "Il n’y a pas de base nommée « {dbname} » sur ce serveur.",
    },
    "db_access_denied": {
        "en": "The database server does not accept user “{user}” on database “{dbname}” from this "
        "computer (pg_hba.conf, or TLS required).",
        "fr": "Le serveur de base de données n’accepte pas l’utilisateur « {user} » sur la base "
        "« {dbname} » depuis cet ordinateur (pg_hba.conf, ou TLS exigé).",
    },
    "db_tls": {
        "en": "A secure (TLS) connection to the database could not be set up: {reason}.",
        "fr": "La connexion sécurisée (TLS) à la base n’a pas pu être établie : {reason}.",
    },
    "db_busy": {
        "en": "The database server has no free connection slot; try again in a moment.",
        "fr": "Le serveur de base de données n’a plus de connexion libre ; réessayez dans un instant.",
    },
    "db_error": {
        "en": "Cannot connect to the database: {reason}.",
        "fr": "Impossible de se connecter à la base : {reason}.",
    },
    "profile_not_found": {
        "en": "No active CRM profile has the email {email}.",
        "fr": "Aucun profil actif du CRM n’a l’adresse {email}.",
    },
    "profile_ambiguous": {
        "en": "Several CRM profiles have the email {email}; make it unique in the CRM first.",
        "fr": "Plusieurs profils du CRM ont l’adresse {email} ; rendez-la unique dans le CRM d’abord.",
    },
    "not_admin": {
        "en": "{email} is “{role}” in the CRM; only an admin can import or undo imports.",
        "fr": "{email} a le rôle « {role} » dans le CRM ; seul un administrateur peut importer ou "
        "annuler un import.",
    },
    "schema_missing": {
        "en": "The CRM database is not set up for crm-importer (schema version {found}, version {required} "
        "needed): run “crm-importer db migrate --db …” first.",
        "fr": "La base du CRM n’est pas préparée pour crm-importer (version du schéma {found}, version "
        "{required} requise) : lancez d’abord « crm-importer db migrate --db … ».",
    },
    "migration_failed": {
        "en": "Installing the crm-importer schema (version {version}) failed, nothing was changed: {reason}.",
        "fr": "L’installation du schéma crm-importer (version {version}) a échoué, rien n’a été modifié : "
        "{reason}.",
    },
    "bad_region": {
        "en": "“{region}” is not a country code known for phone numbers (use e.g. FR, BE, CH, US).",
        "fr": "« {region} » n’est pas un code pays connu pour les numéros de téléphone (par ex. FR, BE, "
        "CH, US).",
    },
    "demo_unavailable": {
        "en": "The demo database cannot start: {reason}.",
        "fr": "La base de démonstration ne peut pas démarrer : {reason}.",
    },
    "demo_version_mismatch": {
        "en": "The demo data in {path} was made by PostgreSQL {data_version}, which is not available here; "
        "move that folder away to start a new demo database.",
        "fr": "Les données de démonstration de {path} ont été créées par PostgreSQL {data_version}, absent "
        "ici ; déplacez ce dossier pour créer une nouvelle base de démonstration.",
    },
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
    "schema_missing": 4,
}
register_messages(CRM_MESSAGES)  # a failed job's stored code is worded in the History's language


class CrmError(ImporterError):
    """A CRM database problem the user can act on, worded from :data:`CRM_MESSAGES`.

    ``exit_code`` follows the CLI contract per code (unreachable server: 3, bad credentials: 2, not an
    admin or schema missing: 4). Extra parameters (``detail``) are kept for ``--debug`` output only.
    """

    exit_code = 3

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, **params)
        self.exit_code = _EXIT_CODES.get(code, 3)
        self.args = (self.text(DEFAULT_LANG),)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        texts = CRM_MESSAGES.get(self.code)
        if texts is None:
            return super().text(lang)
        template = texts.get(lang) or texts[DEFAULT_LANG]
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template


# --- DSN handling ----------------------------------------------------------------------------------------

_URI_PASSWORD = re.compile(r"^(postgres(?:ql)?://[^:/?#@]*:)([^@/?#]*)(@)", re.IGNORECASE)
# In a malformed key=value DSN, everything up to the next "key=" may be part of the password.
_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)(.*?)(?=\s+\w+\s*=|$)", re.IGNORECASE | re.DOTALL)
_URI_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)


def parse_dsn(dsn: str) -> dict[str, str]:
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


def classify_connect_error(exc: BaseException, params: dict[str, str]) -> CrmError:
    """Turn a libpq/psycopg connection failure into one :class:`CrmError` (never with the password)."""
    host, port, user, dbname = _endpoint(params)
    secrets = [params.get("password") or "", os.environ.get("PGPASSWORD") or ""]
    raw = _scrub(str(exc), secrets)
    low = raw.lower()
    detail = _first_line(raw)
    common: dict[str, Any] = {"host": host, "port": port, "user": user, "dbname": dbname, "detail": detail}
    sqlstate = getattr(exc, "sqlstate", None)
    if "no password supplied" in low or "password is required" in low:
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


def connect_with_prompt(
    dsn: str, *, interactive: bool, autocommit: bool = False, application_name: str = "crm-importer"
) -> psycopg.Connection:
    """Connect like ``psql``: the keyring's password if any, and a prompt only if the server asks for one.

    Prompting only after the server said it needs a password spares local (peer/trust) and ``.pgpass``
    users a useless question.
    """
    password = None if dsn_has_password(dsn) else _keyring_password_for(dsn)
    try:
        return connect(dsn, password=password, autocommit=autocommit, application_name=application_name)
    except CrmError as exc:
        if exc.code not in ("db_password_missing", "db_auth_failed") or not _can_prompt(interactive):
            raise
        if exc.code == "db_auth_failed" and password is None:
            raise
        typed = _prompt_password(dsn)
        if not typed:
            raise
        return connect(dsn, password=typed, autocommit=autocommit, application_name=application_name)


# --- passwords ------------------------------------------------------------------------------------------------


def _keyring_username(host: str, port: int | str, user: str) -> str:
    return f"{user}@{host}:{port}"


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


def _keyring_password_for(dsn: str) -> str | None:
    host, port, user, _ = dsn_endpoint(dsn)
    return get_password(host, port, user)


def _can_prompt(interactive: bool) -> bool:
    try:
        return interactive and sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _prompt_password(dsn: str) -> str | None:
    host, port, user, _ = dsn_endpoint(dsn)
    try:
        return getpass.getpass(f"Password for {user}@{host}:{port}: ")
    except (EOFError, KeyboardInterrupt):
        return None


def _pgpass_has_entry(params: dict[str, str]) -> bool:
    """True when libpq will find a password in the password file for this endpoint (so: don't prompt)."""
    path = params.get("passfile") or os.environ.get("PGPASSFILE")
    if not path:
        if sys.platform == "win32":
            path = os.path.join(os.environ.get("APPDATA", ""), "postgresql", "pgpass.conf")
        else:
            path = os.path.join(os.path.expanduser("~"), ".pgpass")
    host, port, user, dbname = _endpoint(params)
    if _is_socket_host(host):
        host = "localhost"
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = re.split(r"(?<!\\):", line, maxsplit=4)
        if len(fields) != 5:
            continue
        if all(
            f == "*" or f.replace("\\:", ":") == v
            for f, v in zip(fields[:4], (host, port, dbname, user), strict=True)
        ):
            return True
    return False


def resolve_password(dsn: str, interactive: bool) -> str | None:
    """The password to add to ``dsn``: None when the DSN has one or libpq will find one by itself
    (PGPASSWORD, password file); else the keyring's; else a prompt when interactive on a terminal."""
    params = parse_dsn(dsn)
    if params.get("password"):
        return None
    if os.environ.get("PGPASSWORD") or _pgpass_has_entry(params):
        return None
    host, port, user, _ = _endpoint(params)
    saved = get_password(host, port, user)
    if saved is not None:
        return saved
    if _can_prompt(interactive):
        return _prompt_password(dsn)
    return None


# --- who the importer acts as ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The CRM profile the importer acts as: recorded on every job, lead and history row."""

    profile_id: uuid.UUID
    email: str
    full_name: str | None
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def sign_in(conn: psycopg.Connection, email: str) -> Identity:
    """The active profile with this email (case and surrounding spaces ignored), or ``profile_not_found``."""
    wanted = email.strip()
    with conn.transaction():
        rows = conn.execute(
            "select id, email, full_name, role::text from public.profiles"
            " where lower(btrim(email)) = lower(%s) and active is not false",
            (wanted,),
        ).fetchall()
    if not rows:
        raise CrmError("profile_not_found", email=wanted)
    if len(rows) > 1:
        raise CrmError("profile_ambiguous", email=wanted)
    pid, found_email, full_name, role = rows[0]
    return Identity(profile_id=pid, email=found_email, full_name=full_name, role=role or "")


def set_actor(conn: psycopg.Connection, identity: Identity) -> None:
    """Make ``public.crm_current_profile_id()`` (and so RLS) see this profile for the session.

    The setting is session-level; run inside the caller's transaction it would be undone by a rollback, so
    on an idle connection it is committed at once. Behind a transaction-mode pooler a session setting does
    not follow the next transaction: call it again at the start of each transaction there.
    """
    with conn.transaction():
        conn.execute("select set_config('crm.profile_id', %s, false)", (str(identity.profile_id),))


def require_admin(identity: Identity) -> None:
    """Refuse (exit code 4) unless the profile is an admin: imports and undo are admin-only."""
    if not identity.is_admin:
        raise CrmError("not_admin", email=identity.email, role=identity.role)
