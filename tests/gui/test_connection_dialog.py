"""The connection dialog against a real server: keyring or not, the password never lands in settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from conftest import ADMIN_EMAIL
from helpers import MemoryKeyring
from keyring.backends import fail

from crm_importer import paths


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def _dialog(window: Any, dsn: str, password: str) -> Any:
    dialog = window.open_connection_dialog()
    dialog.set_from_dsn(dsn, ADMIN_EMAIL)
    dialog.password.setText(password)
    dialog.remember.setChecked(True)
    return dialog


def test_without_keyring_the_password_is_kept_for_the_session(qtbot: Any, window: Any, pg_dsn: str,
                                                              prompts: Any, restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    dialog = _dialog(window, pg_dsn, "s3cret-pass")
    with qtbot.waitSignal(dialog.connected, timeout=30_000):
        dialog.connect_button.click()
    session = window.ctx.session
    assert session is not None and session.password == "s3cret-pass"
    assert session.identity is not None and session.identity.role == "admin"
    assert any("No system keyring" in text and "this session only" in text for text in prompts.told)
    settings_file = paths.config_dir() / "crm-importer.ini"
    text = Path(settings_file).read_text()
    assert "s3cret-pass" not in text and ADMIN_EMAIL in text
    # the session password is what later work uses: the File page's CRM check ran with it
    assert "Signed in as Alice Admin" in window.status_text.text()


def test_with_a_keyring_the_password_is_remembered(qtbot: Any, window: Any, pg_dsn: str, prompts: Any,
                                                   restore_keyring: None) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    dialog = _dialog(window, pg_dsn, "pw-in-keyring")
    with qtbot.waitSignal(dialog.connected, timeout=30_000):
        dialog.connect_button.click()
    assert list(backend.saved.values()) == ["pw-in-keyring"]
    assert not prompts.told
    # reconnecting at start-up finds it again
    window.ctx.set_session(None)
    window.reconnect()
    qtbot.waitUntil(lambda: window.ctx.session is not None, timeout=30_000)
    assert window.ctx.session.password == "pw-in-keyring"


def test_test_connection_says_what_is_wrong(qtbot: Any, window: Any, pg_password_login: Any,
                                            restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    dialog = window.open_connection_dialog()
    dialog.set_from_dsn(pg_password_login.dsn, ADMIN_EMAIL)
    dialog.password.setText("")
    with qtbot.waitSignal(dialog.tested, timeout=30_000) as tested:
        dialog.test_button.click()
    assert "password" in tested.args[0] and "\n" not in tested.args[0]
    dialog.password.setText(pg_password_login.password)
    with qtbot.waitSignal(dialog.tested, timeout=30_000) as tested:
        dialog.test_button.click()
    # the password was accepted: what is missing now is the crm-importer schema in that database
    assert "not set up for crm-importer" in tested.args[0]
    assert pg_password_login.password not in tested.args[0]
    dialog.reject()


def test_demo_database_from_the_first_run_banner(qtbot: Any, window: Any, monkeypatch: Any, pg_dsn: str) -> None:
    """The banner's button starts the demo CRM in a worker (start_demo is replaced by the test server)."""
    from crm_importer.gui import tasks

    class FakeDemo:
        stopped = False

        def stop(self) -> None:
            FakeDemo.stopped = True

    def start_demo_session(progress: Any = None, is_cancelled: Any = None) -> Any:
        return FakeDemo(), tasks.check_connection(tasks.CrmSession(pg_dsn, ADMIN_EMAIL, demo=True))

    monkeypatch.setattr(tasks, "start_demo_session", start_demo_session)
    page = window.wizard.file_page
    assert page.first_run.isVisible()
    page.first_run_demo.click()
    qtbot.waitUntil(lambda: window.ctx.session is not None, timeout=30_000)
    assert window.ctx.session.demo and "Demo database" in window.status_text.text()
    assert not page.first_run.isVisible()
    assert window.ctx.settings.connection().mode == "demo"
    window.ctx.set_session(None)
    assert FakeDemo.stopped


def test_a_mapped_login_signs_in_without_an_email_and_is_verified(qtbot: Any, window: Any, pg_dsn: str,
                                                                  restore_keyring: None) -> None:
    """The sidebar and the connection step say who imports, and whether the database vouches for it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from crm_importer.crm.logins import grant

    keyring.set_keyring(MemoryKeyring())
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        login = grant(conn, "gui_admin_login", ADMIN_EMAIL, with_password=False).login
    params = conninfo_to_dict(pg_dsn)
    dialog = window.open_connection_dialog()
    dialog.set_from_dsn(pg_dsn)
    dialog.user.setText(login)
    dialog.email.setText("")
    with qtbot.waitSignal(dialog.tested, timeout=30_000) as tested:
        dialog.test_button.click()
    assert f"Database login {login}, verified." in tested.args[0]
    assert re.search(r"Round trip to the server: (< 1|\d+) ms\.", tested.args[0]), tested.args[0]
    with qtbot.waitSignal(dialog.connected, timeout=30_000):
        dialog.connect_button.click()
    status = window.status_text.text()
    assert f"Signed in as Alice Admin — database login {login}, verified" in status and params["dbname"] in status

    # The test server's own login is a superuser: the identity is only declared, and the user is told.
    dialog = window.open_connection_dialog()
    dialog.set_from_dsn(pg_dsn, ADMIN_EMAIL)
    with qtbot.waitSignal(dialog.tested, timeout=30_000) as tested:
        dialog.test_button.click()
    assert "bypasses row-level security" in tested.args[0] and ADMIN_EMAIL in tested.args[0]
    with qtbot.waitSignal(dialog.connected, timeout=30_000):
        dialog.connect_button.click()
    assert f"database login {params['user']}, declared" in window.status_text.text()


def test_a_pasted_connection_string_fills_the_fields_and_is_not_kept(qtbot: Any, window: Any,
                                                                     restore_keyring: None) -> None:
    keyring.set_keyring(MemoryKeyring())
    dialog = window.open_connection_dialog()
    pasted = ("postgresql://postgres.abcdefghij:s3cret%40pw@aws-0-eu-west-3.pooler.supabase.com:5432/postgres"
              "?sslmode=require")
    dialog.conninfo.setText(pasted)
    dialog.conninfo.textEdited.emit(pasted)
    assert (dialog.host.text(), dialog.port.value(), dialog.dbname.text(), dialog.user.text()) == (
        "aws-0-eu-west-3.pooler.supabase.com", 5432, "postgres", "postgres.abcdefghij")
    assert dialog.sslmode.currentData() == "require" and dialog.password.text() == "s3cret@pw"
    assert dialog.conninfo.text() == ""  # the password does not stay on screen, nor in the settings
    assert "s3cret" not in repr(dialog.settings())
    dialog.conninfo.textEdited.emit("postgresql://[broken")
    assert "not a connection string" in dialog.banner.text.text()
    session = dialog.session()
    assert session.place == "postgres @ aws-0-eu-west-3.pooler.supabase.com"


def test_without_a_keyring_nothing_says_a_password_is_remembered(qtbot: Any, window: Any, pg_dsn: str,
                                                                  restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    dialog = window.open_connection_dialog()
    assert not dialog.remember.isEnabled() and not dialog.remember.isChecked()
    assert "kept for this session only" in dialog.remember.text()
    # Whole, in French too: the keyring sentence and the buttons are not cut.
    window.set_language("fr")
    qtbot.wait(50)
    try:
        for widget in (dialog.remember, dialog.demo_button, dialog.test_button, dialog.connect_button):
            assert widget.width() >= widget.sizeHint().width() or not widget.isVisible(), widget.text()
    finally:
        window.set_language("en")
    assert dialog.password.placeholderText() == "Password of the database login"
    dialog.set_from_dsn(pg_dsn, ADMIN_EMAIL)
    with qtbot.waitSignal(dialog.connected, timeout=30_000):
        dialog.connect_button.click()
    assert window.ctx.settings.connection().remember is False
    keyring.set_keyring(MemoryKeyring())
    assert window.open_connection_dialog().remember.isEnabled()
