"""What comes back from the field: crews' submissions, visit photos, reports from the public, API keys.

Plain frozen values cross out of here, as everywhere in storage; every write is audited like any other.
A submission is stored under the id the phone gave it, so the same tap sent twice finds its first answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from envservices.storage.audit import AuditTrail, now
from envservices.storage.models import (
    api_keys_table,
    field_submissions_table,
    plan_visits_table,
    service_requests_table,
    settings_table,
    visit_photos_table,
)


@dataclass(frozen=True)
class Submission:
    """One change a crew sent, and what the service answered (kept to answer a replay the same way)."""

    id: str
    received_at: dt.datetime
    user_name: str
    plan_id: str
    task_id: str
    action: str
    result: str
    detail: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Photo:
    id: str
    plan_id: str
    task_id: str
    taken_at: dt.datetime
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class ServiceRequest:
    """A report from the public as stored; its status is worked out from the visit that dealt with it."""

    id: str
    service_code: str
    description: str
    lat: float
    long: float
    address: str
    place_id: str
    observation_id: str
    requested_at: dt.datetime
    received_at: dt.datetime
    api_key_name: str
    attributes: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    created_at: dt.datetime
    created_by: str
    active: bool


class FieldRepository:
    """Submissions, photos, public reports and API keys over the unit of work's session."""

    def __init__(self, session: Session, audit: AuditTrail | None = None) -> None:
        self.session = session
        self.audit = audit

    def _audit(self, action: str, table: str, record_id: str, after: Any) -> None:
        if self.audit is not None:
            self.audit.record(action, table, record_id, after=after)

    # --- submissions ---------------------------------------------------------------------------------------
    def submission(self, submission_id: str) -> Submission | None:
        t = field_submissions_table
        row = self.session.execute(select(t).where(t.c.id == submission_id)).mappings().first()
        return None if row is None else Submission(**row)

    def add_submission(self, sub: Submission) -> None:
        values = {**sub.__dict__}
        with self.session.begin_nested():
            self.session.execute(insert(field_submissions_table), values)
            self._audit("insert", "field_submissions", sub.id, values)

    def submissions(self, plan_id: str | None = None) -> list[Submission]:
        t = field_submissions_table
        stmt = select(t).order_by(t.c.received_at, t.c.id)
        if plan_id is not None:
            stmt = stmt.where(t.c.plan_id == plan_id)
        return [Submission(**row) for row in self.session.execute(stmt).mappings()]

    def set_actual_times(self, plan_id: str, task_id: str, start: dt.datetime | None,
                         end: dt.datetime | None) -> None:
        """Record when the crew really started and finished a visit (audited with the times before)."""
        t = plan_visits_table
        where = (t.c.plan_id == plan_id, t.c.task_id == task_id)
        with self.session.begin_nested():
            before = self.session.execute(select(t.c.actual_start, t.c.actual_end).where(*where)).first()
            self.session.execute(update(t).where(*where).values(actual_start=start, actual_end=end))
            if self.audit is not None and before is not None:
                self.audit.record("update", "plan_visits", f"{plan_id}/{task_id}",
                                  before={"actual_start": before[0], "actual_end": before[1]},
                                  after={"actual_start": start, "actual_end": end})

    # --- photos --------------------------------------------------------------------------------------------
    def add_photo(self, photo: Photo, data: bytes) -> None:
        values = {**photo.__dict__, "data": data}
        with self.session.begin_nested():
            self.session.execute(insert(visit_photos_table), values)
            self._audit("insert", "visit_photos", photo.id, photo)

    def photos(self, plan_id: str, task_id: str | None = None) -> list[Photo]:
        t = visit_photos_table
        cols = [t.c[name] for name in Photo.__dataclass_fields__]
        stmt = select(*cols).where(t.c.plan_id == plan_id).order_by(t.c.taken_at, t.c.id)
        if task_id is not None:
            stmt = stmt.where(t.c.task_id == task_id)
        return [Photo(**row) for row in self.session.execute(stmt).mappings()]

    def photo_data(self, photo_id: str) -> bytes | None:
        t = visit_photos_table
        return self.session.execute(select(t.c.data).where(t.c.id == photo_id)).scalar_one_or_none()

    # --- reports from the public ---------------------------------------------------------------------------
    def request(self, request_id: str) -> ServiceRequest | None:
        t = service_requests_table
        row = self.session.execute(select(t).where(t.c.id == request_id)).mappings().first()
        return None if row is None else ServiceRequest(**row)

    def add_request(self, req: ServiceRequest) -> None:
        values = {**req.__dict__}
        with self.session.begin_nested():
            self.session.execute(insert(service_requests_table), values)
            self._audit("insert", "service_requests", req.id, values)

    def requests(self, since: dt.datetime | None = None, until: dt.datetime | None = None,
                 limit: int = 1000) -> list[ServiceRequest]:
        t = service_requests_table
        stmt = select(t).order_by(t.c.requested_at.desc(), t.c.id).limit(limit)
        if since is not None:
            stmt = stmt.where(t.c.requested_at >= since)
        if until is not None:
            stmt = stmt.where(t.c.requested_at <= until)
        return [ServiceRequest(**row) for row in self.session.execute(stmt).mappings()]

    def visit_statuses(self, task_ids: list[str]) -> dict[str, tuple[str, dt.datetime | None]]:
        """The best status any stored visit of each task reached: done beats planned and missed."""
        t = plan_visits_table
        out: dict[str, tuple[str, dt.datetime | None]] = {}
        if not task_ids:
            return out
        rows = self.session.execute(select(t.c.task_id, t.c.status, t.c.actual_end).where(t.c.task_id.in_(task_ids)))
        for task_id, status, end in rows:
            if out.get(task_id, ("",))[0] != "done":
                out[task_id] = (status, end)
        return out

    # --- API keys ------------------------------------------------------------------------------------------
    def add_api_key(self, key: ApiKey, key_hash: str) -> None:
        values = {**key.__dict__, "key_hash": key_hash}
        with self.session.begin_nested():
            self.session.execute(insert(api_keys_table), values)
            self._audit("insert", "api_keys", key.id, key)  # the hash stays out of the log

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        t = api_keys_table
        row = self.session.execute(
            select(t.c.id, t.c.name, t.c.created_at, t.c.created_by, t.c.active).where(t.c.key_hash == key_hash)
        ).mappings().first()
        return None if row is None else ApiKey(**row)

    def api_keys(self) -> list[ApiKey]:
        t = api_keys_table
        rows = self.session.execute(
            select(t.c.id, t.c.name, t.c.created_at, t.c.created_by, t.c.active).order_by(t.c.name)
        ).mappings()
        return [ApiKey(**row) for row in rows]

    def api_key_by_name(self, name: str) -> ApiKey | None:
        return next((k for k in self.api_keys() if k.name == name), None)

    # --- the server's own secret ---------------------------------------------------------------------------
    def secret(self, key: str) -> str | None:
        """A secret kept in the settings table (e.g. what signs crew tokens); never written to the log."""
        t = settings_table
        return self.session.execute(select(t.c.value).where(t.c.key == key)).scalar_one_or_none()

    def set_secret(self, key: str, value: str, *, shown: bool = False) -> None:
        """Store (or replace) one value; the audit row shows it only when `shown` (a URL, not a key)."""
        t = settings_table
        with self.session.begin_nested():
            self.session.execute(delete(t).where(t.c.key == key))
            self.session.execute(insert(t), {"key": key, "value": value})
            self._audit("update", "settings", key, {"key": key, "value": value if shown else "(secret)"})


__all__ = ["ApiKey", "FieldRepository", "Photo", "ServiceRequest", "Submission", "now"]
