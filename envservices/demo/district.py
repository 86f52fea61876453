"""A seeded, realistic demo district: Redditch (a needs-based trial since June) and Bromsgrove (on the rota).

Built from plain domain objects on the real 2013 ward boundaries, so the app, the simulation, the benchmarks
and the tests all have the same believable world to work on without any council's data. The same seed and
scale (and the same `today`) always give the same district, identifiers included.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString

from envservices.demo.assets import build_assets
from envservices.demo.crews import build_crews
from envservices.demo.geography import (
    BROMSGROVE,
    REDDITCH,
    area_outline,
    build_place_shapes,
    build_road_network,
    nearest_node,
    point,
    zone_for,
)
from envservices.demo.history import build_observations, build_rota
from envservices.demo.households import DemoHouseholds, build_households, refuse_crews
from envservices.domain.model import (
    Area,
    AreaKind,
    Asset,
    Crew,
    Observation,
    Place,
    Regime,
    RoadLink,
    RotaEntry,
    Site,
    SiteKind,
    Skill,
    Vehicle,
)
from envservices.errors import UserError

MIN_SCALE, MAX_SCALE = 0.05, 32.0
PLACES_AT_SCALE_1 = 30
MIN_PLACES = 8
AREA_IDS = {REDDITCH: "area-redditch", BROMSGROVE: "area-bromsgrove"}
DEPOT_NEAR = {REDDITCH: (406300.0, 265700.0), BROMSGROVE: (395100.0, 268700.0)}
"""Where each council's depot roughly stands (BNG); snapped to the nearest road node."""
TIP_NEAR = (400200.0, 268700.0)
"""The shared tip stands on the A448 between the towns."""


@dataclass(frozen=True)
class DemoDistrict:
    """Everything the demo world holds, as tuples of domain objects ready to store or use directly."""

    areas: tuple[Area, ...]
    places: tuple[Place, ...]
    assets: tuple[Asset, ...]
    sites: tuple[Site, ...]
    roads: tuple[RoadLink, ...]
    vehicles: tuple[Vehicle, ...]
    crews: tuple[Crew, ...]
    rota: tuple[RotaEntry, ...]
    observations: tuple[Observation, ...]
    seed: int = 1
    scale: float = 1.0
    today: dt.date | None = None
    calendar_days: tuple = ()
    """The council's own calendar days (a district read from the database; the demo has none)."""
    closed_periods: tuple = ()
    """Closed periods the planner keeps (a district read from the database; the demo has none)."""
    households: DemoHouseholds | None = None

    def summary(self) -> dict[str, int]:
        """How many of each thing the district holds: for the CLI, logs and quick checks."""
        out = {
            "areas": len(self.areas),
            "places": len(self.places),
            "assets": len(self.assets),
            "sites": len(self.sites),
            "depots": sum(s.kind == SiteKind.DEPOT for s in self.sites),
            "tips": sum(s.kind == SiteKind.TIP for s in self.sites),
            "road_links": len(self.roads),
            "vehicles": len(self.vehicles),
            "crews": len(self.crews),
            "crew_members": sum(len(c.members) for c in self.crews),
            "rota_entries": len(self.rota),
            "observations": len(self.observations),
        }
        for kind, n in sorted(Counter(a.kind.value for a in self.assets).items()):
            out[f"assets.{kind}"] = n
        for kind, n in sorted(Counter(o.kind.value for o in self.observations).items()):
            out[f"observations.{kind}"] = n
        if self.households is not None:
            out["properties"] = len(self.households.properties)
            out["collection_rounds"] = len(self.households.rounds)
            out["collection_vehicles"] = len(self.households.vehicles)
        return out


def trial_start_for(today: dt.date) -> dt.date:
    """First Monday of June of this year, or of last year before that day has come (as on 1 June 2015)."""
    for year in (today.year, today.year - 1):
        first = dt.date(year, 6, 1)
        monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        if monday <= today:
            return monday
    raise AssertionError("unreachable: a June a year ago has always passed")


def build_demo_district(
    seed: int = 1, scale: float = 1.0, today: dt.date | None = None, households: bool = False
) -> DemoDistrict:
    """Build the demo district; scale 1 is about 30 places, 1,000 bins, 250 grass areas and 13 crews.

    With `households`, also 20,000 households with their bins and today's collection rounds (about 4 s more
    to build on a shared CPU, most of it sizing the rounds on the road network; so only the commands and
    tests that need them ask); the rest of the district is the same.
    """
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise UserError(f"the demo scale must be between {MIN_SCALE} and {MAX_SCALE}, not {scale}")
    today = today or dt.date.today()
    rng = np.random.default_rng([int(seed) % 2**63, round(scale * 1000)])

    areas = (
        Area(
            AREA_IDS[REDDITCH],
            REDDITCH,
            Regime.NEEDS,
            AreaKind.TRIAL,
            trial_start_for(today),
            area_outline(REDDITCH),
        ),
        Area(
            AREA_IDS[BROMSGROVE], BROMSGROVE, Regime.ROTA, AreaKind.DISTRICT, None, area_outline(BROMSGROVE)
        ),
    )

    shapes = build_place_shapes(max(MIN_PLACES, round(PLACES_AT_SCALE_1 * scale)), rng)
    network = build_road_network(shapes, rng)
    roads = [
        RoadLink(f"road-{k + 1:05d}", LineString([network.nodes[a], network.nodes[b]]), name, highway, kph)
        for k, (a, b, highway, kph, name) in enumerate(network.links)
    ]

    depots = {
        town: Site(
            f"depot-{town.lower()}",
            SiteKind.DEPOT,
            f"{town} depot",
            point(network, nearest_node(network, *xy)),
        )
        for town, xy in DEPOT_NEAR.items()
    }
    a_road_nodes = np.nonzero(network.node_place == -1)[0]
    tip = Site(
        "tip-1",
        SiteKind.TIP,
        "Household waste site and transfer station",
        point(network, nearest_node(network, *TIP_NEAR, only=a_road_nodes)),
        open_s=7 * 3600,
        close_s=17 * 3600,
        unload_s=15 * 60,
    )

    crews, vehicles, town_of = build_crews(scale, {t: s.id for t, s in depots.items()}, rng)

    places: list[Place] = []
    teams: dict[str, list[str]] = {}
    for town in (REDDITCH, BROMSGROVE):
        in_town = [c for c in crews if town_of[c.id] == town]
        place_teams = [c.id for c in in_town if Skill.BIN_EMPTY in c.skills] or [c.id for c in in_town]
        teams[town] = place_teams
    counters = {REDDITCH: 0, BROMSGROVE: 0}
    for k, shape in enumerate(shapes):
        team = teams[shape.town]
        crew_id = team[counters[shape.town] % len(team)] if team else None
        counters[shape.town] += 1
        places.append(
            Place(
                f"place-{k + 1:03d}",
                shape.name,
                AREA_IDS[shape.town],
                shape.geometry,
                shape.character,
                zone_for(shape.character, rng),
                crew_id,
                attributes={"ward": shape.ward, "town": shape.town},
            )
        )

    assets = build_assets(places, roads, scale, rng)
    rota = build_rota(places, assets, rng, crews)
    observations = build_observations(places, assets, rota, crews, today, scale, rng)
    homes = None
    if households:
        homes = build_households(
            places, roads, depots, tip, scale, np.random.default_rng([int(seed) % 2**63, round(scale * 1000), 14])
        )
    if homes is not None:
        homes, refuse, refuse_vehicles = refuse_crews(homes)
        crews = list(crews) + refuse
        vehicles = list(vehicles) + refuse_vehicles
    return DemoDistrict(
        areas=areas,
        places=tuple(places),
        assets=tuple(assets),
        sites=(depots[REDDITCH], depots[BROMSGROVE], tip),
        roads=tuple(roads),
        vehicles=tuple(vehicles),
        crews=tuple(crews),
        rota=tuple(rota),
        observations=tuple(observations),
        seed=seed,
        scale=scale,
        today=today,
        households=homes,
    )
