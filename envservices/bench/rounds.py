"""Round design on the demo: today's residual rounds against the re-drawn ones, as a benchmark row.

Why: the CARP and PVRP-IF figures say how good the routing is on clean instances; this says what a
round review would give a council of the demo's kind (crew-days, paid crew hours, km) for how many
households changing day, and how long the design takes.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from envservices.bench.district import _peak_memory_mb


def run_rounds(scale: float, stream: str, max_change: float, time_limit_s: float, seed: int = 1) -> dict:
    from envservices import services
    from envservices.services import rounds

    with tempfile.TemporaryDirectory() as tmp:
        db = services.open_db(str(Path(tmp) / "rounds.sqlite"))
        try:
            started = time.perf_counter()
            services.district.create_demo(db, seed=seed, scale=scale, households=True)
            build_s = time.perf_counter() - started
            design = rounds.design_rounds(db, stream, max_change=max_change, time_limit_s=time_limit_s, seed=seed)
        finally:
            db.dispose()
    table = {row["measure"]: row for row in design.table}
    crew = next(v for k, v in table.items() if k.startswith("crew hours"))
    changed = table["households changing day"]
    return {
        "instance": f"demo x{scale:g} {stream}", "solver": "envservices",
        "vehicles": table["vehicles on the busiest day"]["new"], "cost": round(crew["new"], 1),
        "bks_cost": None, "gap_pct": None, "seconds": round(design.result.seconds, 1),
        "build_s": round(build_s, 1),
        "crew_days_today": table["rounds (crew-days a cycle)"]["today"],
        "crew_days": table["rounds (crew-days a cycle)"]["new"],
        "crew_hours_today": round(crew["today"], 1), "crew_hours": round(crew["new"], 1),
        "crew_hours_change_pct": round(crew["change_pct"], 1),
        "vehicle_hours_change_pct": round(table["vehicle hours"]["change_pct"], 1),
        "km_today": round(table["km"]["today"], 1), "km": round(table["km"]["new"], 1),
        "households_changed_pct": round(changed["change_pct"], 1),
        "peak_memory_mb": round(_peak_memory_mb()),
    }
