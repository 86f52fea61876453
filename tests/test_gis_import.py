"""Importing places, assets and OSM extracts: domain objects in BNG, spatial join, bad rows by number."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from envservices.domain.model import AssetKind, IntensityZone, Place
from envservices.errors import ImportRefused
from envservices.gis.importer import assign_places, import_assets, import_osm, import_places, parse_kind
from envservices.gis.validate import validate_geometries

BOW_TIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
FLAT = Polygon([(0, 0), (5, 5), (10, 10), (0, 0)])  # all points on a line: no area to recover


def _offset(polygon: Polygon, dx: float = 404_000, dy: float = 267_000) -> Polygon:
    from shapely import affinity

    return affinity.translate(polygon, dx, dy)


@pytest.fixture(scope="module")
def wards(shared_dir: Path) -> tuple[Place, ...]:
    base = shared_dir / "data/gis/ons_boundaries/wards_by_lad"
    redditch = import_places(base / "E07000236.json", area_id="redditch")
    bromsgrove = import_places(base / "E07000234.json", area_id="bromsgrove")
    return redditch.places + bromsgrove.places


def test_ward_boundaries_become_places(wards: tuple[Place, ...]) -> None:
    """12 Redditch and 23 Bromsgrove wards become named places in BNG with their ONS codes kept."""
    assert Counter(p.area_id for p in wards) == {"redditch": 12, "bromsgrove": 23}
    abbey = next(p for p in wards if p.name == "Abbey")
    assert abbey.attributes["WD13CD"] == "E05007868"
    assert 3.0 < abbey.geometry.area / 1e6 < 5.0  # km2
    assert 400_000 < abbey.geometry.centroid.x < 410_000 and 260_000 < abbey.geometry.centroid.y < 275_000
    assert all(p.geometry.is_valid and p.geometry.geom_type in ("Polygon", "MultiPolygon") for p in wards)


def test_name_column_must_exist(shared_dir: Path) -> None:
    """Naming a name column the file lacks is refused, listing the columns."""
    path = shared_dir / "data/gis/ons_boundaries/wards_by_lad/E07000236.json"
    with pytest.raises(
        ImportRefused, match=r"has no column 'WARD'; its columns are: WD13CD, WD13CDO, WD13NM"
    ):
        import_places(path, area_id="r", name_column="WARD")


def test_osm_bins_assigned_to_wards(shared_dir: Path, wards: tuple[Place, ...]) -> None:
    """The 24 OSM bins fall in the ward the source file says, with kinds from the amenity column."""
    path = shared_dir / "data/gis/derived/redditch_bromsgrove_osm_bins_2020-07-31.geojson"
    result = import_assets(path, kind=None, places=wards)
    assert len(result.assets) == 24
    assert not result.not_in_place and not result.in_two_places
    names = {p.id: p.name for p in wards}
    for asset in result.assets:
        assert names[asset.place_id] == asset.attributes["ward_name"]
    assert Counter(a.kind for a in result.assets) == {AssetKind.LITTER_BIN: 19, AssetKind.RECYCLING_BIN: 5}


def test_osm_extract_gives_bins_grass_streets_and_roads(shared_dir: Path) -> None:
    """The Leeds extract yields its 9 waste baskets, grass and park polygons, streets and road links."""
    path = shared_dir / "data/gis/osm_leeds_its/its-example.osm.pbf"
    result = import_osm(path, places=[], area_id="leeds")
    kinds = Counter(a.kind for a in result.assets)
    assert kinds[AssetKind.LITTER_BIN] + kinds[AssetKind.DOG_BIN] == 9
    grass = [a for a in result.assets if a.kind is AssetKind.GRASS_AREA]
    assert len(grass) == 6  # 5 landuse=grass + 1 leisure=park
    assert all(a.area_m2 > 0 for a in grass)
    streets = [a for a in result.assets if a.kind is AssetKind.STREET_LENGTH]
    assert 150 < len(streets) <= 189
    assert {r.highway for r in result.roads} >= {"residential", "service", "tertiary", "trunk"}
    assert not {"footway", "cycleway"} & {r.highway for r in result.roads}
    assert any(r.oneway for r in result.roads)
    residential = next(r for r in result.roads if r.highway == "residential")
    assert residential.speed_kph == 25.0
    assert len(result.not_in_place) == len(result.assets)  # no places were given


def test_osm_assets_fall_in_a_place(shared_dir: Path) -> None:
    """With a place covering the west half, OSM assets split into in-place and not-in-place."""
    path = shared_dir / "data/gis/osm_leeds_its/its-example.osm.pbf"
    everything = import_osm(path, places=[], area_id="leeds")
    minx, miny, maxx, maxy = gpd.GeoSeries([a.geometry for a in everything.assets]).total_bounds
    west = Place("west", "West", "leeds", box(minx - 10, miny - 10, (minx + maxx) / 2, maxy + 10))
    result = import_osm(path, places=[west], area_id="leeds")
    inside = [a for a in result.assets if a.place_id == "west"]
    assert 0 < len(inside) < len(result.assets)
    assert len(inside) + len(result.not_in_place) == len(result.assets)
    assert result.in_two_places == ()  # only one place


def test_assign_points_lines_polygons() -> None:
    """Points join the place they lie in; lines the place with most of their length; straddlers flagged."""
    left = Place("L", "Left", "a", box(0, 0, 100, 100))
    right = Place("R", "Right", "a", box(100, 0, 200, 100))
    from envservices.domain.model import Asset

    assets = [
        Asset("p-in", AssetKind.LITTER_BIN, Point(10, 10)),
        Asset("p-out", AssetKind.LITTER_BIN, Point(500, 10)),
        Asset("p-edge", AssetKind.LITTER_BIN, Point(100, 50)),
        Asset("line", AssetKind.STREET_LENGTH, LineString([(60, 50), (180, 50)])),
        Asset("grass", AssetKind.GRASS_AREA, box(90, 10, 110.5, 20)),
    ]
    placed, not_in, in_two = assign_places(assets, [left, right])
    by_id = {a.id: a.place_id for a in placed}
    assert by_id == {"p-in": "L", "p-out": None, "p-edge": "L", "line": "R", "grass": "R"}
    assert not_in == ("p-out",)
    assert set(in_two) == {"p-edge", "line", "grass"}


def _write_places(tmp_path: Path, geometries: list, **columns: list) -> Path:
    frame = gpd.GeoDataFrame(
        {"name": [f"P{i}" for i in range(len(geometries))], **columns}, geometry=geometries, crs=27700
    )
    path = tmp_path / "places.gpkg"
    frame.to_file(path)
    return path


def test_bow_tie_is_repaired(tmp_path: Path) -> None:
    """A self-intersecting bow-tie polygon is repaired into two triangles of area and imported."""
    path = _write_places(tmp_path, [_offset(box(0, 0, 50, 50)), _offset(BOW_TIE)])
    result = import_places(path, area_id="a")
    assert len(result.places) == 2
    repaired = result.places[1].geometry
    assert repaired.is_valid and repaired.area == pytest.approx(50.0)
    assert [r.row for r in result.repaired] == [2]
    assert "Self-intersection" in result.repaired[0].reason


def test_unrepairable_polygon_refused_by_row(tmp_path: Path) -> None:
    """A polygon with no area left after repair refuses the whole file, naming its row."""
    path = _write_places(tmp_path, [_offset(box(0, 0, 50, 50)), _offset(BOW_TIE), _offset(FLAT)])
    with pytest.raises(ImportRefused) as info:
        import_places(path, area_id="a")
    message = str(info.value)
    assert message.startswith("places.gpkg was not imported because 1 row(s) cannot be used (row 3: ")
    assert "with no area left after repair" in message


def test_not_strict_skips_and_reports(tmp_path: Path) -> None:
    """strict=False keeps the good rows and reports the bad one by number and reason."""
    path = _write_places(tmp_path, [_offset(box(0, 0, 50, 50)), _offset(FLAT), None])
    result = import_places(path, area_id="a", strict=False)
    assert [p.name for p in result.places] == ["P0"]
    assert [p.row for p in result.problems] == [2, 3]
    assert "has no usable geometry" in result.problems[1].reason


def test_validate_reports_empty_and_wrong_family() -> None:
    """Validation keeps row numbers: empty geometry reported, valid rows untouched."""
    frame = gpd.GeoDataFrame({"n": [1, 2, 3]}, geometry=[Point(1, 1), Polygon(), BOW_TIE], crs=27700)
    frame.index = [1, 2, 3]
    checked = validate_geometries(frame)
    assert list(checked.frame.index) == [1, 3]
    assert [p.row for p in checked.problems] == [2]
    assert checked.frame.geometry.loc[3].geom_type == "MultiPolygon"


def test_points_refused_as_places(tmp_path: Path) -> None:
    """A point is not a place: reported by row."""
    path = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(404000, 267000)], crs=27700).to_file(path)
    with pytest.raises(ImportRefused, match=r"row 1: is a Point, but a place must be a polygon"):
        import_places(path, area_id="a")


def test_csv_assets_with_attributes(tmp_path: Path) -> None:
    """CSV bins keep capacity, zone, id and other columns; kinds come from the kind column."""
    path = tmp_path / "bins.csv"
    path.write_text(
        "id,kind,easting,northing,capacity_l,zone,ward\n"
        "B1,Litter Bin,404010,267010,120,high,Abbey\n"
        "B2,dog bin,404020,267020,60,,Abbey\n"
        "B3,litter bin,499000,267000,,,Elsewhere\n"
    )
    place = Place("abbey", "Abbey", "r", box(404000, 267000, 404100, 267100))
    result = import_assets(path, kind=None, places=[place])
    by_id = {a.id: a for a in result.assets}
    assert by_id["B1"].kind is AssetKind.LITTER_BIN and by_id["B1"].capacity_l == 120.0
    assert by_id["B1"].zone is IntensityZone.HIGH and by_id["B1"].attributes["ward"] == "Abbey"
    assert by_id["B2"].kind is AssetKind.DOG_BIN and by_id["B2"].zone is None
    assert by_id["B1"].place_id == "abbey" and by_id["B3"].place_id is None
    assert result.not_in_place == ("B3",)
    assert any("1 asset(s) lie in no place (row 3)" in w for w in result.warnings)


def test_unknown_kind_and_wrong_geometry_refused(tmp_path: Path) -> None:
    """An unknown kind word and a line given as a bin are both named by row."""
    frame = gpd.GeoDataFrame(
        {"kind": ["bench", "litter_bin", "grass"]},
        geometry=[
            Point(404000, 267000),
            LineString([(404000, 267000), (404010, 267000)]),
            box(404000, 267000, 404010, 267010),
        ],
        crs=27700,
    )
    path = tmp_path / "assets.geojson"
    frame.to_file(path)
    with pytest.raises(ImportRefused) as info:
        import_assets(path, kind=None, places=[])
    message = str(info.value)
    assert "2 row(s) cannot be used" in message
    assert "row 1: has an unknown asset kind 'bench'" in message
    assert "row 2: is a LineString, but a litter bin must be a point" in message


def test_kind_guessed_from_geometry(tmp_path: Path) -> None:
    """Without a kind, points are bins, lines streets and polygons grass, with a warning saying so."""
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[
            Point(404000, 267000),
            LineString([(404000, 267000), (404010, 267000)]),
            box(404000, 267000, 404010, 267010),
        ],
        crs=27700,
    )
    path = tmp_path / "assets.gpkg"
    frame.to_file(path)
    result = import_assets(path, kind=None, places=[], strict=True)
    assert [a.kind for a in result.assets] == [
        AssetKind.LITTER_BIN,
        AssetKind.STREET_LENGTH,
        AssetKind.GRASS_AREA,
    ]
    assert any("guessed from geometry" in w for w in result.warnings)


def test_parse_kind_words() -> None:
    """Council spellings of asset kinds are understood; nonsense is not."""
    assert parse_kind("Litter Bins") is AssetKind.LITTER_BIN
    assert parse_kind("dog-bin") is AssetKind.DOG_BIN
    assert parse_kind("Shrub bed") is AssetKind.SHRUB_BED
    assert parse_kind("bench") is None


def test_attributes_json_column_unpacked(tmp_path: Path) -> None:
    """An 'attributes' column of JSON (as envservices exports) is unpacked into the attributes dict."""
    frame = gpd.GeoDataFrame(
        {"name": ["x"], "attributes": [json.dumps({"survey": "2024", "beat": 7})]},
        geometry=[_offset(box(0, 0, 10, 10))],
        crs=27700,
    )
    path = tmp_path / "p.gpkg"
    frame.to_file(path)
    place = import_places(path, area_id="a").places[0]
    assert place.attributes["survey"] == "2024" and place.attributes["beat"] == 7


def test_encoding_fallback_reported_in_result(tmp_path: Path) -> None:
    """The cp1252 fallback of a semicolon CSV reaches the import report, and names survive intact."""
    path = tmp_path / "bins.csv"
    path.write_bytes("name;easting;northing\nSt Stephen\u2019s Caf\u00e9;404010;267010\n".encode("cp1252"))
    result = import_assets(path, kind=AssetKind.LITTER_BIN, places=[])
    assert result.assets[0].name == "St Stephen\u2019s Caf\u00e9"
    assert "bins.csv is not UTF-8; it was read as cp1252." in result.warnings


def test_assets_not_strict_skip_bad_rows(tmp_path: Path) -> None:
    """With strict=False a CSV row without coordinates is skipped and reported; the others import."""
    path = tmp_path / "bins.csv"
    path.write_text("easting,northing\n404010,267010\n,\n404030,267030\n")
    result = import_assets(path, kind=AssetKind.DOG_BIN, places=[], strict=False)
    assert len(result.assets) == 2
    assert [(p.row, p.reason) for p in result.problems] == [(2, "has no usable geometry (empty, missing coordinates, or too few points for its type)")]
    with pytest.raises(ImportRefused, match=r"\(row 2: has no usable geometry"):
        import_assets(path, kind=AssetKind.DOG_BIN, places=[])
