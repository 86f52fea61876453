"""A seeded synthetic week for measuring the engine at any size, without the demo district or a database.

Places are clusters of assets around a few depots; the mix of work is like a district's week (many short bin
empties, litter picks, some mowing and verge cuts followed by sweeps, a few hedges and fly-tips), and there is
a little less than the crews' time in it, so a good plan leaves nothing out and a poor one does.
"""

from __future__ import annotations

import random

import numpy as np

from envservices.planning.build import straight_line_travel
from envservices.planning.problem import (
    Before,
    PlanningProblem,
    ProblemBreak,
    ProblemCrew,
    ProblemTask,
    ProblemTip,
    Together,
    Within,
)

# service, skill, equipment, duration range (s), volume range (l), share of tasks
_MIX = (
    ("empty_bin", "bin_empty", None, (120, 240), (20, 90), 0.60),
    ("litter_pick", "litter_pick", None, (300, 1200), (10, 40), 0.22),
    ("mow", "mowing", "mower", (900, 2700), (0, 0), 0.07),
    ("verge_cut", "strimming", "strimmer", (600, 1800), (0, 0), 0.04),
    ("mech_sweep", "mechanical_sweep", "sweeper", (600, 1500), (50, 150), 0.05),
    ("hedge_cut", "hedge", "hedge_cutter", (900, 2400), (30, 80), 0.015),
    ("fly_tip", "fly_tip", None, (900, 1800), (200, 400), 0.01),
)

_CREW_KINDS = (
    # skills, equipment, capacity
    (frozenset({"bin_empty", "litter_pick", "fly_tip", "driver"}), frozenset(), 3000),
    (frozenset({"litter_pick", "mowing", "strimming", "hedge", "driver"}),
     frozenset({"mower", "strimmer", "hedge_cutter"}), 1500),
    (frozenset({"mechanical_sweep", "litter_pick", "bin_empty", "driver"}), frozenset({"sweeper"}), 2500),
)


def synthetic_problem(n_tasks: int, n_crews: int, seed: int = 0, days: int = 5,
                      side_m: float = 12_000.0, places_per_crew: int = 8, lazy: bool = False) -> PlanningProblem:
    """A week of `n_tasks` tasks for `n_crews` crews, one depot per 8 crews and two tips per depot; `lazy`
    gives it travel computed on demand, as a county's."""
    rng = random.Random(seed)
    n_depots = max(1, (n_crews + 7) // 8)
    depots = [(rng.uniform(0.3, 0.7) * side_m, rng.uniform(0.3, 0.7) * side_m) for _ in range(n_depots)]
    if n_depots > 1:
        depots = [((i + 0.5) / n_depots * side_m, side_m / 2 + rng.uniform(-1, 1) * side_m / 8)
                  for i in range(n_depots)]
    points: list[tuple[float, float]] = list(depots)
    tips = []
    for d, (dx, dy) in enumerate(depots):
        for j in range(2):
            points.append((dx + rng.uniform(-3000, 3000), dy + rng.uniform(-3000, 3000)))
            tips.append(ProblemTip(f"tip-{d}-{j}", len(points) - 1, 6 * 3600, 18 * 3600, 900))
    n_places = max(2, n_crews * places_per_crew)
    place_xy = []
    for p in range(n_places):
        dx, dy = depots[p % n_depots]
        spread = side_m / (2 * n_depots ** 0.5)
        place_xy.append((min(side_m, max(0.0, dx + rng.gauss(0, spread / 2))),
                         min(side_m, max(0.0, dy + rng.gauss(0, spread / 2)))))
    services = [m for m in _MIX]
    weights = [m[5] for m in _MIX]
    tasks: list[ProblemTask] = []
    for i in range(n_tasks):
        svc, skill, equipment, (d0, d1), (v0, v1), _w = rng.choices(services, weights)[0]
        p = rng.randrange(n_places)
        px, py = place_xy[p]
        points.append((px + rng.gauss(0, 250), py + rng.gauss(0, 250)))
        earliest = rng.randrange(days)
        latest = min(days - 1, earliest + rng.choice((0, 1, 2, 4, 4)))
        if rng.random() < 0.3:
            earliest = 0
            latest = days - 1
        window = (None, None)
        if rng.random() < 0.05:
            window = (7 * 3600 + 1800, 11 * 3600)
        urgent = svc == "fly_tip" or rng.random() < 0.01
        tasks.append(ProblemTask(
            id=f"t{i}", place=f"place{p}", location=len(points) - 1, service=svc, skill=skill,
            duration_s=rng.randrange(d0, d1 + 1), earliest_day=earliest, latest_day=latest,
            equipment=equipment, volume_l=rng.randrange(v0, v1 + 1) if v1 else 0,
            window_start_s=window[0], window_end_s=window[1], urgent=urgent,
            penalty=10_000_000 if urgent else (2_000 if rng.random() < 0.2 else 10_000),
            asset=f"a{i}",
        ))
    crews = []
    for c in range(n_crews):
        skills, equipment, capacity = _CREW_KINDS[c % len(_CREW_KINDS)]
        crews.append(ProblemCrew(
            id=f"crew{c}", skills=skills, depot_location=c % n_depots, capacity_l=capacity,
            shift_start_s=7 * 3600, shift_end_s=15 * 3600 + 1800, equipment=equipment,
            breaks=(ProblemBreak(10 * 3600, 12 * 3600 + 1800, 1800),), overtime_s=3600,
            cost_per_hour=62.0, cost_per_km=0.45,
        ))
    by_place: dict[str, list[ProblemTask]] = {}
    for t in tasks:
        by_place.setdefault(t.place, []).append(t)
    before, within, together = [], [], []
    for place_tasks in by_place.values():
        if len(place_tasks) > 1:
            together.append(Together(tuple(t.id for t in place_tasks)))
        picks = [t for t in place_tasks if t.service == "litter_pick"]
        for m in (t for t in place_tasks if t.service == "mow"):
            for f in picks[:1]:
                if max(f.earliest_day, m.earliest_day) <= min(f.latest_day, m.latest_day):
                    before.append(Before(f.id, m.id))
        cuts = [t for t in place_tasks if t.service == "verge_cut"]
        for sw in (t for t in place_tasks if t.service == "mech_sweep"):
            for f in cuts[:1]:
                if sw.latest_day >= f.earliest_day and sw.earliest_day <= f.latest_day + 1:
                    within.append(Within(f.id, sw.id, 1))
    function = straight_line_travel(30.0, 1.3)
    travel = (function.lazy if lazy else function)(np.asarray(points))
    return PlanningProblem(
        tasks=tuple(tasks), crews=tuple(crews), travel=travel, days=days, tips=tuple(tips),
        before=tuple(before), within=tuple(within), together=tuple(together),
        names={f"place{p}": f"Place {p}" for p in range(n_places)},
    )
