"""One plan per area, depot and week, weeks in one canonical form, and areas unique by name.

Before this revision " 2026-W26 ", "2026-w26" and "2026-W26" were three weeks with three stored plans, two
concurrent first plans of a week were both kept, and two imports creating the same area at once made two
areas of that name. Existing data is kept: weeks are rewritten in the canonical form ("2026-W05"); where a
database already holds several plans for one area, depot and week, the newest stays the week's plan and the
older ones are kept under the week "<week> superseded <n>" (out of the week, still readable); a second area
of a name already taken is renamed "<name> (2)".

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.ASCII | re.IGNORECASE)


def _canonical(week: str) -> str:
    match = _WEEK.fullmatch((week or "").strip())
    return f"{int(match.group(1))}-W{int(match.group(2)):02d}" if match else week


def _canonical_weeks(bind: sa.Connection) -> None:
    for plan_id, week in bind.execute(sa.text("select id, week from plans")).all():
        better = _canonical(week)
        if better != week:
            bind.execute(sa.text("update plans set week = :w where id = :id"), {"w": better, "id": plan_id})


def _supersede_duplicate_plans(bind: sa.Connection) -> None:
    rows = bind.execute(sa.text(
        "select id, coalesce(area_id, ''), coalesce(depot_id, ''), week from plans "
        "order by week, created_at desc, saved_at desc, id"
    )).all()
    seen: dict[tuple[str, str, str], int] = {}
    for plan_id, area, depot, week in rows:
        key = (area, depot, week)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # not the newest: keep it, out of the week
            bind.execute(sa.text("update plans set week = :w where id = :id"),
                         {"w": f"{week} superseded {seen[key] - 1}", "id": plan_id})


def _rename_duplicate_areas(bind: sa.Connection) -> None:
    taken: set[str] = set()
    for area_id, name in bind.execute(sa.text("select id, name from areas order by id")).all():
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{name} ({n})"
        taken.add(candidate.lower())
        if candidate != name:
            bind.execute(sa.text("update areas set name = :n where id = :id"), {"n": candidate, "id": area_id})


def upgrade() -> None:
    bind = op.get_bind()
    _canonical_weeks(bind)
    _supersede_duplicate_plans(bind)
    _rename_duplicate_areas(bind)
    op.create_index(
        "uq_plans_area_depot_week", "plans",
        [sa.text("coalesce(area_id, '')"), sa.text("coalesce(depot_id, '')"), "week"], unique=True,
    )
    op.create_index("uq_areas_name", "areas", [sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_areas_name", table_name="areas")
    op.drop_index("uq_plans_area_depot_week", table_name="plans")
