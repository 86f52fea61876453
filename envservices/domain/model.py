"""The users' world in plain Python: areas, places, assets, observations, crews, rotas, tasks and plans.

Nothing here knows about databases, files or Qt, so every other layer can build on it and tests can make
small cases by hand. Geometry is shapely, always in British National Grid (EPSG:27700, metres).
Identifiers are strings chosen where an object is born (demo generator, importer, UI), so objects can refer
to each other before anything is stored and keep their identity across export and import.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

BNG_EPSG = 27700


PART_MARK = "#part"


def part_id(task_id: str, part: int, parts: int) -> str:
    """The id of part `part` of `parts` of a task, e.g. "t1#part2of3"."""
    return f"{task_id}{PART_MARK}{part}of{parts}"


def task_part(task_id: str) -> tuple[int, int]:
    """(part, parts) from a task id made by `part_id`; (1, 1) for a task that is not split."""
    head, mark, tail = task_id.rpartition(PART_MARK)
    if mark and "of" in tail:
        a, _, b = tail.partition("of")
        if a.isdigit() and b.isdigit():
            return int(a), int(b)
    return 1, 1


def new_id(prefix: str) -> str:
    """A fresh identifier; the prefix keeps ids readable in logs and exports."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Regime(str, enum.Enum):
    """How an area's work is decided: the historic fixed rota, or observed need."""

    ROTA = "rota"
    NEEDS = "needs"


class AreaKind(str, enum.Enum):
    DISTRICT = "district"
    TRIAL = "trial"


class AssetKind(str, enum.Enum):
    LITTER_BIN = "litter_bin"
    DOG_BIN = "dog_bin"
    RECYCLING_BIN = "recycling_bin"
    STREET_LENGTH = "street_length"
    VERGE = "verge"
    GRASS_AREA = "grass_area"
    SHRUB_BED = "shrub_bed"
    HEDGE = "hedge"

    @property
    def is_bin(self) -> bool:
        return self in (AssetKind.LITTER_BIN, AssetKind.DOG_BIN, AssetKind.RECYCLING_BIN)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class SiteKind(str, enum.Enum):
    DEPOT = "depot"
    TIP = "tip"


class IntensityZone(str, enum.Enum):
    """Intensity-of-use zone of the Code of Practice on Litter and Refuse: sets the response time."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    VERY_LOW = "very_low"


class Grade(str, enum.Enum):
    """Litter grade of the Code of Practice, with the B+/B- that surveys use. Ordered best to worst."""

    A = "A"
    B_PLUS = "B+"
    B = "B"
    B_MINUS = "B-"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        """0 for A up to 5 for D, so grades can be compared and averaged."""
        return list(Grade).index(self)

    @property
    def below_b(self) -> bool:
        """Below grade B is the classic headline indicator (formerly NI195)."""
        return self.rank > Grade.B.rank

    @property
    def unacceptable(self) -> bool:
        return self in (Grade.C, Grade.D)

    @classmethod
    def parse(cls, text: str) -> Grade:
        t = str(text).strip().upper()
        for g in cls:
            if g.value == t:
                return g
        raise ValueError(f"'{text}' is not a litter grade (use A, B+, B, B-, C or D)")


class ObservationKind(str, enum.Enum):
    LITTER_GRADE = "litter_grade"
    BIN_FILL = "bin_fill"
    GRASS_HEIGHT = "grass_height"
    FLY_TIP = "fly_tip"
    COMPLAINT = "complaint"


class VehicleKind(str, enum.Enum):
    CAGED_TIPPER = "caged_tipper"
    SWEEPER = "sweeper"
    VAN_WITH_TRAILER = "van_with_trailer"
    REFUSE_VEHICLE = "refuse_vehicle"


class Skill(str, enum.Enum):
    """What a crew member can do; a task needs one skill."""

    LITTER_PICK = "litter_pick"
    BIN_EMPTY = "bin_empty"
    MOWING = "mowing"
    STRIMMING = "strimming"
    MECHANICAL_SWEEP = "mechanical_sweep"
    HEDGE = "hedge"
    SHRUB = "shrub"
    FLY_TIP = "fly_tip"
    DRIVER = "driver"
    HGV = "hgv"


class Urgency(str, enum.Enum):
    """Optional work may be left out (cheapest first); urgent work never while a crew could do it."""

    OPTIONAL = "optional"
    ROUTINE = "routine"
    URGENT = "urgent"


class VisitStatus(str, enum.Enum):
    PLANNED = "planned"
    DONE = "done"
    MISSED = "missed"


@dataclass(frozen=True)
class Area:
    """A district, or a trial area with a start date and a regime."""

    id: str
    name: str
    regime: Regime = Regime.ROTA
    kind: AreaKind = AreaKind.DISTRICT
    trial_start: dt.date | None = None
    geometry: BaseGeometry | None = None


@dataclass(frozen=True)
class Place:
    """A named polygon that one team looks after as a whole."""

    id: str
    name: str
    area_id: str
    geometry: BaseGeometry
    character: str = ""  # town centre, estate, park, rural edge ...
    zone: IntensityZone = IntensityZone.MEDIUM
    team_crew_id: str | None = None
    attributes: dict = field(default_factory=dict, compare=False, hash=False)
    version: int = field(default=0, compare=False, hash=False)
    """Bumped by storage on every update so two editors cannot overwrite each other; 0: never stored."""


@dataclass(frozen=True)
class Asset:
    """Something in a place that needs work: a bin (point), a street or verge (line), grass (polygon)."""

    id: str
    kind: AssetKind
    geometry: BaseGeometry
    place_id: str | None = None
    name: str = ""
    capacity_l: float | None = None  # bins
    zone: IntensityZone | None = None  # streets: intensity of use
    sweep_method: str | None = None  # manual | mechanical
    mower: str | None = None  # ride_on | pedestrian | flail | strimmer
    site_factor: float = 1.0  # grass: how fast this site grows relative to the seasonal curve
    attributes: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def area_m2(self) -> float:
        return float(self.geometry.area)

    @property
    def length_m(self) -> float:
        return float(self.geometry.length)


@dataclass(frozen=True)
class Site:
    """A depot where crews start and end, or a tip / transfer station where vehicles unload."""

    id: str
    kind: SiteKind
    name: str
    geometry: BaseGeometry  # Point
    open_s: int = 6 * 3600
    close_s: int = 18 * 3600
    unload_s: int = 15 * 60


@dataclass(frozen=True)
class RoadLink:
    """One line of the road network; travel times come from shortest paths over these."""

    id: str
    geometry: BaseGeometry  # LineString
    name: str = ""
    highway: str = "residential"
    speed_kph: float = 30.0
    oneway: bool = False


@dataclass(frozen=True)
class Observation:
    """What a team leader saw at a place or asset, at a time."""

    id: str
    kind: ObservationKind
    observed_at: dt.datetime
    place_id: str
    asset_id: str | None = None
    recorded_by: str = ""
    grade: Grade | None = None
    fill_pct: float | None = None
    height_mm: float | None = None
    count: int | None = None  # fly-tips or complaints counted
    note: str = ""
    source: str = ""  # survey | app | import | simulation: where the observation came from


@dataclass(frozen=True)
class BodyCompartment:
    """One body of a split-body vehicle (a recycling body, a food pod): the waste streams it takes (their
    values, e.g. "food") and its litres."""

    streams: frozenset[str]
    capacity_l: float


@dataclass(frozen=True)
class Vehicle:
    """A crew's vehicle as the planner sees it. `compartments` empty: one body of capacity_l taking any load;
    a split body lists its compartments (their litres add up to capacity_l)."""

    id: str
    name: str
    kind: VehicleKind
    capacity_l: float
    equipment: frozenset[str] = frozenset()
    compartments: tuple[BodyCompartment, ...] = ()


@dataclass(frozen=True)
class CrewMember:
    name: str
    skills: frozenset[Skill] = frozenset()


@dataclass(frozen=True)
class Break:
    """A paid or unpaid break that must start inside [earliest_s, latest_s] of the shift day."""

    earliest_s: int
    latest_s: int
    duration_s: int


@dataclass(frozen=True)
class Crew:
    """A small team with a vehicle: the unit the plan gives work to."""

    id: str
    name: str
    depot_id: str
    vehicle_id: str | None
    members: tuple[CrewMember, ...] = ()
    shift_start_s: int = 7 * 3600
    shift_end_s: int = 15 * 3600 + 30 * 60
    breaks: tuple[Break, ...] = (Break(10 * 3600, 12 * 3600 + 30 * 60, 30 * 60),)
    days_off: frozenset[int] = frozenset({5, 6})  # weekday numbers, Monday = 0

    @property
    def skills(self) -> frozenset[Skill]:
        out: set[Skill] = set()
        for m in self.members:
            out |= m.skills
        return frozenset(out)


@dataclass(frozen=True)
class ServiceType:
    """A kind of work: what skill and equipment it needs and how long it takes.

    Duration is fixed_s plus per_unit_s for each unit of the asset (m2 of grass, m of street, 1 for a bin),
    which is how councils time their work.
    """

    code: str
    name: str
    skill: Skill
    asset_kinds: tuple[AssetKind, ...]
    equipment: str | None = None
    fixed_s: float = 0.0
    per_unit_s: float = 0.0
    unit: str = "each"  # each | m2 | m
    volume_l_per_unit: float = 0.0
    pedestrian_per_unit_s: float | None = None
    """Rate for assets worked with a pedestrian machine (mower 'pedestrian'): 750 m2/h against 3,000 ride-on."""
    trigger: str | None = None
    """The observed measure that calls for this work under the needs regime (bin_fill, litter_grade,
    grass_height); None: the service stays on the rota in needs areas too."""
    trigger_level: float | None = None
    """The level of `trigger` at which the work is due (80 % fill, grade index 2 = B, 75 mm)."""
    months: tuple[int, ...] = ()
    """Months the work may be done (1-12); empty: all year. Hedges default to September-February, outside
    the bird-nesting season."""
    holiday_rule: str = "next_working_day"
    """What rota work falling on a bank holiday or council exception day does: next_working_day, saturday
    (the Saturday of that week) or skip."""

    def duration_s(self, asset: Asset | None) -> int:
        rate = self.per_unit_s
        if self.pedestrian_per_unit_s is not None and asset is not None and asset.mower == "pedestrian":
            rate = self.pedestrian_per_unit_s
        return int(round(self.fixed_s + rate * self.units(asset)))

    def allowed_in(self, day: dt.date) -> bool:
        """True when the catalogue allows this work in the month of `day`."""
        return not self.months or day.month in self.months

    def units(self, asset: Asset | None) -> float:
        if asset is None or self.unit == "each":
            return 1.0
        if self.unit == "m2":
            return asset.area_m2
        return asset.length_m


@dataclass(frozen=True)
class RotaEntry:
    """One line of the historic rota: an asset (or a whole place) served on fixed weekdays."""

    id: str
    service: str
    asset_id: str | None = None
    place_id: str | None = None
    weekdays: tuple[int, ...] = (0,)  # Monday = 0
    every_weeks: int = 1  # 1 weekly, 2 fortnightly ...
    week_offset: int = 0  # which week of the cycle (ISO week number modulo every_weeks), when no anchor
    anchor: dt.date | None = None
    """The date of one visit, which fixes the cycle of an n-weekly entry (the way councils write it)."""
    months: tuple[int, ...] = ()
    """Months in season (1-12); empty: all year."""
    crew: str = ""
    """The crew or round the rota names (information: the plan chooses crews)."""

    def runs_in_week(self, week_start: dt.date) -> bool:
        """A weekly entry runs every week; an n-weekly one in the weeks of its cycle (from its anchor date,
        else the ISO week number modulo n)."""
        every = max(1, int(self.every_weeks))
        if every == 1:
            return True
        if self.anchor is not None:
            anchor_monday = self.anchor - dt.timedelta(days=self.anchor.weekday())
            return ((week_start - anchor_monday).days // 7) % every == 0
        return week_start.isocalendar().week % every == self.week_offset % every


@dataclass(frozen=True)
class CoordinationRule:
    """A rule linking two services in the same asset or place.

    before: `first` is done before `second` on the same day (pick litter, then mow).
    within: `second` is done within max_days after `first` (sweep after the verge cut).
    together: all due tasks of a place in one visit where a crew can (first/second unused).
    after: `second` 1 to max_days days after a day of `first` in the same place, never the same day (litter
      pick the day after the bins were collected); max_days 1 means exactly the next day.
    apart: `second` never on a day `first` is done in the same place (no verge cut while bins stand out).
    """

    kind: str  # before | within | together | after | apart
    first_service: str = ""
    second_service: str = ""
    max_days: int = 0


@dataclass(frozen=True)
class ClosedPeriod:
    """A time when a service may not be done in a place or at an asset (school run, market day)."""

    service: str
    weekday: int | None  # Monday = 0; None: every day
    start_s: int
    end_s: int
    place_id: str | None = None  # None: everywhere
    reason: str = ""
    asset_id: str | None = None
    id: str = ""

    def applies(self, service: str, place_id: str, asset_id: str | None, day: dt.date) -> bool:
        """True when this period closes `service` at that place or asset on `day`."""
        return (self.service in (service, "*")
                and (self.place_id is None or self.place_id == place_id)
                and (self.asset_id is None or self.asset_id == asset_id)
                and (self.weekday is None or self.weekday == day.weekday()))


@dataclass(frozen=True)
class CalendarDay:
    """A day the council does not work as usual: a bank holiday, or a council exception day."""

    day: dt.date
    name: str
    kind: str = "exception"  # bank_holiday | exception

    @property
    def id(self) -> str:
        return self.day.isoformat()


@dataclass(frozen=True)
class Task:
    """A piece of work due in the planning week: from the rota, the needs model, or an urgent report."""

    id: str
    service: str
    place_id: str
    x_m: float
    y_m: float
    skill: Skill
    duration_s: int
    earliest_day: dt.date
    latest_day: dt.date
    asset_id: str | None = None
    equipment: str | None = None
    volume_l: float = 0.0
    window_start_s: int | None = None  # optional time of day
    window_end_s: int | None = None
    urgency: Urgency = Urgency.ROUTINE
    source: str = "rota"  # rota | needs | urgent
    note: str = ""
    part: int = 1  # a big site's work split over crew-days: this is part `part` of `parts`
    parts: int = 1
    stream: str | None = None  # a collection's waste stream (residual, food, ...): the tip it goes to


@dataclass(frozen=True)
class Pin:
    """The supervisor's decision that a task is done by this crew on this day."""

    task_id: str
    crew_id: str
    day: dt.date


@dataclass(frozen=True)
class Visit:
    """A task placed in a crew-day, with its times (seconds from midnight)."""

    task_id: str
    place_id: str
    arrive_s: int
    start_s: int
    end_s: int
    service: str = ""
    asset_id: str | None = None
    pinned: bool = False
    status: VisitStatus = VisitStatus.PLANNED
    reason: str = ""
    actual_start: dt.datetime | None = None
    """When the crew really started (recorded on the crew page or by the team leader); None: not recorded."""
    actual_end: dt.datetime | None = None

    @property
    def part(self) -> int:
        """Which part of a big site's work split over crew-days ("part 2 of 3"); 1 for whole work. Read from
        the task id, so a stored plan keeps it without a column of its own."""
        return task_part(self.task_id)[0]

    @property
    def parts(self) -> int:
        """How many parts the site's work was split into; 1 for whole work."""
        return task_part(self.task_id)[1]


@dataclass(frozen=True)
class Stop:
    """A non-work stop in a route: unloading at a tip or a break."""

    kind: str  # tip | break
    start_s: int
    end_s: int
    site_id: str | None = None


@dataclass(frozen=True)
class CrewDay:
    crew_id: str
    day: dt.date
    visits: tuple[Visit, ...]
    stops: tuple[Stop, ...] = ()
    depart_s: int = 0
    return_s: int = 0
    travel_m: float = 0.0
    locked: bool = False

    @property
    def hours(self) -> float:
        return max(0, self.return_s - self.depart_s) / 3600.0


@dataclass(frozen=True)
class Unplanned:
    task_id: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """A week's plan for a depot's crews: what the supervisor edits, prints and the crews carry out."""

    id: str
    week: str  # ISO week, e.g. 2026-W48
    crew_days: tuple[CrewDay, ...]
    unplanned: tuple[Unplanned, ...] = ()
    kpis: dict = field(default_factory=dict, compare=False, hash=False)
    violations: tuple[str, ...] = ()
    travel_source: str = ""
    created_at: dt.datetime | None = None
    area_id: str | None = None
    depot_id: str | None = None
    version: int = field(default=0, compare=False, hash=False)
    """Bumped by storage on every save so two supervisors cannot overwrite each other; 0: never stored."""


__all__ = [
    "BNG_EPSG",
    "Area",
    "AreaKind",
    "Asset",
    "AssetKind",
    "Break",
    "CalendarDay",
    "ClosedPeriod",
    "CoordinationRule",
    "Crew",
    "CrewDay",
    "CrewMember",
    "Grade",
    "IntensityZone",
    "Observation",
    "ObservationKind",
    "Pin",
    "Place",
    "Plan",
    "Regime",
    "RoadLink",
    "RotaEntry",
    "ServiceType",
    "Site",
    "SiteKind",
    "Skill",
    "Stop",
    "Task",
    "Unplanned",
    "Urgency",
    "Vehicle",
    "VehicleKind",
    "Visit",
    "VisitStatus",
    "new_id",
    "part_id",
    "task_part",
]
