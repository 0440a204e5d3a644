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
from crm_importer.engine.fields import DEDUPE_KEYS, FIELD_BY_NAME
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


def _clean(col: str) -> pl.Expr:
    stripped = pl.col(col).str.strip_chars()
    return pl.when(stripped != "").then(stripped).otherwise(None)


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
        parsed, typed_checks = typed_column(column, _clean(cell_col(idx)), headers[idx] or f"#{idx + 1}", options)
        norm.append(parsed.alias(fcol(name)))
        checks.append(Check(E.NUL_BYTE, pl.col(cell_col(idx)).str.contains("\x00", literal=True), None,
                            headers[idx] or f"#{idx + 1}"))
        checks += typed_checks
    for name, idx in columns.items():
        if name in custom:
            continue
        expr = _clean(cell_col(idx))
        if name == "email":
            expr = expr.str.to_lowercase()
        norm.append(expr.alias(fcol(name)))
    frame = batch.with_columns(norm)
    if "phone" in columns:
        frame = frame.with_columns(
            normalize_phones(frame[fcol("phone")], options.region).alias("__phone_e164")
        )

    for name, idx in columns.items():
        if name in custom:
            continue
        header = headers[idx] or f"#{idx + 1}"
        raw = pl.col(cell_col(idx))
        value = pl.col(fcol(name))
        checks.append(Check(E.NUL_BYTE, raw.str.contains("\x00", literal=True), None, header))
        limit = FIELD_BY_NAME[name].max_length
        if name != "phone":  # a phone is stored as E.164 (about 16 characters; the column holds 32), whatever was typed
            checks.append(
                Check(E.TOO_LONG, value.str.len_chars() > limit, value, header, {"max_length": limit}, _length)
            )
        if name == "email":
            checks.append(Check(E.INVALID_EMAIL, value.is_not_null() & ~value.str.contains(EMAIL_PATTERN), raw, header))
        if name == "phone":
            checks.append(
                Check(E.INVALID_PHONE, value.is_not_null() & pl.col("__phone_e164").is_null(), raw, header)
            )
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
    frame = frame.with_columns(keys).drop(flag_cols, strict=False).drop("__phone_e164", strict=False)
    return ValidatedBatch(frame, errors)


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
