"""The map's legend: what it lists for the layers shown, and which corner it sits in so it hides the least.

A part of `MapCanvas` (a mixin using its layers, theme, route and rounds), kept apart from panning and picking.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor

from envservices.domain import SiteKind
from envservices.ui.map.layers import (
    _static_styles,
)
from envservices.ui.map.rounds_layer import ROUND_COLOURS
from envservices.ui.map.symbols import (
    LAYERS,
    PLACE_ALPHA,
    PLACE_OUTLINE,
    POINT_STYLE,
    ROUTE_COLOUR,
    _fill,
    symbol_pixmap,
)
from envservices.ui.widgets.legend import LegendEntry, LegendSection


class CanvasLegend:
    """The legend's sections and its corner (bottom-left, top-left or top-right: the one over the fewest of the
    route's stops and the rounds' households, never over a picked household's ring)."""

    def legend_sections(self) -> list[LegendSection]:
        dpr = self.devicePixelRatioF() or 1.0
        theme = self._theme
        sections = []
        if self._visible["places"] and self._place_items:
            sections.append(LegendSection(theme.title, tuple(
                LegendEntry(label, "fill", _fill(colour.name(), PLACE_ALPHA), PLACE_OUTLINE)
                for label, colour in theme.classes)))
        features: list[LegendEntry] = []
        bins_shown = False
        styles = _static_styles()
        for key, label in LAYERS:
            if not self._visible[key] or not self._layers[key]:
                continue
            if key in POINT_STYLE:
                features.append(LegendEntry(label, "symbol", QColor(), pixmap=symbol_pixmap(key, dpr)))
                bins_shown = True
            elif key == "sites":
                features.append(LegendEntry("Depot", "symbol", QColor(),
                                            pixmap=symbol_pixmap(SiteKind.DEPOT.value, dpr)))
                if any(s.kind is SiteKind.TIP for s in self._sites.values()):
                    features.append(LegendEntry("Tip", "symbol", QColor(), pixmap=symbol_pixmap("tip", dpr)))
            elif key == "roads":
                casing, fill, _ = styles["roads_minor"][0][0], styles["roads_minor"][1][0], 0
                features.append(LegendEntry(label, "line", fill.color(), casing.color(), width_px=2.0))
            elif key == "rounds":
                continue  # a section of its own, below
            elif key == "route":
                features.append(LegendEntry(f"Route {self._route_label}".strip(), "line", ROUTE_COLOUR,
                                            width_px=3.0))
            elif key in styles:
                pen, brush, _ = styles[key][0]
                if brush is not None and key != "verge":
                    features.append(LegendEntry(label, "fill", brush, pen.color()))
                else:
                    features.append(LegendEntry(label, "line", pen.color(),
                                                dashed=pen.style() != Qt.PenStyle.SolidLine,
                                                width_px=max(1.5, pen.widthF())))
        if bins_shown:
            features.append(LegendEntry("Bins close together (how many)", "symbol", QColor(),
                                        pixmap=self._clusters.disc_pixmap(8)))
        if features:
            sections.append(LegendSection("Features", tuple(features)))
        layer = self.rounds_layer()
        if self._visible["rounds"] and layer is not None and self._rounds.rounds:
            dots = [layer.dot(r.colour % len(ROUND_COLOURS), 9) for r in self._rounds.rounds]
            sections.append(LegendSection(
                f"{self._rounds.stream.replace('_', ' ').capitalize()} rounds · day, week · households",
                tuple(LegendEntry(r.legend_label, "symbol", QColor(), pixmap=dot)
                      for r, dot in zip(self._rounds.rounds, dots, strict=True))))
        return sections

    LEGEND_MAX_SHARE = 0.4
    """The most of the map the legend may cover: a map squeezed under the plan board (1366x768: 120 px high)
    drew the legend over nearly all of it and under the scale bar; it steps aside until the map grows."""

    def _update_legend(self) -> None:
        self.legend.set_sections(self.legend_sections())
        self._place_overlays()

    def set_legend_visible(self, visible: bool) -> None:
        self._legend_wanted = visible
        self._update_legend()

    def _place_overlays(self) -> None:
        margin = 10
        self.legend.set_max_height(int(self.viewport().height() * 0.6))
        w, h = self.legend.width(), self.legend.height()
        room = self.viewport().width() * self.viewport().height()
        self.legend.setVisible(bool(self.legend.sections()) and self._legend_wanted
                               and w * h <= self.LEGEND_MAX_SHARE * room)
        corners = [(margin, max(margin, self.viewport().height() - h - margin)), (margin, margin),
                   (max(margin, self.viewport().width() - w - margin), margin)]
        self.legend.move(*min(corners, key=lambda c: self._route_points_under(c[0], c[1], w, h)))
        sb = self.scale_bar
        sb.move(self.viewport().width() - sb.width() - margin, self.viewport().height() - sb.height() - margin)

    def _route_points_under(self, x: int, y: int, w: int, h: int) -> int:
        """How much of the shown route and rounds a legend at (x, y) of size w x h would cover: the legend goes
        to the corner (bottom-left, top-left, top-right) that hides the fewest, so it never sits on the route
        when another corner is free."""
        pts = getattr(self, "_route_scene", ())
        box = QRectF(x - 6, y - 6, w + 12, h + 12)
        under = 10_000 * sum(1 for px, py in pts if box.contains(QPointF(self.mapFromScene(QPointF(px, py)))))
        picked = self._household.row
        layer = self.rounds_layer()
        if picked is not None and layer is not None:  # never over the picked household's ring, and off its round
            at = self.mapFromScene(QPointF(layer.xs[picked], layer.ys[picked]))
            under += 10_000_000 * box.intersects(QRectF(at.x() - 16, at.y() - 16, 32, 32))
            k = int(layer.data.round_of[picked])
            a, b = int(layer.data.starts[k]), int(layer.data.starts[k + 1])
            t = self.viewportTransform()
            vx = t.m11() * layer.xs[a:b] + t.dx()
            vy = t.m22() * layer.ys[a:b] + t.dy()
            under += 100 * int(np.count_nonzero((vx >= box.left()) & (vx <= box.right())
                                                & (vy >= box.top()) & (vy <= box.bottom())))
        return under + self._households_under(box)

    def _households_under(self, box: QRectF) -> int:
        """How many of the shown rounds' households a legend in `box` (viewport pixels) would hide: with the
        rounds on, the legend goes to the corner over the fewest (a route's stops count for more)."""
        layer = self.rounds_layer()
        if layer is None or not self._visible["rounds"] or not len(layer.xs):
            return 0
        t = self.viewportTransform()
        vx = t.m11() * layer.xs + t.m21() * layer.ys + t.dx()
        vy = t.m12() * layer.xs + t.m22() * layer.ys + t.dy()
        return int(np.count_nonzero((vx >= box.left()) & (vx <= box.right())
                                    & (vy >= box.top()) & (vy <= box.bottom())))
