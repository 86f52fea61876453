"""The map's level of detail: roads simplified then hidden, bins scaled and clustered, a chosen bin ringed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from ui_helpers import grid_district, save_screenshot  # noqa: E402

from envservices.ui.map.layers import (  # noqa: E402
    MINOR_ROADS_MAX_M_PER_PX,
    ROADS_FULL_M_PER_PX,
    ROADS_SMOOTH_M_PER_PX,
    PointLayer,
    PolylineLayer,
    SelectionLayer,
    cluster_points,
)
from envservices.ui.widgets.map_canvas import MapCanvas  # noqa: E402


@pytest.fixture()
def canvas(qtbot):
    district = grid_district(bins_per_place=16)
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(900, 650)
    c.show()
    qtbot.waitExposed(c)
    c.set_map_data(district)
    c.district = district
    return c


def _roads(canvas: MapCanvas) -> dict[str, PolylineLayer]:
    return {item.key: item for item in canvas.layer_items("roads") if isinstance(item, PolylineLayer)}


def _zoom_to(canvas: MapCanvas, m_per_px: float) -> None:
    canvas.zoom_by(canvas.metres_per_pixel() / m_per_px)
    assert canvas.metres_per_pixel() == pytest.approx(m_per_px, rel=1e-6)
    canvas.viewport().grab()


def test_minor_roads_hidden_when_zoomed_out_major_roads_kept(canvas):
    """Zoomed in, both kinds of road draw in full; between the limits simplified; far out only major roads."""
    roads = _roads(canvas)
    minor, major = roads["roads_minor"], roads["roads_major"]
    _zoom_to(canvas, ROADS_SMOOTH_M_PER_PX / 2)
    assert minor.last_drawn > 0 and major.last_drawn > 0
    assert minor.detail_at(canvas.metres_per_pixel()) == 0 and minor.details[0].antialias
    _zoom_to(canvas, (ROADS_SMOOTH_M_PER_PX + ROADS_FULL_M_PER_PX) / 2)
    assert minor.last_drawn > 0 and minor.detail_at(canvas.metres_per_pixel()) == 1
    assert len(minor.details[1].pens) == 2 and not minor.details[1].antialias
    _zoom_to(canvas, (ROADS_FULL_M_PER_PX + MINOR_ROADS_MAX_M_PER_PX) / 2)
    assert minor.last_drawn > 0 and minor.detail_at(canvas.metres_per_pixel()) == 2
    assert len(minor.details[2].pens) == 1
    _zoom_to(canvas, MINOR_ROADS_MAX_M_PER_PX * 1.2)
    assert minor.detail_at(canvas.metres_per_pixel()) is None
    assert minor.last_drawn == 0 and major.last_drawn > 0
    save_screenshot(canvas, "map_zoomed_out_major_roads")


def test_bins_grow_when_zoomed_in_and_never_become_specks(canvas):
    bins = next(i for i in canvas.layer_items("litter_bin") if isinstance(i, PointLayer))
    assert bins.symbol_px(0.2) > bins.symbol_px(1.5) > bins.symbol_px(20.0) >= 6


def test_cluster_points_groups_dense_cells_only():
    """Five points in one cell make a counted cluster; a point alone stays a symbol."""
    xs = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 500.0])
    ys = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 500.0])
    c = cluster_points(xs, ys, cell_m=50.0, min_count=4)
    assert c.counts.tolist() == [5]
    assert c.xs[0] == pytest.approx(3.0) and c.ys[0] == pytest.approx(3.0)
    assert c.single.tolist() == [5]


def test_dense_bins_cluster_when_zoomed_out_and_come_apart_zoomed_in(canvas, qtbot):
    """Zoomed out, dense bins of every kind draw as counted discs (every bin counted once); a click on a disc
    zooms in, selecting nothing; zoomed in they come apart into symbols."""
    bins = next(i for i in canvas.layer_items("litter_bin") if isinstance(i, PointLayer))
    discs = canvas.cluster_layer()
    _zoom_to(canvas, 10.0)
    assert discs.last_drawn > 0
    save_screenshot(canvas, "map_bin_clusters")
    c = discs.shared.clusters(canvas.metres_per_pixel())
    singles = sum(len(layer.singles(canvas.metres_per_pixel())) for layer in discs.shared.layers)
    assert c.counts.sum() + singles == 12 * 16
    pos = canvas.mapFromScene(float(c.xs[0]), float(c.ys[0]))
    assert canvas.feature_at(pos)[0] == "cluster"
    m = canvas.metres_per_pixel()
    with qtbot.assertNotEmitted(canvas.assetSelected):
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert canvas.metres_per_pixel() < m
    _zoom_to(canvas, 0.5)
    assert discs.last_drawn == 0 and bins.last_drawn > 0


def _ring_pixels_near(canvas: MapCanvas, pos) -> int:
    img = canvas.viewport().grab().toImage()
    ring = SelectionLayer.RING
    hits = 0
    for x in range(pos.x() - 18, pos.x() + 19):
        for y in range(pos.y() - 18, pos.y() + 19):
            c = QColor(img.pixel(x, y))
            if abs(c.red() - ring.red()) + abs(c.green() - ring.green()) + abs(c.blue() - ring.blue()) < 40:
                hits += 1
    return hits


def test_clicked_bin_is_drawn_highlighted_until_something_else_is_clicked(canvas, qtbot):
    place = canvas.district.places[0]
    canvas.zoom_to_place(place.id)
    bin_ = next(a for a in canvas.district.assets if a.kind.is_bin and a.place_id == place.id)
    pos = canvas.view_pos_of(bin_.geometry.x, bin_.geometry.y)
    assert _ring_pixels_near(canvas, pos) == 0
    with qtbot.waitSignal(canvas.assetSelected, timeout=2000):
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert canvas.selected_asset() == bin_.id
    assert _ring_pixels_near(canvas, pos) > 20
    save_screenshot(canvas, "map_selected_bin")
    corner = canvas.view_pos_of(place.geometry.bounds[0] + 15, place.geometry.bounds[1] + 15)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=corner)
    assert canvas.selected_asset() is None
    assert _ring_pixels_near(canvas, pos) == 0
