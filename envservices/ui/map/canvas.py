"""The map: places, assets, roads, depots and routes on a QGraphicsView in British National Grid metres.

Scene coordinates are BNG metres with y flipped (scene y = -northing), so north is up. To keep 10,000 features
smooth, only places are separate items (they are clicked, hovered and coloured one by one); each static layer
is one item that draws only what is exposed, with less detail when zoomed out (layers.py), and point assets
are one item per kind that draws symbols in screen pixels, scaled to the zoom and clustered where dense.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPainterPath,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QToolTip,
    QWidget,
)

from envservices.domain import Area, Asset, Place, Site
from envservices.ui.map.basemap import BASEMAP_LAYERS, Basemap
from envservices.ui.map.canvas_build import CanvasBuild
from envservices.ui.map.canvas_legend import CanvasLegend
from envservices.ui.map.canvas_rounds import CanvasRounds
from envservices.ui.map.layers import (
    DETAIL_MAX_M_PER_PX,
    BinClusters,
    ClusterLayer,
    PlaceItem,
    PointLayer,
    RouteStops,
    ScreenSpaceLayer,
    SelectionLayer,
    _path_item,
)
from envservices.ui.map.rounds_layer import RoundHighlight
from envservices.ui.map.symbols import (
    BACKGROUND,
    CLICK_TOLERANCE_PX,
    LAYERS,
    MIN_M_PER_PX,
    OFF_BY_DEFAULT,
    PLACE_ALPHA,
    ROUTE_COLOUR,
    cosmetic_pen,
    symbol_pixmap,
)
from envservices.ui.widgets.legend import Legend, ScaleBar
from envservices.ui.widgets.themes import Theme, plain_theme


class MapCanvas(CanvasBuild, CanvasLegend, CanvasRounds, QGraphicsView):
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

    # -- legend: canvas_legend.CanvasLegend -------------------------------------------------------------------
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

    def _pick_at(self, view_pos: QPoint) -> tuple[str, str] | None:
        """What a click or hover there is about (as feature_at), a disc of bins giving way to a household of the
        rounds shown under it: at the whole-district view the discs cover most streets, and a click meant for a
        household zoomed in on bins instead. A bin drawn alone still comes before the household under it."""
        hit = self.feature_at(view_pos)
        if hit and hit[0] == "cluster" and self.household_at(view_pos) is not None:
            return None
        return hit

    def click_at(self, view_pos: QPoint) -> None:
        """What a left click does: pick a bin (and its place), a household of the rounds shown, or a place."""
        hit = self._pick_at(view_pos)
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

    # -- collection rounds: canvas_rounds.CanvasRounds ---------------------------------------------------------
    # -- tooltips --------------------------------------------------------------------------------------------
    def tooltip_at(self, view_pos: QPoint) -> str:
        hit = self._pick_at(view_pos)
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
