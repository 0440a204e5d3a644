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


def data_dir() -> Path:
    """Job store, demo database, reports."""
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Settings and mapping profiles (never secrets: those live in the OS keyring)."""
    home = _home()
    path = home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_store_path() -> Path:
    return data_dir() / "jobs.sqlite3"


def demo_pgdata_dir() -> Path:
    return data_dir() / "demo-postgres"


def reports_dir() -> Path:
    path = data_dir() / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path
