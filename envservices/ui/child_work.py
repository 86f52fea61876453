"""Long work in a child process, so the desktop's interpreter never waits on it.

A worker thread keeps the window painting only while the work lets go of the interpreter lock. Simulating a
season builds hundreds of thousands of objects, and Python's full garbage collections over them ran on the
worker while holding the lock: 170-479 ms each, about every 10 s, on a loaded 2-core machine (measured with
`gc.callbacks` around `python -m envservices.ui.stalls`), and each was a frozen window. In a child process those
collections happen in another interpreter. The worker thread that called `run_in_child` relays the child's
progress, passes Cancel on (the work stops at its next check and still answers), and returns its result.

The child is started with "spawn" (a fresh interpreter: forking a process that runs Qt threads is unsafe) and
opens the database itself from its URL, so only plain, picklable arguments and results cross.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import traceback
from collections.abc import Callable
from typing import Any

from envservices.errors import UserError

POLL_S = 0.1


def _child_main(target: Callable[..., Any], args: tuple, kwargs: dict, messages: Any, cancel: Any) -> None:
    def progress(*values: Any) -> None:
        messages.put(("progress", values))

    try:
        result = target(*args, progress=progress, stop=cancel.is_set, **kwargs)
    except UserError as exc:
        messages.put(("user_error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent turns it into one sentence
        messages.put(("error", traceback.format_exception_only(type(exc), exc)[-1].strip()))
    else:
        messages.put(("result", result))


def run_in_child(target: Callable[..., Any], *args: Any, stop: Any = None,
                 progress: Callable[..., None] | None = None, **kwargs: Any) -> Any:
    """Run `target(*args, progress=..., stop=..., **kwargs)` in a spawned process and return its result.

    `target` must be a module-level function; in the child `stop()` is true once Cancel was pressed here, and
    `progress(*values)` arrives here as `progress(*values)`. A `UserError` in the child is raised here as one.
    """
    ctx = multiprocessing.get_context("spawn")
    messages = ctx.Queue()
    cancel = ctx.Event()
    process = ctx.Process(target=_child_main, args=(target, args, kwargs, messages, cancel), daemon=True,
                          name="envservices-background")
    process.start()
    try:
        while True:
            if stop is not None and not cancel.is_set() and _cancelled(stop):
                cancel.set()
            try:
                kind, payload = messages.get(timeout=POLL_S)
            except queue_module.Empty:
                if not process.is_alive():
                    try:  # its last words may still be in the pipe
                        kind, payload = messages.get(timeout=1.0)
                    except queue_module.Empty:
                        raise RuntimeError(f"the background process stopped without an answer "
                                           f"(exit code {process.exitcode})") from None
                else:
                    continue
            if kind == "progress":
                if progress is not None:
                    progress(*payload)
            elif kind == "result":
                return payload
            elif kind == "user_error":
                raise UserError(payload)
            else:
                raise RuntimeError(payload)
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
        messages.close()


def _cancelled(stop: Any) -> bool:
    """A `planning.stop.Cancel` (its `cancelled` property) or any stopping criterion."""
    cancelled = getattr(stop, "cancelled", None)
    if isinstance(cancelled, bool):
        return cancelled
    return bool(stop(float("inf"))) if callable(stop) else False
