"""The team leader's screen: record what was seen at a place, fast, with the keyboard alone if need be.

Every record goes through `services.observations` and onto an undo stack (undo deletes it again), and the
screen says so at once through `observationsChanged` so the map recolours. Bad input gets a red message beside
the field it concerns, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from html import escape, unescape
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGridLayout,
    QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableView, QToolButton,
    QVBoxLayout, QWidget,
)

from envservices import services
from envservices.domain import Asset, AssetKind, Grade, Observation, ObservationKind, Place, Plan, VisitStatus, new_id
from envservices.domain.settings import Settings
from envservices.domain.weeks import week_monday, week_of
from envservices.errors import UserError
from envservices.ui.icons import icon
from envservices.ui.models.table_model import Column, make_table
from envservices.ui.screens.visits_panel import VisitsPanel, week_words
from envservices.ui.widgets.themes import GRADE_COLOURS

GRADE_KEYS = tuple(zip(Grade, ("1", "2", "3", "4", "5", "6")))
QUICK_FILLS = ((0, "0"), (25, "25"), (50, "50"), (75, "75"), (100, "100"), (110, "Overflow"))
OVERFLOW_PCT = 110  # an overflowing bin is recorded above 100 %


def error_label() -> QLabel:
    """A red message that sits beside a field and is hidden while there is nothing wrong."""
    label = QLabel()
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    label.setObjectName("fieldError")
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def describe(obs: Observation) -> str:
    """An observation in a few words, for lists and status messages."""
    if obs.kind is ObservationKind.LITTER_GRADE and obs.grade is not None:
        return f"grade {obs.grade.value}"
    if obs.kind is ObservationKind.BIN_FILL and obs.fill_pct is not None:
        return "bin overflowing" if obs.fill_pct > 100 else f"bin {obs.fill_pct:.0f} % full"
    if obs.kind is ObservationKind.GRASS_HEIGHT and obs.height_mm is not None:
        return f"grass {obs.height_mm:.0f} mm"
    if obs.kind is ObservationKind.FLY_TIP:
        return f"{obs.count or 1} fly-tip(s)"
    if obs.kind is ObservationKind.COMPLAINT:
        return f"{obs.count or 1} complaint(s)"
    return obs.kind.value.replace("_", " ")


# -- undoable edits ---------------------------------------------------------------------------------------------

class RecordObservation(QUndoCommand):
    """An observation already stored; undo deletes it, redo stores it again."""

    def __init__(self, screen: RecordNeedScreen, obs: Observation, place_name: str) -> None:
        super().__init__(f"record {describe(obs)} at {place_name}")
        self._screen = screen
        self.obs = obs
        self._stored = True

    def redo(self) -> None:
        if not self._stored:
            services.observations.record(self._screen.db, self.obs)
            self._stored = True
            self._screen.changed()

    def undo(self) -> None:
        services.observations.delete(self._screen.db, self.obs.id)
        self._stored = False
        self._screen.changed()


class ImportSurvey(QUndoCommand):
    """A survey sheet already imported; undo deletes its rows."""

    def __init__(self, screen: RecordNeedScreen, preview: Any) -> None:
        super().__init__(f"import {len(preview.rows)} survey rows")
        self._screen = screen
        self.preview = preview
        self._stored = True

    def redo(self) -> None:
        if not self._stored:
            services.observations.import_survey(self._screen.db, self.preview)
            self._stored = True
            self._screen.changed()

    def undo(self) -> None:
        for obs in self.preview.rows:
            services.observations.delete(self._screen.db, obs.id)
        self._stored = False
        self._screen.changed()


class MarkVisit(QUndoCommand):
    """A visit marked done or missed; undo puts back its previous status and reason."""

    def __init__(self, screen: RecordNeedScreen, plan_id: str, task_id: str, before: tuple[VisitStatus, str],
                 after: tuple[VisitStatus, str]) -> None:
        super().__init__(f"mark visit {after[0].value}")
        self._screen = screen
        self._plan_id, self._task_id = plan_id, task_id
        self._before, self._after = before, after
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._screen.apply_visit(self._plan_id, self._task_id, *self._after)

    def undo(self) -> None:
        self._screen.apply_visit(self._plan_id, self._task_id, *self._before)


# -- survey import preview --------------------------------------------------------------------------------------

class SurveyImportDialog(QDialog):
    """Shows what a survey sheet would add and each row that cannot be read, before anything is stored."""

    def __init__(self, preview: Any, place_names: dict[str, str], file_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Import survey: {file_name}")
        self.preview = preview
        self.resize(720, 480)
        layout = QVBoxLayout(self)
        summary = QLabel(f"<b>{len(preview.rows)}</b> rows can be imported; <b>{len(preview.errors)}</b> rows "
                         "have errors and will be left out.")
        layout.addWidget(summary)
        self.rows_model, rows_proxy = make_table((
            Column("Place", lambda o: place_names.get(o.place_id, o.place_id)),
            Column("What", lambda o: o.kind.value.replace("_", " ")),
            Column("Value", describe),
            Column("When", lambda o: o.observed_at.strftime("%Y-%m-%d %H:%M")),
            Column("By", lambda o: o.recorded_by),
            Column("Note", lambda o: o.note),
        ), preview.rows, self)
        self.rows_view = _table_view(rows_proxy)
        self.rows_view.sortByColumn(3, Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.rows_view, 3)
        if preview.errors:
            layout.addWidget(QLabel("Rows with errors:"))
            self.errors_model, errors_proxy = make_table((
                Column("Row", lambda e: e[0], align_right=True),
                Column("What is wrong", lambda e: e[1]),
            ), preview.errors, self)
            self.errors_view = _table_view(errors_proxy)
            self.errors_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
            self.errors_view.setStyleSheet("color: #b00020;")
            layout.addWidget(self.errors_view, 2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(f"Import {len(preview.rows)} rows",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(bool(preview.rows))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


def _table_view(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setAlternatingRowColors(True)
    return view


# -- the screen -------------------------------------------------------------------------------------------------

class RecordNeedScreen(QWidget):
    """Pick a place; record a grade, a bin's fill, grass height, fly-tips or complaints; mark visits done."""

    title = "Record need"
    observationsChanged = Signal()  # something recorded, undone or imported: recolour the map
    placeChosen = Signal(str)  # picked from the list: the map zooms to it
    statusMessage = Signal(str)

    def __init__(self, db: Any, settings_provider: Callable[[], Settings], parent: QWidget | None = None,
                 *, undo_stack: QUndoStack | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordNeedScreen")
        self.db = db
        self._settings_provider = settings_provider
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self._places: dict[str, Place] = {}
        self._area_names: dict[str, str] = {}
        self._assets_by_place: dict[str, list[Asset]] = {}
        self._grades: dict[str, Grade] = {}
        self._place_id: str | None = None
        self._plans: list[Plan] = []
        self._follow_now = True
        self._build()

    # -- building
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        place_box = QGroupBox("Place")
        pl = QVBoxLayout(place_box)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Type to find a place…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Find a place")
        pl.addWidget(self.filter_edit)
        self.places_model, self.places_proxy = make_table((
            Column("Place", lambda p: p.name),
            Column("Area", lambda p: self._area_names.get(p.area_id, "")),
            Column("Grade", lambda p: self._grades[p.id].value if p.id in self._grades else "",
                   decoration=lambda p: GRADE_COLOURS.get(self._grades.get(p.id)) if p.id in self._grades
                   else None),
        ), (), self)
        self.places_proxy.sort(0)
        self.filter_edit.textChanged.connect(self.places_proxy.setFilterFixedString)
        self.places_view = _table_view(self.places_proxy)
        self.places_view.setMinimumHeight(120)
        self.places_view.setMaximumHeight(190)
        self.places_view.selectionModel().currentRowChanged.connect(self._on_list_row)
        pl.addWidget(self.places_view)
        self.place_label = QLabel("No place chosen: click one on the map or in the list.")
        self.place_label.setWordWrap(True)
        pl.addWidget(self.place_label)
        self.household_label = QLabel()  # a household picked on the map's collection rounds
        self.household_label.setObjectName("householdLabel")
        self.household_label.setWordWrap(True)
        self.household_label.setTextFormat(Qt.TextFormat.RichText)
        self.household_label.setAccessibleName("Household chosen on the map")
        self.household_label.hide()
        pl.addWidget(self.household_label)
        self.place_error = error_label()
        pl.addWidget(self.place_error)
        outer.addWidget(place_box)

        who = QGroupBox("When and who")
        form = QFormLayout(who)
        when_row = QHBoxLayout()
        self.when_edit = QDateTimeEdit(QDateTime.currentDateTime())
        self.when_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when_edit.setCalendarPopup(True)
        self.when_edit.dateTimeChanged.connect(self._on_when_edited)
        self.now_button = QToolButton()
        self.now_button.setText("Now")
        self.now_button.setToolTip("Use the current date and time for each record")
        self.now_button.clicked.connect(self.use_now)
        when_row.addWidget(self.when_edit, 1)
        when_row.addWidget(self.now_button)
        when_label = QLabel("&Date/time:")
        when_label.setBuddy(self.when_edit)
        form.addRow(when_label, when_row)
        self.person_edit = QLineEdit()
        self.person_edit.setPlaceholderText("your name")
        form.addRow("&Person:", self.person_edit)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("optional note for the next record")
        form.addRow("N&ote:", self.note_edit)
        self.when_error = error_label()
        form.addRow(self.when_error)
        outer.addWidget(who)

        grade_box = QGroupBox("Litter grade (keys 1-6)")
        gl = QHBoxLayout(grade_box)
        self.grade_buttons: dict[Grade, QPushButton] = {}
        for grade, key in GRADE_KEYS:
            b = QPushButton(grade.value)
            b.setToolTip(f"Record grade {grade.value} for the chosen place (key {key})")
            b.setMinimumHeight(34)
            b.setMinimumWidth(36)
            fg = "#ffffff" if grade in (Grade.A, Grade.D) else "#1f1f1f"
            b.setStyleSheet(f"QPushButton {{ background: {GRADE_COLOURS[grade].name()}; color: {fg}; "
                            "font-weight: bold; border: 1px solid #666; border-radius: 4px; }"
                            "QPushButton:focus { border: 2px solid #1f6feb; }")
            b.clicked.connect(lambda _=False, g=grade: self.record_grade(g))
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda g=grade: self.record_grade(g))
            self.grade_buttons[grade] = b
            gl.addWidget(b)
        self.grade_error = error_label()
        grade_outer = QVBoxLayout()
        grade_outer.addWidget(grade_box)
        grade_outer.addWidget(self.grade_error)
        outer.addLayout(grade_outer)

        bin_box = QGroupBox("Bin fill level")
        bl = QGridLayout(bin_box)
        self.bin_combo = QComboBox()
        self.bin_combo.setAccessibleName("Bin")
        bin_label = QLabel("&Bin:")
        bin_label.setBuddy(self.bin_combo)
        bl.addWidget(bin_label, 0, 0)
        bl.addWidget(self.bin_combo, 0, 1, 1, 5)
        self.fill_spin = QSpinBox()
        self.fill_spin.setRange(0, 150)
        self.fill_spin.setSuffix(" %")
        self.fill_spin.setSingleStep(5)
        self.fill_spin.setValue(50)
        fill_label = QLabel("&Fill:")
        fill_label.setBuddy(self.fill_spin)
        bl.addWidget(fill_label, 1, 0)
        bl.addWidget(self.fill_spin, 1, 1, 1, 2)
        self.fill_button = QPushButton("Record fill")
        self.fill_button.clicked.connect(lambda: self.record_fill(self.fill_spin.value()))
        bl.addWidget(self.fill_button, 1, 3, 1, 3)
        self.quick_fill_buttons: dict[int, QPushButton] = {}
        for i, (pct, text) in enumerate(QUICK_FILLS):
            b = QPushButton(text)
            b.setMinimumWidth(30)
            b.setToolTip(f"Record this bin as {text if pct > 100 else f'{pct} % full'}")
            b.clicked.connect(lambda _=False, v=pct: self.record_fill(v))
            self.quick_fill_buttons[pct] = b
            bl.addWidget(b, 2, i)
        self.bin_error = error_label()
        bl.addWidget(self.bin_error, 3, 0, 1, 6)
        outer.addWidget(bin_box)

        grass_box = QGroupBox("Grass height")
        grl = QHBoxLayout(grass_box)
        self.grass_combo = QComboBox()
        self.grass_combo.setAccessibleName("Grass area")
        grl.addWidget(self.grass_combo, 2)
        self.height_spin = QSpinBox()
        self.height_spin.setRange(0, 2000)
        self.height_spin.setSuffix(" mm")
        self.height_spin.setValue(60)
        self.height_spin.setAccessibleName("Grass height")
        grl.addWidget(self.height_spin, 1)
        self.grass_button = QPushButton("Record height")
        self.grass_button.clicked.connect(lambda: self.record_grass(self.height_spin.value()))
        grl.addWidget(self.grass_button)
        self.grass_error = error_label()
        grass_outer = QVBoxLayout()
        grass_outer.addWidget(grass_box)
        grass_outer.addWidget(self.grass_error)
        outer.addLayout(grass_outer)

        report_box = QGroupBox("Fly-tips and complaints")
        rl = QHBoxLayout(report_box)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 99)
        self.count_spin.setPrefix("count ")
        rl.addWidget(self.count_spin)
        self.fly_tip_button = QPushButton("Fly-&tip")
        self.fly_tip_button.clicked.connect(lambda: self.record_report(ObservationKind.FLY_TIP))
        rl.addWidget(self.fly_tip_button)
        self.complaint_button = QPushButton("Co&mplaint")
        self.complaint_button.clicked.connect(lambda: self.record_report(ObservationKind.COMPLAINT))
        rl.addWidget(self.complaint_button)
        self.report_error = error_label()
        report_outer = QVBoxLayout()
        report_outer.addWidget(report_box)
        report_outer.addWidget(self.report_error)
        outer.addLayout(report_outer)

        self.visits = VisitsPanel()
        self.visits_view, self.visits_proxy, self.visits_model = self.visits.view, self.visits.proxy, self.visits.model
        self.reason_edit = self.visits.reason_edit
        self.done_button, self.missed_button = self.visits.done_button, self.visits.missed_button
        self.done_button.clicked.connect(lambda: self.mark_selected_visit(VisitStatus.DONE))
        self.missed_button.clicked.connect(lambda: self.mark_selected_visit(VisitStatus.MISSED))
        self.visits.weekChanged.connect(lambda _week: self.refresh())
        self.visit_error = error_label()
        self.visits.layout().addWidget(self.visit_error)
        outer.addWidget(self.visits, 1)

        recent_box = QGroupBox("Recent records at this place")
        rcl = QVBoxLayout(recent_box)
        self.recent_model, self.recent_proxy = make_table((
            Column("When", lambda o: o.observed_at.strftime("%Y-%m-%d %H:%M")),
            Column("What", describe),
            Column("By", lambda o: o.recorded_by),
        ), (), self)
        self.recent_view = _table_view(self.recent_proxy)
        self.recent_view.setMaximumHeight(130)
        rcl.addWidget(self.recent_view)
        outer.addWidget(recent_box)

        import_row = QHBoxLayout()
        self.import_button = QPushButton(icon("import_csv"), "Import survey CSV…")
        self.import_button.clicked.connect(self.choose_survey_file)
        import_row.addWidget(self.import_button)
        import_row.addStretch(1)
        outer.addLayout(import_row)
        self.import_error = error_label()
        outer.addWidget(self.import_error)
        outer.addStretch(1)

        self.setTabOrder(self.filter_edit, self.places_view)
        self.setTabOrder(self.places_view, self.when_edit)
        self.setTabOrder(self.when_edit, self.person_edit)
        self.setTabOrder(self.person_edit, self.note_edit)
        prev: QWidget = self.note_edit
        for w in (*self.grade_buttons.values(), self.bin_combo, self.fill_spin, self.fill_button,
                  *self.quick_fill_buttons.values(), self.grass_combo, self.height_spin, self.grass_button,
                  self.count_spin, self.fly_tip_button, self.complaint_button, self.visits_view, self.reason_edit,
                  self.done_button, self.missed_button, self.import_button):
            self.setTabOrder(prev, w)
            prev = w
        self._update_enabled()

    # -- data
    def load(self, map_data: Any = None) -> None:
        """Read places, assets, grades and this week's plan; pass the map's data to avoid reading it twice."""
        data = map_data if map_data is not None else services.district.map_data(self.db)
        self._places = {p.id: p for p in data.places}
        self._area_names = {a.id: a.name for a in data.areas}
        self._assets_by_place = {}
        for a in data.assets:
            if a.place_id:
                self._assets_by_place.setdefault(a.place_id, []).append(a)
        self.places_model.set_rows(sorted(data.places, key=lambda p: p.name))
        self.visits.crew_names = services.planning.crew_names(self.db)
        self.visits.service_names = {code: st.name for code, st in self._settings_provider().services().items()}
        self.refresh()

    def shutdown(self, wait_ms: int = 0) -> bool:
        """Recording runs nothing in the background."""
        return True

    def refresh(self) -> None:
        """Re-read what may have changed: latest grades, this week's plan, this place's records."""
        self._grades = services.observations.latest_grades(self.db)
        self.places_model.set_rows(self.places_model.rows())
        self._plans = services.planning.plans_for_week(self.db, self.visits.week())
        self._show_place_details()

    def show_week(self, week: str, plan: Plan | None = None) -> None:
        """List the visits of this week (the main window passes the week and plan the board shows); the same
        week is re-read only when the board shows a plan this list has not read (it was just saved)."""
        if self.visits.week() != week_of(week_monday(week)):
            self.visits.set_week(week)
        elif plan is not None and (plan.id, plan.version) not in {(p.id, p.version) for p in self._plans}:
            self.refresh()

    def changed(self) -> None:
        """Something was stored or undone: refresh and tell the map."""
        self.refresh()
        self.observationsChanged.emit()

    def place_id(self) -> str | None:
        return self._place_id

    def set_person(self, name: str) -> None:
        self.person_edit.setText(name)

    def person(self) -> str:
        return self.person_edit.text().strip()

    # -- choosing a place
    def select_place(self, place_id: str | None) -> None:
        """Make a place the one records go to (from the map, the list or a test)."""
        if place_id is not None and place_id not in self._places:
            _show(self.place_error, "That place is not in this database.")
            return
        self._place_id = place_id
        _show(self.place_error, "")
        row = self.places_model.row_of(lambda p: p.id == place_id) if place_id else -1
        if row >= 0:
            proxy_index = self.places_proxy.mapFromSource(self.places_model.index(row, 0))
            if proxy_index.isValid() and self.places_view.currentIndex().row() != proxy_index.row():
                self.places_view.selectionModel().blockSignals(True)
                self.places_view.setCurrentIndex(proxy_index)
                self.places_view.selectionModel().blockSignals(False)
                self.places_view.scrollTo(proxy_index)
        self._fill_asset_combos()
        self._show_place_details()
        self._update_enabled()

    def select_asset(self, asset_id: str) -> None:
        """A bin or grass area picked on the map: choose its place and select it in the right list."""
        for pid, assets in self._assets_by_place.items():
            for a in assets:
                if a.id == asset_id:
                    if pid != self._place_id:
                        self.select_place(pid)
                    combo = self.bin_combo if a.kind.is_bin else self.grass_combo
                    i = combo.findData(asset_id)
                    if i >= 0:
                        combo.setCurrentIndex(i)
                    return

    def show_household(self, household: Any | None, colour: str = "") -> None:
        """Say which property a household picked on the map is and where it falls in its round (a
        services.rounds_map.HouseholdOnRound, edged in its round's `colour`); None hides it."""
        if household is None:
            self.household_label.clear()
            self.household_label.hide()
            return
        lines = [f"<b>Household: {escape(household.title)}</b>", *(escape(line) for line in household.lines())]
        self.household_label.setText("<br>".join(lines))
        edge = colour or "#888888"
        self.household_label.setStyleSheet(f"QLabel#householdLabel {{ border: 0px; border-left: 4px solid {edge}; "
                                           "padding-left: 6px; }")
        self.household_label.show()

    def household_text(self) -> str:
        """The household shown, as plain text ('' when none): for tests and screen readers."""
        if self.household_label.isHidden():
            return ""
        return unescape(self.household_label.text().replace("<br>", "\n").replace("<b>", "").replace("</b>", ""))

    def _on_list_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        place = self.places_proxy.row_at(current.row())
        if place is not None:
            self.select_place(place.id)
            self.placeChosen.emit(place.id)

    def _fill_asset_combos(self) -> None:
        assets = self._assets_by_place.get(self._place_id or "", [])
        self.bin_combo.clear()
        for a in sorted((a for a in assets if a.kind.is_bin), key=lambda a: (a.kind.value, a.name, a.id)):
            cap = f" ({a.capacity_l:.0f} l)" if a.capacity_l else ""
            self.bin_combo.addItem(f"{a.name or a.kind.label}{cap}", a.id)
        self.grass_combo.clear()
        self.grass_combo.addItem("whole place", None)
        for a in sorted((a for a in assets if a.kind in (AssetKind.GRASS_AREA, AssetKind.VERGE)),
                        key=lambda a: (a.kind.value, a.name)):
            self.grass_combo.addItem(f"{a.name or a.kind.label} ({a.area_m2:,.0f} m²)"
                                     if a.kind is AssetKind.GRASS_AREA else (a.name or a.kind.label), a.id)
        if self.grass_combo.count() > 1:
            self.grass_combo.setCurrentIndex(1)

    def _show_place_details(self) -> None:
        place = self._places.get(self._place_id or "")
        if place is None:
            self.place_label.setText("No place chosen: click one on the map or in the list.")
            self.visits.set_rows(())
            self.recent_model.set_rows(())
            return
        grade = self._grades.get(place.id)
        area = self._area_names.get(place.area_id, "")
        self.place_label.setText(f"<b>{place.name}</b> · {area} · latest grade "
                                 f"<b>{grade.value if grade else 'not surveyed'}</b>")
        recent = sorted(services.observations.for_place(self.db, place.id), key=lambda o: o.observed_at,
                        reverse=True)
        self.recent_model.set_rows(recent[:20])
        self.visits.set_rows([(plan, cd, v) for plan in self._plans for cd in plan.crew_days for v in cd.visits
                              if v.place_id == place.id])

    def _update_enabled(self) -> None:
        has_bins = self.bin_combo.count() > 0
        for b in (self.fill_button, *self.quick_fill_buttons.values()):
            b.setEnabled(has_bins)
        self.fill_spin.setEnabled(has_bins)
        self.bin_combo.setEnabled(has_bins)

    # -- when
    def _on_when_edited(self) -> None:
        if not self.when_edit.signalsBlocked():
            self._follow_now = False

    def use_now(self) -> None:
        self._follow_now = True
        self._set_when(QDateTime.currentDateTime())

    def _set_when(self, value: QDateTime) -> None:
        self.when_edit.blockSignals(True)
        self.when_edit.setDateTime(value)
        self.when_edit.blockSignals(False)

    def _when(self) -> dt.datetime | None:
        if self._follow_now:
            # to the second, so records made one after another keep their order
            self._set_when(QDateTime.currentDateTime())
            _show(self.when_error, "")
            return dt.datetime.now().replace(microsecond=0)
        when = self.when_edit.dateTime().toPython()
        if when > dt.datetime.now() + dt.timedelta(minutes=5):
            _show(self.when_error, "The date and time are in the future: records are of what was seen.")
            return None
        _show(self.when_error, "")
        return when.replace(second=0, microsecond=0)

    # -- recording
    def _new(self, kind: ObservationKind, error: QLabel, **values: Any) -> bool:
        """Build, store and push one observation; on a problem show it at the field and change nothing."""
        for label in (self.place_error, self.grade_error, self.bin_error, self.grass_error, self.report_error):
            _show(label, "")
        if self._place_id is None:
            _show(self.place_error, "Pick a place on the map or in the list first.")
            _show(error, "Pick a place first.")
            return False
        when = self._when()
        if when is None:
            return False
        obs = Observation(id=new_id("obs"), kind=kind, observed_at=when, place_id=self._place_id,
                          recorded_by=self.person(), note=self.note_edit.text().strip(), **values)
        try:
            services.observations.record(self.db, obs)
        except UserError as exc:
            _show(error, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return False
        place_name = self._places[self._place_id].name
        self.undo_stack.push(RecordObservation(self, obs, place_name))
        self.note_edit.clear()
        self.changed()
        self.statusMessage.emit(f"Recorded {describe(obs)} at {place_name}. Ctrl+Z undoes it.")
        return True

    def record_grade(self, grade: Grade) -> bool:
        return self._new(ObservationKind.LITTER_GRADE, self.grade_error, grade=grade)

    def record_fill(self, fill_pct: float) -> bool:
        bin_id = self.bin_combo.currentData()
        if self._place_id is not None and not bin_id:
            _show(self.bin_error, "This place has no bins; pick a bin on the map or another place.")
            return False
        self.fill_spin.setValue(int(fill_pct))
        return self._new(ObservationKind.BIN_FILL, self.bin_error, asset_id=bin_id, fill_pct=float(fill_pct))

    def record_grass(self, height_mm: float) -> bool:
        return self._new(ObservationKind.GRASS_HEIGHT, self.grass_error, asset_id=self.grass_combo.currentData(),
                         height_mm=float(height_mm))

    def record_report(self, kind: ObservationKind) -> bool:
        return self._new(kind, self.report_error, count=self.count_spin.value())

    # -- visits
    def mark_selected_visit(self, status: VisitStatus) -> bool:
        index = self.visits_view.currentIndex()
        if not index.isValid():
            _show(self.visit_error, "Choose a visit in the list first.")
            return False
        _plan, _cd, visit = self.visits_proxy.row_at(index.row())
        return self.mark_visit(visit.task_id, status, self.reason_edit.text())

    def mark_visit(self, task_id: str, status: VisitStatus, reason: str = "") -> bool:
        if not self._plans:
            _show(self.visit_error, f"There is no plan for the {week_words(self.visits.week())}.")
            return False
        plan, before = next(((p, (v.status, v.reason)) for p in self._plans for cd in p.crew_days
                             for v in cd.visits if v.task_id == task_id), (None, None))
        if plan is None or before is None:
            _show(self.visit_error, f"That visit is not in the plan for the {week_words(self.visits.week())}.")
            return False
        if status is VisitStatus.MISSED and not reason.strip():
            _show(self.visit_error, "Say why the visit was missed.")
            self.reason_edit.setFocus()
            return False
        try:
            self.apply_visit(plan.id, task_id, status, reason)
        except UserError as exc:
            _show(self.visit_error, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return False
        _show(self.visit_error, "")
        self.reason_edit.clear()
        self.undo_stack.push(MarkVisit(self, plan.id, task_id, before, (status, reason.strip())))
        self.statusMessage.emit(f"Visit marked {status.value}. Ctrl+Z undoes it.")
        return True

    def apply_visit(self, plan_id: str, task_id: str, status: VisitStatus, reason: str) -> None:
        services.planning.mark_visit(self.db, plan_id, task_id, status, reason)
        self.refresh()

    # -- survey import
    def choose_survey_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import survey results", "", "CSV files (*.csv);;All files (*)")
        if path:
            dialog = self.preview_survey(Path(path))
            if dialog is not None:
                dialog.open()

    def preview_survey(self, path: Path) -> SurveyImportDialog | None:
        """Read a survey sheet and return the preview dialog (not shown); None with a message when unreadable."""
        _show(self.import_error, "")
        try:
            preview = services.observations.parse_survey_csv(self.db, path)
        except UserError as exc:
            _show(self.import_error, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return None
        names = {pid: p.name for pid, p in self._places.items()}
        dialog = SurveyImportDialog(preview, names, path.name, self)
        dialog.accepted.connect(lambda: self.import_previewed(dialog.preview))
        return dialog

    def import_previewed(self, preview: Any) -> int:
        try:
            n = services.observations.import_survey(self.db, preview)
        except UserError as exc:
            _show(self.import_error, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return 0
        self.undo_stack.push(ImportSurvey(self, preview))
        self.changed()
        self.statusMessage.emit(f"Imported {n} survey rows. Ctrl+Z undoes the import.")
        return n

