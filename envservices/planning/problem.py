"""The planning problem as plain, frozen data: what the solver sees and nothing more.

Days are integers (0 = Monday of the planning week), times are integer seconds from midnight, volumes integer
litres, distances integer metres. `build.py` does every unit conversion and rounding once; the solver, the
checker and the benchmarks never see domain, ORM or Qt objects, so they can run in another process alone.
Fields may be added with defaults; existing names are a contract used by solve, check, bench and simulation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class ProblemTask:
    id: str
    place: str
    location: int  # index into the travel matrix
    service: str
    skill: str
    duration_s: int
    earliest_day: int
    latest_day: int
    equipment: str | None = None
    volume_l: int = 0
    window_start_s: int | None = None
    window_end_s: int | None = None
    urgent: bool = False
    penalty: int = 10_000  # cost of leaving the task out; urgent tasks get a far larger one
    asset: str | None = None
    part: int = 1  # a big site's work split over crew-days (build.split_long_tasks): part `part` of `parts`
    parts: int = 1
    stream: str | None = None  # what a collection loads (residual, food, ...): it goes to a tip that takes it


@dataclass(frozen=True)
class ProblemBreak:
    earliest_s: int
    latest_s: int
    duration_s: int


@dataclass(frozen=True)
class ProblemCompartment:
    """One body of a split-body vehicle (a recycling body, a food pod): the streams it takes and its litres.

    `streams` empty: it takes any load, street waste (no stream) included. A task's load goes into the first
    compartment that takes its stream (`compartment_for`)."""

    streams: frozenset[str]
    capacity_l: int


@dataclass(frozen=True)
class ProblemCrew:
    id: str
    skills: frozenset[str]
    depot_location: int
    capacity_l: int
    shift_start_s: int
    shift_end_s: int
    equipment: frozenset[str] = frozenset()
    breaks: tuple[ProblemBreak, ...] = ()
    days_off: frozenset[int] = frozenset()
    overtime_s: int = 0  # allowed beyond shift end, at overtime cost
    cost_per_hour: float = 60.0
    cost_per_km: float = 0.5
    overtime_multiplier: float = 1.5  # an overtime hour costs cost_per_hour times this
    day_cost: float = 0.0  # fixed cost of each crew-day worked (crew and vehicle), whatever its length
    # a split-body vehicle's bodies; empty: one body of capacity_l taking everything, as every vehicle before
    compartments: tuple[ProblemCompartment, ...] = ()

    def compartment_for(self, stream: str | None) -> int:
        """The compartment (index) a load of this stream goes into: 0 for a one-body vehicle; -1 when no
        compartment of a split body takes it."""
        if not self.compartments:
            return 0
        for i, c in enumerate(self.compartments):
            if not c.streams or (stream is not None and stream in c.streams):
                return i
        return -1

    @property
    def capacities(self) -> tuple[int, ...]:
        """Litres of each compartment: (capacity_l,) for a one-body vehicle."""
        return tuple(c.capacity_l for c in self.compartments) or (self.capacity_l,)


@dataclass(frozen=True)
class ProblemTip:
    """Where a vehicle unloads. `streams` empty: a street cleansing tip that takes any load (see
    `PlanningProblem.tips_taking`); `closed_days` are days of the planning week it does not open."""

    id: str
    location: int
    open_s: int = 0
    close_s: int = 24 * 3600
    unload_s: int = 900
    streams: frozenset[str] = frozenset()
    closed_days: frozenset[int] = frozenset()


@dataclass(frozen=True)
class TravelMatrix:
    """Travel between every pair of locations; `source` says whether roads or straight lines were used."""

    duration_s: np.ndarray  # int, shape (n, n)
    distance_m: np.ndarray  # int, shape (n, n)
    source: str = "straight line"

    @property
    def size(self) -> int:
        return int(self.duration_s.shape[0])


class TravelBlock(Protocol):
    """Computes travel between some locations only: what a county-size week needs instead of a full matrix."""

    source: str

    def block(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """int32 seconds and metres, shape (len(rows), len(cols)), between these location indices."""
        ...


@dataclass(frozen=True, eq=False)
class LazyTravel:
    """Travel between `size` locations, computed only for the locations or pairs asked for.

    Why: a dense matrix over every pair of stops is n^2; the demo at scale 16 (some 16,000 locations) peaked
    at 17.1 GB building it. The engine plans a county depot by depot on a dense int32 matrix of that depot's
    locations only (`dense_for`), and the checker asks for the pairs a plan uses (`pairs`). Reading
    `duration_s` or `distance_m` still gives the whole matrix, for problems small enough to hold one.
    """

    size: int
    blocks: TravelBlock
    source: str = "straight line"

    def dense_for(self, locations: np.ndarray) -> TravelMatrix:
        """A dense matrix over these locations (row/column i = locations[i])."""
        locations = np.asarray(locations, dtype=np.int64)
        duration, distance = self.blocks.block(locations, locations)
        return TravelMatrix(duration, distance, self.source)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """Seconds from each of these locations to every location."""
        return self.blocks.block(np.asarray(rows, dtype=np.int64), np.arange(self.size))[0]

    def pairs(self, origins: np.ndarray, targets: np.ndarray, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and metres of each (origin, target) pair, computing one block per chunk of origins."""
        origins = np.asarray(origins, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        seconds = np.zeros(len(origins), dtype=np.int64)
        metres = np.zeros(len(origins), dtype=np.int64)
        sources = np.unique(origins)
        for start in range(0, len(sources), chunk):
            rows = sources[start:start + chunk]
            pick = np.flatnonzero(np.isin(origins, rows))
            cols = np.unique(targets[pick])
            duration, distance = self.blocks.block(rows, cols)
            r = np.searchsorted(rows, origins[pick])
            c = np.searchsorted(cols, targets[pick])
            seconds[pick] = duration[r, c]
            metres[pick] = distance[r, c]
        return seconds, metres

    @property
    def points(self) -> np.ndarray | None:
        """Map positions of the locations (metres), where the travel function has them: pieces by area."""
        return getattr(self.blocks, "xy", None)

    @functools.cached_property
    def _whole(self) -> TravelMatrix:
        return self.dense_for(np.arange(self.size))

    @property
    def duration_s(self) -> np.ndarray:
        return self._whole.duration_s

    @property
    def distance_m(self) -> np.ndarray:
        return self._whole.distance_m


def is_lazy(travel: TravelMatrix | LazyTravel) -> bool:
    return isinstance(travel, LazyTravel)


@dataclass(frozen=True)
class Before:
    """`first` ends before `second` starts, same crew-day or earlier the same day by another crew."""

    first: str
    second: str


@dataclass(frozen=True)
class Within:
    """`second` on the same day as `first` or at most max_days after it (never before)."""

    first: str
    second: str
    max_days: int


@dataclass(frozen=True)
class After:
    """`second` 1..max_days days after the day of one of the planned `firsts` (the place's collections that
    week); when none of them is planned the rule has nothing to follow and does not bind."""

    firsts: tuple[str, ...]
    second: str
    max_days: int


@dataclass(frozen=True)
class Apart:
    """`first` and `second` are never done on the same day."""

    first: str
    second: str


@dataclass(frozen=True)
class Together:
    """These tasks of one place are served by one crew on one day, one after another, where a crew can."""

    tasks: tuple[str, ...]


@dataclass(frozen=True)
class Closed:
    """A task may not be worked between start_s and end_s on this day."""

    task: str
    day: int
    start_s: int
    end_s: int


@dataclass(frozen=True)
class ProblemPin:
    task: str
    crew: str
    day: int


@dataclass(frozen=True)
class ProblemLock:
    """A crew-day already worked or locked by the supervisor: kept exactly, in this order."""

    crew: str
    day: int
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class PlanningProblem:
    tasks: tuple[ProblemTask, ...]
    crews: tuple[ProblemCrew, ...]
    travel: TravelMatrix | LazyTravel
    days: int = 5
    day_labels: tuple[str, ...] = ()
    tips: tuple[ProblemTip, ...] = ()
    before: tuple[Before, ...] = ()
    within: tuple[Within, ...] = ()
    together: tuple[Together, ...] = ()
    closed: tuple[Closed, ...] = ()
    pins: tuple[ProblemPin, ...] = ()
    locks: tuple[ProblemLock, ...] = ()
    absent: frozenset[tuple[str, int]] = frozenset()  # (crew, day) pairs
    previous_crew_of_place: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # id -> readable name
    after: tuple[After, ...] = ()  # added last: earlier fields keep their positions
    apart: tuple[Apart, ...] = ()

    def tips_taking(self, stream: str | None) -> frozenset[int]:
        """The tips (indices into `tips`) a load of this stream may go to: the rule every part reads.

        A stream goes to the tips that name it (residual to the transfer station, food to AD) or, where none
        does, to a tip that takes anything; a load with no stream (street work) to a tip that takes anything or,
        where there is none, to any tip. A problem whose tips name no streams therefore tips as it always did.
        """
        if stream:
            named = frozenset(j for j, tp in enumerate(self.tips) if stream in tp.streams)
            return named or frozenset(j for j, tp in enumerate(self.tips) if not tp.streams)
        general = frozenset(j for j, tp in enumerate(self.tips) if not tp.streams)
        return general or frozenset(range(len(self.tips)))


@dataclass(frozen=True)
class RouteStop:
    kind: str  # task | tip | break
    location: int
    arrive_s: int
    start_s: int
    end_s: int
    task: str | None = None
    tip: str | None = None


@dataclass(frozen=True)
class Route:
    crew: str
    day: int
    depart_s: int
    return_s: int
    distance_m: int
    stops: tuple[RouteStop, ...]


@dataclass(frozen=True)
class PlanResult:
    routes: tuple[Route, ...]
    unplanned: tuple[tuple[str, str], ...]  # (task id, reason)
    cost: float
    kpis: dict
    solver: str
    travel_source: str
    status: str = "feasible"  # feasible | cancelled | time limit | infeasible
    explanations: tuple[str, ...] = ()
