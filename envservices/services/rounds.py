"""Round design as a use case: read a stream's households, design, and write the table, the letters list
(CSV of households whose day changes) and the new rounds (GeoPackage). The same call serves CLI and desktop.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from envservices.domain.model import SiteKind
from envservices.domain.waste import WEEKDAY_NAMES, Frequency, Property, Stream
from envservices.errors import UserError
from envservices.rounds.design import DesignProblem, DesignResult, Street, design, totals
from envservices.services import access
from envservices.services.waste import check_collectable

MAX_REACH_M = 250.0
"""A household further than this from a road a vehicle can reach is in no round's reach."""


@dataclass(frozen=True)
class RoundDesign:
    """What `rounds design` produced: the problem, the result, and the rows of the comparison table."""

    problem: DesignProblem
    result: DesignResult
    table: list[dict]
    changes: list[dict]
    street_points: np.ndarray
    depot_names: tuple[str, ...]


def parse_share(text: str | float) -> float:
    """'10%', '10' or 0.1 as a share; refused outside 0-100 %."""
    value = str(text).strip()
    try:
        share = float(value.rstrip("%")) / (100.0 if value.endswith("%") or float(value.rstrip("%")) > 1 else 1.0)
    except ValueError:
        raise UserError(f"--max-change must be a share such as 10% or 0.1, not '{text}'") from None
    if not 0 <= share <= 1:
        raise UserError(f"--max-change must be between 0% and 100%, not '{text}'")
    return share


def _slots(frequency: Frequency, weekdays: set[int]) -> tuple[tuple[int, str], ...]:
    days = sorted(weekdays | {0, 1, 2, 3, 4})
    return tuple((d, w) for w in frequency.weeks for d in days)


def build_problem(uow, stream: Stream, *, shift_h: float = 7.0) -> tuple[DesignProblem, np.ndarray, tuple[str, ...]]:
    """A design problem from the stored households, rounds, vehicles, tips and roads of one stream."""
    from envservices.gis.network import RoadNetwork

    properties = [p for p in uow.properties.list() if p.container(stream) is not None]
    if not properties:
        raise UserError(f"No household has a {stream.label} container: there are no rounds to design.")
    all_rounds = uow.collection_rounds.list()
    rounds = [r for r in all_rounds if r.stream is stream]
    all_vehicles = uow.collection_vehicles.list()
    vehicles = [v for v in all_vehicles if v.payload_for(stream) > 0]
    all_tips = uow.waste_tips.list()
    tips = [t for t in all_tips if stream in t.streams]
    if not tips:
        raise UserError(f"No tip takes {stream.label}: add one before designing its rounds.")
    if not vehicles:
        raise UserError(f"No collection vehicle takes {stream.label}: add one before designing its rounds.")
    check_collectable(properties, all_vehicles, all_tips, all_rounds)
    depots = [s for s in uow.sites.list(kind=SiteKind.DEPOT)]
    if not depots:
        raise UserError("There is no depot to start rounds from.")
    frequencies = Counter(p.container(stream).frequency for p in properties)
    frequency = frequencies.most_common(1)[0][0]
    if len(frequencies) > 1:
        raise UserError(f"{stream.label.capitalize()} is collected at several frequencies "
                        f"({', '.join(f.value for f in frequencies)}); design one frequency at a time.")
    for p in properties:
        if p.container(stream).weekday is None:
            raise UserError(f"{p.address or p.id} has no collection day for {stream.label}.")
    slots = _slots(frequency, {p.container(stream).weekday for p in properties})
    slot_index = {s: k for k, s in enumerate(slots)}
    round_depot = {r.id: r.depot_id for r in rounds}
    depot_index = {d.id: k for k, d in enumerate(depots)}
    roads = uow.roads.list()
    road_mid = {r.id: Point(r.geometry.coords[0]) for r in roads}  # a junction: on the network exactly
    network = RoadNetwork.from_links(roads)
    depot_xy = np.array([(d.geometry.x, d.geometry.y) for d in depots])

    groups: dict[tuple[str, int, int], list[Property]] = {}
    for p in properties:
        c = p.container(stream)
        dep = depot_index.get(round_depot.get(c.round_id or "", "") or "", -1)
        if dep < 0:
            dep = int(np.argmin(np.hypot(*(depot_xy - (p.geometry.x, p.geometry.y)).T)))
        road = p.road_id if p.road_id in road_mid else f"at-{p.id}"
        groups.setdefault((road, dep, slot_index[(c.weekday, c.week)]), []).append(p)
    streets: list[Street] = []
    points: list[tuple[float, float]] = []
    for (road, dep, slot), members in groups.items():
        service = sum(p.container(stream).lift_s(p.assisted) for p in members)
        kg = sum(p.container(stream).weight_kg for p in members)
        streets.append(Street(f"{road}|{slot}", dep, slot, len(members), service, kg,
                              tuple(p.id for p in members)))
        mid = road_mid.get(road)
        points.append((mid.x, mid.y) if mid is not None else (members[0].geometry.x, members[0].geometry.y))
    _refuse_out_of_reach(properties, network)
    all_points = [*map(tuple, depot_xy), *((t.geometry.x, t.geometry.y) for t in tips), *points]
    matrix = network.travel_matrix(all_points)
    vehicle = max(vehicles, key=lambda v: v.payload_for(stream))
    problem = DesignProblem(
        stream=stream.value, slots=slots, depots=tuple(d.id for d in depots), tips=tuple(t.id for t in tips),
        streets=tuple(streets), duration_s=np.asarray(matrix.duration_s), distance_m=np.asarray(matrix.distance_m),
        payload_kg=vehicle.payload_for(stream), tip_turnaround_s=max(t.turnaround_s for t in tips),
        shift_s=int(shift_h * 3600), crew_size=vehicle.crew_size,
    )
    return problem, np.array(points), tuple(d.name for d in depots)


def _refuse_out_of_reach(properties: list[Property], network) -> None:
    """One sentence for the first household further than MAX_REACH_M from a road, or on a road cut off
    from the rest of the network (a vehicle from the depot could not get there)."""
    import shapely

    tree = shapely.STRtree([link.geometry for link in network.links])
    _, dist = tree.query_nearest([p.geometry for p in properties], return_distance=True, all_matches=False)
    far = np.nonzero(dist > MAX_REACH_M)[0]
    if len(far):
        p = properties[int(far[0])]
        raise UserError(f"{p.address or p.id} is {dist[far[0]]:,.0f} m from the nearest road: it is in no "
                        "round's reach.")
    main = network.largest_component_nodes()
    if len(main) == network.n_nodes:
        return
    nearest, _ = network.snap(np.array([(p.geometry.x, p.geometry.y) for p in properties]), largest_only=False)
    cut = np.nonzero(~np.isin(nearest, main))[0]
    if len(cut):
        p = properties[int(cut[0])]
        raise UserError(f"{p.address or p.id} is on a road not joined to the rest of the network: it is in no "
                        "round's reach.")


def design_rounds(db, stream: str, *, max_change: float = 0.10, time_limit_s: float = 120.0, seed: int = 1,
                  progress=None) -> RoundDesign:
    """Re-draw a stream's rounds: one fixed day per household, fewest crew-days within the change budget."""
    try:
        parsed = Stream.parse(stream)
    except ValueError as exc:
        raise UserError(f"{exc}.") from None
    with db.unit_of_work() as uow:
        access.require(uow, access.READ)
        problem, points, depot_names = build_problem(uow, parsed)
        props = {p.id: p for p in uow.properties.list()}
    result = design(problem, max_change=max_change, time_limit_s=time_limit_s, seed=seed, progress=progress)
    today = totals(result.today, problem.crew_size, problem.paid_day_s)
    new = totals(result.new, problem.crew_size, problem.paid_day_s)
    total_households = sum(s.households for s in problem.streets)
    table = []
    for key, label in (("rounds", "rounds (crew-days a cycle)"), ("households", "households"),
                       ("tonnes", "tonnes a cycle"), ("hours", "vehicle hours"), ("crew_hours", "crew hours (paid)"),
                       ("km", "km"), ("vehicles", "vehicles on the busiest day"), ("longest_h", "longest round h")):
        before, after = today[key], new[key]
        change = (after - before) / before * 100 if before else 0.0
        table.append({"measure": label, "today": before, "new": after, "change_pct": change})
    table.append({"measure": "households changing day", "today": 0, "new": result.changed_households,
                  "change_pct": result.changed_households / max(1, total_households) * 100})
    changes = []
    for i, s in enumerate(problem.streets):
        new_slot = int(result.slot_of[i])
        if new_slot == s.slot:
            continue
        (old_day, old_week), (new_day, new_week) = problem.slots[s.slot], problem.slots[new_slot]
        for pid in s.property_ids:
            p = props[pid]
            changes.append({"uprn": p.uprn, "address": p.address, "stream": parsed.value,
                            "old_day": WEEKDAY_NAMES[old_day], "old_week": old_week,
                            "new_day": WEEKDAY_NAMES[new_day], "new_week": new_week, "property_id": pid,
                            "easting": round(p.geometry.x, 1), "northing": round(p.geometry.y, 1)})
    return RoundDesign(problem, result, table, changes, points, depot_names)


def describe(d: RoundDesign) -> str:
    lines = [(f"Round design for {d.problem.stream.replace('_', ' ')} ({len(d.problem.streets)} streets, "
              f"{sum(s.households for s in d.problem.streets):,} households, {d.result.seconds:.0f} s)"),
             f"{'':30} {'today':>10} {'new':>10} {'change':>8}"]
    for row in d.table:
        lines.append(f"{row['measure']:30} {row['today']:>10,.1f} {row['new']:>10,.1f} {row['change_pct']:>+7.1f}%")
    return "\n".join(lines)


def write_changes_csv(d: RoundDesign, path: Path) -> int:
    """The households whose day changes, for the letters: UPRN, address, old and new day and week."""
    fields = ["uprn", "address", "stream", "old_day", "old_week", "new_day", "new_week", "property_id", "easting",
              "northing"]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(d.changes)
    return len(d.changes)


def new_round_features(d: RoundDesign) -> list[dict]:
    """Each new round as a plain feature: its path through its streets and its figures."""
    p = d.problem
    counter: Counter[tuple[int, int]] = Counter()
    out = []
    for r in d.result.new:
        counter[(r.depot, r.slot)] += 1
        weekday, week = p.slots[r.slot]
        coords = [tuple(d.street_points[s]) for s in r.streets]
        out.append({
            "name": f"{d.depot_names[r.depot]} {p.stream.replace('_', ' ')} {WEEKDAY_NAMES[weekday]}"
                    f"{' ' + week if week else ''} {counter[(r.depot, r.slot)]}",
            "depot_id": p.depots[r.depot], "weekday": WEEKDAY_NAMES[weekday], "week": week,
            "households": r.households, "tonnes": round(r.kg / 1000, 2), "hours": round(r.duration_s / 3600, 2),
            "km": round(r.distance_m / 1000, 1), "streets": len(r.streets), "coords": coords,
        })
    return out


def write_rounds_gpkg(d: RoundDesign, path: Path) -> int:
    from envservices.gis.rounds import write_round_layers

    features = new_round_features(d)
    write_round_layers(Path(path), features, d.changes)
    return len(features)


def write_rounds_png(d: RoundDesign, path: Path) -> None:
    from envservices.reports.rounds_map import write_rounds_png as draw

    new = next(r for r in d.table if r["measure"].startswith("crew hours"))
    draw(Path(path), new_round_features(d), d.changes,
         title=f"New {d.problem.stream.replace('_', ' ')} rounds: crew hours {new['change_pct']:+.1f} % against "
               f"today's, {len(d.changes):,} households changing day")


def apply_design(db, d: RoundDesign) -> dict:
    """Store the new rounds and each household's new day, week and round, all or nothing.

    A new round keeps the id of the round most of its households had today on the same day, so households
    whose day and round stay the same are not rewritten; the stream's other rounds are replaced.
    """
    from dataclasses import replace

    from envservices.domain.waste import CollectionRound

    p = d.problem
    stream = Stream(p.stream)
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        props = {x.id: x for x in uow.properties.list()}
        old_rounds = {r.id: r for r in uow.collection_rounds.list(stream=stream)}
        taken: set[str] = set()
        new_rounds: list[CollectionRound] = []
        round_of: dict[str, CollectionRound] = {}
        for feature, r in zip(new_round_features(d), d.result.new, strict=True):
            weekday, week = p.slots[r.slot]
            depot_id = p.depots[r.depot]
            votes = Counter(props[pid].container(stream).round_id for s in r.streets
                            for pid in p.streets[s].property_ids)
            keep = next((rid for rid, _ in votes.most_common() if rid in old_rounds and rid not in taken
                         and (old_rounds[rid].weekday, old_rounds[rid].week) == (weekday, week)), None)
            rid = keep or f"round-{stream.value}-{depot_id}-{weekday}{week}-{len(new_rounds) + 1}"
            taken.add(rid)
            base = old_rounds.get(rid)
            new_round = CollectionRound(rid, feature["name"], stream, weekday, week,
                                        base.vehicle_id if base else None, base.crew_id if base else None,
                                        depot_id)
            new_rounds.append(new_round)
            for s in r.streets:
                for pid in p.streets[s].property_ids:
                    round_of[pid] = new_round
        changed = 0
        for pid, rnd in round_of.items():
            prop = props[pid]
            containers = tuple(
                replace(c, weekday=rnd.weekday, week=rnd.week, round_id=rnd.id) if c.stream is stream else c
                for c in prop.containers
            )
            if containers != prop.containers:
                uow.properties.update(replace(prop, containers=containers))
                changed += 1
        for rid in old_rounds:
            if rid not in taken:
                uow.collection_rounds.delete(rid)
        for rnd in new_rounds:
            if rnd.id in old_rounds:
                uow.collection_rounds.update(rnd)
            else:
                uow.collection_rounds.add(rnd)
        uow.commit()
    return {"rounds": len(new_rounds), "properties_rewritten": changed}


def crew_hours_saving(d: RoundDesign) -> float:
    row = next(r for r in d.table if r["measure"].startswith("crew hours"))
    return -row["change_pct"] if math.isfinite(row["change_pct"]) else 0.0
