"""Crews complete their day from a phone: a signed link per crew-day, what they tap, and the photos they take.

A crew-day link carries a token signed with a secret kept in the database's settings (HMAC-SHA256), naming
the crew, the day, the person it acts for and when it expires; nothing else is needed to open the day, and
nothing in it can be changed without breaking the signature. Every tap the phone sends carries an id the
phone made up, stored with the change in one transaction, so a tap sent twice (a retry, a replay after the
signal came back) changes nothing the second time and gets the first answer again.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from envservices.domain import Grade, Observation, ObservationKind, Plan, VisitStatus, new_id
from envservices.errors import PermissionDenied, UserError
from envservices.services import access
from envservices.services.observations import record_in
from envservices.services.planning import week_of
from envservices.storage import Role
from envservices.storage.field import Photo, Submission, now

SECRET_KEY = "server_token_secret"
PUBLIC_URL_KEY = "server_public_url"
TOKEN_DAYS_AFTER = 2
"""A crew-day's link works until midnight two days after the day, so a phone that syncs late still can."""
MAX_PHOTO_BYTES = 8 * 1024 * 1024
"""A phone's full-size JPEG is 2-5 MB; anything over 8 MB is refused rather than filling the database."""
IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
ACTIONS = ("start", "done", "missed", "cant_reach", "reading")
MAX_REASON = 500
LOCAL = ZoneInfo("Europe/London")
"""Actual times are kept as the council's clock reads them, like the plan's times, so they compare directly."""


def local_now() -> dt.datetime:
    return dt.datetime.now(LOCAL).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class CrewDayAccess:
    """What a valid token opens: one crew's day, acting for one user, until a time (UTC)."""

    crew_id: str
    day: dt.date
    user: str
    expires: dt.datetime


@dataclass(frozen=True)
class VisitView:
    task_id: str
    order: int
    place: str
    service: str
    asset: str
    planned_start: str
    planned_end: str
    status: str
    reason: str
    actual_start: str
    actual_end: str
    reading: str
    """Which reading fits this visit: bin_fill, grass_height or litter_grade."""
    lat: float | None = None
    lon: float | None = None
    """Where to go (the asset, else the place), in WGS84 for the phone's map."""


@dataclass(frozen=True)
class CrewDayView:
    crew: str
    day: dt.date
    plan_id: str
    visits: tuple[VisitView, ...]


@dataclass(frozen=True)
class Answer:
    """What the service says to one submission: stored (or a replay of one stored earlier) and a sentence."""

    submission_id: str
    message: str
    replay: bool = False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(uow, create: bool) -> bytes | None:
    stored = uow.field.secret(SECRET_KEY)
    if stored is None and create:
        stored = secrets.token_hex(32)
        uow.field.set_secret(SECRET_KEY, stored)
    return None if stored is None else bytes.fromhex(stored)


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).digest())


def _crew_day(plan: Plan | None, crew_id: str, day: dt.date):
    if plan is None:
        return None
    return next((cd for cd in plan.crew_days if cd.crew_id == crew_id and cd.day == day), None)


def _plan_with(uow, crew_id: str, day: dt.date) -> Plan | None:
    for plan in uow.plans.list(week=week_of(day)):
        if _crew_day(plan, crew_id, day) is not None:
            return plan
    return None


def issue_token(db, crew_id: str, day: dt.date, *, valid_until: dt.datetime | None = None) -> str:
    """A signed link token for one crew-day, acting for the person who issues it (their rights apply).

    Whoever may mark that day's visits may issue it: a supervisor printing worksheets, or the team leader.
    """
    with db.unit_of_work() as uow:
        plan = _plan_with(uow, crew_id, day)
        if plan is None:
            raise UserError(f"no stored plan has a day for crew '{crew_id}' on {day:%A %d %B %Y}.")
        cd = _crew_day(plan, crew_id, day)
        access.require(uow, access.MARK_VISIT, place_ids={v.place_id for v in cd.visits})
        secret = _secret(uow, create=True)
        uow.commit()
    expires = valid_until or dt.datetime.combine(day + dt.timedelta(days=TOKEN_DAYS_AFTER), dt.time())
    payload = "|".join((crew_id, day.isoformat(), db.user, str(int(expires.timestamp()))))
    body = _b64(payload.encode("utf-8"))
    return f"{body}.{_sign(secret, body)}"


def crew_day_urls(db, plan: Plan, base_url: str | None = None) -> dict[tuple[str, dt.date], str]:
    """The link of each crew-day of a plan (for the worksheet's QR code); empty when no server address is
    known (`envservices serve --public-url` stores it) or the user may not issue them."""
    base = base_url or public_url(db)
    if not base:
        return {}
    out: dict[tuple[str, dt.date], str] = {}
    for cd in plan.crew_days:
        if not cd.visits:
            continue
        try:
            out[(cd.crew_id, cd.day)] = f"{base.rstrip('/')}/crew/{issue_token(db, cd.crew_id, cd.day)}"
        except UserError:
            continue
    return out


def check_can_serve(db) -> None:
    """The server acts for each link's issuer; on PostgreSQL only an administrator's login may, so a server
    started by anyone else would refuse every tap. Say so at the start rather than on the phones."""
    if db.dialect != "postgresql":
        return
    me = access.current_user(db)
    if me is None or me.role is not Role.ADMINISTRATOR or not me.active:
        raise UserError(f"start the server with an administrator's database login, not {db.user}: it records "
                        "each crew's changes as the person who issued their link.")


def public_url(db) -> str | None:
    """The address phones reach the server by, as `serve --public-url` stored it; None if never given."""
    with db.unit_of_work() as uow:
        return uow.field.secret(PUBLIC_URL_KEY)


def set_public_url(db, url: str) -> None:
    """Remember the address phones reach the server by, so worksheets can carry it."""
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        if uow.field.secret(PUBLIC_URL_KEY) != url:
            uow.field.set_secret(PUBLIC_URL_KEY, url, shown=True)
        uow.commit()


def check_token(db, token: str, *, at: dt.datetime | None = None) -> CrewDayAccess:
    """The crew-day a token opens; a forged, damaged or expired token is refused with one sentence."""
    try:
        body, signature = token.split(".", 1)
        crew_id, day_text, user, expires_text = _unb64(body).decode("utf-8").split("|")
        day = dt.date.fromisoformat(day_text)
        expires = dt.datetime.fromtimestamp(int(expires_text))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise PermissionDenied("this crew link is damaged; scan the worksheet's QR code again.") from None
    with db.unit_of_work() as uow:
        secret = _secret(uow, create=False)
    if secret is None or not hmac.compare_digest(_sign(secret, body), signature):
        raise PermissionDenied("this crew link was not issued by this database; scan the worksheet's QR code.")
    if (at or dt.datetime.now()) >= expires:
        raise PermissionDenied(f"this crew link expired at {expires:%d %b %H:%M}; ask the supervisor for today's.")
    return CrewDayAccess(crew_id=crew_id, day=day, user=user, expires=expires)


READING_OF_SERVICE = {"empty_bin": ObservationKind.BIN_FILL.value, "mow": ObservationKind.GRASS_HEIGHT.value,
                      "verge_cut": ObservationKind.GRASS_HEIGHT.value}
"""The reading a crew takes at a visit of each service (before doing it); every other visit takes a grade."""


def _reading_kind(service: str, asset_id: str | None) -> str:
    kind = READING_OF_SERVICE.get(service, ObservationKind.LITTER_GRADE.value)
    return ObservationKind.LITTER_GRADE.value if kind == ObservationKind.BIN_FILL.value and not asset_id else kind


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def crew_day_view(db, grant: CrewDayAccess) -> CrewDayView:
    """The crew-day's visits in order, with what has been recorded so far."""
    with db.unit_of_work() as uow:
        plan = _plan_with(uow, grant.crew_id, grant.day)
        if plan is None:
            raise UserError(f"the plan for this crew-day ({grant.day:%A %d %B}) is no longer stored.")
        cd = _crew_day(plan, grant.crew_id, grant.day)
        crew = uow.crews.get(grant.crew_id)
        places = {p.id: p.name for p in uow.places.list()}
        settings = uow.settings.load()
        wanted = {v.asset_id for v in cd.visits if v.asset_id}
        asset_rows = {a.id: a for a in uow.assets.list() if a.id in wanted}
        place_rows = {p.id: p for p in uow.places.list() if any(v.place_id == p.id for v in cd.visits)}
    assets = {aid: a.name for aid, a in asset_rows.items()}
    names = {code: st.name for code, st in settings.services().items()}
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)

    def where(v) -> tuple[float | None, float | None]:
        shape = asset_rows[v.asset_id].geometry if v.asset_id in asset_rows else (
            place_rows[v.place_id].geometry if v.place_id in place_rows else None)
        if shape is None:
            return None, None
        p = shape.representative_point()
        lon, lat = to_wgs.transform(p.x, p.y)
        return round(lat, 6), round(lon, 6)

    visits = tuple(
        VisitView(
            task_id=v.task_id, order=i, place=places.get(v.place_id, v.place_id),
            service=names.get(v.service, v.service.replace("_", " ")),
            asset=assets.get(v.asset_id, v.asset_id or "") if v.asset_id else "",
            planned_start=_hhmm(v.start_s), planned_end=_hhmm(v.end_s), status=v.status.value, reason=v.reason,
            actual_start=f"{v.actual_start:%H:%M}" if v.actual_start else "",
            actual_end=f"{v.actual_end:%H:%M}" if v.actual_end else "",
            reading=_reading_kind(v.service, v.asset_id), lat=where(v)[0], lon=where(v)[1],
        )
        for i, v in enumerate(sorted(cd.visits, key=lambda v: v.start_s), start=1)
    )
    return CrewDayView(crew=crew.name if crew else grant.crew_id, day=grant.day, plan_id=plan.id, visits=visits)


def _when(text: Any, day: dt.date) -> dt.datetime:
    """The phone's clock time of a tap; a time that is not on or just after the crew's day is refused."""
    if not text:
        return local_now()
    try:
        when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"'{text}' is not a time (the phone sends ISO times like 2026-11-30T09:15:00Z).") from None
    if when.tzinfo is not None:
        when = when.astimezone(LOCAL).replace(tzinfo=None)
    if not day - dt.timedelta(days=1) <= when.date() <= day + dt.timedelta(days=TOKEN_DAYS_AFTER):
        raise UserError(f"the time {when:%d %b %H:%M} is not on this crew-day ({day:%d %b}).")
    return when


def _observation(kind: str, value: Any, visit, when: dt.datetime, user: str) -> Observation:
    base = dict(id=new_id("obs"), observed_at=when, place_id=visit.place_id, recorded_by=user, source="crew page")
    try:
        if kind == ObservationKind.BIN_FILL.value:
            return Observation(kind=ObservationKind.BIN_FILL, asset_id=visit.asset_id, fill_pct=float(value), **base)
        if kind == ObservationKind.GRASS_HEIGHT.value:
            return Observation(kind=ObservationKind.GRASS_HEIGHT, asset_id=visit.asset_id, height_mm=float(value),
                               **base)
        if kind == ObservationKind.LITTER_GRADE.value:
            return Observation(kind=ObservationKind.LITTER_GRADE, grade=Grade.parse(str(value)), **base)
    except (TypeError, ValueError) as exc:
        raise UserError(f"the reading '{value}' is not a {kind.replace('_', ' ')}: {exc}") from None
    raise UserError(f"'{kind}' is not a reading the crew page takes (bin_fill, grass_height, litter_grade).")


def submit(db, grant: CrewDayAccess, data: dict[str, Any]) -> Answer:
    """Apply one tap from the crew page: start, done, missed (with a reason), can't get to it, a reading.

    The same submission id sent again returns the first answer and changes nothing. A visit already done
    is not done again (a second 'done' with a new id is refused), nor can a done visit be marked missed.
    """
    sub_id = str(data.get("id") or "").strip()
    if not sub_id or len(sub_id) > 100:
        raise UserError("each change needs the id the page gave it (1 to 100 characters).")
    action = str(data.get("action") or "")
    if action not in ACTIONS:
        raise UserError(f"'{action}' is not something the crew page does ({', '.join(ACTIONS)}).")
    task_id = str(data.get("task_id") or "")
    reason = str(data.get("reason") or "").strip()[:MAX_REASON]
    acting = db.as_user(grant.user)
    with acting.unit_of_work() as uow:
        earlier = uow.field.submission(sub_id)
        if earlier is not None:
            if (earlier.task_id, earlier.action) != (task_id, action):
                raise UserError(f"the change id '{sub_id}' was already used for another change.")
            return Answer(sub_id, earlier.result, replay=True)
        plan = _plan_with(uow, grant.crew_id, grant.day)
        cd = _crew_day(plan, grant.crew_id, grant.day)
        visit = next((v for v in cd.visits if v.task_id == task_id), None) if cd else None
        if visit is None:
            raise PermissionDenied(f"the visit '{task_id}' is not on this crew's day ({grant.day:%d %b}).")
        access.require(uow, access.MARK_VISIT, place_id=visit.place_id)
        when = _when(data.get("at"), grant.day)
        message = _apply(uow, plan.id, visit, action, reason, data, when, grant.user)
        uow.field.add_submission(Submission(
            id=sub_id, received_at=now(), user_name=grant.user, plan_id=plan.id, task_id=task_id, action=action,
            result=message, detail={"at": when.isoformat(), "reason": reason, "value": data.get("value")},
        ))
        uow.commit()
    return Answer(sub_id, message)


def _apply(uow, plan_id: str, visit, action: str, reason: str, data: dict, when: dt.datetime, user: str) -> str:
    done = visit.status is VisitStatus.DONE
    if action == "reading":
        kind = str(data.get("kind") or _reading_kind(visit.service, visit.asset_id))
        record_in(uow, _observation(kind, data.get("value"), visit, when, user), check_access=False)
        return f"reading recorded at {when:%H:%M}."
    if done:
        at = f" at {visit.actual_end:%H:%M}" if visit.actual_end else ""
        raise UserError(f"this visit was already marked done{at}; nothing was changed.")
    if action == "start":
        uow.field.set_actual_times(plan_id, visit.task_id, when, visit.actual_end)
        return f"started at {when:%H:%M}."
    if action == "done":
        planned = dt.timedelta(seconds=max(0, visit.end_s - visit.start_s))
        start = visit.actual_start if visit.actual_start and visit.actual_start <= when else when - planned
        uow.plans.set_visit_status(plan_id, visit.task_id, VisitStatus.DONE, "")
        uow.field.set_actual_times(plan_id, visit.task_id, start, when)
        return f"done at {when:%H:%M}."
    if not reason:
        raise UserError("say why the visit was missed (a reason is needed).")
    text = reason if action == "missed" else f"can't get to it: {reason}"
    uow.plans.set_visit_status(plan_id, visit.task_id, VisitStatus.MISSED, text)
    return f"marked missed at {when:%H:%M} ({text})."


def add_photo(db, grant: CrewDayAccess, task_id: str, data: bytes, *, filename: str = "") -> str:
    """Keep a photo of a visit; refuses files that are not JPEG or PNG images, or are over 8 MB."""
    name = filename or "the file"
    if len(data) > MAX_PHOTO_BYTES:
        raise UserError(f"{name} is {len(data) / 1e6:.1f} MB; photos may be at most "
                        f"{MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    kind = next((t for magic, t in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if kind is None or len(data) < 32:
        raise UserError(f"{name} is not a photo: send a JPEG or PNG image.")
    acting = db.as_user(grant.user)
    with acting.unit_of_work() as uow:
        plan = _plan_with(uow, grant.crew_id, grant.day)
        cd = _crew_day(plan, grant.crew_id, grant.day)
        visit = next((v for v in cd.visits if v.task_id == task_id), None) if cd else None
        if visit is None:
            raise PermissionDenied(f"the visit '{task_id}' is not on this crew's day ({grant.day:%d %b}).")
        access.require(uow, access.MARK_VISIT, place_id=visit.place_id)
        photo = Photo(id=new_id("photo"), plan_id=plan.id, task_id=task_id, taken_at=now(), content_type=kind,
                      size_bytes=len(data))
        uow.field.add_photo(photo, data)
        uow.commit()
    return photo.id


__all__ = ["Answer", "CrewDayAccess", "CrewDayView", "VisitView", "add_photo", "check_token", "crew_day_urls",
           "crew_day_view", "issue_token", "public_url", "set_public_url", "submit"]
