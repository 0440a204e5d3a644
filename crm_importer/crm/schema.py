"""The CRM schema contract: installed and upgraded by ``crm-importer db migrate``, idempotent and versioned.

Why it looks like this:

- **Existing CRMs first.** Most databases already have ``profiles`` and ``leads`` (a Supabase CRM). The
  migration only adds what is missing (``CREATE TABLE IF NOT EXISTS``, ``ADD COLUMN IF NOT EXISTS``,
  ``CREATE INDEX IF NOT EXISTS``) and never alters or drops what the CRM owns. A column added to an existing
  table is nullable unless it has a default, so it cannot fail on existing rows. Row-level security on
  ``profiles`` and ``lead_history`` is only switched on when the migration creates those tables; an existing
  ``get_user_role()`` that is already SECURITY DEFINER is the CRM's own and is kept.
- **Safe to run twice at once.** Each version runs in one transaction that first takes a transaction-level
  advisory lock (session locks do not survive a transaction-mode pooler such as Supabase's) and then checks
  the ledger table ``crm_importer_migrations`` again, so a second runner waits and then finds nothing to do.
- **Matching what people typed.** Existing leads hold emails in any case and phones in any format. The match
  indexes are on normalized expressions — ``lower(btrim(email))``, ``lower(btrim(external_id))`` and
  ``public.crm_phone_e164(phone, '<calling code>')`` — so the importer's set-based dedupe queries are index
  scans, never a load of the leads table. The CRM's region is stored in ``crm_importer_settings`` so the
  importer queries with the same calling code as the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
import psycopg
from psycopg import sql

from crm_importer.crm.connection import CrmError, scalar
from crm_importer.engine.fields import FIELD_BY_NAME, LEAD_COLUMNS

log = logging.getLogger(__name__)

SCHEMA_VERSION: int = 1

#: Key of the transaction-level advisory lock that serializes migrations of one database ("crm_imp").
MIGRATION_LOCK_KEY = 0x63726D5F696D70

#: Roles the access policies apply to on plain PostgreSQL (Supabase: ``authenticated``).
PLAIN_POLICY_ROLE = "public"


@dataclass
class _Context:
    """What one migration run knows about the database it is changing."""

    region: str
    country_code: str
    supabase: bool
    policy_role: str
    created: set[str]


# --- helpers ---------------------------------------------------------------------------------------------


def _exists(conn: psycopg.Connection, regclass: str) -> bool:
    """Whether a table exists, read from pg_class itself rather than with ``to_regclass()``.

    After waiting on the advisory lock for a concurrent migration, this backend's catalog caches still
    say that migration's tables do not exist: cache invalidations are only processed when a relation is
    locked. Querying pg_class takes such a lock (and reads with a fresh snapshot), so later cache lookups
    (``CREATE TABLE IF NOT EXISTS`` …) see the committed tables too.
    """
    schema, _, name = regclass.rpartition(".")
    return scalar(
        conn,
        "select exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n"
        " on n.oid = c.relnamespace where n.nspname = %s and c.relname = %s)",
        (schema or "public", name),
    )


def _function_exists(conn: psycopg.Connection, signature: str) -> bool:
    return scalar(conn, "select to_regprocedure(%s) is not null", (signature,))


def _run(conn: psycopg.Connection, statements: str | sql.SQL | sql.Composed) -> None:
    conn.execute(statements)


def country_code_for(region: str) -> str:
    """The calling code of a region ('FR' -> '33'); ``bad_region`` for an unknown one."""
    code = phonenumbers.country_code_for_region((region or "").strip().upper())
    if not code:
        raise CrmError("bad_region", region=region)
    return str(code)


# --- version 1 ---------------------------------------------------------------------------------------------


def _len(name: str) -> int:
    return FIELD_BY_NAME[name].max_length


def _lead_columns_sql() -> list[str]:
    """The importable lead columns, typed with the limits the validator enforces (fields.py)."""
    return [f"{name} varchar({_len(name)})" for name in LEAD_COLUMNS]


def _v1_tables(conn: psycopg.Connection, ctx: _Context) -> None:
    for table in (
        "profiles",
        "import_jobs",
        "leads",
        "lead_history",
        "import_batches",
        "crm_importer_settings",
    ):
        if not _exists(conn, f"public.{table}"):
            ctx.created.add(table)

    _run(
        conn,
        """
        create table if not exists public.crm_importer_settings (
            key text primary key,
            value text
        );

        create table if not exists public.profiles (
            id uuid primary key default gen_random_uuid(),
            email text not null unique,
            full_name text,
            role text not null check (role in ('admin', 'manager', 'sales')),
            active boolean not null default true,
            created_at timestamptz default now()
        );
        alter table public.profiles
            add column if not exists email text,
            add column if not exists full_name text,
            add column if not exists role text check (role in ('admin', 'manager', 'sales')),
            add column if not exists active boolean not null default true,
            add column if not exists created_at timestamptz default now();

        create table if not exists public.import_jobs (
            id uuid primary key default gen_random_uuid(),
            file_name text,
            file_hash text,
            status text,
            total_rows integer,
            valid_rows integer,
            invalid_rows integer,
            imported_rows integer default 0,
            updated_rows integer default 0,
            duplicate_rows integer default 0,
            skipped_rows integer default 0,
            rejected_rows integer default 0,
            processed_rows integer default 0,
            last_checkpoint integer default 0,
            error_report_path text,
            assignment_config jsonb,
            duplicate_config jsonb,
            column_mapping jsonb,
            worker_id text,
            created_by uuid references public.profiles (id),
            created_at timestamptz default now(),
            updated_at timestamptz default now(),
            started_at timestamptz,
            completed_at timestamptz,
            error_message text
        );
        alter table public.import_jobs
            add column if not exists file_name text,
            add column if not exists file_hash text,
            add column if not exists status text,
            add column if not exists total_rows integer,
            add column if not exists valid_rows integer,
            add column if not exists invalid_rows integer,
            add column if not exists imported_rows integer default 0,
            add column if not exists updated_rows integer default 0,
            add column if not exists duplicate_rows integer default 0,
            add column if not exists skipped_rows integer default 0,
            add column if not exists rejected_rows integer default 0,
            add column if not exists processed_rows integer default 0,
            add column if not exists last_checkpoint integer default 0,
            add column if not exists error_report_path text,
            add column if not exists assignment_config jsonb,
            add column if not exists duplicate_config jsonb,
            add column if not exists column_mapping jsonb,
            add column if not exists worker_id text,
            add column if not exists created_by uuid references public.profiles (id),
            add column if not exists created_at timestamptz default now(),
            add column if not exists updated_at timestamptz default now(),
            add column if not exists started_at timestamptz,
            add column if not exists completed_at timestamptz,
            add column if not exists error_message text;
        create index if not exists import_jobs_file_hash_idx
            on public.import_jobs (file_hash) where file_hash is not null;
        """,
    )

    lead_cols = _lead_columns_sql()
    create_leads = (
        "create table if not exists public.leads (\n"
        "    id uuid primary key default gen_random_uuid(),\n    "
        + ",\n    ".join(lead_cols)
        + """,
            status text not null default 'new',
            assigned_to uuid references public.profiles (id),
            created_by uuid references public.profiles (id),
            import_job_id uuid references public.import_jobs (id) on delete set null,
            import_row integer,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now()
        );
        """
    )
    alter_leads = (
        "alter table public.leads\n    "
        + ",\n    ".join(f"add column if not exists {col}" for col in lead_cols)
        + """,
            add column if not exists status text not null default 'new',
            add column if not exists assigned_to uuid references public.profiles (id),
            add column if not exists created_by uuid references public.profiles (id),
            add column if not exists import_job_id uuid references public.import_jobs (id) on delete set null,
            add column if not exists import_row integer,
            add column if not exists created_at timestamptz not null default now(),
            add column if not exists updated_at timestamptz not null default now();
        """
    )
    _run(conn, create_leads + alter_leads)

    _run(
        conn,
        """
        create table if not exists public.lead_history (
            id bigserial primary key,
            lead_id uuid not null,
            event text not null,
            actor_id uuid,
            import_job_id uuid,
            changes jsonb,
            created_at timestamptz not null default now()
        );
        alter table public.lead_history
            add column if not exists lead_id uuid,
            add column if not exists event text,
            add column if not exists actor_id uuid,
            add column if not exists import_job_id uuid,
            add column if not exists changes jsonb,
            add column if not exists created_at timestamptz not null default now();
        create index if not exists lead_history_lead_id_idx on public.lead_history (lead_id);
        create index if not exists lead_history_import_job_id_idx on public.lead_history (import_job_id);

        create table if not exists public.import_batches (
            job_id uuid references public.import_jobs (id) on delete cascade,
            batch_no integer,
            row_count integer not null,
            inserted integer not null,
            updated integer not null,
            skipped integer not null,
            rr_next bigint not null default 0,
            details jsonb,
            committed_at timestamptz not null default now(),
            primary key (job_id, batch_no)
        );
        alter table public.import_batches
            add column if not exists row_count integer,
            add column if not exists inserted integer,
            add column if not exists updated integer,
            add column if not exists skipped integer,
            add column if not exists rr_next bigint not null default 0,
            add column if not exists details jsonb,
            add column if not exists committed_at timestamptz not null default now();

        comment on table public.import_batches is
            'crm-importer commit ledger: one row per committed batch, written in the batch''s transaction';
        comment on table public.crm_importer_settings is
            'crm-importer settings of this CRM (phone region and calling code used by the match indexes)';
        """,
    )

    # A unique index (not a constraint) so it can be added to an existing table the same way; ON CONFLICT
    # (import_job_id, import_row) infers it all the same.
    _run(
        conn,
        "create unique index if not exists leads_import_job_row_key on public.leads (import_job_id, import_row)",
    )
    # Profiles' email is unique case-insensitively; an existing CRM may already hold case-duplicates, which
    # must not block the migration: then a plain index keeps sign-in fast and sign-in reports the ambiguity.
    try:
        with conn.transaction():
            _run(
                conn,
                "create unique index if not exists profiles_email_lower_key on public.profiles (lower(email))",
            )
    except psycopg.errors.UniqueViolation:
        log.warning("profiles has emails differing only by case; lower(email) index is not unique")
        _run(conn, "create index if not exists profiles_email_lower_idx on public.profiles (lower(email))")


def _v1_phone_and_indexes(conn: psycopg.Connection, ctx: _Context) -> None:
    # plpgsql rather than SQL: it computes the digits once (about 3.5x faster than the inlined SQL CASE for
    # index maintenance during COPY), and being STRICT lets the planner prove `phone is not null` from
    # `crm_phone_e164(phone, cc) = $1`, so the partial index below is used by the importer's plain query.
    _run(
        conn,
        r"""
        create or replace function public.crm_phone_e164(p text, cc text)
        returns text
        language plpgsql immutable strict parallel safe
        as $fn$
        declare
            d text := regexp_replace(p, '[^0-9]+', '', 'g');
        begin
            if d = '' then
                return null;
            end if;
            if p ~ '^[^0-9]*[+]' then
                -- '+33 (0)6 ...': the '(0)' is a national trunk prefix typed out of habit.
                if strpos(p, '(0)') > 0 then
                    return '+' || regexp_replace(replace(p, '(0)', ''), '[^0-9]+', '', 'g');
                end if;
                return '+' || d;
            end if;
            if left(d, 2) = '00' then
                return '+' || substr(d, 3);
            end if;
            if left(d, 1) = '0' then
                return '+' || cc || substr(d, 2);
            end if;
            return '+' || cc || d;
        end
        $fn$;
        comment on function public.crm_phone_e164(text, text) is
            'crm-importer: a typed phone number to E.164 for the CRM''s calling code (duplicate matching)';
        """,
    )
    _run(
        conn,
        sql.SQL(
            """
            insert into public.crm_importer_settings (key, value)
            values ('phone_region', {region}), ('phone_country_code', {cc})
            on conflict (key) do nothing;

            create index if not exists leads_email_lower_idx on public.leads (lower(email))
                where email is not null;
            create index if not exists leads_phone_idx on public.leads (phone) where phone is not null;
            create index if not exists leads_external_id_idx on public.leads (external_id)
                where external_id is not null;

            create index if not exists leads_email_key_idx on public.leads (lower(btrim(email)))
                where email is not null;
            create index if not exists leads_phone_key_idx on public.leads (public.crm_phone_e164(phone, {cc}))
                where phone is not null;
            create index if not exists leads_external_id_key_idx on public.leads (lower(btrim(external_id)))
                where external_id is not null;
            """
        ).format(region=sql.Literal(ctx.region), cc=sql.Literal(ctx.country_code)),
    )

    _run(
        conn,
        """
        create or replace function public.crm_importer_set_updated_at()
        returns trigger
        language plpgsql
        as $fn$
        begin
            new.updated_at := now();
            return new;
        end
        $fn$;
        """,
    )
    has_trigger = scalar(
        conn,
        "select exists (select 1 from pg_trigger where tgrelid = 'public.leads'::regclass"
        " and tgname = 'crm_importer_leads_updated_at')"
    )
    if not has_trigger:
        _run(
            conn,
            "create trigger crm_importer_leads_updated_at before update on public.leads"
            " for each row execute function public.crm_importer_set_updated_at()",
        )


def _policies(
    table: str, role: str, *, read: str, write: str, names: dict[str, str] | None = None
) -> sql.Composed:
    """Drop-and-create the four policies of ``table`` (CREATE POLICY has no IF NOT EXISTS)."""
    names = names or {}
    ident = sql.Identifier
    parts: list[sql.Composable] = [
        sql.SQL("alter table public.{t} enable row level security;").format(t=ident(table))
    ]
    clauses = {
        "select": sql.SQL("for select to {r} using ({read})"),
        "insert": sql.SQL("for insert to {r} with check ({write})"),
        "update": sql.SQL("for update to {r} using ({write}) with check ({write})"),
        "delete": sql.SQL("for delete to {r} using ({write})"),
    }
    for action, clause in clauses.items():
        name = names.get(action, f"{table}_{action}")
        parts.append(
            sql.SQL("drop policy if exists {n} on public.{t};").format(n=ident(name), t=ident(table))
        )
        parts.append(
            sql.SQL("create policy {n} on public.{t} ").format(n=ident(name), t=ident(table))
            + clause.format(r=sql.SQL(role), read=sql.SQL(read), write=sql.SQL(write))
            + sql.SQL(";")
        )
    return sql.SQL("\n").join(parts)


def _v1_access(conn: psycopg.Connection, ctx: _Context) -> None:
    if ctx.supabase:
        current = "select coalesce(auth.uid(), nullif(current_setting('crm.profile_id', true), '')::uuid)"
    else:
        current = "select nullif(current_setting('crm.profile_id', true), '')::uuid"
    _run(
        conn,
        f"""
        create or replace function public.crm_current_profile_id()
        returns uuid
        language sql stable
        as $fn$ {current} $fn$;
        comment on function public.crm_current_profile_id() is
            'crm-importer: the acting CRM profile (Supabase JWT, else the crm.profile_id setting)';
        """,
    )

    existing = conn.execute(
        "select p.prosecdef from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'public' and p.proname = 'get_user_role' and p.pronargs = 0"
    ).fetchone()
    if existing is not None and existing[0]:
        log.info("keeping the CRM's own SECURITY DEFINER public.get_user_role()")
    else:
        # SECURITY DEFINER: it reads profiles as the table owner, so RLS policies on profiles that call it
        # cannot recurse into themselves (the seed plan's bug).
        _run(
            conn,
            """
            create or replace function public.get_user_role()
            returns text
            language sql stable security definer
            set search_path = public, pg_temp
            as $fn$
                select p.role::text
                from public.profiles p
                where p.id = public.crm_current_profile_id() and p.active is not false
                limit 1
            $fn$;
            comment on function public.get_user_role() is
                'Role of the acting CRM profile; SECURITY DEFINER so RLS policies can call it without recursion';
            """,
        )

    admin = "public.get_user_role()::text = 'admin'"
    role = ctx.policy_role
    # The seed plan's policy names, so a CRM that followed the seed gets its recursive policies replaced.
    _run(
        conn,
        _policies(
            "import_jobs",
            role,
            read=admin,
            write=admin,
            names={
                "select": "admin_read_import_jobs",
                "insert": "admin_insert_import_jobs",
                "update": "admin_update_import_jobs",
                "delete": "admin_delete_import_jobs",
            },
        ),
    )
    _run(
        conn,
        _policies(
            "import_batches",
            role,
            read=admin,
            write=admin,
            names={
                "select": "admin_read_import_batches",
                "insert": "admin_insert_import_batches",
                "update": "admin_update_import_batches",
                "delete": "admin_delete_import_batches",
            },
        ),
    )
    if "lead_history" in ctx.created:
        # Readable by every active CRM profile (a lead's timeline), written by admins (the importer).
        _run(conn, _policies("lead_history", role, read="public.get_user_role() is not null", write=admin))
    if "profiles" in ctx.created:
        _run(conn, _policies("profiles", role, read="true", write=admin))
    if "crm_importer_settings" in ctx.created:
        _run(conn, _READ_ONLY_FOR_OTHERS.format(t=sql.Identifier("crm_importer_settings")))


#: Tables only the migration (their owner) writes: readable by all, and on Supabase not writable through
#: its API, which grants every role the tables of ``public`` by default.
_READ_ONLY_FOR_OTHERS = sql.SQL(
    "alter table public.{t} enable row level security;"
    "create policy read_all on public.{t} for select to public using (true);"
)


MIGRATIONS: dict[int, list[Callable[[psycopg.Connection, _Context], None]]] = {
    1: [_v1_tables, _v1_phone_and_indexes, _v1_access],
}
assert max(MIGRATIONS) == SCHEMA_VERSION


# --- running ---------------------------------------------------------------------------------------------


def _ensure_ledger(conn: psycopg.Connection) -> bool:
    """Create the migrations ledger if needed; True when it was created now."""
    if _exists(conn, "public.crm_importer_migrations"):
        return False
    conn.execute(
        """
        create table public.crm_importer_migrations (
            version integer primary key,
            applied_at timestamptz not null default now()
        );
        comment on table public.crm_importer_migrations is 'crm-importer schema versions applied';
        """
    )
    conn.execute(_READ_ONLY_FOR_OTHERS.format(t=sql.Identifier("crm_importer_migrations")))
    return True


def _context(conn: psycopg.Connection, region: str) -> _Context:
    stored: dict[str, str] = dict(
        conn.execute(
            "select key, value from public.crm_importer_settings where key in ('phone_region',"
            " 'phone_country_code')"
        ).fetchall()
        if _exists(conn, "public.crm_importer_settings")
        else []
    )
    if stored.get("phone_country_code"):
        # The indexes were built with this code: keep it whatever region this run was given.
        region, cc = stored.get("phone_region") or region, stored["phone_country_code"]
    else:
        region = (region or "").strip().upper()
        cc = country_code_for(region)
    supabase = _function_exists(conn, "auth.uid()")
    has_authenticated = scalar(
        conn,
        "select exists (select 1 from pg_roles where rolname = 'authenticated')"
    )
    policy_role = "authenticated" if supabase and has_authenticated else PLAIN_POLICY_ROLE
    return _Context(region=region, country_code=cc, supabase=supabase, policy_role=policy_role, created=set())


def migrate(conn: psycopg.Connection, region: str = "FR") -> list[int]:
    """Install or upgrade the schema; returns the versions applied now ([] when already up to date).

    ``region`` (ISO country, e.g. 'FR') sets the calling code of the phone match index at installation;
    later runs keep the stored one. Each version is one transaction under an advisory lock, so concurrent
    runs are safe and a failed version leaves the database as it was (``migration_failed``). Best called on
    an idle connection; inside an open transaction, the caller's commit makes the migration stick.
    """
    country_code_for(region)  # a bad region is a usage error even when there is nothing to do
    current = schema_version(conn)
    if current is not None and current >= SCHEMA_VERSION:
        return []
    applied: list[int] = []
    for version in sorted(MIGRATIONS):
        # Inside a caller's transaction the versions become savepoints and the lock lasts until it ends.
        own_transaction = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        try:
            with conn.transaction():
                if own_transaction:
                    # A snapshot taken before the lock wait would hide a concurrent run's commit.
                    conn.execute("set transaction isolation level read committed")
                conn.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
                # Not while waiting for the lock (a concurrent run may build indexes for a while), but no
                # ALTER TABLE may queue forever behind a CRM user's long transaction, blocking everyone.
                conn.execute("set local lock_timeout = '30s'")
                _ensure_ledger(conn)
                done = scalar(
                    conn,
                    "select exists (select 1 from public.crm_importer_migrations where version = %s)",
                    (version,),
                )
                if done:
                    continue
                ctx = _context(conn, region)
                for step in MIGRATIONS[version]:
                    step(conn, ctx)
                conn.execute("insert into public.crm_importer_migrations (version) values (%s)", (version,))
            applied.append(version)
            log.info("crm-importer schema version %s applied", version)
        except CrmError:
            raise
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CrmError("migration_failed", version=version, reason=reason) from exc
    return applied


def schema_version(conn: psycopg.Connection) -> int | None:
    """The installed schema version, or None when crm-importer's schema is not installed."""
    with conn.transaction():
        if not _exists(conn, "public.crm_importer_migrations"):
            return None
        row = conn.execute("select max(version) from public.crm_importer_migrations").fetchone()
    return row[0] if row and row[0] is not None else None


def require_schema(conn: psycopg.Connection) -> int:
    """The installed version; ``schema_missing`` (exit code 4) when absent or older than this importer's."""
    found = schema_version(conn)
    if found is None or found < SCHEMA_VERSION:
        raise CrmError(
            "schema_missing", found="none" if found is None else str(found), required=str(SCHEMA_VERSION)
        )
    return found


def crm_settings(conn: psycopg.Connection) -> dict[str, str]:
    """The CRM's crm-importer settings, e.g. ``{'phone_region': 'FR', 'phone_country_code': '33'}``."""
    with conn.transaction():
        if not _exists(conn, "public.crm_importer_settings"):
            return {}
        rows = conn.execute("select key, value from public.crm_importer_settings").fetchall()
    return {key: value for key, value in rows}
