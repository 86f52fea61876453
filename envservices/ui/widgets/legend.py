"""The map's legend and scale bar: small painted overlays in the corners of the map canvas.

They are plain widgets over the viewport (not scene items), so they stay put and readable while the map pans
and zooms, and they take no part in the scene's spatial index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

PANEL_BG = QColor(255, 255, 255, 225)
PANEL_BORDER = QColor("#9a9a9a")
TEXT = QColor("#222222")


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a swatch (fill, line or symbol) and a label."""

    label: str
    kind: str  # fill | line | symbol
    colour: QColor
    outline: QColor | None = None
    pixmap: QPixmap | None = None
    dashed: bool = False
    width_px: float = 2.0


@dataclass(frozen=True)
class LegendSection:
    title: str
    entries: tuple[LegendEntry, ...]


class Legend(QWidget):
    """Sections of swatches and labels, sized to fit its text."""

    SWATCH_W = 22
    SWATCH_H = 13
    PAD = 8
    LINE_GAP = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sections: tuple[LegendSection, ...] = ()
        self._max_height = 10_000
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_sections(self, sections: Sequence[LegendSection]) -> None:
        self._sections = tuple(s for s in sections if s.entries)
        self.resize(self.sizeHint())
        self.updateGeometry()
        self.update()

    def sections(self) -> tuple[LegendSection, ...]:
        return self._sections

    def set_max_height(self, height_px: int) -> None:
        """Sections go side by side when stacked they would be taller than this (a short map window)."""
        if height_px != self._max_height:
            self._max_height = height_px
            self.resize(self.sizeHint())
            self.update()

    def _rows_per_column(self, s: LegendSection) -> int:
        """Entries a column of this section holds: all of them, unless the section alone would be taller
        than the legend may be (60 collection rounds), when it wraps into columns."""
        title_font, body_font = self._fonts()
        tfm, bfm = QFontMetrics(title_font), QFontMetrics(body_font)
        row_h = max(bfm.height(), self.SWATCH_H) + self.LINE_GAP
        room = self._max_height - 2 * self.PAD - tfm.height() - 2
        return max(1, min(len(s.entries), room // row_h)) if s.entries else 1

    def _section_size(self, s: LegendSection) -> tuple[int, int]:
        title_font, body_font = self._fonts()
        tfm, bfm = QFontMetrics(title_font), QFontMetrics(body_font)
        row_h = max(bfm.height(), self.SWATCH_H) + self.LINE_GAP
        rows = self._rows_per_column(s)
        columns = -(-len(s.entries) // rows)
        column_w = max([0] + [self.SWATCH_W + 6 + bfm.horizontalAdvance(e.label) for e in s.entries])
        width = max(tfm.horizontalAdvance(s.title), columns * column_w + (columns - 1) * 2 * self.PAD)
        return width, tfm.height() + 2 + row_h * rows

    def _side_by_side(self) -> bool:
        stacked = sum(h + self.LINE_GAP for _, h in map(self._section_size, self._sections)) + 2 * self.PAD
        return stacked > self._max_height and len(self._sections) > 1

    def _origins(self) -> list[tuple[int, int]]:
        """Top-left corner of each section."""
        out, x, y = [], self.PAD, self.PAD
        side = self._side_by_side()
        for s in self._sections:
            out.append((x, y))
            w, h = self._section_size(s)
            if side:
                x += w + 3 * self.PAD
            else:
                y += h + self.LINE_GAP
        return out

    def _fonts(self) -> tuple[QFont, QFont]:
        body = QFont(self.font())
        body.setPointSizeF(max(8.0, body.pointSizeF() * 0.92))
        title = QFont(body)
        title.setBold(True)
        return title, body

    def sizeHint(self) -> QSize:
        if not self._sections:
            return QSize(0, 0)
        right = bottom = 0
        for (x, y), s in zip(self._origins(), self._sections):
            w, h = self._section_size(s)
            right, bottom = max(right, x + w), max(bottom, y + h)
        return QSize(right + self.PAD, bottom + self.PAD - self.LINE_GAP)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self._sections:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(PANEL_BORDER, 1))
        p.setBrush(PANEL_BG)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        title_font, body_font = self._fonts()
        tfm, bfm = QFontMetrics(title_font), QFontMetrics(body_font)
        row_h = max(bfm.height(), self.SWATCH_H) + self.LINE_GAP
        for (x0, y0), s in zip(self._origins(), self._sections):
            x, y = float(x0), float(y0)
            p.setFont(title_font)
            p.setPen(TEXT)
            p.drawText(QPointF(x, y + tfm.ascent()), s.title)
            y += tfm.height() + 2
            p.setFont(body_font)
            rows = self._rows_per_column(s)
            widest = max(bfm.horizontalAdvance(e.label) for e in s.entries)
            column_w = self.SWATCH_W + 6 + widest + 2 * self.PAD
            top = y
            for k, e in enumerate(s.entries):
                if k and k % rows == 0:  # next column
                    x, y = x + column_w, top
                swatch = QRectF(x, y + (row_h - self.LINE_GAP - self.SWATCH_H) / 2, self.SWATCH_W,
                                self.SWATCH_H)
                self._draw_swatch(p, swatch, e)
                p.setPen(TEXT)
                p.drawText(QPointF(x + self.SWATCH_W + 6, y + (row_h - self.LINE_GAP + bfm.ascent()
                                                                - bfm.descent()) / 2), e.label)
                y += row_h
        p.end()

    @staticmethod
    def _draw_swatch(p: QPainter, r: QRectF, e: LegendEntry) -> None:
        if e.kind == "fill":
            p.setPen(QPen(e.outline or QColor("#555555"), 1))
            p.setBrush(e.colour)
            p.drawRect(r.adjusted(1, 1, -1, -1))
        elif e.kind == "line":
            pen = QPen(e.colour, e.width_px)
            if e.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            if e.outline is not None:
                p.setPen(QPen(e.outline, e.width_px + 2))
                p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()))
            p.setPen(pen)
            p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()))
        elif e.pixmap is not None:
            dpr = e.pixmap.devicePixelRatio() or 1.0
            w, h = e.pixmap.width() / dpr, e.pixmap.height() / dpr
            p.drawPixmap(QPointF(r.center().x() - w / 2, r.center().y() - h / 2), e.pixmap)


def nice_length_m(max_m: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above max_m (a scale bar reads best in round numbers)."""
    if max_m <= 0 or not math.isfinite(max_m):
        return 0.0
    power = 10 ** math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * power <= max_m:
            return step * power
    return power


def format_length(m: float) -> str:
    if m >= 1000:
        km = m / 1000
        return f"{km:g} km"
    return f"{m:g} m"


class ScaleBar(QWidget):
    """A bar of a round length (1, 2 or 5 times a power of ten) for the map's current zoom."""

    TARGET_PX = 110

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._m_per_px = 1.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(self.sizeHint())

    def set_metres_per_pixel(self, m_per_px: float) -> None:
        if m_per_px > 0 and math.isfinite(m_per_px) and m_per_px != self._m_per_px:
            self._m_per_px = m_per_px
            self.update()

    def metres_per_pixel(self) -> float:
        return self._m_per_px

    def bar(self) -> tuple[float, float]:
        """(length in metres, length in pixels) of the bar as drawn now."""
        length_m = nice_length_m(self.TARGET_PX * self._m_per_px)
        return length_m, length_m / self._m_per_px

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        return QSize(self.TARGET_PX + 24, fm.height() + 22)

    def paintEvent(self, event) -> None:  # noqa: N802
        length_m, length_px = self.bar()
        if length_m <= 0:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(PANEL_BORDER, 1))
        p.setBrush(PANEL_BG)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        fm = QFontMetrics(self.font())
        x0 = (self.width() - length_px) / 2
        y = self.height() - 8.0
        path = QPainterPath()
        path.moveTo(x0, y - 6)
        path.lineTo(x0, y)
        path.lineTo(x0 + length_px, y)
        path.lineTo(x0 + length_px, y - 6)
        p.setPen(QPen(TEXT, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        text = format_length(length_m)
        p.drawText(QPointF((self.width() - fm.horizontalAdvance(text)) / 2, y - 9), text)
        p.end()
