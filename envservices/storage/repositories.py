"""Repositories: collections of domain objects over one session. They return domain objects, never rows.

Statements are Core (insert/select/update/delete on the mapped tables) executed through the unit of work's
session: bulk inserts become one executemany per batch, and reads skip building ORM objects that would only
be thrown away. Each write runs in a savepoint, so a refused write leaves the unit of work usable and
the database as it was.

Every write is also written to the audit log through the unit of work's AuditTrail (see audit.py): one row
per single change with the record before and after, one summary row per table for bulk inserts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import shapely
from shapely.geometry import box
from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Select,
    Table,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from envservices.domain.model import (
    BNG_EPSG,
    Area,
    Asset,
    Crew,
    CrewDay,
    Observation,
    ObservationKind,
    Place,
    Plan,
    RoadLink,
    RotaEntry,
    Site,
    Vehicle,
    Visit,
)
from envservices.domain.settings import Settings
from envservices.domain.weeks import normalise_week
from envservices.errors import AlreadyStored, ConflictError, UserError
from envservices.storage.accounts import AuditEntry, User
from envservices.storage.audit import AuditTrail, last_change
from envservices.storage.mapping import RowMapper
from envservices.storage.models import (
    areas_table,
    assets_table,
    audit_log_table,
    crews_table,
    observations_table,
    places_table,
    plan_crew_days_table,
    plan_visits_table,
    plans_table,
    road_links_table,
    rota_entries_table,
    settings_table,
    sites_table,
    users_table,
    vehicles_table,
)

T = TypeVar("T")
BATCH_ROWS = 5_000
BBox = tuple[float, float, float, float]
"""(minx, miny, maxx, maxy) in metres, British National Grid."""


def describe_integrity_error(noun: str, exc: IntegrityError) -> str:
    """One sentence for the user from a database refusal (duplicate id, missing value, broken reference)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    lowered = reason.lower()
    if "uq_areas_name" in lowered:
        return f"An area with the same name is already stored ({reason})."
    if "uq_plans_area_depot_week" in lowered:
        return f"A plan for the same week, area and depot is already stored ({reason})."
    if "unique" in lowered or "duplicate key" in lowered:
        return f"A {noun} with the same id is already stored ({reason})."
    if "not null" in lowered or "null value" in lowered:
        return f"A {noun} is missing a required value ({reason})."
    if "foreign key" in lowered:
        return (
            f"A {noun} refers to something that is not stored, or is still referred to by other records "
            f"({reason})."
        )
    return f"The database refused the {noun} ({reason})."


def integrity_error(noun: str, exc: IntegrityError) -> UserError:
    """The refusal as a UserError; AlreadyStored for a duplicate, so a caller can tell a lost race."""
    message = describe_integrity_error(noun, exc)
    return AlreadyStored(message) if "already stored" in message else UserError(message)


def _plain_filter(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class Repository(Generic[T]):
    """Add, get, list, count, update and delete one kind of domain object, keyed by its string id."""

    table: ClassVar[Table]
    mapper: ClassVar[RowMapper[Any]]
    noun: ClassVar[str]
    order_by: ClassVar[tuple[str, ...]] = ("id",)
    versioned: ClassVar[bool] = False

    def __init__(self, session: Session, audit: AuditTrail | None = None) -> None:
        self.session = session
        self.audit = audit

    @property
    def _postgis(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            with self.session.begin_nested():
                yield
        except IntegrityError as exc:
            raise integrity_error(self.noun, exc) from exc

    # --- writing -------------------------------------------------------------------------------------------
    def _to_row(self, obj: T) -> dict[str, Any]:
        row = self.mapper.to_row(obj)
        if self.versioned:
            row["version"] = max(int(row.get("version") or 0), 1)
        return row

    def add(self, obj: T) -> None:
        self.add_all([obj])

    def add_all(self, objs: Iterable[T]) -> int:
        """Insert many at once (one executemany per batch); returns how many were added.

        Audited as one detailed row for a single object, else one summary row per table at commit.
        """
        added: list[str] = []
        first: dict[str, Any] | None = None
        iterator = iter(objs)
        with self._writing():
            while batch := [self._to_row(obj) for obj in itertools.islice(iterator, BATCH_ROWS)]:
                self.session.execute(insert(self.table), batch)
                first = first or batch[0]
                added.extend(row["id"] for row in batch)
            if len(added) == 1 and self.audit is not None and first is not None:
                self.audit.record("insert", self.table.name, added[0], after=first)
        if len(added) > 1 and self.audit is not None:
            self.audit.bulk("insert", self.table.name, added)
        return len(added)

    def _stored_row(self, key: str) -> dict[str, Any] | None:
        row = self.session.execute(select(self.table).where(self.table.c.id == key)).mappings().first()
        return None if row is None else dict(row)

    def _audit_details(self, key: str, obj: T) -> tuple[dict[str, Any], dict[str, Any]]:
        """Extra (before, after) facts for an update's audit row, read before the change; none by default."""
        return {}, {}

    def update(self, obj: T) -> T:
        """Replace the stored object with the same id; returns it as stored (with its new version).

        Places and plans carry a version: if it is not 0 and differs from the stored one, somebody else
        saved in between and ConflictError is raised. Version 0 means "not read from here": no check.
        """
        row = self._to_row(obj)
        key = row.pop("id")
        table = self.table
        stmt = update(table).where(table.c.id == key)
        if self.versioned:
            expected = int(getattr(obj, "version", 0) or 0)
            row.pop("version")
            if expected:
                stmt = stmt.where(table.c.version == expected)
            stmt = stmt.values(**row, version=table.c.version + 1)
        else:
            stmt = stmt.values(**row)
        stored_version = 0
        with self._writing():
            before = self._stored_row(key) if self.audit is not None else None
            extra_before, extra_after = self._audit_details(key, obj) if before is not None else ({}, {})
            changed = self.session.execute(stmt).rowcount
            if changed and self.versioned:
                stored_version = self.session.execute(
                    select(table.c.version).where(table.c.id == key)
                ).scalar_one()
            if changed and self.audit is not None and before is not None:
                after = {**row, "id": key, **({"version": stored_version} if self.versioned else {})}
                self.audit.record(
                    "update", table.name, key, before={**before, **extra_before}, after={**after, **extra_after}
                )
        if not changed:
            self._raise_missing_or_conflict(key, getattr(obj, "version", 0))
        if self.versioned:
            return dataclasses.replace(obj, version=stored_version)  # type: ignore[type-var]
        return obj

    def _raise_missing_or_conflict(self, key: str, expected: int) -> None:
        """Say who changed the record and when (from the audit log) when a stale version was saved."""
        table = self.table
        current = self.session.execute(
            select(table.c.version if self.versioned else table.c.id).where(table.c.id == key)
        ).scalar_one_or_none()
        if current is None:
            raise UserError(f"There is no {self.noun} '{key}' to update.")
        change = last_change(self.session, table.name, key)
        by = (
            f" by {change.user_name} at {change.at:%Y-%m-%d %H:%M:%S} UTC"
            if change is not None and change.action != "insert"
            else " by someone else"
        )
        raise ConflictError(
            f"The {self.noun} '{key}' was changed{by} since it was read (version {expected}, now {current}); "
            "nothing was saved: reload it and try again."
        )

    def delete(self, key: str) -> bool:
        """Remove by id; False when there was nothing to remove."""
        with self._writing():
            before = self._stored_row(key) if self.audit is not None else None
            removed = bool(self.session.execute(delete(self.table).where(self.table.c.id == key)).rowcount)
            if removed and self.audit is not None:
                self.audit.record("delete", self.table.name, key, before=before)
        return removed

    # --- reading -------------------------------------------------------------------------------------------
    def _from_row(self, row: Mapping[str, Any]) -> T:
        return self.mapper.from_row(row)

    def _columns(self) -> list[Any]:
        """What a list reads: the whole row."""
        return [self.table]

    def _select(self, *conditions: ColumnElement[bool]) -> Select[Any]:
        table = self.table
        return select(*self._columns()).where(*conditions).order_by(*(table.c[name] for name in self.order_by))

    def _fetch(self, stmt: Select[Any]) -> list[T]:
        return [self._from_row(row) for row in self.session.execute(stmt).mappings()]

    def get(self, key: str) -> T | None:
        row = self.session.execute(select(self.table).where(self.table.c.id == key)).mappings().first()
        return None if row is None else self._from_row(row)

    def count(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(self.table)).scalar_one())

    def _conditions(self, filters: dict[str, Any]) -> list[ColumnElement[bool]]:
        out = []
        for name, value in filters.items():
            if value is None:
                continue
            if name not in self.table.c:
                raise TypeError(f"{self.noun}s cannot be listed by {name!r}")
            out.append(self.table.c[name] == _plain_filter(value))
        return out

    def list(self, **filters: Any) -> list[T]:
        """All stored objects in id order; keyword filters compare a field with a value (None: no filter)."""
        return self._fetch(self._select(*self._conditions(filters)))


class SpatialRepository(Repository[T]):
    """A repository whose objects have a geometry, so it can also find those intersecting a box."""

    def _columns(self) -> list[Any]:
        """On SQLite the geometry comes as its stored WKB bytes, read in one shapely call by `_fetch`:
        one geometry at a time was 0.13 s of the 0.35 s the desktop takes to read the demo's map (5,317
        geometries, cProfile of `services.district.map_data`)."""
        name = self.mapper.geometry
        if self._postgis or name is None:
            return super()._columns()
        return [type_coerce(c, LargeBinary).label(c.name) if c.name == name else c for c in self.table.c]

    def _fetch(self, stmt: Select[Any]) -> list[T]:
        name = self.mapper.geometry
        if self._postgis or name is None:
            return super()._fetch(stmt)
        rows = self.session.execute(stmt).mappings().all()
        raw = [row[name] for row in rows]
        if not all(v is None or isinstance(v, bytes | memoryview) for v in raw):
            return [self._from_row(row) for row in rows]  # a statement that read geometries already
        shapes = shapely.from_wkb(np.array([None if v is None else bytes(v) for v in raw], dtype=object))
        return [self.mapper.from_row(row, **{name: g}) for row, g in zip(rows, shapes.tolist(), strict=True)]

    def _box_conditions(self, bbox: BBox) -> list[ColumnElement[bool]]:
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        t = self.table
        if self._postgis:  # the GiST index answers ST_Intersects directly and exactly
            return [func.ST_Intersects(t.c.geometry, func.ST_MakeEnvelope(minx, miny, maxx, maxy, BNG_EPSG))]
        return [t.c.minx <= maxx, t.c.maxx >= minx, t.c.miny <= maxy, t.c.maxy >= miny]

    def list(self, bbox: BBox | None = None, **filters: Any) -> list[T]:
        """As Repository.list; with bbox, only those whose geometry intersects that box."""
        conditions = self._conditions(filters)
        if bbox is None:
            return self._fetch(self._select(*conditions))
        found = self._fetch(self._select(*conditions, *self._box_conditions(bbox)))
        if self._postgis:
            return found
        query_box = box(*bbox)  # SQLite found candidates by bounding box; keep those really inside
        return [obj for obj in found if obj.geometry.intersects(query_box)]


class AreaRepository(SpatialRepository[Area]):
    table, noun, mapper = areas_table, "area", RowMapper(Area, geometry="geometry")


class PlaceRepository(SpatialRepository[Place]):
    table, noun, mapper = places_table, "place", RowMapper(Place, geometry="geometry")
    versioned = True

    def list(self, area_id: str | None = None, bbox: BBox | None = None, **filters: Any) -> list[Place]:
        return super().list(bbox=bbox, area_id=area_id, **filters)


class AssetRepository(SpatialRepository[Asset]):
    table, noun, mapper = assets_table, "asset", RowMapper(Asset, geometry="geometry")

    def list(
        self, kind: Any = None, place_id: str | None = None, bbox: BBox | None = None, **filters: Any
    ) -> list[Asset]:
        return super().list(bbox=bbox, kind=kind, place_id=place_id, **filters)

    def count_by_kind(self) -> dict[str, int]:
        """How many assets of each kind, keyed by the kind's value (litter_bin ...)."""
        t = self.table
        rows = self.session.execute(select(t.c.kind, func.count()).group_by(t.c.kind).order_by(t.c.kind))
        return {kind: int(n) for kind, n in rows}


class SiteRepository(SpatialRepository[Site]):
    table, noun, mapper = sites_table, "site", RowMapper(Site, geometry="geometry")

    def list(self, kind: Any = None, bbox: BBox | None = None, **filters: Any) -> list[Site]:
        return super().list(bbox=bbox, kind=kind, **filters)


class RoadLinkRepository(SpatialRepository[RoadLink]):
    table, noun, mapper = road_links_table, "road link", RowMapper(RoadLink, geometry="geometry")


class ObservationRepository(Repository[Observation]):
    table, noun, mapper = observations_table, "observation", RowMapper(Observation)
    order_by = ("observed_at", "id")

    def list(
        self,
        place_id: str | None = None,
        asset_id: str | None = None,
        kind: Any = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        **filters: Any,
    ) -> list[Observation]:
        """Observations in time order; since is inclusive, until exclusive."""
        t = self.table
        conditions = self._conditions({"place_id": place_id, "asset_id": asset_id, "kind": kind, **filters})
        if since is not None:
            conditions.append(t.c.observed_at >= since)
        if until is not None:
            conditions.append(t.c.observed_at < until)
        return self._fetch(self._select(*conditions))

    def latest_by_place(self, kind: ObservationKind | str) -> dict[str, Observation]:
        """The newest observation of this kind at each place that has one."""
        t = self.table
        rank = func.row_number().over(
            partition_by=t.c.place_id, order_by=(t.c.observed_at.desc(), t.c.id.desc())
        )
        ranked = select(t, rank.label("rank_in_place")).where(t.c.kind == _plain_filter(kind)).subquery()
        rows = self.session.execute(select(ranked).where(ranked.c.rank_in_place == 1)).mappings()
        return {row["place_id"]: self._from_row(row) for row in rows}


class VehicleRepository(Repository[Vehicle]):
    table, noun, mapper = vehicles_table, "vehicle", RowMapper(Vehicle)


class CrewRepository(Repository[Crew]):
    table, noun, mapper = crews_table, "crew", RowMapper(Crew)


class RotaRepository(Repository[RotaEntry]):
    table, noun, mapper = rota_entries_table, "rota entry", RowMapper(RotaEntry)


class PlanRepository(Repository[Plan]):
    """Plans with their crew days and visits as child rows; a plan is always saved and loaded whole."""

    table, noun, mapper = plans_table, "plan", RowMapper(Plan, skip=("crew_days",))
    versioned = True
    day_mapper = RowMapper(CrewDay, skip=("visits",))
    visit_mapper = RowMapper(Visit)

    def _insert_children(self, plans: list[Plan]) -> None:
        days, visits = [], []
        for plan in plans:
            for position, crew_day in enumerate(plan.crew_days):
                days.append({**self.day_mapper.to_row(crew_day), "plan_id": plan.id, "position": position})
                visits.extend(
                    {**self.visit_mapper.to_row(visit), "plan_id": plan.id, "position": position, "seq": seq}
                    for seq, visit in enumerate(crew_day.visits)
                )
        if days:
            self.session.execute(insert(plan_crew_days_table), days)
        if visits:
            self.session.execute(insert(plan_visits_table), visits)

    def _delete_children(self, plan_id: str) -> None:
        self.session.execute(delete(plan_visits_table).where(plan_visits_table.c.plan_id == plan_id))
        self.session.execute(delete(plan_crew_days_table).where(plan_crew_days_table.c.plan_id == plan_id))

    def _to_row(self, obj: Plan) -> dict[str, Any]:
        row = super()._to_row(obj)
        saved_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return {**row, "week": normalise_week(row["week"]), "saved_at": saved_at}

    def _holder(self, plan: Plan) -> str | None:
        """The id of the stored plan holding this plan's area, depot and week, if any."""
        t = self.table
        return self.session.execute(
            select(t.c.id).where(
                func.coalesce(t.c.area_id, "") == (plan.area_id or ""),
                func.coalesce(t.c.depot_id, "") == (plan.depot_id or ""),
                t.c.week == normalise_week(plan.week),
            )
        ).scalar_one_or_none()

    def _taken(self, plan: Plan, holder: str | None) -> ConflictError:
        change = last_change(self.session, self.table.name, holder) if holder else None
        by = (f" by {change.user_name} at {change.at:%Y-%m-%d %H:%M:%S} UTC" if change is not None
              else " by someone else")
        return ConflictError(
            f"Week {normalise_week(plan.week)} was planned{by} (plan '{holder or 'unknown'}') since this plan was "
            "prepared; nothing was saved: plan the week again to re-plan over it."
        )

    def add_all(self, objs: Iterable[Plan]) -> int:
        plans = list(objs)
        with self._writing():
            rows = [self._to_row(plan) for plan in plans]
            if rows:
                self.session.execute(insert(self.table), rows)
            self._insert_children(plans)
            if len(rows) == 1 and self.audit is not None:
                after = {**rows[0], "visits": sum(len(cd.visits) for cd in plans[0].crew_days)}
                self.audit.record("insert", self.table.name, rows[0]["id"], after=after)
        if len(rows) > 1 and self.audit is not None:
            self.audit.bulk("insert", self.table.name, [row["id"] for row in rows])
        return len(plans)

    def set_visit_status(self, plan_id: str, task_id: str, status: Any, reason: str = "") -> int:
        """Mark one visit (done, missed...) without rewriting the plan; returns the plan's new version.

        Only that visit's row changes, so team leaders marking different visits of one plan at once never
        conflict; the plan's version is still bumped so a supervisor holding an older copy gets a conflict.
        """
        t, plans = plan_visits_table, self.table
        with self._writing():
            found = self.session.execute(
                select(t.c.status, t.c.reason).where(t.c.plan_id == plan_id, t.c.task_id == task_id)
            ).first()
            if found is None:
                raise UserError(f"The plan '{plan_id}' has no visit for task '{task_id}'.")
            version = self.session.execute(
                update(plans).where(plans.c.id == plan_id)
                .values(version=plans.c.version + 1, saved_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
                .returning(plans.c.version)
            ).scalar_one()
            value = _plain_filter(status)
            self.session.execute(
                update(t).where(t.c.plan_id == plan_id, t.c.task_id == task_id).values(status=value, reason=reason)
            )
            if self.audit is not None:
                self.audit.record(
                    "update", plans.name, plan_id,
                    before={"version": version - 1, "visit_status": {task_id: [found.status, found.reason]}},
                    after={"version": version, "visit_status": {task_id: [value, reason]}},
                )
        return int(version)

    def _audit_details(self, key: str, obj: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
        """The visits whose status changed (what a team leader marks), and how many visits before and after."""
        t = plan_visits_table
        stored = {
            task_id: (status, reason)
            for task_id, status, reason in self.session.execute(
                select(t.c.task_id, t.c.status, t.c.reason).where(t.c.plan_id == key)
            )
        }
        new = {v.task_id: (_plain_filter(v.status), v.reason) for cd in obj.crew_days for v in cd.visits}
        changed = sorted(task for task in stored.keys() & new.keys() if stored[task] != new[task])
        before = {"visits": len(stored), "visit_status": {task: list(stored[task]) for task in changed}}
        after = {"visits": len(new), "visit_status": {task: list(new[task]) for task in changed}}
        return before, after

    def update(self, obj: Plan) -> Plan:
        with self._writing():
            stored = super().update(obj)
            self._delete_children(obj.id)
            self._insert_children([obj])
        return stored

    def save(self, plan: Plan) -> Plan:
        """Insert the plan, or replace the whole stored plan with that id; returns it with its version."""
        exists = self.session.execute(select(self.table.c.id).where(self.table.c.id == plan.id)).first()
        if exists is None:
            holder = self._holder(plan)
            if holder is not None:
                raise self._taken(plan, holder)
            try:
                self.add(plan)
            except UserError as exc:
                if isinstance(exc.__cause__, IntegrityError):  # planned at the same moment elsewhere
                    raise self._taken(plan, self._holder(plan)) from exc
                raise
            return dataclasses.replace(plan, version=max(plan.version, 1))
        return self.update(plan)

    def delete(self, key: str) -> bool:
        with self._writing():
            self._delete_children(key)
        return super().delete(key)

    def _fetch(self, stmt: Select[Any]) -> list[Plan]:
        rows = list(self.session.execute(stmt).mappings())
        ids = [row["id"] for row in rows]
        if not ids:
            return []
        visits: dict[tuple[str, int], list[Visit]] = defaultdict(list)
        visit_rows = self.session.execute(
            select(plan_visits_table)
            .where(plan_visits_table.c.plan_id.in_(ids))
            .order_by(plan_visits_table.c.plan_id, plan_visits_table.c.position, plan_visits_table.c.seq)
        ).mappings()
        for row in visit_rows:
            visits[(row["plan_id"], row["position"])].append(self.visit_mapper.from_row(row))
        days: dict[str, list[CrewDay]] = defaultdict(list)
        day_rows = self.session.execute(
            select(plan_crew_days_table)
            .where(plan_crew_days_table.c.plan_id.in_(ids))
            .order_by(plan_crew_days_table.c.plan_id, plan_crew_days_table.c.position)
        ).mappings()
        for row in day_rows:
            key = (row["plan_id"], row["position"])
            days[row["plan_id"]].append(self.day_mapper.from_row(row, visits=tuple(visits.get(key, ()))))
        return [self.mapper.from_row(row, crew_days=tuple(days.get(row["id"], ()))) for row in rows]

    def get(self, key: str) -> Plan | None:
        found = self._fetch(select(self.table).where(self.table.c.id == key))
        return found[0] if found else None

    def list(self, week: str | None = None, depot_id: str | None = None, **filters: Any) -> list[Plan]:
        """Plans, newest first (by created_at, then by when they were saved)."""
        t = self.table
        week = None if week is None else normalise_week(week)
        conditions = self._conditions({"week": week, "depot_id": depot_id, **filters})
        stmt = select(t).where(*conditions).order_by(t.c.created_at.desc().nulls_last(), t.c.saved_at.desc())
        return self._fetch(stmt)

    def get_for_scope(self, week: str, area_id: str | None, depot_id: str | None) -> Plan | None:
        """The one plan of exactly this area, depot and week (None meaning all areas or all depots): the plan
        a re-plan of that scope replaces. get_by_week(week) may return another scope's plan."""
        t = self.table
        found = self._fetch(select(t).where(
            func.coalesce(t.c.area_id, "") == (area_id or ""),
            func.coalesce(t.c.depot_id, "") == (depot_id or ""),
            t.c.week == normalise_week(week),
        ))
        return found[0] if found else None

    def get_by_week(self, week: str, depot_id: str | None = None) -> Plan | None:
        """The latest plan for an ISO week (e.g. 2026-W48), for one depot if given."""
        t = self.table
        conditions = self._conditions({"week": normalise_week(week), "depot_id": depot_id})
        stmt = (
            select(t)
            .where(*conditions)
            .order_by(t.c.created_at.desc().nulls_last(), t.c.saved_at.desc())
            .limit(1)
        )
        found = self._fetch(stmt)
        return found[0] if found else None


class SettingsRepository:
    """The council's rules as key/value rows; keys not stored take the defaults of Settings."""

    def __init__(self, session: Session, audit: AuditTrail | None = None) -> None:
        self.session = session
        self.audit = audit

    def load(self) -> Settings:
        stored = {key: value for key, value in self.session.execute(select(settings_table.c.key, settings_table.c.value))}
        try:
            return Settings.from_mapping(stored)
        except ValueError as exc:
            raise UserError(f"The stored settings are not valid: {exc}.") from exc

    def save(self, settings: Settings) -> None:
        settings.check()
        values = settings.to_mapping()
        table = settings_table
        with self.session.begin_nested():
            stored = {key: value for key, value in self.session.execute(select(table.c.key, table.c.value))}
            self.session.execute(delete(table).where(table.c.key.in_(list(values))))
            self.session.execute(insert(table), [{"key": k, "value": v} for k, v in values.items()])
            changed = sorted(k for k, v in values.items() if stored.get(k) != v)
            if changed and self.audit is not None:
                self.audit.record(
                    "update", "settings", "settings",
                    before={k: stored.get(k) for k in changed}, after={k: values[k] for k in changed},
                )


class UserRepository(Repository[User]):
    """The people allowed to use the database; changes to them are audited like any other."""

    table, noun, mapper = users_table, "user", RowMapper(User)
    order_by = ("name",)

    def get_by_name(self, name: str) -> User | None:
        row = self.session.execute(select(self.table).where(self.table.c.name == name)).mappings().first()
        return None if row is None else self._from_row(row)


class AuditLogRepository:
    """Reading the audit log. Deliberately no update or delete: the log is append-only (triggers agree)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    table = audit_log_table

    def list(
        self,
        table_name: str | None = None,
        record_id: str | None = None,
        user_name: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries oldest first, optionally for one table, record or user; limit keeps the newest n."""
        t = self.table
        conditions = [
            t.c[name] == value
            for name, value in (("table_name", table_name), ("record_id", record_id), ("user_name", user_name))
            if value is not None
        ]
        stmt = select(t).where(*conditions).order_by(t.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return [AuditEntry(**row) for row in reversed(self.session.execute(stmt).mappings().all())]

    def count(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(self.table)).scalar_one())

    def last_change(self, table_name: str, record_id: str) -> AuditEntry | None:
        return last_change(self.session, table_name, record_id)
