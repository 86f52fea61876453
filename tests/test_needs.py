"""The needs model: learning known rates from generated readings, priors, forecasts and the week's tasks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from envservices.demo.nature import BIN_WEEKDAY_FACTOR
from envservices.domain.model import (
    Asset,
    AssetKind,
    Grade,
    IntensityZone,
    Observation,
    ObservationKind,
    Place,
    Urgency,
)
from envservices.domain.settings import Settings
from envservices.needs.forecast import forecast_assets
from envservices.needs.model import (
    BIN_FILL,
    GRASS_HEIGHT,
    LITTER_GRADE,
    LITTER_SCALE_UPPER,
    WorkDone,
    exposure,
    grass_curve_mm_per_day,
    learn,
    prior_rate,
)
from envservices.needs.tasks import needs_tasks

SETTINGS = Settings()
SERVICES = SETTINGS.services()
PLACE = Place("p1", "Market Square", "a1", box(0, 0, 1000, 1000), zone=IntensityZone.HIGH)
QUIET = Place("p2", "Back Lanes", "a1", box(2000, 0, 3000, 1000), zone=IntensityZone.LOW)
PLACES = {p.id: p for p in (PLACE, QUIET)}
START = dt.datetime(2026, 4, 6)  # a Monday


def a_bin(asset_id: str = "b1", place: str = "p1") -> Asset:
    return Asset(asset_id, AssetKind.LITTER_BIN, Point(100, 100), place, capacity_l=110)


def a_lawn(asset_id: str = "g1", site_factor: float = 1.0) -> Asset:
    return Asset(
        asset_id,
        AssetKind.GRASS_AREA,
        box(200, 200, 260, 250),
        "p1",
        mower="ride_on",
        site_factor=site_factor,
    )


def a_street(asset_id: str = "s1", place: str = "p1", zone: IntensityZone | None = None) -> Asset:
    return Asset(asset_id, AssetKind.STREET_LENGTH, LineString([(0, 500), (200, 500)]), place, zone=zone)


def bin_history(rate: float, weeks: int, seed: int, asset_id: str = "b1"):
    """A bin filling at `rate` %/day with busy weekends, emptied every 3-5 days, read most mornings (+-4 %)."""
    rng = np.random.default_rng(seed)
    obs, work = [], []
    level, t = 0.0, START
    next_empty = START + dt.timedelta(days=3, hours=10)
    for day in range(weeks * 7):
        today = START + dt.timedelta(days=day)
        if rng.random() < 0.7:
            at = today + dt.timedelta(hours=9)
            level += rate * exposure(BIN_FILL, t, at, BIN_WEEKDAY_FACTOR)
            t = at
            reading = float(np.clip(5 * round((level + rng.normal(0, 4)) / 5), 0, 100))
            obs.append(
                Observation(
                    f"o{asset_id}{day}", ObservationKind.BIN_FILL, at, "p1", asset_id, fill_pct=reading
                )
            )
        if today.date() == next_empty.date():
            level += rate * exposure(BIN_FILL, t, next_empty, BIN_WEEKDAY_FACTOR)
            level, t = 0.0, next_empty
            work.append(WorkDone("empty_bin", next_empty, asset_id))
            next_empty += dt.timedelta(days=int(rng.integers(3, 6)))
    return obs, work


def test_bin_fill_rate_recovered_within_ten_percent() -> None:
    """A bin's fill rate is learned within 10 % from noisy readings between emptyings, for several rates."""
    for rate, seed in ((8.0, 1), (15.0, 2), (22.0, 3)):
        obs, work = bin_history(rate, weeks=6, seed=seed)
        model = learn({"b1": a_bin()}, PLACES, obs, SETTINGS, START + dt.timedelta(weeks=6), work)
        learned = model.rates[("b1", BIN_FILL)]
        assert learned.rate == pytest.approx(rate, rel=0.10)
        assert learned.confidence in ("medium", "high") and learned.n_obs >= 10


def test_weekday_effects_learned_from_many_bins() -> None:
    """Pooled over twenty bins, Saturdays come out busier than Tuesdays, as in the world that made them."""
    assets, obs, work = {}, [], []
    for i in range(20):
        aid = f"b{i}"
        assets[aid] = a_bin(aid)
        o, w = bin_history(10.0 + i % 5, weeks=6, seed=100 + i, asset_id=aid)
        obs += o
        work += w
    model = learn(assets, PLACES, obs, SETTINGS, START + dt.timedelta(weeks=6), work)
    w = model.weekday_factors
    assert w[5] > w[1] and sum(w) == pytest.approx(7.0)


def grass_history(factor: float, seed: int):
    """A lawn growing at `factor` x the model's curve, cut fortnightly to 35 mm, read twice a week (+-3 mm)."""
    rng = np.random.default_rng(seed)
    obs, work = [], []
    t0 = dt.datetime(2026, 4, 1)
    level, t = SETTINGS.grass_cut_to_mm, t0
    for day in range(70):
        at = t0 + dt.timedelta(days=day, hours=11)
        level += factor * exposure(GRASS_HEIGHT, t, at, ())
        t = at
        if day % 14 == 13:
            work.append(WorkDone("mow", at, "g1"))
            level = SETTINGS.grass_cut_to_mm
            continue
        if day % 7 in (1, 4):
            obs.append(
                Observation(
                    f"g{day}",
                    ObservationKind.GRASS_HEIGHT,
                    at,
                    "p1",
                    "g1",
                    height_mm=round(level + rng.normal(0, 3)),
                )
            )
    return obs, work, t0 + dt.timedelta(days=70)


def test_grass_site_factor_recovered_within_fifteen_percent() -> None:
    """A site growing 1.3x (or 0.75x) the model's seasonal curve is learned within 15 %."""
    for factor, seed in ((1.3, 4), (0.75, 5)):
        obs, work, end = grass_history(factor, seed)
        model = learn({"g1": a_lawn()}, PLACES, obs, SETTINGS, end, work)
        assert model.rates[("g1", GRASS_HEIGHT)].rate == pytest.approx(factor, rel=0.15)


def test_seasonal_curve_peaks_in_late_spring() -> None:
    """The model's own curve: fastest growth in May, near nothing in January."""
    may, jan, aug = (grass_curve_mm_per_day(dt.date(2026, m, 15)) for m in (5, 1, 8))
    assert may > aug > jan


def grade_for(index: float) -> Grade:
    return next((g for g in Grade if index < LITTER_SCALE_UPPER[g]), Grade.D)


def litter_history(index_per_day: float, seed: int, place: str = "p1"):
    """A street gaining `index_per_day` of litter a day, picked weekly, graded daily (what a surveyor sees)."""
    rng = np.random.default_rng(seed)
    obs, work = [], []
    level = 0.0
    for day in range(42):
        at = START + dt.timedelta(days=day, hours=9)
        level += index_per_day * float(rng.lognormal(0, 0.1))
        grade = grade_for(level)
        obs.append(Observation(f"l{place}{day}", ObservationKind.LITTER_GRADE, at, place, "s1", grade=grade))
        if day % 7 == 6:
            work.append(WorkDone("litter_pick", at + dt.timedelta(hours=2), "s1"))
            level = 0.0
    return obs, work


def test_litter_slippage_recovered() -> None:
    """How fast litter builds up on a street is learned within 20 % (grades are coarse readings)."""
    for rate, seed in ((0.9, 6), (0.35, 7)):
        obs, work = litter_history(rate, seed)
        model = learn({"s1": a_street()}, PLACES, obs, SETTINGS, START + dt.timedelta(days=42), work)
        assert model.rates[("s1", LITTER_GRADE)].rate == pytest.approx(rate, rel=0.20)


def test_priors_with_no_or_one_reading_and_low_confidence() -> None:
    """With no readings the prior for kind, zone and month is used; one reading barely moves it; both low."""
    assets = {"b1": a_bin(), "b2": a_bin("b2", "p2"), "s1": a_street(), "g1": a_lawn(site_factor=1.2)}
    as_of = dt.datetime(2026, 7, 6)
    model = learn(assets, PLACES, [], SETTINGS, as_of)
    busy = model.rates[("b1", BIN_FILL)]
    quiet = model.rates[("b2", BIN_FILL)]
    assert busy.rate == pytest.approx(prior_rate(BIN_FILL, assets["b1"], IntensityZone.HIGH, 7))
    assert busy.rate > quiet.rate  # high-use zone fills faster than a low one
    assert prior_rate(BIN_FILL, assets["b1"], IntensityZone.HIGH, 7) > prior_rate(
        BIN_FILL, assets["b1"], IntensityZone.HIGH, 1
    )  # summer above winter
    assert model.rates[("g1", GRASS_HEIGHT)].rate == pytest.approx(1.2)  # the recorded site factor
    assert all(r.confidence == "low" and r.n_obs == 0 for r in model.rates.values())
    one = [
        Observation("o1", ObservationKind.BIN_FILL, as_of - dt.timedelta(days=1), "p1", "b1", fill_pct=90.0)
    ]
    emptied = [WorkDone("empty_bin", as_of - dt.timedelta(days=3), "b1")]
    after_one = learn(assets, PLACES, one, SETTINGS, as_of, emptied).rates[("b1", BIN_FILL)]
    assert after_one.confidence == "low" and after_one.n_obs == 1
    assert busy.rate < after_one.rate < 45.0  # pulled towards 45 %/day, but the prior still weighs more


def test_forecast_crossing_day() -> None:
    """A bin read at 40 % filling 10 %/day is due (80 %) about four days later and overflows about six."""
    assets = {"b1": a_bin()}
    now = dt.datetime(2026, 6, 1, 8)
    obs = [
        Observation(
            f"o{i}",
            ObservationKind.BIN_FILL,
            now - dt.timedelta(days=3 * i),
            "p1",
            "b1",
            fill_pct=40.0 if i == 0 else 30.0,
        )
        for i in range(11)
    ]
    work = [WorkDone("empty_bin", now - dt.timedelta(days=3 * i, hours=-1), "b1") for i in range(1, 11)]
    f = forecast_assets(assets, PLACES, obs, SETTINGS, now, work)[("b1", BIN_FILL)]
    rate = f.rate.rate
    assert rate == pytest.approx(10.0, rel=0.25)  # ten pairs of readings, shrunk a little towards the prior
    assert (f.due_at - now).total_seconds() / 86400 == pytest.approx(40.0 / rate, abs=0.5)
    assert (f.fail_at - now).total_seconds() / 86400 == pytest.approx(60.0 / rate, abs=0.7)
    assert f.level_now == pytest.approx(40.0)


MONDAY = dt.date(2026, 6, 1)
AS_OF = dt.datetime.combine(MONDAY, dt.time())


def test_fly_tip_becomes_urgent_and_clearing_it_removes_it() -> None:
    """A reported fly-tip is an urgent task due at once; once cleared it is not planned again."""
    tip = Observation("ft1", ObservationKind.FLY_TIP, AS_OF - dt.timedelta(hours=20), "p1", note="sofa")
    tasks = needs_tasks({}, PLACES, [tip], SERVICES, MONDAY, SETTINGS)
    [t] = tasks
    assert t.urgency == Urgency.URGENT and t.service == "fly_tip" and t.id == "urgent:ft1"
    assert t.earliest_day == MONDAY and t.latest_day <= MONDAY + dt.timedelta(days=1)
    cleared = [WorkDone("fly_tip", AS_OF - dt.timedelta(hours=2), place_id="p1")]
    assert needs_tasks({}, PLACES, [tip], SERVICES, MONDAY, SETTINGS, cleared) == []


def test_grade_d_and_complaint_are_urgent_overflowing_bin_due_at_once() -> None:
    """A street seen at grade D and a complaint give urgent work; a bin seen overflowing is due at once."""
    assets = {"s1": a_street(), "b1": a_bin()}
    obs = [
        Observation(
            "g", ObservationKind.LITTER_GRADE, AS_OF - dt.timedelta(hours=5), "p1", "s1", grade=Grade.D
        ),
        Observation("f", ObservationKind.BIN_FILL, AS_OF - dt.timedelta(hours=5), "p1", "b1", fill_pct=100.0),
        Observation("c", ObservationKind.COMPLAINT, AS_OF - dt.timedelta(hours=3), "p1", note="litter"),
    ]
    tasks = needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS)
    urgent = {(t.service, t.asset_id) for t in tasks if t.urgency == Urgency.URGENT}
    assert ("litter_pick", "s1") in urgent
    assert ("litter_pick", None) in urgent  # the complaint: pick the whole place
    full = next(t for t in tasks if t.asset_id == "b1")
    assert full.urgency == Urgency.ROUTINE and full.earliest_day == MONDAY
    assert full.latest_day <= MONDAY + dt.timedelta(days=1)


def slow_bin_history() -> tuple[list[Observation], list[WorkDone]]:
    """Bin b2 emptied eight days ago and filling about 2.5 % a day since: far from needing work."""
    readings = [(7, 3.0), (4, 10.0), (1, 18.0)]
    obs = [
        Observation(f"s{d}", ObservationKind.BIN_FILL, AS_OF - dt.timedelta(days=d), "p2", "b2", fill_pct=f)
        for d, f in readings
    ]
    return obs, [WorkDone("empty_bin", AS_OF - dt.timedelta(days=8), "b2")]


def test_routine_when_forecast_crosses_in_week_none_when_far_off() -> None:
    """A bin forecast to pass 80 % this week gets a routine task; a nearly empty slow bin gets none."""
    assets = {"b1": a_bin(), "b2": a_bin("b2", "p2")}
    obs = [
        Observation(
            "o1", ObservationKind.BIN_FILL, AS_OF - dt.timedelta(hours=10), "p1", "b1", fill_pct=60.0
        ),
    ]
    slow, work = slow_bin_history()
    obs += slow
    tasks = needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work)
    busy = [t for t in tasks if t.asset_id == "b1"]
    assert busy and busy[0].urgency == Urgency.ROUTINE and busy[0].source == "needs"
    assert busy[0].earliest_day <= busy[0].latest_day
    assert len(busy) >= 2  # a high-use bin needs emptying more than once a week
    assert not [t for t in tasks if t.asset_id == "b2"]
    assert tasks == needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work)  # same every call


def test_new_observation_changes_the_tasks_at_once() -> None:
    """Adding one reading (an unexpectedly full bin) changes the tasks with no hidden state in between."""
    assets = {"b2": a_bin("b2", "p2")}
    low, work = slow_bin_history()
    assert needs_tasks(assets, PLACES, low, SERVICES, MONDAY, SETTINGS, work) == []
    full = low + [
        Observation("o2", ObservationKind.BIN_FILL, AS_OF - dt.timedelta(hours=2), "p2", "b2", fill_pct=85.0)
    ]
    t = needs_tasks(assets, PLACES, full, SERVICES, MONDAY, SETTINGS, work)[0]
    # past 80 % but slow: due now, emptied before its soonest plausible overflow, this week
    assert t.asset_id == "b2" and MONDAY <= t.earliest_day <= t.latest_day <= MONDAY + dt.timedelta(days=4)
    # readings after the planning moment are not used
    assert (
        needs_tasks(
            assets, PLACES, full, SERVICES, MONDAY, SETTINGS, work, as_of=AS_OF - dt.timedelta(hours=3)
        )
        == []
    )
    assert needs_tasks(assets, PLACES, full, SERVICES, MONDAY, SETTINGS, work) != needs_tasks(
        assets, PLACES, low, SERVICES, MONDAY, SETTINGS, work
    )


def test_no_mowing_out_of_season() -> None:
    """Long grass in December gives no mowing task: the season is over."""
    assets = {"g1": a_lawn()}
    winter = dt.date(2026, 11, 30)
    obs = [
        Observation("h", ObservationKind.GRASS_HEIGHT, dt.datetime(2026, 11, 29), "p1", "g1", height_mm=90.0)
    ]
    assert needs_tasks(assets, PLACES, obs, SERVICES, winter, SETTINGS) == []
    summer_obs = [
        Observation(
            "h", ObservationKind.GRASS_HEIGHT, AS_OF - dt.timedelta(hours=4), "p1", "g1", height_mm=90.0
        )
    ]
    [t] = needs_tasks(assets, PLACES, summer_obs, SERVICES, MONDAY, SETTINGS)
    assert t.service == "mow" and t.earliest_day == MONDAY and t.latest_day <= MONDAY + dt.timedelta(days=3)
    assert t.urgency == Urgency.ROUTINE


def test_grass_past_cutting_height_waits_for_next_week_only_while_it_safely_can() -> None:
    """In the summer slowdown a slow lawn just past 75 mm is cut next week (taller, a cut saved over the
    season); one that could reach long grass (100 mm) before next Thursday is cut this week, as in May."""
    august = dt.date(2026, 8, 10)

    def mow_tasks(height: float, week: dt.date):
        seen = dt.datetime.combine(week, dt.time()) - dt.timedelta(hours=4)
        obs = [Observation("h", ObservationKind.GRASS_HEIGHT, seen, "p1", "g1", height_mm=height)]
        cut = [WorkDone("mow", seen - dt.timedelta(days=30), "g1")]
        return needs_tasks({"g1": a_lawn(site_factor=0.8)}, PLACES, obs, SERVICES, week, SETTINGS, cut)

    assert mow_tasks(76.0, august) == []
    [t] = mow_tasks(95.0, august)
    assert t.service == "mow" and t.latest_day <= august + dt.timedelta(days=4)
    [t] = mow_tasks(78.0, dt.date(2026, 5, 25))
    assert t.service == "mow"


def test_grass_height_now_weighs_every_reading_since_the_cut() -> None:
    """Readings good to +-4 mm: the height from the cut and all readings since is nearer the truth than the
    last reading alone (over 200 generated lawns), and with no cut on record the filter declines."""
    from envservices.needs.model import exposure, filtered_grass_level

    rng = np.random.default_rng(7)
    cut_at = dt.datetime(2026, 6, 1, 10)
    errors_last, errors_filtered = [], []
    for n in range(200):
        factor = float(rng.uniform(0.7, 1.4))
        cut = [WorkDone("mow", cut_at, "g1")]
        obs = []
        for day in (3, 6, 9):
            at = cut_at + dt.timedelta(days=day)
            true = SETTINGS.grass_cut_to_mm + factor * exposure(GRASS_HEIGHT, cut_at, at, ())
            obs.append(Observation(f"h{n}-{day}", ObservationKind.GRASS_HEIGHT, at, "p1", "g1",
                                   height_mm=float(round(true + rng.normal(0.0, 4.0)))))
        filtered = filtered_grass_level(factor, 0.1 * factor, obs, cut, SETTINGS)
        errors_last.append(abs(obs[-1].height_mm - true))
        errors_filtered.append(abs(filtered - true))
    assert np.mean(errors_filtered) < 0.8 * np.mean(errors_last)
    assert filtered_grass_level(1.0, 0.1, obs, [], SETTINGS) is None
