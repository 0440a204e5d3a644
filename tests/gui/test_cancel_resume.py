"""Cancel an import at a batch boundary, then resume it from History: every lead exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import connect, leads_count, make_csv, open_file, validate, wait_for


def test_cancel_then_resume_from_history(qtbot: Any, window: Any, pg_dsn: str, tmp_path: Path) -> None:
    path = make_csv(tmp_path / "salon.csv", 30_000)
    connect(window, pg_dsn)
    wizard = window.wizard
    open_file(qtbot, window, path)
    job = validate(qtbot, window)
    assert job.valid_rows == 30_000 and job.duplicate_rows == 0
    wizard.go_next()
    page = wizard.import_page
    assert page.start_button.text() == "Import 30,000 rows"

    # cancel as soon as the first batch is reported
    page.start()
    assert not wizard.back_button.isVisible()
    qtbot.waitUntil(lambda: page._rows > 0, timeout=60_000)
    assert page.progress_card.isVisible() and "of 30,000 rows" in page.rows_label.text()
    with qtbot.waitSignal(page.import_failed, timeout=60_000) as failed:
        page.cancel_button.click()
    assert "cancelled" in failed.args[0]
    stopped = window.ctx.store.get_job(job.id)
    assert stopped.status == "cancelled" and 0 < stopped.imported_rows < 30_000
    assert leads_count(pg_dsn, job.id) == stopped.imported_rows
    assert page.resume_button.isVisible()

    # History: the job is resumable
    window.show_view(1)
    history = window.history
    assert history.select_job(job.id)
    assert history.resume_button.isEnabled() and not history.retry_button.isEnabled()
    with qtbot.waitSignal(history.action_finished, timeout=120_000) as finished:
        history.resume_button.click()
    action, result = finished.args
    assert action == "resume" and result.status == "completed", result
    assert result.imported_rows == 30_000
    assert leads_count(pg_dsn, job.id) == 30_000
    wait_for(qtbot, lambda: history.selected_job() is not None and history.selected_job().status == "completed",
             5_000)
    assert not history.resume_button.isEnabled() and history.undo_button.isEnabled()


def test_close_during_import_cancels_and_waits(qtbot: Any, window: Any, pg_dsn: str, tmp_path: Path,
                                               prompts: Any) -> None:
    connect(window, pg_dsn)
    wizard = window.wizard
    open_file(qtbot, window, make_csv(tmp_path / "big.csv", 30_000))
    job = validate(qtbot, window)
    wizard.go_next()
    wizard.import_page.start()
    qtbot.waitUntil(lambda: wizard.import_page._rows > 0, timeout=60_000)
    window.close()  # asks, cancels at the batch boundary, closes once the worker stopped
    assert prompts.asked and window.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert window.ctx.store.get_job(job.id).status == "cancelled"
