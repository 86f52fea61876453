"""Collection rounds for the map: each round with a colour, and its households in collection order.

Plain data read from the database, so the desktop map (and anything else) draws rounds without touching
storage. Colours are picked so that rounds whose households lie close together never share one while the
palette has a colour to spare (a greedy colouring of the rounds' neighbour graph, most-connected first).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from envservices.domain.waste import WEEKDAY_NAMES, Stream
from envservices.errors import UserError
from envservices.services import access

NEIGHBOUR_M = 150.0
"""Rounds with households within about this distance of each other are neighbours on the map."""
PALETTE_SIZE = 9
"""Colours the map has for rounds (Paul Tol's colour-blind-safe 'muted' scheme has nine)."""


@dataclass(frozen=True)
class MapRound:
    """One round as the map's legend names it."""

    id: str
    name: str
    weekday: int  # Monday = 0
    week: str  # "" weekly, "A"/"B" fortnightly
    households: int
    colour: int  # index into the map's palette of round colours
    depot_id: str | None = None
    stream: str = ""
    vehicle_id: str | None = None
    crew_id: str | None = None

    @property
    def day(self) -> str:
        return WEEKDAY_NAMES[self.weekday]

    @property
    def legend_label(self) -> str:
        """'Redditch 1A1 · Mon A · 216': the name without the stream (the legend's title says it), the day,
        the week and the households, short enough for a legend of 60 rounds."""
        name = self.name.replace(f" {self.stream.replace('_', ' ')}", "") if self.stream else self.name
        week = f" {self.week}" if self.week else ""
        return f"{name} · {self.day[:3]}{week} · {self.households:,}"


@dataclass(frozen=True)
class RoundsMap:
    """One stream's rounds: `xy` holds every household in a round (BNG metres), round by round in collection
    order; round k's households are rows starts[k]:starts[k + 1] and `round_of` names each row's round."""

    streams: tuple[str, ...]  # streams that have rounds, residual first
    stream: str  # the stream shown ("" when there are no rounds)
    rounds: tuple[MapRound, ...] = ()
    xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    round_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=int))
    not_in_a_round: int = 0  # households with a container of this stream naming no stored round
    ids: tuple[str, ...] = ()  # each row's property id (empty for made-up rounds)

    def points_of(self, k: int) -> np.ndarray:
        return self.xy[self.starts[k]:self.starts[k + 1]]

    def round_of_row(self, row: int) -> tuple[int, int]:
        """(round index, number in its round's order from 1) of household row `row`."""
        k = int(self.round_of[row])
        return k, row - int(self.starts[k]) + 1


@dataclass(frozen=True)
class HouseholdOnRound:
    """One household picked on the map: which property it is and where it falls in its round."""

    property_id: str
    uprn: str
    address: str
    assisted: bool
    container: str  # '240 l, fortnightly' ('' when the property no longer has one of the stream)
    stream: str
    round_name: str
    day: str
    week: str  # "" weekly, "A"/"B" fortnightly
    number: int  # in the round's order, from 1
    households: int  # in the round
    vehicle: str = ""  # name, '' when the round names none
    crew: str = ""

    @property
    def title(self) -> str:
        return self.address or (f"UPRN {self.uprn}" if self.uprn else f"Property {self.property_id}")

    @property
    def when(self) -> str:
        return f"{self.day}, week {self.week}" if self.week else f"{self.day}, every week"

    def lines(self) -> list[str]:
        """What the window says about it, a line each (plain text)."""
        uprn = f"UPRN {self.uprn}" if self.uprn and self.address else ""
        first = " · ".join(x for x in (uprn, "assisted collection" if self.assisted else "") if x)
        stream = self.stream.replace("_", " ")
        out = [first] if first else []
        named = stream.lower() in self.round_name.lower()  # 'Redditch residual 3A1' says its stream
        out.append(f"{'Round' if named else stream.capitalize() + ' round'} {self.round_name}: {self.when}")
        out.append(f"Number {self.number:,} of {self.households:,} in the round's order")
        crew = " · ".join(x for x in (f"Vehicle {self.vehicle}" if self.vehicle else "",
                                      f"crew {self.crew}" if self.crew else "") if x)
        if crew:
            out.append(crew[0].upper() + crew[1:])
        if self.container:
            out.append(f"{stream.capitalize()} bin {self.container}")
        return out


def _stream_order(streams: set[Stream]) -> tuple[str, ...]:
    return tuple(s.value for s in Stream if s in streams)


def round_streams(db) -> tuple[str, ...]:
    """The streams that have stored rounds, residual first: cheap, for the map's stream chooser."""
    with db.unit_of_work() as uow:
        access.require(uow, access.READ)
        return _stream_order({r.stream for r in uow.collection_rounds.list()})


def rounds_on_map(db, stream: str | None = None, *, palette_size: int = PALETTE_SIZE) -> RoundsMap:
    """A stream's rounds (residual unless asked) with a colour each and their households in order.

    The order is the one the week engine's crew-day estimate walks (nearest next household from the
    round's depot, or from its furthest household without one; `rounds.week.nearest_order`): rounds store
    which households they collect, not a path.
    """
    from envservices.rounds.week import nearest_order

    with db.unit_of_work() as uow:
        access.require(uow, access.READ)
        all_rounds = uow.collection_rounds.list()
        streams = _stream_order({r.stream for r in all_rounds})
        if not streams:
            return RoundsMap((), "")
        if stream is None:
            chosen = Stream(streams[0])
        else:
            try:
                chosen = Stream.parse(stream)
            except ValueError as exc:
                raise UserError(f"{exc}.") from None
        rounds = [r for r in all_rounds if r.stream is chosen]
        if not rounds:
            return RoundsMap(streams, chosen.value)
        depots = {s.id: (s.geometry.x, s.geometry.y) for s in uow.sites.list()}
        members: dict[str, list[tuple[float, float]]] = defaultdict(list)
        member_ids: dict[str, list[str]] = defaultdict(list)
        lost = 0
        index = {r.id for r in rounds}
        for pid, x, y, round_id in uow.properties.rounds_of(chosen.value):
            if round_id in index:
                members[round_id].append((x, y))
                member_ids[round_id].append(pid)
            else:
                lost += 1
    rounds = [r for r in rounds if members.get(r.id)]
    parts, counts, ids = [], [], []
    for r in rounds:
        pts = np.asarray(members[r.id], dtype=float)
        start = depots.get(r.depot_id or "")
        if start is None:  # no depot: begin at one end (the household furthest from the middle)
            start = tuple(pts[int(np.argmax(np.hypot(*(pts - pts.mean(axis=0)).T)))])
        order = nearest_order(pts, start)
        parts.append(pts[order])
        ids.extend(member_ids[r.id][i] for i in np.asarray(order).tolist())
        counts.append(len(pts))
    xy = np.concatenate(parts) if parts else np.zeros((0, 2))
    round_of = np.repeat(np.arange(len(rounds)), counts).astype(int)
    colours = round_colours(xy, round_of, len(rounds), palette_size)
    shown = tuple(MapRound(r.id, r.name, r.weekday, r.week, n, int(colours[k]), r.depot_id, chosen.value,
                           r.vehicle_id, r.crew_id)
                  for k, (r, n) in enumerate(zip(rounds, counts, strict=True)))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(int)
    return RoundsMap(streams, chosen.value, shown, xy, round_of, starts, lost, tuple(ids))


def household_on_map(db, shown: RoundsMap, property_id: str) -> HouseholdOnRound:
    """The property behind a household of the rounds on the map (`shown`, from rounds_on_map): its address and
    UPRN, its round (day, week, vehicle and crew where the round names them) and its number in the round's
    order as the map draws it."""
    try:
        row = shown.ids.index(property_id)
    except ValueError:
        raise UserError(f"Household '{property_id}' is not on the {shown.stream or 'shown'} rounds map.") from None
    k, number = shown.round_of_row(row)
    r = shown.rounds[k]
    with db.unit_of_work() as uow:
        access.require(uow, access.READ)
        prop = uow.properties.get(property_id)
        if prop is None:
            raise UserError(f"Household '{property_id}' is no longer in the database: show the rounds again.")
        vehicle = uow.collection_vehicles.get(r.vehicle_id) if r.vehicle_id else None
        crew = uow.crews.get(r.crew_id) if r.crew_id else None
    container = next((c for c in prop.containers if c.stream.value == shown.stream), None)
    size = ""
    if container is not None:
        count = f"{container.count} x " if container.count > 1 else ""
        size = f"{count}{container.size_l:,.0f} l, {container.frequency.value.replace('_', ' ')}"
    return HouseholdOnRound(prop.id, prop.uprn, prop.address, prop.assisted, size, shown.stream, r.name, r.day,
                            r.week, number, r.households, vehicle.name if vehicle else (r.vehicle_id or ""),
                            crew.name if crew else (r.crew_id or ""))


def round_neighbours(xy: np.ndarray, round_of: np.ndarray, n_rounds: int,
                     within_m: float = NEIGHBOUR_M) -> list[set[int]]:
    """Which rounds have households in the same or a touching square of `within_m` metres."""
    out: list[set[int]] = [set() for _ in range(n_rounds)]
    if not len(xy):
        return out
    cells = np.floor(xy / within_m).astype(np.int64)
    pairs = np.unique(np.column_stack([cells, round_of]), axis=0)
    by_cell: dict[tuple[int, int], set[int]] = defaultdict(set)
    for cx, cy, k in pairs.tolist():
        by_cell[(cx, cy)].add(k)
    for (cx, cy), here in by_cell.items():
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                there = by_cell.get((cx + dx, cy + dy))
                if not there:
                    continue
                for a in here:
                    out[a].update(b for b in there if b != a)
    return out


def round_colours(xy: np.ndarray, round_of: np.ndarray, n_rounds: int,
                  palette_size: int = PALETTE_SIZE) -> np.ndarray:
    """A colour index per round, neighbours different where the palette allows (most-connected first);
    when every colour is taken around a round it gets the one its neighbours use least."""
    neighbours = round_neighbours(xy, round_of, n_rounds)
    colour = np.full(n_rounds, -1, dtype=int)
    for k in sorted(range(n_rounds), key=lambda k: (-len(neighbours[k]), k)):
        used = np.bincount([colour[j] for j in neighbours[k] if colour[j] >= 0], minlength=palette_size)
        free = np.nonzero(used == 0)[0]
        colour[k] = int(free[0]) if len(free) else int(np.argmin(used))
    return colour
