"""Rounds as the week's work: tasks on the round's day and week, bank-holiday slides, missed-bin returns."""

from __future__ import annotations

import datetime as dt

from shapely.geometry import Point

from envservices.domain.model import Urgency
from envservices.domain.waste import (
    CollectionRound,
    Container,
    Frequency,
    MissedCollection,
    MissReason,
    Property,
    Stream,
)
from envservices.rounds.calendar import england_bank_holidays
from envservices.rounds.week import missed_by_round_and_week, missed_tasks, round_tasks, street_work_rules

ROUNDS = [CollectionRound("rA", "Residual Mon A", Stream.RESIDUAL, 0, "A"),
          CollectionRound("rB", "Residual Mon B", Stream.RESIDUAL, 0, "B"),
          CollectionRound("food", "Food Mon", Stream.FOOD, 0, "")]


def _homes() -> list[Property]:
    out = []
    for k, (place, week) in enumerate([("p1", "A"), ("p1", "A"), ("p2", "A"), ("p1", "B")]):
        out.append(Property(f"h{k}", Point(100 * k, 0), place_id=place, assisted=k == 0, containers=(
            Container(Stream.RESIDUAL, 240, Frequency.FORTNIGHTLY, 0, week, f"r{week}"),
            Container(Stream.FOOD, 23, Frequency.WEEKLY, 0, "", "food"))))
    return out


def test_week_a_rounds_become_one_task_per_place_on_their_day():
    """ISO week 49 of 2026 is odd (week A): round A gives a task per place, round B none, food every week."""
    monday = dt.date(2026, 11, 30)
    assert monday.isocalendar().week == 49
    tasks = round_tasks(ROUNDS, _homes(), monday)
    residual = sorted((t.place_id, t.duration_s) for t in tasks if t.service == "refuse_residual")
    assert residual == [("p1", 14 + 60 + 14), ("p2", 14)]  # the assisted one takes a minute more
    assert all(t.earliest_day == t.latest_day == monday for t in tasks)
    assert sum(t.service == "refuse_food" for t in tasks) == 2
    next_week = round_tasks(ROUNDS, _homes(), monday + dt.timedelta(days=7))
    assert {t.note.split(":")[0] for t in next_week if t.service == "refuse_residual"} == {"Residual Mon B (Monday week B)"}


def test_bank_holiday_monday_slides_the_rounds_to_tuesday():
    """Spring bank holiday 2026 (25 May): Monday's rounds are collected on Tuesday 26 May."""
    monday = dt.date(2026, 5, 25)
    tasks = round_tasks(ROUNDS, _homes(), monday, england_bank_holidays([2026]))
    assert tasks and {t.earliest_day for t in tasks} == {dt.date(2026, 5, 26)}


def test_missed_bins_come_back_within_their_return_day_and_are_counted_per_round():
    """A bin missed on Thursday with return by Monday is an urgent task Friday to Monday of next week."""
    homes = {p.id: p for p in _homes()}
    missed = [MissedCollection("m1", "h1", Stream.RESIDUAL, dt.date(2026, 12, 3), MissReason.MISSED_BY_CREW,
                               dt.date(2026, 12, 7), "rA")]
    this_week = missed_tasks(missed, homes, dt.date(2026, 11, 30))
    assert [(t.earliest_day, t.latest_day, t.urgency) for t in this_week] == [
        (dt.date(2026, 12, 4), dt.date(2026, 12, 6), Urgency.URGENT)]
    assert [t.latest_day for t in missed_tasks(missed, homes, dt.date(2026, 12, 7))] == [dt.date(2026, 12, 7)]
    assert missed_by_round_and_week(missed) == {("rA", "2026-W49"): 1}
    assert street_work_rules()[0].second_service == "litter_pick"


def test_street_work_rules_find_a_pick_on_collection_day_and_mowing_on_it():
    """Collection Monday at p1: a pick on Tuesday holds, one on Monday breaks "after"; mowing Monday breaks "apart"."""
    from envservices.rounds.week import proposed_street_work_rules, street_work_conflicts

    monday = dt.date(2026, 11, 30)
    tuesday = monday + dt.timedelta(days=1)
    rules = proposed_street_work_rules([Stream.RESIDUAL])
    assert street_work_conflicts(rules, [("refuse_residual", "p1", monday), ("litter_pick", "p1", tuesday),
                                         ("mow", "p1", tuesday), ("mow", "p2", monday)]) == []
    broken = street_work_conflicts(rules, [("refuse_residual", "p1", monday), ("litter_pick", "p1", monday),
                                           ("mow", "p1", monday)])
    assert broken == ["litter_pick at p1 on Mon 30 Nov is not 1 day(s) after its refuse_residual.",
                      "mow at p1 on Mon 30 Nov falls on a refuse_residual day."]


def test_household_calendar_shows_the_slid_day():
    """Over the spring bank holiday fortnight: week A residual slides Monday -> Tuesday, noted; week B recycling."""
    from envservices.rounds.week import household_calendar

    home = Property("h", Point(0, 0), containers=(
        Container(Stream.RESIDUAL, 240, Frequency.FORTNIGHTLY, 0, "A"),
        Container(Stream.DRY_RECYCLING, 240, Frequency.FORTNIGHTLY, 0, "B")))
    monday = dt.date(2026, 5, 25)  # ISO week 22: week B
    entries = household_calendar(home, monday - dt.timedelta(days=7), 2, england_bank_holidays([2026]))
    assert entries == [(dt.date(2026, 5, 18), Stream.RESIDUAL, ""),
                       (dt.date(2026, 5, 26), Stream.DRY_RECYCLING, "instead of Monday 25 May")]
