"""Showing the plan on the board: crews by weekday, the tasks left out, the figures, the selected crew-day's
timeline, visits and route, and printing and export. A part of `PlanBoardScreen` (mixed in); it reads the plan
and the lookups the screen keeps and never changes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace as dataclass_replace
from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QFileDialog,
)

from envservices.domain.model import CrewDay, SiteKind, Visit
from envservices.errors import UserError
from envservices.reports.whereabouts import due_words, nearest_streets, road_lines
from envservices.ui.reports.worksheets import (
    PlanLookups,
    hhmm,
    ordered_events,
    route_points,
    write_plan_csv,
    write_worksheets,
)
from envservices.ui.screens.plan_board.figures import release_text
from envservices.ui.screens.plan_board.parts import (
    Cell,
    CellKey,
    VisitRow,
)
from envservices.ui.screens.plan_board.solve_run import week_monday


class PlanDisplay:
    """The board, the left-out list, the figures and the crew-day's timeline (mixed into PlanBoardScreen)."""

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
        settings = self._read_settings if self._read_settings is not None else self._settings_provider()
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
        sites = self._all_sites()
        return PlanLookups(
            crew_names={**self._crew_names, **(self._prepared.crew_names if self._prepared is not None else {})},
            place_names={pid: p.name for pid, p in self._places.items()},
            service_names={code: st.name for code, st in settings.services().items()},
            task_points=points,
            # a rota task's note is the rota entry's id: a reference for the office, not a note for the crew
            task_notes={t.id: t.note for t in self._tasks.values() if t.note and not t.note.startswith("rota entry ")},
            site_points={sid: (s.geometry.x, s.geometry.y) for sid, s in sites.items()},
            site_names={sid: s.name for sid, s in sites.items()},
            crew_depots=crew_depots,
            default_depot_id=default_depot,
            asset_names={aid: a.name for aid, a in self._assets.items() if a.name},
            task_windows={t.id: (t.earliest_day, t.latest_day) for t in self._tasks.values()},
        )

    def _all_sites(self) -> dict:
        """Depots and tips, and the waste tips a week with collection rounds unloads at (a table of their own)."""
        waste_tips = self._prepared.waste_tips if self._prepared is not None else ()
        return {**{t.id: t for t in waste_tips}, **self._sites}

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
        monday = week_monday(self.week())
        for u in self._plan.unplanned if self._plan is not None else ():
            task = self._tasks.get(u.task_id)
            work = settings_names.get(task.service, task.service) if task else u.task_id
            place = self._lookups.place(task.place_id) if task else ""
            due = ""
            if task is not None:
                due = due_words(task.earliest_day, task.latest_day, monday)
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
        describe = lambda v: f"{self._lookups.service(v.service)}, {self._lookups.place(v.place_id)}"
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

