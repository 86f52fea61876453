"""Waiting for another envservices that is writing to the same SQLite file.

SQLite lets one writer at a time. A transaction that read before another program's commit cannot write
afterwards (SQLite says "database is locked" at once, without waiting its busy timeout), so the whole unit
of work must run again. `retry_busy` does that until the busy timeout has passed, then the user reads
one sentence (errors.BUSY_MESSAGE) instead of 2.8 KB of SQL. Measured before: the loser of two concurrent
imports failed after 1.5 s although the busy timeout is 10 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from envservices.errors import AlreadyStored, DatabaseBusy
from envservices.storage import engine as engine_settings

T = TypeVar("T")


def retry_busy(work: Callable[[], T], *, wait_s: float | None = None, retry_duplicate: bool = False) -> T:
    """Run a whole unit of work again while the database is busy, for up to `wait_s` seconds (default: the
    SQLite busy timeout).

    With `retry_duplicate`, a duplicate (an area created by a concurrent import under the same name) also
    runs the work once more, so it finds and uses what the other one stored.
    """
    wait_s = engine_settings.BUSY_TIMEOUT_MS / 1000 if wait_s is None else wait_s
    started = time.monotonic()
    delay = 0.05
    duplicate_retried = False
    while True:
        try:
            return work()
        except DatabaseBusy:
            if time.monotonic() - started + delay > wait_s:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except AlreadyStored:
            if not retry_duplicate or duplicate_retried:
                raise
            duplicate_retried = True
