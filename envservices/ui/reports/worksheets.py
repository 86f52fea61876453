"""Crew worksheets as PDF: one A4 page per crew-day that a crew can carry and write on.

Drawn with Qt's QPdfWriter and QPainter so the app needs no extra PDF library, and the small route map is
the same picture the supervisor saw. The page holds the crew, the date, the ordered visits with their times,
place and service, a tick box per visit, a small map of the route and ruled lines for notes.

Each visit says where without the office: the asset's name, the nearest named street and an OS grid reference
(10 m square), and when it is due in words relative to the sheet's week. Visits are numbered 1..n through the
crew-day, continuing across a second sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from envservices.domain.model import CrewDay, Plan, Stop, Visit
from envservices.errors import UserError
from envservices.reports.whereabouts import due_words, os_grid_reference

Point = tuple[float, float]

ROWS_PER_PAGE = 24
"""Rows (visits, tips, breaks) per sheet: each row has two lines (what and where); a longer crew-day
continues on a second sheet rather than becoming unreadable."""


@dataclass(frozen=True)
class PlanLookups:
    """Names and positions the plan refers to by id; built once by the screen from the services' data."""

    crew_names: Mapping[str, str] = field(default_factory=dict)
    place_names: Mapping[str, str] = field(default_factory=dict)
    service_names: Mapping[str, str] = field(default_factory=dict)
    task_points: Mapping[str, Point] = field(default_factory=dict)
    task_notes: Mapping[str, str] = field(default_factory=dict)
    site_points: Mapping[str, Point] = field(default_factory=dict)
    site_names: Mapping[str, str] = field(default_factory=dict)
    crew_depots: Mapping[str, str] = field(default_factory=dict)  # crew id -> depot site id
    default_depot_id: str | None = None
    crew_day_urls: Mapping[tuple[str, dt.date], str] = field(default_factory=dict)
    """(crew id, day) -> the link that opens that crew-day on a phone, printed as a QR code."""
    asset_names: Mapping[str, str] = field(default_factory=dict)
    task_streets: Mapping[str, str] = field(default_factory=dict)  # task id -> nearest named street
    task_windows: Mapping[str, tuple[dt.date, dt.date]] = field(default_factory=dict)  # task id -> due window
    road_lines: tuple[tuple[Point, ...], ...] = ()  # for the mini-map

    def grid_ref(self, task_id: str) -> str:
        point = self.task_points.get(task_id)
        if point is None:
            return ""
        try:
            return os_grid_reference(*point)
        except ValueError:
            return ""

    def where(self, visit: Visit) -> tuple[str, str]:
        """(what and place, street and grid reference) for a visit's two lines on a sheet."""
        asset = self.asset_names.get(visit.asset_id, "") if visit.asset_id else ""
        place = self.place(visit.place_id)
        first = f"{asset} · {place}" if asset else place
        second = " · ".join(x for x in (self.task_streets.get(visit.task_id, ""), self.grid_ref(visit.task_id)) if x)
        return first, second

    def crew(self, crew_id: str) -> str:
        return self.crew_names.get(crew_id, crew_id)

    def place(self, place_id: str) -> str:
        return self.place_names.get(place_id, place_id)

    def service(self, code: str) -> str:
        return self.service_names.get(code, code.replace("_", " "))

    def depot_point(self, crew_id: str) -> Point | None:
        depot = self.crew_depots.get(crew_id) or self.default_depot_id
        return self.site_points.get(depot) if depot else None


def hhmm(seconds: int) -> str:
    """Seconds from midnight as a clock time crews read, e.g. 07:45."""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{(seconds % 3600) // 60:02d}"


def ordered_events(crew_day: CrewDay) -> list[Visit | Stop]:
    """Visits and stops (tips, breaks) in the order they happen."""
    events: list[Visit | Stop] = [*crew_day.visits, *crew_day.stops]
    return sorted(events, key=lambda e: (e.start_s, 0 if isinstance(e, Stop) else 1))


def numbered_events(crew_day: CrewDay) -> list[tuple[int | None, Visit | Stop]]:
    """The crew-day's rows in order, visits numbered 1..n (tips and breaks unnumbered), so numbering runs on
    across sheets without gaps."""
    out: list[tuple[int | None, Visit | Stop]] = []
    number = 0
    for event in ordered_events(crew_day):
        if isinstance(event, Visit):
            number += 1
            out.append((number, event))
        else:
            out.append((None, event))
    return out


def week_start_of(week: str) -> dt.date | None:
    """Monday of an ISO week such as 2026-W49 (None when the text is not one)."""
    try:
        year, number = week.upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        return None


def route_points(crew_day: CrewDay, lookups: PlanLookups) -> list[Point]:
    """The route in BNG metres: depot, each visit and tip in order, back to the depot."""
    points: list[Point] = []
    depot = lookups.depot_point(crew_day.crew_id)
    if depot is not None:
        points.append(depot)
    for event in ordered_events(crew_day):
        if isinstance(event, Visit):
            point = lookups.task_points.get(event.task_id)
        elif event.kind == "tip" and event.site_id:
            point = lookups.site_points.get(event.site_id)
        else:
            point = None
        if point is not None:
            points.append(point)
    if depot is not None and len(points) > 1:
        points.append(depot)
    return points


def write_worksheets(path: str | Path, plan: Plan, lookups: PlanLookups) -> int:
    """Write one page per crew-day with visits (continuing only very long days); return the page count."""
    days = sorted(
        (cd for cd in plan.crew_days if cd.visits),
        key=lambda cd: (cd.day, lookups.crew(cd.crew_id)),
    )
    if not days:
        raise UserError("The plan has no visits to print: generate the plan first.")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Cannot write worksheets to {path}: {exc.strerror}.") from exc
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    writer.setTitle(f"Crew worksheets {plan.week}")
    writer.setCreator("envservices")
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise UserError(f"Cannot write worksheets to {path}: the file could not be opened.")
    pages = 0
    try:
        for crew_day in days:
            rows = numbered_events(crew_day)
            chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
            for part, chunk in enumerate(chunks):
                if pages:
                    writer.newPage()
                pages += 1
                _draw_page(painter, writer.resolution(), plan, crew_day, chunk, lookups, part, len(chunks), pages)
    finally:
        painter.end()
    return pages


class _Mm:
    """Millimetres to device pixels, so the layout reads like a paper form."""

    def __init__(self, resolution: int) -> None:
        self.k = resolution / 25.4

    def __call__(self, mm: float) -> float:
        return mm * self.k

    def rect(self, x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(self(x), self(y), self(w), self(h))


def _font(size_pt: float, bold: bool = False) -> QFont:
    font = QFont("Sans Serif")
    font.setPointSizeF(size_pt)
    font.setBold(bold)
    return font


def _draw_page(
    painter: QPainter,
    resolution: int,
    plan: Plan,
    crew_day: CrewDay,
    events: list[tuple[int | None, Visit | Stop]],
    lookups: PlanLookups,
    part: int,
    parts: int,
    page_number: int,
) -> None:
    mm = _Mm(resolution)
    left, right, width = 15.0, 195.0, 180.0
    ink = QColor("#1a1a1a")
    grey = QColor("#6b6b6b")
    painter.setPen(QPen(ink, mm(0.2)))

    # header
    painter.setFont(_font(18, bold=True))
    painter.drawText(mm.rect(left, 12, 110, 10), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     lookups.crew(crew_day.crew_id))
    painter.setFont(_font(12))
    title = crew_day.day.strftime("%A %d %B %Y")
    if parts > 1:
        title += f"  (sheet {part + 1} of {parts})"
    painter.drawText(mm.rect(left, 22, 110, 7), Qt.AlignmentFlag.AlignLeft, title)
    painter.setFont(_font(9))
    painter.setPen(grey)
    visits = crew_day.visits
    summary = [
        f"Week {plan.week}",
        f"Leave depot {hhmm(crew_day.depart_s)}, back {hhmm(crew_day.return_s)} ({crew_day.hours:.1f} h)",
        f"{len(visits)} visits, {crew_day.travel_m / 1000:.1f} km travel",
    ]
    if crew_day.locked:
        summary.append("Day locked by the supervisor")
    for i, line in enumerate(summary):
        painter.drawText(mm.rect(left, 31 + i * 5, 110, 5), Qt.AlignmentFlag.AlignLeft, line)

    # map
    map_rect = mm.rect(130, 12, 65, 50)
    draw_route_map(painter, map_rect, route_points(crew_day, lookups), pen_width=mm(0.5), marker=mm(1.6),
                   roads=lookups.road_lines)

    url = lookups.crew_day_urls.get((crew_day.crew_id, crew_day.day))
    if url:  # the crew opens this day on a phone from here
        from envservices.reports.qr import qr_png

        painter.drawImage(mm.rect(104, 40, 24, 24), QImage.fromData(qr_png(url)))

    # visits table: two lines a row, what and where above, street, grid reference and due window below
    top = 68.0
    columns = [("#", 7), ("Arrive", 12), ("Work", 20), ("Where", 68), ("Service", 36), ("Done", 10), ("Note", 27)]
    row_h = 7.0
    week_start = week_start_of(plan.week)
    painter.setPen(QPen(ink, mm(0.2)))
    painter.setFont(_font(8.5, bold=True))
    x = left
    for header, w in columns:
        painter.drawText(mm.rect(x + 1, top, w - 1, 6), Qt.AlignmentFlag.AlignVCenter, header)
        x += w
    painter.drawLine(QPointF(mm(left), mm(top + 6)), QPointF(mm(right), mm(top + 6)))
    main_font, small_font = _font(8), _font(6.5)
    y = top + 6
    for number, event in events:
        if isinstance(event, Visit):
            where, street = lookups.where(event)
            window = lookups.task_windows.get(event.task_id)
            due = due_words(*window, week_start) if window and week_start else ""
            cells = [
                (str(number), ""),
                (hhmm(event.arrive_s), ""),
                (f"{hhmm(event.start_s)}-{hhmm(event.end_s)}", ""),
                (where, street),
                (lookups.service(event.service) + (" (pinned)" if event.pinned else ""), due),
                ("", ""),
                (lookups.task_notes.get(event.task_id, ""), ""),
            ]
            colour = ink
        else:
            if event.kind == "tip":
                label = "Tip: " + lookups.site_names.get(event.site_id or "", "unload")
            else:
                label = "Break"
            cells = [("", ""), (hhmm(event.start_s), ""), (f"{hhmm(event.start_s)}-{hhmm(event.end_s)}", ""),
                     (label, ""), ("", ""), ("", ""), ("", "")]
            colour = grey
        x = left
        for (header, w), (text, below) in zip(columns, cells, strict=True):
            if header == "Done" and isinstance(event, Visit):
                painter.setPen(ink)
                box = 3.5
                painter.drawRect(mm.rect(x + 3, y + (row_h - box) / 2, box, box))
            elif header == "Note" and text:
                painter.setPen(colour)
                painter.setFont(small_font)
                painter.drawText(mm.rect(x + 1, y + 0.3, w - 2, row_h - 0.6),
                                 int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
                                 | int(Qt.TextFlag.TextWordWrap), text)
            else:
                for line, font, pen, dy in ((text, main_font, colour, 0.4), (below, small_font, grey, 3.8)):
                    if not line:
                        continue
                    painter.setFont(font)
                    painter.setPen(pen)
                    cell = mm.rect(x + 1, y + dy, w - 2, 3.4)
                    elided = painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, int(cell.width()))
                    painter.drawText(cell, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)
            x += w
        y += row_h
        painter.setPen(QPen(QColor("#d0d0d0"), mm(0.15)))
        painter.drawLine(QPointF(mm(left), mm(y)), QPointF(mm(right), mm(y)))

    # notes
    painter.setPen(ink)
    notes_top = 245.0
    painter.setFont(_font(10, bold=True))
    painter.drawText(mm.rect(left, notes_top, width, 6), Qt.AlignmentFlag.AlignLeft,
                     "Notes (work missed and why, fly-tips, hazards)")
    painter.setPen(QPen(QColor("#9a9a9a"), mm(0.2)))
    for i in range(1, 6):
        line_y = notes_top + 6 + i * 7
        painter.drawLine(QPointF(mm(left), mm(line_y)), QPointF(mm(right), mm(line_y)))

    # footer
    painter.setPen(grey)
    painter.setFont(_font(7))
    printed = dt.date.today().isoformat()
    painter.drawText(mm.rect(left, 286, width, 5), Qt.AlignmentFlag.AlignLeft,
                     f"envservices · plan {plan.id} · printed {printed}")
    painter.drawText(mm.rect(left, 286, width, 5), Qt.AlignmentFlag.AlignRight, f"page {page_number}")


def draw_route_map(
    painter: QPainter, rect: QRectF, points: list[Point], *, pen_width: float = 2.0, marker: float = 5.0,
    roads: tuple[tuple[Point, ...], ...] = (),
) -> None:
    """A small map of a route: north up, equal scale both ways, the streets around it in grey, depot as a
    square, stops as circles."""
    painter.save()
    painter.setPen(QPen(QColor("#9a9a9a"), max(pen_width / 3, 1.0)))
    painter.setBrush(QBrush(QColor("#f4f6f2")))
    painter.drawRect(rect)
    if len(points) < 1:
        painter.restore()
        return
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 50.0)
    inner = rect.adjusted(marker * 2, marker * 2, -marker * 2, -marker * 2)
    scale = min(inner.width(), inner.height()) / span
    cx = (max(xs) + min(xs)) / 2
    cy = (max(ys) + min(ys)) / 2

    def to_view(p: Point) -> QPointF:
        return QPointF(inner.center().x() + (p[0] - cx) * scale, inner.center().y() - (p[1] - cy) * scale)

    if roads:
        # streets first, clipped to the box: only lines whose bounds meet the map's extent are drawn
        half_w, half_h = inner.width() / scale / 2 + marker * 2 / scale, inner.height() / scale / 2 + marker * 2 / scale
        x0_m, x1_m, y0_m, y1_m = cx - half_w, cx + half_w, cy - half_h, cy + half_h
        painter.setClipRect(rect)
        painter.setPen(QPen(QColor("#c8c8c8"), max(pen_width / 2, 1.0)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for line in roads:
            lx = [p[0] for p in line]
            ly = [p[1] for p in line]
            if max(lx) < x0_m or min(lx) > x1_m or max(ly) < y0_m or min(ly) > y1_m:
                continue
            street = QPainterPath(to_view(line[0]))
            for p in line[1:]:
                street.lineTo(to_view(p))
            painter.drawPath(street)
        painter.setClipping(False)
    path = QPainterPath(to_view(points[0]))
    for p in points[1:]:
        path.lineTo(to_view(p))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor("#2b6cb0"), pen_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    painter.drawPath(path)
    painter.setPen(QPen(QColor("#1a365d"), pen_width / 2))
    painter.setBrush(QBrush(QColor("#ffffff")))
    for p in points[1:-1] if len(points) > 2 else points[1:]:
        painter.drawEllipse(to_view(p), marker, marker)
    painter.setBrush(QBrush(QColor("#c05621")))
    depot = to_view(points[0])
    painter.drawRect(QRectF(depot.x() - marker * 1.2, depot.y() - marker * 1.2, marker * 2.4, marker * 2.4))
    # scale bar: a round distance about a quarter of the box wide
    target_m = span / 4
    nice = min((1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000),
               key=lambda m: abs(m - target_m))
    bar = nice * scale
    y = rect.bottom() - marker * 1.5
    x0 = rect.left() + marker * 1.5
    painter.setPen(QPen(QColor("#333333"), pen_width / 2))
    painter.drawLine(QPointF(x0, y), QPointF(x0 + bar, y))
    font = QFont(painter.font())
    font.setPointSizeF(6)
    painter.setFont(font)
    label = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice} m"
    painter.drawText(QPointF(x0 + bar + marker, y + marker / 2), label)
    painter.restore()


def plan_csv_rows(plan: Plan, lookups: PlanLookups) -> list[dict[str, str]]:
    """The plan as flat rows for a spreadsheet: one per visit, in route order."""
    rows: list[dict[str, str]] = []
    for crew_day in sorted(plan.crew_days, key=lambda cd: (cd.day, lookups.crew(cd.crew_id))):
        order = 0
        for event in ordered_events(crew_day):
            if not isinstance(event, Visit):
                continue
            order += 1
            point = lookups.task_points.get(event.task_id)
            rows.append(
                {
                    "week": plan.week,
                    "day": crew_day.day.isoformat(),
                    "weekday": crew_day.day.strftime("%A"),
                    "crew_id": crew_day.crew_id,
                    "crew": lookups.crew(crew_day.crew_id),
                    "order": str(order),
                    "task_id": event.task_id,
                    "place_id": event.place_id,
                    "place": lookups.place(event.place_id),
                    "service": lookups.service(event.service),
                    "asset_id": event.asset_id or "",
                    "asset": lookups.asset_names.get(event.asset_id, "") if event.asset_id else "",
                    "street": lookups.task_streets.get(event.task_id, ""),
                    "grid_ref": lookups.grid_ref(event.task_id),
                    "arrive": hhmm(event.arrive_s),
                    "start": hhmm(event.start_s),
                    "end": hhmm(event.end_s),
                    "duration_min": f"{(event.end_s - event.start_s) / 60:.0f}",
                    "easting_m": f"{point[0]:.1f}" if point else "",
                    "northing_m": f"{point[1]:.1f}" if point else "",
                    "pinned": "yes" if event.pinned else "no",
                    "locked": "yes" if crew_day.locked else "no",
                    "status": event.status.value,
                }
            )
    return rows


CSV_COLUMNS: tuple[str, ...] = (
    "week", "day", "weekday", "crew_id", "crew", "order", "task_id", "place_id", "place", "service", "asset_id",
    "asset", "street", "grid_ref", "arrive", "start", "end", "duration_min", "easting_m", "northing_m", "pinned", "locked", "status",
)


def write_plan_csv(path: str | Path, plan: Plan, lookups: PlanLookups) -> int:
    """Write the plan as CSV (UTF-8 with a BOM so Excel reads '£' and names right); return the row count."""
    rows = plan_csv_rows(plan, lookups)
    try:
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(CSV_COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise UserError(f"Cannot write the plan to {path}: {exc.strerror}.") from exc
    return len(rows)
