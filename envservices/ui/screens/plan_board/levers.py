"""The supervisor's levers on the board: pin or move a visit, lock a day, mark a crew absent, add urgent work,
mark a visit done or missed, and the board's and visits' menus. A part of `PlanBoardScreen` (mixed in), kept
apart so a newcomer finds what each click does in one file; the decisions go to `PendingChanges`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QInputDialog,
    QMenu,
)

from envservices.domain.model import Task, VisitStatus
from envservices.errors import UserError
from envservices.services import pins as pins_service
from envservices.services import planning as planning_service
from envservices.ui.dialogs.urgent_work_dialog import UrgentWorkDialog
from envservices.ui.icons import icon
from envservices.ui.screens.plan_board.parts import (
    VisitRow,
)
from envservices.ui.screens.plan_board.solve_run import week_monday


class SupervisorLevers:
    """What the supervisor changes before the next re-plan (mixed into PlanBoardScreen)."""

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

