"""Planning a week: gather the work that is due, solve off the GUI thread, keep and export the plan.

`prepare_week` reads the database (on the caller's thread) and returns plain data; `solve_week` is pure, so
the desktop runs it in a worker and the command line in the foreground, with the same stop and progress hooks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from envservices.domain import (
    Area,
    Asset,
    Crew,
    Pin,
    Place,
    Plan,
    Site,
    SiteKind,
    Skill,
    Task,
    Urgency,
    Visit,
    VisitStatus,
    new_id,
)
from envservices.domain.settings import Settings
from envservices.domain.waste import Stream
from envservices.domain.weeks import canonical_week, week_monday, week_of
from envservices.errors import UserError
from envservices.rounds.week import VEHICLE_EQUIPMENT, stream_of_service
from envservices.services import access
from envservices.services.concurrency import retry_busy

if TYPE_CHECKING:  # the planner's types are 25-35 ms of import; the desktop reads plans at start without it
    from envservices.planning.problem import PlanningProblem


@dataclass(frozen=True)
class PreparedWeek:
    """Everything `solve_week` needs, as plain data that can cross to a worker thread or process."""

    week: str
    week_start: dt.date
    problem: PlanningProblem
    tasks: tuple[Task, ...]
    crews: tuple[Crew, ...]
    places: dict[str, Place] = field(default_factory=dict, compare=False, hash=False)
    crew_names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    area_id: str | None = None
    depot_id: str | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # area name -> rota|needs
    notes: tuple[str, ...] = field(default=(), compare=False, hash=False)
    """What a supervisor should know about the week's work: bank holidays, why an area has no work."""
    waste_tips: tuple = field(default=(), compare=False, hash=False)
    """The waste tips the week's collections may unload at (`domain.waste.WasteTip`): named on the board and
    worksheets like the sites."""
    replaces: tuple[str, int] | None = None
    """(id, version) of the week's stored plan when this was prepared: saving the new plan over it is
    refused if somebody else saved that plan in between, so one supervisor's re-plan never silently
    overwrites another's."""


def parse_week(week: str) -> dt.date:
    """Monday of an ISO week such as 2026-W48 (spellings accepted and refused: domain/weeks.py)."""
    return week_monday(week)


def _pick(items, key: str | None, what: str):
    if key is None:
        return None
    for item in items:
        if item.id == key or item.name.lower() == key.lower():
            return item
    names = ", ".join(i.name for i in items) or "none"
    raise UserError(f"there is no {what} called '{key}' (known: {names})")


def _nearest_depot(place: Place, depots: list[Site]) -> str | None:
    if not depots:
        return None
    c = place.geometry.representative_point()
    return min(depots, key=lambda d: d.geometry.distance(c)).id


def travel_function(roads, settings: Settings):
    """Road shortest paths when a network is loaded, else straight lines times the circuity factor."""
    from envservices.planning.build import straight_line_travel

    if not roads:
        return straight_line_travel(settings.speed_kph, settings.circuity)
    from envservices.services.network import network_travel

    return network_travel(roads, settings)


def visits_done(uow, since: dt.date, until: dt.date) -> list[tuple[dt.date, Visit]]:
    """Visits marked done between `since` and `until` (exclusive), read week by week from the stored plans
    rather than every plan the database has ever held."""
    out: list[tuple[dt.date, Visit]] = []
    monday = since - dt.timedelta(days=since.weekday())
    while monday < until:
        for plan in uow.plans.list(week=week_of(monday)):
            out.extend((cd.day, v) for cd in plan.crew_days for v in cd.visits
                       if v.status is VisitStatus.DONE and since <= cd.day < until)
        monday += dt.timedelta(days=7)
    return out


def work_done(area: Area, until: dt.date, *, rota, assets, places, observations, services, settings,
              done_visits) -> list:
    """The services carried out that explain the readings: the rota's work before the area's trial, then
    the visits marked done in stored plans."""
    from envservices.needs.model import WorkDone
    from envservices.rota.history import rota_history

    rota_until = min(until, area.trial_start) if area.trial_start else until
    done = rota_history(rota, assets, places, services, settings, observations, rota_until)
    done += [WorkDone(v.service, dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=v.end_s),
                      v.asset_id, None if v.asset_id else v.place_id)
             for day, v in done_visits if v.place_id in places]
    return done


def prepare_week(db, week: str, *, area: str | None = None, depot: str | None = None, source: str = "auto",
                 pins: tuple[Pin, ...] = (), absent: tuple[tuple[str, dt.date], ...] = (),
                 locked_plan: Plan | None = None, locked_days: tuple[tuple[str, dt.date], ...] = (),
                 extra_tasks: tuple[Task, ...] = ()) -> PreparedWeek:
    """Gather the week's work and crews into a planning problem.

    Work comes from each area's regime (the rota, or observed need once its trial has started) unless
    `source` says otherwise. With `locked_plan`, the crew-days in `locked_days` (days already worked or
    locked by the supervisor) are kept exactly and only the rest is planned again.
    """
    from envservices.planning.build import build_problem
    from envservices.rounds.week import round_pins, with_street_work_rules
    from envservices.services.week import area_inputs, read_state
    from envservices.week import decide_week

    week_start = parse_week(week)
    with db.unit_of_work() as uow:
        state = read_state(uow, week_start)
        depots = uow.sites.list(kind=SiteKind.DEPOT)
        tips = uow.sites.list(kind=SiteKind.TIP)
        waste_tips = uow.waste_tips.list()  # per stream: where the week's collections unload
        chosen_area = _pick(state.areas, area, "area")
        chosen_depot = _pick(depots, depot, "depot")
        crews = uow.crews.list()
        vehicles = {v.id: v for v in uow.vehicles.list()}
        roads = uow.roads.list()
        # the plan of exactly this area, depot and week is the one a re-plan replaces (not another depot's)
        current = uow.plans.get_for_scope(week, chosen_area.id if chosen_area else None,
                                          chosen_depot.id if chosen_depot else None)
    settings, areas, all_places, assets = state.settings, state.areas, state.places, state.assets
    if not crews:
        raise UserError("there are no crews in the database; add crews before planning a week")
    services = settings.services()
    place_depot = {pid: _nearest_depot(p, depots) for pid, p in all_places.items()}
    in_scope = {
        pid for pid, p in all_places.items()
        if (chosen_area is None or p.area_id == chosen_area.id)
        and (chosen_depot is None or place_depot[pid] == chosen_depot.id)
    }
    if not in_scope:
        raise UserError("no places fall in the chosen area and depot")
    serving_depots = {place_depot[pid] for pid in in_scope}
    crews = [c for c in crews if (chosen_depot is None and c.depot_id in serving_depots)
             or (chosen_depot is not None and c.depot_id == chosen_depot.id)]
    if not crews:
        raise UserError("no crew is based at a depot serving the chosen places")

    tasks: list[Task] = []
    sources: dict[str, str] = {}
    notes: list[str] = []
    closed_days: dict[dt.date, str] = {}
    on_rota: dict[str, Place] = {}  # the needs model brings missed work back by itself; the rota does not
    for a in areas:
        if not any(all_places[pid].area_id == a.id for pid in in_scope):
            continue
        work = decide_week(area_inputs(state, a, week_start, place_ids=in_scope, source=source))
        tasks.extend(work.tasks)
        sources[a.name] = work.regime
        notes.extend(work.notes)
        closed_days.update(work.closed_days)
        if work.regime == "rota":
            on_rota.update({pid: p for pid, p in all_places.items() if pid in in_scope and p.area_id == a.id})
    tasks.extend(missed_work(db, week_start, tasks, on_rota, assets, services))
    tasks.extend(extra_tasks)

    locked_days_set = set(locked_days)
    if locked_plan is not None:
        # Work already done or locked stays as it was; a locked visit whose task is no longer due is kept too.
        known = {t.id for t in tasks}
        for cd in locked_plan.crew_days:
            if (cd.crew_id, cd.day) in locked_days_set:
                tasks.extend(_task_of_visit(v, cd.day, all_places, assets, services)
                             for v in cd.visits if v.task_id not in known)
    absent_set = {(c, d) for c, d in absent}
    absent_set |= {(c.id, d) for c in crews for d in closed_days}  # nobody works a bank holiday
    crews = _with_saturday_for_moved_work(crews, tasks, week_start)
    # A place keeps its team: its own place team first, then whoever served it most last week.
    previous = {pid: p.team_crew_id for pid, p in all_places.items() if p.team_crew_id}
    previous.update(_previous_crews(db, week_start))
    locked = [cd for cd in locked_plan.crew_days if (cd.crew_id, cd.day) in locked_days_set] if locked_plan else []
    rules = with_street_work_rules(settings.rules) if state.rounds else settings.rules
    # the supervisor's own pins come first; the rest of each round's streets go to the round's crew
    pinned = {p.task_id for p in pins}
    pins = tuple(pins) + tuple(p for p in round_pins(tasks, state.rounds, {c.id for c in crews})
                               if p.task_id not in pinned)
    used_waste_tips = tuple(waste_tips) if any(t.stream for t in tasks) else ()
    problem = build_problem(
        tasks=tasks, crews=crews, vehicles=vehicles, sites=list(depots) + list(tips), week_start=week_start,
        travel=travel_function(roads, settings), rules=rules, closed=tuple(state.closed),
        pins=tuple(pins), locked=locked,
        absent=absent_set, previous_crew_of_place=previous, places=list(all_places.values()), settings=settings,
        waste_tips=used_waste_tips,
    )
    return PreparedWeek(
        week=week, week_start=week_start, problem=problem, tasks=tuple(tasks), crews=tuple(crews),
        places={pid: all_places[pid] for pid in in_scope}, crew_names={c.id: c.name for c in crews},
        area_id=chosen_area.id if chosen_area else None, depot_id=chosen_depot.id if chosen_depot else None,
        sources=sources, replaces=(current.id, current.version) if current is not None else None,
        notes=tuple(dict.fromkeys(notes)), waste_tips=used_waste_tips,
    )


def _with_saturday_for_moved_work(crews: list[Crew], tasks: list[Task], week_start: dt.date) -> list[Crew]:
    """Rota work a bank holiday moved to the Saturday needs crews that work it: crews able to do that work
    work the Saturday of this week (the usual catch-up day), whatever their normal days off."""
    saturday = week_start + dt.timedelta(days=5)
    skills = {t.skill for t in tasks if t.earliest_day == saturday and t.latest_day == saturday}
    if not skills:
        return crews
    return [replace(c, days_off=frozenset(c.days_off) - {5}) if c.skills & skills else c for c in crews]


def _task_of_visit(v: Visit, day: dt.date, places: dict[str, Place], assets: dict[str, Asset],
                   services) -> Task:
    """Rebuild the task of a kept visit from what the visit records. A collection (a service of no catalogue
    row: `refuse_<stream>`) keeps its stream, so it is unloaded at a tip that takes it, and the round's skill
    and vehicle; its volume is not recorded on the visit and is taken as none."""
    asset = assets.get(v.asset_id) if v.asset_id else None
    p = (asset.geometry if asset else places[v.place_id].geometry).representative_point()
    stream = stream_of_service(v.service)
    st = services.get(v.service)
    if st is None and stream is None:
        raise UserError(f"a kept visit ({v.task_id}) is of a service the catalogue no longer has: {v.service}")
    skill = st.skill if st is not None else Skill.HGV
    equipment = st.equipment if st is not None else VEHICLE_EQUIPMENT.get(Stream(stream), "rcv")
    return Task(id=v.task_id, service=v.service, place_id=v.place_id, x_m=p.x, y_m=p.y, skill=skill,
                duration_s=max(1, v.end_s - v.start_s), earliest_day=day, latest_day=day, asset_id=v.asset_id,
                equipment=equipment, source="kept", stream=stream)


def missed_work(db, week_start: dt.date, tasks: list[Task], places: dict[str, Place], assets: dict[str, Asset],
                services) -> list[Task]:
    """Rota visits marked missed last week come back this week (they were dropped before), unless this week's
    work already serves the same asset or place with the same service, or it was done later after all.
    `places` are the places on the rota this week."""
    with db.unit_of_work() as uow:
        last = uow.plans.list(week=week_of(week_start - dt.timedelta(days=7)))
    covered = {(t.service, t.asset_id or t.place_id) for t in tasks}
    done = {(v.service, v.asset_id or v.place_id) for plan in last for cd in plan.crew_days for v in cd.visits
            if v.status is VisitStatus.DONE}
    out: list[Task] = []
    for plan in last:
        for cd in plan.crew_days:
            for v in cd.visits:
                key = (v.service, v.asset_id or v.place_id)
                if (v.status is not VisitStatus.MISSED or v.place_id not in places or key in covered
                        or key in done or v.service not in services):
                    continue
                covered.add(key)
                task = _task_of_visit(v, week_start, places, assets, services)
                out.append(replace(task, id=f"missed:{v.task_id}", latest_day=week_start + dt.timedelta(days=4),
                                   source="missed", note=f"missed last week: {v.reason}"[:200]))
    return out


def _previous_crews(db, week_start: dt.date) -> dict[str, str]:
    """The crew that served each place most in last week's plan: plans stay stable week to week."""
    with db.unit_of_work() as uow:
        last = uow.plans.get_by_week(week_of(week_start - dt.timedelta(days=7)))
    if last is None:
        return {}
    counts: dict[str, dict[str, int]] = {}
    for cd in last.crew_days:
        for v in cd.visits:
            counts.setdefault(v.place_id, {}).setdefault(cd.crew_id, 0)
            counts[v.place_id][cd.crew_id] += 1
    return {pid: max(c, key=c.get) for pid, c in counts.items()}


def solve_week(prepared: PreparedWeek, *, time_limit_s: float = 30.0, stop=None, progress=None,
               seed: int = 0, fewest_crews: bool = False, master: str = "auto") -> Plan:
    """Solve and interpret; no database here, so it can run on any thread. With `fewest_crews`, as many crews
    as leave no due work out are released for the week (named in the plan's KPIs); `master` says who assigns
    the week's tasks to crew-days first (auto, engine or cpsat: planning/params.SolveParams.master)."""
    from envservices.planning.fewest import solve_fewest_crews
    from envservices.planning.interpret import to_plan
    from envservices.planning.params import SolveParams
    from envservices.planning.solve import solve

    if time_limit_s <= 0:
        raise UserError("the time limit must be more than 0 seconds")
    params = SolveParams(master=master)
    result = (solve_fewest_crews if fewest_crews else solve)(prepared.problem, time_limit_s=time_limit_s, stop=stop,
                                                             progress=progress, seed=seed, params=params)
    plan_id, version = prepared.replaces or (new_id("plan"), 0)
    plan = to_plan(prepared.problem, result, prepared.week, prepared.week_start, plan_id=plan_id)
    return replace(plan, area_id=prepared.area_id, depot_id=prepared.depot_id, version=version,
                   created_at=dt.datetime.now().replace(microsecond=0))


def save_plan(db, plan: Plan) -> Plan:
    """Save the plan under its week's canonical form (replacing the stored one with its id); returns it as
    stored, with its new version. A first plan of a week that somebody else planned meanwhile is refused
    (ConflictError) like a stale re-plan, never stored as a second plan."""
    plan = replace(plan, week=canonical_week(plan.week))

    def save() -> Plan:
        with db.unit_of_work() as uow:
            access.require(uow, access.CHANGE_PLAN)
            stored = uow.plans.save(plan)
            uow.commit()
            return stored

    return retry_busy(save)


def undo_plan(db, kept: Plan, previous: Plan | None) -> Plan | None:
    """Put back the plan that `kept` replaced (or remove `kept` when nothing was saved before).

    `kept` must be as stored (its version); a plan changed since by someone else raises ConflictError.
    Returns the plan stored for the week afterwards."""
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_PLAN)
        if previous is not None and previous.id == kept.id:
            restored = uow.plans.update(replace(previous, version=kept.version))
        else:
            current = uow.plans.get(kept.id)
            if current is not None and current.version != kept.version:
                raise UserError(f"the plan for {kept.week} was changed since it was kept, so it was not undone")
            uow.plans.delete(kept.id)
            restored = previous
        uow.commit()
        return restored


def crew_names(db) -> dict[str, str]:
    """Every crew's name by id: the board names crews at once, before the week's work is gathered."""
    with db.unit_of_work() as uow:
        return {c.id: c.name for c in uow.crews.list()}


def plans_for_week(db, week: str) -> list[Plan]:
    """Every depot's and area's plan for a week, newest first (a team leader sees all the visits at a place)."""
    with db.unit_of_work() as uow:
        plans = uow.plans.list(week=week)
    newest: dict[tuple[str, str], Plan] = {}
    for plan in plans:  # newest first: keep one plan per area and depot
        newest.setdefault((plan.area_id or "", plan.depot_id or ""), plan)
    return list(newest.values())


def load_plan(db, week: str) -> Plan | None:
    with db.unit_of_work() as uow:
        return uow.plans.get_by_week(week)


def tasks_by_id(prepared: PreparedWeek) -> dict[str, Task]:
    return {t.id: t for t in prepared.tasks}


def mark_visit(db, plan_id: str, task_id: str, status: VisitStatus, reason: str = "") -> Plan:
    """A team leader marks a planned visit done or missed (a missed one needs a reason)."""
    if status is VisitStatus.MISSED and not reason.strip():
        raise UserError("say why the visit was missed")
    with db.unit_of_work() as uow:
        plan = uow.plans.get(plan_id)
        if plan is None:
            raise UserError(f"there is no plan with id '{plan_id}'")
        found = False
        days = []
        for cd in plan.crew_days:
            visits = []
            for v in cd.visits:
                if v.task_id == task_id:
                    access.require(uow, access.MARK_VISIT, place_id=v.place_id)
                    v = replace(v, status=status, reason=reason.strip())
                    found = True
                visits.append(v)
            days.append(replace(cd, visits=tuple(visits)))
        if not found:
            raise UserError(f"the plan has no visit for task '{task_id}'")
        plan = replace(plan, crew_days=tuple(days))
        uow.plans.set_visit_status(plan_id, task_id, status, reason.strip())  # one row: marks never collide
        uow.commit()
        return uow.plans.get(plan_id)


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def plan_to_json(plan: Plan, prepared: PreparedWeek | None = None) -> dict:
    names = prepared.crew_names if prepared else {}
    places = prepared.places if prepared else {}
    tasks = tasks_by_id(prepared) if prepared else {}
    return {
        "week": plan.week,
        "travel": plan.travel_source,
        "sources": prepared.sources if prepared else {},
        "notes": list(prepared.notes) if prepared else [],
        "crew_days": [
            {
                "crew": names.get(cd.crew_id, cd.crew_id),
                "crew_id": cd.crew_id,
                "day": cd.day.isoformat(),
                "depart": _hhmm(cd.depart_s),
                "return": _hhmm(cd.return_s),
                "hours": round(cd.hours, 2),
                "travel_km": round(cd.travel_m / 1000.0, 2),
                "visits": [
                    {
                        "task": v.task_id,
                        "service": v.service or (tasks[v.task_id].service if v.task_id in tasks else ""),
                        "place": places[v.place_id].name if v.place_id in places else v.place_id,
                        "place_id": v.place_id,
                        "asset": v.asset_id,
                        "arrive": _hhmm(v.arrive_s),
                        "start": _hhmm(v.start_s),
                        "end": _hhmm(v.end_s),
                        "pinned": v.pinned,
                        "part": v.part,
                        "parts": v.parts,
                    }
                    for v in cd.visits
                ],
                "stops": [{"kind": s.kind, "site": s.site_id, "start": _hhmm(s.start_s), "end": _hhmm(s.end_s)}
                          for s in cd.stops],
            }
            for cd in plan.crew_days
        ],
        "unplanned": [{"task": u.task_id, "reason": u.reason} for u in plan.unplanned],
        "kpis": {k: v for k, v in plan.kpis.items() if not k.startswith("_")},
        "violations": list(plan.violations),
    }


PLAN_SUFFIXES = (".json", ".csv")


def check_plan_output(out: Path) -> Path:
    """Refuse an output file the plan could not be written to, before anything is planned or saved.

    A command that fails must store nothing: `plan --out p.xlsx` used to save the plan and then refuse the
    suffix. Checked: the suffix, that the folder exists and is writable, and that the name is not a folder.
    """
    out = Path(out)
    if out.suffix.lower() not in PLAN_SUFFIXES:
        raise UserError(f"cannot write a plan to '{out.name}': name a .json or .csv file")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"cannot write the plan to {out}: the folder {folder} does not exist")
    if out.is_dir():
        raise UserError(f"cannot write the plan to {out}: it is a folder; name a .json or .csv file")
    if not os.access(folder, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise UserError(f"cannot write the plan to {out}: you are not allowed to write there")
    if len(out.name.encode("utf-8", "surrogateescape")) > 255:
        raise UserError(f"cannot write the plan to '{out.name[:40]}...': the file name is longer than 255 bytes")
    return out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_plan(plan: Plan, prepared: PreparedWeek | None, out: Path) -> None:
    """Write the plan as JSON (whole plan) or CSV (one row per visit, as crews' sheets need).

    Written to a temporary file in the same folder and renamed into place, so a failed write never leaves
    half a plan under the name the user gave.
    """
    out = check_plan_output(Path(out))
    data = plan_to_json(plan, prepared)
    buffer = io.StringIO(newline="")
    if out.suffix.lower() == ".json":
        buffer.write(json.dumps(data, indent=2))
    else:
        w = csv.writer(buffer)
        w.writerow(["crew", "day", "order", "arrive", "start", "end", "place", "service", "task", "asset"])
        for cd in data["crew_days"]:
            for i, v in enumerate(cd["visits"], start=1):
                w.writerow([cd["crew"], cd["day"], i, v["arrive"], v["start"], v["end"], v["place"],
                            v["service"], v["task"], v["asset"] or ""])
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem[:50]}-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buffer.getvalue())
        os.chmod(temp, out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask())
        os.replace(temp, out)
    except OSError as exc:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise UserError(f"cannot write the plan to {out}: {exc.strerror or exc}") from exc


def urgent_task(place: Place, service: str, settings: Settings, day: dt.date, note: str = "",
                asset: Asset | None = None) -> Task:
    """Urgent work a supervisor adds mid-week (a fly-tip, a complaint): due today or tomorrow."""
    services = settings.services()
    if service not in services:
        raise UserError(f"unknown service '{service}' (known: {', '.join(services)})")
    st = services[service]
    p = (asset.geometry if asset else place.geometry).representative_point()
    return Task(
        id=new_id("urgent"), service=service, place_id=place.id, x_m=p.x, y_m=p.y, skill=st.skill,
        duration_s=max(st.duration_s(asset), 600), earliest_day=day, latest_day=day + dt.timedelta(days=1),
        asset_id=asset.id if asset else None, equipment=st.equipment,
        volume_l=st.volume_l_per_unit, urgency=Urgency.URGENT, source="urgent", note=note,
    )


__all__ = ["PreparedWeek", "canonical_week", "check_plan_output", "crew_names", "load_plan", "mark_visit",
           "parse_week", "plan_to_json", "prepare_week", "save_plan", "solve_week", "tasks_by_id", "undo_plan",
           "urgent_task", "week_of", "work_done", "write_plan"]
