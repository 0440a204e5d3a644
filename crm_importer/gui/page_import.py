"""Wizard page 5: the commit into the CRM — live progress, Cancel at a batch boundary, summary, undo."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_importer.crm.options import Assignment
from crm_importer.engine.errors import CancelledError, ImporterError, RefusedError
from crm_importer.engine.jobstore import Job
from crm_importer.gui import tasks, texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.i18n import fmt_int
from crm_importer.gui.meter import RateMeter
from crm_importer.gui.models import crm_name
from crm_importer.gui.resources import icon
from crm_importer.gui.widgets import Banner, FormComboBox, PathBanner, StatCard, WizardPage, page_layout
from crm_importer.gui.wizard_state import WizardState
from crm_importer.gui.worker import Task


def fmt_duration(seconds: float) -> str:
    """``12 s``, ``3 min 05 s``, ``1 h 02 min``: units are the same in French and English."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ImportPage(WizardPage):
    import_started = Signal()
    import_finished = Signal(object)
    import_failed = Signal(str)
    undone = Signal(object)
    connect_requested = Signal()
    demo_requested = Signal()
    new_import_requested = Signal()

    def __init__(self, ctx: AppContext, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self.task: Task | None = None
        self.meter = RateMeter()
        self._rows = 0
        self._total = 0
        self._phase = ""
        self._eta: float | None = None
        self._error: str | None = None
        # What the result banner says, worded again in the current language each time it is shown.
        self._message: Callable[[], str] | None = None
        self._cancelled = False
        self._owners: tasks.OwnerCheck | None = None
        self._owners_for: str | None = None
        self.profiles: list[tasks.Profile] = []
        self._build()
        self.retranslate()
        ctx.session_changed.connect(lambda _s: self._on_session())
        ctx.jobs_changed.connect(self._job_changed_elsewhere)

    def _build(self) -> None:
        root, self.title, self.subtitle = page_layout(self, spacing=14)

        self.no_crm = Banner("warning", self)
        self.connect_button = QPushButton(self.no_crm)
        self.connect_button.clicked.connect(self.connect_requested)
        self.demo_button = QPushButton(self.no_crm)
        self.demo_button.clicked.connect(self.demo_requested)
        self.no_crm.buttons.addWidget(self.demo_button)
        self.no_crm.buttons.addWidget(self.connect_button)
        root.addWidget(self.no_crm)

        self.target_card = QFrame(self)
        self.target_card.setObjectName("Card")
        target = QHBoxLayout(self.target_card)
        target.setContentsMargins(18, 14, 18, 14)
        db_icon = QLabel(self.target_card)
        db_icon.setPixmap(icon("database").pixmap(32, 32))
        self.target_text = QLabel(self.target_card)
        self.target_text.setWordWrap(True)
        target.addWidget(db_icon, 0, Qt.AlignmentFlag.AlignTop)
        target.addWidget(self.target_text, 1)
        root.addWidget(self.target_card)

        # What the import will do, read before the Import button: rows, duplicates, assignment.
        self.summary_card = QFrame(self)
        self.summary_card.setObjectName("Card")
        summary = QVBoxLayout(self.summary_card)
        summary.setContentsMargins(18, 12, 18, 12)
        self.summary_title = QLabel(self.summary_card)
        self.summary_title.setObjectName("H2")
        self.summary_text = QLabel(self.summary_card)
        self.summary_text.setWordWrap(True)
        self.summary_text.setTextFormat(Qt.TextFormat.RichText)
        summary.addWidget(self.summary_title)
        summary.addWidget(self.summary_text)
        root.addWidget(self.summary_card)

        self.owners = Banner("warning", self)
        self.fallback = FormComboBox(self.owners)
        self.fallback.setMinimumWidth(260)
        self.owners.buttons.addWidget(self.fallback)
        root.addWidget(self.owners)

        start_row = QHBoxLayout()
        self.start_button = QPushButton(self)
        self.start_button.setObjectName("Primary")
        self.start_button.setProperty("size", "large")
        self.start_button.setIcon(icon("import-light"))
        self.start_button.clicked.connect(self.start)
        start_row.addWidget(self.start_button)
        start_row.addStretch(1)
        root.addLayout(start_row)

        self.progress_card = QFrame(self)
        self.progress_card.setObjectName("Card")
        prog = QVBoxLayout(self.progress_card)
        prog.setContentsMargins(18, 14, 18, 14)
        self.phase_label = QLabel(self.progress_card)
        self.phase_label.setObjectName("H2")
        self.bar = QProgressBar(self.progress_card)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        stats = QHBoxLayout()
        self.rows_label = QLabel(self.progress_card)
        self.rate_label = QLabel(self.progress_card)
        self.eta_label = QLabel(self.progress_card)
        for label in (self.rows_label, self.rate_label, self.eta_label):
            label.setObjectName("Hint")
        self.cancel_button = QPushButton(self.progress_card)
        self.cancel_button.setObjectName("Danger")
        self.cancel_button.clicked.connect(self.cancel)
        stats.addWidget(self.rows_label)
        stats.addSpacing(24)
        stats.addWidget(self.rate_label)
        stats.addSpacing(24)
        stats.addWidget(self.eta_label)
        stats.addStretch(1)
        stats.addWidget(self.cancel_button)
        prog.addWidget(self.phase_label)
        prog.addWidget(self.bar)
        prog.addLayout(stats)
        root.addWidget(self.progress_card)

        self.result = Banner("success", self)
        root.addWidget(self.result)
        cards = QGridLayout()
        self.imported_card = StatCard("good", self)
        self.updated_card = StatCard("neutral", self)
        self.skipped_card = StatCard("warn", self)
        self.rejected_card = StatCard("bad", self)
        self.time_card = StatCard("neutral", self)
        self.cards = (self.imported_card, self.updated_card, self.skipped_card, self.rejected_card, self.time_card)
        for i, card in enumerate(self.cards):
            cards.addWidget(card, 0, i)
        root.addLayout(cards)
        after = QHBoxLayout()
        self.report_button = QPushButton(self)
        self.report_button.setIcon(icon("file"))
        self.report_button.clicked.connect(self.open_report)
        self.resume_button = QPushButton(self)
        self.resume_button.setObjectName("Primary")
        self.resume_button.clicked.connect(self.resume)
        self.undo_button = QPushButton(self)
        self.undo_button.setIcon(icon("undo"))
        self.undo_button.clicked.connect(self.ask_undo)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("Primary")
        self.new_button.clicked.connect(self.new_import_requested)
        after.addWidget(self.report_button)
        after.addWidget(self.resume_button)
        after.addWidget(self.undo_button)
        after.addStretch(1)
        after.addWidget(self.new_button)
        root.addLayout(after)
        self.open_failed = PathBanner(self)
        root.addWidget(self.open_failed)
        root.addStretch(1)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Import into the CRM"))
        self.subtitle.setText(self.tr(
            "Rows go in by batches; each batch is committed exactly once, so a cancelled or interrupted import "
            "can be resumed later without duplicates."))
        self.no_crm.text.setText(self.tr("No CRM is connected: connect to one (or use the demo database) to import."))
        self.connect_button.setText(self.tr("Connect…"))
        self.demo_button.setText(self.tr("Use the demo database"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.imported_card.caption.setText(self.tr("leads created"))
        self.updated_card.caption.setText(self.tr("leads updated"))
        self.skipped_card.caption.setText(self.tr("already in the CRM (skipped)"))
        self.rejected_card.caption.setText(self.tr("not imported: invalid, duplicates in the file, rejected by the CRM"))
        self.time_card.caption.setText(self.tr("time taken"))
        self.report_button.setText(self.tr("Open the report"))
        self.resume_button.setText(self.tr("Resume the import"))
        self.undo_button.setText(self.tr("Undo this import"))
        self.new_button.setText(self.tr("New import"))
        self.open_failed.retranslate()
        self._fill_fallback()
        self._refresh()

    def reset(self) -> None:
        """A new import: nothing of the previous one is shown (its banners, its owners check)."""
        if self.task is not None:
            return
        self._error, self._message, self._cancelled = None, None, False
        self._owners, self._owners_for = None, None
        self.open_failed.hide()
        self._refresh()

    def _job_changed_elsewhere(self) -> None:
        """History resumed or undid the job this page shows: its status and counts are read again."""
        job = self.state.imported
        if job is None or self.task is not None:
            return
        try:
            now = self.ctx.store.get_job(job.id)
        except ImporterError:
            return
        if now.status != job.status or now.imported_rows != job.imported_rows:
            self.state.imported = now
            if now.status == "undone" and job.status != "undone":
                self._error, self._cancelled = None, False
                self._message = lambda: self.tr("This import was undone (from History).")
            self._refresh()

    # --- entering -----------------------------------------------------------------------------------------
    def enter(self) -> None:
        if self.task is None and self.state.imported is None:
            self._error, self._message, self._cancelled = None, None, False
        self._check_owners()
        self._refresh()

    def _on_session(self) -> None:
        self._owners, self._owners_for = None, None
        self._fill_fallback()
        if self.isVisible():
            self._check_owners()
        self._refresh()

    def _check_owners(self) -> None:
        job, session = self.state.job, self.ctx.session
        if job is None or session is None or self.state.assignment.mode != "column" or self._owners_for == job.id:
            return
        self._owners_for = job.id
        store_path = self.ctx.store_path
        self.ctx.pool.start(lambda p, c: tasks.check_owners(store_path, job.id, session, p, c), name="owners",
                            on_finished=self._owners_checked, on_failed=lambda _e: None)

    def _owners_checked(self, result: tasks.OwnerCheck) -> None:
        self._owners = result
        self._fill_fallback()
        self._refresh()

    def _fill_fallback(self) -> None:
        current = self.fallback.currentData()
        self.fallback.clear()
        self.fallback.addItem(self.tr("Leave them unassigned"), None)
        for profile in self.profiles:
            self.fallback.addItem(self.tr("Assign them to {user}").format(user=profile.label), profile.email)
        self.fallback.setCurrentIndex(max(0, self.fallback.findData(current)))

    def set_profiles(self, profiles: list[tasks.Profile]) -> None:
        self.profiles = list(profiles)
        self._fill_fallback()

    def rows_to_import(self) -> int:
        job = self.state.job
        return 0 if job is None else job.rows_to_import

    # --- the import --------------------------------------------------------------------------------------
    def start(self) -> None:
        """Commit the validated job in a worker; ``import_finished`` (or ``import_failed``) follows."""
        job, session = self.state.job, self.ctx.session
        if job is None or session is None or self.task is not None:
            return
        confirm = False
        previous = self.state.file_hash.previous if self.state.file_hash else None
        if previous is not None:
            confirm = self._ask_reimport(previous[1], previous[2])
            if not confirm:
                return
        self._start(confirm)

    def _ask_reimport(self, date: str, who: str) -> bool:
        return self.ctx.ask(self, self.tr("Import this file again?"), self.tr(
            "This file was already imported into this CRM on {date} by {who}. Import it again anyway?").format(
            date=date, who=who))

    def _start(self, confirm: bool) -> None:
        job, session = self.state.job, self.ctx.session
        if job is None or session is None:
            return
        assignment = self.state.assignment
        if assignment.mode == "column":
            assignment = Assignment("column", (), assignment.column, self.fallback.currentData())
        store_path, lang, policy = self.ctx.store_path, self.ctx.lang, self.state.policy
        self._launch(lambda p, c: tasks.commit(store_path, job.id, session, policy=policy, assignment=assignment,
                                               lang=lang, confirm_reimport=confirm, progress=p, is_cancelled=c),
                     self.rows_to_import())

    def resume(self) -> None:
        job, session = self.state.imported or self.state.job, self.ctx.session
        if job is None or session is None or self.task is not None:
            return
        store_path = self.ctx.store_path
        self._launch(lambda p, c: tasks.resume(store_path, job.id, session, p, c), self.rows_to_import())

    def _launch(self, fn: object, total: int) -> None:
        self.state.committing = True
        self._error, self._message, self._cancelled = None, None, False
        self._rows, self._total, self._phase = 0, total, "committing"
        self.meter.reset()
        self.bar.setValue(0)
        self.task = self.ctx.pool.start(fn, name="job", on_progress=self._progressed,  # type: ignore[arg-type]
                                        on_finished=self._finished, on_failed=self._failed)
        self._refresh()
        self.import_started.emit()
        self.changed.emit()

    def cancel(self) -> None:
        """Ask the worker to stop at the next batch boundary (what is committed stays; resumable)."""
        if self.task is not None:
            self.task.cancel()
            self._message = lambda: self.tr("Stopping after the current batch…")
            self._refresh()

    def _progressed(self, progress: object) -> None:
        self._phase = getattr(progress, "phase", "")
        self._rows = int(getattr(progress, "rows", 0))
        total = getattr(progress, "total_rows", None)
        if self._phase == "committing":
            if total:
                self._total = int(total)
            self.meter.add(self._rows)
        self._eta = getattr(progress, "eta_seconds", None)  # the commit's own, round trips counted
        self.bar.setValue(int(float(getattr(progress, "fraction", 0.0)) * 1000))
        self._show_progress()

    def _show_progress(self) -> None:
        self.phase_label.setText(texts.phase_label(self._phase or "committing"))
        if self._phase == "undoing":
            for label in (self.rows_label, self.rate_label, self.eta_label):
                label.setText("")
            return
        self.rows_label.setText(self.tr("{done} of {total} rows").format(
            done=fmt_int(self._rows), total=fmt_int(self._total)))
        rate = self.meter.rate()
        self.rate_label.setText(self.tr("{rate} rows/s").format(rate=fmt_int(int(rate))) if rate else "")
        eta = self._eta if self._eta is not None else self.meter.eta(self._total)
        self.eta_label.setText(self.tr("about {time} left").format(time=fmt_duration(eta)) if eta is not None else "")

    def _finished(self, job: Job) -> None:
        self.task = None
        self.state.imported = job
        self.bar.setValue(1000)
        self.ctx.jobs_changed.emit()
        self._refresh()
        self.import_finished.emit(job)
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, RefusedError) and exc.code == "already_imported":
            # Imported meanwhile (another computer, History): nothing was committed; the same question as
            # before an import, not the CLI's "--yes".
            self.state.committing = False
            if self._ask_reimport(str(exc.params.get("date", "")), str(exc.params.get("who", ""))):
                self._start(True)
                return
            self._error = None
            self._message = lambda: self.tr("Not imported: this file is already in the CRM.")
            self._refresh()
            self.changed.emit()
            return
        job = self.state.job
        if job is not None:
            try:
                self.state.imported = self.ctx.store.get_job(job.id)
            except Exception:  # noqa: BLE001 - only for the counts shown
                self.state.imported = None
        if isinstance(exc, CancelledError):
            self._cancelled = True
            self._error = None
            done = self.state.imported.imported_rows + self.state.imported.updated_rows if self.state.imported else 0
            self._message = lambda: self.tr(
                "Import cancelled after {rows} leads; what was committed stays in the CRM. Resume it here or "
                "from History, or undo it.").format(rows=fmt_int(done))
        else:
            self._error = self.ctx.error_text(exc)
            self._message = None
        self.ctx.jobs_changed.emit()
        self._refresh()
        self.import_failed.emit(self._error or (self._message() if self._message else ""))
        self.changed.emit()

    # --- after ----------------------------------------------------------------------------------------------
    def open_report(self) -> None:
        job = self.state.imported
        if job is None:
            return
        store_path, lang = self.ctx.store_path, self.ctx.lang
        self.ctx.pool.start(lambda p, c: tasks.job_report(store_path, job.id, lang, p, c), name="report",
                            on_finished=lambda path: self._open(Path(path)),
                            on_failed=lambda exc: self._show_error(exc))

    def _open(self, path: Path) -> None:
        if self.ctx.open_path(path) is False:  # nothing visible happened: say where the file is
            self.open_failed.show_path(str(path))
        else:
            self.open_failed.hide()

    def ask_undo(self) -> None:
        job = self.state.imported
        if job is None:
            return
        if self.ctx.ask(self, self.tr("Undo this import?"), undo_question(job)):
            self.undo()

    def undo(self) -> None:
        job, session = self.state.imported, self.ctx.session
        if job is None or session is None or self.task is not None:
            return
        store_path = self.ctx.store_path
        self._phase, self._message = "undoing", None
        self.bar.setRange(0, 0)  # undo is one transaction: no steps to count
        self.task = self.ctx.pool.start(lambda p, c: tasks.undo(store_path, job.id, session, p, c), name="job",
                                        on_finished=self._undone, on_failed=self._undo_failed)
        self._refresh()

    def _undone(self, result: dict) -> None:
        self.task = None
        self.bar.setRange(0, 1000)
        job = self.state.imported
        if job is not None:
            try:
                self.state.imported = self.ctx.store.get_job(job.id)
            except ImporterError:  # only for the counts shown; the undo itself is done
                pass
        self._cancelled = False
        self._message = lambda: texts.undo_summary(result)
        self.ctx.jobs_changed.emit()
        self._refresh()
        self.undone.emit(result)

    def _undo_failed(self, exc: BaseException) -> None:
        self.task = None
        self.bar.setRange(0, 1000)
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        self._error = self.ctx.error_text(exc)
        self._refresh()

    # --- display ---------------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        session, done = self.ctx.session, self.state.imported
        running = self.task is not None
        self.no_crm.setVisible(session is None)
        self.target_card.setVisible(session is not None)
        if session is not None:
            target = self.tr("Demo database") if session.demo else session.database
            self.target_text.setText(self.tr("Into <b>{target}</b>, as <b>{who}</b> ({email}).").format(
                target=escape(target), who=escape(session.who), email=escape(session.email)))
        count = self.rows_to_import()
        self.start_button.setText(self.tr("Import %Ln rows", "", count))
        started = running or done is not None
        self.summary_card.setVisible(not started and self.state.job is not None)
        if not started and self.state.job is not None:
            self.summary_title.setText(self.tr("What the import will do"))
            self.summary_text.setText(self.summary_html())
        self.start_button.setVisible(not started)
        self.start_button.setEnabled(session is not None and count > 0)
        owners = self._owners
        show_owners = (not started and owners is not None and bool(owners.unknown)
                       and self.state.assignment.mode == "column")
        self.owners.setVisible(show_owners)
        if show_owners and owners is not None:
            shown = ", ".join(owners.unknown[:8]) + ("…" if len(owners.unknown) > 8 else "")
            self.owners.text.setText(self.tr(
                "%n owner(s) in the file match no active CRM user: {owners}. Their leads:", "",
                len(owners.unknown)).format(owners=shown))
        self.progress_card.setVisible(running)
        self.cancel_button.setEnabled(running and not (self.task and self.task.is_cancelled()))
        if running:
            self._show_progress()
        finished = done is not None and not running
        status = done.status if done is not None else ""
        completed = finished and status == "completed"
        for card in self.cards:
            card.setVisible(finished and status in ("completed", "cancelled", "failed", "undone"))
        if done is not None:
            self.imported_card.set(fmt_int(done.imported_rows))
            self.updated_card.set(fmt_int(done.updated_rows))
            self.skipped_card.set(fmt_int(done.skipped_rows))
            self.rejected_card.set(fmt_int(done.not_imported_rows - done.skipped_rows))
            self.time_card.set(fmt_duration(done.elapsed_seconds))
        self.report_button.setVisible(finished)
        self.resume_button.setVisible(finished and status in ("cancelled", "failed", "interrupted", "importing"))
        self.undo_button.setVisible(finished and status != "undone")
        self.new_button.setVisible(finished)
        if self._error:
            self.result.show_message(self._error, "error")
        elif self._message:
            self.result.show_message(self._message(), "warning" if self._cancelled else "info")
        elif completed and done is not None:
            self.result.show_message(self.tr(
                "Import completed: {imported} leads created and {updated} updated in {time}.").format(
                imported=fmt_int(done.imported_rows), updated=fmt_int(done.updated_rows),
                time=fmt_duration(done.elapsed_seconds)), "success")
        else:
            self.result.hide()

    def summary_html(self) -> str:
        """The import about to run, in a few lines: rows, duplicates and the policy, assignment."""
        job, state = self.state.job, self.state
        if job is None:
            return ""
        keys = [texts.dedupe_key_label(k) for k in state.dedupe_keys]
        lines = [
            self.tr("<b>{rows}</b> rows of {file} to import; not imported: {invalid} invalid, {dups} duplicates in "
                    "the file (all in the report).").format(
                rows=fmt_int(job.rows_to_import), file=escape(job.file_name), invalid=fmt_int(job.invalid_rows),
                dups=fmt_int(job.duplicate_rows)),
            (self.tr("A row is the same lead as one in the CRM when they share {keys}: {policy}").format(
                keys=self.tr("{some} or {last}").format(some=", ".join(keys[:-1]), last=keys[-1])
                if len(keys) > 1 else keys[0], policy=texts.policy_label(state.policy)) if keys else
             self.tr("No duplicate check against the CRM: every row creates a lead.")),
            self.tr("Assignment: {assignment}").format(assignment=escape(self.assignment_text())),
        ]
        return "<br>".join(f"• {line}" for line in lines)

    def assignment_text(self) -> str:
        assignment = self.state.assignment
        names = {p.email: p.label for p in self.profiles}
        if assignment.mode == "user" and assignment.emails:
            return self.tr("every new lead to {user}").format(
                user=names.get(assignment.emails[0], assignment.emails[0]))
        if assignment.mode == "round_robin" and assignment.emails:
            return self.tr("in turn to {users}").format(
                users=", ".join(names.get(e, e) for e in assignment.emails))
        if assignment.mode == "column" and assignment.column:
            fallback = self.fallback.currentData()
            return self.tr("to the owner named in the column “{column}” (an unknown owner: {then})").format(
                column=assignment.column, then=self.tr("left unassigned") if not fallback else names.get(
                    fallback, fallback))
        return self.tr("none: the new leads stay unassigned")

    def can_next(self) -> bool:
        return False


def undo_question(job: Job) -> str:
    """What an undo of ``job`` will do, with its numbers, before the user says yes."""
    translate = QCoreApplication.translate
    parts = [translate("ImportPage", "Undo the import of {file} from {date}?").format(
        file=job.file_name, date=job.created_at[:16].replace("T", " "))]
    if job.imported_rows:
        parts.append(translate("ImportPage", "The %Ln lead(s) it created will be removed, except those edited "
                                             "since or that other CRM records refer to (they are kept).", "",
                               job.imported_rows))
    if job.updated_rows:
        parts.append(translate("ImportPage", "The %Ln lead(s) it updated get their previous values back.", "",
                               job.updated_rows))
    if not job.imported_rows and not job.updated_rows:
        parts.append(translate("ImportPage", "It created and updated no lead: nothing in the CRM changes."))
    return " ".join(parts)


def resume_question(job: Job) -> str:
    """What resuming ``job`` will do: where it stopped, how many rows are left, into which CRM."""
    translate = QCoreApplication.translate
    done = job.imported_rows + job.updated_rows + job.skipped_rows + job.rejected_rows
    left = max(0, job.rows_to_import - done)
    return translate("ImportPage", "Resume the import of {file} from {date}? It stopped after {done} of {total} rows; "
                                   "the {left} rows left go into {crm}. Nothing is imported twice.").format(
        file=job.file_name, date=job.created_at[:16].replace("T", " "), done=fmt_int(done),
        total=fmt_int(job.rows_to_import), left=fmt_int(left), crm=crm_name(job.crm_target or "") or "?")
