"""Domain objects -> PlanningProblem: every unit conversion and rounding happens here, once.

Dates become day numbers (0 = Monday of the planning week), litres and seconds become integers, points become
indices into one travel matrix (identical points share an index), and the council's co-ordination rules become
links between task ids. The solver and the checker then work on plain integers only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from envservices.domain.model import (
    ClosedPeriod,
    CoordinationRule,
    Crew,
    CrewDay,
    Pin,
    Place,
    Site,
    SiteKind,
    Task,
    Urgency,
    Vehicle,
    part_id,
)
from envservices.domain.settings import DEFAULT_SETTINGS, Settings
from envservices.domain.waste import WasteTip
from envservices.errors import UserError
from envservices.planning.problem import (
    After,
    Apart,
    Before,
    Closed,
    LazyTravel,
    PlanningProblem,
    ProblemBreak,
    ProblemCompartment,
    ProblemCrew,
    ProblemLock,
    ProblemPin,
    ProblemTask,
    ProblemTip,
    Together,
    TravelMatrix,
    Within,
)

TravelFunction = Callable[[Sequence[tuple[float, float]]], TravelMatrix]

PART_SHARE = 0.85
"""A task longer than this share of the longest stretch an able crew can work without a break (a break is not
taken in the middle of a task) is split into equal parts no longer than that: the rest is travel to the site.
A 12-ha park (about 40 h of mowing) with the demo's 07:00-15:30 shift and a break due by 12:30 becomes 9 parts
of 4.4 h that several crew-days, or crews, can take within its due window."""

PENALTY = {Urgency.OPTIONAL: 2_000, Urgency.ROUTINE: 10_000, Urgency.URGENT: 10_000_000}
"""Cost of leaving a task out: optional work goes first, urgent work only when no crew could do it."""


def _slack_factor(latest_day: int, days: int) -> float:
    """When the week cannot hold all routine work, leave out what can wait: work already overdue costs most
    to drop, work due early in the week more than work due at its end, work that could slip to next week least.
    """
    if latest_day < 0:
        return 3.0
    if latest_day >= days:
        return 0.5
    return 1.0 + (days - 1 - latest_day) / max(1, days - 1)


class PlanningInputError(UserError):
    """The week cannot be set up for planning as given (e.g. a crew's depot is missing)."""


def straight_line_travel(speed_kph: float = 30.0, circuity: float = 1.3) -> TravelFunction:
    """Travel when no road network is loaded: straight-line distance times `circuity`, at `speed_kph`."""
    if speed_kph <= 0:
        raise PlanningInputError("the fallback travel speed must be more than 0 km/h")
    source = f"straight line x{circuity:g} at {speed_kph:g} km/h"

    def travel(points: Sequence[tuple[float, float]]) -> TravelMatrix:
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * circuity
        seconds = d / (speed_kph / 3.6)
        return TravelMatrix(np.rint(seconds).astype(np.int32), np.rint(d).astype(np.int32), source)

    def lazy(points: Sequence[tuple[float, float]]) -> LazyTravel:
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        return LazyTravel(len(xy), StraightLineBlocks(xy, speed_kph, circuity, source), source)

    travel.lazy = lazy  # type: ignore[attr-defined]
    return travel


class StraightLineBlocks:
    """Straight-line travel between some of the points only (see LazyTravel)."""

    def __init__(self, xy: np.ndarray, speed_kph: float, circuity: float, source: str) -> None:
        self.xy, self.speed_ms, self.circuity, self.source = xy, speed_kph / 3.6, circuity, source

    def block(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.xy[rows], self.xy[cols]
        d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]) * self.circuity
        return np.rint(d / self.speed_ms).astype(np.int32), np.rint(d).astype(np.int32)


LAZY_ABOVE = 3000
"""Locations; above this (and when the travel function can) the problem's travel is computed on demand
(LazyTravel) rather than as one dense matrix: the demo's rota week has some 1,000 locations per scale unit,
and a dense matrix costs 8 bytes a pair (int32 seconds and metres) before the float64 working arrays."""


MAX_WHOLE = 2**31 - 1
"""Solver inputs are 32-bit integers: litres, seconds and metres beyond this are a data error, not work."""


def _whole(value: float, what: str, rounding: Callable[[float], float] = round) -> int:
    """A finite, representable whole number, or a sentence naming the value (never an OverflowError)."""
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_WHOLE:
        raise PlanningInputError(f"{what} is {number!r}, which cannot be planned with; correct it and plan again")
    return int(rounding(number))


def _longest_stretch_s(crew: Crew) -> int:
    """The longest time a crew can work in one go: before its first break is due, after its last one ends
    at the earliest, or between two breaks."""
    breaks = sorted(crew.breaks, key=lambda b: b.earliest_s)
    if not breaks:
        return crew.shift_end_s - crew.shift_start_s
    stretches = [breaks[0].latest_s - crew.shift_start_s,
                 crew.shift_end_s - (breaks[-1].earliest_s + breaks[-1].duration_s)]
    stretches += [b.latest_s - (a.earliest_s + a.duration_s) for a, b in itertools.pairwise(breaks)]
    return max(0, int(max(stretches)))


def split_long_tasks(tasks: Sequence[Task], crews: Sequence[Crew], share: float = PART_SHARE) -> list[Task]:
    """Tasks too long for any able crew's shift become parts that fit one (see PART_SHARE); the rest as given.

    Each part keeps the task's place, asset, service and due window, so the co-ordination rules link every
    part; a task with a time-of-day window is the window's work and is not split (it is left out with its
    reason if no shift holds it)."""
    out: list[Task] = []
    for t in tasks:
        limit = share * max((_longest_stretch_s(c) for c in crews if t.skill in c.skills), default=0)
        if t.parts > 1 or limit <= 0 or t.duration_s <= limit or t.window_start_s is not None:
            out.append(t)
            continue
        n = math.ceil(t.duration_s / limit)
        out.extend(replace(t, id=part_id(t.id, i, n), duration_s=int(math.ceil(t.duration_s / n)),
                           volume_l=t.volume_l / n, part=i, parts=n) for i in range(1, n + 1))
    return out


def _point(geom, what: str = "a location") -> tuple[float, float]:
    p = geom.centroid if geom.geom_type != "Point" else geom
    x, y = float(p.x), float(p.y)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise PlanningInputError(f"{what} has no finite position; correct it and plan again")
    return (x, y)


def build_problem(
    tasks: Sequence[Task],
    crews: Sequence[Crew],
    vehicles: Mapping[str, Vehicle],
    sites: Sequence[Site],
    week_start: dt.date,
    travel: TravelFunction | None = None,
    rules: Sequence[CoordinationRule] = DEFAULT_SETTINGS.rules,
    closed: Sequence[ClosedPeriod] = (),
    pins: Sequence[Pin] = (),
    locked: Iterable[CrewDay] = (),
    absent: Iterable[tuple[str, dt.date]] = (),
    previous_crew_of_place: Mapping[str, str] | None = None,
    places: Sequence[Place] = (),
    settings: Settings = DEFAULT_SETTINGS,
    days: int = 7,
    overtime_s: int | Mapping[str, int] = 0,
    waste_tips: Sequence[WasteTip] = (),
) -> PlanningProblem:
    """The week's planning problem from domain objects.

    `locked` are crew-days kept exactly as they are (days already worked, or locked by the supervisor);
    `absent` are (crew id, date) pairs with no work; `overtime_s` is allowed beyond each shift end (one value
    for all crews or per crew id). Tasks overdue before the week starts are due any day of this week.
    `waste_tips` (a week with collection rounds) join the sites' tips, each taking only its own streams.
    """
    if week_start.weekday() != 0:
        raise PlanningInputError(f"the planning week must start on a Monday, not {week_start:%A %d %B %Y}")
    travel = travel or straight_line_travel(settings.speed_kph, settings.circuity)
    tasks = split_long_tasks(tasks, crews)
    site_by_id = {s.id: s for s in sites}
    points: list[tuple[float, float]] = []
    index_of: dict[tuple[float, float], int] = {}

    def location(xy: tuple[float, float], what: str = "a task") -> int:
        if not (math.isfinite(xy[0]) and math.isfinite(xy[1])):
            raise PlanningInputError(f"{what} has no finite position; correct it and plan again")
        key = (round(xy[0], 1), round(xy[1], 1))
        if key not in index_of:
            index_of[key] = len(points)
            points.append(key)
        return index_of[key]

    def day_of(d: dt.date) -> int:
        return (d - week_start).days

    names: dict[str, str] = {p.id: p.name for p in places}
    problem_crews = []
    for c in crews:
        depot = site_by_id.get(c.depot_id)
        if depot is None:
            raise PlanningInputError(f"crew {c.name} has depot '{c.depot_id}', which is not a known site")
        vehicle = vehicles.get(c.vehicle_id) if c.vehicle_id else None
        if c.vehicle_id and vehicle is None:
            raise PlanningInputError(
                f"crew {c.name} has vehicle '{c.vehicle_id}', which is not a known vehicle")
        ot = overtime_s.get(c.id, 0) if isinstance(overtime_s, Mapping) else overtime_s
        names[c.id] = c.name
        problem_crews.append(ProblemCrew(
            id=c.id,
            skills=frozenset(s.value for s in c.skills),
            depot_location=location(_point(depot.geometry, f"depot {depot.name}")),
            capacity_l=_whole(vehicle.capacity_l, f"the capacity of vehicle {vehicle.name}", math.floor)
            if vehicle else 0,
            shift_start_s=_whole(c.shift_start_s, f"the shift start of crew {c.name}"),
            shift_end_s=_whole(c.shift_end_s, f"the shift end of crew {c.name}"),
            equipment=frozenset(vehicle.equipment) if vehicle else frozenset(),
            breaks=tuple(ProblemBreak(_whole(b.earliest_s, f"a break of crew {c.name}"),
                                      _whole(b.latest_s, f"a break of crew {c.name}"),
                                      _whole(b.duration_s, f"a break of crew {c.name}"))
                         for b in c.breaks),
            days_off=frozenset(c.days_off),
            overtime_s=_whole(ot, f"the overtime of crew {c.name}"),
            cost_per_hour=float(settings.cost_per_crew_hour),
            cost_per_km=float(settings.cost_per_km),
            overtime_multiplier=float(settings.overtime_multiplier),
            day_cost=float(settings.cost_per_crew_day)
            + (float(settings.cost_per_vehicle_day) if vehicle else 0.0),
            compartments=tuple(
                ProblemCompartment(b.streams, _whole(b.capacity_l, f"a compartment of vehicle {vehicle.name}",
                                                     math.floor))
                for b in vehicle.compartments) if vehicle else (),
        ))
    tips = []
    for s in sites:
        if s.kind == SiteKind.TIP:
            names[s.id] = s.name
            tips.append(ProblemTip(s.id, location(_point(s.geometry, f"tip {s.name}")),
                                   _whole(s.open_s, f"the opening time of tip {s.name}"),
                                   _whole(s.close_s, f"the closing time of tip {s.name}"),
                                   _whole(s.unload_s, f"the unloading time at tip {s.name}")))
    for w in waste_tips:
        names[w.id] = w.name
        tips.append(ProblemTip(
            w.id, location(_point(w.geometry, f"tip {w.name}")),
            _whole(w.open_s, f"the opening time of tip {w.name}"),
            _whole(w.close_s, f"the closing time of tip {w.name}"),
            _whole(w.turnaround_s, f"the turnaround time at tip {w.name}"),
            streams=frozenset(s.value for s in w.streams),
            closed_days=frozenset(d for d in range(days)
                                  if not w.open_on((week_start + dt.timedelta(days=d)).weekday())),
        ))
    problem_tasks = []
    for t in tasks:
        earliest, latest = day_of(t.earliest_day), day_of(t.latest_day)
        penalty = PENALTY[t.urgency]
        if t.urgency is Urgency.ROUTINE:
            penalty = int(penalty * _slack_factor(latest, days))
        if latest < 0:
            earliest, latest = 0, days - 1
        problem_tasks.append(ProblemTask(
            id=t.id,
            place=t.place_id,
            location=location((float(t.x_m), float(t.y_m)), f"task {t.id}"),
            service=t.service,
            skill=t.skill.value,
            duration_s=max(0, _whole(t.duration_s, f"the duration of task {t.id}")),
            earliest_day=earliest,
            latest_day=latest,
            equipment=t.equipment,
            volume_l=max(0, _whole(t.volume_l - 1e-9, f"the volume of task {t.id}", math.ceil)),
            window_start_s=None if t.window_start_s is None else _whole(t.window_start_s, f"task {t.id}'s window"),
            window_end_s=None if t.window_end_s is None else _whole(t.window_end_s, f"task {t.id}'s window"),
            urgent=t.urgency == Urgency.URGENT,
            penalty=penalty,
            asset=t.asset_id,
            part=t.part,
            parts=t.parts,
            stream=t.stream,
        ))
    empty = np.zeros((0, 0), np.int32)
    if len(points) > LAZY_ABOVE and hasattr(travel, "lazy"):
        matrix = travel.lazy(points)
    else:
        matrix = travel(points) if points else TravelMatrix(empty, empty)
    if matrix.size != len(points):
        raise PlanningInputError("the travel matrix does not match the number of locations")
    before, within, together = expand_rules(problem_tasks, rules)
    absent_pairs = frozenset((crew_id, day_of(d)) for crew_id, d in absent if 0 <= day_of(d) < days)
    working: dict[str, set[int]] = defaultdict(set)  # skill -> days some crew with it works
    for c in problem_crews:
        for skill in c.skills:
            working[skill] |= {d for d in range(days) if d not in c.days_off and (c.id, d) not in absent_pairs}
    after, apart = expand_day_rules(problem_tasks, rules, working,
                                    near=lambda a, b: int(matrix.distance_m[a, b]) <= NEAR_M)
    problem_closed = []
    for cp in closed:
        for pt in problem_tasks:
            for d in range(days):
                if cp.applies(pt.service, pt.place, pt.asset, week_start + dt.timedelta(days=d)):
                    problem_closed.append(Closed(pt.id, d, int(cp.start_s), int(cp.end_s)))
    task_ids = {t.id for t in problem_tasks}
    problem_pins = tuple(ProblemPin(p.task_id, p.crew_id, day_of(p.day))
                         for p in pins if p.task_id in task_ids)
    locks = tuple(
        ProblemLock(cd.crew_id, day_of(cd.day), tuple(v.task_id for v in cd.visits if v.task_id in task_ids))
        for cd in locked if 0 <= day_of(cd.day) < days
    )
    labels = tuple((week_start + dt.timedelta(days=d)).isoformat() for d in range(days))
    problem = PlanningProblem(
        tasks=tuple(problem_tasks),
        crews=tuple(problem_crews),
        travel=matrix,
        days=days,
        day_labels=labels,
        tips=tuple(tips),
        before=before,
        within=within,
        together=together,
        after=after,
        apart=apart,
        closed=tuple(problem_closed),
        pins=problem_pins,
        locks=locks,
        absent=absent_pairs,
        previous_crew_of_place=dict(previous_crew_of_place or {}),
        names=names,
    )
    _refuse_untippable(problem, week_start)
    return problem


def _refuse_untippable(problem: PlanningProblem, week_start: dt.date) -> None:
    """One sentence for the first collection whose stream no tip takes, or whose every tip is closed on its
    fixed day: such a load could never be unloaded (bad input, not a task to leave out)."""
    if not any(tp.streams for tp in problem.tips):
        return
    for t in problem.tasks:
        if t.volume_l <= 0 or not t.stream:
            continue
        takers = problem.tips_taking(t.stream)
        label = t.stream.replace("_", " ")
        if not takers:
            raise PlanningInputError(f"No tip takes {label}, collected by task {t.id}: add one before planning.")
        if t.earliest_day == t.latest_day and all(t.earliest_day in problem.tips[j].closed_days for j in takers):
            day = week_start + dt.timedelta(days=t.earliest_day)
            shut = ", ".join(problem.names.get(problem.tips[j].id, problem.tips[j].id) for j in sorted(takers))
            verb = "is" if len(takers) == 1 else "are"
            raise PlanningInputError(f"{shut} ({label}) {verb} closed on {day:%A %d %B}, the collection day of "
                                     f"task {t.id}.")


def expand_rules(
    tasks: Sequence[ProblemTask], rules: Sequence[CoordinationRule]
) -> tuple[tuple[Before, ...], tuple[Within, ...], tuple[Together, ...]]:
    """Council rules -> links between the week's task ids.

    before: each `second` task after the `first` tasks on the same asset, or, when none is on its asset, the
    place-wide `first` tasks (no asset) of the same place; only where their due windows share a day (else the
    rule cannot apply). A pick of some street does not have to precede mowing a park: mowers shred the litter
    on the grass they cut, so only picks covering that grass are linked.
    within: each `second` task after the `first` tasks in the same place that it can follow within max_days.
    together: each place's due tasks (two or more).
    """
    by_place: dict[str, list[ProblemTask]] = defaultdict(list)
    for t in tasks:
        by_place[t.place].append(t)
    before: list[Before] = []
    within: list[Within] = []
    together: list[Together] = []
    for rule in rules:
        kind = rule.kind.lower()
        if kind == "together":
            for place_tasks in by_place.values():
                # a big site's parts are split because one crew-day cannot hold them: they stay apart
                whole = [t for t in place_tasks if t.parts <= 1]
                if len(whole) > 1:
                    together.append(Together(tuple(t.id for t in whole)))
            continue
        for place_tasks in by_place.values():
            firsts = [t for t in place_tasks if t.service == rule.first_service]
            seconds = [t for t in place_tasks if t.service == rule.second_service]
            for s in seconds:
                if kind == "before":
                    same_asset = [f for f in firsts if f.asset is not None and f.asset == s.asset]
                    for f in same_asset or [f for f in firsts if f.asset is None]:
                        if max(f.earliest_day, s.earliest_day) <= min(f.latest_day, s.latest_day):
                            before.append(Before(f.id, s.id))
                elif kind == "within":
                    for f in firsts:
                        if s.latest_day >= f.earliest_day and s.earliest_day <= f.latest_day + rule.max_days:
                            within.append(Within(f.id, s.id, int(rule.max_days)))
                elif kind not in DAY_RULES:
                    raise PlanningInputError(f"'{rule.kind}' is not a co-ordination rule (use before, within, "
                                             "together, after or apart)")
    return tuple(before), tuple(within), tuple(together)


NEAR_M = 300
"""'after' and 'apart' bind work in the same place and this close by road (or straight line x circuity):
a ward has bins out on most days, a street on one, so a verge cut keeps off the streets whose bins are
out that day, not off the whole ward. 300 m is a street and its neighbours on the demo's grid."""

DAY_RULES = ("after", "apart")
"""Rules that only say which day: `expand_day_rules` links them; `expand_rules` leaves them be."""


def expand_day_rules(
    tasks: Sequence[ProblemTask], rules: Sequence[CoordinationRule],
    working_days: Mapping[str, Collection[int]] | None = None,
    near: Callable[[int, int], bool] | None = None,
) -> tuple[tuple[After, ...], tuple[Apart, ...]]:
    """The 'after' and 'apart' rules -> links between the week's task ids, place by place.

    after: each `second` task follows the place's `first` tasks (one link naming them all: it must fall 1 to
    max_days after one of their days). Only the firsts it could follow are named: some day 1..max_days after
    the first's window is in the second's window and some crew with the second's skill works it
    (`working_days`: skill -> days; None: every day). When none is, the rule
    cannot apply this week (a Friday collection with no Saturday work) and the second is planned as usual.
    apart: each `second` task and each `first` task of the same place whose windows share a day.
    With `near` (two locations -> whether close), only firsts near the second are linked (see NEAR_M).
    """
    by_place: dict[str, list[ProblemTask]] = defaultdict(list)
    for t in tasks:
        by_place[t.place].append(t)
    after: list[After] = []
    apart: list[Apart] = []
    for rule in rules:
        kind = rule.kind.lower()
        if kind not in DAY_RULES:
            continue
        if kind == "after" and rule.max_days < 1:
            raise PlanningInputError(f"an 'after' rule ({rule.first_service} then {rule.second_service}) needs "
                                     "max_days of 1 or more")
        for place_tasks in by_place.values():
            firsts = [t for t in place_tasks if t.service == rule.first_service]
            if not firsts:
                continue
            for s in (t for t in place_tasks if t.service == rule.second_service):
                mine = [f for f in firsts if near is None or near(f.location, s.location)]
                if kind == "after":
                    can = [f.id for f in mine if any(
                        s.earliest_day <= d <= s.latest_day
                        and (working_days is None or d in working_days.get(s.skill, ()))
                        for d in range(f.earliest_day + 1, f.latest_day + rule.max_days + 1))]
                    if can:
                        after.append(After(tuple(can), s.id, int(rule.max_days)))
                else:
                    apart.extend(Apart(f.id, s.id) for f in mine
                                 if max(f.earliest_day, s.earliest_day) <= min(f.latest_day, s.latest_day))
    return tuple(after), tuple(apart)
