"""GUI fixtures: a real main window (offscreen), prompts answered by the test, helpers to wait on workers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "leads-sample.csv"
ADMIN_EMAIL = "admin@demo.crm-importer.test"

#: The offscreen platform says this when a dialog is shown; it is not a problem of ours.
_OFFSCREEN_NOISE = r"This plugin does not support"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_NOISE))
            item.add_marker(pytest.mark.gui)


@dataclass
class Prompts:
    """What the app asked or told the user; ``answer`` is the reply to every question."""

    answer: bool = True
    asked: list[str] = field(default_factory=list)
    told: list[str] = field(default_factory=list)
    opened: list[Path] = field(default_factory=list)


@pytest.fixture
def prompts() -> Prompts:
    return Prompts()


@pytest.fixture
def window(qtbot: Any, qapp: Any, prompts: Prompts) -> Iterator[Any]:
    from crm_importer.gui.app import create_main_window
    from crm_importer.gui.resources import stylesheet

    qapp.setStyleSheet(stylesheet())
    win = create_main_window(auto_connect=False)
    ctx = win.ctx
    ctx.ask = lambda _parent, title, text: (prompts.asked.append(text), prompts.answer)[1]
    ctx.tell = lambda _parent, title, text, error=False: prompts.told.append(text)
    ctx.open_path = lambda path: prompts.opened.append(Path(path))
    qtbot.addWidget(win)
    win.show()
    yield win
    ctx.pool.shutdown()
    qapp.processEvents()
    ctx.close()


def connect(window: Any, dsn: str, email: str = ADMIN_EMAIL) -> None:
    """Sign in the way the connection dialog does once its check passed (the dialog has its own tests)."""
    from crm_importer.gui.tasks import CrmSession, check_connection

    window.ctx.set_session(check_connection(CrmSession(dsn, email)))


def wait_for(qtbot: Any, predicate: Callable[[], bool], timeout: int = 60_000) -> None:
    qtbot.waitUntil(predicate, timeout=timeout)


def open_file(qtbot: Any, window: Any, path: Path = SAMPLE) -> None:
    page = window.wizard.file_page
    with qtbot.waitSignal(page.inspected, timeout=30_000):
        page.open_path(path)
    wait_for(qtbot, lambda: window.wizard.state.file_hash is not None and not window.ctx.pool.running("hash"))


def validate(qtbot: Any, window: Any, timeout: int = 120_000) -> Any:
    wizard = window.wizard
    while wizard.current < 3:
        wizard.go_next()
    with qtbot.waitSignal(wizard.validation_page.validated, timeout=timeout) as blocker:
        wizard.validation_page.start()
    return blocker.args[0]


def leads_count(dsn: str, job_id: str | None = None) -> int:
    import psycopg

    with psycopg.connect(dsn) as conn:
        if job_id is None:
            return conn.execute("select count(*) from public.leads").fetchone()[0]
        return conn.execute("select count(*) from public.leads where import_job_id = %s", (job_id,)).fetchone()[0]


def make_csv(path: Path, rows: int, *, start: int = 0) -> Path:
    """A realistic French CSV of ``rows`` valid, distinct leads (polars writes it in well under a second)."""
    import polars as pl

    idx = pl.int_range(start, start + rows, eager=True)
    frame = pl.DataFrame({
        "Prénom": pl.Series(["Camille", "Léa", "Hugo", "Zoé", "Jérôme"]).sample(rows, with_replacement=True, seed=1),
        "Nom": pl.Series(["Martin", "Dubois", "Lefèvre", "Roux"]).sample(rows, with_replacement=True, seed=2),
        "E-mail": "lead" + idx.cast(pl.String) + "@exemple.fr",
        "Téléphone": "+33 6 " + (10_000_000 + idx).cast(pl.String).str.slice(0, 8),
        "Société": pl.Series(["Boulangerie Dupain", "Ateliers de Provence", "Nordic Conseil"]).sample(
            rows, with_replacement=True, seed=3),
        "Ville": pl.Series(["Paris", "Lyon", "Nantes"]).sample(rows, with_replacement=True, seed=4),
        "Identifiant externe": "EXT-" + idx.cast(pl.String),
    })
    frame.write_csv(path, separator=";")
    return path


def elapsed(start: float) -> float:
    return time.monotonic() - start
