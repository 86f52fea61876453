"""Write designed collection rounds for the council's GIS: one line per round, the households changing day."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point

from envservices.domain.model import BNG_EPSG

__all__ = ["write_round_layers"]


def write_round_layers(path: Path, rounds: list[dict], changes: list[dict]) -> None:
    """A GeoPackage with layer `rounds` (each round's path through its streets) and `households_changing`."""
    path = Path(path)
    if path.exists():
        path.unlink()
    geoms = [LineString(r["coords"]) if len(r["coords"]) > 1 else Point(r["coords"][0]) for r in rounds]
    rows = [{k: v for k, v in r.items() if k != "coords"} for r in rounds]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=BNG_EPSG)
    frame.to_file(path, layer="rounds", driver="GPKG")
    if changes:
        moved = gpd.GeoDataFrame(
            [{k: v for k, v in c.items() if k not in ("easting", "northing")} for c in changes],
            geometry=[Point(c["easting"], c["northing"]) for c in changes], crs=BNG_EPSG,
        )
        moved.to_file(path, layer="households_changing", driver="GPKG", mode="a")
