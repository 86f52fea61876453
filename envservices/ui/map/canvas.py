"""The map: places, assets, roads, depots and routes on a QGraphicsView in British National Grid metres.

Scene coordinates are BNG metres with y flipped (scene y = -northing), so north is up. To keep 10,000 features
smooth, only places are separate items (they are clicked, hovered and coloured one by one); each static layer
is one item that draws only what is exposed, with less detail when zoomed out (layers.py), and point assets
are one item per kind that draws symbols in screen pixels, scaled to the zoom and clustered where dense.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPainterPath,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QToolTip,
    QWidget,
)

from envservices.domain import Area, Asset, AssetKind, Place, RoadLink, Site, SiteKind
from envservices.ui.map.basemap import BASEMAP_LAYERS, Basemap
from envservices.ui.map.layers import (
    DETAIL_MAX_M_PER_PX,
    LINE_STYLES,
    BinClusters,
    ClusterLayer,
    LabelLayer,
    PlaceItem,
    PointLayer,
    PolylineLayer,
    RouteStops,
    ScreenSpaceLayer,
    SelectionLayer,
    _path_item,
    _static_styles,
    line_details,
)
from envservices.ui.map.rounds_layer import ROUND_COLOURS, RoundHighlight, RoundsLayer
from envservices.ui.map.symbols import (
    BACKGROUND,
    CLICK_TOLERANCE_PX,
    LAYERS,
    MAJOR_HIGHWAYS,
    MIN_M_PER_PX,
    OFF_BY_DEFAULT,
    PLACE_ALPHA,
    PLACE_OUTLINE,
    POINT_KINDS,
    POINT_STYLE,
    ROUTE_COLOUR,
    _fill,
    add_geometry,
    cosmetic_pen,
    symbol_pixmap,
)
from envservices.ui.widgets.legend import Legend, LegendEntry, LegendSection, ScaleBar
from envservices.ui.widgets.themes import Theme, plain_theme


class MapCanvas(QGraphicsView):
    """Pan (drag), zoom (wheel, + and -), select (click) and hover a district map."""

    placeSelected = Signal(str)
    assetSelected = Signal(str)
    householdSelected = Signal(int)  # row of the rounds shown (RoundsMap.xy), -1 when cleared
    firstDrawn = Signal()
    scaleChanged = Signal(float)  # metres per pixel
    layersChanged = Signal()
    cursorMoved = Signal(float, float)  # easting, northing in metres

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scene = QGraphicsScene(self)
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setScene(scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setBackgroundBrush(BACKGROUND)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Map")

        self._layers: dict[str, list[QGraphicsItem]] = {key: [] for key, _ in LAYERS}
        self._visible: dict[str, bool] = {key: key not in OFF_BY_DEFAULT for key, _ in LAYERS}
        self._place_items: dict[str, PlaceItem] = {}
        self._places: dict[str, Place] = {}
        self._areas: dict[str, Area] = {}
        self._assets: dict[str, Asset] = {}
        self._sites: dict[str, Site] = {}
        self._point_layers: list[PointLayer] = []
        self._screen_layers: list[ScreenSpaceLayer] = []
        self._extent = QRectF()
        self._theme: Theme = plain_theme()
        self._grades: dict[str, str] = {}
        self._selected: str | None = None
        self._asset_selection = SelectionLayer()
        self._clusters = ClusterLayer(BinClusters([]), QRectF())
        self._route_label = ""
        self._rounds: Any = None  # services.rounds_map.RoundsMap shown, or None before it is read
        self._household = RoundHighlight()
        self._press: QPoint | None = None
        self._panning = False
        self._drawn = False
        self._has_data = False
        self._legend_wanted = True

        self._basemap = Basemap(self)
        self.legend = Legend(self)
        self.scale_bar = ScaleBar(self)
        self.legend.hide()

    # -- data ------------------------------------------------------------------------------------------------
    def set_map_data(self, data: Any) -> None:
        """Draw a district: `data` has areas, places, assets, sites and roads (services.district.MapData)."""
        scene = self.scene()
        scene.clear()
        self._basemap.clear()
        self._layers = {key: [] for key, _ in LAYERS}
        self._place_items.clear()
        self._point_layers.clear()
        self._screen_layers.clear()
        self._selected = None
        self._rounds = None  # another district: its rounds are read again when wanted
        self._household = RoundHighlight()  # scene.clear() deleted the old ones
        self._household_ring = SelectionLayer()
        self._areas = {a.id: a for a in data.areas}
        self._places = {p.id: p for p in data.places}
        self._assets = {a.id: a for a in data.assets}
        self._sites = {s.id: s for s in data.sites}
        dpr = self.devicePixelRatioF() or 1.0

        for place in data.places:
            item = PlaceItem(place)
            self._place_items[place.id] = item
            self._add("places", item)
        self._build_static_layers(data.assets, data.roads)
        self._build_point_layers(data.assets, dpr)
        self._build_sites(data.sites, dpr)
        self._build_labels(data.places)
        self._asset_selection = SelectionLayer()
        self._asset_selection.setZValue(8)
        self._screen_layers.append(self._asset_selection)
        scene.addItem(self._asset_selection)

        self._extent = self._compute_extent(data)
        if not self._extent.isEmpty():
            w, h = self._extent.width(), self._extent.height()
            scene.setSceneRect(self._extent.adjusted(-2 * w, -2 * h, 2 * w, 2 * h))
            self._basemap.set_rect(scene.sceneRect())
        self._has_data = bool(data.places or data.assets or data.roads)
        self.apply_theme(self._theme)
        self._apply_visibility()
        self.zoom_to_extent()
        self._update_legend()

    def _add(self, layer: str, item: QGraphicsItem) -> None:
        self._layers[layer].append(item)
        if layer in BASEMAP_LAYERS:
            self._basemap.add(item)
        else:
            self.scene().addItem(item)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt's name
        """The background colour, then the still layers (basemap.py): cached by the view, scrolled on a pan."""
        super().drawBackground(painter, rect)
        self._basemap.draw(painter, rect)

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

    # -- thematic colouring ----------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        """Colour every place by the theme and show its classes in the legend."""
        self._theme = theme
        for pid, item in self._place_items.items():
            c = QColor(theme.colour(pid))
            c.setAlpha(PLACE_ALPHA)
            item.setBrush(c)
        self._basemap.invalidate()
        self._update_legend()

    def theme(self) -> Theme:
        return self._theme

    def set_latest_grades(self, grades: Mapping[str, Any]) -> None:
        """Latest litter grade per place, for hover tooltips."""
        self._grades = {pid: str(getattr(g, "value", g)) for pid, g in grades.items()}

    def place_brush_colour(self, place_id: str) -> QColor:
        item = self._place_items[place_id]
        c = QColor(item.brush().color())
        c.setAlpha(255)
        return c

    def place_ids(self) -> list[str]:
        return list(self._place_items)

    # -- layers ----------------------------------------------------------------------------------------------
    def layers(self) -> tuple[tuple[str, str], ...]:
        return LAYERS

    def set_layer_visible(self, key: str, visible: bool) -> None:
        if key not in self._visible:
            raise KeyError(f"no map layer '{key}'")
        if self._visible[key] == visible:
            return
        self._visible[key] = visible
        if key == "rounds" and not visible:
            self.select_household(None, emit=True)
        self._apply_visibility()
        self._update_legend()
        self.layersChanged.emit()

    def layer_visible(self, key: str) -> bool:
        return self._visible[key]

    def layer_has_features(self, key: str) -> bool:
        return bool(self._layers.get(key))

    def layer_items(self, key: str) -> list[QGraphicsItem]:
        return list(self._layers[key])

    def _shown(self, key: str) -> bool:
        """Switched on by the user and not too dense at this zoom."""
        limit = DETAIL_MAX_M_PER_PX.get(key)
        return self._visible[key] and (limit is None or self.metres_per_pixel() <= limit)

    def _apply_visibility(self) -> None:
        for key, items in self._layers.items():
            shown = self._shown(key)
            for item in items:
                if item.isVisible() != shown:
                    item.setVisible(shown)
                    if key in BASEMAP_LAYERS:
                        self._basemap.invalidate()

    # -- legend ----------------------------------------------------------------------------------------------
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

    def _update_legend(self) -> None:
        self.legend.set_sections(self.legend_sections())
        self.legend.setVisible(bool(self.legend.sections()) and self._legend_wanted)
        self._place_overlays()

    def set_legend_visible(self, visible: bool) -> None:
        self._legend_wanted = visible
        self._update_legend()

    def _place_overlays(self) -> None:
        margin = 10
        self.legend.set_max_height(int(self.viewport().height() * 0.6))
        w, h = self.legend.width(), self.legend.height()
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

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt's name
        super().scrollContentsBy(dx, dy)
        if getattr(self, "_route_scene", ()) or self._household.row is not None:
            self._place_overlays()

    # -- view ------------------------------------------------------------------------------------------------
    def metres_per_pixel(self) -> float:
        s = abs(self.transform().m11())
        return 1.0 / s if s > 0 else 1.0

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def visible_bng_rect(self) -> tuple[float, float, float, float]:
        """(min_x, min_y, max_x, max_y) of the map on screen, in BNG metres."""
        r = self.visible_scene_rect()
        return r.left(), -r.bottom(), r.right(), -r.top()

    def _view_changed(self) -> None:
        m = self.metres_per_pixel()
        for layer in self._screen_layers:
            layer.set_metres_per_pixel(m)
        self.scale_bar.set_metres_per_pixel(m)
        self._apply_visibility()
        self._basemap.invalidate()  # a new zoom: the still layers are drawn again at its detail
        if getattr(self, "_route_scene", ()) or self._household.row is not None:
            self._place_overlays()
        self.scaleChanged.emit(m)

    def _max_m_per_px(self) -> float:
        if self._extent.isEmpty():
            return 1e6
        vp = self.viewport().rect()
        return 6 * max(self._extent.width() / max(vp.width(), 1), self._extent.height() / max(vp.height(), 1))

    def zoom_by(self, factor: float, anchor_view_pos: QPoint | None = None) -> None:
        """Zoom in (factor > 1) or out, keeping the point under the anchor (or the centre) still."""
        m = self.metres_per_pixel()
        new_m = min(max(m / factor, MIN_M_PER_PX), self._max_m_per_px())
        factor = m / new_m
        if abs(factor - 1.0) < 1e-9:
            return
        if anchor_view_pos is None:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            self.scale(factor, factor)
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        else:
            before = self.mapToScene(anchor_view_pos)
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
            self.scale(factor, factor)
            after = self.mapToScene(anchor_view_pos)
            delta = after - before
            self.translate(delta.x(), delta.y())
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._view_changed()

    def zoom_in(self) -> None:
        self.zoom_by(1.5)

    def zoom_out(self) -> None:
        self.zoom_by(1 / 1.5)

    def _fit(self, rect: QRectF, margin: float = 0.05) -> None:
        if rect.isEmpty():
            rect = rect.adjusted(-50, -50, 50, 50)
        w, h = rect.width(), rect.height()
        target = rect.adjusted(-w * margin, -h * margin, w * margin, h * margin)
        self.resetTransform()
        vp = self.viewport().rect()
        if vp.width() < 2 or vp.height() < 2:
            vp.setSize(self.size())
        # keep the map clear of the legend in the lower left when there is room beside it
        reserved = self.legend.width() + 20 if self.legend.isVisible() and vp.width() > 3 * self.legend.width() else 0
        s = min((vp.width() - reserved) / target.width(), vp.height() / target.height())
        s = min(s, 1 / MIN_M_PER_PX)
        self.setTransform(QTransform.fromScale(s, s))
        self.centerOn(target.center() - QPointF(reserved / 2 / s, 0))
        self._view_changed()
        if self.rounds_layer() is not None and self._visible["rounds"]:
            self._place_overlays()  # the legend to the corner over the fewest households at this view

    def zoom_to_extent(self) -> None:
        self._fit(self._extent)

    def zoom_to_place(self, place_id: str) -> None:
        item = self._place_items.get(place_id)
        if item is None:
            raise KeyError(f"no place '{place_id}' on the map")
        self._fit(item.boundingRect(), margin=0.35)

    def zoom_to_points(self, points: Sequence[tuple[float, float]]) -> None:
        if not points:
            return
        xs = [p[0] for p in points]
        ys = [-p[1] for p in points]
        self._fit(QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys))), margin=0.12)

    # -- selection -------------------------------------------------------------------------------------------
    def select_place(self, place_id: str | None, emit: bool = False) -> None:
        """Highlight a place (None clears the highlight)."""
        if self._selected and self._selected in self._place_items:
            self._place_items[self._selected].set_selected_look(False)
        self._selected = place_id if place_id in self._place_items else None
        self._basemap.invalidate()
        if self._selected:
            self._place_items[self._selected].set_selected_look(True)
            if emit:
                self.placeSelected.emit(self._selected)

    def selected_place(self) -> str | None:
        return self._selected

    def place_at(self, view_pos: QPoint) -> str | None:
        if not self._visible["places"]:
            return None
        return self._basemap.place_at(self.mapToScene(view_pos))

    def feature_at(self, view_pos: QPoint) -> tuple[str, str] | None:
        """('asset'|'site', id) of the point symbol under the cursor, or ('cluster', 'N bins') over a disc."""
        scene_pt = self.mapToScene(view_pos)
        m = self.metres_per_pixel()
        tol = CLICK_TOLERANCE_PX * m
        count = self._clusters.cluster_at(scene_pt.x(), scene_pt.y(), m)
        if count:
            return "cluster", f"{count} bins"
        for layer in reversed(self._point_layers):
            if not layer.isVisible():
                continue
            i = layer.nearest(scene_pt.x(), scene_pt.y(), tol, among=layer.singles(m))
            if i is not None:
                fid = layer.ids[i]
                return ("site" if fid in self._sites else "asset"), fid
        return None

    def select_asset(self, asset_id: str | None) -> None:
        """Ring an asset on the map (None clears the ring); an asset with no point on the map is not ringed."""
        asset = self._assets.get(asset_id) if asset_id else None
        for layer in self._point_layers:
            if asset is None or asset.id not in layer.ids:
                continue
            i = layer.ids.index(asset.id)
            symbol = symbol_pixmap(layer.key, self.devicePixelRatioF() or 1.0,
                                   layer.symbol_px(self.metres_per_pixel()))
            self._asset_selection.select(asset.id, float(layer.xs[i]), float(layer.ys[i]), symbol)
            self._asset_selection.set_metres_per_pixel(self.metres_per_pixel())
            return
        self._asset_selection.select(None)

    def selected_asset(self) -> str | None:
        return self._asset_selection.asset_id

    def view_pos_of(self, x_m: float, y_m: float) -> QPoint:
        """Where a BNG point is on screen (for tests and for placing pop-ups)."""
        return self.mapFromScene(QPointF(x_m, -y_m))

    def click_at(self, view_pos: QPoint) -> None:
        """What a left click does: pick a bin (and its place) or a place."""
        hit = self.feature_at(view_pos)
        if hit and hit[0] == "cluster":  # a disc of many bins: zoom in on it until they come apart
            self.zoom_by(3.0, view_pos)
            return
        if hit and hit[0] == "asset":
            self.select_household(None, emit=True)
            asset = self._assets[hit[1]]
            if asset.place_id:
                self.select_place(asset.place_id, emit=True)
            self.select_asset(asset.id)
            self.assetSelected.emit(asset.id)
            return
        self.select_asset(None)
        row = self.household_at(view_pos)
        if row is not None:  # a household of the rounds shown: it and its round, not the place around it
            self.select_household(row, emit=True)
            return
        self.select_household(None, emit=True)
        pid = self.place_at(view_pos)
        if pid:
            self.select_place(pid, emit=True)

    # -- routes ----------------------------------------------------------------------------------------------
    def show_route(self, points: Sequence[tuple[float, float]], label: str = "", zoom: bool = False) -> None:
        """Draw a crew-day's route through BNG points in order, numbering the stops between start and end."""
        self.clear_route()
        pts = [(float(x), float(y)) for x, y in points]
        if len(pts) < 1:
            return
        path = QPainterPath(QPointF(pts[0][0], -pts[0][1]))
        for x, y in pts[1:]:
            path.lineTo(QPointF(x, -y))
        self._route_label = label
        self._route_scene = [(x, -y) for x, y in pts]
        self._add("route", _path_item(path, cosmetic_pen("#ffffff", 6.0), None, 7.0))
        self._add("route", _path_item(path, cosmetic_pen(ROUTE_COLOUR, 3.0), None, 7.05))
        stops = pts[1:-1] if len(pts) > 2 and pts[0] == pts[-1] else pts
        stops_layer = RouteStops(np.array([p[0] for p in stops]), -np.array([p[1] for p in stops]),
                                 [str(i + 1) for i in range(len(stops))], ROUTE_COLOUR)
        stops_layer.setZValue(7.1)
        stops_layer.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        stops_layer.set_metres_per_pixel(self.metres_per_pixel())
        self._screen_layers.append(stops_layer)
        self._add("route", stops_layer)
        self._apply_visibility()
        self._update_legend()
        if zoom:
            self.zoom_to_points(pts)

    def clear_route(self) -> None:
        for item in self._layers["route"]:
            if item in self._screen_layers:
                self._screen_layers.remove(item)
            self.scene().removeItem(item)
        self._layers["route"] = []
        self._route_label = ""
        self._route_scene = []
        self._update_legend()

    def has_route(self) -> bool:
        return bool(self._layers["route"])

    # -- collection rounds -----------------------------------------------------------------------------------
    def set_rounds(self, data: Any) -> None:
        """Show one stream's rounds (a services.rounds_map.RoundsMap; None or no rounds: nothing)."""
        self.select_household(None, emit=True)  # another stream's rounds: the window forgets the household
        for item in self._layers["rounds"]:
            if item in self._screen_layers:
                self._screen_layers.remove(item)
            self.scene().removeItem(item)
        self._layers["rounds"] = []
        self._rounds = data
        if data is not None and len(data.xy):
            layer = RoundsLayer(data, self.devicePixelRatioF() or 1.0)
            layer.setZValue(4.5)  # over roads and streets, under bins, depots and the route
            self._add("rounds", layer)
            self._household = RoundHighlight()
            self._household.setZValue(4.6)  # its round over the rounds, under bins: a bin there is still clicked
            self._household_ring = SelectionLayer()  # ringed as a picked bin is, over everything
            self._household_ring.setZValue(8)
            for item in (self._household, self._household_ring):
                item.set_metres_per_pixel(self.metres_per_pixel())
                self._screen_layers.append(item)
                self._add("rounds", item)
        self._apply_visibility()
        self._update_legend()
        self.layersChanged.emit()

    def rounds(self) -> Any:
        """The rounds shown (services.rounds_map.RoundsMap), or None when none have been read."""
        return self._rounds

    def rounds_layer(self) -> RoundsLayer | None:
        items = self._layers["rounds"]
        return items[0] if items else None

    def household_at(self, view_pos: QPoint) -> int | None:
        """Row (in the rounds shown) of the household under the cursor, when the rounds are shown."""
        layer = self.rounds_layer()
        if layer is None or not self._visible["rounds"] or not len(layer.xs):
            return None
        scene_pt = self.mapToScene(view_pos)
        tol = CLICK_TOLERANCE_PX * self.metres_per_pixel()
        d2 = (layer.xs - scene_pt.x()) ** 2 + (layer.ys - scene_pt.y()) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= tol * tol else None

    def select_household(self, row: int | None, emit: bool = False) -> None:
        """Ring a household of the rounds shown and draw its round bold (None clears); `emit` tells the window
        (householdSelected: the row, or -1 when a selection is cleared)."""
        layer = self.rounds_layer()
        if row is not None and (layer is None or not 0 <= row < len(layer.xs)):
            raise IndexError(f"no household {row} in the rounds on the map")
        before = self._household.row
        self._household.select(layer if row is not None else None, row)
        if row is None:
            self._household_ring.select(None)
        else:
            dot = layer.dot(int(layer.colour_index[row]), 9)
            self._household_ring.select(f"household {row}", float(layer.xs[row]), float(layer.ys[row]), dot)
        if row is not None:
            self._place_overlays()  # the legend off the ring
        if emit and (row is not None or before is not None):
            self.householdSelected.emit(-1 if row is None else row)

    def selected_household(self) -> int | None:
        """Row (in the rounds shown) of the selected household, or None."""
        return self._household.row

    def household_highlight(self) -> RoundHighlight:
        """The selected household's round drawn bold (for tests and benchmarks); its ring is a SelectionLayer,
        as a picked bin's."""
        return self._household

    # -- tooltips --------------------------------------------------------------------------------------------
    def tooltip_at(self, view_pos: QPoint) -> str:
        hit = self.feature_at(view_pos)
        if hit:
            kind, fid = hit
            if kind == "cluster":
                return f"<b>{fid}</b><br>click to zoom in"
            if kind == "site":
                s = self._sites[fid]
                return f"<b>{s.name}</b><br>{s.kind.value}"
            a = self._assets[fid]
            lines = [f"<b>{a.name or a.kind.label.capitalize()}</b>", a.kind.label]
            if a.capacity_l:
                lines.append(f"capacity {a.capacity_l:.0f} l")
            if a.place_id in self._places:
                lines.append(f"in {self._places[a.place_id].name}")
            return "<br>".join(lines)
        household = self._round_household_text(view_pos)
        if household:
            return household
        pid = self.place_at(view_pos)
        if pid is None:
            return ""
        p = self._places[pid]
        area = self._areas.get(p.area_id)
        kind = p.character or "place"
        lines = [f"<b>{p.name}</b>", f"{kind} · {p.zone.value.replace('_', ' ')} use"]
        if area is not None:
            lines.append(f"{area.name} ({area.regime.value})")
        lines.append(f"Latest litter grade: {self._grades.get(pid, 'not surveyed')}")
        return "<br>".join(lines)

    def _round_household_text(self, view_pos: QPoint) -> str:
        """The round of the household under the cursor, when the rounds are shown: a supervisor checks which
        round (and so which day) serves a street without opening the table."""
        i = self.household_at(view_pos)
        if i is None:
            return ""
        data = self._rounds
        k, stop = data.round_of_row(i)
        r = data.rounds[k]
        week = f", week {r.week}" if r.week else ", every week"
        stream = r.stream.replace("_", " ")
        return (f"<b>{r.name}</b><br>{stream} collection round: {r.day}{week}<br>"
                f"{r.households:,} households; this one is number {stop:,} in its order")

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    # -- mouse and keys --------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._press = event.position().toPoint()
            self._panning = event.button() == Qt.MouseButton.MiddleButton
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        scene_pt = self.mapToScene(event.position().toPoint())
        self.cursorMoved.emit(scene_pt.x(), -scene_pt.y())
        if self._press is not None:
            pos = event.position().toPoint()
            delta = pos - self._press
            if not self._panning and delta.manhattanLength() > 3:
                self._panning = True
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._panning:
                self._press = pos
                self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
                self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._press is not None:
            was_panning = self._panning
            self._press = None
            self._panning = False
            self.viewport().unsetCursor()
            if not was_panning and event.button() == Qt.MouseButton.LeftButton:
                self.click_at(event.position().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25 ** steps, event.position().toPoint())
        event.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_Home:
            self.zoom_to_extent()
        elif key == Qt.Key.Key_Escape and self.selected_household() is not None:
            self.select_household(None, emit=True)
        else:
            super().keyPressEvent(event)

    # -- painting --------------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_overlays()
        self._view_changed()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._has_data and not self._drawn:
            QTimer.singleShot(0, self, self.zoom_to_extent)

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if self._has_data and not self._drawn:
            self._drawn = True
            QTimer.singleShot(0, self, self.firstDrawn.emit)

    def has_drawn(self) -> bool:
        return self._drawn


    def cluster_layer(self) -> ClusterLayer:
        """The counted discs of dense bins (for tests and benchmarks)."""
        return self._clusters
