"""The demo's historic rota fits its crews: most of their week, never more than they can do."""

from __future__ import annotations

import datetime as dt

import pytest

from envservices.demo import build_demo_district
from envservices.demo.capacity import MAX_LOAD, describe, rota_week_load, week_load
from envservices.domain.model import Crew, CrewMember, Skill, Task

TODAY = dt.date(2026, 11, 23)
JUNE = dt.date(2026, 6, 1)
NOVEMBER = dt.date(2026, 11, 30)


@pytest.fixture(scope="module", params=[1.0, 0.25])
def district(request):
    return build_demo_district(seed=1, scale=request.param, today=TODAY)


@pytest.mark.parametrize("week", [JUNE, NOVEMBER])
def test_each_skill_fits_the_crews_able_to_do_it(district, week):
    """Rota task-hours of each skill stay within 95 % of the free time (after travel) of crews with it."""
    load = rota_week_load(district, week)
    over = [s for s in load.skills if s.share > MAX_LOAD]
    assert not over, describe(load)


@pytest.mark.parametrize("week", [JUNE, NOVEMBER])
def test_each_day_can_be_shared_out(district, week):
    """A rota has no slack, so each weekday's work must fit the crews at work that day, skills and all."""
    load = rota_week_load(district, week)
    assert max(load.day_shares[:5]) <= MAX_LOAD + 0.05, describe(load)
    assert load.share <= MAX_LOAD, describe(load)


def test_june_keeps_the_crews_busy(district):
    """In the peak week the rota uses most of the crews' time, as one designed for them would."""
    load = rota_week_load(district, JUNE)
    assert load.share >= 0.5, describe(load)
    if district.scale == 1.0:
        # 30 % travel is the estimate's allowance; a week of 2,600 bin stops travels more (the season
        # simulation's rota routes spend about 38 % of their hours between jobs), so about 70 % here is a
        # week that keeps the crews busy
        assert 0.65 <= load.share <= 0.92, describe(load)
        assert load.skill("mowing").share >= 0.5, describe(load)


def test_november_asks_less_than_june(district):
    """Grass is not cut after October, so the winter rota leaves room the summer one does not."""
    assert rota_week_load(district, NOVEMBER).task_hours < rota_week_load(district, JUNE).task_hours


def test_rota_still_over_serves_bins(district):
    """Bins are emptied more often than their fill needs (at 75 %): the needs regime has room to save."""
    rate = {a.id: a.attributes["true_fill_rate_pct_per_day"] for a in district.assets if a.kind.is_bin}
    rota_empties = sum(len(e.weekdays) for e in district.rota if e.service == "empty_bin")
    needed = sum(r * 7 / 75.0 for r in rate.values())
    assert rota_empties > 1.1 * needed


def test_rota_days_follow_the_place_not_the_bin(district):
    """A historic rota knows where a bin stands, not how fast it fills: every bin of a place is emptied on
    the same days, so a place's slowest bins get the visits its busiest need (the waste the trial removes)."""
    days_of_place: dict[str, set[tuple[int, ...]]] = {}
    for e in district.rota:
        if e.service == "empty_bin":
            days_of_place.setdefault(e.place_id, set()).add(tuple(sorted(e.weekdays)))
    assert days_of_place and all(len(days) == 1 for days in days_of_place.values())
    character = {p.id: p.character for p in district.places}
    per_week = {character[pid]: len(next(iter(days))) for pid, days in days_of_place.items()}
    assert per_week.get("town centre", 5) == 5 and per_week.get("housing estate", 2) == 2


def _crew(cid: str, skills: set[Skill], days_off=frozenset({5, 6})) -> Crew:
    return Crew(cid, cid, "depot", None, (CrewMember("A", frozenset(skills)),), days_off=days_off)


def _task(n: int, skill: Skill, day: dt.date, hours: float) -> Task:
    return Task(f"t{n}", "svc", "p", 0.0, 0.0, skill, int(hours * 3600), day, day)


def test_day_share_counts_who_can_do_what():
    """Work only one crew can do loads that crew, even when another crew with other skills is idle."""
    crews = [_crew("a", {Skill.MOWING}), _crew("b", {Skill.BIN_EMPTY})]
    free_h = 8.0 * 0.7
    tasks = [_task(1, Skill.MOWING, JUNE, free_h)]
    load = week_load(tasks, crews, JUNE)
    assert load.day_shares[0] == pytest.approx(1.0, rel=1e-3)
    assert load.skill("mowing").share == pytest.approx(0.2, rel=1e-3)
    shared = [_crew("a", {Skill.MOWING, Skill.BIN_EMPTY}), _crew("b", {Skill.BIN_EMPTY})]
    both = [_task(1, Skill.MOWING, JUNE, free_h / 2), _task(2, Skill.BIN_EMPTY, JUNE, free_h)]
    assert week_load(both, shared, JUNE).day_shares[0] == pytest.approx(0.75, rel=1e-3)


def test_a_day_off_leaves_the_work_to_others():
    """A crew's day off takes its hours out of that day."""
    crews = [_crew("a", {Skill.LITTER_PICK}, frozenset({2, 5, 6})), _crew("b", {Skill.LITTER_PICK})]
    wednesday = JUNE + dt.timedelta(days=2)
    load = week_load([_task(1, Skill.LITTER_PICK, wednesday, 5.6)], crews, JUNE)
    assert load.day_shares[2] == pytest.approx(1.0, rel=1e-3)
