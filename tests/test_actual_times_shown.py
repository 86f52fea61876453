"""What crews really did reaches the people who read it: a return sheet's actual start and finish show on the
plan board's visit list, in the dashboard's recorded weeks (done of marked, missed, hours on site) and in the
timesheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from envservices import services

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture()
def db(tmp_path):
    database = services.open_db(str(tmp_path / "a.sqlite"))
    services.district.import_file(database, SAMPLES / "places.gpkg", kind="place", area="Redditch")
    services.district.import_file(database, SAMPLES / "assets.gpkg", kind="litter_bin", layer="litter_bin")
    services.crews.import_file(database, SAMPLES / "depots_template.csv", kind="depots")
    services.crews.import_file(database, SAMPLES / "crews_template.csv", kind="crews")
    services.rota_sheet.import_rota(database, SAMPLES / "rota_template.csv")
    prepared = services.planning.prepare_week(database, "2026-W22")
    services.planning.save_plan(database, services.planning.solve_week(prepared, time_limit_s=2))
    services.work_sheet.import_work(database, SAMPLES / "work_return_template.csv")
    yield database
    database.dispose()


def test_dashboard_weeks_count_done_missed_and_hours_on_site(db):
    comparison = services.compare.compare_areas(db, simulate=False)
    week = next(r for r in comparison.rows if r.week == "2026-W22")
    assert (week.visits, week.missed, week.timed_visits) == (1, 1, 1)
    assert week.completion == 0.5
    assert week.hours_on_site == pytest.approx(4 / 60)


def test_timesheet_has_the_actual_times(db):
    from envservices.services import timesheet

    rows = timesheet.timesheet(db, "2026-W22")
    timed = [r for r in rows if r.day == dt.date(2026, 5, 26) and r.actual_start]
    assert [(r.actual_start, r.actual_end, r.visits_done) for r in timed] == [("07:40", "07:44", 1)]


def test_the_board_lists_when_the_visit_was_really_done(qtbot, db):
    from envservices.ui.screens.plan_board import PlanBoardScreen

    screen = PlanBoardScreen(db, lambda: services.settings.load(db))
    qtbot.addWidget(screen)
    screen.load()
    screen.set_week("2026-W22")
    qtbot.waitUntil(lambda: not screen.is_loading(), timeout=30_000)  # the plan is read by a worker
    plan = screen.plan()
    crew_day, visit = next((cd, v) for cd in plan.crew_days for v in cd.visits if v.actual_start is not None)
    screen.select_crew_day(crew_day.crew_id, crew_day.day)
    column = next(c for c in range(screen.visits_model.columnCount())
                  if screen.visits_model.headerData(c, _horizontal()) == "Done at")
    row = screen.visits_model.row_of(lambda r: r.visit.task_id == visit.task_id)
    assert screen.visits_model.index(row, column).data() == "07:40-07:44"
    screen.shutdown()


def _horizontal():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal
