"""Travel on the loaded road network, with one network object kept per set of roads."""

from __future__ import annotations

import functools

import numpy as np

from envservices.domain.settings import Settings
from envservices.planning.problem import LazyTravel, TravelMatrix


@functools.lru_cache(maxsize=4)
def _network(roads: tuple):
    from envservices.gis.network import RoadNetwork

    return RoadNetwork.from_links(list(roads))


def network_travel(roads, settings: Settings):
    """A travel function over road shortest paths; the network is built once per set of roads."""
    network = _network(tuple(roads))

    def travel(points: list[tuple[float, float]]) -> TravelMatrix:
        duration_s, distance_m = network.travel_matrix(points)
        return TravelMatrix(duration_s=np.asarray(duration_s, dtype=np.int64),
                            distance_m=np.asarray(distance_m, dtype=np.int64),
                            source=f"road network ({len(roads)} links)")

    def lazy(points: list[tuple[float, float]]) -> LazyTravel:
        blocks = network.travel_blocks(points)
        return LazyTravel(len(points), blocks, source=f"road network ({len(roads)} links)")

    travel.lazy = lazy  # type: ignore[attr-defined]
    return travel
