"""The import wizard: five pages in a stack, a step bar, Back/Next. Back works until the commit starts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from crm_importer.gui.context import AppContext
from crm_importer.gui.page_file import FilePage
from crm_importer.gui.page_import import ImportPage
from crm_importer.gui.page_mapping import MappingPage
from crm_importer.gui.page_options import OptionsPage
from crm_importer.gui.page_validation import ValidationPage
from crm_importer.gui.resources import icon
from crm_importer.gui.widgets import StepBar, WizardPage
from crm_importer.gui.wizard_state import WizardState

FILE, MAPPING, OPTIONS, VALIDATION, IMPORT = range(5)


class ImportWizard(QWidget):
    current_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = WizardState()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 18)
        layout.setSpacing(16)
        self.steps = StepBar(5, self)
        layout.addWidget(self.steps)
        self.stack = QStackedWidget(self)
        self.file_page = FilePage(ctx, self.state, self.stack)
        self.mapping_page = MappingPage(ctx, self.state, self.stack)
        self.options_page = OptionsPage(ctx, self.state, self.stack)
        self.validation_page = ValidationPage(ctx, self.state, self.stack)
        self.import_page = ImportPage(ctx, self.state, self.stack)
        self.pages: list[WizardPage] = [self.file_page, self.mapping_page, self.options_page, self.validation_page, self.import_page]
        for page in self.pages:
            self.stack.addWidget(page)
            page.changed.connect(self._refresh)
        self.options_page.profiles_loaded.connect(self.import_page.set_profiles)
        self.import_page.new_import_requested.connect(self.reset)
        self.import_page.import_started.connect(self._refresh)
        layout.addWidget(self.stack, 1)

        footer = QFrame(self)
        footer.setObjectName("Footer")
        nav = QHBoxLayout(footer)
        nav.setContentsMargins(0, 10, 0, 0)
        self.back_button = QPushButton(footer)
        self.back_button.setIcon(icon("back"))
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(footer)
        self.next_button.setObjectName("Primary")
        self.next_button.clicked.connect(self.go_next)
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        layout.addWidget(footer)
        self.retranslate()
        self.go_to(FILE)

    def retranslate(self) -> None:
        self.steps.set_titles([self.tr("File"), self.tr("Preview & mapping"), self.tr("Options"),
                               self.tr("Validation"), self.tr("Import")])
        self.back_button.setText(self.tr("Back"))
        for page in self.pages:
            page.retranslate()
        self._refresh()

    @property
    def current(self) -> int:
        return self.stack.currentIndex()

    def go_to(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        page = self.pages[index]
        page.enter()
        self.steps.set_current(index)
        self._refresh()
        self.current_changed.emit(index)

    def go_next(self) -> None:
        if self.current < IMPORT and self.pages[self.current].can_next():
            self.go_to(self.current + 1)

    def go_back(self) -> None:
        if self.can_back():
            self.go_to(self.current - 1)

    def can_back(self) -> bool:
        return self.current > FILE and not self.state.committing and self.validation_page.task is None

    def reset(self) -> None:
        """Start a new import: the wizard forgets the file (the job stays in History)."""
        if self.import_page.task is not None:
            return
        self.state.inspection = None
        self.state.file_hash = None
        self.state.mapping = None
        self.state.forget_results()
        self.file_page._path = None
        self.file_page._error = None
        self.file_page.card.hide()
        self.options_page.reset()
        self.validation_page.reset()
        self.import_page.reset()
        self.go_to(FILE)
        self.file_page.retranslate()

    def _refresh(self) -> None:
        index = self.current
        self.back_button.setEnabled(self.can_back())
        self.back_button.setVisible(index > FILE and not self.state.committing)
        self.next_button.setVisible(index < IMPORT)
        self.next_button.setEnabled(self.pages[index].can_next())
        labels = {VALIDATION: self.tr("Continue to the import"), OPTIONS: self.tr("Continue to validation")}
        self.next_button.setText(labels.get(index, self.tr("Next")))
