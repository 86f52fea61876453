"""The team leader's planned visits at a place for a chosen week: a day and a filter to find one of hundreds.

A town centre holds hundreds of visits a week (633 were reported in a 4-row table); the list follows the week
the plan board shows (or this week), picks a day ("Today" when the week holds today), filters as you type,
and says how many it shows of how many, with crews and work by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from envservices.domain.model import CrewDay, Plan, Visit, VisitStatus
from envservices.domain.weeks import week_monday, week_of
from envservices.ui.icons import icon
from envservices.ui.models.table_model import Column, make_table

VisitRow = tuple[Plan, CrewDay, Visit]


def week_words(week: str, today: dt.date | None = None) -> str:
    """'week of Mon 07 Dec (next week)': the week as a person says it."""
    today = today or dt.date.today()
    monday = week_monday(week)
    shift = (monday - week_monday(week_of(today))).days // 7
    when = {0: " (this week)", 1: " (next week)", -1: " (last week)"}.get(shift, "")
    return f"week of {monday.strftime('%a %d %b %Y')}{when}"


class VisitsPanel(QGroupBox):
    """Week stepper, day and filter over a place's planned visits; Done and Missed buttons under the list."""

    weekChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Planned visits here", parent)
        self._week = week_of(dt.date.today())
        self._rows: list[VisitRow] = []
        self.crew_names: Mapping[str, str] = {}
        self.service_names: Mapping[str, str] = {}

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.prev_week = QToolButton()
        self.prev_week.setText("◀")
        self.prev_week.setToolTip("The week before")
        self.next_week = QToolButton()
        self.next_week.setText("▶")
        self.next_week.setToolTip("The week after")
        self.week_label = QLabel()
        top.addWidget(self.prev_week)
        top.addWidget(self.week_label, 1)
        top.addWidget(self.next_week)
        layout.addLayout(top)

        find = QHBoxLayout()
        self.day_combo = QComboBox()
        self.day_combo.setAccessibleName("Day of the visits")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: crew, work, status…")
        self.filter_edit.setClearButtonEnabled(True)
        find.addWidget(self.day_combo)
        find.addWidget(self.filter_edit, 1)
        layout.addLayout(find)

        self.model, self.proxy = make_table((
            Column("Day", lambda r: r[1].day, display=lambda d: d.strftime("%a %d")),
            Column("Start", lambda r: f"{r[2].start_s // 3600:02d}:{r[2].start_s % 3600 // 60:02d}"),
            Column("Work", lambda r: self.service_names.get(r[2].service, r[2].service.replace("_", " "))),
            Column("Status", lambda r: r[2].status.value + (f": {r[2].reason}" if r[2].reason else "")),
            Column("Crew", lambda r: self.crew_names.get(r[1].crew_id, r[1].crew_id),
                   tooltip=lambda r: self.crew_names.get(r[1].crew_id, r[1].crew_id)),
        ), (), self)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.setAlternatingRowColors(True)
        self.view.setMinimumHeight(8 * 22 + 26)  # eight rows and the header; it scrolls for more
        layout.addWidget(self.view, 1)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)

        row = QHBoxLayout()
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("reason when missed")
        row.addWidget(self.reason_edit, 1)
        self.done_button = QPushButton(icon("done"), "&Done")
        row.addWidget(self.done_button)
        self.missed_button = QPushButton(icon("missed"), "M&issed")
        row.addWidget(self.missed_button)
        layout.addLayout(row)

        self.prev_week.clicked.connect(lambda: self.step_week(-1))
        self.next_week.clicked.connect(lambda: self.step_week(1))
        self.day_combo.currentIndexChanged.connect(self._show_rows)
        self.filter_edit.textChanged.connect(self._filter)
        self._show_week_label()

    # -- week
    def week(self) -> str:
        return self._week

    def set_week(self, week: str) -> None:
        """Show another week (the plan board's, or one stepped to); the screen re-reads that week's plans."""
        week = week_of(week_monday(week))
        if week == self._week:
            return
        self._week = week
        self._show_week_label()
        self.weekChanged.emit(week)

    def step_week(self, step: int) -> None:
        self.set_week(week_of(week_monday(self._week) + dt.timedelta(weeks=step)))

    def _show_week_label(self) -> None:
        self.week_label.setText(f"<b>{week_words(self._week)}</b>")

    # -- rows
    def set_rows(self, rows: Sequence[VisitRow], today: dt.date | None = None) -> None:
        """The place's visits this week; the day list offers 'All days' and each day with visits, counted."""
        today = today or dt.date.today()
        self._rows = sorted(rows, key=lambda r: (r[1].day, r[2].start_s))
        wanted = self.day_combo.currentData()
        days: dict[dt.date, int] = {}
        for _, cd, _ in self._rows:
            days[cd.day] = days.get(cd.day, 0) + 1
        self.day_combo.blockSignals(True)
        self.day_combo.clear()
        self.day_combo.addItem(f"All days ({len(self._rows)})", None)
        for day, n in sorted(days.items()):
            label = "Today" if day == today else day.strftime("%a %d %b")
            self.day_combo.addItem(f"{label} ({n})", day)
        index = self.day_combo.findData(wanted) if wanted is not None else -1
        if index < 0 and today in days and len(self._rows) > 20:
            index = self.day_combo.findData(today)  # a long list opens on today's visits
        self.day_combo.setCurrentIndex(max(index, 0))
        self.day_combo.blockSignals(False)
        self._show_rows()

    def day(self) -> dt.date | None:
        return self.day_combo.currentData()

    def _show_rows(self) -> None:
        day = self.day()
        shown = [r for r in self._rows if day is None or r[1].day == day]
        self.model.set_rows(shown)
        self._count()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._count()

    def _count(self) -> None:
        total = len(self._rows)
        if not total:
            self.count_label.setText("No visits planned here in this week.")
            return
        done = sum(1 for r in self._rows if r[2].status is VisitStatus.DONE)
        missed = sum(1 for r in self._rows if r[2].status is VisitStatus.MISSED)
        shown = self.proxy.rowCount()
        text = f"{total:,} visits: {done:,} done, {missed:,} missed, {total - done - missed:,} to do"
        if shown != total:
            text += f" · showing {shown:,}"
        self.count_label.setText(text)

    def selected(self) -> VisitRow | None:
        index = self.view.currentIndex()
        return self.proxy.row_at(index.row()) if index.isValid() else None

    def visible_rows(self) -> list[Any]:
        return [self.proxy.row_at(i) for i in range(self.proxy.rowCount())]
