"""PostGIS specifics: geometry is a real geometry(…, 27700) column with a GiST index, and errors are clear.

Runs against the server on 127.0.0.1:5432 (trust auth, user postgres); each test gets its own database.
"""

from __future__ import annotations

import psycopg
import pytest
from shapely.geometry import Point
from test_storage import store, world

from envservices.domain.model import Asset, AssetKind
from envservices.errors import UserError
from envservices.storage import database as database_module
from envservices.storage import migrate, open_database

pytestmark = pytest.mark.postgis
SPATIAL_TABLES = ("areas", "places", "assets", "sites", "road_links")


@pytest.fixture()
def postgis_url(pg_url: str) -> str:
    """A fresh database with the PostGIS extension already created, as an administrator would set it up."""
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("create extension postgis")
    return pg_url


def _sql(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute(query).fetchall()


def test_geometry_is_postgis_geometry_in_british_national_grid(postgis_url: str):
    """Stored geometries have SRID 27700 and the declared types, so GIS users can query the tables as such."""
    database = open_database(postgis_url.replace("postgresql+psycopg://", "postgresql://"))
    assert database.dialect == "postgresql"
    store(database, world())
    database.dispose()
    columns = {
        table: (kind, srid)
        for table, kind, srid in _sql(
            postgis_url,
            "select f_table_name, type, srid from geometry_columns where f_geometry_column = 'geometry'",
        )
    }
    assert columns == {
        "areas": ("GEOMETRY", 27700),
        "places": ("GEOMETRY", 27700),
        "assets": ("GEOMETRY", 27700),
        "sites": ("POINT", 27700),
        "road_links": ("LINESTRING", 27700),
        "properties": ("POINT", 27700),
        "waste_tips": ("POINT", 27700),
    }
    assert _sql(postgis_url, "select distinct ST_SRID(geometry) from assets") == [(27700,)]
    assert _sql(postgis_url, "select ST_AsText(geometry) from sites where id = 'depot-1'") == [
        ("POINT(401000.5 261000.25)",)
    ]
    within_place = (
        "select id from assets where ST_Within(geometry, (select geometry from places)) order by id"
    )
    assert _sql(postgis_url, within_place) == [("asset-bin",), ("asset-grass",), ("asset-street",)]


def test_every_geometry_column_has_a_gist_index(postgis_url: str):
    """The migrations create a GiST spatial index on each geometry column."""
    open_database(postgis_url).dispose()
    rows = _sql(postgis_url, "select tablename, indexdef from pg_indexes where indexdef ilike '%using gist%'")
    indexed = {table for table, definition in rows if "(geometry)" in definition}
    assert indexed == set(SPATIAL_TABLES) | {"properties", "waste_tips"}


def test_box_query_uses_the_spatial_index_and_is_exact(postgis_url: str):
    """assets.list(bbox=...) answers from PostGIS with ST_Intersects on the real shapes."""
    database = open_database(postgis_url)
    bins = [Asset(f"bin-{i}", AssetKind.LITTER_BIN, Point(400000 + i, 260000)) for i in range(2000)]
    with database.unit_of_work() as uow:
        uow.assets.add_all(bins)
        uow.commit()
    with database.unit_of_work() as uow:
        assert [a.id for a in uow.assets.list(bbox=(400010, 259999, 400012, 260001))] == [
            "bin-10",
            "bin-11",
            "bin-12",
        ]
    database.dispose()


def test_upgrade_from_first_revision_on_postgis(pg_url: str):
    """A PostGIS database at revision 0001 with a row is upgraded to head on open and keeps the row."""
    assert migrate.upgrade(pg_url, "0001") is None  # no file to back up on a server
    _sql_exec(
        pg_url, "insert into areas (id, name, regime, kind) values ('a1', 'Old district', 'rota', 'district')"
    )
    database = open_database(pg_url)
    assert database.revision() == migrate.head_revision()
    with database.unit_of_work() as uow:
        assert uow.areas.get("a1").name == "Old district"
    database.dispose()
    assert _sql(
        pg_url,
        "select column_default from information_schema.columns "
        "where table_name = 'observations' and column_name = 'source'",
    ) == [("''::character varying",)]


def _sql_exec(url: str, statement: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(statement)


def test_missing_postgis_is_named(pg_url: str, monkeypatch: pytest.MonkeyPatch):
    """A server without the PostGIS extension gives a UserError that says so, not a driver error."""
    monkeypatch.setattr(database_module, "POSTGIS_AVAILABLE_SQL", "select 1 where false")
    with pytest.raises(UserError, match="PostGIS is not installed on the server at 127.0.0.1:5432"):
        open_database(pg_url)


def test_unknown_database_is_a_user_error(pg_url: str):
    """A database name that does not exist on a reachable server is reported with its name and server."""
    missing = pg_url.rsplit("/", 1)[0] + "/envservices_no_such_db"
    with pytest.raises(UserError, match="envservices_no_such_db"):
        open_database(missing)


def test_postgis_that_cannot_be_enabled_is_named(pg_url: str):
    """A user who may not create the extension is told to ask an administrator, and nothing is left behind."""
    suffix = pg_url.rsplit("_", 1)[1]
    role, name = f"envtest_user_{suffix}", f"envservices_test_owned_{suffix}"
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    _sql_exec(admin, f'create role "{role}" login')
    try:
        _sql_exec(admin, f'create database "{name}" owner "{role}"')
        user_url = f"postgresql://{role}@127.0.0.1:5432/{name}"
        with pytest.raises(UserError, match="ask an administrator to run CREATE EXTENSION postgis"):
            open_database(user_url)
        assert _sql(
            user_url, "select count(*) from information_schema.tables where table_schema = 'public'"
        ) == [(0,)]
    finally:
        _sql_exec(admin, f'drop database if exists "{name}"')
        _sql_exec(admin, f'drop role if exists "{role}"')
