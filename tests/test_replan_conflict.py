"""Two supervisors re-planning the same week: the second save is refused, never a silent overwrite."""

from __future__ import annotations

import pytest

from envservices import services
from envservices.errors import ConflictError


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db = services.open_db(str(tmp_path_factory.mktemp("replan") / "d.sqlite"))
    services.district.create_demo(db, seed=2, scale=0.25)
    yield db
    db.dispose()


def test_replan_over_a_plan_saved_meanwhile_is_refused(db):
    """A and B both start from the stored plan; A saves first; B's save raises a conflict naming the plan."""
    week = "2026-W24"
    first = services.planning.solve_week(services.planning.prepare_week(db, week), time_limit_s=1)
    services.planning.save_plan(db, first)
    a = services.planning.prepare_week(db, week)
    b = services.planning.prepare_week(db, week)
    assert a.replaces == b.replaces and a.replaces[0] == first.id
    services.planning.save_plan(db, services.planning.solve_week(a, time_limit_s=1))
    with pytest.raises(ConflictError, match=first.id):
        services.planning.save_plan(db, services.planning.solve_week(b, time_limit_s=1))
    stored = services.planning.load_plan(db, week)
    assert stored.id == first.id and stored.version == 2


def test_replan_after_reading_the_latest_saves(db):
    """Re-planning from the latest stored plan saves over it and bumps its version."""
    week = "2026-W25"
    services.planning.save_plan(db, services.planning.solve_week(services.planning.prepare_week(db, week),
                                                                  time_limit_s=1))
    again = services.planning.prepare_week(db, week)
    services.planning.save_plan(db, services.planning.solve_week(again, time_limit_s=1))
    assert services.planning.load_plan(db, week).version == again.replaces[1] + 1


def test_replanning_the_whole_week_after_a_depot_plan_replaces_its_own_plan(db):
    """One plan per area, depot and week: re-planning the whole district replaces the whole district's plan,
    even when a depot's plan of the same week was saved after it."""
    week = "2026-W27"
    whole = services.planning.solve_week(services.planning.prepare_week(db, week), time_limit_s=1)
    services.planning.save_plan(db, whole)
    with db.unit_of_work() as uow:
        depot = uow.sites.list(kind="depot")[0]
    services.planning.save_plan(db, services.planning.solve_week(
        services.planning.prepare_week(db, week, depot=depot.id), time_limit_s=1))
    again = services.planning.prepare_week(db, week)
    assert again.replaces is not None and again.replaces[0] == whole.id
