"""Where an observation came from (survey, app, import, simulation), and a faster "latest per place" index.

The composite index serves latest_by_place and the per-place history, and makes the single-column
place index redundant.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("source", sa.String(), nullable=False, server_default=""))
    op.drop_index("ix_observations_place_id", table_name="observations")
    op.create_index(
        "ix_observations_place_id_kind_observed_at", "observations", ["place_id", "kind", "observed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_observations_place_id_kind_observed_at", table_name="observations")
    op.create_index("ix_observations_place_id", "observations", ["place_id"])
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("source")
