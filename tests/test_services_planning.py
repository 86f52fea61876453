"""The needs model learns from visits marked done; only those in the window asked for are read."""

from __future__ import annotations

import datetime as dt

from envservices import services
from envservices.domain import VisitStatus
from envservices.services.planning import visits_done


def test_visits_done_reads_only_the_weeks_asked_for(tmp_path):
    """A visit marked done in a stored plan is found in its week's window and not outside it."""
    db = services.open_db(str(tmp_path / "d.sqlite"))
    services.district.create_demo(db, seed=4, scale=0.25)
    plan = services.planning.solve_week(services.planning.prepare_week(db, "2026-W24"), time_limit_s=1)
    services.planning.save_plan(db, plan)
    day = next(cd for cd in plan.crew_days if cd.visits)
    task = day.visits[0].task_id
    services.planning.mark_visit(db, plan.id, task, VisitStatus.DONE)
    with db.unit_of_work() as uow:
        inside = visits_done(uow, day.day - dt.timedelta(days=30), day.day + dt.timedelta(days=1))
        before = visits_done(uow, day.day - dt.timedelta(days=30), day.day)
    assert [v.task_id for _, v in inside] == [task]
    assert before == []
    db.dispose()
