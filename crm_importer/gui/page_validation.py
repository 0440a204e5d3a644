"""Wizard page 4: validate & analyse the whole file in a worker, then review, fix and export the problems."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_importer import paths
from crm_importer.engine.errors import CancelledError, StoreError
from crm_importer.engine.jobstore import Job
from crm_importer.engine.revalidate import EXTRA_INDEX
from crm_importer.gui import tasks, texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.i18n import fmt_int
from crm_importer.gui.models import IssuesModel
from crm_importer.gui.resources import icon
from crm_importer.gui.widgets import Banner, StatCard, WizardPage, button_text, hint, page_layout
from crm_importer.gui.wizard_state import WizardState
from crm_importer.gui.worker import Task


class FixRowDialog(QDialog):
    """Every cell of one row, editable; OK re-validates the row with the changed cells."""

    def __init__(self, headers: list[str], cells: list[str], row_no: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Fix row {row}").format(row=row_no))
        self.resize(520, 560)
        self._original = list(cells)
        self._columns = len(headers)
        layout = QVBoxLayout(self)
        layout.addWidget(hint(self.tr("Correct the cells, then re-validate the row. The file itself is not "
                                      "changed; the import and the report use the corrected values."), self))
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        host = QWidget()
        form = QFormLayout(host)
        self.edits: list[QLineEdit] = []
        for i, (header, value) in enumerate(zip(headers, cells, strict=False)):
            edit = QLineEdit(value, host)
            form.addRow(header or f"#{i + 1}", edit)
            self.edits.append(edit)
        # The row's cells beyond the header: shown so they can be moved into their column or emptied.
        self.extra_edits: list[QLineEdit] = []
        if len(cells) > len(headers):
            form.addRow(hint(self.tr("This row has more cells than the file has columns: move each value below "
                                     "into the column it belongs to, or empty it."), host))
        for n, value in enumerate(cells[len(headers):], start=1):
            edit = QLineEdit(value, host)
            form.addRow(self.tr("Extra cell {number}").format(number=n), edit)
            self.extra_edits.append(edit)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Re-validate the row"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def changes(self) -> dict[int, str]:
        """{column index: new value}; the extra cells, when changed, under ``EXTRA_INDEX`` (tab-separated)."""
        out = {i: e.text() for i, e in enumerate(self.edits) if e.text() != self._original[i]}
        extras = [e.text() for e in self.extra_edits]
        if extras != self._original[self._columns:]:
            out[EXTRA_INDEX] = "\t".join(v for v in extras if v.strip())
        return out


class ValidationPage(WizardPage):
    validated = Signal(object)
    validation_failed = Signal(str)
    row_fixed = Signal(object)
    report_written = Signal(object)

    def __init__(self, ctx: AppContext, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self.task: Task | None = None
        self._error: str | None = None
        # What the banner says, worded again in the current language each time it is shown.
        self._message: Callable[[], str] | None = None
        self._phase = ""
        self._rows = 0
        self._fixing = False
        self._build()
        self.retranslate()
        ctx.translations.language_changed.connect(lambda lang: self.model.retranslate(lang))

    def _build(self) -> None:
        root, self.title, self.subtitle = page_layout(self, spacing=12)

        run = QHBoxLayout()
        self.run_button = QPushButton(self)
        self.run_button.setObjectName("Primary")
        self.run_button.setIcon(icon("check"))
        self.run_button.clicked.connect(self.start)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.phase_label = QLabel(self)
        self.phase_label.setObjectName("Hint")
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.cancel)
        run.addWidget(self.run_button)
        run.addWidget(self.progress, 1)
        run.addWidget(self.phase_label)
        run.addWidget(self.cancel_button)
        root.addLayout(run)

        cards = QHBoxLayout()
        self.total_card = StatCard("neutral", self)
        self.valid_card = StatCard("good", self)
        self.invalid_card = StatCard("bad", self)
        self.dup_card = StatCard("warn", self)
        for card in (self.total_card, self.valid_card, self.invalid_card, self.dup_card):
            cards.addWidget(card)
        root.addLayout(cards)
        self.banner = Banner("info", self)
        root.addWidget(self.banner)

        tools = QHBoxLayout()
        self.filter_label = QLabel(self)
        self.filter = QComboBox(self)
        self.filter.setMinimumWidth(300)
        self.filter.activated.connect(self._filter_changed)
        self.fix_button = QPushButton(self)
        self.fix_button.setIcon(icon("edit"))
        self.fix_button.clicked.connect(self.fix_selected)
        self.export_button = QPushButton(self)
        self.export_button.setIcon(icon("download"))
        self.export_button.clicked.connect(self.choose_report)
        tools.addWidget(self.filter_label)
        tools.addWidget(self.filter)
        tools.addStretch(1)
        tools.addWidget(self.fix_button)
        tools.addWidget(self.export_button)
        root.addLayout(tools)

        self.table = QTableView(self)
        self.model = IssuesModel(self.ctx.store, self.table)
        self.model.fix_requested.connect(self.fix_row)
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 160)
        header.resizeSection(3, 260)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._refresh())
        root.addWidget(self.table, 1)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Validate & analyse"))
        self.subtitle.setText(self.tr(
            "The whole file is read and checked against the CRM's rules, and duplicates inside the file are "
            "found. Nothing is sent to the CRM yet."))
        self.run_button.setText(button_text(self.tr("Validate & analyse")))
        self.cancel_button.setText(self.tr("Cancel"))
        # The same words as the CLI, --json and README (Counts): rows to import = valid rows − duplicates in
        # the file, so the last three cards add up to the first.
        self.total_card.caption.setText(self.tr("rows in the file"))
        self.valid_card.caption.setText(self.tr("rows to import (valid, not duplicates)"))
        self.invalid_card.caption.setText(self.tr("invalid rows"))
        self.dup_card.caption.setText(self.tr("duplicates in the file"))
        self.filter_label.setText(self.tr("Show:"))
        self.fix_button.setText(self.tr("Fix this row…"))
        self.export_button.setText(self.tr("Export the report…"))
        self._fill_filter()
        self._refresh()

    def reset(self) -> None:
        """A new import: nothing of the previous one is shown (its banners, its error table)."""
        self._error, self._message = None, None
        self.model.set_job(None)
        self._fill_filter()
        self._refresh()

    # --- running -----------------------------------------------------------------------------------------
    def enter(self) -> None:
        self._refresh()

    def start(self) -> None:
        """Run the validation in a worker; ``validated`` (or ``validation_failed``) follows."""
        inspection, mapping = self.state.inspection, self.state.effective_mapping()
        if inspection is None or mapping is None or self.task is not None:
            return
        self.state.forget_results()
        self.model.set_job(None)
        self._error, self._message = None, None
        self._phase, self._rows = "hashing", 0
        path, read_options = inspection.path, inspection.read_options
        options, store_path = self.state.validation_options(), self.ctx.store_path
        self._started = time.monotonic()
        self.task = self.ctx.pool.start(
            lambda p, c: tasks.validate(path, read_options, mapping, options, store_path, p, c), name="job",
            on_progress=self._progressed, on_finished=self._finished, on_failed=self._failed)
        self.progress.setValue(0)
        self._refresh()
        self.changed.emit()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _progressed(self, progress: object) -> None:
        self._phase = getattr(progress, "phase", "")
        self._rows = getattr(progress, "rows", 0)
        fraction = float(getattr(progress, "fraction", 0.0))
        # hashing, validating, deduplicating: weights that match where the time goes
        base, span = {"hashing": (0, 0.1), "validating": (0.1, 0.8), "deduplicating": (0.9, 0.1)}.get(
            self._phase, (0, 1))
        self.progress.setValue(int((base + span * fraction) * 1000))
        self._show_phase()

    def _show_phase(self) -> None:
        if self.task is None:
            self.phase_label.setText("")
            return
        text = texts.phase_label(self._phase)
        if self._rows:
            text = self.tr("{phase} {rows} rows").format(phase=text, rows=fmt_int(self._rows))
        self.phase_label.setText(text)

    def _finished(self, job: Job) -> None:
        self.task = None
        self.state.job = job
        self.ctx.jobs_changed.emit()
        self.progress.setValue(1000)
        self._fill_filter()
        self._show_issues(job)
        self._refresh()
        self.validated.emit(job)
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, CancelledError):
            self._error = None
            self._message = lambda: self.tr("Validation cancelled. Run it again to continue where it stopped.")
        else:
            self._error = self.ctx.error_text(exc)
        self.progress.setValue(0)
        self._refresh()
        self.validation_failed.emit(self._error or (self._message() if self._message else ""))
        self.changed.emit()

    # --- review --------------------------------------------------------------------------------------------
    def _fill_filter(self) -> None:
        job = self.state.job
        current = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        if job is not None:
            try:
                counts = self.ctx.store.issue_code_counts(job.id)
            except StoreError as exc:  # the totals still show; the store's trouble is said
                counts = {}
                self._error = self.ctx.error_text(exc)
            total = job.invalid_rows + job.duplicate_rows
            self.filter.addItem(self.tr("Every problem ({count})").format(count=fmt_int(total)), None)
            for code, count in sorted(counts.items(), key=lambda kv: -kv[1]):
                self.filter.addItem(self.tr("{reason} ({count})").format(
                    reason=texts.reason_label(code), count=fmt_int(count)), code)
            self.filter.setCurrentIndex(max(0, self.filter.findData(current)))
        self.filter.blockSignals(False)

    def _filter_changed(self) -> None:
        self._show_issues(self.state.job, self.filter.currentData())
        self._refresh()

    def _show_issues(self, job: Job | None, code: str | None = None) -> None:
        """The error table on ``job``; a job store that cannot be read is said on the page."""
        self.model.set_job(job, code)
        if self.model.error is not None:
            self._error = self.ctx.error_text(self.model.error)

    def filter_by(self, code: str | None) -> None:
        self.filter.setCurrentIndex(max(0, self.filter.findData(code)))
        self._filter_changed()

    def fix_row(self, row_no: int, changes: dict[int, str]) -> None:
        """Re-validate ``row_no`` with ``changes`` ({column index: new raw value}) in a worker."""
        job = self.state.job
        if job is None or not changes or self._fixing:
            return
        self._fixing = True
        store_path = self.ctx.store_path
        self.ctx.pool.start(lambda p, c: tasks.revalidate(store_path, job.id, row_no, changes, p, c),
                            name="fix", on_finished=self._row_fixed, on_failed=self._fix_failed)
        self._refresh()

    def fix_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        issue = self.model.issue(rows[0].row()) if rows else None
        job = self.state.job
        if issue is None or job is None:
            return
        store_path = self.ctx.store_path
        self.ctx.pool.start(lambda p, c: tasks.load_row(store_path, job.id, issue.row_no, p, c), name="fix",
                            on_finished=lambda cells: self._open_fix_dialog(issue.row_no, cells),
                            on_failed=self._fix_failed)

    def _open_fix_dialog(self, row_no: int, cells: list[str]) -> None:
        job = self.state.job
        if job is None:
            return
        dialog = FixRowDialog(job.headers, cells, row_no, self)
        dialog.accepted.connect(lambda: self.fix_row(row_no, dialog.changes()))
        dialog.finished.connect(dialog.deleteLater)
        self.fix_dialog = dialog
        dialog.open()

    def _row_fixed(self, fix: object) -> None:
        self._fixing = False
        job = getattr(fix, "job", None)
        if job is not None:
            self.state.job = job
            self.state.imported = None
        row = getattr(fix, "row_no", 0)
        if getattr(fix, "valid", False):
            self._message = lambda: self.tr("Row {row} is valid now.").format(row=row)
        else:
            codes = tuple(getattr(fix, "error_codes", ()))
            self._message = lambda: self.tr("Row {row} is still invalid: {reasons}.").format(
                row=row, reasons=", ".join(texts.reason_label(code) for code in codes) or "?")
        self._fill_filter()
        self.model.reload(self.state.job)
        self._refresh()
        self.ctx.jobs_changed.emit()
        self.row_fixed.emit(fix)
        self.changed.emit()

    def _fix_failed(self, exc: BaseException) -> None:
        self._fixing = False
        self._error = self.ctx.error_text(exc)
        self._refresh()

    def choose_report(self) -> None:
        job = self.state.job
        if job is None:
            return
        name = self.tr("{file}-errors.xlsx").format(file=job.file_name.rsplit(".", 1)[0])
        suggested = paths.reports_dir() / name
        out = self.ctx.choose_save_file(self, self.tr("Export the report"), suggested,
                                        self.tr("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if out is not None:
            self.export_report(out)

    def export_report(self, out: Path) -> None:
        job = self.state.job
        if job is None:
            return
        store_path, lang = self.ctx.store_path, self.ctx.lang
        self.ctx.pool.start(lambda p, c: tasks.export_report(store_path, job.id, out, lang, p, c), name="report",
                            on_finished=self._report_written, on_failed=self._fix_failed)

    def _report_written(self, path: object) -> None:
        self._message = lambda: self.tr("Report saved: {path}").format(path=path)
        self._refresh()
        self.report_written.emit(path)

    # --- display -----------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        running = self.task is not None
        job = self.state.job
        self.run_button.setEnabled(not running and self.state.inspection is not None)
        self.run_button.setVisible(job is None or running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self._show_phase()
        for card in (self.total_card, self.valid_card, self.invalid_card, self.dup_card):
            card.setVisible(job is not None)
        has_issues = job is not None and (job.invalid_rows + job.duplicate_rows) > 0
        for widget in (self.filter_label, self.filter, self.table, self.fix_button):
            widget.setVisible(has_issues)
        self.export_button.setVisible(job is not None)
        self.export_button.setEnabled(has_issues)
        selected = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        issue = self.model.issue(selected[0].row()) if selected else None
        self.fix_button.setEnabled(issue is not None and not self._fixing)
        if job is not None:
            self.total_card.set(fmt_int(job.total_rows))
            self.valid_card.set(fmt_int(job.rows_to_import))
            self.invalid_card.set(fmt_int(job.invalid_rows))
            self.dup_card.set(fmt_int(job.duplicate_rows))
        if self._error:
            self.banner.show_message(self._error, "error")
        elif self._message:
            self.banner.show_message(self._message(), "info")
        elif job is not None and job.total_rows == 0:
            self.banner.show_message(self.tr(
                "The file has a header but no data rows: there is nothing to import."), "info")
        elif job is not None:
            ready = job.rows_to_import
            if has_issues:
                self.banner.show_message(self.tr(
                    "{ready} rows are ready to import. The rows below will not be imported: fix them here "
                    "(double-click a value) or export the report to send back.").format(ready=fmt_int(ready)),
                    "warning")
            else:
                self.banner.show_message(self.tr("Every row is valid: {ready} rows are ready to import.").format(
                    ready=fmt_int(ready)), "success")
        elif not running:
            self.banner.show_message(self.tr(
                "Nothing has been validated yet with these settings: click “Validate & analyse”."), "info")
        else:
            self.banner.hide()

    def can_next(self) -> bool:
        job = self.state.job
        return job is not None and self.task is None and job.rows_to_import > 0
