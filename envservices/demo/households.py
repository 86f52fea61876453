"""The demo's households, their bins and today's collection rounds, vehicles and tips.

About a quarter of the real towns (Redditch some 38,000 households, Bromsgrove some 42,000), on the demo's
coarse street grid: houses along estate and town-centre streets, thinly along rural lanes, none in parks.
Each household has a residual bin and a recycling bin collected on the same weekday in alternate weeks
(A/B), a weekly food caddy on that weekday, and a third subscribe to fortnightly garden waste. One day area
has its recycling and food collected together by a split-body vehicle (`SPLIT_SLOT`).

Today's rounds are what years of piecemeal change leave behind: day areas that began compact but are of
uneven size, plus some 12 % of streets (new estates and infill) bolted onto whichever round had room, often
across town. That is the drift that a round review removes; `rounds design` measures how much.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import Point

from envservices.demo.geography import BROMSGROVE, ESTATE, INDUSTRIAL, REDDITCH, RURAL, TOWN_CENTRE
from envservices.domain.model import (
    Break,
    Crew,
    CrewMember,
    Place,
    RoadLink,
    Site,
    Skill,
    Vehicle,
    VehicleKind,
)
from envservices.domain.waste import (
    CollectionRound,
    CollectionVehicle,
    Compartment,
    Container,
    Frequency,
    Property,
    Stream,
    WasteTip,
)
from envservices.gis.network import RoadNetwork
from envservices.rounds.week import COMPACTED_KG_PER_L

HOUSEHOLDS_AT_SCALE_1 = {REDDITCH: 9_500, BROMSGROVE: 10_500}
"""A quarter of each town's real households (38,000 and 42,000)."""
DENSITY = {ESTATE: 1.0, TOWN_CENTRE: 1.4, RURAL: 0.1, INDUSTRIAL: 0.02}
"""Households per metre of street, relative to an estate street."""
HIGHWAY_SHARE = {"residential": 1.0, "unclassified": 1.0, "tertiary": 0.4}
DRIFT_SHARE = 0.12
"""Share of streets whose day today is not their neighbours' (bolted on as the towns grew)."""
GARDEN_SHARE = 0.35
ASSISTED_SHARE = 0.03
ROUND_WORK_S = 8 * 3600
"""A refuse crew-day's working time (06:30-15:00 less the 30-minute break, REFUSE_SHIFT)."""
ROUND_FILL = 0.85
"""Share of the working day today's rounds are sized to by `rounds.week.crew_day_s` on the road network:
room for the engine's own order of streets (nearest-next is only an estimate of it). Sized on the road
network the demo at scale 1 has 164 rounds and 44 crews (165 and 46 before the split bodies of SPLIT_SLOT;
100 and 28 sized on straight lines, which the road's drives outgrew: 316 collections of a week did not fit)."""
BODY_L = {"rcv": 22_000.0, "food": 8_000.0, "split": 20_000.0}
SLOTS = [(d, w) for w in ("A", "B") for d in range(5)]
SPLIT_SLOT = (REDDITCH, SLOTS.index((0, "B")))
"""The day area whose recycling and food one split-body vehicle collects together (a 75 % recycling body and
a 25 % food pod, `_vehicle`): Redditch's Monday week-B households, their recycling in week A with their food,
their food alone in week B. Its payload for either stream stays below the single-stream vehicles', so
round design still sizes by those."""


@dataclass(frozen=True)
class DemoHouseholds:
    properties: tuple[Property, ...]
    rounds: tuple[CollectionRound, ...]
    vehicles: tuple[CollectionVehicle, ...]
    tips: tuple[WasteTip, ...]


def bisect_areas(xy: np.ndarray, weight: np.ndarray, shares: list[float]) -> np.ndarray:
    """Compact areas holding the given shares of the weight: split along the longer side, recursively."""
    label = np.zeros(len(xy), dtype=int)
    stack = [(np.arange(len(xy)), 0, list(shares))]
    while stack:
        members, first, part = stack.pop()
        if len(part) == 1 or len(members) == 0:
            label[members] = first
            continue
        half = len(part) // 2
        wanted = sum(part[:half]) / sum(part)
        pts = xy[members]
        axis = int(np.argmax(pts.max(axis=0) - pts.min(axis=0)))
        order = members[np.argsort(pts[:, axis], kind="stable")]
        cum = np.cumsum(weight[order])
        cut = int(np.searchsorted(cum, wanted * cum[-1])) if cum[-1] > 0 else len(order) // 2
        stack.append((order[:cut], first, part[:half]))
        stack.append((order[cut:], first + half, part[half:]))
    return label


def _slot_partition(xy: np.ndarray, weight: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Compact day areas of uneven size (+-20 %), then drifted: blobs of streets moved to another area."""
    if len(xy) <= n:
        return np.arange(len(xy)) % n
    label = bisect_areas(xy, weight, list(rng.uniform(0.8, 1.2, n)))
    tree = cKDTree(xy)
    moved = 0.0
    target = DRIFT_SHARE * weight.sum()
    while moved < target:
        seed = int(rng.integers(len(xy)))
        k = int(min(len(xy), rng.integers(3, 10)))
        _, blob = tree.query(xy[seed], k=k)
        others = [s for s in range(n) if s != label[seed]]
        label[np.atleast_1d(blob)] = others[int(rng.integers(len(others)))]
        moved += weight[np.atleast_1d(blob)].sum()
    return label


def _rounds_in_slot(street: np.ndarray, xy: np.ndarray, lift_s: np.ndarray, litres: np.ndarray,
                    depot: tuple[float, float], tip: tuple[float, float], body_l: float, unload_s: float,
                    travel: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Split one day's households among the fewest rounds that each fit a crew-day with room to spare.

    Households on one street (`street`, their positions `xy`) stay together; a street stands where the
    planner puts its collection task, at its households' mean. The streets are cut into compact areas
    balanced by time (lifts plus each street's share of the tip runs its load causes), one more area at a
    time until every area's crew-day (`rounds.week.crew_day_s`, the week engine's rules with drives in
    nearest-next order) is within ROUND_FILL of the working day. Drives are `travel(points)` seconds (the
    road network the planner drives: its legs were 1.6-1.8 times the straight-line estimate on the demo's
    streets, and rounds sized by straight lines left 316 collections of a scale-1 week out), straight
    lines x 1.3 at 30 km/h without it.
    """
    from envservices.rounds.week import crew_day_s, nearest_order

    ids, inverse = np.unique(street, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse, minlength=len(ids))
    streets = np.column_stack([np.bincount(inverse, weights=xy[:, 0], minlength=len(ids)) / count,
                               np.bincount(inverse, weights=xy[:, 1], minlength=len(ids)) / count])
    lift = np.bincount(inverse, weights=lift_s, minlength=len(streets))
    load = np.bincount(inverse, weights=litres, minlength=len(streets))
    seconds = None
    drive_s = None
    if travel is not None:  # depot 0, tip 1, streets 2..
        seconds = np.asarray(travel(np.vstack([depot, tip, streets])), dtype=float)
        where = {depot: 0, tip: 1} | {(float(x), float(y)): k + 2 for k, (x, y) in enumerate(streets)}

        def drive_s(a: tuple[float, float], b: tuple[float, float]) -> float:
            return float(seconds[where[(float(a[0]), float(a[1]))], where[(float(b[0]), float(b[1]))]])

        tip_run = seconds[2:, 1] + seconds[1, 2:] + unload_s
    else:
        tip_run = 2 * np.hypot(streets[:, 0] - tip[0], streets[:, 1] - tip[1]) * 1.3 / (30 / 3.6) + unload_s
    weight = lift + load / body_l * tip_run
    limit = ROUND_FILL * ROUND_WORK_S
    n = max(1, math.ceil(weight.sum() / limit))
    while True:
        label = bisect_areas(streets, weight, [1.0] * n) if n > 1 else np.zeros(len(streets), dtype=int)
        worst = 0
        for r in range(n):
            mine = np.nonzero(label == r)[0]
            sub = None if seconds is None else seconds[np.ix_(np.r_[0, mine + 2], np.r_[0, mine + 2])]
            order = mine[nearest_order(streets[mine], depot, seconds=sub)]
            stops = [(float(streets[k, 0]), float(streets[k, 1]), lift[k], load[k]) for k in order]
            worst = max(worst, crew_day_s(stops, depot, tip, body_l, unload_s, drive_s=drive_s))
        if worst <= limit or n >= len(streets):
            return label[inverse]
        n += 1


def build_households(
    places: tuple[Place, ...] | list[Place],
    roads: tuple[RoadLink, ...] | list[RoadLink],
    depots: dict[str, Site],
    tip: Site,
    scale: float,
    rng: np.random.Generator,
) -> DemoHouseholds:
    """Households along the demo's streets with today's rounds for every stream, vehicles and tips."""
    place_tree = shapely.STRtree([p.geometry for p in places])
    mids = shapely.line_interpolate_point([r.geometry for r in roads], 0.5, normalized=True)
    hit_road, hit_place = place_tree.query(mids, predicate="within")
    place_of_road = np.full(len(roads), -1)
    place_of_road[hit_road] = hit_place
    properties: list[Property] = []
    road_of: list[int] = []
    counter = 0
    for town in (REDDITCH, BROMSGROVE):
        weights = np.zeros(len(roads))
        for i, r in enumerate(roads):
            k = place_of_road[i]
            if k < 0 or places[k].attributes.get("town") != town:
                continue
            weights[i] = (r.geometry.length * DENSITY.get(places[k].character, 0.0)
                          * HIGHWAY_SHARE.get(r.highway, 0.0))
        total = max(1, round(HOUSEHOLDS_AT_SCALE_1[town] * scale))
        per_road = rng.multinomial(total, weights / weights.sum())
        for i in np.nonzero(per_road)[0]:
            road = roads[i]
            line = road.geometry
            n = int(per_road[i])
            along = np.sort(rng.uniform(0.05, 0.95, n)) * line.length
            (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
            ux, uy = (x1 - x0) / line.length, (y1 - y0) / line.length
            street = road.name or f"Road {road.id[-5:]}"
            for j, s in enumerate(along):
                side = 1 if j % 2 == 0 else -1
                counter += 1
                flats = places[place_of_road[i]].character == TOWN_CENTRE and rng.random() < 0.25
                properties.append(Property(
                    id=f"prop-{counter:06d}",
                    geometry=Point(x0 + ux * s - side * uy * 9.0, y0 + uy * s + side * ux * 9.0),
                    uprn=f"10009{counter:07d}",
                    address=f"{'Flats ' if flats else ''}{2 * (j // 2) + (1 if side > 0 else 2)} {street}, {town}",
                    place_id=places[place_of_road[i]].id,
                    assisted=bool(rng.random() < ASSISTED_SHARE),
                    containers=(),
                    road_id=road.id,
                    attributes={"town": town, "flats": flats},
                ))
                road_of.append(i)
    return _today(properties, np.asarray(road_of), roads, mids, depots, tip, rng)


def _today(properties: list[Property], road_of: np.ndarray, roads, mids, depots: dict[str, Site], tip: Site,
           rng: np.random.Generator) -> DemoHouseholds:
    """Containers with today's days and rounds; the vehicles those rounds need; the tips."""
    n = len(properties)
    garden = rng.random(n) < GARDEN_SHARE
    flats = np.array([p.attributes["flats"] for p in properties], dtype=bool)
    residual_l = np.where(flats, 1100.0, rng.choice([140.0, 180.0, 240.0], size=n, p=[0.1, 0.25, 0.65]))
    home_xy = np.array([(p.geometry.x, p.geometry.y) for p in properties]).reshape(-1, 2)
    xy_all = np.array([(m.x, m.y) for m in mids])
    # the road network the planner drives (`services.network.network_travel`), so each round fits its day
    network = RoadNetwork.from_links(list(roads)) if roads else None

    def travel(points: np.ndarray) -> np.ndarray:
        return network.travel_matrix(points, cache=False).duration_s  # type: ignore[union-attr]

    slot_of = np.zeros(n, dtype=int)
    garden_slot = np.zeros(n, dtype=int)
    rounds: list[CollectionRound] = []
    round_of: dict[tuple[Stream, int], str] = {}  # (stream, property index) -> round id
    vehicles: list[CollectionVehicle] = []
    for town in (REDDITCH, BROMSGROVE):
        idx = np.array([k for k, p in enumerate(properties) if p.attributes["town"] == town], dtype=int)
        if not len(idx):
            continue
        town_roads, inverse = np.unique(road_of[idx], return_inverse=True)
        xy = xy_all[town_roads]
        households = np.bincount(inverse, minlength=len(town_roads)).astype(float)
        slot_of[idx] = _slot_partition(xy, households, len(SLOTS), rng)[inverse]
        gidx = idx[garden[idx]]
        g_roads, g_inverse = np.unique(road_of[gidx], return_inverse=True)
        g_households = np.bincount(g_inverse, minlength=len(g_roads)).astype(float)
        garden_slot[gidx] = _slot_partition(xy_all[g_roads], g_households, len(SLOTS), rng)[g_inverse]
        depot = depots[town]
        busy: dict[tuple[str, int, str], int] = {}  # (vehicle kind, weekday, week) -> rounds that day

        def add_rounds(stream: Stream, members: np.ndarray, weekday: int, week: str, kind: str,
                       town: str = town, busy: dict = busy, depot: Site = depot, also: Stream | None = None) -> None:
            """Rounds of `stream` for these households; with `also` (a weekly stream), each round's vehicle
            collects that stream from the same households on the same weekday too (a split body)."""
            if not len(members):
                return
            streams = (stream,) if also is None else (stream, also)
            lift = sum(np.array([_bin(x, residual_l[k]).lift_s(properties[k].assisted) for k in members])
                       for x in streams)
            litres = sum(np.array([_bin(x, residual_l[k]).weight_kg / COMPACTED_KG_PER_L for k in members])
                         for x in streams)
            split = _rounds_in_slot(road_of[members], home_xy[members], lift, litres,
                                    (depot.geometry.x, depot.geometry.y), (tip.geometry.x, tip.geometry.y),
                                    BODY_L[kind], tip.unload_s, travel if network else None)
            days = [(weekday, w) for w in (("A", "B") if week == "" or also else (week,))]
            for r in range(int(split.max()) + 1):
                position = max(busy.get((kind, d, w), 0) for d, w in days)
                for d, w in days:
                    busy[(kind, d, w)] = position + 1
                vid = f"rcv-{kind}-{town.lower()}-{position + 1}"
                for x, xweek in ((stream, week),) + (((also, ""),) if also else ()):
                    rid = f"round-{x.value}-{town.lower()}-{weekday}{xweek}-{r + 1}" + ("-split" if also else "")
                    name = f"{town} {x.label} {weekday + 1}{xweek}{r + 1}" + (" split body" if also else "")
                    rounds.append(CollectionRound(rid, name, x, weekday, xweek, vid, None, depot.id))
                    for k in members[split == r]:
                        round_of[(x, int(k))] = rid

        co_collected = np.zeros(n, dtype=bool)  # households whose recycling and food a split body collects
        for s, (weekday, week) in enumerate(SLOTS):
            other = "B" if week == "A" else "A"
            add_rounds(Stream.RESIDUAL, idx[slot_of[idx] == s], weekday, week, "rcv")
            if (town, s) == SPLIT_SLOT:
                co_collected[idx[slot_of[idx] == s]] = True
                add_rounds(Stream.DRY_RECYCLING, idx[slot_of[idx] == s], weekday, other, "split", also=Stream.FOOD)
            else:
                add_rounds(Stream.DRY_RECYCLING, idx[slot_of[idx] == s], weekday, other, "rcv")
            add_rounds(Stream.GARDEN, gidx[garden_slot[gidx] == s], weekday, week, "rcv")
        for weekday in range(5):
            add_rounds(Stream.FOOD, idx[(slot_of[idx] % 5 == weekday) & ~co_collected[idx]], weekday, "", "food")
        for (kind, _, _), count in sorted(busy.items()):
            for k in range(count):
                vid = f"rcv-{kind}-{town.lower()}-{k + 1}"
                if any(v.id == vid for v in vehicles):
                    continue
                vehicles.append(_vehicle(vid, kind, town, k + 1, depot.id))
    out: list[Property] = []
    for k, p in enumerate(properties):
        weekday, week = SLOTS[slot_of[k]]
        other = "B" if week == "A" else "A"
        containers = [
            Container(Stream.RESIDUAL, float(residual_l[k]), Frequency.FORTNIGHTLY, weekday, week,
                      round_of[(Stream.RESIDUAL, k)], 1),
            Container(Stream.DRY_RECYCLING, _bin(Stream.DRY_RECYCLING, residual_l[k]).size_l,
                      Frequency.FORTNIGHTLY, weekday, other,
                      round_of[(Stream.DRY_RECYCLING, k)]),
            Container(Stream.FOOD, 23.0, Frequency.WEEKLY, weekday, "", round_of[(Stream.FOOD, k)]),
        ]
        if garden[k]:
            g_day, g_week = SLOTS[garden_slot[k]]
            containers.append(Container(Stream.GARDEN, 240.0, Frequency.FORTNIGHTLY, g_day, g_week,
                                        round_of[(Stream.GARDEN, k)]))
        out.append(Property(p.id, p.geometry, p.uprn, p.address, p.place_id, p.assisted, tuple(containers),
                            p.road_id, {"town": p.attributes["town"]}))
    x, y = tip.geometry.x, tip.geometry.y
    tips = (
        WasteTip("tip-transfer", "Transfer station (residual, recycling bulked for the MRF, food for AD)",
                 Point(x, y), frozenset({Stream.RESIDUAL, Stream.DRY_RECYCLING, Stream.FOOD, Stream.GLASS}),
                 open_s=6 * 3600 + 30 * 60, close_s=17 * 3600, turnaround_s=20 * 60),
        WasteTip("tip-green", "Green waste composting site", Point(x + 1500.0, y - 900.0),
                 frozenset({Stream.GARDEN}), open_s=7 * 3600, close_s=16 * 3600, turnaround_s=15 * 60),
    )
    return DemoHouseholds(tuple(out), tuple(rounds), tuple(vehicles), tips)


def _bin(stream: Stream, residual_l: float) -> Container:
    """The container a household has for a stream (flats share 1,100 l bins for residual and recycling)."""
    flats = residual_l >= 1100.0
    size = {Stream.RESIDUAL: residual_l, Stream.DRY_RECYCLING: 1100.0 if flats else 240.0, Stream.FOOD: 23.0,
            Stream.GARDEN: 240.0}[stream]
    return Container(stream, float(size), Frequency.WEEKLY)


def _vehicle(vid: str, kind: str, town: str, k: int, depot_id: str) -> CollectionVehicle:
    if kind == "split":
        return CollectionVehicle(vid, f"{town} split-body RCV {k}", 8_000.0, BODY_L["split"],
                                 (Compartment(frozenset({Stream.DRY_RECYCLING}), 0.75),
                                  Compartment(frozenset({Stream.FOOD}), 0.25)), crew_size=3, depot_id=depot_id)
    if kind == "food":
        return CollectionVehicle(vid, f"{town} food vehicle {k}", 2_500.0, 8_000.0,
                                 (Compartment(frozenset({Stream.FOOD})),), crew_size=2, depot_id=depot_id)
    return CollectionVehicle(vid, f"{town} RCV {k}", 10_500.0, 22_000.0,
                             (Compartment(frozenset({Stream.RESIDUAL, Stream.DRY_RECYCLING, Stream.GARDEN})),),
                             crew_size=3, depot_id=depot_id)


REFUSE_SHIFT = (6 * 3600 + 30 * 60, 15 * 3600)
"""Refuse crews start early (06:30, before the traffic) and finish at 15:00 with a 30-minute break: 8 h of
work, which holds one of today's rounds (6 h of lifts) with the drive out, a tip run or two and back."""
REFUSE_BREAK = Break(earliest_s=10 * 3600, latest_s=12 * 3600, duration_s=30 * 60)
LOADER: frozenset[Skill] = frozenset()
"""Loaders lift bins: no skill the planner asks for (a round task needs the driver's HGV licence)."""


def refuse_crews(homes: DemoHouseholds) -> tuple[DemoHouseholds, list[Crew], list[Vehicle]]:
    """A crew for each collection vehicle: a driver with an HGV licence and one or two loaders, with the
    vehicle as the planner sees it (its body in litres, equipment "rcv" or "food_vehicle", the same that
    `rounds.week.round_tasks` asks for), based at the vehicle's depot; each round names its vehicle's crew."""
    from dataclasses import replace

    from envservices.rounds.week import VEHICLE_EQUIPMENT

    crews: list[Crew] = []
    vehicles: list[Vehicle] = []
    for v in homes.vehicles:
        equipment = {VEHICLE_EQUIPMENT.get(s, "rcv") for s in v.streams}
        vehicles.append(Vehicle(f"vehicle-{v.id}", v.name, VehicleKind.REFUSE_VEHICLE, v.body_l,
                                frozenset(equipment), v.body_compartments()))
        members = (CrewMember(f"{v.name} driver", frozenset({Skill.DRIVER, Skill.HGV})),) + tuple(
            CrewMember(f"{v.name} loader {k}", LOADER) for k in range(1, v.crew_size))
        crews.append(Crew(f"crew-{v.id}", f"{v.name} crew", v.depot_id or "", f"vehicle-{v.id}", members,
                          REFUSE_SHIFT[0], REFUSE_SHIFT[1], (REFUSE_BREAK,), frozenset({5, 6})))
    rounds = tuple(replace(r, crew_id=f"crew-{r.vehicle_id}") if r.vehicle_id else r for r in homes.rounds)
    return replace(homes, rounds=rounds), crews, vehicles
