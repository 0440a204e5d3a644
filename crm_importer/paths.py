"""Where crm-importer keeps its files: one place, redirectable by tests and by the user.

``CRM_IMPORTER_HOME`` (if set) replaces the platform folders, which is how tests and portable installs
keep everything in one directory. Otherwise the platform's standard folders (platformdirs) are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "crm-importer"


def _home() -> Path | None:
    value = os.environ.get("CRM_IMPORTER_HOME")
    return Path(value) if value else None


def _made(path: Path) -> Path:
    """``path``, created if it can be. On a read-only or full disk it is not: what writes there then says so
    in its own words (the job store, a report), and what only reads (settings, History) carries on."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def data_dir() -> Path:
    """Job store, demo database, reports."""
    home = _home()
    return _made(home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def config_dir() -> Path:
    """Settings and mapping profiles (never secrets: those live in the OS keyring)."""
    home = _home()
    return _made(home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))


def mapping_profiles_dir() -> Path:
    """Mapping profiles saved from the GUI (the CLI's ``--mapping`` JSON)."""
    return _made(config_dir() / "mappings")


def job_store_path() -> Path:
    return data_dir() / "jobs.sqlite3"


def demo_pgdata_dir() -> Path:
    return data_dir() / "demo-postgres"


def reports_dir() -> Path:
    return _made(data_dir() / "reports")
