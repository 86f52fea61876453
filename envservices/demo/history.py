"""The demo's past: the historic rota every asset was served on, and eight weeks of what team leaders saw.

The history is simulated day by day from the truth kept on each asset (its fill rate, growth factor or
litter load), served by the rota (with a few missed visits), and sampled the way surveys are taken: each bin
about twice a week, each grass area weekly, each place's streets twice a week, all on working days. Public
complaints follow real failures (overflowing bins, long grass, heavy litter) and fly-tips turn up at random.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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
BIN_TWICE_WEEKLY = frozenset({ESTATE, PARK})
"""Place characters whose bins the rota empties twice a week (the town centre daily, the rest weekly)."""
LITTER_EVERY_WEEKS = {
    IntensityZone.HIGH: 0,
    IntensityZone.MEDIUM: 1,
    IntensityZone.LOW: 2,
    IntensityZone.VERY_LOW: 4,
}
"""Litter picking by intensity-of-use zone, as council cleansing specifications set it: high (town centre)
every weekday (0 stands for that), medium weekly, low fortnightly, very low every four weeks."""
SWEEP_EVERY_WEEKS = {IntensityZone.HIGH: 0, IntensityZone.MEDIUM: 2, IntensityZone.LOW: 4, IntensityZone.VERY_LOW: 4}
"""Mechanical sweeping: the town centre every weekday (0), busy streets elsewhere on their place's two
round days (0 too), medium streets fortnightly, quieter ones every four weeks."""
MOW_EVERY_WEEKS = 2
VERGE_EVERY_WEEKS = 4
SHRUB_EVERY_WEEKS = 8
HEDGE_EVERY_WEEKS = 26
ROUND_DAYS = ((0, 3), (1, 4), (0, 2), (1, 3), (2, 4))
"""The pairs of weekdays a place team can visit a place on; its weekly work goes on one of them."""
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


def _bin_weekdays(asset: Asset, place: Place, days: tuple[int, int], weekly: int) -> tuple[int, ...]:
    """A bin's rota days by where it stands, as historic rotas set them: every weekday in the town centre,
    twice a week on estates and in parks, weekly in quiet places. Nobody knew each bin's own rate, so the
    same days go to a bin that fills in three days and to one that takes three weeks."""
    if place.character == TOWN_CENTRE:
        return (0, 1, 2, 3, 4)
    return days if place.character in BIN_TWICE_WEEKLY else (weekly,)


def _place_lines(place: Place, assets: list[Asset], choice: dict[str, object]) -> list[tuple]:
    """A place's bin, litter and sweep lines (service, asset, weekdays, every_weeks, week_offset) for one
    choice of its round days, sweep day and cycle weeks."""
    days, weekly = choice["days"], choice["weekly"]
    out: list[tuple] = []
    for a in assets:
        if a.kind.is_bin:
            out.append(("empty_bin", a, _bin_weekdays(a, place, days, weekly), 1, 0))
        elif a.kind == AssetKind.STREET_LENGTH:
            every = LITTER_EVERY_WEEKS[a.zone]
            daily = (0, 1, 2, 3, 4) if place.character == TOWN_CENTRE else days
            out.append(("litter_pick", a, daily if every == 0 else (weekly,), max(every, 1), choice[f"o{every}"]))
            if a.sweep_method == "mechanical":
                every = SWEEP_EVERY_WEEKS[a.zone]
                out.append(("mech_sweep", a, daily if every == 0 else (choice["sweep"],), max(every, 1),
                            choice[f"o{every}"]))
    return out


GROUNDS_EVERY_WEEKS = {
    AssetKind.GRASS_AREA: ("mow", MOW_EVERY_WEEKS),
    AssetKind.VERGE: ("verge_cut", VERGE_EVERY_WEEKS),
    AssetKind.SHRUB_BED: ("shrub_bed", SHRUB_EVERY_WEEKS),
    AssetKind.HEDGE: ("hedge_cut", HEDGE_EVERY_WEEKS),
}


def _grounds_days(kind: AssetKind, place_lines: list[tuple]) -> list[int]:
    """Weekdays a grounds job may take in its place: grass off the litter days (litter is picked before
    mowing, so a shared day would tie two crews together), verges off the day of or before a sweep (a road
    is swept within a day after its verge is cut, the same tie)."""
    litter = {d for code, _, days, *_ in place_lines if code == "litter_pick" for d in days}
    sweeps = {d for code, _, days, *_ in place_lines if code == "mech_sweep" for d in days}
    if kind == AssetKind.GRASS_AREA:
        allowed = [d for d in range(5) if d not in litter]
    elif kind == AssetKind.VERGE:
        allowed = [d for d in range(5) if d not in sweeps and (d + 1) % 5 not in sweeps]
    else:
        allowed = list(range(5))
    return allowed or list(range(5))


def build_rota(
    places: list[Place], assets: list[Asset], rng: np.random.Generator, crews: list[Crew] | None = None
) -> list[RotaEntry]:
    """The historic rota: fixed days whatever the need, sized to the crews a council has.

    Frequencies are the usual ones, set by where an asset is and never by its own need (bins every weekday
    in the town centre, twice a week on estates and in parks, weekly in quiet places; litter by zone from
    every weekday in the town centre to every four weeks; grass fortnightly in season; verges monthly; shrub
    beds every eight weeks; hedges twice a year). An earlier demo gave each bin its days from its hidden
    true fill rate: a rota no council could have written, and one that left the trial nothing to find. Like a supervisor with a planning board, the work is spread so no
    weekday or week asks more of the crews able to do it than another: places (biggest first) get the round
    days and cycle weeks that keep the busiest day least busy relative to the place teams at work that day (a
    team's day off is felt), then each grounds job (biggest first) gets its day and week the same way against
    the grounds crews. `capacity.py` checks the result.
    """
    services = Settings().services()
    crews = list(crews or [])
    by_place: dict[str, list[Asset]] = {p.id: [] for p in places}
    for a in assets:
        by_place[a.place_id].append(a)

    def day_capacity(skills: frozenset[str]) -> np.ndarray:
        """Crews (of those with any of these skills) at work on each weekday; all five alike when none."""
        able = [c for c in crews if {s.value for s in c.skills} & skills]
        if not able:
            return np.ones(5)
        return np.array([max(0.5, sum(d not in c.days_off for c in able)) for d in range(5)], dtype=float)

    def hours(lines: list[tuple]) -> np.ndarray:
        """(4 weeks of the cycle, 5 weekdays) task-hours of some rota lines."""
        out = np.zeros((4, 5))
        for code, a, weekdays, every, offset in lines:
            h = services[code].duration_s(a) / 3600.0
            for week in range(4):
                if week % min(every, 4) == offset % min(every, 4):
                    out[week, list(weekdays)] += h
        return out

    all_cap = day_capacity(frozenset(s.value for c in crews for s in c.skills))

    def spread(
        load: np.ndarray, cap: np.ndarray, options: list[tuple[object, np.ndarray]], other: np.ndarray
    ) -> object:
        """The option whose hours keep the busiest day least busy, for its own crews and for all crews
        together (place teams and grounds crews both pick litter), then the days most even."""
        best, best_cost = None, None
        for option, h in options:
            share = (load + h) / cap
            overall = (load + h + other) / all_cap
            cost = (max(float(share.max()), float(overall.max())), float((share**2).sum() + (overall**2).sum()))
            if best_cost is None or cost < best_cost:
                best, best_cost = option, cost
        return best

    place_cap = day_capacity(frozenset({"bin_empty"}))
    place_load = np.zeros((4, 5))
    choices = [
        {"days": days, "weekly": weekly, "sweep": sweep, "o0": 0, "o1": 0, "o2": o2, "o4": o4}
        for days in ROUND_DAYS
        for weekly in days
        for sweep in range(5)
        for o2 in range(2)
        for o4 in range(4)
    ]
    choices = [choices[int(k)] for k in rng.permutation(len(choices))]
    def summary(lines: list[tuple], choice: dict[str, object]) -> dict[tuple[str, int], float]:
        """A place's hours by how their days follow from the choice (every weekday, the round days, the
        weekly day or the sweep day) and cycle length, so each choice is costed without rebuilding lines."""
        out: dict[tuple[str, int], float] = defaultdict(float)
        for code, a, weekdays, every, _ in lines:
            if len(weekdays) == 5:
                rule = "all"
            elif tuple(weekdays) == choice["days"]:
                rule = "days"
            elif code == "mech_sweep":
                rule = "sweep"
            else:
                rule = "weekly"
            out[(rule, every)] += services[code].duration_s(a) / 3600.0
        return out

    def costed(parts: dict[tuple[str, int], float], choice: dict[str, object]) -> np.ndarray:
        out = np.zeros((4, 5))
        for (rule, every), h in parts.items():
            days = {"all": (0, 1, 2, 3, 4), "days": choice["days"], "weekly": (choice["weekly"],),
                    "sweep": (choice["sweep"],)}[rule]
            offset = choice[f"o{every}"] if every > 1 else 0
            for week in range(4):
                if week % every == offset % every:
                    out[week, list(days)] += h
        return out

    lines_of: dict[str, list[tuple]] = {}
    parts_of = {p.id: summary(_place_lines(p, by_place[p.id], choices[0]), choices[0]) for p in places}
    sized = sorted(places, key=lambda p: (-sum(parts_of[p.id].values()), p.id))
    for p in sized:
        options = [(c, costed(parts_of[p.id], c)) for c in choices]
        choice = spread(place_load, place_cap, options, np.zeros((4, 5)))
        lines_of[p.id] = _place_lines(p, by_place[p.id], choice)
        place_load += hours(lines_of[p.id])

    grounds_cap = day_capacity(frozenset({"mowing"}))
    grounds_load = np.zeros((4, 5))
    jobs = [a for a in assets if a.kind in GROUNDS_EVERY_WEEKS]
    jobs.sort(key=lambda a: (-services[GROUNDS_EVERY_WEEKS[a.kind][0]].duration_s(a), a.id))
    for a in jobs:
        code, every = GROUNDS_EVERY_WEEKS[a.kind]
        offsets = [int(o) for o in rng.permutation(every)[:4]]
        options = [
            ((code, a, (d,), every, o), hours([(code, a, (d,), every, o)]))
            for d in _grounds_days(a.kind, lines_of[a.place_id])
            for o in offsets
        ]
        line = spread(grounds_load, grounds_cap, options, place_load)
        grounds_load += hours([line])
        lines_of[a.place_id].append(line)

    lines = sorted((ln for p in places for ln in lines_of[p.id]), key=lambda ln: (ln[1].id, ln[0]))
    return [
        RotaEntry(f"rota-{k + 1:05d}", code, a.id, a.place_id, tuple(weekdays), every, offset % every)
        for k, (code, a, weekdays, every, offset) in enumerate(lines)
    ]


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


def _complaints(assets, failing: np.ndarray, window: np.ndarray, share: float, dates, rng, note: str) -> list:
    """The public reports a share of visible failures (asset x day) as complaints: failure demand."""
    ci, cd = np.nonzero(failing & window[None, :] & (rng.random(failing.shape) < share))
    return [
        (
            _at(dates[d_idx], rng.uniform(8, 20) / 24),
            ObservationKind.COMPLAINT.value,
            {"place_id": assets[a_idx].place_id, "asset_id": assets[a_idx].id, "count": 1,
             "recorded_by": "public report", "note": note},
        )
        for a_idx, d_idx in zip(ci, cd, strict=True)
    ]


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
        rows += _complaints(bins, need.end_of_day() > settings.bin_overflow_pct, window, 0.06, dates, rng,
                            "overflowing bin")

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
        rows += _complaints(grass, need.end_of_day() > settings.grass_failure_mm, window, 0.02, dates, rng,
                            "long grass")

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
