"""A seeded world where bins really fill, grass really grows and litter really builds up.

It holds the truth the planners never see: each bin's own fill rate, each site's growth factor, each
street's litter load, day-to-day noise, busy weekends, events in places (a fete, a market) and a wet spell
that makes grass surge. Work resets what it touches; work not done leaves the world to keep deteriorating.
Team leaders' surveys and crews' readings turn the truth into noisy observations.
All randomness comes from one numpy Generator, so the same seed gives the same season.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from envservices.demo.nature import (
    LITTER_GRADE_UPPER_LOAD,
    bin_fill_pct_per_day,
    grass_growth_mm_per_day,
    litter_grade,
    litter_load_per_day,
)
from envservices.domain.model import (
    Asset,
    AssetKind,
    Grade,
    IntensityZone,
    Observation,
    ObservationKind,
    Place,
)
from envservices.domain.settings import Settings
from envservices.needs.model import (
    BIN_FILL,
    GRASS_HEIGHT,
    LITTER_GRADE,
    RESET_SERVICES,
    asset_zone,
    measures_of,
)

FALLBACK_BIN_RATE_PCT: dict[IntensityZone, float] = {
    IntensityZone.HIGH: 25.0,
    IntensityZone.MEDIUM: 12.0,
    IntensityZone.LOW: 6.0,
    IntensityZone.VERY_LOW: 3.5,
}
"""Mean fill rates for bins the district did not give a true rate (spread per bin by a lognormal)."""
LITTER_KIND_LOAD_FACTOR = {AssetKind.STREET_LENGTH: 1.0, AssetKind.GRASS_AREA: 0.6, AssetKind.VERGE: 0.4}
BIN_CAP_PCT = 150.0
"""Beyond overflowing, rubbish piles round the bin: the truth keeps counting, readings stop at 100 %."""
LITTER_DUE_LOAD = LITTER_GRADE_UPPER_LOAD[2][1]  # the load at which a street falls below grade B
LITTER_C_LOAD = LITTER_GRADE_UPPER_LOAD[3][1]  # the load at which it becomes grade C
EVENT_CHANCE_PER_PLACE_DAY = 0.01
EVENT_BIN_FACTOR = 2.5
EVENT_LITTER_FACTOR = 2.0
FLY_TIP_CHANCE_PER_PLACE_DAY = 0.004
WET_SPELL_GROWTH_FACTOR = 1.5
DAILY_NOISE_SIGMA = {BIN_FILL: 0.2, GRASS_HEIGHT: 0.12, LITTER_GRADE: 0.25}
READING_NOISE = {BIN_FILL: 5.0, GRASS_HEIGHT: 4.0, LITTER_GRADE: 0.15}
"""Fill readings are to the nearest 5 % with this spread; heights +-4 mm; grades via a 15 % load error."""


@dataclass
class DayOutcome:
    """What went wrong on one day, counted per asset (or site) and day."""

    day: dt.date
    bin_overflow: int = 0
    grass_over_height: int = 0
    litter_cd_beyond_response: int = 0
    litter_below_b: int = 0
    fly_tips_open: int = 0
    crossings: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    """(asset, measure, when) each time an asset passed its intervention level this day."""
    readings: list[Observation] = field(default_factory=list)
    """Crews' readings just before their work, and the day's survey readings."""


@dataclass
class DoneWork:
    """Work done in the world: the assets it reset, which service, and when (seconds from midnight)."""

    service: str
    time_s: int
    asset_ids: tuple[str, ...] = ()
    place_id: str | None = None


class World:
    """The truth of one district (or area), stepped a day at a time."""

    def __init__(
        self,
        assets: Mapping[str, Asset],
        places: Mapping[str, Place],
        settings: Settings,
        seed: int,
        start: dt.date,
        *,
        wet_spell: bool = True,
    ) -> None:
        self.assets = dict(assets)
        self.places = dict(places)
        self.settings = settings
        self.rng = np.random.default_rng(seed)
        self.today = start
        self.level: dict[tuple[str, str], float] = {}
        self.c_since: dict[str, dt.datetime] = {}
        self.crossed: set[tuple[str, str]] = set()
        self.bin_rate: dict[str, float] = {}
        self.litter_rate: dict[str, float] = {}
        self.grass_factor: dict[str, float] = {}
        self.fly_tips: dict[str, dt.datetime] = {}  # place -> reported, until cleared
        self._obs_seq = 0
        for a in sorted(self.assets.values(), key=lambda a: a.id):
            zone = asset_zone(a, self.places)
            for m in measures_of(a):
                if m == BIN_FILL:
                    true = a.attributes.get("true_fill_rate_pct_per_day")
                    if true is None:
                        true = FALLBACK_BIN_RATE_PCT[zone] * float(self.rng.lognormal(0.0, 0.35))
                    self.bin_rate[a.id] = float(true)
                    self.level[(a.id, m)] = float(self.rng.uniform(0.0, 50.0))
                elif m == GRASS_HEIGHT:
                    self.grass_factor[a.id] = float(a.attributes.get("true_growth_factor", a.site_factor))
                    self.level[(a.id, m)] = settings.grass_cut_to_mm + float(self.rng.uniform(0.0, 25.0))
                else:
                    true = a.attributes.get("true_litter_load_per_day")
                    if true is None:
                        true = (
                            litter_load_per_day(zone)
                            * LITTER_KIND_LOAD_FACTOR.get(a.kind, 1.0)
                            * float(self.rng.lognormal(0.0, 0.3))
                        )
                    self.litter_rate[a.id] = float(true)
                    self.level[(a.id, m)] = float(self.rng.uniform(0.0, 1.5))
        self.wet_spell: tuple[dt.date, dt.date] | None = None
        if wet_spell:
            first = dt.date(start.year, 6, 1) + dt.timedelta(days=int(self.rng.integers(0, 45)))
            self.wet_spell = (first, first + dt.timedelta(days=int(self.rng.integers(14, 22))))

    # --- truth ------------------------------------------------------------------------------------------
    def daily_increment(self, asset: Asset, measure: str, day: dt.date, event: bool) -> float:
        """How much this asset deteriorates over this whole day, noise and events included."""
        noise = float(self.rng.lognormal(0.0, DAILY_NOISE_SIGMA[measure]))
        if measure == BIN_FILL:
            inc = bin_fill_pct_per_day(self.bin_rate[asset.id], day) * noise
            return inc * (EVENT_BIN_FACTOR if event else 1.0)
        if measure == GRASS_HEIGHT:
            wet = self.wet_spell is not None and self.wet_spell[0] <= day <= self.wet_spell[1]
            return (
                grass_growth_mm_per_day(day)
                * self.grass_factor[asset.id]
                * noise
                * (WET_SPELL_GROWTH_FACTOR if wet else 1.0)
            )
        weekend = 1.2 if day.weekday() >= 5 else 1.0
        return self.litter_rate[asset.id] * noise * weekend * (EVENT_LITTER_FACTOR if event else 1.0)

    def due_level(self, measure: str) -> float:
        if measure == BIN_FILL:
            return self.settings.bin_intervention_pct
        if measure == GRASS_HEIGHT:
            return self.settings.grass_cut_mm
        return LITTER_DUE_LOAD

    def reset_value(self, measure: str) -> float:
        if measure == GRASS_HEIGHT:
            return self.settings.grass_cut_to_mm
        return 0.0

    def in_season(self, day: dt.date) -> bool:
        s = self.settings
        return s.grass_season_start_month <= day.month <= s.grass_season_end_month

    # --- a day ------------------------------------------------------------------------------------------
    def step(
        self,
        day: dt.date,
        visits: Iterable[DoneWork] = (),
        survey_places: Iterable[str] = (),
        who: str = "team leader",
    ) -> DayOutcome:
        """Live one day: deteriorate, apply the work done at its times, count failures and crossings.

        Crews read each asset just before working on it; `survey_places` are surveyed whole at a random
        time in the morning. Readings carry measurement noise and report what was true at their time.
        """
        out = DayOutcome(day)
        surveyed = set(survey_places)
        reset_at: dict[tuple[str, str], float] = {}
        for v in visits:
            ids = v.asset_ids
            if not ids and v.place_id is not None:
                ids = tuple(a.id for a in self.assets.values() if a.place_id == v.place_id)
            for aid in ids:
                for m in measures_of(self.assets[aid]):
                    if v.service in RESET_SERVICES[m]:
                        frac = min(max(v.time_s / 86400.0, 0.0), 1.0)
                        reset_at[(aid, m)] = min(reset_at.get((aid, m), 1.0), frac)
            if v.service == "fly_tip" and v.place_id is not None:
                self.fly_tips.pop(v.place_id, None)
        events = {pid for pid in sorted(self.places) if self.rng.random() < EVENT_CHANCE_PER_PLACE_DAY}
        day_start = dt.datetime.combine(day, dt.time())
        for key in sorted(self.level):
            aid, m = key
            asset = self.assets[aid]
            inc = self.daily_increment(asset, m, day, asset.place_id in events)
            before = self.level[key]
            frac = reset_at.get(key)
            due = self.due_level(m)
            if frac is None:
                after = before + inc
                peak = after
                segments = [(0.0, before, 1.0, after)]
            else:
                at_visit = before + inc * frac
                after = self.reset_value(m) + inc * (1.0 - frac)
                peak = max(at_visit, after)
                segments = [(0.0, before, frac, at_visit), (frac, self.reset_value(m), 1.0, after)]
            if m == BIN_FILL:
                after = min(after, BIN_CAP_PCT)
                if peak >= self.settings.bin_overflow_pct:
                    out.bin_overflow += 1
            elif m == GRASS_HEIGHT:
                if (
                    asset.kind == AssetKind.GRASS_AREA
                    and self.in_season(day)
                    and peak > self.settings.grass_failure_mm
                ):
                    out.grass_over_height += 1
            else:
                out.litter_cd_beyond_response += self._litter_failure(asset, key, segments, day_start)
                if after >= LITTER_DUE_LOAD:
                    out.litter_below_b += 1
            for i, (f0, l0, f1, l1) in enumerate(segments):
                if i == 1:
                    self.crossed.discard(key)
                if key not in self.crossed and l1 >= due:
                    when = f0 if l0 >= due else f0 + (due - l0) / (l1 - l0) * (f1 - f0)
                    out.crossings.append((aid, m, day_start + dt.timedelta(days=when)))
                    self.crossed.add(key)
            if frac is not None:
                out.readings.append(
                    self._reading(aid, m, segments[0][3], day_start + dt.timedelta(days=frac), "crew")
                )
            if asset.place_id in surveyed and (m != GRASS_HEIGHT or self.in_season(day)):
                f = float(self.rng.uniform(9 / 24, 13 / 24))
                seg = next(sg for sg in segments if sg[0] <= f <= sg[2])
                level = seg[1] + (seg[3] - seg[1]) * (f - seg[0]) / max(seg[2] - seg[0], 1e-9)
                out.readings.append(self._reading(aid, m, level, day_start + dt.timedelta(days=f), who))
            self.level[key] = after
        out.fly_tips_open = len(self.fly_tips)
        self.today = day + dt.timedelta(days=1)
        return out

    def _litter_failure(
        self,
        asset: Asset,
        key: tuple[str, str],
        segments: list[tuple[float, float, float, float]],
        day_start: dt.datetime,
    ) -> int:
        """1 if the site was grade C or D for longer than its zone's response time at some moment today."""
        response = dt.timedelta(hours=self.settings.response_h(asset_zone(asset, self.places)))
        failed = False
        for f0, l0, f1, l1 in segments:
            if l0 < LITTER_C_LOAD <= l1:
                self.c_since[asset.id] = day_start + dt.timedelta(
                    days=f0 + (LITTER_C_LOAD - l0) / (l1 - l0) * (f1 - f0)
                )
            since = self.c_since.get(asset.id) if l1 >= LITTER_C_LOAD or l0 >= LITTER_C_LOAD else None
            if since is not None and day_start + dt.timedelta(days=f1) - since > response:
                failed = True
            if l1 < LITTER_C_LOAD:
                self.c_since.pop(asset.id, None)
        return int(failed)

    # --- what people see -------------------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        self._obs_seq += 1
        return f"sim-{prefix}-{self._obs_seq:07d}"

    def _reading(self, asset_id: str, measure: str, true: float, at: dt.datetime, who: str) -> Observation:
        """A noisy reading of a true level, as a team leader or crew would record it."""
        asset = self.assets[asset_id]
        place_id = asset.place_id or ""
        if measure == BIN_FILL:
            value = true + float(self.rng.normal(0.0, READING_NOISE[BIN_FILL]))
            fill = float(min(100.0, max(0.0, 5.0 * round(value / 5.0))))
            return Observation(
                self._new_id("fill"), ObservationKind.BIN_FILL, at, place_id, asset_id, who, fill_pct=fill
            )
        if measure == GRASS_HEIGHT:
            h = max(0.0, true + float(self.rng.normal(0.0, READING_NOISE[GRASS_HEIGHT])))
            return Observation(
                self._new_id("grass"),
                ObservationKind.GRASS_HEIGHT,
                at,
                place_id,
                asset_id,
                who,
                height_mm=float(round(h)),
            )
        load = true * float(self.rng.lognormal(0.0, READING_NOISE[LITTER_GRADE]))
        grade: Grade = litter_grade(load)
        return Observation(
            self._new_id("grade"), ObservationKind.LITTER_GRADE, at, place_id, asset_id, who, grade=grade
        )

    def survey_now(
        self, at: dt.datetime, place_ids: Iterable[str], who: str = "team leader"
    ) -> list[Observation]:
        """A survey of whole places at one moment (between days): every bin, grass area and street."""
        wanted = set(place_ids)
        return [
            self._reading(aid, m, self.level[(aid, m)], at, who)
            for (aid, m) in sorted(self.level)
            if self.assets[aid].place_id in wanted
        ]

    def report_fly_tips(self, day: dt.date) -> list[Observation]:
        """The public reports new fly-tips; each stays in the world until a crew clears it."""
        out: list[Observation] = []
        for pid in sorted(self.places):
            if pid in self.fly_tips or self.rng.random() >= FLY_TIP_CHANCE_PER_PLACE_DAY:
                continue
            at = dt.datetime.combine(day, dt.time(16, 0))
            self.fly_tips[pid] = at
            out.append(
                Observation(
                    self._new_id("flytip"),
                    ObservationKind.FLY_TIP,
                    at,
                    pid,
                    None,
                    "public",
                    count=1,
                    note="fly-tip reported",
                )
            )
        return out

    def true_rate(self, asset_id: str, measure: str) -> float:
        """For tests and reports only: the hidden mean rate the planners must learn."""
        if measure == BIN_FILL:
            return self.bin_rate[asset_id]
        if measure == GRASS_HEIGHT:
            return self.grass_factor[asset_id]
        return self.litter_rate[asset_id]


def round_to_grade_load(grade: Grade) -> float:
    """The middle of the load band a grade stands for (used by tests to build readings)."""
    bounds = [0.0] + [b for _, b in LITTER_GRADE_UPPER_LOAD]
    i = grade.rank
    if i + 1 < len(bounds):
        return (bounds[i] + bounds[i + 1]) / 2.0
    return bounds[-1] * 1.2


__all__ = ["LITTER_C_LOAD", "LITTER_DUE_LOAD", "DayOutcome", "DoneWork", "World", "round_to_grade_load"]
