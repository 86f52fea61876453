"""The district as a whole: the demo, what the database holds, GIS import and export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from envservices.domain import Area, AreaKind, Asset, AssetKind, Place, Regime, RoadLink, Site, new_id
from envservices.errors import UserError
from envservices.services import access
from envservices.services.concurrency import retry_busy

PLACE_KINDS = {"place", "places"}
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")


@dataclass(frozen=True)
class MapData:
    """Everything the map draws, read once."""

    areas: tuple[Area, ...]
    places: tuple[Place, ...]
    assets: tuple[Asset, ...]
    sites: tuple[Site, ...]
    roads: tuple[RoadLink, ...]


def map_data(db) -> MapData:
    with db.unit_of_work() as uow:
        return MapData(
            areas=tuple(uow.areas.list()),
            places=tuple(uow.places.list()),
            assets=tuple(uow.assets.list()),
            sites=tuple(uow.sites.list()),
            roads=tuple(uow.roads.list()),
        )


def summary(db) -> dict:
    with db.unit_of_work() as uow:
        households = {"properties": uow.properties.count(), "collection_rounds": uow.collection_rounds.count()}
        return {
            "database": db.url_for_display if hasattr(db, "url_for_display") else str(db.url),
            "areas": uow.areas.count(),
            "places": uow.places.count(),
            "assets": dict(sorted(uow.assets.count_by_kind().items())),
            "crews": uow.crews.count(),
            "observations": uow.observations.count(),
            "sites": uow.sites.count(),
            "road_links": uow.roads.count(),
            "rota_entries": uow.rota.count(),
            "plans": uow.plans.count(),
            **({k: v for k, v in households.items()} if households["properties"] else {}),
        }


def create_demo(db, *, seed: int = 1, scale: float = 1.0, replace: bool = False,
                today: dt.date | None = None, households: bool = False) -> dict:
    """Build the seeded demo district; refuse to mix it into a database that already holds a district."""
    from envservices.demo.district import build_demo_district

    if not 0.05 <= scale <= 32:
        raise UserError(f"--scale must be between 0.05 and 32, not {scale}")
    district = build_demo_district(seed=seed, scale=scale, today=today, households=households)
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        if uow.areas.count():
            if not replace:
                raise UserError("the database already holds a district; use --replace to rebuild it, "
                                "or --db to name another database")
            uow.clear_all()
        uow.areas.add_all(district.areas)
        uow.places.add_all(district.places)
        uow.sites.add_all(district.sites)
        uow.roads.add_all(district.roads)
        uow.vehicles.add_all(district.vehicles)
        uow.crews.add_all(district.crews)
        uow.assets.add_all(district.assets)
        uow.rota.add_all(district.rota)
        uow.observations.add_all(district.observations)
        if district.households is not None:
            homes = district.households
            uow.waste_tips.add_all(homes.tips)
            uow.collection_vehicles.add_all(homes.vehicles)
            uow.collection_rounds.add_all(homes.rounds)
            uow.properties.add_all(homes.properties)
        uow.commit()
    return summary(db)


def _area_for(uow, name: str | None) -> Area:
    """The named area, created as a rota district if new; the only area when none is named."""
    areas = uow.areas.list()
    if name:
        for a in areas:
            if a.name.lower() == name.lower() or a.id == name:
                return a
        area = Area(id=new_id("area"), name=name, regime=Regime.ROTA, kind=AreaKind.DISTRICT)
        uow.areas.add(area)
        return area
    if len(areas) == 1:
        return areas[0]
    if not areas:
        area = Area(id=new_id("area"), name="District", regime=Regime.ROTA, kind=AreaKind.DISTRICT)
        uow.areas.add(area)
        return area
    raise UserError("the database holds several areas; name one with --area "
                    f"({', '.join(a.name for a in areas)})")


def _parse_kind(kind: str | None) -> AssetKind | None:
    if kind is None:
        return None
    key = kind.strip().lower().replace(" ", "_").replace("-", "_")
    if key.endswith("s") and key[:-1] in {k.value for k in AssetKind}:
        key = key[:-1]
    try:
        return AssetKind(key)
    except ValueError:
        known = ", ".join(["place"] + [k.value for k in AssetKind])
        raise UserError(f"unknown kind '{kind}'; use one of: {known}") from None


def import_file(db, path: Path, *, kind: str | None = None, area: str | None = None, crs: str | None = None,
                layer: str | None = None, strict: bool = True, geometry_only: bool = False,
                max_file_mb: float | None = None) -> dict:
    """Import places or assets from a file, all or nothing, and report what was found.

    Run again while another envservices is writing, and once more when a concurrent import created the
    same new area first, so both imports end in that one area.
    """
    from envservices.domain.limits import DEFAULT_FILE_LIMITS

    path = Path(path)
    try:
        found = path.exists()
    except OSError as exc:
        raise UserError(f"cannot open {path.name[:60]}: {exc.strerror or exc}") from None
    if not found:
        raise UserError(f"file not found: {path}")
    limits = DEFAULT_FILE_LIMITS.raised_to(max_file_mb)
    return retry_busy(lambda: _import_file(db, path, kind=kind, area=area, crs=crs, layer=layer, strict=strict,
                                           geometry_only=geometry_only, limits=limits),
                      retry_duplicate=area is not None)


def _import_file(db, path: Path, *, kind: str | None, area: str | None, crs: str | None, layer: str | None,
                 strict: bool, geometry_only: bool, limits) -> dict:
    from envservices.gis import importer

    is_osm = path.name.lower().endswith(OSM_SUFFIXES)
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        wants_area = is_osm or (kind is not None and kind.strip().lower() in PLACE_KINDS)
        target = _area_for(uow, area) if wants_area else None
        places = uow.places.list()
        if is_osm:
            result = importer.import_osm(path, places=places, area_id=target.id, strict=strict, limits=limits)
        elif kind and kind.strip().lower() in PLACE_KINDS:
            result = importer.import_places(path, area_id=target.id, crs=crs, layer=layer, strict=strict,
                                            geometry_only=geometry_only, limits=limits)
        else:
            result = importer.import_assets(path, kind=_parse_kind(kind), places=places, crs=crs, layer=layer,
                                            strict=strict, geometry_only=geometry_only, limits=limits)
        _refuse_far_from_district(path.name, places, [*result.places, *result.assets, *result.roads])
        crew_list = uow.crews.list()
        crews = {c.id: c.id for c in crew_list} | {c.name.strip().lower(): c.id for c in crew_list}
        unknown = sorted({p.team_crew_id for p in result.places
                          if p.team_crew_id and p.team_crew_id.strip().lower() not in crews
                          and p.team_crew_id not in crews})
        team_warnings = [f"the team column names crews this database does not have ({', '.join(unknown[:5])}); "
                         "those places have no team until the crews are imported and `places set` names them"
                         ] if unknown else []
        new_places = [replace(p, team_crew_id=crews.get(p.team_crew_id) or crews.get(p.team_crew_id.strip().lower()))
                      if p.team_crew_id else p for p in result.places]
        uow.places.add_all(new_places)
        uow.assets.add_all(result.assets)
        uow.roads.add_all(result.roads)
        uow.commit()
    return {
        "file": str(path),
        "area": target.name if target else "the places they fall in",
        "places": len(result.places),
        "assets": _count_kinds(result.assets),
        "roads": len(result.roads),
        "problems": [{"row": p.row, "reason": p.reason} for p in result.problems],
        "not_in_place": len(result.not_in_place),
        "in_two_places": len(result.in_two_places),
        "warnings": list(result.warnings) + team_warnings,
    }


def _refuse_far_from_district(name: str, places, new) -> None:
    """A file whose features all lie far from the council's places was read in the wrong coordinate system
    (Irish Grid metres labelled EPSG:27700 land inside British National Grid's area, hundreds of km away)."""
    from envservices.domain.limits import NEAR_DISTRICT_M

    if not places or not new:
        return
    bounds = [p.geometry.bounds for p in places]
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    for item in new:
        fx0, fy0, fx1, fy1 = item.geometry.bounds
        dx = max(x0 - fx1, fx0 - x1, 0.0)
        dy = max(y0 - fy1, fy0 - y1, 0.0)
        if (dx * dx + dy * dy) ** 0.5 <= NEAR_DISTRICT_M:
            return
    raise UserError(f"{name} was not imported: all its features lie more than {NEAR_DISTRICT_M / 1000:.0f} km "
                    "from the council's places, so its coordinate system is probably wrong (name it with --crs)")


def _count_kinds(assets) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in assets:
        out[a.kind.value] = out.get(a.kind.value, 0) + 1
    return out


def describe_import(report: dict) -> str:
    lines = [f"Imported from {report['file']} into {report['area']}: {report['places']} places, "
             + (", ".join(f"{n} {k.replace('_', ' ')}" for k, n in report["assets"].items()) or "no assets")
             + (f", {report['roads']} road links" if report["roads"] else "")]
    if report["not_in_place"]:
        lines.append(f"  {report['not_in_place']} assets lie in no place")
    if report["in_two_places"]:
        lines.append(f"  {report['in_two_places']} assets lie in two places (given to the one holding most of it)")
    for p in report["problems"][:20]:
        lines.append(f"  row {p['row']} skipped: {p['reason']}")
    if len(report["problems"]) > 20:
        lines.append(f"  and {len(report['problems']) - 20} more rows skipped (--json lists them all)")
    lines.extend(f"  note: {w}" for w in report["warnings"])
    return "\n".join(lines)


def export(db, out: Path) -> dict[str, int]:
    """Write the district to a GeoPackage (one layer per kind) or GeoJSON."""
    from envservices.gis import write

    out = Path(out)
    data = map_data(db)
    suffix = out.suffix.lower()
    kwargs = {"places": data.places, "assets": data.assets, "sites": data.sites, "roads": data.roads,
              "areas": data.areas}
    if suffix == ".gpkg":
        write.export_gpkg(out, **kwargs)
    elif suffix in (".geojson", ".json"):
        write.export_geojson(out, **kwargs)
    else:
        raise UserError(f"cannot export to '{out.name}': name a .gpkg or .geojson file")
    counts = {"places": len(data.places)}
    counts.update(_count_kinds(data.assets))
    counts["sites"] = len(data.sites)
    counts["road links"] = len(data.roads)
    return counts


def need_by_place(db, today: dt.date | None = None) -> dict[str, float]:
    """How much of each place needs work by tomorrow, 0 (nothing) to 1 (all of it, or urgent work).

    Read from the needs model's tasks for the current week, so the map shows what the planner would see.
    """
    from envservices.domain import Urgency
    from envservices.services.week import area_inputs, read_state
    from envservices.week import decide_week

    today = today or dt.date.today()
    monday = today - dt.timedelta(days=today.weekday())
    with db.unit_of_work() as uow:
        state = read_state(uow, monday)
    places, assets = state.places, state.assets
    need: dict[str, float] = {pid: 0.0 for pid in places}
    for area in state.areas:
        a_assets = {aid: a for aid, a in assets.items() if places.get(a.place_id or "") and
                    places[a.place_id].area_id == area.id}
        tasks = decide_week(area_inputs(state, area, monday, source="needs")).tasks
        due: dict[str, set] = {}
        for t in tasks:
            if t.source in ("rota", "inspection"):
                continue  # fixed work, not observed need
            if t.urgency is Urgency.URGENT:
                need[t.place_id] = 1.0
            elif t.latest_day <= today + dt.timedelta(days=1):
                due.setdefault(t.place_id, set()).add(t.asset_id or t.place_id)
        sizes: dict[str, int] = {}
        for a in a_assets.values():
            sizes[a.place_id] = sizes.get(a.place_id, 0) + 1
        for pid, items in due.items():
            need[pid] = max(need[pid], min(1.0, len(items) / max(1, sizes.get(pid, 1))))
    return need
