"""Long work off the GUI thread: a QRunnable that runs one plain function and reports through Qt signals.

The function gets plain data built on the GUI thread (never a database session or a QObject) and returns plain
data; the GUI thread saves the result in a fresh unit of work. Cancel is a stopping criterion
(`envservices.planning.stop.Cancel`), the same one the command line's Ctrl-C uses, so a cancelled solve still
hands back the best plan found so far.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from envservices.errors import UserError


class WorkerSignals(QObject):
    """Signals live on a QObject because a QRunnable cannot emit them itself."""

    progress = Signal(object)  # a tuple (best_cost, elapsed_s, message)
    finished = Signal(object)  # the function's result
    failed = Signal(str)  # one sentence for the user; the data was left as it was


class Worker(QRunnable):
    """Runs `fn(*args, stop=..., progress=..., **kwargs)` on a pool thread.

    With `cancellable=False` the function is called with its own arguments only (for work that cannot stop).
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, cancellable: bool = True, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it to cancel and wait on it
        self.signals = WorkerSignals()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._cancellable = cancellable
        self.stop: Any = None
        if cancellable:
            from envservices.planning.stop import Cancel

            self.stop = Cancel()
        self.started_at: float | None = None
        self.done = False

    def cancel(self) -> None:
        """Ask the function to stop at its next check; it still reports its best result through `finished`."""
        if self.stop is None:
            return
        for name in ("cancel", "set", "request"):
            method = getattr(self.stop, name, None)
            if callable(method):
                method()
                return

    def _report(self, *values: Any) -> None:
        self.signals.progress.emit(tuple(values))

    def run(self) -> None:  # noqa: D401 - Qt's name
        self.started_at = time.monotonic()
        try:
            if self._cancellable:
                result = self._fn(*self._args, stop=self.stop, progress=self._report, **self._kwargs)
            else:
                result = self._fn(*self._args, **self._kwargs)
        except UserError as exc:
            self.done = True
            self.signals.failed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a background failure must reach the user, not kill the app
            self.done = True
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.signals.failed.emit(f"The background job failed: {detail}")
            return
        self.done = True
        self.signals.finished.emit(result)


class WorkerPool:
    """Keeps the running workers so closing the window can cancel them all, then wait for them."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._workers: list[Worker] = []
        self._closed = False

    def start(self, worker: Worker, after_ms: int = 0) -> Worker:
        """Run `worker` on the pool, `after_ms` from now when the window has painting to do first.

        Why wait: every Python call a repaint makes (a delegate's paint, a model's data) must take the
        interpreter lock from a busy worker, up to Python's switch interval each time; a board repainted while
        the week was being prepared beside it froze for 118-326 ms (`ui.stalls`, change week, 2026-12-01).
        After `cancel_all` a worker still waiting never runs."""
        self._workers = [w for w in self._workers if not w.done]
        self._workers.append(worker)
        if after_ms <= 0:
            self._pool.start(worker)
        else:
            QTimer.singleShot(after_ms, lambda: self._start_later(worker))
        return worker

    def _start_later(self, worker: Worker) -> None:
        if self._closed:
            worker.done = True
            return
        self._pool.start(worker)

    def running(self) -> list[Worker]:
        return [w for w in self._workers if not w.done]

    def cancel_all(self, wait_ms: int = 10_000) -> bool:
        """Cancel every worker and wait for the pool; True when all stopped in time. Workers still waiting to
        start never run."""
        self._closed = True
        for w in self._workers:
            w.cancel()
        return self._pool.waitForDone(wait_ms)
