"""Module-level functions for `tests/test_child_work.py`: a spawned child imports its target by name."""

from __future__ import annotations

import os
import time

from envservices.errors import UserError


def weeks_of_work(weeks: int, *, progress, stop):
    """Reports each week done and stops at the next week once asked, keeping the weeks done."""
    done = []
    for week in range(1, weeks + 1):
        if stop():
            break
        time.sleep(0.05)
        done.append(week)
        progress(week, weeks, f"{week} of {weeks} weeks")
    return {"pid": os.getpid(), "weeks": done}


def refuses(*, progress, stop):
    raise UserError("the database holds no district to compare; build the demo or import places first")


def falls_over(*, progress, stop):
    raise ZeroDivisionError("division by zero")
