"""Household waste collection: properties with their containers, tips per stream, collection vehicles,
collection rounds and missed collections.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from envservices.storage.geometry import Geometry

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _col(name: str, type_: sa.types.TypeEngine, nullable: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable)


def _bbox() -> list[sa.Column]:
    return [_col(name, sa.Double(), nullable=True) for name in ("minx", "miny", "maxx", "maxy")]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete,
        deferrable=True, initially="DEFERRED",
    )


def upgrade() -> None:
    postgis = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "properties",
        _col("id", sa.String()),
        _col("geometry", Geometry("POINT")),
        _col("uprn", sa.String()),
        _col("address", sa.String()),
        _col("place_id", sa.String(), nullable=True),
        _col("assisted", sa.Boolean()),
        _col("containers", JSON),
        _col("road_id", sa.String(), nullable=True),
        _col("attributes", JSON),
        *_bbox(),
        sa.PrimaryKeyConstraint("id", name="pk_properties"),
        _fk("properties", "place_id", "places", "SET NULL"),
    )
    op.create_table(
        "waste_tips",
        _col("id", sa.String()),
        _col("name", sa.String()),
        _col("geometry", Geometry("POINT")),
        _col("streams", JSON),
        _col("open_s", sa.Integer()),
        _col("close_s", sa.Integer()),
        _col("turnaround_s", sa.Integer()),
        _col("days_open", JSON),
        *_bbox(),
        sa.PrimaryKeyConstraint("id", name="pk_waste_tips"),
    )
    op.create_table(
        "collection_vehicles",
        _col("id", sa.String()),
        _col("name", sa.String()),
        _col("payload_kg", sa.Double()),
        _col("body_l", sa.Double()),
        _col("compartments", JSON),
        _col("crew_size", sa.Integer()),
        _col("depot_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_collection_vehicles"),
        _fk("collection_vehicles", "depot_id", "sites", "SET NULL"),
    )
    op.create_table(
        "collection_rounds",
        _col("id", sa.String()),
        _col("name", sa.String()),
        _col("stream", sa.String()),
        _col("weekday", sa.Integer()),
        _col("week", sa.String()),
        _col("vehicle_id", sa.String(), nullable=True),
        _col("crew_id", sa.String(), nullable=True),
        _col("depot_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_collection_rounds"),
        _fk("collection_rounds", "vehicle_id", "collection_vehicles", "SET NULL"),
        _fk("collection_rounds", "crew_id", "crews", "SET NULL"),
        _fk("collection_rounds", "depot_id", "sites", "SET NULL"),
    )
    op.create_table(
        "missed_collections",
        _col("id", sa.String()),
        _col("property_id", sa.String()),
        _col("stream", sa.String()),
        _col("reported_on", sa.Date()),
        _col("reason", sa.String()),
        _col("return_by", sa.Date()),
        _col("round_id", sa.String(), nullable=True),
        _col("note", sa.String()),
        sa.PrimaryKeyConstraint("id", name="pk_missed_collections"),
        _fk("missed_collections", "property_id", "properties", "CASCADE"),
    )
    for table in ("properties", "waste_tips"):
        op.create_index(f"ix_{table}_bbox", table, ["minx", "maxx", "miny", "maxy"])
        if postgis:
            op.create_index(f"ix_{table}_geometry_gist", table, ["geometry"], postgresql_using="gist")
    for table, column in (
        ("properties", "uprn"),
        ("properties", "place_id"),
        ("collection_rounds", "stream"),
        ("missed_collections", "property_id"),
        ("missed_collections", "reported_on"),
    ):
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in ("missed_collections", "collection_rounds", "collection_vehicles", "waste_tips", "properties"):
        op.drop_table(table)
