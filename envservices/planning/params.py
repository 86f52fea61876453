"""The engine's tuning as one validated value (PyVRP's habit): weights of the objective's soft terms, the
split of the time between the engine's moves and PyVRP, and when a week is planned depot by depot."""

from __future__ import annotations

from dataclasses import dataclass, fields

from envservices.errors import UserError

SOLVER_NAME = "envservices insertion + local search"
MASTERS = ("auto", "engine", "cpsat")
BIG_TIME = 10**9  # an open end of a time window, in seconds


@dataclass(frozen=True)
class SolveParams:
    balance_weight: float = 20.0
    """Cost units per (hour of deviation from the crews' mean weekly hours)^2, at 60 per crew hour."""
    working_balance_weight: float = 0.5
    """The same when crew-days have a fixed cost: fairness then counts only the crews that work and weighs
    little, so it does not outbid releasing a crew-day (195). Demo needs week, 30 s: with 20 (and every crew
    counted) 48 crew-days for 199 crew hours; with 2, 26 for 180; with 0.5, 23 for 173."""
    penalty_keep: float = 10_000
    """Work at least this dear to leave out (routine and urgent) must find a place when a crew-day is emptied,
    and is still placed after the deadline when depots are joined."""
    eliminate_every: int = 150
    """Improvement moves between tries to empty one of the shortest crew-days (when crew-days cost)."""
    stability_weight: float = 15.0
    """Cost units per task done by a crew other than its place's previous team."""
    together_weight: float = 40.0
    """Cost units per extra crew-day a place's due tasks are split over."""
    insertion_tries: int = 8
    """Simulated candidate positions per insertion (ranked by detour)."""
    one_day_pyvrp_share: float = 0.85
    """Of the time left after the first plan, for PyVRP on a one-day problem."""
    week_improve_share: float = 0.45
    """Of the time left after the first plan: the engine moves work between days."""
    week_pyvrp_share: float = 0.35
    """Then PyVRP re-routes each day; the engine polishes in the rest."""
    week_day_slack_s: int = 1800
    """A week's crew-day may grow by this much in PyVRP's hands (fairness; not when crew-days cost)."""
    week_offer_min: int = 20
    """Work left out offered to PyVRP on a week's day: at least this many, or a third of the day."""
    decompose_above: int = 4000
    """Tasks; above this a week with several depots is planned depot by depot. The demo's rota week (2,854
    tasks, 2 depots, 30 s) as one problem: 1.65-1.67 crew hours per task hour, 40-42 crew-days; depot by
    depot: 1.70-1.71, 44-45 (2,500 before). A 6,000-task synthetic week still needs the split (62 left out
    against 312 as one problem, 300 s)."""
    split_work_share: float = 0.6
    """Share of a depot's crew time the depot split fills with task time before sending work to the
    next-nearest depot: the rest goes on travel, tips and slack (the demo's rota weeks travel about 38 %)."""

    piece_above: int = 3000
    """Tasks; a depot's part of a county-size week above this is planned day by day, and a day above it in
    areas of about this many tasks, each with its share of the day's crews (engine/pieces.py)."""
    processes: int = 0
    """Depot parts of a county-size week (travel computed per depot) planned at once in forked processes:
    0 for one per core, 1 to plan them in turn in this process."""
    master: str = "auto"
    """Who assigns the week's tasks to crew-days first: the engine's own insertion ("engine"), or CP-SAT
    (OR-Tools) over the whole week ("cpsat", engine/assign_cpsat.py), which the engine then routes and
    improves; "auto" is CP-SAT for a week of several days whose crew-days cost, held whole (engine/search.
    uses_master). Demo weeks, 30 s, two seeds: needs 28 -> 25-26 crew-days, rota 41-42 -> 40, zero
    violations and nothing left out either way (bench/RESULTS.md, "CP-SAT as the assignment master")."""
    master_min_s: float = 2.0
    """Seconds; CP-SAT is not used when its share of the time is less (under about 13 s at 0.15): building
    the model takes about a second on the demo, and a 2 s plan of the demo's week through it came out empty."""
    master_share: float = 0.15
    """Of the time: CP-SAT's assignment, when it is the master (needs week, 30 s: at 0.3 the engine had too
    little time left to improve: objective 38,056-38,343 against 37,483 at 0.15)."""

    def __post_init__(self) -> None:
        if self.master not in MASTERS:
            raise UserError(f"solver parameter 'master' must be one of {', '.join(MASTERS)}, "
                            f"not {self.master!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and value < 0:
                raise UserError(f"solver parameter '{f.name}' must be 0 or more, not {value!r}")
        for name in ("master_share", "one_day_pyvrp_share", "week_improve_share", "week_pyvrp_share",
                     "split_work_share"):
            if not 0 < getattr(self, name) <= 1:
                raise UserError(f"solver parameter '{name}' is a share: more than 0 and at most 1")
        if self.week_improve_share + self.week_pyvrp_share > 1:
            raise UserError("solver parameters 'week_improve_share' and 'week_pyvrp_share' add up to more "
                            "than 1")
        if self.insertion_tries < 1 or self.eliminate_every < 1:
            raise UserError("solver parameters 'insertion_tries' and 'eliminate_every' must be at least 1")
