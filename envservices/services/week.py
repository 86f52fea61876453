"""Reading the week's inputs from the database for the one pipeline (`envservices.week.decide_week`).

`plan`, the Plan board (through `prepare_week`) and the need map read their inputs here; the simulation
builds the same `WeekInputs` from its own world. Either way the work is decided by the same function.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from envservices.domain import Area, Asset, ClosedPeriod, Observation, Place, RotaEntry
from envservices.domain.calendar import WorkCalendar
from envservices.domain.settings import Settings
from envservices.domain.waste import CollectionRound, MissedCollection, Property
from envservices.week import WeekInputs, WeekWork, decide_week

OBSERVATION_LOOKBACK_DAYS = 120
"""Readings older than this do not change a forecast measurably and are not read for a week's plan."""
MISSED_LOOKBACK_DAYS = 28
"""Missed bins reported this long before the week are read; those still due back this week are planned."""


@dataclass(frozen=True)
class StoredState:
    """What the database holds that a week's work depends on, read once for every area."""

    settings: Settings
    areas: list[Area]
    places: dict[str, Place]
    assets: dict[str, Asset]
    rota: list[RotaEntry]
    observations: list[Observation]
    done_visits: list
    calendar: WorkCalendar
    closed: list[ClosedPeriod]
    rounds: list[CollectionRound] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    """Households, read only when there are rounds or missed bins (a database without refuse reads none)."""
    missed: list[MissedCollection] = field(default_factory=list)


def read_state(uow, week_start: dt.date) -> StoredState:
    """Everything a week's work depends on, in one unit of work."""
    from envservices.services.planning import visits_done

    since = dt.datetime.combine(week_start - dt.timedelta(days=OBSERVATION_LOOKBACK_DAYS), dt.time())
    rounds = uow.collection_rounds.list()
    # a missed bin is reported at most a few working days before it is due back
    missed = [m for m in uow.missed_collections.list(since=week_start - dt.timedelta(days=MISSED_LOOKBACK_DAYS))
              if m.return_by >= week_start]
    properties = uow.properties.list() if rounds or missed else []
    council_days = uow.calendar.list(since=week_start - dt.timedelta(days=60),
                                     until=week_start + dt.timedelta(days=60))
    return StoredState(
        settings=uow.settings.load(), areas=uow.areas.list(), places={p.id: p for p in uow.places.list()},
        assets={a.id: a for a in uow.assets.list()}, rota=uow.rota.list(),
        observations=uow.observations.list(since=since), done_visits=visits_done(uow, since.date(), week_start),
        calendar=WorkCalendar.around(week_start, council_days), closed=uow.closed_periods.list(),
        rounds=rounds, properties=properties, missed=missed,
    )


def area_inputs(state: StoredState, area: Area, week_start: dt.date, *, place_ids: set[str] | None = None,
                source: str = "auto") -> WeekInputs:
    """The `WeekInputs` of one area (optionally only some of its places) from the stored state."""
    from envservices.services.planning import work_done

    places = {pid: p for pid, p in state.places.items()
              if p.area_id == area.id and (place_ids is None or pid in place_ids)}
    assets = {aid: a for aid, a in state.assets.items() if a.place_id in places}
    rota = [r for r in state.rota if r.asset_id in assets or r.place_id in places]
    observations = [o for o in state.observations if o.place_id in places]
    services = state.settings.services()
    done = work_done(area, week_start, rota=[r for r in rota if r.service in services], assets=assets,
                     places=places, observations=observations, services=services, settings=state.settings,
                     done_visits=state.done_visits)
    homes = [p for p in state.properties if p.place_id in places]
    home_ids = {p.id for p in homes}
    return WeekInputs(area=area, week_start=week_start, places=places, assets=assets, rota=rota,
                      observations=observations, work_done=done, settings=state.settings,
                      calendar=state.calendar, source=source, rounds=state.rounds if homes else (),
                      properties=homes, missed=[m for m in state.missed if m.property_id in home_ids])


def week_work(db, week_start: dt.date, area: str | None = None, source: str = "auto") -> dict[str, WeekWork]:
    """Each area's work for the week (area name -> WeekWork), as `plan` would decide it."""
    with db.unit_of_work() as uow:
        state = read_state(uow, week_start)
    return {a.name: decide_week(area_inputs(state, a, week_start, source=source))
            for a in state.areas if area is None or a.name.lower() == area.lower() or a.id == area}


__all__ = ["OBSERVATION_LOOKBACK_DAYS", "StoredState", "area_inputs", "read_state", "week_work"]
