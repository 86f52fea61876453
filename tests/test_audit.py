"""The audit log: every change made through a unit of work is written in the same transaction, with who,
when, what, before and after; bulk imports are summarised; nobody can edit the log from the application."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from shapely.geometry import Point
from sqlalchemy.exc import DBAPIError
from test_multiuser import grade, small_district

from envservices.domain import Asset, AssetKind, Grade, Observation, ObservationKind, VisitStatus
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.services import observations, planning, settings, users
from envservices.storage import Database, Role, open_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgis)])
def db(request: pytest.FixtureRequest, tmp_path: Path):
    url = str(tmp_path / "audit.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = open_database(url, user=None if request.param == "postgresql" else "ada")
    small_district(database)
    yield database
    database.dispose()


def _entries(db: Database, table: str) -> list:
    with db.unit_of_work() as uow:
        return uow.audit_log.list(table_name=table)


def test_single_changes_are_logged_with_who_when_before_and_after(db: Database):
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    observations.record(db, grade("place-a", "obs-1"))
    [added] = _entries(db, "observations")
    assert (added.action, added.record_id, added.user_name) == ("insert", "obs-1", db.user)
    assert added.after["grade"] == "B" and added.before is None and added.at >= started
    with db.unit_of_work() as uow:
        place = uow.places.get("place-a")
        uow.places.update(dataclasses.replace(place, name="Church Hill North"))
        uow.commit()
    update = _entries(db, "places")[-1]
    assert update.action == "update" and update.record_id == "place-a"
    assert (update.before["name"], update.after["name"]) == ("Church Hill", "Church Hill North")
    assert (update.before["version"], update.after["version"]) == (1, 2)
    assert update.after["geometry"].startswith("POLYGON") and "minx" not in update.after
    observations.delete(db, "obs-1")
    deleted = _entries(db, "observations")[-1]
    assert deleted.action == "delete" and deleted.before["id"] == "obs-1" and deleted.after is None


def test_marking_a_visit_logs_the_visit_status_change(db: Database):
    planning.mark_visit(db, "plan-1", "task-a", VisitStatus.MISSED, "car parked on the verge")
    entry = _entries(db, "plans")[-1]
    assert entry.before["visit_status"] == {"task-a": ["planned", ""]}
    assert entry.after["visit_status"] == {"task-a": ["missed", "car parked on the verge"]}
    assert entry.after["version"] == entry.before["version"] + 1


def test_settings_changes_log_only_the_keys_that_changed(db: Database):
    settings.save(db, Settings())
    before = settings.load(db)
    changed = before.to_mapping()
    key = next(k for k, v in changed.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
    changed[key] = changed[key] + 1
    settings.save(db, Settings.from_mapping(changed))
    entry = _entries(db, "settings")[-1]
    assert list(entry.after) == [key] and entry.after[key] == entry.before[key] + 1


def test_a_bulk_import_writes_one_summary_row_per_table_per_commit(db: Database):
    """50,000 bins in one commit: one audit row for assets (count exact, first 1,000 ids listed)."""
    assets = [Asset(f"bin-{i}", AssetKind.LITTER_BIN, Point(400000 + i % 300, 260000 + i // 300), "place-a")
              for i in range(50_000)]
    with db.unit_of_work() as uow:
        uow.assets.add_all(assets[:30_000])
        uow.assets.add_all(assets[30_000:])
        uow.commit()
    [summary] = _entries(db, "assets")
    assert summary.action == "insert_many" and summary.after["count"] == 50_000
    assert summary.after["ids"][:2] == ["bin-0", "bin-1"] and len(summary.after["ids"]) == 1_000


def test_refused_or_rolled_back_work_leaves_no_audit_row(db: Database):
    with db.unit_of_work() as uow:
        before = uow.audit_log.count()
        with pytest.raises(UserError, match="same id"):
            uow.observations.add(grade("place-a", "dup")) or uow.observations.add(grade("place-a", "dup"))
        uow.rollback()
        uow.observations.add_all([grade("place-a"), grade("place-a")])
        uow.rollback()
        uow.commit()
        assert uow.audit_log.count() == before
    with db.unit_of_work() as uow:
        uow.observations.add(grade("place-a", "never"))  # no commit
    with db.unit_of_work() as uow:
        assert uow.audit_log.count() == before


def test_rebuilding_the_district_keeps_users_and_the_log(db: Database):
    observations.record(db, grade("place-a"))
    with db.unit_of_work() as uow:
        logged = uow.audit_log.count()
        uow.clear_all()
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.places.count() == 0 and uow.users.count() == 1
        cleared = {e.table_name: e for e in uow.audit_log.list() if e.action == "delete_all"}
        assert uow.audit_log.count() == logged + len(cleared)
    assert cleared["places"].before == {"count": 2} and cleared["observations"].before == {"count": 1}


def test_nobody_can_edit_the_audit_log(db: Database):
    """No repository method changes it, and the database itself refuses UPDATE and DELETE (even the owner)."""
    observations.record(db, grade("place-a"))
    with db.unit_of_work() as uow:
        assert not any(hasattr(uow.audit_log, name) for name in ("add", "add_all", "update", "delete"))
        count = uow.audit_log.count()
    for statement in ("update audit_log set user_name = 'someone else'", "delete from audit_log"):
        with db.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="audit log cannot be changed"):
                conn.exec_driver_sql(statement)
            conn.rollback()
    with db.unit_of_work() as uow:
        assert uow.audit_log.count() == count
        assert {e.user_name for e in uow.audit_log.list()} == {db.user}


def test_users_changes_are_audited(db: Database):
    users.add_user(db, "sam", Role.SUPERVISOR)
    users.set_role(db, "sam", Role.MANAGER)
    entries = [e for e in users.audit_log(db, table_name="users") if e.action != "insert" or e.after["name"] == "sam"]
    assert [e.action for e in entries] == ["insert", "update"]
    assert (entries[1].before["role"], entries[1].after["role"]) == ("supervisor", "manager")


def test_survey_observation_values_survive_in_the_log(db: Database):
    obs = Observation("obs-fill", ObservationKind.LITTER_GRADE, dt.datetime(2026, 11, 2, 9), "place-a",
                      grade=Grade.D, note="'); DROP TABLE audit_log;--")
    observations.record(db, obs)
    [entry] = [e for e in _entries(db, "observations") if e.record_id == "obs-fill"]
    assert entry.after["note"] == "'); DROP TABLE audit_log;--"
