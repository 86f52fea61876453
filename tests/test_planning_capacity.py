"""Crews needed by skill and week: shortfalls in crew-days and the remedies' costs."""

from __future__ import annotations

import datetime as dt

from envservices.domain.model import Crew, CrewMember, Skill, Task
from envservices.domain.settings import Settings
from envservices.planning.capacity import week_capacity

MONDAY = dt.date(2026, 5, 4)


def _crew(cid: str, *skills: Skill) -> Crew:
    return Crew(cid, cid, "depot", None, (CrewMember("x", frozenset(skills)),))


def _work(skill: Skill, hours: float, n: int = 10) -> list[Task]:
    return [Task(f"{skill.value}{i}", "s", "p", 0, 0, skill, int(hours * 3600 / n), MONDAY, MONDAY)
            for i in range(n)]


def test_a_flush_of_mowing_is_short_and_names_remedies_cheapest_first():
    """80 h of mowing needs 10 crew-days; the mixed crew gives 2 of its 5 to litter picking (only it can), so
    mowing has 8 and is 2 short; each remedy is costed and the cheapest is named first."""
    crews = [_crew("m", Skill.MOWING), _crew("mixed", Skill.MOWING, Skill.LITTER_PICK)]
    work = _work(Skill.MOWING, 80) + _work(Skill.LITTER_PICK, 10)
    rows = {r.skill: r for r in week_capacity("2026-05-04", work, crews, Settings(), hours_per_task_hour=1.0)}
    mow = rows["mowing"]
    assert (mow.needed_crew_days, mow.available_crew_days, mow.short_crew_days) == (10, 8, 2)
    assert rows["litter_pick"].short_crew_days == 0
    costs = {r.what: r.cost for r in mow.remedies}
    assert costs == {"agency": 16 * 48.0, "extra crew": 2 * (8.5 * 62 + 150 + 45), "overtime": 16 * 62 * 1.5}
    assert [r.cost for r in mow.remedies] == sorted(costs.values())


def test_a_skill_no_crew_has_gets_agency_only():
    """No hedge crew: every crew-day is short, and agency staff is the only remedy named."""
    rows = week_capacity("2026-05-04", _work(Skill.HEDGE, 10), [_crew("m", Skill.MOWING)], Settings(),
                         hours_per_task_hour=1.0)
    assert rows[0].available_crew_days == 0 and rows[0].short_crew_days == 2
    assert [r.what for r in rows[0].remedies] == ["agency"]
