"""Repositories for household waste collection: properties, tips, collection vehicles, rounds, missed bins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from envservices.domain.waste import CollectionRound, CollectionVehicle, MissedCollection, Property, WasteTip
from envservices.storage.mapping import RowMapper
from envservices.storage.models import (
    CollectionRoundRow,
    CollectionVehicleRow,
    MissedCollectionRow,
    PropertyRow,
    WasteTipRow,
)
from envservices.storage.repositories import BBox, Repository, SpatialRepository


class PropertyRepository(SpatialRepository[Property]):
    model, noun, mapper = PropertyRow, "property", RowMapper(Property, geometry="geometry")

    def list(self, place_id: str | None = None, bbox: BBox | None = None, **filters: Any) -> list[Property]:
        return super().list(bbox=bbox, place_id=place_id, **filters)


class WasteTipRepository(SpatialRepository[WasteTip]):
    model, noun, mapper = WasteTipRow, "tip", RowMapper(WasteTip, geometry="geometry")


class CollectionVehicleRepository(Repository[CollectionVehicle]):
    model, noun, mapper = CollectionVehicleRow, "collection vehicle", RowMapper(CollectionVehicle)


class CollectionRoundRepository(Repository[CollectionRound]):
    model, noun, mapper = CollectionRoundRow, "collection round", RowMapper(CollectionRound)
    order_by = ("stream", "week", "weekday", "id")


class MissedCollectionRepository(Repository[MissedCollection]):
    model, noun, mapper = MissedCollectionRow, "missed collection", RowMapper(MissedCollection)
    order_by = ("reported_on", "id")

    def list(self, since: dt.date | None = None, **filters: Any) -> list[MissedCollection]:
        conditions = self._conditions(filters)
        if since is not None:
            conditions.append(self.table.c.reported_on >= since)
        return self._fetch(self._select(*conditions))
