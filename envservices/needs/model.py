"""How fast each asset deteriorates, learned from what team leaders recorded.

Three measures: bin fill (% per day, with weekday effects), grass height (the model's own seasonal curve
times a learned site factor) and litter grade (grade ranks slipped per day, by intensity-of-use zone).
Everything is a pure function of the observations and the work done up to a moment, so a new observation
changes the forecast at once and nothing is remembered in between.

The learning is deliberately simple and robust: each pair of consecutive readings with no service between
them (or a service then a reading) gives one rate; outliers are dropped by median absolute deviation; recent
pairs weigh more (the season moves); the result is shrunk towards a prior by kind, zone and month, weighted
by the number of pairs, and the prior itself is pulled towards what similar assets in the district show.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from envservices.domain.model import (
    Asset,
    AssetKind,
    Grade,
    IntensityZone,
    Observation,
    ObservationKind,
    Place,
    Plan,
    VisitStatus,
)
from envservices.domain.settings import Settings

BIN_FILL = "bin_fill"
GRASS_HEIGHT = "grass_height"
LITTER_GRADE = "litter_grade"
MEASURES = (BIN_FILL, GRASS_HEIGHT, LITTER_GRADE)

RESET_SERVICES: dict[str, frozenset[str]] = {
    BIN_FILL: frozenset({"empty_bin"}),
    GRASS_HEIGHT: frozenset({"mow"}),
    LITTER_GRADE: frozenset({"litter_pick"}),
}
"""Work that puts an asset back to its as-new level for each measure."""

LITTER_KINDS: tuple[AssetKind, ...] = (AssetKind.STREET_LENGTH,)
"""Assets graded for litter: street lengths, the Code's survey transects."""

GRASS_KINDS: tuple[AssetKind, ...] = (AssetKind.GRASS_AREA,)
"""Amenity grass cut to a height standard; verges and meadows follow their own (rota) regimes."""

# --- priors: what the council expects before it has looked ---------------------------------------------
PRIOR_BIN_FILL_PCT_PER_DAY: dict[IntensityZone, float] = {
    IntensityZone.HIGH: 22.0,
    IntensityZone.MEDIUM: 11.0,
    IntensityZone.LOW: 6.0,
    IntensityZone.VERY_LOW: 3.0,
}
BIN_KIND_FACTOR: dict[AssetKind, float] = {
    AssetKind.LITTER_BIN: 1.0,
    AssetKind.DOG_BIN: 0.8,
    AssetKind.RECYCLING_BIN: 0.6,
}
BIN_MONTH_FACTOR: dict[int, float] = {
    1: 0.8,
    2: 0.8,
    3: 0.9,
    4: 1.0,
    5: 1.05,
    6: 1.15,
    7: 1.25,
    8: 1.25,
    9: 1.05,
    10: 0.95,
    11: 0.85,
    12: 0.95,
}
PRIOR_WEEKDAY_FACTOR: tuple[float, ...] = (0.95, 0.9, 0.9, 0.95, 1.05, 1.2, 1.05)
"""Monday..Sunday: people use bins more at weekends. Mean 1, so a rate is an average day's."""

GRASS_CURVE_MM_PER_DAY: dict[int, float] = {
    1: 0.15,
    2: 0.2,
    3: 0.6,
    4: 1.6,
    5: 3.0,
    6: 2.6,
    7: 1.6,
    8: 1.2,
    9: 1.4,
    10: 0.8,
    11: 0.3,
    12: 0.15,
}
"""The model's own seasonal growth of amenity grass (mm/day, mid-month), shaped like published UK grass
growth curves (spring flush, summer dip, smaller autumn flush); a learned site factor scales it."""
PRIOR_GRASS_SITE_FACTOR: dict[AssetKind, float] = {AssetKind.GRASS_AREA: 1.0, AssetKind.VERGE: 0.9}

LITTER_SCALE_UPPER: dict[Grade, float] = {
    Grade.A: 0.5,
    Grade.B_PLUS: 1.25,
    Grade.B: 2.5,
    Grade.B_MINUS: 4.25,
    Grade.C: 6.5,
    Grade.D: 9.0,
}
"""The model's litter index: where each grade's band ends. Grades are not evenly spaced (a street goes from
A to B+ with a few items, but it takes a lot more to go from B- to C), so the index widens with the grade
and litter builds up on it at a steady rate."""
PRIOR_LITTER_INDEX_PER_DAY: dict[IntensityZone, float] = {
    IntensityZone.HIGH: 0.8,
    IntensityZone.MEDIUM: 0.3,
    IntensityZone.LOW: 0.12,
    IntensityZone.VERY_LOW: 0.06,
}
LITTER_KIND_FACTOR: dict[AssetKind, float] = {
    AssetKind.STREET_LENGTH: 1.0,
    AssetKind.GRASS_AREA: 0.7,
    AssetKind.VERGE: 0.4,
}

PRIOR_STRENGTH = 1.5
"""The prior counts as this many pairs of readings."""
GROUP_PRIOR_STRENGTH = 4.0
"""The fixed prior counts as this many assets when pulled towards similar assets' learned rates."""
RECENCY_DAYS = 28.0
"""A pair of readings this many days old weighs 1/e of a new one..."""
RECENCY_FLOOR = 0.3
"""...but never less than this, so last year's readings are not drowned by one noisy pair this week."""
MIN_GAP_DAYS = 0.2
"""Readings closer than this tell more about measurement noise than about the rate."""
DROP_MEANS_UNRECORDED_SERVICE: dict[str, float] = {BIN_FILL: 10.0, GRASS_HEIGHT: 10.0, LITTER_GRADE: 1.2}
"""A fall bigger than this between readings means work was done that nobody recorded."""
RESET_LEVEL_LITTER = 0.0
MAX_GAP_DAYS: dict[str, float] = {BIN_FILL: 8.0, GRASS_HEIGHT: 22.0, LITTER_GRADE: 10.0}
"""Readings further apart than this say little: work nobody recorded has likely happened in between."""
CENSORED_INFLATION = 1.3
"""An overflowing bin is taken to have filled this much faster than the bound its readings prove."""
PLACE_PRIOR_STRENGTH = 3.0
"""Assets in one place share its use: the place's learned ratio counts once it has this many pairs."""


@dataclass(frozen=True)
class WorkDone:
    """A service carried out: resets the asset (or every asset of the place it covers) to as-new."""

    service: str
    done_at: dt.datetime
    asset_id: str | None = None
    place_id: str | None = None
    time_known: bool = True
    """False for records that give the day but not the time (old rota sheets): readings that day are
    ambiguous (before or after the work?) and are not used."""


@dataclass(frozen=True)
class Rate:
    """How fast one asset deteriorates on one measure, and how sure we are.

    `rate` is % per average day for bins, a site factor on the model's seasonal curve for grass, and litter
    index points per day for litter (see LITTER_SCALE_UPPER). `level`/`level_at` is the last known state
    (a reading, or the as-new level after the last service).
    """

    asset_id: str
    measure: str
    rate: float
    prior: float
    estimate: float | None
    n_obs: int
    se: float
    level: float | None
    level_at: dt.datetime | None
    level_observed: bool = False

    @property
    def confidence(self) -> str:
        """low with fewer than two pairs of readings; high with five or more agreeing ones."""
        if self.n_obs < 2:
            return "low"
        rel = self.se / self.rate if self.rate > 0 else math.inf
        if self.n_obs >= 5 and rel <= 0.15:
            return "high"
        return "medium"


def work_done_from_plans(plans: Iterable[Plan]) -> list[WorkDone]:
    """The visits marked done in plans, as work done (the plans' day plus the visit's start time)."""
    out: list[WorkDone] = []
    for plan in plans:
        for cd in plan.crew_days:
            for v in cd.visits:
                if v.status != VisitStatus.DONE:
                    continue
                at = dt.datetime.combine(cd.day, dt.time()) + dt.timedelta(seconds=int(v.start_s))
                out.append(WorkDone(v.service, at, v.asset_id, v.place_id))
    return out


def asset_zone(asset: Asset, places: Mapping[str, Place]) -> IntensityZone:
    """An asset's own zone if it has one, else its place's."""
    if asset.zone is not None:
        return asset.zone
    place = places.get(asset.place_id) if asset.place_id else None
    return place.zone if place is not None else IntensityZone.MEDIUM


def measures_of(asset: Asset) -> tuple[str, ...]:
    """Which measures the needs model keeps for this kind of asset."""
    out: list[str] = []
    if asset.kind.is_bin:
        out.append(BIN_FILL)
    if asset.kind in GRASS_KINDS:
        out.append(GRASS_HEIGHT)
    if asset.kind in LITTER_KINDS:
        out.append(LITTER_GRADE)
    return tuple(out)


def grass_curve_mm_per_day(day: dt.date) -> float:
    """The model's seasonal curve, interpolated between mid-month values so it has no steps."""
    mid = dt.date(day.year, day.month, 15)
    if day >= mid:
        nxt_month = day.month % 12 + 1
        nxt = dt.date(day.year + (day.month == 12), nxt_month, 15)
        a, b, frac = (
            GRASS_CURVE_MM_PER_DAY[day.month],
            GRASS_CURVE_MM_PER_DAY[nxt_month],
            (day - mid).days / (nxt - mid).days,
        )
    else:
        prv_month = (day.month - 2) % 12 + 1
        prv = dt.date(day.year - (day.month == 1), prv_month, 15)
        a, b, frac = (
            GRASS_CURVE_MM_PER_DAY[prv_month],
            GRASS_CURVE_MM_PER_DAY[day.month],
            (day - prv).days / (mid - prv).days,
        )
    return a + (b - a) * frac


def prior_rate(measure: str, asset: Asset, zone: IntensityZone, month: int) -> float:
    """The rate a council would assume for this kind of asset in this zone and month, before looking."""
    if measure == BIN_FILL:
        return (
            PRIOR_BIN_FILL_PCT_PER_DAY[zone] * BIN_KIND_FACTOR.get(asset.kind, 1.0) * BIN_MONTH_FACTOR[month]
        )
    if measure == GRASS_HEIGHT:
        # The council's recorded site factor is its prior belief; readings correct it.
        return PRIOR_GRASS_SITE_FACTOR.get(asset.kind, 1.0) * (asset.site_factor or 1.0)
    return PRIOR_LITTER_INDEX_PER_DAY[zone] * LITTER_KIND_FACTOR.get(asset.kind, 1.0)


def day_weight(measure: str, day: dt.date, weekday_factors: Sequence[float]) -> float:
    """How much of the rate one whole day contributes (weekday effect, or the seasonal grass curve)."""
    if measure == BIN_FILL:
        return weekday_factors[day.weekday()]
    if measure == GRASS_HEIGHT:
        return grass_curve_mm_per_day(day)
    return 1.0


def exposure(measure: str, t1: dt.datetime, t2: dt.datetime, weekday_factors: Sequence[float]) -> float:
    """The integral of day weights from t1 to t2: the rate times this is the change in level."""
    total = 0.0
    t = t1
    while t < t2:
        next_midnight = dt.datetime.combine(t.date() + dt.timedelta(days=1), dt.time())
        end = min(next_midnight, t2)
        total += (end - t).total_seconds() / 86400.0 * day_weight(measure, t.date(), weekday_factors)
        t = end
    return total


def weekday_exposure(t1: dt.datetime, t2: dt.datetime) -> np.ndarray:
    """Days of each weekday (Monday first) between t1 and t2, for learning weekday effects."""
    out = np.zeros(7)
    t = t1
    while t < t2:
        end = min(dt.datetime.combine(t.date() + dt.timedelta(days=1), dt.time()), t2)
        out[t.weekday()] += (end - t).total_seconds() / 86400.0
        t = end
    return out


def observation_level(measure: str, obs: Observation) -> float | None:
    """The reading as a number on the measure's scale (a grade is its rank, mid-band)."""
    if measure == BIN_FILL and obs.kind == ObservationKind.BIN_FILL and obs.fill_pct is not None:
        return float(obs.fill_pct)
    if measure == GRASS_HEIGHT and obs.kind == ObservationKind.GRASS_HEIGHT and obs.height_mm is not None:
        return float(obs.height_mm)
    if measure == LITTER_GRADE and obs.kind == ObservationKind.LITTER_GRADE and obs.grade is not None:
        return litter_index_mid(obs.grade)
    return None


def litter_index_lower(grade: Grade) -> float:
    """Where a grade's band starts on the litter index."""
    grades = list(Grade)
    i = grades.index(grade)
    return 0.0 if i == 0 else LITTER_SCALE_UPPER[grades[i - 1]]


def litter_index_mid(grade: Grade) -> float:
    """A reading of this grade as a point on the litter index: the middle of its band."""
    return (litter_index_lower(grade) + LITTER_SCALE_UPPER[grade]) / 2.0


def reset_level(measure: str, settings: Settings) -> float:
    if measure == BIN_FILL:
        return 0.0
    if measure == GRASS_HEIGHT:
        return settings.grass_cut_to_mm
    return RESET_LEVEL_LITTER


@dataclass(frozen=True)
class Interval:
    """Two consecutive known levels with no service between them."""

    t1: dt.datetime
    level1: float
    t2: dt.datetime
    level2: float
    censored: bool = False  # the second reading hit the top of the scale (an overflowing bin)


def level_events(
    measure: str, observations: Sequence[Observation], resets: Sequence[WorkDone], settings: Settings
) -> list[tuple[dt.datetime, int, float]]:
    """Readings (kind 0) and services (kind 1, at the as-new level) in time order; readings on a day a
    service was done at an unknown time are dropped, as nobody knows which side of it they fell."""
    events: list[tuple[dt.datetime, int, float]] = []
    for obs in observations:
        level = observation_level(measure, obs)
        if level is not None:
            events.append((obs.observed_at, 0, level))
    base = reset_level(measure, settings)
    events.extend((w.done_at, 1, base) for w in resets)
    vague_days = {w.done_at.date() for w in resets if not w.time_known}
    if vague_days:
        events = [e for e in events if e[1] == 1 or e[0].date() not in vague_days]
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def asset_history(
    measure: str,
    asset: Asset,
    observations: Sequence[Observation],
    resets: Sequence[WorkDone],
    settings: Settings,
) -> tuple[list[Interval], tuple[float, dt.datetime, bool] | None]:
    """Pairs of known levels, and the last known level (value, time, whether it was a reading)."""
    events = level_events(measure, observations, resets, settings)
    last: tuple[float, dt.datetime, bool] | None = None
    if events:
        t, kind, level = events[-1]
        last = (level, t, kind == 0)
    if measure == LITTER_GRADE:
        events = litter_crossings(events)
    intervals: list[Interval] = []
    anchor: tuple[dt.datetime, float] | None = None
    top = settings.bin_overflow_pct if measure == BIN_FILL else math.inf
    for t, kind, level in events:
        if kind == 1:
            anchor = (t, level)
            continue
        if anchor is not None:
            gap = (t - anchor[0]).total_seconds() / 86400.0
            if level < anchor[1] - DROP_MEANS_UNRECORDED_SERVICE[measure]:
                anchor = (t, level)
                continue
            if gap < MIN_GAP_DAYS:
                continue
            if gap > MAX_GAP_DAYS[measure]:
                anchor = (t, level)
                continue
            censored = level >= top
            intervals.append(Interval(anchor[0], anchor[1], t, level, censored))
            if censored:
                anchor = None
                continue
        anchor = (t, level)
    return intervals, last


GRASS_READING_SD_MM = 4.0
"""How far a height reading may be from the truth (a ruler in uneven grass)."""
GRASS_CUT_SD_MM = 3.0
"""How far the height straight after a cut may be from the mower's setting."""
GRASS_DAILY_NOISE = 0.12
"""Day-to-day spread of growth around the seasonal curve (weather), as a share of the day's growth."""


def filtered_grass_level(
    site_factor: float,
    site_factor_se: float,
    observations: Sequence[Observation],
    resets: Sequence[WorkDone],
    settings: Settings,
) -> float | None:
    """The grass height now, from every reading since the last cut, not the last reading alone.

    A reading is good to about +-4 mm, and at 2-3 mm of growth a day that alone misplaces the day grass
    passes 75 mm by 1.5-2 days whatever the site factor is known to (measured: with exact readings the
    season's grass forecast error fell from 1.5-2.1 to 0.4-0.9 days). The height after the cut is known
    (the mower's setting) and growth since follows the learned rate, so each reading is weighed against
    that prediction (a Kalman filter along the readings since the cut). None when no cut is on record
    before the last reading.
    """
    events = level_events(GRASS_HEIGHT, observations, resets, settings)
    cuts = [i for i, e in enumerate(events) if e[1] == 1]
    if not cuts or cuts[-1] == len(events) - 1:
        return None
    t, _kind, level = events[cuts[-1]]
    var = GRASS_CUT_SD_MM**2
    for t_i, _kind, reading in events[cuts[-1] + 1:]:
        e = exposure(GRASS_HEIGHT, t, t_i, ())
        growth = site_factor * e
        level += growth
        days = max((t_i - t).total_seconds() / 86400.0, 1e-6)
        var += (site_factor_se * e) ** 2 + (GRASS_DAILY_NOISE * growth) ** 2 / days
        gain = var / (var + GRASS_READING_SD_MM**2)
        level += gain * (reading - level)
        var *= 1.0 - gain
        t = t_i
    return level


CROSSING_GAP = dt.timedelta(days=1.5)
"""Readings further apart place the change of grade too loosely: the reading's mid-band is used instead."""


def litter_crossings(events: list[tuple[dt.datetime, int, float]]) -> list[tuple[dt.datetime, int, float]]:
    """Grade readings as the moments litter crossed into a worse grade.

    A grade is a wide band, so the middle of the band says little about where in it the street is; the
    moment the grade changed does: it lies half way between the last reading of the better grade and the
    first of the worse one, at the band's lower edge (when they are close enough in time to say so). A
    better grade with no pick recorded is kept as a
    reading (a fall that tells the model someone cleaned up).
    """
    out: list[tuple[dt.datetime, int, float]] = []
    prev_lower: float | None = None
    prev_t: dt.datetime | None = None
    for t, kind, level in events:
        if kind == 1:
            out.append((t, kind, level))
            prev_lower, prev_t = level, t
            continue
        lower = _band_lower_of_mid(level)
        if prev_lower is None or prev_t is None:
            out.append((t, kind, level))
        elif lower > prev_lower and (t - prev_t) <= CROSSING_GAP:
            out.append((prev_t + (t - prev_t) / 2, kind, lower))
        elif lower != prev_lower:
            out.append((t, kind, level))
        else:
            prev_t = t
            continue
        prev_lower, prev_t = lower, t
    return out


def _band_lower_of_mid(level: float) -> float:
    for g in Grade:
        if level < LITTER_SCALE_UPPER[g]:
            return litter_index_lower(g)
    return litter_index_lower(Grade.D)


def robust_rate(
    rates: np.ndarray, exposures: np.ndarray, weights: np.ndarray, trim: bool = True
) -> tuple[float, float, int]:
    """The rate over all pairs (total rise over total exposure, recent pairs weighing more), with readings far
    from the median dropped first when the scale is continuous; and its standard error.

    A ratio of sums rather than a mean of ratios, because coarse readings (grades) give many pairs with no
    visible change and a few with a whole step: only their total is unbiased.
    """
    keep = np.ones(len(rates), dtype=bool)
    if trim and len(rates) >= 4:
        median = float(np.median(rates))
        mad = float(np.median(np.abs(rates - median))) * 1.4826
        if mad > 0:
            keep = np.abs(rates - median) <= 4.0 * mad + 0.1 * abs(median)
    r, e, w = rates[keep], exposures[keep], weights[keep]
    mean = float(np.sum(w * r * e) / np.sum(w * e))
    n = len(r)
    if n >= 2:
        we = w * e
        var = float(np.sum(we * (r - mean) ** 2) / np.sum(we)) * n / (n - 1)
        n_eff = float(np.sum(we) ** 2 / np.sum(we**2))
        se = math.sqrt(var / n_eff)
    else:
        se = abs(mean)
    return mean, se, n


def fit_weekday_factors(
    bin_intervals: Mapping[str, list[Interval]], per_asset_rate: Mapping[str, float], ridge: float = 20.0
) -> tuple[float, ...]:
    """District-wide weekday effects from all bins' readings, pulled towards the prior profile.

    Each pair says: rise = rate x sum over weekdays of (days of that weekday x factor). Given each bin's
    rate this is linear in the seven factors, solved by ridge least squares and rescaled to mean 1.
    """
    rows, rhs = [], []
    for asset_id, intervals in bin_intervals.items():
        rate = per_asset_rate.get(asset_id)
        if not rate or rate <= 0:
            continue
        for iv in intervals:
            if iv.censored:
                continue
            rows.append(rate * weekday_exposure(iv.t1, iv.t2))
            rhs.append(iv.level2 - iv.level1)
    prior = np.array(PRIOR_WEEKDAY_FACTOR)
    if len(rows) < 14:
        return tuple(PRIOR_WEEKDAY_FACTOR)
    a, b = np.array(rows), np.array(rhs)
    scale = float(np.mean(np.sum(a, axis=1) ** 2))
    lam = ridge * scale / 7.0
    lhs = a.T @ a + lam * np.eye(7)
    w = np.linalg.solve(lhs, a.T @ b + lam * prior)
    w = np.clip(w, 0.2, 5.0)
    w = w * 7.0 / w.sum()
    return tuple(float(x) for x in w)


def _interval_estimate(
    measure: str, intervals: Sequence[Interval], as_of: dt.datetime, weekday_factors: Sequence[float]
) -> tuple[float | None, float, int]:
    """The asset's own rate from its pairs of readings (None when it has none usable).

    A bin found overflowing only says its rate was at least the rise over the time: such a pair counts as
    a little faster than that bound, with the weight of at most one day, so a bin that keeps overflowing
    is learned to be ever faster instead of being stuck at its lower bound.
    """
    rates, exposures, weights = [], [], []
    for iv in intervals:
        e = exposure(measure, iv.t1, iv.t2, weekday_factors)
        if e <= 1e-6:
            continue
        r = (iv.level2 - iv.level1) / e
        if iv.censored:
            r, e = r * CENSORED_INFLATION, min(e, 1.0)
        age_days = max(0.0, (as_of - iv.t2).total_seconds() / 86400.0)
        rates.append(max(0.0, r))
        exposures.append(e)
        weights.append(max(RECENCY_FLOOR, math.exp(-age_days / RECENCY_DAYS)))
    if not rates:
        return None, 0.0, 0
    return robust_rate(np.array(rates), np.array(exposures), np.array(weights), trim=measure != LITTER_GRADE)


@dataclass(frozen=True)
class NeedsModel:
    """What the model knows at one moment: every asset's rates and the district's weekday profile."""

    rates: dict[tuple[str, str], Rate]
    weekday_factors: tuple[float, ...]
    as_of: dt.datetime


def learn(
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    observations: Iterable[Observation],
    settings: Settings,
    as_of: dt.datetime,
    completed_work: Iterable[WorkDone] = (),
) -> NeedsModel:
    """Every asset's deterioration rate on each of its measures, from what was known at `as_of`.

    Observations and work after `as_of` are ignored, so the same call on the same lists always gives the
    same answer. Keyed by (asset id, measure).
    """
    by_asset: dict[str, list[Observation]] = defaultdict(list)
    by_place_litter: dict[str, list[Observation]] = defaultdict(list)
    for obs in observations:
        if obs.observed_at > as_of:
            continue
        if obs.asset_id is not None:
            by_asset[obs.asset_id].append(obs)
        elif obs.kind == ObservationKind.LITTER_GRADE:
            by_place_litter[obs.place_id].append(obs)
    work_by_asset: dict[str, list[WorkDone]] = defaultdict(list)
    work_by_place: dict[str, list[WorkDone]] = defaultdict(list)
    for w in completed_work:
        if w.done_at > as_of:
            continue
        if w.asset_id is not None:
            work_by_asset[w.asset_id].append(w)
        elif w.place_id is not None:
            work_by_place[w.place_id].append(w)

    histories: dict[tuple[str, str], tuple[list[Interval], tuple[float, dt.datetime, bool] | None]] = {}
    grass_inputs: dict[tuple[str, str], tuple[list[Observation], list[WorkDone]]] = {}
    for asset in assets.values():
        for measure in measures_of(asset):
            obs = by_asset.get(asset.id, [])
            if (
                measure == LITTER_GRADE
                and asset.place_id
                and not any(o.kind == ObservationKind.LITTER_GRADE for o in obs)
            ):
                obs = by_place_litter.get(asset.place_id, [])
            services = RESET_SERVICES[measure]
            resets = [w for w in work_by_asset.get(asset.id, []) if w.service in services]
            if asset.place_id:
                resets += [w for w in work_by_place.get(asset.place_id, []) if w.service in services]
            histories[(asset.id, measure)] = asset_history(measure, asset, obs, resets, settings)
            if measure == GRASS_HEIGHT:
                grass_inputs[(asset.id, measure)] = (obs, resets)

    weekday = tuple(PRIOR_WEEKDAY_FACTOR)
    bin_first = {
        a: _interval_estimate(BIN_FILL, h[0], as_of, weekday)[0]
        for (a, m), h in histories.items()
        if m == BIN_FILL
    }
    weekday = fit_weekday_factors(
        {a: h[0] for (a, m), h in histories.items() if m == BIN_FILL},
        {a: r for a, r in bin_first.items() if r is not None},
    )

    own: dict[tuple[str, str], tuple[float | None, float, int]] = {
        key: _interval_estimate(key[1], h[0], as_of, weekday) for key, h in histories.items()
    }
    fixed_prior: dict[tuple[str, str], float] = {}
    group_of: dict[tuple[str, str], tuple[str, AssetKind, IntensityZone]] = {}
    for asset_id, measure in histories:
        asset = assets[asset_id]
        zone = asset_zone(asset, places)
        fixed_prior[(asset_id, measure)] = prior_rate(measure, asset, zone, as_of.month)
        group_of[(asset_id, measure)] = (measure, asset.kind, zone)
    # Pull the fixed prior towards what similar assets show: a district that fills faster than the book
    # says is learnt from every bin at once, not bin by bin.
    # Then towards the other assets of the same place (a busy park's bins are all busy), relative to that.
    ratio_sum: dict[tuple, float] = defaultdict(float)
    ratio_n: dict[tuple, float] = defaultdict(float)
    place_of = {key: (key[1], assets[key[0]].place_id) for key in own}
    for key, (est, _se, n) in own.items():
        if est is None or n < 1 or fixed_prior[key] <= 0:
            continue
        ratio_sum[group_of[key]] += n * est / fixed_prior[key]
        ratio_n[group_of[key]] += n
    group_ratio = {
        g: (ratio_sum[g] + GROUP_PRIOR_STRENGTH) / (ratio_n[g] + GROUP_PRIOR_STRENGTH)
        for g in set(group_of.values())
    }
    place_sum: dict[tuple, float] = defaultdict(float)
    place_n: dict[tuple, float] = defaultdict(float)
    for key, (est, _se, n) in own.items():
        if est is None or n < 1 or fixed_prior[key] <= 0:
            continue
        place_sum[place_of[key]] += n * est / (fixed_prior[key] * group_ratio[group_of[key]])
        place_n[place_of[key]] += n
    out: dict[tuple[str, str], Rate] = {}
    for key, (est, se, n) in own.items():
        p = place_of[key]
        place_ratio = (place_sum[p] + PLACE_PRIOR_STRENGTH) / (place_n[p] + PLACE_PRIOR_STRENGTH)
        prior = fixed_prior[key] * group_ratio[group_of[key]] * place_ratio
        if est is None:
            rate, n_used, se_post = prior, 0, prior * 0.5
        else:
            rate = (n * est + PRIOR_STRENGTH * prior) / (n + PRIOR_STRENGTH)
            n_used = n
            se_post = math.sqrt((n * se) ** 2 + (PRIOR_STRENGTH * prior * 0.5) ** 2) / (n + PRIOR_STRENGTH)
        last = histories[key][1]
        if key in grass_inputs and last is not None and last[2]:
            level = filtered_grass_level(float(rate), float(se_post), *grass_inputs[key], settings)
            if level is not None:
                last = (level, last[1], last[2])
        out[key] = Rate(
            asset_id=key[0],
            measure=key[1],
            rate=float(rate),
            prior=float(prior),
            estimate=est,
            n_obs=n_used,
            se=float(se_post),
            level=last[0] if last else None,
            level_at=last[1] if last else None,
            level_observed=bool(last[2]) if last else False,
        )
    return NeedsModel(rates=out, weekday_factors=weekday, as_of=as_of)


def learn_rates(
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    observations: Iterable[Observation],
    settings: Settings,
    as_of: dt.datetime,
    completed_work: Iterable[WorkDone] = (),
) -> dict[tuple[str, str], Rate]:
    """Just the rates of `learn`, keyed by (asset id, measure)."""
    return learn(assets, places, observations, settings, as_of, completed_work).rates


__all__ = [
    "BIN_FILL",
    "GRASS_HEIGHT",
    "GRASS_KINDS",
    "LITTER_GRADE",
    "LITTER_KINDS",
    "LITTER_SCALE_UPPER",
    "MEASURES",
    "RESET_SERVICES",
    "NeedsModel",
    "Rate",
    "WorkDone",
    "asset_zone",
    "day_weight",
    "exposure",
    "grass_curve_mm_per_day",
    "learn",
    "learn_rates",
    "litter_index_lower",
    "litter_index_mid",
    "measures_of",
    "prior_rate",
    "work_done_from_plans",
]
