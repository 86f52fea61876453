"""The council's own rules as data: the service catalogue, co-ordination rules, closed periods, calendar days.

The catalogue and the rules are small tables that are always read and replaced whole (a council edits them
as one sheet), so they are kept with replace-all semantics and one audit row per replacement. Closed periods
are ordinary records keyed by id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Table, delete, insert, select

from envservices.domain.model import CalendarDay, ClosedPeriod, CoordinationRule, ServiceType
from envservices.domain.settings import Settings
from envservices.storage.audit import AuditTrail
from envservices.storage.mapping import RowMapper
from envservices.storage.models import (
    calendar_days_table,
    closed_periods_table,
    coordination_rules_table,
    service_types_table,
)
from envservices.storage.repositories import Repository, SettingsRepository

_SERVICE = RowMapper(ServiceType)
_RULE = RowMapper(CoordinationRule)
_DAY = RowMapper(CalendarDay)


class _ReplacedWhole:
    """A table read and replaced as a whole, audited as one change with what it held before and after."""

    table: Table
    name: str

    def __init__(self, session, audit: AuditTrail | None = None) -> None:
        self.session = session
        self.audit = audit

    def _rows(self) -> list[dict]:
        return [dict(r) for r in self.session.execute(select(self.table)).mappings()]

    def _replace(self, rows: list[dict], label: str) -> None:
        with self.session.begin_nested():
            before = self._rows()
            self.session.execute(delete(self.table))
            if rows:
                self.session.execute(insert(self.table), rows)
        if self.audit is not None:
            self.audit.record("replace", self.table.name, label, before={"count": len(before)},
                              after={"count": len(rows)})


class CatalogueRepository(_ReplacedWhole):
    """The service catalogue; an empty table means the built-in defaults."""

    table = service_types_table

    def list(self) -> list[ServiceType]:
        rows = self.session.execute(select(self.table).order_by(self.table.c.code)).mappings()
        return [_SERVICE.from_row(r) for r in rows]

    def replace(self, services: Iterable[ServiceType]) -> None:
        self._replace([_SERVICE.to_row(s) for s in services], "catalogue")


class RuleRepository(_ReplacedWhole):
    """The co-ordination rules, in the order the council gave them; empty: the built-in defaults."""

    table = coordination_rules_table

    def list(self) -> list[CoordinationRule]:
        rows = self.session.execute(select(self.table).order_by(self.table.c.id)).mappings()
        return [_RULE.from_row(r) for r in rows]

    def count(self) -> int:
        return len(self._rows())

    def replace(self, rules: Iterable[CoordinationRule]) -> None:
        self._replace([{"id": f"rule-{i:04d}", **_RULE.to_row(r)} for i, r in enumerate(rules, start=1)], "rules")


class CalendarRepository(_ReplacedWhole):
    """The council's exception days (closed) and bank holidays it works (kind 'worked')."""

    table = calendar_days_table

    def list(self, since: dt.date | None = None, until: dt.date | None = None) -> list[CalendarDay]:
        t = self.table
        stmt = select(t).order_by(t.c.day)
        if since is not None:
            stmt = stmt.where(t.c.day >= since)
        if until is not None:
            stmt = stmt.where(t.c.day <= until)
        return [_DAY.from_row(r) for r in self.session.execute(stmt).mappings()]

    def replace(self, days: Iterable[CalendarDay]) -> None:
        self._replace([_DAY.to_row(d) for d in days], "calendar")

    def add_all(self, days: Iterable[CalendarDay]) -> int:
        """Add or overwrite the given days, keeping the others."""
        days = list(days)
        keep = {d.day for d in days}
        merged = [d for d in self.list() if d.day not in keep] + days
        self.replace(sorted(merged, key=lambda d: d.day))
        return len(days)


class ClosedPeriodRepository(Repository[ClosedPeriod]):
    table, noun, mapper = closed_periods_table, "closed period", RowMapper(ClosedPeriod)




class CouncilSettingsRepository(SettingsRepository):
    """Settings with the council's stored catalogue and rules in them, so every caller of
    `settings.services()` and `settings.rules` (the planner, the simulation, the desktop) sees the same ones."""

    TRIGGER_SETTING = {"bin_fill": "bin_intervention_pct", "grass_height": "grass_cut_mm"}

    def load(self) -> Settings:
        settings = super().load()
        catalogue = CatalogueRepository(self.session).list()
        rules = RuleRepository(self.session).list()
        changes: dict = {}
        if catalogue:
            changes["catalogue"] = tuple(catalogue)
            for s in catalogue:
                key = self.TRIGGER_SETTING.get(s.trigger or "")
                if key and s.trigger_level is not None:
                    changes[key] = float(s.trigger_level)
        if rules:
            changes["rules"] = tuple(rules)
        return dataclasses.replace(settings, **changes) if changes else settings


__all__ = ["CalendarRepository", "CatalogueRepository", "ClosedPeriodRepository", "CouncilSettingsRepository",
           "RuleRepository"]
