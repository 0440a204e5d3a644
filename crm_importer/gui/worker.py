"""The one Qt adapter between the engine and the widgets: a QRunnable plus a QObject carrying its signals.

The engine takes plain callables (``progress(Progress)``, ``is_cancelled()``); :class:`Task` hands it
thread-safe ones and turns what happens into queued signals, so a widget never runs on the worker thread
and the worker never touches a widget. Progress is throttled here (at most one signal per
:data:`PROGRESS_INTERVAL`), because the engine may report per batch of a few hundred rows and a signal
storm is exactly what makes a GUI stall. Cancelling only sets a flag: the engine raises
:class:`~crm_importer.engine.errors.CancelledError` at its next batch boundary, leaving the job resumable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

#: Minimum time between two ``progressed`` signals (10 per second at most).
PROGRESS_INTERVAL = 0.1

ProgressFn = Callable[[Any], None]
CancelFn = Callable[[], bool]
TaskFn = Callable[[ProgressFn, CancelFn], Any]


class TaskSignals(QObject):
    """Lives in the GUI thread; signals emitted from the worker reach their slots there (queued)."""

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    """Runs ``fn(progress, is_cancelled)`` on a pool thread and reports through :attr:`signals`.

    ``fn`` must open its own resources (a :class:`~crm_importer.engine.jobstore.JobStore`, a CRM
    connection): SQLite connections and psycopg connections belong to the thread that uses them.
    """

    def __init__(self, fn: TaskFn, *, name: str = "", interval: float = PROGRESS_INTERVAL) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the pool wrapper keeps the Python object alive until it is done
        self.fn = fn
        self.name = name
        self.signals = TaskSignals()
        self._interval = interval
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._last_emit = 0.0
        self.progress_signals = 0

    # --- called from any thread -----------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # --- called on the worker thread --------------------------------------------------------------
    def _progress(self, value: Any) -> None:
        now = time.monotonic()
        if now - self._last_emit < self._interval:
            return
        self._last_emit = now
        self.progress_signals += 1
        self.signals.progressed.emit(value)

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.is_cancelled)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI as data
            self._done.set()
            self.signals.failed.emit(exc)
        else:
            self._done.set()
            self.signals.finished.emit(result)


class TaskPool(QObject):
    """A dedicated QThreadPool (not the global one, which Qt itself uses) with at most two threads.

    Two, because one long job (a validation or an import) must not keep a short one (a connection test,
    the File page's hash) waiting. Tasks stay referenced here until their last signal was delivered.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def start(
        self,
        fn: TaskFn,
        *,
        name: str = "",
        on_progress: Callable[[Any], None] | None = None,
        on_finished: Callable[[Any], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Queue ``fn``; the callbacks run on the GUI thread."""
        task = Task(fn, name=name)
        if on_progress is not None:
            task.signals.progressed.connect(on_progress)
        if on_finished is not None:
            task.signals.finished.connect(on_finished)
        if on_failed is not None:
            task.signals.failed.connect(on_failed)
        task.signals.finished.connect(lambda _=None, t=task: self._forget(t))
        task.signals.failed.connect(lambda _=None, t=task: self._forget(t))
        was_busy = bool(self._tasks)
        self._tasks.add(task)
        if not was_busy:
            self.busy_changed.emit(True)
        self.pool.start(task)
        return task

    def _forget(self, task: Task) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self.busy_changed.emit(False)

    def running(self, name: str | None = None) -> list[Task]:
        return [t for t in self._tasks if name is None or t.name == name]

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Cancel everything and wait for the threads: never kill a thread in the middle of a batch."""
        self.cancel_all()
        return self.pool.waitForDone(timeout_ms)
