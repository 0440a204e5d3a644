"""Typed values for the CRM's own columns (issue 11): dates, numbers, booleans, picklists, lists.

Every parser here is a polars expression over a whole batch (no Python per row). Each turns the cleaned
cell text into the canonical text PostgreSQL reads for the column's type — ``2026-12-31``, ``12.5``,
``true``, ``hot``, ``{"salon","vip"}`` — or null when the text is not such a value, so that a check
``cell is set and parsed is null`` finds the bad ones. A CRM column is described offline by a
:class:`CrmColumn` (read from the catalog when connected, kept in the job store per CRM).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import polars as pl

#: Kinds of value the importer checks before the commit; anything else goes as text and the server judges.
TEXT, INTEGER, NUMBER, DATE, TIMESTAMP, BOOLEAN, CHOICE, ARRAY = (
    "text", "integer", "number", "date", "timestamp", "boolean", "choice", "array")
#: PostgreSQL integer types and their ranges.
INT_RANGES = {"smallint": (-(2**15), 2**15 - 1), "integer": (-(2**31), 2**31 - 1),
              "bigint": (-(2**63), 2**63 - 1)}
#: The columns the importer fills itself on every lead it writes; never offered to a mapping.
MANAGED_COLUMNS = frozenset({
    "id", "assigned_to", "created_by", "import_job_id", "import_row", "created_at", "updated_at",
})


@dataclass(frozen=True)
class CrmColumn:
    """One column of the CRM's leads table, as the importer needs to know it offline."""

    name: str
    #: As ``format_type`` writes it (``character varying(100)``, ``text[]``, ``public.lead_status``).
    type: str
    #: The base type's category after domains (pg_type.typcategory): S string, N numeric, D date/time,
    #: B boolean, E enum, A array, U user (uuid)…
    category: str = "S"
    not_null: bool = False
    #: The default expression as the catalog prints it (``'manual'::text``), None without one.
    default: str | None = None
    identity: bool = False
    generated: bool = False
    max_length: int | None = None
    #: Allowed values: an enum's labels or a simple CHECK's list; empty when any value goes.
    allowed: tuple[str, ...] = ()
    comment: str | None = None
    #: For an array, its element type (``text``); the base type's name otherwise (``integer``, ``date``).
    base_type: str | None = None
    #: numeric(p, s): digits in all and after the point; None when unconstrained.
    precision: int | None = None
    scale: int | None = None
    #: The importer fills it itself under the app's own name (the app's owner column, e.g. ``owner_id``).
    managed: bool = False

    @property
    def writable(self) -> bool:
        """An import may name this column (never an identity or generated one, nor one of the importer's)."""
        return not self.generated and not self.identity and not self.managed and self.name not in MANAGED_COLUMNS

    @property
    def required(self) -> bool:
        """NOT NULL without a default: a row without a value is refused by the CRM."""
        return self.not_null and self.default is None and not self.identity and not self.generated

    @property
    def kind(self) -> str:
        base = (self.base_type or "").lower()
        if self.category == "A":
            return ARRAY
        if self.allowed:
            return CHOICE
        if self.category == "N":
            return INTEGER if base in INT_RANGES else NUMBER
        if self.category == "D":
            if base == "date":
                return DATE
            return TIMESTAMP if base.startswith("timestamp") else TEXT
        if self.category == "B":
            return BOOLEAN
        return TEXT

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "category": self.category, "not_null": self.not_null,
            "default": self.default, "identity": self.identity, "generated": self.generated,
            "max_length": self.max_length, "allowed": list(self.allowed), "comment": self.comment,
            "base_type": self.base_type, "precision": self.precision, "scale": self.scale,
            "managed": self.managed,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CrmColumn:
        return cls(
            name=str(obj["name"]), type=str(obj["type"]), category=str(obj.get("category") or "S"),
            not_null=bool(obj.get("not_null")), default=obj.get("default"), identity=bool(obj.get("identity")),
            generated=bool(obj.get("generated")), max_length=obj.get("max_length"),
            allowed=tuple(obj.get("allowed") or ()), comment=obj.get("comment"), base_type=obj.get("base_type"),
            precision=obj.get("precision"), scale=obj.get("scale"), managed=bool(obj.get("managed")),
        )


def fold_value(text: str) -> str:
    """A picklist value compared without case, accents or spaces: ``Très Chaud`` -> ``treschaud``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and not ch.isspace()).casefold()


def _fold_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`fold_value` in polars: NFKD, combining marks and spaces removed, lower case."""
    return (expr.str.normalize("NFKD").str.replace_all(r"[\p{Mn}\s]", "").str.to_lowercase())


# --- dates -------------------------------------------------------------------------------------------------
DMY, MDY = "dmy", "mdy"
#: ``31/12/2026``, ``12-31-26``, ``31.12.2026``: two parts and a year, in an order the column decides.
_NUMERIC_DATE = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$"
_ISO_DATE = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
_NUMERIC_DATETIME = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$"
#: ``31 déc. 2026``, ``31 décembre 2026``, ``1er mars 2026``, ``Dec 31, 2026``, ``31-Dec-2026``.
_NAMED_DMY = r"^(\d{1,2})(?:er)?[ \-]+([^\d\s,.\-]+)\.?[ \-,]+(\d{4})$"
_NAMED_MDY = r"^([^\d\s,.\-]+)\.?[ \-]+(\d{1,2})(?:st|nd|rd|th)?,?[ \-]+(\d{4})$"
#: Folded month names and abbreviations, French and English -> month number.
MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    ("janvier", "janv", "jan", "january"), ("fevrier", "fevr", "fev", "feb", "february"),
    ("mars", "mar", "march"), ("avril", "avr", "apr", "april"), ("mai", "may"), ("juin", "jun", "june"),
    ("juillet", "juil", "jul", "july"), ("aout", "aug", "august"), ("septembre", "sept", "sep", "september"),
    ("octobre", "oct", "october"), ("novembre", "nov", "november"), ("decembre", "dec", "december"),
), start=1):
    for _name in _names:
        MONTHS[_name] = _number
#: Excel's serial day numbers (day 1 = 1900-01-01, with its phantom 1900-02-29): 1930 … 2100 accepted.
EXCEL_SERIALS = (10959, 73051)
#: Two-digit years: ``00``–``69`` are 2000–2069, ``70``–``99`` are 1970–1999.
PIVOT_YEAR = 70


def _year(expr: pl.Expr) -> pl.Expr:
    """A 2- or 4-digit year part as a 4-digit number (see :data:`PIVOT_YEAR`)."""
    y = expr.cast(pl.Int32, strict=False)
    return pl.when(expr.str.len_chars() == 2).then(
        pl.when(y < PIVOT_YEAR).then(y + 2000).otherwise(y + 1900)).otherwise(y)


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """A real calendar date (``2026-02-30`` is none) as ISO text, else null."""
    text = pl.format("{}-{}-{}", y.cast(pl.String).str.zfill(4), m.cast(pl.String).str.zfill(2),
                     d.cast(pl.String).str.zfill(2))
    return text.str.to_date("%Y-%m-%d", strict=False).dt.to_string("%Y-%m-%d")


def numeric_date_parts(value: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The first and second part of a ``dd/mm/yyyy``-shaped value as numbers (null for other shapes)."""
    first = value.str.extract(_NUMERIC_DATE, 1).cast(pl.Int32, strict=False)
    second = value.str.extract(_NUMERIC_DATE, 2).cast(pl.Int32, strict=False)
    return first, second


def decide_date_order(values: pl.Series, region: str) -> tuple[str, str]:
    """``(order, why)`` for one column: a part above 12 settles it (``values``), else the region
    (``region``: FR and most of the world day first, US month first), else it is ``ambiguous``.

    ``why`` is ``values`` (the data says), ``conflict`` (both orders seen: the commoner wins, the others
    are errors), ``region`` (every value reads both ways: the region's order, said to the user) or
    ``none`` (no such dates in the sample).
    """
    frame = pl.DataFrame({"v": values.cast(pl.String).str.strip_chars()})
    first, second = numeric_date_parts(pl.col("v"))
    counts = frame.select(
        day_first=((first > 12) & (second <= 12)).sum(), month_first=((second > 12) & (first <= 12)).sum(),
        shaped=first.is_not_null().sum(),
    ).row(0, named=True)
    by_region = MDY if region.upper() in MONTH_FIRST_REGIONS else DMY
    if counts["day_first"] and counts["month_first"]:
        return (DMY if counts["day_first"] >= counts["month_first"] else MDY), "conflict"
    if counts["day_first"]:
        return DMY, "values"
    if counts["month_first"]:
        return MDY, "values"
    return by_region, "region" if counts["shaped"] else "none"


#: Regions writing dates month first (``12/31/2026``).
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"})


def parse_date(value: pl.Expr, order: str, *, with_time: bool = False) -> pl.Expr:
    """Cleaned cell text -> ISO date (``2026-12-31``) or, ``with_time``, ``2026-12-31 14:05:00``; null if
    it is no date. ISO and XLSX date cells, ``dd/mm/yyyy`` (or ``mm/dd/yyyy`` for ``order`` MDY) with
    ``/``, ``.`` or ``-`` and 2-digit years, French and English month names, Excel serial numbers."""
    if not with_time:
        return _parse_day(value, order)
    a = value.str.extract(_NUMERIC_DATE, 1)
    b = value.str.extract(_NUMERIC_DATE, 2)
    day, month = (a, b) if order == DMY else (b, a)
    numeric = _ymd(_year(value.str.extract(_NUMERIC_DATE, 3)), month.cast(pl.Int32, strict=False),
                   day.cast(pl.Int32, strict=False))
    iso = _ymd(value.str.extract(_ISO_DATE, 1).cast(pl.Int32, strict=False),
               value.str.extract(_ISO_DATE, 2).cast(pl.Int32, strict=False),
               value.str.extract(_ISO_DATE, 3).cast(pl.Int32, strict=False))
    date = pl.coalesce(iso, numeric, _named_date(value), _excel_date(value))
    hh = pl.coalesce(value.str.extract(_ISO_DATE, 4), value.str.extract(_NUMERIC_DATETIME, 4))
    mm = pl.coalesce(value.str.extract(_ISO_DATE, 5), value.str.extract(_NUMERIC_DATETIME, 5))
    ss = pl.coalesce(value.str.extract(_ISO_DATE, 6), value.str.extract(_NUMERIC_DATETIME, 6), pl.lit("00"))
    da = value.str.extract(_NUMERIC_DATETIME, 1)
    db = value.str.extract(_NUMERIC_DATETIME, 2)
    dday, dmonth = (da, db) if order == DMY else (db, da)
    numeric_dt = _ymd(_year(value.str.extract(_NUMERIC_DATETIME, 3)), dmonth.cast(pl.Int32, strict=False),
                      dday.cast(pl.Int32, strict=False))
    date = pl.coalesce(date, numeric_dt)
    time_ok = (hh.cast(pl.Int32, strict=False).fill_null(0) < 24) & (mm.cast(pl.Int32, strict=False).fill_null(0) < 60) \
        & (ss.cast(pl.Int32, strict=False) < 60)
    clock = pl.format("{}:{}:{}", hh.fill_null("00").str.zfill(2), mm.fill_null("00"), ss.str.zfill(2))
    return pl.when(date.is_not_null() & time_ok).then(pl.format("{} {}", date, clock))


def _named_date(value: pl.Expr) -> pl.Expr:
    """``31 déc. 2026``, ``1er mars 2026``, ``Dec 31, 2026``, ``31-Dec-2026`` as ISO text, else null.
    Only cells with a letter go through it (the others are null from the start: nearly free)."""
    value = pl.when(value.str.contains(r"[^\d\s/.:\-]")).then(value)
    folded = value.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()
    dmy = folded.str.extract_groups(_NAMED_DMY)
    mdy = folded.str.extract_groups(_NAMED_MDY)
    return pl.coalesce(
        _ymd(dmy.struct[2].cast(pl.Int32, strict=False), dmy.struct[1].replace_strict(MONTHS, default=None, return_dtype=pl.Int32),
             dmy.struct[0].cast(pl.Int32, strict=False)),
        _ymd(mdy.struct[2].cast(pl.Int32, strict=False), mdy.struct[0].replace_strict(MONTHS, default=None, return_dtype=pl.Int32),
             mdy.struct[1].cast(pl.Int32, strict=False)),
    )


def _excel_date(value: pl.Expr) -> pl.Expr:
    """An Excel serial day number (see :data:`EXCEL_SERIALS`) as ISO text, else null."""
    serial = value.str.extract(r"^(\d{5})(?:\.\d+)?$", 1).cast(pl.Int32, strict=False)
    return pl.when(serial.is_between(*EXCEL_SERIALS)).then(
        (pl.lit(0).cast(pl.Date) + pl.duration(days=serial - 25569)).dt.to_string("%Y-%m-%d"))


def _parse_day(value: pl.Expr, order: str) -> pl.Expr:
    """:func:`parse_date` for a date column, on the fast path of polars' own date parser: separators
    made ``/``, a midnight time (an XLSX date cell) dropped, then ``dd/mm/yyyy`` (a 4-digit year only),
    ``dd/mm/yy`` and ``yyyy/mm/dd`` tried in turn; names of months and serials after."""
    slashed = value.str.replace(r"[T ]0?0:00(?::00(?:\.0+)?)?$", "").str.replace_all(r"[.\-]", "/")
    first = "%d/%m" if order == DMY else "%m/%d"
    four = slashed.str.to_date(f"{first}/%Y", strict=False)
    iso = slashed.str.to_date("%Y/%m/%d", strict=False)
    parsed = pl.coalesce(
        pl.when(four.dt.year() >= 1000).then(four),  # ``%Y`` would read ``26`` as the year 26
        slashed.str.to_date(f"{first}/%y", strict=False),
        pl.when(iso.dt.year() >= 1000).then(iso),
    ).dt.to_string("%Y-%m-%d")
    return pl.coalesce(parsed, _named_date(value), _excel_date(value))


# --- numbers -----------------------------------------------------------------------------------------------
#: Spaces people and spreadsheets put between thousands (space, no-break, narrow no-break, apostrophe).
_GROUPING = r"[\s\u00a0\u202f'’]"


def parse_number(value: pl.Expr, *, decimal_comma: bool = True) -> pl.Expr:
    """Cleaned cell text -> a number as PostgreSQL reads it (``1234.56``), null if it is none.

    ``1 234,56``, ``1.234,56``, ``1,234.56``, ``12,5``, ``12 %``, ``€ 1 200``, ``-3``. With both separators
    the last one is the decimal point and the other must group by three; a single comma is the decimal
    point (French usage) unless ``decimal_comma`` is off and it groups three digits (``1,234``); two or
    more groups of three are thousands either way (``1,234,567``, ``1.234.567``); a single dot is a point.
    """
    return value.map_batches(lambda cells: parse_numbers(cells, decimal_comma=decimal_comma),
                             return_dtype=pl.String)


def parse_numbers(cells: pl.Series, *, decimal_comma: bool = True) -> pl.Series:
    """:func:`parse_number` over one column: most cells (``12``, ``12,5``, ``12.5``) on a fast path of
    three string operations; only the others (a few, usually) through the full rules."""
    frame = cells.cast(pl.String).to_frame("v")
    value = pl.col("v")
    simple = value.str.contains(r"^[+-]?\d+(?:[.,]\d+)?$")
    if not decimal_comma:
        simple = simple & ~value.str.contains(r"^[+-]?\d{1,3},\d{3}$")  # 1,234 in English is a thousand
    out = frame.select(pl.when(simple).then(value.str.replace(",", ".", literal=True).str.strip_chars_start("+"))
                       .alias("v")).to_series()
    rest = (out.is_null() & frame["v"].is_not_null()).arg_true()
    if len(rest):
        slow = frame[rest].select(_parse_number_written(value, decimal_comma).alias("v")).to_series()
        out = out.scatter(rest, slow)
    return out.alias(cells.name)


def _parse_number_written(value: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """:func:`parse_number` for the cells off its fast path (others are null here: nearly free)."""
    bare = value.str.replace_all(r"[€$£%]|EUR|USD", "").str.replace_all(_GROUPING, "")
    comma_decimal = bare.str.contains(r"^[+-]?\d{1,3}(\.\d{3})*,\d+$")  # 1.234,56
    dot_decimal = bare.str.contains(r"^[+-]?\d{1,3}(,\d{3})*\.\d+$")  # 1,234.56
    comma_groups = bare.str.contains(r"^[+-]?\d{1,3}(,\d{3}){2,}$") | (
        ~pl.lit(decimal_comma) & bare.str.contains(r"^[+-]?\d{1,3},\d{3}$"))  # 1,234,567 (and 1,234 in English)
    dot_groups = bare.str.contains(r"^[+-]?\d{1,3}(\.\d{3}){2,}$")  # 1.234.567
    one_comma = bare.str.contains(r"^[+-]?\d*,\d+$")  # 12,5
    text = (
        pl.when(comma_groups).then(bare.str.replace_all(",", "", literal=True))
        .when(dot_groups).then(bare.str.replace_all(".", "", literal=True))
        .when(comma_decimal).then(bare.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(dot_decimal).then(bare.str.replace_all(",", "", literal=True))
        .when(one_comma).then(bare.str.replace(",", ".", literal=True))
        .otherwise(bare)
    )
    return pl.when(text.str.contains(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")).then(
        text.str.replace(r"^\+", "").str.replace(r"\.$", ""))


def number_out_of_range(number_text: pl.Expr, column: CrmColumn) -> pl.Expr:
    """Whether a parsed number (:func:`parse_number`'s text) does not fit the column: not whole for an
    integer type, beyond its range, more digits before the point than ``numeric(p, s)`` allows. Plain
    string operations, no regular expression: this runs on every cell."""
    base = (column.base_type or "").lower()
    has_point = number_text.str.contains(".", literal=True)
    if base in INT_RANGES:
        lo, hi = INT_RANGES[base]
        # ``12.0`` is whole: its zeros after the point and the point go; what is left must be an integer
        # (``12.5`` is not; beyond 64 bits the cast gives null, out of range too).
        whole = pl.when(has_point).then(number_text.str.strip_chars_end("0").str.strip_chars_end(".")).otherwise(
            number_text)
        as_int = whole.cast(pl.Int64, strict=False)
        return as_int.is_null() | (as_int < lo) | (as_int > hi)
    if column.precision is not None:
        before = column.precision - (column.scale or 0)
        integral = number_text.str.strip_chars_start("-").str.strip_chars_start("0")
        point = integral.str.find(".", literal=True)
        digits = pl.when(point.is_null()).then(integral.str.len_chars()).otherwise(point)
        return digits > before if before > 0 else digits > 0
    return pl.lit(False)


# --- booleans ----------------------------------------------------------------------------------------------
TRUE_WORDS = ("oui", "o", "yes", "y", "vrai", "true", "t", "1", "x", "on")
FALSE_WORDS = ("non", "n", "no", "faux", "false", "f", "0", "off")
_BOOLEANS = {**dict.fromkeys(TRUE_WORDS, "true"), **dict.fromkeys(FALSE_WORDS, "false")}


def parse_boolean(value: pl.Expr) -> pl.Expr:
    """oui/non, yes/no, vrai/faux, true/false, 1/0, x (an empty cell stays empty) -> ``true``/``false``."""
    return _fold_expr(value).replace_strict(_BOOLEANS, default=None, return_dtype=pl.String)


# --- picklists ---------------------------------------------------------------------------------------------
def parse_choice(value: pl.Expr, allowed: tuple[str, ...], value_map: dict[str, str] | None = None) -> pl.Expr:
    """A value of the list, matched after folding case, accents and spaces, or through the user's own
    ``value_map`` (file value -> allowed value, ``Chaud`` -> ``hot``, also folded); null otherwise."""
    table = {fold_value(v): v for v in allowed}
    for source, target in (value_map or {}).items():
        if target in allowed:
            table[fold_value(source)] = target
    return _fold_expr(value).replace_strict(table, default=None, return_dtype=pl.String)


# --- lists -------------------------------------------------------------------------------------------------
def array_elements(value: pl.Expr, separator: str = ";") -> pl.Expr:
    """The trimmed, non-empty elements of a list cell (``salon; vip`` -> ``["salon", "vip"]``)."""
    return value.str.split(separator).list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))


def choice_elements(elements: pl.Expr, allowed: tuple[str, ...], value_map: dict[str, str] | None = None) -> pl.Expr:
    """Each element as its value of the list (:func:`parse_choice`), null where it is none."""
    return elements.list.eval(parse_choice(pl.element(), allowed, value_map))


def array_literal(elements: pl.Expr) -> pl.Expr:
    """A list of text as PostgreSQL's array literal, ``{"salon","vip"}``: each element quoted (``"`` and
    ``\\`` escaped) so that commas and braces stay inside it; null for no element."""
    quoted = elements.list.eval(pl.format(
        '"{}"', pl.element().str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    )).list.join(",")
    return pl.when(elements.list.len() > 0).then(pl.concat_str([pl.lit("{"), quoted, pl.lit("}")]))


def parse_array(value: pl.Expr, separator: str = ";") -> pl.Expr:
    """``salon; vip`` -> ``{"salon","vip"}``: split on ``separator``, trimmed, empties dropped."""
    return array_literal(array_elements(value, separator))


#: Regions writing numbers with a decimal point (``1,234.56``); elsewhere a lone comma is the decimal mark.
DECIMAL_POINT_REGIONS = frozenset({
    "US", "GB", "IE", "AU", "NZ", "IN", "JP", "CN", "KR", "MX", "PH", "SG", "MY", "TH", "IL", "CH", "HK",
    "TW", "ZA", "NG", "KE", "GH", "PK", "LK", "PR",
})


def _pattern_check() -> None:  # compiled once at import: a bad pattern fails the test run, not a user's file
    for pattern in (_NUMERIC_DATE, _ISO_DATE, _NUMERIC_DATETIME, _NAMED_DMY, _NAMED_MDY):
        re.compile(pattern)


_pattern_check()
