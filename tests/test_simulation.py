"""The season simulation: a seeded world, work not done stays undone, and the season's figures."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from shapely.geometry import LineString, Point, box

from envservices.domain.model import (
    Area,
    Asset,
    AssetKind,
    Crew,
    CrewMember,
    IntensityZone,
    Place,
    RotaEntry,
    Site,
    SiteKind,
    Skill,
    Vehicle,
    VehicleKind,
)
from envservices.domain.settings import Settings
from envservices.simulation.season import SimulationError, first_monday_in_may, run_season
from envservices.simulation.world import DoneWork, World

ALL_SKILLS = frozenset({Skill.BIN_EMPTY, Skill.LITTER_PICK, Skill.MOWING, Skill.FLY_TIP, Skill.DRIVER})


def tiny_district(crew_skills: frozenset[Skill] = ALL_SKILLS) -> SimpleNamespace:
    """Two places, a handful of bins, streets and grass areas, one depot, one tip, one crew."""
    area = Area("area-1", "Tiny Town")
    places, assets, rota = [], [], []
    for p in range(2):
        x0 = p * 1500.0
        place = Place(
            f"place-{p}",
            f"Place {p}",
            area.id,
            box(x0, 0, x0 + 1000, 1000),
            zone=IntensityZone.MEDIUM if p == 0 else IntensityZone.HIGH,
        )
        places.append(place)
        for b in range(3):
            a = Asset(
                f"bin-{p}-{b}",
                AssetKind.LITTER_BIN,
                Point(x0 + 100 + 200 * b, 100),
                place.id,
                capacity_l=110,
                attributes={"true_fill_rate_pct_per_day": 8.0 + 10.0 * b},
            )
            assets.append(a)
            rota.append(RotaEntry(f"r-bin-{p}-{b}", "empty_bin", asset_id=a.id, weekdays=(0, 3)))
        for g in range(2):
            a = Asset(
                f"grass-{p}-{g}",
                AssetKind.GRASS_AREA,
                box(x0 + 200 + 300 * g, 500, x0 + 300 + 300 * g, 560),
                place.id,
                mower="ride_on",
                site_factor=1.0,
                attributes={"true_growth_factor": 1.0 + 0.3 * g},
            )
            assets.append(a)
            rota.append(
                RotaEntry(
                    f"r-grass-{p}-{g}", "mow", asset_id=a.id, weekdays=(1,), every_weeks=2, week_offset=g
                )
            )
        s = Asset(
            f"street-{p}",
            AssetKind.STREET_LENGTH,
            LineString([(x0, 900), (x0 + 300, 900)]),
            place.id,
            zone=place.zone,
            attributes={"true_litter_load_per_day": 0.4 if p == 0 else 0.9},
        )
        assets.append(s)
        rota.append(RotaEntry(f"r-street-{p}", "litter_pick", asset_id=s.id, weekdays=(2,)))
    depot = Site("depot", SiteKind.DEPOT, "Depot", Point(1200, -200))
    tip = Site("tip", SiteKind.TIP, "Tip", Point(1300, -300))
    van = Vehicle("van", "Van", VehicleKind.CAGED_TIPPER, 4000.0, frozenset({"mower"}))
    crew = Crew("crew-1", "Crew 1", depot.id, van.id, (CrewMember("Ann", crew_skills),))
    return SimpleNamespace(
        areas=[area],
        places=places,
        assets=assets,
        sites=[depot, tip],
        roads=[],
        vehicles=[van],
        crews=[crew],
        rota=rota,
        observations=[],
        today=dt.date(2026, 4, 1),
    )


def test_first_monday_in_may() -> None:
    """The default season start is the first Monday in May."""
    assert first_monday_in_may(2026) == dt.date(2026, 5, 4)
    assert first_monday_in_may(2027) == dt.date(2027, 5, 3)


def test_world_visit_resets_and_undone_work_keeps_deteriorating() -> None:
    """An emptied bin starts again from empty; a bin nobody empties overflows and keeps counting."""
    d = tiny_district()
    assets = {a.id: a for a in d.assets}
    places = {p.id: p for p in d.places}
    world = World(assets, places, Settings(), seed=3, start=dt.date(2026, 5, 4), wet_spell=False)
    day = dt.date(2026, 5, 4)
    overflow_days = []
    for i in range(10):
        visits = [DoneWork("empty_bin", 10 * 3600, ("bin-0-0",))]
        out = world.step(day + dt.timedelta(days=i), visits)
        overflow_days.append(out.bin_overflow)
    assert world.level[("bin-0-0", "bin_fill")] < 20.0  # emptied every morning
    assert world.level[("bin-1-2", "bin_fill")] >= 100.0  # 28 %/day for 10 days, never emptied
    assert overflow_days[-1] >= overflow_days[0] and overflow_days[-1] >= 1


def test_world_is_seeded() -> None:
    """The same seed gives the same world."""
    d = tiny_district()
    assets = {a.id: a for a in d.assets}
    places = {p.id: p for p in d.places}
    a = World(assets, places, Settings(), seed=5, start=dt.date(2026, 5, 4))
    b = World(assets, places, Settings(), seed=5, start=dt.date(2026, 5, 4))
    for i in range(5):
        a.step(dt.date(2026, 5, 4) + dt.timedelta(days=i), survey_places=["place-0"])
        b.step(dt.date(2026, 5, 4) + dt.timedelta(days=i), survey_places=["place-0"])
    assert a.level == b.level


def test_no_mowing_crew_means_grass_keeps_growing_and_failures_count_up() -> None:
    """With no crew able to mow, every mowing task stays undone and long-grass days pile up week on week."""
    d = tiny_district(frozenset({Skill.BIN_EMPTY, Skill.LITTER_PICK, Skill.FLY_TIP, Skill.DRIVER}))
    result = run_season(d, regime="rota", weeks=4, seed=2, time_limit_s=1.0)
    per_week = [r.grass_over_height_days for r in result.rows]
    assert all(r.unplanned >= 1 for r in result.rows[1:])
    assert per_week[-1] > 0
    assert per_week == sorted(per_week)  # never falls: nothing is ever cut
    assert per_week[-1] == 4 * 7  # all four amenity grass areas over height every day by the end
    with_crew = run_season(tiny_district(), regime="rota", weeks=4, seed=2, time_limit_s=1.0)
    assert with_crew.total("grass_over_height_days") < result.total("grass_over_height_days")


def test_short_season_json_has_the_figures() -> None:
    """A two-week run of the tiny district reports totals, failures and per-week rows in its JSON."""
    d = tiny_district()
    for regime in ("needs", "rota"):
        result = run_season(d, regime=regime, weeks=2, seed=1, time_limit_s=1.0)
        data = json.loads(json.dumps(result.to_json()))
        assert data["regime"] == regime and data["weeks"] == 2
        for key in ("crew_hours", "travel_km", "fuel_l", "co2_kg", "cost", "visits", "forecast_mae_days"):
            assert key in data
        assert set(data["failures"]) == {
            "bin_overflow_days",
            "grass_over_height_days",
            "litter_cd_beyond_response",
        }
        assert len(data["per_week"]) == 2 and data["per_week"][0]["week_start"] == "2026-05-04"
        assert data["crew_hours"] > 0 and data["visits"] > 0


def test_unknown_regime_and_area_are_refused() -> None:
    """Asking for a regime or area that does not exist is a clear user error."""
    d = tiny_district()
    with pytest.raises(SimulationError, match="regime"):
        run_season(d, regime="random", weeks=1)
    with pytest.raises(SimulationError, match="Nowhere"):
        run_season(d, regime="rota", weeks=1, area="Nowhere")


def test_needs_model_learns_the_world_as_readings_accumulate() -> None:
    """Readings from the world's surveys bring learned bin rates closer to the truth week after week."""
    from envservices.demo.nature import bin_fill_pct_per_day
    from envservices.needs.model import BIN_FILL, WorkDone, learn

    d = tiny_district()
    assets = {a.id: a for a in d.assets}
    places = {p.id: p for p in d.places}
    settings = Settings()
    start = dt.date(2026, 5, 4)
    world = World(assets, places, settings, seed=11, start=start, wet_spell=False)
    observations, work, errors = [], [], []
    for day_no in range(42):
        day = start + dt.timedelta(days=day_no)
        # empty every bin on Mondays and Thursdays at ten, survey both places on weekdays
        visits = []
        if day.weekday() in (0, 3):
            bins = tuple(a for a in assets if a.startswith("bin"))
            visits = [DoneWork("empty_bin", 10 * 3600, bins)]
            at = dt.datetime.combine(day, dt.time(10))
            work += [WorkDone("empty_bin", at, b) for b in bins]
        out = world.step(day, visits, ["place-0", "place-1"] if day.weekday() < 5 else [])
        observations += out.readings
        if day.weekday() == 6:
            as_of = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
            model = learn(assets, places, observations, settings, as_of, work)
            week = [day - dt.timedelta(days=k) for k in range(7)]
            rel = []
            for b in (a for a in assets if a.startswith("bin")):
                # the truth this week: the bin's mean rate with the season's swing (weekdays average out)
                true = sum(bin_fill_pct_per_day(world.true_rate(b, BIN_FILL), d) for d in week) / 7
                rel.append(abs(model.rates[(b, BIN_FILL)].rate - true) / true)
            errors.append(sum(rel) / len(rel))
    assert errors[-1] < errors[0]
    assert errors[-1] < 0.1


def test_forecast_error_reported_by_readings_falls_as_they_accumulate() -> None:
    """A trial with no past readings (a small demo, cold start): bin forecasts resting on 5 or more readings
    miss the crossing day by less than those resting on fewer, and the last week's error is below the
    first's. The JSON reports the error per measure and by the readings behind each forecast."""
    from envservices.demo.district import build_demo_district

    d = build_demo_district(seed=1, scale=0.2)
    result = run_season(d, regime="rota", weeks=4, seed=1, time_limit_s=1.0, cold_start=True)
    data = json.loads(json.dumps(result.to_json()))
    bins = data["forecast_mae_by_readings"]["bin_fill"]
    assert set(bins) <= {"0-4", "5-9", "10-19", "20+"} and "0-4" in bins
    later = [v for k, v in bins.items() if k != "0-4"]
    assert later and max(later) < bins["0-4"]
    weekly = [w["forecast_mae_days"] for w in data["per_week"]]
    assert weekly[-1] < weekly[0]
