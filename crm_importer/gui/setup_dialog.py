"""Setting a CRM up for crm-importer: the plan first (every change in a sentence and its SQL), then Apply.

What the CLI's ``db migrate --plan`` / ``--sql`` / ``db migrate`` do, for an admin who connects the GUI
to a CRM that has not been set up yet. Nothing is changed until Apply, which asks once more, then applies
the plan the user read in one transaction; if the CRM changed in between, nothing is applied and the new
plan is shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_importer.crm.connection import CrmError
from crm_importer.crm.schema import MigrationPlan
from crm_importer.engine.pipeline import Progress
from crm_importer.gui import tasks, texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.widgets import Banner, heading, hint
from crm_importer.gui.worker import Task


class SetupDialog(QDialog):
    """Reads the plan in a worker when opened; ``applied`` once the CRM is set up (then it closes)."""

    planned = Signal(object)  # the MigrationPlan, or the exception that stops it
    applied = Signal(object)  # the versions recorded

    def __init__(self, ctx: AppContext, session: tasks.CrmSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.plan: MigrationPlan | None = None
        self.task: Task | None = None
        self._owner_choices: list[str] = []
        self._carry: str | None = None  # a sentence kept above the next plan (why it was read again)
        self._failure: BaseException | None = None
        self.setObjectName("SetupDialog")
        self.setMinimumSize(760, 560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(12)
        self.title = heading(parent=self)
        self.subtitle = hint(parent=self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        form = QFormLayout()
        self.region_label = QLabel(self)
        self.region = QComboBox(self)
        for code in texts.REGIONS:
            self.region.addItem(code, code)
        self.region.activated.connect(lambda _i: self.read_plan())
        self.owner_label = QLabel(self)
        self.owner = QComboBox(self)
        self.owner.activated.connect(lambda _i: self.read_plan())
        form.addRow(self.region_label, self.region)
        form.addRow(self.owner_label, self.owner)
        layout.addLayout(form)
        self.plan_view = QPlainTextEdit(self)
        self.plan_view.setReadOnly(True)
        self.plan_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.plan_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.plan_view, 1)
        self.banner = Banner("info", self)
        layout.addWidget(self.banner)
        self.progress = QProgressBar(self)
        self.progress.hide()
        layout.addWidget(self.progress)
        buttons = QHBoxLayout()
        self.reread_button = QPushButton(self)
        self.reread_button.clicked.connect(self.read_plan)
        self.save_button = QPushButton(self)
        self.save_button.clicked.connect(self.save_sql)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.reject)
        self.apply_button = QPushButton(self)
        self.apply_button.setObjectName("Primary")
        self.apply_button.clicked.connect(self.apply)
        buttons.addWidget(self.reread_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        self._show_owner_choice(False)
        self.retranslate()
        ctx.translations.language_changed.connect(lambda _l: self.retranslate())
        self._update_buttons()

    # --- texts -------------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Set up this CRM"))
        self.title.setText(self.tr("Set up {database} for crm-importer").format(database=self.session.database))
        self.subtitle.setText(self.tr(
            "crm-importer keeps its jobs, its import ledger and its rules in the CRM database, next to the app's "
            "own tables, which it adopts rather than duplicates. Below is every change it would make, each with "
            "its SQL: nothing is changed until you click Apply, and the changes are made in one transaction, so "
            "if one fails none is kept."))
        self.region_label.setText(self.tr("Phones without a country code are from:"))
        self.owner_label.setText(self.tr("Column of leads that holds the owner:"))
        self.reread_button.setText(self.tr("Read the plan again"))
        self.save_button.setText(self.tr("Save as SQL…"))
        self.close_button.setText(self.tr("Close"))
        self._show_plan()

    def _show_plan(self) -> None:
        plan = self.plan
        if plan is None:
            self.apply_button.setText(self.tr("Apply"))
            return
        self.plan_view.setPlainText(plan.text(self.ctx.lang))
        count = len(plan.changes)
        self.apply_button.setText(self.tr("Apply %n change(s)", "", count) if not plan.up_to_date else self.tr("Apply"))

    # --- the plan ----------------------------------------------------------------------------------------
    def read_plan(self) -> None:
        """Read what migrate would change, in a worker (nothing is changed)."""
        if self.task is not None:
            return
        session, region, owner = self.session, self.region.currentData(), self._chosen_owner()
        self.plan = None
        self._failure = None
        self.plan_view.setPlainText("")
        self.banner.show_message(self.tr("Reading the CRM's tables, functions and policies…"), "info")
        self.task = self.ctx.pool.start(lambda p, c: tasks.plan_setup(session, region, owner, p, c), name="setup",
                                        on_finished=self._planned, on_failed=self._plan_failed)
        self._update_buttons()

    def _chosen_owner(self) -> str | None:
        return self.owner.currentData() if self._owner_choices else None

    def _planned(self, plan: MigrationPlan) -> None:
        self.task = None
        self.plan = plan
        self._show_plan()
        carried, self._carry = self._carry, None
        if plan.up_to_date:
            self.banner.show_message(self.tr("This CRM is already set up for crm-importer: nothing to change."),
                                     "success")
        else:
            text = self.tr("Nothing has been changed yet. Read the plan, save it as SQL for your database "
                           "administrator if you like, then apply it.")
            self.banner.show_message(f"{carried}\n{text}" if carried else text, "warning" if carried else "info")
        self._update_buttons()
        self.planned.emit(plan)

    def _plan_failed(self, exc: BaseException) -> None:
        self.task = None
        self._failure = exc
        if isinstance(exc, CrmError) and exc.code == "migrate_owner_ambiguous":
            columns = [c.strip() for c in str(exc.params.get("columns", "")).split(",") if c.strip()]
            if columns and columns != self._owner_choices:
                self._owner_choices = columns
                self.owner.clear()
                for column in columns:
                    self.owner.addItem(column, column)
                self._show_owner_choice(True)
            self.banner.show_message(self.tr(
                "Several columns of leads point to the profiles ({columns}). Choose the one that holds the "
                "lead's owner: imported leads are assigned there, where the app looks.").format(
                    columns=", ".join(columns)), "warning")
        else:
            self.banner.show_message(self.ctx.error_text(exc), "error")
        self._update_buttons()
        self.planned.emit(exc)

    def _show_owner_choice(self, visible: bool) -> None:
        self.owner_label.setVisible(visible)
        self.owner.setVisible(visible)

    # --- saving, applying --------------------------------------------------------------------------------
    def save_sql(self) -> None:
        plan = self.plan
        if plan is None or plan.up_to_date:
            return
        suggested = Path(self.ctx.settings.last_dir or Path.home()) / f"crm-importer-setup-{self.session.database}.sql"
        out = self.ctx.choose_save_file(self, self.tr("Save the plan as SQL"), suggested,
                                        self.tr("SQL script (*.sql)"), suffixes=(".sql",))
        if out is None:
            return
        try:
            out.write_text(plan.script(self.ctx.lang), encoding="utf-8")
        except OSError as exc:
            self.banner.show_message(self.tr("The script could not be saved to {path}: {reason}").format(
                path=out, reason=exc.strerror or exc), "error")
            return
        self.banner.show_message(self.tr("Script saved to {path}. Nothing has been changed in the CRM.").format(
            path=out), "success")

    def apply(self) -> None:
        plan = self.plan
        if self.task is not None or plan is None or plan.up_to_date:
            return
        count = len(plan.changes)
        if not self.ctx.ask(self, self.tr("Set up this CRM"), self.tr(
                "Apply the %n change(s) of the plan to the database {database}? They are made in one "
                "transaction: if one fails, none is kept.", "", count).format(database=self.session.database)):
            return
        session, region, owner = self.session, self.region.currentData(), self._chosen_owner()
        self.progress.setRange(0, max(count, 1))
        self.progress.setValue(0)
        self.progress.show()
        self.banner.show_message(self.tr("Setting up the CRM…"), "info")
        self.task = self.ctx.pool.start(lambda p, c: tasks.apply_setup(session, plan, region, owner, p, c),
                                        name="setup", on_progress=self._applying, on_finished=self._applied,
                                        on_failed=self._apply_failed)
        self._update_buttons()

    def _applying(self, progress: Progress) -> None:
        self.progress.setValue(progress.rows)
        self.banner.show_message(self.tr("Setting up the CRM: change {done} of {total}…").format(
            done=min(progress.rows + 1, progress.total_rows or 1), total=progress.total_rows or 1), "info")

    def _applied(self, versions: list[int]) -> None:
        self.task = None
        self.progress.hide()
        self.banner.show_message(self.tr("The CRM is set up for crm-importer."), "success")
        self._update_buttons()
        self.applied.emit(versions)
        self.accept()

    def _apply_failed(self, exc: BaseException) -> None:
        self.task = None
        self.progress.hide()
        text = self.ctx.error_text(exc)
        if isinstance(exc, CrmError) and exc.code == "plan_changed":
            self._carry = text
            self.read_plan()
            return
        self.banner.show_message(text, "error")
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.task is not None
        ready = self.plan is not None and not self.plan.up_to_date
        self.apply_button.setEnabled(ready and not busy)
        self.save_button.setEnabled(ready and not busy)
        self.reread_button.setEnabled(not busy)
        self.region.setEnabled(not busy)
        self.owner.setEnabled(not busy)
        self.close_button.setEnabled(not busy or self.plan is None)

    def reject(self) -> None:
        """Closing while the plan is applied would leave the user without its outcome: wait for it."""
        if self.task is not None and self.plan is not None:
            return
        super().reject()
