"""The main window: the map in the middle, the team leader's and supervisor's screens in docks and tabs.

It owns the open database and hands it to each screen with a settings provider (never a global). Map data is
read once per database and shared; screens written elsewhere are imported lazily, so one failing screen shows a
placeholder and a status message instead of stopping the application.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QComboBox, QDialog, QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow,
    QMessageBox, QScrollArea, QTabWidget, QTextBrowser, QToolBar, QVBoxLayout, QWidget,
)

import envservices
from envservices import services
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.ui.icons import icon
from envservices.ui.map.canvas import LAYERS, MapCanvas
from envservices.ui.screens import SCREENS, Screen
from envservices.ui.screens.record_need import RecordNeedScreen
from envservices.ui.workers import Worker, WorkerPool
from envservices.ui.widgets.themes import Theme, grade_theme, need_theme, plain_theme, regime_theme

MAX_RECENT = 8
PLAN_BOARD_AFTER_MS = 100
"""The plan board is made this long after the map has painted a newly opened database."""
THEMES = (("none", "Plain"), ("grade", "Latest litter grade"), ("need", "Forecast need"), ("regime", "Regime"))


def without_password(url: str) -> str:
    """A URL fit to keep in the settings file: a password is never written to disk (PostgreSQL then reads it
    from the user's ~/.pgpass or PGPASSWORD)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Placeholder(QWidget):
    """Stands in for a screen that could not be loaded, saying why."""

    def __init__(self, title: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        layout = QVBoxLayout(self)
        label = QLabel(f"<h3>{title}</h3><p>This screen could not be opened:</p><p><i>{reason}</i></p>")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)

    def load(self) -> None:
        """Nothing to load."""

    def refresh(self) -> None:
        """Nothing to refresh."""

    def shutdown(self, wait_ms: int = 0) -> bool:
        """Nothing runs."""
        return True


class LayersPanel(QWidget):
    """Check boxes for the map's layers and a choice of thematic colouring."""

    def __init__(self, canvas: MapCanvas, on_theme: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Colour places by</b>"))
        self.theme_combo = QComboBox()
        for key, label in THEMES:
            self.theme_combo.addItem(label, key)
        self.theme_combo.currentIndexChanged.connect(lambda _: on_theme(self.theme_combo.currentData()))
        layout.addWidget(self.theme_combo)
        layout.addSpacing(8)
        layout.addWidget(QLabel("<b>Layers</b>"))
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in LAYERS:
            box = QCheckBox(label)
            box.setChecked(canvas.layer_visible(key))
            box.toggled.connect(lambda on, k=key: canvas.set_layer_visible(k, on))
            self.boxes[key] = box
            layout.addWidget(box)
            if key == "rounds":
                self.rounds_stream = QComboBox()
                self.rounds_stream.setAccessibleName("Rounds of which waste")
                self.rounds_stream.setToolTip("Whose rounds the map shows: residual, recycling, garden, food")
                self.rounds_stream.hide()
                indented = QHBoxLayout()
                indented.addSpacing(20)  # under its check box: it belongs to the rounds layer
                indented.addWidget(self.rounds_stream)
                layout.addLayout(indented)
        self._round_streams: tuple[str, ...] = ()
        self.legend_box = QCheckBox("Show legend on the map")
        self.legend_box.setChecked(True)
        self.legend_box.toggled.connect(canvas.set_legend_visible)
        layout.addSpacing(8)
        layout.addWidget(self.legend_box)
        layout.addStretch(1)
        canvas.layersChanged.connect(self.sync)

    def sync(self) -> None:
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(self._canvas.layer_visible(key))
            box.setEnabled(self._canvas.layer_has_features(key) or key == "route"
                           or (key == "rounds" and bool(self._round_streams)))
            box.blockSignals(False)
        self.rounds_stream.setVisible(len(self._round_streams) > 1 and self._canvas.layer_visible("rounds"))

    def set_round_streams(self, streams: tuple[str, ...]) -> None:
        """The streams that have rounds (residual first): the rounds layer is offered only when there are
        some, and the chooser only when there is more than one."""
        self._round_streams = tuple(streams)
        self.rounds_stream.blockSignals(True)
        self.rounds_stream.clear()
        for s in self._round_streams:
            self.rounds_stream.addItem(s.replace("_", " ").capitalize(), s)
        self.rounds_stream.blockSignals(False)
        self.sync()

    def set_theme_key(self, key: str) -> None:
        i = self.theme_combo.findData(key)
        if i >= 0 and i != self.theme_combo.currentIndex():
            self.theme_combo.blockSignals(True)
            self.theme_combo.setCurrentIndex(i)
            self.theme_combo.blockSignals(False)


class MainWindow(QMainWindow):
    """The desktop application's one window."""

    databaseOpened = Signal(str)

    def __init__(self, qsettings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))
        self.qsettings = qsettings if qsettings is not None else QSettings("envservices", "envservices")
        self.db: Any = None
        self.map_data: Any = None
        self._rounds_pending: tuple | None = None  # (database, stream) being read for the rounds layer
        self._settings_cache: Settings | None = None
        self._theme_key = str(self.qsettings.value("map/theme", "grade"))
        self.undo_stack = QUndoStack(self)
        self._background = WorkerPool()
        self.screens: dict[str, Screen] = {}
        self._loaded: set[str] = set()
        self._problems: list[str] = []  # screens that could not be made, told in the status bar

        self.canvas = MapCanvas()
        self.canvas.placeSelected.connect(self._on_place_selected)
        self.canvas.assetSelected.connect(self._on_asset_selected)
        self.canvas.householdSelected.connect(self._on_household_selected)
        self.canvas.scaleChanged.connect(self._on_scale)
        self.canvas.cursorMoved.connect(self._on_cursor)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.canvas, icon("layers"), "Map")
        self.tabs.currentChanged.connect(self._on_tab)
        self.setCentralWidget(self.tabs)

        self.layers_panel = LayersPanel(self.canvas, self.set_theme)
        self.layers_panel.rounds_stream.currentIndexChanged.connect(
            lambda _: self.show_rounds(self.layers_panel.rounds_stream.currentData()))
        self.canvas.layersChanged.connect(self._on_layers_changed)
        self.layers_dock = self._dock("layersDock", "Layers", _scrolling(self.layers_panel),
                                      Qt.DockWidgetArea.LeftDockWidgetArea)
        self.record_dock = self._dock("recordDock", "Record need", QLabel("Open a database to record need."),
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.plan_dock = self._dock("planDock", "Plan the week", QLabel("Open a database to plan."),
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        self.plan_dock.visibilityChanged.connect(lambda on: on and self._ensure_loaded("plan"))
        self.plan_dock.visibilityChanged.connect(lambda on: on and QTimer.singleShot(0, self._give_plan_room))
        self.plan_dock.hide()

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.setWindowTitle("envservices")
        self.resize(1400, 900)
        self._restore_layout()

    # -- construction -----------------------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot: Callable[..., Any], shortcut: QKeySequence | str | None = None,
                icon_name: str | None = None, tip: str = "") -> QAction:
        action = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
                              if shortcut else tip)
        action.triggered.connect(lambda _=False: slot())
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_open = self._action("&Open SQLite database…", self.choose_sqlite_file, K.Open, "open",
                                     "Open a database file")
        self.act_new = self._action("&New SQLite database…", self.choose_new_sqlite_file, K.New, "new",
                                    "Create a new database file")
        self.act_connect = self._action("Connect to &PostgreSQL…", self.connect_postgres, "Ctrl+Shift+O",
                                        "postgres", "Open a shared PostgreSQL/PostGIS database")
        self.act_export = self._action("&Export GeoPackage…", self.export_geopackage, "Ctrl+E", "export",
                                       "Save places and assets as a GeoPackage for GIS")
        self.act_quit = self._action("&Quit", self.close, K.Quit, "quit", "Close envservices")
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence(K.Undo))
        self.act_undo.setIcon(icon("undo"))
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence(K.Redo), QKeySequence("Ctrl+Shift+Z")])
        self.act_redo.setIcon(icon("redo"))
        self.act_extent = self._action("Zoom to &extent", self.canvas.zoom_to_extent, "Ctrl+0", "zoom_extent",
                                       "Show the whole district")
        self.act_zoom_in = self._action("Zoom &in", self.canvas.zoom_in, K.ZoomIn, "zoom_in", "Zoom in")
        self.act_zoom_out = self._action("Zoom &out", self.canvas.zoom_out, K.ZoomOut, "zoom_out", "Zoom out")
        self.act_zoom_place = self._action("Zoom to &place", self.zoom_to_selected_place, "Ctrl+J", "zoom_place",
                                           "Zoom to the chosen place")
        self.act_refresh = self._action("&Refresh", self.refresh, K.Refresh, None, "Read the database again")
        self.act_layers = self.layers_dock.toggleViewAction()
        self.act_layers.setShortcut(QKeySequence("Ctrl+L"))
        self.act_layers.setIcon(icon("layers"))
        self.act_record = self.record_dock.toggleViewAction()
        self.act_record.setShortcut(QKeySequence("Ctrl+R"))
        self.act_record.setIcon(icon("record"))
        self.act_plan = self.plan_dock.toggleViewAction()
        self.act_plan.setShortcut(QKeySequence("Ctrl+B"))
        self.act_plan.setIcon(icon("plan"))
        self.act_plan.setText("Plan the &week")
        self.act_dashboard = self._action("&Compare areas", self.show_dashboard, "Ctrl+D", "dashboard",
                                          "Compare trial areas: needs against rota")
        self.act_generate = self._action("&Generate plan", lambda: self._board_call("generate"), "Ctrl+G", None,
                                         "Plan the chosen week in the background")
        self.act_cancel = self._action("&Cancel planning", lambda: self._board_call("cancel"), "Ctrl+.", None,
                                       "Stop planning and keep the best plan so far")
        self.act_urgent = self._action("Add &urgent work…", lambda: self._board_call("add_urgent_work"),
                                       "Ctrl+U", None, "Add a fly-tip or complaint to this week")
        self.act_worksheets = self._action("Save crew &worksheets (PDF)…", self.save_worksheets, K.Print, None,
                                           "One page per crew-day")
        self.act_plan_csv = self._action("Export plan as &CSV…", self.export_plan_csv, None, None,
                                         "Save the plan's visits as CSV")
        self.act_settings = self._action("&Settings…", self.open_settings, K.Preferences, "settings",
                                         "Thresholds, durations, response times and costs")
        self.act_district = self._action("&District set-up…", self.open_district_setup, None, None,
                                         "Areas and trials, place teams and rotas, services and rules")
        self.act_guide = self._action("&User guide", self.open_user_guide, K.HelpContents, "help",
                                      "Open the user guide")
        self.act_about = self._action("&About envservices", self.show_about, None, "about")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for i, (key, label) in enumerate(THEMES):
            a = QAction(label, self, checkable=True)
            a.setShortcut(QKeySequence(f"Ctrl+Shift+{i + 1}"))
            a.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            self.theme_group.addAction(a)
            self.theme_actions[key] = a
        self.theme_actions.get(self._theme_key, self.theme_actions["grade"]).setChecked(True)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_open, self.act_new, self.act_connect])
        self.recent_menu = file_menu.addMenu("Recent &databases")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.act_layers, self.act_record])
        view_menu.addSeparator()
        view_menu.addActions([self.act_extent, self.act_zoom_in, self.act_zoom_out, self.act_zoom_place])
        theme_menu = view_menu.addMenu(icon("thematic"), "&Thematic colouring")
        theme_menu.addActions(list(self.theme_actions.values()))
        view_menu.addSeparator()
        view_menu.addAction(self.act_refresh)
        plan_menu = bar.addMenu("&Plan")
        plan_menu.addActions([self.act_plan, self.act_generate, self.act_cancel, self.act_urgent])
        plan_menu.addSeparator()
        plan_menu.addActions([self.act_worksheets, self.act_plan_csv])
        plan_menu.addSeparator()
        plan_menu.addActions([self.act_dashboard, self.act_settings, self.act_district])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_guide, self.act_about])

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main", self)
        tb.setObjectName("mainToolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addActions([self.act_open, self.act_new, self.act_connect, self.act_export])
        tb.addSeparator()
        tb.addActions([self.act_undo, self.act_redo])
        tb.addSeparator()
        tb.addActions([self.act_zoom_in, self.act_zoom_out, self.act_extent, self.act_zoom_place, self.act_layers])
        tb.addSeparator()
        tb.addWidget(QLabel(" Colour by "))
        self.theme_combo = QComboBox()
        for key, label in THEMES:
            self.theme_combo.addItem(label, key)
        self.theme_combo.setToolTip("Thematic colouring of places")
        self.theme_combo.currentIndexChanged.connect(lambda _: self.set_theme(self.theme_combo.currentData()))
        tb.addWidget(self.theme_combo)
        tb.addSeparator()
        tb.addActions([self.act_record, self.act_plan, self.act_dashboard, self.act_settings])
        self.addToolBar(tb)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.db_label = QLabel("no database")
        self.scale_label = QLabel()
        self.coord_label = QLabel()
        self.coord_label.setMinimumWidth(190)
        sb.addPermanentWidget(self.db_label)
        sb.addPermanentWidget(self.scale_label)
        sb.addPermanentWidget(self.coord_label)

    def _restore_layout(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        else:
            self.resizeDocks([self.layers_dock, self.record_dock], [190, 420], Qt.Orientation.Horizontal)

    # -- the database -----------------------------------------------------------------------------------------
    def settings_provider(self) -> Settings:
        """The council's rules from the open database (screens call this; read fresh so edits show at once)."""
        if self.db is None:
            return Settings()
        return services.settings.load(self.db)

    def open_initial(self, url: str | None) -> bool:
        """Open the named database, else the last one used, else the default file (with the demo if empty)."""
        if url:
            return self.open_database(url)
        for recent in self.recent_databases():
            if self._recent_reachable(recent) and self.open_database(recent, quiet=True):
                return True
        return self.open_database(None)

    @staticmethod
    def _recent_reachable(url: str) -> bool:
        if "://" not in url:
            return Path(url).exists()
        if url.startswith("sqlite:///"):
            return Path(url[len("sqlite:///"):]).exists()
        return True

    def open_database(self, url: str | None, *, quiet: bool = False, create_demo: bool = True) -> bool:
        """Open a database and show it; on failure say why and keep what was open before."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            db = services.open_db(url)
            if create_demo and db.is_empty():
                self.statusBar().showMessage("Building the demo district…")
                QApplication.processEvents()
                services.district.create_demo(db)
        except Exception as exc:  # noqa: BLE001 - any failure to open is told to the user, nothing else changes
            QApplication.restoreOverrideCursor()
            if not quiet:
                self.show_error("Could not open the database", first_line(exc))
            return False
        QApplication.restoreOverrideCursor()
        self.use_database(db)
        self._remember(str(db.url) if url is None else url)
        return True

    def use_database(self, db: Any) -> None:
        """Show an open database: the map once, then the screens."""
        self._shutdown_screens()
        if self.db is not None and self.db is not db:
            self.db.dispose()
        self.db = db
        self.undo_stack.clear()
        self.map_data = services.district.map_data(db)
        self.canvas.set_map_data(self.map_data)
        self._rounds_pending = None
        self.layers_panel.set_round_streams(self._round_streams())
        self._on_layers_changed()
        self.set_theme(self._theme_key)
        shown = getattr(db, "url", "database")
        self.db_label.setText(str(shown))
        self.setWindowTitle(f"envservices: {Path(str(shown)).name if 'sqlite' in str(shown) else shown}")
        self._problems: list[str] = []
        self._build_screens()
        counts = f"{len(self.map_data.places)} places, {len(self.map_data.assets)} assets"
        self.statusBar().showMessage(" ".join([f"Opened {shown}: {counts}.", *self._problems]), 10000)
        self.databaseOpened.emit(str(shown))

    def _round_streams(self) -> tuple[str, ...]:
        try:
            return services.rounds_map.round_streams(self.db)
        except UserError as exc:
            self.statusBar().showMessage(f"Collection rounds not shown: {exc}", 8000)
            return ()

    def _on_layers_changed(self) -> None:
        """Read the rounds the first time their layer is turned on (not at start-up: 20,000 households)."""
        if (self.db is not None and self.canvas.layer_visible("rounds") and self.canvas.rounds() is None
                and self._rounds_pending is None):
            self.show_rounds(self.layers_panel.rounds_stream.currentData())

    def show_rounds(self, stream: str | None = None) -> None:
        """Show one stream's collection rounds on the map (residual when not named), read off the GUI thread:
        the demo's 20,000 households at scale 1 take 0.7 s to read and put in order."""
        if self.db is None:
            return
        db, wanted = self.db, (self.db, stream)
        self._rounds_pending = wanted
        worker = Worker(services.rounds_map.rounds_on_map, db, stream, cancellable=False)

        def done(data: Any) -> None:
            if self._rounds_pending is not wanted:
                return  # another database or stream was asked for meanwhile
            self._rounds_pending = None
            self.canvas.set_rounds(data)
            if data.rounds:
                self.statusBar().showMessage(f"{len(data.rounds)} {data.stream.replace('_', ' ')} rounds, "
                                             f"{len(data.xy):,} households.", 8000)

        def failed(message: str) -> None:
            if self._rounds_pending is wanted:
                self._rounds_pending = None
            self.statusBar().showMessage(f"Collection rounds not shown: {message}", 10000)

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(failed)
        self.statusBar().showMessage("Reading collection rounds...")
        self._background.start(worker)

    def rounds_loading(self) -> bool:
        """Whether rounds are being read for the map (for tests and the screenshot mode)."""
        return self._rounds_pending is not None

    def _build_screens(self) -> None:
        self._loaded.clear()
        record = RecordNeedScreen(self.db, self.settings_provider, undo_stack=self.undo_stack)
        record.observationsChanged.connect(self.on_observations_changed)
        record.placeChosen.connect(self._on_place_chosen_in_list)
        record.statusMessage.connect(lambda m: self.statusBar().showMessage(m, 8000))
        record.set_person(str(self.qsettings.value("record/person", "")))
        self.screens["record"] = record
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(record)
        scroll.setMinimumWidth(min(record.sizeHint().width() + 24, 400))
        self.record_dock.setWidget(scroll)
        self._load_record(record)

        self.screens.pop("plan", None)
        self.plan_dock.setWidget(QLabel("Opening the plan board…"))
        if self.plan_dock.isVisible():
            self._ensure_loaded("plan")
        else:  # made just after the map's first paint, so it is there when the supervisor opens it
            db = self.db

            def make() -> None:
                if self.db is db:
                    self.plan_screen()

            if self.canvas.has_drawn():
                QTimer.singleShot(PLAN_BOARD_AFTER_MS, make)
            else:
                self.canvas.firstDrawn.connect(lambda: QTimer.singleShot(PLAN_BOARD_AFTER_MS, make),
                                               Qt.ConnectionType.SingleShotConnection)

        while self.tabs.count() > 1:
            old = self.tabs.widget(1)
            self.tabs.removeTab(1)
            old.deleteLater()
        self.screens.pop("dashboard", None)

    def _load_record(self, record: RecordNeedScreen) -> None:
        try:
            record.load(self.map_data)
        except Exception as exc:  # noqa: BLE001 - a screen that fails to load must not stop the window
            self.statusBar().showMessage(f"Record need could not load: {first_line(exc)}", 10000)

    def _make_screen(self, key: str, title: str) -> Any:
        try:
            return SCREENS[key](self.db, self.settings_provider)
        except Exception as exc:  # noqa: BLE001 - a missing or broken screen shows a placeholder
            message = f"{title} is not available: {first_line(exc)}."
            self._problems.append(message)
            self.statusBar().showMessage(message, 10000)
            return Placeholder(title, first_line(exc))

    def plan_screen(self) -> Screen | None:
        """The plan board, made on first use: its module and the planner under it were 0.3-0.4 s of every
        start (`python -m envservices.ui.start_bench`) for a dock most starts do not show at once."""
        if self.db is None:
            return None
        board = self.screens.get("plan")
        if board is None:
            board = self._make_screen("plan", "Plan the week")
            self.screens["plan"] = board
            # in a scroll area: on a laptop the dock may be shorter than the board's full height without
            # pushing the window past the screen
            self.plan_dock.setWidget(_scrolling(board))
            if hasattr(board, "routeRequested"):
                board.routeRequested.connect(self.show_route)
            record = self.screens.get("record")
            if hasattr(board, "planChanged") and record is not None:  # the visit list follows the board's week
                board.planChanged.connect(lambda plan: record.show_week(board.week(), plan))
        return board

    def _ensure_loaded(self, key: str) -> None:
        if key == "plan":
            self.plan_screen()
        screen = self.screens.get(key)
        if screen is None or key in self._loaded:
            return
        self._loaded.add(key)
        try:
            if key == "plan" and hasattr(screen, "set_week"):
                screen.load(self.map_data)  # the board names places, assets and depots from the map's data
            else:
                screen.load()
        except Exception as exc:  # noqa: BLE001
            self.statusBar().showMessage(f"{screen.title} could not load: {first_line(exc)}", 10000)

    def show_dashboard(self) -> None:
        """Open the comparison of trial areas in its own tab (made on first use: it computes a lot)."""
        if self.db is None:
            return
        if "dashboard" not in self.screens:
            screen = self._make_screen("dashboard", "Compare areas")
            self.screens["dashboard"] = screen
            self.tabs.addTab(screen, icon("dashboard"), screen.title)
        self.tabs.setCurrentWidget(self.screens["dashboard"])
        self._ensure_loaded("dashboard")

    def _on_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        for key, screen in self.screens.items():
            if screen is widget:
                self._ensure_loaded(key)

    def refresh(self) -> None:
        if self.db is None:
            return
        self.use_database(self.db)

    # -- recent databases -------------------------------------------------------------------------------------
    def recent_databases(self) -> list[str]:
        value = self.qsettings.value("recent/databases", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def _remember(self, url: str) -> None:
        url = without_password(url)
        recent = [url] + [u for u in self.recent_databases() if u != url]
        self.qsettings.setValue("recent/databases", recent[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_databases()
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for i, url in enumerate(recent):
            a = self.recent_menu.addAction(f"&{i + 1} {url}")
            a.triggered.connect(lambda _=False, u=url: self.open_database(u))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(
                lambda: self.qsettings.setValue("recent/databases", []))

    # -- file actions -----------------------------------------------------------------------------------------
    def choose_sqlite_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open database", "", "envservices databases (*.sqlite *.db);;"
                                              "All files (*)")
        if path:
            self.open_database(path, create_demo=False)

    def choose_new_sqlite_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New database", "district.sqlite", "SQLite database (*.sqlite)")
        if not path:
            return
        if Path(path).exists():
            self.show_error("Could not create the database", f"{path} already exists; open it with File > Open.")
            return
        demo = QMessageBox.question(self, "New database", "Fill the new database with the demo district?",
                                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        self.open_database(path, create_demo=demo == QMessageBox.StandardButton.Yes)

    def connect_postgres(self) -> None:
        from envservices.ui.dialogs.connect_dialog import ConnectDialog

        last = next((u for u in self.recent_databases() if u.startswith("postgres")), "")
        dialog = ConnectDialog(services.open_db, last, self)
        if dialog.exec() and dialog.result_value is not None:
            self.use_database(dialog.result_value)
            self._remember(dialog.url_edit.text().strip())

    def export_geopackage(self) -> None:
        if self.db is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export GeoPackage", "district.gpkg",
                                              "GeoPackage (*.gpkg);;GeoJSON (*.geojson)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        try:
            counts = services.district.export(self.db, path)
        except Exception as exc:  # noqa: BLE001 - told to the user; the database is only read
            self.show_error("Could not export", first_line(exc))
            return False
        self.statusBar().showMessage(f"Exported {sum(counts.values())} features to {path}.", 8000)
        return True

    def fit_small_screen(self, width: int, height: int) -> None:
        """Arrange the docks for a laptop-sized window (under 1600x1000): Layers becomes a tab beside Record
        need, so the map and the boards keep the width, and an open plan board takes most of the height."""
        if width < 1600 and not self.tabifiedDockWidgets(self.record_dock):
            self.tabifyDockWidget(self.record_dock, self.layers_dock)
            self.record_dock.raise_()
        if height < 1000 and self.plan_dock.isVisible():
            self.resizeDocks([self.plan_dock], [int(height * 0.68)], Qt.Orientation.Vertical)

    def _give_plan_room(self) -> None:
        """An opened plan board gets about 60 % of the window's height (a short dock showed 2 of 13 crews);
        once a session, so a height the user chose afterwards is kept."""
        if getattr(self, "_plan_room_given", False):
            return
        self._plan_room_given = True
        if self.plan_dock.isVisible() and not self.plan_dock.isFloating() \
                and self.plan_dock.height() < self.height() * 0.45:
            self.resizeDocks([self.plan_dock], [int(self.height() * 0.6)], Qt.Orientation.Vertical)

    def _fit_screen_once(self) -> None:
        if getattr(self, "_fitted", False):
            return
        self._fitted = True
        screen = self.screen()
        if screen is not None and not self.qsettings.value("window/state"):
            available = screen.availableGeometry()
            self.fit_small_screen(available.width(), available.height())

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fit_screen_once()

    # -- plan actions -----------------------------------------------------------------------------------------
    def _board(self) -> Any:
        self.plan_dock.show()
        self.plan_dock.raise_()
        self._ensure_loaded("plan")
        return self.plan_screen()

    def _board_call(self, name: str, *args: Any) -> Any:
        board = self._board()
        method = getattr(board, name, None)
        if method is None:
            self.statusBar().showMessage("The planning board cannot do that yet.", 6000)
            return None
        return method(*args)

    def save_worksheets(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save crew worksheets", "worksheets.pdf", "PDF (*.pdf)")
        if path:
            self._guarded(lambda: self._board_call("save_worksheets", path), "Could not save the worksheets")

    def export_plan_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plan", "plan.csv", "CSV (*.csv)")
        if path:
            self._guarded(lambda: self._board_call("export_csv", path), "Could not export the plan")

    def open_settings(self) -> None:
        if self.db is None:
            return
        try:
            from envservices.ui.dialogs.settings_dialog import SettingsDialog

            dialog = SettingsDialog(self.db, self.settings_provider(), self)
        except Exception as exc:  # noqa: BLE001 - a missing dialog is a message, not a crash
            self.statusBar().showMessage(f"Settings are not available: {first_line(exc)}", 10000)
            return
        if dialog.exec():
            for screen in self.screens.values():
                self._guarded(screen.refresh, "Could not refresh a screen")
            self.statusBar().showMessage("Settings saved.", 6000)

    def open_district_setup(self) -> None:
        """Areas' regimes and trials, the selected place's team and rota, the catalogue and the rules."""
        if self.db is None:
            return
        from envservices.ui.dialogs.district_setup_dialog import DistrictSetupDialog

        DistrictSetupDialog(self.db, self, place_id=self.canvas.selected_place()).exec()
        for screen in self.screens.values():
            self._guarded(screen.refresh, "Could not refresh a screen")

    def _guarded(self, fn: Callable[[], Any], title: str) -> Any:
        try:
            return fn()
        except UserError as exc:
            self.show_error(title, str(exc))
        except Exception as exc:  # noqa: BLE001
            self.show_error(title, first_line(exc))
        return None

    # -- map and screens talking ------------------------------------------------------------------------------
    def set_theme(self, key: str) -> None:
        """Colour places by grade, forecast need, regime, or plainly."""
        if key not in dict(THEMES):
            key = "grade"
        self._theme_key = key
        self.qsettings.setValue("map/theme", key)
        self.theme_actions[key].setChecked(True)
        self.layers_panel.set_theme_key(key)
        i = self.theme_combo.findData(key)
        if i != self.theme_combo.currentIndex():
            self.theme_combo.blockSignals(True)
            self.theme_combo.setCurrentIndex(i)
            self.theme_combo.blockSignals(False)
        if self.db is None:
            return
        grades = services.observations.latest_grades(self.db)
        self.canvas.set_latest_grades(grades)
        if key == "need" and getattr(services.district, "need_by_place", None) is not None:
            self._forecast_need_in_background()
            return
        self.canvas.apply_theme(self._theme(key, grades))

    def _forecast_need_in_background(self) -> None:
        """The needs model takes seconds on a district: forecast off the GUI thread, colour when it is ready."""
        worker = Worker(services.district.need_by_place, self.db, cancellable=False)
        db = self.db

        def done(need: dict) -> None:
            if self.db is db and self._theme_key == "need":
                self.canvas.apply_theme(need_theme(need))
                self.statusBar().showMessage("Places coloured by forecast need.", 4000)

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(
            lambda message: self.statusBar().showMessage(f"Forecast need failed: {message}", 10000))
        self.statusBar().showMessage("Forecasting need...")
        self._background.start(worker)

    def _theme(self, key: str, grades: dict) -> Theme:
        if key == "grade":
            return grade_theme(grades)
        if key == "regime":
            return regime_theme(self.map_data.places, self.map_data.areas)
        if key == "need":
            return need_theme(self.need_by_place(grades))
        return plain_theme()

    def need_by_place(self, grades: dict) -> dict[str, float]:
        """Forecast need per place (0 nothing due .. 1 overdue) from the services.

        Until the services offer `district.need_by_place`, the latest grade stands in (A = 0, D = 1).
        """
        service = getattr(services.district, "need_by_place", None)
        if service is not None:
            return service(self.db)
        self.statusBar().showMessage("Forecast need is shown from the latest grades.", 6000)
        return {pid: g.rank / 5.0 for pid, g in grades.items()}

    def theme_key(self) -> str:
        return self._theme_key

    def on_observations_changed(self) -> None:
        """A record was stored or undone: recolour the map at once."""
        self.set_theme(self._theme_key)

    def _on_place_selected(self, place_id: str) -> None:
        record = self.screens.get("record")
        if isinstance(record, RecordNeedScreen):
            record.select_place(place_id)
            if not self.record_dock.isVisible():
                self.record_dock.show()

    def _on_asset_selected(self, asset_id: str) -> None:
        record = self.screens.get("record")
        if isinstance(record, RecordNeedScreen):
            record.select_asset(asset_id)

    def _on_household_selected(self, row: int) -> None:
        """A household picked on the rounds layer (-1: cleared): the record dock says which property it is, its
        round and its number in the round's order, read through services."""
        record = self.screens.get("record")
        record = record if isinstance(record, RecordNeedScreen) else None
        shown = self.canvas.rounds()
        if row < 0 or shown is None or self.db is None or not 0 <= row < len(shown.ids):
            if record is not None:
                record.show_household(None)
            return
        try:
            household = services.rounds_map.household_on_map(self.db, shown, shown.ids[row])
        except UserError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return
        except Exception as exc:  # noqa: BLE001 - the database went away: say so, keep the map
            self.statusBar().showMessage(f"Household not read: {first_line(exc)}", 10000)
            return
        self.statusBar().showMessage(f"{household.title}: {household.round_name}, {household.when}, number "
                                     f"{household.number:,} of {household.households:,}", 10000)
        if record is not None:
            layer = self.canvas.rounds_layer()
            record.show_household(household, layer.colour_of(row).name() if layer is not None else "")
            if not self.record_dock.isVisible():
                self.record_dock.show()

    def _on_place_chosen_in_list(self, place_id: str) -> None:
        self.canvas.select_place(place_id)
        self.canvas.zoom_to_place(place_id)

    def zoom_to_selected_place(self) -> None:
        pid = self.canvas.selected_place()
        if pid:
            self.canvas.zoom_to_place(pid)
        else:
            self.statusBar().showMessage("Choose a place first: click it on the map or in the list.", 6000)

    def show_route(self, points: list, label: str) -> None:
        """Draw the crew-day the planning board selected."""
        if points:
            self.canvas.show_route(points, label)
            self.tabs.setCurrentWidget(self.canvas)
        else:
            self.canvas.clear_route()

    def _on_scale(self, m_per_px: float) -> None:
        dpi = self.logicalDpiX() or 96
        self.scale_label.setText(f"1:{m_per_px * dpi / 0.0254:,.0f}")

    def _on_cursor(self, x_m: float, y_m: float) -> None:
        self.coord_label.setText(f"E {x_m:,.0f}  N {y_m:,.0f}")

    # -- help -------------------------------------------------------------------------------------------------
    def user_guide_path(self) -> Path | None:
        from envservices.resources import ResourceNotFound, resource_path

        try:
            return resource_path("guide", "USER_GUIDE.md")
        except ResourceNotFound:
            return None

    def open_user_guide(self) -> QDialog:
        """The guide inside the application (a .md file has no program to open it on many council PCs)."""
        path = self.user_guide_path()
        dialog = QDialog(self)
        dialog.setObjectName("userGuide")
        dialog.setWindowTitle("envservices user guide")
        dialog.resize(900, 700)
        browser = QTextBrowser(dialog)
        browser.setOpenExternalLinks(True)
        if path is None:
            browser.setPlainText(GUIDE_TEXT)
        else:
            browser.setSearchPaths([str(path.parent)])
            browser.setMarkdown(path.read_text(encoding="utf-8"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, "About envservices", about_text())

    def show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message}", 10000)
        if QApplication.platformName() != "offscreen":
            QMessageBox.warning(self, title, message)

    # -- closing ----------------------------------------------------------------------------------------------
    def _shutdown_screens(self) -> bool:
        stopped = True
        for screen in self.screens.values():
            stopped = bool(screen.shutdown()) and stopped
        return stopped

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._background.cancel_all()
        self._shutdown_screens()
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState())
        record = self.screens.get("record")
        if isinstance(record, RecordNeedScreen):
            self.qsettings.setValue("record/person", record.person())
        self.qsettings.sync()
        super().closeEvent(event)


def _scrolling(widget: QWidget) -> QScrollArea:
    """The widget in a frameless scroll area that resizes it: its dock can then be smaller than it."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


def about_text() -> str:
    return (f"<h3>envservices {envservices.__version__}</h3>"
            "<p>Plan street cleansing, litter-bin emptying and grounds maintenance by place and by need.</p>"
            "<p>Maps in British National Grid (EPSG:27700). Demo district generated; no real data.</p>")


GUIDE_TEXT = (
    "Team leaders: click a place on the map (or find it in the list), then press 1-6 for grade A to D, "
    "record bin fills, grass heights, fly-tips and complaints. Ctrl+Z undoes.\n\n"
    "Supervisors: Plan > Plan the week, choose the week and press Generate; drag visits to pin them.\n\n"
    "Managers: Plan > Compare areas."
)

