"""The dashboard's charts, drawn off the GUI thread and shown as a picture.

Laying out and drawing the four matplotlib charts takes 150-250 ms of pure Python (constrained layout measures
every tick label); done on the GUI thread it froze the window for that long each time a simulation finished or
the area changed (`python -m envservices.ui.stalls`: 165-246 ms). Here a worker builds a fresh `Figure` on
matplotlib's Agg canvas (the object API, never pyplot, so no figure is shared between threads), draws it and
hands back a `QImage`, which the GUI thread only paints. The chart functions are those of
`envservices.simulation.charts`, so the dashboard, its PNG export and the members' report show the same pictures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from envservices.errors import UserError
from envservices.simulation import charts
from envservices.simulation.compare import RECORDED, Comparison
from envservices.ui.workers import Worker, WorkerPool

SCREEN_DPI = 100  # matplotlib's own screen resolution: fonts look as they did on the embedded canvas


@dataclass(frozen=True)
class ChartPicture:
    """One drawing of the charts: the figure (kept for the PNG export and for tests) and its pixels."""

    figure: Figure
    image: QImage
    area: str
    generation: int = 0  # which request it answers: an older drawing that arrives late is dropped


def build_figure(comparison: Comparison | None, area: str, note: str, width_in: float = 10.0,
                 height_in: float = 6.5, dpi: float = SCREEN_DPI) -> Figure:
    """The charts of one area: grades and complaints (recorded), plus hours and failures once simulated."""
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    if comparison is None or not area:
        ax = figure.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "No figures yet", ha="center", va="center", transform=ax.transAxes)
        return figure
    simulated = any(r.area == area and r.source != RECORDED for r in comparison.rows)
    if len(note) > width_in * SCREEN_DPI / 8:  # 9-point text takes about 7 pixels a character: a sentence a line
        note = ".\n".join(note.split(". "))
    figure.suptitle(note, fontsize=9, color="#1a365d")
    if simulated:
        axes = figure.subplots(2, 2)
        charts.plot_hours_per_week(axes[0][0], comparison, area)
        charts.plot_failures(axes[0][1], comparison, area)
        recorded_axes = axes[1]
    else:
        recorded_axes = figure.subplots(1, 2)  # recorded figures only until the simulation is run
    charts.plot_grades(recorded_axes[0], comparison, area)
    charts.plot_complaints(recorded_axes[1], comparison, area)
    return figure


def render(comparison: Comparison | None, area: str, note: str, width_px: int, height_px: int,
           ratio: float = 1.0, generation: int = 0) -> ChartPicture:
    """Build and draw the figure at the widget's size in device pixels; runs on a worker thread."""
    dpi = SCREEN_DPI * ratio
    figure = build_figure(comparison, area, note, max(width_px, 200) / SCREEN_DPI,
                          max(height_px, 150) / SCREEN_DPI, dpi)
    canvas = figure.canvas
    canvas.draw()
    buffer = canvas.buffer_rgba()
    width, height = canvas.get_width_height(physical=True)
    image = QImage(bytes(buffer), width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()
    image.setDevicePixelRatio(ratio)
    return ChartPicture(figure, image, area, generation)


def save_charts_png(comparison: Comparison, area: str, note: str, path: str | Path, dpi: int = 150) -> Path:
    """The chosen area's charts as a PNG picture, 10 by 6.5 inches whatever the window's size."""
    path = Path(path)
    figure = build_figure(comparison, area, note)
    try:
        figure.savefig(path, dpi=dpi)
    except OSError as exc:
        raise UserError(f"Cannot save the charts to {path}: {exc.strerror}.") from exc
    return path


class ChartView(QWidget):
    """Paints the last drawing of the charts; asks a worker for a new one when the charts or its size change.

    While a new drawing is on its way the old one is shown stretched, so a resize never blanks the charts.
    """

    drawn = Signal(object)  # the ChartPicture now shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardCanvas")
        self.setMinimumHeight(260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._workers = WorkerPool()
        self._picture: ChartPicture | None = None
        self._asked: tuple[Comparison | None, str, str] = (None, "", "")
        self._generation = 0
        self._pending = 0  # drawings asked for and not yet back
        self._failure = ""
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._redraw)

    def sizeHint(self) -> QSize:
        return QSize(1000, 650)

    def picture(self) -> ChartPicture | None:
        return self._picture

    def is_drawing(self) -> bool:
        return self._pending > 0 or self._resize_timer.isActive()

    def show_charts(self, comparison: Comparison | None, area: str, note: str) -> None:
        """Draw these charts in the background; the newest request wins."""
        self._asked = (comparison, area, note)
        self._redraw()

    def _redraw(self) -> None:
        self._generation += 1
        generation = self._generation
        comparison, area, note = self._asked
        ratio = self.devicePixelRatioF() or 1.0
        width, height = max(self.width(), 200), max(self.height(), 150)
        worker = Worker(render, comparison, area, note, width, height, ratio, generation, cancellable=False)
        # bound methods of this widget, so Qt queues them to the GUI thread (a bare lambda would run on the worker)
        worker.signals.finished.connect(self._on_drawn)
        worker.signals.failed.connect(self._on_failed)
        self._pending += 1
        self._workers.start(worker)

    def _on_drawn(self, picture: ChartPicture) -> None:
        self._pending -= 1
        if picture.generation != self._generation:
            return  # a newer drawing is on its way
        self._picture = picture
        self._failure = ""
        self.update()
        self.drawn.emit(picture)

    def _on_failed(self, message: str) -> None:
        self._pending -= 1
        self._failure = f"The charts could not be drawn. {message}"
        self.update()

    def shutdown(self, wait_ms: int = 10_000) -> bool:
        self._resize_timer.stop()
        return self._workers.cancel_all(wait_ms)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self._picture is not None or self._pending:
            self._resize_timer.start()  # draw once the size settles, not at every step of a drag

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self._failure or self._picture is None:
            painter.setPen(QColor("#8a1c1c" if self._failure else "#4a5568"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._failure or "Drawing the charts…")
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(self.rect()), self._picture.image)
        painter.end()
