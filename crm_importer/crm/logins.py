"""Which CRM profile each database login acts as (``crm-importer db grant / revoke / logins``).

The mapping lives in ``crm_importer_logins``, which only its owner (the schema owner) reads or writes; the
importer's ``crm_current_profile_id()`` reads it by ``session_user``, so a login cannot claim to be another
profile by any setting, ``SET ROLE`` or JWT claim of its own. ``grant`` maps an existing login, or creates
one with a generated password (sent to the server as a SCRAM verifier, never in clear), and gives it what
the importer needs: on Supabase membership of ``authenticated`` (the app's API rights, the policies decide
the rows), on plain PostgreSQL the CRM tables' privileges.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from crm_importer.crm.connection import CrmError, scalar
from crm_importer.crm.schema import LOGINS_TABLE, require_schema

#: The tables a login that imports works with, on plain PostgreSQL (row-level security decides the rows).
_WRITTEN = ("leads", "lead_history", "import_jobs", "import_rows", "import_batches", "crm_importer_events")
_READ = ("profiles", "crm_importer_settings", "crm_importer_migrations")


@dataclass(frozen=True)
class Granted:
    login: str
    email: str
    role: str
    #: The generated password of a login created now (shown once), else None.
    password: str | None


@dataclass(frozen=True)
class LoginRow:
    login: str
    email: str
    role: str
    granted_at: datetime
    granted_by: str
    #: The login bypasses row-level security: what it imports is only declared.
    bypass: bool


def _require_owner(conn: psycopg.Connection) -> None:
    """Only the mapping table's owner (or a login that bypasses row-level security) may read or write it:
    say so before anything else, rather than fail on what row-level security hides."""
    if not scalar(conn, "select pg_has_role(c.relowner, 'USAGE') or r.rolsuper or r.rolbypassrls"
                        " from pg_class c, pg_roles r where c.oid = %s::regclass and r.rolname = current_user",
                  (f"public.{LOGINS_TABLE}",)):
        raise CrmError("grant_not_owner", login=scalar(conn, "select current_user"))


def _profile(conn: psycopg.Connection, email: str) -> tuple[object, str, str]:
    rows = conn.execute("select id, email, role::text from public.profiles"
                        " where lower(btrim(email)) = lower(btrim(%s)) and active is not false", (email,)).fetchall()
    if not rows:
        raise CrmError("profile_not_found", email=email.strip())
    if len(rows) > 1:
        raise CrmError("profile_ambiguous", email=email.strip())
    return rows[0][0], rows[0][1], rows[0][2] or ""


def _existing_tables(conn: psycopg.Connection, names: tuple[str, ...]) -> list[str]:
    return [r[0] for r in conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relname = any(%s) and c.relkind in ('r', 'p') order by 1",
        (list(names),))]


def _give_import_rights(conn: psycopg.Connection, ident: sql.Identifier) -> None:
    if scalar(conn, "select to_regprocedure('auth.uid()') is not null"
                    " and exists (select 1 from pg_roles where rolname = 'authenticated')"):
        conn.execute(sql.SQL("grant authenticated to {}").format(ident))
        return
    conn.execute(sql.SQL("grant usage on schema public to {}").format(ident))
    for table in _existing_tables(conn, _WRITTEN):
        conn.execute(sql.SQL("grant select, insert, update, delete on table public.{} to {}").format(
            sql.Identifier(table), ident))
    for table in _existing_tables(conn, _READ):
        conn.execute(sql.SQL("grant select on table public.{} to {}").format(sql.Identifier(table), ident))
    conn.execute(sql.SQL("grant usage, select on all sequences in schema public to {}").format(ident))


def grant(conn: psycopg.Connection, login: str, email: str, *, with_password: bool = True) -> Granted:
    """Map ``login`` to the active profile ``email`` (creating the login when it does not exist, with a
    generated password unless ``with_password`` is False), in one transaction. Run by the schema owner; what
    the server refuses is ``grant_failed`` with its reason."""
    login = login.strip()
    require_schema(conn)
    _require_owner(conn)
    try:
        with conn.transaction():
            pid, found_email, role = _profile(conn, email)
            password = None
            ident = sql.Identifier(login)
            if not scalar(conn, "select exists (select 1 from pg_roles where rolname = %s)", (login,)):
                if with_password:
                    password = secrets.token_urlsafe(18)
                    verifier = conn.pgconn.encrypt_password(password.encode(), login.encode())
                    conn.execute(sql.SQL("create role {} login password {}").format(
                        ident, sql.Literal(verifier.decode())))
                else:
                    conn.execute(sql.SQL("create role {} login").format(ident))
            # An admin's login gets what importing needs. Supabase-shaped as db migrate tells it (auth.uid()
            # and the API roles in this database's cluster): it becomes one of the app's signed-in users;
            # elsewhere it gets the CRM tables' privileges. Another profile's login is mapped and given
            # nothing: only admins import, and a member of `authenticated` can set its own JWT claims,
            # which an app's own policies (auth.uid()) believe.
            if role == "admin":
                _give_import_rights(conn, ident)
            conn.execute(sql.SQL(
                "insert into public.{t} (login, profile_id) values (%s, %s) on conflict (login) do update"
                " set profile_id = excluded.profile_id, granted_at = now(), granted_by = session_user"
            ).format(t=sql.Identifier(LOGINS_TABLE)), (login, pid))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CrmError("grant_failed", login=login, reason=(exc.diag.message_primary or str(exc))) from exc
    return Granted(login, found_email, role, password)


def revoke(conn: psycopg.Connection, login: str) -> bool:
    """Remove the login's mapping (the login itself is kept); False when it had none."""
    require_schema(conn)
    _require_owner(conn)
    try:
        with conn.transaction():
            cur = conn.execute(sql.SQL("delete from public.{} where login = %s").format(sql.Identifier(LOGINS_TABLE)),
                               (login.strip(),))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CrmError("grant_failed", login=login, reason=(exc.diag.message_primary or str(exc))) from exc
    return cur.rowcount > 0


def list_logins(conn: psycopg.Connection) -> list[LoginRow]:
    require_schema(conn)
    _require_owner(conn)
    try:
        with conn.transaction():
            rows = conn.execute(sql.SQL(
                "select l.login, p.email, p.role::text, l.granted_at, l.granted_by,"
                " coalesce(r.rolsuper or r.rolbypassrls, false)"
                " from public.{} l join public.profiles p on p.id = l.profile_id"
                " left join pg_roles r on r.rolname = l.login order by l.login"
            ).format(sql.Identifier(LOGINS_TABLE))).fetchall()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CrmError("grant_failed", login="", reason=(exc.diag.message_primary or str(exc))) from exc
    return [LoginRow(r[0], r[1], r[2] or "", r[3], r[4], bool(r[5])) for r in rows]


def declared_policy(conn: psycopg.Connection, value: str | None = None) -> str:
    """Whether logins that bypass row-level security may import ('allowed' or 'refused'); set it when
    ``value`` is given."""
    if value is not None:
        _require_owner(conn)
    with conn.transaction():
        if value is not None:
            conn.execute("insert into public.crm_importer_settings (key, value) values ('declared_identity', %s)"
                         " on conflict (key) do update set value = excluded.value", (value,))
        found = scalar(conn, "select (select value from public.crm_importer_settings"
                             " where key = 'declared_identity')")
    return str(found or "allowed")
