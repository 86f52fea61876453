"""A locked crew-day's collection whose task is no longer in the week is kept as it was: it keeps its stream
(so it is unloaded at a tip that takes it), the round's skill and vehicle, instead of failing."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import box

from envservices.domain import Place, Skill, Visit
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.services.planning import _task_of_visit

DAY = dt.date(2026, 12, 7)
PLACES = {"p1": Place("p1", "Mill Lane", "a1", box(0, 0, 100, 100))}


def test_a_kept_collection_keeps_its_stream_skill_and_vehicle():
    services = Settings().services()
    food = _task_of_visit(Visit("r-food:2026-12-07:p1", "p1", 3600, 3600, 4200, service="refuse_food"), DAY,
                          PLACES, {}, services)
    assert (food.stream, food.skill, food.equipment, food.source) == ("food", Skill.HGV, "food_vehicle", "kept")
    residual = _task_of_visit(Visit("r1:2026-12-07:p1", "p1", 0, 0, 600, service="refuse_residual"), DAY,
                              PLACES, {}, services)
    assert (residual.stream, residual.equipment, residual.earliest_day) == ("residual", "rcv", DAY)
    pick = _task_of_visit(Visit("t1", "p1", 0, 0, 600, service="litter_pick"), DAY, PLACES, {}, services)
    assert pick.stream is None and pick.skill == services["litter_pick"].skill


def test_a_kept_visit_of_a_service_no_longer_in_the_catalogue_is_one_sentence():
    with pytest.raises(UserError, match="kept visit .t9. is of a service the catalogue no longer has: hedge_laying"):
        _task_of_visit(Visit("t9", "p1", 0, 0, 600, service="hedge_laying"), DAY, PLACES, {}, Settings().services())
