"""Write places, assets, sites and roads back out for the council's GIS (QGIS, ArcGIS) and web maps.

The GeoPackage keeps British National Grid and one layer per kind of thing, as GIS officers expect. The
GeoJSON is one FeatureCollection with a ``layer`` and ``kind`` property on every feature; by default it is
in WGS84 longitude/latitude (EPSG:4326) because RFC 7946 requires it and web maps assume it.
"""

from __future__ import annotations

import enum
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from envservices.domain.model import BNG_EPSG, Area, Asset, AssetKind, Place, RoadLink, Site, SiteKind
from envservices.errors import UserError

__all__ = ["export_geojson", "export_gpkg", "layers_of"]

_SITE_LAYERS = {SiteKind.DEPOT: "depots", SiteKind.TIP: "tips"}


def _plain(value: object) -> object:
    """A value a GIS attribute table can hold: enums by value, sets and dicts as JSON text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (frozenset, set, tuple, list)):
        return json.dumps(
            sorted(str(v) for v in value)
            if isinstance(value, (frozenset, set))
            else [_plain(v) for v in value]
        )
    if isinstance(value, dict):
        return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _frame(objects: Sequence[object], layer: str) -> gpd.GeoDataFrame:
    """A layer's rows: every dataclass field as a column (attributes as JSON), geometry in EPSG:27700."""
    names = [f.name for f in fields(objects[0]) if f.name != "geometry"]  # type: ignore[arg-type]
    rows = [{name: _plain(getattr(obj, name)) for name in names} for obj in objects]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=names),
        geometry=[obj.geometry for obj in objects],
        crs=BNG_EPSG,
    )
    frame.attrs["layer"] = layer
    return frame


def layers_of(
    *,
    places: Iterable[Place] = (),
    assets: Iterable[Asset] = (),
    sites: Iterable[Site] = (),
    roads: Iterable[RoadLink] = (),
    areas: Iterable[Area] = (),
) -> dict[str, gpd.GeoDataFrame]:
    """One frame per layer (areas, places, litter_bin, ..., depots, tips, roads); empty layers left out."""
    groups: dict[str, list[object]] = {}
    groups["areas"] = [a for a in areas if a.geometry is not None]
    groups["places"] = list(places)
    by_kind: dict[AssetKind, list[object]] = {kind: [] for kind in AssetKind}
    for asset in assets:
        by_kind[asset.kind].append(asset)
    for kind, items in by_kind.items():
        groups[kind.value] = items
    by_site: dict[SiteKind, list[object]] = {kind: [] for kind in SiteKind}
    for site in sites:
        by_site[site.kind].append(site)
    for kind, items in by_site.items():
        groups[_SITE_LAYERS[kind]] = items
    groups["roads"] = list(roads)
    return {name: _frame(items, name) for name, items in groups.items() if items}


_MULTI_OF = {
    "Point": shapely.multipoints,
    "LineString": shapely.multilinestrings,
    "Polygon": shapely.multipolygons,
}


def _promote(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Single and multi parts of one family in one layer become multi, so the layer has one geometry type."""
    types = set(frame.geom_type)
    families = {t.removeprefix("Multi") for t in types}
    if len(types) == 1 or len(families) != 1 or next(iter(families)) not in _MULTI_OF:
        return frame
    make = _MULTI_OF[next(iter(families))]
    promoted = [g if g.geom_type.startswith("Multi") else make([g]) for g in frame.geometry.values]
    return frame.set_geometry(gpd.GeoSeries(promoted, index=frame.index, crs=frame.crs))


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write next to the target and rename, so a failed export never leaves half a file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    os.unlink(temporary)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def export_gpkg(
    path: str | Path,
    *,
    places: Iterable[Place] = (),
    assets: Iterable[Asset] = (),
    sites: Iterable[Site] = (),
    roads: Iterable[RoadLink] = (),
    areas: Iterable[Area] = (),
) -> list[str]:
    """A GeoPackage in EPSG:27700, one layer per kind, replacing ``path``; returns the layer names."""
    layers = layers_of(places=places, assets=assets, sites=sites, roads=roads, areas=areas)
    target = Path(path)
    if not layers:
        raise UserError(f"There is nothing to export to {target.name}: no places, assets, sites or roads.")

    def write(temporary: Path) -> None:
        for name, frame in layers.items():
            frame = _promote(frame)
            geometry_type = None if len(set(frame.geom_type)) == 1 else "Unknown"
            pyogrio.write_dataframe(
                frame,
                temporary,
                layer=name,
                driver="GPKG",
                geometry_type=geometry_type,
                append=temporary.exists(),
            )

    _replace_atomically(target, write)
    return list(layers)


def export_geojson(
    path: str | Path,
    *,
    places: Iterable[Place] = (),
    assets: Iterable[Asset] = (),
    sites: Iterable[Site] = (),
    roads: Iterable[RoadLink] = (),
    areas: Iterable[Area] = (),
    crs: int = 4326,
) -> int:
    """One FeatureCollection with ``layer`` and ``kind`` on each feature; returns the number of features.

    RFC 7946 GeoJSON must be WGS84 longitude/latitude (EPSG:4326), which is the default here. ``crs=27700``
    writes British National Grid metres instead, with a ``crs`` member, for GIS tools that accept it.
    """
    if crs not in (4326, BNG_EPSG):
        raise UserError(f"GeoJSON can be written in EPSG:4326 or EPSG:27700, not EPSG:{crs}.")
    layers = layers_of(places=places, assets=assets, sites=sites, roads=roads, areas=areas)
    target = Path(path)
    if not layers:
        raise UserError(f"There is nothing to export to {target.name}: no places, assets, sites or roads.")
    features: list[dict] = []
    for name, frame in layers.items():
        frame = frame.to_crs(epsg=crs)
        if crs == 4326:
            frame = frame.set_geometry(shapely.orient_polygons(frame.geometry.values))  # right-hand rule
        collection = json.loads(frame.to_json(na="null", drop_id=True))
        for feature in collection["features"]:
            properties = feature["properties"]
            if isinstance(properties.get("attributes"), str):
                properties["attributes"] = json.loads(properties["attributes"])
            feature["properties"] = {"layer": name, "kind": properties.pop("kind", name), **properties}
            features.append(feature)
    document: dict = {"type": "FeatureCollection", "name": target.stem, "features": features}
    if crs != 4326:
        document["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}

    def write(temporary: Path) -> None:
        temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    _replace_atomically(target, write)
    return len(features)
