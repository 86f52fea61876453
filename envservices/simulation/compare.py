"""Trial-area comparison: what was recorded and what the simulation says, week by week, area by area.

A service manager takes this to members: for each area, the recorded figures (work done, observations,
complaints) before and after its trial start, and the simulated figures of the same area under the needs
model and under the historic rota, with the same seed. Figures are also given per place and per asset, so a
large area and a small one can be set side by side.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envservices.domain.model import (
    Area,
    Asset,
    Grade,
    Observation,
    ObservationKind,
    Place,
    Plan,
    VisitStatus,
)
from envservices.domain.settings import Settings
from envservices.simulation.season import SeasonResult, run_season

RECORDED = "recorded"
SIMULATED_NEEDS = "simulated needs"
SIMULATED_ROTA = "simulated rota"
BEFORE, AFTER, NO_TRIAL = "before", "after", ""

COUNT_FIELDS = (
    "visits",
    "crew_hours",
    "travel_km",
    "complaints",
    "fly_tips",
    "observations",
    "graded_sites",
    "graded_below_b",
    "bins_seen_overflowing",
    "grass_seen_long",
    "bin_overflow_days",
    "grass_over_height_days",
    "litter_cd_beyond_response",
    "missed",
    "hours_on_site",
)


@dataclass
class AreaWeek:
    """One area's figures for one ISO week, recorded or simulated."""

    area_id: str
    area: str
    source: str  # recorded | simulated needs | simulated rota
    week: str
    week_start: dt.date
    period: str  # before | after the area's trial start ("" when it has none, or simulated)
    places: int
    assets: int
    visits: int = 0
    crew_hours: float = 0.0
    travel_km: float = 0.0
    complaints: int = 0
    fly_tips: int = 0
    observations: int = 0
    graded_sites: int = 0
    graded_below_b: int = 0
    bins_seen_overflowing: int = 0
    grass_seen_long: int = 0
    bin_overflow_days: int | None = None
    grass_over_height_days: int | None = None
    litter_cd_beyond_response: int | None = None
    missed: int = 0
    """Visits marked missed (recorded weeks): work that must come back."""
    hours_on_site: float = 0.0
    """Crews' recorded time on site, actual start to actual finish (crew page or return sheet)."""
    timed_visits: int = 0
    """Visits with an actual start and finish, which `hours_on_site` adds up."""
    days: int = 7
    """Days of the week inside the recording period: fewer than 7 at its ends (the week in hand, the first)."""

    @property
    def part_week(self) -> bool:
        """Only some of the week's days were recorded: its counts are not a whole week's."""
        return self.days < 7

    @property
    def completion(self) -> float | None:
        """Done as a share of the visits marked done or missed (None before anything is marked)."""
        marked = self.visits + self.missed
        return self.visits / marked if marked else None

    @property
    def share_below_b(self) -> float | None:
        """The share of graded sites below grade B (the former NI195 headline)."""
        return self.graded_below_b / self.graded_sites if self.graded_sites else None

    @property
    def failures(self) -> int | None:
        if self.bin_overflow_days is None:
            return None
        return int(
            self.bin_overflow_days
            + (self.grass_over_height_days or 0)
            + (self.litter_cd_beyond_response or 0)
        )

    def per_place(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None or not self.places else value / self.places

    def per_asset(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None or not self.assets else value / self.assets

    def to_row(self) -> dict[str, Any]:
        row = {k: v for k, v in dataclasses.asdict(self).items()}
        row["week_start"] = self.week_start.isoformat()
        row["share_below_b"] = None if self.share_below_b is None else round(self.share_below_b, 4)
        row["completion"] = None if self.completion is None else round(self.completion, 4)
        row["failures"] = self.failures
        for name in ("visits", "crew_hours", "complaints"):
            pp = self.per_place(name)
            row[f"{name}_per_place"] = None if pp is None else round(pp, 4)
        for name in ("visits", "crew_hours"):
            pa = self.per_asset(name)
            row[f"{name}_per_asset"] = None if pa is None else round(pa, 5)
        if self.failures is not None and self.assets:
            row["failures_per_asset"] = round(self.failures / self.assets, 5)
        if isinstance(row["crew_hours"], float):
            row["crew_hours"] = round(row["crew_hours"], 3)
            row["travel_km"] = round(row["travel_km"], 3)
        return row


@dataclass
class AreaSummary:
    """Mean weekly figures of one area for one source and period, also per place and per asset."""

    area: str
    source: str
    period: str
    weeks: int
    places: int
    assets: int
    mean_per_week: dict[str, float]
    part_weeks_left_out: int = 0
    """Part weeks at the ends of the recording period, left out of the means (their counts are not a week's)."""
    first_week: dt.date | None = None
    last_week: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        per_place = {
            k: round(v / self.places, 4)
            for k, v in self.mean_per_week.items()
            if self.places and v is not None
        }
        per_asset = {
            k: round(v / self.assets, 5)
            for k, v in self.mean_per_week.items()
            if self.assets and v is not None
        }
        return {
            "area": self.area,
            "source": self.source,
            "period": self.period,
            "weeks": self.weeks,
            "places": self.places,
            "assets": self.assets,
            "mean_per_week": {k: round(v, 3) for k, v in self.mean_per_week.items()},
            "per_place_per_week": per_place,
            "per_asset_per_week": per_asset,
        }


@dataclass
class Comparison:
    """Everything `envservices compare` prints, writes as CSV and draws."""

    rows: list[AreaWeek] = field(default_factory=list)
    seasons: dict[tuple[str, str], SeasonResult] = field(default_factory=dict)  # (area, regime) -> result
    other_seeds: dict[tuple[str, str], list[SeasonResult]] = field(default_factory=dict)
    """Further seeds' seasons (a new world drawn each time): how much the result depends on the draw."""
    stopped: bool = False  # cancelled: the seasons hold the weeks simulated before the cancel

    def summaries(self) -> list[AreaSummary]:
        groups: dict[tuple[str, str, str], list[AreaWeek]] = defaultdict(list)
        for r in self.rows:
            groups[(r.area, r.source, r.period)].append(r)
        out = []
        for (area, source, period), all_rows in sorted(groups.items()):
            rows = [r for r in all_rows if not r.part_week] or all_rows  # means over whole weeks
            mean: dict[str, float] = {}
            for name in COUNT_FIELDS:
                values = [getattr(r, name) for r in rows if getattr(r, name) is not None]
                if values:
                    mean[name] = sum(values) / len(rows)
            shares = [r.share_below_b for r in rows if r.share_below_b is not None]
            if shares:
                mean["share_below_b"] = sum(shares) / len(shares)
            starts = [r.week_start for r in all_rows]
            out.append(AreaSummary(area, source, period, len(rows), rows[0].places, rows[0].assets, mean,
                                   len(all_rows) - len(rows), min(starts), max(starts)))
        return out

    def headline(self) -> list[dict[str, Any]]:
        """Per area: simulated needs against rota (hours saved, failures), the figures members ask for."""
        out = []
        areas = sorted({a for a, _ in self.seasons})
        for area in areas:
            needs, rota = self.seasons.get((area, "needs")), self.seasons.get((area, "rota"))
            if needs is None or rota is None:
                continue
            rh, nh = rota.total("crew_hours"), needs.total("crew_hours")
            out.append(
                {
                    "area": area,
                    "weeks": needs.weeks,
                    "crew_hours": {"needs": round(nh, 1), "rota": round(rh, 1)},
                    "crew_hours_saved_pct": round(100.0 * (rh - nh) / rh, 1) if rh else None,
                    "travel_km": {
                        "needs": round(needs.total("travel_km"), 1),
                        "rota": round(rota.total("travel_km"), 1),
                    },
                    "cost": {"needs": round(needs.total("cost"), 0), "rota": round(rota.total("cost"), 0)},
                    "failures": {"needs": needs.failures, "rota": rota.failures},
                    "forecast_mae_days": needs.forecast_mae_days(),
                    "calibrated_from_records": needs.calibrated_from_records,
                    **self._band(area, needs, rota),
                }
            )
        return out

    def _band(self, area: str, needs: SeasonResult, rota: SeasonResult) -> dict[str, Any]:
        """Hours saved and failures over every seed run, so a reader sees the spread, not one draw."""
        pairs = [(needs, rota)] + list(zip(self.other_seeds.get((area, "needs"), []),
                                           self.other_seeds.get((area, "rota"), []), strict=False))
        if len(pairs) < 2:
            return {}
        saved = [100.0 * (r.total("crew_hours") - n.total("crew_hours")) / r.total("crew_hours")
                 for n, r in pairs if r.total("crew_hours")]
        more_failures = sum(1 for n, r in pairs if sum(n.failures.values()) > sum(r.failures.values()))
        return {"seeds": [n.seed for n, _ in pairs],
                "crew_hours_saved_pct_by_seed": [round(x, 1) for x in saved],
                "crew_hours_saved_pct_band": [round(min(saved), 1), round(max(saved), 1)] if saved else None,
                "seeds_with_more_failures_under_needs": more_failures}

    def to_json(self) -> dict[str, Any]:
        return {
            "headline": self.headline(),
            "summaries": [s.to_json() for s in self.summaries()],
            "weeks": [r.to_row() for r in self.rows],
        }

    def write_csv(self, path: str | Path) -> Path:
        """One line per area, source and week, with per-place and per-asset figures."""
        path = Path(path)
        rows = [r.to_row() for r in self.rows]
        columns: list[str] = []
        for r in rows:
            for k in r:
                if k not in columns:
                    columns.append(k)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=columns)
            w.writeheader()
            for r in rows:
                w.writerow({k: "" if v is None else v for k, v in r.items()})
        return path


def iso_week(day: dt.date) -> tuple[str, dt.date]:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}", day - dt.timedelta(days=day.weekday())


def _period(area: Area, week_start: dt.date) -> str:
    if area.trial_start is None:
        return NO_TRIAL
    return AFTER if week_start >= area.trial_start - dt.timedelta(days=area.trial_start.weekday()) else BEFORE


def recorded_weeks(
    area: Area,
    places: Sequence[Place],
    assets: Sequence[Asset],
    observations: Iterable[Observation],
    plans: Iterable[Plan] = (),
    settings: Settings | None = None,
    recorded_from: dt.date | None = None,
    recorded_to: dt.date | None = None,
) -> list[AreaWeek]:
    """The area's recorded figures per ISO week: work done from plans, need and complaints from observations.

    A crew-day serving several areas has its hours and travel shared out by its visits in each. Weeks that
    reach past `recorded_from` or `recorded_to` (the first and last day anything was recorded) are part weeks.
    """
    settings = settings or Settings()
    place_ids = {p.id for p in places if p.area_id == area.id}
    n_assets = sum(1 for a in assets if a.place_id in place_ids)
    rows: dict[str, AreaWeek] = {}

    def row_for(day: dt.date) -> AreaWeek:
        week, start = iso_week(day)
        if week not in rows:
            rows[week] = AreaWeek(
                area.id, area.name, RECORDED, week, start, _period(area, start), len(place_ids), n_assets
            )
        return rows[week]

    for o in observations:
        if o.place_id not in place_ids:
            continue
        r = row_for(o.observed_at.date())
        r.observations += 1
        if o.kind == ObservationKind.COMPLAINT:
            r.complaints += max(1, o.count or 1)
        elif o.kind == ObservationKind.FLY_TIP:
            r.fly_tips += max(1, o.count or 1)
        elif o.kind == ObservationKind.LITTER_GRADE and o.grade is not None:
            r.graded_sites += 1
            r.graded_below_b += int(o.grade.below_b)
        elif o.kind == ObservationKind.BIN_FILL and o.fill_pct is not None:
            r.bins_seen_overflowing += int(o.fill_pct >= settings.bin_overflow_pct)
        elif o.kind == ObservationKind.GRASS_HEIGHT and o.height_mm is not None:
            r.grass_seen_long += int(o.height_mm > settings.grass_failure_mm)
    for plan in plans:
        for cd in plan.crew_days:
            missed = [v for v in cd.visits if v.status == VisitStatus.MISSED and v.place_id in place_ids]
            if missed:
                row_for(cd.day).missed += len(missed)
            done = [v for v in cd.visits if v.status == VisitStatus.DONE]
            if not done:
                continue
            mine = [v for v in done if v.place_id in place_ids]
            if not mine:
                continue
            share = len(mine) / len(cd.visits)
            r = row_for(cd.day)
            r.visits += len(mine)
            r.crew_hours += cd.hours * share
            r.travel_km += cd.travel_m / 1000.0 * share
            for v in mine:
                start, end = getattr(v, "actual_start", None), getattr(v, "actual_end", None)
                if start is not None and end is not None and end >= start:
                    r.hours_on_site += (end - start).total_seconds() / 3600.0
                    r.timed_visits += 1
    for r in rows.values():
        first = max(r.week_start, recorded_from or r.week_start)
        last = min(r.week_start + dt.timedelta(days=6), recorded_to or r.week_start + dt.timedelta(days=6))
        r.days = max(1, (last - first).days + 1)
    return sorted(rows.values(), key=lambda r: r.week_start)


def recording_period(observations: Sequence[Observation], plans: Sequence[Plan]) -> tuple[dt.date, dt.date] | None:
    """The first and last day anything was recorded (an observation, or a visit done)."""
    days = [o.observed_at.date() for o in observations]
    days += [cd.day for p in plans for cd in p.crew_days if any(v.status == VisitStatus.DONE for v in cd.visits)]
    return (min(days), max(days)) if days else None


def simulated_weeks(result: SeasonResult, area: Area, places: int, assets: int) -> list[AreaWeek]:
    """A season's weeks as comparison rows."""
    source = SIMULATED_NEEDS if result.regime == "needs" else SIMULATED_ROTA
    out = []
    for w in result.rows:
        start = dt.date.fromisoformat(w.week_start)
        out.append(
            AreaWeek(
                area.id,
                area.name,
                source,
                w.week,
                start,
                NO_TRIAL,
                places,
                assets,
                visits=w.visits,
                crew_hours=w.crew_hours,
                travel_km=w.travel_km,
                complaints=0,
                fly_tips=0,
                observations=w.observations,
                bin_overflow_days=w.bin_overflow_days,
                grass_over_height_days=w.grass_over_height_days,
                litter_cd_beyond_response=w.litter_cd_beyond_response,
            )
        )
    return out


def compare_areas(
    district: Any,
    *,
    observations: Iterable[Observation] | None = None,
    plans: Iterable[Plan] = (),
    simulate: bool = True,
    weeks: int = 12,
    seed: int = 1,
    start: dt.date | None = None,
    time_limit_s: float = 5.0,
    settings: Settings | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    areas: Sequence[str] | None = None,
    seeds: int = 1,
    stop: Callable[[], bool] | None = None,
) -> Comparison:
    """Recorded and (optionally) simulated figures for every area of `district`.

    `district` holds areas, places, assets, sites, vehicles, crews and rota (a DemoDistrict or the same read
    from the database); `observations` default to the district's; `plans` are the stored weekly plans.
    """
    settings = settings or getattr(district, "settings", None) or Settings()
    obs = list(observations if observations is not None else getattr(district, "observations", ()))
    plans = list(plans)
    comparison = Comparison()
    period = recording_period(obs, plans)
    chosen = [a for a in district.areas if areas is None or a.id in areas or a.name in areas]
    steps = len(chosen) * 2 * max(1, seeds) * weeks * (1 if simulate else 0)  # progress counts simulated weeks
    step = 0
    for area in chosen:
        area_places = [p for p in district.places if p.area_id == area.id]
        place_ids = {p.id for p in area_places}
        n_assets = sum(1 for a in district.assets if a.place_id in place_ids)
        comparison.rows += recorded_weeks(area, district.places, district.assets, obs, plans, settings,
                                          *(period or (None, None)))
        if not simulate or not area_places or comparison.stopped:
            continue
        for k in range(max(1, seeds)):
            for regime in ("needs", "rota"):
                if stop is not None and stop():
                    comparison.stopped = True
                    break
                label = f" (seed {seed + k})" if seeds > 1 else ""
                if progress is not None:
                    progress(step, steps, f"simulating {area.name} under the {regime}{label}")

                def week_done(w: int, n: int, message: str, _base: int = step, _area: str = area.name,
                              _regime: str = regime, _label: str = label) -> None:
                    if progress is not None:
                        progress(_base + w, steps, f"{_area} under the {_regime}{_label}: {w} of {n} weeks simulated")

                result = run_season(
                    district,
                    regime=regime,
                    weeks=weeks,
                    start=start,
                    area=area.id,
                    seed=seed + k,
                    time_limit_s=time_limit_s,
                    settings=settings,
                    progress=week_done,
                    stop=stop,
                )
                if result.weeks < weeks:
                    comparison.stopped = True
                if k == 0 and result.weeks:
                    comparison.seasons[(area.name, regime)] = result
                    comparison.rows += simulated_weeks(result, area, len(area_places), n_assets)
                elif k > 0 and not comparison.stopped:
                    comparison.other_seeds.setdefault((area.name, regime), []).append(result)
                step += weeks
                if comparison.stopped:
                    break
            if comparison.stopped:
                break
    if comparison.stopped:
        _same_weeks_for_both_regimes(comparison)
    if progress is not None and steps and not comparison.stopped:
        progress(steps, steps, "comparison ready")
    return comparison


def _same_weeks_for_both_regimes(comparison: Comparison) -> None:
    """After a cancel, an area's needs and rota seasons are cut to the weeks both reached, so totals compare
    like with like; an area only one regime reached keeps its weeks in the tables but has no headline."""
    areas = {a for a, _ in comparison.seasons}
    for area in areas:
        needs, rota = comparison.seasons.get((area, "needs")), comparison.seasons.get((area, "rota"))
        if needs is None or rota is None or needs.weeks == rota.weeks:
            continue
        keep = min(needs.weeks, rota.weeks)
        for season in (needs, rota):
            cut = {r.week for r in season.rows[keep:]}
            season.rows = season.rows[:keep]
            comparison.rows = [r for r in comparison.rows
                               if not (r.area == area and r.source != RECORDED and r.week in cut)]


__all__ = [
    "AFTER",
    "BEFORE",
    "RECORDED",
    "SIMULATED_NEEDS",
    "SIMULATED_ROTA",
    "AreaSummary",
    "AreaWeek",
    "Comparison",
    "Grade",
    "compare_areas",
    "recorded_weeks",
    "simulated_weeks",
]
