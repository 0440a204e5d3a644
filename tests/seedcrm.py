"""The CRM an app already has: a Supabase-shaped database holding the CRM of the seed architecture plan.

- ``make_seed_crm(conn, variant)``: the app's tables (profiles, leads, lead_history, import_jobs,
  import_rows), its ``updated_at`` trigger and indexes, the plan's ORIGINAL recursive RLS policies (any
  query of an RLS table as ``authenticated`` fails with "infinite recursion detected in policy for
  relation profiles", SQLSTATE 42P17), a ``public.get_user_role()`` in one of several shapes, three
  profiles, three leads with their history, and Supabase's default grants (everything to anon,
  authenticated and service_role). ``SeedVariant`` picks the column names and shapes a migration must cope
  with.
- ``catalog_snapshot(conn)``: everything a migration could change in schemas public and auth, comparable
  with ``==`` (a dry run must leave it equal).
- ``jwt_session(conn, role, sub)``: a PostgREST-like session (``set local role`` + ``request.jwt.claims``)
  inside a transaction that is always rolled back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from pgfixture import make_supabase_shape
from psycopg import sql

__all__ = [
    "ADMIN_ID",
    "EXISTING_EMAIL",
    "EXISTING_EXTERNAL_ID",
    "EXISTING_PHONE",
    "LEAD_IDS",
    "MANAGER_ID",
    "ROLE_FUNCTIONS",
    "SALES_ID",
    "SNAPSHOT_SCHEMAS",
    "SeedCrm",
    "SeedVariant",
    "catalog_snapshot",
    "fix_app_policies",
    "jwt_session",
    "make_seed_crm",
]

ADMIN_ID = "5eed0000-0000-4000-8000-00000000a001"
SALES_ID = "5eed0000-0000-4000-8000-00000000a002"
MANAGER_ID = "5eed0000-0000-4000-8000-00000000a003"
#: In this order: owned by the sales rep; the duplicate target (no owner); owned by the manager.
LEAD_IDS = (
    "5eed0000-0000-4000-8000-00000000b001",
    "5eed0000-0000-4000-8000-00000000b002",
    "5eed0000-0000-4000-8000-00000000b003",
)
#: The second lead's contact data, as an app typed it (mixed case and a trailing space).
EXISTING_EMAIL = "Existing@Example.com "
EXISTING_PHONE = "06 12 34 56 78"
EXISTING_EXTERNAL_ID = "EXT-1"

ROLE_FUNCTIONS = ("enum", "text_definer", "invoker", "definer_no_path", "none")
SNAPSHOT_SCHEMAS = ("public", "auth")

_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Columns of leads / lead_history that a variant's column names must not collide with.
_LEADS_FIXED = {
    "id", "first_name", "last_name", "email", "phone", "company", "job_title", "city", "postal_code",
    "country", "source", "external_id", "notes", "status", "created_by", "created_at", "updated_at",
}  # fmt: skip
_HISTORY_FIXED = {"id", "lead_id", "created_at"}


@dataclass(frozen=True)
class SeedVariant:
    """How the app's CRM happens to look; the defaults are the seed plan's own names."""

    #: leads' FK to profiles(id) holding the lead's owner ("owner_id", "assigned_to", …).
    owner: str = "owner_id"
    #: A second FK of leads to profiles(id) (e.g. "manager_id"): the owner column becomes ambiguous.
    second_owner: str | None = None
    #: lead_history's event column (text not null).
    event: str = "event_type"
    #: lead_history's actor column (uuid references profiles(id), nullable).
    actor: str = "user_id"
    #: lead_history's jsonb column.
    changes: str = "metadata"
    #: lead_history.id: "uuid" (default gen_random_uuid()) or "bigint" (bigserial).
    history_id: str = "uuid"
    #: lead_history.lead_id references leads(id) on delete cascade (else a plain reference).
    cascade: bool = True
    #: import_jobs.status not null with a check of the plan's six statuses (else a bare text default 'queued').
    status_check: bool = True
    #: public.get_user_role(): one of ROLE_FUNCTIONS (see ``_role_function_sql``).
    role_function: str = "enum"
    #: profiles has an email column (not null unique).
    profiles_email: bool = True

    def __post_init__(self) -> None:
        names = {"owner": self.owner, "event": self.event, "actor": self.actor, "changes": self.changes}
        if self.second_owner is not None:
            names["second_owner"] = self.second_owner
        for field, name in names.items():
            if not _IDENT.fullmatch(name):
                raise ValueError(f"{field}={name!r} is not a plain lower-case identifier")
        for field in ("owner", "second_owner"):
            if names.get(field) in _LEADS_FIXED:
                raise ValueError(f"{field}={names[field]!r} collides with a column of leads")
        if self.owner == self.second_owner:
            raise ValueError("owner and second_owner must differ")
        history = [self.event, self.actor, self.changes]
        if len(set(history)) != 3 or set(history) & _HISTORY_FIXED:
            raise ValueError(f"lead_history columns collide: {history}")
        if self.history_id not in ("uuid", "bigint"):
            raise ValueError(f"history_id={self.history_id!r}: 'uuid' or 'bigint'")
        if self.role_function not in ROLE_FUNCTIONS:
            raise ValueError(f"role_function={self.role_function!r}: one of {ROLE_FUNCTIONS}")


@dataclass(frozen=True)
class SeedCrm:
    """What ``make_seed_crm`` made (ids as uuid strings; no DSN: the caller has it)."""

    admin_id: str
    sales_id: str
    manager_id: str
    #: See ``LEAD_IDS`` for what each lead is.
    lead_ids: list[str]
    variant: SeedVariant


# --- roles --------------------------------------------------------------------------------------------------


def _create_role_if_missing(conn: psycopg.Connection, role: str, options: str) -> None:
    """Roles are cluster-wide and test sessions run concurrently: tolerate a creation meanwhile."""
    if conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone():
        return
    try:
        with conn.transaction():
            conn.execute(sql.SQL("create role {} " + options).format(sql.Identifier(role)))
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        pass  # created meanwhile by a concurrent test session


def _ensure_authenticator(conn: psycopg.Connection) -> None:
    """Supabase's PostgREST login role: a member of anon/authenticated/service_role that switches to them."""
    _create_role_if_missing(conn, "authenticator", "nologin noinherit")
    for role in ("anon", "authenticated", "service_role"):
        member = conn.execute(
            "select 1 from pg_auth_members m join pg_roles r on r.oid = m.roleid"
            " join pg_roles u on u.oid = m.member where r.rolname = %s and u.rolname = 'authenticator'",
            (role,),
        ).fetchone()
        if member:
            continue
        try:
            with conn.transaction():
                conn.execute(sql.SQL("grant {} to authenticator").format(sql.Identifier(role)))
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            pass  # granted meanwhile by a concurrent test session


# --- the app's schema ---------------------------------------------------------------------------------------


def _role_function_sql(kind: str) -> str:
    """public.get_user_role() as the app wrote it ("none": no such function)."""
    body = "$$ select role{cast} from public.profiles where id = auth.uid() $$"
    if kind == "enum":
        return (
            "create function public.get_user_role() returns public.user_role"
            " language sql stable security definer set search_path = public as " + body.format(cast="")
        )
    header = "create function public.get_user_role() returns text language sql stable"
    options = {
        "text_definer": " security definer set search_path = public",
        "invoker": "",  # runs with the caller's rights: the caller's RLS on profiles applies (and recurses)
        "definer_no_path": " security definer",  # the classic hole: a definer without a pinned search_path
    }
    if kind == "none":
        return ""
    return header + options[kind] + " as " + body.format(cast="::text")


# The seed plan's schema. {names} are identifiers of the variant; no literal braces below.
_SCHEMA = """
{role_type}
create table public.profiles (
    id uuid primary key default gen_random_uuid(),
    {email_column}
    full_name text,
    role {role_column} not null default 'sales',
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

create table public.leads (
    id uuid primary key default gen_random_uuid(),
    first_name text,
    last_name text,
    email text,
    phone text,
    company text,
    job_title text,
    city text,
    postal_code text,
    country text,
    source text,
    external_id text,
    notes text,
    status text not null default 'new',
    {owner} uuid references public.profiles(id),
    {second_owner_column}
    created_by uuid references public.profiles(id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create function public.handle_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at = now();
    return new;
end
$$;
create trigger set_leads_updated_at before update on public.leads
    for each row execute function public.handle_updated_at();

create index leads_email_lower_idx on public.leads (lower(email)) where email is not null;
create index leads_phone_idx on public.leads (phone) where phone is not null;
create index leads_external_id_idx on public.leads (external_id) where external_id is not null;

create table public.lead_history (
    id {history_id},
    lead_id uuid not null references public.leads(id) {on_delete},
    {event} text not null,
    {actor} uuid references public.profiles(id),
    {changes} jsonb,
    created_at timestamptz not null default now()
);

create table public.import_jobs (
    id uuid primary key default gen_random_uuid(),
    file_name text,
    status {status_column},
    total_rows integer,
    valid_rows integer,
    invalid_rows integer,
    created_by uuid references public.profiles(id),
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

create table public.import_rows (
    id uuid primary key default gen_random_uuid(),
    job_id uuid references public.import_jobs(id) on delete cascade,
    row_number integer,
    data jsonb,
    status text,
    errors jsonb
);

alter table public.profiles enable row level security;
alter table public.leads enable row level security;
alter table public.lead_history enable row level security;
alter table public.import_jobs enable row level security;
alter table public.import_rows enable row level security;

-- The plan's original policies. profiles_select reads profiles from profiles' own policy: any query that
-- touches profiles as authenticated (all the others do, through their subqueries) fails with 42P17.
create policy profiles_select on public.profiles for select to authenticated
    using (exists (select 1 from public.profiles p where p.id = auth.uid()));
create policy profiles_update_own on public.profiles for update to authenticated
    using (id = auth.uid());

create policy leads_select on public.leads for select to authenticated
    using (
        exists (select 1 from public.profiles p where p.id = auth.uid() and p.role::text in ('admin', 'manager'))
        or {owner} = auth.uid()
    );
create policy leads_admin_all on public.leads for all to authenticated
    using (exists (select 1 from public.profiles p where p.id = auth.uid() and p.role::text = 'admin'));

-- lead_id is lead_history's: leads has no such column.
create policy lead_history_select on public.lead_history for select to authenticated
    using (exists (select 1 from public.leads l where l.id = lead_id));

create policy admin_read_import_jobs on public.import_jobs for select to authenticated
    using (exists (select 1 from public.profiles where profiles.id = auth.uid() and profiles.role::text = 'admin'));
create policy admin_insert_import_jobs on public.import_jobs for insert to authenticated
    with check (
        exists (select 1 from public.profiles where profiles.id = auth.uid() and profiles.role::text = 'admin')
    );
create policy admin_update_import_jobs on public.import_jobs for update to authenticated
    using (exists (select 1 from public.profiles where profiles.id = auth.uid() and profiles.role::text = 'admin'));

create policy admin_read_import_rows on public.import_rows for select to authenticated
    using (exists (select 1 from public.profiles where profiles.id = auth.uid() and profiles.role::text = 'admin'));
create policy admin_insert_import_rows on public.import_rows for insert to authenticated
    with check (
        exists (select 1 from public.profiles where profiles.id = auth.uid() and profiles.role::text = 'admin')
    );
create policy admin_update_import_rows on public.import_rows for update to authenticated
    using (exists (select 1 from public.profiles where profiles.id = auth.uid() and profiles.role::text = 'admin'));
"""

# Supabase's defaults (its default privileges grant everything in public to its API roles).
_SUPABASE_GRANTS = """
grant all on all tables in schema public to anon, authenticated, service_role;
grant all on all sequences in schema public to anon, authenticated, service_role;
grant execute on all functions in schema public to anon, authenticated, service_role;
"""

_STATUS_CHECK = (
    "text not null default 'queued'"
    " check (status in ('queued', 'parsing', 'ready', 'committing', 'completed', 'failed'))"
)


def _schema_sql(v: SeedVariant) -> sql.Composed:
    def ident(name: str) -> sql.Identifier:
        return sql.Identifier(name)

    parts: dict[str, sql.Composable] = {
        "role_type": sql.SQL(
            "create type public.user_role as enum ('admin', 'manager', 'sales');"
            if v.role_function == "enum"
            else ""
        ),
        "email_column": sql.SQL("email text not null unique," if v.profiles_email else ""),
        "role_column": sql.SQL(
            "public.user_role"
            if v.role_function == "enum"
            else "text check (role in ('admin', 'manager', 'sales'))"
        ),
        "owner": ident(v.owner),
        "second_owner_column": (
            sql.SQL("{} uuid references public.profiles(id),").format(ident(v.second_owner))
            if v.second_owner
            else sql.SQL("")
        ),
        "history_id": sql.SQL(
            "uuid primary key default gen_random_uuid()"
            if v.history_id == "uuid"
            else "bigserial primary key"
        ),
        "on_delete": sql.SQL("on delete cascade" if v.cascade else ""),
        "event": ident(v.event),
        "actor": ident(v.actor),
        "changes": ident(v.changes),
        "status_column": sql.SQL(_STATUS_CHECK if v.status_check else "text default 'queued'"),
    }
    return sql.SQL(_SCHEMA).format(**parts)


def _seed_rows(conn: psycopg.Connection, v: SeedVariant) -> None:
    profiles = [
        (ADMIN_ID, "admin@seed.test", "Alice Admin", "admin"),
        (SALES_ID, "sales@seed.test", "Sam Sales", "sales"),
        (MANAGER_ID, "manager@seed.test", "Mia Manager", "manager"),
    ]
    for pid, email, name, role in profiles:
        if v.profiles_email:
            conn.execute(
                "insert into public.profiles (id, email, full_name, role) values (%s, %s, %s, %s)",
                (pid, email, name, role),
            )
        else:
            conn.execute(
                "insert into public.profiles (id, full_name, role) values (%s, %s, %s)", (pid, name, role)
            )

    owner = sql.Identifier(v.owner)
    second = sql.Identifier(v.second_owner) if v.second_owner else None
    leads: list[dict[str, Any]] = [
        {"first_name": "Paul", "last_name": "Martin", "email": "paul.martin@example.org", "company": "Acme",
         "city": "Lyon", "country": "FR", "source": "seed", "owner": SALES_ID, "second": MANAGER_ID},
        {"first_name": "Eve", "last_name": "Existing", "email": EXISTING_EMAIL, "phone": EXISTING_PHONE,
         "external_id": EXISTING_EXTERNAL_ID, "company": "Existing SA", "source": "seed",
         "owner": None, "second": None},
        {"first_name": "Marc", "last_name": "Durand", "email": "marc.durand@example.org", "phone": "0147200001",
         "city": "Paris", "country": "FR", "source": "seed", "owner": MANAGER_ID, "second": None},
    ]  # fmt: skip
    for lead_id, lead in zip(LEAD_IDS, leads, strict=True):
        data = {k: val for k, val in lead.items() if k not in ("owner", "second")}
        cols = [sql.Identifier(k) for k in data] + [owner]
        values: list[Any] = [*data.values(), lead["owner"]]
        if second is not None:
            cols.append(second)
            values.append(lead["second"])
        cols += [sql.Identifier("id"), sql.Identifier("created_by")]
        values += [lead_id, ADMIN_ID]
        conn.execute(
            sql.SQL("insert into public.leads ({}) values ({})").format(
                sql.SQL(", ").join(cols), sql.SQL(", ").join(sql.Placeholder() * len(cols))
            ),
            values,
        )
        conn.execute(
            sql.SQL(
                "insert into public.lead_history (lead_id, {}, {}, {}) values (%s, 'created', %s, %s)"
            ).format(sql.Identifier(v.event), sql.Identifier(v.actor), sql.Identifier(v.changes)),
            (lead_id, ADMIN_ID, json.dumps({"status": "new", "source": "seed"})),
        )


def make_seed_crm(conn: psycopg.Connection, variant: SeedVariant = SeedVariant()) -> SeedCrm:
    """Build the seed plan's CRM in ``conn``'s (fresh) database and commit it.

    Needs a superuser connection (cluster-wide roles are created if missing, as ``make_supabase_shape``
    does). Not idempotent: meant for an empty database such as ``pg_dsn_empty``'s.
    """
    make_supabase_shape(conn)
    _ensure_authenticator(conn)
    with conn.transaction():
        conn.execute(_schema_sql(variant))
        function = _role_function_sql(variant.role_function)
        if function:
            conn.execute(function)
        _seed_rows(conn, variant)
        # Last, so that it covers every table, sequence and function above, as Supabase's defaults do.
        conn.execute(_SUPABASE_GRANTS)
    if not conn.autocommit:
        conn.commit()  # make_supabase_shape's probes opened a transaction around the block above
    return SeedCrm(ADMIN_ID, SALES_ID, MANAGER_ID, list(LEAD_IDS), variant)


# --- catalog snapshot ---------------------------------------------------------------------------------------

# Each query takes the schema list as its only parameter and is totally ordered. Names are spelled from
# the catalogs (never regclass/regtype text, which depends on search_path); deparsed definitions are made
# with search_path = pg_catalog, so they are fully qualified whatever the caller's search_path.
_SNAPSHOT_QUERIES: dict[str, str] = {
    "schemas": """
        select n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text
        from pg_namespace n where n.nspname = any(%s) order by 1""",
    "relations": """
        select n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner), c.relacl::text,
               c.relrowsecurity, c.relforcerowsecurity, c.relpersistence, c.relreplident, c.reloptions::text
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S', 'c')
        order by 1, 2""",
    "columns": """
        select n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, co.collname, a.attacl::text
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        left join pg_collation co on co.oid = a.attcollation
        where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c')
          and a.attnum > 0 and not a.attisdropped
        order by 1, 2, 3""",
    # Table and domain constraints (conrelid / contypid), with NOT VALID etc. in the definition.
    "constraints": """
        select n.nspname, coalesce(c.relname, t.typname), k.conname, k.contype, pg_get_constraintdef(k.oid),
               k.condeferrable, k.condeferred
        from pg_constraint k
        join pg_namespace n on n.oid = k.connamespace
        left join pg_class c on c.oid = k.conrelid
        left join pg_type t on t.oid = k.contypid
        where n.nspname = any(%s)
        order by 1, 2, 3""",
    "indexes": """
        select n.nspname, c.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisvalid
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class c on c.oid = x.indrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s)
        order by 1, 2, 3""",
    "triggers": """
        select n.nspname, c.relname, g.tgname, pg_get_triggerdef(g.oid), g.tgenabled
        from pg_trigger g
        join pg_class c on c.oid = g.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s) and not g.tgisinternal
        order by 1, 2, 3""",
    "policies": """
        select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
        from pg_policies where schemaname = any(%s)
        order by 1, 2, 3""",
    # pg_get_functiondef covers language, volatility, SECURITY DEFINER, SET options and the body; it
    # refuses aggregates, which are described by name and arguments only.
    "functions": """
        select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,
               pg_get_userbyid(p.proowner), p.proacl::text,
               case when p.prokind = 'a' then null else pg_get_functiondef(p.oid) end
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%s)
        order by 1, 2, 3""",
    # Enums (labels in order), domains, composites, ranges…; not the implicit row types of tables nor the
    # implicit array types (they follow their element).
    "types": """
        select n.nspname, t.typname, t.typtype, pg_get_userbyid(t.typowner), t.typacl::text,
               case when t.typbasetype <> 0 then format_type(t.typbasetype, t.typtypmod) end,
               t.typnotnull, t.typdefault,
               (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid)
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
        left join pg_class c on c.oid = t.typrelid
        where n.nspname = any(%s)
          and (t.typrelid = 0 or c.relkind = 'c')
          and not exists (select 1 from pg_type e where e.typarray = t.oid)
        order by 1, 2""",
    # Definitions only: a sequence's position is not transactional (a rolled-back dry run still advances it).
    "sequences": """
        select n.nspname, c.relname, format_type(s.seqtypid, null), s.seqstart, s.seqincrement, s.seqmin,
               s.seqmax, s.seqcache, s.seqcycle
        from pg_sequence s
        join pg_class c on c.oid = s.seqrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s)
        order by 1, 2""",
    "views": """
        select n.nspname, c.relname, pg_get_viewdef(c.oid)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s) and c.relkind in ('v', 'm')
        order by 1, 2""",
    # Comments on anything in the schemas (and on the schemas themselves).
    "comments": """
        select o.type, o.identity, d.description
        from pg_description d, lateral pg_identify_object(d.classoid, d.objoid, d.objsubid) o
        where o.schema = any(%s) or (d.classoid = 'pg_namespace'::regclass and o.identity = any(%s))
        order by 1, 2""",
    "default_acls": """
        select pg_get_userbyid(a.defaclrole), n.nspname, a.defaclobjtype, a.defaclacl::text
        from pg_default_acl a left join pg_namespace n on n.oid = a.defaclnamespace
        where n.nspname = any(%s) or a.defaclnamespace = 0
        order by 1, 2, 3""",
    "extensions": """
        select e.extname, e.extversion, n.nspname
        from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        order by 1""",
}


def catalog_snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    """Everything a migration could change in schemas public and auth, plus the rows of public's tables.

    Equal for two calls on an unchanged database; any DDL, grant, comment or row change makes it differ.
    Sequence positions are left out (see the "sequences" query), as are cluster-wide roles. Call it as a
    superuser (row contents are read past RLS), outside a ``jwt_session``. It changes nothing: it runs in
    a transaction (or savepoint) that is rolled back.
    """
    schemas = list(SNAPSHOT_SCHEMAS)
    snapshot: dict[str, Any] = {}
    with conn.transaction(force_rollback=True):
        conn.execute("set local search_path = pg_catalog")
        conn.execute("set local row_security = off")  # an error, never a silently filtered row count
        for key, query in _SNAPSHOT_QUERIES.items():
            params = [schemas] * query.count("%s")
            snapshot[key] = [tuple(row) for row in conn.execute(query, params).fetchall()]

        tables = conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p', 'm') order by 1"
        ).fetchall()
        rows: dict[str, tuple[int, str]] = {}
        for (table,) in tables:
            # A count and a digest of the rows' text (in text order): an UPDATE that keeps the count shows.
            # "_snap_r.*", not "_snap_r": a bare alias would mean a column of that name if the table had one.
            count, digest = conn.execute(
                sql.SQL(
                    "select count(*), md5(coalesce(string_agg(_snap_r.*::text, E'\\n' order by _snap_r.*::text), ''))"
                    " from public.{} as _snap_r"
                ).format(sql.Identifier(table))
            ).fetchone() or (0, "")
            rows[table] = (count, digest)
        snapshot["rows"] = rows
    return snapshot


# --- the app's own fix -------------------------------------------------------------------------------------


def fix_app_policies(conn: psycopg.Connection, variant: SeedVariant = SeedVariant()) -> None:
    """The seed plan's own fix of its recursive policies on profiles and leads (through ``get_user_role()``):
    without it the app's signed-in users, and anything acting with their rights (an admin's own login, a
    declared import running as ``authenticated``), get 42P17 on profiles and leads."""
    conn.execute(sql.SQL("""
        drop policy profiles_select on public.profiles;
        create policy profiles_select on public.profiles for select to authenticated using (auth.uid() is not null);
        drop policy leads_select on public.leads;
        create policy leads_select on public.leads for select to authenticated
            using (public.get_user_role()::text in ('admin', 'manager') or {owner} = auth.uid());
        drop policy leads_admin_all on public.leads;
        create policy leads_admin_all on public.leads for all to authenticated
            using (public.get_user_role()::text = 'admin');
    """).format(owner=sql.Identifier(variant.owner)))


# --- PostgREST-like sessions --------------------------------------------------------------------------------


@contextmanager
def jwt_session(conn: psycopg.Connection, role: str, sub: str | None = None) -> Iterator[psycopg.Connection]:
    """``conn`` as PostgREST runs a request: ``set local role`` and the JWT's claims, rolled back at the end.

    On a superuser connection (autocommit or not; inside a caller's transaction it is a savepoint, whose
    rollback also undoes the ``set local``). ``sub`` None: claims without a subject (an anon request).
    """
    claims: dict[str, str] = {"role": role}
    if sub is not None:
        claims = {"sub": sub, "role": role}
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield conn
