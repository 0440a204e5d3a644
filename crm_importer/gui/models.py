"""Table models that load lazily: the preview, the error table and the history.

The error table may stand for hundreds of thousands of rows: it asks the job store for one page at a
time (``LIMIT``/``OFFSET``) as the user scrolls (``canFetchMore``/``fetchMore``), and stops at
:data:`MAX_ISSUES_SHOWN` — beyond that the exported report is the place to look.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from psycopg.conninfo import conninfo_to_dict
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from crm_importer.engine.errors import StoreError
from crm_importer.engine.jobstore import Issue, Job, JobStore
from crm_importer.engine.readers.base import ROW_COL, cell_col
from crm_importer.gui import texts
from crm_importer.gui.i18n import fmt_int

PREVIEW_CHUNK = 25
ISSUE_PAGE = 200
MAX_ISSUES_SHOWN = 10_000

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


translate = QCoreApplication.translate


class PreviewModel(QAbstractTableModel):
    """The first rows of the file, raw, with each column's header and mapped CRM field as its title."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame: pl.DataFrame | None = None
        self._rows: list[tuple[Any, ...]] = []
        self._headers: list[str] = []
        self._fields: list[str | None] = []
        self._loaded = 0

    def set_frame(self, frame: pl.DataFrame, headers: list[str]) -> None:
        self.beginResetModel()
        cols = [cell_col(i) for i in range(len(headers))]
        self._frame = frame
        self._rows = list(frame.select(ROW_COL, *cols).iter_rows()) if frame.height else []
        self._headers = list(headers)
        self._fields = [None] * len(headers)
        self._loaded = min(PREVIEW_CHUNK, len(self._rows))
        self.endResetModel()

    def set_fields(self, fields: list[str | None]) -> None:
        self._fields = list(fields)
        if self._headers:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)

    def retranslate(self) -> None:
        if self._headers:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)

    def rowCount(self, parent: Index = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else self._loaded

    def columnCount(self, parent: Index = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._headers)

    def canFetchMore(self, parent: Index = _ROOT) -> bool:  # noqa: N802 - Qt override
        return not parent.isValid() and self._loaded < len(self._rows)

    def fetchMore(self, parent: Index = _ROOT) -> None:  # noqa: N802 - Qt override
        if parent.isValid():
            return
        more = min(PREVIEW_CHUNK, len(self._rows) - self._loaded)
        if more <= 0:
            return
        self.beginInsertRows(_ROOT, self._loaded, self._loaded + more - 1)
        self._loaded += more
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        value = self._rows[index.row()][index.column() + 1]
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(self._rows[section][0]) if section < len(self._rows) else None
        if section >= len(self._headers):
            return None
        field = self._fields[section] if section < len(self._fields) else None
        header = self._headers[section] or translate("Models", "(no header)")
        return f"{header}\n→ {texts.field_label(field)}"


class IssuesModel(QAbstractTableModel):
    """Rows that will not be imported, from the job store, a page at a time. The value cell is editable."""

    ROW, REASON, COLUMN, VALUE = range(4)
    #: (row number, {column index: new value}) — the view re-validates that row in a worker.
    fix_requested = Signal(int, object)

    def __init__(self, store: JobStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.job: Job | None = None
        self.code: str | None = None
        self.lang = "en"
        self._issues: list[Issue] = []
        self._exhausted = True
        #: The store error met by the last read (the page says it), or None.
        self.error: StoreError | None = None

    def set_job(self, job: Job | None, code: str | None = None) -> None:
        """Show ``job``'s issues (``code``'s only). The first page is read before the reset, so a store
        error (``self.error``) leaves the model as it was, never half reset."""
        first: list[Issue] = []
        self.error = None
        if job is not None:
            try:
                first = self.store.issues(job.id, code=code, limit=ISSUE_PAGE)
            except StoreError as exc:
                self.error = exc
        self.beginResetModel()
        self.job = job
        self.code = code
        self._issues = first
        self._exhausted = job is None or len(first) < ISSUE_PAGE
        self.endResetModel()

    def reload(self, job: Job | None = None) -> None:
        self.set_job(job or self.job, self.code)

    def issue(self, row: int) -> Issue | None:
        return self._issues[row] if 0 <= row < len(self._issues) else None

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        if self._issues:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._issues) - 1, 3))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)

    def rowCount(self, parent: Index = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._issues)

    def columnCount(self, parent: Index = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else 4

    def canFetchMore(self, parent: Index = _ROOT) -> bool:  # noqa: N802
        return not parent.isValid() and not self._exhausted and len(self._issues) < MAX_ISSUES_SHOWN

    def fetchMore(self, parent: Index = _ROOT) -> None:  # noqa: N802
        if parent.isValid() or self.job is None or self._exhausted:
            return
        try:
            page = self.store.issues(self.job.id, code=self.code, limit=ISSUE_PAGE, offset=len(self._issues))
        except StoreError as exc:  # said by the page; no more rows fetched
            self.error = exc
            self._exhausted = True
            return
        if len(page) < ISSUE_PAGE:
            self._exhausted = True
        if not page:
            return
        self.beginInsertRows(_ROOT, len(self._issues), len(self._issues) + len(page) - 1)
        self._issues.extend(page)
        self.endInsertRows()

    def column_index(self, issue: Issue) -> int | None:
        """The file column an error points at (the mapped column the engine named), if any."""
        if self.job is None:
            return None
        names = {e.column for e in issue.errors if e.column}
        for i, (header, field) in enumerate(zip(self.job.headers, self.job.mapping, strict=False)):
            if field and (header or f"#{i + 1}") in names:
                return i
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        issue = self._issues[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole):
            if col == self.ROW:
                return issue.row_no
            if col == self.REASON:
                return "; ".join(e.text(self.lang) for e in issue.errors)
            first = next((e for e in issue.errors if e.column), None)
            if col == self.COLUMN:
                return first.column if first else ""
            if col == self.VALUE:
                return (first.value or "") if first else ""
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.ROW:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.VALUE:
            issue = self._issues[index.row()]
            if issue.status == "invalid" and self.column_index(issue) is not None:
                return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.VALUE:
            return False
        issue = self._issues[index.row()]
        column = self.column_index(issue)
        if column is None:
            return False
        self.fix_requested.emit(issue.row_no, {column: str(value)})
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return [translate("Models", "Row"), translate("Models", "Problem"), translate("Models", "Column"), translate("Models", "Value (double-click to fix)")][section]


class HistoryModel(QAbstractTableModel):
    """Every job of the local store, newest first."""

    COLUMNS = 10
    FILE, STATUS, CRM, JOB = 1, 2, 8, 9

    def __init__(self, store: JobStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.jobs: list[Job] = []
        self.lang = "en"

    def refresh(self) -> StoreError | None:
        """Read the jobs again; on a store error the list stays as it was (never half reset) and the
        error is returned for the page to say."""
        try:
            jobs = self.store.list_jobs(limit=1000)
        except StoreError as exc:
            return exc
        self.beginResetModel()
        self.jobs = jobs
        self.endResetModel()
        return None

    def job(self, row: int) -> Job | None:
        return self.jobs[row] if 0 <= row < len(self.jobs) else None

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.COLUMNS - 1)
        if self.jobs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.jobs) - 1, self.COLUMNS - 1))

    def rowCount(self, parent: Index = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.jobs)

    def columnCount(self, parent: Index = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                stamp = QDateTime.fromString(job.created_at, Qt.DateFormat.ISODate).toLocalTime()
                return stamp.toString("yyyy-MM-dd HH:mm")
            if col == self.FILE:
                return job.file_name
            if col == self.STATUS:
                if job.status == "validated":
                    if job.error_code:  # an import of it was tried and refused (already imported, not admin…)
                        return translate("Models", "Import refused")
                    return translate("Models", "Validation only")
                return texts.status_label(job.status)
            if col == self.CRM:
                return crm_name(job.crm_target) if job.crm_target else "—"
            if col == self.JOB:
                return job.id[:8]
            numbers = (job.total_rows, job.rows_to_import, job.imported_rows, job.updated_rows,
                       job.not_imported_rows)
            return fmt_int(numbers[col - 3])
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.FILE:
                return job.file_path
            if col == self.STATUS and (job.error_message or job.error_code):
                return job.error_text(self.lang) or job.error_message
            if col == self.CRM:
                if not job.crm_target:
                    return translate("Models", "Validated on this computer only: nothing was sent to a CRM.")
                return translate("Models", "{crm}\nby {who}").format(crm=job.crm_target, who=job.actor_email or "?")
            if col == self.JOB:
                return translate("Models", "Job {id} (crm-importer resume {short})").format(id=job.id,
                                                                                           short=job.id[:8])
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= col < self.CRM:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return job.id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        # The counts say the words of the wizard's cards; long ones on two lines keep the columns narrow.
        return [translate("Models", "Date"), translate("Models", "File"), translate("Models", "Status"),
                translate("Models", "Rows"), translate("Models", "To\nimport"), translate("Models", "Created"),
                translate("Models", "Updated"), translate("Models", "Not\nimported"), translate("Models", "CRM"),
                translate("Models", "Job")][section]


def crm_name(target: str) -> str:
    """A CRM in a word or two, from a job's connection string: its database, and the host unless local."""
    try:
        params = conninfo_to_dict(target)
    except Exception:  # noqa: BLE001 - a label only
        return target
    dbname, host = str(params.get("dbname") or "?"), str(params.get("host") or "")
    if not host or host.startswith("/") or host in ("localhost", "127.0.0.1", "::1"):
        return dbname
    return f"{dbname} @ {host.split('.')[0]}"


def same_crm(a: str | None, b: str | None) -> bool:
    """Whether two connection strings name the same CRM database (host, port, database), whatever else differs."""
    if not a or not b:
        return False

    def key(target: str) -> tuple[str, str, str]:
        try:
            params = conninfo_to_dict(target)
        except Exception:  # noqa: BLE001 - not parseable: compared as written
            return (target, "", "")
        return (str(params.get("host") or ""), str(params.get("port") or "5432"), str(params.get("dbname") or ""))

    return key(a) == key(b)
