"""Wizard page 2: the first rows of the file and, for each column, the CRM field it feeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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
    QVBoxLayout,
    QWidget,
)

from crm_importer import paths
from crm_importer.engine.errors import ImporterError
from crm_importer.engine.fields import FIELD_NAMES
from crm_importer.engine.mapping import ColumnMapping, load_mapping_file, save_mapping_file
from crm_importer.engine.readers.base import cell_col
from crm_importer.engine.typed import (
    DATE,
    DECIMAL_POINT_REGIONS,
    TIMESTAMP,
    CrmColumn,
    decide_date_order,
    fold_value,
)
from crm_importer.gui import texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.models import PreviewModel
from crm_importer.gui.widgets import Banner, FormComboBox, WizardPage, page_layout
from crm_importer.gui.wizard_state import WizardState

#: Widths (pixels) of a preview column: its heading decides within these bounds.
PREVIEW_COLUMN_MIN, PREVIEW_COLUMN_MAX = 150, 340


def profiles_dir() -> Path:
    return paths.mapping_profiles_dir()


def profile_file_name(name: str) -> str:
    """A safe file name for a profile name typed by the user (accents kept, separators dropped)."""
    cleaned = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", name).strip(" .")
    return (cleaned or "mapping") + ".json"


class ValuesDialog(QDialog):
    """File values on the left, the CRM's value each stands for on the right (or none: left as is)."""

    def __init__(self, allowed: tuple[str, ...], seen: list[str], given: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Values of the CRM's list"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Give each value of the file the value of the CRM's list it stands for. Values "
                               "already in the list (whatever their case or accents) need nothing."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for value in seen[:50]:
            combo = FormComboBox(self)
            combo.addItem(self.tr("— left as is (an error) —"), None)
            for option in allowed:
                combo.addItem(option, option)
            combo.setCurrentIndex(max(0, combo.findData(given.get(value))))
            form.addRow(value, combo)
            self.combos[value] = combo
        if not seen:
            form.addRow(QLabel(self.tr("Every value of the first rows is in the list."), self))
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, str]:
        return {value: combo.currentData() for value, combo in self.combos.items() if combo.currentData()}


class MappingPage(WizardPage):
    mapping_changed = Signal()
    #: Tests set this to fill the values dialog instead of running it.
    value_dialog_hook: Callable[[ValuesDialog], None] | None = None

    def __init__(self, ctx: AppContext, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self.combos: list[QComboBox] = []
        #: Per column: how a date of the CRM's own reads (shown for those only), and what the column allows.
        self.order_combos: list[QComboBox] = []
        #: Per column: for a picklist of the CRM's own, the file values the user gave a value of the list.
        self.value_buttons: list[QPushButton] = []
        self.rule_labels: list[QLabel] = []
        self._header_labels: list[QLabel] = []
        self._built_for: tuple[list[str], tuple[str, ...]] | None = None
        self._columns: dict[str, CrmColumn] = {}
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
        self.rule_head = QLabel(self.grid_host)
        self._heads = (self.col_head, self.sample_head, self.field_head, self.rule_head)
        for i, label in enumerate(self._heads):
            label.setObjectName("ColumnHead")
            self.grid.addWidget(label, 0, i)
        self.schema_note = QLabel(self)
        self.schema_note.setObjectName("Hint")
        self.schema_note.setWordWrap(True)
        root.insertWidget(root.indexOf(splitter), self.schema_note)
        self.required = Banner("error", self)
        root.addWidget(self.required)

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
        self.rule_head.setText(self.tr("How it reads"))
        for combo in self.combos:
            for i in range(combo.count()):
                data = combo.itemData(i)
                column = self._columns.get(data) if isinstance(data, str) else None
                combo.setItemText(i, texts.crm_column_label(column) if column is not None and data not in FIELD_NAMES
                                  else texts.field_label(data))
        for combo in self.order_combos:
            combo.setItemText(0, self.tr("Day first (DD/MM/YYYY)"))
            combo.setItemText(1, self.tr("Month first (MM/DD/YYYY)"))
        self._fill_profiles()
        self.model.retranslate()
        self._fit_header()
        self._refresh()

    # --- entering the page ----------------------------------------------------------------------------
    def enter(self) -> None:
        inspection = self.state.inspection
        if inspection is None:
            return
        headers = inspection.info.headers
        columns = self.ctx.crm_columns()
        if columns != self.state.crm_columns and self.state.mapping is not None:
            # Connected (or to another CRM) since the file was opened: its own columns are offered now,
            # those of before that it lacks are unmapped, and its columns are guessed for free ones.
            self.state.crm_columns = columns
            self.state.mapping = self.state.mapping.with_columns(columns)
            self.state.forget_results()
        self._columns = self.state.crm_columns
        if self._built_for != (headers, tuple(self._columns)) or self.model.rowCount() == 0:
            self._build_rows(headers)
            self.model.set_frame(inspection.preview, headers)
        self._sync_combos()
        self._fill_profiles()

    def _build_rows(self, headers: list[str]) -> None:
        for i in reversed(range(self.grid.count())):
            item = self.grid.itemAt(i)
            w = item.widget() if item is not None else None
            if w is not None and w not in self._heads:
                self.grid.removeWidget(w)
                w.deleteLater()
        self.combos, self._header_labels, self.order_combos, self.rule_labels = [], [], [], []
        self.value_buttons.clear()
        own = [c for n, c in self._columns.items() if n not in FIELD_NAMES and c.writable]
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
            combo = FormComboBox(self.grid_host)
            combo.setMinimumWidth(230)
            combo.addItem(texts.field_label(None), None)
            for field in FIELD_NAMES:
                combo.addItem(texts.field_label(field), field)
            if own:
                combo.insertSeparator(combo.count())
            for column in own:  # the CRM's own columns, in the table's order
                combo.addItem(texts.crm_column_label(column), column.name)
                combo.setItemData(combo.count() - 1, texts.crm_column_tip(column), Qt.ItemDataRole.ToolTipRole)
            combo.activated.connect(lambda _i, c=col, cb=combo: self.set_field(c, cb.currentData()))
            order = FormComboBox(self.grid_host)
            order.addItem("", "dmy")
            order.addItem("", "mdy")
            order.activated.connect(lambda _i, c=col, cb=order: self.set_date_order(c, cb.currentData()))
            rule = QLabel(self.grid_host)
            rule.setObjectName("Hint")
            values_button = QPushButton(self.grid_host)
            values_button.clicked.connect(lambda _checked=False, c=col: self.edit_values(c))
            cell = QWidget(self.grid_host)
            line = QHBoxLayout(cell)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(order)
            line.addWidget(values_button)
            line.addWidget(rule, 1)
            self.grid.addWidget(name, col + 1, 0)
            self.grid.addWidget(sample_label, col + 1, 1)
            self.grid.addWidget(combo, col + 1, 2)
            self.grid.addWidget(cell, col + 1, 3)
            self.combos.append(combo)
            self.order_combos.append(order)
            self.value_buttons.append(values_button)
            self.rule_labels.append(rule)
            self._header_labels.extend([name, sample_label])
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(3, 1)
        self.grid.setRowStretch(len(headers) + 1, 1)
        self._built_for = (list(headers), tuple(self._columns))
        self.retranslate()

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

    def set_date_order(self, column: int, order: str) -> None:
        """Read the dates of ``column`` day first (``dmy``) or month first (``mdy``), as the user says."""
        mapping = self.state.mapping
        field = mapping.fields[column] if mapping is not None else None
        if mapping is None or field is None:
            return
        self.state.mapping = mapping.with_rule(field, date_order=order)
        self.state.forget_results()
        self._sync_combos()
        self.changed.emit()

    def unmatched_values(self, column: int) -> list[str]:
        """The values of ``column`` in the preview that match no allowed value of its CRM column (folded),
        most frequent first: what the user may want to give a value of the list."""
        mapping, inspection = self.state.mapping, self.state.inspection
        field = mapping.fields[column] if mapping is not None else None
        crm = self._columns.get(field) if field is not None else None
        if crm is None or inspection is None or not crm.allowed:
            return []
        allowed = {fold_value(v) for v in crm.allowed}
        cells = inspection.preview[cell_col(column)].drop_nulls().str.strip_chars()
        if crm.kind == "array":
            separator = mapping.rules.get(crm.name, {}).get("separator") if mapping is not None else None
            cells = cells.str.split(separator or ";").explode().str.strip_chars()
        counts = cells.filter(cells != "").value_counts(sort=True)
        return [v for v in counts[counts.columns[0]].to_list() if fold_value(v) not in allowed]

    def edit_values(self, column: int) -> None:
        """Give file values of a picklist column a value of the CRM's list (``Chaud`` → ``hot``), once:
        the rule goes with the mapping and its saved profile."""
        mapping = self.state.mapping
        field = mapping.fields[column] if mapping is not None else None
        crm = self._columns.get(field) if field is not None else None
        if mapping is None or field is None or crm is None:
            return
        given = dict(mapping.rules.get(field, {}).get("values") or {})
        seen = self.unmatched_values(column)
        dialog = ValuesDialog(crm.allowed, [*given, *(v for v in seen if v not in given)], given, self)
        if self.value_dialog_hook is not None:
            self.value_dialog_hook(dialog)
        elif dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.state.mapping = mapping.with_rule(field, values=dialog.values() or None)
        self.state.forget_results()
        self._sync_combos()
        self.changed.emit()

    def auto_map(self) -> None:
        if self.state.inspection is None:
            return
        self.state.mapping = ColumnMapping.auto(self.state.inspection.info.headers, self.state.crm_columns)
        self.state.forget_results()
        self._sync_combos()
        self.changed.emit()

    def _sync_combos(self) -> None:
        mapping = self.state.mapping
        if mapping is None:
            return
        for index, (combo, field) in enumerate(zip(self.combos, mapping.fields, strict=False)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(field)))
            combo.setProperty("mapped", field is not None)
            combo.blockSignals(False)
            self._show_rule(index, field)
        self.model.set_fields(mapping.fields)
        self._fit_header()
        self._refresh()

    def _fit_header(self) -> None:
        """Each preview column wide enough for its heading ("Commercial → Owner (for assignment)"), within
        bounds: a centred heading wider than its column is cut at both ends."""
        header = self.table.horizontalHeader()
        for i in range(self.model.columnCount()):
            wanted = header.sectionSizeFromContents(i).width() + 8
            header.resizeSection(i, min(max(PREVIEW_COLUMN_MIN, wanted), PREVIEW_COLUMN_MAX))

    def _show_rule(self, index: int, field: str | None) -> None:
        """The 'How it reads' cell of one column: for a date of the CRM's own, day or month first (decided
        from the first rows, else by the region: then said, for the user to check); for a list, its values."""
        order, rule, values = self.order_combos[index], self.rule_labels[index], self.value_buttons[index]
        column = self._columns.get(field) if field is not None and field not in FIELD_NAMES else None
        order.setVisible(False)
        values.setVisible(bool(column is not None and column.allowed))
        rule.setText("")
        if column is None or self.state.mapping is None:
            return
        kind = column.kind
        if kind in (DATE, TIMESTAMP):
            stated = self.state.mapping.rules.get(column.name, {}).get("date_order")
            preview = self.state.inspection.preview if self.state.inspection else None
            decided, why = (stated, "user") if stated else decide_date_order(
                preview[cell_col(index)] if preview is not None else pl.Series([], dtype=pl.String), self.state.region)
            order.blockSignals(True)
            order.setCurrentIndex(max(0, order.findData(decided)))
            order.blockSignals(False)
            order.setVisible(True)
            rule.setText({
                "values": self.tr("read from the dates of the file"),
                "conflict": self.tr("the file mixes both orders: the others will be errors"),
                "region": self.tr("every date reads both ways: the region's usage, check it"),
                "user": self.tr("as you chose"),
            }.get(why, ""))
        elif column.allowed:
            given = self.state.mapping.rules.get(column.name, {}).get("values") or {}
            values.setText(self.tr("Values…") if not given else self.tr("Values ({count})…").format(
                count=len(given)))
            rule.setText(self.tr("Allowed: {values}").format(values=", ".join(column.allowed[:12])
                                                             + (", …" if len(column.allowed) > 12 else "")))
        elif kind in ("integer", "number"):
            rule.setText(self.tr("numbers as 1 234,5 (decimal comma)") if self.state.region.upper()
                         not in DECIMAL_POINT_REGIONS else self.tr("numbers as 1,234.5 (decimal point)"))
        elif kind == "boolean":
            rule.setText(self.tr("oui/non, yes/no, vrai/faux, 1/0, x"))
        elif kind == "array":
            separator = self.state.mapping.rules.get(column.name, {}).get("separator") or ";"
            rule.setText(self.tr("several values, split on “{separator}”").format(separator=separator))
        rule.setToolTip(texts.crm_column_tip(column))

    def missing_required(self) -> list[str]:
        """The CRM's required columns (NOT NULL without a default) no column of the file is mapped to."""
        mapped = set(self.state.mapping.fields) if self.state.mapping is not None else set()
        return [n for n, c in self.state.crm_columns.items() if c.required and c.writable and n not in mapped]

    def _refresh(self) -> None:
        mapping = self.state.mapping
        if mapping is not None and not mapping.has_contact():
            self.no_contact.show_message(self.tr(
                "No column is mapped to Email or Phone: map at least one of them, every lead needs a contact."))
        else:
            self.no_contact.hide()
        missing = self.missing_required()
        if missing:
            self.required.show_message(self.tr(
                "The CRM requires a value in {columns} (marked *): map a column of the file to each.").format(
                    columns=", ".join(missing)))
        else:
            self.required.hide()
        if self.state.crm_columns:
            self.schema_note.setText(self.tr(
                "The CRM's own columns are offered after the standard fields, with their type; * marks a column "
                "the CRM requires. Columns not mapped keep the CRM's defaults."))
        else:
            self.schema_note.setText(self.tr(
                "Standard lead fields only: connect to the CRM to map its own columns too."))

    def can_next(self) -> bool:
        return (self.state.mapping is not None and self.state.mapping.has_contact()
                and not self.missing_required())

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
            self.state.mapping = ColumnMapping.from_json(obj, self.state.inspection.info.headers, str(path),
                                                         self.state.crm_columns)
        except ImporterError as exc:
            self.ctx.tell(self, self.tr("Mapping profile"), self.ctx.error_text(exc), error=True)
            return
        self.state.forget_results()
        self._sync_combos()
        self.changed.emit()
