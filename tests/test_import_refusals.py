"""Nothing dropped in silence, limits with clear words, and one sentence where there was an unexpected error
(issue 16, items 5 to 7): each case here was imported with a feature lost, ran for minutes, or ended in
"unexpected error (X)" before."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon
from test_hostile import fingerprint
from test_multiuser import small_district

from envservices.errors import UserError
from envservices.services import district
from envservices.storage import open_database


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "refusals.sqlite"
    db = open_database(str(path), user="ada")
    small_district(db)
    db.dispose()
    return path


def _import(db_path: Path, source: Path, **kwargs) -> dict:
    db = open_database(str(db_path), user="ada")
    try:
        return district.import_file(db, source, **kwargs)
    finally:
        db.dispose()


def _refused(db_path: Path, source: Path, match: str, **kwargs) -> str:
    before = fingerprint(db_path)
    with pytest.raises(UserError, match=match) as info:
        _import(db_path, source, **kwargs)
    assert fingerprint(db_path) == before
    message = str(info.value)
    assert "\n" not in message and len(message) < 600
    return message


def _feature(x: float, name: str, kind: str = "Feature") -> dict:
    return {"type": kind, "properties": {"name": name, "kind": "litter_bin"},
            "geometry": {"type": "Point", "coordinates": [x, 260050]}}


def _collection(tmp_path: Path, features: list[dict]) -> Path:
    path = tmp_path / "bins.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                "crs": {"type": "name", "properties": {"name": "EPSG:27700"}}}), encoding="utf-8")
    return path


def test_a_feature_that_is_not_a_feature_is_reported_not_dropped(db_path: Path, tmp_path: Path):
    bad = _feature(400060, "Typo")
    bad.pop("type")
    bad["tyqe"] = "Feature"
    source = _collection(tmp_path, [_feature(400050, "First"), bad, _feature(400070, "Third", "Feature")])
    assert "row 2: is not a GeoJSON Feature" in _refused(db_path, source, "1 row")
    report = _import(db_path, source, strict=False)
    assert report["assets"] == {"litter_bin": 2}
    assert report["problems"] == [{"row": 2, "reason": "is not a GeoJSON Feature"}]
    db = open_database(str(db_path), user="ada")
    try:
        with db.unit_of_work() as uow:
            rows = {a.name: a.attributes["source_row"] for a in uow.assets.list()}
        assert rows == {"First": 1, "Third": 3}, "rows keep their numbers in the file"
    finally:
        db.dispose()


def _shapefile(tmp_path: Path, encoding: str = "utf-8") -> Path:
    path = tmp_path / "bins.shp"
    frame = gpd.GeoDataFrame({"name": ["Café bin", "Quay bin"], "capacity_l": [240.0, 360.0]},
                             geometry=[Point(400050, 260050), Point(400060, 260060)], crs=27700)
    frame.to_file(path, driver="ESRI Shapefile", encoding=encoding)
    return path


def test_a_shapefile_without_its_dbf_needs_geometry_only(db_path: Path, tmp_path: Path):
    shp = _shapefile(tmp_path)
    shp.with_suffix(".dbf").unlink()
    _refused(db_path, shp, "has no .dbf, so names, ids and capacities would be lost")
    assert _import(db_path, shp, geometry_only=True)["assets"] == {"litter_bin": 2}


def test_a_dbf_cut_inside_its_header_is_refused(db_path: Path, tmp_path: Path):
    shp = _shapefile(tmp_path)
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:40])
    _refused(db_path, shp, "cut short inside its header")


def test_a_zipped_shapefile_without_its_dbf_is_refused(db_path: Path, tmp_path: Path):
    shp = _shapefile(tmp_path)
    archive = tmp_path / "bins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for suffix in (".shp", ".shx", ".prj"):
            z.write(shp.with_suffix(suffix), shp.with_suffix(suffix).name)
    _refused(db_path, archive, "bins.shp in bins.zip has no .dbf")


def test_a_cpg_that_says_utf8_over_a_latin1_dbf_is_read_with_a_note(db_path: Path, tmp_path: Path):
    shp = _shapefile(tmp_path, encoding="ISO-8859-1")
    shp.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    report = _import(db_path, shp)
    assert report["assets"] == {"litter_bin": 2}
    assert any("UTF-8" in w for w in report["warnings"])


def test_a_csv_with_thousands_of_columns_is_refused_at_once(db_path: Path, tmp_path: Path):
    sheet = tmp_path / "wide.csv"
    sheet.write_text("easting,northing," + ",".join(f"c{i}" for i in range(5000)) + "\n400050,260050\n",
                     encoding="utf-8")
    _refused(db_path, sheet, "5,002 columns, more than the 1,000")


def test_a_csv_line_of_megabytes_is_refused(db_path: Path, tmp_path: Path):
    sheet = tmp_path / "long.csv"
    sheet.write_text("easting,northing,name\n400050,260050," + "x" * 1_100_000 + "\n", encoding="utf-8")
    _refused(db_path, sheet, "a line of 1,100 KB")


def test_a_zip_that_unpacks_beyond_the_limit_is_refused_and_the_limit_can_be_raised(db_path: Path,
                                                                                     tmp_path: Path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("bins.csv", "easting,northing,note\n" + ("400050,260050," + "0" * 200 + "\n") * 12_000)
    assert archive.stat().st_size < 100_000
    message = _refused(db_path, archive, r"unpacks to 2\.\d MB, over the import limit of 1 MB", max_file_mb=1)
    assert "--max-file-mb" in message


def test_attributes_json_nested_deep_or_with_nan_is_stored_safely(db_path: Path, tmp_path: Path):
    sheet = tmp_path / "attrs.csv"
    deep = "{" + '"a":{' * 2000 + "}" * 2001
    sheet.write_text('easting,northing,kind,attributes\n400050,260050,litter_bin,"'
                     + deep.replace('"', '""') + '"\n400060,260060,litter_bin,"{""x"": NaN, ""y"": 1}"\n',
                     encoding="utf-8")
    assert _import(db_path, sheet)["assets"] == {"litter_bin": 2}
    db = open_database(str(db_path), user="ada")
    try:
        with db.unit_of_work() as uow:
            attributes = sorted((a.attributes for a in uow.assets.list()), key=lambda a: a["source_row"])
    finally:
        db.dispose()
    assert attributes[0]["attributes"].startswith('{"a":{"a":')
    assert attributes[1]["x"] is None and attributes[1]["y"] == 1


def test_a_table_without_geometry_and_the_database_itself_are_refused(db_path: Path, tmp_path: Path):
    _refused(db_path, db_path, "is an envservices database, not a GIS file")
    table = tmp_path / "table.gpkg"
    import pandas as pd
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame({"name": ["a"]}), table, layer="names", driver="GPKG")
    _refused(db_path, table, "is a table without geometry")


def test_a_file_name_of_300_characters_is_one_sentence(db_path: Path, tmp_path: Path):
    source = tmp_path / ("b" * 300 + ".csv")
    with pytest.raises(UserError, match="cannot open"):
        _import(db_path, source)


def test_places_the_size_of_a_county_are_fine(db_path: Path, tmp_path: Path):
    """The limits catch nonsense, not big councils: a 40 x 40 km place imports."""
    source = tmp_path / "county.geojson"
    square = Polygon([(380000, 240000), (420000, 240000), (420000, 280000), (380000, 280000)])
    gpd.GeoDataFrame({"name": ["County"]}, geometry=[square], crs=27700).to_file(source, driver="GeoJSON")
    assert _import(db_path, source, kind="place", area="County")["places"] == 1


@pytest.mark.postgis
def test_attributes_json_with_nan_is_stored_on_postgres(pg_url: str, tmp_path: Path):
    """PostgreSQL's JSONB refuses NaN: such attributes used to end in an unexpected error there only."""
    db = open_database(pg_url)
    try:
        small_district(db)
        sheet = tmp_path / "nan.csv"
        sheet.write_text('easting,northing,kind,attributes\n400050,260050,litter_bin,"{""x"": NaN, ""y"": [1e999]}"\n',
                         encoding="utf-8")
        assert district.import_file(db, sheet)["assets"] == {"litter_bin": 1}
        with db.unit_of_work() as uow:
            stored = uow.assets.list()[0].attributes
        assert stored["x"] is None and stored["y"] == [None]
    finally:
        db.dispose()
