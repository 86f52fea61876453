"""Geometry columns that work the same on SQLite and PostGIS.

PostGIS gets a real `geometry(<type>, 27700)` column (so GIS users can query it and a GiST index helps);
SQLite, which has no spatial types without SpatiaLite, gets WKB in a BLOB, and the tables carry
minx/miny/maxx/maxy columns for indexed box queries. Either way the code above sees shapely geometries in
EPSG:27700 and never a database-specific value.
"""

from __future__ import annotations

import sys
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import BindParameter, ColumnElement, Dialect, LargeBinary
from sqlalchemy.sql.functions import Function
from sqlalchemy.types import TypeDecorator, TypeEngine

from envservices.domain.model import BNG_EPSG


class Geometry(TypeDecorator[BaseGeometry]):
    """A shapely geometry in British National Grid; stored natively on PostGIS, as WKB on SQLite."""

    impl = LargeBinary
    cache_ok = True
    spatial_index = False
    """GeoAlchemy2's create_all hook reads this; the migrations create the GiST indexes themselves."""

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type.upper()

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        # GeoAlchemy2's DDL hooks ask with no dialect to learn whether this is a spatial column.
        if dialect is None:
            return _postgis(self.geometry_type)
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_postgis(self.geometry_type))
        return dialect.type_descriptor(LargeBinary())

    # The conversions are spelled out rather than inherited from GeoAlchemy2, so both dialects move plain
    # (E)WKB bytes and bulk inserts stay plain executemany. `Function` rather than `func`, because
    # GeoAlchemy2's func registry would add an SRID argument. The copy made for PostGIS has a PostGIS impl.
    def _on_postgis(self) -> bool:
        geoalchemy2 = sys.modules.get("geoalchemy2")  # never imported on SQLite: then this is not PostGIS
        return geoalchemy2 is not None and isinstance(self.impl_instance, geoalchemy2.Geometry)

    def bind_expression(self, bindvalue: BindParameter[Any]) -> ColumnElement[Any]:
        if self._on_postgis():
            return Function("ST_GeomFromEWKB", bindvalue, type_=self)
        return bindvalue

    def column_expression(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        if self._on_postgis():
            return Function("ST_AsEWKB", column, type_=self)
        return column

    def bind_processor(self, dialect: Dialect):  # type: ignore[override]
        postgis = dialect.name == "postgresql"

        def process(value: BaseGeometry | None) -> bytes | None:
            if value is None:
                return None
            if not isinstance(value, BaseGeometry):
                raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
            if shapely.has_z(value):  # the working model is flat metres; PostGIS 2D columns refuse Z
                value = shapely.force_2d(value)
            if postgis:
                return shapely.to_wkb(shapely.set_srid(value, BNG_EPSG), include_srid=True)
            return shapely.to_wkb(value)

        return process

    def result_processor(self, dialect: Dialect, coltype: object):  # type: ignore[override]
        def process(value: Any) -> BaseGeometry | None:
            if value is None:
                return None
            if isinstance(value, memoryview):
                value = bytes(value)
            return shapely.set_srid(shapely.from_wkb(value), 0)

        return process

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return value


def _postgis(geometry_type: str) -> TypeEngine[Any]:
    """GeoAlchemy2's column type, imported only where PostGIS is used: the import (with the SQL dialects it
    loads for other databases) was 0.2-0.3 s of every desktop start on SQLite."""
    from geoalchemy2 import Geometry as PostGISGeometry

    return PostGISGeometry(geometry_type, srid=BNG_EPSG, spatial_index=False)


def bbox_columns(geometry: BaseGeometry | None) -> dict[str, float | None]:
    """The bounding box stored beside each geometry, so SQLite can find things in a box through an index."""
    if geometry is None or geometry.is_empty:
        return {"minx": None, "miny": None, "maxx": None, "maxy": None}
    minx, miny, maxx, maxy = (float(v) for v in geometry.bounds)
    return {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}
