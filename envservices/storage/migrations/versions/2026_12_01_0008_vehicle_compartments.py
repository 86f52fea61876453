"""A vehicle's split body: `vehicles.compartments`, the streams and litres of each compartment (a recycling
body and a food pod); empty for a one-body vehicle, which every existing vehicle is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("vehicles") as batch:
        batch.add_column(sa.Column("compartments", JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("vehicles") as batch:
        batch.drop_column("compartments")
