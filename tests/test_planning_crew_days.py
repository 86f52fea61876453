"""Crew-days as a cost: a light week goes on few crews, the plan says which crews it can release."""

from __future__ import annotations

import pytest

from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.planning.build import straight_line_travel
from envservices.planning.check import check
from envservices.planning.problem import PlanningProblem, ProblemCrew, ProblemTask
from envservices.planning.solve import solve
from envservices.planning.stop import IterationLimit

H = 3600


def _light_week(day_cost: float) -> PlanningProblem:
    """Four crews, 5 days, about 12 hours of picks due any day: two crew-days would hold it all."""
    points = [(0.0, 0.0)] + [(300.0 * (i % 6), 300.0 * (i // 6)) for i in range(24)]
    tasks = tuple(ProblemTask(f"t{i}", f"p{i % 6}", i + 1, "litter_pick", "litter_pick", 1800, 0, 4)
                  for i in range(24))
    crews = tuple(ProblemCrew(f"c{k}", frozenset({"litter_pick"}), 0, 10_000, 7 * H, 15 * H,
                              day_cost=day_cost) for k in range(4))
    return PlanningProblem(tasks, crews, straight_line_travel()(points))


def test_fixed_crew_day_cost_consolidates_a_light_week():
    """With a cost per crew-day the week uses a few full days, not a little of every crew's every day."""
    spread = solve(_light_week(0.0), time_limit_s=3, seed=1)
    packed = solve(_light_week(195.0), time_limit_s=3, seed=1)
    assert check(_light_week(195.0), packed) == []
    assert not packed.unplanned
    assert packed.kpis["crew_days"] <= 3 < spread.kpis["crew_days"]


def test_release_figures_count_crews_not_used():
    """Crews free that day but given no work are counted per day, and crews unused all week by name."""
    r = solve(_light_week(195.0), time_limit_s=3, seed=1)
    k = r.kpis
    assert len(k["crews_released_by_day"]) == 5
    assert k["crew_days_released"] == 20 - k["crew_days"]
    assert k["crews_released_week"] == len(k["crews_released"]) >= 1
    used = {rt.crew for rt in r.routes if rt.stops}
    assert not used & set(k["crews_released"])


@pytest.mark.parametrize("field", ["cost_per_crew_day", "cost_per_vehicle_day"])
@pytest.mark.parametrize("value", [0.0, -5.0])
def test_fixed_cost_of_zero_or_below_is_refused(field, value):
    """A crew-day or vehicle-day cost of zero or less is refused with a sentence naming the setting."""
    with pytest.raises(UserError, match=field):
        Settings(**{field: value})
    with pytest.raises(UserError, match=field):
        Settings.from_mapping({field: value})


def test_fewest_crews_releases_crews_and_leaves_no_due_work_out():
    """The light week needs one or two of its four crews; the rest are named as released."""
    from envservices.planning.fewest import due_left_out, solve_fewest_crews

    p = _light_week(0.0)
    r = solve_fewest_crews(p, time_limit_s=6, seed=1)
    assert check(p, r) == []
    assert not due_left_out(p, r)
    assert r.kpis["fewest_crews"] <= 2
    assert len(r.kpis["crews_released"]) >= 2
    assert not {rt.crew for rt in r.routes if rt.stops} & set(r.kpis["crews_released"])


def test_kpis_are_a_typed_value_and_back():
    """The engine's KPI dict round-trips through PlanKpis; unknown keys are kept, not lost."""
    from envservices.planning.result import PlanKpis

    r = solve(_light_week(195.0), stop=IterationLimit(200), time_limit_s=5, seed=1)
    typed = PlanKpis.from_dict(r.kpis | {"status": "feasible"})
    assert typed.crew_days == r.kpis["crew_days"] and typed.extra == {"status": "feasible"}
    assert typed.as_dict() == r.kpis | {"status": "feasible"}


def test_cpsat_packing_releases_the_crews_a_light_week_does_not_need():
    """12 hours of work in a week of four crews: the packing keeps one or two crews and few crew-days."""
    from envservices.planning.engine.cpsat import crews_to_release

    released, crew_days = crews_to_release(_light_week(195.0), time_limit_s=2)
    assert len(released) >= 2 and 1 <= crew_days <= 4
