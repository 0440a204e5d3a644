"""File page and mapping page on real files: workbooks and sheets, overrides, unusable files, profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import SAMPLE, open_file
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from crm_importer.engine.mapping import load_mapping_file


def test_workbook_sheets_can_be_picked(qtbot: Any, window: Any, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Sujet", "Texte"])
    notes.append(["Salon", "Liste du salon"])
    leads = book.create_sheet("Contacts salon")
    leads.append(["Prénom", "Nom", "Courriel", "Portable"])
    leads.append(["Léa", "Roux", "lea.roux@exemple.fr", 612345678])
    path = tmp_path / "salon.xlsx"
    book.save(path)

    open_file(qtbot, window, path)
    page = window.wizard.file_page
    state = window.wizard.state
    assert state.inspection.info.kind == "xlsx" and state.inspection.info.sheet == "Contacts salon"
    assert page.sheet.isVisibleTo(window) and not page.encoding.isVisibleTo(window)
    assert [page.sheet.itemText(i) for i in range(page.sheet.count())] == ["Notes", "Contacts salon"]
    assert state.mapping.fields[:4] == ["first_name", "last_name", "email", "phone"]
    page.sheet.setCurrentIndex(0)
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.sheet.activated.emit(0)
    assert state.inspection.info.sheet == "Notes"
    window.wizard.go_next()
    assert window.wizard.mapping_page.no_contact.isVisible()
    assert not window.wizard.next_button.isEnabled()


def test_delimiter_override_and_unusable_file(qtbot: Any, window: Any, tmp_path: Path) -> None:
    page = window.wizard.file_page
    open_file(qtbot, window)
    assert page.delimiter.currentText().startswith("Detected: Semicolon")
    page.delimiter.setCurrentIndex(page.delimiter.findData(","))
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.delimiter.activated.emit(page.delimiter.currentIndex())
    assert window.wizard.state.inspection.info.delimiter == ","
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with qtbot.waitSignal(page.failed, timeout=30_000) as failed:
        page.open_path(empty)
    assert failed.args[0] == f"The file {empty} is empty." and page.error.isVisible()
    assert not window.wizard.next_button.isEnabled()


def test_drop_a_file(qtbot: Any, window: Any) -> None:
    page = window.wizard.file_page
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SAMPLE))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.drop.dropEvent(event)
    assert window.wizard.state.inspection.path == SAMPLE


def test_mapping_profiles_round_trip(qtbot: Any, window: Any) -> None:
    from crm_importer.gui.page_mapping import profiles_dir

    open_file(qtbot, window)
    wizard = window.wizard
    wizard.go_next()
    page = wizard.mapping_page
    headers = wizard.state.inspection.info.headers
    source = headers.index("Source")
    page.set_field(source, "notes")  # takes "notes" away from "Commentaire"
    assert wizard.state.mapping.fields[headers.index("Commentaire")] is None
    page.save_profile("Salon / VivaTech")
    saved = profiles_dir() / "Salon _ VivaTech.json"
    assert load_mapping_file(saved)["Source"] == "notes"
    page.auto_map()
    assert wizard.state.mapping.fields[source] == "source"
    page.load_profile(page.profiles.currentData())
    assert wizard.state.mapping.fields[source] == "notes"
    assert page.combos[source].currentData() == "notes"


def test_header_row_detected_below_a_title_and_overridable(qtbot: Any, window: Any, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    lists = book.active
    lists.title = "Listes"
    lists.append(["Commercial", "Email"])
    lists.append(["Bruno", "bruno@exemple.fr"])
    lists.sheet_state = "hidden"
    leads = book.create_sheet("Leads")
    for row in (["Export du salon 2026"], [], ["Prénom", "Courriel", "Portable"], ["Léa", "lea@exemple.fr", ""]):
        leads.append(row)
    book.active = 1
    path = tmp_path / "salon.xlsx"
    book.save(path)

    open_file(qtbot, window, path)
    page = window.wizard.file_page
    state = window.wizard.state
    info = state.inspection.info
    assert (info.sheet, info.header_row, info.headers) == ("Leads", 3, ["Prénom", "Courriel", "Portable"])
    assert [page.sheet.itemText(i) for i in range(page.sheet.count())] == ["Listes (hidden)", "Leads"]
    assert page.header_row.value() == 0 and page.header_row.text() == "Detected: row 3"
    assert "opens on it" in page.read_note.text() and "row 3" in page.read_note.text()
    assert page.read_note.isVisibleTo(window)
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.header_row.setValue(1)
    assert (state.inspection.info.header_row, state.inspection.read_options.header_row) == (1, 1)
    assert state.inspection.info.headers == ["Export du salon 2026"]
    assert not window.wizard.state.mapping.has_contact()
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.header_row.setValue(0)
    assert state.inspection.info.header_row == 3 and state.mapping.fields == ["first_name", "email", "phone"]
