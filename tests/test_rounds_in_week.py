"""Collection rounds in the week's plan beside street work: the demo with households plans a summer week with
rounds, litter picks, mowing and verge cuts together, the checker finds nothing, and each 'after' and
'apart' rule holds when read straight from the plan. Missed bins come back within their return-by day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from envservices import services
from envservices.cli import main
from envservices.errors import UserError
from envservices.planning.build import NEAR_M
from envservices.services.planning import prepare_week, solve_week

SUMMER_WEEK = "2027-W23"  # Mon 7 June 2027: mowing and verge cuts are in season, no bank holiday
TODAY = dt.date(2026, 11, 30)
COLLECTION = ("refuse_residual", "refuse_dry_recycling")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    database = services.open_db(str(tmp_path_factory.mktemp("rounds") / "h.sqlite"))
    services.district.create_demo(database, seed=1, scale=0.25, today=TODAY, households=True)
    yield database
    database.dispose()


@pytest.mark.slow
def test_demo_week_plans_rounds_and_street_work_and_keeps_every_rule(demo_db):
    prepared = prepare_week(demo_db, SUMMER_WEEK)
    problem = prepared.problem
    assert problem.after and problem.apart, "a summer week links picks and cuts to the collections"
    plan = solve_week(prepared, time_limit_s=20, seed=1)
    assert plan.violations == ()
    day_of: dict[str, int] = {}
    for cd in plan.crew_days:
        for v in cd.visits:
            day_of[v.task_id] = (cd.day - prepared.week_start).days
    tasks = {t.id: t for t in problem.tasks}
    services_done = {tasks[t].service for t in day_of}
    assert {"refuse_residual", "refuse_food", "litter_pick", "mow"} <= services_done
    # every collection is planned on its round's day (a promise to residents) by its round's crew, so a
    # crew-day's load is one stream, or on the split-body vehicle one stream per compartment
    rounds = [t for t in problem.tasks if t.service.startswith("refuse_")]
    assert rounds and all(day_of.get(t.id) == t.earliest_day for t in rounds)
    crews = {c.id: c for c in problem.crews}
    co_collected = 0
    for cd in plan.crew_days:
        streams = {tasks[v.task_id].stream for v in cd.visits if v.service.startswith("refuse_")}
        crew = crews[cd.crew_id]
        if crew.compartments:
            where = [crew.compartment_for(x) for x in streams]
            assert -1 not in where and len(set(where)) == len(where)
            co_collected += len(streams) == 2
        else:
            assert len(streams) <= 1
    assert co_collected == 1  # the split body's Monday: recycling and food (Redditch's week-B households)
    # each round unloads at its stream's own tip (the transfer station; garden at the composting site)
    takes = {tp.id: tp.streams for tp in problem.tips}
    round_tips = set()
    for cd in plan.crew_days:
        streams = {tasks[v.task_id].stream for v in cd.visits if tasks[v.task_id].stream}
        for stop in cd.stops:
            if stop.kind == "tip" and streams:
                assert streams <= takes[stop.site_id], f"{cd.crew_id} tips {streams} at {stop.site_id}"
                round_tips.add(stop.site_id)
    assert "tip-transfer" in round_tips
    # the board and the worksheets name and place these tips from the prepared week (they are not sites)
    assert round_tips <= {tp.id for tp in prepared.waste_tips}
    # the rules, read from the plan alone (not from the solver's links)
    dist = problem.travel.distance_m
    collected: dict[str, list[tuple[int, int]]] = defaultdict(list)  # place -> (location, day)
    for t in rounds:
        if t.service in COLLECTION:
            collected[t.place].append((t.location, day_of[t.id]))
    crew_days = {(c.id, d) for c in problem.crews for d in range(problem.days)
                 if d not in c.days_off and (c.id, d) not in problem.absent}
    pick_days = {d for c, d in crew_days if any("litter_pick" in x.skills for x in problem.crews if x.id == c)}
    picks_after = cuts_apart = 0
    for tid, day in day_of.items():
        t = tasks[tid]
        near = [(loc, d) for loc, d in collected.get(t.place, []) if dist[loc, t.location] <= NEAR_M]
        if t.service == "litter_pick":
            could = [d for _, d in near if t.earliest_day <= d + 1 <= t.latest_day and d + 1 in pick_days]
            if could:
                picks_after += 1
                assert any(day == d + 1 for d in could), f"{tid} on day {day}, collections on {sorted(could)}"
        elif t.service in ("mow", "verge_cut"):
            if near:
                cuts_apart += 1
            assert day not in {d for _, d in near}, f"{tid} on day {day}, a collection day near it"
    assert picks_after > 0 and cuts_apart > 0
    # nothing urgent (no collection) left out
    assert not [u for u in plan.unplanned if tasks[u.task_id].urgent]
    print(f"{len(problem.tasks)} tasks ({len(rounds)} collections), {len(plan.crew_days)} crew-days, "
          f"{len(plan.unplanned)} left out, {len(plan.violations)} violations; {picks_after} picks the day "
          f"after, {cuts_apart} cuts off bin day")


def test_without_rounds_the_week_has_no_collection_work_and_no_street_work_rules(tmp_path):
    db = services.open_db(str(tmp_path / "plain.sqlite"))
    services.district.create_demo(db, seed=1, scale=0.05, today=TODAY)
    prepared = prepare_week(db, SUMMER_WEEK)
    assert not [t for t in prepared.tasks if t.service.startswith("refuse_")]
    assert prepared.problem.after == () and prepared.problem.apart == ()
    db.dispose()


@pytest.mark.slow
def test_a_missed_bin_comes_back_in_the_next_plan_by_its_return_day(tmp_path, capsys):
    """Reported on Thursday 3 December 2026, due back in two working days: Monday 7 December, in the next
    week's plan; the report per round and week counts it."""
    db = services.open_db(str(tmp_path / "m.sqlite"))
    services.district.create_demo(db, seed=1, scale=0.05, today=TODAY, households=True)
    with db.unit_of_work() as uow:
        home = uow.properties.list()[0]
    missed = services.waste.record_missed(db, home.id, "residual", "missed_by_crew",
                                          reported_on=dt.date(2026, 12, 3))
    assert missed.return_by == dt.date(2026, 12, 7)
    prepared = prepare_week(db, "2026-W50")
    task = next(t for t in prepared.tasks if t.id == f"missed:{missed.id}")
    assert (task.earliest_day, task.latest_day) == (dt.date(2026, 12, 7), dt.date(2026, 12, 7))
    plan = solve_week(prepared, time_limit_s=5, seed=1)
    assert plan.violations == ()
    days = [cd.day for cd in plan.crew_days for v in cd.visits if v.task_id == task.id]
    assert days and days[0] <= missed.return_by
    # after its return-by day it is no longer planned
    assert not [t for t in prepare_week(db, "2026-W51").tasks if t.id == task.id]
    assert main(["rounds", "missed", "--db", str(tmp_path / "m.sqlite")]) == 0
    assert "2026-W49" in capsys.readouterr().out
    db.dispose()


def test_christmas_slides_carry_rounds_across_weeks(tmp_path):
    """Christmas Day 2026 is a Friday and Boxing Day a Saturday, observed on Monday 28th: Friday 25th's rounds
    are collected on Tuesday 29th, in the next week's plan, beside that week's Monday rounds slid to Tuesday;
    no week plans a collection outside itself."""
    db = services.open_db(str(tmp_path / "x.sqlite"))
    services.district.create_demo(db, seed=1, scale=0.05, today=TODAY, households=True)
    christmas = prepare_week(db, "2026-W52").tasks
    assert not [t for t in christmas if t.service.startswith("refuse_") and t.earliest_day.day in (25, 26)]
    assert all(t.earliest_day <= dt.date(2026, 12, 27) for t in christmas if t.service.startswith("refuse_"))
    new_year = [t for t in prepare_week(db, "2026-W53").tasks if t.service.startswith("refuse_")]
    tuesday = {t.note.split("(")[1].split(" ")[0] for t in new_year if t.earliest_day == dt.date(2026, 12, 29)}
    assert {"Monday", "Friday"} <= tuesday
    assert all(dt.date(2026, 12, 28) <= t.earliest_day <= dt.date(2027, 1, 3) for t in new_year)
    db.dispose()


def test_a_council_sets_its_own_after_and_apart_rules(tmp_path):
    """`import rules.csv --kind rules` takes the new kinds and the collection services by their names; a
    council's own after/apart rules replace the built-in street work rules; a bad row changes nothing."""
    db = services.open_db(str(tmp_path / "r.sqlite"))
    services.district.create_demo(db, seed=1, scale=0.05, today=TODAY, households=True)
    sheet = tmp_path / "rules.csv"
    sheet.write_text("kind,first,second,max_days\nbefore,litter_pick,mow,\n"
                     "after,residual collection,litter pick,2\napart,refuse_food,verge_cut,\n")
    assert services.council.import_rules(db, sheet) == 3
    rules = services.council.rules(db)
    assert [(r.kind, r.first_service, r.second_service, r.max_days) for r in rules[1:]] == [
        ("after", "refuse_residual", "litter_pick", 2), ("apart", "refuse_food", "verge_cut", 0)]
    prepared = prepare_week(db, SUMMER_WEEK)
    assert all(a.max_days == 2 for a in prepared.problem.after)
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,first,second,max_days\nafter,refuse_residual,litter_pick,\n")
    with pytest.raises(UserError, match="'after' rule needs max_days of 1 or more"):
        services.council.import_rules(db, bad)
    assert services.council.rules(db) == rules
    db.dispose()
