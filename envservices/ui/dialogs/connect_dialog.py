"""Connect to a shared PostgreSQL/PostGIS database: the URL is checked at the field before anything is opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

EXAMPLE_URL = "postgresql://user:password@server:5432/envservices"


def check_postgres_url(url: str) -> str:
    """An empty string when the URL looks usable, else one sentence saying what is wrong."""
    text = url.strip()
    if not text:
        return "Enter the database URL, for example " + EXAMPLE_URL
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if not scheme.startswith(("postgresql", "postgres")):
        return "The URL must start with postgresql:// (for a SQLite file use File > Open)."
    rest = text.split("://", 1)[1]
    if "/" not in rest or not rest.rsplit("/", 1)[1]:
        return "The URL must end with the database name, e.g. …:5432/envservices"
    return ""


class ConnectDialog(QDialog):
    """Asks for a PostgreSQL URL; `opener(url)` tries it and any failure is shown under the field."""

    def __init__(self, opener: Callable[[str], Any], initial: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to PostgreSQL")
        self._opener = opener
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A shared database lets every depot use the same places, plans and rules."))
        form = QFormLayout()
        self.url_edit = QLineEdit(initial)
        self.url_edit.setPlaceholderText(EXAMPLE_URL)
        self.url_edit.setMinimumWidth(420)
        label = QLabel("Database &URL:")
        label.setBuddy(self.url_edit)
        form.addRow(label, self.url_edit)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        form.addRow("", self.error)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.accepted.connect(self.try_connect)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.url_edit.textChanged.connect(lambda: self.error.hide())

    def try_connect(self) -> bool:
        url = self.url_edit.text().strip()
        problem = check_postgres_url(url)
        if not problem:
            try:
                self.result_value = self._opener(url)
            except Exception as exc:  # noqa: BLE001 - any failure to connect is told to the user at the field
                problem = f"Could not connect: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        if problem:
            self.error.setText(problem)
            self.error.show()
            self.url_edit.setFocus()
            return False
        self.accept()
        return True
