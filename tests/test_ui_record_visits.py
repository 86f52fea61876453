"""The team leader's visit list: the week the board plans, a day and a filter over hundreds, names not ids."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from envservices import services  # noqa: E402
from envservices.domain.model import CrewDay, Plan, Visit  # noqa: E402
from envservices.domain.weeks import week_monday, week_of  # noqa: E402
from ui_helpers import demo_database, save_screenshot  # noqa: E402

NEXT_WEEK = week_of(dt.date.today() + dt.timedelta(weeks=1))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = demo_database(tmp_path_factory.mktemp("visits"))
    with db.unit_of_work() as uow:
        crews = uow.crews.list()[:3]
        place = sorted(uow.places.list(), key=lambda p: p.name)[0]
    monday = week_monday(NEXT_WEEK)
    days = []
    for d in range(5):  # 300 visits at one place over five days, three crews
        for c, crew in enumerate(crews):
            visits = tuple(Visit(f"t-{d}-{c}-{k}", place.id, 28_800 + 60 * k, 28_800 + 60 * k,
                                 28_860 + 60 * k, "litter_pick" if k % 2 else "empty_litter_bin")
                           for k in range(20))
            days.append(CrewDay(crew.id, monday + dt.timedelta(days=d), visits))
    services.planning.save_plan(db, Plan("plan-visits", NEXT_WEEK, tuple(days)))
    db.visit_place = place
    db.visit_crews = crews
    return db


@pytest.fixture()
def window(qtbot, demo_db, tmp_path):
    from envservices.ui.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.use_database(demo_db)
    qtbot.waitExposed(w)
    return w


def test_visit_list_shows_the_boards_week_by_day_and_filter_with_crew_names(window, demo_db, qtbot):
    record = window.screens["record"]
    record.select_place(demo_db.visit_place.id)
    assert "this week" in record.visits.week_label.text()
    record.show_week(NEXT_WEEK)  # what the main window does when the board shows next week
    assert "next week" in record.visits.week_label.text()
    panel = record.visits
    assert "300 visits" in panel.count_label.text()
    assert panel.day_combo.count() == 6  # all days, then five days with their counts
    assert panel.proxy.rowCount() == 300
    # the table scrolls ...
    qtbot.waitUntil(lambda: panel.view.verticalScrollBar().maximum() > 0, timeout=2000)
    assert panel.view.height() >= 8 * 22  # ... and shows more than four rows
    panel.day_combo.setCurrentIndex(2)  # the second day
    assert panel.proxy.rowCount() == 60
    assert "showing 60" in panel.count_label.text()
    crew = demo_db.visit_crews[1]
    panel.filter_edit.setText(crew.name)
    assert panel.proxy.rowCount() == 20
    names = {panel.proxy.index(r, 4).data() for r in range(panel.proxy.rowCount())}
    assert names == {crew.name}
    works = {panel.proxy.index(r, 2).data() for r in range(panel.proxy.rowCount())}
    assert not any("_" in w for w in works)
    panel.filter_edit.clear()
    window.record_dock.widget().ensureWidgetVisible(panel.view)
    save_screenshot(window, "record_visits_next_week")


def test_marking_a_visit_in_next_weeks_plan(window, demo_db):
    from envservices.domain import VisitStatus

    record = window.screens["record"]
    record.select_place(demo_db.visit_place.id)
    record.show_week(NEXT_WEEK)
    assert record.mark_visit("t-0-0-0", VisitStatus.DONE)
    assert "1 done" in record.visits.count_label.text()
    window.undo_stack.undo()
    assert "0 done" in record.visits.count_label.text()


def test_the_list_follows_the_plan_board_week(window, demo_db):
    record = window.screens["record"]
    board = window.plan_screen()
    board.set_week(NEXT_WEEK)
    board.planChanged.emit(None)
    assert record.visits.week() == NEXT_WEEK


def test_a_plan_saved_for_the_week_shown_is_read_again(window, demo_db):
    record = window.screens["record"]
    record.select_place(demo_db.visit_place.id)
    record.show_week(NEXT_WEEK)
    plan = services.planning.load_plan(demo_db, NEXT_WEEK)
    record.show_week(NEXT_WEEK, plan)  # already read: nothing to do
    assert "300 visits" in record.visits.count_label.text()
    more = CrewDay(demo_db.visit_crews[0].id, week_monday(NEXT_WEEK) + dt.timedelta(days=5),
                   (Visit("t-sat", demo_db.visit_place.id, 30_000, 30_000, 30_060, "litter_pick"),))
    saved = services.planning.save_plan(demo_db, Plan(plan.id, NEXT_WEEK, (*plan.crew_days, more),
                                                      version=plan.version))
    record.show_week(NEXT_WEEK, saved)
    assert "301 visits" in record.visits.count_label.text()
    services.planning.save_plan(demo_db, Plan(plan.id, NEXT_WEEK, plan.crew_days, version=saved.version))
