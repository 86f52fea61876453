"""Add urgent work mid-week (a fly-tip, a complaint): the place, the service, the day, and a note for the crew."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from envservices.domain.model import Place, ServiceType


@dataclass(frozen=True)
class UrgentRequest:
    """What the supervisor asked for; the screen turns it into a task through the planning service."""

    place: Place
    service: str
    day: dt.date
    note: str


class UrgentWorkDialog(QDialog):
    """Pick a place (type to search), a service and a day; the note goes on the crew's worksheet."""

    def __init__(
        self,
        places: Sequence[Place],
        services: Mapping[str, ServiceType],
        days: Sequence[dt.date],
        parent: QWidget | None = None,
        *,
        default_service: str = "fly_tip",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add urgent work")
        self._places = sorted(places, key=lambda p: p.name.lower())
        self.request: UrgentRequest | None = None

        self.place = QComboBox()
        self.place.setEditable(True)
        self.place.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.place.addItem("", None)
        for p in self._places:
            self.place.addItem(p.name, p.id)
        completer = self.place.completer() or QCompleter(self.place.model(), self.place)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.place.setCompleter(completer)
        self.place_message = self._message_label()

        self.service = QComboBox()
        for code, st in services.items():
            self.service.addItem(st.name, code)
        index = self.service.findData(default_service)
        self.service.setCurrentIndex(max(index, 0))

        self.day = QComboBox()
        for d in days:
            self.day.addItem(d.strftime("%A %d %B"), d)
        today = dt.date.today()
        if today in days:
            self.day.setCurrentIndex(list(days).index(today))

        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What and where exactly, e.g. 'mattress and bags by the garages'")
        self.note.setFixedHeight(70)
        self.note.setTabChangesFocus(True)

        form = QFormLayout()
        form.addRow("&Place", self.place)
        form.addRow("", self.place_message)
        form.addRow("&Service", self.service)
        form.addRow("&Day", self.day)
        form.addRow("&Note", self.note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, 0)

    @staticmethod
    def _message_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet("color: #b00020;")
        label.hide()
        return label

    def chosen_place(self) -> Place | None:
        """The place named in the box, matched on its exact name when typed rather than picked."""
        text = self.place.currentText().strip().lower()
        if not text:
            return None
        for p in self._places:
            if p.name.lower() == text:
                return p
        return None

    def try_accept(self) -> bool:
        place = self.chosen_place()
        if place is None:
            typed = self.place.currentText().strip()
            self.place_message.setText(
                f"There is no place called '{typed}'." if typed else "Choose the place where the work is."
            )
            self.place_message.show()
            self.place.setFocus()
            return False
        self.place_message.hide()
        self.request = UrgentRequest(
            place=place,
            service=str(self.service.currentData()),
            day=self.day.currentData(),
            note=self.note.toPlainText().strip(),
        )
        self.accept()
        return True
