"""A screen that could not be opened, and the one line of an error the window shows for it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Placeholder(QWidget):
    """Stands in for a screen that could not be loaded, saying why."""

    def __init__(self, title: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        layout = QVBoxLayout(self)
        label = QLabel(f"<h3>{title}</h3><p>This screen could not be opened:</p><p><i>{reason}</i></p>")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)

    def load(self) -> None:
        """Nothing to load."""

    def refresh(self) -> None:
        """Nothing to refresh."""

    def shutdown(self, wait_ms: int = 0) -> bool:
        """Nothing runs."""
        return True
