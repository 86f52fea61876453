"""Collection rounds on the map: each household a dot in its round's colour, each round's order a thin line.

One item draws every household. Far out (beyond DOTS_FINE_M_PER_PX) households that fall in the same few
screen pixels are drawn once, as small squares batched one call per colour, onto one picture cached for the
zoom, so a repaint or a pan only copies pixels; closer in each is a round dot with a light edge, and the
round's order is a thin line in its colour (closer than LINES_M_PER_PX).
Figures: `python -m envservices.ui.map.bench --rounds`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

# Paul Tol's 'muted' qualitative scheme (readable with the common colour-blindnesses), most distinct first.
ROUND_COLOURS: tuple[QColor, ...] = tuple(QColor(c) for c in (
    "#332288", "#ddcc77", "#44aa99", "#cc6677", "#117733", "#88ccee", "#882255", "#999933", "#aa4499"))

LINES_M_PER_PX = 2.5
"""A round's order is drawn as a line only closer than this (further out the lines are a tangle)."""
DOTS_FINE_M_PER_PX = 4.0
"""Closer than this each household is its own round dot; further out, one small square per few pixels."""


def round_colour(index: int) -> QColor:
    return ROUND_COLOURS[index % len(ROUND_COLOURS)]


PICTURE_MAX_PX = 4_000_000
"""Far out, every household is drawn once onto a cached picture of at most this many pixels (16 MB)."""


def _towards_white(c: QColor, share: float) -> QColor:
    return QColor(*(round(v + (255 - v) * share) for v in (c.red(), c.green(), c.blue())))


def dot_px(m_per_px: float) -> int:
    """A household's dot in pixels: 3 at the whole district, 6 at 4 m a pixel, up to 9 close in."""
    if m_per_px > 2 * DOTS_FINE_M_PER_PX:
        return 3
    if m_per_px > DOTS_FINE_M_PER_PX:
        return 4
    return int(np.clip(round(6 * (DOTS_FINE_M_PER_PX / max(m_per_px, 1e-9)) ** 0.25), 6, 9))


class RoundsLayer(QGraphicsItem):
    """Every household of one stream's rounds (a services.rounds_map.RoundsMap)."""

    def __init__(self, data: Any, dpr: float = 1.0) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.data = data
        self.dpr = dpr
        xy = np.asarray(data.xy, dtype=float).reshape(-1, 2)
        self.xs = xy[:, 0]
        self.ys = -xy[:, 1]  # scene y
        self.colour_of_round = np.array([r.colour % len(ROUND_COLOURS) for r in data.rounds], dtype=int)
        self.colour_index = self.colour_of_round[data.round_of] if len(self.xs) else np.zeros(0, int)
        starts = np.asarray(data.starts, dtype=int)
        self._lines = [QPolygonF([QPointF(x, y) for x, y in zip(self.xs[a:b].tolist(),
                                                                self.ys[a:b].tolist())])
                       for a, b in zip(starts[:-1].tolist(), starts[1:].tolist())]
        boxes = [line.boundingRect() for line in self._lines]
        self._line_rects = np.array([[b.left(), b.top(), b.right(), b.bottom()]
                                     for b in boxes]).reshape(-1, 4)
        self._extent = QRectF()
        if len(self.xs):
            self._extent = QRectF(QPointF(self.xs.min(), self.ys.min()),
                                  QPointF(self.xs.max(), self.ys.max()))
        self._dots: dict[tuple[int, int], QPixmap] = {}
        # one pixel wide and opaque (blended with white by hand): Qt's fast cosmetic line path. A 1.3 px
        # see-through pen goes through the full stroker: 2.5-3.7 s for 12 rounds of 500 households
        # (the bench's zoomed-in view) against under 0.1 s for the whole repaint
        self._line_colours = [_towards_white(c, 0.2) for c in ROUND_COLOURS]
        self.last_drawn = 0  # dots (or squares) drawn in the latest paint, for tests and benchmarks
        self.last_lines = 0
        self.last_picture = False  # whether the latest paint blitted the cached picture
        self._cached: tuple[tuple, tuple[QImage, float, float, int] | None] = ((), None)

    def boundingRect(self) -> QRectF:
        return self._extent.adjusted(-60, -60, 60, 60)

    def colour_of(self, i: int) -> QColor:
        """The colour household row i (in data.xy) is drawn in."""
        return ROUND_COLOURS[int(self.colour_index[i])]

    def dot(self, colour: int, size: int) -> QPixmap:
        """A round dot with a white edge, drawn once per colour and size."""
        pm = self._dots.get((colour, size))
        if pm is None:
            side = size + 2
            pm = QPixmap(math.ceil(side * self.dpr), math.ceil(side * self.dpr))
            pm.setDevicePixelRatio(self.dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(QColor(255, 255, 255, 230), 1.0))
            p.setBrush(ROUND_COLOURS[colour])
            p.drawEllipse(QRectF(1, 1, size, size))
            p.end()
            self._dots[(colour, size)] = pm
        return pm

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        self.last_drawn = self.last_lines = 0
        self.last_picture = False
        t = painter.worldTransform()
        px_per_m = abs(t.m11())
        if px_per_m <= 0 or not len(self.xs):
            return
        m_per_px = 1.0 / px_per_m
        size = dot_px(m_per_px)
        pad = (size + 2) * m_per_px
        r = option.exposedRect.adjusted(-pad, -pad, pad, pad)
        if m_per_px <= LINES_M_PER_PX:
            self._draw_lines(painter, r)
        inside = np.nonzero((self.xs >= r.left()) & (self.xs <= r.right())
                            & (self.ys >= r.top()) & (self.ys <= r.bottom()))[0]
        if not len(inside):
            return
        painter.save()
        painter.resetTransform()
        picture = self._picture(m_per_px, size) if m_per_px > DOTS_FINE_M_PER_PX else None
        if picture is not None:  # far out: one cached picture of every household, panning only blits it
            image, left, top, squares = picture
            painter.drawImage(QPointF(t.m11() * left + t.dx(), t.m22() * top + t.dy()), image)
            self.last_drawn, self.last_picture = squares, True
        elif m_per_px > DOTS_FINE_M_PER_PX:
            self._draw_squares(painter, inside, t, m_per_px, size)
        else:
            dx = t.m11() * self.xs[inside] + t.m21() * self.ys[inside] + t.dx()
            dy = t.m12() * self.xs[inside] + t.m22() * self.ys[inside] + t.dy()
            half = (size + 2) / 2
            dots = [self.dot(c, size) for c in range(len(ROUND_COLOURS))]
            draw = painter.drawPixmap
            colours = self.colour_index[inside].tolist()
            for c, x, y in zip(colours, (dx - half).tolist(), (dy - half).tolist()):
                draw(QPointF(x, y), dots[c])
            self.last_drawn = len(inside)
        painter.restore()

    def _draw_lines(self, painter: QPainter, r: QRectF) -> None:
        rects = self._line_rects
        hit = np.nonzero((rects[:, 2] >= r.left()) & (rects[:, 0] <= r.right())
                         & (rects[:, 3] >= r.top()) & (rects[:, 1] <= r.bottom()))[0]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for k in hit.tolist():
            pen = QPen(self._line_colours[int(self.colour_of_round[k])], 1.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPolyline(self._lines[k])
        painter.restore()
        self.last_lines = len(hit)

    def _picture(self, m_per_px: float, size: int) -> tuple[QImage, float, float, int] | None:
        """Every household as squares (as `_draw_squares`) on one transparent picture for this zoom, with its
        scene top-left and its count of squares; None when the picture would be bigger than
        PICTURE_MAX_PX (the whole district at 4-6 m a pixel): then the squares are drawn directly."""
        key = (round(m_per_px, 9), size, self.dpr)
        if self._cached[0] == key:
            return self._cached[1]
        cell_m = size * m_per_px
        cx = np.floor(self.xs / cell_m).astype(np.int64)
        cy = np.floor(self.ys / cell_m).astype(np.int64)
        x0, y0 = int(cx.min()), int(cy.min())
        w, h = (int(cx.max()) - x0 + 1) * size, (int(cy.max()) - y0 + 1) * size
        picture = None
        if w * h <= PICTURE_MAX_PX:
            _, first = np.unique(cx * 4_000_003 + cy, return_index=True)
            image = QImage(math.ceil(w * self.dpr), math.ceil(h * self.dpr),
                           QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(self.dpr)
            image.fill(Qt.GlobalColor.transparent)
            p = QPainter(image)
            p.setPen(Qt.PenStyle.NoPen)
            colours = self.colour_index[first]
            for c in np.unique(colours).tolist():
                mine = first[colours == c]
                p.setBrush(ROUND_COLOURS[c])
                p.drawRects([QRectF(x, y, size, size) for x, y in zip(((cx[mine] - x0) * size).tolist(),
                                                                       ((cy[mine] - y0) * size).tolist())])
            p.end()
            picture = (image, x0 * cell_m, y0 * cell_m, len(first))
        self._cached = (key, picture)
        return picture

    def _draw_squares(self, painter: QPainter, inside: np.ndarray, t: QTransform, m_per_px: float,
                      size: int) -> None:
        """One square per household-covered cell of `size` pixels (the first household's colour), one
        drawRects call per colour: the whole district's 20,000 households become a few thousand squares."""
        cell_m = size * m_per_px
        cx = np.floor(self.xs[inside] / cell_m).astype(np.int64)  # cells anchored in the scene: they stay
        cy = np.floor(self.ys[inside] / cell_m).astype(np.int64)  # put while the map pans
        _, first = np.unique(cx * 4_000_003 + cy, return_index=True)
        colours = self.colour_index[inside[first]]
        ox = t.m11() * cx[first] * cell_m + t.dx()
        oy = t.m22() * cy[first] * cell_m + t.dy()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        for c in np.unique(colours).tolist():
            mine = np.nonzero(colours == c)[0]
            painter.setBrush(ROUND_COLOURS[c])
            painter.drawRects([QRectF(x, y, size, size)
                               for x, y in zip(ox[mine].tolist(), oy[mine].tolist())])
        self.last_drawn = len(first)
