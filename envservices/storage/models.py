"""The tables, as SQLAlchemy Core `Table`s.

Rows never leave the storage package: repositories turn them into the domain's frozen dataclasses with plain
Core statements, so nothing here is an ORM class. (Declaring the 28 tables as ORM models cost 0.1 s of every
desktop start, `python -X importtime`, for mappers nothing used.)
Column names are the domain field names, so one generic mapper (mapping.py) serves every table. Enums are
stored as their string values, nested values (crew members, breaks, weekdays) as JSON, geometry through
the Geometry type (PostGIS on PostgreSQL, WKB plus a bounding box on SQLite).

The migrations in migrations/versions create these tables; a test checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
)
from sqlalchemy.types import TypeDecorator

from envservices.storage.geometry import Geometry

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class _JSONValue(TypeDecorator[Any]):
    """JSON, as JSONB on PostgreSQL. The PostgreSQL dialect is imported only there: at import it brings
    asyncio and psycopg's helpers, 40-70 ms of every desktop start on SQLite (`python -X importtime`)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONValue = _JSONValue()
AuditId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite numbers rows itself only for INTEGER keys


class Timestamp(TypeDecorator[dt.datetime]):
    """A date and time without zone, as councils record them; an aware time is stored as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value


def _ref(target: str, ondelete: str | None = None) -> ForeignKey:
    # Checked at commit, so a unit of work may add places before their area, or crews before their depot.
    return ForeignKey(target, ondelete=ondelete, deferrable=True, initially="DEFERRED")


metadata = MetaData(naming_convention=NAMING)


def _req(name: str, *args: Any, **kwargs: Any) -> Column[Any]:
    """A column that must hold a value."""
    return Column(name, *args, nullable=False, **kwargs)


def _opt(name: str, *args: Any, **kwargs: Any) -> Column[Any]:
    """A column that may be empty."""
    return Column(name, *args, nullable=True, **kwargs)


def _bbox(table: str) -> tuple[Any, ...]:
    """Bounding-box columns beside a geometry: what SQLite uses (through an index) to find things in a box."""
    return (*(_opt(side, Double) for side in ("minx", "miny", "maxx", "maxy")),
            Index(f"ix_{table}_bbox", "minx", "maxx", "miny", "maxy"))


areas_table = Table(
    "areas",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("regime", String),
    _req("kind", String),
    _opt("trial_start", Date),
    _opt("geometry", Geometry("GEOMETRY")),
    *_bbox("areas"),
)
# Areas are unique by name, whatever the case: two imports creating "--area Newtown" at once make one area.
Index("uq_areas_name", func.lower(areas_table.c.name), unique=True)


places_table = Table(
    "places",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("area_id", String, _ref("areas.id"), index=True),
    _req("geometry", Geometry("GEOMETRY")),
    _req("character", String),
    _req("zone", String),
    _opt("team_crew_id", String, _ref("crews.id", ondelete="SET NULL")),
    _req("attributes", JSONValue),
    _req("version", Integer),
    *_bbox("places"),
)


assets_table = Table(
    "assets",
    metadata,
    Column("id", String, primary_key=True),
    _req("kind", String, index=True),
    _req("geometry", Geometry("GEOMETRY")),
    _opt("place_id", String, _ref("places.id", ondelete="SET NULL"), index=True),
    _req("name", String),
    _opt("capacity_l", Double),
    _opt("zone", String),
    _opt("sweep_method", String),
    _opt("mower", String),
    _req("site_factor", Double),
    _req("attributes", JSONValue),
    *_bbox("assets"),
)


sites_table = Table(
    "sites",
    metadata,
    Column("id", String, primary_key=True),
    _req("kind", String),
    _req("name", String),
    _req("geometry", Geometry("POINT")),
    _req("open_s", Integer),
    _req("close_s", Integer),
    _req("unload_s", Integer),
    *_bbox("sites"),
)


road_links_table = Table(
    "road_links",
    metadata,
    Column("id", String, primary_key=True),
    _req("geometry", Geometry("LINESTRING")),
    _req("name", String),
    _req("highway", String),
    _req("speed_kph", Double),
    _req("oneway", Boolean),
    *_bbox("road_links"),
)


observations_table = Table(
    "observations",
    metadata,
    Column("id", String, primary_key=True),
    _req("kind", String),
    _req("observed_at", Timestamp(), index=True),
    _req("place_id", String, _ref("places.id")),
    _opt("asset_id", String, _ref("assets.id"), index=True),
    _req("recorded_by", String),
    _opt("grade", String),
    _opt("fill_pct", Double),
    _opt("height_mm", Double),
    _opt("count", Integer),
    _req("note", String),
    _req("source", String, server_default=""),
    Index("ix_observations_place_id_kind_observed_at", "place_id", "kind", "observed_at"),
)


vehicles_table = Table(
    "vehicles",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("kind", String),
    _req("capacity_l", Double),
    _req("equipment", JSONValue),
    _req("compartments", JSONValue),
)


crews_table = Table(
    "crews",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("depot_id", String, _ref("sites.id"), index=True),
    _opt("vehicle_id", String, _ref("vehicles.id", ondelete="SET NULL")),
    _req("members", JSONValue),
    _req("shift_start_s", Integer),
    _req("shift_end_s", Integer),
    _req("breaks", JSONValue),
    _req("days_off", JSONValue),
)


rota_entries_table = Table(
    "rota_entries",
    metadata,
    Column("id", String, primary_key=True),
    _req("service", String),
    _opt("asset_id", String, _ref("assets.id", ondelete="CASCADE"), index=True),
    _opt("place_id", String, _ref("places.id", ondelete="CASCADE"), index=True),
    _req("weekdays", JSONValue),
    _req("every_weeks", Integer),
    _req("week_offset", Integer),
    _opt("anchor", Date),
    _req("months", JSONValue),
    _req("crew", String),
)


# One line of the council's service catalogue (empty table: the built-in defaults).
service_types_table = Table(
    "service_types",
    metadata,
    Column("code", String, primary_key=True),
    _req("name", String),
    _req("skill", String),
    _req("asset_kinds", JSONValue),
    _opt("equipment", String),
    _req("fixed_s", Double),
    _req("per_unit_s", Double),
    _req("unit", String),
    _req("volume_l_per_unit", Double),
    _opt("pedestrian_per_unit_s", Double),
    _opt("trigger", String),
    _opt("trigger_level", Double),
    _req("months", JSONValue),
    _req("holiday_rule", String),
)


coordination_rules_table = Table(
    "coordination_rules",
    metadata,
    Column("id", String, primary_key=True),
    _req("kind", String),
    _req("first_service", String),
    _req("second_service", String),
    _req("max_days", Integer),
)


closed_periods_table = Table(
    "closed_periods",
    metadata,
    Column("id", String, primary_key=True),
    _req("service", String),
    _opt("weekday", Integer),
    _req("start_s", Integer),
    _req("end_s", Integer),
    _opt("place_id", String, _ref("places.id", ondelete="CASCADE")),
    _opt("asset_id", String, _ref("assets.id", ondelete="CASCADE")),
    _req("reason", String),
)


calendar_days_table = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    _req("name", String),
    _req("kind", String),
)


# A week's plan; crew days and visits are child rows so visits can be queried by place or task.
plans_table = Table(
    "plans",
    metadata,
    Column("id", String, primary_key=True),
    _req("week", String, index=True),
    _req("unplanned", JSONValue),
    _req("kpis", JSONValue),
    _req("violations", JSONValue),
    _req("travel_source", String),
    _opt("created_at", Timestamp()),
    _opt("area_id", String),
    _opt("depot_id", String),
    _req("version", Integer),
    _req("saved_at", Timestamp()),
)
# One plan per area, depot and week. NULL (all areas, all depots) counts as a value here: a plain unique
# constraint treats NULLs as distinct on SQLite and PostgreSQL alike, so it would let two such plans in.
Index(
    "uq_plans_area_depot_week",
    func.coalesce(plans_table.c.area_id, ""),
    func.coalesce(plans_table.c.depot_id, ""),
    plans_table.c.week,
    unique=True,
)


plan_crew_days_table = Table(
    "plan_crew_days",
    metadata,
    Column("plan_id", String, _ref("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    _req("crew_id", String),
    _req("day", Date),
    _req("stops", JSONValue),
    _req("depart_s", Integer),
    _req("return_s", Integer),
    _req("travel_m", Double),
    _req("locked", Boolean),
)


plan_visits_table = Table(
    "plan_visits",
    metadata,
    Column("plan_id", String, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    _req("task_id", String),
    _req("place_id", String, index=True),
    _req("arrive_s", Integer),
    _req("start_s", Integer),
    _req("end_s", Integer),
    _req("service", String),
    _opt("asset_id", String),
    _req("pinned", Boolean),
    _req("status", String),
    _req("reason", String),
    _opt("actual_start", Timestamp()),
    _opt("actual_end", Timestamp()),
    ForeignKeyConstraint(
        ["plan_id", "position"],
        ["plan_crew_days.plan_id", "plan_crew_days.position"],
        ondelete="CASCADE",
        deferrable=True,
        initially="DEFERRED",
    ),
)


settings_table = Table(
    "settings",
    metadata,
    Column("key", String, primary_key=True),
    _req("value", JSONValue),
)


# A person allowed to use the database; name is the PostgreSQL login or the local name on SQLite.
users_table = Table(
    "users",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String, unique=True),
    _req("role", String),
    _opt("team_crew_id", String),
    _req("place_ids", JSONValue),
    _req("active", Boolean),
)


# Who changed what, when, with the record before and after; append-only (triggers refuse edits).
audit_log_table = Table(
    "audit_log",
    metadata,
    Column("id", AuditId, primary_key=True, autoincrement=True),
    _req("at", Timestamp(), index=True),
    _req("user_name", String),
    _req("action", String),
    _req("table_name", String),
    _req("record_id", String),
    _opt("before", JSONValue),
    _opt("after", JSONValue),
    Index("ix_audit_log_table_name_record_id", "table_name", "record_id"),
)


# One change sent from a crew's phone, kept by the id the phone gave it, so a replay changes nothing.
field_submissions_table = Table(
    "field_submissions",
    metadata,
    Column("id", String, primary_key=True),
    _req("received_at", Timestamp()),
    _req("user_name", String),
    _req("plan_id", String),
    _req("task_id", String),
    _req("action", String),
    _req("detail", JSONValue),
    _req("result", String),
)


# A photo a crew took at a visit (a fly-tip before clearing, a damaged bin).
visit_photos_table = Table(
    "visit_photos",
    metadata,
    Column("id", String, primary_key=True),
    _req("plan_id", String),
    _req("task_id", String),
    _req("taken_at", Timestamp()),
    _req("content_type", String),
    _req("size_bytes", Integer),
    _req("data", LargeBinary),
    Index("ix_visit_photos_plan_id_task_id", "plan_id", "task_id"),
)


# A report from the public (Open311 GeoReport v2), keeping the id the reporting site knows it by.
service_requests_table = Table(
    "service_requests",
    metadata,
    Column("id", String, primary_key=True),
    _req("service_code", String),
    _req("description", String),
    _req("lat", Double),
    _req("long", Double),
    _req("address", String),
    _req("place_id", String),
    _req("observation_id", String),
    _req("requested_at", Timestamp(), index=True),
    _req("received_at", Timestamp()),
    _req("api_key_name", String),
    _req("attributes", JSONValue),
)


# A key an administrator issued to a reporting site or CRM; only its hash is stored.
api_keys_table = Table(
    "api_keys",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String, unique=True),
    _req("key_hash", String, unique=True),
    _req("created_at", Timestamp()),
    _req("created_by", String),
    _req("active", Boolean),
)


# A household and its containers (JSON: stream, size, frequency, day, week, round per container).
properties_table = Table(
    "properties",
    metadata,
    Column("id", String, primary_key=True),
    _req("geometry", Geometry("POINT")),
    _req("uprn", String, index=True),
    _req("address", String),
    _opt("place_id", String, _ref("places.id", ondelete="SET NULL"), index=True),
    _req("assisted", Boolean),
    _req("containers", JSONValue),
    _opt("road_id", String),
    _req("attributes", JSONValue),
    *_bbox("properties"),
)


waste_tips_table = Table(
    "waste_tips",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("geometry", Geometry("POINT")),
    _req("streams", JSONValue),
    _req("open_s", Integer),
    _req("close_s", Integer),
    _req("turnaround_s", Integer),
    _req("days_open", JSONValue),
    *_bbox("waste_tips"),
)


collection_vehicles_table = Table(
    "collection_vehicles",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("payload_kg", Double),
    _req("body_l", Double),
    _req("compartments", JSONValue),
    _req("crew_size", Integer),
    _opt("depot_id", String, _ref("sites.id", ondelete="SET NULL")),
)


collection_rounds_table = Table(
    "collection_rounds",
    metadata,
    Column("id", String, primary_key=True),
    _req("name", String),
    _req("stream", String, index=True),
    _req("weekday", Integer),
    _req("week", String),
    _opt("vehicle_id", String, _ref("collection_vehicles.id", ondelete="SET NULL")),
    _opt("crew_id", String, _ref("crews.id", ondelete="SET NULL")),
    _opt("depot_id", String, _ref("sites.id", ondelete="SET NULL")),
)


missed_collections_table = Table(
    "missed_collections",
    metadata,
    Column("id", String, primary_key=True),
    _req("property_id", String, _ref("properties.id", ondelete="CASCADE"), index=True),
    _req("stream", String),
    _req("reported_on", Date, index=True),
    _req("reason", String),
    _req("return_by", Date),
    _opt("round_id", String),
    _req("note", String),
)
