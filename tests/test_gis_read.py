"""Reading GIS files: formats, reprojection to British National Grid, and one clear sentence for bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from envservices.errors import ImportRefused
from envservices.gis.read import read_layer


@pytest.fixture()
def wards_path(shared_dir: Path) -> Path:
    return shared_dir / "data/gis/ons_boundaries/wards_by_lad/E07000236.json"


def test_geojson_wards_reprojected_to_bng(wards_path: Path) -> None:
    """Redditch wards arrive in EPSG:27700 with plausible area and centroid, indexed by 1-based row."""
    frame = read_layer(wards_path)
    assert frame.crs.to_epsg() == 27700
    assert len(frame) == 12
    assert list(frame.index[:3]) == [1, 2, 3]
    total_km2 = frame.geometry.area.sum() / 1e6
    assert 50 < total_km2 < 60  # Redditch borough is about 54 km2
    centroid = frame.geometry.union_all().centroid
    assert 400_000 < centroid.x < 410_000
    assert 260_000 < centroid.y < 275_000


def test_osm_pbf_layers(shared_dir: Path) -> None:
    """The OSM driver reads the points, lines and multipolygons layers of a .osm.pbf extract."""
    path = shared_dir / "data/gis/osm_leeds_its/its-example.osm.pbf"
    lines = read_layer(path, layer="lines")
    assert len(lines) == 189
    assert lines.crs.to_epsg() == 27700
    assert 428_000 < lines.geometry.union_all().centroid.x < 431_000  # Leeds
    points = read_layer(path, layer="points")
    assert points["other_tags"].str.contains('"amenity"=>"waste_basket"', regex=False).sum() == 9


def test_unknown_layer_names_the_layers(shared_dir: Path) -> None:
    """Asking for a layer the file lacks lists the layers it has."""
    path = shared_dir / "data/gis/osm_leeds_its/its-example.osm.pbf"
    with pytest.raises(ImportRefused, match=r"has no layer 'roads'; its layers are: points, lines"):
        read_layer(path, layer="roads")


def test_csv_eastings_northings_assumes_bng(tmp_path: Path) -> None:
    """A CSV with Easting/Northing columns (any case) is read as BNG and says it assumed so."""
    path = tmp_path / "bins.csv"
    path.write_text("ID,Easting,Northing,Capacity_L\nb1,404000,267000,120\nb2,404100.5,267050,240\n")
    frame = read_layer(path)
    assert frame.geometry.iloc[1].equals_exact(Point(404100.5, 267050), 1e-6)
    assert "assumed British National Grid" in frame.attrs["warnings"][0]
    assert list(frame.columns) == ["ID", "Capacity_L", "geometry"]


def test_csv_lon_lat_is_wgs84(tmp_path: Path) -> None:
    """lon/lat columns are taken as EPSG:4326 and reprojected."""
    path = tmp_path / "bins.csv"
    path.write_text("name,lon,lat\nChurch Green,-1.9456,52.3067\n")
    point = read_layer(path).geometry.iloc[0]
    assert 403_500 < point.x < 404_100 and 267_400 < point.y < 267_900


def test_csv_x_y_with_named_crs(tmp_path: Path) -> None:
    """x/y columns use the coordinate system the user names instead of the BNG default."""
    path = tmp_path / "pts.csv"
    path.write_text("x,y\n-1.9456,52.3067\n")
    point = read_layer(path, crs="EPSG:4326").geometry.iloc[0]
    assert 403_500 < point.x < 404_100


def test_csv_missing_coordinate_columns_names_columns(tmp_path: Path) -> None:
    """A CSV without coordinate columns is refused, naming the columns it does have."""
    path = tmp_path / "bins.csv"
    path.write_text("id,street,capacity\n1,High St,120\n")
    with pytest.raises(ImportRefused) as info:
        read_layer(path)
    message = str(info.value)
    assert message.startswith("bins.csv has no coordinate columns")
    assert "its columns are: id, street, capacity." in message


def test_cp1252_csv_falls_back_and_says_so(tmp_path: Path) -> None:
    """A Windows-encoded CSV is read as cp1252 (not mangled) and the warning names the encoding."""
    path = tmp_path / "bins.csv"
    path.write_bytes("name,easting,northing\nCaf\u00e9 \u20ac bin,404000,267000\n".encode("cp1252"))
    frame = read_layer(path)
    assert frame["name"].iloc[0] == "Caf\u00e9 \u20ac bin"
    assert "bins.csv is not UTF-8; it was read as cp1252." in frame.attrs["warnings"]


def test_lon_lat_given_as_eastings_is_refused(tmp_path: Path) -> None:
    """Degrees in easting/northing columns are caught instead of landing off the Scilly Isles."""
    path = tmp_path / "bins.csv"
    path.write_text("easting,northing\n-1.9456,52.3067\n-1.95,52.31\n")
    with pytest.raises(ImportRefused, match="look like longitude/latitude degrees"):
        read_layer(path)


def test_eastings_given_as_lon_lat_is_refused(tmp_path: Path) -> None:
    """Metres in longitude/latitude columns are out of range for EPSG:4326."""
    path = tmp_path / "bins.csv"
    path.write_text("longitude,latitude\n404000,267000\n")
    with pytest.raises(ImportRefused, match="out of range for longitude/latitude in EPSG:4326"):
        read_layer(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_prj_is_refused_unless_crs_named(tmp_path: Path) -> None:
    """A shapefile without .prj is refused with a hint, and read when the user names its CRS."""
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(404000, 267000)])  # no CRS: no .prj written
    path = tmp_path / "bins.shp"
    frame.to_file(path)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(ImportRefused) as info:
        read_layer(path)
    assert str(info.value) == (
        "bins.shp does not say which coordinate system it uses (the .prj file is missing): "
        "name one, e.g. EPSG:27700."
    )
    assert read_layer(path, crs=27700).geometry.iloc[0].equals(Point(404000, 267000))


def test_cp1252_shapefile_without_cpg(tmp_path: Path) -> None:
    """A shapefile DBF in cp1252 without a .cpg is decoded as cp1252 after UTF-8 fails, and says so."""
    frame = gpd.GeoDataFrame({"name": ["Caf\u00e9 \u20ac"]}, geometry=[Point(404000, 267000)], crs=27700)
    path = tmp_path / "bins.shp"
    frame.to_file(path, encoding="cp1252")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    read = read_layer(path)
    assert read["name"].iloc[0] == "Caf\u00e9 \u20ac"
    assert any("read as cp1252" in w for w in read.attrs["warnings"])


def test_zipped_shapefile(tmp_path: Path) -> None:
    """A zip holding a shapefile reads like the shapefile."""
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(404000, 267000)], crs=27700)
    frame.to_file(tmp_path / "bins.shp")
    archive = tmp_path / "bins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("bins.*"):
            if part != archive:
                zf.write(part, part.name)
    assert read_layer(archive).geometry.iloc[0].equals(Point(404000, 267000))


def test_other_crs_is_reprojected(tmp_path: Path) -> None:
    """A GeoPackage in Web Mercator comes back in BNG."""
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(404000, 267000)], crs=27700).to_crs(3857)
    path = tmp_path / "a.gpkg"
    frame.to_file(path)
    point = read_layer(path).geometry.iloc[0]
    assert point.distance(Point(404000, 267000)) < 0.01


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is named in the message."""
    path = tmp_path / "nope.gpkg"
    with pytest.raises(ImportRefused, match=r"^The file .*nope.gpkg does not exist\.$"):
        read_layer(path)


def test_zero_byte_file(tmp_path: Path) -> None:
    """An empty file says it is empty."""
    path = tmp_path / "places.geojson"
    path.write_bytes(b"")
    with pytest.raises(ImportRefused, match=r"^places.geojson is empty \(0 bytes\)\.$"):
        read_layer(path)


def test_feature_collection_without_features(tmp_path: Path) -> None:
    """A valid GeoJSON with no features is refused as having nothing to import."""
    path = tmp_path / "places.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(ImportRefused, match=r"^places.geojson has no features to import\.$"):
        read_layer(path)


def test_csv_header_only(tmp_path: Path) -> None:
    """A CSV with a header and no rows is refused."""
    path = tmp_path / "bins.csv"
    path.write_text("easting,northing\n")
    with pytest.raises(ImportRefused, match="has a header but no rows"):
        read_layer(path)


def test_png_renamed_geojson(tmp_path: Path) -> None:
    """A PNG with a .geojson name is recognised as an image, not a GIS file."""
    path = tmp_path / "wards.geojson"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ImportRefused, match=r"^wards.geojson is a PNG image, not a GIS file"):
        read_layer(path)


def test_text_file(tmp_path: Path) -> None:
    """Plain text is refused as not a GIS file, listing the formats that work."""
    path = tmp_path / "notes.txt"
    path.write_text("Bins to check on Monday\nHigh Street\n")
    with pytest.raises(
        ImportRefused, match=r"^notes.txt is not a GIS file envservices can read: use a GeoPackage"
    ):
        read_layer(path)


def test_features_outside_great_britain(tmp_path: Path) -> None:
    """Lon/lat data far from Great Britain is refused rather than stored as nonsense eastings."""
    frame = gpd.GeoDataFrame(
        {"n": [1]}, geometry=[Polygon([(151, -34), (151.1, -34), (151.1, -33.9)])], crs=4326
    )
    path = tmp_path / "sydney.geojson"
    frame.to_file(path)
    with pytest.raises(ImportRefused, match="outside Great Britain"):
        read_layer(path)
