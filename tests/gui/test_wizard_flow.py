"""The wizard end to end on a real file against a real PostgreSQL CRM: map, validate, fix, import, undo."""

from __future__ import annotations

from typing import Any

from conftest import ADMIN_EMAIL, SAMPLE, connect, leads_count, open_file, validate, wait_for
from PySide6.QtCore import Qt

from crm_importer.gui.wizard import FILE, IMPORT, MAPPING, OPTIONS, VALIDATION


def test_full_import_fix_and_undo(qtbot: Any, window: Any, pg_dsn: str, prompts: Any) -> None:
    connect(window, pg_dsn)
    wizard = window.wizard
    assert "Alice Admin" in window.status_text.text()

    open_file(qtbot, window)
    state = wizard.state
    assert state.inspection is not None and state.inspection.info.delimiter == ";"
    assert len(state.file_hash.sha256) == 64 and state.file_hash.previous is None
    assert wizard.next_button.isEnabled()

    # page 2: the preview is lazy, the mapping editable
    wizard.go_next()
    assert wizard.current == MAPPING
    page = wizard.mapping_page
    assert page.model.rowCount() == 25 and page.model.canFetchMore()
    page.table.scrollToBottom()
    wait_for(qtbot, lambda: page.model.rowCount() > 25, 5_000)
    notes_col = state.inspection.info.headers.index("Commentaire")
    assert state.mapping.fields[notes_col] == "notes"
    page.combos[notes_col].setCurrentIndex(page.combos[notes_col].findData(None))
    page.combos[notes_col].activated.emit(page.combos[notes_col].currentIndex())
    assert state.mapping.fields[notes_col] is None
    assert "→" in page.model.headerData(notes_col, Qt.Orientation.Horizontal)

    # page 3: round-robin over the sales reps listed from the CRM
    wizard.go_next()
    assert wizard.current == OPTIONS
    options = wizard.options_page
    wait_for(qtbot, lambda: len(options.profiles) == 4, 10_000)
    sales = tuple(p.email for p in options.profiles if p.role == "sales")
    options.set_assignment("round_robin", sales)
    assert state.assignment.mode == "round_robin" and state.assignment.emails == sales

    # page 4: validate, then fix the bad email of row 14 in place
    job = validate(qtbot, window)
    assert wizard.current == VALIDATION
    assert (job.total_rows, job.invalid_rows, job.duplicate_rows) == (200, 6, 5)
    vpage = wizard.validation_page
    assert vpage.total_card.value.text() == "200" and vpage.invalid_card.value.text() == "6"
    model = vpage.model
    assert model.rowCount() == 11
    row14 = next(r for r in range(model.rowCount()) if model.issue(r).row_no == 14)
    value_index = model.index(row14, model.VALUE)
    assert model.flags(value_index) & Qt.ItemFlag.ItemIsEditable
    with qtbot.waitSignal(vpage.row_fixed, timeout=30_000) as fixed:
        assert model.setData(value_index, "jean.dupont@exemple.fr")
    assert fixed.args[0].valid
    assert state.job.invalid_rows == 5 and vpage.invalid_card.value.text() == "5"
    assert all(model.issue(r).row_no != 14 for r in range(model.rowCount()))
    # the filter by reason
    vpage.filter_by("duplicate_in_file")
    assert model.rowCount() == 5
    vpage.filter_by(None)

    # page 5: import 190 rows, counts shown
    wizard.go_next()
    assert wizard.current == IMPORT
    ipage = wizard.import_page
    assert ipage.start_button.text() == "Import 190 rows"
    with qtbot.waitSignal(ipage.import_finished, timeout=60_000) as done:
        ipage.start_button.click()
    imported = done.args[0]
    assert imported.status == "completed" and imported.imported_rows == 190
    assert ipage.imported_card.value.text() == "190"
    assert not wizard.back_button.isVisible()
    assert leads_count(pg_dsn, imported.id) == 190
    import psycopg

    with psycopg.connect(pg_dsn) as conn:
        counts = [r[0] for r in conn.execute(
            "select count(*) from public.leads l join public.profiles p on p.id = l.assigned_to"
            " where l.import_job_id = %s group by p.email", (imported.id,))]
        fixed_row = conn.execute("select email from public.leads where import_row = 14").fetchone()[0]
    assert sorted(counts) == [63, 63, 64] and fixed_row == "jean.dupont@exemple.fr"

    # the report opens, History lists the job
    with qtbot.waitSignal(window.ctx.pool.busy_changed, timeout=10_000):
        ipage.report_button.click()
    wait_for(qtbot, lambda: bool(prompts.opened), 10_000)
    assert prompts.opened[0].suffix == ".csv" and prompts.opened[0].exists()
    window.show_view(1)
    history = window.history
    assert history.model.rowCount() >= 1 and history.model.job(0).id == imported.id
    assert history.model.data(history.model.index(0, history.model.STATUS)) == "Completed"

    # undo from the import page
    with qtbot.waitSignal(ipage.undone, timeout=30_000) as undone:
        ipage.undo_button.click()
    assert undone.args[0]["deleted"] == 190
    assert leads_count(pg_dsn, imported.id) == 0
    assert window.ctx.store.get_job(imported.id).status == "undone"
    assert any("Undo" in q or "removed" in q for q in prompts.asked)

    # the same file again: flagged on the File page, and the import asks first
    wizard.import_page.new_button.click()
    assert wizard.current == FILE


def test_reimport_is_flagged_and_confirmed(qtbot: Any, window: Any, pg_dsn: str, prompts: Any) -> None:
    connect(window, pg_dsn)
    wizard = window.wizard
    open_file(qtbot, window)
    validate(qtbot, window)
    wizard.go_next()
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=60_000):
        wizard.import_page.start()
    wizard.reset()
    open_file(qtbot, window)
    previous = wizard.state.file_hash.previous
    assert previous is not None and previous[2] == "Alice Admin"
    assert wizard.file_page.already.isVisible() and "already imported" in wizard.file_page.already.text.text()
    assert wizard.file_page.show_job.isVisible()
    wizard.file_page.show_job.click()
    assert window.views.currentIndex() == 1 and window.history.selected_job().id == previous[0]
    window.show_view(0)
    validate(qtbot, window)
    wizard.go_next()
    prompts.answer = False
    wizard.import_page.start()
    assert wizard.import_page.task is None and prompts.asked
    prompts.answer = True
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=60_000) as done:
        wizard.import_page.start()
    # every row matches a lead of the first import: skipped, as the default policy says
    assert done.args[0].imported_rows == 0 and done.args[0].skipped_rows == 189
    assert ADMIN_EMAIL in wizard.import_page.target_text.text()


def test_a_file_imported_meanwhile_is_asked_about_not_refused_with_cli_words(
    qtbot: Any, window: Any, pg_dsn: str, prompts: Any, tmp_path: Any
) -> None:
    """Someone imports the same file after the File page checked it: the import asks the wizard's question
    (never the CLI's "use --yes"); no leaves the CRM as it is, yes imports."""
    from crm_importer.engine.jobstore import JobStore
    from crm_importer.service import ImportRequest, run_import

    connect(window, pg_dsn)
    wizard = window.wizard
    open_file(qtbot, window)
    assert wizard.state.file_hash.previous is None
    job = validate(qtbot, window)
    wizard.go_next()
    with JobStore(tmp_path / "elsewhere.sqlite3") as elsewhere:
        first = run_import(ImportRequest(file=SAMPLE, dsn=pg_dsn, actor_email=ADMIN_EMAIL), store=elsewhere)
    assert first.imported_rows == 189
    page = wizard.import_page
    prompts.answer = False
    with qtbot.waitSignal(page.changed, timeout=60_000, check_params_cb=lambda *a: page.task is None):
        page.start()
    wait_for(qtbot, lambda: page.task is None and bool(prompts.asked), 60_000)
    assert "already imported" in prompts.asked[-1] and "--yes" not in prompts.asked[-1]
    assert "already in the CRM" in page.result.text.text() and "--yes" not in page.result.text.text()
    assert leads_count(pg_dsn, job.id) == 0 and window.ctx.store.get_job(job.id).status == "validated"
    assert wizard.back_button.isVisible()  # nothing was committed: the options can still be changed
    prompts.answer = True
    asked = len(prompts.asked)
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as done:
        page.start()
    assert len(prompts.asked) == asked + 1
    assert done.args[0].skipped_rows == 189 and done.args[0].imported_rows == 0
