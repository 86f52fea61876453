"""The council's own service catalogue, co-ordination rules, closed periods and calendar days as data;
rota entries gain the date that fixes their cycle, their months in season and the crew they name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}",
                                   ondelete="CASCADE", deferrable=True, initially="DEFERRED")


def upgrade() -> None:
    op.create_table(
        "service_types",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.Column("asset_kinds", JSON, nullable=False),
        sa.Column("equipment", sa.String(), nullable=True),
        sa.Column("fixed_s", sa.Double(), nullable=False),
        sa.Column("per_unit_s", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("volume_l_per_unit", sa.Double(), nullable=False),
        sa.Column("pedestrian_per_unit_s", sa.Double(), nullable=True),
        sa.Column("trigger", sa.String(), nullable=True),
        sa.Column("trigger_level", sa.Double(), nullable=True),
        sa.Column("months", JSON, nullable=False),
        sa.Column("holiday_rule", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_service_types"),
    )
    op.create_table(
        "coordination_rules",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("first_service", sa.String(), nullable=False),
        sa.Column("second_service", sa.String(), nullable=False),
        sa.Column("max_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coordination_rules"),
    )
    op.create_table(
        "closed_periods",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.String(), nullable=True),
        sa.Column("asset_id", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_closed_periods"),
        _fk("closed_periods", "place_id", "places"),
        _fk("closed_periods", "asset_id", "assets"),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_days"),
    )
    with op.batch_alter_table("rota_entries") as batch:
        batch.add_column(sa.Column("anchor", sa.Date(), nullable=True))
        batch.add_column(sa.Column("months", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("crew", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("rota_entries") as batch:
        batch.drop_column("crew")
        batch.drop_column("months")
        batch.drop_column("anchor")
    for table in ("calendar_days", "closed_periods", "coordination_rules", "service_types"):
        op.drop_table(table)
