"""The web service: crews' phones, residents' reports (Open311) and published schedules, over the services.

Routes call envservices.services only, like the desktop and the command line, so the same rules, roles and
audit log apply. Errors a caller can cause come back as one sentence in `detail` (400 bad input, 403 not
allowed, 409 already done), never a traceback.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from envservices.errors import ConflictError, PermissionDenied, UserError
from envservices.services import field, open311, schedules
from envservices.server.pages import schedule_page

MAX_BODY_BYTES = field.MAX_PHOTO_BYTES + 64 * 1024


def _static(name: str) -> str:
    return resources.files("envservices.server").joinpath("static", name).read_text(encoding="utf-8")


def create_app(db: Any, *, today: Any = None) -> FastAPI:
    """The application over an open database; `today` (a callable giving a date) is for tests."""
    app = FastAPI(title="envservices", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    day = today or dt.date.today

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        code = 403 if isinstance(exc, PermissionDenied) else 409 if isinstance(exc, ConflictError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=code)

    # --- crews --------------------------------------------------------------------------------------------
    @app.get("/crew/sw.js")
    def service_worker() -> Response:
        return Response(_static("sw.js"), media_type="text/javascript", headers={"Service-Worker-Allowed": "/crew/"})

    @app.get("/crew/{token}", response_class=HTMLResponse)
    def crew_page(token: str) -> HTMLResponse:
        field.check_token(db, token)
        return HTMLResponse(_static("crew.html"))

    @app.get("/crew/{token}/day.json")
    def crew_day(token: str) -> dict:
        view = field.crew_day_view(db, field.check_token(db, token))
        return {"crew": view.crew, "day": view.day.isoformat(), "day_text": f"{view.day:%A %d %B %Y}",
                "visits": [v.__dict__ for v in view.visits]}

    @app.post("/crew/{token}/submit")
    async def crew_submit(token: str, request: Request) -> dict:
        grant = field.check_token(db, token)
        try:
            data = await request.json()
        except ValueError:
            raise UserError("the change was not sent as JSON.") from None
        if not isinstance(data, dict):
            raise UserError("the change must be a JSON object.")
        answer = field.submit(db, grant, data)
        return {"id": answer.submission_id, "message": answer.message, "replay": answer.replay}

    @app.post("/crew/{token}/photo")
    async def crew_photo(token: str, request: Request, task_id: str = Form(...),
                         photo: UploadFile = File(...)) -> dict:
        grant = field.check_token(db, token)
        size = int(request.headers.get("content-length") or 0)
        if size > MAX_BODY_BYTES:
            raise UserError(f"{photo.filename or 'the photo'} is {size / 1e6:.1f} MB; photos may be at most "
                            f"{field.MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
        data = await photo.read(field.MAX_PHOTO_BYTES + 1)
        photo_id = field.add_photo(db, grant, task_id, data, filename=photo.filename or "")
        return {"id": photo_id, "message": "photo kept."}

    # --- Open311 GeoReport v2 -----------------------------------------------------------------------------
    @app.get("/open311/v2/discovery.json")
    def discovery(request: Request) -> dict:
        base = str(request.base_url).rstrip("/") + "/open311/v2/"
        return {"changeset": "2026-11-30T00:00:00Z", "contact": "the council's street scene team",
                "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                               "changeset": "2026-11-30T00:00:00Z", "type": "production", "formats": ["application/json"]}]}

    @app.get("/open311/v2/services.json")
    def services_json() -> list[dict]:
        return open311.services_list()

    @app.get("/open311/v2/requests.json")
    def requests_get(status: str | None = None, service_code: str | None = None,
                     service_request_id: str | None = None, start_date: str | None = None,
                     end_date: str | None = None) -> list[dict]:
        ids = [i.strip() for i in service_request_id.split(",") if i.strip()] if service_request_id else None
        return open311.list_requests(db, status=status, service_code=service_code, request_ids=ids,
                                     start_date=start_date, end_date=end_date)

    @app.get("/open311/v2/requests/{request_id}.json")
    def request_get(request_id: str) -> list[dict]:
        found = open311.list_requests(db, request_ids=[request_id])
        if not found:
            return JSONResponse([{"code": 404, "description": f"there is no report '{request_id}'."}],
                                status_code=404)
        return found

    @app.post("/open311/v2/requests.json")
    async def requests_post(request: Request) -> Response:
        try:
            form = dict(await request.form())
        except Exception:  # noqa: BLE001 - a body that is not a form is the caller's error, said in one sentence
            form = None
        if not form:
            return _georeport_error(400, "send the report as a form (application/x-www-form-urlencoded) with "
                                         "api_key, service_code, lat and long.")
        try:
            key = open311.check_api_key(db, form.get("api_key") or request.query_params.get("api_key"))
            return JSONResponse([open311.create_request(db, key, form)])
        except PermissionDenied as exc:
            return _georeport_error(403, str(exc))
        except UserError as exc:
            return _georeport_error(400, str(exc))

    # --- schedules out ------------------------------------------------------------------------------------
    @app.get("/schedules.geojson")
    def schedules_geojson() -> JSONResponse:
        return JSONResponse(schedules.geojson(db, day()), media_type="application/geo+json")

    @app.get("/schedules/{place_id}.ics")
    def schedule_ics(place_id: str) -> Response:
        return Response(schedules.place_calendar(db, place_id, day()), media_type="text/calendar")

    @app.get("/schedules", response_class=HTMLResponse)
    def schedule_html() -> HTMLResponse:
        return HTMLResponse(schedule_page(schedules.upcoming(db, day()), day()))

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse('<!doctype html><meta charset="utf-8"><title>envservices</title>'
                            '<p><a href="/schedules">When is my street cleaned?</a></p>')

    return app


def _georeport_error(code: int, message: str) -> JSONResponse:
    """GeoReport v2 errors: a list of {code, description}, with the HTTP status to match."""
    return JSONResponse([{"code": code, "description": message}], status_code=code)


__all__ = ["create_app"]
