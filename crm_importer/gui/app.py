"""The main window and the GUI entry point (``crm-importer`` without arguments, or ``crm-importer-gui``).

``--smoke`` starts the main window (offscreen when there is no display), processes events briefly and
exits 0: the packaged build's smoke test.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QSize, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crm_importer import __version__
from crm_importer.engine.errors import ImporterError, message
from crm_importer.engine.jobstore import Job
from crm_importer.gui import tasks
from crm_importer.gui.connection_dialog import ConnectionDialog
from crm_importer.gui.context import AppContext
from crm_importer.gui.display import install_hint, missing_xcb_libraries
from crm_importer.gui.history import HistoryView
from crm_importer.gui.i18n import Translations, system_language
from crm_importer.gui.page_import import resume_question
from crm_importer.gui.resources import icon, sample_file, stylesheet, translations_dir
from crm_importer.gui.settings import ConnectionSettings, Settings
from crm_importer.gui.wizard import ImportWizard

log = logging.getLogger(__name__)

WIZARD, HISTORY = range(2)


class MainWindow(QMainWindow):
    """Side navigation (New import / History), the connection status, and the menus."""

    def __init__(self, ctx: AppContext, *, auto_connect: bool = True, notices: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self._closing = False
        self.connection_dialog: ConnectionDialog | None = None
        self.setObjectName("MainWindow")
        self.resize(1280, 800)
        self.setMinimumSize(QSize(1024, 680))
        self.setWindowIcon(icon("app"))

        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = QFrame(central)
        self.sidebar.setObjectName("Sidebar")
        self.sidebar.setFixedWidth(232)
        side = QVBoxLayout(self.sidebar)
        side.setContentsMargins(14, 18, 14, 16)
        side.setSpacing(6)
        brand = QHBoxLayout()
        logo = QLabel(self.sidebar)
        logo.setPixmap(icon("app").pixmap(30, 30))
        self.brand = QLabel("CRM Importer", self.sidebar)
        self.brand.setObjectName("Brand")
        brand.addWidget(logo)
        brand.addWidget(self.brand, 1)
        side.addLayout(brand)
        side.addSpacing(18)
        self.nav_group = QButtonGroup(self)
        self.nav_import = QPushButton(self.sidebar)
        self.nav_import.setIcon(icon("import-light"))
        self.nav_history = QPushButton(self.sidebar)
        self.nav_history.setIcon(icon("history-light"))
        for i, button in enumerate((self.nav_import, self.nav_history)):
            button.setObjectName("Nav")
            button.setCheckable(True)
            button.setIconSize(QSize(18, 18))
            self.nav_group.addButton(button, i)
            side.addWidget(button)
        self.nav_import.setChecked(True)
        self.nav_group.idClicked.connect(self.show_view)
        side.addStretch(1)
        self.status_title = QLabel(self.sidebar)
        self.status_title.setObjectName("SideCaption")
        self.status_text = QLabel(self.sidebar)
        self.status_text.setObjectName("SideStatus")
        self.status_text.setWordWrap(True)
        self.connection_button = QPushButton(self.sidebar)
        self.connection_button.setObjectName("SideButton")
        self.connection_button.setIcon(icon("database-light"))
        self.connection_button.clicked.connect(self.open_connection_dialog)
        side.addWidget(self.status_title)
        side.addWidget(self.status_text)
        side.addSpacing(6)
        side.addWidget(self.connection_button)
        row.addWidget(self.sidebar)

        self.views = QStackedWidget(central)
        self.views.setObjectName("Content")
        self.wizard = ImportWizard(ctx, self.views)
        self.history = HistoryView(ctx, self.views)
        self.views.addWidget(self.wizard)
        self.views.addWidget(self.history)
        row.addWidget(self.views, 1)
        self.setCentralWidget(central)

        self._build_menus()
        for page in (self.wizard.file_page, self.wizard.import_page):
            page.connect_requested.connect(self.open_connection_dialog)
            page.demo_requested.connect(self.start_demo)
        self.history.connect_requested.connect(self.open_connection_dialog)
        self.wizard.file_page.show_job_requested.connect(self.show_job)
        ctx.session_changed.connect(lambda _s: self._refresh_status())
        ctx.translations.language_changed.connect(lambda _l: self.retranslate())
        self.retranslate()
        geometry = ctx.settings.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        if auto_connect:
            QTimer.singleShot(0, self.reconnect)
        if notices and ctx.store.write_error is not None:  # said once the window is up
            QTimer.singleShot(0, self._tell_store_unwritable)
        if notices and ctx.store.salvage is not None:
            QTimer.singleShot(0, self._tell_store_recovered)
        if notices:
            QTimer.singleShot(0, self.offer_resume)

    def interrupted_job(self) -> Job | None:
        """The newest import that stopped without finishing (the app or the computer died, Ctrl+C) and was
        not declined already: what the start offers to resume."""
        try:
            jobs = self.ctx.store.list_jobs(limit=50)
        except ImporterError:
            return None
        for job in jobs:
            if job.status in ("importing", "interrupted") and job.crm_target:
                return None if job.id == self.ctx.settings.resume_declined else job
        return None

    def offer_resume(self) -> bool:
        """At start: an interrupted import is offered for resuming (History, with its progress); True if
        the user took the offer. Declined, it is not offered again (History still has Resume)."""
        job = self.interrupted_job()
        if job is None or self.busy_with_job():
            return False
        if not self.ctx.ask(self, self.tr("Resume the interrupted import?"), resume_question(job)):
            self.ctx.settings.resume_declined = job.id
            return False
        self.show_view(HISTORY)
        self.history.select_job(job.id)
        self.history.resume_selected("resume", confirmed=True)
        return True

    def _tell_store_recovered(self) -> None:
        """This start found the job store damaged: where the old file went and what came back."""
        salvage = self.ctx.store.salvage
        if salvage is None:
            return
        said = message("store_recovered", self.ctx.lang, path=str(self.ctx.store_path),
                       moved_to=str(salvage.moved_to), jobs=salvage.jobs)
        self.ctx.tell(self, self.tr("Job store recovered"), self.tr(
            "{said}\n\nImports already in the CRM are listed again in History once you connect to it.").format(
                said=said), error=True)

    def _tell_store_unwritable(self) -> None:
        error = self.ctx.store.write_error
        if error is None:
            return
        self.ctx.tell(self, self.tr("Job store read-only"), self.tr(
            "{reason}\n\nHistory can be read, but files cannot be validated or imported until it can be "
            "written.").format(reason=error.text(self.ctx.lang)), error=True)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.connection_action = QAction(icon("database"), "", self)
        self.connection_action.triggered.connect(self.open_connection_dialog)
        self.demo_action = QAction("", self)
        self.demo_action.triggered.connect(self.start_demo)
        self.history_action = QAction(icon("history"), "", self)
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.triggered.connect(lambda: self.show_view(HISTORY))
        self.quit_action = QAction("", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.connection_action)
        self.file_menu.addAction(self.demo_action)
        self.file_menu.addAction(self.history_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.language_menu = bar.addMenu("")
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        # Language names are written in their own language, on purpose never translated.
        for code, name in (("", None), ("fr", "Français"), ("en", "English")):
            action = QAction(name or "", self)
            action.setCheckable(True)
            action.triggered.connect(lambda _c=False, lang=code: self.set_language(lang))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action
        self.language_actions[self.ctx.settings.language].setChecked(True)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("CRM Importer {version}").format(version=__version__))
        self.nav_import.setText(self.tr("New import"))
        self.nav_history.setText(self.tr("Import history"))
        self.status_title.setText(self.tr("CRM"))
        self.file_menu.setTitle(self.tr("&File"))
        self.connection_action.setText(self.tr("&Connection…"))
        self.demo_action.setText(self.tr("Use the &demo database"))
        self.history_action.setText(self.tr("Import &history"))
        self.quit_action.setText(self.tr("&Quit"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.language_actions[""].setText(self.tr("System language"))
        self.wizard.retranslate()
        self._refresh_status()

    def _refresh_status(self) -> None:
        session = self.ctx.session
        if session is None:
            self.status_text.setText(self.tr("Not connected. Files can still be validated offline."))
            self.connection_button.setText(self.tr("Connect…"))
        else:
            target = self.tr("Demo database") if session.demo else session.place
            if session.identity is not None and not session.identity.verified:
                text = self.tr("{target}\nSigned in as {who} — database login {login}, declared (this login bypasses "
                               "row-level security: the database cannot verify who imports)")
            else:
                text = self.tr("{target}\nSigned in as {who} — database login {login}, verified")
            self.status_text.setText(text.format(target=target, who=session.who, login=session.login))
            self.connection_button.setText(self.tr("Change connection…"))

    # --- navigation ------------------------------------------------------------------------------------------
    def show_view(self, index: int) -> None:
        self.views.setCurrentIndex(index)
        (self.nav_import if index == WIZARD else self.nav_history).setChecked(True)
        if index == HISTORY:
            self.history.refresh()

    def show_job(self, job_id: str) -> None:
        self.show_view(HISTORY)
        self.history.select_job(job_id)

    def set_language(self, lang: str) -> None:
        """Switch language live and remember it (``""`` follows the system)."""
        self.ctx.settings.language = lang
        self.language_actions[lang].setChecked(True)
        self.ctx.translations.apply(lang)

    # --- connection ------------------------------------------------------------------------------------------
    def open_connection_dialog(self) -> ConnectionDialog:
        if self.connection_dialog is None:
            dialog = ConnectionDialog(self.ctx, self)
            dialog.demo_requested.connect(self.start_demo)
            self.connection_dialog = dialog
        else:
            self.connection_dialog.refresh()
        dsn = os.environ.get("CRM_IMPORTER_DSN")
        if dsn and self.ctx.settings.connection().mode != "server":
            self.connection_dialog.set_from_dsn(dsn)
        self.connection_dialog.open()
        return self.connection_dialog

    def start_demo(self) -> None:
        """Start the built-in demo CRM in a worker and sign in as its admin."""
        if self.ctx.pool.running("demo"):
            return
        self.status_text.setText(self.tr("Starting the demo database…"))
        self.ctx.pool.start(tasks.start_demo_session, name="demo", on_finished=self._demo_started,
                            on_failed=self._connection_failed)

    def _demo_started(self, result: tuple[object, tasks.CrmSession]) -> None:
        demo, session = result
        settings = self.ctx.settings.connection()
        settings.mode = "demo"
        self.ctx.settings.set_connection(settings)
        self.ctx.set_session(session, demo=demo)

    def _connection_failed(self, exc: BaseException) -> None:
        self._refresh_status()
        self.ctx.tell(self, self.tr("Connection"), self.ctx.error_text(exc), error=True)

    def reconnect(self) -> None:
        """At start-up, reconnect the way the user last did (the demo, or a server with a saved password)."""
        settings: ConnectionSettings = self.ctx.settings.connection()
        if settings.mode == "demo":
            self.start_demo()
        elif settings.mode == "server" and settings.remember:
            from crm_importer.gui.connection_dialog import _connect_and_remember

            session = tasks.CrmSession(tasks.build_dsn(settings.host, settings.port, settings.dbname, settings.user,
                                                       settings.sslmode), settings.email)
            endpoint = (settings.host, settings.port, settings.user)
            self.status_text.setText(self.tr("Connecting…"))
            self.ctx.pool.start(lambda p, c: _connect_and_remember(session, endpoint, False, p, c), name="connect",
                                on_finished=lambda r: self.ctx.set_session(r[0]),
                                on_failed=lambda _e: self._refresh_status())

    # --- closing ---------------------------------------------------------------------------------------------
    def busy_with_job(self) -> bool:
        return bool(self.ctx.pool.running("job"))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """During an import: confirm, cancel at the next batch boundary, wait for it, then close."""
        if self.busy_with_job():
            if not self._closing:
                if not self.ctx.ask(self, self.tr("Stop the import?"), self.tr(
                        "An import is running. Stop it after the current batch and quit? It can be resumed later "
                        "from History.")):
                    event.ignore()
                    return
                self._closing = True
                self.ctx.pool.cancel_all()
                self.ctx.pool.busy_changed.connect(lambda busy: None if busy else self.close())
                self.status_text.setText(self.tr("Stopping after the current batch…"))
            event.ignore()
            return
        self.ctx.settings.geometry = self.saveGeometry()
        self.ctx.settings.sync()
        self.ctx.pool.shutdown()
        event.accept()


def create_app(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "crm-importer", *argv])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName("crm-importer")
    QCoreApplication.setApplicationName("crm-importer")
    QCoreApplication.setApplicationVersion(__version__)
    app.setStyle("Fusion")  # the same look on every platform; the stylesheet refines it
    app.setStyleSheet(stylesheet())
    return app


def create_main_window(*, auto_connect: bool = True, notices: bool = True) -> MainWindow:
    """The context (settings, translations, pool, job store) and the window; needs a QApplication."""
    settings = Settings()
    translations = Translations()
    translations.apply(settings.language)
    ctx = AppContext(settings, translations)
    window = MainWindow(ctx, auto_connect=auto_connect, notices=notices)
    # Everything built so far lives as long as the app: keep it out of the collector's full passes, which
    # run holding the GIL, on whichever thread allocates (usually the worker) and stall the event loop.
    gc.freeze()
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(ctx.close)
    return window


def missing_resources(app: QApplication) -> list[str]:
    """What an installed copy lacks of its data files (package data): the stylesheet, the French catalogue,
    the sample file, an icon. Empty when all are there."""
    lacking = []
    if not app.styleSheet():
        lacking.append("resources/style.qss")
    if not (translations_dir() / "crm_importer_fr.qm").is_file():
        lacking.append("translations/crm_importer_fr.qm")
    if not sample_file().is_file():
        lacking.append("resources/samples/leads-sample.csv")
    if icon("app").isNull():
        lacking.append("resources/icons/app.svg")
    return lacking


def run_gui(argv: Sequence[str] | None = None) -> int:
    """Run the GUI until the window closes; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    smoke = "--smoke" in args
    args = [a for a in args if a != "--smoke"]
    if smoke and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    missing = missing_xcb_libraries()
    if missing:  # Qt would abort with a misleading message (exit 134): say what to install instead
        print(install_hint(missing, Settings().language or system_language()), file=sys.stderr)
        return 1
    app = create_app(args)
    if smoke:
        lacking = missing_resources(app)
        if lacking:  # the smoke test of a wheel or a bundle: its data files must have come along
            print(f"crm-importer: missing data files: {', '.join(lacking)}", file=sys.stderr)
            return 1
    try:
        window = create_main_window(auto_connect=not smoke, notices=not smoke)
    except ImporterError as exc:  # a job store that cannot even be read (made by a newer version…)
        lang = Settings().language or system_language()
        if smoke:
            print(exc.text(lang), file=sys.stderr)
        else:
            QMessageBox.critical(None, "CRM Importer", exc.text(lang))
        return exc.exit_code
    window.show()
    if smoke:
        QTimer.singleShot(400, window.close)
        QTimer.singleShot(500, app.quit)
    code = app.exec()
    window.ctx.close()
    return 0 if smoke else int(code)


def main() -> None:
    raise SystemExit(run_gui(sys.argv[1:]))


if __name__ == "__main__":
    main()
