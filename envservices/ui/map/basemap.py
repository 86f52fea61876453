"""The map's still layers (places, grass, beds, hedges, roads, streets, verges) drawn as the view's cached
background, so that panning moves a picture instead of drawing the district again.

These layers change only when the zoom, the theme, a layer switch or the selected place changes, but they are
most of a repaint: on the made-up district of 10,092 features at the whole-district view (1366x768), the
roads alone were 50 ms of an 82 ms repaint and panning ran at 17-22 frames a second on the shared 2-core
machine (`python -m envservices.ui.map.bench`). They now live in a scene of their own that is never shown;
the view draws it in `drawBackground` with QGraphicsView's CacheBackground, so a pan scrolls the cached
picture and draws only the strip uncovered, and a repaint of the whole viewport blits one picture. Bins,
depots, labels, rounds and the route stay in the view's own scene, drawn every frame in screen pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QStyleOptionGraphicsItem

from envservices.ui.map.layers import PlaceItem

# the map's layers drawn as the cached background (every one of them has a z below the point symbols')
BASEMAP_LAYERS = frozenset({"places", "grass_area", "shrub_bed", "hedge", "roads", "street_length", "verge"})


class Basemap(QObject):
    """A hidden scene of the still layers that `view` draws as its background and keeps as a cached picture.

    Every change that shows (an item's brush, pen, visibility or z) marks the picture stale through the
    scene's `changed` signal; `invalidate()` does it at once for changes the caller makes itself."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self._view = view
        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.scene.changed.connect(lambda _regions: self.invalidate())
        view.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)

    def clear(self) -> None:
        self.scene.clear()
        self.invalidate()

    def add(self, item: QGraphicsItem) -> None:
        self.scene.addItem(item)

    def set_rect(self, rect: QRectF) -> None:
        self.scene.setSceneRect(rect)

    def invalidate(self) -> None:
        """Draw the background again at the next paint (the cached picture no longer shows the layers)."""
        self._view.resetCachedContent()
        self._view.viewport().update()

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        """Draw the layers over the exposed scene `rect` with `painter` in the view's scene coordinates.

        Each item is painted directly with `rect` as its exposed rectangle: QGraphicsScene.render handed the
        road layer its whole extent, so a 25 px strip uncovered by a pan drew every road (87 ms instead of 9)."""
        items = self.scene.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect,
                                 Qt.SortOrder.AscendingOrder)
        if not items:
            return
        option = QStyleOptionGraphicsItem()
        option.exposedRect = rect
        option.rect = rect.toRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for item in items:
            if not item.isVisible():
                continue
            painter.save()
            item.paint(painter, option, None)
            painter.restore()

    def place_at(self, scene_pt: QPointF) -> str | None:
        """The place under a scene point (the topmost, as drawn), or None."""
        for item in self.scene.items(scene_pt):
            if isinstance(item, PlaceItem) and item.isVisible() and item.shape().contains(scene_pt):
                return item.place_id
        return None
