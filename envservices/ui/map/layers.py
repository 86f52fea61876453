"""The map's layers: items that draw thousands of features cheaply, with less detail the further out the zoom.

One item per kind of feature keeps the scene index small; each item draws only what is in the exposed area,
and chooses its detail from the painter's scale (roads simplified then hidden, bins scaled then clustered).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from envservices.domain import Place
from envservices.ui.map.symbols import (
    PLACE_OUTLINE,
    POINT_STYLE,
    SELECTED_OUTLINE,
    _fill,
    cosmetic_pen,
    geometry_path,
    line_polygons,
    symbol_pixmap,
)

# -- layers drawn in screen pixels --------------------------------------------------------------------------

class ScreenSpaceLayer(QGraphicsItem):
    """Draws something at many scene points in screen pixels; only the points in the exposed area are drawn.

    One item for thousands of points keeps the scene index small, and drawing in device space keeps symbols a
    fixed size without the per-item cost of ItemIgnoresTransformations.
    """

    PAD_PX = 12.0

    def __init__(self, xs: np.ndarray, ys: np.ndarray) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.xs = np.asarray(xs, dtype=float)
        self.ys = np.asarray(ys, dtype=float)  # scene y (already flipped)
        self._m_per_px = 1.0
        if len(self.xs):
            self._extent = QRectF(QPointF(self.xs.min(), self.ys.min()), QPointF(self.xs.max(), self.ys.max()))
        else:
            self._extent = QRectF()

    def set_metres_per_pixel(self, m_per_px: float) -> None:
        """The canvas tells us the zoom so the bounding rect covers symbols that stick out of the points."""
        if m_per_px != self._m_per_px:
            self.prepareGeometryChange()
            self._m_per_px = m_per_px

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        pad = self.PAD_PX * self._m_per_px
        return self._extent.adjusted(-pad, -pad, pad, pad)

    def visible(self, option: QStyleOptionGraphicsItem, painter: QPainter) -> np.ndarray:
        t = painter.worldTransform()
        pad = self.PAD_PX / max(abs(t.m11()), 1e-12)
        r = option.exposedRect.adjusted(-pad, -pad, pad, pad)
        return np.nonzero((self.xs >= r.left()) & (self.xs <= r.right())
                          & (self.ys >= r.top()) & (self.ys <= r.bottom()))[0]

    @staticmethod
    def to_device(t: QTransform, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return t.m11() * xs + t.m21() * ys + t.dx(), t.m12() * xs + t.m22() * ys + t.dy()

    def nearest(self, x: float, y: float, max_dist: float, among: np.ndarray | None = None) -> int | None:
        """Index of the point nearest to scene (x, y) within max_dist scene units (of `among` when given)."""
        idx = np.arange(len(self.xs)) if among is None else among
        if not len(idx):
            return None
        d2 = (self.xs[idx] - x) ** 2 + (self.ys[idx] - y) ** 2
        j = int(np.argmin(d2))
        return int(idx[j]) if d2[j] <= max_dist * max_dist else None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        idx = self.visible(option, painter)
        if not len(idx):
            return
        t = painter.worldTransform()
        dx, dy = self.to_device(t, self.xs[idx], self.ys[idx])
        painter.save()
        painter.resetTransform()
        self.draw(painter, idx, dx, dy, abs(t.m11()))
        painter.restore()

    def draw(self, painter: QPainter, idx: np.ndarray, dx: np.ndarray, dy: np.ndarray, px_per_m: float) -> None:
        raise NotImplementedError


# Bins are drawn a symbol each, scaled with the zoom between these factors of their design size...
SYMBOL_SCALE_MIN, SYMBOL_SCALE_MAX = 0.9, 1.6
SYMBOL_DESIGN_M_PER_PX = 4.0  # ... which is their size at 4 m a pixel
# ... and where CLUSTER_MIN or more bins fall in a CLUSTER_CELL_PX square they become one counted disc.
CLUSTER_CELL_PX = 40.0
CLUSTER_MIN = 4


def symbol_scale(m_per_px: float) -> float:
    """How much bigger than designed a bin symbol is drawn at this zoom: bigger zoomed in, never a speck."""
    scale = (SYMBOL_DESIGN_M_PER_PX / max(m_per_px, 1e-9)) ** 0.3
    return float(np.clip(scale, SYMBOL_SCALE_MIN, SYMBOL_SCALE_MAX))


@dataclass(frozen=True)
class Clusters:
    """Points at one zoom: which are drawn alone, and the counted discs for the dense cells."""

    single: np.ndarray  # indices of points drawn as symbols
    xs: np.ndarray  # scene position of each cluster (mean of its points)
    ys: np.ndarray
    counts: np.ndarray


def cluster_points(xs: np.ndarray, ys: np.ndarray, cell_m: float, min_count: int) -> Clusters:
    """Group points into squares of cell_m anchored at the scene origin (clusters stay put while panning)."""
    if not len(xs) or cell_m <= 0:
        return Clusters(np.arange(len(xs)), np.zeros(0), np.zeros(0), np.zeros(0, int))
    cx = np.floor(xs / cell_m).astype(np.int64)
    cy = np.floor(ys / cell_m).astype(np.int64)
    keys = cx * 4_000_003 + cy
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    dense = counts >= min_count
    if not dense.any():
        return Clusters(np.arange(len(xs)), np.zeros(0), np.zeros(0), np.zeros(0, int))
    sum_x = np.bincount(inverse, weights=xs, minlength=len(uniq))
    sum_y = np.bincount(inverse, weights=ys, minlength=len(uniq))
    single = np.nonzero(~dense[inverse])[0]
    return Clusters(single, (sum_x / counts)[dense], (sum_y / counts)[dense], counts[dense])


class PointLayer(ScreenSpaceLayer):
    """Point assets (or sites) of one kind: a symbol each, scaled to the zoom; where bins are dense the shared
    BinClusters hand them to the ClusterLayer, which draws one counted disc instead."""

    def __init__(self, key: str, xs: np.ndarray, ys: np.ndarray, ids: Sequence[str], dpr: float = 1.0,
                 always_symbol: bool = False) -> None:
        super().__init__(xs, ys)
        self.key = key
        self.ids = list(ids)
        self.dpr = dpr
        self.keys = [key]
        self.symbol_of = np.zeros(len(self.ids), dtype=int)
        self.always_symbol = always_symbol  # depots and tips: never scaled down or clustered
        _, size, self.colour = POINT_STYLE[key]
        self.PAD_PX = size * SYMBOL_SCALE_MAX
        self._pixmaps: dict[tuple[int, int], QPixmap] = {}
        self.shared: BinClusters | None = None
        self.last_drawn = 0  # symbols drawn in the latest paint, for tests and benchmarks

    def add_symbol_kind(self, key: str, mask: np.ndarray, dpr: float) -> None:
        """Draw the points where mask is true with another kind's symbol (tips among depots)."""
        self.keys.append(key)
        self.symbol_of[mask] = len(self.keys) - 1

    def symbol_px(self, m_per_px: float) -> int:
        """The symbol's size in pixels at this zoom."""
        _, size, _ = POINT_STYLE[self.key]
        return size if self.always_symbol else max(6, round(size * symbol_scale(m_per_px)))

    def _pixmap(self, kind: int, size_px: int) -> QPixmap:
        pm = self._pixmaps.get((kind, size_px))
        if pm is None:
            key = self.keys[kind]
            designed = POINT_STYLE[key][1]
            pm = symbol_pixmap(key, self.dpr, size_px if key == self.key else designed)
            self._pixmaps[(kind, size_px)] = pm
        return pm

    def singles(self, m_per_px: float) -> np.ndarray:
        """Indices of the points drawn as symbols at this zoom (the rest are in clusters)."""
        if self.shared is None:
            return np.arange(len(self.xs))
        return self.shared.singles(self, m_per_px)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        t = painter.worldTransform()
        px_per_m = abs(t.m11())
        if px_per_m <= 0:
            return
        single = self.singles(1.0 / px_per_m)
        pad = self.PAD_PX / px_per_m
        r = option.exposedRect.adjusted(-pad, -pad, pad, pad)
        xs, ys = self.xs[single], self.ys[single]
        idx = single[(xs >= r.left()) & (xs <= r.right()) & (ys >= r.top()) & (ys <= r.bottom())]
        self.last_drawn = len(idx)
        if not len(idx):
            return
        painter.save()
        painter.resetTransform()
        size = self.symbol_px(1.0 / px_per_m)
        dx, dy = self.to_device(t, self.xs[idx], self.ys[idx])
        for i, x, y in zip(idx.tolist(), dx.tolist(), dy.tolist()):
            pm = self._pixmap(int(self.symbol_of[i]), size)
            w = pm.width() / pm.devicePixelRatio()
            painter.drawPixmap(QPointF(x - w / 2, y - w / 2), pm)
        painter.restore()


class BinClusters:
    """Which bins are drawn alone and which as counted discs, over all the bin kinds on show, at one zoom.

    Worked out once per zoom (and set of kinds shown) over every bin, about 1 ms for 10,000 points, so a
    partial repaint while panning draws the same discs as the full one; cells are anchored at the scene origin.
    """

    def __init__(self, layers: Sequence[PointLayer]) -> None:
        self.layers = list(layers)
        for layer in self.layers:
            layer.shared = self
        self._key: tuple | None = None
        self._singles: dict[int, np.ndarray] = {}
        self._clusters = Clusters(np.zeros(0, int), np.zeros(0), np.zeros(0), np.zeros(0, int))

    def _update(self, m_per_px: float) -> None:
        shown = tuple(layer.isVisible() for layer in self.layers)
        key = (round(m_per_px, 9), shown)
        if key == self._key:
            return
        self._key = key
        on = [layer for layer, v in zip(self.layers, shown) if v]
        xs = np.concatenate([layer.xs for layer in on]) if on else np.zeros(0)
        ys = np.concatenate([layer.ys for layer in on]) if on else np.zeros(0)
        c = cluster_points(xs, ys, CLUSTER_CELL_PX * m_per_px, CLUSTER_MIN)
        self._clusters = c
        self._singles = {}
        start = 0
        for layer in on:
            n = len(layer.xs)
            mine = c.single[(c.single >= start) & (c.single < start + n)] - start
            self._singles[id(layer)] = mine
            start += n

    def singles(self, layer: PointLayer, m_per_px: float) -> np.ndarray:
        self._update(m_per_px)
        return self._singles.get(id(layer), np.zeros(0, int))

    def clusters(self, m_per_px: float) -> Clusters:
        self._update(m_per_px)
        return self._clusters


class ClusterLayer(QGraphicsItem):
    """The counted discs of dense bins, drawn over the single symbols."""

    COLOUR = QColor("#37474f")

    def __init__(self, shared: BinClusters, extent: QRectF, dpr: float = 1.0) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.shared = shared
        self.dpr = dpr
        self._extent = extent
        self._discs: dict[int, QPixmap] = {}
        self.last_drawn = 0  # discs drawn in the latest paint, for tests and benchmarks

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        pad = 2000.0
        return self._extent.adjusted(-pad, -pad, pad, pad)

    def cluster_at(self, x: float, y: float, m_per_px: float) -> int | None:
        """How many bins the disc at scene (x, y) stands for, if a disc is there."""
        c = self.shared.clusters(m_per_px)
        if not len(c.counts):
            return None
        r = np.array([cluster_radius_px(n) for n in c.counts.tolist()]) * m_per_px
        d2 = (c.xs - x) ** 2 + (c.ys - y) ** 2
        i = int(np.argmin(d2 / (r * r)))
        return int(c.counts[i]) if d2[i] <= r[i] * r[i] else None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        t = painter.worldTransform()
        px_per_m = abs(t.m11())
        self.last_drawn = 0
        if px_per_m <= 0:
            return
        c = self.shared.clusters(1.0 / px_per_m)
        pad = 30 / px_per_m
        r = option.exposedRect.adjusted(-pad, -pad, pad, pad)
        cin = np.nonzero((c.xs >= r.left()) & (c.xs <= r.right())
                         & (c.ys >= r.top()) & (c.ys <= r.bottom()))[0]
        if not len(cin):
            return
        dx, dy = ScreenSpaceLayer.to_device(t, c.xs[cin], c.ys[cin])
        painter.save()
        painter.resetTransform()
        for x, y, n in zip(dx.tolist(), dy.tolist(), c.counts[cin].tolist()):
            pm = self.disc_pixmap(n)
            h = pm.width() / pm.devicePixelRatio() / 2
            painter.drawPixmap(QPointF(x - h, y - h), pm)
        painter.restore()
        self.last_drawn = len(cin)

    def disc_pixmap(self, count: int) -> QPixmap:
        """A disc with its count, drawn once per count and reused."""
        pm = self._discs.get(count)
        if pm is None:
            rad = cluster_radius_px(count)
            side = 2 * rad + 2
            pm = QPixmap(int(math.ceil(side * self.dpr)), int(math.ceil(side * self.dpr)))
            pm.setDevicePixelRatio(self.dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            font = QFont()
            font.setPixelSize(10 if count < 1000 else 9)
            font.setBold(True)
            p.setFont(font)
            fill = QColor(self.COLOUR)
            fill.setAlpha(230)
            rect = QRectF(1, 1, 2 * rad, 2 * rad)
            p.setPen(QPen(QColor("#ffffff"), 2.0))
            p.setBrush(fill)
            p.drawEllipse(rect.adjusted(1, 1, -1, -1))
            p.setPen(QColor("#ffffff"))
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), str(count))
            p.end()
            self._discs[count] = pm
        return pm


def cluster_radius_px(count: int) -> float:
    """A disc's radius grows with the log of its count: up to 4 bins 9 px, 40 bins 13 px, 400 bins 17 px."""
    return 9.0 + 4.0 * math.log10(count / 4.0) if count > 4 else 9.0


class SelectionLayer(ScreenSpaceLayer):
    """The selected asset: a yellow ring with a dark edge around its symbol, drawn above everything else."""

    RING = QColor("#ffd400")
    EDGE = QColor("#1f1f1f")
    PAD_PX = 20.0

    def __init__(self) -> None:
        super().__init__(np.zeros(0), np.zeros(0))
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.symbol: QPixmap | None = None
        self.asset_id: str | None = None

    def select(self, asset_id: str | None, x: float = 0.0, y: float = 0.0,
               symbol: QPixmap | None = None) -> None:
        """Ring the asset at scene (x, y); None clears the ring."""
        self.prepareGeometryChange()
        self.asset_id = asset_id
        self.symbol = symbol
        self.xs = np.array([x]) if asset_id else np.zeros(0)
        self.ys = np.array([y]) if asset_id else np.zeros(0)
        self._extent = QRectF(x, y, 0.0001, 0.0001) if asset_id else QRectF()
        self.update()

    def draw(self, painter: QPainter, idx: np.ndarray, dx: np.ndarray, dy: np.ndarray, px_per_m: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for x, y in zip(dx.tolist(), dy.tolist()):
            rect = QRectF(x - 13, y - 13, 26, 26)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(self.EDGE, 6.5))
            painter.drawEllipse(rect)
            painter.setPen(QPen(self.RING, 4.0))
            painter.drawEllipse(rect)
            if self.symbol is not None:
                w = self.symbol.width() / self.symbol.devicePixelRatio()
                painter.drawPixmap(QPointF(x - w / 2, y - w / 2), self.symbol)


class LabelLayer(ScreenSpaceLayer):
    """Place names with a white halo; a label that would overlap one already drawn is left out."""

    PAD_PX = 120.0

    def __init__(self, xs: np.ndarray, ys: np.ndarray, texts: Sequence[str], priority: Sequence[float]) -> None:
        super().__init__(xs, ys)
        self.texts = list(texts)
        self.order = np.argsort(-np.asarray(priority, dtype=float)) if len(texts) else np.zeros(0, int)
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.font.setBold(True)
        self.dpr = 1.0
        self._pixmaps: dict[int, QPixmap] = {}

    def draw(self, painter: QPainter, idx: np.ndarray, dx: np.ndarray, dy: np.ndarray, px_per_m: float) -> None:
        pos = {int(i): (x, y) for i, x, y in zip(idx.tolist(), dx.tolist(), dy.tolist())}
        fm = QFontMetricsF(self.font)
        height = fm.height()
        cell = 64.0
        taken: dict[tuple[int, int], list[QRectF]] = {}
        for i in self.order.tolist():
            if i not in pos:
                continue
            x, y = pos[i]
            text = self.texts[i]
            w = fm.horizontalAdvance(text)
            rect = QRectF(x - w / 2 - 2, y - height / 2 - 1, w + 4, height + 2)
            cells = [(cx, cy) for cx in range(int(rect.left() // cell), int(rect.right() // cell) + 1)
                     for cy in range(int(rect.top() // cell), int(rect.bottom() // cell) + 1)]
            if any(rect.intersects(r) for c in cells for r in taken.get(c, ())):
                continue
            for c in cells:
                taken.setdefault(c, []).append(rect)
            painter.drawPixmap(QPointF(x - w / 2 - 1, y - height / 2 - 1), self._label(i, w, height, fm))

    def _label(self, i: int, w: float, height: float, fm: QFontMetricsF) -> QPixmap:
        """The label with its halo, drawn once (nine text draws) and reused at every repaint."""
        pm = self._pixmaps.get(i)
        if pm is None:
            dpr = self.dpr
            pm = QPixmap(int(math.ceil((w + 2) * dpr)), int(math.ceil((height + 2) * dpr)))
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            p.setFont(self.font)
            base = QPointF(1, 1 + height / 2 + fm.ascent() / 2 - 1)
            p.setPen(QColor("#ffffff"))
            for ox, oy in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)):
                p.drawText(base + QPointF(ox, oy), self.texts[i])
            p.setPen(QColor("#1f1f1f"))
            p.drawText(base, self.texts[i])
            p.end()
            self._pixmaps[i] = pm
        return pm


class RouteStops(ScreenSpaceLayer):
    """Numbered circles for the stops of a route, in visiting order."""

    PAD_PX = 12.0

    def __init__(self, xs: np.ndarray, ys: np.ndarray, numbers: Sequence[str], colour: QColor) -> None:
        super().__init__(xs, ys)
        self.numbers = list(numbers)
        self.colour = colour
        self.font = QFont()
        self.font.setPixelSize(10)
        self.font.setBold(True)

    def draw(self, painter: QPainter, idx: np.ndarray, dx: np.ndarray, dy: np.ndarray, px_per_m: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.font)
        for i, x, y in zip(idx.tolist(), dx.tolist(), dy.tolist()):
            r = QRectF(x - 9, y - 9, 18, 18)
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(self.colour)
            painter.drawEllipse(r)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(r, int(Qt.AlignmentFlag.AlignCenter), self.numbers[i])


@dataclass(frozen=True)
class LineDetail:
    """How a line layer is drawn while zoomed in at least as far as `max_m_per_px` metres a pixel."""

    max_m_per_px: float
    pens: tuple[QPen, ...]
    simplify_m: float = 0.0  # lines simplified (Douglas-Peucker) to within this many metres; 0 = as recorded
    antialias: bool = True


class PolylineLayer(QGraphicsItem):
    """Many lines drawn one polyline at a time with one or more pens (a casing, then a fill), with less detail
    the further out the zoom: simplified lines, one thin pen without antialiasing, lines under 2 px left out,
    and nothing at all past the last detail level.

    Drawing each polyline directly is much faster than stroking one big path with wide pens; the detail levels
    took the made-up 10,000-feature district's whole view from 189 ms to the figure in the README
    (`python -m envservices.ui.map.bench`).
    """

    MIN_LINE_PX = 2.0

    def __init__(self, geometries: Sequence[Any], details: Sequence[LineDetail], key: str = "") -> None:
        super().__init__()
        self.key = key
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.details = sorted(details, key=lambda d: d.max_m_per_px)
        self._geoms = np.array(list(geometries), dtype=object)
        # each level's polylines are made the first time a paint needs it: the whole district's first paint
        # needs only the coarse ones (the finest, all 11,844 road parts, were most of a start's 0.2 s here)
        self._built: dict[float, tuple[list[QPolygonF], np.ndarray]] = {}
        self._rect = QRectF()
        present = self._geoms[~shapely.is_missing(self._geoms)] if len(self._geoms) else self._geoms
        if len(present) and not shapely.is_empty(present).all():
            minx, miny, maxx, maxy = shapely.total_bounds(present)
            self._rect = QRectF(QPointF(minx, -maxy), QPointF(maxx, -miny))
        self.last_drawn = 0  # polylines drawn in the latest paint, for tests and benchmarks

    def level(self, i: int) -> tuple[list[QPolygonF], np.ndarray]:
        """Detail level i's polylines and their boxes, made on first use (levels that simplify alike share)."""
        tolerance = self.details[i].simplify_m
        if tolerance not in self._built:
            geoms = self._geoms
            simple = shapely.simplify(geoms, tolerance) if tolerance > 0 and len(geoms) else geoms
            self._built[tolerance] = line_polygons(simple)
        return self._built[tolerance]

    def detail_at(self, m_per_px: float) -> int | None:
        """Which detail level draws at this zoom (0 = finest), or None when the layer is hidden there."""
        for i, d in enumerate(self.details):
            if m_per_px <= d.max_m_per_px:
                return i
        return None

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-50, -50, 50, 50)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        self.last_drawn = 0
        px_per_m = abs(painter.worldTransform().m11())
        level = self.detail_at(1.0 / px_per_m if px_per_m > 0 else 1e9)
        if level is None:
            return
        detail = self.details[level]
        lines, rects = self.level(level)
        r = option.exposedRect
        keep = ((rects[:, 2] >= r.left()) & (rects[:, 0] <= r.right())
                & (rects[:, 3] >= r.top()) & (rects[:, 1] <= r.bottom()))
        if level > 0:  # lines shorter than 2 px are noise when zoomed out
            size = np.maximum(rects[:, 2] - rects[:, 0], rects[:, 3] - rects[:, 1]) * px_per_m
            keep &= size >= self.MIN_LINE_PX
        idx = np.nonzero(keep)[0].tolist()
        if not idx:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, detail.antialias)
        drawn = [lines[i] for i in idx]
        for pen in detail.pens:
            painter.setPen(pen)
            for line in drawn:
                painter.drawPolyline(line)
        painter.restore()
        self.last_drawn = len(idx)


class PlaceItem(QGraphicsPathItem):
    """One place polygon: clicked, hovered and coloured on its own."""

    def __init__(self, place: Place) -> None:
        super().__init__(geometry_path(place.geometry))
        self.place_id = place.id
        self.setPen(cosmetic_pen(PLACE_OUTLINE, 1.0))
        self.setZValue(0)
        self.setAcceptHoverEvents(False)

    def set_selected_look(self, selected: bool) -> None:
        self.setPen(cosmetic_pen(SELECTED_OUTLINE, 3.2) if selected else cosmetic_pen(PLACE_OUTLINE, 1.0))
        self.setZValue(0.5 if selected else 0)


class AreaItem(QGraphicsPathItem):
    """Filled areas (grass, beds) as one path: antialiased only when close, where the edges can be seen."""

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if (self.brush().style() != Qt.BrushStyle.NoBrush
                and abs(painter.worldTransform().m11()) < 1.0 / ROADS_FULL_M_PER_PX):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(painter, option, widget)


def _path_item(path: QPainterPath, pen: QPen, brush: QBrush | QColor | None, z: float) -> QGraphicsPathItem:
    item = AreaItem(path)
    item.setPen(pen)
    item.setBrush(QBrush(brush) if brush is not None else QBrush(Qt.BrushStyle.NoBrush))
    item.setZValue(z)
    item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    return item




# style of the static layers: (pen, brush or None, z, legend kind)
def _static_styles() -> dict[str, list[tuple[QPen, QColor | None, float]]]:
    return {
        "grass_area": [(cosmetic_pen("#3d7a2a", 0.8), _fill("#8cc66d", 150), 1.0)],
        "shrub_bed": [(cosmetic_pen("#6b4f2a", 0.8), _fill("#b08850", 170), 1.1)],
        "hedge": [(cosmetic_pen("#2e5e1e", 2.5), None, 1.2)],
        "roads_minor": [(cosmetic_pen("#a39e93", 3.4), None, 2.0), (cosmetic_pen("#ffffff", 2.0), None, 2.05)],
        "roads_major": [(cosmetic_pen("#b8893a", 5.0), None, 2.1), (cosmetic_pen("#fcd68a", 3.4), None, 2.15)],
        "street_length": [(cosmetic_pen("#7b68ee", 1.3), None, 3.0)],
        "verge": [(cosmetic_pen("#52b788", 1.8), None, 3.1)],
        "verge_area": [(cosmetic_pen("#2d6a4f", 0.8), _fill("#95d5b2", 150), 1.05)],
        "hedge_area": [(cosmetic_pen("#1b4332", 0.8), _fill("#40916c", 170), 1.15)],
    }


LINE_STYLES = {"roads_minor", "roads_major", "street_length", "verge", "hedge"}
# Roads closer than this are antialiased; antialiasing a casing and a fill costs 2.7 times as much as not
# (442 roads at 1.4 m a pixel: 49 ms against 18 ms), and it matters only close in.
ROADS_SMOOTH_M_PER_PX = 1.0
# Roads closer than this are drawn with a casing and a fill; further out, simplified in one pen.
ROADS_FULL_M_PER_PX = 2.5
# Minor roads are hidden further out than this; major roads stay, simplified more.
MINOR_ROADS_MAX_M_PER_PX = 9.0


def line_details(key: str) -> list[LineDetail]:
    """The detail levels of a line layer: antialiased when close, then casing and fill without antialiasing,
    then simplified in one thin pen, then (minor roads) hidden. Other line layers are hidden by
    DETAIL_MAX_M_PER_PX beyond their own zoom."""
    pens = tuple(pen for pen, _, _ in _static_styles()[key])
    smooth = LineDetail(ROADS_SMOOTH_M_PER_PX, pens)
    full = LineDetail(ROADS_FULL_M_PER_PX, pens, 0.5, False)
    if key == "roads_minor":
        return [smooth, full, LineDetail(MINOR_ROADS_MAX_M_PER_PX, (cosmetic_pen("#b3ada1", 1.0),), 2.0, False)]
    if key == "roads_major":
        return [smooth, full, LineDetail(12.0, (cosmetic_pen("#c99a45", 2.2),), 3.0, False),
                LineDetail(math.inf, (cosmetic_pen("#c99a45", 1.6),), 15.0, False)]
    return [LineDetail(ROADS_FULL_M_PER_PX, pens), LineDetail(math.inf, pens, 1.5, False)]
# layers too dense to read when zoomed far out are hidden beyond this many metres a pixel
DETAIL_MAX_M_PER_PX = {"street_length": 6.0, "verge": 6.0, "hedge": 6.0, "shrub_bed": 10.0}

