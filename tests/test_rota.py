"""The historic rota: the right tasks on the right days, whatever the need."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import LineString, Point, box

from envservices.domain.model import Asset, AssetKind, IntensityZone, Place, RotaEntry, Skill, Urgency
from envservices.domain.settings import Settings
from envservices.rota.tasks import TYPICAL_BIN_FILL, entry_runs_in_week, rota_tasks

SETTINGS = Settings()
SERVICES = SETTINGS.services()
PLACE = Place("p1", "Green", "a1", box(0, 0, 500, 500), zone=IntensityZone.MEDIUM)
BIN = Asset("b1", AssetKind.LITTER_BIN, Point(10, 20), "p1", capacity_l=120)
GRASS = Asset("g1", AssetKind.GRASS_AREA, box(100, 100, 160, 150), "p1", mower="ride_on")
STREET_A = Asset("s1", AssetKind.STREET_LENGTH, LineString([(0, 400), (200, 400)]), "p1")
STREET_B = Asset("s2", AssetKind.STREET_LENGTH, LineString([(0, 450), (100, 450)]), "p1")
ASSETS = {a.id: a for a in (BIN, GRASS, STREET_A, STREET_B)}
PLACES = {PLACE.id: PLACE}
MONDAY = dt.date(2026, 6, 1)  # ISO week 23


def tasks_for(entries: list[RotaEntry], week_start: dt.date = MONDAY):
    return rota_tasks(entries, ASSETS, PLACES, SERVICES, week_start, SETTINGS)


def test_weekly_bins_on_their_weekdays() -> None:
    """Bins on Monday and Thursday give two tasks, each due on its own day, at the bin, with its volume."""
    tasks = tasks_for([RotaEntry("e1", "empty_bin", asset_id="b1", weekdays=(3, 0))])
    assert [t.earliest_day for t in tasks] == [MONDAY, MONDAY + dt.timedelta(days=3)]
    assert all(t.earliest_day == t.latest_day for t in tasks)
    assert [t.id for t in tasks] == ["rota:e1:2026-06-01", "rota:e1:2026-06-04"]
    t = tasks[0]
    assert (t.x_m, t.y_m) == (10.0, 20.0)
    assert t.skill == Skill.BIN_EMPTY and t.duration_s == int(SETTINGS.bin_empty_s)
    assert t.volume_l == pytest.approx(120 * TYPICAL_BIN_FILL)
    assert t.urgency == Urgency.ROUTINE and t.source == "rota" and t.place_id == "p1"


def test_fortnightly_with_offset_runs_in_alternate_weeks() -> None:
    """A fortnightly entry runs when the ISO week number modulo 2 equals its offset, and not otherwise."""
    even = RotaEntry("e2", "mow", asset_id="g1", weekdays=(1,), every_weeks=2, week_offset=0)
    odd = RotaEntry("e3", "mow", asset_id="g1", weekdays=(1,), every_weeks=2, week_offset=1)
    week23, week24 = MONDAY, MONDAY + dt.timedelta(days=7)
    assert [t.id for t in tasks_for([even, odd], week23)] == ["rota:e3:2026-06-02"]
    assert [t.id for t in tasks_for([even, odd], week24)] == ["rota:e2:2026-06-09"]
    every_third = RotaEntry("e4", "mow", every_weeks=3, week_offset=2)
    assert entry_runs_in_week(every_third, MONDAY)  # 23 % 3 == 2
    assert not entry_runs_in_week(every_third, dt.date(2026, 6, 8))
    assert entry_runs_in_week(every_third, dt.date(2026, 6, 22))  # week 26


def test_no_mowing_outside_the_grass_season() -> None:
    """Mowing stops outside the season months; bins carry on."""
    entries = [
        RotaEntry("m", "mow", asset_id="g1", weekdays=(0,)),
        RotaEntry("b", "empty_bin", asset_id="b1"),
    ]
    december = dt.date(2026, 11, 30)  # a Monday; the week runs into December
    assert {t.service for t in tasks_for(entries, december)} == {"empty_bin"}
    assert {t.service for t in tasks_for(entries, MONDAY)} == {"empty_bin", "mow"}
    # the season edge falls mid-week: only the days still in October are mowed
    edge = tasks_for([RotaEntry("m", "mow", asset_id="g1", weekdays=(0, 4))], dt.date(2026, 10, 26))
    assert [t.earliest_day for t in edge] == [dt.date(2026, 10, 26), dt.date(2026, 10, 30)]
    nov = tasks_for([RotaEntry("m", "mow", asset_id="g1", weekdays=(0, 6))], dt.date(2026, 10, 26))
    assert [t.earliest_day for t in nov] == [dt.date(2026, 10, 26)]


def test_mowing_duration_follows_area() -> None:
    """A 3,000 m2 grass area at 3,000 m2/h plus set-up takes an hour and five minutes."""
    [t] = tasks_for([RotaEntry("m", "mow", asset_id="g1", weekdays=(2,))])
    assert t.duration_s == int(3600 + SETTINGS.site_setup_s)
    assert t.equipment == "mower"


def test_place_level_entry_covers_the_place_assets() -> None:
    """A litter pick of a whole place is one task lasting as long as picking each of its streets."""
    [t] = tasks_for([RotaEntry("lp", "litter_pick", place_id="p1", weekdays=(4,))])
    service = SERVICES["litter_pick"]
    # grass areas are litter-picked too (the service applies to them)
    expected = sum(service.duration_s(a) for a in (GRASS, STREET_A, STREET_B))
    assert t.duration_s == expected and t.asset_id is None
    assert PLACE.geometry.contains(Point(t.x_m, t.y_m))


def test_bad_entries_are_refused() -> None:
    """A rota line naming an unknown service or asset is refused rather than planning nothing."""
    with pytest.raises(ValueError, match="unknown service"):
        tasks_for([RotaEntry("x", "polish", asset_id="b1")])
    with pytest.raises(ValueError, match="unknown asset"):
        tasks_for([RotaEntry("x", "empty_bin", asset_id="nope")])
    with pytest.raises(ValueError, match="Monday"):
        rota_tasks([], ASSETS, PLACES, SERVICES, dt.date(2026, 6, 2), SETTINGS)
