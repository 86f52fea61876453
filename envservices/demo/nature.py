"""How need builds up in the demo world: grass growth, bin filling and litter, as pure functions.

The demo history and the simulation both use these, so a needs model learnt from the demo's observations can
be checked against the truth that made them. Every function depends only on its arguments (the date enters
through its day of year and weekday), never on a clock or a random generator.
"""

from __future__ import annotations

import datetime as dt
import math

from envservices.domain.model import Grade, IntensityZone

GRASS_PEAK_DOY = 145
"""Day of year of the spring flush (late May): amenity grass grows fastest then."""
GRASS_PEAK_MM_PER_DAY = 3.2
GRASS_PEAK_WIDTH_DAYS = 35.0
GRASS_AUTUMN_DOY = 255
"""A smaller autumn flush in mid September, after the summer dip, as UK grass growth curves show."""
GRASS_AUTUMN_MM_PER_DAY = 1.3
GRASS_AUTUMN_WIDTH_DAYS = 30.0
GRASS_WINTER_MM_PER_DAY = 0.1
"""Grass barely grows from November to February (soil below about 5 C)."""

BIN_WEEKDAY_FACTOR = (0.88, 0.88, 0.92, 0.97, 1.08, 1.25, 1.02)
"""Monday..Sunday use of a litter bin relative to its weekly mean: Fridays and Saturdays are busiest."""
BIN_SUMMER_SWING = 0.15
"""Bins fill this much faster at the height of summer (and slower in midwinter) than on average."""
BIN_SUMMER_PEAK_DOY = 200

LITTER_LOAD_PER_DAY = {
    IntensityZone.HIGH: 0.9,
    IntensityZone.MEDIUM: 0.35,
    IntensityZone.LOW: 0.15,
    IntensityZone.VERY_LOW: 0.07,
}
"""Typical litter load (grade units) a street gains per day, by intensity-of-use zone."""

LITTER_GRADE_UPPER_LOAD = (
    (Grade.A, 0.4),
    (Grade.B_PLUS, 1.2),
    (Grade.B, 2.5),
    (Grade.B_MINUS, 4.0),
    (Grade.C, 6.5),
)
"""A street's litter load below each bound gets that grade; above the last it is grade D."""


def _day_gap(a: float, b: float) -> float:
    """Days between two days of the year, the short way round the year."""
    d = abs(a - b) % 365.25
    return min(d, 365.25 - d)


def grass_growth_mm_per_day(date: dt.date) -> float:
    """Growth of amenity grass on an average site (site factor 1) on this day of the year, in mm per day.

    A spring flush peaking in late May (about 3.2 mm/day), a dip in high summer, a smaller autumn flush in
    September and near nothing from November to February. Multiply by a site's growth factor.
    """
    doy = date.timetuple().tm_yday
    spring = GRASS_PEAK_MM_PER_DAY * math.exp(
        -0.5 * (_day_gap(doy, GRASS_PEAK_DOY) / GRASS_PEAK_WIDTH_DAYS) ** 2
    )
    autumn = GRASS_AUTUMN_MM_PER_DAY * math.exp(
        -0.5 * (_day_gap(doy, GRASS_AUTUMN_DOY) / GRASS_AUTUMN_WIDTH_DAYS) ** 2
    )
    return GRASS_WINTER_MM_PER_DAY + spring + autumn


def bin_fill_pct_per_day(base_rate: float, date: dt.date) -> float:
    """How much of a bin fills on this date, in % of its capacity, for a bin whose mean rate is base_rate.

    base_rate is the bin's year-round mean percent per day; the weekday factor (busy Fridays and Saturdays)
    averages to one over a week and the summer swing to one over a year.
    """
    doy = date.timetuple().tm_yday
    season = 1.0 + BIN_SUMMER_SWING * math.cos(2.0 * math.pi * (doy - BIN_SUMMER_PEAK_DOY) / 365.25)
    return base_rate * BIN_WEEKDAY_FACTOR[date.weekday()] * season


def litter_load_per_day(zone: IntensityZone) -> float:
    """Typical daily litter load gained by a street in this zone (busier zones slip faster)."""
    return LITTER_LOAD_PER_DAY[zone]


def litter_grade(load: float) -> Grade:
    """The Code of Practice grade a surveyor would give a street carrying this litter load."""
    for grade, upper in LITTER_GRADE_UPPER_LOAD:
        if load < upper:
            return grade
    return Grade.D


__all__ = [
    "BIN_WEEKDAY_FACTOR",
    "LITTER_GRADE_UPPER_LOAD",
    "LITTER_LOAD_PER_DAY",
    "bin_fill_pct_per_day",
    "grass_growth_mm_per_day",
    "litter_grade",
    "litter_load_per_day",
]
