"""The demo's workforce: crews of two or three with mixed skills, their vehicles and their depots.

Crews come from a cycle of thirteen templates, the mix a council of this size runs for its historic rota:
eight place teams with caged tippers (bins, litter, fly-tips), four grounds crews with vans and trailers (one
cuts hedges too) who mow in either town, and one sweeper that also empties bins and picks litter. The rota
empties most bins twice a week and the town centre's daily, so bins take most of the place teams' time. The
first three templates between them can do every service in the catalogue, so even the smallest demo has
someone for every kind of work; larger scales add more crews of the same kinds. The rota in `history.py` is
sized to this mix (see `capacity.py`): a needs-based trial saves by needing fewer of these crew-hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from envservices.demo.geography import BROMSGROVE, REDDITCH
from envservices.domain.model import Break, Crew, CrewMember, Skill, Vehicle, VehicleKind

CREWS_AT_SCALE_1 = 13
MIN_CREWS = 3
SHIFT_START_S = 7 * 3600
SHIFT_END_S = 15 * 3600 + 30 * 60
LUNCH = Break(earliest_s=11 * 3600, latest_s=12 * 3600 + 30 * 60, duration_s=30 * 60)

S = Skill
PLACE_LEADER = frozenset({S.DRIVER, S.BIN_EMPTY, S.LITTER_PICK, S.FLY_TIP})
PLACE_HAND = frozenset({S.BIN_EMPTY, S.LITTER_PICK})
PLACE_HAND_FLY = frozenset({S.LITTER_PICK, S.FLY_TIP, S.SHRUB})
SWEEPER_DRIVER = frozenset({S.DRIVER, S.HGV, S.MECHANICAL_SWEEP, S.LITTER_PICK})
SWEEPER_HAND = frozenset({S.LITTER_PICK, S.BIN_EMPTY})
GROUNDS_LEADER = frozenset({S.DRIVER, S.MOWING, S.STRIMMING})
GROUNDS_HAND = frozenset({S.MOWING, S.STRIMMING, S.SHRUB, S.LITTER_PICK})
HEDGE_HAND = frozenset({S.HEDGE, S.SHRUB, S.STRIMMING})


@dataclass(frozen=True)
class CrewTemplate:
    label: str
    town: str
    vehicle_kind: VehicleKind
    capacity_l: float
    equipment: frozenset[str]
    members: tuple[frozenset[Skill], ...]
    days_off: frozenset[int] = frozenset({5, 6})
    hgv: bool = False


TEMPLATES: tuple[CrewTemplate, ...] = (
    CrewTemplate(
        "place team",
        REDDITCH,
        VehicleKind.CAGED_TIPPER,
        6000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND, PLACE_HAND_FLY),
    ),
    CrewTemplate(
        "grounds and hedges",
        BROMSGROVE,
        VehicleKind.VAN_WITH_TRAILER,
        3000.0,
        frozenset({"mower", "strimmer", "hedge_cutter"}),
        (GROUNDS_LEADER, GROUNDS_HAND, HEDGE_HAND),
    ),
    CrewTemplate(
        "sweeper",
        REDDITCH,
        VehicleKind.SWEEPER,
        5000.0,
        frozenset({"sweeper"}),
        (SWEEPER_DRIVER, SWEEPER_HAND),
    ),
    CrewTemplate(
        "place team",
        BROMSGROVE,
        VehicleKind.CAGED_TIPPER,
        8000.0,
        frozenset(),
        (PLACE_LEADER | {S.HGV}, PLACE_HAND, PLACE_HAND_FLY),
        hgv=True,
    ),
    CrewTemplate(
        "grounds",
        REDDITCH,
        VehicleKind.VAN_WITH_TRAILER,
        3000.0,
        frozenset({"mower", "strimmer"}),
        (GROUNDS_LEADER, GROUNDS_HAND),
    ),
    CrewTemplate(
        "place team",
        REDDITCH,
        VehicleKind.CAGED_TIPPER,
        4000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND),
        days_off=frozenset({2, 5, 6}),
    ),
    CrewTemplate(
        "grounds",
        BROMSGROVE,
        VehicleKind.VAN_WITH_TRAILER,
        3000.0,
        frozenset({"mower", "strimmer"}),
        (GROUNDS_LEADER, GROUNDS_HAND),
    ),
    CrewTemplate(
        "place team",
        BROMSGROVE,
        VehicleKind.CAGED_TIPPER,
        5000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND_FLY | {S.BIN_EMPTY}),
        days_off=frozenset({4, 5, 6}),
    ),
    CrewTemplate(
        "place team",
        REDDITCH,
        VehicleKind.CAGED_TIPPER,
        6000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND),
    ),
    CrewTemplate(
        "place team",
        BROMSGROVE,
        VehicleKind.CAGED_TIPPER,
        6000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND_FLY | {S.BIN_EMPTY}),
    ),
    CrewTemplate(
        "grounds",
        REDDITCH,
        VehicleKind.VAN_WITH_TRAILER,
        3000.0,
        frozenset({"mower", "strimmer"}),
        (GROUNDS_LEADER, GROUNDS_HAND),
    ),
    CrewTemplate(
        "place team",
        REDDITCH,
        VehicleKind.CAGED_TIPPER,
        6000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND, PLACE_HAND_FLY),
    ),
    CrewTemplate(
        "place team",
        BROMSGROVE,
        VehicleKind.CAGED_TIPPER,
        6000.0,
        frozenset(),
        (PLACE_LEADER, PLACE_HAND),
    ),
)

FIRST_NAMES = (
    "Alan",
    "Beth",
    "Carl",
    "Dawn",
    "Errol",
    "Fiona",
    "Gary",
    "Hannah",
    "Imran",
    "Jo",
    "Kev",
    "Lisa",
    "Mick",
    "Nadia",
    "Owen",
    "Priya",
    "Ray",
    "Sue",
    "Tom",
    "Val",
    "Wes",
    "Yasmin",
    "Zoe",
    "Dean",
    "Kerry",
    "Lee",
    "Marie",
    "Nathan",
    "Paul",
    "Sandra",
    "Tariq",
    "Wayne",
)
SURNAMES = (
    "Allen",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Ford",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Moore",
    "Nash",
    "Owen",
    "Patel",
    "Reed",
    "Smith",
    "Taylor",
    "Walker",
    "Webb",
    "Wright",
    "Young",
    "Price",
    "Morris",
    "Cooper",
    "Bennett",
    "Hall",
    "Ward",
    "Turner",
)


def crew_count(scale: float) -> int:
    return max(MIN_CREWS, math.ceil(CREWS_AT_SCALE_1 * scale - 1e-9))


def build_crews(
    scale: float,
    depot_by_town: dict[str, str],
    rng: np.random.Generator,
) -> tuple[list[Crew], list[Vehicle], dict[str, str]]:
    """Crews, their vehicles, and the town each crew works from (keyed by crew id)."""
    crews: list[Crew] = []
    vehicles: list[Vehicle] = []
    town_of: dict[str, str] = {}
    used: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    for n in range(crew_count(scale)):
        t = TEMPLATES[n % len(TEMPLATES)]
        key = (t.town, t.label)
        seen[key] = seen.get(key, 0) + 1
        crew_id = f"crew-{n + 1:03d}"
        vehicle_id = f"vehicle-{n + 1:03d}"
        name = f"{t.town} {t.label} {seen[key]}"
        members = []
        for skills in t.members:
            while True:
                person = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
                if person not in used:
                    used.add(person)
                    break
            members.append(CrewMember(person, frozenset(skills)))
        vehicle_name = {
            VehicleKind.CAGED_TIPPER: "caged tipper",
            VehicleKind.SWEEPER: "compact sweeper",
            VehicleKind.VAN_WITH_TRAILER: "van and trailer",
            VehicleKind.REFUSE_VEHICLE: "refuse vehicle",
        }[t.vehicle_kind]
        letters = "".join(rng.choice(list("ABCEFHKLMNPRSTVWXY"), 3))
        reg = f"{'RD' if t.town == REDDITCH else 'BG'}{64 + n % 30:02d} {letters}"
        vehicles.append(
            Vehicle(vehicle_id, f"{vehicle_name} {reg}", t.vehicle_kind, t.capacity_l, t.equipment)
        )
        crews.append(
            Crew(
                crew_id,
                name,
                depot_by_town[t.town],
                vehicle_id,
                tuple(members),
                SHIFT_START_S,
                SHIFT_END_S,
                (LUNCH,),
                t.days_off,
            )
        )
        town_of[crew_id] = t.town
    return crews, vehicles, town_of
