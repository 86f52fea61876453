"""Shared helpers for the UI tests: a hand-made district for the map alone, a demo database, and screenshots."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from shapely.geometry import LineString, Point, box  # noqa: E402

from envservices.domain import (  # noqa: E402
    Area, AreaKind, Asset, AssetKind, IntensityZone, Place, Regime, RoadLink, Site, SiteKind,
)

SCREENSHOTS = Path(__file__).resolve().parent / "_screenshots"
ORIGIN_X, ORIGIN_Y = 395_000.0, 268_000.0  # near Bromsgrove, in BNG metres


@dataclass(frozen=True)
class GridDistrict:
    """Same fields as services.district.MapData, so the map can draw it without a database."""

    areas: tuple
    places: tuple
    assets: tuple
    sites: tuple
    roads: tuple


def grid_district(columns: int = 4, rows: int = 3, bins_per_place: int = 4, seed: int = 1,
                  place_m: float = 400.0) -> GridDistrict:
    """Places on a grid with bins, grass, streets and a depot: small, exact, known positions."""
    rng = np.random.default_rng(seed)
    areas = (Area("area-rota", "Rota district", Regime.ROTA, AreaKind.DISTRICT),
             Area("area-trial", "Trial area", Regime.NEEDS, AreaKind.TRIAL, trial_start=dt.date(2026, 4, 1)))
    places, assets, roads = [], [], []
    kinds = (AssetKind.LITTER_BIN, AssetKind.DOG_BIN, AssetKind.RECYCLING_BIN)
    for r in range(rows):
        for c in range(columns):
            x0, y0 = ORIGIN_X + c * place_m, ORIGIN_Y + r * place_m
            pid = f"place-{r}-{c}"
            area = areas[1] if c >= columns // 2 else areas[0]
            places.append(Place(pid, f"Place {r}{c}", area.id, box(x0 + 10, y0 + 10, x0 + place_m - 10,
                                                                   y0 + place_m - 10),
                                character="estate", zone=IntensityZone.MEDIUM))
            for b in range(bins_per_place):
                bx, by = x0 + 40 + rng.random() * (place_m - 80), y0 + 40 + rng.random() * (place_m - 80)
                kind = kinds[b % 3]
                assets.append(Asset(f"bin-{r}-{c}-{b}", kind, Point(bx, by), pid, name=f"{kind.label} {r}{c}{b}",
                                    capacity_l=120.0))
            assets.append(Asset(f"grass-{r}-{c}", AssetKind.GRASS_AREA,
                                box(x0 + 60, y0 + 60, x0 + 160, y0 + 140), pid, name=f"Green {r}{c}"))
            assets.append(Asset(f"street-{r}-{c}", AssetKind.STREET_LENGTH,
                                LineString([(x0 + 20, y0 + place_m / 2), (x0 + place_m - 20, y0 + place_m / 2)]),
                                pid, name=f"Street {r}{c}", zone=IntensityZone.MEDIUM))
            assets.append(Asset(f"verge-{r}-{c}", AssetKind.VERGE,
                                LineString([(x0 + place_m / 2, y0 + 20), (x0 + place_m / 2, y0 + place_m - 20)]),
                                pid, name=f"Verge {r}{c}"))
    for r in range(rows + 1):
        y = ORIGIN_Y + r * place_m
        roads.append(RoadLink(f"road-h{r}", LineString([(ORIGIN_X, y), (ORIGIN_X + columns * place_m, y)]),
                              name=f"Road {r}", highway="primary" if r == 0 else "residential"))
    for c in range(columns + 1):
        x = ORIGIN_X + c * place_m
        roads.append(RoadLink(f"road-v{c}", LineString([(x, ORIGIN_Y), (x, ORIGIN_Y + rows * place_m)]),
                              name=f"Lane {c}"))
    sites = (Site("depot-1", SiteKind.DEPOT, "Depot", Point(ORIGIN_X - 100, ORIGIN_Y - 100)),
             Site("tip-1", SiteKind.TIP, "Tip", Point(ORIGIN_X + columns * place_m + 100, ORIGIN_Y - 100)))
    return GridDistrict(areas, tuple(places), tuple(assets), sites, tuple(roads))


def save_screenshot(widget, name: str) -> Path:
    """Save a widget's picture under tests/_screenshots/ (looked at by a person; kept out of git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    out = SCREENSHOTS / f"{name}.png"
    widget.grab().save(str(out))
    return out


def is_blank(path: Path) -> bool:
    """True when a picture has (almost) one colour only."""
    from PySide6.QtGui import QImage

    img = QImage(str(path))
    if img.isNull():
        return True
    colours = set()
    for y in range(0, img.height(), max(1, img.height() // 40)):
        for x in range(0, img.width(), max(1, img.width() // 40)):
            colours.add(img.pixel(x, y))
            if len(colours) > 8:
                return False
    return True


def demo_database(tmp_path: Path, scale: float = 0.25):
    """A real database with the seeded demo district, its history ending yesterday."""
    from envservices import services

    db = services.open_db(f"sqlite:///{tmp_path / 't.sqlite'}")
    # yesterday: the demo's history runs to the end of its last day, and records made now must be the latest
    services.district.create_demo(db, seed=1, scale=scale, today=dt.date.today() - dt.timedelta(days=1))
    return db
