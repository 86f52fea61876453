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
from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, Qt
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

    def line_of(self, k: int) -> QPolygonF:
        """Round k's households in order, in scene coordinates."""
        return self._lines[k]

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


class RoundHighlight(QGraphicsItem):
    """The picked household's round: its order drawn bold over the thin lines, edged dark, with its households
    on top, at every zoom (the household itself is ringed by the canvas as a picked bin is).

    A small item of its own over the rounds layer: picking or clearing repaints only the picked round's box
    (the layer under it draws just that part, or blits its cached picture far out), never the whole layer.
    """

    EDGE = QColor("#1f1f1f")
    PAD_PX = 8.0

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.row: int | None = None
        self._line = QPolygonF()
        self._colour = QColor()
        self._layer: RoundsLayer | None = None
        self._xs = self._ys = np.zeros(0)
        self._colour_index = 0
        self._box = QRectF()
        self._m_per_px = 1.0
        self.last_points = 0  # steps of the round's order drawn bold, directly or onto the picture, for tests
        self.last_picture = False  # whether the latest paint copied the round's cached picture
        self._cached: tuple[tuple, tuple[QImage, float, float] | None] = ((), None)

    def select(self, layer: RoundsLayer | None, row: int | None) -> None:
        """Draw the round of household `row` of `layer` bold; None clears."""
        self.prepareGeometryChange()
        self._cached = ((), None)
        if layer is None or row is None:
            self.row, self._line, self._box, self._layer = None, QPolygonF(), QRectF(), None
        else:
            k = int(layer.data.round_of[row])
            self.row = row
            self._layer = layer
            self._line = layer.line_of(k)
            a, b = int(layer.data.starts[k]), int(layer.data.starts[k + 1])
            self._xs, self._ys = layer.xs[a:b], layer.ys[a:b]
            self._colour_index = int(layer.colour_of_round[k])
            self._colour = ROUND_COLOURS[self._colour_index]
            self._box = self._line.boundingRect()
        self.update()

    def set_metres_per_pixel(self, m_per_px: float) -> None:
        """The canvas tells us the zoom so the box covers the ring and the casing around the points."""
        if m_per_px != self._m_per_px:
            self.prepareGeometryChange()
            self._m_per_px = m_per_px

    def boundingRect(self) -> QRectF:
        if self.row is None:
            return QRectF()
        pad = self.PAD_PX * self._m_per_px
        return self._box.adjusted(-pad, -pad, pad, pad)

    def _draw_round(self, painter: QPainter, t: QTransform, exposed: QRectF) -> int:
        """The round's order bold and its households on top, in device pixels under `t` (scale and shift
        only), of what falls in `exposed` (scene); returns how many steps of the order were drawn.

        One line per step with flat ends: a wide polyline is stroked as one self-crossing path and round ends
        go through the stroker (0.1-1.2 s for a round of 500 households in the bench against 10-20 ms); the
        round's dots on top cover the joins."""
        vx = t.m11() * self._xs + t.dx()
        vy = t.m22() * self._ys + t.dy()
        e = t.mapRect(exposed).adjusted(-6, -6, 6, 6)  # only the steps crossing what is exposed
        x0, x1, y0, y1 = vx[:-1], vx[1:], vy[:-1], vy[1:]
        cut = np.nonzero((np.maximum(x0, x1) >= e.left()) & (np.minimum(x0, x1) <= e.right())
                         & (np.maximum(y0, y1) >= e.top()) & (np.minimum(y0, y1) <= e.bottom()))[0]
        steps = [QLineF(a, b, c, d) for a, b, c, d in zip(x0[cut].tolist(), y0[cut].tolist(),
                                                             x1[cut].tolist(), y1[cut].tolist())]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for colour, width in ((self.EDGE, 5.5), (self._colour, 3.0)):  # dark-edged: light colours show
            painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawLines(steps)
        size = dot_px(1.0 / max(abs(t.m11()), 1e-12))
        dot = self._layer.dot(self._colour_index, size)
        half = (size + 2) / 2
        inside = np.nonzero((vx >= e.left()) & (vx <= e.right()) & (vy >= e.top()) & (vy <= e.bottom()))[0]
        for x, y in zip((vx[inside] - half).tolist(), (vy[inside] - half).tolist()):
            painter.drawPixmap(QPointF(x, y), dot)
        return len(steps)

    def _picture(self, m_per_px: float) -> tuple[QImage, float, float] | None:
        """The round drawn once at this zoom onto a transparent picture, with the scene point of its top-left
        corner; None when it would be over PICTURE_MAX_PX pixels (a round many times the map, close in):
        then each paint draws what is exposed."""
        dpr = self._layer.dpr if self._layer is not None else 1.0
        key = (self.row, round(m_per_px, 9), dpr)
        if self._cached[0] == key:
            return self._cached[1]
        pad = 8  # pixels around the points: half the casing and a dot
        w = math.ceil(self._box.width() / m_per_px) + 2 * pad
        h = math.ceil(self._box.height() / m_per_px) + 2 * pad
        picture = None
        if w * h * dpr * dpr <= PICTURE_MAX_PX:
            image = QImage(math.ceil(w * dpr), math.ceil(h * dpr), QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(dpr)
            image.fill(Qt.GlobalColor.transparent)
            left, top = self._box.left() - pad * m_per_px, self._box.top() - pad * m_per_px
            p = QPainter(image)
            self.last_points = self._draw_round(p, QTransform(1 / m_per_px, 0, 0, 1 / m_per_px,
                                                              -left / m_per_px, -top / m_per_px),
                                                self._box.adjusted(-pad * m_per_px, -pad * m_per_px,
                                                                   pad * m_per_px, pad * m_per_px))
            p.end()
            picture = (image, left, top)
        self._cached = (key, picture)
        return picture

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self.row is None:
            return
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if len(self._line) > 1:
            m_per_px = 1.0 / max(abs(t.m11()), 1e-12)
            picture = self._picture(m_per_px)
            if picture is not None:  # the round drawn once for this zoom: a pan only copies it
                image, left, top = picture
                # at whole pixels: a fractional place sends the copy through the slow transformed path
                painter.drawImage(QPoint(round(t.m11() * left + t.dx()), round(t.m22() * top + t.dy())), image)
                self.last_picture = True
            else:
                self.last_points = self._draw_round(painter, t, option.exposedRect)
                self.last_picture = False
        painter.restore()
