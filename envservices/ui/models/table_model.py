"""One generic table model over frozen rows, so every list in the app is a Qt model/view with sorting and filtering.

Rows are any objects (usually frozen dataclasses); columns say how to read a cell. The model never changes a row:
screens replace the whole tuple with `set_rows` after a service call, which keeps the GUI a view of the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role that returns the whole row object (for selection handling)."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role that returns the raw value used for sorting (numbers sort as numbers)."""

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """How to show one column: a header and a function from a row to its value."""

    header: str
    value: Callable[[Any], Any]
    display: Callable[[Any], str] | None = None
    align_right: bool = False
    tooltip: Callable[[Any], str] | None = None
    decoration: Callable[[Any], Any] | None = None


def _sort_key(value: Any) -> Any:
    """Values Qt can compare: numbers stay numbers, None sorts first, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(getattr(value, "value", value))


class RowTableModel(QAbstractTableModel):
    """A read-only table of rows described by columns."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Any] = (), parent=None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: tuple[Any, ...] = tuple(rows)

    # -- the rows
    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row at once (a reset keeps views simple and correct)."""
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def rows(self) -> tuple[Any, ...]:
        return self._rows

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, predicate: Callable[[Any], bool]) -> int:
        """Index of the first row matching, or -1."""
        for i, r in enumerate(self._rows):
            if predicate(r):
                return i
        return -1

    # -- Qt
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self._columns):
                return self._columns[section].header
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self._columns)):
            return None
        row = self._rows[index.row()]
        col = self._columns[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            value = col.value(row)
            if col.display is not None:
                return col.display(value)
            if value is None:
                return ""
            if isinstance(value, float):
                return f"{value:,.1f}"
            return str(getattr(value, "value", value))
        if role == SORT_ROLE:
            return _sort_key(col.value(row))
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row)
        if role == Qt.ItemDataRole.DecorationRole and col.decoration is not None:
            return col.decoration(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class RowFilterProxy(QSortFilterProxyModel):
    """Sorts by raw values and filters case-insensitively across all columns (type to find a place)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def row_at(self, proxy_row: int) -> Any:
        """The row object behind a row of this proxy."""
        return self.index(proxy_row, 0).data(ROW_ROLE)


def make_table(columns: Sequence[Column], rows: Sequence[Any] = (), parent=None) -> tuple[RowTableModel, RowFilterProxy]:
    """A model and a sorting/filtering proxy over it, ready for a view."""
    model = RowTableModel(columns, rows, parent)
    proxy = RowFilterProxy(parent)
    proxy.setSourceModel(model)
    return model, proxy
