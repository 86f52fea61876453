"""Dashboard honesty: part weeks marked and left out of means; simulated and recorded periods named."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from shapely.geometry import box  # noqa: E402

from envservices.domain import (  # noqa: E402
    Area, AreaKind, Grade, IntensityZone, Observation, ObservationKind, Place, Regime,
)
from envservices.simulation.compare import (  # noqa: E402
    RECORDED, SIMULATED_NEEDS, SIMULATED_ROTA, AreaWeek, Comparison, recorded_weeks, recording_period,
)

AREA = Area("area-1", "Redditch", Regime.NEEDS, AreaKind.TRIAL, trial_start=dt.date(2026, 11, 2))
PLACE = Place("place-1", "Winyates", AREA.id, box(0, 0, 100, 100), zone=IntensityZone.MEDIUM)


def _obs(day: dt.date, grade: Grade = Grade.B) -> Observation:
    return Observation(f"o-{day}", ObservationKind.LITTER_GRADE, dt.datetime.combine(day, dt.time(10)),
                       PLACE.id, grade=grade)


def test_weeks_at_the_ends_of_the_recording_period_are_part_weeks_and_left_out_of_means():
    # Wednesday 4 Nov to Monday 30 Nov: the first week has 5 days recorded, the last one day
    days = [dt.date(2026, 11, 4), dt.date(2026, 11, 10), dt.date(2026, 11, 17), dt.date(2026, 11, 24),
            dt.date(2026, 11, 30)]
    obs = [_obs(d, Grade.C if d.day == 30 else Grade.B) for d in days]
    assert recording_period(obs, []) == (days[0], days[-1])
    rows = recorded_weeks(AREA, [PLACE], [], obs, [], None, *recording_period(obs, []))
    assert [(r.week_start.day, r.days, r.part_week) for r in rows] == [
        (2, 5, True), (9, 7, False), (16, 7, False), (23, 7, False), (30, 1, True)]
    summary, = Comparison(rows=rows).summaries()
    assert summary.weeks == 3 and summary.part_weeks_left_out == 2
    assert summary.mean_per_week["share_below_b"] == 0.0  # the part week's grade C is not in the mean
    assert (summary.first_week, summary.last_week) == (dt.date(2026, 11, 2), dt.date(2026, 11, 30))


def _comparison() -> Comparison:
    recorded = [AreaWeek(AREA.id, AREA.name, RECORDED, f"2026-W{w}",
                         dt.date(2026, 10, 26) + dt.timedelta(weeks=i),
                         "after", 1, 0, graded_sites=2, graded_below_b=1, complaints=1,
                         days=7 if i < 5 else 1)
                for i, w in enumerate(range(44, 50))]
    simulated = [AreaWeek(AREA.id, AREA.name, source, f"2026-W{w}",
                          dt.date(2026, 5, 4) + dt.timedelta(weeks=i),
                          "", 1, 0, visits=10, crew_hours=8.0, bin_overflow_days=1, grass_over_height_days=0,
                          litter_cd_beyond_response=0)
                 for source in (SIMULATED_NEEDS, SIMULATED_ROTA) for i, w in enumerate(range(19, 22))]
    return Comparison(rows=recorded + simulated)


def test_dashboard_marks_part_weeks_and_says_which_charts_are_simulated_and_which_recorded(qtbot):
    from PySide6.QtCore import Qt

    from envservices.ui.screens.dashboard import DashboardScreen
    from ui_helpers import save_screenshot

    d = DashboardScreen(None, lambda: None)
    qtbot.addWidget(d)
    d.resize(1366, 768)
    d.show()
    d.show_comparison(_comparison())
    qtbot.waitUntil(lambda: not d.is_drawing(), timeout=60_000)  # the charts are drawn by a worker
    note = d.figure.get_suptitle().replace(".\n", ". ")
    assert "simulated weeks of 04 May - 18 May 2026" in note
    assert "recorded weeks of 26 Oct - 30 Nov 2026" in note
    assert "not to be read against each other" in note and "1 part week" in note
    titles = [ax.get_title() for ax in d.figure.axes]
    assert any("simulated" in t for t in titles) and any("recorded" in t for t in titles)
    ticks = [t.get_text() for ax in d.figure.axes for t in ax.get_xticklabels()]
    assert "30 Nov*" in ticks
    model = d.weeks_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    weeks = {model.data(model.index(r, headers.index("Week"))) for r in range(model.rowCount())}
    assert "2026-W49 (part: 1 of 7 days)" in weeks
    s_headers = [d.summary_model.headerData(c, Qt.Orientation.Horizontal)
                 for c in range(d.summary_model.columnCount())]
    summary_weeks = {d.summary_model.data(d.summary_model.index(r, s_headers.index("Weeks")))
                     for r in range(d.summary_model.rowCount())}
    assert "5 (+1 part week left out)" in summary_weeks
    assert "weeks of 04 May - 18 May 2026" in d.headline_label.text()
    save_screenshot(d, "dashboard_periods")
