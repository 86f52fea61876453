"""Round design: days chosen within the change budget, days routed within the shift, the CLI end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from envservices.cli import main
from envservices.rounds.design import DesignProblem, Street, route_day, totals


def _problem(slots: list[int], xs: list[float], households: int = 10, shift_h: float = 7.0,
             payload_kg: float = 10_000) -> DesignProblem:
    """Streets on a line (x in km), one depot at 0 and one tip at 0; 1 km of driving takes 120 s."""
    points = [0.0, 0.0, *xs]
    d = np.abs(np.subtract.outer(points, points))
    streets = tuple(Street(f"s{i}", 0, s, households, households * 14.0, households * 12.0, (f"p{i}",))
                    for i, s in enumerate(slots))
    return DesignProblem("residual", ((0, "A"), (1, "A")), ("depot",), ("tip",), streets,
                         (d * 120).astype(np.int64), (d * 1000).astype(np.int64), payload_kg=payload_kg,
                         shift_s=int(shift_h * 3600))


def test_a_day_too_big_for_one_crew_gets_two_and_every_round_ends_at_the_tip_then_the_depot():
    """40 streets of 10 households (1.6 h of lifts, 4.8 t) on a 1.25 h shift and a 2 t body: two crew-days
    or more, none longer than its shift, tipping when full and always before returning to the depot."""
    p = _problem([0] * 40, [1 + 0.1 * i for i in range(40)], shift_h=1.25, payload_kg=2_000)
    rounds = route_day(p, list(range(40)), 0, time_limit_s=1.0)
    assert len(rounds) >= 2
    assert sum(r.path[1:-1].count(1) for r in rounds) >= 3  # 4.8 t in 2 t loads
    assert sum(r.households for r in rounds) == 400
    for r in rounds:
        assert r.path[0] == 0 and r.path[-1] == 0 and r.path[-2] == 1
        assert r.duration_s - p.crew_day_fixed_s <= p.shift_s
    figures = totals(rounds, 3, p.paid_day_s)
    assert figures["crew_hours"] >= len(rounds) * 3 * p.paid_day_s / 3600 - 1e-9


@pytest.mark.slow
def test_rounds_design_on_a_small_demo_writes_the_table_the_letters_and_the_rounds(tmp_path: Path, capsys):
    """`rounds design --apply` on a tenth-scale demo: households changing day within the limit, CSV and GPKG
    written, and the stored households carry their new day, week and a stored round."""
    import csv

    import pyogrio

    url = str(tmp_path / "d.sqlite")
    assert main(["--db", url, "demo", "--scale", "0.1", "--households"]) == 0
    out_csv, out_gpkg = tmp_path / "changes.csv", tmp_path / "rounds.gpkg"
    capsys.readouterr()
    assert main(["--db", url, "rounds", "design", "--stream", "residual", "--max-change", "5%", "--time-limit",
                 "6", "--changes-csv", str(out_csv), "--gpkg", str(out_gpkg), "--apply"]) == 0
    text = capsys.readouterr().out
    assert "households changing day" in text and "crew hours" in text
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    total = 2_000
    assert len(rows) <= 0.05 * total + 1
    assert all((r["old_day"], r["old_week"]) != (r["new_day"], r["new_week"]) for r in rows)
    layers = [name for name, _ in pyogrio.list_layers(out_gpkg)]
    assert "rounds" in layers
    from envservices.domain.waste import WEEKDAY_NAMES, Stream
    from envservices.services import open_db

    db = open_db(url)
    with db.unit_of_work() as uow:
        stored = {r.id for r in uow.collection_rounds.list(stream=Stream.RESIDUAL)}
        for row in rows:
            c = uow.properties.get(row["property_id"]).container(Stream.RESIDUAL)
            assert (WEEKDAY_NAMES[c.weekday], c.week) == (row["new_day"], row["new_week"])
            assert c.round_id in stored
    db.dispose()


def test_rounds_design_refuses_a_stream_with_no_tip(tmp_path: Path, capsys):
    """Glass has no households and no tip in an empty database: one sentence, exit 2."""
    url = str(tmp_path / "e.sqlite")
    assert main(["--db", url, "rounds", "design", "--stream", "glass"]) == 2
    assert "No household has a glass container" in capsys.readouterr().err


def _two_days(monday: int, tuesday: int) -> tuple[DesignProblem, np.ndarray]:
    """Monday's streets at x 1, 1.05, ... km, Tuesday's carry on beyond them; a 1 h paid day, no fixed time."""
    import dataclasses

    xs = [1 + 0.05 * i for i in range(monday + tuesday)]
    slots = [0] * monday + [1] * tuesday
    p = dataclasses.replace(_problem(slots, xs, shift_h=1.0), tip_turnaround_s=60, crew_day_fixed_s=0)
    return p, np.array(slots)


def test_a_day_needing_a_second_crew_day_hands_its_border_streets_to_a_day_with_room():
    """Monday needs two crew-days (26 streets, 1 h of lifts) and Tuesday's one round has room: Monday's
    streets nearest Tuesday's move to Tuesday, within the budget, and the cycle needs one crew-day fewer,
    every round within its paid day."""
    from envservices.rounds.design import empty_crew_days, route_all

    p, today = _two_days(26, 6)
    rounds = route_all(p, today, time_limit_s=2.0)
    assert [sum(1 for r in rounds if r.slot == s) for s in (0, 1)] == [2, 1]
    new_slot, after = empty_crew_days(p, today, today, rounds, budget_households=200, time_limit_s=30.0,
                                      per_day_s=1.0)
    assert len(after) == 2
    assert all(r.duration_s <= p.paid_day_s for r in after)
    assert sum(r.households for r in after) == 320
    moved = np.nonzero(new_slot != today)[0]
    assert 0 < len(moved) * 10 <= 200
    assert set(new_slot[moved]) == {1}
    assert set(moved) == set(range(26 - len(moved), 26))  # the border: Monday's streets nearest Tuesday's


def test_no_crew_day_is_taken_out_without_the_change_budget_or_a_day_with_room():
    """The same Monday with no budget, and beside a Tuesday with too little room: the rounds stay as they are."""
    from envservices.rounds.design import empty_crew_days, route_all

    p, today = _two_days(26, 6)
    rounds = route_all(p, today, time_limit_s=2.0)
    new_slot, after = empty_crew_days(p, today, today, rounds, budget_households=0, time_limit_s=30.0, per_day_s=1.0)
    assert len(after) == 3 and (new_slot == today).all()
    p, today = _two_days(26, 16)  # Tuesday's round has some 10 minutes left: less than Monday's excess
    rounds = route_all(p, today, time_limit_s=2.0)
    assert [sum(1 for r in rounds if r.slot == s) for s in (0, 1)] == [2, 1]
    new_slot, after = empty_crew_days(p, today, today, rounds, budget_households=500, time_limit_s=30.0,
                                      per_day_s=1.0)
    assert len(after) == 3 and (new_slot == today).all()


def test_rounds_map_draws_each_round_in_its_own_colour(tmp_path: Path):
    """Two rounds and one household changing day: two lines of different colours, one black point, a PNG."""
    from matplotlib.figure import Figure

    from envservices.reports.rounds_map import draw_rounds, write_rounds_png

    rounds = [{"name": "Mon A 1", "households": 10, "hours": 5.0, "coords": [(0, 0), (100, 0)]},
              {"name": "Tue A 1", "households": 12, "hours": 6.0, "coords": [(0, 50), (100, 50), (100, 90)]}]
    changes = [{"easting": 50.0, "northing": 50.0}]
    ax = Figure().add_subplot()
    draw_rounds(ax, rounds, changes)
    assert len(ax.lines) == 2 and ax.lines[0].get_color() != ax.lines[1].get_color()
    assert len(ax.collections) == 1
    write_rounds_png(tmp_path / "m.png", rounds, changes, title="t")
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_a_household_far_from_any_road_is_in_no_rounds_reach_and_nothing_changes(tmp_path: Path):
    """Two households by a road and one 900 m off it: one sentence naming the far one; without it the two
    are designed into one round."""
    from shapely.geometry import LineString
    from shapely.geometry import Point as P

    from envservices.domain.model import RoadLink, Site, SiteKind
    from envservices.domain.waste import (
        CollectionVehicle,
        Compartment,
        Container,
        Frequency,
        Property,
        Stream,
        WasteTip,
    )
    from envservices.errors import UserError
    from envservices.services import open_db
    from envservices.services.rounds import design_rounds

    db = open_db(str(tmp_path / "r.sqlite"))
    bin_ = Container(Stream.RESIDUAL, 240, Frequency.WEEKLY, 0)
    with db.unit_of_work() as uow:
        uow.sites.add(Site("depot", SiteKind.DEPOT, "Depot", P(0, 0)))
        uow.roads.add_all([RoadLink("r1", LineString([(0, 0), (500, 0)])),
                           RoadLink("r2", LineString([(500, 0), (1000, 0)]))])
        uow.waste_tips.add(WasteTip("tip", "Tip", P(1000, 0), frozenset({Stream.RESIDUAL})))
        uow.collection_vehicles.add(CollectionVehicle("v", "RCV", 10_000, 22_000,
                                                      (Compartment(frozenset({Stream.RESIDUAL})),)))
        uow.properties.add_all([Property("h1", P(100, 10), address="1 Near Road", containers=(bin_,)),
                                Property("h2", P(600, 10), address="2 Near Road", containers=(bin_,)),
                                Property("h3", P(300, 900), address="Far Farm", containers=(bin_,))])
        uow.commit()
    with pytest.raises(UserError, match=r"Far Farm is 900 m from the nearest road: it is in no round's reach"):
        design_rounds(db, "residual", time_limit_s=1)
    with db.unit_of_work() as uow:
        uow.properties.delete("h3")
        uow.commit()
    design = design_rounds(db, "residual", time_limit_s=1)
    assert design.result.changed_households == 0 and len(design.result.new) == 1
    db.dispose()
