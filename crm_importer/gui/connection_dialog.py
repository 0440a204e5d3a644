"""The connection dialog: where the CRM is, how to reach it securely, and which CRM profile signs in.

Settings are remembered (never the password). The password goes to the OS keyring only when the user
ticks "Remember"; without a keyring backend (a bare Linux session) the user is told plainly and the
password is kept in memory for this session only.
"""

from __future__ import annotations

from dataclasses import replace

from psycopg.conninfo import conninfo_to_dict
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_importer.crm.connection import CrmError, get_password, keyring_available, store_password
from crm_importer.gui import tasks
from crm_importer.gui.context import AppContext
from crm_importer.gui.settings import ConnectionSettings
from crm_importer.gui.setup_dialog import SetupDialog
from crm_importer.gui.widgets import Banner, heading, hint
from crm_importer.gui.worker import Task

SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")


class NotSetUp(CrmError):
    """``schema_missing``, with the session (password included) that reached the CRM, for the set-up
    dialog to read the plan with."""

    def __init__(self, error: CrmError, session: tasks.CrmSession) -> None:
        super().__init__(error.code, **error.params)
        self.session = session


def _with_saved_password(session: tasks.CrmSession, endpoint: tuple[str, int, str]) -> tasks.CrmSession:
    if session.password is not None:
        return session
    host, port, user = endpoint
    return replace(session, password=get_password(host, port, user))


def _connect_and_remember(session: tasks.CrmSession, endpoint: tuple[str, int, str], remember: bool,
                          progress: object = None, is_cancelled: object = None) -> tuple[tasks.CrmSession, bool | None]:
    """Worker side of "Connect": keyring look-up, check, then keyring save. Returns (session, saved)."""
    host, port, user = endpoint
    session = _with_saved_password(session, endpoint)
    try:
        checked = tasks.check_connection(session)
    except CrmError as exc:
        if exc.code == "schema_missing":
            raise NotSetUp(exc, session) from exc
        raise
    saved = store_password(host, port, user, session.password) if remember and session.password else None
    return checked, saved


class ConnectionDialog(QDialog):
    connected = Signal(object)
    tested = Signal(str)
    demo_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self.setObjectName("ConnectionDialog")
        self.setMinimumWidth(720)  # the French button texts and the keyring sentence fit whole
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(12)
        self.title = heading(parent=self)
        self.subtitle = hint(parent=self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        # What Supabase's dashboard and most providers hand out: pasted here, it fills the fields below (its
        # password goes to the password field, never to the settings) and is cleared.
        self.conninfo = QLineEdit(self)
        self.conninfo.setClearButtonEnabled(True)
        self.conninfo.textEdited.connect(self._conninfo_edited)
        self.host = QLineEdit(self)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.dbname = QLineEdit(self)
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox(self)
        self.sslmode = QComboBox(self)
        for mode in SSL_MODES:
            self.sslmode.addItem(mode, mode)
        self.email = QLineEdit(self)
        self.labels: dict[str, QLabel] = {}
        for key, widget in (("conninfo", self.conninfo), ("host", self.host), ("port", self.port), ("dbname", self.dbname), ("user", self.user),
                            ("password", self.password), ("remember", self.remember), ("sslmode", self.sslmode),
                            ("email", self.email)):
            label = QLabel(self)
            self.labels[key] = label
            form.addRow(label, widget)
        layout.addLayout(form)
        self.banner = Banner("info", self)
        self.setup_button = QPushButton(self.banner)
        self.setup_button.clicked.connect(self.open_setup)
        self.setup_button.hide()
        self.banner.buttons.addWidget(self.setup_button)
        layout.addWidget(self.banner)
        self.setup_dialog: SetupDialog | None = None
        self._not_set_up: NotSetUp | None = None
        buttons = QHBoxLayout()
        self.demo_button = QPushButton(self)
        self.demo_button.clicked.connect(self._use_demo)
        self.test_button = QPushButton(self)
        self.test_button.clicked.connect(self.test_connection)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.reject)
        self.connect_button = QPushButton(self)
        self.connect_button.setObjectName("Primary")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_clicked)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.connect_button)
        layout.addLayout(buttons)
        self._keyring = keyring_available()
        self._saved_password = False
        self._load(ctx.settings.connection())
        self.retranslate()
        ctx.translations.language_changed.connect(lambda _l: self.retranslate())

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Connection to the CRM"))
        self.title.setText(self.tr("Connect to the CRM database"))
        self.subtitle.setText(self.tr(
            "The PostgreSQL database of your CRM (Supabase or your own server). The importer acts as the CRM "
            "profile your database login is mapped to (crm-importer db grant), which must be an admin."))
        for key, text in (("conninfo", self.tr("Connection string:")), ("host", self.tr("Host:")), ("port", self.tr("Port:")), ("dbname", self.tr("Database:")),
                          ("user", self.tr("User:")), ("password", self.tr("Password:")), ("remember", ""),
                          ("sslmode", self.tr("TLS:")), ("email", self.tr("CRM profile (email, optional):"))):
            self.labels[key].setText(text)
        self.conninfo.setPlaceholderText(self.tr("Paste a postgresql://… connection string to fill the fields"))
        if self._keyring:
            self.remember.setText(self.tr("Remember the password in the system keyring"))
        else:
            self.remember.setText(self.tr("No keyring here: the password is kept for this session only"))
        self.password.setPlaceholderText(self.tr("Leave empty to use the saved password") if self._saved_password
                                          else self.tr("Password of the database login"))
        self.email.setPlaceholderText(self.tr("The profile your login is mapped to"))
        descriptions = {
            "disable": self.tr("Off (local networks only)"),
            "prefer": self.tr("When the server offers it"),
            "require": self.tr("Required"),
            "verify-ca": self.tr("Required, with a trusted certificate"),
            "verify-full": self.tr("Required, certificate and host name checked"),
        }
        for i in range(self.sslmode.count()):
            mode = self.sslmode.itemData(i)
            self.sslmode.setItemText(i, self.tr("{mode} — {description}").format(mode=mode,
                                                                                 description=descriptions[mode]))
        self.setup_button.setText(self.tr("Set up this CRM…"))
        if self._not_set_up is not None:
            self.banner.show_message(self._not_set_up_text(self._not_set_up), "warning")
        self.demo_button.setText(self.tr("Use the demo database"))
        self.test_button.setText(self.tr("Test connection"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.connect_button.setText(self.tr("Connect"))

    # --- fields ---------------------------------------------------------------------------------------------
    def _load(self, conn: ConnectionSettings) -> None:
        self.host.setText(conn.host)
        self.port.setValue(conn.port)
        self.dbname.setText(conn.dbname)
        self.user.setText(conn.user)
        self.sslmode.setCurrentIndex(max(0, self.sslmode.findData(conn.sslmode)))
        self.email.setText(conn.email)
        self.remember.setChecked(conn.remember and keyring_available())
        self._check_keyring(conn)

    def _check_keyring(self, conn: ConnectionSettings) -> None:
        """Whether a password can be remembered, and whether one is (said by the placeholder)."""
        self._keyring = keyring_available()
        self.remember.setEnabled(self._keyring)
        if not self._keyring:
            self.remember.setChecked(False)
        self._saved_password = bool(self._keyring and conn.mode == "server" and conn.remember
                                    and get_password(conn.host, conn.port, conn.user) is not None)

    def refresh(self) -> None:
        """On each opening: the keyring may have come or gone since."""
        self._check_keyring(self.ctx.settings.connection())
        self.retranslate()

    def _conninfo_edited(self, text: str) -> None:
        """A pasted connection string fills the fields; the line is then cleared (it may hold a password)."""
        text = text.strip()
        if not text:
            return
        try:
            conninfo_to_dict(text)
        except Exception:  # noqa: BLE001 - psycopg says ProgrammingError; any failure means "not one"
            self.banner.show_message(self.tr("This is not a connection string: paste one that starts with "
                                             "postgresql:// or holds host=… dbname=… pairs."), "error")
            return
        self.set_from_dsn(text)
        self.conninfo.clear()
        self.banner.show_message(self.tr("The fields below were filled from the connection string."), "info")

    def set_from_dsn(self, dsn: str, email: str = "") -> None:
        """Fill the fields from a libpq DSN (a URI or key=value), e.g. ``CRM_IMPORTER_DSN``."""
        params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
        self.host.setText(params.get("host", "localhost"))
        self.port.setValue(int(params.get("port") or 5432))
        self.dbname.setText(params.get("dbname", ""))
        self.user.setText(params.get("user", ""))
        self.sslmode.setCurrentIndex(max(0, self.sslmode.findData(params.get("sslmode", "prefer"))))
        if params.get("password"):
            self.password.setText(params["password"])
        if email:
            self.email.setText(email)

    def settings(self) -> ConnectionSettings:
        return ConnectionSettings(mode="server", host=self.host.text().strip(), port=self.port.value(),
                                  dbname=self.dbname.text().strip(), user=self.user.text().strip(),
                                  sslmode=self.sslmode.currentData(), email=self.email.text().strip(),
                                  remember=self.remember.isChecked())

    def session(self) -> tasks.CrmSession:
        s = self.settings()
        dsn = tasks.build_dsn(s.host, s.port, s.dbname, s.user, s.sslmode)
        return tasks.CrmSession(dsn, s.email, password=self.password.text() or None)

    # --- actions ---------------------------------------------------------------------------------------------
    def test_connection(self) -> None:
        if self.task is not None:
            return
        session = self.session()
        s = self.settings()
        endpoint = (s.host, s.port, s.user)
        self._connecting()
        self.task = self.ctx.pool.start(
            lambda p, c: _connect_and_remember(session, endpoint, False, p, c), name="connect",
            on_finished=self._tested, on_failed=self._failed)
        self._busy(True)

    def _tested(self, result: tuple[tasks.CrmSession, bool | None]) -> None:
        self.task = None
        self._busy(False)
        session = result[0]
        text = self.tr("The connection works: PostgreSQL {version}, signed in as {who} ({role}).").format(
            version=session.server_version, who=session.who, role=session.identity.role if session.identity else "?")
        if session.round_trip_ms is not None:
            # What a far CRM costs each batch: said up front, so that a slower import is no surprise.
            text += " " + self.tr("Round trip to the server: {ms} ms.").format(
                ms=f"{session.round_trip_ms:.0f}" if session.round_trip_ms >= 1 else "< 1")
        if session.identity is not None and not session.identity.verified:
            text += " " + self.tr("This login bypasses row-level security: the import will be recorded as the "
                                  "profile you chose ({email}), which the database cannot verify.").format(
                email=session.identity.email)
            self.banner.show_message(text, "warning")
        else:
            text += " " + self.tr("Database login {login}, verified.").format(login=session.login)
            self.banner.show_message(text, "success")
        self.tested.emit(text)

    def connect_clicked(self) -> None:
        """Check the connection in a worker; on success remember the settings and close (``connected``)."""
        if self.task is not None:
            return
        session, s = self.session(), self.settings()
        endpoint = (s.host, s.port, s.user)
        self._connecting()
        self.task = self.ctx.pool.start(
            lambda p, c: _connect_and_remember(session, endpoint, s.remember, p, c), name="connect",
            on_finished=self._connected, on_failed=self._failed)
        self._busy(True)

    def _connected(self, result: tuple[tasks.CrmSession, bool | None]) -> None:
        self.task = None
        self._busy(False)
        session, saved = result
        # Without a keyring nothing is remembered: the settings must not say otherwise.
        self.ctx.settings.set_connection(replace(self.settings(), remember=self.settings().remember and saved is not False))
        self.ctx.set_session(session)
        if saved is False:
            self.ctx.tell(self, self.tr("Password not saved"), self.tr(
                "No system keyring is available on this computer, so the password could not be saved. It is kept "
                "for this session only: you will be asked for it again next time."))
        self.connected.emit(session)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self._busy(False)
        if isinstance(exc, NotSetUp):
            self._not_set_up = exc
            text = self._not_set_up_text(exc)
            self.banner.show_message(text, "warning")
            self.setup_button.show()
        else:
            text = self.ctx.error_text(exc)
            self.banner.show_message(text, "error")
        self.tested.emit(text)

    def _not_set_up_text(self, error: CrmError) -> str:
        found = str(error.params.get("found", "none"))
        if found == "none":
            return self.tr("The connection works, but this database is not set up for crm-importer yet. “Set up "
                           "this CRM…” shows every change it needs before anything is changed.")
        return self.tr("The connection works, but this database is not set up for crm-importer version {required} "
                       "(it has version {found}). “Set up this CRM…” shows every change it needs before anything "
                       "is changed.").format(required=error.params.get("required", "?"), found=found)

    def open_setup(self) -> SetupDialog | None:
        """The plan of what setting this CRM up would change; once applied, connect again."""
        if self._not_set_up is None:
            return None
        if self.setup_dialog is not None:
            self.setup_dialog.deleteLater()
        dialog = SetupDialog(self.ctx, self._not_set_up.session, self)
        dialog.applied.connect(lambda _v: self._set_up_done())
        self.setup_dialog = dialog
        dialog.open()
        dialog.read_plan()
        return dialog

    def _set_up_done(self) -> None:
        self._not_set_up = None
        self.setup_button.hide()
        self.connect_clicked()

    def _connecting(self) -> None:
        self._not_set_up = None
        self.setup_button.hide()
        self.banner.show_message(self.tr("Connecting…"), "info")

    def _use_demo(self) -> None:
        self.demo_requested.emit()
        self.accept()

    def _busy(self, busy: bool) -> None:
        for button in (self.test_button, self.connect_button, self.demo_button):
            button.setEnabled(not busy)
