"""Turn GIS files into places, assets and road links, ready for the services layer to store.

Import is all-or-nothing by default: a file with rows that cannot be used (no geometry, a polygon that
cannot be repaired, an unknown asset kind) is refused with the rows named, so nothing half-imported reaches
the database. ``strict=False`` skips those rows and reports them instead. Assets are put in places by a
spatial join; assets in no place or in two are listed so the user can fix the boundaries or the assets.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from envservices.domain.limits import (
    DEFAULT_FILE_LIMITS,
    LIMITS,
    MAX_ASSET_AREA_M2,
    MAX_ASSET_LENGTH_M,
    MAX_PLACE_AREA_M2,
    FileLimits,
    Range,
    capacity_range,
)
from envservices.domain.model import (
    BNG_EPSG,
    Asset,
    AssetKind,
    IntensityZone,
    Place,
    RoadLink,
    new_id,
)
from envservices.errors import ImportRefused
from envservices.gis.read import normalise_column, read_layer
from envservices.gis.validate import RowProblem, family, validate_geometries

__all__ = [
    "HIGHWAY_SPEED_KPH",
    "ImportResult",
    "RowProblem",
    "assign_places",
    "import_assets",
    "import_osm",
    "import_places",
    "parse_kind",
]

MAX_LISTED_PROBLEMS = 10
# Share of an asset's length or area that must fall in a second place before it counts as "in two places";
# smaller slivers are digitising noise along shared boundaries.
TWO_PLACES_MIN_SHARE = 0.01

# Typical urban driving speeds by OSM highway class, for a crew vehicle (not the legal limit).
HIGHWAY_SPEED_KPH: dict[str, float] = {
    "motorway": 96.0,
    "motorway_link": 64.0,
    "trunk": 64.0,
    "trunk_link": 48.0,
    "primary": 48.0,
    "primary_link": 40.0,
    "secondary": 40.0,
    "secondary_link": 32.0,
    "tertiary": 32.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "road": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 12.0,
    "busway": 30.0,
}
_NOT_A_STREET = {"proposed", "construction", "abandoned", "razed", "disused", "platform", "raceway"}
_FOOT_ONLY = {"footway", "path", "pedestrian", "steps", "cycleway", "bridleway", "corridor", "elevator"}

_KIND_WORDS: dict[str, AssetKind] = {
    "litter_bin": AssetKind.LITTER_BIN,
    "litterbin": AssetKind.LITTER_BIN,
    "litter": AssetKind.LITTER_BIN,
    "bin": AssetKind.LITTER_BIN,
    "waste_basket": AssetKind.LITTER_BIN,
    "dog_bin": AssetKind.DOG_BIN,
    "dogbin": AssetKind.DOG_BIN,
    "dog_waste": AssetKind.DOG_BIN,
    "dog_waste_bin": AssetKind.DOG_BIN,
    "recycling_bin": AssetKind.RECYCLING_BIN,
    "recycling": AssetKind.RECYCLING_BIN,
    "recycling_on_the_go": AssetKind.RECYCLING_BIN,
    "street_length": AssetKind.STREET_LENGTH,
    "street": AssetKind.STREET_LENGTH,
    "road": AssetKind.STREET_LENGTH,
    "footway": AssetKind.STREET_LENGTH,
    "verge": AssetKind.VERGE,
    "grass_area": AssetKind.GRASS_AREA,
    "grass": AssetKind.GRASS_AREA,
    "amenity_grass": AssetKind.GRASS_AREA,
    "sports_pitch": AssetKind.GRASS_AREA,
    "meadow": AssetKind.GRASS_AREA,
    "shrub_bed": AssetKind.SHRUB_BED,
    "shrub": AssetKind.SHRUB_BED,
    "hedge": AssetKind.HEDGE,
}
_FAMILIES: dict[AssetKind, tuple[str, ...]] = {
    AssetKind.LITTER_BIN: ("point",),
    AssetKind.DOG_BIN: ("point",),
    AssetKind.RECYCLING_BIN: ("point",),
    AssetKind.STREET_LENGTH: ("line",),
    AssetKind.VERGE: ("line", "polygon"),
    AssetKind.GRASS_AREA: ("polygon",),
    AssetKind.SHRUB_BED: ("polygon",),
    AssetKind.HEDGE: ("line", "polygon"),
}
_KIND_BY_FAMILY = {
    "point": AssetKind.LITTER_BIN,
    "line": AssetKind.STREET_LENGTH,
    "polygon": AssetKind.GRASS_AREA,
}

_PLACE_NAME_COLUMNS = ("name", "place_name", "place", "ward_name", "ward", "label", "title")
_ASSET_NAME_COLUMNS = ("name", "asset_name", "site_name", "label", "title")
_ONS_NAME = re.compile(r"^[a-z]{2,5}\d{2}nm$")  # WD13NM, LSOA11NM, LAD19NM ...
_KIND_COLUMNS = ("kind", "asset_kind", "asset_type", "type", "category", "amenity")
_CAPACITY_COLUMNS = ("capacity_l", "capacity", "capacity_litres", "litres", "volume_l", "size_l")
_BOOKKEEPING = {"version", "area_id", "place_id", "source_row"}
_ZONE_COLUMNS = ("zone", "intensity_zone", "intensity", "zone_of_use")


@dataclass(frozen=True)
class ImportResult:
    """What one file gave: domain objects in EPSG:27700 and everything the user should know about it.

    ``not_in_place`` and ``in_two_places`` hold asset ids; each asset's ``attributes["source_row"]`` gives
    its row in the file. ``problems`` are rows left out (only with strict=False); ``repaired`` rows were
    kept after a safe geometry repair.
    """

    places: tuple[Place, ...] = ()
    assets: tuple[Asset, ...] = ()
    roads: tuple[RoadLink, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    not_in_place: tuple[str, ...] = ()
    in_two_places: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    repaired: tuple[RowProblem, ...] = ()
    source: str = ""


def import_places(
    path: str | Path,
    *,
    area_id: str,
    crs: str | int | None = None,
    name_column: str | None = None,
    layer: str | None = None,
    strict: bool = True,
    geometry_only: bool = False,
    limits: FileLimits = DEFAULT_FILE_LIMITS,
) -> ImportResult:
    """Polygons of a file as places of an area, named from a name-like column (``name``, ``WD13NM``...)."""
    frame = read_layer(path, crs=crs, layer=layer, geometry_only=geometry_only, limits=limits)
    name = Path(path).name
    checked = validate_geometries(frame)
    problems = list(checked.problems) + _dropped(frame)
    good = checked.frame
    name_col = _name_column(good, name_column, name, _PLACE_NAME_COLUMNS)
    id_col = _unique_id_column(good)
    zone_col = _first_column(good, _ZONE_COLUMNS)
    crew_col = _first_column(good, ("team_crew_id", "team", "team_crew", "crew"))
    used = {c for c in (name_col, id_col, zone_col, crew_col) if c is not None}
    warnings = list(frame.attrs.get("warnings", []))
    places: list[Place] = []
    for row, record in good.iterrows():
        geometry = record.geometry
        if family(geometry) != "polygon":
            problems.append(RowProblem(int(row), f"is a {geometry.geom_type}, but a place must be a polygon"))
            continue
        too_big = _too_big(geometry, MAX_PLACE_AREA_M2, None, "a place")
        if too_big:
            problems.append(RowProblem(int(row), too_big))
            continue
        place_name = _text(_cell(record, name_col))
        zone = _zone(_cell(record, zone_col), int(row), warnings)
        attributes = _attributes(record, used, good.geometry.name)
        attributes["source_row"] = int(row)
        places.append(
            Place(
                id=_text(record[id_col]) if id_col else new_id("place"),
                name=place_name or f"Place {row}",
                area_id=area_id,
                geometry=geometry,
                character=_text(attributes.pop("character", "")),
                zone=zone or IntensityZone.MEDIUM,
                team_crew_id=_text(_cell(record, crew_col)) or None,
                attributes=attributes,
            )
        )
    _refuse_if_strict(name, problems, strict)
    return ImportResult(
        places=tuple(places),
        problems=tuple(problems),
        warnings=tuple(warnings + [str(r) for r in checked.repaired]),
        repaired=checked.repaired,
        source=str(path),
    )


def import_assets(
    path: str | Path,
    *,
    kind: AssetKind | None,
    places: Sequence[Place],
    crs: str | int | None = None,
    layer: str | None = None,
    name_column: str | None = None,
    strict: bool = True,
    geometry_only: bool = False,
    limits: FileLimits = DEFAULT_FILE_LIMITS,
) -> ImportResult:
    """Assets of one kind (or of the kind in a ``kind`` column, or guessed from geometry), put in places."""
    frame = read_layer(path, crs=crs, layer=layer, geometry_only=geometry_only, limits=limits)
    name = Path(path).name
    checked = validate_geometries(frame)
    problems = list(checked.problems) + _dropped(frame)
    warnings = list(frame.attrs.get("warnings", []))
    good = checked.frame
    kind_col = _first_column(good, _KIND_COLUMNS if kind is None else ("kind",))
    name_col = _name_column(good, name_column, name, _ASSET_NAME_COLUMNS)
    id_col = _unique_id_column(good)
    capacity_col = _first_column(good, _CAPACITY_COLUMNS)
    zone_col = _first_column(good, _ZONE_COLUMNS)
    simple = {c: _first_column(good, (c,)) for c in ("sweep_method", "mower", "site_factor")}
    used = {
        c for c in (kind_col, name_col, id_col, capacity_col, zone_col, *simple.values()) if c is not None
    }
    used.add("place_id")
    guessed = False
    assets: list[Asset] = []
    for row, record in good.iterrows():
        geometry = _single_point(record.geometry)
        fam = family(geometry)
        asset_kind = kind
        if kind is None and kind_col is not None and _text(record[kind_col]):
            asset_kind = parse_kind(record[kind_col])
            if asset_kind is None:
                problems.append(
                    RowProblem(int(row), f"has an unknown asset kind '{_text(record[kind_col])}'")
                )
                continue
        if asset_kind is None:
            asset_kind = _KIND_BY_FAMILY[fam]
            guessed = True
        if fam not in _FAMILIES[asset_kind]:
            problems.append(
                RowProblem(
                    int(row),
                    f"is a {geometry.geom_type}, but a {asset_kind.label} must be a "
                    f"{' or a '.join(_FAMILIES[asset_kind])}",
                )
            )
            continue
        too_big = _too_big(geometry, MAX_ASSET_AREA_M2, MAX_ASSET_LENGTH_M, f"a {asset_kind.label}")
        if too_big:
            problems.append(RowProblem(int(row), too_big))
            continue
        attributes = _attributes(record, used, good.geometry.name)
        attributes["source_row"] = int(row)
        factor = _number(_cell(record, simple["site_factor"]), int(row), "site_factor", warnings)
        capacity = _number(_cell(record, capacity_col), int(row), "capacity", warnings)
        implausible = _implausible(factor, "site_factor", LIMITS["site_factor"]) or _implausible(
            capacity, str(capacity_col), capacity_range(asset_kind), f" for a {asset_kind.label}")
        if implausible:
            problems.append(RowProblem(int(row), implausible))
            continue
        assets.append(
            Asset(
                id=_text(record[id_col]) if id_col else new_id(asset_kind.value),
                kind=asset_kind,
                geometry=geometry,
                name=_text(_cell(record, name_col)),
                capacity_l=capacity,
                zone=_zone(_cell(record, zone_col), int(row), warnings),
                sweep_method=_text(_cell(record, simple["sweep_method"])) or None,
                mower=_text(_cell(record, simple["mower"])) or None,
                site_factor=factor if factor is not None else 1.0,
                attributes=attributes,
            )
        )
    if guessed:
        warnings.append(
            f"{name}: asset kinds were guessed from geometry (point: litter bin, line: street "
            "length, polygon: grass area)."
        )
    _refuse_if_strict(name, problems, strict)
    placed, not_in, in_two = assign_places(assets, places)
    warnings += _placement_warnings(name, placed, not_in, in_two)
    return ImportResult(
        assets=tuple(placed),
        problems=tuple(problems),
        not_in_place=not_in,
        in_two_places=in_two,
        warnings=tuple(warnings + [str(r) for r in checked.repaired]),
        repaired=checked.repaired,
        source=str(path),
    )


def import_osm(
    path: str | Path,
    *,
    places: Sequence[Place],
    area_id: str,
    strict: bool = True,
    limits: FileLimits = DEFAULT_FILE_LIMITS,
) -> ImportResult:
    """Bins, grass, streets and the road network from an OpenStreetMap extract (.osm.pbf or .osm).

    ``amenity=waste_basket`` points become litter bins (dog bins when tagged for dog waste),
    ``landuse=grass`` and ``leisure=park`` polygons grass areas, ``highway=*`` lines street lengths, and the
    drivable ones also road links with a speed by highway class (capped by ``maxspeed``) and one-way rules.
    ``area_id`` is kept on each object's attributes so the services layer knows where it came from.
    """
    name = Path(path).name
    problems: list[RowProblem] = []
    repaired: list[RowProblem] = []
    warnings: list[str] = []
    layers: dict[str, gpd.GeoDataFrame] = {}
    for layer in ("points", "lines", "multipolygons"):
        try:
            frame = read_layer(path, layer=layer, limits=limits)
        except ImportRefused as exc:
            if "no features" in str(exc):
                warnings.append(f"{name} has no {layer}.")
                continue
            raise
        checked = validate_geometries(frame)
        problems += [RowProblem(p.row, f"in layer {layer} {p.reason}") for p in checked.problems]
        repaired += [RowProblem(p.row, f"in layer {layer} {p.reason}") for p in checked.repaired]
        layers[layer] = checked.frame
    _refuse_if_strict(name, problems, strict)
    assets: list[Asset] = []
    roads: list[RoadLink] = []
    if "points" in layers:
        assets += _osm_bins(layers["points"], area_id)
    if "multipolygons" in layers:
        assets += _osm_grass(layers["multipolygons"], area_id, problems)
    if "lines" in layers:
        streets, roads = _osm_streets_and_roads(layers["lines"], area_id, warnings)
        assets += streets
    _refuse_if_strict(name, problems, strict)
    placed, not_in, in_two = assign_places(assets, places)
    warnings += _placement_warnings(name, placed, not_in, in_two)
    return ImportResult(
        assets=tuple(placed),
        roads=tuple(roads),
        problems=tuple(problems),
        not_in_place=not_in,
        in_two_places=in_two,
        warnings=tuple(warnings + [str(r) for r in repaired]),
        repaired=tuple(repaired),
        source=str(path),
    )


def assign_places(
    assets: Sequence[Asset], places: Sequence[Place]
) -> tuple[list[Asset], tuple[str, ...], tuple[str, ...]]:
    """Each asset with its place_id set by spatial join, plus the ids of assets in no place and in two.

    A point goes to the place it lies in (the first, if places overlap or it sits on a shared boundary);
    a line or polygon to the place holding the largest share of its length or area.
    """
    if not assets:
        return [], (), ()
    if not places:
        return list(assets), tuple(a.id for a in assets), ()
    asset_frame = gpd.GeoDataFrame(
        {"a": np.arange(len(assets))}, geometry=[a.geometry for a in assets], crs=BNG_EPSG
    )
    place_frame = gpd.GeoDataFrame(
        {"p": np.arange(len(places))}, geometry=[p.geometry for p in places], crs=BNG_EPSG
    )
    pairs = gpd.sjoin(asset_frame, place_frame, how="inner", predicate="intersects")[["a", "p"]]
    a_idx = pairs["a"].to_numpy()
    p_idx = pairs["p"].to_numpy()
    asset_geoms = np.asarray([a.geometry for a in assets], dtype=object)[a_idx]
    place_geoms = np.asarray([p.geometry for p in places], dtype=object)[p_idx]
    fams = np.asarray([family(g) for g in asset_geoms], dtype=object)
    share = np.ones(len(pairs))
    overlap = shapely.intersection(asset_geoms, place_geoms) if len(pairs) else np.array([])
    for fam, measure in (("line", shapely.length), ("polygon", shapely.area)):
        mask = fams == fam
        if mask.any():
            whole = measure(asset_geoms[mask])
            share[mask] = np.where(whole > 0, measure(overlap[mask]) / np.where(whole > 0, whole, 1.0), 0.0)
    table = pd.DataFrame({"a": a_idx, "p": p_idx, "share": share})
    table = table[table["share"] > 0].sort_values(["a", "share", "p"], ascending=[True, False, True])
    best = table.drop_duplicates("a").set_index("a")["p"]
    counted = table[table["share"] >= TWO_PLACES_MIN_SHARE].groupby("a").size()
    out: list[Asset] = []
    not_in: list[str] = []
    in_two: list[str] = []
    for i, asset in enumerate(assets):
        if i not in best.index:
            out.append(replace(asset, place_id=None))
            not_in.append(asset.id)
            continue
        out.append(replace(asset, place_id=places[int(best[i])].id))
        if counted.get(i, 0) >= 2:
            in_two.append(asset.id)
    return out, tuple(not_in), tuple(in_two)


def parse_kind(value: object) -> AssetKind | None:
    """An asset kind from the words councils use ('Litter Bin', 'dog-bin', 'grass'); None if unknown."""
    key = normalise_column(value)
    if key in _KIND_WORDS:
        return _KIND_WORDS[key]
    if key.endswith("s") and key[:-1] in _KIND_WORDS:
        return _KIND_WORDS[key[:-1]]
    return None


def _placement_warnings(
    name: str, assets: Sequence[Asset], not_in: Sequence[str], in_two: Sequence[str]
) -> list[str]:
    rows = {a.id: a.attributes.get("source_row", a.id) for a in assets}
    out = []
    if not_in:
        out.append(
            f"{name}: {len(not_in)} asset(s) lie in no place ({_row_list([rows[i] for i in not_in])})."
        )
    if in_two:
        out.append(
            f"{name}: {len(in_two)} asset(s) lie in two or more places "
            f"({_row_list([rows[i] for i in in_two])}); "
            "each was put in the place holding most of it."
        )
    return out


def _row_list(rows: Sequence[object]) -> str:
    shown = ", ".join(f"row {r}" if isinstance(r, int) else str(r) for r in rows[:MAX_LISTED_PROBLEMS])
    return shown + (f" and {len(rows) - MAX_LISTED_PROBLEMS} more" if len(rows) > MAX_LISTED_PROBLEMS else "")


def _dropped(frame: gpd.GeoDataFrame) -> list[RowProblem]:
    """Features the reader could not take at all (a GeoJSON feature whose type is not Feature): problems,
    so a strict import is refused and a lenient one says each was skipped."""
    return [RowProblem(row, reason) for row, reason in frame.attrs.get("dropped", [])]


def _refuse_if_strict(name: str, problems: Sequence[RowProblem], strict: bool) -> None:
    if not strict or not problems:
        return
    listed = "; ".join(str(p) for p in sorted(problems, key=lambda p: p.row)[:MAX_LISTED_PROBLEMS])
    more = f" and {len(problems) - MAX_LISTED_PROBLEMS} more" if len(problems) > MAX_LISTED_PROBLEMS else ""
    raise ImportRefused(
        f"{name} was not imported because {len(problems)} row(s) cannot be used ({listed}{more}); "
        "fix them or import with problem rows skipped."
    )


def _first_column(frame: pd.DataFrame, candidates: Iterable[str]) -> str | None:
    by_key = {normalise_column(c): c for c in frame.columns if c != frame.geometry.name}
    for candidate in candidates:
        if candidate in by_key:
            return by_key[candidate]
    return None


def _name_column(
    frame: gpd.GeoDataFrame, wanted: str | None, file_name: str, candidates: tuple[str, ...]
) -> str | None:
    if wanted is not None:
        if wanted in frame.columns:
            return wanted
        match = _first_column(frame, (normalise_column(wanted),))
        if match is None:
            found = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
            raise ImportRefused(f"{file_name} has no column '{wanted}'; its columns are: {found}.")
        return match
    found = _first_column(frame, candidates)
    if found is not None or candidates is _ASSET_NAME_COLUMNS:
        return found
    return next((c for c in frame.columns if _ONS_NAME.match(normalise_column(c))), None)


def _unique_id_column(frame: pd.DataFrame) -> str | None:
    """An ``id`` column is kept as the object's id only when every row has a distinct one (re-imports)."""
    col = _first_column(frame, ("id",))
    if col is None:
        return None
    values = frame[col]
    if values.isna().any() or values.astype(str).str.strip().eq("").any() or not values.is_unique:
        return None
    return col


def _cell(record: pd.Series, column: str | None) -> object:
    """The row's value in a column that may not exist in this file."""
    return None if column is None else record[column]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _number(value: object, row: int, what: str, warnings: list[str]) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        warnings.append(f"row {row}: {what} '{text}' is not a number and was left empty.")
        return None
    return number


def _implausible(value: float | None, column: str, limits: Range, what: str = "") -> str | None:
    """Why a number read from the file is not plausible (domain/limits.py), or None when it is."""
    if value is None or value in limits:
        return None
    shown = repr(value) if not math.isfinite(value) or abs(value) >= 1e9 else f"{value:g}"
    return f"has {column} {shown}, outside the plausible range{what} ({limits.describe()})"


def _too_big(geometry: BaseGeometry, max_area_m2: float, max_length_m: float | None, what: str) -> str | None:
    """Why a geometry is too large to be what it claims (a place the size of Great Britain), or None."""
    fam = family(geometry)
    if fam == "polygon" and geometry.area > max_area_m2:
        return (f"covers {geometry.area / 1e6:,.0f} km2, more than {what} can ({max_area_m2 / 1e6:,.0f} km2 at "
                "most): check the file's coordinate system or units")
    if fam == "line" and max_length_m is not None and geometry.length > max_length_m:
        return (f"is {geometry.length / 1000:,.0f} km long, more than {what} can ({max_length_m / 1000:,.0f} km "
                "at most): check the file's coordinate system or units")
    return None


def _zone(value: object, row: int, warnings: list[str]) -> IntensityZone | None:
    key = normalise_column(_text(value))
    if not key:
        return None
    try:
        return IntensityZone(key)
    except ValueError:
        warnings.append(
            f"row {row}: zone '{_text(value)}' is not high, medium, low or very_low and was ignored."
        )
        return None


def _json_value(value: object) -> object:
    """Attribute values that survive storage and export: plain str/int/float/bool/dict/list, or None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


MAX_JSON_DEPTH = 20


def _plain_json(value: object, depth: int = 0) -> object:
    """JSON every database stores: NaN and infinity become null (PostgreSQL's JSONB refuses them), and
    nesting deeper than MAX_JSON_DEPTH is refused (ValueError) rather than stored."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v, depth + 1) for v in value]
    return value


def _attributes(record: pd.Series, used: set[str], geometry_name: str) -> dict:
    """The row's other columns, kept so nothing the council recorded is lost.

    An ``attributes`` column holding a JSON object (as envservices exports it) is unpacked, and the
    bookkeeping columns of an envservices export (version, area_id, place_id) are left out, so an export
    imports back as it was.
    """
    out: dict = {}
    packed = record.get("attributes")
    if isinstance(packed, str) and packed.startswith("{"):
        try:
            unpacked = _plain_json(json.loads(packed))
        except (ValueError, RecursionError):
            unpacked = None  # not JSON, or nested too deep for anyone's attributes: kept as text
        if isinstance(unpacked, dict):
            out.update(unpacked)
            used = used | {"attributes"}
    for column, value in record.items():
        if column in used or column == geometry_name or column in _BOOKKEEPING:
            continue
        cleaned = _json_value(value)
        if cleaned is not None and cleaned != "":
            out[str(column)] = cleaned
    return out


def _single_point(geometry: BaseGeometry) -> BaseGeometry:
    """A MultiPoint of one point (common in shapefiles) is just that point."""
    if geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return geometry


# OpenStreetMap ----------------------------------------------------------------------------------------

_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def osm_tags(record: pd.Series) -> dict[str, str]:
    """All tags of an OSM feature: GDAL's own columns plus the hstore-style ``other_tags``."""
    tags: dict[str, str] = {}
    other = record.get("other_tags")
    if isinstance(other, str):
        tags.update({k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _HSTORE.findall(other)})
    for column, value in record.items():
        if column in ("other_tags", "geometry", "osm_id", "osm_way_id", "z_order"):
            continue
        text = _text(value)
        if text:
            tags[str(column)] = text
    return tags


def _osm_id(record: pd.Series, kind: str) -> str:
    way = _text(record.get("osm_way_id"))
    if way:
        return f"osm-way-{way}"
    return f"osm-{kind}-{_text(record.get('osm_id'))}"


def _osm_attributes(tags: dict[str, str], row: int, area_id: str) -> dict:
    return {"source": "openstreetmap", "source_row": row, "area_id": area_id, "osm_tags": tags}


def _osm_bins(points: gpd.GeoDataFrame, area_id: str) -> list[Asset]:
    out = []
    for row, record in points.iterrows():
        tags = osm_tags(record)
        if tags.get("amenity") != "waste_basket":
            continue
        dog = tags.get("waste_basket") == "dog_waste" or tags.get("waste") in ("dog_excrement", "dog_waste")
        out.append(
            Asset(
                id=_osm_id(record, "node"),
                kind=AssetKind.DOG_BIN if dog else AssetKind.LITTER_BIN,
                geometry=record.geometry,
                name=tags.get("name", ""),
                attributes=_osm_attributes(tags, int(row), area_id),
            )
        )
    return out


def _osm_grass(polygons: gpd.GeoDataFrame, area_id: str, problems: list[RowProblem]) -> list[Asset]:
    out = []
    for row, record in polygons.iterrows():
        tags = osm_tags(record)
        if tags.get("landuse") != "grass" and tags.get("leisure") != "park":
            continue
        too_big = _too_big(record.geometry, MAX_ASSET_AREA_M2, None, "a grass area")
        if too_big:
            problems.append(RowProblem(int(row), f"in layer multipolygons {too_big}"))
            continue
        out.append(
            Asset(
                id=_osm_id(record, "relation"),
                kind=AssetKind.GRASS_AREA,
                geometry=record.geometry,
                name=tags.get("name", ""),
                attributes=_osm_attributes(tags, int(row), area_id),
            )
        )
    return out


def _osm_streets_and_roads(
    lines: gpd.GeoDataFrame, area_id: str, warnings: list[str]
) -> tuple[list[Asset], list[RoadLink]]:
    streets: list[Asset] = []
    roads: list[RoadLink] = []
    for row, record in lines.iterrows():
        tags = osm_tags(record)
        highway = tags.get("highway")
        if not highway or highway in _NOT_A_STREET:
            continue
        asset_id = _osm_id(record, "way")
        geometry: BaseGeometry = record.geometry
        streets.append(
            Asset(
                id=asset_id,
                kind=AssetKind.STREET_LENGTH,
                geometry=geometry,
                name=tags.get("name", ""),
                sweep_method="manual" if highway in _FOOT_ONLY else "mechanical",
                attributes={**_osm_attributes(tags, int(row), area_id), "highway": highway},
            )
        )
        if (
            highway not in HIGHWAY_SPEED_KPH
            or tags.get("access") in ("no", "private")
            or tags.get("motor_vehicle") == "no"
        ):
            continue
        oneway_tag = tags.get("oneway", "")
        reverse = oneway_tag == "-1"
        oneway = (
            reverse
            or oneway_tag in ("yes", "1", "true")
            or tags.get("junction") in ("roundabout", "circular")
            or (highway in ("motorway", "motorway_link") and oneway_tag != "no")
        )
        for part in getattr(geometry, "geoms", [geometry]):
            if not isinstance(part, LineString):
                continue
            line = LineString(list(part.coords)[::-1]) if reverse else part
            suffix = "" if geometry.geom_type == "LineString" else f"-{len(roads)}"
            roads.append(
                RoadLink(
                    id=f"road-{asset_id}{suffix}",
                    geometry=line,
                    name=tags.get("name", ""),
                    highway=highway,
                    speed_kph=_road_speed(highway, tags.get("maxspeed", ""), int(row), warnings),
                    oneway=oneway,
                )
            )
    return streets, roads


def _road_speed(highway: str, maxspeed: str, row: int = 0, warnings: list[str] | None = None) -> float:
    """Class speed, capped by a posted limit ('20 mph', '30', '48 km/h') when one is tagged.

    A posted limit outside the plausible speeds (domain/limits.py: 5 to 130 km/h, e.g. '0' or '1e999 mph')
    is a tagging error: it is ignored, with a note, and the class speed kept.
    """
    speed = HIGHWAY_SPEED_KPH[highway]
    match = re.match(r"^\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", maxspeed or "")
    if match:
        limit_kph = float(match.group(1)) * (
            1.609344 if match.group(2) == "mph" else 1.0
        )  # OSM default: km/h
        if limit_kph in LIMITS["speed_kph"]:
            speed = min(speed, limit_kph)
        elif warnings is not None:
            warnings.append(f"row {row}: maxspeed '{maxspeed}' is outside {LIMITS['speed_kph'].describe()} "
                            "and was ignored.")
    return speed
