"""Wizard page 1: the file — open or drop it, pick the sheet, check encoding and delimiter, fingerprint it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.readers import ReadOptions, TableInfo
from crm_importer.engine.readers.delimited import LOW_CONFIDENCE
from crm_importer.gui import tasks, texts
from crm_importer.gui.context import AppContext
from crm_importer.gui.resources import icon, sample_file
from crm_importer.gui.widgets import Banner, DropZone, WizardPage, hint, page_layout
from crm_importer.gui.wizard_state import WizardState
from crm_importer.gui.worker import Task

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "iso8859_15", "latin-1", "cp1250", "iso8859_2", "cp1254",
             "cp1251", "mac_roman")
DELIMITERS = (",", ";", "\t", "|")


def human_size(size: int) -> str:
    from PySide6.QtCore import QLocale

    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeSIFormat)


class FilePage(WizardPage):
    """Opening is two tasks: the preview (fast, shown at once) and the SHA-256 (reads the whole file)."""

    inspected = Signal(object)
    hashed = Signal(object)
    failed = Signal(str)
    show_job_requested = Signal(str)
    connect_requested = Signal()
    demo_requested = Signal()

    def __init__(self, ctx: AppContext, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self._path: Path | None = None
        self._error: str | None = None
        self._hash_task: Task | None = None
        self._build()
        self.retranslate()
        ctx.session_changed.connect(self._on_session_changed)

    # --- layout ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        root, self.title, self.subtitle = page_layout(self, spacing=14)

        self.first_run = Banner("info", self)
        self.first_run_demo = QPushButton(self.first_run)
        self.first_run_demo.setObjectName("Primary")
        self.first_run_demo.clicked.connect(self.demo_requested)
        self.first_run_connect = QPushButton(self.first_run)
        self.first_run_connect.clicked.connect(self.connect_requested)
        self.first_run.buttons.addWidget(self.first_run_demo)
        self.first_run.buttons.addWidget(self.first_run_connect)
        root.addWidget(self.first_run)

        self.drop = DropZone(self)
        self.drop.dropped.connect(self.open_path)
        drop_layout = QVBoxLayout(self.drop)
        drop_layout.setContentsMargins(24, 28, 24, 28)
        drop_layout.setSpacing(10)
        drop_icon = QLabel(self.drop)
        drop_icon.setPixmap(icon("upload").pixmap(48, 48))
        drop_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_text = QLabel(self.drop)
        self.drop_text.setObjectName("DropText")
        self.drop_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.choose = QPushButton(self.drop)
        self.choose.setObjectName("Primary")
        self.choose.setIcon(icon("upload-light"))
        self.choose.clicked.connect(self.choose_file)
        self.sample = QPushButton(self.drop)
        self.sample.setObjectName("Link")
        self.sample.clicked.connect(lambda: self.open_path(sample_file()))
        buttons.addWidget(self.choose)
        buttons.addWidget(self.sample)
        buttons.addStretch(1)
        drop_layout.addWidget(drop_icon)
        drop_layout.addWidget(self.drop_text)
        drop_layout.addLayout(buttons)
        root.addWidget(self.drop)

        self.card = QFrame(self)
        self.card.setObjectName("Card")
        card = QVBoxLayout(self.card)
        card.setContentsMargins(18, 14, 18, 14)
        top = QHBoxLayout()
        file_icon = QLabel(self.card)
        file_icon.setPixmap(icon("file").pixmap(28, 28))
        self.file_name = QLabel(self.card)
        self.file_name.setObjectName("H2")
        top.addWidget(file_icon)
        top.addWidget(self.file_name, 1)
        card.addLayout(top)
        self.file_details = hint(parent=self.card)
        card.addWidget(self.file_details)
        hash_row = QHBoxLayout()
        self.hash_label = QLabel(self.card)
        self.hash_label.setObjectName("Mono")
        self.hash_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hash_progress = QProgressBar(self.card)
        self.hash_progress.setRange(0, 1000)
        self.hash_progress.setMaximumWidth(220)
        self.hash_progress.setTextVisible(False)
        hash_row.addWidget(self.hash_label, 1)
        hash_row.addWidget(self.hash_progress)
        card.addLayout(hash_row)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(14)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.sheet_label = QLabel(self.card)
        self.sheet = QComboBox(self.card)
        self.sheet.activated.connect(self._reinspect)
        self.encoding_label = QLabel(self.card)
        self.encoding = QComboBox(self.card)
        self.encoding.activated.connect(self._reinspect)
        self.delimiter_label = QLabel(self.card)
        self.delimiter = QComboBox(self.card)
        self.delimiter.activated.connect(self._reinspect)
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.setMinimumWidth(320)
            # As wide as its longest entry, also after it is refilled ("Détecté : Windows-1252 (Europe de
            # l’Ouest)" was cut at the width of the first file's entries).
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        #: Shown under the encoding when it is a guess that may be wrong (few or ambiguous accented letters).
        self.encoding_note = QLabel(self.card)
        self.encoding_note.setObjectName("EncodingNote")
        self.encoding_note.setWordWrap(True)
        self.encoding_note.hide()
        # The header's row: 0 is "detected" (below any title or notes), else the row the user gives.
        self.header_row_label = QLabel(self.card)
        self.header_row = QSpinBox(self.card)
        self.header_row.setRange(0, 1_048_576)
        self.header_row.setKeyboardTracking(False)  # re-read once the number is typed, not per digit
        self.header_row.setMinimumWidth(320)
        self.header_row.valueChanged.connect(self._reinspect)
        form.addRow(self.sheet_label, self.sheet)
        form.addRow(self.encoding_label, self.encoding)
        form.addRow("", self.encoding_note)
        form.addRow(self.delimiter_label, self.delimiter)
        form.addRow(self.header_row_label, self.header_row)
        card.addLayout(form)
        self.read_note = hint(parent=self.card)
        card.addWidget(self.read_note)
        root.addWidget(self.card)

        self.already = Banner("warning", self)
        self.show_job = QPushButton(self.already)
        self.show_job.clicked.connect(self._show_previous)
        self.already.buttons.addWidget(self.show_job)
        root.addWidget(self.already)
        self.error = Banner("error", self)
        root.addWidget(self.error)
        root.addStretch(1)
        self.card.hide()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Choose the file to import"))
        self.subtitle.setText(self.tr(
            "A CSV, TSV or TXT file, or an Excel workbook (XLSX). Nothing is sent to the CRM before the last step."))
        self.first_run.text.setText(self.tr(
            "No CRM is connected yet. You can try everything on the built-in demo database, or connect to your CRM."))
        self.first_run_demo.setText(self.tr("Use the demo database"))
        self.first_run_connect.setText(self.tr("Connect to my CRM…"))
        self.drop_text.setText(self.tr("Drop a spreadsheet here"))
        self.choose.setText(self.tr("Choose a file…"))
        self.sample.setText(self.tr("or try the sample file"))
        self.sheet_label.setText(self.tr("Sheet:"))
        self.encoding_label.setText(self.tr("Encoding:"))
        self.delimiter_label.setText(self.tr("Delimiter:"))
        self.encoding_note.setText(self.tr(
            "The encoding is a guess: check the accented letters in the preview of the next step, or choose "
            "the encoding here."))
        self.header_row_label.setText(self.tr("Header row:"))
        self.show_job.setText(self.tr("Show that import"))
        self._refresh()

    # --- actions --------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = self.ctx.choose_open_file(
            self, self.tr("Open a spreadsheet"),
            self.tr("Spreadsheets (*.csv *.tsv *.txt *.xlsx *.xlsm);;All files (*)"))
        if path is not None:
            self.ctx.settings.last_dir = str(path.parent)
            self.open_path(path)

    def open_path(self, path: Path, read_options: ReadOptions | None = None) -> None:
        """Inspect ``path`` in a worker; ``inspected`` (or ``failed``) follows."""
        self._path = Path(path)
        self._error = None
        self.state.inspection = None
        self.state.file_hash = None
        self.state.mapping = None
        self.state.forget_results()
        self._start_inspect(read_options or ReadOptions())
        self._start_hash()
        self._refresh()
        self.changed.emit()

    def _start_inspect(self, options: ReadOptions) -> None:
        path = self._path
        assert path is not None
        self.ctx.pool.start(lambda p, c: tasks.inspect_file(path, options, p, c), name="inspect",
                            on_finished=self._inspected, on_failed=self._inspect_failed)

    def _start_hash(self) -> None:
        if self._path is None:
            return
        if self._hash_task is not None:
            self._hash_task.cancel()
        path, session, store_path = self._path, self.ctx.session, self.ctx.store_path
        self.hash_progress.setValue(0)
        self.hash_progress.show()
        self._hash_task = self.ctx.pool.start(
            lambda p, c: tasks.hash_file(path, session, store_path, p, c), name="hash",
            on_progress=self._hash_progress, on_finished=self._hashed, on_failed=self._hash_failed)

    def _reinspect(self) -> None:
        if self.state.inspection is None or self._path is None:
            return
        options = ReadOptions(
            encoding=self.encoding.currentData() or None,
            delimiter=self.delimiter.currentData() or None,
            sheet=self.sheet.currentData() or None,
            header_row=self.header_row.value() or None,
        )
        self.state.forget_results()
        self._start_inspect(options)

    def _inspected(self, result: tasks.FileInspection) -> None:
        if self._path is None or result.path != self._path:
            return
        previous = self.state.inspection
        self.state.inspection = result
        if previous is None or previous.info.headers != result.info.headers or self.state.mapping is None:
            self.state.crm_columns = self.ctx.crm_columns()
            self.state.mapping = ColumnMapping.auto(result.info.headers, self.state.crm_columns)
        self._error = None
        self._fill_combos()
        self._refresh()
        self.inspected.emit(result)
        self.changed.emit()

    def _inspect_failed(self, exc: BaseException) -> None:
        self.state.inspection = None
        self._error = self.ctx.error_text(exc)
        self._refresh()
        self.failed.emit(self._error)
        self.changed.emit()

    def _hash_progress(self, progress: object) -> None:
        fraction = getattr(progress, "fraction", 0.0)
        self.hash_progress.setValue(int(fraction * 1000))

    def _hashed(self, result: tasks.FileHash) -> None:
        self._hash_task = None
        self.state.file_hash = result
        inspection = self.state.inspection
        if (not result.utf8 and inspection is not None and inspection.info.kind == "csv"
                and inspection.read_options.encoding is None and inspection.info.encoding == "utf-8"):
            # Not UTF-8 after the first megabyte: read it in the encoding guessed from there, as the engine will.
            self._start_inspect(ReadOptions(encoding=result.guessed_encoding or "cp1252",
                                            delimiter=inspection.read_options.delimiter,
                                            header_row=inspection.read_options.header_row))
        self._refresh()
        self.hashed.emit(result)
        self.changed.emit()

    def _hash_failed(self, exc: BaseException) -> None:
        from crm_importer.engine.errors import CancelledError

        self._hash_task = None
        if isinstance(exc, CancelledError):
            return
        # The file could be read but the CRM could not be asked: say so, the import will check again.
        self.state.file_hash = None
        self.hash_label.setText(self.ctx.error_text(exc))
        self.hash_progress.hide()

    def _on_session_changed(self, _session: object) -> None:
        self._refresh()
        if self._path is not None and self.state.inspection is not None:
            self._start_hash()

    def _show_previous(self) -> None:
        fh = self.state.file_hash
        if fh is not None and fh.local_job_id:
            self.show_job_requested.emit(fh.local_job_id)

    # --- display --------------------------------------------------------------------------------------
    def _fill_combos(self) -> None:
        inspection = self.state.inspection
        if inspection is None:
            return
        info, opts = inspection.info, inspection.read_options
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.blockSignals(True)
            combo.clear()
        self.header_row.blockSignals(True)
        self.header_row.setSpecialValueText(self.tr("Detected: row {row}").format(row=info.header_row))
        self.header_row.setValue(opts.header_row or 0)
        self.header_row.blockSignals(False)
        if info.kind == "xlsx":
            for name in info.sheets:
                hidden = name in info.hidden_sheets
                self.sheet.addItem(self.tr("{sheet} (hidden)").format(sheet=name) if hidden else name, name)
            self.sheet.setCurrentIndex(max(0, self.sheet.findData(info.sheet)))
        else:
            detected_enc = info.encoding if opts.encoding is None else None
            unsure = self._encoding_unsure()
            detected = self.tr("Detected (not certain): {encoding}") if unsure else self.tr("Detected: {encoding}")
            self.encoding.addItem(detected.format(encoding=texts.encoding_label(detected_enc or "utf-8")), None)
            for enc in ENCODINGS:
                self.encoding.addItem(texts.encoding_label(enc), enc)
            self.encoding.setCurrentIndex(max(0, self.encoding.findData(opts.encoding)) if opts.encoding else 0)
            detected_sep = info.delimiter if opts.delimiter is None else None
            self.delimiter.addItem(self.tr("Detected: {delimiter}").format(
                delimiter=texts.delimiter_label(detected_sep or ",")), None)
            for sep in DELIMITERS:
                self.delimiter.addItem(texts.delimiter_label(sep), sep)
            self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(opts.delimiter)) if opts.delimiter else 0)
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.blockSignals(False)
        is_book = info.kind == "xlsx"
        for widget in (self.sheet, self.sheet_label):
            widget.setVisible(is_book)
        for widget in (self.encoding, self.encoding_label, self.delimiter, self.delimiter_label):
            widget.setVisible(not is_book)
        self.encoding_note.setVisible(not is_book and self._encoding_unsure())

    def _encoding_unsure(self) -> bool:
        """The encoding was guessed, not told by the file (BOM, valid UTF-8) nor chosen, and may be wrong."""
        inspection = self.state.inspection
        confidence = inspection.encoding_confidence if inspection is not None else None
        return (inspection is not None and inspection.read_options.encoding is None and confidence is not None
                and confidence < LOW_CONFIDENCE)

    def _refresh(self) -> None:
        self.first_run.setVisible(self.ctx.session is None and self.ctx.settings.connection().mode == "")
        inspection = self.state.inspection
        self.error.setVisible(self._error is not None)
        if self._error:
            self.error.show_message(self._error, "error")
        if inspection is None:
            self.card.setVisible(self._path is not None and self._error is None)
            if self._path is not None and self._error is None:
                self.file_name.setText(self._path.name)
                self.file_details.setText(self.tr("Opening…"))
        else:
            self.card.show()
            info = inspection.info
            self.file_name.setText(inspection.path.name)
            kind = self.tr("Excel workbook") if info.kind == "xlsx" else self.tr("Text file (CSV)")
            self.file_details.setText(self.tr("{kind} · {size} · {columns} columns · header on row {row}").format(
                kind=kind, size=human_size(inspection.size), columns=len(info.headers), row=info.header_row))
            self.read_note.setText(self._read_note(info))
            self.read_note.setVisible(bool(self.read_note.text()))
            if self.encoding.count():
                self._fill_combos()
        fh = self.state.file_hash
        if fh is None:
            if self._hash_task is not None:
                self.hash_label.setText(self.tr("SHA-256: computing…"))
        else:
            self.hash_label.setText(self.tr("SHA-256: {hash}").format(hash=fh.sha256))
            self.hash_progress.hide()
        if fh is not None and fh.previous is not None:
            job_id, date, who = fh.previous
            self.already.show_message(self.tr(
                "This file was already imported into this CRM on {date} by {who} (import {job}). "
                "Importing it again will ask for confirmation.").format(date=date, who=who, job=job_id[:8]))
            self.show_job.setVisible(bool(fh.local_job_id))
        else:
            self.already.hide()

    def _read_note(self, info: TableInfo) -> str:
        """Why this sheet and this header row were read, when the user may not expect it."""
        said = []
        reason = info.sheet_reason
        if reason == "active":
            said.append(self.tr("This sheet is read because the workbook opens on it and it has an email or "
                                "phone column."))
        elif reason == "first_visible":
            said.append(self.tr("This sheet is read because it is the first visible one with an email or phone "
                                "column."))
        elif reason == "hidden":
            said.append(self.tr("This sheet is read although it is hidden: no visible sheet has an email or "
                                "phone column."))
        if info.header_below_title:
            said.append(self.tr("The header is on row {row}: the rows above it are a title or notes.").format(
                row=info.header_row))
        return " ".join(said)

    def can_next(self) -> bool:
        return self.state.inspection is not None and self._error is None
