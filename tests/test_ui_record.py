"""The team leader's workflow through the real widgets: pick a place, record need, see the map change, undo."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from envservices.domain import Grade, ObservationKind  # noqa: E402
from envservices.ui.widgets.themes import GRADE_COLOURS  # noqa: E402
from ui_helpers import demo_database, save_screenshot  # noqa: E402


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return demo_database(tmp_path_factory.mktemp("record"))


@pytest.fixture()
def window(qtbot, demo_db, tmp_path):
    from envservices.ui.main_window import MainWindow

    qs = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(qs)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.use_database(demo_db)
    qtbot.waitExposed(w)
    return w


def _place_without_grade(window, grade: Grade):
    from envservices import services

    grades = services.observations.latest_grades(window.db)
    return next(p for p in window.map_data.places if grades.get(p.id) != grade)


def test_click_grade_d_recolours_the_map_and_undo_restores(window, qtbot):
    """Grade D recorded by one click turns the place red on the map at once; Ctrl+Z puts the old colour back."""
    record = window.screens["record"]
    place = _place_without_grade(window, Grade.D)
    before = window.canvas.place_brush_colour(place.id)
    window.canvas.select_place(place.id, emit=True)
    assert record.place_id() == place.id
    qtbot.mouseClick(record.grade_buttons[Grade.D], Qt.MouseButton.LeftButton)
    assert window.canvas.place_brush_colour(place.id) == GRADE_COLOURS[Grade.D]
    assert before != GRADE_COLOURS[Grade.D]
    save_screenshot(window, "record_need")
    window.act_undo.trigger()
    assert window.canvas.place_brush_colour(place.id) == before
    window.act_redo.trigger()
    assert window.canvas.place_brush_colour(place.id) == GRADE_COLOURS[Grade.D]


def test_keyboard_shortcut_records_grade(window, qtbot):
    """Choosing a place in the list and pressing 1 records grade A for it."""
    from envservices import services

    record = window.screens["record"]
    place = _place_without_grade(window, Grade.A)
    time.sleep(1.1)  # records are timed to the second: keep this one after any made by an earlier test
    record.filter_edit.setText(place.name)
    record.places_view.setFocus()
    record.places_view.setCurrentIndex(record.places_proxy.index(0, 0))
    assert record.place_id() == place.id
    assert window.canvas.selected_place() == place.id
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_1)
    assert services.observations.latest_grades(window.db)[place.id] is Grade.A
    assert window.canvas.place_brush_colour(place.id) == GRADE_COLOURS[Grade.A]


def test_bin_fill_recorded_for_chosen_bin(window, qtbot):
    """A quick-fill button records the chosen bin's fill level for that bin."""
    from envservices import services

    record = window.screens["record"]
    place = next(p for p in window.map_data.places
                 if any(a.kind.is_bin and a.place_id == p.id for a in window.map_data.assets))
    record.select_place(place.id)
    bin_id = record.bin_combo.currentData()
    assert bin_id
    qtbot.mouseClick(record.quick_fill_buttons[110], Qt.MouseButton.LeftButton)
    latest = max((o for o in services.observations.for_place(window.db, place.id)
                  if o.kind is ObservationKind.BIN_FILL), key=lambda o: (o.observed_at, o.id == bin_id))
    assert latest.asset_id == bin_id and latest.fill_pct == 110
    assert record.bin_error.isHidden()


def test_recording_without_a_place_says_so_at_the_field(window, qtbot):
    """With no place chosen a grade click changes nothing and a red message asks for a place."""
    from envservices import services

    record = window.screens["record"]
    record.select_place(None)
    before = services.district.summary(window.db)["observations"]
    qtbot.mouseClick(record.grade_buttons[Grade.C], Qt.MouseButton.LeftButton)
    assert not record.place_error.isHidden()
    assert "place" in record.place_error.text().lower()
    assert services.district.summary(window.db)["observations"] == before


def test_future_time_is_refused_at_the_field(window, qtbot):
    """A record dated in the future is refused with a message beside the date."""
    from PySide6.QtCore import QDateTime

    record = window.screens["record"]
    record.select_place(window.map_data.places[0].id)
    record.when_edit.setDateTime(QDateTime.currentDateTime().addDays(2))
    assert not record.record_grass(80)
    assert not record.when_error.isHidden()
    record.use_now()
    assert record.record_grass(80)
    assert record.when_error.isHidden()


def test_survey_csv_preview_shows_row_errors_and_imports_good_rows(window, qtbot, tmp_path):
    """A survey sheet with one bad row previews both, imports the good rows, and undo takes them out again."""
    from envservices import services

    record = window.screens["record"]
    place = window.map_data.places[0]
    csv_path = tmp_path / "survey.csv"
    csv_path.write_text(
        "place,kind,observed_at,grade,recorded_by\n"
        f"{place.name},litter_grade,2026-01-05 10:00,B,Sam\n"
        "Nowhere Special,litter_grade,2026-01-05 10:05,A,Sam\n"
        f"{place.name},litter_grade,2026-01-05 10:10,Z,Sam\n",
        encoding="utf-8",
    )
    before = services.district.summary(window.db)["observations"]
    dialog = record.preview_survey(csv_path)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.rows_model.rowCount() == 1
    assert dialog.errors_model.rowCount() == 2
    assert dialog.import_button.isEnabled()
    dialog.show()
    save_screenshot(dialog, "survey_import")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert services.district.summary(window.db)["observations"] == before + 1
    window.act_undo.trigger()
    assert services.district.summary(window.db)["observations"] == before


def test_unreadable_survey_gets_a_message_not_a_traceback(window, tmp_path):
    """A file without the survey columns is refused with a message under the import button."""
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    record = window.screens["record"]
    assert record.preview_survey(bad) is None
    assert not record.import_error.isHidden()
    assert "column" in record.import_error.text()


def test_missed_visit_needs_a_reason(window):
    """Marking a visit missed without a reason is refused at the field (or there is no plan to mark)."""
    from envservices.domain import VisitStatus

    record = window.screens["record"]
    assert not record.mark_visit("no-such-task", VisitStatus.MISSED, "")
    assert not record.visit_error.isHidden()
