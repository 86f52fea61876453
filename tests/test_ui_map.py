"""The map canvas on a hand-made district: layers, zoom, selection, routes, legend, scale bar and speed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from envservices.domain import Grade  # noqa: E402
from envservices.ui.widgets.legend import format_length, nice_length_m  # noqa: E402
from envservices.ui.widgets.map_canvas import MapCanvas  # noqa: E402
from envservices.ui.widgets.themes import GRADE_COLOURS, NO_DATA, grade_theme, regime_theme  # noqa: E402
from ui_helpers import grid_district, is_blank, save_screenshot  # noqa: E402


@pytest.fixture()
def canvas(qtbot):
    district = grid_district()
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(900, 650)
    c.show()
    qtbot.waitExposed(c)
    c.set_map_data(district)
    c.district = district
    return c


def _centre_pos(canvas: MapCanvas, place) -> QPoint:
    pt = place.geometry.centroid
    return canvas.view_pos_of(pt.x + 7, pt.y + 13)  # beside the route/labels, inside the polygon


def test_map_draws_and_signals_first_paint(canvas, qtbot):
    """The canvas emits firstDrawn after its first paint and the picture is not blank."""
    with qtbot.waitSignal(canvas.firstDrawn, timeout=5000, raising=False):
        canvas.viewport().update()
    canvas.grab()
    assert canvas.has_drawn()
    assert not is_blank(save_screenshot(canvas, "map_grid"))


def test_layers_can_be_hidden_and_shown(canvas):
    """Hiding a layer hides its items and drops it from the legend; showing brings both back."""
    assert all(i.isVisible() for i in canvas.layer_items("litter_bin"))
    canvas.set_layer_visible("litter_bin", False)
    assert not any(i.isVisible() for i in canvas.layer_items("litter_bin"))
    labels = [e.label for s in canvas.legend.sections() for e in s.entries]
    assert "Litter bins" not in labels
    canvas.set_layer_visible("litter_bin", True)
    assert all(i.isVisible() for i in canvas.layer_items("litter_bin"))
    assert "Litter bins" in [e.label for s in canvas.legend.sections() for e in s.entries]
    with pytest.raises(KeyError):
        canvas.set_layer_visible("no such layer", True)


def test_zoom_to_place_changes_view_rect(canvas):
    """Zooming to a place shows a smaller area around it; zoom to extent shows the whole district again."""
    canvas.zoom_to_extent()
    whole = canvas.visible_bng_rect()
    place = canvas.district.places[5]
    canvas.zoom_to_place(place.id)
    near = canvas.visible_bng_rect()
    assert (near[2] - near[0]) < (whole[2] - whole[0]) / 2
    x0, y0, x1, y1 = place.geometry.bounds
    assert near[0] <= x0 and near[1] <= y0 and near[2] >= x1 and near[3] >= y1
    canvas.zoom_to_extent()
    assert canvas.visible_bng_rect() == pytest.approx(whole, rel=1e-6)


def test_wheel_and_keys_zoom(canvas, qtbot):
    """The + and - keys zoom in and out around the centre."""
    m = canvas.metres_per_pixel()
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.metres_per_pixel() < m
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.metres_per_pixel() > m


def test_click_selects_place(canvas, qtbot):
    """A click inside a place emits placeSelected with its id and outlines it."""
    place = canvas.district.places[6]
    pos = _centre_pos(canvas, place)
    with qtbot.waitSignal(canvas.placeSelected, timeout=2000) as blocker:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [place.id]
    assert canvas.selected_place() == place.id


def test_click_on_bin_selects_asset(canvas, qtbot):
    """A click on a bin symbol emits assetSelected with the bin's id."""
    canvas.zoom_to_place(canvas.district.places[0].id)
    bin_ = next(a for a in canvas.district.assets if a.kind.is_bin and a.place_id == canvas.district.places[0].id)
    pos = canvas.view_pos_of(bin_.geometry.x, bin_.geometry.y)
    with qtbot.waitSignal(canvas.assetSelected, timeout=2000) as blocker:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [bin_.id]


def test_drag_pans_without_selecting(canvas, qtbot):
    """Dragging moves the map and does not select anything."""
    before = canvas.visible_bng_rect()
    start = QPoint(400, 300)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for dx in range(10, 110, 10):
        qtbot.mouseMove(canvas.viewport(), QPoint(start.x() + dx, start.y()))
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(start.x() + 100, start.y()))
    after = canvas.visible_bng_rect()
    assert after[0] < before[0]
    assert canvas.selected_place() is None


def test_thematic_colouring_by_grade_and_regime(canvas):
    """Places take their grade's colour (grey when not surveyed) and their area's regime colour."""
    places = canvas.district.places
    canvas.apply_theme(grade_theme({places[0].id: Grade.A, places[1].id: Grade.D}))
    assert canvas.place_brush_colour(places[0].id) == GRADE_COLOURS[Grade.A]
    assert canvas.place_brush_colour(places[1].id) == GRADE_COLOURS[Grade.D]
    assert canvas.place_brush_colour(places[2].id) == NO_DATA
    canvas.apply_theme(regime_theme(places, canvas.district.areas))
    rota = [p for p in places if p.area_id == "area-rota"][0]
    needs = [p for p in places if p.area_id == "area-trial"][0]
    assert canvas.place_brush_colour(rota.id) != canvas.place_brush_colour(needs.id)
    assert canvas.legend.sections()[0].title == "Regime"


def test_tooltip_names_place_and_grade(canvas):
    """Hovering a place tells its name, area and latest grade."""
    place = canvas.district.places[3]
    canvas.set_latest_grades({place.id: Grade.B_MINUS})
    text = canvas.tooltip_at(_centre_pos(canvas, place))
    assert place.name in text and "B-" in text


def test_route_is_drawn_and_cleared(canvas):
    """show_route draws a route layer with numbered stops and a legend line; clear_route removes it."""
    pts = [(p.geometry.centroid.x, p.geometry.centroid.y) for p in canvas.district.places[:4]]
    canvas.show_route(pts, "Crew A, Monday", zoom=True)
    assert canvas.has_route()
    assert any("Crew A" in e.label for s in canvas.legend.sections() for e in s.entries)
    save_screenshot(canvas, "map_route")
    canvas.clear_route()
    assert not canvas.has_route()


def test_scale_bar_follows_zoom(canvas):
    """The scale bar shows a round length that matches the zoom."""
    canvas.zoom_to_extent()
    length_m, length_px = canvas.scale_bar.bar()
    assert length_px == pytest.approx(length_m / canvas.metres_per_pixel())
    canvas.zoom_in()
    assert canvas.scale_bar.bar()[0] <= length_m
    assert nice_length_m(730) == 500 and nice_length_m(0.3) == pytest.approx(0.2)
    assert format_length(2000) == "2 km" and format_length(50) == "50 m"


@pytest.mark.slow
def test_ten_thousand_features_paint(qtbot):
    """About 10,000 features draw at full extent and zoomed in (paint speed belongs in benchmarks)."""
    district = grid_district(columns=25, rows=20, bins_per_place=16)
    assert len(district.assets) + len(district.places) + len(district.roads) >= 10_000
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(1000, 700)
    c.show()
    c.set_map_data(district)
    for _ in range(3):
        c.grab()
    c.zoom_to_place(district.places[250].id)
    assert not c.grab().isNull()


def test_the_legend_moves_off_the_route(canvas):
    """A route through the legend's usual corner (bottom left) sends the legend to a corner it does not cover."""
    from PySide6.QtCore import QPoint, QPointF

    canvas.zoom_to_extent()
    vp = canvas.viewport()
    corner = canvas.mapToScene(QPoint(30, vp.height() - 30))
    middle = canvas.mapToScene(QPoint(vp.width() // 2, vp.height() // 2))
    pts = [(corner.x(), -corner.y()), (middle.x(), -middle.y())]
    canvas.show_route(pts, "Crew A, Monday")
    assert canvas.legend.isVisible()
    rect = canvas.legend.geometry().adjusted(-6, -6, 6, 6)
    on_screen = [canvas.mapFromScene(QPointF(x, -y)) for x, y in pts]
    assert not any(rect.contains(p) for p in on_screen), (rect, on_screen)
    canvas.clear_route()


def test_the_legend_steps_aside_on_a_map_squeezed_under_the_board(canvas, qtbot):
    """At 1366x768 with the plan board open the map is about 120 px high: the legend covered nearly all of it
    and ran under the scale bar. It hides while it would cover more than LEGEND_MAX_SHARE of the map, and comes
    back when the map grows; hiding it by choice still wins."""
    canvas.resize(940, 130)
    qtbot.waitUntil(lambda: not canvas.legend.isVisible())
    canvas.resize(940, 600)
    qtbot.waitUntil(canvas.legend.isVisible)
    legend = canvas.legend.geometry()
    assert legend.width() * legend.height() <= canvas.LEGEND_MAX_SHARE * 940 * 600
    canvas.set_legend_visible(False)
    canvas.resize(940, 620)
    qtbot.wait(50)
    assert not canvas.legend.isVisible()
