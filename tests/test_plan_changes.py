"""The board's pending decisions without Qt (ui.screens.plan_board.changes)."""

from __future__ import annotations

import datetime as dt

from envservices.domain import CrewDay, Plan
from envservices.ui.screens.plan_board.changes import PendingChanges

MON = dt.date(2026, 11, 30)


def test_absence_drops_the_lock_and_the_pins_sent_there():
    c = PendingChanges()
    c.pin("t1", "a", MON)
    c.pin("t2", "b", MON)
    c.lock(("a", MON), True)
    c.set_absent(("a", MON), True)
    assert set(c.pins) == {"t2"} and ("a", MON) not in c.locked and c.absent == {("a", MON)}
    assert c.summary() == "1 pinned, 1 absent: press Re-plan to apply"
    assert c.pins_per_cell() == {("b", MON): 1}


def test_clear_keeps_the_days_the_stored_plan_locks_and_forget_keeps_nothing():
    plan = Plan("p", "2026-W49", crew_days=(CrewDay("a", MON, (), locked=True), CrewDay("b", MON, ())))
    c = PendingChanges()
    c.pin("t1", "b", MON)
    c.set_absent(("b", MON), True)
    c.clear(plan)
    assert c.locked == {("a", MON)} and not c.pins and not c.absent
    args = c.prepare_args("2026-W49", None, None, plan)
    assert args["locked_plan"] is plan and args["locked_days"] == (("a", MON),)
    c.forget()
    assert c.summary() == "" and c.prepare_args("2026-W49", None, None, plan)["locked_plan"] is None
