"""Thematic colouring of places: by latest litter grade, by forecast need, by regime.

A theme is plain data (a colour per place and the classes for the legend), so the map canvas only paints and
the main window decides what to show. Colours follow ColorBrewer ramps that read well for colour-blind users.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from PySide6.QtGui import QColor

from envservices.domain import Area, Grade, Place, Regime

NO_DATA = QColor("#d9d9d9")
PLAIN = QColor("#e9e4d4")

GRADE_COLOURS: dict[Grade, QColor] = {
    Grade.A: QColor("#1a9850"),
    Grade.B_PLUS: QColor("#91cf60"),
    Grade.B: QColor("#d9ef8b"),
    Grade.B_MINUS: QColor("#fee08b"),
    Grade.C: QColor("#fc8d59"),
    Grade.D: QColor("#d73027"),
}

NEED_CLASSES: tuple[tuple[float, str, QColor], ...] = (
    (0.2, "little due", QColor("#ffffb2")),
    (0.4, "some due", QColor("#fecc5c")),
    (0.6, "due soon", QColor("#fd8d3c")),
    (0.8, "due this week", QColor("#f03b20")),
    (float("inf"), "overdue", QColor("#bd0026")),
)

REGIME_COLOURS: dict[Regime, QColor] = {Regime.ROTA: QColor("#8da0cb"), Regime.NEEDS: QColor("#fc8d62")}


@dataclass(frozen=True)
class Theme:
    """A colour for each place and the legend classes that explain them."""

    key: str
    title: str
    classes: tuple[tuple[str, QColor], ...]
    colour_by_place: Mapping[str, QColor] = field(default_factory=dict)
    default: QColor = field(default_factory=lambda: QColor(PLAIN))

    def colour(self, place_id: str) -> QColor:
        return self.colour_by_place.get(place_id, self.default)


def plain_theme() -> Theme:
    return Theme("none", "Places", (("place", PLAIN),))


def grade_theme(latest: Mapping[str, Grade]) -> Theme:
    """Latest litter grade per place: A green through D red; grey where no survey was made."""
    classes = tuple((g.value, c) for g, c in GRADE_COLOURS.items()) + (("no survey", NO_DATA),)
    return Theme("grade", "Latest litter grade", classes,
                 {pid: GRADE_COLOURS[g] for pid, g in latest.items()}, NO_DATA)


def need_class(score: float) -> tuple[str, QColor]:
    for upper, label, colour in NEED_CLASSES:
        if score < upper:
            return label, colour
    return NEED_CLASSES[-1][1], NEED_CLASSES[-1][2]


def need_theme(need_by_place: Mapping[str, float]) -> Theme:
    """Forecast need per place as a score 0 (nothing due) to 1 (overdue)."""
    classes = tuple((label, colour) for _, label, colour in NEED_CLASSES) + (("no forecast", NO_DATA),)
    return Theme("need", "Forecast need", classes,
                 {pid: need_class(score)[1] for pid, score in need_by_place.items()}, NO_DATA)


def regime_theme(places: Iterable[Place], areas: Iterable[Area]) -> Theme:
    """Which regime decides each place's work: the historic rota or observed need."""
    regime_of_area = {a.id: a.regime for a in areas}
    colours = {p.id: REGIME_COLOURS[regime_of_area.get(p.area_id, Regime.ROTA)] for p in places}
    classes = (("rota", REGIME_COLOURS[Regime.ROTA]), ("needs-based", REGIME_COLOURS[Regime.NEEDS]))
    return Theme("regime", "Regime", classes, colours, NO_DATA)
