"""Setting an app's existing CRM up from the GUI (issue 12): the plan first, nothing changed until Apply.

The CRM is the seed plan's Supabase CRM (``seedcrm``), with two columns of leads pointing to profiles so
that the owner column has to be chosen. Connecting says the database is not set up and offers the set-up
dialog; reading the plan (and changing the region or the owner column) changes nothing in the catalog; the
plan saves as a script; Apply applies it in one transaction and signs in; a CRM changed between reading
and applying is not migrated, and the new plan is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import wait_for
from pgfixture import make_supabase_shape
from seedcrm import SeedVariant, catalog_snapshot, make_seed_crm

from crm_importer.crm.names import read_names
from crm_importer.crm.schema import SCHEMA_VERSION, MigrationPlan, schema_version

ADMIN_EMAIL = "admin@seed.test"


@pytest.fixture
def seed_dsn(pg_dsn_empty: str) -> str:
    with psycopg.connect(pg_dsn_empty, autocommit=True) as conn:
        make_supabase_shape(conn)
        make_seed_crm(conn, SeedVariant(second_owner="manager_id"))
    return pg_dsn_empty


def _snapshot(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return catalog_snapshot(conn)


def _not_set_up_dialog(qtbot: Any, window: Any, dsn: str) -> Any:
    dialog = window.open_connection_dialog()
    dialog.set_from_dsn(dsn, ADMIN_EMAIL)
    with qtbot.waitSignal(dialog.tested, timeout=60_000):
        dialog.connect_button.click()
    assert dialog.setup_button.isVisible()
    assert "not set up for crm-importer" in dialog.banner.text.text()
    assert window.ctx.session is None
    return dialog


def _planned(qtbot: Any, setup: Any, action: Any) -> Any:
    with qtbot.waitSignal(setup.planned, timeout=60_000) as blocker:
        action()
    return blocker.args[0]


def test_setup_shows_the_plan_changes_nothing_until_apply_then_signs_in(
        qtbot: Any, window: Any, seed_dsn: str, prompts: Any, tmp_path: Path) -> None:
    before = _snapshot(seed_dsn)
    dialog = _not_set_up_dialog(qtbot, window, seed_dsn)

    # Two columns point to profiles: the plan asks which one holds the owner, and offers both.
    setup = dialog.open_setup()  # reads the plan in a worker: its answer arrives through the event loop
    failed = _planned(qtbot, setup, lambda: None)
    assert isinstance(failed, Exception) and getattr(failed, "code", "") == "migrate_owner_ambiguous"
    assert setup.owner.isVisibleTo(setup)
    assert sorted(setup.owner.itemText(i) for i in range(setup.owner.count())) == ["manager_id", "owner_id"]
    assert not setup.apply_button.isEnabled()
    setup.owner.setCurrentIndex(setup.owner.findData("owner_id"))
    plan = _planned(qtbot, setup, lambda: setup.owner.activated.emit(setup.owner.currentIndex()))
    assert isinstance(plan, MigrationPlan) and plan.changes and plan.names.owner == "owner_id"
    text = setup.plan_view.toPlainText()
    assert "create table" in text.lower() and "owner_id" in text
    assert setup.apply_button.isEnabled() and str(len(plan.changes)) in setup.apply_button.text()

    # Save as SQL: the same plan as a script, still nothing changed.
    out = tmp_path / "plan"
    window.ctx.choose_save_file = lambda *_a, **_k: out.with_suffix(".sql")
    setup.save_button.click()
    script = out.with_suffix(".sql").read_text(encoding="utf-8")
    assert script.startswith("-- crm-importer db migrate") and "BEGIN;" in script and "COMMIT;" in script
    assert "Nothing has been changed" in setup.banner.text.text()
    assert _snapshot(seed_dsn) == before

    # Refusing the confirmation changes nothing either.
    prompts.answer = False
    setup.apply_button.click()
    assert prompts.asked and str(len(plan.changes)) in prompts.asked[-1]
    assert setup.task is None and _snapshot(seed_dsn) == before

    # Apply: one transaction, then the connection dialog connects again and signs in.
    prompts.answer = True
    with qtbot.waitSignal(dialog.connected, timeout=120_000):
        setup.apply_button.click()
    session = window.ctx.session
    assert session is not None and session.identity is not None and session.identity.role == "admin"
    with psycopg.connect(seed_dsn) as conn:
        assert read_names(conn).owner == "owner_id"
        assert schema_version(conn) == SCHEMA_VERSION
    assert "Signed in as" in window.status_text.text()


def test_a_crm_changed_after_the_plan_was_read_is_not_migrated(qtbot: Any, window: Any, seed_dsn: str,
                                                             prompts: Any) -> None:
    dialog = _not_set_up_dialog(qtbot, window, seed_dsn)
    setup = dialog.open_setup()
    _planned(qtbot, setup, lambda: None)
    setup.owner.setCurrentIndex(setup.owner.findData("owner_id"))
    first = _planned(qtbot, setup, lambda: setup.owner.activated.emit(setup.owner.currentIndex()))
    assert isinstance(first, MigrationPlan)
    # Meanwhile someone adds an index the importer would have created: the plan made under the lock differs.
    with psycopg.connect(seed_dsn, autocommit=True) as conn:
        conn.execute("create index leads_lower_external_id_by_dba on public.leads (lower(external_id))")
    before = _snapshot(seed_dsn)
    second = _planned(qtbot, setup, setup.apply_button.click)
    assert isinstance(second, MigrationPlan)
    assert [s.sql for s in second.changes] != [s.sql for s in first.changes]
    assert "changed since the plan was read" in setup.banner.text.text()
    assert _snapshot(seed_dsn) == before
    assert window.ctx.session is None and setup.isVisible()
    # The new plan applies.
    with qtbot.waitSignal(dialog.connected, timeout=120_000):
        setup.apply_button.click()
    wait_for(qtbot, lambda: window.ctx.session is not None)
