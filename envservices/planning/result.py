"""A plan's key figures as a typed value: what the engine promises to report, with units in the names.

`PlanResult.kpis` stays a plain dict (stored as JSON with the plan, read by the board and the simulation);
`PlanKpis` is how the engine fills it and how a caller reads it back without guessing keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class PlanKpis:
    crew_hours: float
    travel_km: float
    overtime_h: float
    visits: int
    unplanned: int
    unplanned_urgent: int
    forecast_failures: int  # work due this week left out
    cost: float  # crew hours, km and fixed crew-day costs (no penalties)
    together_split: int
    crew_hours_spread: float  # between the crews that work, when crew-days cost
    solver: str
    crew_days: int = 0
    crews_released_by_day: tuple[int, ...] = ()  # crews free to work that day and not used
    crew_days_released: int = 0
    crews_released_week: int = 0
    crews_released: tuple[str, ...] = ()  # crew ids not used all week
    fewest_crews: int | None = None  # with `plan --fewest-crews`: the crews the week needs
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items()
               if k != "extra" and not (k == "fewest_crews" and v is None)}
        out["crews_released_by_day"] = list(self.crews_released_by_day)
        out["crews_released"] = list(self.crews_released)
        return out | self.extra

    @classmethod
    def from_dict(cls, kpis: dict) -> PlanKpis:
        """Back from a stored plan's dict; keys this version does not know are kept in `extra`."""
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in kpis.items() if k in known}
        for k in ("crews_released_by_day", "crews_released"):
            if k in values:
                values[k] = tuple(values[k])
        defaults = {"crew_hours": 0.0, "travel_km": 0.0, "overtime_h": 0.0, "visits": 0, "unplanned": 0,
                    "unplanned_urgent": 0, "forecast_failures": 0, "cost": 0.0, "together_split": 0,
                    "crew_hours_spread": 0.0, "solver": ""}
        return cls(**(defaults | values), extra={k: v for k, v in kpis.items() if k not in known})
