"""Phone numbers to E.164, vectorised, giving exactly the answers of ``phonenumbers``.

SPEC 5: a phone is parsed with a default region and stored in E.164; a value that is not a *possible*
number (``phonenumbers.parse`` fails or ``is_possible_number`` says no) is invalid. ``phonenumbers`` is
the reference, but one Python call costs 20-50 µs and the values of a real file are nearly all unique,
so a call (or a cache) per row cannot keep the validation phase above 100k rows/s.

``normalize_phones`` therefore replays, as polars expressions, the steps ``phonenumbers.parse`` and
``is_possible_number`` take for *plain* values — an optional leading ``+``, then ASCII digits and the
separators `` .-()/`` or no-break space — using only the metadata of the regions involved: calling
code, international prefix, national prefix for parsing (and its transform rule), the general national
number pattern and its possible lengths. Every other value (letters, extensions, ``#``, full-width
digits, a ``+`` after a parenthesis...) goes to ``phonenumbers`` itself, one cached call per distinct
value, and so does any plain value the replay is not sure of (a transform rule that applies, a ``+``
followed by no known calling code, two bare digits).

The replay mirrors phonenumbers 9.0 function by function; the comments name the function each step
copies. ``tests/test_phones.py`` compares it with the reference on generated values for several regions,
so an upgrade of phonenumbers that changes the algorithm shows up there.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata, ValidationResult

DEFAULT_REGION = "FR"

#: The major version of phonenumbers the replay mirrors; pyproject.toml pins it (``>=9.0,<10``) and
#: tests/test_phones.py fails when the installed library is another one or answers differently.
MIRRORED_MAJOR = 9

# Limits of phonenumbers.phonenumberutil (_MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN, _MAX_INPUT_STRING_LENGTH).
_MIN_NSN = 2
_MAX_NSN = 17
_MAX_INPUT = 250

#: A plain value: an optional "+" first, then digits and separators. Each separator is in phonenumbers'
#: _VALID_PUNCTUATION, is dropped when it leads or trails, and cannot start an extension, so a plain
#: value reads as its digits plus whether it starts with "+".
_SEPARATORS = " .\\-()/\u00a0"
_PLAIN = f"^\\+?[{_SEPARATORS}]*[0-9][0-9{_SEPARATORS}]*$"


def _calling_code_lengths() -> pl.Series:
    """For each three-digit start "000".."999", the length of the calling code it begins with (0: none).

    _extract_country_code takes the shortest leading 1-3 digits that form a known calling code.
    """
    known = {str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    lengths = []
    for start in (f"{n:03d}" for n in range(1000)):
        lengths.append(next((size for size in (1, 2, 3) if start[:size] in known), 0))
    return pl.Series(lengths, dtype=pl.UInt32)


_CALLING_CODE_LENGTHS = _calling_code_lengths()


def is_supported_region(region: str) -> bool:
    """Whether ``region`` is a region code phonenumbers knows (two upper-case letters, e.g. ``"FR"``)."""
    return isinstance(region, str) and region in phonenumbers.SUPPORTED_REGIONS


def _require_region(region: str) -> None:
    if not is_supported_region(region):
        raise ValueError(f"unsupported phone region: {region!r}")


def normalize_phone(value: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of one value, or None when it is empty or not a possible number.

    This is the reference the vectorised path must agree with; use it for single values (a cell fixed
    in the GUI). Raises ValueError for a region phonenumbers does not know.
    """
    _require_region(region)
    if not value:
        return None
    return _reference(value, region)


@functools.lru_cache(maxsize=1 << 16)
def _reference(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def warm_up(region: str = DEFAULT_REGION) -> None:
    """Build the region's rules now (about 0.15 s, once per process), e.g. on a thread while a file is
    hashed, so that the first batch does not pay for it. Errors are left for the real call to report."""
    try:
        normalize_phones(pl.Series(["0"], dtype=pl.String), region)
    except Exception:  # noqa: BLE001
        pass


def normalize_phones(values: pl.Series, region: str = DEFAULT_REGION) -> pl.Series:
    """E.164 form of each value (a String series, already stripped), null when empty or invalid.

    The result has the input's length and name. It does not tell an empty value from an invalid one:
    the caller knows which inputs were non-empty. Raises ValueError for a region phonenumbers does not
    know.
    """
    _require_region(region)
    result, undecided = _fast_path(values, region)
    positions = undecided.arg_true()
    if len(positions):
        pending = values.cast(pl.String).gather(positions).to_list()
        result = result.scatter(positions, [_reference(v, region) for v in pending])
    return result


# --- Rules taken from the metadata -------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """What the replay needs from one PhoneMetadata, with its patterns in polars' regex syntax."""

    country_code: int
    #: general_desc.national_number_pattern, anchored for a full match (phonenumbers' fullmatch).
    national_pattern: str | None
    #: national_prefix_for_parsing when it is a plain digit string (most regions: "0", "1", "8").
    prefix_literal: str | None
    #: otherwise the pattern wrapped as ``^(...)``: group 1 spans what re.match would match.
    prefix_pattern: str | None
    #: group of prefix_pattern whose capture means the national_prefix_transform_rule applies.
    transform_group: int | None
    idd_literal: str | None
    idd_pattern: str | None
    #: national_prefix_for_parsing as literal alternatives tried in order ("0|180020"), () when there is
    #: none, None when it is a real pattern or has a transform rule.
    prefix_alternatives: tuple[str, ...] | None
    #: Shortest and longest string the national pattern can match: outside, no need to run it.
    national_width: tuple[int, int]
    #: _test_number_length results are a function of the length alone; lengths above ``top`` are TOO_LONG.
    top: int
    possible: frozenset[int]
    keep_stripped: frozenset[int]
    too_long: frozenset[int]


def _length_result(length: int, local: tuple[int, ...], possible: tuple[int, ...]) -> int:
    """phonenumbers' _test_number_length for the UNKNOWN type, which reads only general_desc."""
    if length in local:
        return ValidationResult.IS_POSSIBLE_LOCAL_ONLY
    if possible[0] == length:
        return ValidationResult.IS_POSSIBLE
    if possible[0] > length:
        return ValidationResult.TOO_SHORT
    if possible[-1] < length:
        return ValidationResult.TOO_LONG
    return ValidationResult.IS_POSSIBLE if length in possible[1:] else ValidationResult.INVALID_LENGTH


def _match_width(pattern: str | None) -> tuple[int, int]:
    """Bounds on the length of what ``pattern`` matches, from Python's own regex parser (private, hence
    the fallback to "any length", which only costs speed)."""
    if pattern is None:
        return (1, 0)  # matches nothing
    try:
        from re import _parser  # type: ignore[attr-defined]

        low, high = _parser.parse(pattern).getwidth()
    except Exception:  # noqa: BLE001
        return (0, 1 << 30)
    return (int(low), int(min(high, 1 << 30)))


#: What Rust's regex engine (polars) refuses and Python's accepts: look-arounds and back-references.
_RUST_UNSUPPORTED = re.compile(r"\(\?(?:=|!|<=|<!)|\\[1-9]")


def _polars_accepts(pattern: str) -> bool:
    """Whether polars can run ``pattern``. A syntax check, not a trial compile: trying all ~270 metadata
    patterns in polars cost ~0.3 s at the first batch of every run. A pattern that passes the check but
    that polars still refused would fail loudly in ``tests/test_phones.py``, which runs every region."""
    return _RUST_UNSUPPORTED.search(pattern) is None


def _build_rules(meta: PhoneMetadata | None) -> _Rules | None:
    """Rules for ``meta``, or None when something falls outside what the replay handles."""
    if meta is None or meta.general_desc is None or meta.country_code is None:
        return None
    general = meta.general_desc
    possible = tuple(general.possible_length or ())
    local = tuple(general.possible_length_local_only or ())
    if not possible or min(possible) < 0:
        return None
    top = max(possible + local) + 1
    results = {n: _length_result(n, local, possible) for n in range(top + 1)}
    pattern = general.national_number_pattern or None
    national_pattern = f"^(?:{pattern})$" if pattern else None

    prefix = meta.national_prefix_for_parsing or None
    transform = meta.national_prefix_transform_rule or None
    prefix_literal = prefix_pattern = None
    transform_group = None
    if prefix is not None and re.fullmatch(r"[0-9]+", prefix) and transform is None:
        prefix_literal = prefix
    elif prefix is not None:
        prefix_pattern = f"^({prefix})"
        groups = re.compile(prefix).groups
        if transform is not None:
            if groups == 0:
                return None
            transform_group = groups + 1  # the wrapping group comes first
    idd = meta.international_prefix or None
    idd_literal = idd_pattern = None
    if idd is not None and re.fullmatch(r"[0-9]+", idd):
        idd_literal = idd
    elif idd is not None:
        idd_pattern = f"^({idd})"
    if not all(_polars_accepts(p) for p in (national_pattern, prefix_pattern, idd_pattern) if p is not None):
        return None
    if prefix is None:
        alternatives: tuple[str, ...] | None = ()
    elif transform is None and re.fullmatch(r"[0-9]+(?:\|[0-9]+)*", prefix):
        alternatives = tuple(prefix.split("|"))
    else:
        alternatives = None
    return _Rules(
        country_code=meta.country_code,
        national_pattern=national_pattern,
        prefix_literal=prefix_literal,
        prefix_pattern=prefix_pattern,
        transform_group=transform_group,
        idd_literal=idd_literal,
        idd_pattern=idd_pattern,
        prefix_alternatives=alternatives,
        national_width=_match_width(pattern),
        top=top,
        possible=frozenset(
            n
            for n, r in results.items()
            if r in (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY)
        ),
        keep_stripped=frozenset(
            n for n, r in results.items() if r in (ValidationResult.IS_POSSIBLE, ValidationResult.TOO_LONG)
        ),
        too_long=frozenset(n for n, r in results.items() if r == ValidationResult.TOO_LONG),
    )


@functools.cache
def _region_rules(region: str) -> _Rules | None:
    return _build_rules(PhoneMetadata.metadata_for_region(region, None))


@functools.cache
def _calling_code_rules(calling_code: int) -> _Rules | None:
    """Rules of the main region of a calling code (or its non-geographic entity), as parse switches to."""
    main = phonenumbers.region_code_for_country_code(calling_code)
    return _build_rules(PhoneMetadata.metadata_for_region_or_calling_code(calling_code, main))


# --- Expressions ---------------------------------------------------------------------------------------
# Built as steps: tuples of expressions applied by one with_columns each. A value read several times
# later (the number after stripping, say) becomes a column once instead of being copied, regexes and
# all, into every expression that reads it.

_Step = tuple[pl.Expr, ...]


def _length_in(length: pl.Expr, lengths: frozenset[int], top: int, above_top: bool) -> pl.Expr:
    inside = length.is_in(sorted(lengths)) if lengths else pl.lit(False)
    return inside | (length > top) if above_top else inside


def _matches_national(number: pl.Expr, rules: _Rules) -> pl.Expr:
    """_match_national_number(number, general_desc, False)."""
    if rules.national_pattern is None:
        return pl.lit(False)
    return number.str.contains(rules.national_pattern)


def _strip_steps(source: str, target: str, rules: _Rules) -> list[_Step]:
    """_maybe_strip_national_prefix_carrier_code on column ``source``.

    Adds ``target``, the number after it, and ``left``, true where a transform rule applies (its result
    is left to phonenumbers). The prefix is dropped only if the number does not go from matching the
    national pattern to not matching it.
    """
    number = pl.col(source)
    if rules.prefix_literal is not None:
        steps: list[_Step] = [
            (
                number.str.starts_with(rules.prefix_literal).alias("_matched"),
                number.str.slice(len(rules.prefix_literal)).alias("_stripped"),
                pl.lit(False).alias("left"),
            )
        ]
    elif rules.prefix_pattern is not None:
        transformed = (
            number.str.extract(rules.prefix_pattern, rules.transform_group).is_not_null()
            if rules.transform_group is not None
            else pl.lit(False)
        )
        prefix = pl.col("_prefix")
        steps = [
            (number.str.extract(rules.prefix_pattern, 1).alias("_prefix"), transformed.alias("left")),
            (
                prefix.is_not_null().alias("_matched"),
                number.str.slice(prefix.str.len_bytes()).alias("_stripped"),
            ),
        ]
    else:
        return [(number.alias(target), pl.lit(False).alias("left"))]
    matched = pl.col("_matched") & (number.str.len_bytes() > 0)
    stripped = pl.col("_stripped")
    keep_original = _matches_national(number, rules) & ~_matches_national(stripped, rules)
    steps.append(
        (
            pl.when(matched & ~keep_original).then(stripped).otherwise(number).alias(target),
            (pl.col("left") & matched).alias("left"),
        )
    )
    return steps


def _idd_steps(rules: _Rules) -> list[_Step]:
    """_parse_prefix_as_idd on column "d": adds "idd", the length of the international prefix to strip
    (null when there is none). It is not stripped when a 0 follows: calling codes never start with 0."""
    d = pl.col("d")
    if rules.idd_literal is not None:
        strip = d.str.starts_with(rules.idd_literal) & ~d.str.starts_with(rules.idd_literal + "0")
        return [(pl.when(strip).then(pl.lit(len(rules.idd_literal), dtype=pl.UInt32)).alias("idd"),)]
    if rules.idd_pattern is not None:
        size_expr = pl.col("_idd").str.len_bytes()
        strip = pl.col("_idd").is_not_null() & (d.str.slice(size_expr, 1) != "0")
        return [
            (d.str.extract(rules.idd_pattern, 1).alias("_idd"),),
            (pl.when(strip).then(size_expr).alias("idd"),),
        ]
    return [(pl.lit(None, dtype=pl.UInt32).alias("idd"),)]


# --- The replay ----------------------------------------------------------------------------------------
#
# One polars query routes every value and finishes the common ones: empty or invalid, or an E.164 number
# computed from the rules of its calling code (_quick_steps). What it leaves — values for phonenumbers,
# and plain numbers where the national pattern (a regex per region) could change the outcome — a second,
# smaller query settles, per calling code, or hands to phonenumbers. Steps are built once per region.

#: Routes of the first query. CC: the calling code's main-region metadata applies from here on; HOME: a
#: national number of a region that is not its code's main region (CA for +1), read with the region's
#: metadata; CODE: national digits starting with the region's own calling code, settled next; LEFT: for
#: phonenumbers; OTHER: not plain, for phonenumbers unless it holds no digit. No route: empty or invalid.
_CC, _HOME, _CODE, _LEFT, _OTHER = range(5)  # from _CODE on, the first query does not finish the row
#: Every character of a plain value but the digits.
_NOT_DIGITS = [" ", ".", "-", "(", ")", "/", "\u00a0", "+"]


def _home_is_main(region: str, rules: _Rules) -> bool:
    return phonenumbers.region_code_for_country_code(rules.country_code) == region


@functools.cache
def _route_steps(region: str) -> list[_Step]:
    """The first query for ``region`` (whose rules exist): adds "route", "cc" and "rest" to column "s"."""
    home = _region_rules(region)
    assert home is not None
    code = str(home.country_code)
    s, d, plus, start, n = pl.col("s"), pl.col("d"), pl.col("plus"), pl.col("start"), pl.col("n")
    head, code_length, code_cut = pl.col("head"), pl.col("code_length"), pl.col("code_cut")
    national = start.is_null()
    with_code = pl.col("with_code")

    # National digits starting with the region's own calling code ("33612345678"): _maybe_extract_country_code
    # takes the code off when the rest, national prefix stripped, matches the national pattern and the whole
    # does not, or when the whole is too long. Settled here when the pattern cannot matter (lengths it
    # cannot match), else by _settle_code_steps.
    alternatives = home.prefix_alternatives
    if alternatives is not None and len(alternatives) <= 2:
        low, high = home.national_width
        after_code = n - len(code)
        prefix_starts = [d.str.starts_with(code + a).alias(f"cm{k}") for k, a in enumerate(alternatives)]
        cut: pl.Expr = pl.lit(0, dtype=pl.Int64)
        for k, a in reversed(list(enumerate(alternatives))):
            cut = pl.when(pl.col(f"cm{k}")).then(len(a)).otherwise(cut)
        too_long = _length_in(n, home.too_long, home.top, above_top=True)
        needs_pattern = ((code_cut > 0) & after_code.is_between(low, high)) | (
            ~too_long & (after_code - code_cut).is_between(low, high)
        )
        drop_code = too_long
    else:
        prefix_starts, cut = [], pl.lit(0, dtype=pl.Int64)
        needs_pattern, drop_code = pl.lit(True), pl.lit(False)

    route = (
        pl.when(s.str.len_bytes().fill_null(0) == 0)
        .then(None)
        .when(~pl.col("plain"))
        .then(_OTHER)
        # _is_viable_phone_number: at least three digits, or exactly two with nothing around them (rare:
        # left to phonenumbers).
        .when(n < 2)
        .then(None)
        .when(n == 2)
        .then(_LEFT)
        .when(with_code & needs_pattern)
        .then(_CODE)
        .when(with_code & drop_code)
        .then(_CC)
        .when(national)
        .then(_CC if _home_is_main(region, home) else _HOME)
        # _maybe_extract_country_code: too short after the prefix is TOO_SHORT_AFTER_IDD.
        .when(n - start <= _MIN_NSN)
        .then(None)
        .when(code_length > 0)
        .then(_CC)
        # No known calling code: INVALID_COUNTRY_CODE, after which parse retries a "+" number without its
        # "+" ("+0033..." still succeeds): that retry is left to phonenumbers.
        .when(plus)
        .then(_LEFT)
    )
    return [
        (
            (s.str.contains(_PLAIN) & (s.str.len_bytes() <= _MAX_INPUT)).alias("plain"),
            s.str.replace_many(_NOT_DIGITS, pl.lit("").implode()).alias("d"),
            s.str.starts_with("+").alias("plus"),
        ),
        # _maybe_strip_i18n_prefix_and_normalize: a leading "+", else the region's international prefix.
        *_idd_steps(home),
        (
            # Where the calling code starts, null for a national number.
            pl.when(plus)
            .then(pl.lit(0, dtype=pl.Int64))
            .otherwise(pl.col("idd").cast(pl.Int64))
            .alias("start"),
            d.str.len_bytes().cast(pl.Int64).alias("n"),
            *prefix_starts,
        ),
        ((national & d.str.starts_with(code)).alias("with_code"),),
        (d.str.slice(start, 3).cast(pl.UInt32, strict=False).alias("head"), cut.alias("code_cut")),
        (pl.lit(_CALLING_CODE_LENGTHS).gather(head).cast(pl.Int64).alias("code_length"),),
        (
            route.cast(pl.UInt8).alias("route"),
            pl.when(national)
            .then(pl.lit(home.country_code, dtype=pl.UInt32))
            .when(code_length == 1)
            .then(head // 100)
            .when(code_length == 2)
            .then(head // 10)
            .otherwise(head)
            .alias("cc"),
            pl.when(with_code & drop_code & ~needs_pattern)
            .then(len(code) + code_cut)
            .when(national)
            .then(0)
            .otherwise(start + code_length)
            .alias("offset"),
        ),
        (pl.when(~pl.col("plain")).then(s).otherwise(d.str.slice(pl.col("offset"))).alias("rest"),),
    ]


@functools.cache
def _settle_code_steps(region: str) -> list[_Step]:
    """For national digits starting with the region's calling code ("33612345678"), in column "rest":
    adds "drop", whether _maybe_extract_country_code takes the code off, and "without_code", the rest.

    The code goes when the national-prefix-stripped rest matches the national pattern and the whole does
    not, or when the whole is too long. "left" marks rows a transform rule leaves to phonenumbers.
    """
    home = _region_rules(region)
    assert home is not None
    rest = pl.col("rest")
    drop = (_matches_national(pl.col("without_code"), home) & ~_matches_national(rest, home)) | _length_in(
        rest.str.len_bytes(), home.too_long, home.top, above_top=True
    )
    return [
        (rest.str.slice(len(str(home.country_code))).alias("_after_code"),),
        *_strip_steps("_after_code", "without_code", home),
        (drop.alias("drop"),),
    ]


@functools.cache
def _finish_steps(cc: int, strip_region: str | None) -> list[_Step] | None:
    """From column "rest" (a national number): adds "out", E.164 or null, and "left" — the end of parse,
    is_possible_number and format_number(E164). None when the metadata falls outside the replay.

    Stripping uses the metadata parse holds at that point: the default region's when no calling code was
    read from the number (``strip_region``), else the code's main region's, which is_possible_number uses.
    """
    length_rules = _calling_code_rules(cc)
    strip_rules = _region_rules(strip_region) if strip_region is not None else length_rules
    if strip_rules is None or length_rules is None:
        return None
    rest, candidate, nsn = pl.col("rest"), pl.col("_candidate"), pl.col("_nsn")
    # The stripped form is kept only if its length is possible (or too long) for the region.
    keep = _length_in(candidate.str.len_bytes(), strip_rules.keep_stripped, strip_rules.top, above_top=True)
    long_enough = rest.str.len_bytes() >= _MIN_NSN  # else TOO_SHORT_NSN, before any stripping
    nsn_length = nsn.str.len_bytes()
    possible = (
        long_enough
        & (nsn_length <= _MAX_NSN)
        & _length_in(nsn_length, length_rules.possible, length_rules.top, above_top=False)
    )
    return [
        *_strip_steps("rest", "_candidate", strip_rules),
        (pl.when(keep).then(candidate).otherwise(rest).alias("_nsn"),),
        (
            pl.when(possible).then(pl.lit(f"+{cc}") + nsn).alias("out"),
            (pl.col("left") & long_enough).alias("left"),
        ),
    ]


def _apply(frame: pl.LazyFrame, steps: list[_Step]) -> pl.LazyFrame:
    for step in steps:
        frame = frame.with_columns(*step)
    return frame


# Rows the first query finishes on its own, for every calling code at once: the rules are data, gathered
# per row by a key (calling code * 2, + 1 for a national number of a region that is not its code's main
# region: stripped with the region's metadata, checked with the code's). It only lacks the national
# pattern: a row where that regex could change the outcome (a prefix would be stripped and the number has
# a length the pattern can match) goes on to _finish_steps, as do regions whose prefix is a real pattern.

_DONE, _REGEX = 5, 6
_KEYS = 2000  # calling codes have at most three digits
#: Lengths are tested as bits of a mask; longer numbers read bit 63 (too long for any region).
_LAST_BIT = 63
_POWERS_OF_TWO = pl.Series([1 << bit for bit in range(_LAST_BIT + 1)], dtype=pl.UInt64)


def _mask(lengths: frozenset[int], top: int, above_top: bool) -> int:
    return sum(1 << n for n in range(_LAST_BIT + 1) if n in lengths or (above_top and n > top))


def _has_bit(mask: pl.Expr, length: pl.Expr) -> pl.Expr:
    return (mask // pl.lit(_POWERS_OF_TWO).gather(pl.min_horizontal(length, _LAST_BIT))) % 2 == 1


@functools.cache
def _rule_columns(region: str) -> dict[str, pl.Expr]:
    """Per-row rules as expressions gathering, by "key", from one array per rule."""
    home = _region_rules(region)
    assert home is not None
    columns: dict[str, list[object]] = {
        name: [None] * _KEYS for name in ("p1", "p2", "l1", "l2", "wmin", "wmax", "keep", "possible", "e164")
    }
    quick = [False] * _KEYS
    keys: list[tuple[int, int, str | None]] = [
        (cc * 2, cc, None) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    ]
    if not _home_is_main(region, home):
        keys.append((home.country_code * 2 + 1, home.country_code, region))
    for key, cc, strip_region in keys:
        length_rules = _calling_code_rules(cc)
        strip_rules = _region_rules(strip_region) if strip_region is not None else length_rules
        alternatives = strip_rules.prefix_alternatives if strip_rules is not None else None
        if length_rules is None or strip_rules is None or alternatives is None or len(alternatives) > 2:
            continue
        quick[key] = True
        for k, prefix in enumerate(alternatives, start=1):
            columns[f"p{k}"][key] = prefix
            columns[f"l{k}"][key] = len(prefix)
        columns["wmin"][key], columns["wmax"][key] = strip_rules.national_width
        columns["keep"][key] = _mask(strip_rules.keep_stripped, strip_rules.top, above_top=True)
        columns["possible"][key] = _mask(length_rules.possible, length_rules.top, above_top=False)
        columns["e164"][key] = f"+{cc}"
    dtypes = {"p1": pl.String, "p2": pl.String, "e164": pl.String, "keep": pl.UInt64, "possible": pl.UInt64}
    gathered = {
        name: pl.lit(pl.Series(name, values, dtype=dtypes.get(name, pl.Int64))).gather(pl.col("key"))
        for name, values in columns.items()
    }
    gathered["quick"] = pl.lit(pl.Series("quick", quick, dtype=pl.Boolean)).gather(pl.col("key"))
    return gathered


@functools.cache
def _quick_steps(region: str) -> list[_Step]:
    """The end of parse + is_possible_number + format_number for the routed rows: adds "state" (_DONE,
    or where the row goes next) and "out"."""
    rule = _rule_columns(region)
    rest, n, route = pl.col("rest"), pl.col("n"), pl.col("route")
    m1, m2, plen, cut = pl.col("m1"), pl.col("m2"), pl.col("plen"), pl.col("cut")
    nsn_length = n - cut
    possible = (
        (n >= _MIN_NSN)  # else TOO_SHORT_NSN, before any stripping
        & (nsn_length <= _MAX_NSN)
        & _has_bit(rule["possible"], nsn_length)
    )
    state = (
        pl.when(route >= _CODE)
        .then(route)
        .when(~rule["quick"].fill_null(False) | pl.col("needs_regex"))
        .then(_REGEX)
        .otherwise(_DONE)
        .cast(pl.UInt8)
    )
    return [
        ((pl.col("cc") * 2 + (route == _HOME).cast(pl.UInt32)).alias("key"),),
        (
            rest.str.len_bytes().cast(pl.Int64).alias("n"),
            rest.str.starts_with(rule["p1"]).fill_null(False).alias("m1"),
            rest.str.starts_with(rule["p2"]).fill_null(False).alias("m2"),
        ),
        # _maybe_strip_national_prefix_carrier_code: the first alternative that starts the number.
        (pl.when(m1).then(rule["l1"]).when(m2).then(rule["l2"]).otherwise(0).alias("plen"),),
        # Stripped if the stripped length is possible (or too long); the national pattern could veto it
        # only if the unstripped number has a length it can match.
        (((m1 | m2) & (n > 0) & _has_bit(rule["keep"], n - plen)).alias("strip"),),
        (
            pl.when("strip").then(plen).otherwise(0).alias("cut"),
            (pl.col("strip") & n.is_between(rule["wmin"], rule["wmax"])).alias("needs_regex"),
        ),
        (state.alias("state"),),
        (
            pl.when((pl.col("state") == _DONE) & possible)
            .then(rule["e164"] + rest.str.slice(cut))
            .alias("out"),
        ),
    ]


def _collect(frame: pl.LazyFrame) -> pl.DataFrame:
    """The in-memory engine without plan optimisations: these plans are explicit already, and on 20k-row
    batches planning would cost more than it saves."""
    return frame.collect(engine="in-memory", optimizations=pl.QueryOptFlags.none())


def _fast_path(values: pl.Series, region: str) -> tuple[pl.Series, pl.Series]:
    """(E.164 or null for every value, mask of the values left to phonenumbers).

    Wherever the mask is False the first series holds exactly what ``normalize_phone`` returns.
    """
    size = len(values)
    result = pl.repeat(None, size, dtype=pl.String, eager=True).alias(values.name)
    undecided = pl.repeat(False, size, dtype=pl.Boolean, eager=True)
    home = _region_rules(region)
    if home is None:
        return result, ~undecided
    frame = pl.DataFrame({"s": values.cast(pl.String)}).lazy().with_row_index("i")
    routed = _apply(frame, _route_steps(region)).filter(pl.col("route").is_not_null())
    first = _collect(
        _apply(routed, _quick_steps(region))
        .filter((pl.col("state") != _DONE) | pl.col("out").is_not_null())
        .select("i", "state", "out", "route", "cc", "rest")
    )
    state = pl.col("state")
    done = first.filter(state == _DONE)
    if len(done):
        result = result.scatter(done["i"], done["out"])
    if len(done) == len(first):
        return result, undecided

    rest = first.filter(state != _DONE)
    # Without any digit phonenumbers finds no number (\d is Unicode on both sides).
    left = [rest.filter((state == _LEFT) | ((state == _OTHER) & pl.col("rest").str.contains(r"\d")))["i"]]
    states = set(rest["state"].unique().to_list())
    no_value = pl.lit(None, dtype=pl.String).alias("out")
    parts: list[pl.LazyFrame] = []
    # Numbers to finish with regexes, by (calling code, region whose metadata strips or None: the code's).
    pending: dict[tuple[int, str | None], list[pl.LazyFrame]] = {}
    code = home.country_code
    if _CODE in states:
        settled = _apply(rest.lazy().filter(state == _CODE).select("i", "rest"), _settle_code_steps(region))
        parts.append(settled.filter("left").select("i", no_value, "left"))
        settled = settled.filter(~pl.col("left"))
        pending.setdefault((code, None), []).append(settled.filter("drop").select("i", rest="without_code"))
        strip_region = None if _home_is_main(region, home) else region
        pending.setdefault((code, strip_region), []).append(
            settled.filter(~pl.col("drop")).select("i", "rest")
        )
    if _REGEX in states:
        for (cc, route), group in (
            rest.filter(state == _REGEX).partition_by("cc", "route", as_dict=True).items()
        ):
            pending.setdefault((cc, region if route == _HOME else None), []).append(
                group.lazy().select("i", "rest")
            )
    for (cc, strip_region), frames in pending.items():
        rows = pl.concat(frames)
        steps = _finish_steps(cc, strip_region)
        if steps is None:
            parts.append(rows.select("i", no_value, left=pl.lit(True)))
        else:
            parts.append(_apply(rows, steps).select("i", "out", "left"))
    if parts:
        second = _collect(pl.concat(parts))
        found = second.filter(pl.col("out").is_not_null())
        if len(found):
            result = result.scatter(found["i"], found["out"])
        left.append(second.filter("left")["i"])
    left_rows = pl.concat(left)
    if len(left_rows):
        undecided = undecided.scatter(left_rows, True)
    return result, undecided
