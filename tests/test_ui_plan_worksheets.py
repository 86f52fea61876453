"""Crew worksheets (PDF) and the plan CSV, from a small hand-made plan: no database or solver needed."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from envservices.domain.model import CrewDay, Plan, Stop, Visit  # noqa: E402
from envservices.errors import UserError  # noqa: E402
from envservices.ui.reports.worksheets import (  # noqa: E402
    CSV_COLUMNS,
    ROWS_PER_PAGE,
    PlanLookups,
    route_points,
    write_plan_csv,
    write_worksheets,
)

MONDAY = dt.date(2026, 11, 30)


def _visit(n: int, start_s: int) -> Visit:
    return Visit(task_id=f"t{n}", place_id=f"p{n % 3}", arrive_s=start_s - 300, start_s=start_s,
                 end_s=start_s + 900, service="empty_bin", pinned=n == 1)


def _plan(visits_per_day: dict[tuple[str, int], int]) -> Plan:
    days = []
    for (crew, offset), n in visits_per_day.items():
        visits = tuple(_visit(i, 8 * 3600 + i * 1200) for i in range(n))
        stops = (Stop("break", 11 * 3600, 11 * 3600 + 1800), Stop("tip", 13 * 3600, 13 * 3600 + 900, "tip-1"))
        days.append(CrewDay(crew, MONDAY + dt.timedelta(days=offset), visits, stops, depart_s=7 * 3600,
                            return_s=15 * 3600, travel_m=12_345.0))
    return Plan(id="plan-1", week="2026-W49", crew_days=tuple(days))


def _lookups() -> PlanLookups:
    return PlanLookups(
        crew_names={"c1": "North team", "c2": "South team"},
        place_names={"p0": "Market Square", "p1": "Charford estate", "p2": "Sanders Park"},
        service_names={"empty_bin": "Empty bin"},
        task_points={f"t{i}": (395_000.0 + 37 * i, 268_000.0 + (i % 5) * 90) for i in range(80)},
        task_notes={"t2": "bags by the garages"},
        site_points={"depot-1": (394_800.0, 267_900.0), "tip-1": (396_000.0, 268_500.0)},
        site_names={"depot-1": "Depot", "tip-1": "Tip"},
        default_depot_id="depot-1",
    )


def _pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", path.read_bytes()))


def test_one_page_per_crew_day_with_visits(tmp_path, qapp):
    """Each crew-day with visits gets exactly one page; an empty crew-day gets none."""
    plan = _plan({("c1", 0): 6, ("c2", 0): 3, ("c1", 1): 5, ("c2", 1): 0})
    out = tmp_path / "sheets.pdf"
    pages = write_worksheets(out, plan, _lookups())
    assert pages == 3
    assert _pages(out) == 3
    assert out.read_bytes().startswith(b"%PDF")


def test_a_very_long_day_continues_on_a_second_sheet(tmp_path, qapp):
    """More visits than fit stay readable: the crew-day continues on a second sheet."""
    plan = _plan({("c1", 0): ROWS_PER_PAGE + 5})
    out = tmp_path / "long.pdf"
    assert write_worksheets(out, plan, _lookups()) == 2
    assert _pages(out) == 2


def test_empty_plan_is_refused_with_a_sentence(tmp_path, qapp):
    """Printing a plan with no visits says why instead of writing an empty file."""
    with pytest.raises(UserError, match="no visits"):
        write_worksheets(tmp_path / "x.pdf", _plan({("c1", 0): 0}), _lookups())
    assert not (tmp_path / "x.pdf").exists()


def test_route_starts_and_ends_at_the_depot_and_visits_the_tip(qapp):
    """The map route: depot, visits and the tip in time order, back to the depot."""
    cd = _plan({("c1", 0): 4}).crew_days[0]
    points = route_points(cd, _lookups())
    assert points[0] == points[-1] == (394_800.0, 267_900.0)
    assert (396_000.0, 268_500.0) in points  # the tip stop at 13:00
    assert len(points) == 4 + 1 + 2


def test_csv_has_the_documented_columns_and_one_row_per_visit(tmp_path):
    """The CSV has a header of the documented columns and one row per visit, in route order."""
    plan = _plan({("c1", 0): 3, ("c2", 1): 2})
    out = tmp_path / "plan.csv"
    assert write_plan_csv(out, plan, _lookups()) == 5
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [r["order"] for r in rows if r["crew_id"] == "c1"] == ["1", "2", "3"]
    assert rows[0]["crew"] == "North team" and rows[0]["place"] == "Market Square"
    assert rows[0]["service"] == "Empty bin" and rows[0]["start"] == "08:00"
    assert rows[1]["pinned"] == "yes"


def test_numbering_runs_on_across_sheets_without_gaps(qapp):
    """Visits are numbered 1..n through the crew-day; tips and breaks take a row but no number, so the second
    sheet starts where the first stopped."""
    from envservices.ui.reports.worksheets import numbered_events

    plan = _plan({("c1", 0): ROWS_PER_PAGE + 5})
    rows = numbered_events(plan.crew_days[0])
    first, second = rows[:ROWS_PER_PAGE], rows[ROWS_PER_PAGE:]
    numbers = [n for n, _ in rows if n is not None]
    assert numbers == list(range(1, ROWS_PER_PAGE + 6))
    assert next(n for n, _ in second if n is not None) == max(n for n, _ in first if n is not None) + 1


def test_a_visit_says_where_asset_street_and_grid_reference(qapp):
    """The sheet's 'Where' lines: the asset's name and place, then the nearest street and an OS grid reference."""
    lookups = PlanLookups(place_names={"p1": "Market Square"}, asset_names={"bin-7": "Litter bin 7"},
                          task_streets={"t1": "Church Street"}, task_points={"t1": (404_123.0, 267_356.0)})
    visit = Visit("t1", "p1", 0, 0, 60, service="empty_bin", asset_id="bin-7")
    assert lookups.where(visit) == ("Litter bin 7 · Market Square", "Church Street · SP 0412 6735")
    assert lookups.where(Visit("t2", "p1", 0, 0, 60)) == ("Market Square", "")
