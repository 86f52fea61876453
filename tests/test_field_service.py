"""Completion accounting from the crew page: signed crew-day links, taps applied once, readings, timesheet."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from field_helpers import DAY, WEEK, make_field_db

from envservices.domain import ObservationKind, VisitStatus
from envservices.errors import PermissionDenied, UserError
from envservices.services import field, timesheet

MORNING = dt.datetime(2026, 11, 30, 9)


@pytest.fixture()
def db(tmp_path):
    database = make_field_db(tmp_path / "f.sqlite")
    yield database
    database.dispose()


def _grant(db, crew="crew-a"):
    return field.check_token(db, field.issue_token(db, crew, DAY), at=MORNING)


def _visits(db):
    with db.unit_of_work() as uow:
        plan = uow.plans.get("plan-1")
    return {v.task_id: v for cd in plan.crew_days for v in cd.visits}


def test_a_token_opens_its_crew_day_and_nothing_else(db):
    """A signed token opens its own crew-day; forged, damaged, expired tokens and other crews' visits are refused."""
    token = field.issue_token(db, "crew-a", DAY)
    grant = field.check_token(db, token, at=MORNING)
    assert (grant.crew_id, grant.day, grant.user) == ("crew-a", DAY, "super")
    assert [v.task_id for v in field.crew_day_view(db, grant).visits] == ["t-bin", "t-pick", "t-mow", "t-pick2"]
    body, sig = token.split(".")
    other = field.issue_token(db, "crew-b", DAY).split(".")[0]
    with pytest.raises(PermissionDenied, match="not issued by this database"):
        field.check_token(db, f"{other}.{sig}", at=MORNING)
    with pytest.raises(PermissionDenied, match="damaged"):
        field.check_token(db, "nonsense", at=MORNING)
    with pytest.raises(PermissionDenied, match="expired"):
        field.check_token(db, token, at=dt.datetime(2026, 12, 5))
    with pytest.raises(PermissionDenied, match="not on this crew's day"):
        field.submit(db, grant, {"id": "x1", "task_id": "t-b1", "action": "done"})
    assert _visits(db)["t-b1"].status is VisitStatus.PLANNED


def test_taps_are_applied_once_with_actual_times_and_readings(db):
    """Done records actual times; a replayed tap changes nothing; a second 'done' is refused; readings become
    observations; every change is in the audit log."""
    grant = _grant(db)
    field.submit(db, grant, {"id": "s1", "task_id": "t-bin", "action": "reading", "value": 90,
                             "at": "2026-11-30T07:35:00Z"})
    field.submit(db, grant, {"id": "s2", "task_id": "t-bin", "action": "start", "at": "2026-11-30T07:33:00Z"})
    first = field.submit(db, grant, {"id": "s3", "task_id": "t-bin", "action": "done",
                                     "at": "2026-11-30T07:51:00Z"})
    again = field.submit(db, grant, {"id": "s3", "task_id": "t-bin", "action": "done",
                                     "at": "2026-11-30T07:51:00Z"})
    assert again.replay and again.message == first.message
    with pytest.raises(UserError, match="already marked done at 07:51"):
        field.submit(db, grant, {"id": "s4", "task_id": "t-bin", "action": "done"})
    with pytest.raises(UserError, match="already marked done"):
        field.submit(db, grant, {"id": "s5", "task_id": "t-bin", "action": "missed", "reason": "x"})
    with pytest.raises(UserError, match="say why"):
        field.submit(db, grant, {"id": "s6", "task_id": "t-mow", "action": "missed"})
    field.submit(db, grant, {"id": "s7", "task_id": "t-mow", "action": "cant_reach", "reason": "car parked on it"})
    visits = _visits(db)
    assert visits["t-bin"].status is VisitStatus.DONE
    assert (visits["t-bin"].actual_start, visits["t-bin"].actual_end) == (
        dt.datetime(2026, 11, 30, 7, 33), dt.datetime(2026, 11, 30, 7, 51))
    assert visits["t-mow"].status is VisitStatus.MISSED and "car parked" in visits["t-mow"].reason
    with db.unit_of_work() as uow:
        obs = uow.observations.list(asset_id="bin-1")
        subs = uow.field.submissions()
        audit = uow.audit_log.list()
    assert [(o.kind, o.fill_pct, o.source) for o in obs] == [(ObservationKind.BIN_FILL, 90.0, "crew page")]
    assert [s.id for s in subs] == ["s1", "s2", "s3", "s7"]
    tables = {a.table_name for a in audit if a.user_name == "super"}
    assert {"plan_visits", "plans", "observations", "field_submissions"} <= tables


def test_bad_taps_change_nothing(db):
    """Bad readings, unknown actions and times off the day are refused with a sentence; nothing is stored."""
    grant = _grant(db)
    for data, words in [
        ({"id": "b1", "task_id": "t-bin", "action": "reading", "value": 400}, "bin fill"),
        ({"id": "b2", "task_id": "t-pick", "action": "reading", "value": "Z"}, "litter grade"),
        ({"id": "b3", "task_id": "t-pick", "action": "explode"}, "not something"),
        ({"id": "b4", "task_id": "t-pick", "action": "done", "at": "2026-10-01T09:00:00Z"}, "not on this crew-day"),
        ({"task_id": "t-pick", "action": "done"}, "needs the id"),
    ]:
        with pytest.raises(UserError, match=words):
            field.submit(db, grant, data)
    with db.unit_of_work() as uow:
        assert uow.field.submissions() == [] and uow.observations.count() == 0
    assert all(v.status is VisitStatus.PLANNED for v in _visits(db).values())


def test_photos_refuse_non_images_and_huge_files(db):
    """A PNG is kept; text and files over the limit are refused with a clear sentence."""
    grant = _grant(db)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    photo_id = field.add_photo(db, grant, "t-bin", png, filename="bin.png")
    with pytest.raises(UserError, match="not a photo"):
        field.add_photo(db, grant, "t-bin", b"hello, this is not a picture at all....", filename="note.txt")
    with pytest.raises(UserError, match="at most 8 MB"):
        field.add_photo(db, grant, "t-bin", b"\xff\xd8\xff" + b"\0" * field.MAX_PHOTO_BYTES, filename="big.jpg")
    with db.unit_of_work() as uow:
        assert [p.id for p in uow.field.photos("plan-1")] == [photo_id]
        assert uow.field.photo_data(photo_id) == png


def test_timesheet_has_planned_and_actual_hours(db, tmp_path):
    """The timesheet CSV gives each crew-day's planned and actual hours, visits done and missed."""
    grant = _grant(db)
    field.submit(db, grant, {"id": "a", "task_id": "t-bin", "action": "start", "at": "2026-11-30T07:40:00Z"})
    field.submit(db, grant, {"id": "b", "task_id": "t-bin", "action": "done", "at": "2026-11-30T08:00:00Z"})
    field.submit(db, grant, {"id": "c", "task_id": "t-pick2", "action": "done", "at": "2026-11-30T16:10:00Z"})
    field.submit(db, grant, {"id": "d", "task_id": "t-mow", "action": "missed", "reason": "rain"})
    out = tmp_path / "t.csv"
    assert timesheet.write_csv(timesheet.timesheet(db, WEEK), out) == 2
    rows = {r["crew"]: r for r in csv.DictReader(out.open())}
    a, b = rows["Crew A"], rows["Crew B"]
    assert (a["planned_hours"], a["actual_start"], a["actual_end"], a["actual_hours"]) == ("4.0", "07:40", "16:10",
                                                                                           "8.5")
    assert (a["visits_done"], a["visits_missed"], a["missed_reasons"], a["overtime_hours"]) == ("2", "1", "rain",
                                                                                                 "0.67")
    assert (b["actual_hours"], b["visits_done"]) == ("", "0")
    with pytest.raises(UserError, match="no stored plan for 2026-W01"):
        timesheet.timesheet(db, "2026-W01")


def test_missed_work_comes_back_in_the_next_plan(db):
    """A visit missed on the crew page is a task in next week's plan; a done one is not."""
    from envservices import services

    grant = _grant(db)
    field.submit(db, grant, {"id": "m1", "task_id": "t-mow", "action": "missed", "reason": "gate locked"})
    field.submit(db, grant, {"id": "m2", "task_id": "t-pick", "action": "done"})
    prepared = services.planning.prepare_week(db, "2026-W50")
    back = [t for t in prepared.tasks if t.source == "missed"]
    assert [(t.id, t.service, t.asset_id, t.earliest_day.isoformat()) for t in back] == [
        ("missed:t-mow", "mow", "grass-1", "2026-12-07")]
    assert "gate locked" in back[0].note


def test_completion_by_area_counts_done_missed_and_hours(db):
    """The manager's view: completion rate, missed reasons and hours on site per area and week."""
    grant = _grant(db)
    field.submit(db, grant, {"id": "a", "task_id": "t-bin", "action": "start", "at": "2026-11-30T07:30:00Z"})
    field.submit(db, grant, {"id": "b", "task_id": "t-bin", "action": "done", "at": "2026-11-30T08:00:00Z"})
    field.submit(db, grant, {"id": "c", "task_id": "t-mow", "action": "missed", "reason": "rain"})
    [row] = timesheet.completion_by_area(db, WEEK)
    assert (row.area, row.visits, row.done, row.missed, row.completion_pct) == ("Bromsgrove", 6, 1, 1, 16.7)
    assert (row.planned_hours, row.actual_hours, row.missed_reasons, row.phase) == (2.0, 0.5, "rain (1)", "")


def test_crew_day_view_says_where_each_visit_is(db):
    """Each visit carries its position in WGS84 (the asset's, else the place's) for the phone's map link."""
    views = {v.task_id: v for v in field.crew_day_view(db, _grant(db)).visits}
    assert 52.3 < views["t-bin"].lat < 52.4 and -2.1 < views["t-bin"].lon < -2.0
    assert views["t-bin"].lat != views["t-mow"].lat or views["t-bin"].lon != views["t-mow"].lon
