"""Schedules out: when each place is next cleaned, its bins emptied, its grass cut, from the stored plans.

Residents and the council's website read them as a page, an iCalendar feed per place and GeoJSON, so a
change of way of working is explained before residents notice it. Only plans already made are shown:
there is no promise beyond the weeks planned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from envservices.domain import VisitStatus
from envservices.errors import UserError
from envservices.services.planning import week_of

WEEKS_AHEAD = 6
GROUPS = {"litter_pick": "cleaned", "mech_sweep": "cleaned", "fly_tip": "cleaned", "empty_bin": "bins emptied",
          "mow": "grass cut", "verge_cut": "grass cut"}
"""What residents call each service; services not listed (hedges, shrub beds) are not published."""


@dataclass(frozen=True)
class Upcoming:
    place_id: str
    place: str
    what: str  # cleaned | bins emptied | grass cut
    day: dt.date
    start_s: int
    end_s: int


def upcoming(db, today: dt.date, *, place_id: str | None = None) -> list[Upcoming]:
    """Planned (not yet done or missed) visits from today, one per place, kind of work and day."""
    seen: set[tuple[str, str, dt.date]] = set()
    out: list[Upcoming] = []
    with db.unit_of_work() as uow:
        places = {p.id: p for p in uow.places.list()}
        if place_id is not None and place_id not in places:
            raise UserError(f"there is no place with id '{place_id}'.")
        for i in range(WEEKS_AHEAD):
            for plan in uow.plans.list(week=week_of(today + dt.timedelta(weeks=i))):
                for cd in plan.crew_days:
                    if cd.day < today:
                        continue
                    for v in cd.visits:
                        what = GROUPS.get(v.service)
                        if what is None or v.status is not VisitStatus.PLANNED or v.place_id not in places:
                            continue
                        if place_id is not None and v.place_id != place_id:
                            continue
                        key = (v.place_id, what, cd.day)
                        if key in seen:
                            continue
                        seen.add(key)
                        out.append(Upcoming(v.place_id, places[v.place_id].name, what, cd.day, v.start_s, v.end_s))
    return sorted(out, key=lambda u: (u.place, u.day, u.start_s, u.what))


def place_calendar(db, place_id: str, today: dt.date) -> bytes:
    """An iCalendar feed of one place's upcoming work (all-day events, so times can move within the day)."""
    from icalendar import Calendar, Event

    items = upcoming(db, today, place_id=place_id)
    cal = Calendar()
    cal.add("prodid", "-//envservices//schedules//EN")
    cal.add("version", "2.0")
    with db.unit_of_work() as uow:
        place = uow.places.get(place_id)
    cal.add("x-wr-calname", f"{place.name}: street cleaning, bins and grass")
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for u in items:
        event = Event()
        event.add("uid", f"{u.place_id}-{u.what.replace(' ', '-')}-{u.day.isoformat()}@envservices")
        event.add("summary", f"{u.place}: {u.what}")
        event.add("dtstart", u.day)
        event.add("dtend", u.day + dt.timedelta(days=1))
        event.add("dtstamp", stamp)
        cal.add_component(event)
    return cal.to_ical()


def geojson(db, today: dt.date) -> dict:
    """Each place as a point (WGS84) with the next day it is cleaned, its bins emptied and its grass cut."""
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)
    nxt: dict[str, dict[str, str]] = {}
    for u in upcoming(db, today):
        nxt.setdefault(u.place_id, {}).setdefault(u.what, u.day.isoformat())
    with db.unit_of_work() as uow:
        places = uow.places.list()
    features = []
    for p in places:
        c = p.geometry.representative_point()
        lon, lat = to_wgs.transform(c.x, c.y)
        when = nxt.get(p.id, {})
        features.append({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {"place_id": p.id, "place": p.name, "next_cleaned": when.get("cleaned"),
                           "next_bins_emptied": when.get("bins emptied"), "next_grass_cut": when.get("grass cut"),
                           "calendar": f"/schedules/{p.id}.ics"},
        })
    return {"type": "FeatureCollection", "features": features}


__all__ = ["Upcoming", "geojson", "place_calendar", "upcoming"]
