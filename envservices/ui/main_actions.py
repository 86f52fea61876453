"""The main window's actions, menus, tool bar and status bar: what each command is called, its key and icon.

A part of `MainWindow` (a mixin), kept apart so the window's file holds what the window does, not its chrome;
the slots named here are the window's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from envservices.ui.icons import icon
from envservices.ui.layers_panel import THEMES


class MainActions:
    """Builds the window's actions (`act_*`), menus, tool bar and status bar labels."""

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
