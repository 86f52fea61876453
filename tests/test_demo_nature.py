"""The demo's nature: the grass growth curve, bin filling by weekday, litter grades; and finding resources."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from envservices.demo.nature import bin_fill_pct_per_day, grass_growth_mm_per_day, litter_grade
from envservices.domain.model import Grade
from envservices.errors import UserError
from envservices.resources import ResourceNotFound, resource_path


def test_grass_peaks_in_late_spring_and_rests_in_winter():
    """Growth peaks in May/June, is near zero November to February, and dips in high summer."""
    year = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(365)]
    peak = max(year, key=grass_growth_mm_per_day)
    assert peak.month in (5, 6)
    assert 2.5 < grass_growth_mm_per_day(peak) < 5.0
    for day in year:
        if day.month in (11, 12, 1, 2):
            assert grass_growth_mm_per_day(day) < 0.5, day
        assert grass_growth_mm_per_day(day) > 0
    assert grass_growth_mm_per_day(dt.date(2026, 5, 20)) > 10 * grass_growth_mm_per_day(dt.date(2026, 12, 15))
    assert grass_growth_mm_per_day(dt.date(2026, 7, 20)) < grass_growth_mm_per_day(dt.date(2026, 5, 25))


def test_grass_growth_depends_only_on_the_day_of_year():
    """The same day of the year gives the same growth in any (non-leap) year."""
    for month, day in ((3, 1), (5, 25), (10, 10)):
        assert grass_growth_mm_per_day(dt.date(2025, month, day)) == grass_growth_mm_per_day(
            dt.date(2023, month, day)
        )


def test_bins_fill_faster_at_the_weekend_and_average_to_their_rate():
    """Saturday fills more than Monday, and over a week the mean daily fill is about the base rate."""
    monday = dt.date(2026, 4, 13)
    week = [monday + dt.timedelta(days=k) for k in range(7)]
    assert bin_fill_pct_per_day(10.0, week[5]) > 1.2 * bin_fill_pct_per_day(10.0, week[0])
    mean = sum(bin_fill_pct_per_day(10.0, d) for d in week) / 7
    assert mean == pytest.approx(10.0, rel=0.16)
    assert bin_fill_pct_per_day(20.0, week[2]) == pytest.approx(2 * bin_fill_pct_per_day(10.0, week[2]))


def test_litter_grade_worsens_with_load():
    """A growing litter load walks down the grades from A to D in order."""
    grades = [litter_grade(x / 10) for x in range(100)]
    assert grades[0] == Grade.A and grades[-1] == Grade.D
    assert [g.rank for g in grades] == sorted(g.rank for g in grades)
    assert set(grades) == set(Grade)


def test_ward_boundaries_ship_as_resources():
    """Both councils' 2013 wards are found as resources, named, 12 in Redditch and 23 in Bromsgrove."""
    for name, n in (("redditch_wards_2013.geojson", 12), ("bromsgrove_wards_2013.geojson", 23)):
        data = json.loads(resource_path("boundaries", name).read_text(encoding="utf-8"))
        assert len(data["features"]) == n
        assert all(f["properties"]["WD13NM"] for f in data["features"])


def test_missing_resource_is_a_clear_user_error():
    """Asking for a file that is not shipped names it and says where it looked."""
    with pytest.raises(UserError, match=r"no_such_file\.txt"):
        resource_path("no_such_file.txt")
    assert issubclass(ResourceNotFound, FileNotFoundError)
