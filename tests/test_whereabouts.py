"""OS grid references, nearest streets and due windows in words (reports.whereabouts)."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import LineString

from envservices.domain import RoadLink
from envservices.reports.whereabouts import due_words, nearest_streets, os_grid_reference, road_lines


@pytest.mark.parametrize(("e", "n", "digits", "ref"), [
    (404_123, 267_356, 8, "SP 0412 6735"),
    (395_000, 268_000, 8, "SO 9500 6800"),  # Bromsgrove
    (216_667, 771_285, 10, "NN 16667 71285"),  # Ben Nevis
    (538_870, 177_370, 6, "TQ 388 773"),  # Greenwich
    (651_409, 313_177, 8, "TG 5140 1317"),  # Lowestoft
    (0, 0, 4, "SV 00 00"),
    (331_234, 1_010_000, 8, "HY 3123 1000"),  # Orkney
    (445_000, 1_150_000, 4, "HU 45 50"),  # Shetland
])
def test_os_grid_reference(e, n, digits, ref):
    assert os_grid_reference(e, n, digits) == ref


def test_os_grid_reference_refuses_points_off_the_grid():
    with pytest.raises(ValueError, match="outside"):
        os_grid_reference(-5, 100)
    with pytest.raises(ValueError, match="even"):
        os_grid_reference(1, 1, 7)


def test_nearest_named_street_within_reach():
    roads = [RoadLink("a", LineString([(0, 0), (100, 0)]), name="Church Street"),
             RoadLink("b", LineString([(0, 50), (100, 50)]), name=""),  # unnamed: never given
             RoadLink("c", LineString([(0, 100), (100, 100)]), name="High Street")]
    got = nearest_streets({"t1": (10, 20), "t2": (50, 80), "t3": (50, 900)}, roads, max_m=200)
    assert got == {"t1": "Church Street", "t2": "High Street"}
    assert len(road_lines(roads)) == 3


def test_due_words_relative_to_the_sheet_week():
    monday = dt.date(2026, 11, 30)
    thu = dt.date(2026, 12, 3)
    assert due_words(thu, thu, monday) == "due Thu 3 Dec"
    assert due_words(monday, thu, monday) == "due by Thu 3 Dec"
    assert due_words(monday, dt.date(2026, 12, 8), monday) == "due by Tue 8 Dec (next week)"
    assert due_words(thu, thu, dt.date(2026, 12, 7)) == "overdue since Thu 3 Dec"
    assert due_words(monday, dt.date(2027, 2, 1), monday) == "due by Mon 1 Feb 2027"
