"""What every view shares: settings, translations, the task pool, the CRM session, the GUI-thread job store.

User prompts (confirm, inform, choose a file, open a file) go through this object so that tests can
answer them without a modal dialog blocking the event loop.
"""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from crm_importer import paths
from crm_importer.engine.errors import ImporterError
from crm_importer.engine.jobstore import JobStore
from crm_importer.engine.typed import CrmColumn
from crm_importer.gui import texts
from crm_importer.gui.i18n import Translations
from crm_importer.gui.settings import Settings
from crm_importer.gui.tasks import CrmSession
from crm_importer.gui.worker import TaskPool

log = logging.getLogger(__name__)

#: CPython hands the GIL to a waiting thread only after this long (default 5 ms), and a worker that keeps
#: releasing and re-taking it (SQLite, file reads, polars calls) can starve the GUI thread for hundreds of
#: milliseconds ("convoy effect"). A shorter interval keeps the event loop's stalls under 100 ms while
#: the worker validates or imports, for a few percent of the worker's throughput.
GIL_SWITCH_INTERVAL = 0.0005


class AppContext(QObject):
    session_changed = Signal(object)
    #: A job was created, changed status or was undone: History refreshes.
    jobs_changed = Signal()

    def __init__(self, settings: Settings, translations: Translations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self.settings = settings
        self.translations = translations
        self.pool = TaskPool(self)
        self.store_path: Path = paths.job_store_path()
        #: Reads only (history, error table); writes happen in workers, each with its own store. A store
        #: that cannot be written is still read (History); ``store.write_error`` then says why.
        self.store = JobStore.for_reading(self.store_path)
        self.session: CrmSession | None = None
        self.demo: Any = None  # crm_importer.crm.demo.DemoServer while the demo CRM runs
        self._closed = False

    @property
    def lang(self) -> str:
        return self.translations.lang

    def error_text(self, exc: BaseException) -> str:
        return texts.error_text(exc, self.lang)

    def set_session(self, session: CrmSession | None, demo: Any = None) -> None:
        if demo is not None and demo is not self.demo:
            self.stop_demo()
            self.demo = demo
        elif session is None or not session.demo:
            self.stop_demo()
        self.session = session
        self.session_changed.emit(session)
        if session is not None and self._store_was_salvaged():
            self._relist(session)

    def crm_columns(self) -> dict[str, CrmColumn]:
        """The CRM's writable lead columns the mapping offers: the connected CRM's, else those of the CRM
        last used (kept in the job store), else none (the standard fields only)."""
        if self.session is not None and self.session.crm_columns:
            return self.session.crm_columns
        try:
            kept = self.store.crm_schema()
        except ImporterError:
            return {}
        return {} if kept is None else {n: c for n, c in kept.columns.items() if c.writable}

    def _store_was_salvaged(self) -> bool:
        try:
            return self.store.meta("recovered_at") is not None
        except ImporterError:  # a store older than the meta table, read-only: nothing was salvaged
            return False

    def _relist(self, session: CrmSession) -> None:
        """The store was salvaged (by any process): this CRM's imports come back into History, once (a worker)."""
        from crm_importer.gui import tasks

        store_path = self.store_path
        self.pool.start(lambda p, c: tasks.relist(store_path, session, p, c), name="relist",
                        on_finished=lambda added: self.jobs_changed.emit() if added else None,
                        on_failed=lambda exc: log.info("relisting failed: %s", exc))

    def stop_demo(self) -> None:
        if self.demo is not None:
            try:
                self.demo.stop()
            except Exception:  # noqa: BLE001 - quitting must not fail on the demo server
                log.warning("the demo server did not stop cleanly", exc_info=True)
            self.demo = None

    def close(self) -> None:
        """Idempotent: wait for the workers (never kill one mid-batch), stop the demo, release the store."""
        if self._closed:
            return
        self._closed = True
        self.pool.shutdown()
        self.stop_demo()
        self.store.close()
        self.translations.uninstall()
        gc.unfreeze()  # undo create_main_window's gc.freeze(): what the window held may now be collected

    # --- prompts (replaced by tests) ----------------------------------------------------------------
    def ask(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def tell(self, parent: QWidget | None, title: str, text: str, *, error: bool = False) -> None:
        if error:
            QMessageBox.warning(parent, title, text)
        else:
            QMessageBox.information(parent, title, text)

    def choose_open_file(self, parent: QWidget | None, title: str, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, title, self.settings.last_dir, filters)
        return Path(name) if name else None

    def save_start(self, suggested: Path) -> Path:
        """Where a save dialog starts: the folder the user last saved into (else their documents, never the
        app's own data folder), with the suggested file name."""
        folder = self.settings.last_save_dir
        if not folder or not Path(folder).is_dir():
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            if not folder or not Path(folder).is_dir():
                folder = str(Path.home())
        return Path(folder) / suggested.name

    def choose_save_file(self, parent: QWidget | None, title: str, suggested: Path, filters: str,
                         suffixes: tuple[str, ...] = (".csv", ".xlsx")) -> Path | None:
        """A path to write; without one of ``suffixes``, it gets the one of the chosen filter (else the first).
        The dialog starts where the user last saved (see :meth:`save_start`), and remembers the folder chosen."""
        name, selected = QFileDialog.getSaveFileName(parent, title, str(self.save_start(suggested)), filters)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in suffixes:
            path = path.with_suffix(next((s for s in suffixes if f"*{s}" in selected), suffixes[0]))
        self.settings.last_save_dir = str(path.parent)
        return path

    def open_path(self, path: Path) -> bool:
        """Open ``path`` with the system's application for it; False when the system has none to offer
        (then the caller shows the path, to be copied)."""
        return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
