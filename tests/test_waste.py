"""Household waste: properties and containers stored and imported, refusals, the collection calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from shapely.geometry import Point

from envservices.cli import main
from envservices.domain.waste import (
    CollectionRound,
    CollectionVehicle,
    Compartment,
    Container,
    Frequency,
    MissReason,
    Property,
    Stream,
    WasteTip,
)
from envservices.errors import UserError
from envservices.rounds.calendar import HolidayRule, collection_date, england_bank_holidays, return_by
from envservices.services import open_db, waste

HEADER = "uprn,address,easting,northing,assisted,containers\n"
GOOD = (
    "100120001,1 Mill Lane,404100,267500,no,residual:240:fortnightly:A:Tue; dry_recycling:240:fortnightly:B:Tue;"
    " food:23:weekly:Tue\n"
    "100120002,2 Mill Lane,404120,267510,yes,residual:180:fortnightly:A:Tue\n"
)


def _rcv() -> CollectionVehicle:
    return CollectionVehicle("rcv-1", "RCV 1", 10_000, 22_000, (Compartment(frozenset({Stream.RESIDUAL})),))


def test_properties_and_containers_round_trip(tmp_path: Path):
    """A property's containers, a tip, a split-body vehicle and a round are stored and read back unchanged."""
    db = open_db(str(tmp_path / "w.sqlite"))
    split = CollectionVehicle("rcv-2", "Split", 11_000, 24_000, (
        Compartment(frozenset({Stream.DRY_RECYCLING}), 0.8), Compartment(frozenset({Stream.FOOD}), 0.2)))
    prop = Property("p1", Point(404100, 267500), "1001", "1 Mill Lane", assisted=True, containers=(
        Container(Stream.RESIDUAL, 240, Frequency.FORTNIGHTLY, 1, "A", "r1"),
        Container(Stream.FOOD, 23, Frequency.WEEKLY, 1)))
    tip = WasteTip("t1", "Transfer station", Point(400000, 268000), frozenset({Stream.RESIDUAL}))
    rnd = CollectionRound("r1", "Residual 1", Stream.RESIDUAL, 1, "A", "rcv-1")
    with db.unit_of_work() as uow:
        uow.collection_vehicles.add_all([_rcv(), split])
        uow.waste_tips.add(tip)
        uow.collection_rounds.add(rnd)
        uow.properties.add(prop)
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.properties.get("p1") == prop
        assert uow.collection_vehicles.get("rcv-2") == split
        assert uow.waste_tips.get("t1") == tip
        assert uow.collection_rounds.list() == [rnd]
    assert split.payload_for(Stream.FOOD) == pytest.approx(2200)
    db.dispose()


def test_import_properties_refuses_bad_rows_by_number(tmp_path: Path, capsys):
    """A fortnightly bin without week A/B and an unknown stream refuse the file, rows named; nothing stored."""
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD + "100120003,3 Mill Lane,404140,267520,no,residual:240:fortnightly:Tue\n"
                   "100120004,4 Mill Lane,404160,267530,no,compost:240:weekly\n")
    url = str(tmp_path / "w.sqlite")
    assert main(["--db", url, "import", str(bad), "--kind", "property"]) == 2
    err = capsys.readouterr().err
    assert "row 3: the fortnightly residual container has no week A or B" in err
    assert "row 4: 'compost' is not a waste stream" in err
    db = open_db(url)
    with db.unit_of_work() as uow:
        assert uow.properties.count() == 0
    db.dispose()
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    assert main(["--db", url, "import", str(good), "--kind", "property", "--json"]) == 0
    db = open_db(url)
    with db.unit_of_work() as uow:
        stored = uow.properties.list()
    db.dispose()
    assert [p.uprn for p in stored] == ["100120001", "100120002"]
    assert stored[1].assisted and stored[0].container(Stream.FOOD).weekday == 1


def test_container_bigger_than_any_vehicle_is_refused_and_nothing_stored(tmp_path: Path):
    """A 1,100 l bin when the only vehicle's body takes 800 l: one sentence naming the row; nothing stored."""
    db = open_db(str(tmp_path / "w.sqlite"))
    small = CollectionVehicle("rcv-s", "Small", 2_000, 800, (Compartment(frozenset(Stream)),))
    with db.unit_of_work() as uow:
        uow.collection_vehicles.add(small)
        uow.commit()
    f = tmp_path / "big.csv"
    f.write_text(HEADER + "1,Flats,404100,267500,no,residual:1100:weekly:Mon\n")
    with pytest.raises(UserError, match=r"row 1 \(Flats\).*1,100 l residual container is bigger than any"):
        waste.import_properties(db, f)
    with db.unit_of_work() as uow:
        assert uow.properties.count() == 0
    db.dispose()


def test_stream_with_no_tip_and_tip_closed_on_round_day_are_refused():
    """No tip for food, or every residual tip shut on Saturday: one sentence each."""
    prop = Property("p", Point(0, 0), containers=(Container(Stream.FOOD, 23, Frequency.WEEKLY, 0),))
    tip = WasteTip("t", "TS", Point(0, 0), frozenset({Stream.RESIDUAL}), days_open=frozenset({0, 1, 2, 3, 4}))
    with pytest.raises(UserError, match="no vehicle collects food"):
        waste.check_collectable([prop], [_rcv()], [tip])
    every = CollectionVehicle("v", "Any", 9_000, 20_000, (Compartment(frozenset(Stream)),))
    with pytest.raises(UserError, match="No tip takes food"):
        waste.check_collectable([prop], [every], [tip])
    sat = CollectionRound("r", "Residual Sat", Stream.RESIDUAL, 5)
    with pytest.raises(UserError, match="closed on round Residual Sat"):
        waste.check_collectable([], [_rcv()], [tip], [sat])


def test_bank_holiday_slides_to_saturday_and_missed_bin_returns_in_two_working_days():
    """Early May bank holiday 2026: Monday's round on Tuesday, Friday's on Saturday; a skip rule drops it."""
    holidays = england_bank_holidays([2026])
    monday = dt.date(2026, 5, 4)
    assert [collection_date(monday, d, holidays) for d in (0, 4)] == [dt.date(2026, 5, 5), dt.date(2026, 5, 9)]
    assert collection_date(monday, 0, holidays, HolidayRule.SKIP) is None
    assert collection_date(monday, 2, holidays, HolidayRule.SKIP) == dt.date(2026, 5, 6)
    assert collection_date(dt.date(2026, 5, 11), 3, holidays) == dt.date(2026, 5, 14)
    assert return_by(dt.date(2026, 5, 1), 2, holidays) == dt.date(2026, 5, 6)  # Fri + Mon holiday
    assert MissReason("not_out")


def test_record_missed_collection(tmp_path: Path):
    """A missed bin is stored with its round and its return-by day; an unknown property is one sentence."""
    db = open_db(str(tmp_path / "w.sqlite"))
    with db.unit_of_work() as uow:
        uow.properties.add(Property("p1", Point(0, 0), "42", containers=(
            Container(Stream.RESIDUAL, 240, Frequency.WEEKLY, 2, round_id=None),)))
        uow.commit()
    missed = waste.record_missed(db, "42", "residual", "missed by crew", reported_on=dt.date(2026, 11, 26))
    assert missed.return_by == dt.date(2026, 11, 30) and missed.property_id == "p1"
    with pytest.raises(UserError, match="no property 'nope'"):
        waste.record_missed(db, "nope", "residual", "not_out")
    with db.unit_of_work() as uow:
        assert len(uow.missed_collections.list()) == 1
    db.dispose()


def test_demo_households_are_collectable_and_leave_the_rest_of_the_demo_alone():
    """Demo households: every bin has a day, a week where its frequency needs one and a stored round;
    vehicles and tips pass the checks; asking for households changes nothing else in the demo."""
    from envservices.demo.district import build_demo_district

    plain = build_demo_district(seed=3, scale=0.25, today=dt.date(2026, 11, 30))
    demo = build_demo_district(seed=3, scale=0.25, today=dt.date(2026, 11, 30), households=True)
    homes = demo.households
    assert plain.assets == demo.assets and plain.rota == demo.rota
    assert 4_000 <= len(homes.properties) <= 6_000  # a quarter of 20,000
    rounds = {r.id: r for r in homes.rounds}
    for p in homes.properties:
        streams = {c.stream for c in p.containers}
        assert {Stream.RESIDUAL, Stream.DRY_RECYCLING, Stream.FOOD} <= streams
        for c in p.containers:
            r = rounds[c.round_id]
            assert (r.stream, r.weekday, r.week) == (c.stream, c.weekday, c.week)
        residual, recycling = p.container(Stream.RESIDUAL), p.container(Stream.DRY_RECYCLING)
        assert residual.weekday == recycling.weekday and {residual.week, recycling.week} == {"A", "B"}
    waste.check_collectable(homes.properties, homes.vehicles, homes.tips, homes.rounds)


TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="52.3080" lon="-1.9400"/><node id="2" lat="52.3080" lon="-1.9398"/>
  <node id="3" lat="52.3082" lon="-1.9398"/><node id="4" lat="52.3082" lon="-1.9400"/>
  <node id="5" lat="52.3090" lon="-1.9410"><tag k="addr:housenumber" v="7"/><tag k="addr:street" v="Mill Lane"/></node>
  <node id="6" lat="52.3095" lon="-1.9415"><tag k="amenity" v="waste_basket"/></node>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="house"/><tag k="addr:housenumber" v="12"/><tag k="addr:street" v="Church Road"/>
    <tag k="addr:postcode" v="B97 4AA"/></way>
</osm>
"""


def test_import_properties_from_osm_and_geopackage(tmp_path: Path):
    """OSM: the addressed house and the addressed point become properties (no bin); GPKG: containers read."""
    import geopandas as gpd

    osm = tmp_path / "tiny.osm"
    osm.write_text(TINY_OSM)
    db = open_db(str(tmp_path / "w.sqlite"))
    report = waste.import_properties(db, osm)
    assert report["properties"] == 2 and "without containers" in report["warnings"][0]
    gpkg = tmp_path / "homes.gpkg"
    gpd.GeoDataFrame(
        {"uprn": ["1", "2"], "address": ["1 A Road", "2 A Road"], "containers": ["food:23:weekly:Mon",
                                                                                "glass:55:four_weekly:3:Fri"]},
        geometry=[Point(404000, 267000), Point(404010, 267000)], crs=27700,
    ).to_file(gpkg, driver="GPKG")
    assert waste.import_properties(db, gpkg)["containers"] == {"food": 1, "glass": 1}
    with db.unit_of_work() as uow:
        addresses = sorted(p.address for p in uow.properties.list())
        glass = uow.properties.list(uprn="2")[0].container(Stream.GLASS)
    db.dispose()
    assert addresses == ["1 A Road", "12 Church Road, B97 4AA", "2 A Road", "7 Mill Lane"]
    assert (glass.frequency, glass.week, glass.weekday) == (Frequency.FOUR_WEEKLY, "3", 4)


def test_cli_rounds_missed_and_calendar(tmp_path: Path, capsys):
    """`rounds missed` records a bin with its return day; `rounds calendar` lists the household's days."""
    url = str(tmp_path / "w.sqlite")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    assert main(["--db", url, "import", str(good), "--kind", "property"]) == 0
    assert main(["--db", url, "rounds", "missed", "100120001", "--stream", "food", "--reason", "not out"]) == 0
    assert "Recorded a missed food bin" in capsys.readouterr().out
    assert main(["--db", url, "rounds", "calendar", "100120001", "--weeks", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("food") == 2 and out.count("residual") + out.count("dry recycling") == 2
    assert main(["--db", url, "rounds", "missed", "100120001"]) == 2
    assert "needs --stream" in capsys.readouterr().err
