"""Undoing an import in the CRM: the statements, in one transaction under the commit lock."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from crm_importer.crm.columns import read_lead_columns
from crm_importer.crm.committer import COMMIT_LOCK_SQL
from crm_importer.crm.connection import Identity
from crm_importer.crm.link import act_as
from crm_importer.crm.names import read_names
from crm_importer.engine.errors import RefusedError
from crm_importer.engine.fields import LEAD_COLUMNS


def undo_job(conn: psycopg.Connection, job_id: str, identity: Identity) -> dict[str, Any]:
    """In one transaction: delete the leads the import created (not those edited since, nor those other
    records refer to), give the leads it updated their old values back, and log both in ``lead_history``
    (with the app's names for its columns and events). Where the CRM deletes a lead's history with the lead
    (ON DELETE CASCADE), the record of a deleted lead goes to ``crm_importer_events`` instead, which nothing
    deletes: the undo leaves its trace either way (``undo_events`` says where)."""
    actor = identity.profile_id
    with conn.transaction():
        names = read_names(conn)
        # Every column an import may have updated: the standard fields and the CRM's own.
        fields = [*LEAD_COLUMNS, *(c for c, col in read_lead_columns(conn).items()
                                   if col.writable and c not in LEAD_COLUMNS)]
        # How lead_history holds on to a lead: ON DELETE CASCADE deletes its rows with the lead; a plain
        # foreign key (NO ACTION) forbids deleting a lead that has any. Then the import's own rows go with
        # the lead, a lead with any other history is kept (referenced), and either way the undo's record
        # of a deleted lead goes to crm_importer_events, which nothing deletes.
        history_fk = _history_fk(conn)
        cascades = history_fk is not None
        act_as(conn, identity)
        # The commit lock, then no batch left committing beside another import's leader (the barrier).
        conn.execute(COMMIT_LOCK_SQL)
        kept = [str(r[0]) for r in conn.execute(
            "SELECT id FROM public.leads WHERE import_job_id = %s AND updated_at > created_at ORDER BY import_row",
            (job_id,),
        )]
        # Leads other records of the CRM point to (a deal, a task, an activity) stay: deleting them would
        # fail the whole undo, or cascade to those records.
        unreferenced = _unreferenced_condition(conn, job_id)
        if history_fk in ("a", "r"):
            unreferenced = sql.SQL("{} AND NOT EXISTS (SELECT 1 FROM public.lead_history o WHERE o.lead_id = l.id"
                                   " AND o.import_job_id IS DISTINCT FROM {})").format(unreferenced,
                                                                                     sql.Literal(job_id))
        referenced = [str(r[0]) for r in conn.execute(
            sql.SQL("SELECT id FROM public.leads l WHERE import_job_id = %s AND updated_at <= created_at"
                    " AND NOT ({}) ORDER BY import_row").format(unreferenced),
            (job_id,),
        )]
        undone = names.event_word("import_undone")
        deleted_log = (sql.SQL("INSERT INTO public.crm_importer_events (lead_id, event, actor_id, import_job_id,"
                               " changes)") if cascades else names.history_insert())
        counted = conn.execute(
            sql.SQL(
                "WITH d AS (DELETE FROM public.leads l WHERE import_job_id = %s AND updated_at <= created_at"
                " AND {cond} RETURNING id)"
                ", h AS ({log} SELECT id, %s, %s, %s, '{{\"action\": \"deleted\"}}'::jsonb FROM d){pinned}"
                " SELECT count(*) FROM d"
            ).format(cond=unreferenced, log=deleted_log, pinned=sql.SQL(
                ", dh AS (DELETE FROM public.lead_history WHERE lead_id IN (SELECT id FROM d))"
                if history_fk in ("a", "r") else "")),
            (job_id, "import_undone" if cascades else undone, actor, job_id),
        ).fetchone()
        deleted = counted[0] if counted else 0
        # Leads the import updated: each field that still holds the imported value gets its old value back,
        # read from the history's JSON as the column's own type (a date, a number, a list).
        ch = sql.Identifier(names.changes)
        sets = sql.SQL(", ").join(
            sql.SQL(
                "{c} = CASE WHEN h.changes->'fields' ? {n} AND to_jsonb(l.{c}) IS NOT DISTINCT FROM"
                " (h.changes->'fields'->{n}->'new') THEN (jsonb_populate_record(NULL::public.leads,"
                " jsonb_build_object({n}, h.changes->'fields'->{n}->'old'))).{c} ELSE l.{c} END"
            ).format(c=sql.Identifier(c), n=sql.Literal(c))
            for c in fields
        )
        restored_total = 0
        done_events: list[str] = []  # the history's ids, compared as text: a bigint, a uuid, anything
        while True:
            restored = conn.execute(
                sql.SQL(
                    "WITH h AS (SELECT DISTINCT ON (lead_id) id::text AS id, lead_id, {ch}::jsonb AS changes"
                    " FROM public.lead_history WHERE import_job_id = %s AND {ev} = %s AND {ch}::jsonb ? 'fields'"
                    " AND NOT (id::text = ANY(%s::text[])) ORDER BY lead_id, created_at DESC, id DESC)"
                    ", u AS (UPDATE public.leads l SET {sets}, updated_at = now() FROM h WHERE l.id = h.lead_id"
                    " RETURNING l.id, h.id AS event_id)"
                    ", hh AS ({log} SELECT u.id, %s, %s, %s, jsonb_build_object('action', 'restored') FROM u)"
                    " SELECT event_id FROM u"
                ).format(sets=sets, ch=ch, ev=sql.Identifier(names.event), log=names.history_insert()),
                (job_id, names.event_word("updated"), done_events, undone, actor, job_id),
            ).fetchall()
            if not restored:
                break
            done_events.extend(str(r[0]) for r in restored)
            restored_total += len(restored)
        conn.execute(
            "UPDATE public.import_jobs SET status = %s, crm_importer_status = 'undone', updated_at = now()"
            " WHERE id = %s", (names.status("undone"), job_id)
        )
    return {"job_id": job_id, "deleted": int(deleted), "restored": restored_total, "kept": kept,
            "referenced": referenced,
            "undo_events": "crm_importer_events" if cascades and deleted else "lead_history"}


def _history_fk(conn: psycopg.Connection) -> str | None:
    """The ON DELETE action of lead_history's foreign key to leads ('c' cascade, 'a' no action, 'r'
    restrict, 'n'/'d' set null/default), None without one."""
    row = conn.execute(
        "SELECT confdeltype::text FROM pg_constraint WHERE contype = 'f'"
        " AND conrelid = 'public.lead_history'::regclass AND confrelid = 'public.leads'::regclass"
        " ORDER BY confdeltype <> 'c' LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else None


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
