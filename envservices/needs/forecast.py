"""When each asset will need work: the moment it is worth doing, due, and failing.

From the last known level (a reading, or as-new after the last service) the learned rate is rolled forward
day by day (weekday effects for bins, the seasonal curve for grass) until it crosses three levels:
*worth* doing (no point before), *due* (the intervention level in settings) and *fail* (an overflowing bin,
long grass, or grade C left beyond its zone's response time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from envservices.domain.model import Asset, Grade, Observation, Place
from envservices.domain.settings import Settings
from envservices.needs.model import (
    BIN_FILL,
    GRASS_HEIGHT,
    LITTER_GRADE,
    NeedsModel,
    Rate,
    WorkDone,
    asset_zone,
    day_weight,
    learn,
    litter_index_lower,
    reset_level,
)

BIN_WORTH_MARGIN_PCT = 5.0
"""A bin is worth emptying this far below the intervention level: earlier is work the bin did not need."""
GRASS_WORTH_MARGIN_MM = 5.0
LITTER_WORTH_INDEX = litter_index_lower(Grade.B_MINUS) - 0.25  # about to fall below B
LITTER_DUE_INDEX = litter_index_lower(Grade.B_MINUS)  # falls below B: the Code's trigger
LITTER_FAIL_INDEX = litter_index_lower(Grade.C)  # grade C: a failure once the zone's response time has passed
HORIZON_DAYS = 42
SAFETY_MARGIN = {BIN_FILL: 0.08, GRASS_HEIGHT: 0.15, LITTER_GRADE: 0.15}
"""Failure is forecast at a rate this much faster than the best estimate (more when the estimate is unsure):
days are noisy and events happen, and a failure costs more than an early visit. Bins take the smallest
margin: a bin is read at every emptying, so its rate is the best known, and its rounds already take every
bin that would not last to the next one. Measured on 12 weeks of the demo (needs regime): 0.15 -> 0.08 for
bins cut bin emptying hours 3 % and overflow bin-days 8 %; grass kept 0.15, as 0.08 there let long grass
through in the spring flush."""
MAX_PESSIMISM = 0.6


def pessimistic_rate(rate: Rate, measure: str = BIN_FILL) -> float:
    """The rate used for the failure forecast: the estimate plus the larger of the margin and one standard
    error, so an asset we know little about is visited sooner."""
    if rate.rate <= 0:
        return rate.rate
    rel = min(MAX_PESSIMISM, max(SAFETY_MARGIN.get(measure, 0.15), rate.se / rate.rate))
    return rate.rate * (1.0 + rel)


@dataclass(frozen=True)
class Levels:
    worth: float
    due: float
    fail: float
    fail_delay_h: float = 0.0  # litter: the zone's response time once grade C is reached
    latest_at_due: bool = False  # work must be done by the due level, not by the failure (no measure now)


@dataclass(frozen=True)
class Forecast:
    """One asset's forecast on one measure, made at `as_of`."""

    asset_id: str
    place_id: str | None
    measure: str
    as_of: dt.datetime
    level_now: float
    worth_at: dt.datetime | None
    due_at: dt.datetime | None
    fail_at: dt.datetime | None
    latest_at: dt.datetime | None
    """When the work must be done by: the soonest plausible failure (at the pessimistic rate). For bins
    this is the soonest plausible overflow: aiming at the soonest plausible 80 % as well emptied bins at
    about half full and asked for more emptyings a week than the crews can do, so bins overflowed unemptied."""
    rate: Rate
    observed_failure: bool = False

    @property
    def confidence(self) -> str:
        return self.rate.confidence

    @property
    def n_obs(self) -> int:
        return self.rate.n_obs


def levels_for(measure: str, asset: Asset, places: Mapping[str, Place], settings: Settings) -> Levels:
    """The three levels of a measure, from settings (and the asset's zone for litter)."""
    if measure == BIN_FILL:
        return Levels(
            settings.bin_intervention_pct - BIN_WORTH_MARGIN_PCT,
            settings.bin_intervention_pct,
            settings.bin_overflow_pct,
        )
    if measure == GRASS_HEIGHT:
        return Levels(
            settings.grass_cut_mm - GRASS_WORTH_MARGIN_MM, settings.grass_cut_mm, settings.grass_failure_mm
        )
    return Levels(
        LITTER_WORTH_INDEX,
        LITTER_DUE_INDEX,
        LITTER_FAIL_INDEX,
        settings.response_h(asset_zone(asset, places)),
    )


def roll_forward(
    measure: str,
    rate: float,
    level0: float,
    t0: dt.datetime,
    targets: Sequence[float],
    weekday_factors: Sequence[float],
    horizon_days: int = HORIZON_DAYS,
    until: dt.datetime | None = None,
) -> tuple[list[dt.datetime | None], float | None]:
    """Times the level first reaches each target, and the level at `until` (if given)."""
    hits: list[dt.datetime | None] = [t0 if level0 >= x else None for x in targets]
    level_until = level0 if until is not None and until <= t0 else None
    level, t = level0, t0
    end = t0 + dt.timedelta(days=horizon_days)
    while t < end and (any(h is None for h in hits) or (until is not None and level_until is None)):
        nxt = min(dt.datetime.combine(t.date() + dt.timedelta(days=1), dt.time()), end)
        span_d = (nxt - t).total_seconds() / 86400.0
        per_day = rate * day_weight(measure, t.date(), weekday_factors)
        new_level = level + per_day * span_d
        for i, x in enumerate(targets):
            if hits[i] is None and new_level >= x and per_day > 0:
                hits[i] = t + dt.timedelta(days=(x - level) / per_day)
        if until is not None and level_until is None and t <= until <= nxt:
            level_until = level + per_day * (until - t).total_seconds() / 86400.0
        level, t = new_level, nxt
    return hits, level_until


def forecast_one(
    asset: Asset,
    measure: str,
    rate: Rate,
    places: Mapping[str, Place],
    settings: Settings,
    as_of: dt.datetime,
    weekday_factors: Sequence[float],
    horizon_days: int = HORIZON_DAYS,
    start_level: float | None = None,
    start_at: dt.datetime | None = None,
) -> Forecast:
    """Roll one asset forward from its last known level (or a given one, e.g. just after a planned visit)."""
    lv = levels_for(measure, asset, places, settings)
    if start_level is not None and start_at is not None:
        level0, t0 = start_level, start_at
    elif rate.level is not None and rate.level_at is not None:
        level0, t0 = rate.level, rate.level_at
    else:
        # Never seen and never served: assume it is half way to due, which is what a rota keeps it at.
        level0, t0 = (reset_level(measure, settings) + lv.due) / 2.0, as_of
    (worth, due), level_now = roll_forward(
        measure, rate.rate, level0, t0, (lv.worth, lv.due), weekday_factors, horizon_days, until=as_of
    )
    (due_soonest, c_at), _ = roll_forward(
        measure, pessimistic_rate(rate, measure), level0, t0, (lv.due, lv.fail), weekday_factors, horizon_days
    )
    fail = c_at + dt.timedelta(hours=lv.fail_delay_h) if c_at is not None else None
    latest = due_soonest if lv.latest_at_due else fail
    observed_failure = (
        start_level is None and rate.level_observed and rate.level is not None and rate.level >= lv.fail
    )
    return Forecast(
        asset_id=asset.id,
        place_id=asset.place_id,
        measure=measure,
        as_of=as_of,
        level_now=float(level_now if level_now is not None else level0),
        worth_at=worth,
        due_at=due,
        fail_at=fail,
        latest_at=latest,
        rate=rate,
        observed_failure=bool(observed_failure),
    )


def forecast_assets(
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    observations: Iterable[Observation],
    settings: Settings,
    as_of: dt.datetime,
    completed_work: Iterable[WorkDone] = (),
    model: NeedsModel | None = None,
    horizon_days: int = HORIZON_DAYS,
) -> dict[tuple[str, str], Forecast]:
    """Every asset's forecast on each measure, keyed by (asset id, measure)."""
    if model is None:
        model = learn(assets, places, observations, settings, as_of, completed_work)
    out: dict[tuple[str, str], Forecast] = {}
    for (asset_id, measure), rate in model.rates.items():
        out[(asset_id, measure)] = forecast_one(
            assets[asset_id], measure, rate, places, settings, as_of, model.weekday_factors, horizon_days
        )
    return out


__all__ = [
    "GRASS_HEIGHT",
    "LITTER_DUE_INDEX",
    "LITTER_FAIL_INDEX",
    "LITTER_GRADE",
    "LITTER_WORTH_INDEX",
    "Forecast",
    "Levels",
    "forecast_assets",
    "forecast_one",
    "levels_for",
    "roll_forward",
]
