"""Plausibility ranges: the one table every importer, the survey parser and Settings check numbers against.

A value outside its range is not refused because it is impossible arithmetic but because no council asset,
crew or rule has it: a 1e308-litre litter bin or a site factor of -1 is a typing or export error, and once
stored it breaks every later plan (a hostile-input run found 1e308 l breaking `plan` with an OverflowError).
Ranges are generous on purpose (a 5,000-litre bin is a big communal Eurobin, a 40,000-litre vehicle a large
refuse collection vehicle); they catch nonsense, not unusual practice.

Geometry limits live here too: British National Grid's valid area, and the largest place or asset that is
still a place or an asset (a ward, not Great Britain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from envservices.domain.model import AssetKind
from envservices.errors import UserError

__all__ = [
    "ASSET_LIMITS",
    "BNG_VALID_AREA_M",
    "DEFAULT_FILE_LIMITS",
    "LIMITS",
    "MAX_ASSET_AREA_M2",
    "MAX_ASSET_LENGTH_M",
    "MAX_PLACE_AREA_M2",
    "NEAR_DISTRICT_M",
    "SETTING_LIMITS",
    "FileLimits",
    "Range",
    "capacity_range",
    "check",
    "check_settings",
]


@dataclass(frozen=True)
class Range:
    """An inclusive plausible range with its unit, as a person would write it."""

    low: float
    high: float
    unit: str = ""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, (int, float)) and math.isfinite(value) and self.low <= value <= self.high

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{_number(self.low)} to {_number(self.high)}{unit}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


LIMITS: dict[str, Range] = {
    # assets
    "site_factor": Range(0.1, 5.0),
    # roads and travel
    "speed_kph": Range(5.0, 130.0, "km/h"),
    # sites
    "unload_min": Range(1.0, 240.0, "minutes"),
    # crews and vehicles
    "vehicle_capacity_l": Range(50.0, 40_000.0, "l"),
    "shift_hours": Range(0.5, 16.0, "hours"),
    "break_min": Range(0.0, 180.0, "minutes"),
    # survey readings (an overflowing bin is recorded above 100 %, not beyond reason)
    "fill_pct": Range(0.0, 150.0, "%"),
    "height_mm": Range(0.0, 2_000.0, "mm"),
    "count": Range(0.0, 1_000.0),
}

ASSET_LIMITS: dict[AssetKind, Range] = {
    AssetKind.LITTER_BIN: Range(10.0, 5_000.0, "l"),
    AssetKind.DOG_BIN: Range(10.0, 1_100.0, "l"),
    AssetKind.RECYCLING_BIN: Range(10.0, 5_000.0, "l"),
}
"""Capacity of each kind of bin; other kinds have no capacity, and any given is held to the litter bin's."""

SETTING_LIMITS: dict[str, Range] = {
    "bin_intervention_pct": Range(1.0, 150.0, "%"),
    "bin_overflow_pct": Range(1.0, 200.0, "%"),
    "grass_cut_mm": Range(10.0, 1_000.0, "mm"),
    "grass_cut_to_mm": Range(5.0, 1_000.0, "mm"),
    "grass_failure_mm": Range(10.0, 2_000.0, "mm"),
    "grass_season_start_month": Range(1, 12),
    "grass_season_end_month": Range(1, 12),
    "response_high_h": Range(0.5, 24.0 * 365, "hours"),
    "response_medium_h": Range(0.5, 24.0 * 365, "hours"),
    "response_low_h": Range(0.5, 24.0 * 365, "hours"),
    "response_very_low_h": Range(0.5, 24.0 * 365, "hours"),
    "bin_empty_s": Range(10.0, 3_600.0, "s"),
    "litter_pick_s_per_100m_high": Range(10.0, 14_400.0, "s"),
    "litter_pick_s_per_100m_medium": Range(10.0, 14_400.0, "s"),
    "litter_pick_s_per_100m_low": Range(10.0, 14_400.0, "s"),
    "litter_pick_s_per_100m_very_low": Range(10.0, 14_400.0, "s"),
    "mow_ride_on_m2_per_h": Range(50.0, 50_000.0, "m2/h"),
    "mow_pedestrian_m2_per_h": Range(50.0, 50_000.0, "m2/h"),
    "mechanical_sweep_km_per_h": Range(0.5, 30.0, "km/h"),
    "site_setup_s": Range(0.0, 7_200.0, "s"),
    "speed_kph": LIMITS["speed_kph"],
    "circuity": Range(1.0, 5.0),
    "cost_per_crew_hour": Range(0.0, 10_000.0),
    "cost_per_km": Range(0.0, 1_000.0),
    "co2_kg_per_km": Range(0.0, 100.0),
    "fuel_l_per_km": Range(0.0, 100.0),
    "overtime_multiplier": Range(1.0, 5.0),
}

BNG_VALID_AREA_M = (0.0, 0.0, 700_000.0, 1_300_000.0)
"""(min E, min N, max E, max N): where British National Grid is defined; nothing in Great Britain lies outside."""
MAX_PLACE_AREA_M2 = 5_000.0 * 1e6
"""5,000 km2: bigger than any ward of the largest rural council; Great Britain (230,000 km2) is no place."""
MAX_ASSET_AREA_M2 = 20.0 * 1e6
"""20 km2: Richmond Park is 9.5 km2; a grass area or shrub bed over this is a mistake."""
MAX_ASSET_LENGTH_M = 100_000.0
"""100 km: a street length, verge or hedge longer than this is not one asset."""
NEAR_DISTRICT_M = 100_000.0
"""A file whose features all lie further than this from the council's places was read in the wrong
coordinate system (Irish Grid metres labelled EPSG:27700 land some 200 km away)."""


@dataclass(frozen=True)
class FileLimits:
    """How big a file the importers read before refusing it (`import --max-file-mb` raises the sizes).

    Measured before: an 8 MB one-line CSV with 4 million columns ran over 600 s at full CPU, and a 2.5 MB zip
    holding a 1.1 GB CSV reached MemoryError after 222 s at 7.4 GB. A council's largest layers (every
    street and bin of a county) are a few hundred MB.
    """

    max_file_mb: float = 1_000.0
    max_unzipped_mb: float = 1_000.0
    max_columns: int = 1_000
    max_line_kb: int = 1_000

    def raised_to(self, megabytes: float | None) -> FileLimits:
        if megabytes is None:
            return self
        if not math.isfinite(megabytes) or megabytes <= 0:
            raise UserError(f"--max-file-mb must be a positive number of megabytes, not {megabytes}")
        return FileLimits(megabytes, megabytes, self.max_columns, max(self.max_line_kb, int(megabytes)))


DEFAULT_FILE_LIMITS = FileLimits()


def capacity_range(kind: AssetKind) -> Range:
    return ASSET_LIMITS.get(kind, ASSET_LIMITS[AssetKind.LITTER_BIN])


def check(value: float, key: str, what: str | None = None, limits: Range | None = None) -> float:
    """The value if plausible; else ValueError with one sentence naming the field and its range."""
    rng = limits or LIMITS[key]
    if value not in rng:
        raise ValueError(f"'{what or key}' must be {rng.describe()}, not {_shown(value)}")
    return float(value)


def _shown(value: object) -> str:
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) >= 1e9):
        return repr(value)
    return _number(value) if isinstance(value, (int, float)) else repr(value)


def check_settings(values: dict[str, float]) -> None:
    """Refuse a settings mapping with a value outside its range (UserError naming the setting)."""
    for key, value in values.items():
        rng = SETTING_LIMITS.get(key)
        if rng is not None and value not in rng:
            raise UserError(f"setting '{key}' must be {rng.describe()}, not {_shown(value)}")
