"""Write the sample files a council starts from into resources/samples/ (run once; the files are kept in git).

The data is small and realistic: six places in Redditch (British National Grid, around E 404000 N 267000)
with a few bins, grass areas and streets in each, a depot and a tip, three crews and a survey sheet that
names those places and bins. Tests import every file through the services, so a change here that breaks
the importers shows up at once.

    .venv/bin/python packaging/make_samples.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon, box

OUT = Path(__file__).resolve().parents[1] / "resources" / "samples"
BNG = "EPSG:27700"

# name, character, zone, polygon corners (easting, northing)
PLACES = [
    ("Town Centre", "town centre", "high",
     [(403500, 267300), (404300, 267300), (404300, 268000), (403500, 268000)]),
    ("Arrow Valley Park", "park", "medium",
     [(404400, 265800), (405600, 265800), (405600, 267200), (404400, 267200)]),
    ("Church Hill Estate", "estate", "medium",
     [(406200, 268100), (407300, 268100), (407300, 269000), (406200, 269000)]),
    ("Batchley Estate", "estate", "medium",
     [(402100, 267900), (403100, 267900), (403100, 268800), (402100, 268800)]),
    ("Headless Cross", "local shops", "medium",
     [(403400, 265300), (404300, 265300), (404300, 266200), (403400, 266200)]),
    ("Callow Hill Lanes", "rural edge", "low",
     [(400600, 266200), (401800, 266200), (401800, 267400), (400600, 267400)]),
]

# name, easting, northing, capacity_l
LITTER_BINS = [
    ("Market Place bin 1", 403890, 267620, 240),
    ("Market Place bin 2", 403930, 267660, 240),
    ("Alcester Street bin", 403760, 267480, 110),
    ("Church Green bin", 404020, 267720, 240),
    ("Kingfisher bus stop bin", 404150, 267540, 110),
    ("Arrow Valley Lake bin 1", 405010, 266480, 110),
    ("Arrow Valley Lake bin 2", 405120, 266610, 110),
    ("Church Hill Centre bin", 406750, 268520, 240),
    ("Batchley Road bin", 402600, 268300, 110),
    ("Evesham Road bin", 403850, 265750, 110),
]
DOG_BINS = [
    ("Arrow Valley dog bin 1", 404700, 266100, 50),
    ("Arrow Valley dog bin 2", 405300, 266900, 50),
    ("Church Hill woods dog bin", 406500, 268800, 50),
    ("Callow Hill Lane dog bin", 401200, 266800, 50),
]
# name, mower, site_factor, (xmin, ymin, xmax, ymax)
GRASS_AREAS = [
    ("Church Green lawns", "pedestrian", 0.9, (403960, 267680, 404060, 267760)),
    ("Arrow Valley main field", "ride_on", 1.1, (404600, 266000, 405000, 266400)),
    ("Lakeside picnic lawn", "ride_on", 1.0, (405150, 266700, 405350, 266850)),
    ("Church Hill open space", "ride_on", 1.0, (406400, 268300, 406650, 268450)),
    ("Batchley play area grass", "pedestrian", 1.2, (402400, 268100, 402520, 268200)),
    ("Callow Hill verge field", "ride_on", 1.3, (400900, 266500, 401300, 266800)),
]
# name, zone, sweep_method, points
STREETS = [
    ("Alcester Street", "high", "manual", [(403650, 267450), (403900, 267550), (404100, 267600)]),
    ("Evesham Walk", "high", "manual", [(403800, 267700), (403950, 267800)]),
    ("Church Road", "medium", "mechanical", [(406300, 268400), (406800, 268500), (407200, 268600)]),
    ("Batchley Road", "medium", "mechanical", [(402200, 268200), (402700, 268350), (403000, 268500)]),
    ("Evesham Road", "medium", "mechanical", [(403600, 265400), (403800, 265800), (403900, 266100)]),
    ("Callow Hill Lane", "low", "mechanical", [(400700, 266400), (401300, 266900), (401700, 267300)]),
]


def write_places() -> None:
    frame = gpd.GeoDataFrame(
        {"name": [p[0] for p in PLACES], "character": [p[1] for p in PLACES], "zone": [p[2] for p in PLACES]},
        geometry=[Polygon(p[3]) for p in PLACES],
        crs=BNG,
    )
    frame.to_file(OUT / "places.gpkg", layer="places", driver="GPKG")


def write_assets() -> None:
    path = OUT / "assets.gpkg"
    path.unlink(missing_ok=True)
    layers = {
        "litter_bin": gpd.GeoDataFrame(
            {"name": [b[0] for b in LITTER_BINS], "capacity_l": [b[3] for b in LITTER_BINS]},
            geometry=[Point(b[1], b[2]) for b in LITTER_BINS], crs=BNG),
        "dog_bin": gpd.GeoDataFrame(
            {"name": [b[0] for b in DOG_BINS], "capacity_l": [b[3] for b in DOG_BINS]},
            geometry=[Point(b[1], b[2]) for b in DOG_BINS], crs=BNG),
        "grass_area": gpd.GeoDataFrame(
            {"name": [g[0] for g in GRASS_AREAS], "mower": [g[1] for g in GRASS_AREAS],
             "site_factor": [g[2] for g in GRASS_AREAS]},
            geometry=[box(*g[3]) for g in GRASS_AREAS], crs=BNG),
        "street_length": gpd.GeoDataFrame(
            {"name": [s[0] for s in STREETS], "zone": [s[1] for s in STREETS],
             "sweep_method": [s[2] for s in STREETS]},
            geometry=[LineString(s[3]) for s in STREETS], crs=BNG),
    }
    for layer, frame in layers.items():
        frame.to_file(path, layer=layer, driver="GPKG")


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_places()
    write_assets()
    write_csv("assets_template.csv", ["easting", "northing", "kind", "name", "capacity_l"], [
        [403820, 267900, "litter_bin", "Unicorn Hill bin", 110],
        [404200, 267350, "litter_bin", "Prospect Hill bin", 240],
        [405450, 266300, "dog_bin", "Arrow Valley dog bin 3", 50],
        [406900, 268300, "recycling_bin", "Church Hill recycling point", 360],
        [402900, 268700, "dog_bin", "Batchley Brook dog bin", 50],
        [403700, 265500, "litter_bin", "Headless Cross green bin", 110],
    ])
    depot_columns = ["name", "kind", "easting", "northing", "opens", "closes", "unload_min"]
    write_csv("depots_template.csv", depot_columns, [
        ["Crossgates Depot", "depot", 405850, 267700, "06:00", "18:00", ""],
        ["Crossgates Recycling Centre", "tip", 405950, 267800, "07:00", "17:00", 20],
    ])
    write_csv("crews_template.csv", [
        "name", "depot", "members", "skills", "vehicle_kind", "capacity_l", "shift_start", "shift_end",
        "break", "days_off"], [
        ["Town Centre team", "Crossgates Depot", "Dawn Evans; Imran Khan; Sue Walker",
         "driver; litter_pick; bin_empty; fly_tip", "caged_tipper", 6000, "06:30", "14:30",
         "30 min 10:00-12:00", "Sat; Sun"],
        ["Parks grounds team", "Crossgates Depot",
         "Owen Price (driver, mowing, strimming); Kerry Hall (mowing, strimming, shrub, hedge)", "",
         "van_with_trailer", 3000, "07:00", "15:30", "30 min 11:00-12:30", "Sat; Sun"],
        ["Sweeper 1", "Crossgates Depot", "Tariq Iqbal; Lee Moore",
         "driver; hgv; mechanical_sweep; litter_pick", "sweeper", 5000, "06:00", "14:00",
         "30 min 09:30-11:30", "Sun; Mon"],
    ])
    write_csv("survey_template.csv", [
        "place", "kind", "observed_at", "asset", "grade", "fill_pct", "height_mm", "count", "recorded_by",
        "note"], [
        ["Town Centre", "litter_grade", "2026-11-16 09:15", "", "B-", "", "", "", "Dawn Evans",
         "Market Place after the Saturday market"],
        ["Town Centre", "bin_fill", "2026-11-16 09:20", "Market Place bin 1", "", 90, "", "", "Dawn Evans",
         ""],
        ["Town Centre", "bin_fill", "2026-11-16 09:25", "Church Green bin", "", 40, "", "", "Dawn Evans", ""],
        ["Arrow Valley Park", "grass_height", "2026-11-16 11:00", "Arrow Valley main field", "", "", 65, "",
         "Owen Price", ""],
        ["Arrow Valley Park", "bin_fill", "2026-11-16 11:10", "Arrow Valley dog bin 1", "", 100, "", "",
         "Owen Price", "full to the lid"],
        ["Church Hill Estate", "litter_grade", "17/11/2026 10:30", "", "C", "", "", "", "Imran Khan",
         "litter along the shopping parade"],
        ["Church Hill Estate", "fly_tip", "17/11/2026 10:45", "", "", "", "", 1, "Imran Khan",
         "mattress behind the garages"],
        ["Batchley Estate", "litter_grade", "2026-11-17 13:00", "", "B", "", "", "", "Sue Walker", ""],
        ["Headless Cross", "complaint", "2026-11-18", "", "", "", "", 2, "Customer services",
         "overflowing bin on Evesham Road"],
        ["Callow Hill Lanes", "litter_grade", "2026-11-18 14:00", "", "A", "", "", "", "Sue Walker", ""],
    ])


if __name__ == "__main__":
    main()
