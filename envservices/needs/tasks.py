"""The week's work from observed need: forecasts turned into tasks with due windows and urgency.

A task's window opens when the work is worth doing and closes on the last day before the forecast failure
(an overflowing bin, long grass, grade C beyond the response time). A fast-filling bin can need several
visits in one week: after each planned visit the forecast restarts from as-new. Reports from the public
(fly-tips, complaints) and readings already at failure become urgent work. Everything is a pure function of
the observations and work done up to the planning moment, with ids that do not change between calls.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from envservices.domain.model import (
    Asset,
    Grade,
    Observation,
    ObservationKind,
    Place,
    RotaEntry,
    ServiceType,
    Task,
    Urgency,
)
from envservices.domain.calendar import WorkCalendar
from envservices.domain.settings import Settings
from envservices.needs.forecast import Forecast, forecast_one, levels_for, roll_forward
from envservices.needs.model import (
    BIN_FILL,
    GRASS_HEIGHT,
    LITTER_GRADE,
    LITTER_KINDS,
    NeedsModel,
    Rate,
    WorkDone,
    learn,
    litter_index_lower,
    measures_of,
    reset_level,
)
from envservices.rota.tasks import in_grass_season, representative_point, rota_tasks

NEEDS_SERVICE: dict[str, str] = {BIN_FILL: "empty_bin", GRASS_HEIGHT: "mow", LITTER_GRADE: "litter_pick"}
"""The service that answers each measure's need; other services stay on the rota."""

OPTIONAL_LOOKAHEAD_DAYS = 1
"""Work due this soon after the planning week is offered as optional (cheap if a crew is passing)."""
URGENT_LITTER_INDEX = litter_index_lower(Grade.D)  # grade D seen: urgent whatever the zone
REPORT_MAX_AGE_DAYS = 28
"""Fly-tips and complaints older than this with no work since are taken as dealt with outside the system."""
ASSUMED_VISIT_HOUR = 11
MAX_VISITS_PER_WEEK = 7
WAIT_FOR_NEXT_WEEK = frozenset({GRASS_HEIGHT})
"""Measures whose work waits for next week's plan when it could: grass past its cutting height this week
but forecast (at the pessimistic rate) to stay short of long grass until WAIT_HEADROOM_DAYS into next week
is cut then, taller. The standard's window runs from the cutting height to long grass; cutting at its start
every time is a fortnightly rota again, and every cut saved in the summer slowdown is an hour or more."""
WAIT_HEADROOM_DAYS = 3
"""Measured on 12 weeks of the demo (needs regime, 10 s plans): no waiting 671 mowing hours and 4 long-grass
days; waiting with 2 days' headroom 577 h and 40-55 days (the spring flush and the wet spell outran the
forecast); 3 days 608 h and 22-37 days, against the rota's 39-51."""


def _day(t: dt.datetime) -> dt.date:
    return t.date()


LATE_FAILURE_HOUR = 16
"""A failure forecast after this hour can still be prevented by a visit that day (crews finish by then)."""


def _latest_safe_day(fail_at: dt.datetime | None) -> dt.date | None:
    """The last day a visit still prevents the failure: the failure day itself only if it comes late."""
    if fail_at is None:
        return None
    return fail_at.date() if fail_at.hour >= LATE_FAILURE_HOUR else fail_at.date() - dt.timedelta(days=1)


def _volume_l(asset: Asset, service: ServiceType, settings: Settings) -> float:
    if asset.kind.is_bin and asset.capacity_l:
        return float(asset.capacity_l) * settings.bin_intervention_pct / 100.0
    return service.volume_l_per_unit * service.units(asset)


def tasks_for_forecast(
    asset: Asset,
    forecast: Forecast,
    service: ServiceType,
    places: Mapping[str, Place],
    settings: Settings,
    week_start: dt.date,
    work_days: list[dt.date],
    weekday_factors: tuple[float, ...],
) -> list[Task]:
    """The visits one asset needs this week on one measure (several for a fast-filling bin)."""
    measure = forecast.measure
    first, last = work_days[0], work_days[-1]
    next_plan_day = week_start + dt.timedelta(days=7)
    lv = levels_for(measure, asset, places, settings)
    failed_level = URGENT_LITTER_INDEX if measure == LITTER_GRADE else lv.fail
    x_m, y_m = representative_point(asset, places.get(asset.place_id) if asset.place_id else None)
    tasks: list[Task] = []
    f = forecast
    not_before = first
    for k in range(MAX_VISITS_PER_WEEK):
        seen_failed = (
            k == 0 and f.rate.level_observed and f.rate.level is not None and f.rate.level >= failed_level
        )
        # Grade D is urgent work (the Code); a bin seen overflowing or long grass is routine work due at
        # once: urgent work may displace anything, which a week with many of them cannot afford.
        urgent = seen_failed and measure == LITTER_GRADE
        due_day = _day(f.due_at) if f.due_at else None
        safe_day = _latest_safe_day(f.latest_at)
        can_wait = (
            measure in WAIT_FOR_NEXT_WEEK
            and safe_day is not None
            and safe_day >= next_plan_day + dt.timedelta(days=WAIT_HEADROOM_DAYS)
        )
        needed = (
            seen_failed
            or (due_day is not None and due_day <= last and not can_wait)
            or (safe_day is not None and safe_day < next_plan_day)
        )
        urgency = Urgency.URGENT if urgent else Urgency.ROUTINE
        if not needed:
            if (
                k == 0
                and not can_wait
                and due_day is not None
                and due_day <= last + dt.timedelta(days=OPTIONAL_LOOKAHEAD_DAYS)
            ):
                urgency = Urgency.OPTIONAL
            else:
                break
        worth_day = _day(f.worth_at) if f.worth_at else last
        earliest = max(not_before, worth_day, first)
        latest = last if safe_day is None else min(last, safe_day)
        if seen_failed:
            earliest, latest = first, min(last, first + dt.timedelta(days=1))
        latest = max(latest, first)
        earliest = min(earliest, latest)
        if earliest > last:
            break
        if urgency == Urgency.OPTIONAL:
            latest = last
        tasks.append(
            Task(
                id=f"needs:{service.code}:{asset.id}:{week_start.isoformat()}:{k}",
                service=service.code,
                place_id=asset.place_id or "",
                x_m=x_m,
                y_m=y_m,
                skill=service.skill,
                duration_s=service.duration_s(asset),
                earliest_day=earliest,
                latest_day=latest,
                asset_id=asset.id,
                equipment=service.equipment,
                volume_l=_volume_l(asset, service, settings),
                urgency=urgency,
                source="needs",
                note=_note(f, seen_failed),
            )
        )
        if urgency == Urgency.OPTIONAL:
            break
        assumed = min(max(due_day or earliest, earliest), latest)
        assumed_at = dt.datetime.combine(assumed, dt.time(ASSUMED_VISIT_HOUR))
        f = forecast_one(
            asset,
            measure,
            f.rate,
            places,
            settings,
            f.as_of,
            weekday_factors,
            start_level=reset_level(measure, settings),
            start_at=assumed_at,
        )
        not_before = latest + dt.timedelta(days=1)
        if not_before > last:
            break
    return tasks


TOP_UP_PCT = 60.0
"""When a crew is at a place emptying bins anyway, it also empties every bin there expected to be this full:
a bin at half full now would need its own trip within days, and the trip is the dear part."""
TOP_UP_OPTIONAL = False
"""True makes top-ups optional (the first work a full week leaves out; later rounds then do not count on
them). Measured worse: the top-up then comes back as a trip of its own later in the week."""
ROUND_GAP_DAYS = 0
"""A bin whose last safe day is this soon after a round goes in that round rather than in a round of its own.
With ROUND_SLACK_DAYS 0, going from 1 to 0 cut bin emptying from 1,103 to 1,016 hours over 12 weeks of the
demo; overflow bin-days rose from 3,402 to 4,431, still well under the place-based rota's 5,500-6,200."""
NEXT_WEEK_HEADROOM_DAYS = 1
"""A bin that could last only until next Monday is emptied this week: Monday already takes every bin the
weekend filled and every reading that came in fuller than forecast, and a Monday-only task that does not
fit overflows."""
ROUND_SLACK_DAYS = 0
"""A round's window opens this many days before its last safe day, so the planner has room to fit it in.
Wider (3 days) measured worse: rounds of one place overlap and the planner splits them over days. 1 day
measured worse than 0: each bin's next fill was forecast from the window's first day, so every round came a
day early (town-centre bins emptied at 40 % full); 0 cut overflow bin-days 4,170 -> 3,402 and hours 1 %."""


@dataclass
class _BinState:
    """One bin while its place's rounds for the week are laid out: what is known, and its forecast."""

    asset: Asset
    rate: Rate
    level0: float
    t0: dt.datetime
    seen_failed: bool
    visits: int = 0


def _bin_forecast(
    b: _BinState, places: Mapping[str, Place], settings: Settings, weekday_factors: tuple[float, ...]
) -> Forecast:
    return forecast_one(
        b.asset,
        BIN_FILL,
        b.rate,
        places,
        settings,
        b.t0,
        weekday_factors,
        start_level=b.level0,
        start_at=b.t0,
    )


def _expected_level(b: _BinState, at: dt.datetime, weekday_factors: tuple[float, ...]) -> float:
    _, level = roll_forward(BIN_FILL, b.rate.rate, b.level0, b.t0, (), weekday_factors, until=at)
    return b.level0 if level is None else level


def bin_rounds_for_place(
    bins: list[tuple[Asset, Forecast]],
    service: ServiceType,
    places: Mapping[str, Place],
    settings: Settings,
    week_start: dt.date,
    work_days: list[dt.date],
    weekday_factors: tuple[float, ...],
    *,
    top_up_pct: float = TOP_UP_PCT,
    max_rounds: int | None = None,
) -> list[Task]:
    """A place's bin emptying for the week, as rounds: the visits its bins need, batched.

    A round is set by the bin that can wait least (its last safe day, from the pessimistic rate); in it a
    crew empties that bin, every bin that would need a visit within ROUND_GAP_DAYS anyway, and every bin
    expected to be TOP_UP_PCT full. The rota batches a place's bins on its round days; emptying bins one by
    one as each comes due sends a vehicle to the same place every day and costs more than it saves.

    The week's last round (Friday's, or the last `max_rounds` allows) takes every bin that could not last
    to next week's first round: one left for Monday overflows over the weekend.
    """
    first, last = work_days[0], work_days[-1]
    next_plan_day = week_start + dt.timedelta(days=7)
    fail_level = settings.bin_overflow_pct
    states: list[_BinState] = []
    for asset, f in bins:
        rate = f.rate
        if rate.level is not None and rate.level_at is not None:
            level0, t0 = rate.level, rate.level_at
        else:
            level0, t0 = settings.bin_intervention_pct / 2.0, f.as_of
        seen = bool(rate.level_observed and rate.level is not None and rate.level >= fail_level)
        states.append(_BinState(asset, rate, level0, t0, seen))
    tasks: list[Task] = []
    not_before = first
    rounds_left = MAX_VISITS_PER_WEEK if max_rounds is None else max(1, max_rounds)
    horizon = next_plan_day + dt.timedelta(days=NEXT_WEEK_HEADROOM_DAYS)
    for _ in range(MAX_VISITS_PER_WEEK):
        if not_before > last or rounds_left <= 0:
            break
        latest_of: dict[str, dt.date | None] = {}
        needed: list[_BinState] = []
        for b in states:
            f = _bin_forecast(b, places, settings, weekday_factors)
            safe = _latest_safe_day(f.latest_at)
            if b.seen_failed:
                safe = first + dt.timedelta(days=1)
            latest_of[b.asset.id] = safe
            due_day = _day(f.due_at) if f.due_at else None
            if b.seen_failed or (due_day is not None and due_day <= last) or (
                safe is not None and safe < next_plan_day + dt.timedelta(days=NEXT_WEEK_HEADROOM_DAYS)
            ):
                needed.append(b)
        if not needed:
            break
        round_day = min(
            (latest_of[b.asset.id] or last for b in needed), default=last
        )
        round_day = min(max(round_day, not_before), last)
        opens = max(not_before, round_day - dt.timedelta(days=ROUND_SLACK_DAYS))
        if any(b.seen_failed for b in needed):
            opens = not_before  # a bin seen overflowing is emptied as soon as a crew can get there
        at = dt.datetime.combine(round_day, dt.time(ASSUMED_VISIT_HOUR))
        take_until = round_day + dt.timedelta(days=ROUND_GAP_DAYS)
        if rounds_left == 1 or round_day >= last:
            # No later round this week: this one takes every bin that cannot last to next week's first.
            take_until = horizon - dt.timedelta(days=1)
        members: list[tuple[_BinState, bool]] = []
        for b in states:
            safe = latest_of[b.asset.id]
            if b.seen_failed or (safe is not None and safe <= take_until):
                members.append((b, False))
            elif _expected_level(b, at, weekday_factors) >= top_up_pct:
                members.append((b, True))
        for b, top_up in members:
            x_m, y_m = representative_point(b.asset, places.get(b.asset.place_id) if b.asset.place_id else None)
            f = _bin_forecast(b, places, settings, weekday_factors)
            tasks.append(
                Task(
                    id=f"needs:{service.code}:{b.asset.id}:{week_start.isoformat()}:{b.visits}",
                    service=service.code,
                    place_id=b.asset.place_id or "",
                    x_m=x_m,
                    y_m=y_m,
                    skill=service.skill,
                    duration_s=service.duration_s(b.asset),
                    earliest_day=opens,
                    latest_day=round_day,
                    asset_id=b.asset.id,
                    equipment=service.equipment,
                    volume_l=_volume_l(b.asset, service, settings),
                    urgency=Urgency.OPTIONAL if top_up and TOP_UP_OPTIONAL else Urgency.ROUTINE,
                    source="needs",
                    note="top-up while the crew is there" if top_up else _note(f, b.seen_failed),
                )
            )
            if top_up and TOP_UP_OPTIONAL:
                continue
            # The crew may come on the window's first day: the next fill is forecast from then.
            b.level0 = reset_level(BIN_FILL, settings)
            b.t0 = dt.datetime.combine(opens, dt.time(ASSUMED_VISIT_HOUR))
            b.seen_failed = False
            b.visits += 1
        not_before = round_day + dt.timedelta(days=1)
        rounds_left -= 1
    return tasks


BUDGET_SHARE = 1.0
"""The week's bin emptyings are kept to this share of the rota's own weekly count: the rota's count is what
the crews are known to fit beside their other work, and a request beyond it leaves bins out at random."""
ROUNDS_OVER_ROTA = 1
"""A place gets at most its rota round days plus this many bin rounds a week. Measured on 6 weeks of the
demo (overflow bin-days): no cap 3,664; rota days exactly 7,251 (a bin emptied in the first round
overflows before the second); one more 2,679; two more 3,277."""
TOP_UP_STEPS_PCT = (TOP_UP_PCT, 70.0, 80.0, 90.0, 101.0)
"""Top-up thresholds tried in turn while the week's emptyings exceed the budget (101: no top-ups)."""


def rota_bin_emptyings(
    rota: Iterable[RotaEntry], week_start: dt.date, service_code: str, asset_ids: Collection[str]
) -> int:
    """How many emptyings of these bins the historic rota does in the week: the crews' known capacity."""
    from envservices.rota.tasks import entry_runs_in_week

    return sum(
        len(set(e.weekdays))
        for e in rota
        if e.service == service_code and e.asset_id in asset_ids and entry_runs_in_week(e, week_start)
    )


def rota_round_days(
    rota: Iterable[RotaEntry], week_start: dt.date, service_code: str, place_of_asset: Mapping[str, str]
) -> dict[str, int]:
    """How many days of the week the rota empties bins at each place: the rounds a place is known to get.

    `place_of_asset` maps each bin's id to its place key; bins with no rota entry this week add nothing.
    """
    from envservices.rota.tasks import entry_runs_in_week

    days: dict[str, set[int]] = defaultdict(set)
    for e in rota:
        if e.service == service_code and e.asset_id in place_of_asset and entry_runs_in_week(e, week_start):
            days[place_of_asset[e.asset_id]].update(e.weekdays)
    return {place: len(weekdays) for place, weekdays in days.items()}


def _bin_rounds_within_budget(
    bins_by_place: Mapping[str, list[tuple[Asset, Forecast]]],
    service: ServiceType,
    places: Mapping[str, Place],
    settings: Settings,
    week_start: dt.date,
    work_days: list[dt.date],
    weekday_factors: tuple[float, ...],
    rota_count: int,
    rounds_by_place: Mapping[str, int] | None = None,
) -> list[Task]:
    """Every place's bin rounds, fitted to what the crews can empty in a week.

    A place the rota serves gets few rounds, like the rota's round days there (`rounds_by_place`, plus
    ROUNDS_OVER_ROTA): several small rounds a week cost more crew time per emptying than a few full ones.

    A request beyond capacity is not harmless: the planner leaves bins out with no regard to how soon they
    overflow, and those come back on Monday with the weekend's fill. So top-ups go first, the threshold
    raised step by step. Marking the bins that could last into next week optional as well measured worse
    (6 weeks of the demo: 6,566 overflow bin-days against 6,149): the planner then leaves out those and
    the routine ones.
    """
    budget = int(rota_count * BUDGET_SHARE) if rota_count else None
    rounds_by_place = rounds_by_place or {}
    tasks: list[Task] = []
    for pct in TOP_UP_STEPS_PCT:
        tasks = []
        for place, bins in sorted(bins_by_place.items()):
            tasks.extend(
                bin_rounds_for_place(
                    bins,
                    service,
                    places,
                    settings,
                    week_start,
                    work_days,
                    weekday_factors,
                    top_up_pct=pct,
                    max_rounds=(
                        rounds_by_place[place] + ROUNDS_OVER_ROTA if place in rounds_by_place else None
                    ),
                )
            )
        if budget is None or len(tasks) <= budget:
            return tasks
    return tasks


def _note(f: Forecast, urgent: bool) -> str:
    if urgent:
        return f"{f.measure.replace('_', ' ')} reading at failure level"
    due = f"due {f.due_at:%a %d %b}" if f.due_at else "no crossing forecast"
    return f"{due} ({f.confidence} confidence, {f.n_obs} readings)"


def urgent_tasks(
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    observations: Iterable[Observation],
    services: Mapping[str, ServiceType],
    week_start: dt.date,
    settings: Settings,
    completed_work: Iterable[WorkDone] = (),
    *,
    days: int = 5,
    as_of: dt.datetime | None = None,
) -> list[Task]:
    """Fly-tips and complaints not yet dealt with: urgent work whatever the regime."""
    as_of = as_of or dt.datetime.combine(week_start, dt.time())
    done = [w for w in completed_work if w.done_at <= as_of]
    first = week_start
    latest = week_start + dt.timedelta(days=min(1, days - 1))
    oldest = as_of - dt.timedelta(days=REPORT_MAX_AGE_DAYS)
    out: list[Task] = []
    for obs in sorted(observations, key=lambda o: (o.observed_at, o.id)):
        if obs.kind not in (ObservationKind.FLY_TIP, ObservationKind.COMPLAINT):
            continue
        if not (oldest <= obs.observed_at <= as_of):
            continue
        asset = assets.get(obs.asset_id) if obs.asset_id else None
        place = places.get(obs.place_id)
        if obs.kind == ObservationKind.FLY_TIP:
            service = services["fly_tip"]
            cleared = any(
                w.service == service.code
                and w.place_id in (obs.place_id, None)
                and w.done_at >= obs.observed_at
                and (w.asset_id is None or w.asset_id == obs.asset_id)
                for w in done
            )
            duration_s = service.duration_s(None)
            volume_l = service.volume_l_per_unit * max(1, obs.count or 1)
            task_asset = obs.asset_id
        else:
            measures = measures_of(asset) if asset is not None else ()
            code = NEEDS_SERVICE[measures[0]] if measures else "litter_pick"
            service = services[code]
            place_asset_ids = {a.id for a in assets.values() if a.place_id == obs.place_id}
            cleared = any(
                w.done_at >= obs.observed_at
                and (w.place_id == obs.place_id or w.asset_id in place_asset_ids)
                and (asset is None or w.asset_id in (None, asset.id))
                for w in done
            )
            if asset is not None:
                duration_s = service.duration_s(asset)
                task_asset = asset.id
            else:
                covered = [
                    a for a in assets.values() if a.place_id == obs.place_id and a.kind in LITTER_KINDS
                ]
                duration_s = sum(service.duration_s(a) for a in covered) or service.duration_s(None)
                task_asset = None
            volume_l = 0.0
        if cleared:
            continue
        try:
            x_m, y_m = representative_point(asset, place)
        except ValueError:
            continue
        out.append(
            Task(
                id=f"urgent:{obs.id}",
                service=service.code,
                place_id=obs.place_id,
                x_m=x_m,
                y_m=y_m,
                skill=service.skill,
                duration_s=int(duration_s),
                earliest_day=first,
                latest_day=latest,
                asset_id=task_asset,
                equipment=service.equipment,
                volume_l=float(volume_l),
                urgency=Urgency.URGENT,
                source="urgent",
                note=(obs.note or obs.kind.value.replace("_", " ")),
            )
        )
    return out


def needs_tasks(
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    observations: Iterable[Observation],
    services: Mapping[str, ServiceType],
    week_start: dt.date,
    settings: Settings,
    completed_work: Iterable[WorkDone] = (),
    *,
    days: int = 5,
    as_of: dt.datetime | None = None,
    model: NeedsModel | None = None,
    include_urgent: bool = True,
    rota: Iterable[RotaEntry] = (),
    calendar: WorkCalendar | None = None,
    forecast: frozenset[str] | None = None,
) -> list[Task]:
    """The week's tasks from need: forecast crossings, readings at failure, fly-tips and complaints.

    `forecast` limits the services answered from forecasts (the catalogue's triggered ones; None: all).
    `as_of` (default: the Monday's midnight) is the planning moment; nothing later is used. Mowing is
    only planned on days in the grass season. `days` is the number of working days planned (Monday first).
    An asset with no usable pair of readings yet stays on its `rota` entries (if it has any) until it has:
    guessing its rate from the prior alone is how a trial's first weeks bring long grass.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"the planning week must start on a Monday, not {week_start:%A %d %B %Y}")
    observations = list(observations)
    completed_work = list(completed_work)
    rota = list(rota)
    as_of = as_of or dt.datetime.combine(week_start, dt.time())
    if model is None:
        model = learn(assets, places, observations, settings, as_of, completed_work)
    all_days = [week_start + dt.timedelta(days=i) for i in range(days)]
    rota_of: dict[tuple[str, str], list[RotaEntry]] = defaultdict(list)
    for e in rota:
        if e.asset_id is not None:
            rota_of[(e.asset_id, e.service)].append(e)
    still_on_rota: list[RotaEntry] = []
    tasks: list[Task] = []
    bins_by_place: dict[str, list[tuple[Asset, Forecast]]] = defaultdict(list)
    for (asset_id, measure), rate in sorted(model.rates.items()):
        code = NEEDS_SERVICE.get(measure)
        if code is None or code not in services or (forecast is not None and code not in forecast):
            continue
        if rate.estimate is None and rota_of.get((asset_id, code)):
            still_on_rota.extend(rota_of[(asset_id, code)])
            continue
        work_days = all_days
        if measure == GRASS_HEIGHT:
            work_days = [d for d in all_days if in_grass_season(d, settings)]
            if not work_days:
                continue
        asset = assets[asset_id]
        f = forecast_one(asset, measure, rate, places, settings, as_of, model.weekday_factors)
        if measure == BIN_FILL:
            bins_by_place[asset.place_id or asset.id].append((asset, f))
            continue
        tasks.extend(
            tasks_for_forecast(
                asset, f, services[code], places, settings, week_start, work_days, model.weekday_factors
            )
        )
    if bins_by_place:
        bin_code = services[NEEDS_SERVICE[BIN_FILL]].code
        place_of_bin = {a.id: place for place, bins in bins_by_place.items() for a, _f in bins}
        tasks.extend(
            _bin_rounds_within_budget(
                bins_by_place,
                services[NEEDS_SERVICE[BIN_FILL]],
                places,
                settings,
                week_start,
                all_days,
                model.weekday_factors,
                rota_bin_emptyings(rota, week_start, bin_code, place_of_bin.keys()),
                rota_round_days(rota, week_start, bin_code, place_of_bin),
            )
        )
    if still_on_rota:
        tasks.extend(rota_tasks(still_on_rota, assets, places, services, week_start, settings, calendar))
    if include_urgent:
        tasks.extend(
            urgent_tasks(
                assets,
                places,
                observations,
                services,
                week_start,
                settings,
                completed_work,
                days=days,
                as_of=as_of,
            )
        )
    return tasks


__all__ = [
    "NEEDS_SERVICE",
    "bin_rounds_for_place",
    "needs_tasks",
    "rota_round_days",
    "tasks_for_forecast",
    "urgent_tasks",
]
