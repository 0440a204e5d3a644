"""The error report (SPEC 9) written from a real validated job: CSV with BOM, XLSX, atomic, neutralised."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import openpyxl
import pytest
from helpers import write_csv
from openpyxl.utils.escape import unescape

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.jobstore import Job, JobStore
from crm_importer.engine.pipeline import validate_file
from crm_importer.engine.readers import ReadOptions
from crm_importer.engine.report import neutralise, report_lines, write_report

HEADER = ["Prénom", "Nom", "E-mail", "Téléphone", "Commentaire", "Colonne libre"]
ROWS = [
    ["Zoé", "Lefèvre", "zoe@exemple.fr", "06 12 34 56 78", "ok", ""],  # 2 valid
    ["Hélène", "Œuvre", "pas-un-email", "", "=SUM(A1:A9)", "€ 5"],  # 3 invalid email
    ["", "", "", "", "", ""],  # 4 blank
    ["Noël", "Ärger", "", "", "+33 6 00", "-5"],  # 5 missing contact
    ["François", "Dup", "ZOE@exemple.fr", "", "@cmd", "\tTab"],  # 6 duplicate of 2
    ["Ana", "Multi", "ana@exemple.fr", "abc", "two\nlines", "\rCR"],  # 7 invalid phone
    ["Bob", "Fine", "bob@exemple.fr", "", "", ""],  # 8 valid
]


@pytest.fixture
def job(tmp_path: Path, store: JobStore) -> Job:
    path = write_csv(tmp_path / "salon.csv", [HEADER, *ROWS], delimiter=";")
    return validate_file(path, store, read_options=ReadOptions(batch_rows=2))


def read_csv_report(path: Path, delimiter: str) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def expected_lines(reasons: dict[int, str]) -> list[list[str]]:
    return [[str(r), reasons[r], *[neutralise(c) for c in ROWS[r - 2]]] for r in sorted(reasons)]


EN = {
    3: "Invalid email address in column “E-mail”: pas-un-email",
    5: "No email or phone number",
    6: "Duplicate of row 2",
    7: "Invalid phone number in column “Téléphone”: abc",
}
FR = {
    3: "Adresse e-mail invalide dans la colonne « E-mail » : pas-un-email",
    5: "Ni e-mail ni téléphone",
    6: "Doublon de la ligne 2",
    7: "Numéro de téléphone invalide dans la colonne « Téléphone » : abc",
}


def test_csv_report_english(tmp_path: Path, store: JobStore, job: Job) -> None:
    assert job.staged_batches >= 3  # the report gathers rows across batches
    out = write_report(store, job, tmp_path / "out" / "report.csv", "en")
    assert out == tmp_path / "out" / "report.csv"
    lines = read_csv_report(out, ";")  # the sender's own delimiter
    assert lines[0] == ["Row", "Reasons", *HEADER]
    assert lines[1:] == expected_lines(EN)


def test_csv_report_french(tmp_path: Path, store: JobStore, job: Job) -> None:
    out = write_report(store, job, tmp_path / "rapport.csv", "fr")
    lines = read_csv_report(out, ";")
    assert lines[0] == ["Ligne", "Motifs", *HEADER]
    assert lines[1:] == expected_lines(FR)
    # accents intact, and nothing garbled by a wrong encoding
    text = out.read_bytes().decode("utf-8-sig")
    for word in ("Hélène", "Œuvre", "€ 5", "Noël", "Ärger", "François", "Prénom", "Téléphone"):
        assert word in text


def test_formula_cells_are_neutralised(tmp_path: Path, store: JobStore, job: Job) -> None:
    lines = read_csv_report(write_report(store, job, tmp_path / "r.csv"), ";")
    cells = {c for line in lines[1:] for c in line}
    assert {"'=SUM(A1:A9)", "'@cmd", "'\tTab", "'\rCR"} <= cells
    assert not {"=SUM(A1:A9)", "@cmd", "'+33 6 00", "'-5"} & cells
    assert {"+33 6 00", "-5"} <= cells  # a phone number, a number: nothing a spreadsheet would run
    assert "two\nlines" in cells  # a multi-line cell stays one cell
    for value in ("=1", "+A1", "-A1", "@a", "\tx", "\rx", "-2+3+cmd|' /C calc'!A0", "+1*2", "+SUM(1)"):
        assert neutralise(value) == "'" + value
    for value in ("", "a=1", "é", " =1", "1-2", "+33 6 12 34 56 78", "-5", "+1 (555) 010-2030", "-1,5"):
        assert neutralise(value) == value


def test_reasons_of_a_row_with_several_errors(tmp_path: Path, store: JobStore) -> None:
    path = write_csv(tmp_path / "s.csv", [["E-mail", "Téléphone"], ["bad", "abc"]])
    job = validate_file(path, store)
    lines = read_csv_report(write_report(store, job, tmp_path / "r.csv", "en"), ",")
    assert lines[1] == [
        "2",
        "Invalid email address in column “E-mail”: bad; Invalid phone number in column “Téléphone”: abc",
        "bad",
        "abc",
    ]


@pytest.mark.parametrize(
    ("delimiter", "lang", "expected"),
    [(",", "fr", ","), (";", "en", ";"), ("\t", "fr", ";"), ("\t", "en", ","), ("|", "fr", ";")],
)
def test_report_delimiter_is_one_excel_splits(
    tmp_path: Path, store: JobStore, delimiter: str, lang: str, expected: str
) -> None:
    """The sender's own , or ; — but Excel does not split a .csv on tabs or pipes."""
    path = write_csv(tmp_path / "s.txt", [["E-mail", "Nom"], ["bad", "Hélène, ; x"]], delimiter=delimiter)
    job = validate_file(path, store)
    assert job.delimiter == delimiter
    out = write_report(store, job, tmp_path / "r.csv", lang)
    lines = read_csv_report(out, expected)
    assert lines[1][2:] == ["bad", "Hélène, ; x"]
    assert out.read_bytes().decode("utf-8-sig").splitlines()[0].count(expected) == 3


def test_report_is_written_atomically(tmp_path: Path, store: JobStore, job: Job) -> None:
    target = tmp_path / "dir" / "report.csv"
    target.parent.mkdir()
    target.write_text("old report", encoding="utf-8")
    write_report(store, job, target)
    assert target.read_bytes().startswith(codecs.BOM_UTF8)
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.csv"]  # no temporary file left

    # A report that cannot be put in place leaves nothing behind, and no half-written file.
    blocked = tmp_path / "dir" / "blocked.xlsx"
    blocked.mkdir()
    with pytest.raises(UnusableFileError) as caught:
        write_report(store, job, blocked)
    assert caught.value.code == "report_unwritable"
    assert sorted(p.name for p in target.parent.iterdir()) == ["blocked.xlsx", "report.csv"]
    assert blocked.is_dir() and not any(blocked.iterdir())


def test_bad_report_suffix(tmp_path: Path, store: JobStore, job: Job) -> None:
    with pytest.raises(UnusableFileError) as err:
        write_report(store, job, tmp_path / "report.txt")
    assert err.value.code == "bad_report_path"
    assert not (tmp_path / "report.txt").exists()


@pytest.mark.parametrize(("lang", "sheet", "reasons"), [("en", "Errors", EN), ("fr", "Erreurs", FR)])
def test_xlsx_report_same_content(
    tmp_path: Path, store: JobStore, job: Job, lang: str, sheet: str, reasons: dict[int, str]
) -> None:
    out = write_report(store, job, tmp_path / "report.xlsx", lang)
    csv_lines = read_csv_report(write_report(store, job, tmp_path / "report.csv", lang), ";")
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        assert book.sheetnames == [sheet]
        values = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    assert [str(v) for v in values[0]] == csv_lines[0]
    # Control characters are stored as _xHHHH_ escapes, which Excel decodes (openpyxl leaves them).
    body = [
        [("" if v is None else unescape(v) if isinstance(v, str) else v) for v in line] for line in values[1:]
    ]
    assert [line[0] for line in body] == [3, 5, 6, 7]  # row numbers as numbers
    # The same cells as the CSV; a formula is neutralised there by a leading ', here by the quote prefix.
    assert [[str(line[0]), *[neutralise(c) for c in line[1:]]] for line in body] == csv_lines[1:]
    assert body == [[r, reasons[r], *ROWS[r - 2]] for r in sorted(reasons)]


def test_report_of_a_clean_file_is_the_heading_only(tmp_path: Path, store: JobStore) -> None:
    path = write_csv(tmp_path / "c.csv", [["E-mail"], ["a@exemple.fr"], ["b@exemple.fr"]])
    job = validate_file(path, store)
    lines = read_csv_report(write_report(store, job, tmp_path / "r.csv", "fr"), ",")
    assert lines == [["Ligne", "Motifs", "E-mail"]]


def test_report_lines_are_in_row_order_across_many_batches(tmp_path: Path, store: JobStore) -> None:
    rows = [[f"p{i}@exemple.fr" if i % 3 else "bad", f"n{i}"] for i in range(500)]
    rows += [["p1@exemple.fr", "dup"]]  # duplicate of row 3, last row
    job = validate_file(
        write_csv(tmp_path / "m.csv", [["E-mail", "Nom"], *rows]),
        store,
        read_options=ReadOptions(batch_rows=37),
    )
    lines = list(report_lines(store, job, "en"))[1:]
    numbers = [int(line[0]) for line in lines]
    assert numbers == sorted(numbers)
    assert numbers == [i + 2 for i in range(500) if i % 3 == 0] + [502]
    assert lines[-1] == ["502", "Duplicate of row 3", "p1@exemple.fr", "dup"]
    assert len(lines) == job.invalid_rows + job.duplicate_rows


def test_nul_byte_row_is_reported(tmp_path: Path, store: JobStore) -> None:
    path = write_csv(tmp_path / "n.csv", [["E-mail", "Nom"], ["a@exemple.fr", "Ze\x00ro"]])
    job = validate_file(path, store)
    lines = read_csv_report(write_report(store, job, tmp_path / "r.csv"), ",")
    assert lines[1][:2] == ["2", "Forbidden NUL character in column “Nom”"]
    out = write_report(store, job, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        assert [list(r) for r in book.active.iter_rows(values_only=True)][1][:3] == [
            2,
            "Forbidden NUL character in column “Nom”",
            "a@exemple.fr",
        ]
    finally:
        book.close()


def test_report_round_trip_phones_extra_cells_and_a_corrected_report(tmp_path: Path, store: JobStore) -> None:
    """What the sender gets back opens as typed (a phone is not an apostrophe'd text, nor a formula), shows
    the cells beyond the header, filters in Excel, and validated again once corrected does not grow a second
    Row and Reasons column."""
    import os

    from crm_importer.engine.revalidate import EXTRA_INDEX, revalidate_cells, row_extra_cells

    path = write_csv(tmp_path / "salon.csv", [
        ["E-mail", "Téléphone", "Nom"],
        ["ok@exemple.fr", "+33 6 12 34 56 78", "Martin"],
        ["pas-un-email", "+33 6 12 34 56 79", "=HYPERLINK(\"x\")"],
        ["extra@exemple.fr", "+33 6 12 34 56 80", "Roux", "Lyon", "VIP"],
    ], delimiter=";")
    job = validate_file(path, store)
    assert (job.valid_rows, job.invalid_rows) == (1, 2)
    assert row_extra_cells(store, job, 4) == ["Lyon", "VIP"]

    out_csv = write_report(store, job, tmp_path / "erreurs.csv", "fr")
    lines = read_csv_report(out_csv, ";")
    assert lines[0] == ["Ligne", "Motifs", "E-mail", "Téléphone", "Nom", "Cellules en trop"]
    assert lines[1][2:] == ["pas-un-email", "+33 6 12 34 56 79", "'=HYPERLINK(\"x\")"]
    assert lines[2][2:] == ["extra@exemple.fr", "+33 6 12 34 56 80", "Roux", "Lyon", "VIP"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert out_csv.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file of the user's, not 0600

    out_xlsx = write_report(store, job, tmp_path / "erreurs.xlsx", "fr")
    book = openpyxl.load_workbook(out_xlsx)
    try:
        sheet = book.active
        phone, formula = sheet["D2"], sheet["E2"]
        assert phone.value == "+33 6 12 34 56 79" and not phone.quotePrefix
        assert formula.value == "=HYPERLINK(\"x\")" and formula.quotePrefix and formula.data_type != "f"
        assert [c.value for c in sheet[3]][5:] == ["Lyon", "VIP"]
        assert sheet.auto_filter.ref == "A1:G3"
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        assert widths["B"] > 40 and 6 <= widths["A"] < 12  # the reasons are read whole, the row number is narrow
    finally:
        book.close()

    # The row with extra cells is fixed once they are emptied (or moved into a column).
    fix = revalidate_cells(store, job, 4, {EXTRA_INDEX: ""})
    assert fix.valid and fix.job.invalid_rows == 1

    # The sender corrects the report and sends it back: validated again, its own Row/Reasons are left out.
    corrected = write_csv(tmp_path / "corrige.csv", [
        lines[0][:5], [lines[1][0], lines[1][1], "encore-faux", lines[1][3], "Dupont"]], delimiter=";")
    again = validate_file(corrected, store)
    assert again.mapping[:2] == [None, None]
    heading, row = read_csv_report(write_report(store, again, tmp_path / "erreurs-2.csv", "fr"), ";")
    assert heading == ["Ligne", "Motifs", "E-mail", "Téléphone", "Nom"]
    assert row[2:] == ["encore-faux", "+33 6 12 34 56 79", "Dupont"]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_the_csv_report_is_byte_for_byte_what_the_csv_module_writes(tmp_path: Path, store: JobStore,
                                                                    delimiter: str) -> None:
    """Batches are written by polars (the csv module is kept for lone carriage returns and extra cells): the
    bytes are the csv module's, quoting, empty cells and neutralised formulas included."""
    tricky = ["b,c", 'd"e', "f\ng", " j ", "", "k;l", "=x", "+33 6 00", "-5", "@cmd", "\tTab", "-2+3", "+A1",
              "Œuvre « é »", "'quoted", "=", "+", "1,5"]
    rows = [["Nom", f"bad{i}", value, "x"] for i, value in enumerate(tricky)]
    path = write_csv(tmp_path / "t.csv", [["Nom", "E-mail", "Commentaire", "Autre"], *rows], delimiter=delimiter)
    job = validate_file(path, store, read_options=ReadOptions(batch_rows=7))
    out = write_report(store, job, tmp_path / "r.csv", "fr")
    expected = io.StringIO()
    writer = csv.writer(expected, delimiter=delimiter, lineterminator="\r\n")
    for line in report_lines(store, job, "fr"):
        writer.writerow([neutralise(c) for c in line])
    assert out.read_bytes() == codecs.BOM_UTF8 + expected.getvalue().encode("utf-8")
    assert [line[4] for line in read_csv_report(out, delimiter)[1:]] == [neutralise(v) for v in tricky]
