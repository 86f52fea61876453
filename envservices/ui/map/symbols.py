"""What the map draws with: pens, painter paths from shapely geometries, and the point symbols.

Scene coordinates are British National Grid metres with y flipped (scene y = -northing), so north is up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

from envservices.domain import AssetKind, SiteKind

BACKGROUND = QColor("#f4f1ea")
PLACE_OUTLINE = QColor("#4d4d4d")
SELECTED_OUTLINE = QColor("#ff7f00")
ROUTE_COLOUR = QColor("#1f6feb")
PLACE_ALPHA = 190
MAJOR_HIGHWAYS = {"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link"}

# layer key, label shown in the layers list and legend
LAYERS: tuple[tuple[str, str], ...] = (
    ("places", "Places"),
    ("grass_area", "Grass areas"),
    ("shrub_bed", "Shrub beds"),
    ("hedge", "Hedges"),
    ("roads", "Road network"),
    ("street_length", "Streets (cleansing)"),
    ("verge", "Verges"),
    ("litter_bin", "Litter bins"),
    ("dog_bin", "Dog bins"),
    ("recycling_bin", "Recycling bins"),
    ("sites", "Depots and tips"),
    ("rounds", "Collection rounds"),
    ("route", "Route"),
    ("labels", "Place names"),
)
LAYER_LABELS = dict(LAYERS)
OFF_BY_DEFAULT = frozenset({"rounds"})  # 20,000 households' dots hide everything else: shown when asked
POINT_KINDS = (AssetKind.LITTER_BIN, AssetKind.DOG_BIN, AssetKind.RECYCLING_BIN)

MIN_M_PER_PX = 0.05
CLICK_TOLERANCE_PX = 7


def cosmetic_pen(colour: QColor | str, width_px: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen whose width is in screen pixels, whatever the zoom: cheap to stroke and always legible."""
    pen = QPen(QColor(colour), width_px)
    pen.setCosmetic(True)
    pen.setStyle(style)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _ring(coords: Any) -> QPolygonF:
    return _polygon(np.asarray(coords, dtype=np.float64).reshape(-1, np.shape(coords)[-1] or 2)[:, :2])


def _polygon(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF of map points (y flipped for the scene), written straight into its memory: one QPointF
    per vertex made from Python took most of the road layer's 0.2 s at each start (10,092 features)."""
    poly = QPolygonF()
    n = len(xy)
    if n:
        poly.resize(n)
        view = np.frombuffer(shiboken6.VoidPtr(poly.data(), n * 16, True), dtype=np.float64).reshape(n, 2)
        view[:, 0] = xy[:, 0]
        view[:, 1] = -xy[:, 1]
    return poly


def add_geometry(path: QPainterPath, geom: Any) -> None:
    """Append a shapely geometry to a painter path in scene coordinates (y flipped)."""
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind == "Polygon":
        path.addPolygon(_ring(geom.exterior.coords))
        path.closeSubpath()
        for hole in geom.interiors:
            path.addPolygon(_ring(hole.coords))
            path.closeSubpath()
    elif kind in ("LineString", "LinearRing"):
        path.addPolygon(_ring(geom.coords))
    elif kind == "Point":
        path.addEllipse(QPointF(geom.x, -geom.y), 1.0, 1.0)
    else:  # Multi* and collections
        for part in getattr(geom, "geoms", ()):
            add_geometry(path, part)


def geometry_path(geom: Any) -> QPainterPath:
    path = QPainterPath()
    add_geometry(path, geom)
    return path


# -- symbols -------------------------------------------------------------------------------------------------

def _symbol(draw: Callable[[QPainter, float], None], size_px: int, dpr: float) -> QPixmap:
    pm = QPixmap(int(math.ceil(size_px * dpr)), int(math.ceil(size_px * dpr)))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(p, float(size_px))
    p.end()
    return pm


def _circle(fill: str, outline: str = "#ffffff") -> Callable[[QPainter, float], None]:
    def draw(p: QPainter, s: float) -> None:
        p.setPen(QPen(QColor(outline), 1.4))
        p.setBrush(QColor(fill))
        p.drawEllipse(QRectF(1.5, 1.5, s - 3, s - 3))
    return draw


def _square(fill: str, outline: str = "#ffffff", letter: str = "") -> Callable[[QPainter, float], None]:
    def draw(p: QPainter, s: float) -> None:
        p.setPen(QPen(QColor(outline), 1.4))
        p.setBrush(QColor(fill))
        p.drawRect(QRectF(1.5, 1.5, s - 3, s - 3))
        if letter:
            _letter(p, s, letter)
    return draw


def _triangle(fill: str, outline: str = "#ffffff") -> Callable[[QPainter, float], None]:
    def draw(p: QPainter, s: float) -> None:
        p.setPen(QPen(QColor(outline), 1.3))
        p.setBrush(QColor(fill))
        p.drawPolygon(QPolygonF([QPointF(s / 2, 1.2), QPointF(s - 1.2, s - 1.5), QPointF(1.2, s - 1.5)]))
    return draw


def _diamond(fill: str, outline: str = "#ffffff", letter: str = "") -> Callable[[QPainter, float], None]:
    def draw(p: QPainter, s: float) -> None:
        p.setPen(QPen(QColor(outline), 1.4))
        p.setBrush(QColor(fill))
        h = s / 2
        p.drawPolygon(QPolygonF([QPointF(h, 1), QPointF(s - 1, h), QPointF(h, s - 1), QPointF(1, h)]))
        if letter:
            _letter(p, s, letter)
    return draw


def _letter(p: QPainter, s: float, letter: str) -> None:
    f = QFont()
    f.setPixelSize(int(s * 0.55))
    f.setBold(True)
    p.setFont(f)
    p.setPen(QColor("#ffffff"))
    p.drawText(QRectF(0, 0, s, s), int(Qt.AlignmentFlag.AlignCenter), letter)


POINT_STYLE: dict[str, tuple[Callable[[QPainter, float], None], int, QColor]] = {
    AssetKind.LITTER_BIN.value: (_circle("#264653"), 9, QColor("#264653")),
    AssetKind.DOG_BIN.value: (_square("#c0392b"), 9, QColor("#c0392b")),
    AssetKind.RECYCLING_BIN.value: (_triangle("#2a9d8f"), 10, QColor("#2a9d8f")),
    SiteKind.DEPOT.value: (_square("#1d3557", letter="D"), 17, QColor("#1d3557")),
    SiteKind.TIP.value: (_diamond("#7f5539", letter="T"), 18, QColor("#7f5539")),
}


def symbol_pixmap(key: str, dpr: float = 1.0, size_px: int | None = None) -> QPixmap:
    """A kind of point's symbol at its designed size, or at size_px (bins grow and shrink with the zoom)."""
    draw, size, _ = POINT_STYLE[key]
    return _symbol(draw, size_px or size, dpr)


def line_polygons(geoms: Any) -> tuple[list[QPolygonF], np.ndarray]:
    """`line_parts` of many geometries at once, in the same order, with each part's scene bounding box
    (left, top, right, bottom): shapely reads every coordinate in one call instead of one per part."""
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))] if len(arr) else arr
    parts = shapely.get_parts(arr) if len(arr) else arr
    kinds = shapely.get_type_id(parts) if len(parts) else np.zeros(0, dtype=int)
    if np.isin(kinds, (4, 5, 6, 7)).any():  # a collection inside a collection: the plain way
        lines = [part for g in arr for part in line_parts(g)]
        rects = np.array([[r.left(), r.top(), r.right(), r.bottom()]
                          for r in (pl.boundingRect() for pl in lines)]).reshape(-1, 4)
        return lines, rects
    polygons = kinds == 3
    parts = parts.copy()
    parts[polygons] = shapely.get_exterior_ring(parts[polygons])
    parts = parts[np.isin(kinds, (1, 2, 3)) & ~shapely.is_empty(parts)]
    if not len(parts):
        return [], np.zeros((0, 4))
    xy = shapely.get_coordinates(parts)
    counts = shapely.get_num_coordinates(parts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    lines = [_polygon(xy[a:a + n]) for a, n in zip(starts.tolist(), counts.tolist(), strict=True)]
    x, y = xy[:, 0], -xy[:, 1]
    rects = np.column_stack([np.minimum.reduceat(x, starts), np.minimum.reduceat(y, starts),
                             np.maximum.reduceat(x, starts), np.maximum.reduceat(y, starts)])
    return lines, rects


def line_parts(geom: Any) -> list[QPolygonF]:
    """The lines of a geometry as polygons in scene coordinates (polygon outlines count as lines)."""
    if geom is None or geom.is_empty:
        return []
    kind = geom.geom_type
    if kind in ("LineString", "LinearRing"):
        return [_ring(geom.coords)]
    if kind == "Polygon":
        return [_ring(geom.exterior.coords)]
    return [part for g in getattr(geom, "geoms", ()) for part in line_parts(g)]


def _fill(colour: str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c

