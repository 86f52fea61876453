"""Building the map's layers from a district's data: area and line layers, point symbols and bin clusters,
depots and tips, place labels, and the district's extent.

A part of `MapCanvas` (a mixin): `set_map_data` calls these once per district.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

from envservices.domain import Asset, AssetKind, Place, RoadLink, Site, SiteKind
from envservices.ui.map.layers import (
    LINE_STYLES,
    BinClusters,
    ClusterLayer,
    LabelLayer,
    PointLayer,
    PolylineLayer,
    _path_item,
    _static_styles,
    line_details,
)
from envservices.ui.map.symbols import (
    MAJOR_HIGHWAYS,
    POINT_KINDS,
    POINT_STYLE,
    add_geometry,
)


class CanvasBuild:
    """Turns MapData into the canvas's layer items (see layers.py for how each draws)."""

    def _build_static_layers(self, assets: Iterable[Asset], roads: Iterable[RoadLink]) -> None:
        paths: dict[str, QPainterPath] = {}
        lines: dict[str, list[QPolygonF]] = {}
        for asset in assets:
            if asset.kind in POINT_KINDS or asset.geometry is None:
                continue
            key = asset.kind.value
            polygonal = "Polygon" in asset.geometry.geom_type
            if asset.kind in (AssetKind.VERGE, AssetKind.HEDGE) and polygonal:
                key += "_area"
            if key in LINE_STYLES:
                lines.setdefault(key, []).append(asset.geometry)
            else:
                add_geometry(paths.setdefault(key, QPainterPath()), asset.geometry)
        for road in roads:
            key = "roads_major" if road.highway in MAJOR_HIGHWAYS else "roads_minor"
            lines.setdefault(key, []).append(road.geometry)
        for key, styles in _static_styles().items():
            layer = "roads" if key.startswith("roads") else {"verge_area": "verge", "hedge_area": "hedge"}.get(key, key)
            if key in LINE_STYLES:
                if lines.get(key):
                    item = PolylineLayer(lines[key], line_details(key), key)
                    item.setZValue(styles[0][2])
                    self._add(layer, item)
                continue
            path = paths.get(key)
            if path is None or path.isEmpty():
                continue
            path.setFillRule(Qt.FillRule.WindingFill)
            for pen, brush, z in styles:
                self._add(layer, _path_item(path, pen, brush, z))

    def _build_point_layers(self, assets: Iterable[Asset], dpr: float) -> None:
        by_kind: dict[str, list[Asset]] = {}
        for a in assets:
            if a.kind in POINT_KINDS and a.geometry is not None and not a.geometry.is_empty:
                by_kind.setdefault(a.kind.value, []).append(a)
        for z, kind in enumerate(POINT_KINDS):
            rows = by_kind.get(kind.value, [])
            if not rows:
                continue
            pts = [a.geometry.centroid if a.geometry.geom_type != "Point" else a.geometry for a in rows]
            layer = PointLayer(kind.value, np.array([p.x for p in pts]), -np.array([p.y for p in pts]),
                               [a.id for a in rows], dpr)
            layer.setZValue(5 + z * 0.1)
            self._point_layers.append(layer)
            self._screen_layers.append(layer)
            self._add(kind.value, layer)
        bins = [layer for layer in self._point_layers if layer.key in POINT_STYLE]
        extent = QRectF()
        for layer in bins:
            extent = extent.united(layer.boundingRect())
        self._clusters = ClusterLayer(BinClusters(bins), extent, dpr)
        self._clusters.setZValue(5.5)
        self.scene().addItem(self._clusters)

    def _build_sites(self, sites: Sequence[Site], dpr: float) -> None:
        if not sites:
            return
        layer = PointLayer(SiteKind.DEPOT.value, np.array([s.geometry.x for s in sites]),
                           -np.array([s.geometry.y for s in sites]), [s.id for s in sites], dpr, always_symbol=True)
        tips = np.array([s.kind is SiteKind.TIP for s in sites])
        if tips.any():
            layer.add_symbol_kind(SiteKind.TIP.value, tips, dpr)
        layer.setZValue(6)
        self._point_layers.append(layer)
        self._screen_layers.append(layer)
        self._add("sites", layer)

    def _build_labels(self, places: Sequence[Place]) -> None:
        if not places:
            return
        pts = [p.geometry.representative_point() for p in places]
        layer = LabelLayer(np.array([p.x for p in pts]), -np.array([p.y for p in pts]), [p.name for p in places],
                           [p.geometry.area for p in places])
        layer.dpr = self.devicePixelRatioF() or 1.0
        layer.setZValue(9)
        layer.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._screen_layers.append(layer)
        self._add("labels", layer)

    @staticmethod
    def _compute_extent(data: Any) -> QRectF:
        rect = QRectF()
        geoms = [p.geometry for p in data.places] + [s.geometry for s in data.sites]
        if not data.places:
            geoms += [a.geometry for a in data.assets] + [r.geometry for r in data.roads]
        for g in geoms:
            if g is None or g.is_empty:
                continue
            x0, y0, x1, y1 = g.bounds
            rect = rect.united(QRectF(QPointF(x0, -y1), QPointF(x1, -y0)))
        return rect
