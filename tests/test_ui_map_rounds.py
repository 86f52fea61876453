"""Collection rounds on the desktop map: a legend entry per round, each round's households in its colour,
nothing (and no error) for a database without households, and a screenshot of the demo's rounds."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from shapely.geometry import Point  # noqa: E402
from ui_helpers import ORIGIN_X, ORIGIN_Y, grid_district, is_blank, save_screenshot  # noqa: E402

from envservices import services  # noqa: E402
from envservices.domain.waste import CollectionRound, Container, Frequency, Property, Stream  # noqa: E402
from envservices.ui.map.rounds_layer import ROUND_COLOURS  # noqa: E402

ROUNDS = (CollectionRound("r-mon", "North residual 1", Stream.RESIDUAL, 0, "A"),
          CollectionRound("r-tue", "South residual 1", Stream.RESIDUAL, 1, "A"),
          CollectionRound("r-food", "Food 1", Stream.FOOD, 0, ""))


def _homes() -> list[Property]:
    """Six households in place 0-0 on Monday's round, six next door (60 m on) on Tuesday's; all have food."""
    out = []
    for k in range(12):
        monday = k < 6
        x = ORIGIN_X + 60 + 40 * (k % 6)
        y = ORIGIN_Y + (300 if monday else 240)
        out.append(Property(f"p{k:02d}", Point(x, y), f"1000{k:02d}", f"{k + 1} Mill Lane", containers=(
            Container(Stream.RESIDUAL, 240, Frequency.FORTNIGHTLY, 0 if monday else 1, "A",
                      "r-mon" if monday else "r-tue"),
            Container(Stream.FOOD, 23, Frequency.WEEKLY, 0, "", "r-food"))))
    return out


@pytest.fixture()
def households_db(tmp_path):
    db = services.open_db(f"sqlite:///{tmp_path / 'homes.sqlite'}")
    with db.unit_of_work() as uow:
        uow.collection_rounds.add_all(list(ROUNDS))
        uow.properties.add_all(_homes())
        uow.commit()
    yield db
    db.dispose()


@pytest.fixture()
def empty_db(tmp_path):
    db = services.open_db(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    yield db
    db.dispose()


@pytest.fixture()
def canvas(qtbot):
    from envservices.ui.map.canvas import MapCanvas

    c = MapCanvas()
    qtbot.addWidget(c)
    c.resize(900, 700)
    c.show()
    qtbot.waitExposed(c)
    c.set_map_data(grid_district())
    return c


def _colours_near(image, pos, radius: int = 1) -> set[str]:
    """The colours of the pixels within `radius` of a point on the map's picture."""
    return {QColor(image.pixel(pos.x() + dx, pos.y() + dy)).name()
            for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)}


def _rounds_section(canvas):
    return next((s for s in canvas.legend_sections() if " rounds · " in s.title), None)


def test_service_gives_each_stream_its_rounds_in_order_with_neighbours_coloured_apart(households_db):
    assert services.rounds_map.round_streams(households_db) == ("residual", "food")
    data = services.rounds_map.rounds_on_map(households_db)
    assert data.stream == "residual" and data.streams == ("residual", "food")
    assert [(r.name, r.day, r.week, r.households) for r in data.rounds] == [
        ("North residual 1", "Monday", "A", 6), ("South residual 1", "Tuesday", "A", 6)]
    assert data.rounds[0].colour != data.rounds[1].colour  # 60 m apart: neighbours
    assert len(data.xy) == 12 and list(data.starts) == [0, 6, 12]
    monday = data.points_of(0)
    assert np.all(np.abs(np.diff(monday[:, 0])) == 40)  # nearest next: along the street, not zig-zag
    food = services.rounds_map.rounds_on_map(households_db, "food")
    assert [r.households for r in food.rounds] == [12]


def test_rounds_layer_is_off_until_asked_then_shows_a_legend_entry_and_a_colour_per_round(
        qtbot, canvas, households_db):
    data = services.rounds_map.rounds_on_map(households_db)
    canvas.set_rounds(data)
    assert not canvas.layer_visible("rounds")
    assert _rounds_section(canvas) is None
    canvas.set_layer_visible("rounds", True)
    section = _rounds_section(canvas)
    assert section is not None and section.title == "Residual rounds · day, week · households"
    assert [e.label for e in section.entries] == ["North 1 · Mon A · 6", "South 1 · Tue A · 6"]
    layer = canvas.rounds_layer()
    monday, tuesday = layer.colour_of(0), layer.colour_of(6)
    assert monday != tuesday and monday in ROUND_COLOURS and tuesday in ROUND_COLOURS

    for m_per_px in (6.0, 1.0):  # far out (a square per few pixels) and close in (dots and order lines)
        canvas.zoom_to_points([tuple(p) for p in data.xy])
        canvas.zoom_by(canvas.metres_per_pixel() / m_per_px)
        image = canvas.viewport().grab().toImage()
        for row, want, other in ((0, monday, tuesday), (6, tuesday, monday)):
            near = _colours_near(image, canvas.view_pos_of(*data.xy[row]))
            assert want.name() in near and other.name() not in near, f"household {row} at {m_per_px} m/px"
    assert layer.last_drawn > 0


def test_no_households_no_round_entries_and_no_error(qtbot, canvas, empty_db):
    assert services.rounds_map.round_streams(empty_db) == ()
    data = services.rounds_map.rounds_on_map(empty_db)
    assert data.rounds == () and len(data.xy) == 0
    canvas.set_layer_visible("rounds", True)
    canvas.set_rounds(data)
    assert _rounds_section(canvas) is None
    assert not canvas.layer_has_features("rounds")
    canvas.viewport().grab()


def test_layers_dock_offers_rounds_only_when_there_are_some_and_reads_them_when_turned_on(
        qtbot, tmp_path, households_db, empty_db):
    from envservices.ui.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.use_database(empty_db)
    box = w.layers_panel.boxes["rounds"]
    assert not box.isEnabled() and not box.isChecked()

    w.use_database(households_db)
    assert box.isEnabled() and w.canvas.rounds() is None  # not read until asked
    box.setChecked(True)
    qtbot.waitUntil(lambda: _rounds_section(w.canvas) is not None)  # read off the GUI thread
    assert [e.label.split(" · ")[0] for e in _rounds_section(w.canvas).entries] == ["North 1", "South 1"]
    chooser = w.layers_panel.rounds_stream
    assert [chooser.itemData(i) for i in range(chooser.count())] == ["residual", "food"]
    chooser.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not w.rounds_loading())
    assert _rounds_section(w.canvas).title.startswith("Food rounds")
    w.db = None  # the fixtures close the databases


def test_screenshot_of_the_demo_rounds_at_1366x768(qtbot, tmp_path):
    """The demo's residual rounds over the district, for a person to look at (tests/_screenshots/)."""
    from envservices.ui.main_window import MainWindow

    db = services.open_db(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    services.district.create_demo(db, seed=1, scale=0.25, today=dt.date.today() - dt.timedelta(days=1),
                                  households=True)
    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.use_database(db)
    w.set_theme("none")  # round colours read best over plain places
    w.layers_panel.boxes["rounds"].setChecked(True)
    qtbot.waitUntil(lambda: w.canvas.rounds() is not None, timeout=20_000)
    w.canvas.zoom_to_extent()
    qtbot.wait(300)
    assert len(_rounds_section(w.canvas).entries) == len(w.canvas.rounds().rounds) > 1
    out: Path = save_screenshot(w, "map_rounds_1366x768")
    assert not is_blank(out)
    rounds = w.canvas.rounds()
    town = [k for k, r in enumerate(rounds.rounds) if r.name.startswith("Redditch")][:4]
    w.canvas.zoom_to_points([tuple(p) for k in town for p in rounds.points_of(k)])
    w.canvas.zoom_by(w.canvas.metres_per_pixel() / 2.0)
    qtbot.wait(100)
    save_screenshot(w, "map_rounds_zoomed_1366x768")

    from PySide6.QtCore import Qt  # a household picked: ringed, its round bold, the record dock names it

    layer = w.canvas.rounds_layer()
    vp = w.canvas.viewport().rect()
    aim = w.canvas.mapToScene(vp.width() * 3 // 4, vp.height() * 2 // 3)  # clear of the legend, top left
    row = int(((layer.xs - aim.x()) ** 2 + (layer.ys - aim.y()) ** 2).argmin())
    at = w.canvas.view_pos_of(*rounds.xy[row])
    assert not w.canvas.legend.geometry().adjusted(-16, -16, 16, 16).contains(at)
    if w.canvas.feature_at(at) is None:
        qtbot.mouseClick(w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    else:  # a bin on top of it: pick the household as the click would
        w.canvas.select_household(row, emit=True)
    assert w.canvas.selected_household() == row
    assert rounds.rounds[int(rounds.round_of[row])].name in w.screens["record"].household_text()
    qtbot.wait(100)
    save_screenshot(w, "map_household_picked_1366x768")
    w._shutdown_screens()
    w.db = None
    db.dispose()


def test_far_out_households_in_the_same_few_pixels_are_drawn_once(qtbot, canvas):
    """At district zoom 2,000 households on one estate become at most one square per few pixels, drawn once
    onto a picture that repaints and pans reuse."""
    from envservices.services.rounds_map import MapRound, RoundsMap

    rng = np.random.default_rng(1)
    xy = np.column_stack([ORIGIN_X + 400 * rng.random(2000), ORIGIN_Y + 400 * rng.random(2000)])
    rounds = (MapRound("a", "East 1", 0, "A", 1000, 0), MapRound("b", "West 1", 1, "A", 1000, 1))
    canvas.set_layer_visible("rounds", True)
    canvas.set_rounds(RoundsMap(("residual",), "residual", rounds, xy, np.repeat([0, 1], 1000),
                                np.array([0, 1000, 2000])))
    canvas.zoom_to_extent()
    canvas.zoom_by(canvas.metres_per_pixel() / 8.0)  # 8 m a pixel: the estate is 50 px across
    canvas.viewport().grab()
    layer = canvas.rounds_layer()
    assert 0 < layer.last_drawn <= (400 / 8 / 3 + 1) ** 2 and layer.last_lines == 0
    assert layer.last_picture  # one cached picture: a pan copies it
    canvas.horizontalScrollBar().setValue(canvas.horizontalScrollBar().value() + 25)
    canvas.viewport().grab()
    assert layer.last_picture and layer.last_drawn > 0
    canvas.zoom_by(8.0)  # 1 m a pixel: every household its own dot, the order lines drawn
    canvas.viewport().grab()
    assert layer.last_lines == 2


def test_a_long_legend_section_wraps_into_columns(qtbot):
    """Sixty rounds' entries fit a short map: the section goes into columns instead of running off it."""
    from envservices.ui.widgets.legend import Legend, LegendEntry, LegendSection

    legend = Legend()
    qtbot.addWidget(legend)
    legend.set_max_height(300)
    entries = tuple(LegendEntry(f"Redditch {k}A1 · Mon A · 300", "fill", QColor(ROUND_COLOURS[k % 9]))
                    for k in range(60))
    legend.set_sections([LegendSection("Residual rounds", entries)])
    one = Legend()
    qtbot.addWidget(one)
    one.set_sections([LegendSection("Residual rounds", (LegendEntry("Redditch 1A1 · Mon A · 300", "fill",
                                                                     QColor("#332288")),))])
    assert legend.sizeHint().height() <= 300
    assert legend.sizeHint().width() >= 3 * (one.sizeHint().width() - 2 * Legend.PAD)


def test_legend_moves_off_the_households(qtbot, canvas):
    """Households in the lower left, where the legend usually sits: it goes to a corner over none of them."""
    from envservices.services.rounds_map import MapRound, RoundsMap

    xy = np.array([(ORIGIN_X + 20 + 10 * k, ORIGIN_Y + 20 + 5 * k) for k in range(60)], dtype=float)
    canvas.resize(600, 700)  # too narrow to keep the map clear of the legend beside it
    canvas.set_layer_visible("rounds", True)
    canvas.set_rounds(RoundsMap(("residual",), "residual", (MapRound("a", "East 1", 0, "A", 60, 0),), xy,
                                np.zeros(60, dtype=int), np.array([0, 60])))
    canvas.zoom_to_extent()
    box = canvas.legend.geometry()
    hidden = [k for k in range(60) if box.contains(canvas.view_pos_of(*xy[k]))]
    assert hidden == []


def test_hovering_a_household_names_its_round_and_day(qtbot, canvas, households_db):
    data = services.rounds_map.rounds_on_map(households_db)
    canvas.set_rounds(data)
    canvas.zoom_to_points([tuple(p) for p in data.xy])
    canvas.zoom_by(canvas.metres_per_pixel() / 1.0)
    at_tuesday = canvas.view_pos_of(*data.xy[8])
    assert "South residual 1" not in canvas.tooltip_at(at_tuesday)  # the layer is off: the place's tooltip
    canvas.set_layer_visible("rounds", True)
    text = canvas.tooltip_at(at_tuesday)
    assert "South residual 1" in text and "Tuesday, week A" in text and "number 3" in text
    assert "North residual 1" in canvas.tooltip_at(canvas.view_pos_of(*data.xy[0]))


# -- picking a household -------------------------------------------------------------------------------------
RING = "#ffd400"  # the selection ring's yellow (layers.SelectionLayer.RING): a picked household is ringed as a bin


def _shown_close(canvas, data, m_per_px: float = 1.0) -> None:
    canvas.set_layer_visible("rounds", True)
    canvas.set_rounds(data)
    canvas.zoom_to_points([tuple(p) for p in data.xy])
    canvas.zoom_by(canvas.metres_per_pixel() / m_per_px)


def _ring_near(canvas, pos, radius: int = 14) -> bool:
    image = canvas.viewport().grab().toImage()
    return any(QColor(image.pixel(pos.x() + dx, pos.y() + dy)).name() == RING
               for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)
               if 0 <= pos.x() + dx < image.width() and 0 <= pos.y() + dy < image.height())


def test_service_names_a_households_property_its_round_and_its_number(households_db):
    from envservices.domain.waste import CollectionVehicle, Compartment
    from envservices.errors import UserError

    with households_db.unit_of_work() as uow:
        uow.collection_vehicles.add(CollectionVehicle("v1", "RCV 12", 10_000, 22_000,
                                                      (Compartment(frozenset({Stream.RESIDUAL})),)))
        uow.collection_rounds.update(CollectionRound("r-tue", "South residual 1", Stream.RESIDUAL, 1, "A",
                                                     vehicle_id="v1"))
        uow.commit()
    data = services.rounds_map.rounds_on_map(households_db)
    assert len(data.ids) == len(data.xy) == 12
    row = data.ids.index("p08")  # Tuesday's third household along the lane
    assert data.round_of_row(row) == (1, 3)
    h = services.rounds_map.household_on_map(households_db, data, "p08")
    assert (h.address, h.uprn, h.round_name, h.when, h.number, h.households) == (
        "9 Mill Lane", "100008", "South residual 1", "Tuesday, week A", 3, 6)
    assert h.vehicle == "RCV 12" and h.crew == "" and h.container == "240 l, fortnightly"
    text = "\n".join(h.lines())
    assert "UPRN 100008" in text and "Number 3 of 6" in text and "Vehicle RCV 12" in text
    assert "Residual bin 240 l, fortnightly" in text
    with pytest.raises(UserError, match="'p99' is not on the residual rounds map"):
        services.rounds_map.household_on_map(households_db, data, "p99")


def test_clicking_a_household_picks_it_and_its_round_and_escape_clears(qtbot, canvas, households_db):
    from PySide6.QtCore import Qt

    data = services.rounds_map.rounds_on_map(households_db)
    _shown_close(canvas, data)
    row = data.ids.index("p08")
    at = canvas.view_pos_of(*data.xy[row])
    assert canvas.feature_at(at) is None  # no bin there: the click is the household's
    assert not _ring_near(canvas, at)
    with qtbot.waitSignal(canvas.householdSelected) as picked:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert picked.args == [row] and canvas.selected_household() == row
    assert _ring_near(canvas, at)
    highlight = canvas.household_highlight()
    assert highlight.last_points == 5  # Tuesday's six households: its order drawn bold, five steps
    assert highlight.last_picture  # drawn once for this zoom: a pan or repaint copies it
    assert highlight.boundingRect().contains(highlight.mapFromScene(data.xy[row][0], -data.xy[row][1]))
    assert not highlight.boundingRect().contains(  # only its round: Monday's households are outside the box
        highlight.mapFromScene(data.xy[0][0], -data.xy[0][1] - 25))
    tip = canvas.tooltip_at(at)
    assert "South residual 1" in tip and "number 3" in tip

    with qtbot.waitSignal(canvas.householdSelected) as cleared:
        qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert cleared.args == [-1] and canvas.selected_household() is None
    assert not _ring_near(canvas, at)

    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert canvas.selected_household() == row
    empty = canvas.view_pos_of(data.xy[row][0], data.xy[row][1] - 150)  # on the map, no household near
    assert canvas.household_at(empty) is None and canvas.feature_at(empty) is None
    with qtbot.waitSignal(canvas.householdSelected) as cleared:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=empty)
    assert cleared.args == [-1] and canvas.selected_household() is None


def test_clicking_a_bin_still_picks_the_bin_and_drops_the_household(qtbot, canvas, households_db):
    from PySide6.QtCore import Qt

    data = services.rounds_map.rounds_on_map(households_db)
    _shown_close(canvas, data)
    canvas.select_household(0)
    bins = [a for a in canvas._assets.values() if a.kind.is_bin and a.place_id == "place-0-0"]
    target = bins[0]
    canvas.zoom_to_points([(target.geometry.x, target.geometry.y), (target.geometry.x + 60, target.geometry.y)])
    at = canvas.view_pos_of(target.geometry.x, target.geometry.y)
    assert canvas.feature_at(at) == ("asset", target.id)
    with qtbot.waitSignal(canvas.assetSelected) as picked:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert picked.args == [target.id] and canvas.selected_asset() == target.id
    assert canvas.selected_household() is None


def test_the_window_says_which_property_a_picked_household_is(qtbot, tmp_path, households_db):
    from PySide6.QtCore import Qt

    from envservices.ui.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.use_database(households_db)
    w.layers_panel.boxes["rounds"].setChecked(True)
    qtbot.waitUntil(lambda: w.canvas.rounds() is not None and bool(w.canvas.rounds().rounds))
    data = w.canvas.rounds()
    w.canvas.zoom_to_points([tuple(p) for p in data.xy])
    w.canvas.zoom_by(w.canvas.metres_per_pixel() / 1.0)
    row = data.ids.index("p08")
    qtbot.mouseClick(w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=w.canvas.view_pos_of(*data.xy[row]))
    record = w.screens["record"]
    text = record.household_text()
    assert "Household: 9 Mill Lane" in text and "UPRN 100008" in text
    assert "Round South residual 1: Tuesday, week A" in text and "Number 3 of 6" in text
    assert w.record_dock.isVisible() and "9 Mill Lane" in w.statusBar().currentMessage()
    qtbot.keyClick(w.canvas, Qt.Key.Key_Escape)
    assert record.household_text() == ""
    qtbot.mouseClick(w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=w.canvas.view_pos_of(*data.xy[row]))
    assert "9 Mill Lane" in record.household_text()
    w.layers_panel.rounds_stream.setCurrentIndex(1)  # the food rounds: the residual household is forgotten
    qtbot.waitUntil(lambda: not w.rounds_loading() and w.canvas.rounds().stream == "food")
    assert record.household_text() == "" and w.canvas.selected_household() is None
    w._shutdown_screens()
    w.db = None  # the fixture closes the database


def test_at_the_whole_district_a_household_under_a_disc_of_bins_is_picked_not_zoomed_to(qtbot, tmp_path):
    """Far out, the counted discs of bins cover the streets; with the rounds shown a click on a household
    under a disc picks the household (and its tooltip names its round); with them off the disc still zooms in."""
    from PySide6.QtCore import Qt
    from ui_helpers import grid_district

    from envservices.ui.map.canvas import MapCanvas

    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(900, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_map_data(grid_district(bins_per_place=12))
    canvas.zoom_to_extent()
    whole = canvas.metres_per_pixel()
    discs = canvas.cluster_layer().shared.clusters(whole)
    assert len(discs.counts)  # the whole district shows counted discs of bins
    x, y = float(discs.xs[0]), -float(discs.ys[0])  # a disc's centre in BNG metres
    db = services.open_db(f"sqlite:///{tmp_path / 'disc.sqlite'}")
    with db.unit_of_work() as uow:
        uow.collection_rounds.add(ROUNDS[0])
        uow.properties.add_all([Property(f"d{k}", Point(x + 3 * k, y), f"2000{k}", f"{k + 1} Disc Row", containers=(
            Container(Stream.RESIDUAL, 240, Frequency.FORTNIGHTLY, 0, "A", "r-mon"),)) for k in range(3)])
        uow.commit()
    data = services.rounds_map.rounds_on_map(db)
    db.dispose()
    canvas.set_rounds(data)
    at = canvas.view_pos_of(x, y)
    assert canvas.feature_at(at)[0] == "cluster"

    canvas.set_layer_visible("rounds", True)
    row = canvas.household_at(at)
    assert row is not None
    assert "North residual 1" in canvas.tooltip_at(at)
    with qtbot.waitSignal(canvas.householdSelected) as picked:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert picked.args == [row] and canvas.selected_household() == row
    assert canvas.metres_per_pixel() == pytest.approx(whole)  # picked, not zoomed in

    canvas.set_layer_visible("rounds", False)  # households not shown: the disc zooms in as before
    assert "bins" in canvas.tooltip_at(at)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert canvas.metres_per_pixel() < whole / 2
