"""One generic mapper between the domain's frozen dataclasses and table rows.

Columns carry the domain field names, so the field's type hint alone says how to store it: enums as their
values, tuples, frozensets, dicts and nested dataclasses as JSON, geometry as geometry (plus its bounding
box), everything else as it is. The converters are chosen once per field, not per row, because bulk
loads of tens of thousands of assets pass through here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from shapely.geometry.base import BaseGeometry

from envservices.storage.geometry import bbox_columns

T = TypeVar("T")
Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def to_plain(value: Any) -> Any:
    """A JSON-ready copy: enums by value, dataclasses as dicts, sets sorted so stored JSON is stable."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted((to_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _optional_inner(hint: Any) -> Any:
    """`X | None` -> X; other hints unchanged."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
    return hint


def from_plain(hint: Any, value: Any) -> Any:
    """Rebuild a value of the hinted type from its plain (JSON or column) form."""
    if value is None:
        return None
    hint = _optional_inner(hint)
    origin = typing.get_origin(hint)
    if origin in (tuple, list, frozenset, set):
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return origin(from_plain(item, v) for v in value)
    if origin is dict or hint is dict:
        return dict(value)
    if not isinstance(hint, type):
        return value
    if issubclass(hint, enum.Enum):
        return hint(value)
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{k: from_plain(hints[k], v) for k, v in value.items() if k in hints})
    if hint is dt.datetime and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if hint is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _converters(hint: Any) -> tuple[Convert, Convert]:
    """(to column, from column) for one field's type hint."""
    inner = _optional_inner(hint)
    if isinstance(inner, type) and issubclass(inner, BaseGeometry):
        return _identity, _identity
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return (lambda v: None if v is None else v.value), (lambda v: None if v is None else inner(v))
    structured = (
        typing.get_origin(inner) in (tuple, list, frozenset, set, dict)
        or inner in (dict, list)
        or (isinstance(inner, type) and dataclasses.is_dataclass(inner))
    )
    if structured:
        return to_plain, (lambda v: from_plain(hint, v))
    return _identity, _identity


class RowMapper(Generic[T]):
    """Turns one domain dataclass into a row dict for its table and back.

    `skip` names fields kept elsewhere (a plan's crew days live in their own table); `geometry` names the
    field whose bounding box fills minx/miny/maxx/maxy.
    """

    def __init__(self, domain: type[T], *, skip: tuple[str, ...] = (), geometry: str | None = None) -> None:
        self.domain = domain
        hints = _hints(domain)
        self.fields = [
            (f.name, *_converters(hints[f.name])) for f in dataclasses.fields(domain) if f.name not in skip
        ]
        self.geometry = geometry

    def to_row(self, obj: T) -> dict[str, Any]:
        row = {name: to_col(getattr(obj, name)) for name, to_col, _ in self.fields}
        if self.geometry is not None:
            row.update(bbox_columns(row[self.geometry]))
        return row

    def from_row(self, row: Mapping[str, Any], **extra: Any) -> T:
        values = {name: from_col(row[name]) for name, _, from_col in self.fields}
        values.update(extra)
        return self.domain(**values)
