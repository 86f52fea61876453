"""The demo district: deterministic, sized by scale, spatially sound, historically believable."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict

import networkx as nx
import numpy as np
import pytest
import shapely

from envservices.demo import build_demo_district
from envservices.demo.assets import RIDE_ON_FROM_M2
from envservices.demo.district import trial_start_for
from envservices.domain.model import (
    AreaKind,
    AssetKind,
    Grade,
    IntensityZone,
    ObservationKind,
    Regime,
    SiteKind,
)
from envservices.domain.settings import Settings
from envservices.errors import UserError

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def district():
    return build_demo_district(seed=1, scale=1.0, today=TODAY)


@pytest.fixture(scope="module")
def small():
    return build_demo_district(seed=1, scale=0.25, today=TODAY)


def _kinds(d) -> Counter:
    return Counter(a.kind for a in d.assets)


def _bins(d) -> int:
    return sum(n for k, n in _kinds(d).items() if k.is_bin)


def test_same_seed_gives_identical_district(district):
    """Building twice with the same seed, scale and day gives equal objects, ids and truths included."""
    again = build_demo_district(seed=1, scale=1.0, today=TODAY)
    for name in ("areas", "places", "assets", "sites", "roads", "vehicles", "crews", "rota", "observations"):
        assert getattr(again, name) == getattr(district, name), name
    assert [a.attributes for a in again.assets] == [a.attributes for a in district.assets]
    assert again.summary() == district.summary()


def test_other_seed_gives_another_district(district):
    """Another seed moves the bins, changes their true rates and the history."""
    other = build_demo_district(seed=2, scale=1.0, today=TODAY)
    mine = {a.id: a for a in district.assets}
    moved = [
        a
        for a in other.assets
        if a.id in mine and a.kind.is_bin and not a.geometry.equals(mine[a.id].geometry)
    ]
    assert len(moved) > 100
    assert [o.fill_pct for o in other.observations[:500]] != [o.fill_pct for o in district.observations[:500]]


def test_counts_at_scale_1(district):
    """Scale 1 holds about 30 places, 1,000 bins, 250 grass areas, 13 crews, 2 depots and a tip."""
    s = district.summary()
    kinds = _kinds(district)
    assert s["areas"] == 2
    assert 25 <= s["places"] <= 35
    assert 900 <= _bins(district) <= 1100
    assert 220 <= kinds[AssetKind.GRASS_AREA] <= 260
    for kind in (
        AssetKind.STREET_LENGTH,
        AssetKind.VERGE,
        AssetKind.SHRUB_BED,
        AssetKind.HEDGE,
        AssetKind.DOG_BIN,
    ):
        assert kinds[kind] > 10, kind
    assert s["crews"] == 13 and s["vehicles"] == 13
    assert s["depots"] == 2 and s["tips"] == 1
    assert 5_000 < s["observations"] < 40_000
    assert s["assets"] == sum(v for k, v in s.items() if k.startswith("assets."))


@pytest.mark.parametrize("scale", [0.25, 2.0])
def test_counts_scale_roughly_linearly(scale, district):
    """Places, bins, grass areas and crews grow in proportion to the scale (places never fewer than 8)."""
    d = build_demo_district(seed=1, scale=scale, today=TODAY)
    base = _kinds(district)
    assert len(d.places) == max(8, round(30 * scale))
    assert _bins(d) == pytest.approx(_bins(district) * scale, rel=0.1)
    assert _kinds(d)[AssetKind.GRASS_AREA] == pytest.approx(base[AssetKind.GRASS_AREA] * scale, rel=0.15)
    assert _kinds(d)[AssetKind.STREET_LENGTH] == pytest.approx(
        base[AssetKind.STREET_LENGTH] * scale, rel=0.15
    )
    assert len(d.crews) == max(3, math.ceil(13 * scale))


def test_areas_are_the_redditch_trial_and_the_bromsgrove_rota(district):
    """Redditch is a needs-based trial from the first Monday of June; Bromsgrove stays on the rota."""
    by_name = {a.name: a for a in district.areas}
    red, brom = by_name["Redditch"], by_name["Bromsgrove"]
    assert (red.regime, red.kind, red.trial_start) == (Regime.NEEDS, AreaKind.TRIAL, dt.date(2026, 6, 1))
    assert (brom.regime, brom.kind, brom.trial_start) == (Regime.ROTA, AreaKind.DISTRICT, None)
    assert {p.area_id for p in district.places} == {red.id, brom.id}
    for p in district.places:
        area = red if p.area_id == red.id else brom
        assert area.geometry.buffer(1.0).covers(p.geometry), p.name


def test_trial_start_is_last_june_before_it_has_come():
    """Before this year's first Monday of June, the trial started the June before."""
    assert trial_start_for(dt.date(2026, 11, 23)) == dt.date(2026, 6, 1)
    assert trial_start_for(dt.date(2026, 5, 31)) == dt.date(2025, 6, 2)
    assert trial_start_for(dt.date(2015, 6, 1)) == dt.date(2015, 6, 1)


def test_places_are_valid_varied_and_do_not_overlap(district):
    """Places are valid polygons, of several characters with fitting zones, and no two overlap."""
    geoms = [p.geometry for p in district.places]
    assert all(g.is_valid and g.area > 10_000 for g in geoms)
    assert len({p.id for p in district.places}) == len(district.places)
    tree = shapely.STRtree(geoms)
    for i, g in enumerate(geoms):
        for j in tree.query(g):
            if j > i:
                assert g.intersection(geoms[j]).area < 0.01, (
                    district.places[i].name,
                    district.places[j].name,
                )
    chars = Counter(p.character for p in district.places)
    assert {"town centre", "housing estate", "park", "rural edge", "industrial"} <= set(chars)
    for p in district.places:
        if p.character == "town centre":
            assert p.zone == IntensityZone.HIGH
        if p.character == "rural edge":
            assert p.zone == IntensityZone.VERY_LOW
        if p.character == "park":
            assert p.zone in (IntensityZone.MEDIUM, IntensityZone.LOW)


def test_assets_lie_in_their_own_place(district):
    """Every asset is inside the place it names, and a spatial join of bins finds exactly that place."""
    places = {p.id: p for p in district.places}
    for a in district.assets:
        assert a.place_id in places, a.id
        assert places[a.place_id].geometry.covers(a.geometry), a.id
    tree = shapely.STRtree([p.geometry for p in district.places])
    for a in district.assets:
        if a.kind.is_bin:
            hits = tree.query(a.geometry, predicate="intersects")
            assert [district.places[int(h)].id for h in hits] == [a.place_id]


def test_bins_crowd_the_town_centre(district):
    """Bins per km2 are far higher in the town centres than on the estates or the rural edge."""
    area_km2 = defaultdict(float)
    bins = Counter()
    char = {p.id: p.character for p in district.places}
    for p in district.places:
        area_km2[p.character] += p.geometry.area / 1e6
    for a in district.assets:
        if a.kind.is_bin:
            bins[char[a.place_id]] += 1
            assert 60 <= a.capacity_l <= 240
    density = {c: bins[c] / area_km2[c] for c in area_km2}
    assert density["town centre"] > 5 * density["housing estate"] > 5 * density["rural edge"]


def test_grass_areas_are_sized_apart_and_carry_their_truth(district):
    """Grass areas are 200-20,000 m2, never overlap, have site factors 0.7-1.4 and a mower by size."""
    grass = [a for a in district.assets if a.kind == AssetKind.GRASS_AREA]
    geoms = [g.geometry for g in grass]
    tree = shapely.STRtree(geoms)
    for i, g in enumerate(grass):
        assert 200 <= g.area_m2 <= 20_000
        assert 0.7 <= g.site_factor <= 1.4
        assert g.mower == ("ride_on" if g.area_m2 >= RIDE_ON_FROM_M2 else "pedestrian")
        assert 0.5 < g.attributes["true_growth_factor"] / g.site_factor < 1.5
        assert [int(j) for j in tree.query(g.geometry, predicate="intersects")] == [i]
    for a in district.assets:
        if a.kind.is_bin:
            assert a.attributes["true_fill_rate_pct_per_day"] > 0
        if a.kind == AssetKind.STREET_LENGTH:
            assert a.zone is not None and a.sweep_method in ("manual", "mechanical")


def test_rota_refers_to_known_things(district):
    """Every rota line names an existing asset in its place, a known service fit for it, valid days."""
    services = Settings().services()
    assets = {a.id: a for a in district.assets}
    places = {p.id for p in district.places}
    assert len({e.id for e in district.rota}) == len(district.rota)
    for e in district.rota:
        assert e.service in services
        assert e.asset_id in assets and e.place_id in places
        assert assets[e.asset_id].place_id == e.place_id
        assert assets[e.asset_id].kind in services[e.service].asset_kinds
        assert set(e.weekdays) <= set(range(5)) and 0 <= e.week_offset < e.every_weeks
    served = {e.asset_id for e in district.rota}
    assert all(a.id in served for a in district.assets)
    areas = {p.area_id for p in district.places if p.id in {e.place_id for e in district.rota}}
    assert len(areas) == 2, "the rota covers both areas"


def test_rota_frequencies_follow_the_historic_pattern(district):
    """Bins by where they stand (daily in the town centre, twice a week on estates and in parks, weekly in
    quiet places) whatever their own rate; grass fortnightly; litter by zone, daily in the town centre."""
    assets = {a.id: a for a in district.assets}
    places = {p.id: p for p in district.places}
    by = defaultdict(list)
    for e in district.rota:
        by[e.service].append(e)
    per_week = Counter(len(e.weekdays) for e in by["empty_bin"])
    assert set(per_week) == {1, 2, 5} and per_week[2] > per_week[5] > per_week[1]
    expected_bins = {"town centre": 5, "housing estate": 2, "park": 2, "industrial": 1, "rural edge": 1}
    rates = defaultdict(list)
    for e in by["empty_bin"]:
        character = places[e.place_id].character
        assert len(e.weekdays) == expected_bins[character], e
        rates[len(e.weekdays)].append(assets[e.asset_id].attributes["true_fill_rate_pct_per_day"])
    # whatever the need: the twice-weekly bins include some slower than some weekly ones
    assert min(rates[2]) < max(rates[1])
    assert {e.every_weeks for e in by["mow"]} == {2}
    expected = {IntensityZone.HIGH: (1, 2), IntensityZone.MEDIUM: (1, 1), IntensityZone.LOW: (2, 1),
                IntensityZone.VERY_LOW: (4, 1)}
    for e in by["litter_pick"]:
        every, days = expected[assets[e.asset_id].zone]
        if places[e.place_id].character == "town centre" and every == 1 and days == 2:
            days = 5
        assert (e.every_weeks, len(e.weekdays)) == (every, days), e
    assert min(e.every_weeks for e in by["hedge_cut"]) > 8


def test_rota_keeps_mowing_off_the_litter_days(district):
    """Litter is picked before mowing, so the rota never puts both in one place on one day (but in the
    town centre, picked every weekday)."""
    litter_days = defaultdict(set)
    for e in district.rota:
        if e.service == "litter_pick":
            litter_days[e.place_id] |= set(e.weekdays)
    for e in district.rota:
        if e.service == "mow" and len(litter_days[e.place_id]) < 5:
            assert not set(e.weekdays) & litter_days[e.place_id], e
    assert any(e.service == "mow" and litter_days[e.place_id] for e in district.rota)


def test_every_service_has_a_crew_that_can_do_it(district, small):
    """Each service in the catalogue is matched by some crew's skills and vehicle equipment, at any scale."""
    for d in (district, small):
        vehicles = {v.id: v for v in d.vehicles}
        for code, service in Settings().services().items():
            able = [
                c
                for c in d.crews
                if service.skill in c.skills
                and (service.equipment is None or service.equipment in vehicles[c.vehicle_id].equipment)
            ]
            assert able, code


def test_crews_are_small_teams_on_shifts_from_their_depot(district):
    """Crews have 2-3 members, 07:00-15:30 shifts with a 30 minute break, a depot of their own town."""
    depots = {s.id: s for s in district.sites if s.kind == SiteKind.DEPOT}
    assert {c.depot_id for c in district.crews} == set(depots)
    kinds = Counter(v.kind.value for v in district.vehicles)
    assert kinds["caged_tipper"] >= 2 and kinds["sweeper"] >= 1 and kinds["van_with_trailer"] >= 1
    for c in district.crews:
        assert 2 <= len(c.members) <= 3
        assert (c.shift_start_s, c.shift_end_s) == (7 * 3600, 15 * 3600 + 1800)
        assert [b.duration_s for b in c.breaks] == [1800]
        assert depots[c.depot_id].name.split()[0] == c.name.split()[0]
    assert any(len(c.days_off) > 2 for c in district.crews), "some crew has a weekday off"
    for v in district.vehicles:
        if v.kind.value == "caged_tipper":
            assert 4000 <= v.capacity_l <= 8000


def test_road_network_is_connected_and_reaches_every_place(district):
    """All road links form one connected graph that touches every place, both depots and the tip."""
    g = nx.Graph()

    def key(xy):
        return (round(xy[0], 2), round(xy[1], 2))

    for r in district.roads:
        coords = list(r.geometry.coords)
        g.add_edge(key(coords[0]), key(coords[-1]))
        assert r.speed_kph == {"primary": 48.0}.get(r.highway, r.speed_kph)
    assert nx.is_connected(g)
    nodes = np.array(list(g.nodes))
    for p in district.places:
        assert shapely.contains_xy(p.geometry, nodes[:, 0], nodes[:, 1]).any(), p.name
    for s in district.sites:
        assert key(s.geometry.coords[0]) in g
    assert sum(r.highway == "primary" for r in district.roads) >= 10


def test_observations_are_realistic(district):
    """Fills stay within 0-120 %, grades are A-D, grass heights plausible, all on known places and assets."""
    places = {p.id for p in district.places}
    assets = {a.id: a for a in district.assets}
    first = TODAY - dt.timedelta(days=55)
    kinds = Counter()
    for o in district.observations:
        kinds[o.kind] += 1
        assert o.place_id in places
        assert first <= o.observed_at.date() <= TODAY
        if o.asset_id is not None:
            assert assets[o.asset_id].place_id == o.place_id
        if o.kind == ObservationKind.BIN_FILL:
            assert 0 <= o.fill_pct <= 120
        elif o.kind == ObservationKind.LITTER_GRADE:
            assert isinstance(o.grade, Grade)
        elif o.kind == ObservationKind.GRASS_HEIGHT:
            assert 10 <= o.height_mm <= 300
        if o.kind in (ObservationKind.BIN_FILL, ObservationKind.LITTER_GRADE, ObservationKind.GRASS_HEIGHT):
            assert o.observed_at.weekday() < 5
    assert kinds[ObservationKind.FLY_TIP] > 0 and kinds[ObservationKind.COMPLAINT] > 0
    grades = Counter(o.grade for o in district.observations if o.grade)
    assert len(grades) >= 5 and grades[Grade.B] + grades[Grade.B_PLUS] > grades[Grade.D]
    surveys_per_bin_week = kinds[ObservationKind.BIN_FILL] / _bins(district) / 8
    assert 1.5 <= surveys_per_bin_week <= 2.5


def test_busier_bins_are_seen_fuller(district):
    """Of bins on the same round (emptied as often), those with a higher true fill rate are observed fuller on
    average: the history reflects the truth (across rounds the rota evens fill out, as it is meant to)."""
    rate = {a.id: a.attributes["true_fill_rate_pct_per_day"] for a in district.assets if a.kind.is_bin}
    per_week = {e.asset_id: len(e.weekdays) for e in district.rota if e.service == "empty_bin"}
    fills = defaultdict(list)
    for o in district.observations:
        if o.kind == ObservationKind.BIN_FILL:
            fills[o.asset_id].append(o.fill_pct)
    for times in (1, 2):
        ids = sorted(i for i in fills if per_week[i] == times)
        corr = np.corrcoef([rate[i] for i in ids], [np.mean(fills[i]) for i in ids])[0, 1]
        assert corr > 0.5, times


def test_litter_is_worse_where_it_builds_up_more_between_picks(district):
    """Streets gaining more litter between two rota cleans (daily load times days apart, picks and sweeps
    both clearing it) are graded worse."""
    assets = {a.id: a for a in district.assets if a.kind == AssetKind.STREET_LENGTH}
    per_week = defaultdict(float)
    for e in district.rota:
        if e.service in ("litter_pick", "mech_sweep"):
            per_week[e.asset_id] += len(e.weekdays) / e.every_weeks
    days_apart = {i: 7.0 / n for i, n in per_week.items()}
    ranks = defaultdict(list)
    for o in district.observations:
        if o.kind == ObservationKind.LITTER_GRADE:
            ranks[o.asset_id].append(o.grade.rank)
    ids = sorted(ranks)
    build_up = [assets[i].attributes["true_litter_load_per_day"] * days_apart[i] for i in ids]
    corr = np.corrcoef(build_up, [np.mean(ranks[i]) for i in ids])[0, 1]
    assert corr > 0.4


def _mean_rise_mm_per_day(d) -> float:
    """Mean growth between consecutive surveys of the same grass area, skipping intervals with a cut."""
    series = defaultdict(list)
    for o in d.observations:
        if o.kind == ObservationKind.GRASS_HEIGHT:
            series[o.asset_id].append((o.observed_at, o.height_mm))
    rises = []
    for points in series.values():
        for (t0, h0), (t1, h1) in itertools.pairwise(points):
            if h1 >= h0 - 5:
                rises.append((h1 - h0) / ((t1 - t0).total_seconds() / 86400))
    return float(np.mean(rises))


def test_grass_grows_faster_in_may_than_in_december():
    """Surveyed grass rises several times faster in late spring than in December."""
    may = build_demo_district(seed=3, scale=0.25, today=dt.date(2026, 5, 31))
    december = build_demo_district(seed=3, scale=0.25, today=dt.date(2026, 12, 31))
    assert _mean_rise_mm_per_day(may) > 1.5
    assert _mean_rise_mm_per_day(may) > 4 * max(_mean_rise_mm_per_day(december), 0.1)


def test_scale_outside_the_range_is_refused():
    """A scale the demo cannot build is a clear user error."""
    with pytest.raises(UserError, match="scale"):
        build_demo_district(scale=100)

