"""Crews and depots from CSV sheets: every bad row is named with its reason, and nothing half-imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from envservices import services
from envservices.domain import Skill, VehicleKind
from envservices.errors import UserError
from envservices.services import crews

HEADER = "name,depot,members,skills,vehicle_kind,capacity_l,shift_start,shift_end,break,days_off\n"
DEPOTS = "name,kind,easting,northing,opens,closes\nNorth Depot,depot,404000,268000,06:00,18:00\n"


@pytest.fixture()
def db(tmp_path):
    database = services.open_db(str(tmp_path / "t.sqlite"))
    yield database
    database.dispose()


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture()
def depot_db(db, tmp_path):
    crews.import_depots(db, crews.parse_depots_csv(db, _write(tmp_path, "depots.csv", DEPOTS)))
    return db


def test_a_good_crew_row_becomes_a_crew_with_its_vehicle(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", HEADER +
                  'Team A,north depot,"Ann Lee; Bob Ray (driver, hgv)","litter picking; bins",Caged tipper,'
                  '"6,000",7:00,1530,30 min 10:00-12:00,"Sat, Sun"\n')
    preview = crews.parse_crews_csv(depot_db, path)
    assert preview.errors == ()
    assert crews.import_crews(depot_db, preview) == 1
    with depot_db.unit_of_work() as uow:
        (crew,) = uow.crews.list()
        vehicle = uow.vehicles.get(crew.vehicle_id)
        depot = uow.sites.list()[0]
    assert crew.depot_id == depot.id
    assert crew.members[0].skills == {Skill.LITTER_PICK, Skill.BIN_EMPTY}
    assert crew.members[1].skills == {Skill.DRIVER, Skill.HGV}
    assert crew.shift_start_s == 7 * 3600 and crew.shift_end_s == 15 * 3600 + 30 * 60
    assert [(b.earliest_s, b.latest_s, b.duration_s) for b in crew.breaks] == [(36000, 43200, 1800)]
    assert crew.days_off == {5, 6}
    assert vehicle.kind is VehicleKind.CAGED_TIPPER and vehicle.capacity_l == 6000
    assert vehicle.equipment == frozenset()


def test_equipment_follows_skills_unless_given(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", HEADER.rstrip("\n") + ",equipment\n"
                  "Grounds,North Depot,Cy Moss,mowing;strimming,van,3000,07:00,15:00,none,none,\n"
                  "Hedges,North Depot,Di Fox,hedge,van,3000,07:00,15:00,,Mon,strimmer;hedge_cutter\n")
    preview = crews.parse_crews_csv(depot_db, path)
    assert preview.errors == ()
    vehicles = {row.crew.name: row.vehicle for row in preview.rows}
    assert vehicles["Grounds"].equipment == {"mower", "strimmer"}
    assert vehicles["Hedges"].equipment == {"strimmer", "hedge_cutter"}
    grounds = next(r.crew for r in preview.rows if r.crew.name == "Grounds")
    assert grounds.breaks == () and grounds.days_off == frozenset()
    hedges = next(r.crew for r in preview.rows if r.crew.name == "Hedges")
    assert hedges.days_off == {0} and len(hedges.breaks) == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Team,Nowhere Depot,Ann,litter_pick,,,,,,", "no depot called 'Nowhere Depot'"),
        ("Team,North Depot,Ann,juggling,,,,,,", "'juggling' is not a skill"),
        ("Team,North Depot,,litter_pick,,,,,,", "'members' is empty"),
        ("Team,North Depot,Ann,,,,,,,", "the crew has no skills"),
        ("Team,North Depot,Ann,litter_pick,spaceship,100,,,,", "'spaceship' is not a kind of vehicle"),
        ("Team,North Depot,Ann,litter_pick,sweeper,,,,,", "'capacity_l' is empty"),
        ("Team,North Depot,Ann,litter_pick,sweeper,lots,,,,", "'capacity_l' must be a number"),
        ("Team,North Depot,Ann,litter_pick,,,15:00,07:00,,", "the shift ends"),
        ("Team,North Depot,Ann,litter_pick,,,7am,,,", "'shift_start' must be a time"),
        ("Team,North Depot,Ann,litter_pick,,,,,lunch,", "'break' must read like"),
        ("Team,North Depot,Ann,litter_pick,,,07:00,15:00,30 min 16:00-17:00,", "inside the shift"),
        ("Team,North Depot,Ann,litter_pick,,,,,,Funday", "'funday' in 'days_off' is not a day"),
        (",North Depot,Ann,litter_pick,,,,,,", "'name' is empty"),
    ],
)
def test_each_bad_row_is_reported_by_number_with_its_reason(depot_db, tmp_path, row, message):
    good = "Good team,North Depot,Ann Lee,litter_pick,,,,,,\n"
    preview = crews.parse_crews_csv(depot_db, _write(tmp_path, "crews.csv", HEADER + good + row + "\n"))
    assert [r.crew.name for r in preview.rows] == ["Good team"]
    assert len(preview.errors) == 1
    number, reason = preview.errors[0]
    assert number == 2
    assert message in reason


def test_a_crew_name_used_twice_is_refused(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", HEADER + "Team,North Depot,Ann,litter_pick,,,,,,\n"
                  "team,North Depot,Bob,litter_pick,,,,,,\n")
    preview = crews.parse_crews_csv(depot_db, path)
    assert preview.errors == ((2, "a crew called 'team' already exists"),)
    crews.import_crews(depot_db, preview)
    again = crews.parse_crews_csv(depot_db, path)
    assert again.rows == () and len(again.errors) == 2


def test_a_sheet_without_the_needed_columns_is_refused(db, tmp_path):
    with pytest.raises(UserError, match=r"lacks the column\(s\) depot, members"):
        crews.parse_crews_csv(db, _write(tmp_path, "crews.csv", "name,skills\nTeam,litter_pick\n"))
    with pytest.raises(UserError, match="file not found"):
        crews.parse_crews_csv(db, tmp_path / "missing.csv")
    with pytest.raises(UserError, match="no rows"):
        crews.parse_crews_csv(db, _write(tmp_path, "empty.csv", HEADER))


def test_a_windows_encoded_sheet_is_read(depot_db, tmp_path):
    row = "Équipe,North Depot,Zoë Brontë,litter_pick,,,,,,\n"
    path = _write(tmp_path, "crews.csv", HEADER + row, "cp1252")
    preview = crews.parse_crews_csv(depot_db, path)
    assert preview.errors == () and preview.rows[0].crew.members[0].name == "Zoë Brontë"


def test_import_is_all_or_nothing_when_the_depot_disappears(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", HEADER + "Team,North Depot,Ann,litter_pick,sweeper,5000,,,,\n")
    preview = crews.parse_crews_csv(depot_db, path)
    with depot_db.unit_of_work() as uow:
        depot = uow.sites.list()[0]
        uow.sites.delete(depot.id)
        uow.commit()
    with pytest.raises(UserError, match="depot of crew 'Team' was deleted"):
        crews.import_crews(depot_db, preview)
    assert services.district.summary(depot_db)["crews"] == 0
    with depot_db.unit_of_work() as uow:
        assert uow.vehicles.list() == []


def test_depots_sheet_reads_grid_references_and_longitude_latitude(db, tmp_path):
    path = _write(tmp_path, "depots.csv", "name,kind,easting,northing,longitude,latitude,unload_min\n"
                  "Grid Depot,depot,404000,268000,,,\n"
                  "Lat Tip,Tip,,,-1.94,52.30,25\n"
                  "Far Away,depot,2000000,50,,,\n"
                  "Nowhere,depot,,,,,\n"
                  "Odd,quarry,404000,268000,,,\n")
    preview = crews.parse_depots_csv(db, path)
    assert [s.name for s in preview.rows] == ["Grid Depot", "Lat Tip"]
    tip = preview.rows[1]
    assert tip.kind.value == "tip" and tip.unload_s == 25 * 60
    assert 400_000 < tip.geometry.x < 410_000 and 260_000 < tip.geometry.y < 270_000
    assert [n for n, _ in preview.errors] == [3, 4, 5]
    assert "outside Great Britain" in preview.errors[0][1]
    assert "give 'easting' and 'northing'" in preview.errors[1][1]
    assert "'kind' must be depot or tip" in preview.errors[2][1]
    assert crews.import_depots(db, preview) == 2
    assert services.district.summary(db)["sites"] == 2


def test_import_file_refuses_a_sheet_with_bad_rows_whole_unless_told_to_skip_them(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", HEADER + "Good,North Depot,Ann,litter_pick,,,,,,\n"
                  "Bad,Nowhere,Bob,litter_pick,,,,,,\n")
    refused = r"crews.csv was not imported: row 2: there is no depot called 'Nowhere'"
    with pytest.raises(UserError, match=refused):
        crews.import_file(depot_db, path, kind="crews")
    assert services.district.summary(depot_db)["crews"] == 0
    report = crews.import_file(depot_db, path, kind="Crews", strict=False)
    assert report["imported"] == 1 and report["problems"][0]["row"] == 2
    with pytest.raises(UserError, match="not a kind of sheet"):
        crews.import_file(depot_db, path, kind="vehicles")


SPLIT = HEADER.rstrip("\n") + ",compartments\n"


def test_a_split_body_is_read_from_the_compartments_column_and_stored(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", SPLIT +
                  'Recycling 1,North Depot,"Ray Cole (driver, hgv); Amy Fox",,refuse_vehicle,22000,06:30,15:00,,,'
                  '"Recycling + Garden:75%; food:25%"\n'
                  'Recycling 2,North Depot,"Jo Hart (driver, hgv)",,rcv,20000,06:30,15:00,,,'
                  '"dry_recycling:15,000 l; food:5000"\n'
                  'Food 1,North Depot,"Al Dee (driver, hgv)",,rcv,8000,06:30,15:00,,,food:100%\n'
                  'Tipper,North Depot,Ann Lee,litter_pick,caged tipper,6000,,,,,\n')
    assert crews.import_file(depot_db, path, kind="crews")["imported"] == 4
    with depot_db.unit_of_work() as uow:
        by_crew = {c.name: uow.vehicles.get(c.vehicle_id) for c in uow.crews.list()}
    one = by_crew["Recycling 1"]
    assert [(set(c.streams), c.capacity_l) for c in one.compartments] == [
        ({"dry_recycling", "garden"}, 16500), ({"food"}, 5500)]
    assert [(set(c.streams), c.capacity_l) for c in by_crew["Recycling 2"].compartments] == [
        ({"dry_recycling"}, 15000), ({"food"}, 5000)]
    assert one.equipment == {"rcv"} and by_crew["Food 1"].equipment == {"food_vehicle"}
    assert by_crew["Tipper"].compartments == ()


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("recycling 75%; food 25%", "'compartments' value 'recycling 75%; food 25%' must read like"),
        ("pizza:75%; food:25%", "'compartments' value 'pizza:75%; food:25%': 'pizza' is not a waste stream"),
        ("recycling:80%; food:25%", ("'compartments' value 'recycling:80%; food:25%' adds up to 105%, not the "
                                     "whole body's 100%")),
        ("recycling:20000; food:5000", "adds up to 25,000 l, not the whole body's 22,000 l"),
        ("recycling:75%; food:5500", "mixes percentages and litres"),
        ("recycling:75%; recycling+food:25%", "puts dry recycling in two compartments"),
        ("any:75%; food:25%", "has 'any' before other compartments"),
        ("recycling:lots; food:25%", "gives 'lots' as a share"),
        ("recycling:100%; food:0%", "gives a compartment of 0%"),
    ],
)
def test_a_bad_compartments_cell_names_row_column_and_value_and_stores_nothing(depot_db, tmp_path, cell, message):
    path = _write(tmp_path, "crews.csv", SPLIT + "Good,North Depot,Ann Lee,litter_pick,,,,,,,\n"
                  f'Bad,North Depot,"Ray Cole (driver, hgv)",,refuse_vehicle,22000,,,,,"{cell}"\n')
    with pytest.raises(UserError, match="row 2: ") as refused:
        crews.import_file(depot_db, path, kind="crews")
    assert message in str(refused.value)
    assert services.district.summary(depot_db)["crews"] == 0


def test_compartments_without_a_vehicle_are_refused(depot_db, tmp_path):
    path = _write(tmp_path, "crews.csv", SPLIT + "On foot,North Depot,Ann Lee,litter_pick,,,,,,,food:100%\n")
    preview = crews.parse_crews_csv(depot_db, path)
    assert preview.rows == () and "'compartments' is 'food:100%' but the crew has no vehicle" in preview.errors[0][1]
