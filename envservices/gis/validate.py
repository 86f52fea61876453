"""Check and repair geometries before they become places and assets.

Council data often holds self-intersecting polygons (a bow-tie drawn by hand). ``shapely.make_valid`` fixes
those, but it can also turn a polygon into a line or a point, which would silently change what the asset is
(a grass area with no area). So a repair is kept only when it stays in the same geometry family and keeps
some size; otherwise the row is reported by its number in the file and the user decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.geometry import GeometryCollection, MultiLineString, MultiPoint, MultiPolygon
from shapely.geometry.base import BaseGeometry

__all__ = ["RowProblem", "Validated", "family", "validate_geometries"]

_FAMILY_OF_TYPE = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "LinearRing": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}
_MULTI = {"point": MultiPoint, "line": MultiLineString, "polygon": MultiPolygon}


@dataclass(frozen=True)
class RowProblem:
    """A row of the file that could not be used as it is: its 1-based number and why, in plain words."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True)
class Validated:
    """The usable rows (geometry repaired where safe), the rows left out, and what was repaired."""

    frame: gpd.GeoDataFrame
    problems: tuple[RowProblem, ...]
    repaired: tuple[RowProblem, ...]


def family(geometry: BaseGeometry | None) -> str | None:
    """'point', 'line' or 'polygon' (single or multi), or None for a collection or nothing."""
    if geometry is None:
        return None
    return _FAMILY_OF_TYPE.get(geometry.geom_type)


def _same_family_part(geometry: BaseGeometry, wanted: str) -> BaseGeometry | None:
    """The parts of a repaired geometry in the wanted family, merged; None if there are none."""
    if family(geometry) == wanted:
        return geometry
    if isinstance(geometry, GeometryCollection):
        parts: list[BaseGeometry] = []
        for part in geometry.geoms:
            if family(part) == wanted:
                parts.extend(getattr(part, "geoms", [part]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else _MULTI[wanted](parts)
    return None


def _has_size(geometry: BaseGeometry, fam: str) -> bool:
    if fam == "polygon":
        return geometry.area > 0
    if fam == "line":
        return geometry.length > 0
    return not geometry.is_empty


def repair(geometry: BaseGeometry) -> tuple[BaseGeometry | None, str]:
    """A valid geometry of the same family, or None and the reason it cannot be repaired safely."""
    reason = shapely.is_valid_reason(geometry)
    fam = family(geometry)
    if fam is None:
        return None, f"has a {geometry.geom_type}, which is neither a point, a line nor a polygon"
    fixed = _same_family_part(shapely.make_valid(geometry), fam)
    if fixed is None or fixed.is_empty or not _has_size(fixed, fam):
        size = "area" if fam == "polygon" else "length"
        return (
            None,
            f"has an invalid {geometry.geom_type.lower()} ({reason}) with no {size} left after repair",
        )
    return fixed, f"repaired an invalid {geometry.geom_type.lower()} ({reason})"


def validate_geometries(frame: gpd.GeoDataFrame) -> Validated:
    """Drop empty and unrepairable rows (reported by index = row number), repair the rest where safe."""
    problems: list[RowProblem] = []
    repaired: list[RowProblem] = []
    keep: list[object] = []
    geometries: list[BaseGeometry] = []
    for row, geometry in zip(frame.index, frame.geometry.values, strict=True):
        if geometry is None or geometry.is_empty:
            problems.append(RowProblem(int(row), "has no usable geometry (empty, missing coordinates, or too few points for its type)"))
            continue
        if not geometry.is_valid:
            fixed, reason = repair(geometry)
            if fixed is None:
                problems.append(RowProblem(int(row), reason))
                continue
            repaired.append(RowProblem(int(row), reason))
            geometry = fixed
        elif family(geometry) is None:
            problems.append(
                RowProblem(
                    int(row), f"has a {geometry.geom_type}, which is neither a point, a line nor a polygon"
                )
            )
            continue
        keep.append(row)
        geometries.append(geometry)
    out = frame.loc[keep].copy()
    out = out.set_geometry(gpd.GeoSeries(geometries, index=out.index, crs=frame.crs))
    out.attrs = dict(frame.attrs)
    return Validated(out, tuple(problems), tuple(repaired))
