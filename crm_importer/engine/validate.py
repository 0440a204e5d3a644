"""Row validation, columnar: one polars expression per rule over a whole batch, no Python loop per row.

Each rule is a small named unit (:class:`Check`) giving, for every row, whether it fails and the value
to report. The batch comes back with the normalised CRM fields (``f_<field>``), the dedupe keys
(``k_<key>``) and ``__valid``; the failing rows come back as :class:`RowError` lists, which are few.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from crm_importer.engine import errors as E
from crm_importer.engine import typed as T
from crm_importer.engine.errors import RowError
from crm_importer.engine.fields import CONTACT_FIELDS, DEDUPE_KEYS, FIELD_BY_NAME
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.phones import DEFAULT_REGION, normalize_phones
from crm_importer.engine.readers.base import EXTRA_COL, ROW_COL, cell_col
from crm_importer.engine.typed import CrmColumn

VALID_COL = "__valid"
#: One ``@``, a local part without spaces, a domain with a dot that neither starts nor ends it.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s.]+$"


def fcol(name: str) -> str:
    """Column holding the normalised value of CRM field ``name``."""
    return f"f_{name}"


def kcol(name: str) -> str:
    """Column holding the dedupe key ``name`` (email, phone or external_id)."""
    return f"k_{name}"


@dataclass(frozen=True)
class ValidationOptions:
    region: str = DEFAULT_REGION
    dedupe_keys: tuple[str, ...] = DEDUPE_KEYS
    #: The CRM's writable lead columns as last read (empty: the standard contract), by name; a mapping may
    #: name any of them, and the CRM's own (:meth:`custom`) are checked by their type.
    columns: dict[str, CrmColumn] = field(default_factory=dict, hash=False)
    #: Per mapped CRM column, how its cells read: ``date_order`` (``dmy``/``mdy``) and ``date_decided_by``
    #: (``values``, ``conflict``, ``region``, ``user``, ``none``), ``values`` (file value -> allowed value),
    #: ``separator`` of a list (``;`` or ``,``).
    rules: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)

    def custom(self) -> dict[str, CrmColumn]:
        """The CRM's own columns, beyond the standard fields."""
        return {n: c for n, c in self.columns.items() if n not in FIELD_BY_NAME and c.writable}

    def mapping(self, headers: Sequence[str], fields: Sequence[str | None]) -> ColumnMapping:
        """A job's stored mapping, its CRM columns allowed."""
        return ColumnMapping(list(headers), list(fields), custom=frozenset(self.custom()))

    def with_rules(self, rules: dict[str, dict[str, Any]]) -> ValidationOptions:
        merged = {k: dict(v) for k, v in self.rules.items()}
        for name, rule in rules.items():
            merged.setdefault(name, {}).update(rule)
        return replace(self, rules=merged)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"region": self.region, "dedupe_keys": list(self.dedupe_keys)}
        if self.columns:  # absent for the standard contract: a job of before keeps its options as they were
            out["columns"] = [c.to_json() for c in self.columns.values()]
        if self.rules:
            out["rules"] = self.rules
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ValidationOptions:
        keys = obj.get("dedupe_keys", list(DEDUPE_KEYS))
        columns = {c["name"]: CrmColumn.from_json(c) for c in obj.get("columns") or ()}
        return cls(region=str(obj.get("region") or DEFAULT_REGION), dedupe_keys=tuple(keys), columns=columns,
                   rules={str(k): dict(v) for k, v in (obj.get("rules") or {}).items()})


@dataclass(frozen=True)
class Check:
    """One rule: rows where ``failed`` holds get ``code`` for ``column`` with ``value`` reported."""

    code: str
    failed: pl.Expr
    value: pl.Expr | None = None
    column: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    #: Extra per-row parameters computed from the row (e.g. the length of a too-long value).
    row_params: Callable[[object], dict[str, object]] | None = None


@dataclass
class ValidatedBatch:
    frame: pl.DataFrame  # __row, c0…, f_<field>…, k_<key>…, __valid
    errors: dict[int, list[RowError]]  # row number -> errors, invalid rows only

    @property
    def valid_count(self) -> int:
        return int(self.frame[VALID_COL].sum())


#: What a spreadsheet shows in a cell whose formula failed (Excel, LibreOffice, Google Sheets): a value
#: the sender must fix, never an empty cell.
SPREADSHEET_ERRORS = (
    "#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!", "#FIELD!",
    "#GETTING_DATA", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#N/D", "#VALEUR!",
    "#NOMBRE!", "#NOM?", "#NUL!", "Err:502", "Err:504", "Err:508", "Err:522",
)
_ERRORS = pl.Series(sorted({v for e in SPREADSHEET_ERRORS for v in (e, e.lower())}), dtype=pl.String)
#: What people type for "nothing" (compared lower-cased, spaces around dropped): read as an empty cell,
#: and counted per field (:func:`placeholder_counts`).
PLACEHOLDERS = (
    "n/a", "na", "n.a.", "n.a", "-", "--", "---", "—", "–", ".", "/", "?", "n.c.", "n.c", "nc", "n/c", "néant",
    "neant", "aucun", "aucune", "none", "null", "nil", "non renseigné", "non renseigne", "non communiqué",
    "non communique", "inconnu", "unknown", "n.r.", "nr", "nd", "n.d.", "xxx", "pas de mail", "pas d'email",
    "pas de téléphone", "sans",
)
#: Compared as typed in lower, upper or title case (``n/a``, ``N/A``, ``N/a``; ``Néant``): a lookup in a
#: set of these is several times cheaper than lower-casing every cell of a column.
_PLACEHOLDERS = pl.Series(
    sorted({v for p in PLACEHOLDERS for v in (p, p.upper(), p[:1].upper() + p[1:], p.title())}), dtype=pl.String
)


def is_placeholder(col: str) -> pl.Expr:
    """Whether the cell holds a known placeholder (``N/A``, ``-``, ``n.c.``, ``néant``…)."""
    return pl.col(col).str.strip_chars().is_in(_PLACEHOLDERS.implode())


def is_spreadsheet_error(col: str) -> pl.Expr:
    """Whether the cell shows a spreadsheet error (``#N/A``, ``#VALUE!``…), as a spreadsheet writes it
    (no space around: compared as it is, which costs no copy of the column)."""
    return pl.col(col).is_in(_ERRORS.implode())


def _clean(col: str, first_of_list: bool = False) -> pl.Expr:
    """The cell stripped; null when empty or a placeholder. ``first_of_list``: of a cell holding several
    values as Google Contacts writes them (``a@x.fr ::: b@x.fr``), the first."""
    cell = pl.col(col)
    if first_of_list:
        cell = cell.str.split_exact(GOOGLE_SEPARATOR, 1).struct.field("field_0")
    stripped = cell.str.strip_chars()
    return pl.when((stripped != "") & ~stripped.is_in(_PLACEHOLDERS.implode())).then(stripped).otherwise(None)


#: How Google Contacts' export puts several emails or phones of one kind in one cell.
GOOGLE_SEPARATOR = " ::: "


def validate_batch(batch: pl.DataFrame, mapping: ColumnMapping, options: ValidationOptions) -> ValidatedBatch:
    """Normalise the mapped fields of ``batch`` and find every rule each row breaks."""
    columns = mapping.field_columns()
    headers = mapping.headers
    own = options.custom()
    custom = {name: own[name] for name in columns if name in own}
    norm: list[pl.Expr] = []
    checks: list[Check] = []
    for name, column in custom.items():
        idx = columns[name]
        cell = pl.when(is_spreadsheet_error(cell_col(idx))).then(None).otherwise(_clean(cell_col(idx)))
        parsed, typed_checks = typed_column(column, cell, headers[idx] or f"#{idx + 1}", options)
        norm.append(parsed.alias(fcol(name)))
        checks.append(Check(E.NUL_BYTE, pl.col(cell_col(idx)).str.contains("\x00", literal=True), None,
                            headers[idx] or f"#{idx + 1}"))
        checks += typed_checks
    phones = mapping.phone_columns()
    for name, idx in columns.items():
        if name in custom:
            continue
        expr = _clean(cell_col(idx), first_of_list=name in CONTACT_FIELDS)
        if name == "email":
            expr = expr.str.to_lowercase()
        elif name == "phone" and len(phones) > 1:  # the first non-empty of several phone columns
            expr = pl.coalesce([_clean(cell_col(i), True) for i in phones])
            norm.append(pl.coalesce([pl.when(_clean(cell_col(i), True).is_not_null()).then(pl.lit(i, pl.Int32))
                                     for i in phones]).alias("__phone_src"))
        norm.append(expr.alias(fcol(name)))
    frame = batch.with_columns(norm)
    if "phone" in columns:
        frame = frame.with_columns(
            normalize_phones(frame[fcol("phone")], options.region).alias("__phone_e164")
        )

    for index, mapped in enumerate(mapping.fields):
        if mapped is not None:  # an error cell in any mapped column, a second phone column's included
            checks.append(Check(E.CELL_ERROR, is_spreadsheet_error(cell_col(index)), pl.col(cell_col(index)),
                                headers[index] or f"#{index + 1}"))
    for name, idx in columns.items():
        if name in custom:
            continue
        header = headers[idx] or f"#{idx + 1}"
        raw = pl.col(cell_col(idx))
        value = pl.col(fcol(name))
        error_cell = is_spreadsheet_error(cell_col(idx))  # said as such above, not as a bad value too
        checks.append(Check(E.NUL_BYTE, raw.str.contains("\x00", literal=True), None, header))
        limit = FIELD_BY_NAME[name].max_length
        if name != "phone":  # a phone is stored as E.164 (about 16 characters; the column holds 32), whatever was typed
            checks.append(
                Check(E.TOO_LONG, value.str.len_chars() > limit, value, header, {"max_length": limit}, _length)
            )
        if name == "email":
            checks.append(Check(E.INVALID_EMAIL, value.is_not_null() & ~error_cell & ~value.str.contains(EMAIL_PATTERN),
                                raw, header))
        if name == "phone":
            bad = value.is_not_null() & pl.col("__phone_e164").is_null()
            if len(phones) > 1:  # said for the column the value came from
                for i in phones:
                    checks.append(Check(E.INVALID_PHONE, bad & (pl.col("__phone_src") == i)
                                        & ~is_spreadsheet_error(cell_col(i)), pl.col(cell_col(i)),
                                        headers[i] or f"#{i + 1}"))
            else:
                checks.append(Check(E.INVALID_PHONE, bad & ~error_cell, raw, header))
    has_email = pl.col(fcol("email")).is_not_null() if "email" in columns else pl.lit(False)
    has_phone = pl.col(fcol("phone")).is_not_null() if "phone" in columns else pl.lit(False)
    checks.append(Check(E.MISSING_CONTACT, ~(has_email | has_phone)))
    checks.append(Check(E.EXTRA_CELLS, pl.col(EXTRA_COL).is_not_null(), pl.col(EXTRA_COL)))

    flags = [c.failed.fill_null(False).alias(f"__chk{i}") for i, c in enumerate(checks)]
    frame = frame.with_columns(flags)
    flag_cols = [f"__chk{i}" for i in range(len(checks))]
    frame = frame.with_columns((~pl.any_horizontal(flag_cols)).alias(VALID_COL))

    errors: dict[int, list[RowError]] = {}
    invalid = frame.filter(~pl.col(VALID_COL))
    if invalid.height:
        values = invalid.select(
            pl.col(ROW_COL),
            *flag_cols,
            *[(c.value if c.value is not None else pl.lit(None)).alias(f"__val{i}") for i, c in enumerate(checks)],
        )
        n = len(checks)
        for rec in values.iter_rows():
            row_no = rec[0]
            found: list[RowError] = []
            for i, check in enumerate(checks):
                if rec[1 + i]:
                    val = rec[1 + n + i]
                    params = dict(check.params)
                    if check.row_params is not None:
                        params.update(check.row_params(val))
                    found.append(RowError(check.code, check.column, None if val is None else str(val), params))
            errors[row_no] = found

    if "phone" in columns:
        frame = frame.with_columns(pl.col("__phone_e164").alias(fcol("phone")))
    keys: list[pl.Expr] = []
    for key in DEDUPE_KEYS:
        if key in columns and key in options.dedupe_keys:
            expr = pl.col(fcol(key))
            if key == "external_id":
                expr = expr.str.to_lowercase()
            keys.append(expr.alias(kcol(key)))
    frame = frame.with_columns(keys).drop(flag_cols, strict=False).drop("__phone_e164", "__phone_src", strict=False)
    return ValidatedBatch(frame, errors)


def placeholder_counts(frame: pl.DataFrame, mapping: ColumnMapping) -> dict[str, int]:
    """Per mapped field, how many of the frame's cells held a placeholder read as empty."""
    exprs = [is_placeholder(cell_col(i)).sum().alias(f"{f}\t{i}") for i, f in enumerate(mapping.fields)
             if f is not None and cell_col(i) in frame.columns]
    if not exprs or frame.height == 0:
        return {}
    counts: dict[str, int] = {}
    for key, n in frame.select(exprs).row(0, named=True).items():
        if n:
            name = key.partition("\t")[0]
            counts[name] = counts.get(name, 0) + int(n)
    return counts


def _length(value: object) -> dict[str, object]:
    return {"length": len(str(value)) if value is not None else 0}


#: How many allowed values an error names before "…" (a long list would drown the report's cell).
ALLOWED_SHOWN = 20


def _allowed_text(allowed: tuple[str, ...]) -> str:
    shown = ", ".join(allowed[:ALLOWED_SHOWN])
    return shown + (", …" if len(allowed) > ALLOWED_SHOWN else "")


def date_format(order: str) -> str:
    """How a date column is read, as the user sees it in an error: ``DD/MM/YYYY`` or ``MM/DD/YYYY``."""
    return "MM/DD/YYYY" if order == T.MDY else "DD/MM/YYYY"


def default_date_order(region: str) -> str:
    return T.MDY if region.upper() in T.MONTH_FIRST_REGIONS else T.DMY


def typed_column(column: CrmColumn, cell: pl.Expr, header: str,
                 options: ValidationOptions) -> tuple[pl.Expr, list[Check]]:
    """A CRM column of the app's own: the cleaned ``cell`` as the text PostgreSQL reads for its type, and
    the checks of its rules (required, format, range, list, length)."""
    rule = options.rules.get(column.name, {})
    parsed_col = pl.col(fcol(column.name))
    checks: list[Check] = []
    if column.required:
        checks.append(Check(E.REQUIRED_MISSING, cell.is_null(), None, header))
    kind = column.kind
    given_bad = cell.is_not_null() & parsed_col.is_null()
    if kind in (T.INTEGER, T.NUMBER):
        parsed = T.parse_number(cell, decimal_comma=options.region.upper() not in T.DECIMAL_POINT_REGIONS)
        checks.append(Check(E.INVALID_NUMBER, given_bad, cell, header))
        checks.append(Check(E.NUMBER_OUT_OF_RANGE, parsed_col.is_not_null() & T.number_out_of_range(parsed_col, column),
                            cell, header, {"type": column.type}))
    elif kind in (T.DATE, T.TIMESTAMP):
        order = str(rule.get("date_order") or default_date_order(options.region))
        parsed = T.parse_date(cell, order, with_time=kind == T.TIMESTAMP)
        checks.append(Check(E.INVALID_DATE, given_bad, cell, header, {"format": date_format(order)}))
    elif kind == T.BOOLEAN:
        parsed = T.parse_boolean(cell)
        checks.append(Check(E.INVALID_BOOLEAN, given_bad, cell, header))
    elif kind == T.CHOICE:
        parsed = T.parse_choice(cell, column.allowed, rule.get("values"))
        checks.append(Check(E.NOT_IN_LIST, given_bad, cell, header, {"allowed": _allowed_text(column.allowed)}))
    elif kind == T.ARRAY:
        separator = str(rule.get("separator") or ";")
        elements = T.array_elements(cell, separator)
        if column.allowed:
            mapped = T.choice_elements(elements, column.allowed, rule.get("values"))
            checks.append(Check(E.NOT_IN_LIST, mapped.list.eval(pl.element().is_null()).list.any(), cell, header,
                                {"allowed": _allowed_text(column.allowed)}))
            elements = mapped
        if column.max_length is not None:
            longest = elements.list.eval(pl.element().str.len_chars()).list.max()
            checks.append(Check(E.TOO_LONG, longest > column.max_length, cell, header, {"max_length": column.max_length},
                                lambda v: {"length": max(len(x.strip()) for x in str(v).split(separator))}))
        parsed = T.array_literal(elements)
    else:
        parsed = cell
        if column.max_length is not None:
            checks.append(Check(E.TOO_LONG, cell.str.len_chars() > column.max_length, cell, header,
                                {"max_length": column.max_length}, _length))
    return parsed, checks
