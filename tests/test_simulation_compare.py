"""The trial comparison: recorded figures before and after the trial start, simulated needs against rota, charts."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json

from test_simulation import tiny_district

from envservices.domain.model import (
    AreaKind,
    CrewDay,
    Grade,
    Observation,
    ObservationKind,
    Plan,
    Regime,
    Visit,
    VisitStatus,
)
from envservices.simulation.charts import save_charts
from envservices.simulation.compare import (
    AFTER,
    BEFORE,
    RECORDED,
    SIMULATED_NEEDS,
    SIMULATED_ROTA,
    compare_areas,
)


def trial_district():
    d = tiny_district()
    d.areas = [
        dataclasses.replace(
            d.areas[0], regime=Regime.NEEDS, kind=AreaKind.TRIAL, trial_start=dt.date(2026, 6, 8)
        )
    ]
    return d


def recorded_history():
    """Grades, a complaint and a plan either side of the 8 June trial start."""
    obs = [
        Observation(
            "g1",
            ObservationKind.LITTER_GRADE,
            dt.datetime(2026, 6, 2, 10),
            "place-0",
            "street-0",
            grade=Grade.C,
        ),
        Observation(
            "g2",
            ObservationKind.LITTER_GRADE,
            dt.datetime(2026, 6, 3, 10),
            "place-1",
            "street-1",
            grade=Grade.B,
        ),
        Observation("c1", ObservationKind.COMPLAINT, dt.datetime(2026, 6, 3, 12), "place-0", note="bin full"),
        Observation(
            "g3",
            ObservationKind.LITTER_GRADE,
            dt.datetime(2026, 6, 9, 10),
            "place-0",
            "street-0",
            grade=Grade.A,
        ),
    ]
    day = CrewDay(
        "crew-1",
        dt.date(2026, 6, 9),
        (
            Visit(
                "t1",
                "place-0",
                8 * 3600,
                8 * 3600,
                8 * 3600 + 180,
                "empty_bin",
                "bin-0-0",
                status=VisitStatus.DONE,
            ),
            Visit(
                "t2",
                "place-1",
                9 * 3600,
                9 * 3600,
                9 * 3600 + 180,
                "empty_bin",
                "bin-1-0",
                status=VisitStatus.DONE,
            ),
            Visit(
                "t3",
                "place-1",
                10 * 3600,
                10 * 3600,
                10 * 3600 + 180,
                "empty_bin",
                "bin-1-1",
                status=VisitStatus.MISSED,
            ),
        ),
        depart_s=7 * 3600,
        return_s=11 * 3600,
        travel_m=12_000,
    )
    return obs, [Plan("plan-1", "2026-W24", (day,))]


def test_recorded_figures_before_and_after_trial_start() -> None:
    """Recorded weeks fall either side of the trial start, with grades, complaints and work done counted."""
    obs, plans = recorded_history()
    comparison = compare_areas(trial_district(), observations=obs, plans=plans, simulate=False)
    rows = {r.week: r for r in comparison.rows if r.source == RECORDED}
    before, after = rows["2026-W23"], rows["2026-W24"]
    assert before.period == BEFORE and after.period == AFTER
    assert before.graded_sites == 2 and before.graded_below_b == 1 and before.share_below_b == 0.5
    assert before.complaints == 1 and before.per_place("complaints") == 0.5
    assert after.visits == 2  # the missed visit is not work done
    assert after.crew_hours == 4.0 * 2 / 3  # the crew-day's hours shared by its visits (two of three done)
    assert after.travel_km == 12.0 * 2 / 3
    assert after.per_asset("visits") == 2 / 12


def test_simulated_needs_against_rota_with_csv_json_and_charts(tmp_path) -> None:
    """A short comparison simulates both regimes per area and writes CSV, JSON and report charts."""
    obs, plans = recorded_history()
    comparison = compare_areas(
        trial_district(), observations=obs, plans=plans, weeks=2, time_limit_s=1.0, start=dt.date(2026, 6, 1)
    )
    sources = {r.source for r in comparison.rows}
    assert {RECORDED, SIMULATED_NEEDS, SIMULATED_ROTA} <= sources
    [headline] = comparison.headline()
    assert headline["area"] == "Tiny Town" and headline["weeks"] == 2
    assert set(headline["failures"]["needs"]) == {
        "bin_overflow_days",
        "grass_over_height_days",
        "litter_cd_beyond_response",
    }
    data = json.loads(json.dumps(comparison.to_json()))
    assert data["summaries"] and data["weeks"]
    per_place = next(s for s in data["summaries"] if s["source"] == SIMULATED_ROTA)["per_place_per_week"]
    assert per_place["crew_hours"] > 0
    path = comparison.write_csv(tmp_path / "compare.csv")
    with path.open() as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == len(comparison.rows) and "crew_hours_per_place" in lines[0]
    written = save_charts(comparison, tmp_path / "charts")
    names = {p.name for p in written}
    assert {"tiny-town-hours.png", "tiny-town-failures.png", "tiny-town-grades.png"} <= names
    assert all(p.stat().st_size > 5_000 for p in written)


def test_charts_draw_on_a_passed_in_axes() -> None:
    """Each chart draws on the axes it is given, with a title and labelled axes."""
    from matplotlib.figure import Figure

    from envservices.simulation.charts import plot_failures, plot_grades, plot_hours_per_week

    obs, plans = recorded_history()
    comparison = compare_areas(
        trial_district(), observations=obs, plans=plans, weeks=1, time_limit_s=1.0, start=dt.date(2026, 6, 1)
    )
    for draw in (plot_hours_per_week, plot_failures, plot_grades):
        ax = Figure().add_subplot()
        draw(ax, comparison, "Tiny Town")
        assert ax.get_title() and ax.get_ylabel()


def test_progress_counts_weeks_and_a_cancel_keeps_the_weeks_done() -> None:
    """Progress reports week k of N per regime; a cancel during the rota season keeps the weeks both regimes
    reached (cut to the same number), and says it stopped."""
    obs, plans = recorded_history()
    seen: list[tuple[int, int, str]] = []
    stop_after_rota_week = {"armed": False}

    def progress(step: int, steps: int, message: str) -> None:
        seen.append((step, steps, message))
        if "rota: 1 of 3 weeks simulated" in message.replace(" under the ", ": "):
            stop_after_rota_week["armed"] = True

    comparison = compare_areas(
        trial_district(), observations=obs, plans=plans, weeks=3, time_limit_s=1.0, start=dt.date(2026, 6, 1),
        progress=progress, stop=lambda: stop_after_rota_week["armed"],
    )
    assert seen[0][1] == 2 * 3  # one area, two regimes, three weeks each
    assert any("needs: 3 of 3 weeks simulated" in m.replace(" under the ", ": ") for *_, m in seen)
    assert comparison.stopped
    needs, rota = comparison.seasons[("Tiny Town", "needs")], comparison.seasons[("Tiny Town", "rota")]
    assert needs.weeks == rota.weeks == 1
    assert {r.week for r in comparison.rows if r.source == SIMULATED_NEEDS} == \
        {r.week for r in comparison.rows if r.source == SIMULATED_ROTA}
    [headline] = comparison.headline()
    assert headline["weeks"] == 1
