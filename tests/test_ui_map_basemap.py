"""The still layers as the map's cached background: a pan draws only the strip it uncovers, and what shows is
always what a fresh drawing would show (after a pan, a zoom, a theme, a place chosen, a layer switched off)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from ui_helpers import save_screenshot  # noqa: E402

from envservices.ui.map.bench import made_up_district  # noqa: E402
from envservices.ui.map.layers import PolylineLayer  # noqa: E402
from envservices.ui.widgets.map_canvas import MapCanvas  # noqa: E402
from envservices.ui.widgets.themes import Theme  # noqa: E402


@pytest.fixture()
def canvas(qtbot):
    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(900, 650)
    c.show()
    qtbot.waitExposed(c)
    c.set_map_data(made_up_district(columns=4, rows=3, bins_per_place=10))  # 360 winding roads
    c.zoom_by(3.0)
    c.viewport().grab()
    return c


def _pixels(canvas: MapCanvas) -> np.ndarray:
    image = canvas.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[
        :, : image.width() * 4].copy()


def _fresh(canvas: MapCanvas) -> np.ndarray:
    canvas.resetCachedContent()
    return _pixels(canvas)


def _share_differing(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(np.abs(a.astype(int) - b.astype(int)).max(axis=1) > 40)) / len(a)


def _minor_roads(canvas: MapCanvas) -> PolylineLayer:
    return next(i for i in canvas.layer_items("roads") if isinstance(i, PolylineLayer) and i.key == "roads_minor")


def test_a_pan_draws_only_the_roads_in_the_strip_it_uncovers(canvas):
    roads = _minor_roads(canvas)
    canvas.resetCachedContent()
    canvas.viewport().grab()
    whole_view = roads.last_drawn
    assert whole_view > 20
    bar = canvas.horizontalScrollBar()
    bar.setValue(bar.value() + 25)
    canvas.viewport().grab()
    assert 0 < roads.last_drawn < whole_view / 3


def test_after_pans_the_map_shows_what_a_fresh_drawing_shows(canvas):
    bar, vbar = canvas.horizontalScrollBar(), canvas.verticalScrollBar()
    for dx, dy in ((25, 0), (25, 10), (-60, 0), (0, -40), (300, 200)):
        bar.setValue(bar.value() + dx)
        vbar.setValue(vbar.value() + dy)
        canvas.viewport().grab()
    panned = _pixels(canvas)
    assert _share_differing(panned.reshape(-1, 4), _fresh(canvas).reshape(-1, 4)) < 0.002
    save_screenshot(canvas, "map_after_pans")


def test_a_zoom_a_theme_a_chosen_place_and_a_layer_switched_off_show_at_once(canvas):
    """Each change is on the next picture without waiting for the event loop (the cache is dropped at once)."""
    def same_as_fresh() -> bool:
        shown = _pixels(canvas).reshape(-1, 4)
        return _share_differing(shown, _fresh(canvas).reshape(-1, 4)) < 0.002

    before = _pixels(canvas)
    canvas.zoom_by(1.5)
    assert same_as_fresh()
    canvas.apply_theme(Theme("red", "All red", (("red", QColor("#d62728")),), default=QColor("#d62728")))
    assert same_as_fresh()
    canvas.select_place(canvas.place_ids()[0])
    assert same_as_fresh()
    with_places = _pixels(canvas)
    canvas.set_layer_visible("places", False)
    without = _pixels(canvas)
    assert _share_differing(with_places.reshape(-1, 4), without.reshape(-1, 4)) > 0.2
    assert same_as_fresh()
    assert before.shape == without.shape


def test_places_are_still_found_under_the_cursor(canvas):
    pid = canvas.place_ids()[0]
    canvas.zoom_to_place(pid)
    centre = canvas.viewport().rect().center()
    assert canvas.place_at(centre) == pid
    canvas.set_layer_visible("places", False)
    assert canvas.place_at(centre) is None
