"""The CRM's leads table as it is: its columns read from the catalog (issue 11).

An app's CRM has its own columns, defaults and rules. The importer reads them on connecting — type
(domains and enums resolved, arrays), length limit, NOT NULL, default, identity or generated, the value
list of a simple CHECK (``col IN (…)``, ``col = ANY (ARRAY[…])``), enum labels, comment — so that a
commit names only the columns it fills and every other one keeps what the CRM gives it.
"""

from __future__ import annotations

import re

import psycopg

from crm_importer.crm.connection import one_trip, scalar
from crm_importer.engine.typed import CrmColumn

_COLUMNS_SQL = """
WITH RECURSIVE cols AS (
    SELECT a.attnum, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.atttypid,
           a.atttypmod, a.attnotnull, a.attidentity, a.attgenerated,
           pg_get_expr(d.adbin, d.adrelid) AS default_expr, col_description(a.attrelid, a.attnum) AS comment
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = %(rel)s::regclass AND a.attnum > 0 AND NOT a.attisdropped
), base (attnum, typid, typmod, dom_not_null, depth) AS (  -- a domain is read down to its base type
    SELECT c.attnum, c.atttypid, c.atttypmod, false, 0 FROM cols c
    UNION ALL
    SELECT b.attnum, t.typbasetype, t.typtypmod, t.typnotnull, b.depth + 1
    FROM base b JOIN pg_type t ON t.oid = b.typid WHERE t.typtype = 'd'
)
SELECT c.name, c.type, c.attnotnull OR coalesce(bool_or(b.dom_not_null), false), c.default_expr, c.attidentity,
       c.attgenerated, c.comment,
       (array_agg(b.typid ORDER BY b.depth DESC))[1] AS base_typid,
       (array_agg(b.typmod ORDER BY b.depth DESC))[1] AS base_typmod,
       array_remove(array_agg(b.typid ORDER BY b.depth), NULL) AS type_chain
FROM cols c JOIN base b ON b.attnum = c.attnum
GROUP BY c.attnum, c.name, c.type, c.attnotnull, c.default_expr, c.attidentity, c.attgenerated, c.comment
ORDER BY c.attnum
"""

_TYPE_SQL = """
SELECT t.oid, t.typcategory, t.typelem, format_type(t.typelem, NULL), format_type(t.oid, NULL),
       (SELECT e.typcategory FROM pg_type e WHERE e.oid = t.typelem),
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.typelem)
FROM pg_type t WHERE t.oid = ANY(%(oids)s::oid[])
"""

#: CHECK constraints of the table and of the domains its columns use (a rule there binds the column too).
_CHECKS_SQL = """
SELECT conrelid <> 0 AS on_table, contypid, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contype = 'c' AND (conrelid = %(rel)s::regclass OR contypid = ANY(%(oids)s::oid[]))
"""

_QUOTED = re.compile(r"'((?:[^']|'')*)'")
#: The left side and the operator: ``((status)::text = ANY (``, ``(VALUE IN (``, ``("Kind" = ANY (``.
_HEAD = re.compile(r'^\(*(?:"(?P<q>(?:[^"]|"")+)"|(?P<w>\w+))\)*(?:::[\w ."]+)?\s*(?:=\s*ANY|IN)\s*(?P<rest>\(.*)$',
                   re.DOTALL)
_CAST = re.compile(r'::[\w ."]+(?:\[\])?')


def _check_values(definition: str) -> tuple[str, tuple[str, ...]] | None:
    """``(column or 'VALUE', allowed values)`` of a CHECK that is one value list, else None."""
    text = definition.strip()
    if not text.startswith("CHECK "):
        return None
    m = _HEAD.match(text[len("CHECK "):].strip())
    if m is None:
        return None
    rest = m.group("rest")
    values = [v.replace("''", "'") for v in _QUOTED.findall(rest)]
    leftover = _CAST.sub("", _QUOTED.sub("", rest)).replace("ARRAY", "")
    if not values or leftover.strip("()[], \n"):  # anything else than literals: not a plain value list
        return None
    column = m.group("q").replace('""', '"') if m.group("q") else m.group("w")
    return column, tuple(values)


_OWNER_SQL = "SELECT value FROM public.crm_importer_settings WHERE key = 'leads_owner_column'"


def read_lead_columns(conn: psycopg.Connection, table: str = "public.leads") -> dict[str, CrmColumn]:
    """The table's columns in order, by name, in two round trips (:func:`one_trip`: in the caller's
    transaction if it has one open, else in two short ones of their own): the columns, then their types and
    rules. The app's owner column (recorded by db migrate) is the importer's to fill: it is marked
    ``managed``, never offered to a file."""
    # The owner column goes with the columns: at once in a transaction of its own (a CRM not migrated yet
    # fails that read, and only its own transaction); in the caller's, once the settings are known there.
    owner: str | None = None
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with_owner = table == "public.leads" and (idle or scalar(
        conn, "SELECT to_regclass('public.crm_importer_settings') IS NOT NULL"))
    try:
        raw, *owner_rows = one_trip(conn, [(_COLUMNS_SQL, {"rel": table}), *([(_OWNER_SQL, None)] if with_owner else [])])
    except psycopg.errors.UndefinedTable:
        if not (idle and with_owner):
            raise
        [raw] = one_trip(conn, [(_COLUMNS_SQL, {"rel": table})])  # the leads, but no settings table
        owner_rows = []
    if owner_rows and owner_rows[0]:
        owner = owner_rows[0][0][0]
    oids = sorted({oid for r in raw for oid in r[9]})
    type_rows, checks = one_trip(conn, [(_TYPE_SQL, {"oids": oids}), (_CHECKS_SQL, {"rel": table, "oids": oids})])
    types = {r[0]: r for r in type_rows}
    table_lists: dict[str, tuple[str, ...]] = {}
    domain_lists: dict[int, tuple[str, ...]] = {}
    for on_table, domain, definition in checks:
        found = _check_values(definition)
        if found is None:
            continue
        col, values = found
        if on_table and col != "VALUE":
            table_lists[col] = values
        elif not on_table:
            domain_lists[int(domain)] = values
    out: dict[str, CrmColumn] = {}
    for name, type_, not_null, default, identity, generated, comment, base_oid, base_mod, chain in raw:
        _, category, elem, elem_name, base_name, elem_category, labels, elem_labels = types[base_oid]
        is_array = category == "A" and int(elem or 0) != 0
        allowed: tuple[str, ...] = table_lists.get(name, ())
        for oid in chain:  # a domain's own list, nearest first
            if not allowed and oid in domain_lists:
                allowed = domain_lists[oid]
        if not allowed and labels:
            allowed = tuple(labels)
        if not allowed and elem_labels:
            allowed = tuple(elem_labels)
        text_like = (elem_category if is_array else category) == "S"
        max_length = base_mod - 4 if text_like and base_mod and base_mod > 4 else None
        precision = scale = None
        if base_name == "numeric" and base_mod and base_mod > 4:  # typmod = (p << 16 | s) + 4
            precision, scale = ((base_mod - 4) >> 16) & 0xFFFF, (base_mod - 4) & 0xFFFF
        out[name] = CrmColumn(
            name=name, type=type_, category=str(category), not_null=bool(not_null), default=default,
            identity=identity in ("a", "d"), generated=generated == "s", max_length=max_length,
            allowed=allowed, comment=comment, base_type=elem_name if is_array else base_name,
            precision=precision, scale=scale, managed=name == owner,
        )
    return out
