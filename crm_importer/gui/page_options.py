"""Wizard page 3: duplicate keys, what to do with leads already in the CRM, assignment, phone region."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from crm_importer.crm.options import Assignment
from crm_importer.engine.fields import DEDUPE_KEYS
from crm_importer.gui import tasks, texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.widgets import FormComboBox, WizardPage, hint, page_layout
from crm_importer.gui.wizard_state import WizardState

POLICIES = ("skip", "update", "create")
ASSIGN_MODES = ("none", "user", "round_robin", "column")


class OptionsPage(WizardPage):
    profiles_loaded = Signal(list)

    def __init__(self, ctx: AppContext, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self.profiles: list[tasks.Profile] = []
        # The owner column the mapping named when this page was last shown (a new one selects it).
        self._owner_seen: str | None = None
        self._build()
        self.retranslate()
        ctx.session_changed.connect(lambda _s: self.load_profiles())

    def _build(self) -> None:
        root, self.title, self.subtitle = page_layout(self, spacing=12)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        root.addLayout(grid, 1)

        # duplicates
        self.dup_box = QGroupBox(self)
        dup = QVBoxLayout(self.dup_box)
        self.dup_hint = hint(parent=self.dup_box)
        dup.addWidget(self.dup_hint)
        self.dedupe: dict[str, QCheckBox] = {}
        for key in DEDUPE_KEYS:
            box = QCheckBox(self.dup_box)
            box.setChecked(True)
            box.toggled.connect(self._options_changed)
            dup.addWidget(box)
            self.dedupe[key] = box
        dup.addStretch(1)
        grid.addWidget(self.dup_box, 0, 0)

        # existing leads
        self.policy_box = QGroupBox(self)
        pol = QVBoxLayout(self.policy_box)
        self.policy_group = QButtonGroup(self)
        self.policy_radios: dict[str, QRadioButton] = {}
        self.policy_hints: dict[str, QLabel] = {}
        for i, policy in enumerate(POLICIES):
            radio = QRadioButton(self.policy_box)
            self.policy_group.addButton(radio, i)
            self.policy_radios[policy] = radio
            note = hint(parent=self.policy_box)
            note.setContentsMargins(24, 0, 0, 4)
            self.policy_hints[policy] = note
            pol.addWidget(radio)
            pol.addWidget(note)
        self.policy_radios["skip"].setChecked(True)
        self.policy_group.idToggled.connect(lambda _i, on: self._options_changed() if on else None)
        pol.addStretch(1)
        grid.addWidget(self.policy_box, 0, 1)

        # assignment
        self.assign_box = QGroupBox(self)
        asg = QVBoxLayout(self.assign_box)
        self.assign_group = QButtonGroup(self)
        self.assign_radios: dict[str, QRadioButton] = {}
        for i, mode in enumerate(ASSIGN_MODES):
            radio = QRadioButton(self.assign_box)
            self.assign_group.addButton(radio, i)
            self.assign_radios[mode] = radio
        self.assign_radios["none"].setChecked(True)
        self.user_combo = FormComboBox(self.assign_box)
        self.user_list = QListWidget(self.assign_box)
        self.user_list.setMaximumHeight(96)
        self.column_combo = FormComboBox(self.assign_box)
        self.not_connected = hint(parent=self.assign_box)
        # Each choice's list goes under its radio button, indented: beside it, a long French label left the
        # list a few characters ("Commerc").
        def indented(widget: QWidget) -> None:
            row = QHBoxLayout()
            row.setContentsMargins(24, 0, 0, 0)
            row.addWidget(widget, 1)
            asg.addLayout(row)

        asg.addWidget(self.assign_radios["none"])
        asg.addWidget(self.assign_radios["user"])
        indented(self.user_combo)
        asg.addWidget(self.assign_radios["round_robin"])
        indented(self.user_list)
        asg.addWidget(self.assign_radios["column"])
        indented(self.column_combo)
        asg.addWidget(self.not_connected)
        self.owner_note = hint(parent=self.assign_box)
        asg.addWidget(self.owner_note)
        self.assign_group.idToggled.connect(lambda _i, on: self._options_changed() if on else None)
        self.user_combo.activated.connect(lambda _i: self._select_mode("user"))
        self.column_combo.activated.connect(lambda _i: self._select_mode("column"))
        self.user_list.itemChanged.connect(lambda _item: self._select_mode("round_robin"))
        grid.addWidget(self.assign_box, 1, 0)

        # phones
        self.region_box = QGroupBox(self)
        reg = QVBoxLayout(self.region_box)
        self.region_hint = hint(parent=self.region_box)
        self.region_combo = FormComboBox(self.region_box)
        for code in texts.REGIONS:
            self.region_combo.addItem(code, code)
        self.region_combo.activated.connect(lambda _i: self._options_changed())
        reg.addWidget(self.region_hint)
        reg.addWidget(self.region_combo)
        reg.addStretch(1)
        grid.addWidget(self.region_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Choose how to import"))
        self.subtitle.setText(self.tr("These choices apply to this import only; the defaults suit most files."))
        self.dup_box.setTitle(self.tr("Duplicates"))
        self.dup_hint.setText(self.tr(
            "Two rows are the same lead when they share one of these. Rows repeating an earlier row of the file "
            "are set aside; rows matching a lead already in the CRM follow the choice on the right."))
        self.dedupe["email"].setText(self.tr("Same email address"))
        self.dedupe["phone"].setText(self.tr("Same phone number"))
        self.dedupe["external_id"].setText(self.tr("Same external ID"))
        self.policy_box.setTitle(self.tr("When the lead already exists in the CRM"))
        self.policy_radios["skip"].setText(self.tr("Skip it (recommended)"))
        self.policy_hints["skip"].setText(self.tr("The existing lead is left untouched; the row goes to the report."))
        self.policy_radios["update"].setText(self.tr("Update the existing lead"))
        self.policy_hints["update"].setText(self.tr(
            "Filled cells of the file replace the lead's values; undoing the import restores them."))
        self.policy_radios["create"].setText(self.tr("Create a new lead anyway"))
        self.policy_hints["create"].setText(self.tr("The CRM will then hold both leads."))
        self.assign_box.setTitle(self.tr("Assign the new leads"))
        self.assign_radios["none"].setText(self.tr("Leave them unassigned"))
        self.assign_radios["user"].setText(self.tr("All to one user:"))
        self.assign_radios["round_robin"].setText(self.tr("In turn to the users ticked below (round-robin)"))
        self.assign_radios["column"].setText(self.tr("From a column holding the owner's email or name:"))
        self.not_connected.setText(self.tr("Connect to a CRM to list its users."))
        self.region_box.setTitle(self.tr("Phone numbers"))
        self.region_hint.setText(self.tr(
            "Country of the numbers written without an international prefix (like 06 12 34 56 78):"))
        if self.column_combo.count() and self.column_combo.itemData(0) is None:
            self.column_combo.setItemText(0, self.tr("— choose the column —"))
        for i in range(self.region_combo.count()):
            self.region_combo.setItemText(i, texts.region_label(self.region_combo.itemData(i)))
        self._refresh()

    # --- data ---------------------------------------------------------------------------------------------
    def enter(self) -> None:
        inspection = self.state.inspection
        if inspection is not None:
            current = self.column_combo.currentData()
            self.column_combo.blockSignals(True)
            self.column_combo.clear()
            self.column_combo.addItem(self.tr("— choose the column —"), None)
            for i, header in enumerate(inspection.info.headers):
                self.column_combo.addItem(header or f"#{i + 1}", header)
            owner = self.owner_header()
            if owner is not None and owner != self._owner_seen:
                # The mapping names an owner column (new since this page was last shown): it drives the
                # assignment, as the user asked by mapping it; they may still choose otherwise here.
                self.column_combo.setCurrentIndex(max(0, self.column_combo.findData(owner)))
                self.assign_radios["column"].setChecked(True)
            elif current is not None:
                self.column_combo.setCurrentIndex(max(0, self.column_combo.findData(current)))
            self._owner_seen = owner
            self.column_combo.blockSignals(False)
            self._options_changed()
        if self.ctx.session is not None and not self.profiles:
            self.load_profiles()
        self._refresh()

    def owner_header(self) -> str | None:
        """The header of the column the mapping page maps to "Owner (for assignment)", if any."""
        mapping, inspection = self.state.mapping, self.state.inspection
        index = mapping.field_columns().get("owner") if mapping is not None else None
        if index is None or inspection is None or index >= len(inspection.info.headers):
            return None
        return inspection.info.headers[index]

    def reset(self) -> None:
        """A new import: the defaults again (the choices of the previous import are not carried over)."""
        for box in self.dedupe.values():
            box.blockSignals(True)
            box.setChecked(True)
            box.blockSignals(False)
        self.policy_group.blockSignals(True)
        self.policy_radios["skip"].setChecked(True)
        self.policy_group.blockSignals(False)
        self.assign_group.blockSignals(True)
        self.assign_radios["none"].setChecked(True)
        self.assign_group.blockSignals(False)
        self.column_combo.clear()
        self._owner_seen = None
        self._options_changed()

    def load_profiles(self) -> None:
        session = self.ctx.session
        if session is None:
            self.profiles = []
            self._fill_users()
            return
        self.ctx.pool.start(lambda p, c: tasks.list_profiles(session, p, c), name="profiles",
                            on_finished=self._profiles_loaded, on_failed=lambda _e: self._profiles_loaded([]))

    def _profiles_loaded(self, profiles: list[tasks.Profile]) -> None:
        self.profiles = list(profiles)
        self._fill_users()
        self.profiles_loaded.emit(self.profiles)

    def _fill_users(self) -> None:
        self.user_combo.clear()
        self.user_list.blockSignals(True)
        self.user_list.clear()
        for profile in self.profiles:
            self.user_combo.addItem(profile.label, profile.email)
            item = QListWidgetItem(profile.label, self.user_list)
            item.setData(Qt.ItemDataRole.UserRole, profile.email)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if profile.role == "sales" else Qt.CheckState.Unchecked)
        self.user_list.blockSignals(False)
        self._refresh()

    def _select_mode(self, mode: str) -> None:
        self.assign_radios[mode].setChecked(True)
        self._options_changed()

    def _refresh(self) -> None:
        connected = self.ctx.session is not None and bool(self.profiles)
        for mode in ("user", "round_robin"):
            self.assign_radios[mode].setEnabled(connected)
        self.user_combo.setEnabled(connected)
        self.user_list.setEnabled(connected)
        self.not_connected.setVisible(self.ctx.session is None)
        owner = self.owner_header()
        mode = self.state.assignment.mode
        if owner is not None and mode != "column":
            self.owner_note.setText(self.tr(
                "The column “{column}” is mapped to the owner, but it assigns nothing unless “From a column” "
                "is chosen above.").format(column=owner))
        elif mode == "column" and self.state.assignment.column is None:
            self.owner_note.setText(self.tr("Choose the column that holds the owners: until then, the leads "
                                            "stay unassigned."))
        else:
            self.owner_note.setText("")
        self.owner_note.setVisible(bool(self.owner_note.text()))

    def set_assignment(self, mode: str, emails: tuple[str, ...] = (), column: str | None = None) -> None:
        """For tests and scripts: choose an assignment as a user would."""
        if mode == "user" and emails:
            self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(emails[0])))
        if mode == "round_robin":
            for i in range(self.user_list.count()):
                item = self.user_list.item(i)
                checked = item.data(Qt.ItemDataRole.UserRole) in emails
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if mode == "column" and column is not None:
            self.column_combo.setCurrentIndex(max(0, self.column_combo.findData(column)))
        self._select_mode(mode)

    def _options_changed(self) -> None:
        before = self._validation_inputs()
        self.state.dedupe_keys = tuple(k for k, box in self.dedupe.items() if box.isChecked())
        self.state.policy = next(p for p, r in self.policy_radios.items() if r.isChecked())
        self.state.region = self.region_combo.currentData() or "FR"
        self.state.assignment = self.assignment()
        if self._validation_inputs() != before:
            self.state.forget_results()  # policy and users only matter at commit time: no need to re-validate
        self._refresh()
        self.changed.emit()

    def _validation_inputs(self) -> tuple[object, ...]:
        mapping = self.state.effective_mapping()
        return (self.state.validation_options(), None if mapping is None else tuple(mapping.fields))

    def assignment(self) -> Assignment:
        mode = next(m for m, r in self.assign_radios.items() if r.isChecked())
        if mode == "user" and self.user_combo.currentData():
            return Assignment("user", (self.user_combo.currentData(),))
        if mode == "round_robin":
            emails = tuple(
                self.user_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.user_list.count())
                if self.user_list.item(i).checkState() == Qt.CheckState.Checked
            )
            return Assignment("round_robin", emails) if emails else Assignment()
        if mode == "column" and self.column_combo.currentData() is not None:
            return Assignment("column", (), self.column_combo.currentData())
        return Assignment()

    def can_next(self) -> bool:
        return True
