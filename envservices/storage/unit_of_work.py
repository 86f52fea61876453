"""One unit of work: one session, one transaction, every repository.

`with db.unit_of_work() as uow: ...; uow.commit()`. Leaving the block without commit, or by an exception,
rolls back, so a failed command leaves the database as it was. Services receive a unit of work, never a
session, so the UI, the CLI, the simulation and tests all call them the same way.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from envservices.errors import UserError
from envservices.storage.repositories import (
    AreaRepository,
    AssetRepository,
    CrewRepository,
    ObservationRepository,
    PlaceRepository,
    PlanRepository,
    RoadLinkRepository,
    RotaRepository,
    SettingsRepository,
    SiteRepository,
    VehicleRepository,
    describe_integrity_error,
)


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

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        session = self._session = self._session_factory()
        self.areas = AreaRepository(session)
        self.places = PlaceRepository(session)
        self.assets = AssetRepository(session)
        self.sites = SiteRepository(session)
        self.roads = RoadLinkRepository(session)
        self.observations = ObservationRepository(session)
        self.vehicles = VehicleRepository(session)
        self.crews = CrewRepository(session)
        self.rota = RotaRepository(session)
        self.plans = PlanRepository(session)
        self.settings = SettingsRepository(session)
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

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a 'with' block")
        return self._session

    def commit(self) -> None:
        """Make the work so far permanent; references between records are checked here."""
        session = self._require_session()
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise UserError(describe_integrity_error("record", exc)) from exc

    def clear_all(self) -> None:
        """Delete every record but the settings (children first), as part of this unit of work."""
        from envservices.storage.models import Base

        session = self._require_session()
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "settings":
                session.execute(table.delete())

    def rollback(self) -> None:
        """Throw away the work since the last commit; the unit of work stays open."""
        self._require_session().rollback()
