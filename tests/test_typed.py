"""Typed values of the CRM's own columns (issue 11), columnar: each parser over a whole column at once."""

from __future__ import annotations

import polars as pl
import pytest

from crm_importer.engine import typed as T
from crm_importer.engine.errors import RowError
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.readers.base import EXTRA_COL, ROW_COL, cell_col
from crm_importer.engine.typed import CrmColumn
from crm_importer.engine.validate import ValidationOptions, fcol, validate_batch


def _run(expr_of: object, values: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(expr_of(pl.col("v")).alias("out"))["out"].to_list()  # type: ignore[operator]


@pytest.mark.parametrize(("text", "dmy", "mdy"), [
    ("31/12/2026", "2026-12-31", None),
    ("12/31/2026", None, "2026-12-31"),
    ("05/04/2026", "2026-04-05", "2026-05-04"),
    ("31.12.26", "2026-12-31", None),
    ("31-12-1999", "1999-12-31", None),
    ("01/01/69", "2069-01-01", "2069-01-01"),  # 00-69: this century
    ("01/01/70", "1970-01-01", "1970-01-01"),  # 70-99: the last one
    ("2026-12-31", "2026-12-31", "2026-12-31"),
    ("2026-12-31 00:00:00", "2026-12-31", "2026-12-31"),  # an XLSX date cell
    ("2026-12-31 14:05:00", None, None),  # a time of day is no date
    ("31 déc. 2026", "2026-12-31", "2026-12-31"),
    ("1er mars 2026", "2026-03-01", "2026-03-01"),
    ("31 décembre 2026", "2026-12-31", "2026-12-31"),
    ("Dec 31, 2026", "2026-12-31", "2026-12-31"),
    ("31-Dec-2026", "2026-12-31", "2026-12-31"),
    ("46022", "2025-12-31", "2025-12-31"),  # an Excel serial number
    ("29/02/2025", None, None),
    ("31/04/2026", None, None),
    ("demain", None, None),
    ("123", None, None),
])
def test_dates_as_people_and_spreadsheets_write_them(text: str, dmy: str | None, mdy: str | None) -> None:
    assert _run(lambda v: T.parse_date(v, T.DMY), [text]) == [dmy]
    assert _run(lambda v: T.parse_date(v, T.MDY), [text]) == [mdy]


def test_timestamps_keep_their_time() -> None:
    got = _run(lambda v: T.parse_date(v, T.DMY, with_time=True),
               ["2026-12-31T14:05:00", "31/12/2026 14:05", "31/12/2026", "31/12/2026 25:00"])
    assert got == ["2026-12-31 14:05:00", "2026-12-31 14:05:00", "2026-12-31 00:00:00", None]


def test_the_date_order_is_decided_by_the_values_then_the_region() -> None:
    assert T.decide_date_order(pl.Series(["05/04/2026", "31/01/2026"]), "US") == (T.DMY, "values")
    assert T.decide_date_order(pl.Series(["05/04/2026", "01/31/2026"]), "FR") == (T.MDY, "values")
    assert T.decide_date_order(pl.Series(["05/04/2026", "01/02/2026"]), "FR") == (T.DMY, "region")
    assert T.decide_date_order(pl.Series(["05/04/2026", "01/02/2026"]), "US") == (T.MDY, "region")
    assert T.decide_date_order(pl.Series(["31/01/2026", "13/01/2026", "01/31/2026"]), "US") == (T.DMY, "conflict")
    assert T.decide_date_order(pl.Series(["2026-01-05", None]), "FR") == (T.DMY, "none")


@pytest.mark.parametrize(("text", "french", "english"), [
    ("1 234,56", "1234.56", "1234.56"),
    ("1\u202f234,56", "1234.56", "1234.56"),
    ("1.234,56", "1234.56", "1234.56"),
    ("1,234.56", "1234.56", "1234.56"),
    ("12,5", "12.5", "12.5"),
    ("1,234", "1.234", "1234"),  # a lone comma: French decimal, English thousands
    ("1,234,567", "1234567", "1234567"),
    ("1.234.567", "1234567", "1234567"),
    ("12 %", "12", "12"),
    ("€ 1 200", "1200", "1200"),
    ("$1,200.50", "1200.50", "1200.50"),
    ("-3", "-3", "-3"),
    ("+4", "4", "4"),
    ("12,5,3", None, None),
    ("1,2.3", None, None),
    ("1e5", None, None),
    ("douze", None, None),
])
def test_numbers_as_people_write_them(text: str, french: str | None, english: str | None) -> None:
    assert _run(lambda v: T.parse_number(v, decimal_comma=True), [text]) == [french]
    assert _run(lambda v: T.parse_number(v, decimal_comma=False), [text]) == [english]


def test_numbers_beyond_the_column_type() -> None:
    small = CrmColumn("n", "smallint", "N", base_type="smallint")
    assert _run(lambda v: T.number_out_of_range(v, small), ["32767", "32768", "-32768", "1.0", "1.5",
                                                            "9" * 40]) == [False, True, False, False, True, True]
    money = CrmColumn("m", "numeric(5,2)", "N", base_type="numeric", precision=5, scale=2)
    assert _run(lambda v: T.number_out_of_range(v, money), ["999.99", "1000", "-999", "0.001"]) == [
        False, True, False, False]


def test_booleans_picklists_and_lists() -> None:
    assert _run(T.parse_boolean, ["Oui", "NON", "x", "Vrai", "faux", "1", "0", "yes", "peut-être"]) == [
        "true", "false", "true", "true", "false", "true", "false", "true", None]
    assert _run(lambda v: T.parse_choice(v, ("hot", "cold", "Très chaud"), {"Chaud": "hot", "Glacial": "nope"}),
                ["chaud", "HOT", "tres CHAUD", "Glacial", "tiède"]) == ["hot", "hot", "Très chaud", None, None]
    assert _run(T.parse_array, ["salon; vip", " a ;; b ;", 'x"y;z\\w', ";", "a,b"]) == [
        '{"salon","vip"}', '{"a","b"}', '{"x\\"y","z\\\\w"}', None, '{"a,b"}']
    assert _run(lambda v: T.parse_array(v, ","), ["a, b"]) == ['{"a","b"}']


def test_each_bad_value_is_a_row_error_with_its_column_value_and_rule() -> None:
    columns = {
        "score": CrmColumn("score", "integer", "N", base_type="integer"),
        "next_call": CrmColumn("next_call", "date", "D", base_type="date"),
        "stage": CrmColumn("stage", "text", "S", not_null=True, allowed=("new", "won")),
        "code": CrmColumn("code", "character varying(3)", "S", max_length=3, base_type="character varying"),
        "tags": CrmColumn("tags", "character varying(5)[]", "A", max_length=5, base_type="character varying"),
    }
    headers = ["E-mail", "Score", "Rappel", "Étape", "Code", "Tags"]
    mapping = ColumnMapping(headers, ["email", "score", "next_call", "stage", "code", "tags"],
                            custom=frozenset(columns))
    options = ValidationOptions(columns=columns, rules={"next_call": {"date_order": "dmy"}})
    rows = [["a@b.fr", "12", "31/12/2026", "New", "AB", "vip;salon"],
            ["c@d.fr", "12,5", "31/13/2026", "", "ABCD", "vip;salons"]]
    batch = pl.DataFrame({ROW_COL: [2, 3], **{cell_col(i): [r[i] for r in rows] for i in range(6)},
                          EXTRA_COL: [None, None]}, schema_overrides={ROW_COL: pl.UInt32, EXTRA_COL: pl.String})
    checked = validate_batch(batch, mapping, options)
    assert checked.frame[fcol("stage")].to_list()[0] == "new"
    assert checked.frame[fcol("tags")].to_list()[0] == '{"vip","salon"}'
    assert checked.errors == {3: [
        RowError("number_out_of_range", "Score", "12,5", {"type": "integer"}),  # not a whole number
        RowError("invalid_date", "Rappel", "31/13/2026", {"format": "DD/MM/YYYY"}),
        RowError("required_missing", "Étape", None, {}),
        RowError("too_long", "Code", "ABCD", {"max_length": 3, "length": 4}),
        RowError("too_long", "Tags", "vip;salons", {"max_length": 5, "length": 6}),
    ]}


def test_a_mapping_follows_the_crm_it_is_for() -> None:
    """Connected since the file was opened: the CRM's own columns the headers spell are taken by free
    columns; a column mapped to a column the new CRM lacks is unmapped; other choices stay."""
    headers = ["E-mail", "Score", "Ville", "Segment"]
    before = ColumnMapping(headers, ["email", None, None, "segment"], custom=frozenset({"segment"}))
    columns = {"score": CrmColumn("score", "integer", "N", base_type="integer")}
    after = before.with_columns(columns)
    assert after.fields == ["email", "score", None, None]  # "Ville" was left unmapped by the user: it stays
    assert after.custom == frozenset({"score"})
