"""The audit trail of one unit of work: every change written to audit_log in the same transaction.

Single-record changes (an observation recorded, a place or plan updated, a record deleted) get one row each
with the record before and after. Bulk inserts (an import of 50,000 assets, the demo district) get ONE
summary row per table per commit, holding the count and the first ids, so auditing never multiplies the
size of an import. The log is append-only: nothing here updates or deletes it, and triggers in the database
refuse it (see migration 0003).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from envservices.storage.accounts import AuditEntry
from envservices.storage.models import audit_log_table

BBOX_COLUMNS = frozenset({"minx", "miny", "maxx", "maxy"})
SUMMARY_IDS = 1_000
"""How many ids a bulk summary row lists (the count is always exact)."""


def plain(value: Any) -> Any:
    """A JSON-safe copy: geometry as WKT, dates as ISO text, enums by value, NaN and infinity as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, BaseGeometry):
        return value.wkt
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if k not in BBOX_COLUMNS}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return str(value)


def now() -> dt.datetime:
    """UTC without zone, as every timestamp in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AuditTrail:
    """Writes audit rows through the unit of work's session, as the acting user."""

    def __init__(self, session: Session, user_name: str) -> None:
        self.session = session
        self.user_name = user_name
        self._pending: dict[tuple[str, str], list[str]] = {}
        self._pending_counts: dict[tuple[str, str], int] = {}

    def record(self, action: str, table: str, record_id: str, before: Any = None, after: Any = None) -> None:
        """One detailed row now (inside the caller's savepoint, so a refused write leaves no trace)."""
        self.session.execute(
            insert(audit_log_table),
            {
                "at": now(),
                "user_name": self.user_name,
                "action": action,
                "table_name": table,
                "record_id": str(record_id),
                "before": plain(before),
                "after": plain(after),
            },
        )

    def bulk(self, action: str, table: str, ids: Iterable[str]) -> None:
        """Remember a bulk change; written as one summary row per table and action at commit."""
        key = (action, table)
        listed = self._pending.setdefault(key, [])
        count = 0
        for record_id in ids:
            count += 1
            if len(listed) < SUMMARY_IDS:
                listed.append(str(record_id))
        self._pending_counts[key] = self._pending_counts.get(key, 0) + count

    def flush(self) -> None:
        """Write the summary rows of bulk changes; called by the unit of work just before it commits."""
        for (action, table), ids in self._pending.items():
            count = self._pending_counts[(action, table)]
            if count:
                self.record(
                    f"{action}_many", table, f"{count} records",
                    after={"count": count, "ids": ids, "ids_listed": len(ids)},
                )
        self.discard()

    def discard(self) -> None:
        """Forget pending summaries (the work they describe was rolled back)."""
        self._pending.clear()
        self._pending_counts.clear()


def last_change(session: Session, table: str, record_id: str) -> AuditEntry | None:
    """The newest audit row for one record: who last changed it, and when."""
    t = audit_log_table
    row = (
        session.execute(
            select(t)
            .where(t.c.table_name == table, t.c.record_id == str(record_id))
            .order_by(t.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if row is None else AuditEntry(**row)
