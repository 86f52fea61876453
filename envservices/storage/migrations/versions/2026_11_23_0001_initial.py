"""Initial tables: areas, places, assets, sites, roads, observations, vehicles, crews, rota, plans, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from envservices.storage.geometry import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SPATIAL_TABLES = ("areas", "places", "assets", "sites", "road_links")


def _id() -> sa.Column:
    return sa.Column("id", sa.String(), nullable=False)


def _text(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _float(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Double(), nullable=nullable)


def _json(name: str) -> sa.Column:
    return sa.Column(name, JSON, nullable=False)


def _geometry(geometry_type: str, nullable: bool = False) -> sa.Column:
    return sa.Column("geometry", Geometry(geometry_type), nullable=nullable)


def _bbox() -> list[sa.Column]:
    return [_float(name, nullable=True) for name in ("minx", "miny", "maxx", "maxy")]


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete=ondelete,
        deferrable=True,
        initially="DEFERRED",
    )


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=f"pk_{table}")


def upgrade() -> None:
    postgis = op.get_bind().dialect.name == "postgresql"
    if postgis:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "areas",
        _id(),
        _text("name"),
        _text("regime"),
        _text("kind"),
        sa.Column("trial_start", sa.Date(), nullable=True),
        _geometry("GEOMETRY", nullable=True),
        *_bbox(),
        _pk("areas"),
    )
    op.create_table(
        "sites",
        _id(),
        _text("kind"),
        _text("name"),
        _geometry("POINT"),
        _int("open_s"),
        _int("close_s"),
        _int("unload_s"),
        *_bbox(),
        _pk("sites"),
    )
    op.create_table(
        "vehicles",
        _id(),
        _text("name"),
        _text("kind"),
        _float("capacity_l"),
        _json("equipment"),
        _pk("vehicles"),
    )
    op.create_table(
        "crews",
        _id(),
        _text("name"),
        _text("depot_id"),
        _text("vehicle_id", nullable=True),
        _json("members"),
        _int("shift_start_s"),
        _int("shift_end_s"),
        _json("breaks"),
        _json("days_off"),
        _pk("crews"),
        _fk("crews", "depot_id", "sites"),
        _fk("crews", "vehicle_id", "vehicles", "SET NULL"),
    )
    op.create_table(
        "places",
        _id(),
        _text("name"),
        _text("area_id"),
        _geometry("GEOMETRY"),
        _text("character"),
        _text("zone"),
        _text("team_crew_id", nullable=True),
        _json("attributes"),
        _int("version"),
        *_bbox(),
        _pk("places"),
        _fk("places", "area_id", "areas"),
        _fk("places", "team_crew_id", "crews", "SET NULL"),
    )
    op.create_table(
        "assets",
        _id(),
        _text("kind"),
        _geometry("GEOMETRY"),
        _text("place_id", nullable=True),
        _text("name"),
        _float("capacity_l", nullable=True),
        _text("zone", nullable=True),
        _text("sweep_method", nullable=True),
        _text("mower", nullable=True),
        _float("site_factor"),
        _json("attributes"),
        *_bbox(),
        _pk("assets"),
        _fk("assets", "place_id", "places", "SET NULL"),
    )
    op.create_table(
        "road_links",
        _id(),
        _geometry("LINESTRING"),
        _text("name"),
        _text("highway"),
        _float("speed_kph"),
        sa.Column("oneway", sa.Boolean(), nullable=False),
        *_bbox(),
        _pk("road_links"),
    )
    op.create_table(
        "observations",
        _id(),
        _text("kind"),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        _text("place_id"),
        _text("asset_id", nullable=True),
        _text("recorded_by"),
        _text("grade", nullable=True),
        _float("fill_pct", nullable=True),
        _float("height_mm", nullable=True),
        _int("count", nullable=True),
        _text("note"),
        _pk("observations"),
        _fk("observations", "place_id", "places"),
        _fk("observations", "asset_id", "assets"),
    )
    op.create_table(
        "rota_entries",
        _id(),
        _text("service"),
        _text("asset_id", nullable=True),
        _text("place_id", nullable=True),
        _json("weekdays"),
        _int("every_weeks"),
        _int("week_offset"),
        _pk("rota_entries"),
        _fk("rota_entries", "asset_id", "assets", "CASCADE"),
        _fk("rota_entries", "place_id", "places", "CASCADE"),
    )
    op.create_table(
        "plans",
        _id(),
        _text("week"),
        _json("unplanned"),
        _json("kpis"),
        _json("violations"),
        _text("travel_source"),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        _text("area_id", nullable=True),
        _text("depot_id", nullable=True),
        _int("version"),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        _pk("plans"),
    )
    op.create_table(
        "plan_crew_days",
        _text("plan_id"),
        _int("position"),
        _text("crew_id"),
        sa.Column("day", sa.Date(), nullable=False),
        _json("stops"),
        _int("depart_s"),
        _int("return_s"),
        _float("travel_m"),
        sa.Column("locked", sa.Boolean(), nullable=False),
        _pk("plan_crew_days", "plan_id", "position"),
        _fk("plan_crew_days", "plan_id", "plans", "CASCADE"),
    )
    op.create_table(
        "plan_visits",
        _text("plan_id"),
        _int("position"),
        _int("seq"),
        _text("task_id"),
        _text("place_id"),
        _int("arrive_s"),
        _int("start_s"),
        _int("end_s"),
        _text("service"),
        _text("asset_id", nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        _text("status"),
        _text("reason"),
        _pk("plan_visits", "plan_id", "position", "seq"),
        sa.ForeignKeyConstraint(
            ["plan_id", "position"],
            ["plan_crew_days.plan_id", "plan_crew_days.position"],
            name="fk_plan_visits_plan_id_plan_crew_days",
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
    )
    op.create_table(
        "settings", sa.Column("key", sa.String(), nullable=False), _json("value"), _pk("settings", "key")
    )

    for table in SPATIAL_TABLES:
        op.create_index(f"ix_{table}_bbox", table, ["minx", "maxx", "miny", "maxy"])
        if postgis:
            op.create_index(f"ix_{table}_geometry_gist", table, ["geometry"], postgresql_using="gist")
    for table, column in (
        ("places", "area_id"),
        ("assets", "kind"),
        ("assets", "place_id"),
        ("crews", "depot_id"),
        ("observations", "observed_at"),
        ("observations", "place_id"),
        ("observations", "asset_id"),
        ("rota_entries", "asset_id"),
        ("rota_entries", "place_id"),
        ("plans", "week"),
        ("plan_visits", "place_id"),
    ):
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in (
        "settings",
        "plan_visits",
        "plan_crew_days",
        "plans",
        "rota_entries",
        "observations",
        "road_links",
        "assets",
        "places",
        "crews",
        "vehicles",
        "sites",
        "areas",
    ):
        op.drop_table(table)
