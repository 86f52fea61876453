"""District set-up: each area's regime and trial start, a place's team and rota, the service catalogue and the
co-ordination rules, edited as the sheets a council keeps (the same parsers as `envservices import`).

Every tab saves through the services on its own and says in one sentence what was saved or why not; a refused
save changes nothing and keeps what was typed so it can be corrected.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from envservices.errors import UserError

ROTA_COLUMNS = ("service", "asset", "days", "every_weeks", "first_visit", "months", "crew", "id")
ROTA_HEADERS = ("Service", "Asset (empty: whole place)", "Days", "Every (weeks)", "First visit", "Months",
                "Crew", "Id")
RULE_COLUMNS = ("kind", "first", "second", "max_days")
AREA_COLUMNS = ("name", "regime", "trial_start", "places")
CLOSED_COLUMNS = ("place", "asset", "service", "days", "from", "to", "reason")


class SheetTable(QTableWidget):
    """A small editable sheet: rows of text under named columns."""

    def __init__(self, columns: Sequence[str], headers: Sequence[str], parent: QWidget | None = None,
                 read_only: Sequence[str] = (), stretch: str | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self.columns = tuple(columns)
        self._stretch = self.columns.index(stretch) if stretch else len(self.columns) - 1
        self._read_only = set(read_only)
        self.setHorizontalHeaderLabels(list(headers))
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)

    def set_rows(self, rows: Sequence[dict[str, str]]) -> None:
        self.setRowCount(0)
        for row in rows:
            self.add_row(row)
        self.resizeColumnsToContents()
        for c in range(len(self.columns)):
            self.setColumnWidth(c, max(self.columnWidth(c), 90))
        self.setColumnWidth(self._stretch, max(self.columnWidth(self._stretch), 200))
        self.horizontalHeader().setStretchLastSection(True)

    def add_row(self, row: dict[str, str] | None = None) -> None:
        r = self.rowCount()
        self.insertRow(r)
        for c, name in enumerate(self.columns):
            item = QTableWidgetItem(str((row or {}).get(name, "")))
            if name in self._read_only:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.setItem(r, c, item)

    def remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(r)

    def rows(self) -> list[dict[str, str]]:
        out = []
        for r in range(self.rowCount()):
            row = {name: (self.item(r, c).text().strip() if self.item(r, c) else "")
                   for c, name in enumerate(self.columns)}
            if any(v for k, v in row.items() if k not in self._read_only):
                out.append(row)
        return out


class DistrictSetupDialog(QDialog):
    """Areas, place teams and rotas, the service catalogue and the rules, each tab saved on its own."""

    def __init__(self, db, parent: QWidget | None = None, place_id: str | None = None) -> None:
        super().__init__(parent)
        from envservices import services

        self.services = services
        self.db = db
        self.setWindowTitle("District set-up")
        self.resize(980, 560)
        self.tabs = QTabWidget()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.tabs.addTab(self._areas_tab(), "Areas and trials")
        self.tabs.addTab(self._rota_tab(place_id), "Place team and rota")
        self.tabs.addTab(self._services_tab(), "Services")
        self.tabs.addTab(self._rules_tab(), "Co-ordination rules")
        self.tabs.addTab(self._closed_tab(), "Closed periods")
        self.tabs.addTab(self._calendar_tab(), "Calendar")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.status)
        layout.addWidget(close)

    # --- helpers ----------------------------------------------------------------------------------------
    def _say(self, text: str, ok: bool = True) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("" if ok else "color: #b00020;")

    def _buttons(self, table: SheetTable, save) -> QHBoxLayout:
        row = QHBoxLayout()
        add, remove, keep = QPushButton("Add row"), QPushButton("Remove rows"), QPushButton("Save")
        add.clicked.connect(lambda: table.add_row())
        remove.clicked.connect(table.remove_selected)
        keep.clicked.connect(save)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        row.addWidget(keep)
        return row

    def _try(self, action, done: str) -> bool:
        try:
            action()
        except UserError as exc:
            self._say(str(exc), ok=False)
            return False
        self._say(done)
        return True

    # --- areas ------------------------------------------------------------------------------------------
    def _areas_tab(self) -> QWidget:
        w = QWidget()
        self.areas = SheetTable(AREA_COLUMNS, ("Area", "Regime (needs or rota)", "Trial start", "Places"),
                                read_only=("name", "places"), stretch="name")
        self.areas.set_rows([{k: str(v) for k, v in a.items()} for a in self.services.council.list_areas(self.db)])
        save = QPushButton("Save")
        save.clicked.connect(self.save_areas)
        layout = QVBoxLayout(w)
        layout.addWidget(QLabel("A needs trial starts on its trial date; before it, and in rota areas, the "
                                "historic rota decides the work."))
        layout.addWidget(self.areas)
        layout.addWidget(save, alignment=Qt.AlignmentFlag.AlignRight)
        return w

    def save_areas(self) -> bool:
        def act() -> None:
            for row in self.areas.rows():
                self.services.council.set_area(self.db, row["name"], regime=row["regime"].lower() or None,
                                               trial_start=row["trial_start"])

        return self._try(act, "Areas saved.")

    # --- a place's team and rota -----------------------------------------------------------------------
    def _rota_tab(self, place_id: str | None) -> QWidget:
        w = QWidget()
        with self.db.unit_of_work() as uow:
            places = sorted(uow.places.list(), key=lambda p: p.name.lower())
            crews = sorted(uow.crews.list(), key=lambda c: c.name.lower())
        self._places = {p.id: p for p in places}
        self.place = QComboBox()
        for p in places:
            self.place.addItem(p.name, p.id)
        if place_id in self._places:
            self.place.setCurrentIndex(self.place.findData(place_id))
        self.team = QComboBox()
        self.team.addItem("(no team)", None)
        for c in crews:
            self.team.addItem(c.name, c.id)
        self.rota = SheetTable(ROTA_COLUMNS, ROTA_HEADERS, read_only=("id",), stretch="asset")
        self.place.currentIndexChanged.connect(self._load_place)
        top = QHBoxLayout()
        top.addWidget(QLabel("Place"))
        top.addWidget(self.place, 1)
        top.addWidget(QLabel("Team"))
        top.addWidget(self.team, 1)
        layout = QVBoxLayout(w)
        layout.addLayout(top)
        layout.addWidget(self.rota)
        layout.addWidget(QLabel("Days like Mon;Thu or M W F; every 1, 2 or 4 weeks (give a first visit date when "
                                "not weekly); months like Apr-Oct (empty: all year)."))
        layout.addLayout(self._buttons(self.rota, self.save_place))
        self._load_place()
        return w

    def _load_place(self) -> None:
        pid = self.place.currentData()
        if pid is None:
            return
        place = self._places[pid]
        self.team.setCurrentIndex(max(0, self.team.findData(place.team_crew_id)))
        self.rota.set_rows(self.services.rota_sheet.place_rota(self.db, pid))

    def save_place(self) -> bool:
        pid = self.place.currentData()
        name = self._places[pid].name

        def act() -> None:
            self.services.council.set_place_team(self.db, pid, self.team.currentText()
                                                 if self.team.currentData() else None)
            self.services.rota_sheet.replace_place_rota(self.db, pid, self.rota.rows())

        ok = self._try(act, f"The team and rota of {name} were saved.")
        if ok:
            self._load_place()
        return ok

    # --- the catalogue ----------------------------------------------------------------------------------
    def _services_tab(self) -> QWidget:
        w = QWidget()
        rows = self.services.council.service_rows(self.services.council.catalogue(self.db))
        self.catalogue = SheetTable(tuple(rows[0]), tuple(k.replace("_", " ").capitalize() for k in rows[0]),
                                    stretch="asset_kinds")
        self.catalogue.set_rows(rows)
        layout = QVBoxLayout(w)
        layout.addWidget(QLabel("Add a service (e.g. weed spraying) as a row; rates per hour are in the service's "
                                "unit (each, m or m²)."))
        layout.addWidget(self.catalogue)
        layout.addLayout(self._buttons(self.catalogue, self.save_services))
        return w

    def save_services(self) -> bool:
        from envservices.services.council import _service_row

        def act() -> None:
            known = {s.code: s for s in self.services.council.catalogue(self.db)}
            parsed, errors = [], []
            for n, row in enumerate(self.catalogue.rows(), start=1):
                try:
                    parsed.append(_service_row(row, known))
                except ValueError as exc:
                    errors.append(f"row {n}: {exc}")
            if errors:
                raise UserError("; ".join(errors[:3]) + "; nothing was saved")
            self.services.council.save_catalogue(self.db, parsed)

        return self._try(act, "The service catalogue was saved.")

    # --- rules ------------------------------------------------------------------------------------------
    def _rules_tab(self) -> QWidget:
        w = QWidget()
        self.rules = SheetTable(RULE_COLUMNS, ("Kind (before, within, together, after, apart)", "First service",
                                               "Second service", "Days (within, after)"))
        self.rules.set_rows([{"kind": r.kind, "first": r.first_service, "second": r.second_service,
                              "max_days": str(r.max_days or "")} for r in self.services.council.rules(self.db)])
        layout = QVBoxLayout(w)
        layout.addWidget(self.rules)
        layout.addLayout(self._buttons(self.rules, self.save_rules))
        return w

    def save_rules(self) -> bool:
        council = self.services.council

        def act() -> None:
            lookup = council.rule_lookup({s.code: s for s in council.catalogue(self.db)})
            out = []
            for n, row in enumerate(self.rules.rows(), start=1):
                try:
                    out.append(council.rule_from_row(row, lookup))
                except ValueError as exc:
                    raise UserError(f"row {n}: {exc}; nothing was saved") from None
            self.services.council.save_rules(self.db, out)

        return self._try(act, "The co-ordination rules were saved.")

    # --- closed periods and the calendar ----------------------------------------------------------------
    def _closed_tab(self) -> QWidget:
        w = QWidget()
        self.closed = SheetTable(CLOSED_COLUMNS, ("Place", "Asset", "Service (empty: all)", "Days (empty: every day)",
                                                  "From", "To", "Reason"))
        self.closed.set_rows(self.services.council.closed_rows(self.db))
        layout = QVBoxLayout(w)
        layout.addWidget(QLabel("When work may not be done: a school run, market day. Hedges are closed March to "
                                "August by their months in the catalogue."))
        layout.addWidget(self.closed)
        layout.addLayout(self._buttons(self.closed, self.save_closed))
        return w

    def save_closed(self) -> bool:
        return self._try(lambda: self.services.council.replace_closed(self.db, self.closed.rows()),
                         "The closed periods were saved.")

    def _calendar_tab(self) -> QWidget:
        w = QWidget()
        self.calendar = SheetTable(("date", "name", "kind"), ("Date", "Name", "Kind (closed or worked)"))
        self.calendar.set_rows(self.services.council.calendar_rows(self.db))
        layout = QVBoxLayout(w)
        layout.addWidget(QLabel("England and Wales bank holidays are built in; add your own closed days, or a bank "
                                "holiday you work (kind: worked)."))
        layout.addWidget(self.calendar)
        layout.addLayout(self._buttons(self.calendar, self.save_calendar))
        return w

    def save_calendar(self) -> bool:
        return self._try(lambda: self.services.council.replace_calendar(self.db, self.calendar.rows()),
                         "The calendar was saved.")


__all__ = ["DistrictSetupDialog", "SheetTable"]
