"""A tiny stored plan for the field-loop tests: two crews, two places near Bromsgrove, visits on one day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from shapely.geometry import Point, Polygon

from envservices import services
from envservices.domain import (
    Area,
    Asset,
    AssetKind,
    Crew,
    CrewDay,
    CrewMember,
    Place,
    Plan,
    Site,
    SiteKind,
    Skill,
    Vehicle,
    VehicleKind,
    Visit,
)

DAY = dt.date(2026, 11, 30)  # Monday of 2026-W49
WEEK = "2026-W49"
X0, Y0 = 396000.0, 270500.0  # Bromsgrove town centre, British National Grid


def square(x: float, y: float, size: float = 200.0) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def visit(task: str, place: str, start_h: float, service: str, asset: str | None = None) -> Visit:
    s = int(start_h * 3600)
    return Visit(task_id=task, place_id=place, arrive_s=s, start_s=s, end_s=s + 1200, service=service,
                 asset_id=asset)


def make_field_db(path: Path, user: str = "super", day: dt.date = DAY):
    """A database with two crews' days on `day`: crew-a has four visits, crew-b two."""
    from envservices.storage import open_database

    db = open_database(str(path), user=user)
    with db.unit_of_work() as uow:
        uow.areas.add(Area("area-1", "Bromsgrove"))
        uow.places.add_all([
            Place("p-high", "High Street", "area-1", square(X0, Y0)),
            Place("p-park", "Sanders Park", "area-1", square(X0 + 400, Y0)),
        ])
        uow.assets.add_all([
            Asset("bin-1", AssetKind.LITTER_BIN, Point(X0 + 50, Y0 + 50), "p-high", "Bin by the bank",
                  capacity_l=100),
            Asset("grass-1", AssetKind.GRASS_AREA, square(X0 + 420, Y0 + 20, 100), "p-park", "Park lawn"),
        ])
        uow.sites.add(Site("depot-1", SiteKind.DEPOT, "Depot", Point(X0 - 1000, Y0)))
        uow.vehicles.add(Vehicle("veh-1", "Tipper", VehicleKind.CAGED_TIPPER, 4000))
        everything = (CrewMember("Ann", frozenset(Skill)), CrewMember("Bo", frozenset(Skill)))
        uow.crews.add_all([Crew("crew-a", "Crew A", "depot-1", "veh-1", everything),
                           Crew("crew-b", "Crew B", "depot-1", None, everything)])
        uow.commit()
    plan = Plan(id="plan-1", week=services.planning.week_of(day), crew_days=(
        CrewDay("crew-a", day, (
            visit("t-bin", "p-high", 7.5, "empty_bin", "bin-1"),
            visit("t-pick", "p-high", 8.0, "litter_pick"),
            visit("t-mow", "p-park", 9.0, "mow", "grass-1"),
            visit("t-pick2", "p-park", 10.0, "litter_pick"),
        ), depart_s=7 * 3600, return_s=11 * 3600),
        CrewDay("crew-b", day, (
            visit("t-b1", "p-park", 8.0, "litter_pick"),
            visit("t-b2", "p-high", 9.0, "litter_pick"),
        ), depart_s=7 * 3600, return_s=10 * 3600),
    ))
    services.planning.save_plan(db, plan)
    return db
