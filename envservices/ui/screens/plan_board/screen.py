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
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from envservices.domain.model import Pin, Plan, SiteKind, Task
from envservices.domain.settings import Settings
from envservices.services import district as district_service
from envservices.services import pins as pins_service
from envservices.services import planning as planning_service
from envservices.ui.heap import settle
from envservices.ui.icons import icon
from envservices.ui.models.table_model import Column, RowTableModel
from envservices.ui.reports.worksheets import (
    PlanLookups,
    hhmm,
)
from envservices.ui.screens.plan_board.changes import PendingChanges
from envservices.ui.screens.plan_board.display import PlanDisplay
from envservices.ui.screens.plan_board.guard import SavedPlanGuard
from envservices.ui.screens.plan_board.levers import SupervisorLevers
from envservices.ui.screens.plan_board.parts import (
    ROW_HEIGHT,
    BoardDelegate,
    BoardModel,
    CellKey,
    ChoiceBanner,
    TimelineWidget,
    VisitsModel,
)
from envservices.ui.screens.plan_board.solve_run import iso_week, prepare_and_solve, read_plan, week_monday
from envservices.ui.workers import Worker, WorkerPool

# ---------------------------------------------------------------------------------------------- the screen


PAINT_FIRST_MS = 150
"""A week's preparation and a solve start this long after they are asked for, once the board has repainted
(`ui.workers.WorkerPool.start`): unnoticed in work of seconds, and the repaint never waits on them."""


class PlanBoardScreen(SupervisorLevers, PlanDisplay, SavedPlanGuard, QWidget):
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
        self._read_settings: Settings | None = None  # read with the week's plan, off the GUI thread
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
        self._loading = False  # the week's stored plan is being read (see refresh)
        self._load_seq = 0
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
    def load(self, map_data: Any = None) -> None:
        """Take the district's areas, depots and places (the main window's map already holds them: reading
        them again froze the window 250-600 ms when the board opened), then show this week's plan."""
        data = map_data if map_data is not None else district_service.map_data(self._db)
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
        """Show the stored plan of the chosen week (or an empty board ready to generate one). The plan is read
        on a worker: about 100 ms of database reads on the GUI thread froze the window at every week change."""
        if self.is_busy():
            return
        week = self.week()
        self._load_seq += 1
        seq = self._load_seq
        self._loading = True
        if self._plan is not None and self._plan.week != week:
            self._plan = None  # never show another week's plan under this week's name while reading
            self._show_plan()
        self.progress.setFormat("Reading the plan…")
        worker = Worker(read_plan, self._db, week, self._settings_provider, cancellable=False)
        worker.signals.finished.connect(lambda read: self._plan_read(read[0], week, seq, settings=read[1]))
        worker.signals.failed.connect(lambda message: self._plan_read(None, week, seq, message))
        self._workers.start(worker)

    def is_loading(self) -> bool:
        """True while the chosen week's stored plan is being read (the board shows no plan meanwhile)."""
        return self._loading

    def _plan_read(self, plan: Plan | None, week: str, seq: int, error: str = "", settings: Any = None) -> None:
        if seq != self._load_seq:
            return  # another week was chosen since
        self._loading = False
        if settings is not None:
            self._read_settings = settings
        if week != self.week() or self.is_busy():
            return
        if not self._preparing:
            self.progress.setFormat("Ready")
        if error:
            self._show_message(error, error=True)
        if plan is not None:
            self._select_combo(self.area_combo, plan.area_id)
            self._select_combo(self.depot_combo, plan.depot_id)
            self.changes.locked |= {(cd.crew_id, cd.day) for cd in plan.crew_days if cd.locked}
        self._plan = plan
        if plan is not None or self._prepared is None or self._prepared.week != week:
            self._ensure_prepared(quiet=True)
        self._show_plan()
        if plan is None and not error:
            self._show_message(f"No plan for {week} yet: choose the area and depot, then press Generate plan.")
        elif plan is not None:
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
        """True while the week's stored plan is read or its crews and tasks are gathered in the background
        (board already shown)."""
        return self._preparing or self._loading

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
        self._workers.start(worker, after_ms=PAINT_FIRST_MS)

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
        if self._loading:  # the re-plan keeps the stored plan's done and locked visits: read it first
            self._show_message(f"Reading the plan of {self.week()}; press Generate again in a moment.")
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
        self._workers.start(worker, after_ms=PAINT_FIRST_MS)
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
        """Save the new plan on a worker thread (110 ms of database writes on the GUI thread froze the window
        at the end of every Generate); the board stays busy until it is stored."""
        worker = Worker(planning_service.save_plan, self._db, plan, cancellable=False)
        worker.signals.finished.connect(lambda stored: self._plan_saved(stored, plan, cancelled))
        worker.signals.failed.connect(self._save_failed)
        self._worker = worker
        self.progress.setFormat("Saving the plan…")
        self._update_buttons()
        self.busyChanged.emit(True)
        self._workers.start(worker)

    def _save_failed(self, message: str) -> None:
        self._worker = None
        self._update_buttons()
        self.busyChanged.emit(False)
        self.progress.setValue(0)
        self.progress.setFormat("Not saved")
        self._show_message(f"The new plan could not be saved, so nothing changed: {message}", error=True)

    def _plan_saved(self, stored: Plan, plan: Plan, cancelled: bool) -> None:
        self._worker = None
        self._update_buttons()
        self.busyChanged.emit(False)
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
