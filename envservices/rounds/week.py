"""Collection rounds as the week's work: tasks on fixed days for the one week pipeline to plan beside
cleansing and grounds, the return visits for missed bins, and the co-ordination rules with street work.

A round's households are cut into one task per place (a round crosses several estates), each fixed to
the round's collection day after any bank-holiday slide, so rules that work by place (litter pick the day
after collection, no mowing on collection day) can see which place is collected when.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

import numpy as np

from envservices.domain.model import CoordinationRule, Pin, Skill, Task, Urgency
from envservices.domain.waste import (
    CollectionRound,
    Frequency,
    MissedCollection,
    Property,
    Stream,
)
from envservices.rounds.calendar import DEFAULT_RULES, HolidayRule, collection_date

VEHICLE_EQUIPMENT = {Stream.FOOD: "food_vehicle"}
"""Equipment a stream's round needs; the rest need a refuse collection vehicle ("rcv")."""
COMPACTED_KG_PER_L = 0.48
"""A refuse vehicle's body holds its payload when full: the demo's 10,500 kg in 22,000 l, some 480 kg/m3
once compacted. A task's load is the body litres its bins' weight takes (a 240 l residual bin of 12 kg:
25 l), so a round tips once or twice a day as real rounds do, not at every 90th bin."""
MISSED_RETURN_S = 10 * 60
"""A return for one missed bin: the detour and the lift (no round's travel to share)."""


def nearest_order(xy: Sequence[tuple[float, float]], start: tuple[float, float], *,
                  seconds: np.ndarray | None = None) -> list[int]:
    """Stops in nearest-next order from `start`: the order a crew-day estimate walks them in. Nearest by
    straight line, or by `seconds` (travel times with `start` at row and column 0, the stops after it)."""
    left = np.asarray(xy, dtype=float).reshape(-1, 2)
    alive = np.ones(len(left), dtype=bool)
    order: list[int] = []
    here = np.asarray(start, dtype=float)
    at = 0
    for _ in range(len(left)):
        if seconds is None:
            d = np.where(alive, np.hypot(left[:, 0] - here[0], left[:, 1] - here[1]), np.inf)
        else:
            d = np.where(alive, np.asarray(seconds[at, 1:], dtype=float), np.inf)
        k = int(np.argmin(d))
        order.append(k)
        alive[k] = False
        here, at = left[k], k + 1
    return order


def crew_day_s(stops: Sequence[tuple[float, float, float, float]], depot: tuple[float, float],
               tip: tuple[float, float], body_l: float, unload_s: float, *, speed_kph: float = 30.0,
               circuity: float = 1.3,
               drive_s: Callable[[tuple[float, float], tuple[float, float]], float] | None = None) -> int:
    """Working seconds of one crew-day collecting `stops` (x, y, lift seconds, body litres) in that order, by
    the week engine's rules (`planning.engine.schedule`): drive by `drive_s(from, to)` (the road network's
    seconds, as the planner drives them) or, without it, at the planner's fallback travel (straight line x
    circuity at speed_kph), unload at the tip when the next stop would overfill the body and always before
    going home, tip time `unload_s` a visit."""
    speed = speed_kph / 3.6

    def straight(a: tuple[float, float], b: tuple[float, float]) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1]) * circuity / speed

    drive = drive_s or straight
    now, load, here = 0.0, 0.0, depot
    for x, y, lift, litres in stops:
        if load + litres > body_l and load > 0:
            now += drive(here, tip) + unload_s
            here, load = tip, 0.0
        now += drive(here, (x, y)) + lift
        here, load = (x, y), load + litres
    if load > 0:
        now += drive(here, tip) + unload_s
        here = tip
    return round(now + drive(here, depot))


def service_code(stream: Stream) -> str:
    return f"refuse_{stream.value}"


def stream_of_service(code: str) -> str | None:
    """The waste stream a collection service carries ("refuse_food" -> "food"); None for street work."""
    if not code.startswith("refuse_"):
        return None
    value = code.removeprefix("refuse_")
    return value if value in {s.value for s in Stream} else None


def week_label_applies(week: str, iso_week: int) -> bool:
    """Whether a round of week "" / A / B / 1-4 is collected in this ISO week (week A = odd weeks)."""
    if not week:
        return True
    if week in ("A", "B"):
        return Frequency.FORTNIGHTLY.weeks.index(week) == (iso_week - 1) % 2
    return Frequency.FOUR_WEEKLY.weeks.index(week) == (iso_week - 1) % 4


def round_tasks(
    rounds: Iterable[CollectionRound],
    properties: Iterable[Property],
    week_start: dt.date,
    holidays: Collection[dt.date] = (),
    holiday_rules: Mapping[Stream, HolidayRule] = DEFAULT_RULES,
    *,
    skill: Skill = Skill.HGV,
    by_street: bool = False,
) -> list[Task]:
    """One task per round and place for the week starting Monday `week_start`, on the round's day; with
    `by_street`, one per round and street, so street work can be kept apart from the bins street by street
    (a ward has collections on most days; a street on one)."""
    if week_start.weekday() != 0:
        raise ValueError(f"{week_start} is not a Monday")
    iso_week = week_start.isocalendar().week
    by_round: dict[str, list[tuple[Property, float, float]]] = defaultdict(list)
    for p in properties:
        for c in p.containers:
            if c.round_id is not None:
                by_round[c.round_id].append((p, c.lift_s(p.assisted), c.weight_kg / COMPACTED_KG_PER_L))
    tasks: list[Task] = []
    for r in rounds:
        if not week_label_applies(r.week, iso_week):
            continue
        day = collection_date(week_start, r.weekday, holidays, holiday_rules.get(r.stream, HolidayRule.SLIDE))
        if day is None:
            continue
        places: dict[tuple[str, str], list[tuple[Property, float, float]]] = defaultdict(list)
        for item in by_round.get(r.id, []):
            places[(item[0].place_id or "", (item[0].road_id or "") if by_street else "")].append(item)
        for (place_id, street), items in sorted(places.items()):
            xs = [p.geometry.x for p, _, _ in items]
            ys = [p.geometry.y for p, _, _ in items]
            tasks.append(Task(
                id=f"{r.id}:{day.isoformat()}:{place_id or 'no-place'}" + (f":{street}" if street else ""),
                service=service_code(r.stream),
                place_id=place_id,
                x_m=sum(xs) / len(xs),
                y_m=sum(ys) / len(ys),
                skill=skill,
                duration_s=round(sum(s for _, s, _ in items)),
                earliest_day=day,
                latest_day=day,
                equipment=VEHICLE_EQUIPMENT.get(r.stream, "rcv"),
                volume_l=sum(v for _, _, v in items),
                urgency=Urgency.URGENT,
                source="rounds",
                stream=r.stream.value,
                note=f"{r.label}: {len(items)} households",
            ))
    return tasks


def round_of_task(task: Task) -> str | None:
    """The round a collection task of `round_tasks` belongs to (its id starts with the round's id)."""
    return task.id.split(":", 1)[0] if task.source == "rounds" else None


def round_pins(tasks: Iterable[Task], rounds: Iterable[CollectionRound], crews: Collection[str]) -> list[Pin]:
    """Each collection to its round's crew on its day, where the round names a crew that is planned for: a
    round is a vehicle and its crew, and one body takes one stream, so two rounds' streets never share a
    crew-day's load (on a split-body vehicle, one round per compartment: recycling and food together).
    Rounds with no crew are left to the planner (any crew with the skill and vehicle)."""
    crew_of = {r.id: r.crew_id for r in rounds if r.crew_id in crews}
    out = []
    for t in tasks:
        crew = crew_of.get(round_of_task(t) or "")
        if crew is not None:
            out.append(Pin(t.id, crew, t.earliest_day))
    return out


def household_calendar(
    prop: Property,
    first_monday: dt.date,
    weeks: int,
    holidays: Collection[dt.date] = (),
    holiday_rules: Mapping[Stream, HolidayRule] = DEFAULT_RULES,
) -> list[tuple[dt.date, Stream, str]]:
    """A household's collections over the coming weeks, bank-holiday slides applied: the residents' list.

    Each entry is (day, stream, note); the note says when the day moved from its usual one.
    """
    out = []
    for k in range(weeks):
        monday = first_monday + dt.timedelta(weeks=k)
        iso_week = monday.isocalendar().week
        for c in prop.containers:
            if c.weekday is None or not week_label_applies(c.week, iso_week):
                continue
            usual = monday + dt.timedelta(days=c.weekday)
            day = collection_date(monday, c.weekday, holidays, holiday_rules.get(c.stream, HolidayRule.SLIDE))
            if day is None:
                out.append((usual, c.stream, "no collection (bank holiday)"))
            else:
                out.append((day, c.stream, "" if day == usual else f"instead of {usual:%A %d %B}"))
    return sorted(out, key=lambda e: (e[0], e[1].value))


def missed_tasks(missed: Iterable[MissedCollection], properties: Mapping[str, Property], week_start: dt.date,
                 *, skill: Skill = Skill.HGV) -> list[Task]:
    """A return visit for each missed bin due back in this week (from the day after the report)."""
    week_end = week_start + dt.timedelta(days=6)
    out = []
    for m in missed:
        earliest = max(week_start, m.reported_on + dt.timedelta(days=1))
        if m.return_by < week_start or earliest > week_end:
            continue
        p = properties.get(m.property_id)
        if p is None:
            continue
        container = p.container(m.stream)
        out.append(Task(
            id=f"missed:{m.id}", service=service_code(m.stream), place_id=p.place_id or "",
            x_m=p.geometry.x, y_m=p.geometry.y, skill=skill, duration_s=MISSED_RETURN_S,
            earliest_day=earliest, latest_day=min(m.return_by, week_end),
            equipment=VEHICLE_EQUIPMENT.get(m.stream, "rcv"),
            volume_l=container.weight_kg / COMPACTED_KG_PER_L if container else 0.0, urgency=Urgency.URGENT,
            source="missed", stream=m.stream.value,
            note=f"missed {m.stream.label} bin ({m.reason.value.replace('_', ' ')}) at {p.address or p.id}",
        ))
    return out


def missed_by_round_and_week(missed: Iterable[MissedCollection]) -> dict[tuple[str, str], int]:
    """Missed bins per (round, ISO week of the report): how a round change shows up before it is seen."""
    counts: Counter[tuple[str, str]] = Counter()
    for m in missed:
        year, week, _ = m.reported_on.isocalendar()
        counts[(m.round_id or "no round", f"{year}-W{week:02d}")] += 1
    return dict(sorted(counts.items()))


def with_street_work_rules(rules: Iterable[CoordinationRule]) -> tuple[CoordinationRule, ...]:
    """The council's rules plus the issue's street work rules (`proposed_street_work_rules`), for a week
    with collection rounds; a council that set any 'after' or 'apart' rule of its own keeps exactly its own."""
    rules = tuple(rules)
    if any(r.kind in ("after", "apart") for r in rules):
        return rules
    return rules + tuple(proposed_street_work_rules())


def street_work_rules(streams: Iterable[Stream] = (Stream.RESIDUAL, Stream.DRY_RECYCLING)) -> list[CoordinationRule]:
    """Street work co-ordinated with collection, in the planner's rule kinds as they are today.

    A litter pick within a day after the place's collection ("within", max_days=1): the older, looser
    form. The planner now has the issue's own kinds: `proposed_street_work_rules` states them (and the
    week's plan uses them when there are rounds) and `street_work_conflicts` checks a plan against them.
    """
    return [CoordinationRule("within", service_code(s), "litter_pick", max_days=1) for s in streams]


def proposed_street_work_rules(
    streams: Iterable[Stream] = (Stream.RESIDUAL, Stream.DRY_RECYCLING),
) -> list[CoordinationRule]:
    """The issue's rules in two new kinds: "after" (second exactly `max_days` days after first: a litter
    pick the day after collection) and "apart" (second never on a day of first: no verge cut or mowing
    on a collection day), both per place."""
    out = []
    for s in streams:
        out.append(CoordinationRule("after", service_code(s), "litter_pick", max_days=1))
        out += [CoordinationRule("apart", service_code(s), cut) for cut in ("verge_cut", "mow")]
    return out


def street_work_conflicts(rules: Iterable[CoordinationRule],
                          done: Iterable[tuple[str, str, dt.date]]) -> list[str]:
    """Each breach of an "after" or "apart" rule in (service, place, day) facts, one sentence each.

    "after" is checked for every second-service visit in a place that also has the first service that
    week: it must fall exactly max_days after one of the first's days.
    """
    days: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for service, place, day in done:
        days[(service, place)].add(day)
    out = []
    for rule in rules:
        for (service, place), seconds in sorted(days.items()):
            if service != rule.second_service:
                continue
            firsts = days.get((rule.first_service, place), set())
            if not firsts:
                continue
            for day in sorted(seconds):
                if rule.kind == "apart" and day in firsts:
                    out.append(f"{service} at {place} on {day:%a %d %b} falls on a {rule.first_service} day.")
                elif rule.kind == "after" and not any(day - f == dt.timedelta(days=rule.max_days)
                                                       for f in firsts):
                    out.append(f"{service} at {place} on {day:%a %d %b} is not {rule.max_days} day(s) after "
                               f"its {rule.first_service}.")
    return out
