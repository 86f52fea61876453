"""A season of weeks under one regime: decide the work, plan it, do it, and count what went wrong.

Week by week the regime produces the week's tasks (the historic rota, or the needs model from everything
observed so far), the planning engine fits them into the crews' week, the plan is carried out day by day in
the seeded world (work left out stays undone and the world keeps deteriorating), and surveys and crews'
readings become the observations the needs model learns from next week. Both regimes see the same world
with the same seed, so their figures can be compared directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from envservices.domain.calendar import WorkCalendar
from envservices.domain.model import (
    Area,
    Asset,
    CoordinationRule,
    Crew,
    Observation,
    Place,
    RotaEntry,
    Site,
    Task,
    Vehicle,
)
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.needs.forecast import forecast_one
from envservices.needs.model import WorkDone, learn, measures_of
from envservices.rota.history import rota_history
from envservices.simulation.calibrate import calibrated_assets
from envservices.simulation.world import DoneWork, World
from envservices.week import WeekInputs, decide_week
from envservices.week.work import rota_outside_needs

REGIMES = ("needs", "rota")
WORK_DAYS = 5
PLAN_DAYS = 7
SURVEY_GROUPS = 5
"""Each place is surveyed once a week: places are split into this many groups, one per working day."""

WEEK_TIME_LIMIT_S = 10.0
"""Planning time per simulated week. At 5 s the historic rota's weeks (3,000 tasks) were left short by about
110 tasks a week, so the rota's failures were the planner's; at 10 s it fits, and a 12-week season takes
about 140 s per regime on this machine's two cores."""

READINGS_BUCKETS = (("0-4", 0), ("5-9", 5), ("10-19", 10), ("20+", 20))
"""Forecast errors are grouped by the readings behind the rate: (label, fewest readings), in order."""


def readings_bucket(n: int) -> str:
    return next(label for label, fewest in reversed(READINGS_BUCKETS) if n >= fewest)


Progress = Callable[[int, int, str], None]


class SimulationError(UserError):
    """A season cannot be simulated as asked (unknown regime or area, no crews)."""


@dataclass
class WeekFigures:
    """One week of a season: the work, its cost and what went wrong."""

    week: str
    week_start: str
    tasks: int = 0
    urgent_tasks: int = 0
    unplanned: int = 0
    visits: int = 0
    crew_hours: float = 0.0
    travel_km: float = 0.0
    fuel_l: float = 0.0
    co2_kg: float = 0.0
    cost: float = 0.0
    bin_overflow_days: int = 0
    grass_over_height_days: int = 0
    litter_cd_beyond_response: int = 0
    litter_below_b_days: int = 0
    fly_tip_days: int = 0
    observations: int = 0
    forecast_mae_days: float | None = None
    forecast_n: int = 0
    plan_seconds: float = 0.0
    forecast_errors: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """Forecast errors by measure and by how many readings the rate rested on: [sum of days, count]."""
    work_hours: dict[str, float] = field(default_factory=dict)
    """Hours of work done (on site, without travel) by service."""


@dataclass
class SeasonResult:
    """A whole season's figures, per week and in total."""

    regime: str
    start: dt.date
    seed: int
    area: str | None
    assets: int
    places: int
    rows: list[WeekFigures] = field(default_factory=list)
    elapsed_s: float = 0.0
    calibrated_from_records: int = 0
    """Measures whose simulated truth was drawn from the district's own readings (not the demo's truth)."""

    @property
    def weeks(self) -> int:
        return len(self.rows)

    def total(self, name: str) -> float:
        return float(sum(getattr(r, name) for r in self.rows))

    @property
    def failures(self) -> dict[str, int]:
        return {
            "bin_overflow_days": int(self.total("bin_overflow_days")),
            "grass_over_height_days": int(self.total("grass_over_height_days")),
            "litter_cd_beyond_response": int(self.total("litter_cd_beyond_response")),
        }

    def work_hours(self) -> dict[str, float]:
        """Hours of work done over the season by service (on site, without travel)."""
        out: dict[str, float] = {}
        for r in self.rows:
            for k, v in r.work_hours.items():
                out[k] = out.get(k, 0.0) + v
        return out

    def forecast_mae_days(self) -> float | None:
        """Mean absolute error of the predicted crossing day over the whole season."""
        n = sum(r.forecast_n for r in self.rows if r.forecast_mae_days is not None)
        if n == 0:
            return None
        return (
            sum(r.forecast_mae_days * r.forecast_n for r in self.rows if r.forecast_mae_days is not None) / n
        )

    def forecast_mae_by_readings(self) -> dict[str, dict[str, float]]:
        """Per measure, mean absolute error of the crossing day by how many readings each forecast rested
        on: the evidence that forecasts get better as observations accumulate, free of which assets
        happened to cross in which week (the weekly figure mixes fast bins with slow grass)."""
        sums: dict[str, dict[str, list[float]]] = {}
        for r in self.rows:
            for measure, by in r.forecast_errors.items():
                for bucket, (total, n) in by.items():
                    acc = sums.setdefault(measure, {}).setdefault(bucket, [0.0, 0.0])
                    acc[0] += total
                    acc[1] += n
        return {
            m: {b: by[b][0] / by[b][1] for b, _ in READINGS_BUCKETS if b in by and by[b][1]}
            for m, by in sorted(sums.items())
        }

    def to_json(self) -> dict[str, Any]:
        """Plain figures for `envservices simulate --json`."""
        mae = self.forecast_mae_days()
        return {
            "regime": self.regime,
            "weeks": self.weeks,
            "start": self.start.isoformat(),
            "seed": self.seed,
            "area": self.area,
            "places": self.places,
            "assets": self.assets,
            "calibrated_from_records": self.calibrated_from_records,
            "crew_hours": round(self.total("crew_hours"), 2),
            "travel_km": round(self.total("travel_km"), 2),
            "fuel_l": round(self.total("fuel_l"), 2),
            "co2_kg": round(self.total("co2_kg"), 2),
            "cost": round(self.total("cost"), 2),
            "visits": int(self.total("visits")),
            "tasks": int(self.total("tasks")),
            "unplanned": int(self.total("unplanned")),
            "failures": self.failures,
            "litter_below_b_days": int(self.total("litter_below_b_days")),
            "fly_tip_days": int(self.total("fly_tip_days")),
            "forecast_mae_days": None if mae is None else round(mae, 3),
            "forecast_mae_by_readings": {
                m: {b: round(v, 3) for b, v in by.items()} for m, by in self.forecast_mae_by_readings().items()
            },
            "elapsed_s": round(self.elapsed_s, 2),
            "work_hours": {k: round(v, 2) for k, v in sorted(self.work_hours().items())},
            "per_week": [_rounded(asdict(r)) for r in self.rows],
        }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def first_monday_in_may(year: int) -> dt.date:
    d = dt.date(year, 5, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _district_year(district: Any) -> int:
    today = getattr(district, "today", None)
    return today.year if isinstance(today, dt.date) else dt.date.today().year


def select_area(
    district: Any, area: str | None
) -> tuple[dict[str, Place], dict[str, Asset], list[RotaEntry], list[Crew]]:
    """The places, assets, rota and crews of one area (by name or id), or of the whole district."""
    places = {p.id: p for p in district.places}
    if area is not None:
        match = [a for a in district.areas if a.id == area or a.name.lower() == area.lower()]
        if not match:
            names = ", ".join(sorted(a.name for a in district.areas))
            raise SimulationError(f"there is no area called '{area}' (areas: {names})")
        ids = {a.id for a in match}
        places = {pid: p for pid, p in places.items() if p.area_id in ids}
    assets = {a.id: a for a in district.assets if a.place_id in places}
    rota = [
        e
        for e in district.rota
        if (e.asset_id is not None and e.asset_id in assets) or (e.asset_id is None and e.place_id in places)
    ]
    crews = list(district.crews)
    if area is not None:
        team = {p.team_crew_id for p in places.values() if p.team_crew_id}
        if team:
            depots = {c.depot_id for c in crews if c.id in team}
            crews = [
                c for c in crews if c.id in team or (c.depot_id in depots and not _is_team_crew(c, district))
            ]
    return places, assets, rota, crews


def _is_team_crew(crew: Crew, district: Any) -> bool:
    return any(p.team_crew_id == crew.id for p in district.places)


def rota_entries_outside_needs(
    rota: Sequence[RotaEntry], assets: Mapping[str, Asset], places: Mapping[str, Place],
    settings: Settings | None = None,
) -> list[RotaEntry]:
    """Rota lines the needs model does not replace (see `envservices.week.work.rota_outside_needs`)."""
    return rota_outside_needs(rota, assets, (settings or Settings()).services())


def observations_for_truth(district: Any, places: Mapping[str, Place], start: dt.date) -> list[Observation]:
    """The district's recorded readings, as history before the season, from which its world is drawn."""
    recorded = [o for o in getattr(district, "observations", ()) if o.place_id in places]
    return history_before(recorded, dt.datetime.combine(start, dt.time()))


def history_before(observations: Sequence[Observation], start_at: dt.datetime) -> list[Observation]:
    """The district's recorded readings as history before the season: any dated on or after its start
    (a demo built late in the year) are moved back whole years of 52 weeks, keeping their weekdays, so the
    needs model starts the season knowing what the council knows about each asset's rates."""
    year = dt.timedelta(weeks=52)
    out = []
    for o in observations:
        at = o.observed_at
        while at >= start_at:
            at -= year
        out.append(o if at == o.observed_at else dataclasses.replace(o, observed_at=at))
    return sorted(out, key=lambda o: (o.observed_at, o.id))


def default_planner(
    tasks: Sequence[Task],
    crews: Sequence[Crew],
    vehicles: Mapping[str, Vehicle],
    sites: Sequence[Site],
    places: Sequence[Place],
    week_start: dt.date,
    settings: Settings,
    time_limit_s: float,
    seed: int,
    travel: Any = None,
    rules: Sequence[CoordinationRule] | None = None,
    absent: Any = (),
    closed: Any = (),
):
    """The real planning engine: build the week's problem and solve it within the time limit."""
    from envservices.planning.build import build_problem
    from envservices.planning.solve import solve

    problem = build_problem(
        list(tasks),
        list(crews),
        vehicles,
        list(sites),
        week_start,
        travel=travel,
        rules=settings.rules if rules is None else rules,
        places=list(places),
        settings=settings,
        days=PLAN_DAYS,
        absent=absent,
        closed=tuple(closed),
    )
    return solve(problem, time_limit_s=time_limit_s, seed=seed)


def run_season(
    district: Any,
    *,
    regime: str,
    weeks: int = 12,
    start: dt.date | None = None,
    area: str | None = None,
    seed: int = 1,
    time_limit_s: float = WEEK_TIME_LIMIT_S,
    progress: Progress | None = None,
    settings: Settings | None = None,
    travel: Any = None,
    planner: Callable[..., Any] = default_planner,
    on_week: Callable[..., None] | None = None,
    rules: Sequence[CoordinationRule] | None = None,
    cold_start: bool = False,
    baseline_survey: bool = True,
    stop: Callable[[], bool] | None = None,
) -> SeasonResult:
    """Simulate `weeks` weeks under `regime` ('needs' or 'rota') from `start` (a Monday).

    `district` is a DemoDistrict (or anything with areas, places, assets, sites, vehicles, crews, rota and
    observations). The world's randomness depends only on `seed`, so two regimes with the same seed face
    the same bins, grass and litter. `cold_start` leaves out the district's recorded readings: the needs
    model begins from its priors and the trial's baseline survey alone, as a council with no past
    observations would (the first months Bromsgrove and Redditch met).
    """
    if regime not in REGIMES:
        raise SimulationError(f"'{regime}' is not a regime (use needs or rota)")
    if weeks < 1:
        raise SimulationError("a season needs at least one week")
    t_start = time.perf_counter()
    settings = settings or getattr(district, "settings", None) or Settings()
    services = settings.services()
    start = start or first_monday_in_may(_district_year(district))
    if start.weekday() != 0:
        raise SimulationError(f"a season starts on a Monday, not {start:%A %d %B %Y}")
    places, assets, rota, crews = select_area(district, area)
    if not crews:
        raise SimulationError("there are no crews to do the work")
    vehicles = {v.id: v for v in district.vehicles}
    sites = list(district.sites)
    sim_area = Area(id="simulation", name=area or "district")
    council_days = tuple(getattr(district, "calendar_days", ()))
    start_at = dt.datetime.combine(start, dt.time())
    recorded = () if cold_start else getattr(district, "observations", ())
    observations = history_before([o for o in recorded if o.place_id in places], start_at)
    work: list[WorkDone] = rota_history(rota, assets, places, services, settings, observations, start)
    # The world's truth: the district's own where it has one (the demo), else drawn from its records.
    history = observations_for_truth(district, places, start)
    truth_assets, result_calibrated = calibrated_assets(
        assets, places, history, settings, start,
        rota_history(rota, assets, places, services, settings, history, start), seed)
    world = World(truth_assets, places, settings, seed, start)
    # A trial starts with a baseline survey of every place, so both regimes begin knowing the same.
    if baseline_survey:
        observations += world.survey_now(start_at - dt.timedelta(minutes=1), places)
    survey_order = sorted(places)
    result = SeasonResult(regime, start, seed, area, len(assets), len(places))
    result.calibrated_from_records = result_calibrated
    place_list = list(places.values())
    for w in range(weeks):
        if stop is not None and stop():
            break  # a cancel keeps the weeks already simulated: SeasonResult.weeks says how many
        week_start = start + dt.timedelta(weeks=w)
        iso = week_start.isocalendar()
        row = WeekFigures(week=f"{iso.year}-W{iso.week:02d}", week_start=week_start.isoformat())
        as_of = dt.datetime.combine(week_start, dt.time())
        model = learn(assets, places, observations, settings, as_of, work)
        predicted = {
            key: forecast_one(
                assets[key[0]], key[1], rate, places, settings, as_of, model.weekday_factors
            ).due_at
            for key, rate in model.rates.items()
        }
        calendar = WorkCalendar.around(week_start, council_days)
        inputs = WeekInputs(area=sim_area, week_start=week_start, places=places, assets=assets, rota=rota,
                            observations=observations, work_done=work, settings=settings, calendar=calendar,
                            source=regime)
        tasks = list(decide_week(inputs, model=model).tasks)
        absent = {(c.id, d) for c in crews for d in calendar.closed_in(week_start)}
        by_id = {t.id: t for t in tasks}
        row.tasks = len(tasks)
        row.urgent_tasks = sum(1 for t in tasks if t.urgency.value == "urgent")
        if progress is not None:
            progress(w, weeks, f"week {row.week}: planning {len(tasks)} tasks")
        t_plan = time.perf_counter()
        plan = planner(
            tasks,
            crews,
            vehicles,
            sites,
            place_list,
            week_start,
            settings,
            time_limit_s,
            seed + w,
            travel,
            rules=rules,
            absent=absent,
            closed=getattr(district, "closed_periods", ()),
        )
        row.plan_seconds = time.perf_counter() - t_plan
        row.unplanned = len(plan.unplanned)
        done_by_day: dict[int, list[DoneWork]] = {}
        for route in plan.routes:
            if route.day >= PLAN_DAYS or not route.stops:
                continue
            task_stops = [s for s in route.stops if s.kind == "task" and s.task in by_id]
            if not task_stops:
                continue
            row.crew_hours += max(0, route.return_s - route.depart_s) / 3600.0
            row.travel_km += route.distance_m / 1000.0
            for s in task_stops:
                t = by_id[s.task]
                done_by_day.setdefault(route.day, []).append(
                    DoneWork(t.service, int(s.start_s), (t.asset_id,) if t.asset_id else (), t.place_id)
                )
                day = week_start + dt.timedelta(days=route.day)
                work.append(
                    WorkDone(
                        t.service,
                        dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=int(s.start_s)),
                        t.asset_id,
                        t.place_id if t.asset_id is None else None,
                    )
                )
                row.visits += 1
                row.work_hours[t.service] = row.work_hours.get(t.service, 0.0) + t.duration_s / 3600.0
        row.fuel_l = row.travel_km * settings.fuel_l_per_km
        row.co2_kg = row.travel_km * settings.co2_kg_per_km
        row.cost = row.crew_hours * settings.cost_per_crew_hour + row.travel_km * settings.cost_per_km
        first_crossing: dict[tuple[str, str], dt.datetime] = {}
        first_visit: dict[tuple[str, str], dt.datetime] = {}
        n_obs_before = len(observations)
        for d in range(7):
            day = week_start + dt.timedelta(days=d)
            todays = done_by_day.get(d, [])
            for v in todays:
                for aid in v.asset_ids or tuple(a.id for a in assets.values() if a.place_id == v.place_id):
                    for m in measures_of(assets[aid]):
                        at = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=v.time_s)
                        first_visit.setdefault((aid, m), at)
            group = (
                [pid for i, pid in enumerate(survey_order) if i % SURVEY_GROUPS == d] if d < WORK_DAYS else []
            )
            out = world.step(day, todays, group)
            observations.extend(out.readings)
            observations.extend(world.report_fly_tips(day))
            row.bin_overflow_days += out.bin_overflow
            row.grass_over_height_days += out.grass_over_height
            row.litter_cd_beyond_response += out.litter_cd_beyond_response
            row.litter_below_b_days += out.litter_below_b
            row.fly_tip_days += out.fly_tips_open
            for aid, m, at in out.crossings:
                first_crossing.setdefault((aid, m), at)
        row.observations = len(observations) - n_obs_before
        errors = []
        for key, actual in first_crossing.items():
            pred = predicted.get(key)
            visited = first_visit.get(key)
            if pred is None or (visited is not None and visited <= actual):
                continue
            error = abs((pred - actual).total_seconds()) / 86400.0
            errors.append(error)
            bucket = readings_bucket(model.rates[key].n_obs)
            acc = row.forecast_errors.setdefault(key[1], {}).setdefault(bucket, [0.0, 0])
            acc[0] += error
            acc[1] += 1
        if errors:
            row.forecast_mae_days = sum(errors) / len(errors)
            row.forecast_n = len(errors)
        result.rows.append(row)
        if on_week is not None:
            on_week(
                row=row,
                tasks=tasks,
                plan=plan,
                world=world,
                model=model,
                observations=observations,
                work=work,
            )
        if progress is not None:
            progress(w + 1, weeks, f"week {row.week}: {row.crew_hours:.0f} crew hours, {row.visits} visits")
    result.elapsed_s = time.perf_counter() - t_start
    return result


__all__ = [
    "REGIMES",
    "SeasonResult",
    "SimulationError",
    "WeekFigures",
    "default_planner",
    "first_monday_in_may",
    "history_before",
    "rota_entries_outside_needs",
    "run_season",
    "select_area",
]
