"""The History view: every job of this computer, with Resume, Retry, Report and Undo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableView,
    QWidget,
)

from crm_importer.engine.errors import CancelledError
from crm_importer.engine.jobstore import Job
from crm_importer.gui import tasks, texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.i18n import fmt_int
from crm_importer.gui.meter import RateMeter
from crm_importer.gui.models import HistoryModel, crm_name, same_crm
from crm_importer.gui.page_import import fmt_duration, resume_question, undo_question
from crm_importer.gui.resources import icon
from crm_importer.gui.widgets import Banner, PathBanner, page_layout
from crm_importer.gui.worker import Task

RESUMABLE = ("cancelled", "interrupted", "importing")
# Pixels of the File column: a file name is read whole up to about 30 characters (longer: "…" in the middle).
FILE_COLUMN_WIDTH = 200
UNDOABLE = ("completed", "failed", "cancelled", "interrupted", "importing")


class HistoryView(QWidget):
    #: (action, result) once a Resume/Retry/Undo/Report finished; result is an exception when it failed.
    action_finished = Signal(str, object)
    connect_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self._action = ""
        self._pending_resume: tuple[str, str] | None = None
        self._total = 0
        self.meter = RateMeter()
        # The banner: its text (worded again in the current language each time it is shown) and its kind.
        self._message: tuple[Callable[[], str], str] | None = None
        layout, self.title, self.subtitle = page_layout(self, spacing=12, margins=(28, 22, 28, 18))
        bar = QHBoxLayout()
        self.resume_button = QPushButton(self)
        self.resume_button.setObjectName("Primary")
        self.resume_button.setIcon(icon("play"))
        self.retry_button = QPushButton(self)
        self.retry_button.setIcon(icon("refresh"))
        self.report_button = QPushButton(self)
        self.report_button.setIcon(icon("file"))
        self.undo_button = QPushButton(self)
        self.undo_button.setIcon(icon("undo"))
        self.refresh_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("Danger")
        self.resume_button.clicked.connect(lambda: self.resume_selected("resume"))
        self.retry_button.clicked.connect(lambda: self.resume_selected("retry"))
        self.report_button.clicked.connect(self.report_selected)
        self.undo_button.clicked.connect(self.undo_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.cancel_button.clicked.connect(lambda: self.task.cancel() if self.task else None)
        for button in (self.resume_button, self.retry_button, self.report_button, self.undo_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        progress = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.cancel_button)
        layout.addLayout(progress)
        self.banner = Banner("info", self)
        layout.addWidget(self.banner)
        self.open_failed = PathBanner(self)
        layout.addWidget(self.open_failed)
        self.table = QTableView(self)
        self.model = HistoryModel(ctx.store, self.table)
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        # Numbers and short words fit their contents; the file name gets a width of its own that does not
        # shrink as rows come (a stretched column is what the others leave: two or three characters), the
        # last column takes what is left, and the table scrolls sideways rather than hide a column.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HistoryModel.FILE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(HistoryModel.FILE, FILE_COLUMN_WIDTH)
        header.setStretchLastSection(True)  # the job id: what the window has left
        header.setMinimumSectionSize(48)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._refresh())
        self.table.doubleClicked.connect(lambda _i: self.report_selected())
        layout.addWidget(self.table, 1)
        ctx.jobs_changed.connect(self.refresh)
        ctx.session_changed.connect(lambda _s: self._session_changed())
        ctx.translations.language_changed.connect(lambda _l: self.retranslate())
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Import history"))
        self.subtitle.setText(self.tr(
            "Every validation and import made on this computer. An interrupted import can be resumed where it "
            "stopped; an import can be undone."))
        self.resume_button.setText(self.tr("Resume"))
        self.retry_button.setText(self.tr("Retry"))
        self.report_button.setText(self.tr("Report"))
        self.undo_button.setText(self.tr("Undo"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.open_failed.retranslate()
        self.model.retranslate(self.ctx.lang)
        self._refresh()

    def refresh(self) -> None:
        selected = self.selected_job()
        error = self.model.refresh()
        if error is not None:
            self._message = self._store_message = (lambda: self.ctx.error_text(error), "error")
        elif self._message is not None and self._message is getattr(self, "_store_message", None):
            self._message = None  # the store reads again: its error no longer stands
        if selected is not None:
            self.select_job(selected.id)
        self._refresh()

    def select_job(self, job_id: str) -> bool:
        for row, job in enumerate(self.model.jobs):
            if job.id == job_id or job.id.startswith(job_id):
                self.table.selectRow(row)
                return True
        return False

    def selected_job(self) -> Job | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return self.model.job(rows[0].row()) if rows else None

    # --- actions -----------------------------------------------------------------------------------------
    def _need_session(self) -> tasks.CrmSession | None:
        if self.ctx.session is None:
            self._message = (lambda: self.tr("Connect to the CRM of this import first."), "warning")
            self._refresh()
            self.connect_requested.emit()
            return None
        return self.ctx.session

    def resume_selected(self, action: str = "resume", *, confirmed: bool = False) -> None:
        """Resume (or retry) the selected import after the user said yes to what it will do."""
        job = self.selected_job()
        if job is None or self.task is not None:
            return
        if not confirmed and not self.ctx.ask(self, self.tr("Resume this import?"), resume_question(job)):
            return
        session = self._need_session()
        if session is not None and not same_crm(session.target, job.crm_target):
            # Resumed into the CRM connected now, its first batches would be in one CRM and the rest in another.
            crm = crm_name(job.crm_target or "")
            self._message = (lambda: self.tr("This import went to another CRM ({crm}): connect to it to resume "
                                             "it.").format(crm=crm), "warning")
            self._refresh()
            self.connect_requested.emit()
            session = None
        if session is None:
            self._pending_resume = (job.id, action)  # resumed once connected to its CRM, without asking again
            return
        self._pending_resume = None
        store_path = self.ctx.store_path
        self._total = job.rows_to_import
        self.meter.reset()
        self._start(action, lambda p, c: tasks.resume(store_path, job.id, session, p, c), progress=True)

    def _session_changed(self) -> None:
        pending = self._pending_resume
        if pending is not None and self.ctx.session is not None and self.task is None:
            self._pending_resume = None
            self._message = None
            if self.select_job(pending[0]):
                self.resume_selected(pending[1], confirmed=True)
        else:
            self._refresh()

    def report_selected(self) -> None:
        job = self.selected_job()
        if job is None or self.task is not None:
            return
        store_path, lang = self.ctx.store_path, self.ctx.lang
        self._start("report", lambda p, c: tasks.job_report(store_path, job.id, lang, p, c))

    def undo_selected(self) -> None:
        job = self.selected_job()
        if job is None or self.task is not None:
            return
        if not self.ctx.ask(self, self.tr("Undo this import?"), undo_question(job)):
            return
        session = self._need_session()
        if session is None:
            return
        store_path = self.ctx.store_path
        self._start("undo", lambda p, c: tasks.undo(store_path, job.id, session, p, c))

    def _start(self, action: str, fn: object, progress: bool = False) -> None:
        self._action = action
        self._message = None
        self.progress.setRange(0, 1000 if progress else 0)
        self.progress.setValue(0)
        self.task = self.ctx.pool.start(fn, name="job" if action != "report" else "report",  # type: ignore[arg-type]
                                        on_progress=self._progressed, on_finished=self._done, on_failed=self._failed)
        self._refresh()

    def _progressed(self, progress: object) -> None:
        phase, rows = getattr(progress, "phase", ""), int(getattr(progress, "rows", 0))
        self.progress.setValue(int(float(getattr(progress, "fraction", 0.0)) * 1000))
        text = texts.phase_label(phase)
        if phase == "committing":
            self._total = int(getattr(progress, "total_rows", None) or self._total)
            self.meter.add(rows)
            text = self.tr("{phase} {done} of {total} rows").format(phase=text, done=fmt_int(rows),
                                                                   total=fmt_int(self._total))
            rate, eta = self.meter.rate(), self.meter.eta(self._total)
            if rate:
                text += " · " + self.tr("{rate} rows/s").format(rate=fmt_int(int(rate)))
            if eta is not None:
                text += " · " + self.tr("about {time} left").format(time=fmt_duration(eta))
        elif rows:
            text = self.tr("{phase} {rows} rows").format(phase=text, rows=fmt_int(rows))
        self.banner.show_message(text, "info")

    def _done(self, result: object) -> None:
        self.task = None
        action = self._action
        if action == "report":
            if self.ctx.open_path(Path(str(result))) is False:  # nothing visible happened: where the file is
                self.open_failed.show_path(str(result))
            else:
                self.open_failed.hide()
            self._message = (lambda: self.tr("Report: {path}").format(path=result), "info")
        elif action == "undo" and isinstance(result, dict):
            self._message = (lambda: texts.undo_summary(result), "success")
        elif isinstance(result, Job):
            job: Job = result
            self._message = (lambda: self.tr("Import completed: {imported} leads created and {updated} updated.")
                             .format(imported=fmt_int(job.imported_rows), updated=fmt_int(job.updated_rows)), "success")
        self.ctx.jobs_changed.emit()
        self._refresh()
        self.action_finished.emit(action, result)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, CancelledError):
            self._message = (lambda: self.tr("Stopped; the import can be resumed."), "warning")
        else:
            self._message = (lambda: self.ctx.error_text(exc), "error")
        self.ctx.jobs_changed.emit()
        self._refresh()
        self.action_finished.emit(self._action, exc)

    def _refresh(self) -> None:
        job = self.selected_job()
        running = self.task is not None
        imported = job is not None and bool(job.crm_target)
        session = self.ctx.session
        # Resume and Undo act on the CRM connected now: a job of another CRM waits until it is connected.
        here = job is not None and (session is None or same_crm(session.target, job.crm_target))
        self.resume_button.setEnabled(not running and imported and here and job is not None
                                      and job.status in RESUMABLE)
        self.retry_button.setEnabled(not running and imported and here and job is not None and job.status == "failed")
        self.undo_button.setEnabled(not running and imported and here and job is not None
                                    and job.status in UNDOABLE)
        elsewhere = "" if here or job is None else self.tr(
            "This import went to another CRM ({crm}): connect to it to resume or undo it.").format(
            crm=job.crm_target)
        for button in (self.resume_button, self.retry_button, self.undo_button):
            button.setToolTip(elsewhere)
        self.report_button.setEnabled(not running and job is not None and job.total_rows > 0)
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running and self._action in ("resume", "retry"))
        if self._message is not None:
            self.banner.show_message(self._message[0](), self._message[1])
        elif not running:
            if not self.model.jobs:
                self.banner.show_message(self.tr("No import yet: they will be listed here."), "info")
            elif job is not None and job.error_message and job.status == "failed":
                self.banner.show_message(job.error_text(self.ctx.lang) or job.error_message, "error")
            else:
                self.banner.hide()
