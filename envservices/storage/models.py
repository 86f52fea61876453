"""The tables, as typed SQLAlchemy 2 models.

These rows never leave the storage package: repositories turn them into the domain's frozen dataclasses.
Column names are the domain field names, so one generic mapper (mapping.py) serves every table. Enums are
stored as their string values, nested values (crew members, breaks, weekdays) as JSON, geometry through
the Geometry type (PostGIS on PostgreSQL, WKB plus a bounding box on SQLite).

The migrations in migrations/versions create these tables; a test checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    BigInteger,
    LargeBinary,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: Timestamp(), Any: JSONValue}


class Spatial:
    """Bounding-box columns beside a geometry: what SQLite uses (through an index) to find things in a box."""

    minx: Mapped[float | None]
    miny: Mapped[float | None]
    maxx: Mapped[float | None]
    maxy: Mapped[float | None]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (Index(f"ix_{name}_bbox", "minx", "maxx", "miny", "maxy"),)


class AreaRow(Spatial, Base):
    __tablename__ = "areas"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    regime: Mapped[str]
    kind: Mapped[str]
    trial_start: Mapped[dt.date | None]
    geometry: Mapped[BaseGeometry | None] = mapped_column(Geometry("GEOMETRY"))


# Areas are unique by name, whatever the case: two imports creating "--area Newtown" at once make one area.
Index("uq_areas_name", func.lower(AreaRow.name), unique=True)


class PlaceRow(Spatial, Base):
    __tablename__ = "places"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    area_id: Mapped[str] = mapped_column(_ref("areas.id"), index=True)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"))
    character: Mapped[str]
    zone: Mapped[str]
    team_crew_id: Mapped[str | None] = mapped_column(_ref("crews.id", ondelete="SET NULL"))
    attributes: Mapped[Any]
    version: Mapped[int]


class AssetRow(Spatial, Base):
    __tablename__ = "assets"
    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(index=True)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"))
    place_id: Mapped[str | None] = mapped_column(_ref("places.id", ondelete="SET NULL"), index=True)
    name: Mapped[str]
    capacity_l: Mapped[float | None]
    zone: Mapped[str | None]
    sweep_method: Mapped[str | None]
    mower: Mapped[str | None]
    site_factor: Mapped[float]
    attributes: Mapped[Any]


class SiteRow(Spatial, Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    name: Mapped[str]
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("POINT"))
    open_s: Mapped[int]
    close_s: Mapped[int]
    unload_s: Mapped[int]


class RoadLinkRow(Spatial, Base):
    __tablename__ = "road_links"
    id: Mapped[str] = mapped_column(primary_key=True)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("LINESTRING"))
    name: Mapped[str]
    highway: Mapped[str]
    speed_kph: Mapped[float]
    oneway: Mapped[bool]


class ObservationRow(Base):
    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_place_id_kind_observed_at", "place_id", "kind", "observed_at"),)
    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    observed_at: Mapped[dt.datetime] = mapped_column(index=True)
    place_id: Mapped[str] = mapped_column(_ref("places.id"))
    asset_id: Mapped[str | None] = mapped_column(_ref("assets.id"), index=True)
    recorded_by: Mapped[str]
    grade: Mapped[str | None]
    fill_pct: Mapped[float | None]
    height_mm: Mapped[float | None]
    count: Mapped[int | None]
    note: Mapped[str]
    source: Mapped[str] = mapped_column(server_default="")


class VehicleRow(Base):
    __tablename__ = "vehicles"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    kind: Mapped[str]
    capacity_l: Mapped[float]
    equipment: Mapped[Any]
    compartments: Mapped[Any]


class CrewRow(Base):
    __tablename__ = "crews"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    depot_id: Mapped[str] = mapped_column(_ref("sites.id"), index=True)
    vehicle_id: Mapped[str | None] = mapped_column(_ref("vehicles.id", ondelete="SET NULL"))
    members: Mapped[Any]
    shift_start_s: Mapped[int]
    shift_end_s: Mapped[int]
    breaks: Mapped[Any]
    days_off: Mapped[Any]


class RotaEntryRow(Base):
    __tablename__ = "rota_entries"
    id: Mapped[str] = mapped_column(primary_key=True)
    service: Mapped[str]
    asset_id: Mapped[str | None] = mapped_column(_ref("assets.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[str | None] = mapped_column(_ref("places.id", ondelete="CASCADE"), index=True)
    weekdays: Mapped[Any]
    every_weeks: Mapped[int]
    week_offset: Mapped[int]
    anchor: Mapped[dt.date | None]
    months: Mapped[Any]
    crew: Mapped[str]


class ServiceTypeRow(Base):
    """One line of the council's service catalogue (empty table: the built-in defaults)."""

    __tablename__ = "service_types"
    code: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    skill: Mapped[str]
    asset_kinds: Mapped[Any]
    equipment: Mapped[str | None]
    fixed_s: Mapped[float]
    per_unit_s: Mapped[float]
    unit: Mapped[str]
    volume_l_per_unit: Mapped[float]
    pedestrian_per_unit_s: Mapped[float | None]
    trigger: Mapped[str | None]
    trigger_level: Mapped[float | None]
    months: Mapped[Any]
    holiday_rule: Mapped[str]


class CoordinationRuleRow(Base):
    __tablename__ = "coordination_rules"
    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    first_service: Mapped[str]
    second_service: Mapped[str]
    max_days: Mapped[int]


class ClosedPeriodRow(Base):
    __tablename__ = "closed_periods"
    id: Mapped[str] = mapped_column(primary_key=True)
    service: Mapped[str]
    weekday: Mapped[int | None]
    start_s: Mapped[int]
    end_s: Mapped[int]
    place_id: Mapped[str | None] = mapped_column(_ref("places.id", ondelete="CASCADE"))
    asset_id: Mapped[str | None] = mapped_column(_ref("assets.id", ondelete="CASCADE"))
    reason: Mapped[str]


class CalendarDayRow(Base):
    __tablename__ = "calendar_days"
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    name: Mapped[str]
    kind: Mapped[str]


class PlanRow(Base):
    """A week's plan; crew days and visits are child rows so visits can be queried by place or task."""

    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(index=True)
    unplanned: Mapped[Any]
    kpis: Mapped[Any]
    violations: Mapped[Any]
    travel_source: Mapped[str]
    created_at: Mapped[dt.datetime | None]
    area_id: Mapped[str | None]
    depot_id: Mapped[str | None]
    version: Mapped[int]
    saved_at: Mapped[dt.datetime]


# One plan per area, depot and week. NULL (all areas, all depots) counts as a value here: a plain unique
# constraint treats NULLs as distinct on SQLite and PostgreSQL alike, so it would let two such plans in.
Index(
    "uq_plans_area_depot_week",
    func.coalesce(PlanRow.area_id, ""),
    func.coalesce(PlanRow.depot_id, ""),
    PlanRow.week,
    unique=True,
)


class PlanCrewDayRow(Base):
    __tablename__ = "plan_crew_days"
    plan_id: Mapped[str] = mapped_column(_ref("plans.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[str]
    day: Mapped[dt.date]
    stops: Mapped[Any]
    depart_s: Mapped[int]
    return_s: Mapped[int]
    travel_m: Mapped[float]
    locked: Mapped[bool]


class PlanVisitRow(Base):
    __tablename__ = "plan_visits"
    __table_args__ = (
        ForeignKeyConstraint(
            ["plan_id", "position"],
            ["plan_crew_days.plan_id", "plan_crew_days.position"],
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
    )
    plan_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str]
    place_id: Mapped[str] = mapped_column(index=True)
    arrive_s: Mapped[int]
    start_s: Mapped[int]
    end_s: Mapped[int]
    service: Mapped[str]
    asset_id: Mapped[str | None]
    pinned: Mapped[bool]
    status: Mapped[str]
    reason: Mapped[str]
    actual_start: Mapped[dt.datetime | None]
    actual_end: Mapped[dt.datetime | None]


class SettingRow(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[Any]


class UserRow(Base):
    """A person allowed to use the database; name is the PostgreSQL login or the local name on SQLite."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    role: Mapped[str]
    team_crew_id: Mapped[str | None]
    place_ids: Mapped[Any]
    active: Mapped[bool]


class AuditRow(Base):
    """Who changed what, when, with the record before and after; append-only (triggers refuse edits)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_table_name_record_id", "table_name", "record_id"),)
    id: Mapped[int] = mapped_column(AuditId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    user_name: Mapped[str]
    action: Mapped[str]
    table_name: Mapped[str]
    record_id: Mapped[str]
    before: Mapped[Any | None] = mapped_column(JSONValue, nullable=True)
    after: Mapped[Any | None] = mapped_column(JSONValue, nullable=True)


class FieldSubmissionRow(Base):
    """One change sent from a crew's phone, kept by the id the phone gave it, so a replay changes nothing."""

    __tablename__ = "field_submissions"
    id: Mapped[str] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime]
    user_name: Mapped[str]
    plan_id: Mapped[str]
    task_id: Mapped[str]
    action: Mapped[str]
    detail: Mapped[Any]
    result: Mapped[str]


class VisitPhotoRow(Base):
    """A photo a crew took at a visit (a fly-tip before clearing, a damaged bin)."""

    __tablename__ = "visit_photos"
    __table_args__ = (Index("ix_visit_photos_plan_id_task_id", "plan_id", "task_id"),)
    id: Mapped[str] = mapped_column(primary_key=True)
    plan_id: Mapped[str]
    task_id: Mapped[str]
    taken_at: Mapped[dt.datetime]
    content_type: Mapped[str]
    size_bytes: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ServiceRequestRow(Base):
    """A report from the public (Open311 GeoReport v2), keeping the id the reporting site knows it by."""

    __tablename__ = "service_requests"
    id: Mapped[str] = mapped_column(primary_key=True)
    service_code: Mapped[str]
    description: Mapped[str]
    lat: Mapped[float]
    long: Mapped[float]
    address: Mapped[str]
    place_id: Mapped[str]
    observation_id: Mapped[str]
    requested_at: Mapped[dt.datetime] = mapped_column(index=True)
    received_at: Mapped[dt.datetime]
    api_key_name: Mapped[str]
    attributes: Mapped[Any]


class ApiKeyRow(Base):
    """A key an administrator issued to a reporting site or CRM; only its hash is stored."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    key_hash: Mapped[str] = mapped_column(unique=True)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str]
    active: Mapped[bool]


class PropertyRow(Spatial, Base):
    """A household and its containers (JSON: stream, size, frequency, day, week, round per container)."""

    __tablename__ = "properties"
    id: Mapped[str] = mapped_column(primary_key=True)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("POINT"))
    uprn: Mapped[str] = mapped_column(index=True)
    address: Mapped[str]
    place_id: Mapped[str | None] = mapped_column(_ref("places.id", ondelete="SET NULL"), index=True)
    assisted: Mapped[bool]
    containers: Mapped[Any]
    road_id: Mapped[str | None]
    attributes: Mapped[Any]


class WasteTipRow(Spatial, Base):
    __tablename__ = "waste_tips"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("POINT"))
    streams: Mapped[Any]
    open_s: Mapped[int]
    close_s: Mapped[int]
    turnaround_s: Mapped[int]
    days_open: Mapped[Any]


class CollectionVehicleRow(Base):
    __tablename__ = "collection_vehicles"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    payload_kg: Mapped[float]
    body_l: Mapped[float]
    compartments: Mapped[Any]
    crew_size: Mapped[int]
    depot_id: Mapped[str | None] = mapped_column(_ref("sites.id", ondelete="SET NULL"))


class CollectionRoundRow(Base):
    __tablename__ = "collection_rounds"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    stream: Mapped[str] = mapped_column(index=True)
    weekday: Mapped[int]
    week: Mapped[str]
    vehicle_id: Mapped[str | None] = mapped_column(_ref("collection_vehicles.id", ondelete="SET NULL"))
    crew_id: Mapped[str | None] = mapped_column(_ref("crews.id", ondelete="SET NULL"))
    depot_id: Mapped[str | None] = mapped_column(_ref("sites.id", ondelete="SET NULL"))


class MissedCollectionRow(Base):
    __tablename__ = "missed_collections"
    id: Mapped[str] = mapped_column(primary_key=True)
    property_id: Mapped[str] = mapped_column(_ref("properties.id", ondelete="CASCADE"), index=True)
    stream: Mapped[str]
    reported_on: Mapped[dt.date] = mapped_column(index=True)
    reason: Mapped[str]
    return_by: Mapped[dt.date]
    round_id: Mapped[str | None]
    note: Mapped[str]
