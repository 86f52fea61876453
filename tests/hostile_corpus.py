"""A seeded generator of hostile import files, made at test time from the shipped samples (nothing committed).

Families: CSV values (absurd numbers, hostile text), CSV form (encodings, delimiters, NUL bytes, width),
GeoJSON (typos, broken and huge geometry, wrong CRS labels, deep nesting, truncation, bit flips),
GeoPackage (truncated, bit-flipped, wrong layers), shapefiles (missing and cut .prj/.dbf/.shx, lying .cpg,
zips), crews and depots sheets, survey sheets, and file-system faults. Each case is a file plus the
`import` arguments it is tried with; the same seed always gives the same corpus.
"""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
NUMBERS = ["1e308", "-1e308", "inf", "-inf", "nan", "NaN", "-5", "0", "1e-300", "9" * 400, "0x10", "1,000",
           "١٢٣", "２４０", "", " ", "240 l", "240", "4999", "5001", "10", "9.99", "-0", "1e309"]
TEXT = ["'); DROP TABLE assets;--", "x' OR '1'='1", "\u202ertl", "名前", "😀" * 50, "a" * 5000, "NULL",
        "%s %(x)s {0}", "<script>alert(1)</script>", "\\N", "=cmd|' /C calc'!A0", "line\nbreak", "tab\there"]
KINDS = ["litter_bin", "dog bin", "Litter-Bins", "grass", "unknown_kind", "", "LITTER_BIN", "street", "hedge"]
ARGS = [[], ["--skip-bad-rows"], ["--kind", "litter_bin"], ["--kind", "place", "--area", "Sample"],
        ["--crs", "4326"], ["--crs", "EPSG:29903"], ["--crs", "not-a-crs"], ["--layer", "nope"]]


@dataclass(frozen=True)
class Case:
    """One hostile file and how it is imported; `command` is "import" or "survey"."""

    family: str
    path: Path
    args: tuple[str, ...] = ()
    command: str = "import"
    notes: dict = field(default_factory=dict, compare=False)


def _flip(data: bytes, rng: random.Random, flips: int) -> bytes:
    out = bytearray(data)
    for _ in range(flips):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def _bins() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLES / "assets.gpkg", layer="litter_bin")


def _places() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLES / "places.gpkg")


def csv_values(folder: Path, rng: random.Random) -> Iterator[Case]:
    columns = ["easting", "northing", "kind", "name", "capacity_l", "site_factor", "zone", "attributes"]
    good = ["403900", "267600", "litter_bin", "Good bin", "240", "1", "high", "{}"]
    for n in range(60):
        row = list(good)
        column = rng.randrange(len(columns))
        pool = TEXT + KINDS if column in (2, 3, 6, 7) else NUMBERS
        row[column] = rng.choice(pool)
        if column == 7 and rng.random() < 0.5:
            row[7] = rng.choice(['{"x": NaN}', "{" + '"a":{' * 2000 + "}" * 2001, '{"a": 1e999}', "{broken"])
        path = folder / f"values-{n}.csv"
        rows = [good, row] if rng.random() < 0.5 else [row, good]
        text = ",".join(columns) + "\n" + "\n".join(",".join(_quote(v) for v in r) for r in rows) + "\n"
        path.write_text(text, encoding="utf-8")
        yield Case("csv values", path, tuple(rng.choice(ARGS[:3])), notes={"column": columns[column]})


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def csv_form(folder: Path, rng: random.Random) -> Iterator[Case]:
    base = "easting,northing,name,capacity_l\n403900,267600,Café bin,240\n404000,267700,Quay bin,110\n"
    variants: list[tuple[str, bytes]] = [
        ("utf16", base.encode("utf-16")), ("utf8sig", base.encode("utf-8-sig")), ("cp1252", base.encode("cp1252")),
        ("shiftjis", base.replace("Café", "名前").encode("shift_jis")), ("nul", base.encode().replace(b"Quay", b"Q\x00ay")),
        ("semicolon", base.replace(",", ";").encode()), ("tab", base.replace(",", "\t").encode()),
        ("pipe", base.replace(",", "|").encode()), ("crlf", base.replace("\n", "\r\n").encode()),
        ("quote", base.replace("Quay bin", '"Quay bin').encode()), ("header-only", base.split("\n")[0].encode()),
        ("empty-lines", b"\n\n\n"), ("bom-only", b"\xef\xbb\xbf"), ("binary", bytes(rng.randrange(256) for _ in range(4096))),
        ("dup-header", base.replace("name", "easting").encode()), ("no-coords", base.replace("easting", "e").encode()),
        ("lonlat", b"longitude,latitude,name\n-1.94,52.30,Lonlat bin\n"),
        ("latlon-swapped", b"longitude,latitude,name\n52.30,-1.94,Swapped bin\n"),
        ("lonlat-as-en", b"easting,northing,name\n-1.94,52.30,Degrees bin\n"),
        ("irish-grid", b"easting,northing,name\n150000,230000,Irish bin\n"),
        ("outside-bng", b"easting,northing,name\n800000,1400000,Far bin\n"),
        ("wide", ("easting,northing," + ",".join(f"c{i}" for i in range(3000)) + "\n403900,267600\n").encode()),
        ("long-line", ("easting,northing,name\n403900,267600," + "x" * 1_100_000 + "\n").encode()),
        ("many-rows", ("easting,northing\n" + "403900,267600\n" * 20_000).encode()),
        ("ragged", b"easting,northing,name\n403900,267600,a,b,c,d\n404000\n"),
        ("thousands", b"easting,northing\n\"403,900\",\"267,600\"\n"),
    ]
    for name, data in variants:
        path = folder / f"form-{name}.csv"
        path.write_bytes(data)
        yield Case("csv form", path, tuple(rng.choice(ARGS[:3])))
    tsv = folder / "form.tsv"
    tsv.write_text(base.replace(",", "\t"), encoding="utf-8")
    yield Case("csv form", tsv)


def geojson(folder: Path, rng: random.Random) -> Iterator[Case]:
    bins = json.loads(_bins().to_json())
    bins["crs"] = {"type": "name", "properties": {"name": "EPSG:27700"}}
    text = json.dumps(bins)

    def write(name: str, data: object, args: tuple[str, ...] = ()) -> Case:
        path = folder / f"geo-{name}.geojson"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return Case("geojson", path, args)

    def mutated(change) -> dict:
        copy = json.loads(text)
        change(copy)
        return copy

    yield write("plain", bins)
    for i in range(8):
        k = rng.randrange(len(bins["features"]))
        yield write(f"typo-{i}", mutated(lambda d, k=k: d["features"][k].update(type=rng.choice(["Feture", "feature", 1, None]))),
                    tuple(rng.choice(ARGS[:2])))
        yield write(f"nogeom-{i}", mutated(lambda d, k=k: d["features"][k].update(geometry=None)), tuple(rng.choice(ARGS[:2])))
        bad = rng.choice([[float("nan"), 1], [1e308, 1e308], ["a", "b"], [], [403900], [-1e7, 267600], [403900, 267600, 1, 2, 3]])
        yield write(f"coords-{i}", mutated(lambda d, k=k, bad=bad: d["features"][k]["geometry"].update(coordinates=bad)),
                    tuple(rng.choice(ARGS[:2])))
        kind = rng.choice(["Polygon", "LineString", "GeometryCollection", "Circle", "MultiPoint"])
        yield write(f"gtype-{i}", mutated(lambda d, k=k, kind=kind: d["features"][k]["geometry"].update(type=kind)),
                    tuple(rng.choice(ARGS[:2])))
        prop = rng.choice([{"capacity_l": rng.choice([1e308, -5, 0, 1e-9, "inf"])}, {"site_factor": rng.choice([-1, 1e308, 0])},
                           {"name": rng.choice(TEXT)}, {"kind": rng.choice(KINDS)}, {"zone": "extreme"}])
        yield write(f"prop-{i}", mutated(lambda d, k=k, prop=prop: d["features"][k]["properties"].update(prop)),
                    tuple(rng.choice(ARGS[:2])))
    for label in ("EPSG:4326", "EPSG:3857", "EPSG:29903", "EPSG:999999", "urn:nonsense"):
        yield write(f"crs-{label.replace(':', '_')}", mutated(lambda d, label=label: d["crs"]["properties"].update(name=label)))
    yield write("no-crs", mutated(lambda d: d.pop("crs")))
    gb = Polygon([(0, 0), (650_000, 0), (650_000, 1_200_000), (0, 1_200_000)])
    yield write("gb-place", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Britain"}, "geometry": gb.__geo_interface__}]},
        ("--kind", "place", "--area", "Sample"))
    yield write("gb-grass", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "All grass"}, "geometry": gb.__geo_interface__}]}, ("--kind", "grass_area"))
    bowtie = {"type": "Polygon", "coordinates": [[[403500, 267300], [404300, 268000], [404300, 267300], [403500, 268000], [403500, 267300]]]}
    yield write("bowtie", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Bow"}, "geometry": bowtie}]}, ("--kind", "grass_area"))
    yield write("deep", mutated(lambda d: d["features"][0]["properties"].update(attributes="{" + '"a":{' * 2000 + "}" * 2001)))
    yield write("deep-json", '{"type": "FeatureCollection", "features": [' + "[" * 5000 + "]" * 5000 + "]}")
    yield write("empty", {"type": "FeatureCollection", "features": []})
    yield write("bare-feature", bins["features"][0])
    yield write("bare-geometry", bins["features"][0]["geometry"])
    yield write("list", bins["features"])
    yield write("not-json", "this is not json {")
    yield write("dup-ids", mutated(lambda d: [f["properties"].update(id="same") for f in d["features"]]))
    for i in range(8):
        cut = rng.randrange(1, len(text))
        yield write(f"cut-{i}", text[:cut])
    for i in range(8):
        path = folder / f"geo-flip-{i}.geojson"
        path.write_bytes(_flip(text.encode(), rng, rng.choice([1, 3, 20])))
        yield Case("geojson", path, tuple(rng.choice(ARGS[:2])))


def geopackage(folder: Path, rng: random.Random) -> Iterator[Case]:
    for source in ("assets.gpkg", "places.gpkg"):
        data = (SAMPLES / source).read_bytes()
        stem = source.split(".")[0]
        args = ("--kind", "place", "--area", "Sample") if stem == "places" else ()
        plain = folder / f"gpkg-{stem}.gpkg"
        plain.write_bytes(data)
        yield Case("geopackage", plain, args)
        for layer in ("dog_bin", "grass_area", "street_length", "missing"):
            if stem == "assets":
                yield Case("geopackage", plain, ("--layer", layer))
        yield Case("geopackage", plain, ("--kind", "place", "--area", "Sample") if stem == "assets" else ("--kind", "litter_bin"))
        for i in range(8):
            path = folder / f"gpkg-{stem}-cut-{i}.gpkg"
            path.write_bytes(data[: rng.randrange(1, len(data))])
            yield Case("geopackage", path, args)
        for i in range(12):
            path = folder / f"gpkg-{stem}-flip-{i}.gpkg"
            path.write_bytes(_flip(data, rng, rng.choice([1, 2, 8, 64])))
            yield Case("geopackage", path, args)
    misnamed = folder / "gpkg-really-a-csv.gpkg"
    misnamed.write_text("easting,northing\n403900,267600\n", encoding="utf-8")
    yield Case("geopackage", misnamed)


def shapefiles(folder: Path, rng: random.Random) -> Iterator[Case]:
    def written(name: str, frame: gpd.GeoDataFrame, encoding: str = "UTF-8") -> Path:
        sub = folder / f"shp-{name}"
        sub.mkdir()
        path = sub / f"{name}.shp"
        frame.to_file(path, driver="ESRI Shapefile", encoding=encoding)
        return path

    for name, frame, args in (("bins", _bins(), ()), ("places", _places(), ("--kind", "place", "--area", "Sample"))):
        shp = written(name, frame)
        yield Case("shapefile", shp, args)
        for part in (".prj", ".dbf", ".shx", ".cpg"):
            copy = written(f"{name}-no{part[1:]}", frame)
            copy.with_suffix(part).unlink(missing_ok=True)
            yield Case("shapefile", copy, args)
            if part == ".prj":
                yield Case("shapefile", copy, (*args, "--crs", "27700"))
            if part == ".dbf":
                yield Case("shapefile", copy, (*args, "--geometry-only"))
        for part in (".shp", ".dbf", ".shx", ".prj"):
            for i in range(3):
                copy = written(f"{name}-cut{part[1:]}-{i}", frame)
                target = copy.with_suffix(part)
                data = target.read_bytes()
                target.write_bytes(data[: rng.randrange(0, len(data))])
                yield Case("shapefile", copy, args)
                flipped = written(f"{name}-flip{part[1:]}-{i}", frame)
                target = flipped.with_suffix(part)
                target.write_bytes(_flip(target.read_bytes(), rng, rng.choice([1, 4, 16])))
                yield Case("shapefile", flipped, args)
        latin = written(f"{name}-latin", frame.assign(name=frame["name"] + " café"), encoding="ISO-8859-1")
        latin.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
        yield Case("shapefile", latin, args)
        archive = folder / f"shp-{name}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for member in shp.parent.iterdir():
                z.write(member, member.name)
        yield Case("shapefile", archive, args)
        nodbf = folder / f"shp-{name}-nodbf.zip"
        with zipfile.ZipFile(nodbf, "w") as z:
            for member in shp.parent.iterdir():
                if member.suffix != ".dbf":
                    z.write(member, member.name)
        yield Case("shapefile", nodbf, args)
        cut = folder / f"shp-{name}-cut.zip"
        data = archive.read_bytes()
        cut.write_bytes(data[: rng.randrange(1, len(data))])
        yield Case("shapefile", cut, args)
    bomb = folder / "shp-bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.csv", "easting,northing\n" + "0" * 60_000_000)
    yield Case("shapefile", bomb, ("--max-file-mb", "20"))


def sheets(folder: Path, rng: random.Random) -> Iterator[Case]:
    depots = (SAMPLES / "depots_template.csv").read_text(encoding="utf-8").splitlines()
    crews = (SAMPLES / "crews_template.csv").read_text(encoding="utf-8").splitlines()
    for n in range(16):
        header, *rows = depots
        cells = rows[rng.randrange(len(rows))].split(",")
        column = rng.randrange(len(cells))
        cells[column] = rng.choice(NUMBERS + ["25:00", "7:99", "-1:00", "24:00"] + TEXT[:4])
        cells[0] = f"Depot {n}"
        path = folder / f"depots-{n}.csv"
        path.write_text(header + "\n" + ",".join(_quote(c) for c in cells) + "\n", encoding="utf-8")
        yield Case("sheets", path, ("--kind", "depots", *rng.choice([(), ("--skip-bad-rows",)])))
    for n in range(16):
        header, first = crews[0], crews[1]
        cells = next(__import__("csv").reader([first]))
        column = rng.randrange(len(cells))
        cells[column] = rng.choice(NUMBERS + ["25:00", "none", "30 min 23:00-01:00", "Sat; Sun; Mon; Tue; Wed; Thu; Fri"]
                                   + TEXT[:4])
        cells[0] = f"Crew {n}"
        path = folder / f"crews-{n}.csv"
        path.write_text(header + "\n" + ",".join(_quote(c) for c in cells) + "\n", encoding="utf-8")
        yield Case("sheets", path, ("--kind", "crews", *rng.choice([(), ("--skip-bad-rows",)])))


def surveys(folder: Path, rng: random.Random) -> Iterator[Case]:
    header = "place,kind,observed_at,asset,grade,fill_pct,height_mm,count"
    good = {"litter_grade": "Town Centre,litter_grade,2026-06-15 09:00,,B,,,",
            "bin_fill": "Town Centre,bin_fill,2026-06-15 09:00,Market Place bin 1,,90,,",
            "grass_height": "Arrow Valley Park,grass_height,2026-06-15 09:00,,,,65,",
            "fly_tip": "Church Hill Estate,fly_tip,2026-06-15 09:00,,,,,1"}
    for n in range(20):
        kind = rng.choice(list(good))
        cells = good[kind].split(",")
        column = rng.randrange(len(cells))
        cells[column] = rng.choice(NUMBERS + ["2026-02-30", "30/13/2026", "Z", "B++"] + TEXT[:4])
        path = folder / f"survey-{n}.csv"
        path.write_text(header + "\n" + ",".join(_quote(c) for c in cells) + "\n", encoding="utf-8")
        yield Case("survey", path, command="survey")


OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hostile-corpus">
  <node id="1" lat="{lat}" lon="{lon}" version="1"><tag k="amenity" v="waste_basket"/>{bin_tag}</node>
  <node id="2" lat="52.3040" lon="-1.9410" version="1"/>
  <node id="3" lat="52.3060" lon="-1.9390" version="1"/>
  <node id="4" lat="52.3070" lon="-1.9380" version="1"/>
  <node id="5" lat="52.3045" lon="-1.9420" version="1"/>
  <way id="10" version="1"><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="{highway}"/>
    <tag k="maxspeed" v="{maxspeed}"/><tag k="oneway" v="{oneway}"/><tag k="name" v="{name}"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="5"/><nd ref="3"/>{close}<tag k="landuse" v="grass"/></way>
</osm>
"""


def openstreetmap(folder: Path, rng: random.Random) -> Iterator[Case]:
    """Small OpenStreetMap extracts near the samples with hostile tags, positions and damage."""
    from xml.sax.saxutils import escape

    for n in range(24):
        text = OSM.format(
            lat=rng.choice(["52.3050", "91", "-91", "nan", "1e308", "52.3050"]),
            lon=rng.choice(["-1.9400", "500", "inf", "-1.9400", "-1.9400"]),
            bin_tag=rng.choice(["", '<tag k="waste_basket" v="dog_waste"/>', '<tag k="name" v="&amp;&lt;x&gt;"/>']),
            highway=rng.choice(["residential", "motorway", "footway", "proposed", "nonsense", ""]),
            maxspeed=rng.choice(["0", "1e999 mph", "20 mph", "none", "-5", "30", "999", "48 km/h", ""]),
            oneway=rng.choice(["yes", "-1", "no", "reversible"]),
            name=escape(rng.choice(TEXT[:8]).replace("\n", " ")),
            close=rng.choice(['<nd ref="2"/>', ""]),
        )
        data = text.encode()
        damage = rng.random()
        if damage < 0.2:
            data = data[: rng.randrange(1, len(data))]
        elif damage < 0.35:
            data = _flip(data, rng, rng.choice([1, 4]))
        path = folder / f"osm-{n}.osm"
        path.write_bytes(data)
        yield Case("openstreetmap", path, tuple(rng.choice([[], ["--skip-bad-rows"]])))


def file_system(folder: Path, rng: random.Random) -> Iterator[Case]:
    (folder / "fs-folder.csv").mkdir()
    yield Case("file system", folder / "fs-folder.csv")
    yield Case("file system", folder / "fs-missing.csv")
    (folder / "fs-empty.csv").write_bytes(b"")
    yield Case("file system", folder / "fs-empty.csv")
    yield Case("file system", folder / ("n" * 300 + ".csv"))
    locked = folder / "fs-mode000.csv"
    locked.write_text("easting,northing\n403900,267600\n", encoding="utf-8")
    locked.chmod(0)
    yield Case("file system", locked)
    link = folder / "fs-loop.csv"
    link.symlink_to(link)
    yield Case("file system", link)
    image = folder / "fs-image.geojson"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    yield Case("file system", image)
    odd = folder / "fs-unknown.xyz"
    shutil.copy(SAMPLES / "assets.gpkg", odd)
    yield Case("file system", odd)


FAMILIES = (csv_values, csv_form, geojson, geopackage, shapefiles, sheets, surveys, openstreetmap, file_system)


def corpus(folder: Path, seed: int) -> list[Case]:
    """Every case of every family, made in `folder` from one seed."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for family in FAMILIES:
        sub = folder / family.__name__
        sub.mkdir(parents=True, exist_ok=True)
        cases.extend(family(sub, rng))
    return cases
