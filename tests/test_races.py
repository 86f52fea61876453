"""Races the database must settle (issue 16): one plan per area, depot and week, one area per name, and a
busy SQLite file waited for rather than reported as 2.8 KB of SQL.

The PostgreSQL tests run two real Database objects against one server database, as two depots would. Before
revision 0005 both first plans of a week were kept and two imports made two areas called Newtown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from test_multiuser import small_district

from envservices.domain import CrewDay, Plan, Visit
from envservices.errors import ConflictError
from envservices.services import district, planning
from envservices.storage import Database, open_database
from envservices.storage.repositories import AreaRepository

PLACES_CSV = "easting,northing,name\n"


def _first_plan(plan_id: str, week: str = "2026-W47") -> Plan:
    visits = (Visit(f"{plan_id}-a", "place-a", 28800, 28800, 29400, "litter_pick"),)
    return Plan(plan_id, week, (CrewDay("crew-a", dt.date(2026, 11, 16), visits=visits),), depot_id="depot-1")


def _at_once(*calls) -> list[object]:
    """Run the calls in threads released together; each outcome is its return value or its exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i: int, call) -> None:
        barrier.wait()
        try:
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is examined by the test
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _places_file(tmp_path: Path, name: str, x: float) -> Path:
    """A GeoJSON of one square place near the small district."""
    path = tmp_path / f"{name}.geojson"
    square = [[x, 262000], [x + 100, 262000], [x + 100, 262100], [x, 262100], [x, 262000]]
    path.write_text(
        '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:27700"}},'
        f'"features": [{{"type": "Feature", "properties": {{"name": "{name}"}},'
        f'"geometry": {{"type": "Polygon", "coordinates": [{square}]}}}}]}}', encoding="utf-8")
    return path


def _first_plans_race(first: Database, second: Database) -> None:
    outcomes = _at_once(lambda: planning.save_plan(first, _first_plan("plan-x")),
                        lambda: planning.save_plan(second, _first_plan("plan-y", " 2026-w47 ")))
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    saved = [o for o in outcomes if not isinstance(o, Exception)]  # save_plan returns the plan as stored
    assert len(saved) == 1 and len(conflicts) == 1, outcomes
    assert "Week 2026-W47 was planned" in str(conflicts[0]) and "nothing was saved" in str(conflicts[0])
    with first.unit_of_work() as uow:
        assert len(uow.plans.list(week="2026-W47")) == 1


def _area_race(first: Database, second: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both imports have looked for the area Newtown, found none, and create it at the same moment."""
    meet = threading.Barrier(2, timeout=5)
    original = AreaRepository.add

    def add_together(self, area):
        try:
            meet.wait()
        except threading.BrokenBarrierError:
            pass
        return original(self, area)

    monkeypatch.setattr(AreaRepository, "add", add_together)
    files = [_places_file(tmp_path, "North End", 400000), _places_file(tmp_path, "South End", 400500)]
    outcomes = _at_once(*(lambda db=db, f=f: district.import_file(db, f, kind="place", area="Newtown")
                          for db, f in ((first, files[0]), (second, files[1]))))
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    with first.unit_of_work() as uow:
        newtowns = [a for a in uow.areas.list() if a.name.lower() == "newtown"]
        assert len(newtowns) == 1
        assert sorted(p.name for p in uow.places.list(area_id=newtowns[0].id)) == ["North End", "South End"]


@pytest.mark.postgis
def test_two_first_plans_of_a_week_on_postgres_keep_one_and_refuse_the_other(pg_url: str):
    first, second = open_database(pg_url), open_database(pg_url)
    try:
        small_district(first)
        _first_plans_race(first, second)
    finally:
        second.dispose()
        first.dispose()


@pytest.mark.postgis
def test_two_imports_creating_one_area_on_postgres_make_one_area(pg_url: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    first, second = open_database(pg_url), open_database(pg_url)
    try:
        small_district(first)
        _area_race(first, second, tmp_path, monkeypatch)
    finally:
        second.dispose()
        first.dispose()


def test_two_first_plans_of_a_week_on_sqlite_keep_one(tmp_path: Path):
    path = str(tmp_path / "race.sqlite")
    first, second = open_database(path, user="ada"), open_database(path, user="ada")
    try:
        small_district(first)
        _first_plans_race(first, second)
    finally:
        second.dispose()
        first.dispose()


def test_two_imports_creating_one_area_on_sqlite_make_one_area(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = str(tmp_path / "race.sqlite")
    first, second = open_database(path, user="ada"), open_database(path, user="ada")
    try:
        small_district(first)
        _area_race(first, second, tmp_path, monkeypatch)
    finally:
        second.dispose()
        first.dispose()


def test_an_import_waits_for_another_writer_on_sqlite_instead_of_failing(tmp_path: Path):
    """Another program holds the write lock and commits while the import is under way: the import reads a
    snapshot that is then stale, SQLite refuses its write at once, and the import runs again and succeeds."""
    path = tmp_path / "busy.sqlite"
    db = open_database(str(path), user="ada")
    small_district(db)
    other = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    other.execute("begin immediate")
    other.execute("insert into settings (key, value) values ('held-by-another-program', 1)")
    try:
        outcome = _at_once(lambda: district.import_file(db, _places_file(tmp_path, "Busy End", 401500),
                                                        kind="place", area="Town"),
                           lambda: (time.sleep(1.0), other.execute("commit")))[0]
        assert isinstance(outcome, dict) and outcome["places"] == 1, outcome
        with db.unit_of_work() as uow:
            assert "Busy End" in {p.name for p in uow.places.list()}
    finally:
        other.close()
        db.dispose()


def test_a_week_written_three_ways_is_one_stored_plan(tmp_path: Path):
    db = open_database(str(tmp_path / "weeks.sqlite"), user="ada")
    try:
        small_district(db)
        planning.save_plan(db, _first_plan("plan-x", " 2026-W47 "))
        for spelling in ("2026-W47", "2026-w47"):
            with pytest.raises(ConflictError):
                planning.save_plan(db, _first_plan(f"plan-{spelling}", spelling))
        stored = planning.load_plan(db, "2026-w47")
        assert stored.id == "plan-x" and stored.week == "2026-W47"
        again = dataclasses.replace(stored, violations=("re-planned",))
        planning.save_plan(db, again)
        assert planning.load_plan(db, "2026-W47").version == 2
    finally:
        db.dispose()


def test_a_writer_that_never_lets_go_gets_one_sentence_after_the_busy_timeout(tmp_path: Path, monkeypatch, capsys):
    """Another program holds the write lock throughout: after the busy timeout (shortened here) the import
    says so in one sentence and stores nothing; before, the loser printed 2.8 KB of SQL."""
    from envservices.cli import main
    from envservices.storage import engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "held.sqlite"
    db = open_database(str(path), user="ada")
    small_district(db)
    db.dispose()
    sheet = tmp_path / "bins.csv"
    sheet.write_text("easting,northing\n400050,260050\n", encoding="utf-8")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("begin immediate")
    try:
        monkeypatch.setenv("ENVSERVICES_USER", "ada")
        assert main(["import", str(sheet), "--db", str(path)]) == 2
    finally:
        other.execute("rollback")
        other.close()
    err = capsys.readouterr().err
    assert err == "envservices: another envservices is writing to this database; try again\n"
    with sqlite3.connect(path) as check:
        assert check.execute("select count(*) from assets").fetchone()[0] == 0
    check.close()
