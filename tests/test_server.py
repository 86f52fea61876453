"""The web service as its callers use it: crew pages, Open311 reports from FixMyStreet, schedules out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient
from field_helpers import DAY, make_field_db

from envservices import services
from envservices.domain import ObservationKind, Urgency, VisitStatus
from envservices.services import field, open311

FIXTURES = Path(__file__).parent / "fixtures" / "open311"


@pytest.fixture()
def db(tmp_path):
    database = make_field_db(tmp_path / "s.sqlite")
    yield database
    database.dispose()


@pytest.fixture()
def client(db):
    from envservices.server import create_app

    return TestClient(create_app(db, today=lambda: DAY))


def _form(name: str, key: str) -> str:
    return (FIXTURES / name).read_text().strip().replace("api_key=KEY", f"api_key={key}")


def test_crew_routes_apply_taps_once_and_refuse_other_crews(db, client):
    """The crew page opens with its token; a tap replayed is applied once; foreign tokens and visits are refused."""
    token = field.issue_token(db, "crew-a", DAY, valid_until=dt.datetime(2100, 1, 1))
    page = client.get(f"/crew/{token}")
    assert page.status_code == 200 and "Crew day" in page.text
    day = client.get(f"/crew/{token}/day.json").json()
    assert day["crew"] == "Crew A" and [v["task_id"] for v in day["visits"]][:2] == ["t-bin", "t-pick"]
    tap = {"id": "tap-1", "task_id": "t-pick", "action": "done", "at": "2026-11-30T08:15:00Z"}
    first = client.post(f"/crew/{token}/submit", json=tap)
    again = client.post(f"/crew/{token}/submit", json=tap)
    assert first.status_code == again.status_code == 200 and again.json()["replay"] is True
    second_done = client.post(f"/crew/{token}/submit", json={**tap, "id": "tap-2"})
    assert second_done.status_code == 400 and "already marked done" in second_done.json()["detail"]
    other_crew = client.post(f"/crew/{token}/submit", json={"id": "tap-3", "task_id": "t-b1", "action": "done"})
    assert other_crew.status_code == 403 and "not on this crew's day" in other_crew.json()["detail"]
    assert client.get("/crew/forged.token").status_code == 403
    expired = field.issue_token(db, "crew-a", DAY, valid_until=dt.datetime(2026, 1, 1))
    assert "expired" in client.get(f"/crew/{expired}/day.json").json()["detail"]
    bad = client.post(f"/crew/{token}/photo", data={"task_id": "t-bin"}, files={"photo": ("a.txt", b"x" * 64)})
    assert bad.status_code == 400 and "not a photo" in bad.json()["detail"]
    from envservices.reports.qr import qr_png  # any real PNG will do

    good = client.post(f"/crew/{token}/photo", data={"task_id": "t-bin"},
                       files={"photo": ("bin.png", qr_png("x"), "image/png")})
    assert good.status_code == 200 and good.json()["message"] == "photo kept."
    with db.unit_of_work() as uow:
        assert len(uow.field.submissions()) == 1
        assert [a.action for a in uow.audit_log.list(table_name="field_submissions")] == ["insert"]


def test_fixmystreet_fly_tip_becomes_urgent_work_and_closes_when_done(db, client):
    """A recorded FixMyStreet fly-tip becomes an observation at the right place and an urgent task in the next
    plan; a resend adds nothing; the report reads closed once the crew marks the visit done."""
    key = open311.issue_api_key(db, "fixmystreet")
    assert {s["service_code"] for s in client.get("/open311/v2/services.json").json()} >= {"fly_tip", "long_grass"}
    posted = client.post("/open311/v2/requests.json", content=_form("fms_fly_tip.txt", key),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert posted.status_code == 200, posted.text
    assert posted.json()[0]["service_request_id"] == "fms-4821907"
    client.post("/open311/v2/requests.json", content=_form("fms_fly_tip.txt", key),
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    grass = client.post("/open311/v2/requests.json", data=dict(parse_qsl(_form("fms_long_grass.txt", key))))
    assert grass.status_code == 200
    with db.unit_of_work() as uow:
        obs = uow.observations.list()
    fly = [o for o in obs if o.kind is ObservationKind.FLY_TIP]
    assert len(fly) == 1 and fly[0].place_id == "p-high" and fly[0].source == "open311"
    assert [(o.place_id, o.asset_id) for o in obs if o.kind is ObservationKind.COMPLAINT] == [("p-park", "grass-1")]
    listed = client.get("/open311/v2/requests.json", params={"status": "open"}).json()
    assert {r["service_request_id"] for r in listed} == {"fms-4821907", "fms-4821950"}

    prepared = services.planning.prepare_week(db, "2026-W50")
    urgent = {t.id: t for t in prepared.tasks if t.urgency is Urgency.URGENT}
    assert {t.service for t in urgent.values()} == {"fly_tip", "mow"}
    plan = services.planning.solve_week(prepared, time_limit_s=2)
    services.planning.save_plan(db, plan)
    cd = next(cd for cd in plan.crew_days if any(v.task_id == f"urgent:{fly[0].id}" for v in cd.visits))
    grant = field.check_token(db, field.issue_token(db, cd.crew_id, cd.day), at=dt.datetime(2026, 12, 7, 9))
    field.submit(db, grant, {"id": "clear-1", "task_id": f"urgent:{fly[0].id}", "action": "done",
                             "at": f"{cd.day}T10:00:00Z"})
    one = client.get("/open311/v2/requests/fms-4821907.json").json()[0]
    assert one["status"] == "closed" and one["service_code"] == "fly_tip"
    assert [r["service_request_id"] for r in client.get("/open311/v2/requests.json?status=closed").json()] == [
        "fms-4821907"]


def test_malformed_reports_are_refused_with_clear_messages(db, client):
    """Missing key, wrong key, unknown service, bad or far-away coordinates: 4xx with one sentence, nothing stored."""
    key = open311.issue_api_key(db, "crm")
    for body, code, words in json.loads((FIXTURES / "malformed.json").read_text()):
        resp = client.post("/open311/v2/requests.json", content=body.replace("api_key=KEY", f"api_key={key}"),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert resp.status_code == code, body
        assert words in resp.json()[0]["description"], body
    assert client.get("/open311/v2/requests.json?status=maybe").status_code == 400
    with db.unit_of_work() as uow:
        assert uow.observations.count() == 0 and uow.field.requests() == []


def test_schedules_are_published_as_calendar_geojson_and_page(db, client):
    """A place's next cleaning, bin emptying and grass cut come out as iCalendar (parsed), GeoJSON and HTML."""
    from icalendar import Calendar

    ics = client.get("/schedules/p-park.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events = [(e.get("summary"), e.decoded("dtstart")) for e in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert sorted(events) == [("Sanders Park: cleaned", DAY), ("Sanders Park: grass cut", DAY)]
    geo = client.get("/schedules.geojson").json()
    props = {f["properties"]["place_id"]: f["properties"] for f in geo["features"]}
    assert props["p-high"]["next_bins_emptied"] == DAY.isoformat() and props["p-park"]["next_grass_cut"] == "2026-11-30"
    lon, lat = next(f["geometry"]["coordinates"] for f in geo["features"] if f["properties"]["place_id"] == "p-high")
    assert 52.3 < lat < 52.4 and -2.1 < lon < -2.0
    assert "Sanders Park" in client.get("/schedules").text
    assert client.get("/schedules/nowhere.ics").status_code == 400
    services.planning.mark_visit(db, "plan-1", "t-mow", VisitStatus.DONE)
    assert b"grass cut" not in client.get("/schedules/p-park.ics").content
