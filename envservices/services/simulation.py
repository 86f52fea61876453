"""Season simulation on the district held in the database (or the demo when it is empty)."""

from __future__ import annotations

import datetime as dt

from envservices.errors import UserError


def load_district(db):
    """The database's district as the plain bundle the simulation and the comparison read."""
    from envservices.demo.district import DemoDistrict

    with db.unit_of_work() as uow:
        if not uow.areas.count():
            return None
        return DemoDistrict(
            areas=tuple(uow.areas.list()), places=tuple(uow.places.list()), assets=tuple(uow.assets.list()),
            sites=tuple(uow.sites.list()), roads=tuple(uow.roads.list()), vehicles=tuple(uow.vehicles.list()),
            crews=tuple(uow.crews.list()), rota=tuple(uow.rota.list()),
            observations=tuple(uow.observations.list()), calendar_days=tuple(uow.calendar.list()),
            closed_periods=tuple(uow.closed_periods.list()),
        )


def district_or_demo(db, seed: int = 1):
    from envservices.demo.district import build_demo_district

    return load_district(db) or build_demo_district(seed=seed)


def _parse_start(start: str | dt.date | None) -> dt.date | None:
    if start is None or isinstance(start, dt.date):
        return start
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise UserError(f"'{start}' is not a date; write it like 2026-05-04") from None
    if day.weekday() != 0:
        raise UserError(f"a season starts on a Monday; {day:%d %B %Y} is a {day:%A}")
    return day


def simulate(db, *, weeks: int = 12, regime: str = "needs", area: str | None = None, seed: int = 1,
             start: str | dt.date | None = None, time_limit_s: float | None = None, progress=None,
             cold_start: bool = False) -> dict:
    """Run a seeded season under one regime and return its figures as plain data."""
    from envservices.simulation.season import run_season

    with db.unit_of_work() as uow:
        settings = uow.settings.load()
    district = district_or_demo(db, seed)
    kwargs = {} if time_limit_s is None else {"time_limit_s": time_limit_s}
    result = run_season(district, regime=regime, weeks=weeks, start=_parse_start(start), area=area, seed=seed,
                        progress=progress, settings=settings, cold_start=cold_start, **kwargs)
    return result.to_json()


def describe(result: dict) -> str:
    f = result["failures"]
    lines = [
        f"Regime {result['regime']}, {result['weeks']} week{'' if result['weeks'] == 1 else 's'}:",
        f"  crew hours {result['crew_hours']:.1f}, travel {result['travel_km']:.1f} km",
        (f"  bin overflow days {f['bin_overflow_days']}, grass over height days {f['grass_over_height_days']}, "
         f"litter C/D beyond response {f['litter_cd_beyond_response']}"),
    ]
    for key in ("cost", "co2_kg", "visits", "forecast_mae_days"):
        if result.get(key) is not None:
            value = result[key]
            lines.append(f"  {key.replace('_', ' ')}: {value:.1f}" if isinstance(value, float)
                         else f"  {key.replace('_', ' ')}: {value}")
    for measure, by in (result.get("forecast_mae_by_readings") or {}).items():
        buckets = ", ".join(f"{bucket} readings {mae:.2f}" for bucket, mae in by.items())
        lines.append(f"  forecast error (days) for {measure.replace('_', ' ')}: {buckets}")
    return "\n".join(lines)
