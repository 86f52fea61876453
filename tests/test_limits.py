"""Plausibility ranges (domain/limits.py): an absurd number is refused where it comes in, naming the row, the
field and the range, so nothing accepted can later break a plan; the planner refuses non-finite inputs with a
sentence. Each case here was accepted before (a hostile-input run, issue 16)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon
from test_hostile import fingerprint
from test_multiuser import small_district

from envservices.domain import Crew, Site, SiteKind, Skill, Task, Vehicle, VehicleKind
from envservices.domain.limits import LIMITS, Range
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.gis.importer import _road_speed
from envservices.planning.build import PlanningInputError, build_problem
from envservices.services import crews, district, observations
from envservices.services import settings as settings_service
from envservices.storage import open_database

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "limits.sqlite"
    db = open_database(str(path), user="ada")
    small_district(db)
    db.dispose()
    return path


def _refused(db_path: Path, match: str, call) -> str:
    before = fingerprint(db_path)
    db = open_database(str(db_path), user="ada")
    try:
        with pytest.raises(UserError, match=match) as info:
            call(db)
    finally:
        db.dispose()
    assert fingerprint(db_path) == before, "a refused import changed what was stored"
    return str(info.value)


@pytest.mark.parametrize("capacity", ["1e308", "-5", "0", "inf", "nan", "9999"])
def test_an_absurd_bin_capacity_is_refused_naming_row_field_and_range(db_path: Path, tmp_path: Path, capacity):
    sheet = tmp_path / "bins.csv"
    sheet.write_text("easting,northing,kind,name,capacity_l\n400050,260050,litter_bin,Good bin,240\n"
                     f"400060,260060,litter_bin,Huge bin,{capacity}\n", encoding="utf-8")
    message = _refused(db_path, "row 2", lambda db: district.import_file(db, sheet))
    assert "capacity_l" in message and "10 to 5,000 l" in message


def test_skipping_bad_rows_keeps_the_plausible_ones(db_path: Path, tmp_path: Path):
    sheet = tmp_path / "bins.csv"
    sheet.write_text("easting,northing,kind,name,capacity_l,site_factor\n400050,260050,litter_bin,Good,240,1\n"
                     "400060,260060,litter_bin,Huge,1e308,1\n400070,260070,dog_bin,Odd,,-1\n", encoding="utf-8")
    db = open_database(str(db_path), user="ada")
    try:
        report = district.import_file(db, sheet, strict=False)
        assert report["assets"] == {"litter_bin": 1}
        assert [p["row"] for p in report["problems"]] == [2, 3]
        assert "site_factor -1" in report["problems"][1]["reason"]
        with db.unit_of_work() as uow:
            assert all(a.capacity_l is None or a.capacity_l <= 5000 for a in uow.assets.list())
    finally:
        db.dispose()


def test_a_place_the_size_of_great_britain_is_refused(db_path: Path, tmp_path: Path):
    gb = Polygon([(0, 0), (650_000, 0), (650_000, 1_200_000), (0, 1_200_000)])
    sheet = tmp_path / "gb.geojson"
    import geopandas as gpd  # test-side only

    gpd.GeoDataFrame({"name": ["Britain"]}, geometry=[gb], crs=27700).to_file(sheet, driver="GeoJSON")
    message = _refused(db_path, "km2", lambda db: district.import_file(db, sheet, kind="place", area="Town"))
    assert "row 1" in message and "a place" in message


def test_features_far_from_the_councils_places_are_refused_as_a_wrong_crs(db_path: Path, tmp_path: Path):
    """Irish Grid metres labelled EPSG:27700: inside BNG's area, but some 300 km from the district."""
    sheet = tmp_path / "irish.csv"
    sheet.write_text("easting,northing,kind,name\n150000,30000,litter_bin,Irish bin\n", encoding="utf-8")
    _refused(db_path, "coordinate system", lambda db: district.import_file(db, sheet))


def test_coordinates_outside_british_national_grid_are_refused(db_path: Path, tmp_path: Path):
    sheet = tmp_path / "far.csv"
    sheet.write_text("easting,northing,kind\n-10000,260000,litter_bin\n", encoding="utf-8")
    _refused(db_path, "outside Great Britain", lambda db: district.import_file(db, sheet))


def test_implausible_osm_speed_limits_are_ignored_with_a_note():
    notes: list[str] = []
    assert _road_speed("residential", "0", 4, notes) == 25.0
    assert _road_speed("residential", "1e999 mph", 5, notes) == 25.0
    assert _road_speed("primary", "20 mph", 6, notes) == pytest.approx(32.19, abs=0.01)
    assert len(notes) == 2 and "row 4" in notes[0] and "5 to 130 km/h" in notes[0]


@pytest.mark.parametrize(("row", "message"), [
    ("Van,Depot,Ann,litter_pick,van,1e308,07:00,15:00", "'capacity_l' must be 50 to 40,000 l"),
    ("Van,Depot,Ann,litter_pick,van,inf,07:00,15:00", "'capacity_l' must be a number"),
    ("Van,Depot,Ann,litter_pick,van,3000,00:00,23:59", "shift's length' must be 0.5 to 16 hours"),
])
def test_crew_rows_with_absurd_values_are_refused(db_path: Path, tmp_path: Path, row: str, message: str):
    sheet = tmp_path / "crews.csv"
    sheet.write_text("name,depot,members,skills,vehicle_kind,capacity_l,shift_start,shift_end\n" + row + "\n",
                     encoding="utf-8")
    text = _refused(db_path, "row 1", lambda db: crews.import_file(db, sheet, kind="crews"))
    assert message in text


@pytest.mark.parametrize("strict", [True, False])
def test_depot_unload_time_of_1e308_minutes_is_a_row_problem_not_an_overflow(db_path: Path, tmp_path: Path,
                                                                              strict: bool):
    sheet = tmp_path / "depots.csv"
    sheet.write_text("name,kind,easting,northing,unload_min\nBig tip,tip,400500,260500,1e308\n", encoding="utf-8")
    db = open_database(str(db_path), user="ada")
    try:
        if strict:
            with pytest.raises(UserError, match="'unload_min' must be 1 to 240 minutes"):
                crews.import_file(db, sheet, kind="depots")
        else:
            report = crews.import_file(db, sheet, kind="depots", strict=False)
            assert report["imported"] == 0 and "unload_min" in report["problems"][0]["reason"]
    finally:
        db.dispose()


@pytest.mark.parametrize("count", ["inf", "1e30", "-1", "2.5"])
def test_survey_counts_out_of_range_are_row_errors(db_path: Path, tmp_path: Path, count: str):
    sheet = tmp_path / "survey.csv"
    sheet.write_text(f"place,kind,observed_at,count\nChurch Hill,fly_tip,2026-11-02,{count}\n", encoding="utf-8")
    db = open_database(str(db_path), user="ada")
    try:
        preview = observations.parse_survey_csv(db, sheet)
    finally:
        db.dispose()
    assert not preview.rows and "'count' must be a whole number from 0 to 1,000" in preview.errors[0][1]


def test_settings_out_of_range_are_refused_on_load_and_save(db_path: Path):
    with pytest.raises(ValueError, match="'speed_kph' must be 5 to 130 km/h, not 1e\\+308"):
        Settings.from_mapping({"speed_kph": 1e308})
    with pytest.raises(ValueError, match="grass_season_start_month"):
        Settings.from_mapping({"grass_season_start_month": math.inf})
    assert Settings.from_mapping({"speed_kph": "25"}).speed_kph == 25.0
    db = open_database(str(db_path), user="ada")
    try:
        with pytest.raises(UserError, match="'circuity' must be 1 to 5"):
            settings_service.save(db, Settings(circuity=0.0))
        assert settings_service.load(db) == Settings()
    finally:
        db.dispose()


def test_the_table_has_the_issues_ranges():
    assert LIMITS["site_factor"] == Range(0.1, 5.0)
    assert LIMITS["unload_min"].describe() == "1 to 240 minutes"
    assert 1e308 not in LIMITS["speed_kph"] and 30 in LIMITS["speed_kph"]
    assert not LIMITS["count"].__contains__(math.nan)


def _week(capacity_l: float = 3000.0, x_m: float = 400100.0) -> dict:
    vehicle = Vehicle("v1", "Van", VehicleKind.VAN_WITH_TRAILER, capacity_l)
    crew = Crew("c1", "Team", "d1", "v1")
    task = Task("t1", "empty_bin", "p1", x_m, 260100.0, Skill.BIN_EMPTY, 180, MONDAY, MONDAY + dt.timedelta(6))
    return {"tasks": [task], "crews": [crew], "vehicles": {"v1": vehicle},
            "sites": [Site("d1", SiteKind.DEPOT, "Depot", Point(400000, 260000))], "week_start": MONDAY}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"capacity_l": 1e308}, "the capacity of vehicle Van is 1e\\+308"),
    ({"capacity_l": math.inf}, "the capacity of vehicle Van is inf"),
    ({"x_m": math.nan}, "task t1 has no finite position"),
])
def test_the_planner_refuses_non_finite_inputs_with_a_sentence(kwargs: dict, message: str):
    with pytest.raises(PlanningInputError, match=message):
        build_problem(**_week(**kwargs))
    assert build_problem(**_week()).crews[0].capacity_l == 3000
