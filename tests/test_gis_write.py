"""Exports: a GeoPackage GIS tools open, GeoJSON in RFC 7946 lon/lat, and round trips that lose nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, box

from envservices.domain.model import Asset, AssetKind, IntensityZone, Place, RoadLink, Site, SiteKind
from envservices.errors import UserError
from envservices.gis.importer import import_assets, import_places
from envservices.gis.read import read_layer
from envservices.gis.write import export_geojson, export_gpkg

PLACES = (
    Place(
        "pl-1",
        "Church Green",
        "redditch",
        box(404_000, 267_000, 404_500.123, 267_400.456),
        zone=IntensityZone.HIGH,
        character="town centre",
        attributes={"WD13CD": "E05007868"},
    ),
    Place(
        "pl-2",
        "Arrow Valley",
        "redditch",
        MultiPolygon([box(405_000, 267_000, 405_300, 267_300), box(405_400, 267_000, 405_500, 267_100)]),
    ),
)
ASSETS = (
    Asset(
        "b-1",
        AssetKind.LITTER_BIN,
        Point(404_100.25, 267_100.75),
        place_id="pl-1",
        name="Market Place",
        capacity_l=120.0,
        attributes={"colour": "black"},
    ),
    Asset("d-1", AssetKind.DOG_BIN, Point(405_100, 267_100), place_id="pl-2", capacity_l=60.0),
    Asset(
        "s-1",
        AssetKind.STREET_LENGTH,
        LineString([(404_050, 267_050), (404_450, 267_050)]),
        place_id="pl-1",
        zone=IntensityZone.HIGH,
        sweep_method="mechanical",
    ),
    Asset(
        "g-1",
        AssetKind.GRASS_AREA,
        box(405_050, 267_050, 405_250, 267_250),
        place_id="pl-2",
        mower="ride_on",
        site_factor=1.2,
    ),
    Asset("v-1", AssetKind.VERGE, LineString([(405_000, 266_990), (405_300, 266_990)])),
    Asset("v-2", AssetKind.VERGE, box(405_000, 266_980, 405_300, 266_985)),
)
SITES = (
    Site("dep-1", SiteKind.DEPOT, "Crossgates depot", Point(404_800, 266_500)),
    Site("tip-1", SiteKind.TIP, "Transfer station", Point(406_000, 266_000), unload_s=1200),
)
ROADS = (
    RoadLink(
        "r-1",
        LineString([(404_000, 267_050), (405_500, 267_050)]),
        name="Alcester St",
        highway="tertiary",
        speed_kph=32.0,
        oneway=True,
    ),
)


def test_gpkg_layers_per_kind(tmp_path: Path) -> None:
    """One layer per kind, every layer in EPSG:27700 with its attribute columns."""
    path = tmp_path / "out.gpkg"
    written = export_gpkg(path, places=PLACES, assets=ASSETS, sites=SITES, roads=ROADS)
    assert written == [
        "places",
        "litter_bin",
        "dog_bin",
        "street_length",
        "verge",
        "grass_area",
        "depots",
        "tips",
        "roads",
    ]
    assert [name for name, _ in pyogrio.list_layers(path)] == written
    info = pyogrio.read_info(path, layer="litter_bin")
    assert info["crs"] == "EPSG:27700"
    assert {"id", "kind", "place_id", "capacity_l", "attributes"} <= set(info["fields"])
    tips = read_layer(path, layer="tips")
    assert tips["unload_s"].iloc[0] == 1200


def test_gpkg_round_trip_keeps_geometry_and_attributes(tmp_path: Path) -> None:
    """Places and assets exported then imported come back with the same ids, geometry and attributes."""
    path = tmp_path / "out.gpkg"
    export_gpkg(path, places=PLACES, assets=ASSETS)
    places = import_places(path, area_id="redditch", layer="places").places
    assert [p.id for p in places] == ["pl-1", "pl-2"]
    for before, after in zip(PLACES, places, strict=True):
        assert after.geometry.equals_exact(before.geometry, 0.01)
        assert (after.name, after.zone, after.character) == (before.name, before.zone, before.character)
    assert places[0].attributes["WD13CD"] == "E05007868"
    bins = import_assets(path, kind=AssetKind.LITTER_BIN, places=places, layer="litter_bin").assets
    assert bins[0].id == "b-1" and bins[0].place_id == "pl-1" and bins[0].capacity_l == 120.0
    assert bins[0].name == "Market Place" and bins[0].attributes["colour"] == "black"
    assert bins[0].geometry.equals_exact(ASSETS[0].geometry, 0.01)
    grass = import_assets(path, kind=None, places=places, layer="grass_area").assets[0]
    assert grass.kind is AssetKind.GRASS_AREA and grass.mower == "ride_on" and grass.site_factor == 1.2
    street = import_assets(path, kind=None, places=places, layer="street_length").assets[0]
    assert street.zone is IntensityZone.HIGH and street.sweep_method == "mechanical"
    verges = import_assets(path, kind=AssetKind.VERGE, places=places, layer="verge").assets
    assert [v.geometry.geom_type for v in verges] == ["LineString", "Polygon"]


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) is not installed")
def test_gpkg_passes_ogrinfo(tmp_path: Path) -> None:
    """GDAL's own ogrinfo opens every layer and reports British National Grid."""
    path = tmp_path / "out.gpkg"
    export_gpkg(path, places=PLACES, assets=ASSETS, sites=SITES, roads=ROADS)
    run = subprocess.run(
        ["ogrinfo", "-al", "-so", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Layer name:") == 9
    assert 'ID["EPSG",27700]' in run.stdout
    assert "Feature Count: 2" in run.stdout and "ERROR" not in run.stderr


def test_gpkg_replaces_existing_file(tmp_path: Path) -> None:
    """Exporting twice to one path leaves only the second export's layers."""
    path = tmp_path / "out.gpkg"
    export_gpkg(path, places=PLACES, roads=ROADS)
    export_gpkg(path, sites=SITES)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["depots", "tips"]


def test_nothing_to_export(tmp_path: Path) -> None:
    """An export with nothing in it is refused with a clear message."""
    with pytest.raises(UserError, match="There is nothing to export to out.gpkg"):
        export_gpkg(tmp_path / "out.gpkg")


def test_geojson_is_lon_lat_with_layer_and_kind(tmp_path: Path) -> None:
    """Default GeoJSON is one FeatureCollection in WGS84 lon/lat, each feature tagged with layer and kind."""
    path = tmp_path / "out.geojson"
    count = export_geojson(path, places=PLACES, assets=ASSETS, sites=SITES, roads=ROADS)
    document = json.loads(path.read_text())
    assert document["type"] == "FeatureCollection" and "crs" not in document
    assert count == len(document["features"]) == 2 + 6 + 2 + 1
    first_bin = next(f for f in document["features"] if f["properties"]["layer"] == "litter_bin")
    assert first_bin["properties"]["kind"] == "litter_bin" and first_bin["properties"]["capacity_l"] == 120.0
    assert first_bin["properties"]["attributes"] == {"colour": "black"}
    lon, lat = first_bin["geometry"]["coordinates"]
    assert -2.0 < lon < -1.9 and 52.2 < lat < 52.4
    depot = next(f for f in document["features"] if f["properties"]["layer"] == "depots")
    assert depot["properties"]["kind"] == "depot"
    back = read_layer(path)
    assert back.geometry.iloc[0].equals_exact(PLACES[0].geometry, 0.01)


def test_geojson_in_bng(tmp_path: Path) -> None:
    """crs=27700 writes metres with a crs member naming EPSG:27700."""
    path = tmp_path / "out.geojson"
    export_geojson(path, places=PLACES, crs=27700)
    document = json.loads(path.read_text())
    assert document["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::27700"
    assert document["features"][0]["geometry"]["coordinates"][0][0] == [404_500.123, 267_000.0]
    with pytest.raises(UserError, match="EPSG:4326 or EPSG:27700"):
        export_geojson(path, places=PLACES, crs=3857)
