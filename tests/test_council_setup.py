"""A council's rota, catalogue, rules, closed periods and calendar: the sample sheets import (CSV and Excel),
bad rows are refused with the row and the reason and nothing stored, and one pipeline decides the week."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from envservices import services
from envservices.cli import main
from envservices.domain.calendar import WorkCalendar
from envservices.errors import UserError
from envservices.rota.words import format_months, parse_days, parse_every_weeks, parse_months

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
ASSET_LAYERS = ("litter_bin", "dog_bin", "grass_area", "street_length")


@pytest.fixture()
def db(tmp_path):
    """The sample district: places, assets, depots and crews from resources/samples."""
    database = services.open_db(str(tmp_path / "c.sqlite"))
    services.district.import_file(database, SAMPLES / "places.gpkg", kind="place", area="Redditch")
    for layer in ASSET_LAYERS:
        services.district.import_file(database, SAMPLES / "assets.gpkg", kind=layer, layer=layer)
    services.crews.import_file(database, SAMPLES / "depots_template.csv", kind="depots")
    services.crews.import_file(database, SAMPLES / "crews_template.csv", kind="crews")
    yield database
    database.dispose()


def _rota_count(db) -> int:
    with db.unit_of_work() as uow:
        return uow.rota.count()


# --- words -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, days", [
    ("Mon;Thu", (0, 3)), ("Monday and Thursday", (0, 3)), ("M W F", (0, 2, 4)), ("Mon-Fri", (0, 1, 2, 3, 4)),
    ("tu, th", (1, 3)), ("weekdays", (0, 1, 2, 3, 4)), ("Sat", (5,)),
])
def test_days_are_read_as_councils_write_them(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["T", "Mun", "", "Fri-Mon"])
def test_unreadable_days_are_refused_with_the_word(text):
    with pytest.raises(ValueError):
        parse_days(text)


@pytest.mark.parametrize("text, weeks", [("", 1), ("weekly", 1), ("Fortnightly", 2), ("every 4 weeks", 4),
                                         ("monthly", 4), ("3", 3), ("3-weekly", 3)])
def test_how_often(text, weeks):
    assert parse_every_weeks(text) == weeks


@pytest.mark.parametrize("text", ["0", "every 0 weeks", "sometimes", "99"])
def test_impossible_cycles_are_refused(text):
    with pytest.raises(ValueError):
        parse_every_weeks(text)


def test_months_runs_wrap_and_smarch_is_refused():
    assert parse_months("Apr-Oct") == (4, 5, 6, 7, 8, 9, 10)
    assert parse_months("Nov-Feb") == (1, 2, 11, 12)
    assert parse_months("") == ()
    assert format_months((1, 2, 11, 12)) == "Nov-Feb"
    with pytest.raises(ValueError, match="Smarch"):
        parse_months("Smarch")


# --- the rota sheet --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["rota_template.csv", "rota_template.xlsx"])
def test_the_rota_template_imports_into_the_sample_district(db, name):
    result = services.rota_sheet.import_rota(db, SAMPLES / name)
    assert len(result.entries) == 8 and not result.errors
    with db.unit_of_work() as uow:
        rota = {e.service: e for e in uow.rota.list()}
    mow = rota["mow"]
    assert mow.every_weeks == 2 and mow.anchor == dt.date(2026, 5, 6) and mow.months == tuple(range(3, 11))
    assert rota["hedge_cut"].months == (1, 2, 9, 10, 11, 12)


@pytest.mark.parametrize("row, reason", [
    ("blow leaves,Town Centre,,Mon,,,,", "is not a service"),
    ("empty bins,Nowhere,,Mon,,,,", "no place called 'Nowhere'"),
    ("empty bins,,no-such-bin,Mon,,,,", "no asset"),
    ("empty bins,Town Centre,,Sat,,,,Town Centre team", "does not work on Sat"),
    ("empty bins,Town Centre,,Mon,every 0 weeks,,,", "not a cycle"),
    ("mow,Arrow Valley Park,,Wed,fortnightly,,,", "needs the date of one visit"),
    ("mow,Arrow Valley Park,,Wed,weekly,,Smarch,", "Smarch"),
])
def test_a_bad_rota_row_is_refused_naming_the_row_and_nothing_is_stored(db, tmp_path, row, reason):
    sheet = tmp_path / "rota.csv"
    sheet.write_text("service,place,asset,days,how_often,first_visit,months,crew\n"
                     "empty bins,Town Centre,,Mon;Thu,,,,\n" + row + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=reason) as err:
        services.rota_sheet.import_rota(db, sheet)
    assert "row 2" in str(err.value) and "nothing was imported" in str(err.value)
    assert _rota_count(db) == 0


def test_skip_bad_rows_keeps_the_good_ones(db, tmp_path):
    sheet = tmp_path / "rota.csv"
    sheet.write_text("service,place,days\nempty bins,Town Centre,Mon\nempty bins,Nowhere,Mon\n", encoding="utf-8")
    assert main(["--db", str(db.url), "import", str(sheet), "--kind", "rota", "--skip-bad-rows"]) == 0
    assert _rota_count(db) == 1


def test_a_sheet_per_service_replaces_only_that_service(db, tmp_path):
    services.rota_sheet.import_rota(db, SAMPLES / "rota_template.csv")
    sheet = tmp_path / "bins.csv"
    sheet.write_text("service,place,days\nempty bins,Batchley Estate,Tue\n", encoding="utf-8")
    result = services.rota_sheet.import_rota(db, sheet)
    assert result.replaced == 2
    with db.unit_of_work() as uow:
        services_left = sorted(e.service for e in uow.rota.list())
    assert services_left.count("empty_bin") == 1 and "mow" in services_left


def test_rota_round_trips_through_export(db, tmp_path):
    services.rota_sheet.import_rota(db, SAMPLES / "rota_template.csv")
    with db.unit_of_work() as uow:
        before = sorted(dataclasses.astuple(e) for e in uow.rota.list())
    out = tmp_path / "back.xlsx"
    services.rota_sheet.export_rota(db, out)
    services.rota_sheet.import_rota(db, out)
    with db.unit_of_work() as uow:
        after = sorted(dataclasses.astuple(e) for e in uow.rota.list())
    assert after == before


# --- catalogue, rules, closed periods, calendar -----------------------------------------------------------
def test_weed_spraying_needs_no_code(db, tmp_path):
    """A new service from the services sheet is planned from the rota like any other."""
    services.council.import_services(db, SAMPLES / "services_template.csv")
    sheet = tmp_path / "rota.csv"
    sheet.write_text("service,place,days,months\nweed spraying,Town Centre,Wed,Apr-Sep\n", encoding="utf-8")
    services.rota_sheet.import_rota(db, sheet)
    work = services.week.week_work(db, dt.date(2026, 6, 1))["Redditch"]
    spray = [t for t in work.tasks if t.service == "weed_spray"]
    assert len(spray) == 1 and spray[0].earliest_day == dt.date(2026, 6, 3)
    assert not [t for t in services.week.week_work(db, dt.date(2026, 11, 2))["Redditch"].tasks
                if t.service == "weed_spray"], "weed spraying ran out of its months"


def test_pedestrian_mowing_uses_its_own_rate(db):
    with db.unit_of_work() as uow:
        settings = uow.settings.load()
        grass = [a for a in uow.assets.list() if a.kind.value == "grass_area"]
    mow = settings.services()["mow"]
    a = dataclasses.replace(grass[0], mower="ride_on")
    b = dataclasses.replace(grass[0], mower="pedestrian")
    assert mow.duration_s(b) - mow.fixed_s == pytest.approx(4 * (mow.duration_s(a) - mow.fixed_s), rel=0.01)


def test_rules_that_form_a_cycle_are_refused(db, tmp_path):
    sheet = tmp_path / "rules.csv"
    sheet.write_text("kind,first,second\nbefore,litter pick,mow\nbefore,mow,sweep\nbefore,sweep,litter pick\n",
                     encoding="utf-8")
    with pytest.raises(UserError, match="cycle"):
        services.council.import_rules(db, sheet)
    assert services.council.rules(db) == list(services.council.rules(db))  # still the defaults
    with db.unit_of_work() as uow:
        assert uow.rules.count() == 0
    assert services.council.import_rules(db, SAMPLES / "rules_template.xlsx") == 3


def test_closed_periods_that_close_a_place_all_day_are_refused(db, tmp_path):
    sheet = tmp_path / "closed.csv"
    sheet.write_text("place,service,days,from,to\nTown Centre,empty bins,Mon,06:00,12:00\n"
                     "Town Centre,empty bins,Mon,11:00,18:00\n", encoding="utf-8")
    with pytest.raises(UserError, match="all day"):
        services.council.import_closed(db, sheet)
    assert services.council.closed_periods(db) == []
    assert services.council.import_closed(db, SAMPLES / "closed_periods_template.csv") == 6


def test_bank_holidays_and_council_days():
    """England's bank holidays come built in; a council day closes, a worked bank holiday opens."""
    from envservices.domain import CalendarDay

    cal = WorkCalendar.around(dt.date(2026, 5, 25))
    assert cal.name(dt.date(2026, 5, 25)) == "Spring Bank Holiday"
    assert cal.move(dt.date(2026, 5, 25), "next_working_day") == dt.date(2026, 5, 26)
    assert cal.move(dt.date(2026, 5, 25), "saturday") == dt.date(2026, 5, 30)
    assert cal.move(dt.date(2026, 5, 25), "skip") is None
    assert cal.move(dt.date(2026, 4, 3), "next_working_day") == dt.date(2026, 4, 7)  # Good Friday, Easter Monday
    own = WorkCalendar.around(dt.date(2026, 5, 25), [CalendarDay(dt.date(2026, 5, 25), "worked", "worked"),
                                                     CalendarDay(dt.date(2026, 5, 27), "depot closed")])
    assert not own.is_closed(dt.date(2026, 5, 25)) and own.is_closed(dt.date(2026, 5, 27))


def test_saturday_rule_plans_the_moved_work_on_saturday(db, tmp_path):
    services.council.import_services(db, _sheet(tmp_path, "s.csv", "code,holiday_rule\nempty_bin,saturday\n"))
    services.rota_sheet.import_rota(db, _sheet(tmp_path, "r.csv", "service,place,days\nempty bins,Town Centre,Mon\n"))
    prepared = services.planning.prepare_week(db, "2026-W22", source="rota")
    bins = [t for t in prepared.tasks if t.service == "empty_bin"]
    assert [t.earliest_day for t in bins] == [dt.date(2026, 5, 30)]
    plan = services.planning.solve_week(prepared, time_limit_s=2)
    assert {cd.day for cd in plan.crew_days for v in cd.visits if v.service == "empty_bin"} == {dt.date(2026, 5, 30)}


def _sheet(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_week_with_no_work_says_why(db, tmp_path, capsys):
    """Places with assets and nothing else get a first inspection; an area with nothing says why."""
    prepared = services.planning.prepare_week(db, "2026-W30")
    assert prepared.tasks and all(t.service == "inspect" for t in prepared.tasks)
    empty = services.open_db(str(tmp_path / "empty.sqlite"))
    services.district.import_file(empty, SAMPLES / "places.gpkg", kind="place", area="Newtown")
    services.crews.import_file(empty, SAMPLES / "depots_template.csv", kind="depots")
    services.crews.import_file(empty, SAMPLES / "crews_template.csv", kind="crews")
    assert main(["--db", str(tmp_path / "empty.sqlite"), "plan", "--week", "2026-W30",
                 "--out", str(tmp_path / "p.json")]) == 0
    err = capsys.readouterr().err
    assert "Newtown has places but no assets" in err
    empty.dispose()


# --- areas and teams --------------------------------------------------------------------------------------
def test_areas_and_teams_from_the_command_line(db, capsys):
    url = str(db.url)
    assert main(["--db", url, "areas", "set", "Redditch", "--regime", "needs"]) == 2
    assert "needs a start date" in capsys.readouterr().err
    assert main(["--db", url, "areas", "set", "Redditch", "--regime", "needs", "--trial-start", "2026-05-04"]) == 0
    assert main(["--db", url, "places", "set", "Town Centre", "--team", "Town Centre team"]) == 0
    assert main(["--db", url, "places", "set", "Town Centre", "--team", "Nobody"]) == 2
    with db.unit_of_work() as uow:
        area = uow.areas.list()[0]
        place = next(p for p in uow.places.list() if p.name == "Town Centre")
        crew = next(c for c in uow.crews.list() if c.name == "Town Centre team")
    assert (area.regime.value, area.trial_start) == ("needs", dt.date(2026, 5, 4))
    assert place.team_crew_id == crew.id


# --- records without the desktop --------------------------------------------------------------------------
def test_survey_and_work_returns_from_the_command_line(db, tmp_path):
    url = str(db.url)
    assert main(["--db", url, "import", str(SAMPLES / "survey_template.csv"), "--kind", "survey"]) == 0
    assert main(["--db", url, "import", str(SAMPLES / "rota_template.csv"), "--kind", "rota"]) == 0
    assert main(["--db", url, "plan", "--week", "2026-W22", "--time-limit", "3", "--source", "rota",
                 "--out", str(tmp_path / "p.json")]) == 0
    assert main(["--db", url, "import", str(SAMPLES / "work_return_template.csv"), "--kind", "work"]) == 0
    with db.unit_of_work() as uow:
        plan = uow.plans.get_by_week("2026-W22")
    marks = {(cd.day, v.status.value, v.reason) for cd in plan.crew_days for v in cd.visits
             if v.asset_id and v.status.value != "planned"}
    assert (dt.date(2026, 5, 26), "done", "") in marks
    assert (dt.date(2026, 5, 28), "missed", "access blocked by parked cars") in marks
    done = next(v for cd in plan.crew_days for v in cd.visits if cd.day == dt.date(2026, 5, 26)
                and v.asset_id and v.status.value == "done")
    assert (done.actual_start, done.actual_end) == (dt.datetime(2026, 5, 26, 7, 40), dt.datetime(2026, 5, 26, 7, 44))
    bad = _sheet(tmp_path, "w.csv", "asset,service,date,status\nChurch Green bin,empty bins,2026-05-26,missed\n")
    assert main(["--db", url, "import", str(bad), "--kind", "work"]) == 2


# --- one pipeline -----------------------------------------------------------------------------------------
def test_the_simulation_decides_the_same_week_as_plan(db):
    """For the same stored state, the simulation's first week and `plan`'s week are the same tasks."""
    from envservices.services.simulation import load_district
    from envservices.simulation.season import run_season

    services.rota_sheet.import_rota(db, SAMPLES / "rota_template.csv")
    services.observations.import_survey(db, services.observations.parse_survey_csv(db, SAMPLES /
                                                                                 "survey_template.csv"))
    week = dt.date(2026, 11, 23)
    for regime in ("rota", "needs"):
        planned = services.planning.prepare_week(db, "2026-W48", source=regime).tasks
        seen = {}

        def capture(*, tasks, **_):
            seen["tasks"] = tasks

        class Nothing:
            routes, unplanned = [], []

        run_season(load_district(db), regime=regime, weeks=1, start=week, baseline_survey=False,
                   planner=lambda *a, **k: Nothing(), on_week=capture)
        key = lambda t: (t.id, t.service, t.place_id, t.asset_id, t.earliest_day, t.latest_day, t.duration_s)  # noqa: E731
        assert sorted(map(key, seen["tasks"])) == sorted(map(key, planned)), regime
