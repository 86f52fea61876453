"""The field loop: actual start and finish per visit, crews' submissions (kept by their id so a replay
changes nothing), visit photos, reports from the public (Open311) and the API keys that send them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("plan_visits") as batch:
        batch.add_column(sa.Column("actual_start", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("actual_end", sa.DateTime(), nullable=True))
    op.create_table(
        "field_submissions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(), nullable=False),
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_field_submissions"),
    )
    op.create_table(
        "visit_photos",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_visit_photos"),
    )
    op.create_index("ix_visit_photos_plan_id_task_id", "visit_photos", ["plan_id", "task_id"])
    op.create_table(
        "service_requests",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("service_code", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("long", sa.Double(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("place_id", sa.String(), nullable=False),
        sa.Column("observation_id", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("api_key_name", sa.String(), nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_requests"),
    )
    op.create_index("ix_service_requests_requested_at", "service_requests", ["requested_at"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("name", name="uq_api_keys_name"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_index("ix_service_requests_requested_at", table_name="service_requests")
    op.drop_table("service_requests")
    op.drop_index("ix_visit_photos_plan_id_task_id", table_name="visit_photos")
    op.drop_table("visit_photos")
    op.drop_table("field_submissions")
    with op.batch_alter_table("plan_visits") as batch:
        batch.drop_column("actual_end")
        batch.drop_column("actual_start")
