"""The CRM's leads table as it is: its columns read from the catalog (issue 11).

An app's CRM has its own columns, defaults and rules. The importer reads them on connecting — type
(domains and enums resolved, arrays), length limit, NOT NULL, default, identity or generated, the value
list of a simple CHECK (``col IN (…)``, ``col = ANY (ARRAY[…])``), enum labels, comment — so that a
commit names only the columns it fills and every other one keeps what the CRM gives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg

#: The columns the importer fills itself on every lead it writes; never offered to a mapping.
MANAGED_COLUMNS = frozenset({
    "id", "assigned_to", "created_by", "import_job_id", "import_row", "created_at", "updated_at",
    "phone_e164",
})


@dataclass(frozen=True)
class LeadColumn:
    name: str
    #: As ``format_type`` writes it (``character varying(100)``, ``text[]``, ``public.lead_status``).
    type: str
    #: The base type's category after domains: S string, N numeric, D date/time, B boolean, E enum, A array…
    category: str
    not_null: bool = False
    #: The default expression as the catalog prints it (``'manual'::text``), None without one.
    default: str | None = None
    identity: bool = False
    generated: bool = False
    max_length: int | None = None
    #: Allowed values: an enum's labels or a simple CHECK's list; empty when any value goes.
    allowed: tuple[str, ...] = ()
    comment: str | None = None
    element_type: str | None = field(default=None)

    @property
    def writable(self) -> bool:
        """An import may name this column (never an identity ``ALWAYS``/generated one, nor the importer's)."""
        return not self.generated and not self.identity and self.name not in MANAGED_COLUMNS

    @property
    def required(self) -> bool:
        """NOT NULL without a default: a row without a value is refused by the CRM."""
        return self.not_null and self.default is None and not self.identity and not self.generated

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "category": self.category, "not_null": self.not_null,
            "default": self.default, "identity": self.identity, "generated": self.generated,
            "max_length": self.max_length, "allowed": list(self.allowed), "comment": self.comment,
            "element_type": self.element_type,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> LeadColumn:
        return cls(
            name=str(obj["name"]), type=str(obj["type"]), category=str(obj.get("category") or "S"),
            not_null=bool(obj.get("not_null")), default=obj.get("default"), identity=bool(obj.get("identity")),
            generated=bool(obj.get("generated")), max_length=obj.get("max_length"),
            allowed=tuple(obj.get("allowed") or ()), comment=obj.get("comment"), element_type=obj.get("element_type"),
        )


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
SELECT t.oid, t.typcategory, t.typelem, format_type(t.typelem, NULL),
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


def read_lead_columns(conn: psycopg.Connection, table: str = "public.leads") -> dict[str, LeadColumn]:
    """The table's columns in order, by name (one short read-only transaction)."""
    with conn.transaction():
        raw = conn.execute(_COLUMNS_SQL, {"rel": table}).fetchall()
        oids = sorted({oid for r in raw for oid in r[9]})
        types = {r[0]: r for r in conn.execute(_TYPE_SQL, {"oids": oids}).fetchall()}
        checks = conn.execute(_CHECKS_SQL, {"rel": table, "oids": oids}).fetchall()
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
    out: dict[str, LeadColumn] = {}
    for name, type_, not_null, default, identity, generated, comment, base_oid, base_mod, chain in raw:
        _, category, elem, elem_name, labels, elem_labels = types[base_oid]
        allowed: tuple[str, ...] = table_lists.get(name, ())
        for oid in chain:  # a domain's own list, nearest first
            if not allowed and oid in domain_lists:
                allowed = domain_lists[oid]
        if not allowed and labels:
            allowed = tuple(labels)
        if not allowed and elem_labels:
            allowed = tuple(elem_labels)
        max_length = base_mod - 4 if category == "S" and base_mod and base_mod > 4 else None
        out[name] = LeadColumn(
            name=name, type=type_, category=str(category), not_null=bool(not_null), default=default,
            identity=identity in ("a", "d"), generated=generated == "s", max_length=max_length,
            allowed=allowed, comment=comment, element_type=elem_name if int(elem or 0) and category == "A" else None,
        )
    return out
