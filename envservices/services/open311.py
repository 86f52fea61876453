"""Reports from the public in Open311 GeoReport v2, the standard FixMyStreet and councils' CRMs speak.

A report (fly-tip, overflowing bin, long grass, litter, missed bin) is found a place from its latitude and
longitude (WGS84 -> British National Grid -> the place containing it, or the nearest within 100 m), and
stored with an observation there (source "open311"); the needs model turns fly-tips and complaints into
urgent work in the next plan whatever the area's regime. The report's status reads closed once the visit
doing that urgent work is marked done. Only a holder of an API key an administrator issued may post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point

from envservices.domain import Observation, ObservationKind, new_id
from envservices.errors import PermissionDenied, UserError
from envservices.services import access
from envservices.services.observations import record_in
from envservices.storage.field import ApiKey, ServiceRequest, now

NEAREST_PLACE_M = 100.0
"""A report just outside every place (on the road beside a park) is given to the nearest place this close."""
NEAREST_ASSET_M = 60.0
"""An overflowing bin or long grass is tied to the nearest bin or grass area this close to the report."""


@dataclass(frozen=True)
class ReportService:
    code: str
    name: str
    description: str
    kind: ObservationKind
    asset_kinds: tuple[str, ...] = ()


SERVICES = (
    ReportService("fly_tip", "Fly-tipping", "Rubbish dumped on public land", ObservationKind.FLY_TIP),
    ReportService("overflowing_bin", "Overflowing litter bin", "A litter or dog bin that is full",
                  ObservationKind.COMPLAINT, ("litter_bin", "dog_bin", "recycling_bin")),
    ReportService("long_grass", "Long grass", "Grass in a park or verge that needs cutting",
                  ObservationKind.COMPLAINT, ("grass_area", "verge")),
    ReportService("litter", "Litter", "A street or open space that needs a litter pick", ObservationKind.COMPLAINT),
    ReportService("missed_bin", "Missed bin", "A bin that was not emptied", ObservationKind.COMPLAINT,
                  ("litter_bin", "dog_bin", "recycling_bin")),
)
BY_CODE = {s.code: s for s in SERVICES}


def services_list() -> list[dict[str, Any]]:
    """services.json: what may be reported here."""
    return [{"service_code": s.code, "service_name": s.name, "description": s.description, "metadata": False,
             "type": "realtime", "keywords": s.kind.value, "group": "street scene"} for s in SERVICES]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_api_key(db, name: str) -> str:
    """A new key for a reporting site or CRM (shown once; only its hash is stored). Administrators only."""
    name = name.strip()
    if not name:
        raise UserError("an API key needs a name saying who uses it (e.g. fixmystreet).")
    key = secrets.token_urlsafe(24)
    with db.unit_of_work() as uow:
        access.require(uow, access.MANAGE_USERS)
        if uow.field.api_key_by_name(name) is not None:
            raise UserError(f"there is already an API key called {name}.")
        uow.field.add_api_key(ApiKey(id=new_id("key"), name=name, created_at=now(), created_by=db.user,
                                     active=True), _hash(key))
        uow.commit()
    return key


def list_api_keys(db) -> list[ApiKey]:
    with db.unit_of_work() as uow:
        return uow.field.api_keys()


def check_api_key(db, key: str | None) -> ApiKey:
    if not key:
        raise PermissionDenied("posting a report needs an api_key; ask the council's administrator for one.")
    with db.unit_of_work() as uow:
        found = uow.field.api_key_by_hash(_hash(key))
    if found is None or not found.active:
        raise PermissionDenied("the api_key is not one this council issued (or it was withdrawn).")
    return found


def _float(form: dict[str, Any], name: str) -> float:
    raw = form.get(name)
    if raw in (None, ""):
        raise UserError(f"the report has no {name}; send lat and long in WGS84 degrees.")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a number in degrees, not '{raw}'.") from None
    limit = 90 if name == "lat" else 180
    if not -limit <= value <= limit:
        raise UserError(f"{name} {value} is not a {('latitude' if name == 'lat' else 'longitude')}.")
    return value


def _to_bng(lat: float, lon: float) -> Point:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    return Point(x, y)


def _place_at(uow, point: Point, lat: float, lon: float):
    near = NEAREST_PLACE_M
    candidates = uow.places.list(bbox=(point.x - near, point.y - near, point.x + near, point.y + near))
    inside = [p for p in candidates if p.geometry.contains(point)]
    if inside:
        return min(inside, key=lambda p: p.geometry.area)
    close = [p for p in candidates if p.geometry.distance(point) <= near]
    if close:
        return min(close, key=lambda p: p.geometry.distance(point))
    raise UserError(f"the location {lat:.5f}, {lon:.5f} is not in or near any place this council looks after.")


def create_request(db, key: ApiKey, form: dict[str, Any]) -> dict[str, Any]:
    """POST requests.json: store the report and its observation; the same report sent again (same
    FixMyStreet id) returns the id it was given the first time and adds nothing."""
    code = str(form.get("service_code") or "").strip()
    if code not in BY_CODE:
        raise UserError(f"service_code '{code}' is not one of: {', '.join(BY_CODE)}.")
    service = BY_CODE[code]
    lat, lon = _float(form, "lat"), _float(form, "long")
    description = str(form.get("description") or "").strip()[:2000]
    attributes = {k[len("attribute["):-1]: str(v) for k, v in form.items()
                  if k.startswith("attribute[") and k.endswith("]")}
    for extra in ("address_string", "email", "first_name", "last_name", "media_url", "jurisdiction_id"):
        if form.get(extra):
            attributes[extra] = str(form[extra])
    outside_id = attributes.get("fixmystreet_id") or attributes.get("external_id")
    request_id = f"fms-{outside_id}" if outside_id else new_id("sr")
    point = _to_bng(lat, lon)
    with db.as_user(f"api key {key.name}").unit_of_work() as uow:
        if uow.field.request(request_id) is not None:
            return {"service_request_id": request_id, "service_notice": "this report was already received"}
        place = _place_at(uow, point, lat, lon)
        asset_id = None
        if service.asset_kinds:
            near = [a for a in uow.assets.list(place_id=place.id) if a.kind.value in service.asset_kinds
                    and a.geometry.distance(point) <= NEAREST_ASSET_M]
            asset_id = min(near, key=lambda a: a.geometry.distance(point)).id if near else None
        when = now()
        obs = Observation(
            id=new_id("obs"), kind=service.kind, observed_at=when, place_id=place.id, asset_id=asset_id,
            recorded_by=f"open311:{key.name}", count=1 if service.kind is ObservationKind.FLY_TIP else None,
            note=f"{service.name} (report {request_id}): {description}"[:500], source="open311",
        )
        record_in(uow, obs, check_access=False)  # the API key is the authority here
        uow.field.add_request(ServiceRequest(
            id=request_id, service_code=code, description=description, lat=lat, long=lon,
            address=str(form.get("address_string") or attributes.get("title") or ""), place_id=place.id,
            observation_id=obs.id, requested_at=when, received_at=when, api_key_name=key.name,
            attributes=attributes,
        ))
        uow.commit()
    return {"service_request_id": request_id, "service_notice": f"reported at {place.name}"}


def _status(req: ServiceRequest, visits: dict[str, tuple[str, dt.datetime | None]]) -> tuple[str, str, str]:
    state, end = visits.get(f"urgent:{req.observation_id}", ("", None))
    if state == "done":
        return "closed", "cleared by the crew", (end or req.received_at).isoformat()
    if state == "planned":
        return "open", "planned for a crew", req.received_at.isoformat()
    if state == "missed":
        return "open", "a crew could not do it yet; it comes back in the next plan", req.received_at.isoformat()
    return "open", "received", req.received_at.isoformat()


def list_requests(db, *, status: str | None = None, service_code: str | None = None,
                  request_ids: list[str] | None = None, start_date: str | None = None,
                  end_date: str | None = None) -> list[dict[str, Any]]:
    """GET requests.json: reports newest first, with status open or closed (filterable)."""
    if status not in (None, "", "open", "closed"):
        raise UserError(f"status must be open or closed, not '{status}'.")
    since, until = (_date(start_date, "start_date"), _date(end_date, "end_date"))
    with db.unit_of_work() as uow:
        reqs = (
            [r for r in (uow.field.request(i) for i in request_ids) if r is not None]
            if request_ids else uow.field.requests(since=since, until=until)
        )
        visits = uow.field.visit_statuses([f"urgent:{r.observation_id}" for r in reqs])
    out = []
    for r in reqs:
        state, notes, updated = _status(r, visits)
        if (status and state != status) or (service_code and r.service_code != service_code):
            continue
        out.append({
            "service_request_id": r.id, "status": state, "status_notes": notes,
            "service_name": BY_CODE[r.service_code].name if r.service_code in BY_CODE else r.service_code,
            "service_code": r.service_code, "description": r.description,
            "requested_datetime": r.requested_at.isoformat(), "updated_datetime": updated,
            "address": r.address, "lat": r.lat, "long": r.long, "media_url": r.attributes.get("media_url", ""),
        })
    return out


def _date(text: str | None, name: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{name} must be a W3C date and time like 2026-11-30T09:00:00Z, not '{text}'.") from None
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


__all__ = ["SERVICES", "check_api_key", "create_request", "issue_api_key", "list_api_keys", "list_requests",
           "services_list"]
