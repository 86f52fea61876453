"""The week's work for an area: one pure function that `plan`, the Plan board, the need map and the season
simulation all call, so the business case is measured on the pipeline the product runs.

Decided from the area's regime and trial start, its rota, its records (readings, fly-tips, complaints, work
done), the council's catalogue (which services the needs model triggers, months, holiday rules) and its
calendar. Under the needs regime the services the needs model forecasts follow need and the rest stays on
the rota (sweeping, verges, hedges); under the rota regime the rota is done as written, plus reported
fly-tips and complaints. A place that has assets but no rota and no readings gets a first inspection, so
the needs model has something to learn from and nothing is silently left unplanned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from envservices.domain.calendar import WorkCalendar
from envservices.domain.model import (
    Area,
    Asset,
    Observation,
    Place,
    Regime,
    RotaEntry,
    ServiceType,
    Task,
    Urgency,
)
from envservices.domain.settings import Settings
from envservices.domain.waste import CollectionRound, MissedCollection, Property
from envservices.needs.model import WorkDone, measures_of
from envservices.needs.tasks import NEEDS_SERVICE, needs_tasks, urgent_tasks
from envservices.rota.tasks import representative_point, rota_tasks
from envservices.rounds.calendar import DEFAULT_RULES
from envservices.rounds.week import missed_tasks, round_tasks

WORK_DAYS = 5
"""Monday to Friday: the days routine work is planned on (Saturday only for holiday-moved rota work)."""
INSPECT_SERVICE = "inspect"


@dataclass(frozen=True)
class WeekInputs:
    """Everything the week's work of one area depends on, as plain values (read from the database by
    `services.week.load_week_inputs`, or kept in memory by the simulation)."""

    area: Area
    week_start: dt.date
    places: Mapping[str, Place]
    assets: Mapping[str, Asset]
    rota: Sequence[RotaEntry]
    observations: Sequence[Observation]
    work_done: Sequence[WorkDone]
    settings: Settings
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    source: str = "auto"
    """auto: the area's regime (needs once its trial has started); or rota / needs for every area."""
    rounds: Sequence[CollectionRound] = ()
    """The council's collection rounds (all of them: a round crosses areas; its places here are planned)."""
    properties: Sequence[Property] = ()
    """The households of this area's places, with their containers and rounds."""
    missed: Sequence[MissedCollection] = ()
    """Reported missed bins still to be returned for (from the households above)."""


@dataclass(frozen=True)
class WeekWork:
    """The week's tasks for an area, the regime that produced them, and what a person should know."""

    tasks: tuple[Task, ...]
    regime: str
    notes: tuple[str, ...] = ()
    closed_days: Mapping[dt.date, str] = field(default_factory=dict)


def regime_for(area: Area, week_start: dt.date, source: str = "auto") -> str:
    """The regime that decides this area's week: its own once its trial has started, else the rota."""
    if source in ("rota", "needs"):
        return source
    trial_started = area.trial_start is None or area.trial_start <= week_start
    return "needs" if area.regime is Regime.NEEDS and trial_started else "rota"


def needs_services(services: Mapping[str, ServiceType]) -> dict[str, ServiceType]:
    """The services the needs model answers: those the catalogue gives the trigger the model forecasts."""
    return {code: s for code, s in services.items()
            if s.trigger is not None and NEEDS_SERVICE.get(s.trigger) == code}


def rota_outside_needs(rota: Sequence[RotaEntry], assets: Mapping[str, Asset],
                       services: Mapping[str, ServiceType]) -> list[RotaEntry]:
    """Rota lines the needs model does not replace: services it does not trigger (hedges, sweeping, verges,
    a council's own additions) and assets it keeps no measure for. They stay on their fixed schedule."""
    by_need = needs_services(services)
    served: dict[str, set[str]] = {
        a.id: {NEEDS_SERVICE[m] for m in measures_of(a) if NEEDS_SERVICE[m] in by_need} for a in assets.values()
    }
    out = []
    for e in rota:
        if e.service not in by_need:
            out.append(e)
        elif e.asset_id is not None:
            if e.service not in served.get(e.asset_id, set()):
                out.append(e)
        elif not any(a.place_id == e.place_id and e.service in served[a.id] for a in assets.values()):
            out.append(e)
    return out


def first_inspections(inputs: WeekInputs, services: Mapping[str, ServiceType]) -> list[Task]:
    """A place with assets but no rota line and no readings gets one inspection this week."""
    service = services.get(INSPECT_SERVICE)
    if service is None:
        return []
    with_rota = {e.place_id for e in inputs.rota if e.place_id}
    with_rota |= {inputs.assets[e.asset_id].place_id for e in inputs.rota if e.asset_id in inputs.assets}
    observed = {o.place_id for o in inputs.observations}
    has_assets = {a.place_id for a in inputs.assets.values() if a.place_id}
    days = working_days(inputs.week_start, inputs.calendar)
    if not days:
        return []
    out = []
    for pid in sorted(has_assets - with_rota - observed):
        place = inputs.places.get(pid)
        if place is None:
            continue
        x, y = representative_point(None, place)
        out.append(Task(id=f"inspect:{pid}:{inputs.week_start.isoformat()}", service=service.code, place_id=pid,
                        x_m=x, y_m=y, skill=service.skill, duration_s=service.duration_s(None),
                        earliest_day=days[0], latest_day=days[-1], equipment=service.equipment,
                        urgency=Urgency.ROUTINE, source="inspection",
                        note="first inspection: no rota and no readings yet for this place"))
    return out


def working_days(week_start: dt.date, calendar: WorkCalendar) -> list[dt.date]:
    return [d for d in (week_start + dt.timedelta(days=i) for i in range(WORK_DAYS)) if not calendar.is_closed(d)]


def _off_closed_days(tasks: list[Task], week_start: dt.date, calendar: WorkCalendar) -> list[Task]:
    """Need-based work whose whole window falls on closed days waits for the next working day."""
    out = []
    for t in tasks:
        days = [t.earliest_day + dt.timedelta(days=i) for i in range((t.latest_day - t.earliest_day).days + 1)]
        if t.source != "rota" and days and all(calendar.is_closed(d) for d in days):
            nxt = calendar.next_working_day(t.latest_day)
            t = replace(t, latest_day=nxt, note=(t.note + "; " if t.note else "")
                        + f"due on {calendar.name(t.latest_day)}, so by {nxt:%a %d %b}")
        out.append(t)
    return out


def decide_week(inputs: WeekInputs, *, model=None) -> WeekWork:
    """The area's work for the week starting `inputs.week_start`; `model` is an already learned needs model
    for exactly these inputs (the simulation passes the one it learned to score its forecasts)."""
    services = inputs.settings.services()
    regime = regime_for(inputs.area, inputs.week_start, inputs.source)
    places, assets = dict(inputs.places), dict(inputs.assets)
    rota = [e for e in inputs.rota if e.service in services]
    cal = inputs.calendar
    if regime == "needs":
        tasks = needs_tasks(assets, places, inputs.observations, services, inputs.week_start, inputs.settings,
                            inputs.work_done, days=WORK_DAYS, model=model, rota=rota, calendar=cal,
                            forecast=frozenset(needs_services(services)))
        tasks = _off_closed_days(tasks, inputs.week_start, cal)
        fixed = rota_outside_needs(rota, assets, services)
    else:
        tasks = urgent_tasks(assets, places, inputs.observations, services, inputs.week_start, inputs.settings,
                             inputs.work_done, days=WORK_DAYS)
        fixed = rota
    tasks += rota_tasks(fixed, assets, places, services, inputs.week_start, inputs.settings, cal)
    tasks += first_inspections(inputs, services)
    tasks += collection_tasks(inputs)
    notes = [f"{inputs.area.name}: rota line {e.id} names service '{e.service}', which the catalogue does not "
             "have; it was left out" for e in inputs.rota if e.service not in services]
    closed = {d: cal.name(d) for d in cal.closed_in(inputs.week_start)}
    for d, name in closed.items():
        notes.append(f"{d:%a %d %b} is {name}: no routine work; rota work moves by each service's holiday rule")
    if not tasks:
        notes.append(why_no_work(inputs, regime))
    return WeekWork(tuple(tasks), regime, tuple(notes), closed)


def collection_tasks(inputs: WeekInputs) -> list[Task]:
    """The week's collections in this area's places on their rounds' days (each stream's bank-holiday rule
    applied: a round slides a day from the holiday on), and the returns for missed bins due back this week.
    Collections are promises to residents, so they are the same under either regime."""
    if not inputs.rounds and not inputs.missed:
        return []
    homes = [p for p in inputs.properties if p.place_id in inputs.places]
    start, end = inputs.week_start, inputs.week_start + dt.timedelta(days=6)
    last_week = start - dt.timedelta(days=7)
    holidays = inputs.calendar.closed_in(last_week, 21)
    # a slide can carry last week's Friday round into this week (Christmas on a Friday, Boxing Day on the
    # Saturday, its substitute on the Monday); this week's rounds slid past Sunday are next week's work
    tasks = [t for monday in (last_week, start)
             for t in round_tasks(inputs.rounds, homes, monday, holidays, DEFAULT_RULES, by_street=True)
             if start <= t.earliest_day <= end]
    tasks += missed_tasks(inputs.missed, {p.id: p for p in homes}, inputs.week_start)
    return tasks


def why_no_work(inputs: WeekInputs, regime: str) -> str:
    """One sentence saying why an area has no work this week, and what to do."""
    name = inputs.area.name
    if not inputs.places:
        return f"{name} has no places; import places with `envservices import FILE --kind place --area '{name}'`"
    if not inputs.assets:
        return (f"{name} has places but no assets; import bins, streets and grass areas "
                "(`envservices import FILE --kind litter_bin`)")
    if regime == "rota" and not inputs.rota:
        return (f"{name} is planned by its rota, which is empty; import the rota "
                "(`envservices import rota.csv --kind rota`) or set the area to needs with a trial start")
    if regime == "rota":
        return f"{name}'s rota has no visits this week (check its days, cycle and months in season)"
    return (f"nothing in {name} is forecast to need work this week; record readings or a survey "
            "(`envservices import survey.csv --kind survey`) if that looks wrong")


__all__ = ["INSPECT_SERVICE", "WORK_DAYS", "WeekInputs", "WeekWork", "collection_tasks", "decide_week",
           "first_inspections",
           "needs_services", "regime_for", "rota_outside_needs", "why_no_work"]
