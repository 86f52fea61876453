"""The demo's ground: the 2013 wards of Redditch and Bromsgrove, cut into places, and a road network.

Wards are read with json, shapely and pyproj only (geopandas belongs to the gis layer) and reprojected to
British National Grid. Places are whole wards, wards split into compact pieces (larger scales) and a town
centre cut out of each town; the road network is a jittered street grid per place, stitched across place
boundaries and linked by a few A-roads, then joined up so every place can be reached from every depot.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
import shapely.affinity
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from envservices.domain.model import BNG_EPSG, IntensityZone
from envservices.resources import resource_path

REDDITCH = "Redditch"
BROMSGROVE = "Bromsgrove"
WARD_FILES = {
    REDDITCH: ("boundaries", "redditch_wards_2013.geojson"),
    BROMSGROVE: ("boundaries", "bromsgrove_wards_2013.geojson"),
}
"""Office for National Statistics wards, December 2013 (Open Government Licence, Crown copyright)."""

TOWN_CENTRE = "town centre"
ESTATE = "housing estate"
PARK = "park"
INDUSTRIAL = "industrial"
RURAL = "rural edge"

# Wards in the order they join the demo as the scale grows, with the character of the place they become.
WARD_PLAN: dict[str, tuple[tuple[str, str], ...]] = {
    REDDITCH: (
        ("Batchley & Brockhill", ESTATE),
        ("Lodge Park", PARK),
        ("Winyates", INDUSTRIAL),
        ("Astwood Bank and Feckenham", RURAL),
        ("Greenlands", ESTATE),
        ("Matchborough", ESTATE),
        ("Headless Cross and Oakenshaw", ESTATE),
        ("Abbey", PARK),
        ("Church Hill", ESTATE),
        ("Crabbs Cross", ESTATE),
        ("West", ESTATE),
        ("Central", ESTATE),
    ),
    BROMSGROVE: (
        ("Sidemoor", ESTATE),
        ("Stoke Prior", INDUSTRIAL),
        ("Tardebigge", RURAL),
        ("Charford", ESTATE),
        ("Beacon", PARK),
        ("Whitford", ESTATE),
        ("St Johns", ESTATE),
        ("Slideslow", ESTATE),
        ("Norton", ESTATE),
        ("Catshill", ESTATE),
        ("Stoke Heath", ESTATE),
        ("Marlbrook", ESTATE),
        ("Linthurst", ESTATE),
        ("Waseley", PARK),
        ("Hillside", RURAL),
        ("Alvechurch", RURAL),
        ("Woodvale", RURAL),
        ("Drakes Cross and Walkers Heath", ESTATE),
        ("Wythall South", RURAL),
        ("Hollywood and Majors Green", ESTATE),
        ("Hagley", RURAL),
        ("Furlongs", RURAL),
        ("Uffdown", RURAL),
    ),
}
TOWN_CENTRES = {REDDITCH: ((404050.0, 267550.0), 480.0), BROMSGROVE: ((395850.0, 270650.0), 400.0)}
"""Centre (BNG easting, northing) and rough radius of each town centre (Kingfisher Centre, High Street)."""

SPLIT_WEIGHT = {TOWN_CENTRE: 2.0, ESTATE: 3.0, PARK: 1.5, INDUSTRIAL: 1.5, RURAL: 1.5}
"""How many pieces a place of this character gets when the scale asks for more places than wards."""

STREET_SPACING_M = {TOWN_CENTRE: 110.0, ESTATE: 170.0, INDUSTRIAL: 230.0, PARK: 280.0, RURAL: 650.0}
STREET_DROP = {TOWN_CENTRE: 0.03, ESTATE: 0.12, INDUSTRIAL: 0.1, PARK: 0.2, RURAL: 0.25}
"""Share of grid links left out, which turns a grid into closes, cul-de-sacs and winding lanes."""
STREET_CLASS = {
    TOWN_CENTRE: ("unclassified", 20.0),
    ESTATE: ("residential", 30.0),
    INDUSTRIAL: ("unclassified", 30.0),
    PARK: ("service", 10.0),
    RURAL: ("unclassified", 40.0),
}
A_ROAD_KPH = 48.0
LINK_KPH = 40.0

A_ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    (
        "A448",
        (
            (404050, 267550),
            (402600, 267900),
            (401000, 268400),
            (399300, 268900),
            (397800, 269700),
            (396600, 270300),
            (395850, 270650),
        ),
    ),
    (
        "A38",
        (
            (394300, 265600),
            (395600, 267300),
            (396700, 269400),
            (397300, 271600),
            (397700, 274000),
            (398600, 276500),
            (399600, 278300),
        ),
    ),
    ("A441", ((404300, 268000), (404100, 270400), (403400, 272800), (402900, 275400))),
)
"""Illustrative courses of the A-roads that link the two towns and run through them."""

STREET_STEMS = (
    "Church",
    "Mill",
    "Station",
    "Park",
    "Victoria",
    "Queens",
    "Kings",
    "Grove",
    "Meadow",
    "Oak",
    "Ash",
    "Willow",
    "Birch",
    "Elm",
    "Hawthorn",
    "Orchard",
    "Manor",
    "Windsor",
    "York",
    "Albert",
    "Bridge",
    "Brook",
    "Chapel",
    "School",
    "Green",
    "Hill",
    "Field",
    "Farm",
    "Lodge",
    "Needle",
    "Forge",
    "Arrow",
    "Salter",
    "Crabtree",
    "Beoley",
    "Holloway",
    "Hewell",
    "Perry",
    "Carpenter",
    "Woodland",
    "Hazel",
    "Rowan",
    "Cedar",
    "Lime",
    "Beech",
    "Poplar",
    "Cherry",
    "Maple",
    "Laurel",
    "Heath",
    "Moat",
    "Abbey",
    "Priory",
    "Foxglove",
)
STREET_SUFFIXES = ("Road", "Street", "Lane", "Close", "Drive", "Avenue", "Way", "Crescent", "Grove", "Walk")


@dataclass(frozen=True)
class Ward:
    name: str
    town: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class PlaceShape:
    """A place before it becomes a domain Place: its name, town, character and polygon."""

    name: str
    town: str
    character: str
    ward: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class RoadNetwork:
    """Road nodes (BNG metres) and the links between them, with class, speed and street name."""

    nodes: np.ndarray  # (n, 2)
    node_place: np.ndarray  # (n,) index of the place the node was made for, -1 for A-roads
    links: tuple[tuple[int, int, str, float, str], ...]  # (from node, to node, highway, speed_kph, name)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts of a geometry, valid, so set operations never leave lines or points behind."""
    geom = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = []
    for p in parts:
        polys.extend(shapely.get_parts(p))
    if not polys:
        return Polygon()
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


@functools.lru_cache(maxsize=1)
def load_wards() -> tuple[Ward, ...]:
    """The 2013 wards of both councils in BNG, with any sliver overlaps between neighbours removed."""
    to_bng = pyproj.Transformer.from_crs(4326, BNG_EPSG, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_bng.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    wards: list[Ward] = []
    taken: BaseGeometry = Polygon()
    for town in (REDDITCH, BROMSGROVE):
        with resource_path(*WARD_FILES[town]).open(encoding="utf-8") as fh:
            collection = json.load(fh)
        for feature in collection["features"]:
            geom = shapely.transform(shapely.geometry.shape(feature["geometry"]), project)
            geom = _polygonal(shapely.set_precision(shapely.make_valid(geom), 0.01))
            geom = _polygonal(geom.difference(taken))
            taken = taken.union(geom)
            wards.append(Ward(str(feature["properties"]["WD13NM"]), town, geom))
    return tuple(wards)


def area_outline(town: str) -> BaseGeometry:
    """The whole council area, as the union of its wards."""
    return shapely.union_all([w.geometry for w in load_wards() if w.town == town])


def _points_in(poly: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random points uniformly inside a polygon (rejection sampling from its bounds)."""
    minx, miny, maxx, maxy = poly.bounds
    out: list[np.ndarray] = []
    got = 0
    shapely.prepare(poly)
    while got < n:
        m = max(64, 2 * (n - got))
        xy = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        out.append(xy)
        got += len(xy)
    return np.concatenate(out)[:n]


def _compass(dx: float, dy: float) -> str:
    names = ("East", "North-east", "North", "North-west", "West", "South-west", "South", "South-east")
    return names[round(math.atan2(dy, dx) / (math.pi / 4)) % 8]


def _split(poly: BaseGeometry, k: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """k compact pieces of a polygon: Voronoi cells of k-means centres of random points inside it."""
    if k <= 1:
        return [poly]
    pts = _points_in(poly, 40 * k, rng)
    centres = pts[rng.choice(len(pts), k, replace=False)]
    for _ in range(10):
        _, label = cKDTree(centres).query(pts)
        for j in range(k):
            mine = pts[label == j]
            if len(mine):
                centres[j] = mine.mean(axis=0)
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=poly, ordered=True)
    pieces = []
    for cell in shapely.get_parts(cells):
        piece = _polygonal(cell.intersection(poly).buffer(-0.05, join_style="mitre"))
        parts = sorted(shapely.get_parts(piece), key=lambda g: -g.area)
        if not parts or parts[0].area < 1.0:
            continue
        keep = [p for p in parts if p.area >= 0.05 * parts[0].area]
        pieces.append(keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep))
    return pieces


def _town_centre(town: str, outline: BaseGeometry, rng: np.random.Generator) -> BaseGeometry:
    """An irregular disc around the town's centre: a ring road and the streets inside it."""
    (cx, cy), radius = TOWN_CENTRES[town]
    angles = np.linspace(0, 2 * math.pi, 18, endpoint=False)
    r = radius * rng.uniform(0.8, 1.15, len(angles))
    ring = Polygon(np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)]))
    return _polygonal(ring.intersection(outline))


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split a whole number in proportion to weights (largest remainder), so counts add up exactly."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return [0] * len(weights)
    share = total * w / w.sum()
    base = np.floor(share).astype(int)
    order = np.argsort(-(share - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return base.tolist()


def build_place_shapes(n_places: int, rng: np.random.Generator) -> list[PlaceShape]:
    """About n_places non-overlapping places: two town centres, then wards in plan order, then ward pieces."""
    wards = {w.name: w for w in load_wards()}
    plan: list[tuple[str, str, str]] = []  # (town, ward, character), interleaving the two towns
    lists = [
        [(REDDITCH, n, c) for n, c in WARD_PLAN[REDDITCH]],
        [(BROMSGROVE, n, c) for n, c in WARD_PLAN[BROMSGROVE]],
    ]
    for i in range(max(len(x) for x in lists)):
        plan.extend(lst[i] for lst in lists if i < len(lst))
    n_wards = min(len(plan), max(n_places - 2, 2))
    chosen = plan[:n_wards]

    base: list[PlaceShape] = []
    centres = {}
    for town in (REDDITCH, BROMSGROVE):
        centres[town] = _town_centre(town, area_outline(town), rng)
        base.append(PlaceShape(f"{town} Town Centre", town, TOWN_CENTRE, "", centres[town]))
    cut = shapely.union_all(list(centres.values()))
    for town, name, character in chosen:
        geom = _polygonal(wards[name].geometry.difference(cut.buffer(0.5, join_style="mitre")))
        base.append(PlaceShape(name, town, character, name, geom))

    extra = max(0, n_places - len(base))
    pieces_per = [1 + k for k in _allocate(extra, [SPLIT_WEIGHT[p.character] for p in base])]
    shapes: list[PlaceShape] = []
    for shape, k in zip(base, pieces_per, strict=True):
        pieces = _split(shape.geometry, k, rng)
        if len(pieces) == 1:
            shapes.append(shape)
            continue
        c = shape.geometry.centroid
        seen: dict[str, int] = {}
        for piece in pieces:
            pc = piece.centroid
            label = _compass(pc.x - c.x, pc.y - c.y)
            seen[label] = seen.get(label, 0) + 1
            suffix = label if seen[label] == 1 else f"{label} {seen[label]}"
            shapes.append(
                PlaceShape(f"{shape.name} {suffix}", shape.town, shape.character, shape.ward, piece)
            )
    return shapes


class _Components:
    """Union-find over road nodes, to see which parts of the network are still cut off."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return int(i)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra

    def groups(self, idx: np.ndarray) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in idx:
            out.setdefault(self.find(int(i)), []).append(int(i))
        return out


def _connect(
    nodes: np.ndarray, members: np.ndarray, uf: _Components, links: list, kind: tuple[str, float]
) -> None:
    """Join every separate group of these nodes to the largest one by its shortest gap."""
    groups = sorted(uf.groups(members).values(), key=lambda g: (-len(g), g[0]))
    if len(groups) < 2:
        return
    main = np.array(groups[0])
    tree = cKDTree(nodes[main])
    for g in groups[1:]:
        dist, near = tree.query(nodes[g])
        k = int(np.argmin(dist))
        a, b = int(main[near[k]]), g[k]
        links.append((a, b, kind[0], kind[1], ""))
        uf.union(a, b)


def build_road_network(shapes: list[PlaceShape], rng: np.random.Generator) -> RoadNetwork:
    """A connected network: a jittered grid per place, stitched across boundaries, plus A-roads."""
    all_nodes: list[np.ndarray] = []
    node_place: list[np.ndarray] = []
    links: list[tuple[int, int, str, float, str]] = []
    offset = 0
    for p_idx, shape in enumerate(shapes):
        poly = shape.geometry
        shapely.prepare(poly)
        spacing = STREET_SPACING_M[shape.character]
        theta = rng.uniform(0, math.pi / 2)
        c = poly.centroid
        cos_t, sin_t = math.cos(theta), math.sin(theta)
        local = shapely.affinity.rotate(poly, -theta, origin=c, use_radians=True)
        minx, miny, maxx, maxy = local.bounds
        xs = np.arange(minx + spacing / 2, maxx, spacing)
        ys = np.arange(miny + spacing / 2, maxy, spacing)
        gi, gj = np.meshgrid(np.arange(len(xs)), np.arange(len(ys)), indexing="ij")
        u = xs[gi] + rng.normal(0, 0.12 * spacing, gi.shape) - c.x
        v = ys[gj] + rng.normal(0, 0.12 * spacing, gi.shape) - c.y
        gx = c.x + u * cos_t - v * sin_t
        gy = c.y + u * sin_t + v * cos_t
        inside = shapely.contains_xy(poly, gx, gy)
        if not inside.any():
            rp = poly.representative_point()
            gx, gy, inside = np.array([[rp.x]]), np.array([[rp.y]]), np.array([[True]])
        index = -np.ones(inside.shape, dtype=int)
        index[inside] = offset + np.arange(int(inside.sum()))
        pts = np.column_stack([gx[inside], gy[inside]])
        all_nodes.append(pts)
        node_place.append(np.full(len(pts), p_idx))
        highway, kph = STREET_CLASS[shape.character]
        row_names = [
            f"{rng.choice(STREET_STEMS)} {rng.choice(STREET_SUFFIXES)}" for _ in range(inside.shape[1])
        ]
        col_names = [
            f"{rng.choice(STREET_STEMS)} {rng.choice(STREET_SUFFIXES)}" for _ in range(inside.shape[0])
        ]
        drop = STREET_DROP[shape.character]
        for di, dj in ((1, 0), (0, 1)):
            a = index[: index.shape[0] - di, : index.shape[1] - dj]
            b = index[di:, dj:]
            ok = (a >= 0) & (b >= 0)
            ia, ib = np.nonzero(ok)
            if not len(ia):
                continue
            ax, ay = gx[ia, ib], gy[ia, ib]
            bx, by = gx[ia + di, ib + dj], gy[ia + di, ib + dj]
            keep = shapely.contains_xy(poly, (ax + bx) / 2, (ay + by) / 2) & (rng.random(len(ia)) >= drop)
            for i, j in zip(ia[keep], ib[keep], strict=True):
                name = row_names[j] if di else col_names[i]
                links.append((int(index[i, j]), int(index[i + di, j + dj]), highway, kph, name))
        offset += len(pts)

    nodes = np.concatenate(all_nodes)
    places_of = np.concatenate(node_place)
    uf = _Components(len(nodes))
    for a, b, *_ in links:
        uf.union(a, b)
    for p_idx, shape in enumerate(shapes):
        _connect(nodes, np.nonzero(places_of == p_idx)[0], uf, links, STREET_CLASS[shape.character][:2])

    # Stitch neighbouring places: a node joins the nearest node of another place when it is a street away.
    spacing = np.array([STREET_SPACING_M[s.character] for s in shapes])[places_of]
    tree = cKDTree(nodes)
    k = min(8, len(nodes))
    dist, near = tree.query(nodes, k=k)
    seen: set[tuple[int, int]] = set()
    for i in range(len(nodes)):
        for d, j in zip(dist[i, 1:], near[i, 1:], strict=True):
            if places_of[j] == places_of[i]:
                continue
            if d <= 1.1 * max(spacing[i], spacing[j]):
                key = (min(i, int(j)), max(i, int(j)))
                if key not in seen:
                    seen.add(key)
                    links.append((key[0], key[1], "tertiary", LINK_KPH, ""))
                    uf.union(key[0], key[1])
            break

    # A-roads: nodes every ~450 m along their course, joined to the nearest street node at each.
    a_nodes: list[np.ndarray] = []
    a_links: list[tuple[int, int, str, float, str]] = []
    start = len(nodes)
    for name, course in A_ROADS:
        line = LineString(course)
        n_seg = max(1, round(line.length / 450.0))
        pts = np.array([line.interpolate(t, normalized=True).coords[0] for t in np.linspace(0, 1, n_seg + 1)])
        first = start + sum(len(x) for x in a_nodes)
        a_nodes.append(pts)
        a_links.extend((first + s, first + s + 1, "primary", A_ROAD_KPH, name) for s in range(n_seg))
    a_pts = np.concatenate(a_nodes)
    d_near, j_near = tree.query(a_pts)
    nodes = np.concatenate([nodes, a_pts])
    places_of = np.concatenate([places_of, -np.ones(len(a_pts), dtype=int)])
    uf_all = _Components(len(nodes))
    uf_all.parent[: len(uf.parent)] = uf.parent
    for i, (d, j) in enumerate(zip(d_near, j_near, strict=True)):
        if d <= 400.0:
            a_links.append((start + i, int(j), "tertiary", LINK_KPH, ""))
    links.extend(a_links)
    for a, b, *_ in a_links:
        uf_all.union(a, b)
    _connect(nodes, np.arange(len(nodes)), uf_all, links, ("secondary", LINK_KPH))
    return RoadNetwork(nodes=nodes, node_place=places_of, links=tuple(links))


def zone_for(character: str, rng: np.random.Generator) -> IntensityZone:
    """The intensity-of-use zone a place of this character gets (parks are medium or low)."""
    if character == TOWN_CENTRE:
        return IntensityZone.HIGH
    if character == ESTATE:
        return IntensityZone.MEDIUM
    if character == PARK:
        return IntensityZone.MEDIUM if rng.random() < 0.5 else IntensityZone.LOW
    if character == INDUSTRIAL:
        return IntensityZone.LOW
    return IntensityZone.VERY_LOW


def nearest_node(network: RoadNetwork, x: float, y: float, only: np.ndarray | None = None) -> int:
    """Index of the road node nearest to (x, y), optionally among some nodes only."""
    idx = np.arange(len(network.nodes)) if only is None else only
    d = np.hypot(network.nodes[idx, 0] - x, network.nodes[idx, 1] - y)
    return int(idx[int(np.argmin(d))])


def point(network: RoadNetwork, i: int) -> Point:
    return Point(float(network.nodes[i, 0]), float(network.nodes[i, 1]))
