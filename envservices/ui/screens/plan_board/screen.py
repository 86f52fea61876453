"""The supervisor's week: a board of crews by weekday, the selected crew-day's timeline and route, and the
levers to change the plan (pin a visit, lock a day, mark a crew absent, add urgent work, re-plan the rest).

The solve runs in a worker (`ui.workers.Worker`) on plain data prepared on the GUI thread, so the window stays
responsive; the plan comes back as a `domain.Plan` and is saved here in a fresh unit of work by the service.
The supervisor's decisions (pins, locks, absences, urgent work) are kept on this screen until the next re-plan,
which hands them all to `services.planning.prepare_week`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import replace as dataclass_replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from envservices.domain.model import CrewDay, Pin, Plan, SiteKind, Task, Visit, VisitStatus
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.ui.heap import settle
from envservices.reports.whereabouts import due_words, nearest_streets, road_lines
from envservices.services import district as district_service
from envservices.services import pins as pins_service
from envservices.services import planning as planning_service
from envservices.ui.dialogs.urgent_work_dialog import UrgentWorkDialog
from envservices.ui.icons import icon
from envservices.ui.models.table_model import Column, RowTableModel
from envservices.ui.reports.worksheets import (
    PlanLookups,
    hhmm,
    ordered_events,
    route_points,
    write_plan_csv,
    write_worksheets,
)
from envservices.ui.screens.plan_board.changes import PendingChanges
from envservices.ui.screens.plan_board.figures import release_text
from envservices.ui.screens.plan_board.guard import SavedPlanGuard
from envservices.ui.screens.plan_board.parts import (
    ROW_HEIGHT,
    BoardDelegate,
    BoardModel,
    Cell,
    CellKey,
    ChoiceBanner,
    TimelineWidget,
    VisitRow,
    VisitsModel,
)
from envservices.ui.screens.plan_board.solve_run import iso_week, prepare_and_solve, week_monday
from envservices.ui.workers import Worker, WorkerPool

# ---------------------------------------------------------------------------------------------- the screen


class PlanBoardScreen(SavedPlanGuard, QWidget):
    """Plan the week for a depot's crews, change it with pins, locks and absences, print and export it."""

    routeRequested = Signal(list, str)  # route points in BNG metres, a label
    planChanged = Signal(object)  # the Plan now shown (or None)
    busyChanged = Signal(bool)  # a solve started (True) or ended (False)

    title = "Plan the week"

    def __init__(self, db: Any, settings_provider: Callable[[], Settings], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planBoardScreen")
        self._db = db
        self._settings_provider = settings_provider
        self._workers = WorkerPool()
        self._worker: Worker | None = None
        self._solve_started = 0.0
        self._best_cost: float | None = None
        self._cancel_requested = False

        self._places: dict[str, Any] = {}
        self._assets: dict[str, Any] = {}
        self._sites: dict[str, Any] = {}
        self._roads: tuple[Any, ...] = ()
        self._crew_names: dict[str, str] = {}
        self._areas: dict[str, Any] = {}
        self._prepared: planning_service.PreparedWeek | None = None
        self._prepared_key: tuple[str, str | None, str | None] | None = None
        self._tasks: dict[str, Task] = {}
        self._plan: Plan | None = None
        self.changes = PendingChanges()  # the decisions the next re-plan must respect
        self._selected: CellKey | None = None
        self._lookups = PlanLookups()
        self._partial: Plan | None = None  # a cancelled solve's plan, waiting for the supervisor's choice
        self._undo: tuple[Plan, Plan | None] | None = None  # (the plan kept, the plan it replaced)
        self._solve_pins: tuple[Pin, ...] = ()  # the pins the running solve was given, checked before saving
        self._solve_key: tuple[str, str | None, str | None] | None = None
        self._prepare_seq = 0  # a background preparation is used only if nothing newer was asked for since
        self._preparing = False
        self._solving = False  # a Generate has finished preparing and the solver is searching
        self.solver_stage = ""  # the solver's last word on its progress

        self._build_ui()

    # -- building the widgets
    def _build_ui(self) -> None:
        self.week_combo = QComboBox()
        self.week_combo.setObjectName("weekCombo")
        self.week_combo.setMinimumContentsLength(24)
        today = dt.date.today()
        for offset in range(-8, 13):
            monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=offset)
            friday = monday + dt.timedelta(days=4)
            self.week_combo.addItem(f"{iso_week(monday)}  ({monday:%d %b} - {friday:%d %b})", iso_week(monday))
        self.week_combo.setCurrentIndex(9)  # next week: what a supervisor plans
        self.prev_week = QToolButton()
        self.prev_week.setArrowType(Qt.ArrowType.LeftArrow)
        self.prev_week.setToolTip("Previous week")
        self.next_week = QToolButton()
        self.next_week.setArrowType(Qt.ArrowType.RightArrow)
        self.next_week.setToolTip("Next week")
        self.area_combo = QComboBox()
        self.area_combo.setObjectName("areaCombo")
        self.area_combo.setMinimumContentsLength(14)
        self.depot_combo = QComboBox()
        self.depot_combo.setObjectName("depotCombo")
        self.depot_combo.setMinimumContentsLength(14)
        self.time_limit = QSpinBox()
        self.time_limit.setRange(1, 600)
        self.time_limit.setValue(30)
        self.time_limit.setSuffix(" s")
        self.time_limit.setToolTip("How long the planner may search for a better plan")

        self.generate_button = QPushButton(icon("plan"), "Generate plan")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setToolTip("Plan the week in the background (F5); pins, locked days and absences are kept")
        self.generate_button.setShortcut(QKeySequence("F5"))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("solveProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setMinimumWidth(260)

        top = QHBoxLayout()
        top.addWidget(QLabel("&Week"))
        top.itemAt(0).widget().setBuddy(self.week_combo)
        top.addWidget(self.prev_week)
        top.addWidget(self.week_combo)
        top.addWidget(self.next_week)
        top.addSpacing(12)
        area_label = QLabel("&Area")
        area_label.setBuddy(self.area_combo)
        top.addWidget(area_label)
        top.addWidget(self.area_combo)
        depot_label = QLabel("&Depot")
        depot_label.setBuddy(self.depot_combo)
        top.addWidget(depot_label)
        top.addWidget(self.depot_combo)
        top.addSpacing(12)
        limit_label = QLabel("&Time limit")
        limit_label.setBuddy(self.time_limit)
        top.addWidget(limit_label)
        top.addWidget(self.time_limit)
        top.addStretch(1)
        top.addWidget(self.generate_button)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)

        # the supervisor's levers
        self.urgent_button = QPushButton("Add urgent work…")
        self.urgent_button.setObjectName("urgentButton")
        self.lock_button = QPushButton("Lock day")
        # Ctrl+K ("keep"): Ctrl+L is the main window's Layers panel
        self.lock_button.setToolTip("Keep the selected crew-day exactly as it is when re-planning (Ctrl+K)")
        self.lock_button.setShortcut(QKeySequence("Ctrl+K"))
        self.absent_button = QPushButton("Crew absent")
        self.absent_button.setToolTip("The selected crew cannot work the selected day")
        self.clear_button = QPushButton("Clear changes")
        self.clear_button.setToolTip("Forget the pins, locks, absences and urgent work not yet planned")
        self.pdf_button = QPushButton(icon("export"), "Worksheets (PDF)…")
        self.pdf_button.setObjectName("pdfButton")
        self.csv_button = QPushButton(icon("export"), "Export CSV…")
        self.csv_button.setObjectName("csvButton")
        levers = QHBoxLayout()
        for b in (self.urgent_button, self.lock_button, self.absent_button, self.clear_button):
            levers.addWidget(b)
        self.changes_label = QLabel()
        self.changes_label.setObjectName("changesLabel")
        self.changes_label.setStyleSheet("color: #2b6cb0;")
        levers.addWidget(self.changes_label, 1)
        levers.addWidget(self.pdf_button)
        levers.addWidget(self.csv_button)

        self.message = QLabel()
        self.message.setObjectName("planMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.choice_banner = ChoiceBanner()

        # board
        self.board_model = BoardModel(self)
        self.board = QTableView()
        self.board.setObjectName("planBoard")
        self.board.setModel(self.board_model)
        self.board.setItemDelegate(BoardDelegate(self.board))
        self.board.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.board.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.board.setShowGrid(False)
        self.board.setAcceptDrops(True)
        self.board.viewport().setAcceptDrops(True)
        self.board.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.board.setDropIndicatorShown(True)
        self.board.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.board.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.board.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.board.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.board.setMinimumHeight(2 * ROW_HEIGHT + 30)  # at least two crews visible even in a short dock

        # selected crew-day
        self.crew_day_label = QLabel("No crew-day selected")
        self.crew_day_label.setObjectName("crewDayLabel")
        bold = self.crew_day_label.font()
        bold.setBold(True)
        self.crew_day_label.setFont(bold)
        self.timeline = TimelineWidget()
        self.timeline.setObjectName("timeline")
        self.visits_model = VisitsModel(
            [
                Column("#", lambda r: r.order, align_right=True),
                Column("Arrive", lambda r: r.visit.arrive_s, display=hhmm),
                Column("Work", lambda r: r.visit.start_s,
                       display=lambda s: hhmm(s)),
                Column("Until", lambda r: r.visit.end_s, display=hhmm),
                Column("Place", lambda r: r.place),
                Column("Service", lambda r: r.service),
                Column("Pin", lambda r: r.pinned_to or ("pinned" if r.visit.pinned else "")),
                Column("Status", lambda r: r.visit.status.value),
                Column("Done at", lambda r: _actual_times(r.visit)),
                Column("Note", lambda r: r.note),
            ],
            parent=self,
        )
        self.visits = QTableView()
        self.visits.setObjectName("visitsTable")
        self.visits.setModel(self.visits_model)
        self.visits.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.visits.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.visits.setDragEnabled(True)
        self.visits.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.visits.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.visits.verticalHeader().hide()
        self.visits.horizontalHeader().setStretchLastSection(True)
        self.visits.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.visits.setAlternatingRowColors(True)
        self.visits.verticalHeader().setDefaultSectionSize(22)
        self.visits.setWordWrap(False)

        day_panel = QWidget()
        day_layout = QVBoxLayout(day_panel)
        day_layout.setContentsMargins(0, 0, 0, 0)
        day_layout.addWidget(self.crew_day_label)
        day_layout.addWidget(self.timeline)
        day_layout.addWidget(self.visits, 1)

        # tasks left out
        self.unplanned_model = RowTableModel(
            [
                Column("Work", lambda r: r[1]),
                Column("Place", lambda r: r[2]),
                Column("Why it was left out", lambda r: r[0].reason, tooltip=lambda r: r[0].reason),
                Column("Due", lambda r: r[3]),
            ],
            parent=self,
        )
        self.unplanned = QTableView()
        self.unplanned.setObjectName("unplannedTable")
        self.unplanned.setModel(self.unplanned_model)
        self.unplanned.verticalHeader().hide()
        self.unplanned.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.unplanned.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.unplanned.verticalHeader().setDefaultSectionSize(22)
        self.unplanned.setWordWrap(False)
        self.unplanned.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.unplanned_label = QLabel("Tasks left out")
        self.unplanned_label.setFont(bold)
        left_out = QWidget()
        left_out_layout = QVBoxLayout(left_out)
        left_out_layout.setContentsMargins(0, 0, 0, 0)
        left_out_layout.addWidget(self.unplanned_label)
        left_out_layout.addWidget(self.unplanned, 1)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(day_panel)
        lower.addWidget(left_out)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([700, 460])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.board)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)  # the board first: most of the height goes to the crews
        split.setStretchFactor(1, 2)
        split.setSizes([620, 300])
        split.setChildrenCollapsible(False)

        self.kpi_label = QLabel()
        self.kpi_label.setObjectName("kpiLabel")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(levers)
        layout.addWidget(self.message)
        layout.addWidget(self.choice_banner)
        layout.addWidget(split, 1)
        layout.addWidget(self.kpi_label)

        self._tick = QTimer(self)
        self._tick.setInterval(200)
        self._tick.timeout.connect(self._update_progress)

        self.prev_week.clicked.connect(lambda: self._step_week(-1))
        self.next_week.clicked.connect(lambda: self._step_week(1))
        self.week_combo.currentIndexChanged.connect(self._week_changed)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.urgent_button.clicked.connect(self.add_urgent_work)
        self.lock_button.clicked.connect(self._toggle_lock_selected)
        self.absent_button.clicked.connect(self._toggle_absent_selected)
        self.clear_button.clicked.connect(self.clear_changes)
        self.pdf_button.clicked.connect(self._ask_worksheets)
        self.csv_button.clicked.connect(self._ask_csv)
        self.board.selectionModel().currentChanged.connect(self._board_current_changed)
        self.board.customContextMenuRequested.connect(self._board_menu)
        self.visits.customContextMenuRequested.connect(self._visits_menu)
        self.board_model.pinDropped.connect(self._pins_dropped)
        self._update_buttons()

    # -- screen protocol
    def load(self) -> None:
        """Read the district's areas, depots and places once, then show this week's plan."""
        data = district_service.map_data(self._db)
        self._areas = {a.id: a for a in data.areas}
        self._places = {p.id: p for p in data.places}
        self._assets = {a.id: a for a in data.assets}
        self._sites = {s.id: s for s in data.sites}
        self._roads = tuple(data.roads)
        self._crew_names = planning_service.crew_names(self._db)
        for combo, items, everything in (
            (self.area_combo, sorted(data.areas, key=lambda a: a.name), "All areas"),
            (self.depot_combo, sorted((s for s in data.sites if s.kind is SiteKind.DEPOT), key=lambda s: s.name),
             "All depots"),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for item in items:
                combo.addItem(item.name, item.id)
            combo.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Show the stored plan of the chosen week (or an empty board ready to generate one)."""
        if self.is_busy():
            return
        week = self.week()
        try:
            plan = planning_service.load_plan(self._db, week)
        except UserError as exc:
            self._show_message(str(exc), error=True)
            plan = None
        if plan is not None:
            self._select_combo(self.area_combo, plan.area_id)
            self._select_combo(self.depot_combo, plan.depot_id)
            self.changes.locked |= {(cd.crew_id, cd.day) for cd in plan.crew_days if cd.locked}
        self._plan = plan
        if plan is not None or self._prepared is None or self._prepared.week != week:
            self._ensure_prepared(quiet=True)
        self._show_plan()
        if plan is None:
            self._show_message(f"No plan for {week} yet: choose the area and depot, then press Generate plan.")
        else:
            self.message.hide()

    # -- reading the controls
    def week(self) -> str:
        return str(self.week_combo.currentData())

    def set_week(self, week: str) -> None:
        """Choose a week (adding it to the list when it is far from today)."""
        index = self.week_combo.findData(week)
        if index < 0:
            monday = week_monday(week)
            self.week_combo.addItem(f"{week}  ({monday:%d %b} - {monday + dt.timedelta(days=4):%d %b})", week)
            index = self.week_combo.count() - 1
        self.week_combo.setCurrentIndex(index)

    def area_id(self) -> str | None:
        return self.area_combo.currentData()

    def depot_id(self) -> str | None:
        return self.depot_combo.currentData()

    def plan(self) -> Plan | None:
        return self._plan

    def pins(self) -> tuple[Pin, ...]:
        return tuple(self.changes.pins.values())

    def is_busy(self) -> bool:
        """True from the start of a solve until its result (or failure) has been handled here."""
        return self._worker is not None

    @staticmethod
    def _select_combo(combo: QComboBox, value: str | None) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)

    def _step_week(self, step: int) -> None:
        self.set_week(iso_week(week_monday(self.week()) + dt.timedelta(weeks=step)))

    def _week_changed(self) -> None:
        # Pins, locks, absences and urgent work belong to one week; so do a pending choice and its undo.
        self._forget_choice()
        self.changes.forget()
        self._selected = None
        self.refresh()

    # -- preparing and solving
    def _prepare_args(self) -> dict[str, Any]:
        """The supervisor's decisions as plain data for `prepare_week`, read here on the GUI thread."""
        return self.changes.prepare_args(self.week(), self.area_id(), self.depot_id(), self._plan)

    def _prepare(self) -> planning_service.PreparedWeek:
        return planning_service.prepare_week(self._db, **self._prepare_args())

    def is_preparing(self) -> bool:
        """True while the week's crews and tasks are being gathered in the background (board already shown)."""
        return self._preparing

    def _ensure_prepared(self, quiet: bool = False) -> None:
        """Crews and tasks for names and the board's rows, gathered on a worker thread (3-5 s on the GUI
        thread froze the window at every week change); prepared again only when week or filters change."""
        key = (self.week(), self.area_id(), self.depot_id())
        if self._prepared is not None and self._prepared_key == key:
            return
        self._prepare_seq += 1
        seq = self._prepare_seq
        worker = Worker(planning_service.prepare_week, self._db, cancellable=False, **self._prepare_args())
        worker.signals.finished.connect(lambda prepared: self._prepared_in_background(prepared, key, seq))
        worker.signals.failed.connect(lambda message: self._prepare_failed(message, seq, quiet))
        self._preparing = True
        if not self.is_busy():
            self.progress.setFormat("Preparing the week…")
        self._workers.start(worker)

    def _prepared_in_background(self, prepared: planning_service.PreparedWeek,
                                key: tuple[str, str | None, str | None], seq: int) -> None:
        if seq != self._prepare_seq:
            return  # the week, the filters or a Generate came since: this one is out of date
        self._preparing = False
        if key != (self.week(), self.area_id(), self.depot_id()):
            return
        self._remember_prepared(prepared, key)
        settle()  # the week's objects live until the next week: keep full collections from walking them
        if not self.is_busy():
            self.progress.setFormat("Ready")
            self._show_plan()
            self._show_week_notes(prepared)

    def _show_week_notes(self, prepared: planning_service.PreparedWeek) -> None:
        """Bank holidays and why an area has no work, from the week pipeline, in the board's message line."""
        if not prepared.notes:
            return
        notes = " ".join(n.rstrip(".") + "." for n in prepared.notes)
        if self._plan is None:
            self._show_message(f"No plan for {prepared.week} yet. {notes}")
        else:
            self._show_message(notes)

    def _prepare_failed(self, message: str, seq: int, quiet: bool) -> None:
        if seq != self._prepare_seq:
            return
        self._preparing = False
        if not self.is_busy():
            self.progress.setFormat("Ready")
        if not quiet:
            self._show_message(message, error=True)

    def _remember_prepared(self, prepared: planning_service.PreparedWeek, key: tuple[str, str | None, str | None]) -> None:
        self._prepared = prepared
        self._prepared_key = key
        self._tasks.update(planning_service.tasks_by_id(prepared))

    def generate(self) -> bool:
        """Plan the week (or re-plan the rest) in the background; False when it could not start."""
        if self.is_busy():
            return False
        self._solve_key = (self.week(), self.area_id(), self.depot_id())
        self._prepare_seq += 1  # a background preparation still running is now out of date
        self._preparing = False
        self._forget_choice()
        self._solve_pins = tuple(self.changes.pins.values())
        words = {pin.task_id: self._visit_words(pin.task_id) for pin in self._solve_pins}
        limit_s = float(self.time_limit.value())
        worker = Worker(prepare_and_solve, self._db, self._prepare_args(), words, limit_s)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self._worker = worker
        self._solve_started = time.monotonic()
        self._best_cost = None
        self._cancel_requested = False
        self._solving = False
        self.solver_stage = ""
        self.progress.setValue(0)
        self.progress.setFormat("Preparing the week…")
        self._show_message("Gathering the week's work and planning it in the background…")
        self._workers.start(worker)
        self._tick.start()
        self._update_buttons()
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        """Stop the search; the best plan found so far is kept if it has any visits."""
        if self._worker is not None:
            self._cancel_requested = True
            self._worker.cancel()
            self.progress.setFormat("Stopping…")
            self.cancel_button.setEnabled(False)

    def shutdown(self, wait_ms: int = 10_000) -> bool:
        """Cancel any running solve and wait for it: call before the window closes.

        A solve stopped this way is a cancelled one: its plan is never saved over the stored plan."""
        self._tick.stop()
        if self._worker is not None:
            self._cancel_requested = True
        return self._workers.cancel_all(wait_ms)

    def _update_progress(self) -> None:
        if not self.is_busy():
            return
        if not self._solving:
            if not self._cancel_requested:
                waited = time.monotonic() - self._solve_started
                self.progress.setFormat(f"Preparing the week… {waited:.0f} s")
            return
        elapsed = time.monotonic() - self._solve_started
        limit = max(float(self.time_limit.value()), 0.1)
        self.progress.setValue(min(int(elapsed / limit * 1000), 1000))
        if self._cancel_requested:
            return
        if self._best_cost is None:
            self.progress.setFormat(f"Planning… {elapsed:.0f} s, no plan found yet")
        else:
            # the solver's cost mixes money with penalties for work left out: not a figure to show as pounds
            self.progress.setFormat(f"Plan found, improving it… {elapsed:.0f} of {limit:.0f} s")

    def _on_progress(self, values: tuple) -> None:
        if not self._solving and not (len(values) > 2 and values[2] == "preparing the week"):
            self._solving = True
            self._solve_started = time.monotonic()  # the time limit counts from here
        if len(values) > 2:
            self.solver_stage = str(values[2])  # e.g. 'first plan built', 'improved after 3500 moves'
        if values and isinstance(values[0], (int, float)):
            self._best_cost = float(values[0])
        self._update_progress()

    def _solve_ended(self) -> None:
        self._tick.stop()
        self._worker = None
        self._update_buttons()
        self.busyChanged.emit(False)

    def _on_finished(self, result: tuple[planning_service.PreparedWeek, Plan]) -> None:
        prepared, plan = result
        cancelled = self._cancel_requested
        self._solve_ended()
        if self._solve_key is not None:
            self._remember_prepared(prepared, self._solve_key)
        if cancelled:
            self.progress.setValue(0)
            self.progress.setFormat("Cancelled")
            if not any(cd.visits for cd in plan.crew_days):
                self._show_message("Planning was cancelled before a plan was found; the plan was left as it was.")
            else:
                self._offer_partial(plan)
            return
        broken = pins_service.broken_pins(plan, self._solve_pins)
        if broken:
            self._refuse_broken_pins(plan, broken)
            return
        self._save_new_plan(plan, cancelled)

    def _save_new_plan(self, plan: Plan, cancelled: bool = False) -> None:
        try:
            stored = planning_service.save_plan(self._db, plan)
        except UserError as exc:
            self._show_message(f"The new plan could not be saved, so nothing changed: {exc}", error=True)
            return
        self._plan = stored
        self.changes.dirty = False
        self.progress.setValue(1000)
        cost = plan.kpis.get("cost") if isinstance(plan.kpis, dict) else None
        cost_text = f"£{float(cost):,.0f}" if isinstance(cost, (int, float)) else ""
        self.progress.setFormat(("Stopped early" if cancelled else "Planned") + (f" · cost {cost_text}" if cost_text else ""))
        visits = sum(len(cd.visits) for cd in plan.crew_days)
        text = f"{'Stopped early: kept the best plan found' if cancelled else 'Plan saved'}: {visits} visits"
        if plan.unplanned:
            text += f", {len(plan.unplanned)} tasks left out (listed on the right)"
        if plan.violations:
            text += f". Check: {'; '.join(plan.violations[:3])}"
        self._show_message(text + ".")
        self._show_plan()
        self._show_changes()

    def _on_failed(self, message: str) -> None:
        self._solve_ended()
        self.progress.setValue(0)
        self.progress.setFormat("Failed")
        self._show_message(f"{message} The plan was left as it was.", error=True)

    # -- the supervisor's levers
    def pin_visit(self, task_id: str, crew_id: str, day: dt.date) -> bool:
        """Pin a task to a crew and day for the next re-plan; refuse a pin the plan could never keep."""
        if day not in self.board_model.days():
            self._show_message(f"{day:%d %B} is not in week {self.week()}.", error=True)
            return False
        reason = self._pin_refusal(task_id, crew_id, day)
        if reason is not None:
            self._show_message(f"Cannot pin {self._visit_words(task_id)} to {self._crew_name(crew_id)} on "
                               f"{day:%A}: {reason}.", error=True)
            return False
        self.changes.pin(task_id, crew_id, day)
        self._changes_made()
        return True

    def unpin_visit(self, task_id: str) -> None:
        self.changes.unpin(task_id)
        self._changes_made()

    def set_locked(self, crew_id: str, day: dt.date, locked: bool) -> bool:
        """Lock a crew-day so re-planning keeps it exactly; only a planned day can be locked."""
        if locked and self._crew_day(crew_id, day) is None:
            self._show_message("Only a planned day can be locked: generate the plan first.", error=True)
            return False
        self.changes.lock((crew_id, day), locked)
        self._changes_made()
        return True

    def set_absent(self, crew_id: str, day: dt.date, absent: bool) -> None:
        """Mark a crew absent for a day: its work goes to other crews at the next re-plan."""
        self.changes.set_absent((crew_id, day), absent)
        self._changes_made()

    def add_urgent(self, task: Task) -> None:
        """Urgent work to fit in at the next re-plan."""
        self.changes.add_urgent(task)
        self._tasks[task.id] = task
        self._changes_made()

    def add_urgent_work(self) -> None:
        days = list(self.board_model.days()) or [week_monday(self.week()) + dt.timedelta(days=i) for i in range(5)]
        places = list(self._places.values())
        if not places:
            self._show_message("There are no places in the database to send urgent work to.", error=True)
            return
        settings = self._settings_provider()
        dialog = UrgentWorkDialog(places, settings.services(), days, self)
        if dialog.exec() != UrgentWorkDialog.DialogCode.Accepted or dialog.request is None:
            return
        request = dialog.request
        try:
            task = planning_service.urgent_task(request.place, request.service, settings, request.day, request.note)
        except UserError as exc:
            self._show_message(str(exc), error=True)
            return
        self.add_urgent(task)

    def clear_changes(self) -> None:
        self.changes.clear(self._plan)
        self._changes_made()

    def mark_visit(self, task_id: str, status: VisitStatus, reason: str = "") -> bool:
        if self._plan is None:
            return False
        try:
            self._plan = planning_service.mark_visit(self._db, self._plan.id, task_id, status, reason)
        except UserError as exc:
            self._show_message(str(exc), error=True)
            return False
        self._show_plan()
        return True

    def _clear_stale_error(self) -> None:
        """An error is about the action that failed: the next action that works takes it off the screen."""
        if self.message.property("error"):
            self.message.hide()
            self.message.setProperty("error", False)

    def _changes_made(self) -> None:
        self._clear_stale_error()
        self.changes.dirty = True
        self._show_plan()
        self._show_changes()

    def _show_changes(self) -> None:
        self.changes_label.setText(self.changes.summary())
        self._update_buttons()

    def _toggle_lock_selected(self) -> None:
        if self._selected is not None:
            self.set_locked(*self._selected, self._selected not in self.changes.locked)

    def _toggle_absent_selected(self) -> None:
        if self._selected is not None:
            self.set_absent(*self._selected, self._selected not in self.changes.absent)

    def _pins_dropped(self, task_ids: list, crew_id: str, day: dt.date) -> None:
        for task_id in task_ids:
            if not self.pin_visit(task_id, crew_id, day):
                return
        self._show_message(f"Pinned {len(task_ids)} visit(s) to {self._crew_name(crew_id)} on {day:%A}; "
                           "press Re-plan to plan the rest around them.")

    # -- menus
    def _board_menu(self, pos: Any) -> None:
        index = self.board.indexAt(pos)
        key = self.board_model.key_at(index)
        if key is None:
            return
        crew_id, day = key
        menu = QMenu(self)
        lock = menu.addAction("Unlock this day" if key in self.changes.locked else "Lock this day")
        lock.triggered.connect(lambda: self.set_locked(crew_id, day, key not in self.changes.locked))
        absent = menu.addAction("Crew back at work this day" if key in self.changes.absent else "Crew absent this day")
        absent.triggered.connect(lambda: self.set_absent(crew_id, day, key not in self.changes.absent))
        week = menu.addAction("Crew absent all week")
        week.triggered.connect(lambda: [self.set_absent(crew_id, d, True) for d in self.board_model.days()])
        menu.addSeparator()
        route = menu.addAction("Show route on map")
        route.triggered.connect(lambda: self.select_crew_day(crew_id, day))
        menu.popup(self.board.viewport().mapToGlobal(pos))

    def visits_menu(self) -> QMenu:
        """The visits' context menu (pin to…, unpin, done, missed); built on demand so tests can use it."""
        rows = self._selected_visit_rows()
        menu = QMenu(self)
        if not rows:
            return menu
        ids = [r.visit.task_id for r in rows]
        pin_to = menu.addMenu("Pin to")
        # only the crew-days every selected visit may go to: its due window, a crew able to do it, a worked day
        offered = 0
        for crew_id, name in self.board_model.crews():
            days = [d for d in self.board_model.days()
                    if all(self._pin_refusal(i, crew_id, d) is None for i in ids)]
            if not days:
                continue
            crew_menu = pin_to.addMenu(name)
            for day in days:
                action = crew_menu.addAction(day.strftime("%A %d %b"))
                action.setData((crew_id, day))
                action.triggered.connect(lambda _=False, c=crew_id, d=day: self._pins_dropped(ids, c, d))
                offered += 1
        if not offered:
            task = self._tasks.get(ids[0])
            why = pins_service.due_window_words(task) if task is not None and len(ids) == 1 else "no common day"
            nowhere = pin_to.addAction(f"Nowhere else this week ({why}, no other able crew free)")
            nowhere.setEnabled(False)
        if self._selected is not None:
            here = menu.addAction("Pin here (keep on this crew and day)")
            here.triggered.connect(lambda: self._pins_dropped(ids, *self._selected))
        if any(i in self.changes.pins or r.visit.pinned for i, r in zip(ids, rows, strict=True)):
            unpin = menu.addAction("Unpin")
            unpin.triggered.connect(lambda: [self.unpin_visit(i) for i in ids])
        menu.addSeparator()
        done = menu.addAction(icon("done"), "Mark done")
        done.triggered.connect(lambda: [self.mark_visit(i, VisitStatus.DONE) for i in ids])
        missed = menu.addAction(icon("missed"), "Mark missed…")
        missed.triggered.connect(lambda: self._ask_missed(ids))
        return menu

    def _visits_menu(self, pos: Any) -> None:
        menu = self.visits_menu()
        if not menu.isEmpty():
            menu.popup(self.visits.viewport().mapToGlobal(pos))

    def _ask_missed(self, ids: list[str]) -> None:
        reason, ok = QInputDialog.getText(self, "Visit missed", "Why was it missed?")
        if ok:
            for task_id in ids:
                if not self.mark_visit(task_id, VisitStatus.MISSED, reason):
                    return

    def _selected_visit_rows(self) -> list[VisitRow]:
        rows = sorted({i.row() for i in self.visits.selectionModel().selectedRows()})
        return [self.visits_model.row_at(r) for r in rows]

    # -- showing the plan
    def _crew_name(self, crew_id: str) -> str:
        """The crew's name, never its id (the board shows names while the week is still being gathered)."""
        if self._prepared is not None and crew_id in self._prepared.crew_names:
            return self._prepared.crew_names[crew_id]
        return self._crew_names.get(crew_id, crew_id)

    def _crew_day(self, crew_id: str, day: dt.date) -> CrewDay | None:
        if self._plan is None:
            return None
        for cd in self._plan.crew_days:
            if cd.crew_id == crew_id and cd.day == day:
                return cd
        return None

    def _crews(self) -> list[tuple[str, str]]:
        crews: list[tuple[str, str]] = []
        if self._prepared is not None and self._prepared.week == self.week():
            crews = [(c.id, c.name) for c in sorted(self._prepared.crews, key=lambda c: c.name)]
        known = {c for c, _ in crews}
        more: list[tuple[str, str]] = []
        if self._plan is not None:
            for cd in self._plan.crew_days:
                if cd.crew_id not in known:
                    known.add(cd.crew_id)
                    more.append((cd.crew_id, self._crew_name(cd.crew_id)))
        return crews + sorted(more, key=lambda c: c[1])  # by name, also while the week is being gathered

    def _days(self) -> list[dt.date]:
        monday = week_monday(self.week())
        weekend = False
        if self._prepared is not None:
            weekend = any(not {5, 6} <= set(c.days_off) for c in self._prepared.crews)
        if self._plan is not None:
            weekend = weekend or any(cd.day.weekday() >= 5 and cd.visits for cd in self._plan.crew_days)
        return [monday + dt.timedelta(days=i) for i in range(7 if weekend else 5)]

    def _build_lookups(self) -> PlanLookups:
        settings = self._settings_provider()
        points: dict[str, tuple[float, float]] = {t.id: (t.x_m, t.y_m) for t in self._tasks.values()}
        if self._plan is not None:
            for cd in self._plan.crew_days:
                for v in cd.visits:
                    if v.task_id in points:
                        continue
                    where = self._assets.get(v.asset_id) if v.asset_id else None
                    geometry = where.geometry if where is not None else getattr(self._places.get(v.place_id),
                                                                                "geometry", None)
                    if geometry is not None:
                        p = geometry.representative_point()
                        points[v.task_id] = (p.x, p.y)
        depots = [s for s in self._sites.values() if s.kind is SiteKind.DEPOT]
        default_depot = (self._plan.depot_id if self._plan is not None and self._plan.depot_id else None) or (
            depots[0].id if depots else None
        )
        crew_depots = {c.id: c.depot_id for c in self._prepared.crews} if self._prepared is not None else {}
        return PlanLookups(
            crew_names={**self._crew_names, **(self._prepared.crew_names if self._prepared is not None else {})},
            place_names={pid: p.name for pid, p in self._places.items()},
            service_names={code: st.name for code, st in settings.services().items()},
            task_points=points,
            # a rota task's note is the rota entry's id: a reference for the office, not a note for the crew
            task_notes={t.id: t.note for t in self._tasks.values() if t.note and not t.note.startswith("rota entry ")},
            site_points={sid: (s.geometry.x, s.geometry.y) for sid, s in self._sites.items()},
            site_names={sid: s.name for sid, s in self._sites.items()},
            crew_depots=crew_depots,
            default_depot_id=default_depot,
            asset_names={aid: a.name for aid, a in self._assets.items() if a.name},
            task_windows={t.id: (t.earliest_day, t.latest_day) for t in self._tasks.values()},
        )

    def _export_lookups(self) -> PlanLookups:
        """The screen's lookups plus what only paper needs: each visit's nearest street and the streets to draw."""
        lookups = self._build_lookups()
        planned = {v.task_id for cd in self._plan.crew_days for v in cd.visits} if self._plan is not None else set()
        points = {t: p for t, p in lookups.task_points.items() if t in planned}
        # on paper only the supervisor's own notes (urgent work): the planner's notes (forecast dates,
        # confidence) are for the office and read as wrong dates on next week's sheet
        notes = {t.id: t.note for t in self._tasks.values() if t.note and t.source not in ("rota", "needs", "kept")}
        return dataclass_replace(lookups, task_streets=nearest_streets(points, self._roads),
                                 road_lines=road_lines(self._roads), task_notes=notes)

    def _show_plan(self) -> None:
        self._lookups = self._build_lookups()
        crews = self._crews()
        days = self._days()
        shifts = {c.id: (c.shift_end_s - c.shift_start_s) / 3600 for c in self._prepared.crews} if self._prepared else {}
        days_off = {c.id: set(c.days_off) for c in self._prepared.crews} if self._prepared else {}
        pins_here = self.changes.pins_per_cell()
        cells: dict[CellKey, Cell] = {}
        for crew_id, _ in crews:
            for day in days:
                key = (crew_id, day)
                cells[key] = Cell(
                    crew_id=crew_id,
                    day=day,
                    crew_day=self._crew_day(crew_id, day),
                    shift_h=shifts.get(crew_id, 8.5),
                    locked=key in self.changes.locked,
                    absent=key in self.changes.absent,
                    day_off=day.weekday() in days_off.get(crew_id, set()) and key not in self.changes.absent,
                    pins_here=pins_here.get(key, 0),
                )
        selected = self._selected
        self.board_model.set_board(crews, days, cells)
        if selected is not None and self.board_model.index_of(*selected).isValid():
            self.board.setCurrentIndex(self.board_model.index_of(*selected))
        self._show_crew_day()
        self._show_unplanned()
        self._show_kpis()
        self.generate_button.setText("Re-plan" if self._plan is not None else "Generate plan")
        self._update_buttons()
        self.planChanged.emit(self._plan)

    def _show_unplanned(self) -> None:
        rows = []
        settings_names = self._lookups.service_names
        for u in self._plan.unplanned if self._plan is not None else ():
            task = self._tasks.get(u.task_id)
            work = settings_names.get(task.service, task.service) if task else u.task_id
            place = self._lookups.place(task.place_id) if task else ""
            due = ""
            if task is not None:
                due = due_words(task.earliest_day, task.latest_day, week_monday(self.week()))
            rows.append((u, work, place, due))
        self.unplanned_model.set_rows(rows)
        self.unplanned_label.setText(f"Tasks left out ({len(rows)})")
        self.unplanned.setColumnWidth(0, 90)
        self.unplanned.setColumnWidth(1, 150)

    def _show_kpis(self) -> None:
        if self._plan is None:
            self.kpi_label.setText("")
            return
        visits = sum(len(cd.visits) for cd in self._plan.crew_days)
        hours = sum(cd.hours for cd in self._plan.crew_days if cd.visits)
        km = sum(cd.travel_m for cd in self._plan.crew_days) / 1000
        parts = [f"Week {self._plan.week}", f"{visits} visits", f"{hours:.1f} crew hours", f"{km:.1f} km"]
        cost = self._plan.kpis.get("cost") if isinstance(self._plan.kpis, dict) else None
        if isinstance(cost, (int, float)):
            parts.append(f"cost £{cost:,.0f}")
        parts.append(f"{len(self._plan.unplanned)} left out")
        if self._plan.travel_source:
            parts.append(f"travel by {self._plan.travel_source}")
        kpis = self._plan.kpis if isinstance(self._plan.kpis, dict) else {}
        release = release_text(kpis, week_monday(self._plan.week), self._crew_name)
        self.kpi_label.setText(" · ".join(parts) + (f"\n{release}" if release else ""))

    def select_crew_day(self, crew_id: str, day: dt.date) -> None:
        """Select a board cell: shows its timeline and visits and asks the map to draw its route."""
        index = self.board_model.index_of(crew_id, day)
        if index.isValid():
            self.board.setCurrentIndex(index)
            self._selected = (crew_id, day)
            self._show_crew_day()

    def _board_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._clear_stale_error()
        self._selected = self.board_model.key_at(current)
        self._show_crew_day()

    def _show_crew_day(self) -> None:
        key = self._selected
        self._update_buttons()
        if key is None:
            self.crew_day_label.setText("Select a crew and day on the board")
            self.timeline.set_crew_day(None)
            self.visits_model.set_rows(())
            return
        crew_id, day = key
        cd = self._crew_day(crew_id, day)
        name = self._crew_name(crew_id)
        label = f"{name} · {day:%A %d %B}"
        state = []
        if key in self.changes.locked:
            state.append("locked")
        if key in self.changes.absent:
            state.append("absent")
        if cd is not None and cd.visits:
            state.append(f"{hhmm(cd.depart_s)}-{hhmm(cd.return_s)}, {len(cd.visits)} visits, "
                         f"{cd.travel_m / 1000:.1f} km")
        self.crew_day_label.setText(label + (f"  ({'; '.join(state)})" if state else ""))
        shift = None
        if self._prepared is not None:
            crew = next((c for c in self._prepared.crews if c.id == crew_id), None)
            if crew is not None:
                shift = (crew.shift_start_s, crew.shift_end_s)
        describe = lambda v: f"{self._lookups.service(v.service)}, {self._lookups.place(v.place_id)}"  # noqa: E731
        self.timeline.set_crew_day(cd, describe, shift)
        rows = []
        order = 0
        for event in ordered_events(cd) if cd is not None else []:
            if isinstance(event, Visit):
                order += 1
                pin = self.changes.pins.get(event.task_id)
                pinned_to = ""
                if pin is not None:
                    pinned_to = ("here" if (pin.crew_id, pin.day) == key
                                 else f"→ {self._crew_name(pin.crew_id)}, {pin.day:%a}")
                rows.append(VisitRow(order, event, self._lookups.place(event.place_id),
                                     self._lookups.service(event.service),
                                     self._lookups.task_notes.get(event.task_id, ""), pinned_to))
        self.visits_model.set_rows(rows)
        self.visits.resizeColumnsToContents()
        points = route_points(cd, self._lookups) if cd is not None else []
        self.routeRequested.emit([(float(x), float(y)) for x, y in points], label)

    def _update_buttons(self) -> None:
        busy = self.is_busy()
        has_plan = self._plan is not None and any(cd.visits for cd in self._plan.crew_days)
        for w in (self.week_combo, self.prev_week, self.next_week, self.area_combo, self.depot_combo,
                  self.time_limit, self.generate_button, self.urgent_button, self.clear_button):
            w.setEnabled(not busy)
        self.cancel_button.setEnabled(busy and not self._cancel_requested)
        self.lock_button.setEnabled(not busy and self._selected is not None)
        self.absent_button.setEnabled(not busy and self._selected is not None)
        if self._selected is not None:
            self.lock_button.setText("Unlock day" if self._selected in self.changes.locked else "Lock day")
            self.absent_button.setText("Crew back" if self._selected in self.changes.absent else "Crew absent")
        self.pdf_button.setEnabled(has_plan and not busy)
        self.csv_button.setEnabled(has_plan and not busy)

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(
            "QLabel { background: #fdecea; color: #8a1c1c; padding: 6px; border-radius: 4px; }" if error
            else "QLabel { background: #e8f1fb; color: #1a365d; padding: 6px; border-radius: 4px; }"
        )
        self.message.setProperty("error", error)
        self.message.show()

    # -- printing and export
    def save_worksheets(self, path: str | Path) -> int:
        """Write crew worksheets (one page per crew-day) and return the number of pages."""
        if self._plan is None:
            raise UserError("There is no plan to print: generate the plan first.")
        from dataclasses import replace as with_links

        from envservices.services.field import crew_day_urls

        lookups = with_links(self._export_lookups(), crew_day_urls=crew_day_urls(self._db, self._plan))
        return write_worksheets(path, self._plan, lookups)

    def export_csv(self, path: str | Path) -> int:
        """Write the plan as CSV (one row per visit) and return the number of rows."""
        if self._plan is None:
            raise UserError("There is no plan to export: generate the plan first.")
        return write_plan_csv(path, self._plan, self._export_lookups())

    def _ask_worksheets(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save crew worksheets", f"worksheets-{self.week()}.pdf",
                                              "PDF files (*.pdf)")
        if path:
            self._run_export(lambda: self.save_worksheets(path), "page(s) of worksheets", path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the plan", f"plan-{self.week()}.csv",
                                              "CSV files (*.csv)")
        if path:
            self._run_export(lambda: self.export_csv(path), "visit(s)", path)

    def _run_export(self, action: Callable[[], int], what: str, path: str) -> None:
        try:
            count = action()
        except UserError as exc:
            self._show_message(str(exc), error=True)
            return
        self._show_message(f"Wrote {count} {what} to {path}.")

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)


__all__ = ["PlanBoardScreen"]


def _actual_times(visit) -> str:
    """The crew's own start and finish ('07:40-07:44'), from the crew page or a return sheet; '' if none."""
    start, end = getattr(visit, "actual_start", None), getattr(visit, "actual_end", None)
    if start is None and end is None:
        return ""
    return f"{start:%H:%M}" if end is None else f"{start:%H:%M}-{end:%H:%M}" if start else f"-{end:%H:%M}"
