"""The rules a council can change: thresholds, response times, durations, costs, and the service catalogue.

Defaults come from the field's common practice (see DOMAIN.md); the stored copy in the database wins, so one
shared database gives every depot the same rules. Stored as a flat mapping of dotted keys to numbers.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from envservices.domain.limits import check_settings
from envservices.domain.model import AssetKind, CoordinationRule, IntensityZone, ServiceType, Skill
from envservices.errors import UserError

HOLIDAY_RULES = ("next_working_day", "saturday", "skip")
"""What rota work on a bank holiday does: the next working day, the Saturday of that week, or nothing."""
BIRD_NESTING_FREE_MONTHS = (1, 2, 9, 10, 11, 12)
"""Hedges are not cut March to August, the bird-nesting season (Wildlife and Countryside Act guidance)."""


@dataclass(frozen=True)
class Settings:
    # need: intervention levels
    bin_intervention_pct: float = 80.0
    """Empty a bin once it is forecast to pass this fill level."""
    bin_overflow_pct: float = 100.0
    """A bin at or over this is overflowing: a service failure."""
    grass_cut_mm: float = 75.0
    """Amenity grass is cut when it grows over this height."""
    grass_cut_to_mm: float = 35.0
    """Height of amenity grass straight after a cut."""
    grass_failure_mm: float = 100.0
    """Grass over this is 'long grass': a service failure."""
    grass_season_start_month: int = 3
    grass_season_end_month: int = 10
    # litter: response time by intensity-of-use zone, in hours (Code of Practice)
    response_high_h: float = 12.0
    response_medium_h: float = 24.0
    response_low_h: float = 14 * 24.0
    response_very_low_h: float = 28 * 24.0
    # durations
    bin_empty_s: float = 180.0
    litter_pick_s_per_100m_high: float = 30 * 60.0
    litter_pick_s_per_100m_medium: float = 20 * 60.0
    litter_pick_s_per_100m_low: float = 12 * 60.0
    litter_pick_s_per_100m_very_low: float = 10 * 60.0
    mow_ride_on_m2_per_h: float = 3000.0
    mow_pedestrian_m2_per_h: float = 750.0
    mechanical_sweep_km_per_h: float = 4.0
    site_setup_s: float = 300.0
    # travel and cost
    speed_kph: float = 30.0
    """Fallback travel speed when no road network is loaded."""
    circuity: float = 1.3
    """Straight-line distance times this approximates road distance when no network is loaded."""
    cost_per_crew_hour: float = 62.0
    cost_per_km: float = 0.45
    co2_kg_per_km: float = 0.27
    fuel_l_per_km: float = 0.11
    overtime_multiplier: float = 1.5
    cost_per_crew_day: float = 150.0
    """Fixed cost of each crew-day worked, whatever its length (a post's day, mobilising, the minimum paid
    day): it makes the plan put a light week's work on fewer crews so the rest can be released."""
    cost_per_vehicle_day: float = 45.0
    """Fixed cost of each vehicle-day used (lease, insurance, a vehicle check), counted with the crew-day."""
    agency_cost_per_hour: float = 48.0
    """What an agency operative's hour costs, for the remedies `envservices capacity` names."""
    overtime_max_h_per_day: float = 2.0
    """Overtime a crew may be asked for on one day, for the remedies `envservices capacity` names."""
    rules: tuple[CoordinationRule, ...] = field(
        default=(
            CoordinationRule("before", "litter_pick", "mow"),
            CoordinationRule("within", "verge_cut", "mech_sweep", max_days=1),
            CoordinationRule("together"),
        )
    )
    catalogue: tuple[ServiceType, ...] = ()
    """The council's stored service catalogue; empty: the defaults below, timed from these settings."""

    def __post_init__(self) -> None:
        for name in ("cost_per_crew_day", "cost_per_vehicle_day"):
            value = getattr(self, name)
            if not value > 0:
                raise UserError(f"setting '{name}' must be more than 0, not {value!r}")

    def response_h(self, zone: IntensityZone) -> float:
        return {
            IntensityZone.HIGH: self.response_high_h,
            IntensityZone.MEDIUM: self.response_medium_h,
            IntensityZone.LOW: self.response_low_h,
            IntensityZone.VERY_LOW: self.response_very_low_h,
        }[zone]

    def litter_pick_s_per_100m(self, zone: IntensityZone) -> float:
        return {
            IntensityZone.HIGH: self.litter_pick_s_per_100m_high,
            IntensityZone.MEDIUM: self.litter_pick_s_per_100m_medium,
            IntensityZone.LOW: self.litter_pick_s_per_100m_low,
            IntensityZone.VERY_LOW: self.litter_pick_s_per_100m_very_low,
        }[zone]

    def services(self) -> dict[str, ServiceType]:
        """The service catalogue: the council's stored one, else the defaults timed from these settings."""
        if self.catalogue:
            return {s.code: s for s in self.catalogue}
        return self.default_services()

    def default_services(self) -> dict[str, ServiceType]:
        """Today's default catalogue, with durations taken from these settings."""
        grass_months = tuple(range(self.grass_season_start_month, self.grass_season_end_month + 1))
        per_100m = self.litter_pick_s_per_100m_medium / 100.0
        return {
            s.code: s
            for s in (
                ServiceType("empty_bin", "Empty bin", Skill.BIN_EMPTY,
                            (AssetKind.LITTER_BIN, AssetKind.DOG_BIN, AssetKind.RECYCLING_BIN),
                            fixed_s=self.bin_empty_s, unit="each", trigger="bin_fill",
                            trigger_level=self.bin_intervention_pct),
                ServiceType("litter_pick", "Litter pick", Skill.LITTER_PICK,
                            (AssetKind.STREET_LENGTH, AssetKind.GRASS_AREA, AssetKind.VERGE),
                            fixed_s=120, per_unit_s=per_100m, unit="m", trigger="litter_grade", trigger_level=2.0),
                ServiceType("mow", "Mow grass", Skill.MOWING, (AssetKind.GRASS_AREA,), equipment="mower",
                            fixed_s=self.site_setup_s, per_unit_s=3600.0 / self.mow_ride_on_m2_per_h, unit="m2",
                            pedestrian_per_unit_s=3600.0 / self.mow_pedestrian_m2_per_h, trigger="grass_height",
                            trigger_level=self.grass_cut_mm, months=grass_months),
                ServiceType("verge_cut", "Cut verge", Skill.STRIMMING, (AssetKind.VERGE,), equipment="strimmer",
                            fixed_s=self.site_setup_s, per_unit_s=3600.0 / 1500.0, unit="m", months=grass_months),
                ServiceType("mech_sweep", "Mechanical sweep", Skill.MECHANICAL_SWEEP, (AssetKind.STREET_LENGTH,),
                            equipment="sweeper", fixed_s=120,
                            per_unit_s=3600.0 / (self.mechanical_sweep_km_per_h * 1000.0), unit="m"),
                ServiceType("hedge_cut", "Cut hedge", Skill.HEDGE, (AssetKind.HEDGE,), equipment="hedge_cutter",
                            fixed_s=self.site_setup_s, per_unit_s=20.0, unit="m", months=BIRD_NESTING_FREE_MONTHS),
                ServiceType("shrub_bed", "Maintain shrub bed", Skill.SHRUB, (AssetKind.SHRUB_BED,),
                            fixed_s=self.site_setup_s, per_unit_s=6.0, unit="m2"),
                ServiceType("fly_tip", "Clear fly-tip", Skill.FLY_TIP, (), fixed_s=1800, unit="each",
                            volume_l_per_unit=500.0),
                ServiceType("inspect", "Inspect place", Skill.LITTER_PICK, (), fixed_s=1200, unit="each"),
            )
        }

    def to_mapping(self) -> dict[str, float]:
        """Flat numbers for storage (rules and catalogue are derived, not stored)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), (int, float))
        }

    def check(self) -> None:
        """Refuse a value outside its plausible range (domain/limits.py), naming the setting and the range."""
        check_settings(self.to_mapping())

    @classmethod
    def from_mapping(cls, values: dict[str, object]) -> Settings:
        """Build from stored values, ignoring unknown keys and refusing values of the wrong type or outside
        their plausible range (ValueError naming the setting)."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, object] = {}
        for key, raw in values.items():
            if key not in known or key in ("rules", "catalogue"):
                continue
            default = getattr(cls(), key)
            try:
                if isinstance(raw, bool):
                    raise TypeError(raw)
                number = float(raw)  # type: ignore[arg-type]
                if isinstance(default, int) and not (math.isfinite(number) and number.is_integer()):
                    raise ValueError(raw)
                kwargs[key] = type(default)(number)
            except (TypeError, ValueError, OverflowError) as exc:
                raise ValueError(f"setting '{key}' must be a number, not {raw!r}") from exc
        settings = cls(**kwargs)
        try:
            settings.check()
        except UserError as exc:
            raise ValueError(str(exc)) from None
        return settings


DEFAULT_SETTINGS = Settings()
