"""Workbooks as people have them (issue 14): hidden sheets, macro and chart sheets, error cells, title
rows, placeholders; and the messages about them. Real workbooks (openpyxl, xlsxwriter, one patched by
hand for what neither writes: an Excel 4.0 macro sheet), read by the real CLI in a real process where
what it prints and how it exits is the point.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from leadfiles import one_json, run_cli
from openpyxl.chart import BarChart, Reference

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.jobstore import JobStore
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.pipeline import record_placeholders, validate_file
from crm_importer.engine.readers import ReadOptions, open_table
from crm_importer.engine.validate import ValidationOptions, fcol, validate_batch

LEADS = [["Email", "Nom", "Téléphone"], ["a@acme.fr", "Dupont", "06 12 34 56 78"],
         ["b@acme.fr", "Martin", ""], ["c@acme.fr", "Durand", "07 98 76 54 32"]]


def _sheet(ws: object, rows: list[list[str]]) -> None:
    for row in rows:
        ws.append(row)  # type: ignore[attr-defined]


def hidden_first(path: Path, *, active_leads: bool = True, hide: bool = True) -> Path:
    """A hidden "Listes" sheet (the reps, with an Email column) before the visible "Leads"."""
    wb = openpyxl.Workbook()
    lists = wb.active
    lists.title = "Listes"
    _sheet(lists, [["Commercial", "Email"], ["Bruno", "bruno@acme.fr"], ["Chloé", "chloe@acme.fr"],
                   ["Driss", "driss@acme.fr"]])
    if hide:
        lists.sheet_state = "hidden"
    _sheet(wb.create_sheet("Leads"), LEADS)
    _sheet(wb.create_sheet("Notes"), [["Salon 2026"], ["3 leads"]])
    wb.active = 1 if active_leads else 2
    wb.save(path)
    return path


def with_chartsheet(path: Path, first: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    _sheet(ws, LEADS)
    chart_sheet = wb.create_chartsheet("Graphique", 0 if first else 1)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4))
    chart_sheet.add_chart(chart)
    wb.save(path)
    return path


def with_macrosheet(path: Path) -> Path:
    """An .xlsm-like workbook whose first sheet is an Excel 4.0 macro sheet (written by hand: the parts
    and relationship Excel writes for one)."""
    plain = path.with_suffix(".plain.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    _sheet(ws, LEADS)
    wb.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = re.sub(rb"(<sheets>)", rb'\1<sheet name="Macro1" sheetId="9" r:id="rIdM" />', data)
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Type="http://schemas.microsoft.com/'
                                    b'office/2006/relationships/xlMacrosheet" Target="/xl/macrosheets/sheet1.xml"'
                                    b' Id="rIdM" /></Relationships>')
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" ContentType='
                                    b'"application/vnd.ms-excel.macrosheet+xml" /></Types>')
            zout.writestr(item, data)
        zout.writestr("xl/macrosheets/sheet1.xml",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                      '<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                      ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
                      ' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><dimension ref="A1:A2"/>'
                      '<sheetData><row r="1"><c r="A1"><f>EXEC("calc.exe")</f></c></row><row r="2"><c r="A2">'
                      '<f>HALT()</f></c></row></sheetData></xm:macrosheet>')
    plain.unlink()
    return path


def with_error_cells(path: Path) -> Path:
    """Formulas whose cached value is an error: a failed VLOOKUP in an email cell, a row of errors only."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Leads")
    ws.write_row(0, 0, ["Email", "Nom", "Téléphone"])
    ws.write_row(1, 0, ["a@acme.fr", "Dupont", "06 12 34 56 78"])
    ws.write_formula(2, 0, "=VLOOKUP(B3,Base!A:B,2,FALSE)", None, "#N/A")  # the email of a lookup that failed
    ws.write_string(2, 1, "Martin")
    ws.write_string(2, 2, "07 98 76 54 32")
    ws.write_formula(3, 0, "=1/0", None, "#DIV/0!")  # a row holding error cells only
    ws.write_formula(3, 1, '="x"+1', None, "#VALUE!")
    ws.write_formula(3, 2, "=NA()", None, "#N/A")
    ws.write_row(4, 0, ["d@acme.fr", "Durand", ""])
    wb.close()
    return path


def only_errors(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r in range(3):
        ws.write_formula(r, 0, "=NA()", None, "#N/A")
        ws.write_formula(r, 1, "=1/0", None, "#DIV/0!")
    wb.close()
    return path


def title_rows(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    _sheet(ws, [["Export des leads — Salon 2026"], ["Généré le 02/11/2026"], [], *LEADS])
    wb.save(path)
    return path


# --- 1. the right sheet ------------------------------------------------------------------------------------


def test_hidden_first_sheet_is_never_chosen_over_the_visible_active_one(tmp_path: Path) -> None:
    path = hidden_first(tmp_path / "leads.xlsx")
    run = run_cli(tmp_path / "home", "validate", str(path), "--json")
    result = one_json(run.stdout)
    assert (result["sheet"], result["sheet_reason"], result["total_rows"]) == ("Leads", "active", 3), run.stderr
    assert "“Leads”" in run.stderr and "opens on" in run.stderr
    assert run.returncode == 0
    # The workbook opening on the "Notes" sheet (no contact column): the first visible one with a contact.
    other = hidden_first(tmp_path / "notes-active.xlsx", active_leads=False)
    result = one_json(run_cli(tmp_path / "home", "validate", str(other), "--json").stdout)
    assert (result["sheet"], result["sheet_reason"]) == ("Leads", "first_visible")


def test_hidden_sheet_only_when_no_visible_one_has_a_contact_column_and_said(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    lists = wb.active
    lists.title = "Listes"
    _sheet(lists, [["Commercial", "Email"], ["Bruno", "bruno@acme.fr"]])
    lists.sheet_state = "hidden"
    _sheet(wb.create_sheet("Notes"), [["Salon 2026"], ["rien"]])
    wb.active = 1
    wb.save(tmp_path / "hidden-only.xlsx")
    run = run_cli(tmp_path / "home", "validate", str(tmp_path / "hidden-only.xlsx"), "--json", "--lang", "fr")
    result = one_json(run.stdout)
    assert (result["sheet"], result["sheet_reason"]) == ("Listes", "hidden")
    assert "masquée" in run.stderr


def test_a_visible_first_sheet_still_reads_as_before(tmp_path: Path) -> None:
    reader = open_table(hidden_first(tmp_path / "v.xlsx", hide=False), ReadOptions())
    try:  # "Listes" is visible, but the workbook opens on "Leads"
        assert (reader.info.sheet, reader.info.sheet_reason, reader.info.hidden_sheets) == ("Leads", "active", [])
    finally:
        reader.close()


# --- 6. macro sheets and chartsheets -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["macro", "chart-first", "chart-last"])
def test_macro_and_chart_sheets_are_skipped(tmp_path: Path, kind: str) -> None:
    path = (with_macrosheet(tmp_path / "m.xlsm") if kind == "macro"
            else with_chartsheet(tmp_path / "c.xlsx", first=kind == "chart-first"))
    for extra in ([], ["--sheet", "Leads"]):
        run = run_cli(tmp_path / "home", "validate", str(path), "--json", "--lang", "fr", *extra)
        assert run.returncode == 0, run.stderr
        result = one_json(run.stdout)
        assert (result["sheet"], result["total_rows"], result["valid_rows"]) == ("Leads", 3, 3)
        assert run.stderr == ""  # calamine's English warning about the chartsheet does not leak
    reader = open_table(path, ReadOptions())
    try:
        assert reader.info.sheets == ["Leads"]
    finally:
        reader.close()


def test_naming_a_chart_or_macro_sheet_says_it_holds_no_table(tmp_path: Path) -> None:
    for path, name in ((with_chartsheet(tmp_path / "c.xlsx"), "Graphique"),
                       (with_macrosheet(tmp_path / "m.xlsm"), "Macro1")):
        with pytest.raises(UnusableFileError) as caught:
            open_table(path, ReadOptions(sheet=name))
        assert caught.value.code == "sheet_not_a_table"
        assert f"“{name}”" in caught.value.text("en")


# --- 4. error cells ---------------------------------------------------------------------------------------


def test_error_cells_are_values_reported_as_such(tmp_path: Path) -> None:
    path = with_error_cells(tmp_path / "errors.xlsx")
    run = run_cli(tmp_path / "home", "validate", str(path), "--json", "--report", str(tmp_path / "r.csv"))
    result = one_json(run.stdout)
    # The row of error cells only is counted (not a blank row); it and the #N/A email are invalid.
    assert (result["total_rows"], result["valid_rows"], result["invalid_rows"]) == (4, 2, 2), run.stderr
    assert run.returncode == 1
    report = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "shows the spreadsheet error #N/A" in report and "“Email”" in report
    assert "#DIV/0!" in report and "#VALUE!" in report
    assert "Invalid email" not in report and "No email or phone" not in report


def test_error_cells_through_the_engine(tmp_path: Path) -> None:
    reader = open_table(with_error_cells(tmp_path / "e.xlsx"), ReadOptions())
    try:
        batch = next(iter(reader.batches()))
    finally:
        reader.close()
    assert batch["c0"].to_list() == ["a@acme.fr", "#N/A", "#DIV/0!", "d@acme.fr"]
    checked = validate_batch(batch, ColumnMapping.auto(["Email", "Nom", "Téléphone"]), ValidationOptions())
    assert sorted(checked.errors) == [3, 4]
    assert [(e.code, e.column, e.value) for e in checked.errors[3]] == [("cell_error", "Email", "#N/A")]
    assert {e.code for e in checked.errors[4]} == {"cell_error"}


def test_a_workbook_of_error_cells_only_is_not_called_empty(tmp_path: Path) -> None:
    run = run_cli(tmp_path / "home", "validate", str(only_errors(tmp_path / "na.xlsx")))
    assert run.returncode == 2
    assert "empty" not in run.stderr and "#N/A" in run.stderr


# --- 3. a title above the header -----------------------------------------------------------------------------


def test_title_rows_above_the_header_of_a_workbook(tmp_path: Path) -> None:
    path = title_rows(tmp_path / "titre.xlsx")
    run = run_cli(tmp_path / "home", "validate", str(path), "--json", "--lang", "fr")
    result = one_json(run.stdout)
    assert (result["header_row"], result["total_rows"], result["valid_rows"]) == (4, 3, 3), run.stderr
    assert result["mapping"] == {"Email": "email", "Nom": "last_name", "Téléphone": "phone"}
    assert "En-tête lu à la ligne 4" in run.stderr
    reader = open_table(path, ReadOptions())
    try:
        assert reader.info.header_below_title
        assert next(iter(reader.batches()))["__row"].to_list() == [5, 6, 7]  # Excel's own numbers
    finally:
        reader.close()


def test_header_row_given_on_the_command_line(tmp_path: Path) -> None:
    csv = tmp_path / "titre.csv"
    csv.write_text("Leads du salon\n\nEmail;Nom\na@acme.fr;Dupont\n", encoding="utf-8")
    result = one_json(run_cli(tmp_path / "home", "validate", str(csv), "--json").stdout)
    assert (result["header_row"], result["total_rows"]) == (3, 1)
    # Forced to the title row: nothing maps to a contact, said in one sentence.
    run = run_cli(tmp_path / "home", "validate", str(csv), "--header-row", "1")
    assert run.returncode == 2 and "Leads du salon" in run.stderr
    run = run_cli(tmp_path / "home", "validate", str(csv), "--header-row", "2")
    assert run.returncode == 2 and "Row 2" in run.stderr and "empty" in run.stderr
    run = run_cli(tmp_path / "home", "validate", str(csv), "--header-row", "0")
    assert run.returncode == 2 and "row number" in run.stderr
    xlsx = title_rows(tmp_path / "titre.xlsx")
    result = one_json(run_cli(tmp_path / "home", "validate", str(xlsx), "--json", "--header-row", "4").stdout)
    assert (result["header_row"], result["total_rows"]) == (4, 3)


# --- 5. placeholders -----------------------------------------------------------------------------------------


def test_placeholder_phones_and_emails_are_empty_and_counted(tmp_path: Path) -> None:
    csv = tmp_path / "placeholders.csv"
    csv.write_text(
        "Email;Téléphone;Société\n"
        "a@acme.fr;N/A;Acme\n"          # a valid email, a placeholder phone: valid
        "néant;06 12 34 56 78;-\n"       # a placeholder email, a valid phone: valid
        "b@acme.fr; n.c. ;n.c.\n"
        "aucun;-;Globex\n"              # both placeholders: no contact
        "c@acme.fr;#N/A;Initech\n",       # an error cell is no placeholder
        encoding="utf-8")
    run = run_cli(tmp_path / "home", "validate", str(csv), "--json", "--report", str(tmp_path / "r.csv"))
    result = one_json(run.stdout)
    assert (result["total_rows"], result["valid_rows"], result["invalid_rows"]) == (5, 3, 2), run.stderr
    assert result["placeholders"] == {"email": 2, "phone": 3, "company": 2}
    assert "3 cells of “phone” held a placeholder" in run.stderr
    report = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "No email or phone" in report and "spreadsheet error #N/A" in report


def test_placeholders_through_the_engine(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    csv.write_text("Email,Mobile,Phone\nNA,-,01 44 55 66 77\nx@acme.fr,N/A,néant\n", encoding="utf-8")
    reader = open_table(csv, ReadOptions())
    try:
        mapping = ColumnMapping.auto(reader.info.headers)
        checked = validate_batch(next(iter(reader.batches())), mapping, ValidationOptions())
    finally:
        reader.close()
    assert checked.errors == {}
    assert checked.frame[fcol("email")].to_list() == [None, "x@acme.fr"]
    assert checked.frame[fcol("phone")].to_list() == ["+33144556677", None]


# --- 7. messages ---------------------------------------------------------------------------------------------


def test_a_refusal_is_one_line_whatever_the_header_cells_hold(tmp_path: Path) -> None:
    csv = tmp_path / "multiline.csv"
    csv.write_text('"Nom\nde famille";"Ville\t(siège)";"Notes\r\n\r\nlibres"\nDupont;Paris;x\n', encoding="utf-8")
    run = run_cli(tmp_path / "home", "validate", str(csv), "--lang", "fr")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "\t" not in run.stderr
    assert "Nom de famille, Ville (siège), Notes libres" in run.stderr


def test_placeholder_counts_of_a_resumed_validation_are_counted_from_the_staged_batches(
        tmp_path: Path, store: JobStore) -> None:
    csv = tmp_path / "p.csv"
    csv.write_text("Email;Téléphone\n" + "".join(f"u{i}@acme.fr;{'N/A' if i % 3 else '-'}\n" for i in range(900)),
                   encoding="utf-8")
    job = validate_file(csv, store, read_options=ReadOptions(batch_rows=100))
    assert job.options["placeholders"] == {"phone": 900}
    # What a resumed run does (its earlier batches were counted by a process now gone): the staged rows.
    assert record_placeholders(store, job.id, ColumnMapping(job.headers, job.mapping)) == {"phone": 900}


def test_a_data_row_is_never_taken_for_the_header(tmp_path: Path) -> None:
    """A header whose columns the user maps (no alias) above data rows wider than it, one holding
    "Mobile": the header stays the first row."""
    csv = tmp_path / "maison.csv"
    csv.write_text("Nom;Contact 1;\nDupont;06 12 34 56 78;Mobile\nMartin;a@acme.fr;Email\n", encoding="utf-8")
    reader = open_table(csv, ReadOptions())
    try:
        assert (reader.info.header_row, reader.info.header_below_title) == (1, False)
    finally:
        reader.close()
