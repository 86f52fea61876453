"""The pieces of the plan board: the crews-by-weekday board model and its cell painter, the draggable visits
of a crew-day, and the crew-day timeline. Kept apart from the screen so each can be read and tested alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from envservices.domain.model import CrewDay, Stop, Visit
from envservices.ui.models.table_model import RowTableModel
from envservices.ui.reports.worksheets import hhmm, ordered_events

VISIT_MIME = "application/x-envservices-task-ids"
"""Drag payload: a JSON list of task ids, dropped on a board cell to pin them there."""

CELL_ROLE = Qt.ItemDataRole.UserRole + 10

CellKey = tuple[str, dt.date]  # (crew id, day)

ROW_HEIGHT = 40
"""A crew's row on the board: one line of visits, hours and km above the bar of the shift used. At 62 px a
1366x768 laptop showed 2 of 13 crews; at 40 px it shows about 6 and the rest scroll."""


# ---------------------------------------------------------------------------------------------- a choice


class ChoiceBanner(QFrame):
    """A sentence with one or two buttons that waits for the supervisor (keep this plan or that one, undo).

    Used where a silent default would lose work: nothing happens until a button is pressed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceBanner")
        self.setStyleSheet("#choiceBanner { background: #fff8e1; border: 1px solid #d69e2e; border-radius: 4px; }")
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.addWidget(self._label, 1)
        self._buttons: list[QPushButton] = []
        self.hide()

    def ask(self, text: str, choices: Sequence[tuple[str, Callable[[], None]]]) -> None:
        """Show `text` and a button per (label, action); any button hides the banner before its action runs."""
        for b in self._buttons:
            self._layout.removeWidget(b)
            b.deleteLater()
        self._buttons = []
        self._label.setText(text)
        for label, action in choices:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, a=action: (self.hide(), a()))
            self._layout.addWidget(button)
            self._buttons.append(button)
        self.show()

    def text(self) -> str:
        return self._label.text()

    def buttons(self) -> list[QPushButton]:
        return list(self._buttons)


# ---------------------------------------------------------------------------------------------- the board


@dataclass(frozen=True)
class Cell:
    """What one board cell shows: a crew's day at a glance."""

    crew_id: str
    day: dt.date
    crew_day: CrewDay | None
    shift_h: float
    locked: bool = False
    absent: bool = False
    day_off: bool = False
    pins_here: int = 0

    @property
    def visits(self) -> int:
        return len(self.crew_day.visits) if self.crew_day else 0

    @property
    def hours(self) -> float:
        return self.crew_day.hours if self.crew_day and self.crew_day.visits else 0.0


class BoardModel(QAbstractTableModel):
    """Crews as rows and weekdays as columns; accepts dropped visits to pin them to a crew and day."""

    pinDropped = Signal(list, str, object)  # task ids, crew id, day

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._crews: tuple[tuple[str, str], ...] = ()
        self._days: tuple[dt.date, ...] = ()
        self._cells: dict[CellKey, Cell] = {}

    def set_board(self, crews: Sequence[tuple[str, str]], days: Sequence[dt.date], cells: dict[CellKey, Cell]) -> None:
        self.beginResetModel()
        self._crews = tuple(crews)
        self._days = tuple(days)
        self._cells = dict(cells)
        self.endResetModel()

    def crews(self) -> tuple[tuple[str, str], ...]:
        return self._crews

    def days(self) -> tuple[dt.date, ...]:
        return self._days

    def key_at(self, index: QModelIndex | QPersistentModelIndex) -> CellKey | None:
        if not index.isValid():
            return None
        return self._crews[index.row()][0], self._days[index.column()]

    def index_of(self, crew_id: str, day: dt.date) -> QModelIndex:
        rows = [c for c, _ in self._crews]
        if crew_id not in rows or day not in self._days:
            return QModelIndex()
        return self.index(rows.index(crew_id), self._days.index(day))

    def cell(self, crew_id: str, day: dt.date) -> Cell | None:
        return self._cells.get((crew_id, day))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._crews)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._days)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._days):
            return self._days[section].strftime("%a %d %b")
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._crews):
            return self._crews[section][1]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        key = self.key_at(index)
        if key is None:
            return None
        cell = self._cells.get(key)
        if role == CELL_ROLE:
            return cell
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if cell.absent:
                return "Absent"
            if cell.day_off:
                return "Day off"
            return f"{cell.visits} visits, {cell.hours:.1f} h"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{self._crews[index.row()][1]}, {key[1].strftime('%A %d %B')}"]
            if cell.crew_day and cell.crew_day.visits:
                cd = cell.crew_day
                lines.append(f"{cell.visits} visits, {hhmm(cd.depart_s)}-{hhmm(cd.return_s)} ({cell.hours:.1f} h)")
                lines.append(f"{cd.travel_m / 1000:.1f} km travel")
            if cell.locked:
                lines.append("Locked: kept as it is when re-planning")
            if cell.absent:
                lines.append("Crew absent: no work this day")
            if cell.pins_here:
                lines.append(f"{cell.pins_here} visit(s) pinned here; re-plan to apply")
            lines.append("Drop visits here to pin them to this crew and day")
            return "\n".join(lines)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled

    def mimeTypes(self) -> list[str]:
        return [VISIT_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        return data.hasFormat(VISIT_MIME) and self._target(row, column, parent) is not None

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        target = self._target(row, column, parent)
        if target is None or not data.hasFormat(VISIT_MIME):
            return False
        task_ids = [str(t) for t in json.loads(bytes(data.data(VISIT_MIME).data()).decode("utf-8"))]
        if not task_ids:
            return False
        self.pinDropped.emit(task_ids, target[0], target[1])
        return False  # nothing moves in this model: the pin is applied by the screen and the next re-plan

    def _target(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex) -> CellKey | None:
        if parent.isValid():
            return self.key_at(parent)
        if 0 <= row < len(self._crews) and 0 <= column < len(self._days):
            return self._crews[row][0], self._days[column]
        return None


class BoardDelegate(QStyledItemDelegate):
    """Paints a cell as a small card: visits and hours, a bar of the shift used, lock, absence and pins."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(120, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        cell: Cell | None = index.data(CELL_ROLE)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect).adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        base = QColor("#ffffff")
        if cell is not None and (cell.absent or cell.day_off):
            base = QColor("#eceff1")
        elif cell is not None and cell.locked:
            base = QColor("#fff8e1")
        painter.setPen(QPen(palette.highlight().color() if selected else QColor("#c9d1d9"), 2 if selected else 1))
        painter.setBrush(QBrush(base))
        painter.drawRoundedRect(rect, 4, 4)
        if cell is None:
            painter.restore()
            return
        text_rect = rect.adjusted(8, 4, -8, -4)
        bold = QFont(option.font)
        bold.setBold(True)
        small = QFont(option.font)
        small.setPointSizeF(max(option.font.pointSizeF() - 1, 7))
        if cell.absent or cell.day_off:
            painter.setBrush(QBrush(QColor("#b0bec5"), Qt.BrushStyle.BDiagPattern))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#455a64"))
            painter.setFont(bold)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, "Absent" if cell.absent else "Day off")
        else:
            painter.setPen(QColor("#1f2933"))
            painter.setFont(bold)
            headline = f"{cell.visits} visits" if cell.visits != 1 else "1 visit"
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, headline)
            painter.setFont(small)
            painter.setPen(QColor("#52606d"))
            detail = f"{cell.hours:.1f} h"
            if cell.crew_day and cell.crew_day.visits:
                detail += f" · {cell.crew_day.travel_m / 1000:.0f} km"
            if rect.height() < 50:  # compact row: the detail beside the headline, so a laptop shows more crews
                painter.setFont(bold)
                offset = painter.fontMetrics().horizontalAdvance(headline) + 6
                painter.setFont(small)
                painter.drawText(text_rect.adjusted(offset, 1, 0, 0),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, detail)
            else:
                painter.drawText(text_rect.adjusted(0, 18, 0, 0),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, detail)
            # share of the shift used; amber once the day runs into overtime
            bar = QRectF(text_rect.left(), rect.bottom() - 9, text_rect.width(), 5)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e4e7eb"))
            painter.drawRoundedRect(bar, 2, 2)
            share = cell.hours / cell.shift_h if cell.shift_h > 0 else 0.0
            if share > 0:
                fill = QRectF(bar.left(), bar.top(), bar.width() * min(share, 1.0), bar.height())
                painter.setBrush(QColor("#d97706") if share > 1.0 else QColor("#2f855a"))
                painter.drawRoundedRect(fill, 2, 2)
        badges = []
        if cell.locked:
            badges.append(("Locked", QColor("#b7791f")))
        if cell.pins_here:
            badges.append((f"+{cell.pins_here} pinned", QColor("#2b6cb0")))
        painter.setFont(small)
        x = text_rect.right()
        for label, colour in badges:
            width = painter.fontMetrics().horizontalAdvance(label) + 8
            badge = QRectF(x - width, text_rect.top(), width, 16)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, 3, 3)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
            x -= width + 4
        painter.restore()


# ---------------------------------------------------------------------------------------------- crew-day


@dataclass(frozen=True)
class VisitRow:
    """One visit of the selected crew-day as the table shows it."""

    order: int
    visit: Visit
    place: str
    service: str
    note: str
    pinned_to: str  # '' or where a pending pin sends it


class VisitsModel(RowTableModel):
    """The visits of a crew-day; rows can be dragged to a board cell to pin them there."""

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [VISIT_MIME]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids: list[str] = []
        for index in indexes:
            row: VisitRow = self.row_at(index.row())
            if row.visit.task_id not in ids:
                ids.append(row.visit.task_id)
        data = QMimeData()
        data.setData(VISIT_MIME, json.dumps(ids).encode("utf-8"))
        data.setText("\n".join(ids))
        return data


TIMELINE_COLOURS = {
    "visit": QColor("#2b6cb0"),
    "pinned": QColor("#1a365d"),
    "travel": QColor("#a0aec0"),
    "tip": QColor("#975a16"),
    "break": QColor("#38a169"),
}


class TimelineWidget(QWidget):
    """The selected crew-day on a time axis: visits, the travel between them, tip stops and breaks as bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(96)
        self.setMouseTracking(True)
        self._crew_day: CrewDay | None = None
        self._names: Callable[[Visit], str] = lambda v: v.service
        self._shift: tuple[int, int] = (7 * 3600, 15 * 3600 + 1800)
        self._bars: list[tuple[QRectF, str]] = []

    def set_crew_day(self, crew_day: CrewDay | None, describe: Callable[[Visit], str] | None = None,
                     shift: tuple[int, int] | None = None) -> None:
        self._crew_day = crew_day
        if describe is not None:
            self._names = describe
        if shift is not None:
            self._shift = shift
        self.update()

    def segments(self) -> list[tuple[str, int, int, str]]:
        """(kind, start_s, end_s, description) in time order, travel filling the gaps between stops."""
        cd = self._crew_day
        if cd is None or not cd.visits:
            return []
        out: list[tuple[str, int, int, str]] = []
        clock = cd.depart_s
        for event in ordered_events(cd):
            arrive = event.arrive_s if isinstance(event, Visit) else event.start_s
            if isinstance(event, Stop) and event.kind == "break":
                arrive = event.start_s
            if arrive > clock and not (isinstance(event, Stop) and event.kind == "break"):
                out.append(("travel", clock, arrive, f"travel {hhmm(clock)}-{hhmm(arrive)}"))
            if isinstance(event, Visit):
                kind = "pinned" if event.pinned else "visit"
                out.append((kind, event.start_s, event.end_s,
                            f"{self._names(event)} {hhmm(event.start_s)}-{hhmm(event.end_s)}"))
            else:
                out.append((event.kind, event.start_s, event.end_s,
                            f"{event.kind} {hhmm(event.start_s)}-{hhmm(event.end_s)}"))
            clock = max(clock, event.end_s)
        if cd.return_s > clock:
            out.append(("travel", clock, cd.return_s, f"back to depot {hhmm(clock)}-{hhmm(cd.return_s)}"))
        return out

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        segments = self.segments()
        self._bars = []
        cd = self._crew_day
        start = min([self._shift[0]] + ([cd.depart_s] if cd and cd.visits else []))
        end = max([self._shift[1]] + ([cd.return_s] if cd and cd.visits else []))
        start = (start // 3600) * 3600
        end = -(-end // 3600) * 3600
        left, right = 16.0, self.width() - 24.0
        lane_top, lane_h = 14.0, 26.0

        def x_of(seconds: int) -> float:
            return left + (seconds - start) / max(end - start, 1) * (right - left)

        # shift band and hour ticks
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#f1f5f9"))
        painter.drawRect(QRectF(x_of(self._shift[0]), lane_top - 4, x_of(self._shift[1]) - x_of(self._shift[0]),
                                lane_h + 8))
        painter.setPen(QPen(QColor("#94a3b8"), 1))
        axis_y = lane_top + lane_h + 8
        painter.drawLine(QPointF(left, axis_y), QPointF(right, axis_y))
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        painter.setFont(small)
        for hour in range(start // 3600, end // 3600 + 1):
            x = x_of(hour * 3600)
            painter.drawLine(QPointF(x, axis_y), QPointF(x, axis_y + 4))
            painter.drawText(QRectF(x - 20, axis_y + 4, 40, 14), Qt.AlignmentFlag.AlignCenter, f"{hour:02d}:00")
        if not segments:
            painter.setPen(QColor("#64748b"))
            painter.drawText(QRectF(left, lane_top, right - left, lane_h), Qt.AlignmentFlag.AlignCenter,
                             "Select a crew and day on the board to see its timeline")
        for kind, s, e, text in segments:
            x0, x1 = x_of(s), x_of(e)
            if kind == "travel":
                rect = QRectF(x0, lane_top + lane_h / 2 - 2, max(x1 - x0, 1), 4)
            else:
                rect = QRectF(x0, lane_top, max(x1 - x0, 2), lane_h)
            painter.setPen(QPen(QColor("#ffffff"), 0.5) if kind != "travel" else Qt.PenStyle.NoPen)
            painter.setBrush(TIMELINE_COLOURS.get(kind, QColor("#718096")))
            painter.drawRect(rect)
            self._bars.append((QRectF(x0, lane_top, max(x1 - x0, 2), lane_h), text))
        # legend
        x = left
        legend_y = axis_y + 22
        for kind, label in (("visit", "visit"), ("pinned", "pinned visit"), ("travel", "travel"),
                            ("tip", "tip"), ("break", "break")):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(TIMELINE_COLOURS[kind])
            painter.drawRect(QRectF(x, legend_y + 3, 10, 8))
            painter.setPen(QColor("#334155"))
            width = painter.fontMetrics().horizontalAdvance(label)
            painter.drawText(QPointF(x + 14, legend_y + 11), label)
            x += width + 30
        painter.end()

    def sizeHint(self) -> QSize:
        return QSize(600, 100)

    def event(self, e: Any) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            for rect, text in self._bars:
                if rect.contains(QPointF(e.pos())):
                    QToolTip.showText(e.globalPos(), text, self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(e)
