"""Read council and OpenStreetMap GIS files into one shape: a GeoDataFrame in British National Grid.

Everything downstream (validation, spatial join, the road network) works in metres on EPSG:27700, so the
reader is the one place that guesses formats, encodings and coordinate systems, and refuses a file with one
clear sentence when it cannot be read safely. What it had to assume (an encoding, a default CRS, which layer
of several) is kept in ``gdf.attrs["warnings"]`` so the importer can show it to the user.

Row numbers: the index of the returned frame is the 1-based feature number in the file (for a CSV, the
first data row below the header is row 1), so problems can be reported by row.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import warnings as py_warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from envservices.domain.limits import BNG_VALID_AREA_M, DEFAULT_FILE_LIMITS, FileLimits
from envservices.domain.model import BNG_EPSG
from envservices.errors import ImportRefused

__all__ = ["CSV_SUFFIXES", "OSM_LAYERS", "is_osm", "list_layers", "read_layer"]

CSV_SUFFIXES = (".csv", ".tsv")
OSM_LAYERS = ("points", "lines", "multipolygons")
SUPPORTED = "GeoPackage, Shapefile (or a zip of one), GeoJSON, CSV with coordinates or OpenStreetMap"

# Column pairs a CSV may hold its coordinates in, with the CRS assumed when the user names none.
_CSV_COORDINATE_PAIRS: tuple[tuple[str, str, int], ...] = (
    ("easting", "northing", BNG_EPSG),
    ("eastings", "northings", BNG_EPSG),
    ("x", "y", BNG_EPSG),
    ("longitude", "latitude", 4326),
    ("lon", "lat", 4326),
    ("long", "lat", 4326),
    ("lng", "lat", 4326),
)
_TEXT_ENCODINGS = ("utf-8", "cp1252", "latin-1")

# British National Grid's valid area (domain/limits.py): data outside it is not a UK council's.
_BNG_EXTENT_M = BNG_VALID_AREA_M

_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
}


def is_osm(path: str | Path) -> bool:
    name = Path(path).name.lower()
    return name.endswith((".osm.pbf", ".osm", ".pbf"))


def list_layers(path: str | Path) -> list[str]:
    """The layer names of a multi-layer file (GeoPackage, OSM); a single name for the others."""
    p = _existing(path)
    if p.suffix.lower() in CSV_SUFFIXES:
        return [p.stem]
    try:
        return [str(name) for name, _ in pyogrio.list_layers(_gdal_path(p))]
    except pyogrio.errors.DataSourceError as exc:
        raise _not_gis(p) from exc


def read_layer(
    path: str | Path,
    *,
    crs: str | int | None = None,
    layer: str | None = None,
    geometry_only: bool = False,
    limits: FileLimits = DEFAULT_FILE_LIMITS,
) -> gpd.GeoDataFrame:
    """One layer of a GIS file, reprojected to EPSG:27700, indexed by 1-based row number.

    ``crs`` names the coordinate system when the file has none (a shapefile without .prj, a CSV); for a
    file that declares one, ``crs`` overrides it and a warning says so. A shapefile without its .dbf is
    refused unless ``geometry_only``. Files over ``limits`` are refused before they are read. Raises
    ImportRefused naming the file. Features GDAL would skip silently (a GeoJSON feature whose type is not
    "Feature") are listed in ``gdf.attrs["dropped"]`` as (feature number, reason).
    """
    p = _existing(path)
    _check_size(p, limits)
    notes: list[str] = []
    dropped: list[tuple[int, str]] = []
    positions: list[int] | None = None
    if p.suffix.lower() in CSV_SUFFIXES:
        gdf = _read_csv(p, crs, notes, limits)
    else:
        _check_attribute_table(p, geometry_only)
        positions = _geojson_features(p, dropped)
        gdf = _read_ogr(p, layer, notes, limits)
        gdf = _apply_crs(gdf, p, crs, notes)
    if len(gdf) == 0:
        raise ImportRefused(f"{p.name} has no features to import.")
    _check_range(gdf, p)
    gdf = gdf.to_crs(epsg=BNG_EPSG)
    gdf = gdf.set_geometry(_single_parts(shapely.force_2d(gdf.geometry.values)))
    _check_bng_extent(gdf, p)
    if positions is not None and len(positions) == len(gdf):
        gdf.index = pd.Index(positions, name="row")  # numbers of the features in the file, skipped ones too
    else:
        gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    gdf.attrs["warnings"] = notes
    gdf.attrs["dropped"] = dropped
    gdf.attrs["source"] = str(p)
    return gdf


def _mb(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def _check_size(p: Path, limits: FileLimits) -> None:
    """Refuse a file, or a zip that unpacks to more, than the limits before any of it is read."""
    size = p.stat().st_size
    if size > limits.max_file_mb * 1e6:
        raise ImportRefused(f"{p.name} is {_mb(size)}, over the import limit of {limits.max_file_mb:,.0f} MB; "
                            "import it with --max-file-mb to raise the limit.")
    if p.suffix.lower() != ".zip":
        return
    try:
        with zipfile.ZipFile(p) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(f"{p.name} is not a readable zip archive ({exc}).") from exc
    if unpacked > limits.max_unzipped_mb * 1e6:
        raise ImportRefused(f"{p.name} unpacks to {_mb(unpacked)}, over the import limit of "
                            f"{limits.max_unzipped_mb:,.0f} MB; import it with --max-file-mb to raise the limit.")


def _dbf_problem(header: bytes, size: int) -> str | None:
    """Why a .dbf cannot hold the attributes (cut inside its header), or None."""
    if len(header) < 32:
        return "is cut short inside its header"
    header_length = int.from_bytes(header[8:10], "little")
    if header_length < 33 or header_length > size:
        return "is cut short inside its header"
    return None


def _check_attribute_table(p: Path, geometry_only: bool) -> None:
    """A shapefile's names, ids and capacities live in its .dbf: without it (or with it cut short) the
    import would keep geometry only and call places "Place 1...", so that needs --geometry-only."""
    if geometry_only:
        return
    suffix = p.suffix.lower()
    advice = "add it beside the .shp or import with --geometry-only"
    if suffix == ".shp":
        dbf = next((c for c in (p.with_suffix(".dbf"), p.with_suffix(".DBF")) if c.exists()), None)
        if dbf is None:
            raise ImportRefused(f"{p.name} has no .dbf, so names, ids and capacities would be lost; {advice}.")
        with dbf.open("rb") as fh:
            problem = _dbf_problem(fh.read(32), dbf.stat().st_size)
        if problem:
            raise ImportRefused(f"The .dbf of {p.name} {problem}, so names, ids and capacities would be lost; "
                                f"replace it or import with --geometry-only.")
    elif suffix == ".zip":
        try:
            with zipfile.ZipFile(p) as archive:
                members = {info.filename.lower(): info for info in archive.infolist()}
                for name in [n for n in members if n.endswith(".shp")]:
                    info = members.get(name[:-4] + ".dbf")
                    if info is None:
                        raise ImportRefused(f"{Path(name).name} in {p.name} has no .dbf, so names, ids and "
                                            f"capacities would be lost; {advice}.")
                    with archive.open(info) as fh:
                        problem = _dbf_problem(fh.read(32), info.file_size)
                    if problem:
                        raise ImportRefused(f"The .dbf of {Path(name).name} in {p.name} {problem}; replace it or "
                                            "import with --geometry-only.")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ImportRefused(f"{p.name} is not a readable zip archive ({exc}).") from exc


def _geojson_features(p: Path, dropped: list[tuple[int, str]]) -> list[int] | None:
    """For a GeoJSON FeatureCollection: the file numbers (1-based) of the features GDAL will read, and in
    `dropped` the ones it would skip without a word; None when the file is not such a collection."""
    if p.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        data = json.loads(p.read_bytes())
    except (ValueError, RecursionError, MemoryError):
        return None  # GDAL decides, and refuses it in one sentence if it cannot read it either
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return None
    positions = []
    for number, feature in enumerate(features, start=1):
        if isinstance(feature, dict) and feature.get("type") == "Feature":
            positions.append(number)
        else:
            dropped.append((number, "is not a GeoJSON Feature"))
    return positions


def _single_parts(geometries: np.ndarray) -> np.ndarray:
    """A multi-geometry of one part becomes that part: GIS layers promote everything to multi on export."""
    type_id = shapely.get_type_id(geometries)
    one_part = np.isin(type_id, (4, 5, 6)) & (shapely.get_num_geometries(geometries) == 1)
    out = np.asarray(geometries, dtype=object).copy()
    out[one_part] = shapely.get_geometry(out[one_part], 0)
    return out


def _existing(path: str | Path) -> Path:
    p = Path(path)
    try:
        if not p.exists():
            raise ImportRefused(f"The file {p} does not exist.")
        if p.is_dir():
            raise ImportRefused(
                f"{p} is a folder, not a file: choose the .shp, .gpkg, .geojson or .csv inside it."
            )
        if p.stat().st_size == 0:
            raise ImportRefused(f"{p.name} is empty (0 bytes).")
        if not os.access(p, os.R_OK):
            raise ImportRefused(f"{p.name} cannot be read: you are not allowed to open it.")
    except OSError as exc:
        shown = p.name if len(p.name) <= 60 else p.name[:60] + "..."
        raise ImportRefused(f"{shown} cannot be opened ({exc.strerror or exc}).") from exc
    return p


def _gdal_path(p: Path) -> str:
    return f"/vsizip/{p}" if p.suffix.lower() == ".zip" else str(p)


def _not_gis(p: Path) -> ImportRefused:
    head = p.read_bytes()[:8] if p.is_file() else b""
    what = next((label for magic, label in _MAGIC.items() if head.startswith(magic)), None)
    if what is not None and what != "a zip archive":
        return ImportRefused(f"{p.name} is {what}, not a GIS file: use a {SUPPORTED} file.")
    if what == "a zip archive":
        return ImportRefused(f"{p.name} is a zip archive without a shapefile or other GIS file inside.")
    return ImportRefused(f"{p.name} is not a GIS file envservices can read: use a {SUPPORTED} file.")


def _read_ogr(p: Path, layer: str | None, notes: list[str], limits: FileLimits) -> gpd.GeoDataFrame:
    source = _gdal_path(p)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    except pyogrio.errors.DataSourceError as exc:
        raise _not_gis(p) from exc
    if not layers:
        raise ImportRefused(f"{p.name} holds no layers to import.")
    if layer is None:
        candidates = [name for name in layers if name in OSM_LAYERS] if is_osm(p) else layers
        layer = candidates[0] if candidates else layers[0]
        if len(layers) > 1:
            notes.append(f"{p.name} has layers {', '.join(layers)}; read '{layer}'.")
    elif layer not in layers:
        raise ImportRefused(f"{p.name} has no layer '{layer}'; its layers are: {', '.join(layers)}.")
    _check_columns(p, source, layer, limits)
    encoding = _shapefile_encoding(p, source, layer)
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore", RuntimeWarning)
            py_warnings.simplefilter("ignore", UserWarning)
            if encoding is None:
                try:
                    frame = pyogrio.read_dataframe(source, layer=layer, on_invalid="ignore")
                except UnicodeDecodeError:
                    notes.append(f"{p.name} says its text is UTF-8 (.cpg) but it is not.")
                    frame = _read_with_fallback(p, source, layer, notes)
            else:
                frame = _read_with_fallback(p, source, layer, notes)
    except pyogrio.errors.CRSError as exc:
        raise ImportRefused(f"The coordinate system of {p.name} (its .prj or CRS entry) cannot be read ({exc}); "
                            "repair or remove it and name the system with --crs.") from exc
    except pyogrio.errors.FieldError as exc:
        raise ImportRefused(f"{p.name} has a column envservices cannot read ({exc}).") from exc
    except (pyogrio.errors.FeatureError, pyogrio.errors.GeometryError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ImportRefused(f"{p.name} has a feature that cannot be read ({reason}); fix or remove it.") from exc
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _not_gis(p) from exc
    except (RecursionError, MemoryError) as exc:
        raise ImportRefused(f"{p.name} is nested too deeply or too large to read ({type(exc).__name__}).") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        if "alembic_version" in layers:
            raise ImportRefused(f"{p.name} is an envservices database, not a GIS file: open it with --db, or "
                                "export it to a GeoPackage first.")
        raise ImportRefused(f"The layer '{layer}' of {p.name} is a table without geometry; choose a layer with "
                            "points, lines or polygons.")
    return frame


def _check_columns(p: Path, source: str, layer: str, limits: FileLimits) -> None:
    try:
        fields = pyogrio.read_info(source, layer=layer).get("fields", ())
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return  # reading decides, and says why in one sentence
    if len(fields) > limits.max_columns:
        raise ImportRefused(f"{p.name} has {len(fields):,} columns, more than the {limits.max_columns:,} an "
                            "import reads; remove the columns that are not needed.")


def _shapefile_encoding(p: Path, source: str, layer: str) -> str | None:
    """'guess' for a shapefile without a .cpg (GDAL would assume Latin-1); None to trust GDAL."""
    try:
        info = pyogrio.read_info(source, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return None
    if info.get("driver") != "ESRI Shapefile":
        return None
    if p.suffix.lower() == ".shp" and p.with_suffix(".cpg").exists():
        return None
    return "guess"


def _read_with_fallback(p: Path, source: str, layer: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Try UTF-8 first (most modern exports), then the Windows code page many council systems write."""
    for encoding in _TEXT_ENCODINGS:
        try:
            gdf = pyogrio.read_dataframe(source, layer=layer, encoding=encoding, on_invalid="ignore")
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8":
            notes.append(f"{p.name} is not UTF-8; its attributes were read as {encoding}.")
        return gdf
    raise ImportRefused(f"{p.name} has text in an unknown encoding.")  # latin-1 never fails; kept for safety


def _decode_text(p: Path, notes: list[str]) -> str:
    raw = p.read_bytes()
    if b"\x00" in raw[:4096]:
        raise _not_gis(p)
    for encoding in _TEXT_ENCODINGS:
        try:
            text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8":
            notes.append(f"{p.name} is not UTF-8; it was read as {encoding}.")
        return text
    raise ImportRefused(f"{p.name} has text in an unknown encoding.")


def _check_csv_shape(p: Path, text: str, limits: FileLimits) -> None:
    """Refuse a CSV with absurdly long lines or too many columns before pandas spends minutes on it."""
    longest = max((len(line) for line in io.StringIO(text)), default=0)
    if longest > limits.max_line_kb * 1000:
        raise ImportRefused(f"{p.name} has a line of {longest / 1000:,.0f} KB, longer than the "
                            f"{limits.max_line_kb:,} KB an import reads; is it really a CSV file?")
    header = text.split("\n", 1)[0]
    columns = 1 + max(header.count(sep) for sep in (",", ";", "\t", "|"))
    if columns > limits.max_columns:
        raise ImportRefused(f"{p.name} has {columns:,} columns, more than the {limits.max_columns:,} an import "
                            "reads; remove the columns that are not needed.")


def _read_csv(p: Path, crs: str | int | None, notes: list[str], limits: FileLimits) -> gpd.GeoDataFrame:
    text = _decode_text(p, notes)
    if not text.strip():
        raise ImportRefused(f"{p.name} is empty.")
    _check_csv_shape(p, text, limits)
    sep = "\t" if p.suffix.lower() == ".tsv" else None
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, engine="python", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ImportRefused(f"{p.name} is not a readable CSV file ({exc}).") from exc
    if len(df) == 0:
        raise ImportRefused(f"{p.name} has a header but no rows to import.")
    lower = {str(c).strip().lower(): c for c in df.columns}
    for x_name, y_name, default_epsg in _CSV_COORDINATE_PAIRS:
        if x_name in lower and y_name in lower:
            x_col, y_col = lower[x_name], lower[y_name]
            break
    else:
        found = ", ".join(str(c) for c in df.columns)
        raise ImportRefused(
            f"{p.name} has no coordinate columns (easting/northing, x/y or longitude/latitude); "
            f"its columns are: {found}."
        )
    x = pd.to_numeric(df[x_col].str.replace(",", "", regex=False).str.strip(), errors="coerce")
    y = pd.to_numeric(df[y_col].str.replace(",", "", regex=False).str.strip(), errors="coerce")
    ok = x.notna() & y.notna()
    geometry = np.full(len(df), None, dtype=object)
    geometry[ok.to_numpy()] = shapely.points(x[ok].to_numpy(), y[ok].to_numpy())
    attributes = df.drop(columns=[x_col, y_col]).replace({"": None})
    if crs is None:
        source_crs = CRS.from_epsg(default_epsg)
        if default_epsg == BNG_EPSG:
            notes.append(f"{p.name} gives {x_col}/{y_col}: assumed British National Grid (EPSG:27700).")
    else:
        source_crs = _parse_crs(crs, p)
    return gpd.GeoDataFrame(attributes, geometry=geometry, crs=source_crs)


def _parse_crs(crs: str | int, p: Path) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise ImportRefused(f"'{crs}' is not a coordinate system envservices knows (for {p.name}).") from exc


def _apply_crs(gdf: gpd.GeoDataFrame, p: Path, crs: str | int | None, notes: list[str]) -> gpd.GeoDataFrame:
    if crs is not None:
        wanted = _parse_crs(crs, p)
        if gdf.crs is not None and not CRS(gdf.crs).equals(wanted):
            notes.append(
                f"{p.name} declares {_crs_label(gdf.crs)} but was read as {_crs_label(wanted)} as asked."
            )
        return gdf.set_crs(wanted, allow_override=True)
    if gdf.crs is None:
        hint = " (the .prj file is missing)" if p.suffix.lower() in (".shp", ".zip") else ""
        raise ImportRefused(
            f"{p.name} does not say which coordinate system it uses{hint}: name one, e.g. EPSG:27700."
        )
    return gdf


def _crs_label(crs: object) -> str:
    c = CRS(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.name


def _finite_bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    geoms = gdf.geometry.values
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(present) == 0:
        return None
    xy = shapely.get_coordinates(present)
    if not np.isfinite(xy).all():
        return (math.nan,) * 4
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _check_range(gdf: gpd.GeoDataFrame, p: Path) -> None:
    """Catch coordinates given in the wrong system (degrees as eastings, or eastings as degrees)."""
    bounds = _finite_bounds(gdf)
    if bounds is None:
        return
    label = _crs_label(gdf.crs)
    if any(math.isnan(b) for b in bounds):
        raise ImportRefused(f"{p.name} has coordinates that are not numbers (infinite or NaN).")
    minx, miny, maxx, maxy = bounds
    crs = CRS(gdf.crs)
    if crs.is_geographic:
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise ImportRefused(
                f"{p.name} has coordinates up to ({maxx:.0f}, {maxy:.0f}), out of range for "
                f"longitude/latitude in {label}: they look like eastings/northings, so name the file's "
                "coordinate system (e.g. EPSG:27700)."
            )
        return
    if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
        raise ImportRefused(
            f"{p.name} has coordinates such as ({minx:g}, {miny:g}) that look like longitude/latitude "
            f"degrees, not metres in {label}: name EPSG:4326 as the coordinate system."
        )
    area = crs.area_of_use
    if area is None:
        return
    try:
        to_crs = Transformer.from_crs(4326, crs, always_xy=True)
        aminx, aminy, amaxx, amaxy = to_crs.transform_bounds(area.west, area.south, area.east, area.north)
    except Exception:  # noqa: BLE001 - an exotic CRS without a usable area: skip the check, reprojection decides
        return
    span = max(amaxx - aminx, amaxy - aminy)
    margin = 0.25 * span if math.isfinite(span) else math.inf
    if minx < aminx - margin or maxx > amaxx + margin or miny < aminy - margin or maxy > amaxy + margin:
        raise ImportRefused(
            f"{p.name} has coordinates from ({minx:.0f}, {miny:.0f}) to ({maxx:.0f}, {maxy:.0f}), "
            f"outside the area {label} covers: check the file's coordinate system."
        )


def _check_bng_extent(gdf: gpd.GeoDataFrame, p: Path) -> None:
    bounds = _finite_bounds(gdf)
    if bounds is None:
        return
    minx, miny, maxx, maxy = bounds
    ex0, ey0, ex1, ey1 = _BNG_EXTENT_M
    if any(math.isnan(b) for b in bounds) or minx < ex0 or maxx > ex1 or miny < ey0 or maxy > ey1:
        raise ImportRefused(
            f"{p.name} has features outside Great Britain, which British National Grid (EPSG:27700) cannot "
            "hold: check the file's coordinate system."
        )


def normalise_column(name: object) -> str:
    """Lower-case, underscores for spaces and dashes: how column names are matched."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())
