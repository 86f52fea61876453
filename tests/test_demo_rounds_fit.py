"""Today's rounds in the demo each fit one crew-day, so a week plans them without leaving collections out.

At scale 1 the rounds used to be sized by lifts alone (6 h) and 2,025 collections of a week were left out
("pinned to a crew-day where it does not fit"); now the generator sizes them by the engine's rules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from envservices.demo.households import BODY_L, REFUSE_BREAK, REFUSE_SHIFT, ROUND_WORK_S
from envservices.domain.waste import Stream
from envservices.rounds.week import COMPACTED_KG_PER_L, crew_day_s, nearest_order


def test_crew_day_counts_lifts_drives_and_tip_runs():
    """Two stops 3 km out, each filling the body: a tip run between them and one before going home."""
    stops = [(3000.0, 0.0, 600.0, 800.0), (3000.0, 0.0, 600.0, 800.0)]
    # 30 km/h x 1.3 circuity: 3 km out is 468 s; the tip stands at the depot
    day = crew_day_s(stops, (0.0, 0.0), (0.0, 0.0), 1000.0, 900.0)
    assert day == 468 + 600 + (468 + 900) + 468 + 600 + (468 + 900) + 0
    assert crew_day_s([], (0.0, 0.0), (5.0, 5.0), 1000.0, 900.0) == 0


def test_nearest_order_walks_from_the_start():
    assert nearest_order([(10.0, 0.0), (1.0, 0.0), (5.0, 0.0)], (0.0, 0.0)) == [1, 2, 0]


@pytest.mark.parametrize("scale", [1.0])
def test_every_demo_round_fits_a_crew_day(scale):
    """Every round of the demo at scale 1, its households by street in nearest-next order from its depot,
    fits the refuse crews' working day (06:30-15:00 less the break) with tip runs counted."""
    from envservices.demo.district import build_demo_district

    demo = build_demo_district(seed=1, scale=scale, today=dt.date(2026, 11, 30), households=True)
    homes = demo.households
    assert REFUSE_SHIFT[1] - REFUSE_SHIFT[0] - REFUSE_BREAK.duration_s == ROUND_WORK_S
    sites = {s.id: s for s in demo.sites}
    tip = next(s for s in demo.sites if s.id == "tip-1")
    streets: dict[str, dict[tuple[float, float], list[float]]] = defaultdict(dict)
    for p in homes.properties:
        for c in p.containers:
            key = (round(p.geometry.x, -1), round(p.geometry.y, -1))
            s = streets[c.round_id].setdefault(key, [0.0, 0.0])
            s[0] += c.lift_s(p.assisted)
            s[1] += c.weight_kg / COMPACTED_KG_PER_L
    worst = 0
    for r in homes.rounds:
        depot = sites[r.depot_id].geometry
        xy = list(streets[r.id])
        order = nearest_order(xy, (depot.x, depot.y))
        stops = [(*xy[k], *streets[r.id][xy[k]]) for k in order]
        body = BODY_L["food" if r.stream is Stream.FOOD else "rcv"]
        day = crew_day_s(stops, (depot.x, depot.y), (tip.geometry.x, tip.geometry.y), body, tip.unload_s)
        worst = max(worst, day)
        assert day <= ROUND_WORK_S, f"{r.label} takes {day / 3600:.1f} h"
    assert worst > ROUND_WORK_S / 2  # rounds are not cut needlessly small
