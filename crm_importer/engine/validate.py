"""Row validation, columnar: one polars expression per rule over a whole batch, no Python loop per row.

Each rule is a small named unit (:class:`Check`) giving, for every row, whether it fails and the value
to report. The batch comes back with the normalised CRM fields (``f_<field>``), the dedupe keys
(``k_<key>``) and ``__valid``; the failing rows come back as :class:`RowError` lists, which are few.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from crm_importer.engine import errors as E
from crm_importer.engine.errors import RowError
from crm_importer.engine.fields import DEDUPE_KEYS, FIELD_BY_NAME
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.phones import DEFAULT_REGION, normalize_phones
from crm_importer.engine.readers.base import EXTRA_COL, ROW_COL, cell_col

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

    def to_json(self) -> dict[str, object]:
        return {"region": self.region, "dedupe_keys": list(self.dedupe_keys)}

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> ValidationOptions:
        keys = obj.get("dedupe_keys", list(DEDUPE_KEYS))
        return cls(region=str(obj.get("region") or DEFAULT_REGION), dedupe_keys=tuple(keys))  # type: ignore[arg-type]


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
    norm: list[pl.Expr] = []
    for name, idx in columns.items():
        expr = _clean(cell_col(idx))
        if name == "email":
            expr = expr.str.to_lowercase()
        norm.append(expr.alias(fcol(name)))
    frame = batch.with_columns(norm)
    if "phone" in columns:
        frame = frame.with_columns(
            normalize_phones(frame[fcol("phone")], options.region).alias("__phone_e164")
        )

    checks: list[Check] = []
    for name, idx in columns.items():
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
