"""The manager's dashboard: figures per area and week computed in the background, charts, tables, export."""

from __future__ import annotations

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from envservices import services  # noqa: E402
from envservices.simulation.compare import RECORDED, Comparison  # noqa: E402
from envservices.ui.screens.dashboard import DashboardScreen  # noqa: E402
from ui_helpers import demo_database, save_screenshot  # noqa: E402


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = demo_database(tmp_path_factory.mktemp("dashboard"))
    yield database
    database.dispose()


@pytest.fixture()
def compare_service(monkeypatch):
    """The lead's `services.compare.compare_areas`; while it is not written, the same figures from the demo."""
    if hasattr(services.compare, "compare_areas"):
        return services.compare.compare_areas
    from envservices.demo.district import build_demo_district
    from envservices.simulation.compare import compare_areas

    district = build_demo_district(seed=1, scale=0.25)

    def stand_in(db, *, weeks=12, seed=1, simulate=True, progress=None):
        return compare_areas(district, weeks=weeks, seed=seed, simulate=simulate, progress=progress)

    monkeypatch.setattr(services.compare, "compare_areas", stand_in, raising=False)
    return stand_in


@pytest.fixture()
def dashboard(qtbot, db, compare_service):
    d = DashboardScreen(db, lambda: services.settings.load(db))
    qtbot.addWidget(d)
    d.resize(1400, 900)
    d.show()
    return d


def test_load_shows_recorded_figures_in_tables_and_charts(qtbot, dashboard):
    """Opening the dashboard computes in the background and fills the tables and the four charts."""
    dashboard.load()
    assert dashboard.is_busy()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=60_000)
    comparison = dashboard.comparison()
    assert isinstance(comparison, Comparison) and comparison.rows
    assert dashboard.weeks_model.rowCount() == len(comparison.rows) > 0
    assert dashboard.summary_model.rowCount() > 0
    assert dashboard.area_combo.count() == len({r.area for r in comparison.rows})
    qtbot.waitUntil(lambda: not dashboard.is_drawing(), timeout=60_000)
    assert len(dashboard.figure.axes) == 2  # recorded: grades and complaints; 4 once simulated
    assert any(r.source == RECORDED for r in comparison.rows)
    assert dashboard.png_button.isEnabled() and dashboard.csv_button.isEnabled()
    save_screenshot(dashboard, "dashboard")


def test_the_charts_are_drawn_off_the_gui_thread_and_the_newest_area_wins(qtbot, dashboard, monkeypatch):
    """Laying out four charts took 165-246 ms on the GUI thread (a frozen window when a simulation finished):
    a worker draws them now, and a drawing for an area no longer chosen is dropped when it arrives late."""
    import threading

    from envservices.ui.screens import dashboard_charts

    threads = []
    real_render = dashboard_charts.render

    def recording_render(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(dashboard_charts, "render", recording_render)
    dashboard.load()
    qtbot.waitUntil(lambda: not dashboard.is_busy() and not dashboard.is_drawing(), timeout=60_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    areas = [dashboard.area_combo.itemText(i) for i in range(dashboard.area_combo.count())]
    assert len(areas) >= 2
    for area in areas + areas[:1]:  # switch quickly: several drawings on their way at once
        dashboard.area_combo.setCurrentText(area)
    qtbot.waitUntil(lambda: not dashboard.is_drawing(), timeout=60_000)
    assert dashboard.canvas.picture().area == areas[0]
    assert dashboard.figure.get_suptitle().replace(".\n", ". ") == dashboard.periods_note(areas[0])
    image = dashboard.canvas.picture().image
    assert image.width() >= 200 and not image.isNull()


def test_export_png_and_csv(qtbot, dashboard, tmp_path):
    """The charts save as a PNG picture and the weekly figures as CSV with one line per area and week."""
    dashboard.load()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=60_000)
    png = dashboard.save_png(tmp_path / "charts.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = dashboard.export_csv(tmp_path / "figures.csv")
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(dashboard.comparison().rows)
    assert {"area", "source", "week", "crew_hours", "complaints", "share_below_b"} <= set(rows[0])


def test_failed_comparison_shows_a_sentence_and_keeps_the_figures(qtbot, dashboard, monkeypatch):
    """A failure in the background is shown as a message; the figures shown stay."""
    dashboard.load()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=60_000)
    before = dashboard.comparison()

    def broken(db, **kwargs):
        raise RuntimeError("simulation fell over")

    monkeypatch.setattr(services.compare, "compare_areas", broken)
    assert dashboard.compare()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=10_000)
    assert "simulation fell over" in dashboard.message.text()
    assert dashboard.comparison() is before


@pytest.mark.slow
def test_simulated_comparison_draws_needs_against_rota(qtbot, dashboard):
    """With the simulation ticked, the headline table compares needs with rota per area."""
    dashboard.simulate.setChecked(True)
    dashboard.weeks.setValue(2)
    assert dashboard.compare()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=600_000)
    assert dashboard.headline_model.rowCount() > 0
    qtbot.waitUntil(lambda: not dashboard.is_drawing(), timeout=60_000)
    assert len(dashboard.figure.axes) == 4
    assert any(r.source != RECORDED for r in dashboard.comparison().rows)
    save_screenshot(dashboard, "dashboard_simulated")


def test_figures_never_recorded_say_so_instead_of_zero(qtbot, dashboard):
    """A recorded week with no plan kept shows 'not recorded' for visits, crew hours and km, never 0.0."""
    from PySide6.QtCore import Qt

    from envservices.ui.screens.dashboard import NOT_RECORDED

    dashboard.load()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=60_000)
    model = dashboard.weeks_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    hours = headers.index("Crew hours")
    failures = headers.index("Failures")
    rows = [model.row_at(r) for r in range(model.rowCount())]
    unplanned = [r for r, row in enumerate(rows) if row.source == RECORDED and not row.visits]
    assert unplanned, "the demo's recorded weeks before any plan have no crew hours"
    for r in unplanned:
        assert model.data(model.index(r, hours)) == NOT_RECORDED
        assert model.data(model.index(r, failures)) == NOT_RECORDED
    assert not any(model.data(model.index(r, hours)) == "0.0" for r in range(model.rowCount()))


def test_failures_are_shown_in_words_never_as_a_raw_dict():
    """The headline's failures read 'bins 12 · grass 3 · litter 4' (and in full in the tooltip)."""
    from envservices.ui.screens.dashboard import HEADLINE_COLUMNS

    column = next(c for c in HEADLINE_COLUMNS if c.header == "Failures: needs")
    failures = {"bin_overflow_days": 12, "grass_over_height_days": 3, "litter_cd_beyond_response": 4}
    shown = column.display(failures)
    assert shown == "bins 12 · grass 3 · litter 4" and "{" not in shown
    assert "12 bin-days overflowing" in column.tooltip({"failures": {"needs": failures}})


@pytest.mark.slow
def test_cancel_stops_the_simulation_and_keeps_the_weeks_done(qtbot, dashboard):
    """Progress counts simulated weeks; Cancel stops after the week in hand and shows the weeks done."""
    dashboard.simulate.setChecked(True)
    dashboard.weeks.setValue(4)
    assert dashboard.compare()
    assert dashboard.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: "1 of 4 weeks simulated" in dashboard.progress.format(), timeout=300_000)
    dashboard.cancel_button.click()
    qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=300_000)
    comparison = dashboard.comparison()
    assert comparison.stopped and comparison.seasons
    assert all(0 < s.weeks < 4 for s in comparison.seasons.values())
    assert "cancelled" in dashboard.message.text()
    assert not dashboard.cancel_button.isEnabled()
