"""Household waste collection in plain Python: properties, their containers, tips, collection vehicles, rounds.

A household's collection day is a promise to residents: each container carries its own fixed weekday and,
for fortnightly and four-weekly streams, its week of the cycle (A/B, or 1-4). Rounds are what a vehicle and
its crew collect on one day of one week; a container names its round. Nothing here knows about storage or
files; `container_problem` and `vehicle_problem` say in one sentence what is wrong with a value, so the
importer, the demo and the services refuse bad input the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from envservices.domain.model import BodyCompartment

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Stream(str, enum.Enum):
    """What is collected: each stream goes to its own kind of tip."""

    RESIDUAL = "residual"
    DRY_RECYCLING = "dry_recycling"
    GLASS = "glass"
    GARDEN = "garden"
    FOOD = "food"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def parse(cls, text: object) -> Stream:
        key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
        aliases = {"refuse": "residual", "general": "residual", "rubbish": "residual", "recycling": "dry_recycling",
                   "dry": "dry_recycling", "green": "garden", "garden_waste": "garden", "food_waste": "food"}
        key = aliases.get(key, key)
        for s in cls:
            if s.value == key:
                return s
        raise ValueError(f"'{text}' is not a waste stream (use residual, dry_recycling, glass, garden or food)")


class Frequency(str, enum.Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"

    @property
    def cycle_weeks(self) -> int:
        return {"weekly": 1, "fortnightly": 2, "four_weekly": 4}[self.value]

    @property
    def weeks(self) -> tuple[str, ...]:
        """The week labels of the cycle: none for weekly, A/B fortnightly, 1-4 four-weekly."""
        return {"weekly": ("",), "fortnightly": ("A", "B"), "four_weekly": ("1", "2", "3", "4")}[self.value]

    @classmethod
    def parse(cls, text: object) -> Frequency:
        key = str(text).strip().lower().replace("-", "_").replace(" ", "_")
        key = {"fortnight": "fortnightly", "alternate_weekly": "fortnightly", "four_weekly": "four_weekly",
               "4_weekly": "four_weekly", "fourweekly": "four_weekly", "monthly": "four_weekly"}.get(key, key)
        for f in cls:
            if f.value == key:
                return f
        raise ValueError(f"'{text}' is not a collection frequency (use weekly, fortnightly or four_weekly)")


class MissReason(str, enum.Enum):
    NOT_OUT = "not_out"
    CONTAMINATED = "contaminated"
    ACCESS_BLOCKED = "access_blocked"
    MISSED_BY_CREW = "missed_by_crew"


@dataclass(frozen=True)
class StreamRules:
    """How one stream is collected: the weight of a typical full lift and the time it takes.

    Defaults from WRAP's kerbside figures: a 240 l residual bin weighs some 12 kg a fortnight, a recycling
    bin 7 kg, a food caddy 3 kg a week. lift_s is the vehicle's time per container with two loaders working
    both sides (a crew of three lifts 1,000-1,400 wheeled bins in a day, some 14 s each with the walking);
    an assisted collection takes about a minute more (from the door and back).
    """

    stream: Stream
    kg_per_100_l: float
    lift_s: float
    assisted_extra_s: float = 60.0


STREAM_RULES: dict[Stream, StreamRules] = {
    Stream.RESIDUAL: StreamRules(Stream.RESIDUAL, 5.0, 14.0),
    Stream.DRY_RECYCLING: StreamRules(Stream.DRY_RECYCLING, 3.0, 14.0),
    Stream.GLASS: StreamRules(Stream.GLASS, 8.0, 20.0),
    Stream.GARDEN: StreamRules(Stream.GARDEN, 5.0, 16.0),
    Stream.FOOD: StreamRules(Stream.FOOD, 13.0, 8.0),
}


@dataclass(frozen=True)
class Container:
    """One bin, box or caddy of a household: its stream, size, and fixed collection day and week."""

    stream: Stream
    size_l: float
    frequency: Frequency
    weekday: int | None = None  # Monday = 0
    week: str = ""  # "" weekly; "A"/"B" fortnightly; "1"-"4" four-weekly
    round_id: str | None = None
    count: int = 1

    @property
    def weight_kg(self) -> float:
        return self.count * self.size_l / 100.0 * STREAM_RULES[self.stream].kg_per_100_l

    def lift_s(self, assisted: bool = False) -> float:
        rules = STREAM_RULES[self.stream]
        return self.count * rules.lift_s + (rules.assisted_extra_s if assisted else 0.0)

    def collected_in(self, iso_week: int) -> bool:
        """Whether this container is collected in the given ISO week (week A = odd ISO weeks)."""
        if self.frequency is Frequency.WEEKLY:
            return True
        k = self.frequency.cycle_weeks
        labels = self.frequency.weeks
        return self.week in labels and labels.index(self.week) == (iso_week - 1) % k


def container_problem(c: Container) -> str | None:
    """What is wrong with a container, in one phrase naming it; None when it can be collected."""
    name = f"the {c.frequency.value.replace('_', '-')} {c.stream.label} container"
    if c.size_l <= 0:
        return f"{name} has no size"
    if c.count < 1:
        return f"{name} has a count below 1"
    if c.weekday is not None and not 0 <= c.weekday <= 6:
        return f"{name} has a weekday outside Monday to Sunday"
    if c.frequency is not Frequency.WEEKLY and c.week not in c.frequency.weeks:
        which = "A or B" if c.frequency is Frequency.FORTNIGHTLY else "1 to 4"
        return f"{name} has no week {which}" + (f" ('{c.week}')" if c.week else "")
    if c.frequency is Frequency.WEEKLY and c.week:
        return f"{name} is weekly but names week '{c.week}'"
    return None


@dataclass(frozen=True)
class Property:
    """A household (or a block sharing communal bins): where its containers are collected from."""

    id: str
    geometry: BaseGeometry  # Point, EPSG:27700
    uprn: str = ""
    address: str = ""
    place_id: str | None = None
    assisted: bool = False  # collected from the door: takes longer
    containers: tuple[Container, ...] = ()
    road_id: str | None = None  # the street segment it is collected from
    attributes: dict = field(default_factory=dict, compare=False, hash=False)

    def container(self, stream: Stream) -> Container | None:
        return next((c for c in self.containers if c.stream is stream), None)


@dataclass(frozen=True)
class WasteTip:
    """Where a stream is tipped: transfer station, materials recycling facility, AD plant, composting site."""

    id: str
    name: str
    geometry: BaseGeometry  # Point
    streams: frozenset[Stream]
    open_s: int = 7 * 3600
    close_s: int = 17 * 3600
    turnaround_s: int = 20 * 60  # weigh in, tip, weigh out
    days_open: frozenset[int] = frozenset({0, 1, 2, 3, 4, 5})

    def open_on(self, weekday: int) -> bool:
        return weekday in self.days_open


@dataclass(frozen=True)
class Compartment:
    """One body (or pod) of a refuse vehicle: the streams it takes and its share of the payload and volume."""

    streams: frozenset[Stream]
    share: float = 1.0


@dataclass(frozen=True)
class CollectionVehicle:
    """A refuse collection vehicle: payload, body volume, one body or a split body, a driver and loaders."""

    id: str
    name: str
    payload_kg: float
    body_l: float
    compartments: tuple[Compartment, ...]
    crew_size: int = 3
    depot_id: str | None = None

    @property
    def streams(self) -> frozenset[Stream]:
        out: set[Stream] = set()
        for c in self.compartments:
            out |= c.streams
        return frozenset(out)

    def payload_for(self, stream: Stream) -> float:
        """kg of this stream one load can carry (its compartment's share; 0 when it takes no such stream)."""
        return sum(c.share for c in self.compartments if stream in c.streams) * self.payload_kg

    def volume_for(self, stream: Stream) -> float:
        return sum(c.share for c in self.compartments if stream in c.streams) * self.body_l

    @property
    def split(self) -> bool:
        return len(self.compartments) > 1

    def body_compartments(self) -> tuple[BodyCompartment, ...]:
        """The compartments as the planner's vehicle carries them (streams and litres of body volume); none
        for a single body, which the planner sees as one body of body_l."""
        if not self.split:
            return ()
        return tuple(BodyCompartment(frozenset(s.value for s in c.streams), c.share * self.body_l)
                     for c in self.compartments)


def vehicle_problem(v: CollectionVehicle) -> str | None:
    if v.payload_kg <= 0 or v.body_l <= 0:
        return f"vehicle {v.name or v.id} has no payload or body volume"
    if not v.compartments or abs(sum(c.share for c in v.compartments) - 1.0) > 1e-6:
        return f"vehicle {v.name or v.id}'s compartments do not add up to its whole body"
    return None


COMPARTMENTS_EXAMPLE = "recycling+garden:75%; food:25%"
"""How a sheet states a split body: each compartment's streams joined by '+', then its share of the body as a
percentage or in litres ("recycling:16500; food:5500"); 'any' for a compartment that takes any load."""


def parse_compartments(text: str, capacity_l: float, column: str = "compartments") -> tuple[BodyCompartment, ...]:
    """A vehicle's split body from a sheet's cell (COMPARTMENTS_EXAMPLE); empty: one body taking any load.

    The one reader of the format, so the crews sheet and any later sheet refuse the same values with the same
    sentence (ValueError naming the column and the value). The shares must add up to the whole body (100 %, or
    capacity_l litres, within 1 %); a stream may be in one compartment only, as a load goes into the first
    compartment that takes it; 'any' may only be the last compartment, else those after it would never fill.
    """
    text = (text or "").strip()
    if not text:
        return ()
    where = f"'{column}' value '{text}'"
    parts = [p.strip() for p in text.split(";") if p.strip()]
    streams_seen: set[str] = set()
    items: list[tuple[frozenset[str], float, bool]] = []
    for i, part in enumerate(parts):
        what, sep, size = part.rpartition(":")
        if not sep or not what.strip() or not size.strip():
            raise ValueError(f"{where} must read like '{COMPARTMENTS_EXAMPLE}' (streams:share, separated by ';')")
        words = [w.strip() for w in what.split("+") if w.strip()]
        if [w.lower() for w in words] == ["any"]:
            if i != len(parts) - 1:
                raise ValueError(f"{where} has 'any' before other compartments: put it last, as a load goes into "
                                 "the first compartment that takes it")
            streams: frozenset[str] = frozenset()
        else:
            try:
                streams = frozenset(Stream.parse(w).value for w in words)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            twice = sorted(streams & streams_seen)
            if twice:
                raise ValueError(f"{where} puts {Stream(twice[0]).label} in two compartments")
            streams_seen |= streams
        size = size.strip().lower()
        percent = size.endswith("%")
        number = size.rstrip("%").removesuffix("litres").removesuffix("l").strip().replace(",", "")
        try:
            amount = float(number)
        except ValueError:
            raise ValueError(f"{where} gives '{size}' as a share: write a percentage (75%) or litres "
                             "(16500)") from None
        if not math.isfinite(amount) or amount <= 0:
            raise ValueError(f"{where} gives a compartment of {size}: each must have some room")
        items.append((streams, amount, percent))
    if len({p for _, _, p in items}) > 1:
        raise ValueError(f"{where} mixes percentages and litres: give every compartment the same way")
    whole = 100.0 if items[0][2] else capacity_l
    total = sum(a for _, a, _ in items)
    if abs(total - whole) > 0.01 * whole:
        unit = "%" if items[0][2] else " l"
        raise ValueError(f"{where} adds up to {total:,.6g}{unit}, not the whole body's {whole:,.6g}{unit}")
    return tuple(BodyCompartment(s, capacity_l * a / total) for s, a, _ in items)


@dataclass(frozen=True)
class CollectionRound:
    """What one vehicle and crew collect on one weekday of one week of the cycle, for one stream."""

    id: str
    name: str
    stream: Stream
    weekday: int  # Monday = 0
    week: str = ""  # as Container.week
    vehicle_id: str | None = None
    crew_id: str | None = None
    depot_id: str | None = None

    @property
    def label(self) -> str:
        week = f" week {self.week}" if self.week else ""
        return f"{self.name} ({WEEKDAY_NAMES[self.weekday]}{week})"


@dataclass(frozen=True)
class MissedCollection:
    """A reported missed bin and when the crew must return for it."""

    id: str
    property_id: str
    stream: Stream
    reported_on: dt.date
    reason: MissReason
    return_by: dt.date
    round_id: str | None = None
    note: str = ""


__all__ = [
    "COMPARTMENTS_EXAMPLE",
    "STREAM_RULES",
    "WEEKDAY_NAMES",
    "CollectionRound",
    "CollectionVehicle",
    "Compartment",
    "Container",
    "Frequency",
    "MissReason",
    "MissedCollection",
    "Property",
    "Stream",
    "StreamRules",
    "WasteTip",
    "container_problem",
    "parse_compartments",
    "vehicle_problem",
]
