"""XlsxReader on real workbooks written with xlsxwriter / openpyxl (and a few hand-broken ones)."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from helpers import write_overlong_cell_xlsx

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.readers.base import EXTRA_COL, MAX_CELL_CHARS, MAX_COLUMNS, ROW_COL, ReadOptions
from crm_importer.engine.readers.xlsx import OLE2_SIGNATURE, XlsxReader, list_sheets


def write_xlsx(path: Path, sheets: dict[str, list[tuple[int, int, Any]]], **wb_options: Any) -> Path:
    """A workbook from ``{sheet: [(row0, col0, value), ...]}``: str as text, numbers as numbers,
    datetimes with a date (or date-time, or time) number format, bools as booleans."""
    wb = xlsxwriter.Workbook(str(path), wb_options or None)
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    datetime_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    ms_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"})
    time_fmt = wb.add_format({"num_format": "hh:mm"})
    for name, cells in sheets.items():
        ws = wb.add_worksheet(name)
        for r, c, value in cells:
            if isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif isinstance(value, dt.time):
                ws.write_datetime(r, c, value, time_fmt)
            elif isinstance(value, dt.datetime):
                if value.microsecond:
                    ws.write_datetime(r, c, value, ms_fmt)
                else:
                    ws.write_datetime(r, c, value, datetime_fmt if value.time() != dt.time() else date_fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            else:
                raise TypeError(value)
    wb.close()
    return path


def rows(cells: list[list[Any]], first_row: int = 0) -> list[tuple[int, int, Any]]:
    """Cells of a block of rows starting at 0-based ``first_row``; ``None`` leaves a cell empty."""
    return [
        (first_row + r, c, v) for r, line in enumerate(cells) for c, v in enumerate(line) if v is not None
    ]


def read_all(path: Path, **options: Any) -> tuple[XlsxReader, pl.DataFrame]:
    reader = XlsxReader(path, ReadOptions(**options))
    batches = list(reader.batches())
    frame = pl.concat(batches) if batches else pl.DataFrame()
    return reader, frame


def raises_code(code: str, path: Path, **options: Any) -> UnusableFileError:
    with pytest.raises(UnusableFileError) as info:
        XlsxReader(path, ReadOptions(**options))
    assert info.value.code == code, info.value
    return info.value


# --- cells as text ----------------------------------------------------------------------------------


def test_text_cells_stay_exactly_as_typed_even_after_a_numeric_column(tmp_path: Path) -> None:
    # 1,100 numeric zips first: fastexcel's type inference (first 1,000 rows) would make "01000" 1000.0
    # and "EXT-9" null; reading every cell as text must not.
    body = [["x@y.fr", 75001 + i] for i in range(1_100)]
    body += [
        ["a@b.fr", "01000"],
        ["c@d.fr", "EXT-9"],
        ["e@f.fr", "+33 6 12 34 56 78"],
        ["g@h.fr", "  spaced  "],
    ]
    path = write_xlsx(tmp_path / "t.xlsx", {"Leads": rows([["email", "zip"], *body])})
    _, frame = read_all(path)
    assert frame["c1"][:2].to_list() == ["75001", "75002"]
    assert frame["c1"][-4:].to_list() == ["01000", "EXT-9", "+33 6 12 34 56 78", "  spaced  "]


def test_numbers_become_digits_and_sensible_decimals(tmp_path: Path) -> None:
    values = [612345678, 612345678.0, 33612345678, 12345678901234, 1e20, -3, 12.5, -0.5, 0.1, 1 / 3]
    path = write_xlsx(tmp_path / "n.xlsx", {"S": rows([["phone"], *[[v] for v in values]])})
    _, frame = read_all(path)
    assert frame["c0"].to_list() == [
        "612345678",
        "612345678",
        "33612345678",
        "12345678901234",
        "100000000000000000000",
        "-3",
        "12.5",
        "-0.5",
        "0.1",
        "0.333333333",
    ]


def test_dates_become_iso_text(tmp_path: Path) -> None:
    cells: list[list[Any]] = [
        ["email", "when"],
        ["a@b.fr", dt.date(2024, 3, 5)],
        ["a@b.fr", dt.datetime(2024, 3, 5, 14, 30, 5)],
        ["a@b.fr", dt.datetime(2024, 1, 2, 3, 4, 5, 678000)],
        ["a@b.fr", dt.time(8, 15)],
        ["a@b.fr", dt.date(1900, 3, 1)],
        ["a@b.fr", True],
        ["a@b.fr", False],
    ]
    path = write_xlsx(tmp_path / "d.xlsx", {"S": rows(cells)})
    _, frame = read_all(path)
    assert frame["c1"].to_list() == [
        "2024-03-05",
        "2024-03-05T14:30:05",
        "2024-01-02T03:04:05.678",
        "08:15:00",
        "1900-03-01",
        "true",
        "false",
    ]


def test_1904_date_system(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "mac.xlsx", {"S": rows([["email", "d"], ["a@b.fr", dt.date(2024, 3, 5)]])}, date_1904=True
    )
    _, frame = read_all(path)
    assert frame["c1"].to_list() == ["2024-03-05"]


# --- sheets -----------------------------------------------------------------------------------------


def readme_and_data(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "two.xlsx",
        {
            "Read me": rows([["Instructions"], ["Fill in the Leads sheet."]]),
            "Empty": [],
            "Leads": rows([["Nom", "E-mail"], ["Dupont", "d@x.fr"]]),
            "Other": rows([["phone"], ["0612345678"]]),
        },
    )


def test_default_sheet_is_the_first_with_a_contact_column(tmp_path: Path) -> None:
    path = readme_and_data(tmp_path)
    reader, frame = read_all(path)
    assert reader.info.kind == "xlsx"
    assert reader.info.sheet == "Leads"
    assert reader.info.sheets == ["Read me", "Empty", "Leads", "Other"]
    assert reader.info.headers == ["Nom", "E-mail"]
    assert reader.info.encoding is None and reader.info.delimiter is None
    assert frame.rows() == [(2, "Dupont", "d@x.fr", None)]
    assert list_sheets(path) == ["Read me", "Empty", "Leads", "Other"]


def test_sheet_option_picks_another_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = readme_and_data(tmp_path)
    reader, frame = read_all(path, sheet="Other")
    assert reader.info.sheet == "Other"
    assert frame["c0"].to_list() == ["0612345678"]
    err = raises_code("sheet_not_found", path, sheet="Contacts")
    assert err.params == {"sheet": "Contacts", "sheets": "Read me, Empty, Leads, Other"}
    raises_code("empty_file", path, sheet="Empty")


def test_no_contact_sheet_falls_back_to_the_first_non_empty_one(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "nc.xlsx",
        {"Blank": [], "Notes": rows([["Instructions"], ["hello"]]), "Misc": rows([["Nom"], ["x"]])},
    )
    reader = XlsxReader(path, ReadOptions())
    assert reader.info.sheet == "Notes"
    assert reader.info.headers == ["Instructions"]


def test_empty_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", {"A": [], "B": [(3, 2, "   ")]})
    raises_code("empty_file", path)


# --- row numbers and columns ------------------------------------------------------------------------


def test_leading_and_middle_blank_rows_keep_excel_row_numbers(tmp_path: Path) -> None:
    # Header in Excel row 3 (column C onward); Excel row 5 is blank, row 7 holds only spaces.
    cells = rows([["email", "phone"], ["a@b.fr", None], [], [None, 612345678], ["   ", None], ["z@z.fr"]], 2)
    path = write_xlsx(tmp_path / "r.xlsx", {"S": [(r, c + 2, v) for r, c, v in cells]})
    reader, frame = read_all(path)
    assert reader.info.header_row == 3
    assert reader.info.headers == ["email", "phone"]
    assert frame[ROW_COL].dtype == pl.UInt32
    assert frame.rows() == [(4, "a@b.fr", "", None), (6, "", "612345678", None), (8, "z@z.fr", "", None)]


def test_row_numbers_with_openpyxl_and_a_far_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B1000"] = "email"
    ws["B1001"] = "a@b.fr"
    ws["B1003"] = "c@d.fr"
    wb.save(tmp_path / "far.xlsx")
    reader, frame = read_all(tmp_path / "far.xlsx")
    assert reader.info.header_row == 1000
    assert frame[ROW_COL].to_list() == [1001, 1003]


def test_ragged_rows_pad_and_extra_cells_go_to_extra(tmp_path: Path) -> None:
    cells: list[list[Any]] = [
        ["email", "", "phone", None, None],
        ["a@b.fr"],
        ["c@d.fr", "x", "0612", "beyond", "more"],
        ["e@f.fr", None, None, "   "],
        [None, None, None, None, "only extra"],
    ]
    path = write_xlsx(tmp_path / "rag.xlsx", {"S": rows(cells)})
    reader, frame = read_all(path)
    assert reader.info.headers == ["email", "", "phone"]
    assert frame.columns == [ROW_COL, "c0", "c1", "c2", EXTRA_COL]
    assert frame.rows() == [
        (2, "a@b.fr", "", "", None),
        (3, "c@d.fr", "x", "0612", "beyond\tmore"),
        (4, "e@f.fr", "", "", None),
        (5, "", "", "", "only extra"),
    ]


def test_header_only_sheet_gives_no_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"S": rows([["email", "phone"]])})
    reader, frame = read_all(path)
    assert frame.height == 0
    assert reader.preview().columns == [ROW_COL, "c0", "c1", EXTRA_COL]
    assert reader.progress() == 1.0


# --- batches, preview, progress ---------------------------------------------------------------------


def batch_workbook(tmp_path: Path) -> Path:
    body: list[list[Any]] = [[f"u{i}@x.fr", i] for i in range(2, 30)]
    body[6] = []  # Excel row 8 blank
    return write_xlsx(tmp_path / "b.xlsx", {"S": rows([["email", "n"], *body])})


def test_batches_are_bounded_and_resume_after_a_row(tmp_path: Path) -> None:
    path = batch_workbook(tmp_path)
    reader = XlsxReader(path, ReadOptions(batch_rows=10))
    assert reader.progress() == 0.0
    seen = []
    for batch in reader.batches():
        assert 0 < batch.height <= 10
        seen.append(batch[ROW_COL].to_list())
        assert 0.0 < reader.progress() <= 1.0
    assert reader.progress() == 1.0
    numbers = [n for b in seen for n in b]
    assert numbers == [n for n in range(2, 30) if n != 8]
    assert seen[0] == [2, 3, 4, 5, 6, 7, 9, 10, 11]  # a slice of 10 rows, the blank one dropped

    resumed = pl.concat(list(reader.batches(after_row=12)))
    assert resumed[ROW_COL].to_list() == list(range(13, 30))
    assert resumed["c0"][0] == "u13@x.fr"
    assert list(reader.batches(after_row=29)) == []
    # after_row below the header still starts at the first data row
    assert pl.concat(list(reader.batches(after_row=0)))[ROW_COL][0] == 2


def test_preview_and_close(tmp_path: Path) -> None:
    path = batch_workbook(tmp_path)
    reader = XlsxReader(path, ReadOptions(batch_rows=3))
    head = reader.preview(8)
    assert head[ROW_COL].to_list() == [2, 3, 4, 5, 6, 7, 9, 10]
    assert reader.progress() == 0.0  # a preview is not progress
    reader.close()
    with pytest.raises(ValueError):
        list(reader.batches())


# --- hostile and broken files -----------------------------------------------------------------------


def test_truncated_workbook_is_corrupt(tmp_path: Path) -> None:
    good = readme_and_data(tmp_path).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good[: len(good) // 2])
    raises_code("corrupt_workbook", cut)
    with pytest.raises(UnusableFileError) as info:
        list_sheets(cut)
    assert info.value.code == "corrupt_workbook"


def test_random_bytes_are_corrupt_and_no_bytes_are_empty(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(os.urandom(4096))
    raises_code("corrupt_workbook", junk)
    nothing = tmp_path / "nothing.xlsx"
    nothing.write_bytes(b"")
    raises_code("empty_file", nothing)
    raises_code("file_not_found", tmp_path / "missing.xlsx")


def test_damaged_sheet_xml_is_corrupt(tmp_path: Path) -> None:
    good = readme_and_data(tmp_path)
    bad = tmp_path / "badxml.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            zout.writestr(info.filename, data)
    raises_code("corrupt_workbook", bad)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    raises_code("not_a_table", path)


def test_encrypted_workbook_and_old_xls(tmp_path: Path) -> None:
    padding = b"\0" * 504
    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(OLE2_SIGNATURE + padding + "EncryptedPackage".encode("utf-16-le") + padding)
    raises_code("encrypted_workbook", encrypted)
    old = tmp_path / "old.xlsx"
    old.write_bytes(OLE2_SIGNATURE + padding + "Workbook".encode("utf-16-le") + padding)
    err = raises_code("unsupported_format", old)
    assert err.params["kind"] == "XLS 97-2003"


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    # 150 MB of zeros deflate to ~150 KB (ratio ~1000). The entry is not even XML: had fastexcel been
    # handed the file, the answer would be corrupt_workbook (after inflating all of it).
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(150):
                f.write(chunk)
    assert path.stat().st_size < 1 << 20
    err = raises_code("workbook_too_large", path)
    assert err.params["size_mb"] == 150 and err.params["limit_mb"] == 100


def test_total_uncompressed_size_is_capped(tmp_path: Path) -> None:
    # A directory that claims 3 GiB: the size is checked from the zip directory, never by inflating.
    path = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
        z.filelist[-1].file_size = 3 << 30
    err = raises_code("workbook_too_large", path)
    assert err.params == {"path": str(path), "size_mb": 3072, "limit_mb": 2048}


def test_too_many_columns(tmp_path: Path) -> None:
    header = [(0, c, f"col{c}") for c in range(MAX_COLUMNS + 1)]
    path = write_xlsx(tmp_path / "wide.xlsx", {"S": [(0, 0, "email"), *header[1:], (1, 0, "a@b.fr")]})
    err = raises_code("too_many_columns", path)
    assert err.params["count"] == MAX_COLUMNS + 1 and err.params["limit"] == MAX_COLUMNS


def test_cell_longer_than_excel_allows(tmp_path: Path) -> None:
    err = raises_code("cell_too_large", write_overlong_cell_xlsx(tmp_path / "long.xlsx"))
    assert err.params["row"] == 3
    assert err.params["size_kb"] == (MAX_CELL_CHARS + 5000) // 1024
    assert err.params["limit_kb"] == MAX_CELL_CHARS // 1024
