"""Storage: every domain object survives a round trip, units of work roll back, versions guard edits.

The `db` fixture runs each test on SQLite and, marked `postgis`, on a fresh PostgreSQL/PostGIS database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, Polygon

from envservices.domain.model import (
    Area,
    AreaKind,
    Asset,
    AssetKind,
    Break,
    Crew,
    CrewDay,
    CrewMember,
    Grade,
    IntensityZone,
    Observation,
    ObservationKind,
    Place,
    Plan,
    Regime,
    RoadLink,
    RotaEntry,
    Site,
    SiteKind,
    Skill,
    Stop,
    Unplanned,
    Vehicle,
    VehicleKind,
    Visit,
    VisitStatus,
)
from envservices.domain.settings import Settings
from envservices.errors import ConflictError, UserError
from envservices.storage import Database, default_url, migrate, open_database, resolve_url
from envservices.storage import engine as engine_module

T0 = dt.datetime(2026, 11, 2, 8, 30)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgis)])
def db(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty database at the newest schema, on SQLite or on PostGIS."""
    url = str(tmp_path / "test.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = open_database(url)
    yield database
    database.dispose()


def _square(x: float, y: float, size: float) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def world() -> dict[str, list]:
    """One of every domain object, with the awkward values filled in (enums, sets, nested, None)."""
    area = Area(
        "area-1", "Redditch", Regime.NEEDS, AreaKind.TRIAL, dt.date(2026, 6, 1), _square(400000, 260000, 5000)
    )
    depot = Site("depot-1", SiteKind.DEPOT, "Crossgates depot", Point(401000.5, 261000.25))
    tip = Site(
        "tip-1", SiteKind.TIP, "Transfer station", Point(403000, 262000), open_s=7 * 3600, unload_s=600
    )
    vehicle = Vehicle("veh-1", "Tipper 1", VehicleKind.CAGED_TIPPER, 4500.0, frozenset({"mower", "strimmer"}))
    crew = Crew(
        "crew-1",
        "Town team",
        "depot-1",
        "veh-1",
        members=(CrewMember("Sam", frozenset({Skill.DRIVER, Skill.MOWING})), CrewMember("Ali", frozenset())),
        breaks=(Break(36000, 45000, 1800), Break(50000, 52000, 600)),
        days_off=frozenset({5, 6, 2}),
    )
    place = Place(
        "place-1",
        "Church Hill",
        "area-1",
        _square(401000, 261000, 500),
        character="estate",
        zone=IntensityZone.HIGH,
        team_crew_id="crew-1",
        attributes={"ward": "Church Hill", "survey": [1, 2]},
    )
    bin_ = Asset(
        "asset-bin", AssetKind.LITTER_BIN, Point(401100.125, 261100.5), "place-1", "Bin 7", capacity_l=240
    )
    street = Asset(
        "asset-street",
        AssetKind.STREET_LENGTH,
        LineString([(401000, 261000), (401300, 261050)]),
        "place-1",
        zone=IntensityZone.MEDIUM,
        sweep_method="mechanical",
    )
    grass = Asset(
        "asset-grass",
        AssetKind.GRASS_AREA,
        _square(401200, 261200, 50),
        None,
        mower="ride_on",
        site_factor=1.2,
        attributes={"pitch": True},
    )
    road = RoadLink(
        "road-1", LineString([(401000, 261000), (402000, 261000)]), "High St", "primary", 48.0, True
    )
    observations = [
        Observation(
            "obs-1",
            ObservationKind.LITTER_GRADE,
            T0,
            "place-1",
            recorded_by="JB",
            grade=Grade.B_MINUS,
            source="survey",
        ),
        Observation(
            "obs-2",
            ObservationKind.BIN_FILL,
            T0 + dt.timedelta(hours=2),
            "place-1",
            "asset-bin",
            fill_pct=85.5,
        ),
        Observation(
            "obs-3",
            ObservationKind.GRASS_HEIGHT,
            T0 + dt.timedelta(days=1),
            "place-1",
            "asset-grass",
            height_mm=80.0,
            note="long by the swings",
        ),
        Observation("obs-4", ObservationKind.COMPLAINT, T0 - dt.timedelta(days=1), "place-1", count=3),
    ]
    rota = RotaEntry(
        "rota-1", "empty_bin", asset_id="asset-bin", weekdays=(0, 3), every_weeks=2, week_offset=1
    )
    rota_place = RotaEntry("rota-2", "litter_pick", place_id="place-1")
    plan = Plan(
        "plan-1",
        "2026-W45",
        crew_days=(
            CrewDay(
                "crew-1",
                dt.date(2026, 11, 2),
                visits=(
                    Visit("task-1", "place-1", 27000, 27000, 27180, "empty_bin", "asset-bin", pinned=True),
                    Visit(
                        "task-2",
                        "place-1",
                        27300,
                        27400,
                        30000,
                        "mow",
                        "asset-grass",
                        status=VisitStatus.MISSED,
                        reason="rain",
                    ),
                ),
                stops=(Stop("break", 36000, 37800), Stop("tip", 40000, 40900, "tip-1")),
                depart_s=25200,
                return_s=55800,
                travel_m=12345.5,
                locked=True,
            ),
            CrewDay("crew-1", dt.date(2026, 11, 3), visits=()),
        ),
        unplanned=(Unplanned("task-9", "no crew with the skill"),),
        kpis={"crew_hours": 8.5, "visits": 2},
        violations=("late at task-2",),
        travel_source="roads",
        created_at=dt.datetime(2026, 10, 30, 16, 0),
        area_id="area-1",
        depot_id="depot-1",
    )
    return {
        "areas": [area],
        "sites": [depot, tip],
        "vehicles": [vehicle],
        "crews": [crew],
        "places": [place],
        "assets": [bin_, street, grass],
        "roads": [road],
        "observations": observations,
        "rota": [rota, rota_place],
        "plans": [plan],
    }


def store(database: Database, objects: dict[str, list]) -> None:
    with database.unit_of_work() as uow:
        for name, items in objects.items():
            getattr(uow, name).add_all(items)
        uow.commit()


def test_every_domain_type_round_trips(db: Database):
    """What goes in comes back equal, field by field, including attributes, kpis and versions."""
    objects = world()
    assert db.is_empty()
    store(db, objects)
    assert not db.is_empty()
    with db.unit_of_work() as uow:
        for name, items in objects.items():
            repo = getattr(uow, name)
            assert repo.count() == len(items), name
            for item in items:
                got = repo.get(item.id)
                assert got == item, name
                assert type(got.geometry if hasattr(got, "geometry") else None) is type(
                    getattr(item, "geometry", None)
                )
                for extra in ("attributes", "kpis"):
                    if hasattr(item, extra):
                        assert getattr(got, extra) == getattr(item, extra)
            assert sorted(x.id for x in repo.list()) == sorted(x.id for x in items)
        assert uow.places.get("place-1").version == 1
        assert uow.plans.get("plan-1").version == 1
        assert uow.assets.get("missing") is None


def test_filters_and_queries(db: Database):
    """Listing by field, by box (exact, not just bounding box), by time, and the latest per place."""
    objects = world()
    objects["places"].append(Place("place-2", "Town centre", "area-1", _square(402000, 262000, 100)))
    objects["observations"].append(
        Observation(
            "obs-5", ObservationKind.LITTER_GRADE, T0 + dt.timedelta(days=3), "place-1", grade=Grade.C
        )
    )
    # a triangle whose bounding box reaches the query box but whose shape does not
    triangle = Polygon([(401500, 261500), (401600, 261500), (401500, 261600)])
    objects["assets"].append(Asset("asset-tri", AssetKind.SHRUB_BED, triangle, "place-2"))
    store(db, objects)
    with db.unit_of_work() as uow:
        assert [a.id for a in uow.assets.list(kind=AssetKind.LITTER_BIN)] == ["asset-bin"]
        assert [a.id for a in uow.assets.list(kind="grass_area")] == ["asset-grass"]
        assert {a.id for a in uow.assets.list(place_id="place-1")} == {"asset-bin", "asset-street"}
        assert {a.id for a in uow.assets.list(bbox=(401090, 261090, 401110, 261110))} == {"asset-bin"}
        assert uow.assets.list(bbox=(401580, 261580, 401590, 261590)) == []
        assert {a.id for a in uow.assets.list(bbox=(401500, 261500, 401510, 261510))} == {"asset-tri"}
        assert uow.assets.count_by_kind() == {
            "litter_bin": 1,
            "street_length": 1,
            "grass_area": 1,
            "shrub_bed": 1,
        }
        assert [p.id for p in uow.places.list(area_id="area-1")] == ["place-1", "place-2"]
        assert uow.places.list(area_id="nowhere") == []
        assert [s.id for s in uow.sites.list(kind=SiteKind.TIP)] == ["tip-1"]
        assert [o.id for o in uow.observations.list()] == ["obs-4", "obs-1", "obs-2", "obs-3", "obs-5"]
        assert [o.id for o in uow.observations.list(asset_id="asset-bin")] == ["obs-2"]
        assert [o.id for o in uow.observations.list(kind=ObservationKind.LITTER_GRADE)] == ["obs-1", "obs-5"]
        window = uow.observations.list(place_id="place-1", since=T0, until=T0 + dt.timedelta(days=1))
        assert [o.id for o in window] == ["obs-1", "obs-2"]
        latest = uow.observations.latest_by_place(ObservationKind.LITTER_GRADE)
        assert list(latest) == ["place-1"] and latest["place-1"].grade is Grade.C
        with pytest.raises(TypeError):
            uow.assets.list(colour="red")


def test_update_and_delete(db: Database):
    """update replaces by id, delete says whether it removed anything, unknown ids are refused clearly."""
    store(db, world())
    with db.unit_of_work() as uow:
        asset = uow.assets.get("asset-bin")
        moved = dataclasses.replace(
            asset, geometry=Point(401200, 261200), capacity_l=1100.0, zone=IntensityZone.LOW
        )
        assert uow.assets.update(moved) == moved
        assert uow.rota.delete("rota-1") is True
        assert uow.rota.delete("rota-1") is False
        with pytest.raises(UserError, match="no vehicle 'veh-x'"):
            uow.vehicles.update(Vehicle("veh-x", "Ghost", VehicleKind.SWEEPER, 10))
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.assets.get("asset-bin") == moved
        assert uow.assets.list(bbox=(401090, 261090, 401110, 261110)) == []
        assert uow.rota.count() == 1


def test_stale_version_raises_conflict(db: Database):
    """Two editors read a place (or plan); the second to save gets ConflictError and the first edit stands."""
    store(db, world())
    with db.unit_of_work() as uow:
        first_read = uow.places.get("place-1")
        plan_read = uow.plans.get("plan-1")
    with db.unit_of_work() as uow:
        saved = uow.places.update(dataclasses.replace(first_read, name="Church Hill North"))
        assert saved.version == 2
        assert uow.plans.save(dataclasses.replace(plan_read, travel_source="straight")).version == 2
        uow.commit()
    with db.unit_of_work() as uow:
        with pytest.raises(ConflictError):
            uow.places.update(dataclasses.replace(first_read, name="Church Hill South"))
        with pytest.raises(ConflictError):
            uow.plans.save(dataclasses.replace(plan_read, crew_days=()))
        assert uow.places.update(dataclasses.replace(saved, character="town")).version == 3
        uow.commit()
    with db.unit_of_work() as uow:
        place = uow.places.get("place-1")
        assert (place.name, place.character, place.version) == ("Church Hill North", "town", 3)
        plan = uow.plans.get("plan-1")
        assert len(plan.crew_days) == 2 and plan.travel_source == "straight"


def test_exception_or_no_commit_rolls_back(db: Database):
    """Leaving a unit of work by an exception, or without commit, leaves no rows behind."""
    objects = world()
    with pytest.raises(RuntimeError), db.unit_of_work() as uow:
        uow.areas.add_all(objects["areas"])
        uow.sites.add_all(objects["sites"])
        raise RuntimeError("the command failed half way")
    with db.unit_of_work() as uow:
        uow.areas.add_all(objects["areas"])
    with db.unit_of_work() as uow:
        assert uow.areas.count() == 0 and uow.sites.count() == 0
    assert db.is_empty()


def test_refused_write_keeps_unit_of_work_usable(db: Database):
    """A duplicate id is refused with a UserError; the rest of the unit of work still commits."""
    objects = world()
    with db.unit_of_work() as uow:
        uow.areas.add_all(objects["areas"])
        with pytest.raises(UserError, match="same (id|name) is already stored"):
            uow.areas.add(objects["areas"][0])
        uow.sites.add_all(objects["sites"])
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.areas.count() == 1 and uow.sites.count() == 2


def test_broken_reference_refused_at_commit(db: Database):
    """A place in an area that does not exist is refused when committing, and nothing is stored."""
    with db.unit_of_work() as uow:
        uow.places.add(Place("place-x", "Lost", "no-such-area", _square(0, 0, 1)))
        with pytest.raises(UserError, match="refers to something"):
            uow.commit()
    with db.unit_of_work() as uow:
        assert uow.places.count() == 0


def test_references_may_arrive_in_any_order_within_a_unit_of_work(db: Database):
    """Places before their area, crews before their depot: references are checked at commit, not at insert."""
    objects = world()
    with db.unit_of_work() as uow:
        for name in reversed(list(objects)):
            getattr(uow, name).add_all(objects[name])
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.crews.get("crew-1") == objects["crews"][0]


def test_settings_defaults_and_save(db: Database):
    """Unstored keys take the defaults; saved values come back with their types."""
    with db.unit_of_work() as uow:
        assert uow.settings.load() == Settings()
        uow.settings.save(Settings(bin_intervention_pct=70.0, grass_season_start_month=4))
        uow.commit()
    with db.unit_of_work() as uow:
        loaded = uow.settings.load()
        assert loaded.bin_intervention_pct == 70.0
        assert loaded.grass_season_start_month == 4 and isinstance(loaded.grass_season_start_month, int)
        assert loaded.grass_cut_mm == Settings().grass_cut_mm
        uow.settings.save(dataclasses.replace(loaded, speed_kph=25.0))
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.settings.load() == Settings(
            bin_intervention_pct=70.0, grass_season_start_month=4, speed_kph=25.0
        )


def test_plans_by_week_and_save_replaces(db: Database):
    """get_by_week gives the latest plan of that week (per depot), however the week is written; a second
    plan of the same area, depot and week is refused as a conflict; save replaces a plan whole."""
    store(db, world())
    base = world()["plans"][0]
    newer = dataclasses.replace(base, id="plan-2", created_at=dt.datetime(2026, 10, 31, 9, 0), crew_days=(),
                                week=" 2026-w45 ")
    other_depot = dataclasses.replace(
        base, id="plan-3", created_at=dt.datetime(2026, 11, 1), depot_id="depot-9"
    )
    with db.unit_of_work() as uow:
        with pytest.raises(ConflictError, match="Week 2026-W45 was planned .*plan 'plan-1'"):
            uow.plans.save(newer)
        with pytest.raises(UserError, match="same week, area and depot"):
            uow.plans.add(dataclasses.replace(newer, week="2026-W45"))
        uow.plans.add(other_depot)
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.plans.get_by_week("2026-W45").id == "plan-3"
        assert uow.plans.get_by_week("2026-w45 ", depot_id="depot-1").id == "plan-1"
        assert uow.plans.get_by_week("2026-W46") is None
        assert [p.id for p in uow.plans.list(week="2026-W45")] == ["plan-3", "plan-1"]
        replaced = dataclasses.replace(uow.plans.get("plan-1"), crew_days=base.crew_days[:1], unplanned=())
        uow.plans.save(replaced)
        assert uow.plans.delete("plan-3") is True
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.plans.get("plan-1") == replaced
        assert uow.plans.count() == 1


def test_aware_times_are_stored_as_utc(tmp_path: Path):
    """An observation time with a zone is kept as the same instant, in UTC without zone."""
    database = open_database(str(tmp_path / "t.sqlite"))
    objects = world()
    bst = dt.timezone(dt.timedelta(hours=1))
    obs = dataclasses.replace(
        objects["observations"][0], observed_at=dt.datetime(2026, 6, 1, 9, 0, tzinfo=bst)
    )
    objects["observations"] = [obs]
    store(database, objects)
    with database.unit_of_work() as uow:
        assert uow.observations.get(obs.id).observed_at == dt.datetime(2026, 6, 1, 8, 0)
    database.dispose()


def test_geometry_with_heights_is_stored_flat(db: Database):
    """Z values from survey files are dropped on both dialects, so PostGIS 2D columns accept them alike."""
    objects = world()
    bin_3d = Asset("asset-3d", AssetKind.DOG_BIN, Point(401010, 261010, 87.5), "place-1")
    objects["assets"].append(bin_3d)
    store(db, objects)
    with db.unit_of_work() as uow:
        stored = uow.assets.get("asset-3d").geometry
    assert not stored.has_z and stored == Point(401010, 261010)


def test_bulk_insert_of_50000_assets(tmp_path: Path):
    """50,000 bins insert through executemany batches on SQLite (speed is measured in the benchmarks)."""
    database = open_database(str(tmp_path / "bulk.sqlite"))
    assets = [
        Asset(f"bin-{i}", AssetKind.LITTER_BIN, Point(400000 + i % 500, 260000 + i // 500), capacity_l=240)
        for i in range(50_000)
    ]
    with database.unit_of_work() as uow:
        assert uow.assets.add_all(iter(assets)) == 50_000
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.assets.count() == 50_000
        assert len(uow.assets.list(bbox=(400000, 260000, 400009.5, 260001.5))) == 20
    database.dispose()


# --- engine -------------------------------------------------------------------------------------------------


def test_resolve_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Argument first, then ENVSERVICES_DB, then the per-user file; bare paths are SQLite files."""
    monkeypatch.setattr(engine_module.platformdirs, "user_data_dir", lambda app: str(tmp_path / "data" / app))
    monkeypatch.delenv("ENVSERVICES_DB", raising=False)
    assert (
        resolve_url(None)
        == default_url()
        == f"sqlite:///{tmp_path / 'data' / 'envservices' / 'envservices.sqlite'}"
    )
    assert (tmp_path / "data" / "envservices").is_dir()
    monkeypatch.setenv("ENVSERVICES_DB", "postgresql://u@db.example/council")
    assert resolve_url(None) == "postgresql+psycopg://u@db.example/council"
    assert resolve_url(str(tmp_path / "x.sqlite")) == f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert resolve_url("sqlite:///rel.sqlite") == "sqlite:///rel.sqlite"


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path):
    """Every SQLite connection is set up for a desktop app with a background worker."""
    engine = engine_module.make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == engine_module.BUSY_TIMEOUT_MS
    engine.dispose()


# --- migrations and opening ---------------------------------------------------------------------------------


def test_upgrade_from_first_revision_keeps_data_and_backs_up(tmp_path: Path):
    """A database at revision 0001 with a row is upgraded to head on open, keeps the row, leaves a backup."""
    path = tmp_path / "old.sqlite"
    migrate.upgrade(f"sqlite:///{path}", "0001")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "insert into areas (id, name, regime, kind) values ('a1', 'Old district', 'rota', 'district')"
        )
        columns = {row[1] for row in connection.execute("pragma table_info(observations)")}
    assert "source" not in columns
    database = open_database(str(path))
    assert database.revision() == migrate.head_revision() != "0001"
    with database.unit_of_work() as uow:
        assert uow.areas.get("a1") == Area("a1", "Old district")
        uow.places.add(Place("p1", "P", "a1", _square(0, 0, 1)))
        uow.observations.add(Observation("o1", ObservationKind.COMPLAINT, T0, "p1", source="app"))
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.observations.get("o1").source == "app"
    database.dispose()
    backups = list(tmp_path.glob("old.backup-0001-*.sqlite"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as connection:
        assert connection.execute("select name from areas").fetchall() == [("Old district",)]
        assert connection.execute("select version_num from alembic_version").fetchall() == [("0001",)]


def test_fresh_database_needs_no_backup_and_reopening_changes_nothing(tmp_path: Path):
    """A new file is created by the migrations; opening it again neither migrates nor backs up."""
    path = tmp_path / "new.sqlite"
    open_database(str(path)).dispose()
    open_database(str(path)).dispose()
    assert sorted(p.name for p in tmp_path.glob("*.sqlite")) == ["new.sqlite"]


def test_migrations_match_the_models(db: Database):
    """The migrated schema is what the models describe: autogenerate finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from envservices.storage.models import metadata

    def include(obj, name, kind, reflected, compare_to):
        return not (kind == "index" and name and name.endswith("_gist")) and name != "spatial_ref_sys"

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []


def test_open_refuses_databases_it_cannot_use(tmp_path: Path):
    """Behind, foreign or newer databases and unreachable servers give one clear UserError each."""
    behind = tmp_path / "behind.sqlite"
    migrate.upgrade(f"sqlite:///{behind}", "0001")
    with pytest.raises(UserError, match="revision 0001"):
        open_database(str(behind), upgrade=False)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("create table areas (x int)")
    with pytest.raises(UserError, match="not made by envservices"):
        open_database(str(foreign))
    newer = tmp_path / "newer.sqlite"
    open_database(str(newer)).dispose()
    with sqlite3.connect(newer) as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    with pytest.raises(UserError, match="newer version"):
        open_database(str(newer))
    with pytest.raises(UserError, match="Cannot open the database 'council' on 127.0.0.1:1"):
        open_database("postgresql://postgres@127.0.0.1:1/council")
    with pytest.raises(UserError, match="Cannot open the database file"):
        open_database(str(tmp_path / "no" / "such" / "folder" / "x.sqlite"))


def test_the_newest_revision_named_in_code_is_the_scripts_head():
    """Opening a database at NEWEST skips Alembic altogether; a new migration must move NEWEST with it."""
    assert migrate.NEWEST == migrate.head_revision()


def test_opening_a_current_sqlite_database_needs_neither_alembic_nor_geoalchemy2(tmp_path):
    """Both imports were 0.5-0.7 s of every desktop start; a database already at the newest schema opens
    without them (a new one is still made by the migrations)."""
    import subprocess
    import sys

    path = tmp_path / "current.sqlite"
    open_database(f"sqlite:///{path}").dispose()
    code = ("import sys\nfrom envservices.storage import open_database\n"
            f"open_database({f'sqlite:///{path}'!r}).dispose()\n"
            "print(sorted(m for m in ('alembic', 'geoalchemy2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_tables_are_plain_core_tables_with_no_orm_mappers():
    """Declaring the 28 tables as ORM models cost 0.1 s of every desktop start for mappers nothing used; the
    repositories work on Core tables, so none may come back."""
    from sqlalchemy import Table

    import envservices.storage.models as models

    tables = [v for v in vars(models).values() if isinstance(v, Table)]
    assert len(tables) == len(models.metadata.tables) >= 28
    assert not [name for name, v in vars(models).items() if hasattr(v, "__mapper__")]
