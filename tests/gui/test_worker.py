"""The worker adapter: results and errors as signals, throttled progress, cancel, clean shutdown."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import QThread

from crm_importer.engine.errors import CancelledError
from crm_importer.gui.meter import RateMeter
from crm_importer.gui.worker import TaskPool


@pytest.fixture
def pool(qapp: Any) -> Any:
    p = TaskPool()
    yield p
    p.shutdown()


def test_result_and_slots_on_the_gui_thread(qtbot: Any, pool: TaskPool) -> None:
    seen: dict[str, Any] = {}

    def work(progress: Any, is_cancelled: Any) -> int:
        seen["worker"] = threading.get_ident()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["slot_thread"] = QThread.currentThread()

    pool.start(work, on_finished=done)
    qtbot.waitUntil(lambda: "value" in seen, timeout=5_000)
    assert seen["value"] == 42
    assert seen["worker"] != threading.get_ident()
    assert seen["slot_thread"] is qtbot_thread(qtbot)


def qtbot_thread(_qtbot: Any) -> Any:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.instance().thread()


def test_errors_are_data(qtbot: Any, pool: TaskPool) -> None:
    def work(progress: Any, is_cancelled: Any) -> None:
        raise ValueError("boom")

    failures: list[BaseException] = []
    pool.start(work, on_failed=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
    assert isinstance(failures[0], ValueError)


def test_progress_is_throttled(qtbot: Any, pool: TaskPool) -> None:
    received: list[int] = []

    def work(progress: Any, is_cancelled: Any) -> int:
        end = time.monotonic() + 0.55
        n = 0
        while time.monotonic() < end:
            progress(n)
            n += 1
        return n

    results: list[int] = []
    task = pool.start(work, on_progress=received.append, on_finished=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=5_000)
    assert results[0] > 1000  # the engine may call progress as often as it likes
    assert 1 <= len(received) <= 7  # at most 10 a second reach the GUI
    assert task.progress_signals == len(received)


def test_cancel_stops_at_the_next_check_and_shutdown_waits(qtbot: Any, pool: TaskPool) -> None:
    started = threading.Event()

    def work(progress: Any, is_cancelled: Any) -> None:
        started.set()
        while True:
            time.sleep(0.01)
            if is_cancelled():
                raise CancelledError()

    task = pool.start(work)
    assert started.wait(5)
    assert pool.running() == [task]
    assert pool.shutdown(10_000)
    assert task.done and task.is_cancelled()


def test_rate_meter() -> None:
    meter = RateMeter(window=5.0)
    assert meter.rate() == 0.0 and meter.eta(100) is None
    meter.add(0, now=10.0)
    meter.add(1000, now=11.0)
    meter.add(3000, now=12.0)
    assert meter.rate() == pytest.approx(1500.0)
    assert meter.eta(6000) == pytest.approx(2.0)
    meter.add(4000, now=20.0)  # older samples leave the window
    assert meter.rate() == pytest.approx(1000.0 / 8.0)
