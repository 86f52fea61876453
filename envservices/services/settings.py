"""Reading and changing the council's rules (thresholds, durations, costs)."""

from __future__ import annotations

from envservices.domain.settings import Settings
from envservices.services import access


def load(db) -> Settings:
    with db.unit_of_work() as uow:
        return uow.settings.load()


def save(db, settings: Settings) -> None:
    """Store the rules; a value outside its plausible range is refused naming the setting and range."""
    settings.check()
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.settings.save(settings)
        uow.commit()
