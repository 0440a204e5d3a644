"""Phones (SPEC 5): E.164 through phonenumbers, and a vectorised path that must agree with it exactly.

The fast path replays phonenumbers' parsing as polars expressions; these tests hold it to the reference
``normalize_phone`` on chosen values, on generated phone-like strings for several regions, and on a
realistic 200k list. ``python -m tests.test_phones``, from the repository, runs the micro-benchmark.
"""

from __future__ import annotations

import random
import re
import string
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata

from crm_importer.engine import phones
from crm_importer.engine.phones import (
    DEFAULT_REGION,
    is_supported_region,
    normalize_phone,
    normalize_phones,
)

ROOT = Path(__file__).resolve().parent.parent

SPEC_SAME_PHONE = ("06 12 34 56 78", "+33 6 12 34 56 78", "0033 6 12 34 56 78", "612345678")


def fast(values: Sequence[str | None], region: str = DEFAULT_REGION) -> tuple[list[str | None], list[bool]]:
    result, undecided = phones._fast_path(pl.Series("phone", values, dtype=pl.String), region)
    return result.to_list(), undecided.to_list()


def assert_fast_matches_reference(values: Sequence[str | None], region: str) -> int:
    """Every value the fast path decides equals the reference; the public function equals it everywhere.

    Returns how many values the fast path decided.
    """
    result, undecided = fast(values, region)
    expected = [normalize_phone(v, region) for v in values]
    wrong = [
        (v, got, want)
        for v, got, want, left in zip(values, result, expected, undecided, strict=True)
        if not left and got != want
    ]
    assert not wrong, f"fast path differs from phonenumbers ({region}): {wrong[:10]}"
    assert normalize_phones(pl.Series(values, dtype=pl.String), region).to_list() == expected
    return undecided.count(False)


# --- Chosen values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", SPEC_SAME_PHONE)
def test_spec_examples_are_the_same_phone(value: str) -> None:
    assert normalize_phone(value) == "+33612345678"
    result, undecided = fast([value])
    assert result == ["+33612345678"]
    assert undecided == [False]  # the common shapes never reach phonenumbers


def test_spec_examples_vectorised() -> None:
    out = normalize_phones(pl.Series("phone", SPEC_SAME_PHONE))
    assert out.to_list() == ["+33612345678"] * 4
    assert out.name == "phone"
    assert out.dtype == pl.String


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("(06) 12 34 56 78", "+33612345678"),
        ("06\u00a012\u00a034\u00a056\u00a078", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("33612345678", "+33612345678"),  # country code without "+": the rest is a better French number
        ("01 42 68 53 00", "+33142685300"),
        ("09 70 12 34 56", "+33970123456"),
        ("+44 20 7946 0958", "+442079460958"),  # another country's number stays that country's
        ("0044 20 7946 0958", "+442079460958"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+1 (650) 253-0000", "+16502530000"),
        ("+39 06 1234 5678", "+390612345678"),  # Italy keeps its leading zero
        ("+262 692 12 34 56", "+262692123456"),
        ("06 12 34 56 78 ext. 12", "+33612345678"),  # E.164 has no extension: phonenumbers drops it
        ("06 12 34 56 78 x12", "+33612345678"),
        ("Tél : 06 12 34 56 78", "+33612345678"),  # phonenumbers skips leading text
    ],
)
def test_e164_outputs(value: str, e164: str) -> None:
    assert normalize_phone(value) == e164
    assert normalize_phones(pl.Series([value])).to_list() == [e164]


@pytest.mark.parametrize(
    "value",
    [
        "n/a",
        "N/A",
        "abc",
        "-",
        "?",
        "0",
        "12",
        "1 2",
        "+12",
        "06 12 34",
        "06 12 34 5",
        "06 12 34 56 78 90",
        "+33 6 12 34 56 78 9",
        "+999 1234 5678",
        "+0612345678",
        "0000",
        "06 12 34 56 78 / 06 98 76 54 32 / 01 23 45 67 89",
        "6" * 300,
    ],
)
def test_invalid_values(value: str) -> None:
    assert normalize_phone(value) is None
    assert normalize_phones(pl.Series([value])).to_list() == [None]


def test_possible_is_only_a_length_check() -> None:
    """SPEC 5 asks for a *possible* number, a length check: a French number missing its last digit keeps
    its 0 (stripping it would leave too few digits) and has nine digits, a possible French length."""
    assert normalize_phone("06 12 34 56 7") == "+33061234567"
    assert fast(["06 12 34 56 7"]) == (["+33061234567"], [False])


@pytest.mark.parametrize(
    "value", ["06 12 34 56 78 poste 12", "1-800-FLOWERS", "+33 6 12 34 56 78 #12", "０６１２３４５６７８"]
)
def test_unusual_values_follow_phonenumbers(value: str) -> None:
    """Letters, extension markers and full-width digits are left to phonenumbers: same answer either way."""
    result, undecided = fast([value])
    assert undecided == [True]
    assert normalize_phones(pl.Series([value])).to_list() == [normalize_phone(value)]


def test_empty_and_null() -> None:
    assert normalize_phone(None) is None
    assert normalize_phone("") is None
    assert normalize_phone("   ") is None
    values = pl.Series("tel", [None, "", "06 12 34 56 78", None, "nope", ""], dtype=pl.String)
    out = normalize_phones(values)
    assert out.to_list() == [None, None, "+33612345678", None, None, None]
    assert len(out) == len(values)
    assert normalize_phones(pl.Series("tel", [], dtype=pl.String)).to_list() == []
    assert normalize_phones(pl.Series("tel", [None, None])).to_list() == [None, None]


def test_xlsx_integer_column_is_read_as_digits() -> None:
    assert normalize_phones(pl.Series([612345678, None])).to_list() == ["+33612345678", None]


@pytest.mark.parametrize(
    ("region", "value", "e164"),
    [
        ("BE", "0470 12 34 56", "+32470123456"),
        ("BE", "02 555 12 12", "+3225551212"),
        ("CH", "044 668 18 00", "+41446681800"),
        ("US", "(650) 253-0000", "+16502530000"),
        ("US", "1 650 253 0000", "+16502530000"),
        ("US", "011 33 6 12 34 56 78", "+33612345678"),
        ("US", "253 0000", "+12530000"),  # a local-only length is possible
        ("CA", "613 555 0123", "+16135550123"),
        ("GB", "020 7946 0958", "+442079460958"),
        ("GB", "07700 900123", "+447700900123"),
        ("DE", "030 123456", "+4930123456"),
        ("IT", "06 1234 5678", "+390612345678"),
        ("IT", "+39 347 123 4567", "+393471234567"),
        ("FR", "0262 12 34 56", "+33262123456"),
    ],
)
def test_other_regions(region: str, value: str, e164: str) -> None:
    assert normalize_phone(value, region) == e164
    assert normalize_phones(pl.Series([value]), region).to_list() == [e164]
    assert assert_fast_matches_reference([value], region) == 1


def test_regions() -> None:
    assert is_supported_region("FR")
    assert is_supported_region("US")
    assert not is_supported_region("fr")
    assert not is_supported_region("ZZ")
    assert not is_supported_region("001")
    assert not is_supported_region("")
    with pytest.raises(ValueError):
        normalize_phone("0612345678", "XX")
    with pytest.raises(ValueError):
        normalize_phones(pl.Series(["0612345678"]), "fr")


# --- The replay's building blocks against phonenumbers' own ------------------------------------------------


def all_metadata() -> list[PhoneMetadata]:
    regions = [PhoneMetadata.metadata_for_region(r) for r in sorted(phonenumbers.SUPPORTED_REGIONS)]
    non_geo = [
        PhoneMetadata.metadata_for_nongeo_region(c)
        for c in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    found = [meta for meta in regions + non_geo if meta is not None]
    assert len(found) == len(regions) + len(non_geo)
    return found


def test_length_tables_match_test_number_length() -> None:
    """The rules' length sets reproduce phonenumbers' _test_number_length (private, hence checked here)."""
    from phonenumbers.phonenumberutil import _test_number_length

    V = phonenumbers.ValidationResult
    for meta in all_metadata():
        rules = phones._build_rules(meta)
        assert rules is not None, meta.id
        for length in range(0, 40):
            result = _test_number_length("5" * length, meta)
            possible = length in rules.possible
            keep = length in rules.keep_stripped or length > rules.top
            too_long = length in rules.too_long or length > rules.top
            assert possible == (result in (V.IS_POSSIBLE, V.IS_POSSIBLE_LOCAL_ONLY)), (meta.id, length)
            assert keep == (result in (V.IS_POSSIBLE, V.TOO_LONG)), (meta.id, length)
            assert too_long == (result == V.TOO_LONG), (meta.id, length)


def test_metadata_patterns_mean_the_same_in_polars() -> None:
    """polars (Rust regex) reads phonenumbers' metadata patterns as Python's re does, on digit strings.

    Full matches of the national pattern, and the end of a prefix match for the national and
    international prefixes, for every region, on random digit strings and the region's example numbers.
    """
    rng = random.Random(7)
    samples = ["".join(rng.choice("0123456789") for _ in range(rng.randint(0, 16))) for _ in range(300)]
    samples += ["0" + s for s in samples[:100]] + ["1" + s for s in samples[100:200]]
    for meta in all_metadata():
        rules = phones._build_rules(meta)
        assert rules is not None
        digits = list(samples)
        for desc in (meta.fixed_line, meta.mobile, meta.toll_free):
            if desc is not None and desc.example_number:
                digits += [
                    desc.example_number,
                    "0" + desc.example_number,
                    str(meta.country_code) + desc.example_number,
                ]
        series = pl.Series(digits)
        assert meta.general_desc is not None
        pattern = meta.general_desc.national_number_pattern
        assert pattern is not None
        assert rules.national_pattern is not None
        got = series.str.contains(rules.national_pattern).to_list()
        assert got == [re.fullmatch(pattern, d) is not None for d in digits], meta.id
        for python_pattern, polars_pattern in (
            (meta.national_prefix_for_parsing, rules.prefix_pattern),
            (meta.international_prefix, rules.idd_pattern),
        ):
            if polars_pattern is None or python_pattern is None:
                continue
            got = series.str.extract(polars_pattern, 1).to_list()
            matches = [re.match(python_pattern, d) for d in digits]
            assert got == [m.group(0) if m else None for m in matches], meta.id
            if polars_pattern == rules.prefix_pattern and rules.transform_group is not None:
                got = series.str.extract(polars_pattern, rules.transform_group).to_list()
                assert got == [m.groups()[-1] if m else None for m in matches], meta.id
        # What the first query assumes: literal alternatives match as re.match does, and the national
        # pattern matches nothing outside its width.
        low, high = rules.national_width
        assert all(low <= len(d) <= high for d in digits if re.fullmatch(pattern, d)), meta.id
        if rules.prefix_alternatives is not None:
            npfp = meta.national_prefix_for_parsing
            for d in digits:
                first = next((a for a in rules.prefix_alternatives if d.startswith(a)), None)
                match = re.match(npfp, d) if npfp else None
                assert (match.group(0) if match else None) == first, (meta.id, d)


# --- Generated phone-like strings ------------------------------------------------------------------------

_SEPARATOR = st.sampled_from([" ", " ", ".", "-", "(", ")", "/", "\u00a0", " (0) "])
_CODES = st.sampled_from(
    ["33", "32", "41", "1", "44", "49", "39", "262", "590", "7", "86", "54", "81", "999", "0", "00"]
)
_ODD = st.sampled_from(
    [
        "x",
        " ext. ",
        " poste ",
        "abc",
        "#",
        ",",
        "\t",
        "ABCDEF",
        "T",
        "+",
        ";ext=",
        "tel:",
        "\u202f",
        "１",
        "*",
        "~",
    ]
)


@st.composite
def phone_like(draw: st.DrawFn) -> str:
    """Digits, separators, now and then a leading "+" or "00" or a calling code, rarely letters or an
    extension."""
    prefix = draw(st.sampled_from(["", "", "", "+", "+", "00", "011", "0", "+0", "(", "+ ", "++", "1"]))
    digits = st.text(alphabet=string.digits, min_size=1, max_size=6)
    pieces = draw(st.lists(st.one_of(digits, digits, digits, _SEPARATOR, _CODES), max_size=8))
    if draw(st.integers(0, 7)) == 0:
        pieces.insert(draw(st.integers(0, len(pieces))), draw(_ODD))
    return (prefix + "".join(pieces))[: draw(st.integers(0, 20))]


@st.composite
def number_like(draw: st.DrawFn, region: str) -> str:
    """A national significant number of a plausible length, written the ways people write numbers."""
    meta = PhoneMetadata.metadata_for_region(region)
    assert meta is not None and meta.general_desc is not None
    lengths = list(meta.general_desc.possible_length) + list(meta.general_desc.possible_length_local_only)
    length = draw(st.sampled_from(lengths)) + draw(st.sampled_from([0, 0, 0, -1, 1, -3, 2]))
    nsn = draw(st.text(alphabet=string.digits, min_size=max(length, 0), max_size=max(length, 0)))
    code = draw(st.sampled_from([str(meta.country_code)] * 3 + ["33", "44", "1", "39", "49"]))
    national_prefix = meta.national_prefix or ""
    idd = draw(st.sampled_from(["00", "011", "0011"]))
    form = draw(st.sampled_from(["national", "bare", "plus", "plus0", "idd", "code", "code0"]))
    number = {
        "national": national_prefix + nsn,
        "bare": nsn,
        "plus": "+" + code + nsn,
        "plus0": "+" + code + "0" + nsn,
        "idd": idd + code + nsn,
        "code": code + nsn,
        "code0": code + "0" + nsn,
    }[form]
    cuts = sorted(draw(st.lists(st.integers(0, len(number)), max_size=5)))
    separator = draw(_SEPARATOR)
    parts = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
    written = separator.join(parts)
    if draw(st.integers(0, 15)) == 0:
        written += draw(_ODD) + draw(st.text(alphabet=string.digits, max_size=4))
    return written


def assert_decided_values_match_reference(values: Sequence[str], region: str) -> None:
    result, undecided = fast(values, region)
    wrong = [
        (v, got, normalize_phone(v, region))
        for v, got, left in zip(values, result, undecided, strict=True)
        if not left and got != normalize_phone(v, region)
    ]
    assert not wrong, f"fast path differs from phonenumbers ({region}): {wrong}"


#: The regions the brief names (IT for its leading zero), 300 examples each.
MAIN_REGIONS = ("FR", "BE", "CH", "US", "GB", "DE", "IT")
#: Paths the main regions do not take: a region sharing its calling code with a main region (CA), national
#: prefixes with transform rules or patterns (AR, JP, AU, BR), international prefixes that are patterns
#: (AU, BR).
OTHER_REGIONS = ("CA", "AR", "JP", "AU", "BR")


@pytest.mark.parametrize("region", MAIN_REGIONS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_path_equals_phonenumbers_on_generated_values(region: str, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.one_of(phone_like(), number_like(region)), min_size=1, max_size=16))
    assert_decided_values_match_reference(values, region)


@pytest.mark.parametrize("region", OTHER_REGIONS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_path_equals_phonenumbers_in_other_regions(region: str, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.one_of(phone_like(), number_like(region)), min_size=1, max_size=16))
    assert_decided_values_match_reference(values, region)


def sample_numbers(region: str, count: int, seed: int) -> list[str]:
    """Seeded numbers of the region's plausible lengths, in national, international and bare forms."""
    rng = random.Random(f"{region}-{seed}")
    meta = PhoneMetadata.metadata_for_region(region)
    assert meta is not None and meta.general_desc is not None
    lengths = list(meta.general_desc.possible_length) + list(meta.general_desc.possible_length_local_only)
    code, prefix = str(meta.country_code), meta.national_prefix or ""
    idd = meta.preferred_international_prefix or meta.international_prefix or "00"
    idd = idd if idd.isdigit() else "00"
    values = []
    for _ in range(count):
        nsn = "".join(
            rng.choice(string.digits) for _ in range(rng.choice(lengths) + rng.choice([0, 0, -1, 1]))
        )
        other = rng.choice([code, code, "33", "44", "1", "49", "39"])
        number = rng.choice(
            [prefix + nsn, nsn, "+" + other + nsn, "+" + other + "0" + nsn, idd + other + nsn, code + nsn]
        )
        separator = rng.choice([" ", ".", "-", ""])
        cut = rng.randint(0, len(number))
        values.append(number[:cut] + separator + number[cut:])
    return values


def test_fast_path_equals_phonenumbers_in_every_region() -> None:
    """Every region phonenumbers knows, 40 numbers each: the replay reads every region's metadata."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        assert_decided_values_match_reference(sample_numbers(region, 40, seed=1), region)


MIXED = [
    "06 12 34 56 78",
    "0612345678",
    "+33 6 12 34 56 78",
    "612345678",
    "33612345678",
    "3300612345678",
    "336123456",
    "+0033612345678",
    "0033 6 12 34 56 78",
    "+44 20 7946 0958",
    "0044 20 7946 0958",
    "+44 (0) 20 7946 0958",
    "44 20 7946 0958",
    "+1 (650) 253-0000",
    "1 650 253 0000",
    "650 253 0000",
    "011 33 6 12 34 56 78",
    "+39 06 1234 5678",
    "06 1234 5678",
    "030 123456",
    "+49 30 123456",
    "4930123456",
    "+54 9 11 1234 5678",
    "011 15 1234 5678",
    "+81 3 1234 5678",
    "03 1234 5678",
    "+61 2 1234 5678",
    "0011 33 6 12 34 56 78",
    "+55 11 91234 5678",
    "(11) 91234-5678",
    "+999 123 456",
    "+12",
    "12",
    "1 2",
    "n/a",
    "",
    None,
    "(+33) 6 12 34 56 78",
    "06 12 34 56 78 ext. 12",
]


def test_installed_phonenumbers_is_the_version_the_replay_mirrors() -> None:
    """The replay copies phonenumbers' internals: another major version, or changed limits, must stop the
    build here, with what to do, rather than give answers that differ from the library's."""
    installed = phonenumbers.__version__
    pin = next(d for d in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"] if d.startswith("phonenumbers"))
    assert pin == f"phonenumbers>={phones.MIRRORED_MAJOR}.0,<{phones.MIRRORED_MAJOR + 1}", (
        f"pyproject.toml pins {pin!r} but engine/phones.py mirrors phonenumbers {phones.MIRRORED_MAJOR}.x")
    assert int(installed.split(".")[0]) == phones.MIRRORED_MAJOR, (
        f"phonenumbers {installed} is installed but engine/phones.py replays phonenumbers "
        f"{phones.MIRRORED_MAJOR}.x: install phonenumbers>={phones.MIRRORED_MAJOR}.0,<{phones.MIRRORED_MAJOR + 1}, "
        "or port the replay to the new version and raise MIRRORED_MAJOR and the pin together")
    util = phonenumbers.phonenumberutil
    limits = (util._MIN_LENGTH_FOR_NSN, util._MAX_LENGTH_FOR_NSN, util._MAX_INPUT_STRING_LENGTH)
    assert limits == (phones._MIN_NSN, phones._MAX_NSN, phones._MAX_INPUT), (
        f"phonenumbers {installed} changed its length limits to {limits}: engine/phones.py must follow")
    disagree = []
    for region in MAIN_REGIONS + OTHER_REGIONS:
        got = normalize_phones(pl.Series(MIXED, dtype=pl.String), region).to_list()
        # The reference, called directly on the library (not through phones.py).
        want = []
        for value in MIXED:
            try:
                number = phonenumbers.parse(value, region) if value else None
            except phonenumbers.NumberParseException:
                number = None
            ok = number is not None and phonenumbers.is_possible_number(number)
            want.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None)
        disagree += [(region, v, g, w) for v, g, w in zip(MIXED, got, want, strict=True) if g != w]
    assert not disagree, (
        f"engine/phones.py and phonenumbers {installed} disagree (region, value, replay, library): {disagree[:8]}")


@pytest.mark.parametrize("region", MAIN_REGIONS + OTHER_REGIONS)
def test_vectorised_equals_reference_on_mixed_values(region: str) -> None:
    """Every route of the replay, at once and in one call, for each region."""
    assert_fast_matches_reference(MIXED, region)


# --- Realistic French file -------------------------------------------------------------------------------


def realistic_french_values(count: int, seed: int = 12) -> list[str]:
    """What a lead file's phone column looks like: mostly French numbers in mixed formats, a few foreign
    ones and about 2% junk. Nearly every value is unique, as in real files."""
    rng = random.Random(seed)
    junk = ["n/a", "N/A", "12", "abc", "-", "0", "inconnu", "?", "06 12 34", "pas de tel", "xx", "000000"]

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    def pairs(national: str) -> list[str]:
        return [national[i : i + 2] for i in range(0, len(national), 2)]

    values = []
    for _ in range(count):
        nsn = rng.choice("6767671234559") + digits(8)
        national = "0" + nsn
        roll = rng.random()
        if roll < 0.25:
            value = " ".join(pairs(national))
        elif roll < 0.45:
            value = national
        elif roll < 0.57:
            value = "+33 " + nsn[0] + " " + " ".join(pairs(nsn[1:]))
        elif roll < 0.67:
            value = "+33" + nsn
        elif roll < 0.75:
            value = ".".join(pairs(national))
        elif roll < 0.83:
            value = nsn  # an XLSX number cell: the leading zero is gone
        elif roll < 0.89:
            value = "0033" + nsn
        elif roll < 0.92:
            value = "-".join(pairs(national))
        elif roll < 0.94:
            value = "+44 7" + digits(3) + " " + digits(6)
        elif roll < 0.96:
            value = "+32 4" + digits(2) + " " + digits(2) + " " + digits(2) + " " + digits(2)
        elif roll < 0.98:
            value = f"+1 ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{digits(4)}"
        else:
            value = rng.choice(junk)
        values.append(value)
    return values


def test_realistic_list_fast_path_equals_reference() -> None:
    values = realistic_french_values(200_000)
    decided = assert_fast_matches_reference(values, "FR")
    # Speed hangs on this share: whatever is left goes through a Python call (cached) per value.
    assert decided / len(values) > 0.97


def benchmark(count: int = 200_000, batch: int = 0, repeat: int = 5) -> tuple[float, float]:
    """Best (wall, CPU) ns per value of normalize_phones on the realistic list, called once on the whole
    list or per ``batch`` values as the validation phase does, with a cold cache each run."""
    series = pl.Series("phone", realistic_french_values(count))
    batches = [series.slice(start, batch) for start in range(0, count, batch)] if batch else [series]
    normalize_phones(series.head(1000))  # metadata loading and rule tables out of the measure
    wall = cpu = float("inf")
    for _ in range(repeat):
        phones._reference.cache_clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        for part in batches:
            normalize_phones(part)
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall / count * 1e9, cpu / count * 1e9


if __name__ == "__main__":
    for size in (0, 20_000):
        wall, cpu = benchmark(batch=size)
        how = f"in batches of {size}" if size else "in one call"
        print(f"normalize_phones, 200k realistic French values {how}: {wall:.0f} ns/value ({cpu:.0f} ns CPU)")
