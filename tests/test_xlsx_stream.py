"""The streaming XLSX path (big sheets) must give exactly the batches of the fastexcel path.

Every workbook here is small; ``STREAM_ABOVE_BYTES`` is patched to 0 so that the stream reads it, and
the result is compared with what fastexcel gives for the very same file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from helpers import write_overlong_cell_xlsx
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.readers import xlsx
from crm_importer.engine.readers.base import EXTRA_COL as EXTRA
from crm_importer.engine.readers.base import MAX_COLUMNS, ReadOptions
from crm_importer.engine.readers.xlsx import XlsxReader
from crm_importer.engine.readers.xlsx_stream import excel_datetime_text, is_date_format, number_text


def read(
    path: Path, stream: bool, after_row: int = 0, **options: Any
) -> tuple[XlsxReader, list[pl.DataFrame]]:
    saved = xlsx.STREAM_ABOVE_BYTES
    xlsx.STREAM_ABOVE_BYTES = 0 if stream else 1 << 62
    try:
        reader = XlsxReader(path, ReadOptions(**options))
        assert (reader._stream is not None) is stream
        return reader, list(reader.batches(after_row))
    finally:
        xlsx.STREAM_ABOVE_BYTES = saved


def assert_same(path: Path, after_row: int = 0, **options: Any) -> pl.DataFrame:
    """Both paths give equal info, batches (one by one), preview and final progress; the rows are returned."""
    fast, fast_batches = read(path, False, after_row, **options)
    slow, slow_batches = read(path, True, after_row, **options)
    assert slow.info == fast.info
    assert len(slow_batches) == len(fast_batches)
    for a, b in zip(slow_batches, fast_batches, strict=True):
        assert a.equals(b), (a, b)
    assert slow.preview(7).equals(fast.preview(7))
    assert slow.progress() == fast.progress() == 1.0
    slow.close()
    return pl.concat(fast_batches) if fast_batches else pl.DataFrame()


def write_cells(
    path: Path, cells: list[list[Any]], first_row: int = 0, first_col: int = 0, **wb_options: Any
) -> Path:
    """Rows of cells with xlsxwriter; dates get a date format, ``None`` leaves a cell empty."""
    wb = xlsxwriter.Workbook(str(path), wb_options or None)
    fmts = {
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "ms": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"}),
        "time": wb.add_format({"num_format": "hh:mm"}),
    }
    ws = wb.add_worksheet("Leads")
    for r, line in enumerate(cells):
        for c, v in enumerate(line):
            at = (first_row + r, first_col + c)
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(*at, v)
            elif isinstance(v, str):
                ws.write_string(*at, v)
            elif isinstance(v, (int, float)):
                ws.write_number(*at, v)
            elif isinstance(v, dt.datetime):
                ws.write_datetime(*at, v, fmts["ms" if v.microsecond else "datetime"])
            elif isinstance(v, dt.date):
                ws.write_datetime(*at, dt.datetime.combine(v, dt.time()), fmts["date"])
            elif isinstance(v, dt.time):
                ws.write_datetime(*at, v, fmts["time"])
            else:
                raise TypeError(v)
    wb.close()
    return path


# --- cell values --------------------------------------------------------------------------------------

MIXED: list[list[Any]] = [
    ["email", "phone", "zip", "amount", "when", "ok", "note"],
    ["a@b.fr", 612345678, "01000", 12.5, dt.date(2024, 3, 5), True, "  padded  "],
    ["c@d.fr", 33612345678, "EXT-9", 0.1, dt.datetime(2024, 3, 5, 14, 30, 5), False, "é ü ß 漢字"],
    ["e@f.fr", 12345678901234, "75001", 1 / 3, dt.datetime(2024, 1, 2, 3, 4, 5, 678000), None, ""],
    ["g@h.fr", 1e20, None, math.pi, dt.time(8, 15), True, "2024-03-05 00:00:00"],
    ["i@j.fr", -3, "0", 1e-10, dt.date(1900, 3, 1), None, "tab\there"],
    ["k@l.fr", 0, "x", -0.5, dt.date(1900, 1, 1), False, "line\nbreak"],
]


def test_text_numbers_dates_and_booleans(tmp_path: Path) -> None:
    frame = assert_same(write_cells(tmp_path / "m.xlsx", MIXED))
    assert frame["c1"].to_list()[:4] == [
        "612345678",
        "33612345678",
        "12345678901234",
        "100000000000000000000",
    ]
    assert frame["c4"].to_list()[:4] == [
        "2024-03-05",
        "2024-03-05T14:30:05",
        "2024-01-02T03:04:05.678",
        "08:15:00",
    ]


def test_inline_strings_of_constant_memory_mode(tmp_path: Path) -> None:
    path = write_cells(tmp_path / "cm.xlsx", MIXED, constant_memory=True)
    assert b'<c r="A1" t="inlineStr">' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert_same(path)


def test_1904_date_system_xlsxwriter_and_openpyxl(tmp_path: Path) -> None:
    assert_same(write_cells(tmp_path / "mac.xlsx", MIXED, date_1904=True))
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["email", "d", "t"])
    ws.append(["a@b.fr", dt.datetime(2024, 3, 5), dt.datetime(1999, 12, 31, 23, 59, 59)])
    ws.append(["b@b.fr", dt.date(1904, 1, 2), dt.time(10, 0)])
    wb.save(tmp_path / "mac2.xlsx")
    frame = assert_same(tmp_path / "mac2.xlsx")
    assert frame["c1"][0] == "2024-03-05"


def test_random_numbers_and_date_serials_render_like_fastexcel(tmp_path: Path) -> None:
    rng = random.Random(7)
    values: list[float] = [612345678, 12345678901234, 1e20, 12.5, 0.1, 1 / 3, math.pi, 1e-10, -3, 0, 1e300]
    values += [rng.uniform(-1e6, 1e6) for _ in range(300)]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 18) for _ in range(300)]
    values += [round(rng.uniform(0, 1e4), rng.randint(0, 10)) for _ in range(300)]
    wb = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    formats = [
        wb.add_format({"num_format": code}) for code in ("dd/mm/yyyy hh:mm:ss.000", "[h]:mm:ss", "mm:ss")
    ]
    formats += [wb.add_format({"num_format": n}) for n in (14, 22, 45, 46, 47)]
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["email", "n", "d", "e"])
    for i, v in enumerate(values, start=1):
        ws.write_string(i, 0, "a@b.fr")
        ws.write_number(i, 1, v)
        serial = rng.choice(
            [rng.uniform(0, 2), rng.uniform(0, 80), rng.uniform(0, 80000), float(rng.randint(0, 70))]
        )
        ws.write_number(i, 2, serial, formats[i % len(formats)])
        ws.write_number(i, 3, -serial if i % 5 else serial * 1000, formats[0])
    wb.close()
    assert_same(tmp_path / "r.xlsx")


def test_formats_helpers() -> None:
    assert [number_text(v) for v in (612345678.0, 1e20, 12.5, 1 / 3, 1e-10, -3.0, 2.5e-9)] == [
        "612345678",
        "100000000000000000000",
        "12.5",
        "0.333333333",
        "0",
        "-3",
        "0.000000003",
    ]
    assert excel_datetime_text(0.0, False) == "1899-12-31 00:00:00"
    assert excel_datetime_text(61.5, False) == "1900-03-01 12:00:00"
    assert excel_datetime_text(0.0, True) == "1904-01-01 00:00:00"
    assert is_date_format("dd/mm/yyyy") and is_date_format("[h]:mm") and is_date_format("H:MM:SS;@")
    assert (
        not is_date_format('0.00" m"') and not is_date_format("[Red]#,##0") and not is_date_format("General")
    )


def test_errors_and_formula_string_results(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["email", "calc", "err"])
    for r in range(1, 5):
        ws.write_string(r, 0, f"u{r}@x.fr")
        ws.write_formula(r, 1, f'=A{r + 1}&"!"', None, f"u{r}@x.fr!")
        ws.write_formula(r, 2, "=1/0", None, "#DIV/0!")
    ws.write_formula(5, 1, "=2+3", None, 5)
    wb.close()
    frame = assert_same(tmp_path / "f.xlsx")
    assert frame["c1"].to_list()[:2] == ["u1@x.fr!", "u2@x.fr!"]
    assert frame["c2"].to_list() == ["#DIV/0!"] * 4 + [""]  # an error cell is a value: its text, both paths


def test_rich_text_shared_and_inline(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "rich.xlsx"))
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["email", "name"])
    ws.write_string(1, 0, "a@b.fr")
    ws.write_rich_string(1, 1, "Jean ", bold, "DUPONT", " jr")
    wb.close()
    assert assert_same(tmp_path / "rich.xlsx")["c1"].to_list() == ["Jean DUPONT jr"]
    wb2 = openpyxl.Workbook()
    ws2 = wb2.active
    ws2.append(["email", "name"])
    ws2.append(["a@b.fr", CellRichText(["Marie ", TextBlock(InlineFont(b=True), "CURIE")])])
    wb2.save(tmp_path / "rich2.xlsx")
    assert assert_same(tmp_path / "rich2.xlsx")["c1"].to_list() == ["Marie CURIE"]


# --- layout ---------------------------------------------------------------------------------------------


def test_sparse_ragged_blank_rows_and_leading_offsets(tmp_path: Path) -> None:
    cells: list[list[Any]] = [
        ["email", None, "phone", "name"],
        ["a@b.fr", None, None, "A"],
        [],
        [None, None, "0612345678"],
        ["b@b.fr", "x", "y", "z", "beyond", None, "far"],
        [],
        [],
        [" ", "  "],
        ["c@b.fr", None, None, None, None, "extra only"],
    ]
    path = write_cells(tmp_path / "s.xlsx", cells, first_row=3, first_col=2)
    frame = assert_same(path)
    assert frame["__row"].to_list() == [5, 7, 8, 12]
    for batch_rows in (1, 2, 3, 5):
        for after in (0, 4, 6, 9):
            assert_same(path, after_row=after, batch_rows=batch_rows)


def test_openpyxl_far_header_and_sheet_choice(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Read me"
    ws["A1"] = "Instructions"
    data = wb.create_sheet("Leads")
    data["C10"] = "Nom"
    data["D10"] = "E-mail"
    for r in range(11, 40):
        data.cell(row=r, column=3, value=f"n{r}")
        data.cell(row=r, column=4, value=f"{r}@x.fr")
    wb.save(tmp_path / "o.xlsx")
    assert_same(tmp_path / "o.xlsx", batch_rows=4)
    assert_same(tmp_path / "o.xlsx", sheet="Read me")


def test_header_only_and_empty_sheets(tmp_path: Path) -> None:
    assert_same(write_cells(tmp_path / "h.xlsx", [["email", "phone"]]))
    empty = write_cells(tmp_path / "e.xlsx", [])
    for stream in (False, True):
        with pytest.raises(UnusableFileError) as info:
            read(empty, stream)
        assert info.value.code == "empty_file"


# --- hand-written XML: what the writers above never produce ----------------------------------------------

_CT = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/data.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade(
    path: Path, sheet_data: str, shared: list[str], custom_formats: dict[int, str], xfs: list[int]
) -> Path:
    """A minimal workbook whose one sheet lives at xl/worksheets/data.xml (not sheet1.xml)."""
    numfmts = "".join(
        f'<numFmt numFmtId="{i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
        for i, code in custom_formats.items()
    )
    xf = "".join(f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for n in xfs)
    files = {
        "[Content_Types].xml": _CT,
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_R}"><sheets>'
        '<sheet name="Data" sheetId="1" r:id="rId7"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships">'
        f'<Relationship Id="rId7" Type="{_R}/worksheet" Target="worksheets/data.xml"/>'
        f'<Relationship Id="rId8" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId9" Type="{_R}/styles" Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{_MAIN}">{"".join(shared)}</sst>',
        "xl/styles.xml": f'<?xml version="1.0"?><styleSheet xmlns="{_MAIN}"><numFmts>{numfmts}</numFmts>'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        f'<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs>{xf}</cellXfs></styleSheet>',
        "xl/worksheets/data.xml": f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}" xmlns:r="{_R}">'
        f"<sheetData>{sheet_data}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def test_phonetic_runs_custom_date_codes_and_missing_references(tmp_path: Path) -> None:
    shared = [
        "<si><t>email</t></si>",
        "<si><t>name</t></si>",
        '<si><r><t>東京</t></r><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>',
        '<si><t xml:space="preserve"> lead </t></si>',
        "<si><t>when</t></si>",
    ]
    formats = {164: 'yyyy"年"m"月"d"日"', 165: '0.0" m"', 166: "[$-409]h:mm AM/PM", 167: '"Y"0.00'}
    xfs = [0, 164, 165, 166, 167]
    sheet = (
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>4</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="s"><v>2</v></c><c r="C3" s="1"><v>45356.5</v></c></row>'
        # no r attributes: the next row, the next column
        '<row><c t="inlineStr"><is><t>x@y.fr</t></is></c><c s="2"><v>12.25</v></c><c s="3"><v>0.75</v></c></row>'
        '<row r="7"><c r="A7" t="str"><v>f@g.fr</v></c><c r="C7" s="4"><v>3.5</v></c></row>'
        '<row r="8"><c r="A8" t="b"><v>1</v></c><c r="B8" t="e"><v>#N/A</v></c><c r="C8"><v></v></c></row>'
        '<row r="9"><c r="A9" s="1"/><c r="B9" t="s"><v>3</v></c></row>'
    )
    path = handmade(tmp_path / "hand.xlsx", sheet, shared, formats, xfs)
    frame = assert_same(path)
    assert frame["c1"].to_list()[0] == "東京"


# --- hostile files ----------------------------------------------------------------------------------------


def test_corrupt_sheet_xml_is_corrupt_workbook(tmp_path: Path) -> None:
    good = write_cells(tmp_path / "g.xlsx", [["email"], *[[f"{i}@x.fr"] for i in range(200)]])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</row>", b"</rowx>", 50)
            zout.writestr(info.filename, data)
    with pytest.raises(UnusableFileError) as info:
        read(bad, True)
    assert info.value.code == "corrupt_workbook"


def _errors(path: Path) -> list[UnusableFileError]:
    out = []
    for stream in (False, True):
        with pytest.raises(UnusableFileError) as info:
            read(path, stream)
        out.append(info.value)
    return out


def test_too_many_columns_and_too_long_cells_as_the_fastexcel_path(tmp_path: Path) -> None:
    wide = write_cells(tmp_path / "w.xlsx", [["email", *[f"c{i}" for i in range(MAX_COLUMNS)]], ["a@b.fr"]])
    fast, slow = _errors(wide)
    assert slow.code == fast.code == "too_many_columns" and slow.params == fast.params
    fast, slow = _errors(write_overlong_cell_xlsx(tmp_path / "long.xlsx"))
    assert slow.code == fast.code == "cell_too_large" and slow.params == fast.params
    assert slow.params["row"] == 3


def test_a_far_cell_without_dimension_is_too_many_columns_when_seen(tmp_path: Path) -> None:
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>'
    sheet += '<row r="2"><c r="A2" t="inlineStr"><is><t>a@b.fr</t></is></c><c r="BAA2"><v>1</v></c></row>'
    path = handmade(tmp_path / "far.xlsx", sheet, [], {}, [0])
    saved = xlsx.STREAM_ABOVE_BYTES
    xlsx.STREAM_ABOVE_BYTES = 0
    try:
        with pytest.raises(UnusableFileError) as info:  # at open or while reading: as soon as it is parsed
            list(XlsxReader(path, ReadOptions()).batches())
    finally:
        xlsx.STREAM_ABOVE_BYTES = saved
    assert info.value.code == "too_many_columns"


# --- memory -----------------------------------------------------------------------------------------------

_MEASURE = """
import json, sys, threading, time
import psutil
from crm_importer.engine.readers import xlsx
from crm_importer.engine.readers.base import ReadOptions
proc = psutil.Process()
peak = [proc.memory_info().rss]
def watch():
    while True:
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=watch, daemon=True).start()
import fastexcel, polars  # noqa: imported before the baseline, as both paths need them
base = proc.memory_info().rss
xlsx.STREAM_ABOVE_BYTES = 0 if sys.argv[2] == "stream" else 1 << 62
reader = xlsx.XlsxReader(sys.argv[1], ReadOptions())
rows, first, last = 0, None, None
for b in reader.batches():
    rows += b.height
    first = first or b.row(0)
    last = b.row(-1)
peak[0] = max(peak[0], proc.memory_info().rss)
print(json.dumps({"rows": rows, "growth": peak[0] - base, "first": first, "last": last}))
"""


def _write_big(path: Path, n: int) -> None:
    """An n-row, 12-column sheet written as XML directly (xlsxwriter is too slow for a unit test).

    Emails are shared strings (all distinct, as Excel would store them), other text inline strings.
    """
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Leads").write_row(0, 0, ["email", *[f"f{i}" for i in range(11)]])
    wb.close()
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sst = parts["xl/sharedStrings.xml"].decode()
    head_sst, _, _ = sst.partition("<si>")
    head_sst = re.sub(r'count="\d+" uniqueCount="\d+"', f'count="{n + 12}" uniqueCount="{n + 12}"', head_sst)
    strings = ["email", *[f"f{i}" for i in range(11)], *[f"user{r}@example.com" for r in range(2, n + 2)]]
    parts["xl/sharedStrings.xml"] = (
        head_sst + "".join(f"<si><t>{t}</t></si>" for t in strings) + "</sst>"
    ).encode()
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    head, _, tail = sheet.partition("</row>")
    body = []
    for r in range(2, n + 2):
        cells = [f'<c r="A{r}" t="s"><v>{r + 10}</v></c>']
        cells += [f'<c r="{chr(66 + c)}{r}"><v>{r * 7 + c}</v></c>' for c in range(6)]
        cells += [f'<c r="{chr(72 + c)}{r}" t="inlineStr"><is><t>text {r} {c}</t></is></c>' for c in range(5)]
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    head = head.replace('<dimension ref="A1:L1"/>', f'<dimension ref="A1:L{n + 1}"/>')
    parts["xl/worksheets/sheet1.xml"] = (head + "</row>" + "".join(body) + tail).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _measure(path: Path, mode: str) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_stream_memory_stays_bounded_on_300k_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    _write_big(path, 300_000)
    stream = _measure(path, "stream")
    fast = _measure(path, "fast")
    assert stream["rows"] == fast["rows"] == 300_000
    assert stream["first"] == fast["first"] and stream["last"] == fast["last"]
    # fastexcel holds the whole range (~1.2 KB a row, 360 MB here); the stream holds one batch.
    assert stream["growth"] < 150 << 20, stream
    assert stream["growth"] * 2 < fast["growth"], (stream, fast)


def test_style_only_cells_do_not_count_as_a_first_column(tmp_path: Path) -> None:
    # <dimension> says A1:C3 but column A only holds formatting: fastexcel starts at column B.
    sheet = (
        '<row r="1"><c r="A1" s="1"/><c r="B1" t="inlineStr"><is><t>email</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>phone</t></is></c></row>'
        '<row r="2"><c r="A2" s="1"/><c r="B2" t="inlineStr"><is><t>a@b.fr</t></is></c><c r="C2"><v>612</v></c></row>'
        '<row r="3"><c r="A3" s="1"></c><c r="C3"><v>7</v></c><c r="E3" s="1"/></row>'
    )
    path = handmade(tmp_path / "styled.xlsx", sheet, [], {}, [0, 14])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/data.xml"] = parts["xl/worksheets/data.xml"].replace(
        b"<sheetData>", b'<dimension ref="A1:E3"/><sheetData>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    frame = assert_same(path)
    assert frame["c0"].to_list() == ["a@b.fr", ""]


def test_prefixed_spreadsheetml_elements(tmp_path: Path) -> None:
    sheet = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>email</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>a@b.fr</x:t></x:is></x:c><x:c r="B2"><x:v>5</x:v></x:c>'
        "</x:row>"
    )
    path = handmade(tmp_path / "x.xlsx", sheet, [], {}, [0])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/data.xml"].decode()
    xml = xml.replace(f'<worksheet xmlns="{_MAIN}"', f'<x:worksheet xmlns:x="{_MAIN}"')
    xml = xml.replace("<sheetData>", "<x:sheetData>").replace(
        "</sheetData></worksheet>", "</x:sheetData></x:worksheet>"
    )
    parts["xl/worksheets/data.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    frame = assert_same(path)
    assert frame[EXTRA].to_list() == ["5"]
