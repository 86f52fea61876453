"""Several people on one database: roles enforced in the services, optimistic locking between sessions.

SQLite covers the rules; PostgreSQL (marked postgis) runs two real Database objects on one server database,
as two depots would, and signs in with a real second database login.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import uuid
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon

from envservices.domain import (
    Area,
    AreaKind,
    Crew,
    CrewDay,
    Grade,
    Observation,
    ObservationKind,
    Place,
    Plan,
    Regime,
    Site,
    SiteKind,
    Visit,
    VisitStatus,
)
from envservices.domain.settings import Settings
from envservices.errors import ConflictError, PermissionDenied, UserError
from envservices.services import access, observations, planning, settings, users
from envservices.storage import Database, Role, open_database

T0 = dt.datetime(2026, 11, 2, 9, 0)


def _square(x: float, y: float, size: float = 100) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def small_district(db: Database) -> None:
    """Two crews at one depot, a place for each crew's team and a plan for week 2026-W45."""
    with db.unit_of_work() as uow:
        uow.areas.add(Area("area-1", "Town", Regime.NEEDS, AreaKind.TRIAL))
        uow.sites.add(Site("depot-1", SiteKind.DEPOT, "Depot", Point(400000, 260000)))
        uow.crews.add_all([Crew("crew-a", "Team A", "depot-1", None), Crew("crew-b", "Team B", "depot-1", None)])
        uow.places.add_all([
            Place("place-a", "Church Hill", "area-1", _square(400000, 260000), team_crew_id="crew-a"),
            Place("place-b", "Market", "area-1", _square(401000, 260000), team_crew_id="crew-b"),
        ])
        uow.plans.add(plan_for_week())
        uow.commit()


def plan_for_week(plan_id: str = "plan-1") -> Plan:
    visits = (
        Visit("task-a", "place-a", 28800, 28800, 29400, "litter_pick"),
        Visit("task-b", "place-b", 30000, 30000, 30600, "litter_pick"),
    )
    return Plan(plan_id, "2026-W45", (CrewDay("crew-a", dt.date(2026, 11, 2), visits=visits),), depot_id="depot-1")


def grade(place_id: str, obs_id: str | None = None) -> Observation:
    return Observation(obs_id or f"obs-{uuid.uuid4().hex[:8]}", ObservationKind.LITTER_GRADE, T0, place_id,
                       grade=Grade.B)


@pytest.fixture()
def team(tmp_path: Path):
    """A SQLite database whose first user 'ada' is administrator, plus one person of every other role."""
    db = open_database(str(tmp_path / "team.sqlite"), user="ada")
    small_district(db)
    users.add_user(db, "sam", Role.SUPERVISOR)
    users.add_user(db, "tom", "team leader", team_crew_id="crew-a")
    users.add_user(db, "meg", Role.MANAGER)
    yield db
    db.dispose()


def test_first_user_of_a_new_database_is_its_administrator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """With no users yet, whoever opens the database becomes administrator, so one-person use just works."""
    monkeypatch.setenv("ENVSERVICES_USER", "jo")
    db = open_database(str(tmp_path / "solo.sqlite"))
    assert db.user == "jo"
    assert [(u.name, u.role) for u in users.list_users(db)] == [("jo", Role.ADMINISTRATOR)]
    settings.save(db, Settings())
    db.dispose()
    again = open_database(str(tmp_path / "solo.sqlite"), user="kim")
    assert [u.name for u in users.list_users(again)] == ["jo"], "only an empty database gets a first user"
    with pytest.raises(PermissionDenied, match="kim is not a user of this database"):
        settings.save(again, Settings())
    again.dispose()


def test_team_leader_records_need_only_for_their_own_team(team: Database):
    tom = team.as_user("tom")
    observations.record(tom, grade("place-a", "obs-own"))
    with pytest.raises(PermissionDenied, match="tom is a team leader .* not place-b"):
        observations.record(tom, grade("place-b", "obs-other"))
    with pytest.raises(PermissionDenied, match="change plans"):
        planning.save_plan(tom, plan_for_week("plan-2"))
    observations.record(team.as_user("sam"), grade("place-b", "obs-sam"))
    with pytest.raises(PermissionDenied):
        observations.delete(tom, "obs-sam")
    observations.delete(tom, "obs-own")
    with team.unit_of_work() as uow:
        assert sorted(o.id for o in uow.observations.list()) == ["obs-sam"]


def test_team_leader_marks_visits_at_their_places_only(team: Database):
    tom = team.as_user("tom")
    marked = planning.mark_visit(tom, "plan-1", "task-a", VisitStatus.DONE)
    assert marked.crew_days[0].visits[0].status is VisitStatus.DONE
    with pytest.raises(PermissionDenied, match="place-b"):
        planning.mark_visit(tom, "plan-1", "task-b", VisitStatus.DONE)


def test_survey_import_by_a_team_leader_is_refused_whole_when_a_row_is_not_theirs(team: Database, tmp_path: Path):
    sheet = tmp_path / "survey.csv"
    sheet.write_text("place,kind,observed_at,grade\nChurch Hill,litter grade,2026-11-02,B\n"
                     "Market,litter grade,2026-11-02,C\n", encoding="utf-8")
    tom = team.as_user("tom")
    preview = observations.parse_survey_csv(tom, sheet)
    assert len(preview.rows) == 2
    with pytest.raises(PermissionDenied, match="place-b"):
        observations.import_survey(tom, preview)
    assert observations.import_survey(team.as_user("sam"), preview) == 2


def test_manager_reads_and_compares_but_changes_nothing(team: Database):
    meg = team.as_user("meg")
    assert planning.load_plan(meg, "2026-W45").id == "plan-1"
    assert observations.latest_grades(meg) == {}
    for change in (
        lambda: planning.save_plan(meg, plan_for_week("plan-m")),
        lambda: planning.mark_visit(meg, "plan-1", "task-a", VisitStatus.DONE),
        lambda: observations.record(meg, grade("place-a")),
        lambda: settings.save(meg, Settings()),
        lambda: users.add_user(meg, "eve", Role.ADMINISTRATOR),
    ):
        with pytest.raises(PermissionDenied, match="meg is a manager and cannot"):
            change()
    assert not access.can(meg, access.CHANGE_PLAN) and access.can(meg, access.READ)


def test_only_administrators_change_settings_and_users(team: Database):
    sam = team.as_user("sam")
    with pytest.raises(PermissionDenied, match="only administrators can"):
        settings.save(sam, Settings())
    with pytest.raises(PermissionDenied, match="manage users"):
        users.set_role(sam, "sam", Role.ADMINISTRATOR)
    planning.save_plan(sam, dataclasses.replace(plan_for_week("plan-sam"), week="2026-W46"))
    settings.save(team, Settings())
    promoted = users.set_role(team, "sam", Role.ADMINISTRATOR)
    assert promoted.role is Role.ADMINISTRATOR
    settings.save(sam, Settings())
    users.set_role(team, "meg", Role.MANAGER, active=False)
    with pytest.raises(PermissionDenied, match="switched off"):
        access.require(team.as_user("meg"), access.READ)


def test_user_changes_are_checked(team: Database):
    with pytest.raises(UserError, match="already a user called sam"):
        users.add_user(team, "sam", Role.MANAGER)
    with pytest.raises(UserError, match="needs a team"):
        users.add_user(team, "lee", Role.TEAM_LEADER)
    with pytest.raises(UserError, match="no crew with id 'crew-z'"):
        users.add_user(team, "lee", Role.TEAM_LEADER, team_crew_id="crew-z")
    with pytest.raises(UserError, match="'boss' is not a role"):
        users.add_user(team, "lee", "boss")
    with pytest.raises(UserError, match="last administrator"):
        users.set_role(team, "ada", Role.MANAGER)
    lee = users.add_user(team, "lee", Role.TEAM_LEADER, place_ids=("place-b",))
    observations.record(team.as_user(lee.name), grade("place-b"))


def test_stale_plan_save_names_who_changed_it_and_when(team: Database):
    """Two supervisors hold version 1 of a plan; the second save is refused, naming the first."""
    users.add_user(team, "sue", Role.SUPERVISOR)
    held_by_sam = planning.load_plan(team, "2026-W45")
    held_by_sue = planning.load_plan(team, "2026-W45")
    assert held_by_sam.version == held_by_sue.version == 1
    planning.save_plan(team.as_user("sam"), dataclasses.replace(held_by_sam, violations=("sam's edit",)))
    with pytest.raises(ConflictError, match=r"plan 'plan-1' was changed by sam at \d{4}-\d\d-\d\d .*version 1, now 2"):
        planning.save_plan(team.as_user("sue"), dataclasses.replace(held_by_sue, violations=("sue's edit",)))
    assert planning.load_plan(team, "2026-W45").violations == ("sam's edit",)


# --- PostgreSQL: real concurrent sessions -------------------------------------------------------------------


@pytest.mark.postgis
def test_two_sessions_on_postgres_cannot_overwrite_each_others_plan(pg_url: str):
    """Two Database objects (two depots) re-save the same plan at the same moment: exactly one wins, the
    other gets a ConflictError naming who saved first, and the stored plan is the winner's whole."""
    first = open_database(pg_url)
    second = open_database(pg_url)
    try:
        small_district(first)
        held = [planning.load_plan(db, "2026-W45") for db in (first, second)]
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def save(name: str, db: Database, plan: Plan) -> None:
            barrier.wait()
            try:
                planning.save_plan(db, dataclasses.replace(plan, violations=(name,)))
                outcomes[name] = "saved"
            except ConflictError as exc:
                outcomes[name] = exc

        threads = [threading.Thread(target=save, args=(name, db, plan))
                   for name, db, plan in (("first", first, held[0]), ("second", second, held[1]))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        winners = [name for name, outcome in outcomes.items() if outcome == "saved"]
        losers = [outcome for outcome in outcomes.values() if isinstance(outcome, ConflictError)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert f"changed by {first.user} at" in str(losers[0])
        stored = planning.load_plan(second, "2026-W45")
        assert stored.violations == (winners[0],) and stored.version == 2
        assert sum(len(cd.visits) for cd in stored.crew_days) == 2
    finally:
        second.dispose()
        first.dispose()


@pytest.mark.postgis
def test_place_edits_from_two_sessions_conflict_instead_of_losing_one(pg_url: str):
    first, second = open_database(pg_url), open_database(pg_url)
    try:
        small_district(first)
        with first.unit_of_work() as uow_a, second.unit_of_work() as uow_b:
            place_a, place_b = uow_a.places.get("place-a"), uow_b.places.get("place-a")
            uow_a.places.update(dataclasses.replace(place_a, name="Church Hill North"))
            uow_a.commit()
            with pytest.raises(ConflictError, match="place 'place-a' was changed by"):
                uow_b.places.update(dataclasses.replace(place_b, name="Church Hill South"))
        with second.unit_of_work() as uow:
            assert uow.places.get("place-a").name == "Church Hill North"
    finally:
        second.dispose()
        first.dispose()


@pytest.fixture()
def pg_login(pg_url: str):
    """A second PostgreSQL login with ordinary table rights on the test database; dropped afterwards."""
    import psycopg

    name = f"es_tl_{uuid.uuid4().hex[:8]}"
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    open_database(pg_url).dispose()  # create the schema as the owner first
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'create role "{name}" login')
        conn.execute(f'grant select, insert, update, delete on all tables in schema public to "{name}"')
        conn.execute(f'grant usage on all sequences in schema public to "{name}"')
    host_part, database = pg_url.rsplit("/", 1)
    scheme, rest = host_part.split("://", 1)
    yield name, f"{scheme}://{name}@{rest.split('@', 1)[-1]}/{database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'drop owned by "{name}"')
        conn.execute(f'drop role if exists "{name}"')


@pytest.mark.postgis
def test_postgres_users_sign_in_with_their_database_login(pg_url: str, pg_login: tuple[str, str]):
    """The login is the user: a team leader's login records only for their team, cannot pose as someone
    else, and cannot edit the audit log even with UPDATE rights on everything else."""
    name, url = pg_login
    owner = open_database(pg_url)
    small_district(owner)
    users.add_user(owner, name, Role.TEAM_LEADER, team_crew_id="crew-a")
    leader = open_database(url)
    try:
        assert leader.user == name and leader.current_user().role is Role.TEAM_LEADER
        observations.record(leader, grade("place-a"))
        with pytest.raises(PermissionDenied, match="own team's places"):
            observations.record(leader, grade("place-b"))
        with pytest.raises(UserError, match="only an administrator may act for"):
            leader.as_user(owner.user)
        with pytest.raises(UserError, match="only an administrator may act for"):
            open_database(url, user=owner.user)
        with leader.engine.connect() as conn, pytest.raises(Exception, match="permission denied|cannot be changed"):
            conn.exec_driver_sql("update audit_log set user_name = 'nobody'")
        assert {e.user_name for e in users.audit_log(owner, table_name="observations")} == {name}
        assert owner.as_user(name).user == name, "an administrator may act for another user"
    finally:
        leader.dispose()
        owner.dispose()
