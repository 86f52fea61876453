"""Street furniture and green space of the demo places: bins, streets, verges, grass, shrub beds, hedges.

Counts follow a place's character (bins crowd the town centre, grass fills the parks) and scale with the demo.
Every asset lies inside its place, and grass areas and shrub beds neither overlap each other nor the roads,
so a spatial join gives each asset back to the place it was made for. True rates of need (bin fill, grass
growth, litter) are kept in the asset's attributes so the needs model can be tested against the truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from envservices.demo.geography import ESTATE, INDUSTRIAL, PARK, RURAL, TOWN_CENTRE, _allocate
from envservices.demo.nature import litter_load_per_day
from envservices.domain.model import Asset, AssetKind, IntensityZone, Place, RoadLink

BINS_AT_SCALE_1 = 1000
GRASS_AT_SCALE_1 = 250
STREETS_AT_SCALE_1 = 115
VERGES_AT_SCALE_1 = 60
SHRUB_BEDS_AT_SCALE_1 = 40
HEDGES_AT_SCALE_1 = 25

BIN_WEIGHT = {TOWN_CENTRE: 4.0, ESTATE: 1.0, PARK: 1.3, INDUSTRIAL: 0.5, RURAL: 0.6}
GRASS_WEIGHT = {TOWN_CENTRE: 0.3, ESTATE: 1.5, PARK: 5.0, INDUSTRIAL: 0.8, RURAL: 1.2}
STREET_WEIGHT = {TOWN_CENTRE: 25.0, ESTATE: 12.0, PARK: 5.0, INDUSTRIAL: 8.0, RURAL: 8.0}
VERGE_WEIGHT = {TOWN_CENTRE: 0.0, ESTATE: 1.5, PARK: 0.5, INDUSTRIAL: 1.5, RURAL: 4.0}
SHRUB_WEIGHT = {TOWN_CENTRE: 3.0, ESTATE: 1.5, PARK: 2.0, INDUSTRIAL: 1.0, RURAL: 0.0}
HEDGE_WEIGHT = {TOWN_CENTRE: 0.0, ESTATE: 1.0, PARK: 2.0, INDUSTRIAL: 0.5, RURAL: 3.0}

# Share of (litter, dog, recycling-on-the-go) bins by character.
BIN_KIND_SHARE = {
    TOWN_CENTRE: (0.85, 0.0, 0.15),
    ESTATE: (0.65, 0.35, 0.0),
    PARK: (0.4, 0.6, 0.0),
    INDUSTRIAL: (0.9, 0.1, 0.0),
    RURAL: (0.4, 0.6, 0.0),
}
# Median fill rate (% of a 110 l bin per day) of litter and dog bins by character.
LITTER_BIN_RATE = {TOWN_CENTRE: 22.0, ESTATE: 9.0, PARK: 12.0, INDUSTRIAL: 7.0, RURAL: 5.0}
DOG_BIN_RATE = {TOWN_CENTRE: 10.0, ESTATE: 10.0, PARK: 14.0, INDUSTRIAL: 6.0, RURAL: 8.0}
RECYCLING_BIN_RATE = 12.0
# Grass area sizes (m2) are log-uniform between these, by character: most amenity grass is a verge-side strip,
# a green on an estate or a lawn in a park of 500-3,000 m2, so two or three mowing crews can cut it all each
# fortnight, as a real grounds service does.
GRASS_SIZE_M2 = {
    TOWN_CENTRE: (200, 1200),
    ESTATE: (250, 2000),
    PARK: (500, 3000),
    INDUSTRIAL: (300, 2000),
    RURAL: (300, 2500),
}
BIG_PARK_SHARE = 0.05
"""Share of a park's grass areas that are playing fields or open parkland instead, of BIG_PARK_M2."""
BIG_PARK_M2 = (8000, 18000)
# A street length is the stretch of footway and channel cleansed and graded as one (the Code of Practice's
# survey transects are 50 m): short in the town centre, longer on the quiet lanes of the rural edge.
STREET_STRETCH_M = {
    IntensityZone.HIGH: (40.0, 90.0),
    IntensityZone.MEDIUM: (50.0, 110.0),
    IntensityZone.LOW: (60.0, 140.0),
    IntensityZone.VERY_LOW: (80.0, 200.0),
}
RIDE_ON_FROM_M2 = 400.0
"""Grass areas at least this big are cut with a ride-on mower, smaller ones (pocket greens, banks) with a
pedestrian mower, which now has its own rate (750 m2/h against 3,000): at 1,500 m2 the demo's 186 pedestrian
sites asked for 119 % of its mowing crews' week."""


@dataclass
class _Counter:
    """Readable sequential ids per prefix, so the same seed gives the same ids."""

    counts: dict[str, int]

    def next(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return f"{prefix}-{self.counts[prefix]:05d}"


def _shift_zone(zone: IntensityZone, steps: int) -> IntensityZone:
    order = list(IntensityZone)
    return order[min(max(order.index(zone) + steps, 0), len(order) - 1)]


def _street_zone(place: Place, rng: np.random.Generator) -> IntensityZone:
    """Most streets share their place's zone; a shopping parade is busier, a back lane quieter."""
    r = rng.random()
    if r < 0.15:
        return _shift_zone(place.zone, -1)
    if r < 0.3:
        return _shift_zone(place.zone, 1)
    return place.zone


def _random_point(poly: BaseGeometry, rng: np.random.Generator) -> tuple[float, float]:
    minx, miny, maxx, maxy = poly.bounds
    for _ in range(1000):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(poly, x, y):
            return x, y
    rp = poly.representative_point()
    return rp.x, rp.y


def _blob(cx: float, cy: float, area_m2: float, rng: np.random.Generator) -> Polygon:
    """A rotated rectangle or a rounded, irregular patch of about the given area."""
    theta = rng.uniform(0, math.pi)
    aspect = rng.uniform(1.0, 2.5)
    if rng.random() < 0.5:
        w = math.sqrt(area_m2 * aspect)
        h = area_m2 / w
        corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    else:
        angles = np.linspace(0, 2 * math.pi, 12, endpoint=False)
        r = rng.uniform(0.85, 1.15, len(angles))
        a = math.sqrt(area_m2 * aspect / math.pi)
        b = area_m2 / (math.pi * a)
        corners = np.column_stack([a * r * np.cos(angles), b * r * np.sin(angles)])
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    xy = corners @ rot.T + [cx, cy]
    return Polygon(xy)


class PlaceFurnisher:
    """Puts assets into one place, keeping polygons apart from each other and from the roads."""

    def __init__(self, place: Place, links: list[LineString], rng: np.random.Generator) -> None:
        self.place = place
        self.poly = place.geometry
        shapely.prepare(self.poly)
        self.links = links
        self.link_tree = shapely.STRtree(links) if links else None
        self.lengths = np.array([ln.length for ln in links]) if links else np.zeros(0)
        self.rng = rng
        self.polygons: list[Polygon] = []

    def _roadside_point(self, offset_m: float) -> Point:
        """A point beside a street of this place (bins stand on footways), else anywhere inside it."""
        rng = self.rng
        if len(self.links):
            for _ in range(20):
                ln = self.links[int(rng.choice(len(self.links), p=self.lengths / self.lengths.sum()))]
                t = rng.uniform(0.1, 0.9) * ln.length
                p0, p1 = ln.interpolate(t), ln.interpolate(min(t + 1.0, ln.length))
                dx, dy = p1.x - p0.x, p1.y - p0.y
                norm = math.hypot(dx, dy) or 1.0
                side = 1 if rng.random() < 0.5 else -1
                x, y = p0.x - side * dy / norm * offset_m, p0.y + side * dx / norm * offset_m
                if shapely.contains_xy(self.poly, x, y):
                    return Point(x, y)
        return Point(*_random_point(self.poly, rng))

    def _free(self, shape: Polygon) -> bool:
        if not shape.is_valid or not self.poly.contains(shape):
            return False
        if self.link_tree is not None and len(
            self.link_tree.query(shape.buffer(3.0), predicate="intersects")
        ):
            return False
        box = shape.envelope.buffer(10.0)
        return not any(shape.distance(p) < 5.0 for p in self.polygons if p.envelope.intersects(box))

    def patch(self, area_m2: float, min_m2: float) -> Polygon | None:
        """A free patch of grass or shrub bed near the wanted area (shrinking it when nothing fits)."""
        rng = self.rng
        for attempt in range(60):
            x, y = _random_point(self.poly, rng)
            shape = _blob(x, y, area_m2, rng)
            if self._free(shape):
                self.polygons.append(shape)
                return shape
            if attempt % 4 == 3:
                area_m2 = max(min_m2, area_m2 * 0.75)
        return None

    def line_beside(
        self, offset_m: float, min_len_m: float, part: tuple[float, float] = (0.0, 1.0)
    ) -> LineString | None:
        """A line running alongside a street (a verge or hedge), inside the place."""
        rng = self.rng
        if not self.links:
            return None
        for _ in range(30):
            ln = self.links[int(rng.integers(len(self.links)))]
            if part != (0.0, 1.0):
                a = rng.uniform(0.0, part[0])
                b = rng.uniform(part[1], 1.0)
                ln = substring(ln, a, b, normalized=True)
            side = offset_m if rng.random() < 0.5 else -offset_m
            line = ln.offset_curve(side)
            if line.geom_type == "LineString" and line.length >= min_len_m and self.poly.contains(line):
                return line
        return None


def _bin_kind(character: str, rng: np.random.Generator) -> AssetKind:
    share = BIN_KIND_SHARE[character]
    return (AssetKind.LITTER_BIN, AssetKind.DOG_BIN, AssetKind.RECYCLING_BIN)[int(rng.choice(3, p=share))]


def _bin_capacity(kind: AssetKind, character: str, rng: np.random.Generator) -> float:
    if kind == AssetKind.DOG_BIN:
        return 60.0
    if kind == AssetKind.RECYCLING_BIN or character == TOWN_CENTRE:
        return float(rng.choice([120, 160, 240]))
    return float(rng.choice([60, 90, 110, 120, 160], p=[0.1, 0.3, 0.3, 0.2, 0.1]))


def _bin_rate(kind: AssetKind, character: str, capacity_l: float, rng: np.random.Generator) -> float:
    """True mean fill rate in % per day: lognormal about the character's median, slower for bigger bins."""
    median = {
        AssetKind.LITTER_BIN: LITTER_BIN_RATE[character],
        AssetKind.DOG_BIN: DOG_BIN_RATE[character],
        AssetKind.RECYCLING_BIN: RECYCLING_BIN_RATE,
    }[kind]
    rate = median * rng.lognormal(0.0, 0.45) * (110.0 / capacity_l) ** 0.6
    return round(float(np.clip(rate, 1.0, 60.0)), 2)


def build_assets(
    places: list[Place], roads: list[RoadLink], scale: float, rng: np.random.Generator
) -> list[Asset]:
    """All assets of the demo, place by place, in counts that follow character and scale."""
    ids = _Counter({})
    link_geoms = [r.geometry for r in roads]
    tree = shapely.STRtree(link_geoms)
    is_street = np.array([r.highway not in ("primary", "secondary", "tertiary") for r in roads])
    chars = [p.character for p in places]

    def total(n1: int, minimum: int = 0) -> int:
        return max(minimum, round(n1 * scale))

    bins_per = _allocate(total(BINS_AT_SCALE_1, 8), [BIN_WEIGHT[c] for c in chars])
    grass_per = _allocate(total(GRASS_AT_SCALE_1, 4), [GRASS_WEIGHT[c] for c in chars])
    streets_per = _allocate(total(STREETS_AT_SCALE_1, 8), [STREET_WEIGHT[c] for c in chars])
    verges_per = _allocate(total(VERGES_AT_SCALE_1, 2), [VERGE_WEIGHT[c] for c in chars])
    shrubs_per = _allocate(total(SHRUB_BEDS_AT_SCALE_1, 2), [SHRUB_WEIGHT[c] for c in chars])
    hedges_per = _allocate(total(HEDGES_AT_SCALE_1, 2), [HEDGE_WEIGHT[c] for c in chars])

    assets: list[Asset] = []
    for i, place in enumerate(places):
        inside = tree.query(place.geometry, predicate="contains")
        inside = sorted(int(j) for j in inside if is_street[j])
        links = [link_geoms[j] for j in inside]
        f = PlaceFurnisher(place, links, rng)
        c = place.character

        for _ in range(bins_per[i]):
            kind = _bin_kind(c, rng)
            cap = _bin_capacity(kind, c, rng)
            rate = _bin_rate(kind, c, cap, rng)
            assets.append(
                Asset(
                    ids.next("bin"),
                    kind,
                    f._roadside_point(3.0),
                    place.id,
                    name=f"{kind.label.capitalize()} {ids.counts['bin']}",
                    capacity_l=cap,
                    attributes={"true_fill_rate_pct_per_day": rate},
                )
            )

        assets.extend(_street_lengths(place, [roads[j] for j in inside], streets_per[i], ids, rng))

        for _ in range(grass_per[i]):
            lo, hi = BIG_PARK_M2 if c == PARK and rng.random() < BIG_PARK_SHARE else GRASS_SIZE_M2[c]
            shape = f.patch(float(math.exp(rng.uniform(math.log(lo), math.log(hi)))), 200.0)
            if shape is None or shape.area < 200.0:
                continue
            site = round(float(rng.uniform(0.7, 1.4)), 2)
            truth = round(float(np.clip(site * rng.lognormal(0.0, 0.08), 0.6, 1.6)), 3)
            mower = "ride_on" if shape.area >= RIDE_ON_FROM_M2 else "pedestrian"
            assets.append(
                Asset(
                    ids.next("grass"),
                    AssetKind.GRASS_AREA,
                    shape,
                    place.id,
                    name=f"{place.name} grass {ids.counts['grass']}",
                    mower=mower,
                    site_factor=site,
                    attributes={"true_growth_factor": truth},
                )
            )

        for _ in range(shrubs_per[i]):
            shape = f.patch(float(rng.uniform(20.0, 400.0)), 15.0)
            if shape is not None:
                assets.append(
                    Asset(
                        ids.next("shrub"),
                        AssetKind.SHRUB_BED,
                        shape,
                        place.id,
                        name=f"{place.name} shrub bed {ids.counts['shrub']}",
                    )
                )

        for _ in range(verges_per[i]):
            line = f.line_beside(6.0, 40.0)
            if line is not None:
                assets.append(
                    Asset(
                        ids.next("verge"),
                        AssetKind.VERGE,
                        line,
                        place.id,
                        name=f"{place.name} verge {ids.counts['verge']}",
                        mower="flail" if c == RURAL else "strimmer",
                    )
                )

        for _ in range(hedges_per[i]):
            line = f.line_beside(9.0, 25.0, part=(0.3, 0.7))
            if line is not None:
                assets.append(
                    Asset(
                        ids.next("hedge"),
                        AssetKind.HEDGE,
                        line,
                        place.id,
                        name=f"{place.name} hedge {ids.counts['hedge']}",
                    )
                )
    return assets


def _street_lengths(
    place: Place, links: list[RoadLink], n: int, ids: _Counter, rng: np.random.Generator
) -> list[Asset]:
    """n street lengths on the place's own streets: a stretch of n of them, or of every one (several apart on
    each) when n exceeds the streets."""
    if n <= 0 or not links:
        return []
    parts = 1 if n <= len(links) else math.ceil(n / len(links))
    if parts == 1:
        chosen = [(links[int(j)], 0) for j in sorted(rng.choice(len(links), n, replace=False))]
    else:
        chosen = [(ln, k) for ln in links for k in range(parts)][:n]
    out = []
    for road, k in chosen:
        zone = _street_zone(place, rng)
        lo, hi = STREET_STRETCH_M[zone]
        slot_m = road.geometry.length / parts
        stretch_m = min(float(rng.uniform(lo, hi)), slot_m)
        start_m = k * slot_m + float(rng.uniform(0.0, slot_m - stretch_m))
        geom = substring(road.geometry, start_m, start_m + stretch_m)
        label = road.name or f"{place.name} street {ids.counts.get('street', 0) + 1}"
        if parts > 1:
            label = f"{label} ({k + 1} of {parts})"
        mechanical = zone == IntensityZone.HIGH or (zone == IntensityZone.MEDIUM and rng.random() < 0.5)
        litter_rate = round(litter_load_per_day(zone) * float(rng.lognormal(0.0, 0.3)), 3)
        out.append(
            Asset(
                ids.next("street"),
                AssetKind.STREET_LENGTH,
                geom,
                place.id,
                name=label,
                zone=zone,
                sweep_method="mechanical" if mechanical else "manual",
                attributes={"true_litter_load_per_day": litter_rate},
            )
        )
    return out
