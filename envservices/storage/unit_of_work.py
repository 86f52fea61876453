"""One unit of work: one session, one transaction, every repository.

`with db.unit_of_work() as uow: ...; uow.commit()`. Leaving the block without commit, or by an exception,
rolls back, so a failed command leaves the database as it was. Services receive a unit of work, never a
session, so the UI, the CLI, the simulation and tests all call them the same way.

A unit of work acts for one user (`user`, a name in the users table): every change it makes is written to
the audit log in the same transaction, so a change and its audit row are committed or lost together.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from envservices.errors import BUSY_MESSAGE, DatabaseBusy
from envservices.storage.audit import AuditTrail
from envservices.storage.council_rules import (
    CalendarRepository,
    CatalogueRepository,
    ClosedPeriodRepository,
    CouncilSettingsRepository,
    RuleRepository,
)
from envservices.storage.field import FieldRepository
from envservices.storage.repositories import (
    AreaRepository,
    AssetRepository,
    AuditLogRepository,
    CrewRepository,
    ObservationRepository,
    PlaceRepository,
    PlanRepository,
    RoadLinkRepository,
    RotaRepository,
    SettingsRepository,
    SiteRepository,
    UserRepository,
    VehicleRepository,
    integrity_error,
)
from envservices.storage.waste import (
    CollectionRoundRepository,
    CollectionVehicleRepository,
    MissedCollectionRepository,
    PropertyRepository,
    WasteTipRepository,
)


def is_locked(exc: OperationalError) -> bool:
    """SQLite's 'database is locked' (or 'table is locked'): another connection holds the write lock."""
    return "is locked" in str(getattr(exc, "orig", exc)).lower()


class UnitOfWork:
    areas: AreaRepository
    places: PlaceRepository
    assets: AssetRepository
    sites: SiteRepository
    roads: RoadLinkRepository
    observations: ObservationRepository
    vehicles: VehicleRepository
    crews: CrewRepository
    rota: RotaRepository
    plans: PlanRepository
    settings: SettingsRepository
    catalogue: CatalogueRepository
    rules: RuleRepository
    closed_periods: ClosedPeriodRepository
    calendar: CalendarRepository
    users: UserRepository
    audit_log: AuditLogRepository
    field: FieldRepository
    properties: PropertyRepository
    waste_tips: WasteTipRepository
    collection_vehicles: CollectionVehicleRepository
    collection_rounds: CollectionRoundRepository
    missed_collections: MissedCollectionRepository

    NOT_CLEARED = frozenset({"settings", "users", "audit_log", "alembic_version", "api_keys", "service_types",
                             "coordination_rules", "calendar_days"})

    def __init__(self, session_factory: sessionmaker[Session], user: str = "") -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._audit: AuditTrail | None = None
        self.user = user

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        session = self._session = self._session_factory()
        audit = self._audit = AuditTrail(session, self.user)
        self.areas = AreaRepository(session, audit)
        self.places = PlaceRepository(session, audit)
        self.assets = AssetRepository(session, audit)
        self.sites = SiteRepository(session, audit)
        self.roads = RoadLinkRepository(session, audit)
        self.observations = ObservationRepository(session, audit)
        self.vehicles = VehicleRepository(session, audit)
        self.crews = CrewRepository(session, audit)
        self.rota = RotaRepository(session, audit)
        self.plans = PlanRepository(session, audit)
        self.settings = CouncilSettingsRepository(session, audit)
        self.catalogue = CatalogueRepository(session, audit)
        self.rules = RuleRepository(session, audit)
        self.closed_periods = ClosedPeriodRepository(session, audit)
        self.calendar = CalendarRepository(session, audit)
        self.users = UserRepository(session, audit)
        self.audit_log = AuditLogRepository(session)
        self.field = FieldRepository(session, audit)
        self.properties = PropertyRepository(session, audit)
        self.waste_tips = WasteTipRepository(session, audit)
        self.collection_vehicles = CollectionVehicleRepository(session, audit)
        self.collection_rounds = CollectionRoundRepository(session, audit)
        self.missed_collections = MissedCollectionRepository(session, audit)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self._require_session()
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
            self._audit = None
        if isinstance(exc, OperationalError) and is_locked(exc):
            raise DatabaseBusy(BUSY_MESSAGE) from exc

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a 'with' block")
        return self._session

    def commit(self) -> None:
        """Make the work so far permanent; references between records are checked here."""
        session = self._require_session()
        try:
            if self._audit is not None:
                self._audit.flush()
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise integrity_error("record", exc) from exc

    def clear_all(self) -> None:
        """Delete every record but the settings, users and audit log (children first), in this unit of work.

        Audited as one row per emptied table with how many records it held.
        """
        from sqlalchemy import func, select

        from envservices.storage.models import metadata

        session = self._require_session()
        for table in reversed(metadata.sorted_tables):
            if table.name in self.NOT_CLEARED:
                continue
            count = session.execute(select(func.count()).select_from(table)).scalar_one()
            if count:
                session.execute(table.delete())
                if self._audit is not None:
                    self._audit.record("delete_all", table.name, f"{count} records", before={"count": count})

    def rollback(self) -> None:
        """Throw away the work since the last commit; the unit of work stays open."""
        self._require_session().rollback()
        if self._audit is not None:
            self._audit.discard()
