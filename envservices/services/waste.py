"""Household waste use cases: import properties, check them against vehicles and tips, record missed bins.

Every refusal is one sentence naming the property, container, stream or vehicle, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from envservices.domain.model import new_id
from envservices.domain.waste import (
    CollectionRound,
    CollectionVehicle,
    MissedCollection,
    MissReason,
    Property,
    Stream,
    WasteTip,
    container_problem,
    vehicle_problem,
)
from envservices.errors import UserError
from envservices.rounds.calendar import england_bank_holidays, return_by
from envservices.services import access

PROPERTY_KINDS = {"property", "properties", "household", "households"}


def is_property_kind(kind: str | None) -> bool:
    return (kind or "").strip().lower() in PROPERTY_KINDS


def check_collectable(
    properties: Sequence[Property],
    vehicles: Sequence[CollectionVehicle],
    tips: Sequence[WasteTip],
    rounds: Sequence[CollectionRound] = (),
) -> None:
    """Refuse (one sentence) a container no vehicle can take, a stream no tip takes, a tip closed on a
    round's day, a fortnightly container without week A/B, or a container naming a round that is not there.

    Vehicles and tips are only checked when some are known, so properties can be imported first.
    """
    for v in vehicles:
        problem = vehicle_problem(v)
        if problem:
            raise UserError(f"{problem[0].upper()}{problem[1:]}.")
    round_ids = {r.id for r in rounds}
    streams_in_use: set[Stream] = set()
    for p in properties:
        where = _where(p)
        for c in p.containers:
            problem = container_problem(c)
            if problem:
                raise UserError(f"At {where}, {problem}.")
            streams_in_use.add(c.stream)
            if vehicles:
                room = max((v.volume_for(c.stream) for v in vehicles), default=0.0)
                if room <= 0:
                    raise UserError(f"At {where}, no vehicle collects {c.stream.label}.")
                if c.size_l > room:
                    raise UserError(
                        f"At {where}, the {c.size_l:,.0f} l {c.stream.label} container is bigger than any "
                        f"vehicle's body for {c.stream.label} ({room:,.0f} l at most)."
                    )
            if rounds and c.round_id is not None and c.round_id not in round_ids:
                raise UserError(f"At {where}, the {c.stream.label} container names round '{c.round_id}', "
                                "which is not stored.")
    if tips:
        for stream in sorted(streams_in_use, key=lambda s: s.value):
            if not any(stream in t.streams for t in tips):
                raise UserError(f"No tip takes {stream.label}: add one before collecting it.")
        for r in rounds:
            takers = [t for t in tips if r.stream in t.streams]
            if takers and not any(t.open_on(r.weekday) for t in takers):
                raise UserError(f"Every tip for {r.stream.label} is closed on round {r.label}'s day.")


def _where(p: Property) -> str:
    row = p.attributes.get("source_row")
    name = p.address or p.uprn or p.id
    return f"row {row} ({name})" if row is not None else name


def import_properties(db, path: Path, *, crs: str | None = None, layer: str | None = None,
                      strict: bool = True) -> dict:
    """Import households with their containers from CSV (E/N), GeoPackage or OSM, all or nothing."""
    from envservices.gis.properties import import_properties as read_properties

    path = Path(path)
    if not path.exists():
        raise UserError(f"file not found: {path}")
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        found, result = read_properties(path, places=uow.places.list(), crs=crs, layer=layer, strict=strict)
        check_collectable(found, uow.collection_vehicles.list(), uow.waste_tips.list())
        uow.properties.add_all(found)
        uow.commit()
    streams: dict[str, int] = {}
    for p in found:
        for c in p.containers:
            streams[c.stream.value] = streams.get(c.stream.value, 0) + c.count
    return {
        "file": str(path),
        "properties": len(found),
        "assisted": sum(p.assisted for p in found),
        "containers": streams,
        "not_in_place": len(result.not_in_place),
        "problems": [{"row": p.row, "reason": p.reason} for p in result.problems],
        "warnings": list(result.warnings),
    }


def describe_import(report: dict) -> str:
    lines = [f"Imported {report['properties']} properties ({report['assisted']} assisted) from {report['file']}"]
    if report["containers"]:
        lines.append("  containers: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                  for k, v in sorted(report["containers"].items())))
    if report["not_in_place"]:
        lines.append(f"  {report['not_in_place']} lie in no place")
    lines += [f"  row {p['row']} left out: {p['reason']}" for p in report["problems"]]
    lines += [f"  {w}" for w in report["warnings"]]
    return "\n".join(lines)


def bank_holidays_near(day: dt.date | None = None) -> frozenset[dt.date]:
    """England's bank holidays this year and next (enough for any return-by or slide from today)."""
    day = day or dt.date.today()
    return england_bank_holidays([day.year, day.year + 1])


def _find_property(uow, key: str) -> Property:
    prop = uow.properties.get(key)
    if prop is None:
        matches = uow.properties.list(uprn=key)
        prop = matches[0] if matches else None
    if prop is None:
        raise UserError(f"There is no property '{key}' (give its id or UPRN).")
    return prop


def household_calendar(db, key: str, *, weeks: int = 4, today: dt.date | None = None):
    """A household's collections from this week's Monday for `weeks` weeks, bank-holiday slides applied."""
    from envservices.rounds.week import household_calendar as calendar

    if not 1 <= weeks <= 104:
        raise UserError(f"--weeks must be between 1 and 104, not {weeks}")
    today = today or dt.date.today()
    monday = today - dt.timedelta(days=today.weekday())
    with db.unit_of_work() as uow:
        prop = _find_property(uow, key)
    holidays = england_bank_holidays([monday.year, monday.year + 1, monday.year + 2])
    return prop, calendar(prop, monday, weeks, holidays)


def record_missed(db, property_id: str, stream: str, reason: str, *, reported_on: dt.date | None = None,
                  within_working_days: int = 2, holidays: frozenset[dt.date] = frozenset(),
                  note: str = "") -> MissedCollection:
    """Record a reported missed bin and the day the crew must return by (N working days, default 2)."""
    reported_on = reported_on or dt.date.today()
    try:
        parsed_stream = Stream.parse(stream)
    except ValueError as exc:
        raise UserError(f"{exc}.") from None
    try:
        parsed_reason = MissReason(reason.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise UserError(f"'{reason}' is not a reason for a missed bin (use "
                        f"{', '.join(r.value for r in MissReason)}).") from None
    with db.unit_of_work() as uow:
        access.require(uow, access.RECORD_NEED)
        prop = _find_property(uow, property_id)
        container = prop.container(parsed_stream)
        if container is None:
            raise UserError(f"{prop.address or prop.id} has no {parsed_stream.label} container.")
        missed = MissedCollection(
            id=new_id("missed"), property_id=prop.id, stream=parsed_stream, reported_on=reported_on,
            reason=parsed_reason, return_by=return_by(reported_on, within_working_days, holidays),
            round_id=container.round_id, note=note,
        )
        uow.missed_collections.add(missed)
        uow.commit()
    return missed


def missed_report(db, *, since: dt.date | None = None) -> list[tuple[str, str, int]]:
    """Missed bins per round and ISO week of the report, (round label, week, count): a round change must
    not raise them unseen. Rounds no longer stored are named by their id."""
    from envservices.rounds.week import missed_by_round_and_week

    with db.unit_of_work() as uow:
        missed = uow.missed_collections.list(since=since)
        labels = {r.id: r.label for r in uow.collection_rounds.list()}
    return [(labels.get(rid, rid), week, n) for (rid, week), n in missed_by_round_and_week(missed).items()]
