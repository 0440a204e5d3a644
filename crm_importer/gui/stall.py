"""How long the GUI thread stalls while the worker validates and imports (SPEC 12: never above 100 ms).

A QTimer ticking every 10 ms on the GUI thread records the longest gap between two ticks: any moment the
event loop could not run (a slow slot, the GIL held by the worker, a signal storm) shows up as a gap.
Used by the GUI test suite and usable from a benchmark script::

    from crm_importer.gui.stall import measure_wizard_stall
    report = measure_wizard_stall(window, Path("200k.csv"), dsn, "admin@…")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer


@dataclass
class StallReport:
    what: str
    seconds: float
    ticks: int
    max_gap_ms: float
    p99_gap_ms: float = 0.0
    #: The ten longest gaps, for a report that says whether one outlier or a pattern.
    worst_ms: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.what}: {self.seconds:.1f} s, {self.ticks} ticks, longest GUI stall "
                f"{self.max_gap_ms:.1f} ms, 99th percentile {self.p99_gap_ms:.1f} ms (worst: {', '.join(f'{g:.0f}' for g in self.worst_ms[:5])})")


def measure_stall(what: str, start: Callable[[], None], done: Callable[[], bool], *, timeout: float = 900.0,
                  interval_ms: int = 10) -> StallReport:
    """Run ``start()`` then the real event loop until ``done()``, timing the gaps between 10 ms ticks."""
    gaps: list[float] = []
    last = time.perf_counter()
    began = last
    loop = QEventLoop()
    timed_out = False

    def tick() -> None:
        nonlocal last, timed_out
        now = time.perf_counter()
        gaps.append((now - last) * 1000.0)
        last = now
        if done():
            loop.quit()
        elif now - began > timeout:
            timed_out = True
            loop.quit()

    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    timer.start()
    start()
    last = time.perf_counter()
    loop.exec()
    timer.stop()
    if timed_out:
        raise TimeoutError(f"{what} did not finish within {timeout:.0f} s")
    ordered = sorted(gaps)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    worst = ordered[::-1][:10]
    return StallReport(what, time.perf_counter() - began, len(gaps), worst[0] if worst else 0.0, p99, worst)


def measure_wizard_stall(window: Any, path: Path, dsn: str | None = None, email: str | None = None,
                         *, timeout: float = 900.0) -> list[StallReport]:
    """Open ``path`` in the wizard, validate it and (with ``dsn``) import it, measuring each phase.

    ``window`` is a :class:`crm_importer.gui.app.MainWindow`; prompts must already answer yes
    (``window.ctx.ask``) if the file may have been imported before.
    """
    from crm_importer.gui.tasks import CrmSession, check_connection

    wizard = window.wizard
    reports = []
    if dsn and email:
        window.ctx.set_session(check_connection(CrmSession(dsn, email)))
    reports.append(measure_stall("open", lambda: wizard.file_page.open_path(path),
                                 lambda: wizard.state.inspection is not None and wizard.state.file_hash is not None
                                 and not window.ctx.pool.running(), timeout=timeout))
    wizard.go_next()
    wizard.go_next()
    wizard.go_next()
    page = wizard.validation_page
    reports.append(measure_stall("validation", page.start, lambda: page.task is None, timeout=timeout))
    if wizard.state.job is None:
        raise RuntimeError(page.banner.text.text())
    if dsn and email:
        wizard.go_next()
        ipage = wizard.import_page
        reports.append(measure_stall("import", ipage.start, lambda: ipage.task is None, timeout=timeout))
        if wizard.state.imported is None or wizard.state.imported.status != "completed":
            raise RuntimeError(ipage.result.text.text())
    return reports
