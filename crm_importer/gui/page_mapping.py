"""Wizard page 2: the first rows of the file and, for each column, the CRM field it feeds."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QWidget,
)

from crm_importer import paths
from crm_importer.engine.errors import ImporterError
from crm_importer.engine.fields import FIELD_NAMES
from crm_importer.engine.mapping import ColumnMapping, load_mapping_file, save_mapping_file
from crm_importer.engine.readers.base import cell_col
from crm_importer.gui import texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.models import PreviewModel
from crm_importer.gui.widgets import Banner, WizardPage, page_layout
from crm_importer.gui.wizard_state import WizardState


def profiles_dir() -> Path:
    return paths.mapping_profiles_dir()


def profile_file_name(name: str) -> str:
    """A safe file name for a profile name typed by the user (accents kept, separators dropped)."""
    cleaned = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", name).strip(" .")
    return (cleaned or "mapping") + ".json"


class MappingPage(WizardPage):
    mapping_changed = Signal()

    def __init__(self, ctx: AppContext, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self.combos: list[QComboBox] = []
        self._header_labels: list[QLabel] = []
        self._built_for: list[str] | None = None
        self._build()
        self.retranslate()

    def _build(self) -> None:
        root, self.title, self.subtitle = page_layout(self, spacing=12)

        bar = QHBoxLayout()
        self.profile_label = QLabel(self)
        self.profiles = QComboBox(self)
        self.profiles.setMinimumWidth(240)
        self.apply_profile = QPushButton(self)
        self.apply_profile.clicked.connect(lambda: self.load_profile(self.profiles.currentData()))
        self.save_profile_button = QPushButton(self)
        self.save_profile_button.clicked.connect(self._ask_save_profile)
        self.auto_button = QPushButton(self)
        self.auto_button.clicked.connect(self.auto_map)
        bar.addWidget(self.profile_label)
        bar.addWidget(self.profiles)
        bar.addWidget(self.apply_profile)
        bar.addWidget(self.save_profile_button)
        bar.addStretch(1)
        bar.addWidget(self.auto_button)
        root.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.mapping_scroll = QScrollArea(splitter)
        self.mapping_scroll.setWidgetResizable(True)
        self.mapping_scroll.setObjectName("MappingScroll")
        self.grid_host = QFrame()
        self.grid_host.setObjectName("Card")
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(16, 10, 16, 10)
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(6)
        self.mapping_scroll.setWidget(self.grid_host)
        self.table = QTableView(splitter)
        self.model = PreviewModel(self.table)
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(150)
        self.table.horizontalHeader().setMinimumHeight(44)
        self.table.verticalHeader().setDefaultSectionSize(26)
        splitter.addWidget(self.mapping_scroll)
        splitter.addWidget(self.table)
        splitter.setSizes([300, 260])
        root.addWidget(splitter, 1)
        self.no_contact = Banner("error", self)
        root.addWidget(self.no_contact)

        self.col_head = QLabel(self.grid_host)
        self.sample_head = QLabel(self.grid_host)
        self.field_head = QLabel(self.grid_host)
        for i, label in enumerate((self.col_head, self.sample_head, self.field_head)):
            label.setObjectName("ColumnHead")
            self.grid.addWidget(label, 0, i)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Check the columns"))
        self.subtitle.setText(self.tr(
            "Each column of the file feeds one CRM field, guessed from its header. Columns left "
            "“Not imported” stay in the error report. Below, the first 100 rows as read from the file."))
        self.profile_label.setText(self.tr("Mapping profile:"))
        self.apply_profile.setText(self.tr("Apply"))
        self.save_profile_button.setText(self.tr("Save as profile…"))
        self.auto_button.setText(self.tr("Guess again from headers"))
        self.col_head.setText(self.tr("Column in the file"))
        self.sample_head.setText(self.tr("Example"))
        self.field_head.setText(self.tr("CRM field"))
        for combo in self.combos:
            for i in range(combo.count()):
                combo.setItemText(i, texts.field_label(combo.itemData(i)))
        self._fill_profiles()
        self.model.retranslate()
        self._refresh()

    # --- entering the page ----------------------------------------------------------------------------
    def enter(self) -> None:
        inspection = self.state.inspection
        if inspection is None:
            return
        headers = inspection.info.headers
        if self._built_for != headers or self.model.rowCount() == 0:
            self._build_rows(headers)
            self.model.set_frame(inspection.preview, headers)
        self._sync_combos()
        self._fill_profiles()

    def _build_rows(self, headers: list[str]) -> None:
        for i in reversed(range(self.grid.count())):
            item = self.grid.itemAt(i)
            w = item.widget() if item is not None else None
            if w is not None and w not in (self.col_head, self.sample_head, self.field_head):
                self.grid.removeWidget(w)
                w.deleteLater()
        self.combos, self._header_labels = [], []
        preview = self.state.inspection.preview if self.state.inspection else None
        for col, header in enumerate(headers):
            name = QLabel(header or self.tr("(column {number}, no header)").format(number=col + 1), self.grid_host)
            name.setObjectName("ColumnName")
            sample = ""
            if preview is not None and preview.height:
                values = [v for v in preview[cell_col(col)].to_list()[:20] if v and v.strip()]
                sample = values[0] if values else ""
            sample_label = QLabel(sample[:60], self.grid_host)
            sample_label.setObjectName("Hint")
            combo = QComboBox(self.grid_host)
            combo.setMinimumWidth(230)
            combo.addItem(texts.field_label(None), None)
            for field in FIELD_NAMES:
                combo.addItem(texts.field_label(field), field)
            combo.activated.connect(lambda _i, c=col, cb=combo: self.set_field(c, cb.currentData()))
            self.grid.addWidget(name, col + 1, 0)
            self.grid.addWidget(sample_label, col + 1, 1)
            self.grid.addWidget(combo, col + 1, 2)
            self.combos.append(combo)
            self._header_labels.extend([name, sample_label])
        self.grid.setColumnStretch(1, 1)
        self.grid.setRowStretch(len(headers) + 1, 1)
        self._built_for = list(headers)

    # --- mapping ----------------------------------------------------------------------------------------
    def set_field(self, column: int, field: str | None) -> None:
        """Map ``column`` to ``field``; a column that had that field loses it (one column per field)."""
        if self.state.mapping is None:
            return
        self.state.mapping = self.state.mapping.with_field(column, field)
        self.state.forget_results()
        self._sync_combos()
        self.mapping_changed.emit()
        self.changed.emit()

    def auto_map(self) -> None:
        if self.state.inspection is None:
            return
        self.state.mapping = ColumnMapping.auto(self.state.inspection.info.headers)
        self.state.forget_results()
        self._sync_combos()
        self.changed.emit()

    def _sync_combos(self) -> None:
        mapping = self.state.mapping
        if mapping is None:
            return
        for combo, field in zip(self.combos, mapping.fields, strict=False):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(field)))
            combo.setProperty("mapped", field is not None)
            combo.blockSignals(False)
        self.model.set_fields(mapping.fields)
        self._refresh()

    def _refresh(self) -> None:
        mapping = self.state.mapping
        if mapping is not None and not mapping.has_contact():
            self.no_contact.show_message(self.tr(
                "No column is mapped to Email or Phone: map at least one of them, every lead needs a contact."))
        else:
            self.no_contact.hide()

    def can_next(self) -> bool:
        return self.state.mapping is not None and self.state.mapping.has_contact()

    # --- profiles ----------------------------------------------------------------------------------------
    def _fill_profiles(self) -> None:
        current = self.profiles.currentData()
        self.profiles.blockSignals(True)
        self.profiles.clear()
        files = sorted(profiles_dir().glob("*.json"), key=lambda p: p.stem.lower())
        if not files:
            self.profiles.addItem(self.tr("No saved profile"), None)
        for path in files:
            self.profiles.addItem(path.stem, path.stem)
        if current is not None:
            self.profiles.setCurrentIndex(max(0, self.profiles.findData(current)))
        self.profiles.blockSignals(False)
        self.apply_profile.setEnabled(bool(files))

    def _ask_save_profile(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save the mapping"), self.tr("Profile name:"))
        if ok and name.strip():
            self.save_profile(name.strip())

    def save_profile(self, name: str) -> None:
        """Save the current mapping as ``<config>/mappings/<name>.json`` (the CLI's ``--mapping`` format)."""
        if self.state.mapping is None:
            return
        path = profiles_dir() / profile_file_name(name)
        try:
            save_mapping_file(path, self.state.mapping)
        except OSError as exc:
            self.ctx.tell(self, self.tr("Mapping profile"), self.tr("The profile {path} cannot be saved: {reason}.")
                          .format(path=path, reason=exc.strerror or exc), error=True)
            return
        self._fill_profiles()
        self.profiles.setCurrentIndex(max(0, self.profiles.findData(path.stem)))

    def load_profile(self, name: str | None) -> None:
        if not name or self.state.inspection is None:
            return
        path = profiles_dir() / profile_file_name(name)
        try:
            obj = load_mapping_file(path)
            self.state.mapping = ColumnMapping.from_json(obj, self.state.inspection.info.headers, str(path))
        except ImporterError as exc:
            self.ctx.tell(self, self.tr("Mapping profile"), self.ctx.error_text(exc), error=True)
            return
        self.state.forget_results()
        self._sync_combos()
        self.changed.emit()
