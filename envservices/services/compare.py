"""Trial comparison for managers: recorded and simulated figures, needs against rota, before and after."""

from __future__ import annotations

from pathlib import Path

from envservices.errors import UserError


def compare_areas(db, *, weeks: int = 12, seed: int = 1, simulate: bool = True, time_limit_s: float | None = None,
                  progress=None, areas=None, seeds: int = 1, stop=None):
    """Per area and week: the figures recorded in the database and, with `simulate`, a seeded season under
    each regime on the same district, normalised per place and per asset."""
    from envservices.services.simulation import load_district
    from envservices.simulation.compare import compare_areas as compare

    if weeks < 1:
        raise UserError("compare needs at least one week")
    district = load_district(db)
    if district is None:
        raise UserError("the database holds no district to compare; build the demo or import places first")
    with db.unit_of_work() as uow:
        settings = uow.settings.load()
        plans = uow.plans.list()
    kwargs = {} if time_limit_s is None else {"time_limit_s": time_limit_s}

    def forward(step: int, steps: int, message: str) -> None:
        if progress is not None:
            progress(float(step), float(steps), message)

    if not 1 <= seeds <= 20:
        raise UserError("--seeds must be 1 to 20")
    return compare(district, plans=plans, simulate=simulate, weeks=weeks, seed=seed, settings=settings,
                   progress=forward, areas=areas, seeds=seeds, stop=stop, **kwargs)


def compare_areas_at(url: str, user: str | None = None, **kwargs):
    """`compare_areas` on the database at `url`: for a child process, which opens its own connection."""
    from envservices.storage.database import open_database

    db = open_database(url, upgrade=False, user=user)
    try:
        return compare_areas(db, **kwargs)
    finally:
        db.dispose()


def to_json(comparison) -> dict:
    return comparison.to_json()


def write_csv(comparison, path: Path) -> Path:
    return comparison.write_csv(path)


def write_charts(comparison, directory: Path) -> list[Path]:
    from envservices.simulation.charts import save_charts

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return save_charts(comparison, directory)


def describe(comparison) -> str:
    lines = []
    for h in comparison.headline():
        f = h["failures"]
        lines.append(
            f"{h['area']} over {h['weeks']} simulated weeks: crew hours needs {h['crew_hours']['needs']} "
            f"against rota {h['crew_hours']['rota']} ({h['crew_hours_saved_pct']} % saved); "
            f"travel km {h['travel_km']['needs']} against {h['travel_km']['rota']}")
        for key in f["needs"]:
            lines.append(f"    {key.replace('_', ' ')}: needs {f['needs'][key]}, rota {f['rota'][key]}")
        if h.get("crew_hours_saved_pct_band"):
            low, high = h["crew_hours_saved_pct_band"]
            lines.append(f"    over seeds {h['seeds']}: {low} % to {high} % of crew hours saved; needs had more "
                         f"failures than the rota in {h['seeds_with_more_failures_under_needs']} of them")
        if h.get("calibrated_from_records"):
            lines.append(f"    the simulated world was drawn from the district's own readings for "
                         f"{h['calibrated_from_records']} asset measures")
        if h.get("forecast_mae_days") is not None:
            lines.append(f"    forecast error (mean absolute, days): {h['forecast_mae_days']:.2f}")
    for s in comparison.summaries():
        means = ", ".join(f"{k.replace('_', ' ')} {v:.1f}" for k, v in sorted(s.mean_per_week.items()))
        lines.append(f"{s.area} {s.source} {s.period or ''} ({s.weeks} weeks): per week {means}")
    return "\n".join(lines) or "Nothing to compare yet."
