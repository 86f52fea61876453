"""Read households and their containers from CSV (eastings/northings), GeoPackage or OpenStreetMap.

Columns: ``uprn``, ``address``, ``assisted`` (yes/no) and ``containers``, a list such as
``residual:240:fortnightly:A:Tue; dry_recycling:240:fortnightly:B:Tue; food:23:weekly:Tue`` (stream, size in
litres, frequency, then the week A/B or 1-4 where the frequency needs one, then an optional weekday).
All or nothing, like the other imports: a row that cannot be used (no point, a stream nobody knows, a
fortnightly bin without week A or B) refuses the file with the rows named. OSM buildings with an address
(``addr:housenumber`` and ``addr:street``) become properties without containers, which the council adds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from envservices.domain.model import Asset, AssetKind, Place, new_id
from envservices.domain.waste import Container, Frequency, Property, Stream, container_problem
from envservices.errors import ImportRefused
from envservices.gis.importer import ImportResult, RowProblem, assign_places, osm_tags
from envservices.gis.read import is_osm, normalise_column, read_layer
from envservices.gis.validate import validate_geometries

__all__ = ["import_properties", "parse_containers"]

_DAYS = {d[:3].lower(): i for i, d in enumerate(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))}
_YES = {"yes", "y", "true", "1", "assisted"}
_RESIDENTIAL = {"house", "residential", "detached", "semidetached_house", "terrace", "apartments", "bungalow",
                "yes", "dormitory", "farm"}


def parse_containers(text: object) -> tuple[tuple[Container, ...], str | None]:
    """Containers from ``stream:size:frequency[:week][:day]`` items separated by ``;`` or ``|``.

    Returns the containers and None, or () and one phrase saying what is wrong.
    """
    raw = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    out: list[Container] = []
    for item in (s.strip() for s in re.split(r"[;|]", raw)):
        if not item:
            continue
        parts = [p.strip() for p in item.split(":")]
        if len(parts) < 3:
            return (), f"container '{item}' needs at least stream:size:frequency"
        try:
            stream = Stream.parse(parts[0])
            frequency = Frequency.parse(parts[2])
        except ValueError as exc:
            return (), str(exc)
        try:
            size = float(parts[1].lower().removesuffix("l"))
        except ValueError:
            return (), f"container '{item}' has a size that is not a number of litres"
        week, weekday = "", None
        for extra in parts[3:]:
            key = extra.lower()[:3]
            if key in _DAYS:
                weekday = _DAYS[key]
            elif extra:
                week = extra.upper()
        container = Container(stream, size, frequency, weekday, week)
        problem = container_problem(container)
        if problem:
            return (), problem
        out.append(container)
    return tuple(out), None


MAX_LISTED = 10


def _refuse_if_strict(name: str, problems: Sequence[RowProblem], strict: bool) -> None:
    """The whole file refused, its bad rows named (the first ten), as the other imports do."""
    if not strict or not problems:
        return
    listed = "; ".join(str(p) for p in sorted(problems, key=lambda p: p.row)[:MAX_LISTED])
    more = f" and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise ImportRefused(
        f"{name} was not imported because {len(problems)} row(s) cannot be used ({listed}{more}); "
        "fix them or import with problem rows skipped."
    )


def _column(frame: pd.DataFrame, *names: str) -> str | None:
    keys = {normalise_column(c): c for c in frame.columns if c != frame.geometry.name}
    return next((keys[n] for n in names if n in keys), None)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def import_properties(
    path: str | Path,
    *,
    places: Sequence[Place],
    crs: str | int | None = None,
    layer: str | None = None,
    strict: bool = True,
) -> tuple[list[Property], ImportResult]:
    """Properties of a file put in places, and the usual import report (problems, warnings) beside them."""
    name = Path(path).name
    if is_osm(path):
        return _osm_properties(path, places, strict)
    frame = read_layer(path, crs=crs, layer=layer)
    checked = validate_geometries(frame)
    problems = list(checked.problems)
    warnings = list(frame.attrs.get("warnings", []))
    good = checked.frame
    uprn_col = _column(good, "uprn", "uprn_number", "property_reference")
    address_col = _column(good, "address", "full_address", "address_line", "property_address")
    assisted_col = _column(good, "assisted", "assisted_collection")
    containers_col = _column(good, "containers", "bins")
    id_col = _column(good, "id", "property_id")
    if containers_col is None:
        warnings.append(f"{name} has no containers column: the properties were imported without containers.")
    found: list[Property] = []
    seen: dict[str, int] = {}
    for row, record in good.iterrows():
        geometry = record.geometry
        if geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
            geometry = geometry.geoms[0]
        if geometry.geom_type != "Point":
            problems.append(RowProblem(int(row), f"is a {geometry.geom_type}, but a property must be a point"))
            continue
        containers, problem = parse_containers(record[containers_col] if containers_col else None)
        if problem:
            problems.append(RowProblem(int(row), problem))
            continue
        uprn = _text(record[uprn_col]) if uprn_col else ""
        if uprn and uprn in seen:
            problems.append(RowProblem(int(row), f"repeats UPRN {uprn} of row {seen[uprn]}"))
            continue
        if uprn:
            seen[uprn] = int(row)
        pid = _text(record[id_col]) if id_col else (f"property-{uprn}" if uprn else new_id("property"))
        found.append(Property(
            id=pid,
            geometry=geometry,
            uprn=uprn,
            address=_text(record[address_col]) if address_col else "",
            assisted=_text(record[assisted_col]).lower() in _YES if assisted_col else False,
            containers=containers,
            attributes={"source_row": int(row)},
        ))
    _refuse_if_strict(name, problems, strict)
    placed = _place(found, places)
    result = ImportResult(problems=tuple(problems), warnings=tuple(warnings), source=str(path),
                          not_in_place=tuple(p.id for p in placed if p.place_id is None))
    return placed, result


def _place(found: list[Property], places: Sequence[Place]) -> list[Property]:
    """Each property's place by the same spatial join as assets (a property is a point)."""
    stand_ins = [Asset(p.id, AssetKind.LITTER_BIN, p.geometry) for p in found]
    joined, _, _ = assign_places(stand_ins, places)
    return [replace(p, place_id=a.place_id) for p, a in zip(found, joined, strict=True)]


def _osm_properties(path: str | Path, places: Sequence[Place], strict: bool) -> tuple[list[Property], ImportResult]:
    name = Path(path).name
    found: list[Property] = []
    problems: list[RowProblem] = []
    for layer in ("points", "multipolygons"):
        try:
            frame = read_layer(path, layer=layer)
        except ImportRefused as exc:
            if "no features" in str(exc):
                continue
            raise
        checked = validate_geometries(frame)
        problems += [RowProblem(p.row, f"in layer {layer} {p.reason}") for p in checked.problems]
        for row, record in checked.frame.iterrows():
            tags = osm_tags(record)
            number, street = tags.get("addr:housenumber", ""), tags.get("addr:street", "")
            building = tags.get("building", "")
            if not (number and street) or (layer == "multipolygons" and building not in _RESIDENTIAL):
                continue
            address = ", ".join(x for x in (f"{number} {street}", tags.get("addr:city", ""),
                                              tags.get("addr:postcode", "")) if x)
            osm_id = _text(record.get("osm_way_id")) or _text(record.get("osm_id"))
            found.append(Property(
                id=f"osm-property-{osm_id}", geometry=record.geometry.representative_point(),
                uprn=tags.get("ref:GB:uprn", ""), address=address,
                attributes={"source": "openstreetmap", "source_row": int(row), "layer": layer},
            ))
    _refuse_if_strict(name, problems, strict)
    placed = _place(found, places)
    warnings = [(f"{name}: {len(found)} addressed building(s) imported without containers; add each "
                 "household's containers and collection days before designing rounds.")] if found else []
    return placed, ImportResult(problems=tuple(problems), warnings=tuple(warnings), source=str(path),
                                not_in_place=tuple(p.id for p in placed if p.place_id is None))
