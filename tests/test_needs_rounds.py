"""Bin emptying as rounds: a place's bins that need a visit, or are well on the way, share one visit."""

from __future__ import annotations

import datetime as dt

from shapely.geometry import Point, box

from envservices.domain.model import (
    Asset,
    AssetKind,
    IntensityZone,
    Observation,
    ObservationKind,
    Place,
)
from envservices.domain.settings import Settings
from envservices.needs.model import WorkDone
from envservices.needs.tasks import needs_tasks

SETTINGS = Settings()
SERVICES = SETTINGS.services()
PLACES = {"p1": Place("p1", "Market Square", "a1", box(0, 0, 1000, 1000), zone=IntensityZone.HIGH)}
MONDAY = dt.date(2026, 6, 1)
AS_OF = dt.datetime.combine(MONDAY, dt.time())


def bins(n: int) -> dict[str, Asset]:
    return {
        f"b{i}": Asset(f"b{i}", AssetKind.LITTER_BIN, Point(100 + i, 100), "p1", capacity_l=110)
        for i in range(n)
    }


def readings(levels: dict[str, tuple[float, float]]) -> tuple[list[Observation], list[WorkDone]]:
    """Each bin emptied a week ago and read twice since: (fill three days ago, fill last night)."""
    obs, work = [], []
    for aid, (earlier, now) in levels.items():
        work.append(WorkDone("empty_bin", AS_OF - dt.timedelta(days=7), aid))
        obs.append(
            Observation(
                f"{aid}-a", ObservationKind.BIN_FILL, AS_OF - dt.timedelta(days=3), "p1", aid, fill_pct=earlier
            )
        )
        obs.append(
            Observation(
                f"{aid}-b", ObservationKind.BIN_FILL, AS_OF - dt.timedelta(hours=10), "p1", aid, fill_pct=now
            )
        )
    return obs, work


def test_bins_due_and_half_full_share_one_round_empty_bins_wait() -> None:
    """The bin that cannot wait sets the round; a bin past the top-up level joins it; an empty one does not."""
    assets = bins(3)
    obs, work = readings({"b0": (60.0, 85.0), "b1": (45.0, 60.0), "b2": (5.0, 10.0)})
    tasks = [t for t in needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work) if t.asset_id]
    first = {t.asset_id: t for t in tasks if t.id.endswith(":0")}
    assert set(first) == {"b0", "b1"}
    assert first["b0"].earliest_day == MONDAY == first["b1"].earliest_day
    assert first["b0"].latest_day == first["b1"].latest_day


def test_rounds_leave_no_bin_to_overflow_before_next_week() -> None:
    """Every planned round lies before the bin's forecast overflow, and the last one sees it to Monday."""
    assets = bins(1)
    obs, work = readings({"b0": (40.0, 70.0)})  # about 10 % a day: full again about every ten days
    tasks = sorted(
        needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work), key=lambda t: t.earliest_day
    )
    assert tasks and tasks[0].latest_day <= MONDAY + dt.timedelta(days=2)
    assert all(t.earliest_day <= t.latest_day for t in tasks)


def test_top_ups_dropped_when_week_exceeds_the_rotas_bin_count() -> None:
    """Past the rota's weekly count of emptyings the half-full bin waits for its own round; within it, it
    joins the round of the bin that cannot wait."""
    from envservices.domain.model import RotaEntry

    assets = bins(3)
    obs, work = readings({"b0": (60.0, 85.0), "b1": (45.0, 60.0), "b2": (5.0, 10.0)})
    roomy = [RotaEntry(f"r{i}", "empty_bin", asset_id=f"b{i}", weekdays=(0, 3)) for i in range(3)]
    tight = [RotaEntry("r0", "empty_bin", asset_id="b0", weekdays=(0,))]

    def first_visits(rota: list[RotaEntry]) -> dict[str | None, dt.date]:
        tasks = needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work, rota=rota)
        return {t.asset_id: t.latest_day for t in tasks if t.service == "empty_bin" and t.id.endswith(":0")}

    roomy_days, tight_days = first_visits(roomy), first_visits(tight)
    assert set(roomy_days) == {"b0", "b1"} and roomy_days["b1"] == roomy_days["b0"]
    assert "b2" not in tight_days and tight_days["b1"] > tight_days["b0"]


def test_fridays_round_takes_the_bin_that_would_overflow_at_the_weekend() -> None:
    """A bin that lasts past Friday but not to Monday is emptied this week, in its last round."""
    assets = bins(1)
    obs, work = readings({"b0": (10.0, 20.0)})  # overflows about Sunday
    tasks = [t for t in needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work) if t.asset_id]
    assert [t.latest_day for t in tasks] == [MONDAY + dt.timedelta(days=4)]


def test_bin_rounds_capped_at_the_rotas_round_days_plus_one() -> None:
    """Bins falling due Monday, Wednesday and Friday get three rounds with no rota; a place the rota serves
    on Mondays only gets two, the second taking every bin that would fall due before next week."""
    from envservices.domain.model import RotaEntry

    assets = bins(3)
    obs, work = readings({"b0": (60.0, 85.0), "b1": (30.0, 50.0), "b2": (15.0, 28.0)})
    mondays = [RotaEntry(f"r{i}", "empty_bin", asset_id=f"b{i}", weekdays=(0,)) for i in range(3)]

    def round_days(rota: list[RotaEntry]) -> set[dt.date]:
        tasks = needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work, rota=rota)
        return {t.latest_day for t in tasks if t.service == "empty_bin"}

    assert len(round_days([])) == 3
    capped = needs_tasks(assets, PLACES, obs, SERVICES, MONDAY, SETTINGS, work, rota=mondays)
    assert len({t.latest_day for t in capped}) == 2
    assert {t.asset_id for t in capped if t.latest_day > MONDAY} == {"b0", "b1", "b2"}
