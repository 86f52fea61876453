"""The map's line layers turn many geometries into scene polygons at once; they must match one at a time."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LinearRing, LineString, MultiLineString, MultiPolygon, Point, Polygon

pytest.importorskip("PySide6")

from envservices.ui.map.symbols import line_parts, line_polygons  # noqa: E402


def _points(polys):
    return [[(q.x(), q.y()) for q in p] for p in polys]


def test_line_polygons_match_line_parts_in_order_with_their_boxes():
    square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3)]])
    geoms = [LineString([(0, 0), (5, 5), (9, 1)]), None, LineString(), Point(3, 3),
             MultiLineString([[(1, 1), (2, 2)], [(4, 4), (5, 6), (7, 7)]]), square,
             MultiPolygon([square, Polygon([(20, 20), (30, 20), (30, 30)])]),
             LinearRing([(0, 0), (1, 0), (1, 1)]), LineString([(0, 0, 5), (2, 3, 7)])]
    one_by_one = [part for g in geoms for part in line_parts(g)]
    lines, rects = line_polygons(geoms)
    assert _points(lines) == _points(one_by_one)
    assert _points(lines)[0] == [(0.0, -0.0), (5.0, -5.0), (9.0, -1.0)]  # y flipped for the scene
    boxes = [[r.left(), r.top(), r.right(), r.bottom()] for r in (p.boundingRect() for p in one_by_one)]
    assert np.allclose(rects, boxes)


def test_no_lines_give_an_empty_box_array():
    lines, rects = line_polygons([None, Point(1, 1)])
    assert lines == [] and rects.shape == (0, 4)
