"""The CRM schema contract: planned, shown and applied by ``crm-importer db migrate``, idempotent, versioned.

Why it looks like this:

- **A plan first.** :func:`plan_migration` reads the catalog and lists every change, one sentence and its
  SQL each, without changing anything (``db migrate --plan``, ``--sql OUT.sql``, the GUI's set-up
  dialog); :func:`migrate` applies the same plan in one transaction. What migrate must not do to an app's
  database is a note of the plan (with the SQL a DBA may run), and what stops it is one sentence
  (:class:`CrmError`) before anything is changed.
- **The app's CRM first** (issue 12). Most databases already hold ``profiles``, ``leads`` and
  ``lead_history`` with the app's own names. The plan adopts what is there — the leads → profiles owner
  column, the history's event/actor/changes columns, a trigger that already keeps ``updated_at``, an index
  that already serves the email or external id match, the words a CHECK or an enum allows in
  ``import_jobs.status`` and in the history's event column — and records its choices in
  ``crm_importer_settings`` (:mod:`crm_importer.crm.names`), from which commit and undo take their names.
  It only adds what is missing, never alters or drops the app's columns, triggers, functions or other
  policies, and never replaces an app's ``get_user_role()``: the importer's policies use its own
  ``crm_importer_role()``.
- **Safe to run twice at once.** The transaction first takes a transaction-level advisory lock (session
  locks do not survive a transaction-mode pooler such as Supabase's), then plans again, so a second runner
  waits and then finds nothing to do.
- **Matching what people typed.** Existing leads hold emails in any case and phones in any format. The match
  indexes are on normalized expressions — ``lower(btrim(email))``, ``lower(btrim(external_id))`` and
  ``public.crm_phone_e164(phone, '<calling code>')`` — so the importer's set-based dedupe queries are index
  scans, never a load of the leads table. The CRM's region is stored in ``crm_importer_settings`` so the
  importer queries with the same calling code as the index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import phonenumbers
import psycopg
from psycopg import sql

from crm_importer.crm.columns import read_lead_columns
from crm_importer.crm.connection import CrmError, one_trip, scalar
from crm_importer.crm.names import (
    EVENT_SYNONYMS,
    OWNER_KEY,
    STATUS_SYNONYMS,
    CrmNames,
    choose_words,
)
from crm_importer.engine.fields import FIELD_BY_NAME, LEAD_COLUMNS
from crm_importer.engine.typed import CrmColumn
from crm_importer.messages import DEFAULT_LANG, message

log = logging.getLogger(__name__)

#: 1: the contract of section 8; 2: the app's names adopted, the importer's own job status, its own role
#: function and audit table, tightened grants; 3: who imports comes from the database login
#: (``crm_importer_logins``), never from a setting a session may choose.
SCHEMA_VERSION: int = 3

#: Key of the transaction-level advisory lock that serializes migrations of one database ("crm_imp").
MIGRATION_LOCK_KEY = 0x63726D5F696D70

#: Roles the access policies apply to on plain PostgreSQL (Supabase: ``authenticated``).
PLAIN_POLICY_ROLE = "public"

#: The tables that hold imports: admin-only through the importer's policies.
IMPORT_TABLES = ("import_jobs", "import_rows", "import_batches", "crm_importer_events")
#: The importer's own tables that only the migration writes.
OWN_TABLES = ("crm_importer_settings", "crm_importer_migrations")
#: Database login -> CRM profile: what a direct connection is believed to be. Only its owner writes or reads it.
LOGINS_TABLE = "crm_importer_logins"

#: Leads → profiles foreign keys that never hold the owner.
_NOT_OWNER = frozenset({"created_by", "updated_by", "modified_by", "deleted_by", "import_job_id"})
#: The history's columns, by what they hold, in order of preference (the contract's name first).
_EVENT_NAMES = ("event", "event_type", "action", "type", "kind", "event_name")
_ACTOR_NAMES = ("actor_id", "user_id", "performed_by", "changed_by", "author_id", "profile_id", "created_by")
_CHANGES_NAMES = ("changes", "metadata", "details", "data", "payload", "diff")

#: The contract's history table, and the importer's own audit table built like it (crm_importer_events).
_HISTORY_COLUMNS = (
    "id bigserial primary key, lead_id uuid not null, event text not null, actor_id uuid,"
    " import_job_id uuid, changes jsonb, created_at timestamptz not null default now()"
)

#: The columns of import_jobs the importer writes, with their type and default.
_JOB_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_name", "text"), ("file_hash", "text"), ("status", "text"), ("total_rows", "integer"),
    ("valid_rows", "integer"), ("invalid_rows", "integer"), ("imported_rows", "integer default 0"),
    ("updated_rows", "integer default 0"), ("duplicate_rows", "integer default 0"),
    ("skipped_rows", "integer default 0"), ("rejected_rows", "integer default 0"),
    ("processed_rows", "integer default 0"), ("last_checkpoint", "integer default 0"),
    ("error_report_path", "text"), ("assignment_config", "jsonb"), ("duplicate_config", "jsonb"),
    ("column_mapping", "jsonb"), ("worker_id", "text"), ("created_by", "uuid references public.profiles (id)"),
    ("created_at", "timestamptz default now()"), ("updated_at", "timestamptz default now()"),
    ("started_at", "timestamptz"), ("completed_at", "timestamptz"), ("error_message", "text"),
    ("crm_importer_status", "text"), ("crm_importer_login", "text"), ("crm_importer_identity", "text"),
)


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


def country_code_for(region: str) -> str:
    """The calling code of a region ('FR' -> '33'); ``bad_region`` for an unknown one."""
    code = phonenumbers.country_code_for_region((region or "").strip().upper())
    if not code:
        raise CrmError("bad_region", region=region)
    return str(code)


def _len(name: str) -> int:
    return FIELD_BY_NAME[name].max_length


# --- the plan --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One change of the plan (or a note: something migrate leaves to the DBA, with the SQL to run)."""

    code: str
    params: dict[str, Any]
    sql: str = ""

    def sentence(self, lang: str = DEFAULT_LANG) -> str:
        return message(self.code, lang, **self.params)

    def to_json(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return {"code": self.code, "sentence": self.sentence(lang), "sql": self.sql}


@dataclass
class MigrationPlan:
    """What ``db migrate`` would do to this database, read without changing it."""

    current: int | None
    target: int = SCHEMA_VERSION
    changes: list[Step] = field(default_factory=list)
    notes: list[Step] = field(default_factory=list)
    names: CrmNames = field(default_factory=CrmNames)

    @property
    def up_to_date(self) -> bool:
        return self.current is not None and self.current >= self.target

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The plan as a person reads it: one numbered sentence per change, its SQL below, then the notes."""
        if self.up_to_date:
            return message("plan_up_to_date", lang, version=self.target)
        lines = [message("plan_heading", lang, count=len(self.changes), found=self.current or "—",
                         version=self.target)]
        for n, step in enumerate(self.changes, 1):
            lines.append(f"{n:>2}. {step.sentence(lang)}")
            lines.extend(f"      {line}" for line in step.sql.strip().splitlines())
        if self.notes:
            lines.append("")
            lines.append(message("plan_notes_heading", lang))
            for step in self.notes:
                lines.append(f" - {step.sentence(lang)}")
                lines.extend(f"      {line}" for line in step.sql.strip().splitlines())
        return "\n".join(lines)

    def script(self, lang: str = DEFAULT_LANG) -> str:
        """The plan as one SQL script for a DBA (psql -1 or as it is: it opens and commits its transaction)."""
        out = [f"-- crm-importer db migrate: schema version {self.current or 'none'} -> {self.target}",
               "BEGIN;", f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY});", "SET LOCAL lock_timeout = '30s';"]
        for step in self.changes:
            out.append("")
            out.extend(f"-- {line}" for line in step.sentence(lang).splitlines())
            out.append(step.sql.strip().rstrip(";") + ";")
        for step in self.notes:
            out.append("")
            out.extend(f"-- NOTE: {line}" for line in step.sentence(lang).splitlines())
            out.extend(f"-- {line}" for line in step.sql.strip().splitlines())
        out += ["", "COMMIT;", ""]
        return "\n".join(out)

    def to_json(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return {"schema_version": self.current, "target_version": self.target,
                "changes": [s.to_json(lang) for s in self.changes], "notes": [s.to_json(lang) for s in self.notes],
                "names": self.names.settings()}


def _versions_to_record(current: int | None) -> list[int]:
    return list(range((current or 0) + 1, SCHEMA_VERSION + 1))


class _Planner:
    """Reads the catalog and writes the plan; raises ``CrmError`` for what stops the migration."""

    def __init__(self, conn: psycopg.Connection, region: str, owner_column: str | None) -> None:
        self.conn = conn
        self.owner_column = owner_column
        self.plan = MigrationPlan(current=None)
        self.tables = {r[0] for r in conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p')")}
        self.created: set[str] = set()
        self.settings: dict[str, str] = (
            dict(conn.execute("select key, value from public.crm_importer_settings").fetchall())
            if "crm_importer_settings" in self.tables else {})
        if self.settings.get("phone_country_code"):
            # The indexes were built with this code: keep it whatever region this run was given.
            self.region = self.settings.get("phone_region") or region
            self.cc = self.settings["phone_country_code"]
        else:
            self.region = (region or "").strip().upper()
            self.cc = country_code_for(self.region)
        self.supabase = scalar(conn, "select to_regprocedure('auth.uid()') is not null")
        self.api_roles = {r[0] for r in conn.execute(
            "select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')")}
        self.api_login = bool(scalar(conn, "select exists (select 1 from pg_roles where rolname = 'authenticator')"))
        self.policy_role = ("authenticated" if self.supabase and "authenticated" in self.api_roles
                            else PLAIN_POLICY_ROLE)
        self.names = CrmNames()

    # -- writing the plan --
    def add(self, code: str, statement: sql.Composable | str, **params: Any) -> None:
        text = statement if isinstance(statement, str) else statement.as_string(self.conn)
        self.plan.changes.append(Step(code, params, text.strip()))

    def note(self, code: str, statement: str = "", **params: Any) -> None:
        self.plan.notes.append(Step(code, params, statement.strip()))

    # -- reading the catalog --
    def columns(self, table: str) -> dict[str, CrmColumn]:
        return read_lead_columns(self.conn, f"public.{table}") if table in self.tables else {}

    def fk_columns(self, table: str, target: str) -> list[tuple[str, str]]:
        """Single-column foreign keys of ``table`` to ``target``: (column, ON DELETE action letter)."""
        if table not in self.tables or target not in self.tables:
            return []
        return [(r[0], r[1]) for r in self.conn.execute(
            "select a.attname, c.confdeltype::text from pg_constraint c"
            " join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]"
            " where c.contype = 'f' and c.conrelid = %s::regclass and c.confrelid = %s::regclass"
            " and array_length(c.conkey, 1) = 1 order by c.oid",
            (f"public.{table}", f"public.{target}"))]

    def indexes(self, table: str) -> list[tuple[str, str]]:
        if table not in self.tables:
            return []
        return [(r[0], r[1]) for r in self.conn.execute(
            "select c.relname, pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c"
            " on c.oid = i.indexrelid where i.indrelid = %s::regclass and i.indisvalid order by c.relname",
            (f"public.{table}",))]

    def function(self, signature: str) -> tuple[str, bool, list[str]] | None:
        """(return type, SECURITY DEFINER, proconfig) of a function, None when absent."""
        row = self.conn.execute(
            "select format_type(p.prorettype, null), p.prosecdef, coalesce(p.proconfig, '{}')"
            " from pg_proc p where p.oid = to_regprocedure(%s)", (signature,)).fetchone()
        return (str(row[0]), bool(row[1]), list(row[2])) if row else None

    def build(self) -> MigrationPlan:
        self.plan.current = _ledger_version(self.conn, self.tables)
        if self.plan.up_to_date:
            self.plan.names = CrmNames.from_settings(self.settings)
            return self.plan
        self._settings_table()
        self._profiles()
        self._import_jobs()
        self._leads()
        self._lead_history()
        self._own_tables()
        self._functions()
        self._match_indexes()
        self._updated_at()
        self._access()
        self._grants()
        self._record_names()
        self.plan.names = self.names
        return self.plan

    # -- tables --
    def _settings_table(self) -> None:
        if "crm_importer_settings" not in self.tables:
            self.created.add("crm_importer_settings")
            self.add("plan_create_settings", """
                create table if not exists public.crm_importer_settings (key text primary key, value text);
                comment on table public.crm_importer_settings is
                    'crm-importer settings of this CRM (phone region, the app''s names the importer adopted)';
            """)

    def _profiles(self) -> None:
        if "profiles" not in self.tables:
            self.created.add("profiles")
            self.add("plan_create_profiles", """
                create table if not exists public.profiles (
                    id uuid primary key default gen_random_uuid(),
                    email text not null unique,
                    full_name text,
                    role text not null check (role in ('admin', 'manager', 'sales')),
                    active boolean not null default true,
                    created_at timestamptz default now()
                );
                create unique index if not exists profiles_email_lower_key on public.profiles (lower(email));
            """)
            return
        cols = self.columns("profiles")
        if "email" not in cols:
            raise CrmError("migrate_profiles_no_email")
        if "role" not in cols:
            raise CrmError("migrate_profiles_no_role")
        missing = [c for c in ("full_name", "active") if c not in cols]
        if missing:
            defs = {"full_name": "text", "active": "boolean not null default true"}
            self.add("plan_add_columns", "alter table public.profiles " + ", ".join(
                f"add column if not exists {c} {defs[c]}" for c in missing), table="profiles",
                columns=", ".join(missing))

    def _import_jobs(self) -> None:
        if "import_jobs" not in self.tables:
            self.created.add("import_jobs")
            self.add("plan_create_import_jobs", "create table if not exists public.import_jobs (\n"
                     "    id uuid primary key default gen_random_uuid(),\n    "
                     + ",\n    ".join(f"{c} {t}" for c, t in _JOB_COLUMNS) + "\n);\n"
                     "create index if not exists import_jobs_file_hash_idx on public.import_jobs (file_hash)"
                     " where file_hash is not null;")
            return
        cols = self.columns("import_jobs")
        missing = [(c, t) for c, t in _JOB_COLUMNS if c not in cols]
        if missing:
            self.add("plan_add_columns", "alter table public.import_jobs\n    " + ",\n    ".join(
                f"add column if not exists {c} {t}" for c, t in missing), table="import_jobs",
                columns=", ".join(c for c, _ in missing))
        if "crm_importer_status" not in cols:
            self.add("plan_comment_status", "comment on column public.import_jobs.crm_importer_status is"
                     " 'crm-importer: the job''s state in the importer''s words (status holds the app''s)'")
        if not any("(file_hash)" in d for _, d in self.indexes("import_jobs")):
            self.add("plan_index", "create index if not exists import_jobs_file_hash_idx on public.import_jobs"
                     " (file_hash) where file_hash is not null", table="import_jobs", index="import_jobs_file_hash_idx")
        written = {c for c, _ in _JOB_COLUMNS} | {"id"}
        self._required_elsewhere("import_jobs", cols, written)
        status = cols.get("status")
        if status is not None and status.allowed:
            words, lacking = choose_words(status.allowed, STATUS_SYNONYMS)
            if lacking:
                raise CrmError("migrate_vocabulary", table="import_jobs", column="status",
                               allowed=", ".join(status.allowed), needed=", ".join(lacking))
            self.names = replace(self.names, status_words=words)
            self.note("plan_adopt_status", allowed=", ".join(status.allowed),
                      words=", ".join(f"{k} → {v}" for k, v in words.items()))

    def _required_elsewhere(self, table: str, cols: dict[str, CrmColumn], written: set[str]) -> None:
        for name, col in cols.items():
            if name not in written and col.required:
                raise CrmError("migrate_required_column", table=table, column=name)

    def _leads(self) -> None:
        owner = self._owner_column()
        self.names = replace(self.names, owner=owner)
        lead_cols = [f"{name} varchar({_len(name)})" for name in LEAD_COLUMNS]
        own = [("status", "text not null default 'new'"), (owner, "uuid references public.profiles (id)"),
               ("created_by", "uuid references public.profiles (id)"),
               ("import_job_id", "uuid references public.import_jobs (id) on delete set null"),
               ("import_row", "integer"), ("created_at", "timestamptz not null default now()"),
               ("updated_at", "timestamptz not null default now()")]
        if "leads" not in self.tables:
            self.created.add("leads")
            self.add("plan_create_leads", "create table if not exists public.leads (\n"
                     "    id uuid primary key default gen_random_uuid(),\n    "
                     + ",\n    ".join([*lead_cols, *(f"{c} {t}" for c, t in own)]) + "\n)")
        else:
            cols = self.columns("leads")
            missing = [d for name, d in zip(LEAD_COLUMNS, lead_cols, strict=True) if name not in cols]
            missing += [f"{c} {t}" for c, t in own if c not in cols]
            if missing:
                self.add("plan_add_columns", "alter table public.leads\n    " + ",\n    ".join(
                    f"add column if not exists {d}" for d in missing), table="leads",
                    columns=", ".join(d.split()[0] for d in missing))
        if not any(re.search(r"UNIQUE INDEX .* \(import_job_id, import_row\)$", d) for _, d in self.indexes("leads")):
            # A unique index (not a constraint) so it can be added to an existing table the same way;
            # ON CONFLICT (import_job_id, import_row) infers it all the same.
            self.add("plan_index_unique_row", "create unique index if not exists leads_import_job_row_key"
                     " on public.leads (import_job_id, import_row)")

    def _owner_column(self) -> str:
        if "leads" not in self.tables:
            return self.owner_column or "assigned_to"
        fks = [c for c, _ in self.fk_columns("leads", "profiles") if c not in _NOT_OWNER] \
            if "profiles" in self.tables else []
        if self.owner_column:
            cols = self.columns("leads")
            if self.owner_column in cols and self.owner_column not in fks:
                raise CrmError("migrate_owner_not_profile", column=self.owner_column)
            if self.owner_column not in cols and self.owner_column != "assigned_to":
                raise CrmError("migrate_owner_unknown", column=self.owner_column)
            return self.owner_column
        if self.settings.get(OWNER_KEY):
            return self.settings[OWNER_KEY]
        if "assigned_to" in fks or (not fks and "assigned_to" in self.columns("leads")):
            return "assigned_to"
        if len(fks) == 1:
            self.note("plan_adopt_owner", column=fks[0])
            return fks[0]
        if len(fks) > 1:
            raise CrmError("migrate_owner_ambiguous", columns=", ".join(fks))
        return "assigned_to"

    def _lead_history(self) -> None:
        if "lead_history" not in self.tables:
            self.created.add("lead_history")
            self.add("plan_create_history", f"""
                create table if not exists public.lead_history ({_HISTORY_COLUMNS});
                create index if not exists lead_history_lead_id_idx on public.lead_history (lead_id);
                create index if not exists lead_history_import_job_id_idx on public.lead_history (import_job_id);
            """)
            return
        cols = self.columns("lead_history")
        if "lead_id" not in cols:
            raise CrmError("migrate_history_no_lead", table="lead_history")

        def adopt(key: str, candidates: tuple[str, ...], ok: Any, default: str) -> str:
            stored = self.settings.get(key)
            if stored and stored in cols:
                return stored
            return next((c for c in candidates if c in cols and ok(cols[c])), default)

        event = adopt("history_event_column", _EVENT_NAMES, lambda c: c.kind in ("text", "choice"), "event")
        actor = adopt("history_actor_column", _ACTOR_NAMES, lambda c: c.base_type == "uuid", "actor_id")
        changes = adopt("history_changes_column", _CHANGES_NAMES, lambda c: c.base_type in ("jsonb", "json"),
                        "changes")
        self.names = replace(self.names, event=event, actor=actor, changes=changes)
        adopted = [f"{c} ({what})" for c, what, default in
                   ((event, "event", "event"), (actor, "actor", "actor_id"), (changes, "changes", "changes"))
                   if c != default]
        if adopted:
            self.note("plan_adopt_history", columns=", ".join(adopted))
        defs = {event: "text", actor: "uuid", changes: "jsonb", "import_job_id": "uuid",
                "created_at": "timestamptz not null default now()"}
        missing = [c for c in (event, actor, changes, "import_job_id", "created_at") if c not in cols]
        if missing:
            self.add("plan_add_columns", "alter table public.lead_history\n    " + ",\n    ".join(
                f"add column if not exists {c} {defs[c]}" for c in missing), table="lead_history",
                columns=", ".join(missing))
        self._required_elsewhere("lead_history", cols, {"id", "lead_id", event, actor, changes, "import_job_id",
                                                        "created_at"})
        allowed = cols[event].allowed if event in cols else ()
        if allowed:
            words, lacking = choose_words(allowed, EVENT_SYNONYMS)
            if lacking:
                raise CrmError("migrate_vocabulary", table="lead_history", column=event,
                               allowed=", ".join(allowed), needed=", ".join(lacking))
            self.names = replace(self.names, event_words=words)
        firsts = [d for _, d in self.indexes("lead_history")]
        if not any(re.search(r"\(lead_id[,)]", d) for d in firsts):
            self.add("plan_index", "create index if not exists lead_history_lead_id_idx on public.lead_history"
                     " (lead_id)", table="lead_history", index="lead_history_lead_id_idx")
        if not any(re.search(r"\(import_job_id[,)]", d) for d in firsts):
            self.add("plan_index", "create index if not exists lead_history_import_job_id_idx"
                     " on public.lead_history (import_job_id)", table="lead_history",
                     index="lead_history_import_job_id_idx")
        cascade = [c for c, action in self.fk_columns("lead_history", "leads") if c == "lead_id" and action == "c"]
        if cascade:
            self.note("plan_history_cascades")

    def _own_tables(self) -> None:
        if "import_batches" not in self.tables:
            self.created.add("import_batches")
            self.add("plan_create_batches", """
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
                comment on table public.import_batches is
                    'crm-importer commit ledger: one row per committed batch, written in the batch''s transaction';
            """)
        if LOGINS_TABLE not in self.tables:
            self.created.add(LOGINS_TABLE)
            # Supabase grants every API role all privileges on a new table, TRUNCATE and TRIGGER included,
            # which row-level security does not cover: none of them keeps any on who is who.
            revoked = ", ".join(["public", *sorted(self.api_roles)])
            # Row-level security on and no policy: only the table's owner (and logins that bypass RLS, who
            # could do anything anyway) read or write who is who.
            self.add("plan_create_logins", f"""
                create table if not exists public.{LOGINS_TABLE} (
                    login text primary key,
                    profile_id uuid not null references public.profiles (id) on delete cascade,
                    granted_at timestamptz not null default now(),
                    granted_by text not null default session_user
                );
                alter table public.{LOGINS_TABLE} enable row level security;
                revoke all on table public.{LOGINS_TABLE} from {revoked};
                comment on table public.{LOGINS_TABLE} is
                    'crm-importer: the CRM profile each database login acts as (crm-importer db grant)';
            """)
            self.add("plan_settings_identity", "insert into public.crm_importer_settings (key, value)"
                     " values ('declared_identity', 'allowed') on conflict (key) do nothing")
        if "crm_importer_events" not in self.tables:
            self.created.add("crm_importer_events")
            self.add("plan_create_events", f"""
                create table if not exists public.crm_importer_events ({_HISTORY_COLUMNS});
                create index if not exists crm_importer_events_job_idx on public.crm_importer_events (import_job_id);
                comment on table public.crm_importer_events is
                    'crm-importer: audit rows of undone imports for leads the CRM deletes with their lead_history';
            """)
        if "crm_importer_migrations" not in self.tables:
            self.created.add("crm_importer_migrations")
            self.add("plan_create_ledger", """
                create table if not exists public.crm_importer_migrations (
                    version integer primary key,
                    applied_at timestamptz not null default now()
                );
                comment on table public.crm_importer_migrations is 'crm-importer schema versions applied';
            """)

    # -- functions --
    def _functions(self) -> None:
        for signature, returns in (("public.crm_phone_e164(text,text)", "text"),
                                   ("public.crm_current_profile_id()", "uuid"),
                                   ("public.crm_importer_whoami()", "record"),
                                   ("public.crm_importer_role()", "text")):
            found = self.function(signature)
            if found is not None and found[0] != returns:
                raise CrmError("migrate_function_incompatible", function=signature, found=found[0], needed=returns)
        # plpgsql rather than SQL: it computes the digits once (about 3.5x faster than the inlined SQL CASE for
        # index maintenance during COPY), and being STRICT lets the planner prove `phone is not null` from
        # `crm_phone_e164(phone, cc) = $1`, so the partial index below is used by the importer's plain query.
        self.add("plan_function_phone", r"""
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
        """)
        # Who acts: a direct connection is the profile its login is mapped to (crm_importer_logins), read by
        # session_user, which SET ROLE and SECURITY DEFINER leave alone; JWT claims are believed only from
        # Supabase's API (PostgREST logs in as authenticator and sets them after verifying the token) and
        # from logins that bypass row-level security, which could read and write everything anyway. No
        # setting a session may choose (crm.profile_id) is ever believed.
        claims = ("coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),"
                  " nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid")
        mapped = f"(select l.profile_id from public.{LOGINS_TABLE} l where l.login = session_user::text)"
        bypass = ("exists (select 1 from pg_catalog.pg_roles r where r.rolname = session_user"
                  " and (r.rolsuper or r.rolbypassrls))")
        api = f"when session_user::text = 'authenticator' then {claims}\n                " if self.api_login else ""
        self.add("plan_function_profile", f"""
            create or replace function public.crm_current_profile_id()
            returns uuid
            language sql stable security definer
            set search_path = public, pg_temp
            as $fn$
                select case
                {api}when {bypass} then coalesce({claims}, {mapped})
                else {mapped}
                end
            $fn$;
            comment on function public.crm_current_profile_id() is
                'crm-importer: the acting CRM profile (the login''s mapping; API sessions: the verified JWT)';
        """)
        self.add("plan_function_whoami", f"""
            create or replace function public.crm_importer_whoami()
            returns table (login text, bypass boolean, profile_id uuid, email text, full_name text, role text,
                           active boolean)
            language sql stable security definer
            set search_path = public, pg_temp
            as $fn$
                select session_user::text, {bypass}, p.id, p.email::text, p.full_name::text, p.role::text,
                       p.active is not false
                from (select 1) one
                left join public.{LOGINS_TABLE} l on l.login = session_user::text
                left join public.profiles p on p.id = l.profile_id
            $fn$;
            comment on function public.crm_importer_whoami() is
                'crm-importer: this login, whether it bypasses row-level security, and the profile it is mapped to';
        """)
        # SECURITY DEFINER: it reads profiles as the table owner, so the policies that call it cannot recurse
        # into the policies of profiles (the seed plan's bug); role::text reads an enum role as well.
        self.add("plan_function_role", """
            create or replace function public.crm_importer_role()
            returns text
            language sql stable security definer
            set search_path = public, pg_temp
            as $fn$
                select p.role::text
                from public.profiles p
                where p.id = public.crm_current_profile_id() and p.active is not false
                limit 1
            $fn$;
            comment on function public.crm_importer_role() is
                'crm-importer: role of the acting CRM profile; SECURITY DEFINER so policies calling it never recurse';
        """)
        app_role = self.function("public.get_user_role()")
        if app_role is None:
            self.add("plan_function_get_user_role", """
                create or replace function public.get_user_role()
                returns text
                language sql stable security definer
                set search_path = public, pg_temp
                as $fn$ select public.crm_importer_role() $fn$;
                comment on function public.get_user_role() is
                    'Role of the acting CRM profile; SECURITY DEFINER so RLS policies can call it without recursion';
            """)
            return
        returns, definer, config = app_role
        fixed_path = any(c.startswith("search_path=") for c in config)
        if not definer:
            self.note("plan_role_invoker",
                      "alter function public.get_user_role() security definer set search_path = public, pg_temp;")
        elif not fixed_path:
            self.note("plan_role_no_path", "alter function public.get_user_role() set search_path = public, pg_temp;")
        else:
            self.note("plan_role_kept", returns=returns)

    # -- indexes and triggers --
    def _match_indexes(self) -> None:
        defs = [d for _, d in self.indexes("leads")] if "leads" not in self.created else []

        def has(expr: str) -> bool:
            pattern = r"USING btree \(" + expr + r"\)( WHERE \(\(?\w+\)? IS NOT NULL\))?$"
            return any(re.search(pattern, d) for d in defs)

        for key, column in (("email", "email"), ("external_id", "external_id")):
            ours = has(rf"lower\(btrim\(\(?{column}\)?(::text)?\)\)")
            app = has(rf"lower\(\(?{column}\)?(::text)?\)")
            if not ours and app and "leads" not in self.created:
                # The app's index compares lower(value): it serves the match unless stored values have spaces
                # around them, which the importer's own index finds and the app's would not.
                spaced = scalar(self.conn, sql.SQL("select count(*) from public.leads where {c} <> btrim({c})")
                                .format(c=sql.Identifier(column)))
                if not spaced:
                    match: dict[str, Any] = {f"{key}_match": "lower"}
                    self.names = replace(self.names, **match)
                    self.note("plan_adopt_index", column=column)
                    continue
                self.note("plan_index_not_adopted", column=column, count=spaced)
            if not ours:
                self.add("plan_index_match", f"create index if not exists leads_{key}_key_idx on public.leads"
                         f" (lower(btrim({column}))) where {column} is not null", column=column)
        if not any(f"crm_phone_e164(phone, '{self.cc}'::text)" in d for d in defs):
            self.add("plan_index_phone", sql.SQL(
                "create index if not exists leads_phone_key_idx on public.leads (public.crm_phone_e164(phone, {cc}))"
                " where phone is not null").format(cc=sql.Literal(self.cc)), cc=self.cc)
            if has(r"phone"):
                self.note("plan_phone_index_kept")
        self.add("plan_settings_region", sql.SQL(
            "insert into public.crm_importer_settings (key, value) values ('phone_region', {r}),"
            " ('phone_country_code', {cc}) on conflict (key) do nothing").format(
                r=sql.Literal(self.region), cc=sql.Literal(self.cc)), region=self.region, cc=self.cc)

    def _updated_at(self) -> None:
        if "leads" not in self.created:
            rows = self.conn.execute(
                "select t.tgname, p.proname, p.prosrc from pg_trigger t join pg_proc p on p.oid = t.tgfoid"
                " where t.tgrelid = 'public.leads'::regclass and not t.tgisinternal and t.tgenabled <> 'D'"
                " and (t.tgtype & 1) = 1 and (t.tgtype & 2) = 2 and (t.tgtype & 16) = 16 order by t.tgname"
            ).fetchall()
            if any(name == "crm_importer_leads_updated_at" for name, _, _ in rows):
                return
            app = [name for name, _, src in rows if re.search(r"\bupdated_at\b", src or "")]
            if app:
                self.note("plan_adopt_trigger", trigger=app[0])
                return
        self.add("plan_trigger", """
            create or replace function public.crm_importer_set_updated_at()
            returns trigger
            language plpgsql
            as $fn$
            begin
                new.updated_at := now();
                return new;
            end
            $fn$;
            create trigger crm_importer_leads_updated_at before update on public.leads
                for each row execute function public.crm_importer_set_updated_at();
        """)

    # -- access --
    def _access(self) -> None:
        # In a sub-select, the role is worked out once per statement (an InitPlan), not once per row: a batch
        # of history rows checked against the policy costs one call, not thousands.
        admin = "(select public.crm_importer_role()) = 'admin'"
        role = self.policy_role
        recursive = self._recursive_policies()
        for table in IMPORT_TABLES:
            if table not in self.tables and table not in self.created:
                continue
            names = {a: f"admin_{v}_{table}" for a, v in
                     (("select", "read"), ("insert", "insert"), ("update", "update"), ("delete", "delete"))}
            drop = [p for p in recursive.get(table, []) if p not in names.values()]
            replaced = sorted({*drop, *(n for n in names.values() if n in self._policy_names(table))})
            statement = _policies(table, role, read=admin, write=admin, names=names, drop=drop)
            if replaced:
                self.add("plan_policies_replace", statement, table=table, policies=", ".join(replaced))
            else:
                self.add("plan_policies", statement, table=table)
        if "lead_history" in self.created:
            # Readable by every active CRM profile (a lead's timeline), written by admins (the importer).
            self.add("plan_policies", _policies("lead_history", role, read="(select public.crm_importer_role()) is not null",
                                                write=admin), table="lead_history")
        elif "lead_history" in self.tables and scalar(
                self.conn, "select relrowsecurity from pg_class where oid = 'public.lead_history'::regclass"):
            # The app's history under row-level security: an admin's own login (subject to it) must be able to
            # add the import's rows. One permissive policy of the importer's, for admins only; the app's own
            # policies are left as they are.
            self.add("plan_policy_history_insert", sql.SQL(
                "drop policy if exists crm_importer_admin_insert on public.lead_history;\n"
                "create policy crm_importer_admin_insert on public.lead_history for insert to {r}"
                " with check ({admin});\n"
                "drop policy if exists crm_importer_admin_delete on public.lead_history;\n"
                "create policy crm_importer_admin_delete on public.lead_history for delete to {r}"
                " using ({admin} and import_job_id is not null);").format(r=sql.Identifier(role), admin=sql.SQL(admin)))
        if "profiles" in self.created:
            self.add("plan_policies", _policies("profiles", role, read="true", write=admin), table="profiles")
        for table in OWN_TABLES:
            if table in self.created:
                self.add("plan_policies_read_only", _READ_ONLY_FOR_OTHERS.format(t=sql.Identifier(table)),
                         table=table)

    def _policy_names(self, table: str) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "select policyname from pg_policies where schemaname = 'public' and tablename = %s", (table,))}

    def _recursive_policies(self) -> dict[str, list[str]]:
        """Policies of the import tables that read ``profiles`` themselves (the seed plan's recursion)."""
        out: dict[str, list[str]] = {}
        for table, name in self.conn.execute(
            "select tablename, policyname from pg_policies where schemaname = 'public' and tablename = any(%s)"
            " and (coalesce(qual, '') ~ '\\mprofiles\\M' or coalesce(with_check, '') ~ '\\mprofiles\\M')"
            " order by policyname", (list(IMPORT_TABLES),)):
            out.setdefault(table, []).append(name)
        return out

    def _grants(self) -> None:
        functions = ["public.crm_importer_role()", "public.crm_current_profile_id()",
                     "public.crm_importer_whoami()", "public.crm_phone_e164(text, text)"]
        if self.function("public.get_user_role()") is None:
            functions.append("public.get_user_role()")
        if not self.supabase or "authenticated" not in self.api_roles:
            return  # plain PostgreSQL: the policies apply to PUBLIC, whose logins must run these functions
        # Supabase grants every new function to anon: the importer's are for signed-in users only.
        grantees = ", ".join(r for r in ("authenticated", "service_role") if r in self.api_roles)
        revoked = ", ".join(r for r in ("public", "anon") if r == "public" or r in self.api_roles)
        self.add("plan_revoke_functions", "\n".join(
            f"revoke execute on function {f} from {revoked};\ngrant execute on function {f} to {grantees};"
            for f in functions), functions=", ".join(functions))
        statements: list[str] = []
        affected: list[str] = []
        for table in (*IMPORT_TABLES, *OWN_TABLES):
            if table not in self.tables and table not in self.created:
                continue
            lines = []
            if "anon" in self.api_roles and (table in self.created or self._has_privilege(
                    "anon", table, "SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER")):
                lines.append(f"revoke all on table public.{table} from anon;")
            if "authenticated" in self.api_roles and (table in self.created or self._has_privilege(
                    "authenticated", table, "TRUNCATE,REFERENCES,TRIGGER")):
                lines.append(f"revoke truncate, references, trigger on table public.{table} from authenticated;")
            if lines:
                affected.append(table)
                statements.extend(lines)
        if statements:
            self.add("plan_revoke_tables", "\n".join(statements), tables=", ".join(affected))
        # Tables created now get what Supabase's default privileges would give signed-in users, no more:
        # the policies decide which rows (admins only).
        grants = [f"grant select, insert, update, delete on table public.{t} to authenticated;"
                  for t in IMPORT_TABLES if t in self.created]
        grants += [f"grant select on table public.{t} to authenticated;" for t in OWN_TABLES if t in self.created]
        if "crm_importer_events" in self.created:
            grants.append("grant usage, select on sequence public.crm_importer_events_id_seq to authenticated;")
        if "lead_history" in self.created:
            grants.append("grant select, insert on table public.lead_history to authenticated;")
            grants.append("grant usage, select on sequence public.lead_history_id_seq to authenticated;")
        if grants:
            self.add("plan_grant_tables", "\n".join(grants),
                     tables=", ".join(t for t in (*IMPORT_TABLES, *OWN_TABLES, "lead_history") if t in self.created))

    def _has_privilege(self, role: str, table: str, privileges: str) -> bool:
        if table not in self.tables:
            return False
        return bool(scalar(self.conn, "select has_table_privilege(%s, %s, %s)", (role, f"public.{table}", privileges)))

    def _record_names(self) -> None:
        stored = {k: self.settings.get(k) for k in self.names.settings()}
        wanted = self.names.settings()
        if stored != wanted:
            self.add("plan_settings_names", sql.SQL(
                "insert into public.crm_importer_settings (key, value) values {} on conflict (key) do update"
                " set value = excluded.value").format(sql.SQL(", ").join(
                    sql.SQL("({}, {})").format(sql.Literal(k), sql.Literal(v)) for k, v in wanted.items())),
                owner=self.names.owner, event=self.names.event, actor=self.names.actor,
                changes=self.names.changes)
        self.add("plan_record_version", sql.SQL(
            "insert into public.crm_importer_migrations (version) values {} on conflict (version) do nothing"
        ).format(sql.SQL(", ").join(sql.SQL("({})").format(sql.Literal(v))
                                    for v in _versions_to_record(self.plan.current))),
            version=SCHEMA_VERSION)


def _policies(
    table: str, role: str, *, read: str, write: str, names: dict[str, str] | None = None,
    drop: Sequence[str] = (),
) -> sql.Composed:
    """Drop-and-create the four policies of ``table`` (CREATE POLICY has no IF NOT EXISTS)."""
    names = names or {}
    ident = sql.Identifier
    parts: list[sql.Composable] = [
        sql.SQL("alter table public.{t} enable row level security;").format(t=ident(table))
    ]
    for name in drop:
        parts.append(sql.SQL("drop policy if exists {n} on public.{t};").format(n=ident(name), t=ident(table)))
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


#: Tables only the migration (their owner) writes: readable by all, and on Supabase not writable through
#: its API, which grants every role the tables of ``public`` by default.
_READ_ONLY_FOR_OTHERS = sql.SQL(
    "alter table public.{t} enable row level security;"
    "drop policy if exists read_all on public.{t};"
    "create policy read_all on public.{t} for select to public using (true);"
)


# --- running ---------------------------------------------------------------------------------------------


def _ledger_version(conn: psycopg.Connection, tables: set[str] | None = None) -> int | None:
    if tables is not None and "crm_importer_migrations" not in tables:
        return None
    if tables is None and not _exists(conn, "public.crm_importer_migrations"):
        return None
    row = conn.execute("select max(version) from public.crm_importer_migrations").fetchone()
    return row[0] if row and row[0] is not None else None


def plan_migration(conn: psycopg.Connection, region: str = "FR", owner_column: str | None = None) -> MigrationPlan:
    """What :func:`migrate` would do, read in a transaction that is rolled back (nothing is changed).

    Raises ``CrmError`` for what stops the migration (an app function of an incompatible signature, a
    profiles table without an email, an owner column that cannot be told, a status the app's rules refuse).
    """
    country_code_for(region)
    tx = conn.transaction(force_rollback=True)
    with tx:
        _exists(conn, "public.crm_importer_migrations")  # fresh catalog caches (see _exists)
        return _Planner(conn, region, owner_column).build()


def migrate(conn: psycopg.Connection, region: str = "FR", owner_column: str | None = None) -> list[int]:
    """Install or upgrade the schema; returns the versions recorded now ([] when already up to date).

    ``region`` (ISO country, e.g. 'FR') sets the calling code of the phone match index at installation;
    later runs keep the stored one. The plan is made again under an advisory lock and applied in one
    transaction, so concurrent runs are safe and a failure leaves the database as it was
    (``migration_failed``). Best called on an idle connection; inside an open transaction, the caller's
    commit makes the migration stick.
    """
    return apply_migration(conn, region, owner_column)[0]


def apply_migration(conn: psycopg.Connection, region: str = "FR", owner_column: str | None = None, *,
                    expected: MigrationPlan | None = None,
                    progress: Callable[[int, int], None] | None = None) -> tuple[list[int], MigrationPlan]:
    """:func:`migrate`, also returning the plan it applied.

    ``expected`` is the plan the user read: when the plan made under the lock differs (the CRM changed in
    between, or another run migrated part of it), nothing is applied and ``plan_changed`` says to read the
    new one. ``progress(done, total)`` is called before each change and once at the end.
    """
    country_code_for(region)  # a bad region is a usage error even when there is nothing to do
    # Inside a caller's transaction the migration is a savepoint and the lock lasts until it ends.
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
            _exists(conn, "public.crm_importer_migrations")  # fresh catalog caches (see _exists)
            plan = _Planner(conn, region, owner_column).build()
            if plan.up_to_date:
                return [], plan
            if expected is not None and [s.sql for s in plan.changes] != [s.sql for s in expected.changes]:
                raise CrmError("plan_changed")
            total = len(plan.changes)
            for done, step in enumerate(plan.changes):
                if progress is not None:
                    progress(done, total)
                conn.execute(step.sql.encode())
        if progress is not None:
            progress(total, total)
        versions = _versions_to_record(plan.current)
        log.info("crm-importer schema versions %s applied", versions)
        return versions, plan
    except CrmError:
        raise
    except psycopg.Error as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CrmError("migration_failed", version=SCHEMA_VERSION, reason=reason) from exc


def schema_version(conn: psycopg.Connection) -> int | None:
    """The installed schema version, or None when crm-importer's schema is not installed."""
    with conn.transaction():
        return _ledger_version(conn)


def _read_if_there(conn: psycopg.Connection, query: str) -> list[tuple[Any, ...]] | None:
    """``query``'s rows, in a transaction and a round trip of its own (:func:`one_trip`; the connection is
    idle); None when a table it reads is not there (a CRM not migrated yet: only that transaction fails)."""
    try:
        [rows] = one_trip(conn, [(query, None)])
    except psycopg.errors.UndefinedTable:
        return None
    return rows


def require_schema(conn: psycopg.Connection) -> int:
    """The installed version; ``schema_missing`` (exit code 4) when absent or older than this importer's.
    Read in one round trip where the ledger is there (a CRM migrated already: the usual case)."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        rows = _read_if_there(conn, "select max(version) from public.crm_importer_migrations")
        found = None if rows is None else rows[0][0]
    else:
        found = schema_version(conn)
    if found is None or found < SCHEMA_VERSION:
        raise CrmError(
            "schema_missing", found="none" if found is None else str(found), required=str(SCHEMA_VERSION)
        )
    return found


def crm_settings(conn: psycopg.Connection) -> dict[str, str]:
    """The CRM's crm-importer settings, e.g. ``{'phone_region': 'FR', 'phone_country_code': '33'}``: in
    one round trip where they are there (in the caller's transaction, if it has one open)."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        rows = _read_if_there(conn, "select key, value from public.crm_importer_settings")
        return {} if rows is None else {key: value for key, value in rows}
    with conn.transaction():
        if not _exists(conn, "public.crm_importer_settings"):
            return {}
        rows = conn.execute("select key, value from public.crm_importer_settings").fetchall()
    return {key: value for key, value in rows}
