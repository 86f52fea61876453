"""Weeks in one canonical form ("2026-W05") and the migration that makes one plan per week (issue 16)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from envservices.domain.weeks import canonical_week, week_monday
from envservices.errors import UserError
from envservices.services.planning import parse_week
from envservices.storage import migrate, open_database


@pytest.mark.parametrize(("text", "week"), [
    ("2026-W26", "2026-W26"), (" 2026-w26 ", "2026-W26"), ("2026-W5", "2026-W05"), ("2026W05", "2026-W05"),
    ("2026-W53", "2026-W53"),
])
def test_accepted_spellings_become_the_canonical_week(text: str, week: str):
    assert canonical_week(text) == week
    assert parse_week(text) == week_monday(week)


@pytest.mark.parametrize(("text", "words"), [
    ("２０２６-W26", "not an ISO week"), ("2026-W０5", "not an ISO week"), ("week 26", "not an ISO week"),
    ("2027-W53", "2027 has no week 53"), ("2026-W00", "has no week 0"), ("9999-W52", "2000 to 2200"),
    ("", "not an ISO week"), ("2026-W26-1", "not an ISO week"),
])
def test_other_spellings_are_refused_with_a_sentence(text: str, words: str):
    with pytest.raises(UserError, match=words):
        parse_week(text)


def test_monday_of_a_week():
    assert week_monday("2026-W01") == dt.date(2025, 12, 29)


def test_migration_keeps_duplicate_plans_and_areas_and_makes_them_unique(tmp_path: Path):
    """A database that already holds three plans of one week (written three ways) and two areas called
    Newtown upgrades: the newest plan is the week's, the others are kept out of it, the second area renamed."""
    path = tmp_path / "old.sqlite"
    migrate.upgrade(f"sqlite:///{path}", "0003")
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "insert into plans (id, week, unplanned, kpis, violations, travel_source, created_at, area_id, "
            "depot_id, version, saved_at) values (?, ?, '[]', '{}', '[]', '', ?, null, null, 1, ?)",
            [("p-old", "2026-W26", "2026-06-01 09:00:00", "2026-06-01 09:00:00"),
             ("p-new", " 2026-w26 ", "2026-06-02 09:00:00", "2026-06-02 09:00:00"),
             ("p-mid", "2026-W26", "2026-06-01 12:00:00", "2026-06-01 12:00:00"),
             ("p-w5", "2026-W5", "2026-01-01 09:00:00", "2026-01-01 09:00:00")])
        connection.executemany("insert into areas (id, name, regime, kind) values (?, ?, 'rota', 'district')",
                               [("a1", "Newtown"), ("a2", "newtown"), ("a3", "Oldtown")])
    connection.close()
    db = open_database(str(path), user="ada")
    try:
        with db.unit_of_work() as uow:
            assert uow.plans.get_by_week("2026-W26").id == "p-new"
            assert uow.plans.get_by_week("2026-W05").id == "p-w5"
            assert {p.id: p.week for p in uow.plans.list()} == {
                "p-new": "2026-W26", "p-mid": "2026-W26 superseded 1", "p-old": "2026-W26 superseded 2",
                "p-w5": "2026-W05"}
            assert sorted(a.name for a in uow.areas.list()) == ["Newtown", "Oldtown", "newtown (2)"]
        assert db.integrity_check() == "ok"
    finally:
        db.dispose()


def test_the_plan_of_a_scope_is_found_exactly(tmp_path: Path):
    """One plan per area, depot and week: get_for_scope finds the one a re-plan of that scope replaces, where
    get_by_week(week) may answer with another depot's plan of the same week."""
    from test_multiuser import small_district
    from test_races import _first_plan

    from envservices.domain import Plan

    db = open_database(str(tmp_path / "scope.sqlite"), user="ada")
    try:
        small_district(db)
        whole = Plan("plan-whole", "2026-W47", ())
        with db.unit_of_work() as uow:
            uow.plans.add(whole)
            uow.plans.add(_first_plan("plan-depot"))
            uow.commit()
        with db.unit_of_work() as uow:
            assert uow.plans.get_for_scope(" 2026-w47", None, None).id == "plan-whole"
            assert uow.plans.get_for_scope("2026-W47", None, "depot-1").id == "plan-depot"
            assert uow.plans.get_for_scope("2026-W47", "area-1", None) is None
    finally:
        db.dispose()
