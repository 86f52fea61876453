"""The demo's past: the historic rota every asset was served on, and eight weeks of what team leaders saw.

The history is simulated day by day from the truth kept on each asset (its fill rate, growth factor or
litter load), served by the rota (with a few missed visits), and sampled the way surveys are taken: each bin
about twice a week, each grass area weekly, each place's streets twice a week, all on working days. Public
complaints follow real failures (overflowing bins, long grass, heavy litter) and fly-tips turn up at random.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from envservices.demo.geography import ESTATE, INDUSTRIAL, PARK, RURAL, TOWN_CENTRE
from envservices.demo.nature import (
    BIN_WEEKDAY_FACTOR,
    bin_fill_pct_per_day,
    grass_growth_mm_per_day,
    litter_grade,
)
from envservices.domain.model import (
    Asset,
    AssetKind,
    Crew,
    IntensityZone,
    Observation,
    ObservationKind,
    Place,
    RotaEntry,
)
from envservices.domain.settings import Settings

HISTORY_WEEKS = 8
BURN_IN_DAYS = 35
"""Days simulated before the first observation, so the first surveys see a lived-in state."""
BUSY_BIN_PCT_PER_DAY = 20.0
"""Bins filling faster than this are emptied every weekday; the rest Monday and Thursday."""
MISSED_VISIT_SHARE = 0.04
WORK_START_H, WORK_END_H = 7.25, 15.25
FLY_TIPS_PER_DAY_AT_SCALE_1 = 0.35
FLY_TIP_WEIGHT = {TOWN_CENTRE: 0.5, ESTATE: 1.0, PARK: 1.0, INDUSTRIAL: 3.0, RURAL: 3.0}
FLY_TIP_NOTES = (
    "mattress",
    "builders' rubble",
    "black bags",
    "fridge",
    "sofa",
    "tyres",
    "garden waste",
    "carpet and underlay",
)


# ---------------------------------------------------------------- rota


def build_rota(places: list[Place], assets: list[Asset], rng: np.random.Generator) -> list[RotaEntry]:
    """The historic rota: fixed days whatever the need, place by place so each team has its own days."""
    entries: list[RotaEntry] = []
    plan: dict[str, dict[str, int]] = {}
    for place in places:
        litter_day = int(rng.integers(0, 5))
        plan[place.id] = {
            "litter": litter_day,
            "sweep": (litter_day + int(rng.integers(1, 4))) % 5,
            "grounds": int(rng.integers(0, 5)),
            "offset2": int(rng.integers(0, 2)),
            "offset4": int(rng.integers(0, 4)),
            "offset8": int(rng.integers(0, 8)),
            "offset26": int(rng.integers(0, 26)),
        }

    def add(service: str, asset: Asset, weekdays: tuple[int, ...], every: int, offset: int) -> None:
        entries.append(
            RotaEntry(
                f"rota-{len(entries) + 1:05d}",
                service,
                asset.id,
                asset.place_id,
                weekdays,
                every,
                offset % every,
            )
        )

    for a in assets:
        p = plan[a.place_id]
        if a.kind.is_bin:
            busy = a.attributes["true_fill_rate_pct_per_day"] > BUSY_BIN_PCT_PER_DAY
            add("empty_bin", a, (0, 1, 2, 3, 4) if busy else (0, 3), 1, 0)
        elif a.kind == AssetKind.GRASS_AREA:
            add("mow", a, (p["grounds"],), 2, p["offset2"])
        elif a.kind == AssetKind.STREET_LENGTH:
            high = a.zone == IntensityZone.HIGH
            add("litter_pick", a, (p["litter"],), 1 if high else 2, p["offset2"])
            if a.sweep_method == "mechanical":
                add("mech_sweep", a, (p["sweep"],), 1 if high else 4, p["offset4"])
        elif a.kind == AssetKind.VERGE:
            add("verge_cut", a, (p["grounds"],), 4, p["offset4"])
        elif a.kind == AssetKind.SHRUB_BED:
            add("shrub_bed", a, (p["grounds"],), 8, p["offset8"])
        elif a.kind == AssetKind.HEDGE:
            add("hedge_cut", a, (p["grounds"],), 26, p["offset26"])
    return entries


# ---------------------------------------------------------------- simulation


@dataclass
class _Need:
    """A need that builds up at a daily rate and is reset by service visits, for a set of assets over days."""

    rate: np.ndarray  # (n, D) amount gained on each day
    reset: np.ndarray  # (n, D) bool: served that day
    reset_at: np.ndarray  # (n, D) time of the visit, as a fraction of the day
    reset_to: np.ndarray  # (n, D) level straight after the visit
    start: np.ndarray  # (n,) level at the start of the first day

    def __post_init__(self) -> None:
        n, days = self.rate.shape
        self.cum = np.zeros((n, days + 1))
        np.cumsum(self.rate, axis=1, out=self.cum[:, 1:])
        idx = np.where(self.reset, np.arange(days)[None, :], -1)
        self.last_incl = np.maximum.accumulate(idx, axis=1)
        self.last_before = np.concatenate([-np.ones((n, 1), dtype=int), self.last_incl[:, :-1]], axis=1)

    def level(self, i: np.ndarray, d: np.ndarray, frac: np.ndarray) -> np.ndarray:
        """True level of asset i on day d at time frac of the day (vectorised over the three arrays)."""
        same = self.reset[i, d] & (self.reset_at[i, d] <= frac)
        d0 = np.where(same, d, self.last_before[i, d])
        gained = self.cum[i, d] + frac * self.rate[i, d]
        d0c = np.maximum(d0, 0)
        at_reset = self.cum[i, d0c] + self.reset_at[i, d0c] * self.rate[i, d0c]
        return np.where(d0 >= 0, self.reset_to[i, d0c] + gained - at_reset, self.start[i] + gained)

    def end_of_day(self) -> np.ndarray:
        """Level of every asset at the end of every day, (n, D)."""
        n, days = self.rate.shape
        i = np.repeat(np.arange(n), days)
        d = np.tile(np.arange(days), n)
        return self.level(i, d, np.ones(n * days)).reshape(n, days)


def _served(entries: list[list[RotaEntry]], dates: list[dt.date], rng: np.random.Generator) -> np.ndarray:
    """(n, D) bool: whether each asset's rota had it served that day, less the visits that were missed."""
    weekday = np.array([day.weekday() for day in dates])
    iso_week = np.array([day.isocalendar()[1] for day in dates])
    out = np.zeros((len(entries), len(dates)), dtype=bool)
    for i, es in enumerate(entries):
        for e in es:
            out[i] |= np.isin(weekday, e.weekdays) & (iso_week % e.every_weeks == e.week_offset)
    return out & (rng.random(out.shape) >= MISSED_VISIT_SHARE)


def _work_times(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(WORK_START_H, WORK_END_H, shape) / 24.0


def _at(day: dt.date, frac: float) -> dt.datetime:
    seconds = round(frac * 86400 / 60.0) * 60
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=min(seconds, 86340))


def build_observations(
    places: list[Place],
    assets: list[Asset],
    rota: list[RotaEntry],
    crews: list[Crew],
    today: dt.date,
    scale: float,
    rng: np.random.Generator,
    settings: Settings | None = None,
) -> list[Observation]:
    """Eight weeks of surveys, complaints and fly-tips ending today, from the simulated truth."""
    settings = settings or Settings()
    first = today - dt.timedelta(days=7 * HISTORY_WEEKS - 1)
    start = first - dt.timedelta(days=BURN_IN_DAYS)
    dates = [start + dt.timedelta(days=k) for k in range((today - start).days + 1)]
    n_days = len(dates)
    window = np.array([day >= first for day in dates])
    workday = np.array([day.weekday() < 5 for day in dates]) & window
    place_by_id = {p.id: p for p in places}
    leader = {c.id: c.members[0].name for c in crews if c.members}
    by_asset: dict[str, list[RotaEntry]] = {}
    for e in rota:
        by_asset.setdefault(e.asset_id, []).append(e)

    def recorder(place_id: str) -> str:
        return leader.get(place_by_id[place_id].team_crew_id or "", "")

    rows: list[tuple[dt.datetime, str, dict]] = []

    # Bins: fill builds since the last empty, busier at weekends; surveyed on about two working days a week.
    bins = [a for a in assets if a.kind.is_bin]
    if bins:
        base = np.array([a.attributes["true_fill_rate_pct_per_day"] for a in bins])
        day_factor = np.array([bin_fill_pct_per_day(1.0, day) for day in dates])
        rate = base[:, None] * day_factor[None, :] * rng.lognormal(0.0, 0.25, (len(bins), n_days))
        served = _served([by_asset.get(a.id, []) for a in bins], dates, rng)
        need = _Need(
            rate,
            served,
            _work_times(served.shape, rng),
            np.zeros(served.shape),
            rng.uniform(0.0, 30.0, len(bins)),
        )
        i, d = np.nonzero((rng.random(served.shape) < 0.4) & workday[None, :])
        frac = _work_times(i.shape, rng)
        seen = need.level(i, d, frac) + rng.normal(0.0, 4.0, i.shape)
        fill = np.clip(np.round(seen / 5.0) * 5.0, 0.0, 120.0)
        for k in range(len(i)):
            a = bins[i[k]]
            rows.append(
                (
                    _at(dates[d[k]], frac[k]),
                    ObservationKind.BIN_FILL.value,
                    {
                        "place_id": a.place_id,
                        "asset_id": a.id,
                        "fill_pct": float(fill[k]),
                        "recorded_by": recorder(a.place_id),
                        "note": "overflowing" if fill[k] > settings.bin_overflow_pct else "",
                    },
                )
            )
        eod = need.end_of_day()
        ci, cd = np.nonzero(
            (eod > settings.bin_overflow_pct) & window[None, :] & (rng.random(eod.shape) < 0.06)
        )
        for a_idx, d_idx in zip(ci, cd, strict=True):
            a = bins[a_idx]
            rows.append(
                (
                    _at(dates[d_idx], rng.uniform(8, 20) / 24),
                    ObservationKind.COMPLAINT.value,
                    {
                        "place_id": a.place_id,
                        "asset_id": a.id,
                        "count": 1,
                        "recorded_by": "public report",
                        "note": "overflowing bin",
                    },
                )
            )

    # Grass: seasonal growth times the site's true factor; cut on the rota in season; surveyed weekly.
    grass = [a for a in assets if a.kind == AssetKind.GRASS_AREA]
    if grass:
        factor = np.array([a.attributes["true_growth_factor"] for a in grass])
        weather = rng.lognormal(0.0, 0.2, n_days)
        growth = np.array([grass_growth_mm_per_day(day) for day in dates]) * weather
        rate = factor[:, None] * growth[None, :]
        in_season = np.array(
            [
                settings.grass_season_start_month <= day.month <= settings.grass_season_end_month
                for day in dates
            ]
        )
        served = _served([by_asset.get(a.id, []) for a in grass], dates, rng) & in_season[None, :]
        cut_to = settings.grass_cut_to_mm + rng.normal(0.0, 3.0, served.shape)
        need = _Need(
            rate,
            served,
            _work_times(served.shape, rng),
            cut_to,
            rng.uniform(settings.grass_cut_to_mm, settings.grass_cut_mm, len(grass)),
        )
        i_list, d_list = [], []
        week_days = [d for d in range(n_days) if workday[d]]
        for g in range(len(grass)):
            for w in range(0, len(week_days), 5):
                chunk = week_days[w : w + 5]
                i_list.append(g)
                d_list.append(chunk[int(rng.integers(len(chunk)))])
        i, d = np.array(i_list, dtype=int), np.array(d_list, dtype=int)
        frac = _work_times(i.shape, rng)
        height = np.maximum(10.0, np.round(need.level(i, d, frac) + rng.normal(0.0, 3.0, i.shape)))
        for k in range(len(i)):
            a = grass[i[k]]
            rows.append(
                (
                    _at(dates[d[k]], frac[k]),
                    ObservationKind.GRASS_HEIGHT.value,
                    {
                        "place_id": a.place_id,
                        "asset_id": a.id,
                        "height_mm": float(height[k]),
                        "recorded_by": recorder(a.place_id),
                    },
                )
            )
        eod = need.end_of_day()
        ci, cd = np.nonzero(
            (eod > settings.grass_failure_mm) & window[None, :] & (rng.random(eod.shape) < 0.02)
        )
        for a_idx, d_idx in zip(ci, cd, strict=True):
            a = grass[a_idx]
            rows.append(
                (
                    _at(dates[d_idx], rng.uniform(8, 20) / 24),
                    ObservationKind.COMPLAINT.value,
                    {
                        "place_id": a.place_id,
                        "asset_id": a.id,
                        "count": 1,
                        "recorded_by": "public report",
                        "note": "long grass",
                    },
                )
            )

    # Litter: a street's load grows with its zone's use, cleared by picks and sweeps; graded twice weekly.
    streets = [a for a in assets if a.kind == AssetKind.STREET_LENGTH]
    if streets:
        base = np.array([a.attributes["true_litter_load_per_day"] for a in streets])
        weekday = np.array([BIN_WEEKDAY_FACTOR[day.weekday()] for day in dates])
        rate = base[:, None] * weekday[None, :] * rng.lognormal(0.0, 0.3, (len(streets), n_days))
        served = _served([by_asset.get(a.id, []) for a in streets], dates, rng)
        need = _Need(
            rate,
            served,
            _work_times(served.shape, rng),
            np.full(served.shape, 0.1),
            rng.uniform(0.0, 2.0, len(streets)),
        )
        street_idx: dict[str, list[int]] = {}
        for k, a in enumerate(streets):
            street_idx.setdefault(a.place_id, []).append(k)
        i_list, d_list, f_list = [], [], []
        week_days = [d for d in range(n_days) if workday[d]]
        for members in street_idx.values():
            for w in range(0, len(week_days), 5):
                chunk = week_days[w : w + 5]
                for d_pick in rng.choice(len(chunk), min(2, len(chunk)), replace=False):
                    f0 = _work_times((), rng)
                    for k, m in enumerate(members):
                        i_list.append(m)
                        d_list.append(chunk[int(d_pick)])
                        f_list.append(min(f0 + k * 4.0 / 1440.0, WORK_END_H / 24.0))
        i, d, frac = np.array(i_list, dtype=int), np.array(d_list, dtype=int), np.array(f_list)
        load = need.level(i, d, frac) * rng.lognormal(0.0, 0.2, i.shape)
        for k in range(len(i)):
            a = streets[i[k]]
            rows.append(
                (
                    _at(dates[d[k]], frac[k]),
                    ObservationKind.LITTER_GRADE.value,
                    {
                        "place_id": a.place_id,
                        "asset_id": a.id,
                        "grade": litter_grade(float(load[k])),
                        "recorded_by": recorder(a.place_id),
                    },
                )
            )
        eod = need.end_of_day()
        busy = np.array([a.zone in (IntensityZone.HIGH, IntensityZone.MEDIUM) for a in streets])
        ci, cd = np.nonzero((eod >= 4.0) & busy[:, None] & window[None, :] & (rng.random(eod.shape) < 0.02))
        for a_idx, d_idx in zip(ci, cd, strict=True):
            a = streets[a_idx]
            rows.append(
                (
                    _at(dates[d_idx], rng.uniform(8, 20) / 24),
                    ObservationKind.COMPLAINT.value,
                    {
                        "place_id": a.place_id,
                        "asset_id": a.id,
                        "count": 1,
                        "recorded_by": "public report",
                        "note": "litter",
                    },
                )
            )

    # Fly-tips: reported any day, most often on the rural edge and industrial estates.
    weights = np.array([FLY_TIP_WEIGHT.get(p.character, 1.0) for p in places])
    for d_idx in np.nonzero(window)[0]:
        for _ in range(int(rng.poisson(FLY_TIPS_PER_DAY_AT_SCALE_1 * scale))):
            p = places[int(rng.choice(len(places), p=weights / weights.sum()))]
            rows.append(
                (
                    _at(dates[d_idx], rng.uniform(7, 19) / 24),
                    ObservationKind.FLY_TIP.value,
                    {
                        "place_id": p.id,
                        "count": 1,
                        "recorded_by": "public report",
                        "note": str(rng.choice(FLY_TIP_NOTES)),
                    },
                )
            )

    rows.sort(key=lambda r: (r[0], r[1], r[2].get("asset_id") or "", r[2]["place_id"]))
    return [
        Observation(f"obs-{n + 1:06d}", ObservationKind(kind), when, **fields)
        for n, (when, kind, fields) in enumerate(rows)
    ]
