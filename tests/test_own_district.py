"""A council's own district end to end, following the user guide: real Redditch and Bromsgrove ward
boundaries, its own bins, grass and streets, depots and crews, its rota sheet, a baseline survey, a needs trial
in Redditch, closed periods; then `plan` for 2026-W22 (Monday 25 May 2026 is the Spring bank holiday)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from envservices.cli import main
from envservices.services import open_db

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "gis" / "ons_boundaries" / "wards_by_lad"
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
OSM_BINS = SHARED.parents[1] / "derived" / "redditch_bromsgrove_osm_bins_2020-07-31.geojson"
REDDITCH, BROMSGROVE = SHARED / "E07000236.json", SHARED / "E07000234.json"
BANK_HOLIDAY = dt.date(2026, 5, 25)

pytestmark = pytest.mark.skipif(not REDDITCH.is_file(), reason="needs ../shared/data/gis (the real ward boundaries)")

RED_WARDS = ("Abbey", "Central", "Winyates")
BROM_WARDS = ("Alvechurch", "Charford", "Sidemoor")


def run(db: str, *args: str) -> int:
    return main(["--db", db, *args])


def _assets(db_url: str, tmp: Path) -> tuple[Path, Path]:
    """Bins as a CSV of eastings and northings (as councils keep them), grass and streets as a GeoPackage."""
    db = open_db(db_url)
    with db.unit_of_work() as uow:
        places = {p.name: p for p in uow.places.list()}
    db.dispose()
    bins = tmp / "bins.csv"
    with bins.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "easting", "northing", "kind", "name", "capacity_l"])
        for ward in RED_WARDS + BROM_WARDS:
            c = places[ward].geometry.representative_point()
            for i in range(4):
                w.writerow([f"{ward.lower()}-bin-{i}", round(c.x + 30 * i), round(c.y + 15 * i), "litter_bin",
                            f"{ward} bin {i}", 110])
    rows = []
    for ward in RED_WARDS + BROM_WARDS:
        c = places[ward].geometry.representative_point()
        rows.append({"id": f"{ward.lower()}-grass", "name": f"{ward} green", "kind": "grass_area",
                     "geometry": box(c.x - 40, c.y - 120, c.x + 40, c.y - 60)})
        rows.append({"id": f"{ward.lower()}-street", "name": f"{ward} high street", "kind": "street_length",
                     "geometry": LineString([(c.x - 100, c.y + 50), (c.x + 100, c.y + 50)])})
    grounds = tmp / "grounds.gpkg"
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:27700")
    frame[frame.kind == "grass_area"].to_file(grounds, layer="grass_area")
    frame[frame.kind == "street_length"].to_file(grounds, layer="street_length")
    return bins, grounds


def _rota(tmp: Path) -> Path:
    """The rota in the template's shape: bins Monday and Thursday, litter Monday, streets swept Tuesday,
    grass fortnightly on Wednesday from 27 May."""
    path = tmp / "rota.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["service", "place", "asset", "days", "how_often", "first_visit", "months", "crew"])
        for ward in RED_WARDS + BROM_WARDS:
            w.writerow(["empty bins", ward, "", "Monday and Thursday", "weekly", "", "", "Town Centre team"])
            w.writerow(["litter pick", ward, "", "Mon", "weekly", "", "", ""])
            w.writerow(["sweep", ward, "", "Tue", "weekly", "", "", "Sweeper 1"])
            w.writerow(["mow", ward, "", "Wed", "fortnightly", "2026-05-27", "Mar-Oct", "Parks grounds team"])
    return path


def _survey(tmp: Path) -> Path:
    """Redditch's baseline survey: two readings of every bin, grass area and street before the week."""
    path = tmp / "survey.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["place", "kind", "observed_at", "asset", "grade", "fill_pct", "height_mm", "count",
                    "recorded_by", "note"])
        for ward in RED_WARDS:
            for day, fill, height, grade in (("2026-05-18", 20, 50, "A"), ("2026-05-21", 60, 64, "B+")):
                for i in range(4):
                    w.writerow([ward, "bin_fill", f"{day} 09:{10 + i}", f"{ward} bin {i}", "", fill, "", "",
                                "Dawn Evans", ""])
                w.writerow([ward, "grass_height", f"{day} 10:00", f"{ward} green", "", "", height, "", "Owen Price", ""])
                w.writerow([ward, "litter_grade", f"{day} 10:30", f"{ward} high street", grade, "", "", "",
                            "Dawn Evans", ""])
    return path


def _closed(tmp: Path) -> Path:
    path = tmp / "closed.csv"
    path.write_text("place,asset,service,days,from,to,reason\n"
                    "Charford,,empty bins,Mon-Fri,08:15,09:15,school run\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> tuple[str, Path]:
    """The guide's steps, as commands, on an empty database."""
    tmp = tmp_path_factory.mktemp("own")
    db = str(tmp / "council.sqlite")
    assert run(db, "import", str(REDDITCH), "--kind", "place", "--area", "Redditch") == 0
    assert run(db, "import", str(BROMSGROVE), "--kind", "place", "--area", "Bromsgrove") == 0
    assert run(db, "import", str(SAMPLES / "depots_template.csv"), "--kind", "depots") == 0
    assert run(db, "import", str(SAMPLES / "crews_template.csv"), "--kind", "crews") == 0
    bins, grounds = _assets(db, tmp)
    assert run(db, "import", str(bins)) == 0
    assert run(db, "import", str(OSM_BINS), "--kind", "litter_bin") == 0
    assert run(db, "import", str(grounds), "--layer", "grass_area", "--kind", "grass_area") == 0
    assert run(db, "import", str(grounds), "--layer", "street_length", "--kind", "street_length") == 0
    assert run(db, "import", str(_rota(tmp)), "--kind", "rota") == 0
    assert run(db, "areas", "set", "Redditch", "--regime", "needs", "--trial-start", "2026-05-18") == 0
    assert run(db, "places", "set", "Abbey", "--team", "Town Centre team") == 0
    assert run(db, "import", str(_survey(tmp)), "--kind", "survey") == 0
    assert run(db, "import", str(_closed(tmp)), "--kind", "closed") == 0
    return db, tmp


@pytest.fixture(scope="module")
def plan(district) -> dict:
    db, tmp = district
    out = tmp / "plan.json"
    assert run(db, "plan", "--week", "2026-W22", "--time-limit", "8", "--out", str(out)) == 0
    return json.loads(out.read_text())


def _place_area(db: str) -> dict[str, str]:
    d = open_db(db)
    with d.unit_of_work() as uow:
        areas = {a.id: a.name for a in uow.areas.list()}
        out = {p.name: areas[p.area_id] for p in uow.places.list()}
    d.dispose()
    return out


def test_no_routine_work_on_the_bank_holiday_and_rota_moves_to_tuesday(plan, district):
    """Monday 25 May is the Spring bank holiday: nobody works it, and the rota's Monday visits in the rota
    area are done on Tuesday, each saying why."""
    days = {cd["day"] for cd in plan["crew_days"] if cd["visits"]}
    assert BANK_HOLIDAY.isoformat() not in days
    assert any("Spring Bank Holiday" in n for n in plan["notes"])
    area_of = _place_area(district[0])
    moved = [(cd["day"], v) for cd in plan["crew_days"] for v in cd["visits"]
             if v["task"].startswith("rota:") and v["task"].endswith(":2026-05-25")]
    assert moved, "the Monday rota visits were not planned at all"
    assert all(day == "2026-05-26" for day, _ in moved)
    assert {area_of[v["place"]] for _, v in moved} >= {"Bromsgrove"}
    bromsgrove_monday_lines = {f"{w}:{s}" for w in BROM_WARDS for s in ("empty_bin", "litter_pick")}
    planned = {f"{v['place']}:{v['service']}" for _, v in moved if area_of[v["place"]] == "Bromsgrove"}
    assert planned == bromsgrove_monday_lines
    assert not plan["unplanned"] or all("rota:" not in u["task"] for u in plan["unplanned"])


def test_rota_area_follows_the_imported_rota_and_needs_area_its_records(plan, district):
    """Bromsgrove (rota) gets exactly its rota's visits; Redditch (needs trial) gets work from its readings,
    with sweeping (which the needs model does not forecast) still on the rota."""
    area_of = _place_area(district[0])
    assert plan["sources"] == {"Redditch": "needs", "Bromsgrove": "rota"}
    visits = [(cd["day"], v) for cd in plan["crew_days"] for v in cd["visits"]]
    brom = [v for _, v in visits if area_of[v["place"]] == "Bromsgrove"]
    red = [v for _, v in visits if area_of[v["place"]] == "Redditch"]
    assert brom and all(v["task"].startswith("rota:") for v in brom if v["place"] in BROM_WARDS)
    assert all(v["service"] == "inspect" for v in brom if v["place"] not in BROM_WARDS)
    # Thursday bins, Tuesday sweeping and the fortnightly mow of 27 May are there too.
    brom_days = {(d, v["service"]) for d, v in visits if area_of[v["place"]] == "Bromsgrove"}
    assert {("2026-05-28", "empty_bin"), ("2026-05-26", "mech_sweep"), ("2026-05-27", "mow")} <= brom_days
    assert red
    red_sources = {v["task"].split(":")[0] for v in red}
    assert red_sources - {"rota", "inspect"}, "no need-based work was planned in the trial area"
    red_rota_services = {v["service"] for v in red if v["task"].startswith("rota:")}
    assert red_rota_services <= {"mech_sweep"}


def test_places_with_assets_but_no_rota_or_readings_get_a_first_inspection(plan, district):
    area_of = _place_area(district[0])
    inspected = {v["place"] for cd in plan["crew_days"] for v in cd["visits"] if v["service"] == "inspect"}
    rota_or_read = set(RED_WARDS) | set(BROM_WARDS)
    assert inspected, "places with OpenStreetMap bins but no rota or readings got no inspection"
    assert not inspected & rota_or_read
    assert all(area_of[p] in ("Redditch", "Bromsgrove") for p in inspected)


def test_closed_periods_and_rules_hold(plan):
    """No bin is emptied in Charford during the school run, and the checker finds no broken rule."""
    assert plan["violations"] == []
    for cd in plan["crew_days"]:
        for v in cd["visits"]:
            if v["place"] == "Charford" and v["service"] == "empty_bin":
                assert v["end"] <= "08:15" or v["start"] >= "09:15", v


def test_rota_exports_in_the_shape_it_was_imported(district, tmp_path):
    db, _ = district
    out = tmp_path / "rota_back.csv"
    assert run(db, "export", str(out)) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4 * (len(RED_WARDS) + len(BROM_WARDS))
    mow = next(r for r in rows if r["service"] == "mow")
    assert (mow["days"], mow["every_weeks"], mow["first_visit"], mow["months"]) == ("Wed", "2", "2026-05-27",
                                                                                     "Mar-Oct")


@pytest.mark.slow
def test_simulate_and_compare_run_on_the_own_district(district):
    """The business case runs on the imported district, its world drawn from its own records."""
    import subprocess
    import sys

    db, _ = district
    out = subprocess.run([sys.executable, "-m", "envservices", "--db", db, "simulate", "--weeks", "2",
                          "--start", "2026-05-18", "--time-limit", "2", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["weeks"] == 2 and result["calibrated_from_records"] > 0
    assert result["crew_hours"] > 0
