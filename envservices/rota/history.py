"""The historic rota's work as the council's work records: what explains the readings taken under it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from envservices.domain.model import Asset, Observation, Place, RotaEntry
from envservices.domain.settings import Settings
from envservices.needs.model import WorkDone
from envservices.rota.tasks import rota_tasks

ROTA_HISTORY_HOUR = 11
"""The council's records of rota work before the season say which day, not what time: assume late morning."""


def rota_history(
    rota: Sequence[RotaEntry],
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    services: Mapping[str, Any],
    settings: Settings,
    observations: Sequence[Observation],
    start: dt.date,
) -> list[WorkDone]:
    """The rota work done over the weeks the recorded readings cover, as the council's work records.

    Before the trial every asset was served by the rota, so the readings in the history fall between known
    services; without these the model would mistake a reading after an emptying for a slow bin.
    """
    if not observations:
        return []
    first = observations[0].observed_at.date()
    last = min(observations[-1].observed_at.date(), start - dt.timedelta(days=1))
    monday = first - dt.timedelta(days=first.weekday())
    out: list[WorkDone] = []
    while monday <= last:
        for t in rota_tasks(rota, assets, places, services, monday, settings):
            if first <= t.earliest_day <= last:
                at = dt.datetime.combine(t.earliest_day, dt.time(ROTA_HISTORY_HOUR))
                out.append(
                    WorkDone(
                        t.service,
                        at,
                        t.asset_id,
                        t.place_id if t.asset_id is None else None,
                        time_known=False,
                    )
                )
        monday += dt.timedelta(weeks=1)
    return out
