"""Settings declared once and typed, stored by QSettings in an INI file under ``paths.config_dir()``.

An INI file in our own folder (rather than the platform registry) is what ``CRM_IMPORTER_HOME`` redirects,
so tests and portable installs never touch the user's real settings. Never a password here: those live in
the OS keyring (or, without one, in memory for the session).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from crm_importer import paths

SETTINGS_FILE = "crm-importer.ini"


@dataclass
class ConnectionSettings:
    mode: str = ""  # "" (none yet) | "server" | "demo"
    host: str = "localhost"
    port: int = 5432
    dbname: str = "postgres"
    user: str = "postgres"
    sslmode: str = "prefer"
    email: str = ""
    remember: bool = False


class Settings:
    """The application's settings; each property reads and writes through at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_dir() / SETTINGS_FILE
        self.q = QSettings(str(self.path), QSettings.Format.IniFormat)

    @property
    def language(self) -> str:
        """``fr``, ``en``, or ``""`` to follow the system locale."""
        value = str(self.q.value("ui/language", "") or "")
        return value if value in ("fr", "en") else ""

    @language.setter
    def language(self, value: str) -> None:
        self.q.setValue("ui/language", value)
        self.q.sync()

    @property
    def last_dir(self) -> str:
        return str(self.q.value("ui/last_dir", "") or "")

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self.q.setValue("ui/last_dir", value)

    @property
    def last_save_dir(self) -> str:
        """Where the user last saved a report (save dialogs start there)."""
        return str(self.q.value("ui/last_save_dir", "") or "")

    @last_save_dir.setter
    def last_save_dir(self, value: str) -> None:
        self.q.setValue("ui/last_save_dir", value)

    @property
    def resume_declined(self) -> str:
        """The interrupted import the user chose not to resume at start: not offered again."""
        return str(self.q.value("ui/resume_declined", "") or "")

    @resume_declined.setter
    def resume_declined(self, value: str) -> None:
        self.q.setValue("ui/resume_declined", value)

    @property
    def geometry(self) -> QByteArray | None:
        value = self.q.value("ui/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.q.setValue("ui/geometry", value)

    def connection(self) -> ConnectionSettings:
        q, d = self.q, ConnectionSettings()
        return ConnectionSettings(
            mode=str(q.value("connection/mode", d.mode) or ""),
            host=str(q.value("connection/host", d.host) or ""),
            port=int(str(q.value("connection/port", d.port) or d.port)),
            dbname=str(q.value("connection/dbname", d.dbname) or ""),
            user=str(q.value("connection/user", d.user) or ""),
            sslmode=str(q.value("connection/sslmode", d.sslmode) or d.sslmode),
            email=str(q.value("connection/email", d.email) or ""),
            remember=str(q.value("connection/remember", "false")).lower() in ("true", "1"),
        )

    def set_connection(self, value: ConnectionSettings) -> None:
        for key, item in vars(value).items():
            self.q.setValue(f"connection/{key}", item)
        self.q.sync()

    def sync(self) -> None:
        self.q.sync()
