"""Issue 15: the wizard as a newcomer meets it — a resume offered after a crash, nothing changed by a stray
wheel notch, an owner column that assigns, the same counts everywhere, a summary before the import, and
every label true (translated, not cut, no mnemonic eaten)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import ADMIN_EMAIL, SAMPLE, connect, leads_count, make_csv, open_file, validate, wait_for
from leadfiles import ADMIN, popen_cli
from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QWheelEvent
from PySide6.QtWidgets import QAbstractButton, QApplication

from crm_importer.cli import main
from crm_importer.gui.wizard import IMPORT, MAPPING, OPTIONS, VALIDATION


def wheel(widget: Any, notches: int = -1) -> None:
    """One real wheel event over the middle of ``widget`` (what a mouse wheel passing over it sends)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


# --- 1. a killed import is offered for resuming, with its progress -----------------------------------------
def test_a_killed_import_is_offered_at_start_and_resumed_with_total_rate_and_time_left(
        qtbot: Any, window: Any, pg_dsn: str, tmp_path: Path, isolated_home: Path, prompts: Any) -> None:
    path = make_csv(tmp_path / "salon-60k.csv", 60_000)  # 12 commit batches
    proc = popen_cli(isolated_home, "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--json")
    try:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            deadline = time.monotonic() + 240
            while conn.execute("SELECT count(*) FROM public.import_batches").fetchone()[0] < 1:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the import never committed a batch"
                time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    partial = leads_count(pg_dsn)
    assert 0 < partial < 60_000

    connect(window, pg_dsn)
    job = window.interrupted_job()
    assert job is not None and job.status == "importing"
    history = window.history
    shown: list[str] = []
    progressed = history._progressed

    def record(progress: object) -> None:
        progressed(progress)
        shown.append(history.banner.text.text())

    history._progressed = record
    with qtbot.waitSignal(history.action_finished, timeout=240_000) as finished:
        assert window.offer_resume()  # what the start does; the test answers yes
    question = prompts.asked[-1]
    assert "salon-60k.csv" in question and "of 60,000 rows" in question and "Nothing is imported twice" in question
    assert window.views.currentWidget() is history
    action, result = finished.args
    assert action == "resume" and result.status == "completed", result
    assert leads_count(pg_dsn) == 60_000
    assert any("of 60,000 rows" in text for text in shown), shown  # the total, not only a row count
    assert any("rows/s" in text for text in shown), shown
    assert window.interrupted_job() is None  # nothing left to offer


def test_a_declined_offer_is_not_repeated(window: Any, prompts: Any, tmp_path: Path) -> None:
    from crm_importer.engine.jobstore import JobStore
    from crm_importer.service import validate as validate_offline

    with JobStore(window.ctx.store_path) as own:
        job = validate_offline(make_csv(tmp_path / "a.csv", 10), own)
        own.update_job(job.id, status="interrupted", crm_target="host=/tmp dbname=crm user=crm")
    window.history.refresh()
    prompts.answer = False
    assert not window.offer_resume() and len(prompts.asked) == 1
    assert window.interrupted_job() is None  # declined: not asked again at the next start
    assert not window.offer_resume() and len(prompts.asked) == 1


# --- 2. the mouse wheel over a mapping combo box ------------------------------------------------------------
def test_a_wheel_notch_over_a_mapping_combo_changes_nothing_unless_it_has_the_focus(qtbot: Any, window: Any) -> None:
    open_file(qtbot, window)
    wizard = window.wizard
    wizard.go_next()
    assert wizard.current == MAPPING
    page, state = wizard.mapping_page, wizard.state
    source = state.inspection.info.headers.index("Source")
    external = state.inspection.info.headers.index("Identifiant externe")
    before = list(state.mapping.fields)
    assert before[source] == "source" and before[external] == "external_id"
    combo = page.combos[source]
    assert not combo.hasFocus()
    for notches in (-1, -1, 1, -3):
        wheel(combo, notches)
    assert state.mapping.fields == before and combo.currentData() == "source"
    # Once the user clicked into it (it has the focus), the wheel does choose: the box works as usual.
    combo.setFocus()
    wait_for(qtbot, combo.hasFocus, 5_000)
    wheel(combo, -1)
    assert combo.currentData() != "source" and state.mapping.fields[source] == combo.currentData()


# --- 3. a column mapped to the owner assigns; the previous import's choices are not carried over -------------
def test_owner_column_drives_the_assignment_and_choices_reset_per_import(
        qtbot: Any, window: Any, pg_dsn: str, tmp_path: Path) -> None:
    path = tmp_path / "export-crm.csv"
    path.write_bytes("Prénom;E-mail;Commercial\r\nLéa;lea@exemple.fr;Bruno Martin\r\n"
                     "Hugo;hugo@exemple.fr;Inconnu Dupont\r\nZoé;zoe@exemple.fr;bruno martin\r\n".encode("cp1252"))
    connect(window, pg_dsn)
    wizard, state = window.wizard, window.wizard.state
    options = wizard.options_page
    wait_for(qtbot, lambda: len(options.profiles) == 4, 10_000)
    # a previous import went round-robin
    options.set_assignment("round_robin", tuple(p.email for p in options.profiles if p.role == "sales"))
    assert state.assignment.mode == "round_robin"
    wizard.reset()
    assert state.assignment.mode == "none" and options.assign_radios["none"].isChecked()

    open_file(qtbot, window, path)
    wizard.go_next()
    column = state.inspection.info.headers.index("Commercial")
    wizard.mapping_page.set_field(column, "owner")
    wizard.go_next()
    assert wizard.current == OPTIONS
    assert state.assignment.mode == "column" and state.assignment.column == "Commercial"
    assert options.column_combo.currentText() == "Commercial"
    # "Leave unassigned" with an owner column mapped: said, not silently ignored
    options.set_assignment("none")
    assert options.owner_note.isVisibleTo(options) and "Commercial" in options.owner_note.text()
    options.set_assignment("column", column="Commercial")
    assert not options.owner_note.isVisibleTo(options)

    validate(qtbot, window)
    wizard.go_next()
    page = wizard.import_page
    wait_for(qtbot, lambda: page.owners.isVisibleTo(page), 30_000)
    # one unknown owner, spelled as in the file, in a sentence whose grammar follows the number
    assert page.owners.text.text().startswith("1 owner in the file matches no active CRM user: Inconnu Dupont.")
    assert "Commercial" in page.summary_text.text()
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as done:
        page.start_button.click()
    with psycopg.connect(pg_dsn) as conn:
        owners = dict(conn.execute(
            "SELECT l.email, p.full_name FROM public.leads l LEFT JOIN public.profiles p ON p.id = l.assigned_to"
            " WHERE l.import_job_id = %s", (done.args[0].id,)).fetchall())
    assert owners == {"lea@exemple.fr": "Bruno Martin", "zoe@exemple.fr": "Bruno Martin", "hugo@exemple.fr": None}


# --- 4. one definition of each count, the same words everywhere ---------------------------------------------
def test_counts_are_the_same_in_the_gui_the_cli_and_json(qtbot: Any, window: Any,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    open_file(qtbot, window)
    job = validate(qtbot, window)
    page = window.wizard.validation_page
    cards = {name: int(card.value.text().replace(",", "")) for name, card in (
        ("total", page.total_card), ("ready", page.valid_card), ("invalid", page.invalid_card),
        ("dups", page.dup_card))}
    assert cards == {"total": 200, "ready": 189, "invalid": 6, "dups": 5}
    assert cards["ready"] + cards["invalid"] + cards["dups"] == cards["total"]  # the cards add up
    assert page.valid_card.caption.text().startswith("rows to import")

    assert main(["validate", str(SAMPLE), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["total_rows"], out["rows_to_import"], out["invalid_rows"], out["duplicate_rows"]) == (
        cards["total"], cards["ready"], cards["invalid"], cards["dups"])
    assert out["valid_rows"] == cards["ready"] + cards["dups"] == job.valid_rows  # valid includes duplicates
    assert main(["validate", str(SAMPLE), "--lang", "en"]) == 1
    text = capsys.readouterr().out
    assert ("Rows in the file: 200; to import: 189; duplicates in the file: 5; invalid: 6 "
            "(valid: 194, duplicates in the file included).") in text
    assert "189 rows are ready to import" in page.banner.text.text()


# --- 5, 6. a summary before the import; the undo says its numbers; an undo from History is seen -------------
def test_summary_before_the_import_and_undo_from_history(qtbot: Any, window: Any, pg_dsn: str,
                                                         prompts: Any) -> None:
    connect(window, pg_dsn)
    wizard = window.wizard
    open_file(qtbot, window)
    validate(qtbot, window)
    wizard.go_next()
    assert wizard.current == IMPORT
    page = wizard.import_page
    # what will happen, into which CRM as whom, with the Import button on that page
    assert page.summary_card.isVisibleTo(page) and page.start_button.isVisibleTo(page)
    summary = page.summary_text.text()
    assert "<b>189</b> rows of leads-sample.csv to import" in summary
    assert "6 invalid, 5 duplicates in the file" in summary
    assert "when they share an email address, a phone number or an external ID" in summary
    assert "the row is skipped and the lead left untouched" in summary
    assert "none: the new leads stay unassigned" in summary
    assert "Alice Admin" in page.target_text.text() and ADMIN_EMAIL in page.target_text.text()
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as done:
        page.start_button.click()
    imported = done.args[0]
    assert not page.summary_card.isVisibleTo(page)

    window.show_view(1)
    history = window.history
    assert history.select_job(imported.id) and history.undo_button.isEnabled()
    with qtbot.waitSignal(history.action_finished, timeout=60_000):
        history.undo_button.click()
    assert "The 189 leads it created will be removed" in prompts.asked[-1]
    assert leads_count(pg_dsn, imported.id) == 0
    # the wizard's last page no longer offers an undo that would answer "… is undone"
    wait_for(qtbot, lambda: window.wizard.state.imported.status == "undone", 5_000)
    assert not page.undo_button.isVisibleTo(page)
    assert page.result.text.text() == "This import was undone (from History)."

    from crm_importer.engine.errors import ImporterError
    from crm_importer.service import undo_import

    with pytest.raises(ImporterError) as again:
        undo_import(imported.id, dsn=pg_dsn, actor_email=ADMIN_EMAIL, store=None)
    assert again.value.text("fr").startswith(f"L’import {imported.id[:8]} est déjà annulé : seul un import")


# --- 9. History: columns that keep their width, the CRM and the job; undo only on this CRM -------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_history_columns_with_twenty_jobs(qtbot: Any, window: Any, tmp_path: Path, pg_dsn: str, lang: str) -> None:
    from crm_importer.engine.jobstore import JobStore
    from crm_importer.gui.models import HistoryModel
    from crm_importer.service import validate as validate_offline

    with JobStore(window.ctx.store_path) as own:
        for i in range(20):
            job = validate_offline(make_csv(tmp_path / f"salon-des-entrepreneurs-lyon-{i:02d}.csv", 5, start=i * 5),
                                   own)
        own.update_job(job.id, status="completed", crm_target="host=crm.example.com dbname=ventes user=importer")
    connect(window, pg_dsn)
    window.set_language(lang)
    window.show_view(1)
    history = window.history
    qtbot.waitUntil(lambda: history.model.rowCount() == 20, timeout=10_000)
    qtbot.wait(50)
    header = history.table.horizontalHeader()
    assert header.sectionSize(HistoryModel.FILE) >= 200  # not 2–3 characters
    for column in range(history.model.columnCount()):
        heading = header.sectionSizeFromContents(column).width()
        assert header.sectionSize(column) >= heading - 2, history.model.headerData(
            column, Qt.Orientation.Horizontal)
    # every column within the table's width at the window's default size: nothing behind a scroll bar
    widths = [(history.model.headerData(c, Qt.Orientation.Horizontal), header.sectionSize(c))
              for c in range(history.model.columnCount())]
    assert header.length() <= history.table.viewport().width(), f"{widths} {history.table.viewport().width()}"
    assert history.model.data(history.model.index(0, HistoryModel.CRM)) == "ventes @ crm"
    assert history.model.data(history.model.index(0, HistoryModel.JOB)) == job.id[:8]
    assert history.select_job(job.id)
    assert not history.undo_button.isEnabled()  # a job of another CRM than the one connected
    assert ("another CRM" if lang == "en" else "autre CRM") in history.undo_button.toolTip()
    # nor is it resumed into the CRM connected now (its first batches would be in one CRM, the rest in another)
    with JobStore(window.ctx.store_path) as own:
        own.update_job(job.id, status="interrupted")
    history.refresh()
    assert history.select_job(job.id) and not history.resume_button.isEnabled()
    history.resume_selected(confirmed=True)  # as the start's offer would
    assert history.task is None
    assert ("another CRM (ventes @ crm)" if lang == "en" else "autre CRM (ventes @ crm)") in history.banner.text.text()


# --- 10. every label true: translated, no mnemonic eaten, not cut ------------------------------------------
def test_french_labels_are_whole_and_no_ampersand_is_eaten(qtbot: Any, window: Any) -> None:
    from crm_importer.gui import texts
    from crm_importer.gui.page_import import ImportPage

    window.set_language("fr")
    wizard = window.wizard
    open_file(qtbot, window)
    for _ in range(3):
        wizard.go_next()
    validate(qtbot, window)
    for lang in ("fr", "en"):
        window.set_language(lang)
        for view in (wizard, window.history):
            for button in view.findChildren(QAbstractButton):
                assert "&" not in button.text().replace("&&", ""), (lang, button.text())  # "Valider _analyser"
        run = wizard.validation_page.run_button.text()
        assert run == ("Valider && analyser" if lang == "fr" else "Validate && analyse")
        for action in window.menuBar().actions():
            for item in [action, *action.menu().actions()]:
                assert item.text().count("&") <= 1, item.text()  # one intended mnemonic at most
    window.set_language("fr")
    assert texts.status_label("undone") == "Annulé" and texts.status_label("cancelled") == "Arrêté"
    # Qt's file dialog says its labels in French too (Qt 6's French catalogue lacks these two)
    assert QCoreApplication.translate("QFileDialog", "&Look in:") == "&Regarder dans :"
    assert QCoreApplication.translate("QFileDialog", "Files of &type:") == "Fichiers de &type :"
    assert ImportPage.tr("%n owner(s) in the file match no active CRM user: {owners}. Their leads:", "", 1) \
        .startswith("1 propriétaire du fichier ne correspond ")
    # not cut: the side bar's history button, the options' lists under their (long, French) labels
    assert window.nav_history.sizeHint().width() <= window.nav_history.width()
    wizard.go_to(OPTIONS)
    options = wizard.options_page
    qtbot.wait(20)
    assert options.column_combo.width() >= 200
    wizard.go_to(MAPPING)
    mapping = wizard.mapping_page
    owner = wizard.state.inspection.info.headers.index("Commentaire")
    mapping.set_field(owner, "owner")
    header = mapping.table.horizontalHeader()
    assert header.sectionSize(owner) >= header.sectionSizeFromContents(owner).width()


# --- 11. no stale banner ----------------------------------------------------------------------------------------
def test_banners_follow_the_language_and_do_not_outlive_their_import(qtbot: Any, window: Any,
                                                                     tmp_path: Path) -> None:
    wizard = window.wizard
    open_file(qtbot, window)
    validate(qtbot, window)
    page = wizard.validation_page
    with qtbot.waitSignal(page.report_written, timeout=30_000):
        page.export_report(tmp_path / "erreurs.xlsx")
    assert page.banner.text.text().startswith("Report saved: ")
    window.set_language("fr")
    assert page.banner.text.text().startswith("Rapport enregistré")
    window.set_language("en")
    wizard.reset()
    open_file(qtbot, window)
    wizard.go_to(VALIDATION)
    assert "Report saved" not in page.banner.text.text()
    assert page.banner.text.text().startswith("Nothing has been validated yet")

    history = window.history
    window.show_view(1)
    history._message = (lambda: history.tr("Stopped; the import can be resumed."), "warning")
    history._refresh()
    window.set_language("fr")
    assert history.banner.text.text() == "Arrêté ; l’import peut être repris."


# --- 12. a report the system cannot open; where save dialogs start -----------------------------------------
def test_a_report_that_cannot_be_opened_shows_its_path_to_copy(qtbot: Any, window: Any, tmp_path: Path) -> None:
    window.ctx.open_path = lambda _path: False  # a desktop without a launcher
    open_file(qtbot, window)
    job = validate(qtbot, window)
    window.show_view(1)
    history = window.history
    assert history.select_job(job.id)
    with qtbot.waitSignal(history.action_finished, timeout=30_000) as done:
        history.report_button.click()
    path = str(done.args[1])
    banner = history.open_failed
    assert banner.isVisibleTo(history) and path in banner.text.text()
    banner.copy_button.click()
    assert QGuiApplication.clipboard().text() == path

    ctx = window.ctx
    start = ctx.save_start(Path("/somewhere/internal/leads-errors.xlsx"))
    assert start.name == "leads-errors.xlsx" and "crm-importer" not in str(start.parent)
    ctx.settings.last_save_dir = str(tmp_path)
    assert ctx.save_start(Path("x.csv")) == tmp_path / "x.csv"



def test_a_refused_import_is_not_listed_as_one_more_validation(window: Any, pg_dsn: str, tmp_path: Path) -> None:
    from crm_importer.crm.options import Assignment
    from crm_importer.engine.errors import ImporterError
    from crm_importer.engine.jobstore import JobStore
    from crm_importer.gui.models import HistoryModel
    from crm_importer.service import commit_validated
    from crm_importer.service import validate as validate_offline

    with JobStore(window.ctx.store_path) as own:
        job = validate_offline(make_csv(tmp_path / "salon.csv", 10), own)
        with pytest.raises(ImporterError) as refused:  # a sales rep is not an admin
            commit_validated(own, job.id, dsn=pg_dsn, actor_email="bruno.martin@demo.crm-importer.test",
                             policy="skip", assignment=Assignment(), lang="en")
    assert refused.value.exit_code == 4
    window.history.refresh()
    model = window.history.model
    row = [j.id for j in model.jobs].index(job.id)
    assert model.data(model.index(row, HistoryModel.STATUS)) == "Import refused"
    assert model.data(model.index(row, HistoryModel.STATUS), Qt.ItemDataRole.ToolTipRole) == refused.value.text("en")


# --- 7. a row with an extra cell can be fixed -----------------------------------------------------------------
def test_a_row_with_an_extra_cell_is_fixed_in_the_dialog(qtbot: Any, window: Any, tmp_path: Path) -> None:
    path = tmp_path / "salon.csv"
    path.write_text("E-mail;Nom\nok@exemple.fr;Martin\nextra@exemple.fr;Roux;Lyon\nfaux;Durand;VIP\n",
                    encoding="utf-8")
    open_file(qtbot, window, path)
    job = validate(qtbot, window)
    assert job.invalid_rows == 2
    page = window.wizard.validation_page
    model = page.model

    def fix(row_no: int, edit: Any) -> Any:
        page.table.selectRow(next(r for r in range(model.rowCount()) if model.issue(r).row_no == row_no))
        page.fix_dialog = None
        page.fix_selected()
        wait_for(qtbot, lambda: getattr(page, "fix_dialog", None) is not None, 10_000)
        dialog = page.fix_dialog
        shown = [e.text() for e in dialog.edits], [e.text() for e in dialog.extra_edits]
        edit(dialog)
        with qtbot.waitSignal(page.row_fixed, timeout=30_000) as fixed:
            dialog.accept()
        return shown, fixed.args[0]

    # the extra cell is shown, and emptied the row is valid
    shown, result = fix(3, lambda d: d.extra_edits[0].setText(""))
    assert shown == (["extra@exemple.fr", "Roux"], ["Lyon"])
    assert result.valid and page.banner.text.text() == "Row 3 is valid now."
    # a row still invalid says why, rather than nothing
    shown, result = fix(4, lambda d: d.extra_edits[0].setText(""))
    assert shown == (["faux", "Durand"], ["VIP"])
    assert not result.valid
    assert page.banner.text.text() == "Row 4 is still invalid: Invalid email address."
