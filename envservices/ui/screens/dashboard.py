"""The service manager's dashboard: trial areas compared week by week, needs against rota, before and after.

The figures come from `services.compare.compare_areas`, run in a worker because simulating a season takes a
while; the charts are the functions of `envservices.simulation.charts`, drawn by a worker on a matplotlib figure
(`dashboard_charts`), so the dashboard, the PNG export and the members' report show the very same pictures and
the window never freezes while they are laid out.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.services import compare as compare_service
from envservices.simulation import charts
from envservices.simulation.compare import RECORDED, AreaSummary, AreaWeek, Comparison
from envservices.ui.child_work import run_in_child
from envservices.ui.icons import icon
from envservices.ui.models.table_model import Column, make_table
from envservices.ui.screens.dashboard_charts import ChartView, save_charts_png
from envservices.ui.workers import Worker, WorkerPool


def run_comparison(db: Any, *, weeks: int, seed: int, simulate: bool, stop: Any = None,
                   progress: Callable[..., None] | None = None) -> Comparison:
    """Call the comparison service, passing progress on and the Cancel button's stop (checked between
    simulated weeks, so a cancel keeps the weeks done). A simulation runs in a child process
    (`ui.child_work`: its garbage collections froze the window) unless the database lives in this one."""
    kwargs: dict[str, Any] = {"weeks": weeks, "seed": seed, "simulate": simulate}
    url = _child_url(db) if simulate else None
    if url is not None:
        return run_in_child(compare_service.compare_areas_at, url, getattr(db, "user", None), stop=stop,
                            progress=progress, **kwargs)
    parameters = inspect.signature(compare_service.compare_areas).parameters
    if progress is not None and "progress" in parameters:
        kwargs["progress"] = progress
    if stop is not None and "stop" in parameters:
        kwargs["stop"] = lambda: bool(getattr(stop, "cancelled", False))
    return compare_service.compare_areas(db, **kwargs)


def _child_url(db: Any) -> str | None:
    """The database's URL with its password, when another process can open it (not an in-memory SQLite)."""
    engine = getattr(db, "engine", None)
    if engine is None or (engine.url.drivername.startswith("sqlite")
                          and engine.url.database in (None, "", ":memory:")):
        return None
    return engine.url.render_as_string(hide_password=False)


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f} %"


NOT_RECORDED = "not recorded"

FAILURE_WORDS = {
    "bin_overflow_days": ("bin-days overflowing", "bins"),
    "grass_over_height_days": ("days of grass too long", "grass"),
    "litter_cd_beyond_response": ("litter C/D not cleared in time", "litter"),
}


def _failures_words(value: Any, long: bool = False) -> str:
    """A season's service failures in words ('bins 12 · grass 3 · litter 4'), never a raw dict."""
    if value is None:
        return NOT_RECORDED
    if not isinstance(value, dict):
        return str(value)
    parts = []
    for key, count in value.items():
        full, short = FAILURE_WORDS.get(key, (key.replace("_", " "), key.replace("_", " ")))
        parts.append(f"{count} {full}" if long else f"{short} {count}")
    return ("; " if long else " · ").join(parts)


def _or_not_recorded(display: Callable[[Any], str]) -> Callable[[Any], str]:
    """Show 'not recorded' for a figure nobody recorded, never a 0.0 that reads as a measurement."""
    return lambda v: NOT_RECORDED if v is None else display(v)


def _dates(summary: AreaSummary) -> str:
    """The weeks a summary's figures come from, so simulated and recorded periods are never confused."""
    if summary.first_week is None or summary.last_week is None:
        return ""
    first, last = summary.first_week, summary.last_week
    return (f"{first.strftime('%d %b')} - {last.strftime('%d %b %Y')}" if first != last
            else first.strftime("%d %b %Y"))


def _weeks_words(summary: AreaSummary) -> str:
    """'8 (+1 part week left out)': the means are over whole weeks only."""
    extra = summary.part_weeks_left_out
    if not extra:
        return str(summary.weeks)
    return f"{summary.weeks} (+{extra} part week{'s' if extra > 1 else ''} left out)"


def _planned(row: AreaWeek, value: float) -> float | None:
    """A recorded week's plan figure, or None when no plan (no visit) was kept for that week."""
    return None if row.source == RECORDED and not row.visits else value


def _mean_planned(summary: AreaSummary, key: str) -> float | None:
    means = summary.mean_per_week
    if summary.source == RECORDED and not means.get("visits"):
        return None
    return means.get(key)


SUMMARY_COLUMNS = (
    Column("Area", lambda s: s.area),
    Column("Figures", lambda s: s.source),
    Column("Period", lambda s: s.period or "-"),
    Column("Dates", lambda s: _dates(s)),
    Column("Weeks", lambda s: _weeks_words(s), align_right=True),
    Column("Crew hours / week", lambda s: _mean_planned(s, "crew_hours"), display=_or_not_recorded(_number),
           align_right=True),
    Column("Travel km / week", lambda s: _mean_planned(s, "travel_km"), display=_or_not_recorded(_number),
           align_right=True),
    Column("Visits / week", lambda s: _mean_planned(s, "visits"), display=_or_not_recorded(_number),
           align_right=True),
    Column("Sites below B", lambda s: s.mean_per_week.get("share_below_b"), display=_share, align_right=True),
    Column("Complaints / week", lambda s: s.mean_per_week.get("complaints"), display=_number, align_right=True),
    Column("Overflowing bins / week",
           lambda s: s.mean_per_week.get("bin_overflow_days", s.mean_per_week.get("bins_seen_overflowing")),
           display=_number, align_right=True),
    Column("Long grass / week",
           lambda s: s.mean_per_week.get("grass_over_height_days", s.mean_per_week.get("grass_seen_long")),
           display=_number, align_right=True),
)

WEEK_COLUMNS = (
    Column("Area", lambda r: r.area),
    Column("Figures", lambda r: r.source),
    Column("Week", lambda r: r.week + (f" (part: {r.days} of 7 days)" if r.part_week else "")),
    Column("Period", lambda r: r.period or "-"),
    Column("Visits", lambda r: _planned(r, r.visits), display=_or_not_recorded(str), align_right=True),
    Column("Crew hours", lambda r: _planned(r, r.crew_hours), display=_or_not_recorded(_number), align_right=True),
    Column("Travel km", lambda r: _planned(r, r.travel_km), display=_or_not_recorded(_number), align_right=True),
    Column("Sites below B", lambda r: r.share_below_b, display=_share, align_right=True),
    Column("Complaints", lambda r: r.complaints, align_right=True),
    Column("Fly-tips", lambda r: r.fly_tips, align_right=True),
    Column("Failures", lambda r: r.failures, display=_or_not_recorded(str), align_right=True),
    Column("Done of marked", lambda r: r.completion if r.source == RECORDED else None,
           display=_or_not_recorded(_share), align_right=True),
    Column("Missed", lambda r: r.missed if r.source == RECORDED else None, display=_or_not_recorded(str),
           align_right=True),
    Column("Hours on site (recorded)", lambda r: r.hours_on_site if r.timed_visits else None,
           display=_or_not_recorded(_number), align_right=True),
)

HEADLINE_COLUMNS = (
    Column("Area", lambda h: h["area"]),
    Column("Weeks", lambda h: h["weeks"], align_right=True),
    Column("Crew hours: needs", lambda h: h["crew_hours"]["needs"], display=_number, align_right=True),
    Column("Crew hours: rota", lambda h: h["crew_hours"]["rota"], display=_number, align_right=True),
    Column("Hours saved", lambda h: h["crew_hours_saved_pct"],
           display=lambda v: "" if v is None else f"{v:.1f} %", align_right=True),
    Column("Km: needs", lambda h: h["travel_km"]["needs"], display=_number, align_right=True),
    Column("Km: rota", lambda h: h["travel_km"]["rota"], display=_number, align_right=True),
    Column("Cost: needs", lambda h: h["cost"]["needs"], display=lambda v: f"£{v:,.0f}", align_right=True),
    Column("Cost: rota", lambda h: h["cost"]["rota"], display=lambda v: f"£{v:,.0f}", align_right=True),
    Column("Failures: needs", lambda h: h["failures"]["needs"], display=lambda v: _failures_words(v),
           tooltip=lambda h: _failures_words(h["failures"]["needs"], long=True)),
    Column("Failures: rota", lambda h: h["failures"]["rota"], display=lambda v: _failures_words(v),
           tooltip=lambda h: _failures_words(h["failures"]["rota"], long=True)),
)


class DashboardScreen(QWidget):
    """Compare trial areas: headline figures, charts per area, and the tables behind them."""

    comparisonReady = Signal(object)  # the Comparison shown
    busyChanged = Signal(bool)

    title = "Compare trial areas"

    def __init__(self, db: Any, settings_provider: Callable[[], Settings], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardScreen")
        self._db = db
        self._settings_provider = settings_provider
        self._workers = WorkerPool()
        self._worker: Worker | None = None
        self._comparison: Comparison | None = None
        self._build_ui()

    def _build_ui(self) -> None:
        self.weeks = QSpinBox()
        self.weeks.setRange(2, 52)
        self.weeks.setValue(12)
        self.weeks.setSuffix(" weeks")
        self.weeks.setToolTip("How many weeks the simulation runs for each area and regime")
        self.seed = QSpinBox()
        self.seed.setRange(0, 9999)
        self.seed.setValue(1)
        self.seed.setToolTip("The same seed gives the same simulated world, so results can be repeated")
        self.simulate = QCheckBox("Simulate needs against rota")
        self.simulate.setToolTip("Run each area under the needs model and under the historic rota (takes a while)")
        self.compare_button = QPushButton(icon("dashboard"), "Compare")
        self.compare_button.setObjectName("compareButton")
        self.progress = QProgressBar()
        self.progress.setObjectName("compareProgress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self.progress.setMinimumWidth(160)
        self.area_combo = QComboBox()
        self.area_combo.setObjectName("dashboardArea")
        self.area_combo.setMinimumContentsLength(14)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("dashboardCancel")
        self.cancel_button.setToolTip("Stop the simulation after the week it is on; the weeks done are kept")
        self.png_button = QPushButton(icon("export"), "Save charts (PNG)…")
        self.csv_button = QPushButton(icon("export"), "Export figures (CSV)…")

        top = QHBoxLayout()
        area_label = QLabel("&Area")
        area_label.setBuddy(self.area_combo)
        top.addWidget(area_label)
        top.addWidget(self.area_combo)
        top.addSpacing(12)
        top.addWidget(self.simulate)
        top.addWidget(self.weeks)
        seed_label = QLabel("&Seed")
        seed_label.setBuddy(self.seed)
        top.addWidget(seed_label)
        top.addWidget(self.seed)
        top.addWidget(self.compare_button)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addStretch(1)
        # the exports on a row of their own, so the screen fits a 1366-pixel laptop beside the Record dock
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.png_button)
        exports.addWidget(self.csv_button)

        self.message = QLabel()
        self.message.setObjectName("dashboardMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.canvas = ChartView()

        self.headline_model, headline_proxy = make_table(HEADLINE_COLUMNS, parent=self)
        self.summary_model, summary_proxy = make_table(SUMMARY_COLUMNS, parent=self)
        self.weeks_model, weeks_proxy = make_table(WEEK_COLUMNS, parent=self)
        self.headline_table = self._table(headline_proxy, "headlineTable")
        self.summary_table = self._table(summary_proxy, "summaryTable")
        self.weeks_table = self._table(weeks_proxy, "weeksTable")

        self.tabs = QTabWidget()
        self.tabs.addTab(self.canvas, "Charts")
        self.tabs.addTab(self.summary_table, "Per area and period")
        self.tabs.addTab(self.weeks_table, "Week by week")

        self.headline_label = QLabel("Needs against rota (simulated, same world and seed)")
        bold = self.headline_label.font()
        bold.setBold(True)
        self.headline_label.setFont(bold)
        self.headline_table.setMaximumHeight(130)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(exports)
        layout.addWidget(self.message)
        layout.addWidget(self.headline_label)
        layout.addWidget(self.headline_table)
        layout.addWidget(self.tabs, 1)

        self.compare_button.clicked.connect(self.compare)
        self.cancel_button.clicked.connect(self.cancel)
        self.area_combo.currentIndexChanged.connect(self.draw_charts)
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button.clicked.connect(self._ask_csv)
        self._update_buttons()

    @staticmethod
    def _table(model: Any, name: str) -> QTableView:
        view = QTableView()
        view.setObjectName(name)
        view.setModel(model)
        view.setSortingEnabled(True)
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(22)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    # -- screen protocol
    def load(self) -> None:
        """Show the recorded figures at once; the simulation runs only when the manager asks for it."""
        if self._comparison is None:
            self.compare()

    def refresh(self) -> None:
        self.compare()

    def comparison(self) -> Comparison | None:
        return self._comparison

    def is_busy(self) -> bool:
        return self._worker is not None

    def is_drawing(self) -> bool:
        """True while the charts are being drawn in the background (the tables are already filled)."""
        return self.canvas.is_drawing()

    @property
    def figure(self) -> Figure | None:
        """The figure of the charts shown, or None before the first drawing is back."""
        picture = self.canvas.picture()
        return picture.figure if picture is not None else None

    # -- running the comparison
    def compare(self) -> bool:
        """Work out the figures in the background; False when a comparison is already running."""
        if self.is_busy():
            return False
        simulate = self.simulate.isChecked()
        worker = Worker(run_comparison, self._db, weeks=self.weeks.value(), seed=self.seed.value(),
                        simulate=simulate)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self._worker = worker
        self.progress.setRange(0, 0 if not simulate else 100)
        self.progress.setValue(0)
        self.progress.setFormat("Simulating…" if simulate else "Reading the records…")
        self._workers.start(worker)
        self._update_buttons()
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        """Stop a simulation after the week it is on; what was simulated so far is shown."""
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("Stopping after this week…")

    def shutdown(self, wait_ms: int = 60_000) -> bool:
        """Wait for a running comparison before the window closes (it cannot be stopped half way)."""
        return self._workers.cancel_all(wait_ms)

    def _on_progress(self, values: tuple) -> None:
        if len(values) >= 2 and isinstance(values[0], (int, float)) and isinstance(values[1], (int, float)):
            step, steps = values[0], values[1]
            if steps:
                self.progress.setRange(0, 100)
                self.progress.setValue(int(100 * step / steps))
            message = str(values[2]) if len(values) > 2 else ""
            self.progress.setFormat(f"{message} (%p%)" if message else "%p%")

    def _finish(self) -> None:
        self._worker = None
        self.progress.setRange(0, 100)
        self._update_buttons()
        self.busyChanged.emit(False)

    def _on_finished(self, comparison: Comparison) -> None:
        self._finish()
        self.progress.setValue(100)
        self.progress.setFormat("Stopped" if getattr(comparison, "stopped", False) else "Ready")
        self.show_comparison(comparison)

    def _on_failed(self, message: str) -> None:
        self._finish()
        self.progress.setValue(0)
        self.progress.setFormat("Failed")
        self._show_message(f"{message} The figures shown were left as they were.", error=True)

    # -- showing it
    def show_comparison(self, comparison: Comparison) -> None:
        """Fill the tables and the area list, then draw the charts of the chosen area."""
        self._comparison = comparison
        headline = comparison.headline()
        self.headline_model.set_rows(headline)
        simulated = [r for r in comparison.rows if r.source != RECORDED]
        self.headline_label.setText("Needs against rota (simulated, same world and seed"
                                    + (f", {charts.period_words(simulated)})" if simulated else ")"))
        self.headline_label.setVisible(bool(headline))
        self.headline_table.setVisible(bool(headline))
        self.summary_model.set_rows(_ordered_summaries(comparison.summaries()))
        self.weeks_model.set_rows(sorted(comparison.rows, key=lambda r: (r.area, r.source, r.week_start)))
        current = self.area_combo.currentText()
        areas = sorted({r.area for r in comparison.rows})
        self.area_combo.blockSignals(True)
        self.area_combo.clear()
        self.area_combo.addItems(areas)
        if current in areas:
            self.area_combo.setCurrentText(current)
        else:
            trial = next((r.area for r in comparison.rows if r.period), None)
            if trial is not None:
                self.area_combo.setCurrentText(trial)
        self.area_combo.blockSignals(False)
        if not comparison.rows:
            self._show_message("There are no recorded figures yet: record observations or run the simulation.")
        elif getattr(comparison, "stopped", False):
            weeks = sorted({s.weeks for s in comparison.seasons.values()})
            done = f"{weeks[0]}" if len(weeks) == 1 else f"{weeks[0]} to {weeks[-1]}" if weeks else "no"
            self._show_message(f"The simulation was cancelled: {done} week(s) simulated per area and regime are "
                               "shown; areas it did not reach show recorded figures only.")
        elif not comparison.seasons:
            self._show_message("Showing recorded figures. Tick 'Simulate needs against rota' and press Compare "
                               "to see crew hours and service failures under both regimes.")
        else:
            self.message.hide()
        self.draw_charts()
        self._update_buttons()
        self.comparisonReady.emit(comparison)

    def draw_charts(self) -> None:
        """Ask for the charts of the chosen area; a worker draws them (see `dashboard_charts`)."""
        area = self.area_combo.currentText()
        self.canvas.show_charts(self._comparison, area, self.periods_note(area))

    def periods_note(self, area: str) -> str:
        """Says which charts are simulated and which recorded, and their dates, when both are shown: the
        simulated season is a model world over its own weeks, not the weeks recorded beside it."""
        if self._comparison is None:
            return ""
        rows = [r for r in self._comparison.rows if r.area == area]
        recorded = [r for r in rows if r.source == RECORDED]
        simulated = [r for r in rows if r.source != RECORDED]
        parts = []
        if simulated:
            parts.append(f"Top: simulated {charts.period_words(simulated)} (a model of the area)")
        if recorded:
            where = "Bottom" if simulated else "Recorded"
            text = f"{where}: recorded {charts.period_words(recorded)}" if simulated else \
                f"Recorded {charts.period_words(recorded)}"
            part = sum(1 for r in recorded if r.part_week)
            if part:
                text += f"; {part} part week{'s' if part > 1 else ''} starred and pale"
            parts.append(text)
        if simulated and recorded:
            parts.append("The two are different periods, not to be read against each other")
        return ". ".join(parts) + "." if parts else ""

    def _update_buttons(self) -> None:
        busy = self.is_busy()
        has = self._comparison is not None and bool(self._comparison.rows)
        for w in (self.compare_button, self.weeks, self.seed, self.simulate):
            w.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.png_button.setEnabled(has and not busy)
        self.csv_button.setEnabled(has and not busy)

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(
            "QLabel { background: #fdecea; color: #8a1c1c; padding: 6px; border-radius: 4px; }" if error
            else "QLabel { background: #e8f1fb; color: #1a365d; padding: 6px; border-radius: 4px; }"
        )
        self.message.show()

    # -- export
    def save_png(self, path: str | Path, dpi: int = 150) -> Path:
        """Save the chosen area's charts as a PNG picture, 10 by 6.5 inches whatever the window's size."""
        if self._comparison is None:
            raise UserError("There are no figures to save yet: press Compare first.")
        area = self.area_combo.currentText()
        return save_charts_png(self._comparison, area, self.periods_note(area), path, dpi)

    def export_csv(self, path: str | Path) -> Path:
        """Write every area's weekly figures as CSV (one line per area, source and week)."""
        if self._comparison is None:
            raise UserError("There are no figures to export yet: press Compare first.")
        return _write_csv(self._comparison, path)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save charts", "comparison.png", "PNG pictures (*.png)")
        if path and self._comparison is not None:
            area = self.area_combo.currentText()
            self._run_export(save_charts_png, self._comparison, area, self.periods_note(area), path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export figures", "comparison.csv", "CSV files (*.csv)")
        if path and self._comparison is not None:
            self._run_export(_write_csv, self._comparison, path)

    def _run_export(self, fn: Callable[..., Path], *args: Any) -> None:
        """Write the file in the background (drawing the charts at 150 dpi takes a few hundred ms)."""
        worker = Worker(fn, *args, cancellable=False)
        worker.signals.finished.connect(self._on_exported)
        worker.signals.failed.connect(self._on_export_failed)
        self._workers.start(worker)

    def _on_exported(self, path: Path) -> None:
        self._show_message(f"Saved {path}.")

    def _on_export_failed(self, message: str) -> None:
        self._show_message(message, error=True)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        self.canvas.shutdown()
        super().closeEvent(event)


def _write_csv(comparison: Comparison, path: str | Path) -> Path:
    try:
        return comparison.write_csv(path)
    except OSError as exc:
        raise UserError(f"Cannot write the figures to {path}: {exc.strerror}.") from exc


def _ordered_summaries(summaries: list[AreaSummary]) -> list[AreaSummary]:
    """Recorded before, recorded after, then the simulated regimes: the order a manager reads them in."""
    period_order = {"before": 0, "after": 1, "": 2}
    return sorted(summaries, key=lambda s: (s.area, s.source != RECORDED, s.source, period_order.get(s.period, 3)))


__all__ = ["AreaWeek", "DashboardScreen", "run_comparison"]
