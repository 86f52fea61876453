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
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QScrollArea, QTabWidget, QWidget,
)

from envservices import services
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.ui.help import MainHelp, about_text  # noqa: F401 - tests import about_text from here
from envservices.ui.icons import icon
from envservices.ui.layers_panel import THEMES, LayersPanel
from envservices.ui.main_actions import MainActions
from envservices.ui.main_rounds import MainRounds
from envservices.ui.map.canvas import MapCanvas
from envservices.ui.placeholder import Placeholder, first_line
from envservices.ui.screens import SCREENS, Screen
from envservices.ui.screens.record_need import RecordNeedScreen
from envservices.ui.workers import Worker, WorkerPool
from envservices.ui.widgets.themes import Theme, grade_theme, need_theme, plain_theme, regime_theme

MAX_RECENT = 8
PLAN_BOARD_AFTER_MS = 100
"""The plan board is made this long after the map has painted a newly opened database."""


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


class MainWindow(MainActions, MainRounds, MainHelp, QMainWindow):
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

    # -- help (the rest in help.MainHelp) ---------------------------------------------------------------------
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


