"""Road network and travel matrix: times and route lengths, one-way rules, fallback, caching, speed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString

import envservices.gis.network as network_module
from envservices.domain.model import RoadLink
from envservices.errors import UserError
from envservices.gis.importer import import_osm
from envservices.gis.network import RoadNetwork, largest_component, straight_line_matrix


def link(
    link_id: str, coords: list[tuple[float, float]], speed_kph: float = 36.0, oneway: bool = False
) -> RoadLink:
    return RoadLink(link_id, LineString(coords), speed_kph=speed_kph, oneway=oneway)


# A square block 0..1000 m at 36 km/h (10 m/s), with a fast bypass along the top at 72 km/h.
SQUARE = [
    link("south", [(0, 0), (1000, 0)]),
    link("east", [(1000, 0), (1000, 1000)]),
    link("north", [(1000, 1000), (0, 1000)], speed_kph=72.0),
    link("west", [(0, 1000), (0, 0)]),
]


def test_times_and_distances_on_a_square() -> None:
    """Corner to corner takes 1000 m at 10 m/s; the fastest way round uses the quick north road."""
    network = RoadNetwork.from_links(SQUARE)
    assert network.n_nodes == 4
    duration, distance = network.travel_matrix([(0, 0), (1000, 0), (1000, 1000), (0, 1000)], cache=False)
    assert duration[0, 1] == 100 and distance[0, 1] == 1000
    # (1000,0) to (0,1000): east+north = 100 + 50 s, south+west = 200 s
    assert duration[1, 3] == 150 and distance[1, 3] == 2000
    assert (np.diag(duration) == 0).all()


def test_snap_distance_added_at_access_speed() -> None:
    """A stop 36 m off the road adds 36 m and 36 m at the access speed (3.6 km/h = 1 m/s) to each trip."""
    network = RoadNetwork.from_links(SQUARE)
    matrix = network.travel_matrix([(0, -36), (1000, 0)], access_speed_kph=3.6, cache=False)
    assert matrix.snap_m[0] == pytest.approx(36.0)
    assert matrix.duration_s[0, 1] == 100 + 36
    assert matrix.distance_m[0, 1] == 1036


def test_interior_shared_vertices_join_links() -> None:
    """Two ways crossing at a shared interior vertex (as OSM draws them) are connected there."""
    cross = [link("ew", [(0, 500), (500, 500), (1000, 500)]), link("ns", [(500, 0), (500, 500), (500, 1000)])]
    network = RoadNetwork.from_links(cross)
    duration, distance = network.travel_matrix([(0, 500), (500, 0)], cache=False)
    assert distance[0, 1] == 1000 and duration[0, 1] == 100


def test_endpoints_within_a_metre_are_snapped() -> None:
    """A 0.4 m digitising gap between link ends does not break the road."""
    gappy = [link("a", [(0, 0), (500, 0)]), link("b", [(500.4, 0), (1000, 0)])]
    network = RoadNetwork.from_links(gappy)
    assert network.n_nodes == 3
    matrix = network.travel_matrix([(0, 0), (1000, 0)], cache=False)
    assert matrix.fallback_pairs == 0 and abs(matrix.distance_m[0, 1] - 1000) <= 1


def test_oneway_respected() -> None:
    """Against a one-way street the route goes round the block."""
    links = [link("south", [(0, 0), (1000, 0)], oneway=True), *SQUARE[1:]]
    network = RoadNetwork.from_links(links)
    duration, distance = network.travel_matrix([(0, 0), (1000, 0)], cache=False)
    assert distance[0, 1] == 1000
    assert distance[1, 0] == 3000  # east, north, west
    assert duration[1, 0] == 100 + 50 + 100


def test_disconnected_pairs_fall_back_and_are_flagged() -> None:
    """Stops on two separate networks get straight line x circuity at the fallback speed, flagged."""
    links = [link("a", [(0, 0), (1000, 0)]), link("b", [(0, 5000), (1000, 5000)])]
    network = RoadNetwork.from_links(links)
    matrix = network.travel_matrix(
        [(0, 0), (1000, 0), (0, 5000)], largest_only=False, circuity=1.5, fallback_speed_kph=36.0, cache=False
    )
    assert not matrix.fallback[0, 1]
    assert matrix.fallback[0, 2] and matrix.fallback[2, 0] and matrix.fallback_pairs == 4
    assert matrix.distance_m[0, 2] == 7500 and matrix.duration_s[0, 2] == 750


def test_largest_component_drops_islands() -> None:
    """The one-way trap and the far island are left out of the largest strongly connected part."""
    island = link("island", [(5000, 5000), (5100, 5000)])
    trap = link("trap", [(1000, 0), (1500, 0)], oneway=True)
    kept = largest_component([*SQUARE, island, trap])
    assert {k.id for k in kept} == {"south", "east", "north", "west"}
    network = RoadNetwork.from_links([*SQUARE, island])
    matrix = network.travel_matrix([(0, 0), (5050, 5000)], cache=False)
    assert matrix.fallback_pairs == 0  # the island stop snaps to the main network instead
    assert matrix.snap_m[1] > 4000


def test_key_is_stable_and_content_based() -> None:
    """The key ignores ids and order but changes when a speed does."""
    renamed = [RoadLink(f"x{i}", s.geometry, speed_kph=s.speed_kph) for i, s in enumerate(reversed(SQUARE))]
    assert RoadNetwork.from_links(SQUARE).key == RoadNetwork.from_links(renamed).key
    slower = [*SQUARE[:3], link("west", [(0, 1000), (0, 0)], speed_kph=20.0)]
    assert RoadNetwork.from_links(slower).key != RoadNetwork.from_links(SQUARE).key


def test_memory_and_disk_cache(tmp_path: Path) -> None:
    """A repeated request is served from memory; a fresh process would find it on disk."""
    network = RoadNetwork.from_links(SQUARE)
    points = [(0, 0), (1000, 1000)]
    first = network.travel_matrix(points, disk_cache=tmp_path)
    assert network.travel_matrix(points) is first
    assert len(list(tmp_path.glob("*.npz"))) == 1
    network_module.clear_memory_cache()
    again = network.travel_matrix(points, disk_cache=tmp_path)
    assert again is not first
    assert (again.duration_s == first.duration_s).all() and again.source == first.source


def test_predecessor_route_lengths_agree() -> None:
    """The slow path (following predecessors) gives the same route lengths as the packed weights."""
    network = RoadNetwork.from_links(SQUARE)
    nodes = np.arange(network.n_nodes)
    packed_time, packed_len = network._fastest_routes(nodes, nodes)
    from scipy.sparse.csgraph import dijkstra

    time_s, pred = dijkstra(network.graph, directed=True, indices=nodes, return_predecessors=True)
    assert np.allclose(network._route_lengths(pred), packed_len, atol=0.1)
    assert np.allclose(time_s, packed_time, atol=0.01)


def test_straight_line_matrix() -> None:
    """The fallback matrix is distance x circuity at the given speed, all flagged but the diagonal."""
    matrix = straight_line_matrix([(0, 0), (300, 400)], speed_kph=36.0, circuity=1.2)
    assert matrix.distance_m[0, 1] == 600 and matrix.duration_s[1, 0] == 60
    assert matrix.fallback_pairs == 2


def test_empty_network_is_a_user_error() -> None:
    """No roads: a clear message, not an index error."""
    with pytest.raises(UserError, match="no road network"):
        RoadNetwork.from_links([])


def test_travel_matrix_over_osm_roads(shared_dir: Path) -> None:
    """Waste baskets of the Leeds extract get finite, plausible road times between them."""
    result = import_osm(shared_dir / "data/gis/osm_leeds_its/its-example.osm.pbf", places=[], area_id="leeds")
    network = RoadNetwork.from_links(result.roads)
    bins = [a.geometry for a in result.assets if a.kind.is_bin]
    points = [(p.x, p.y) for p in bins]
    matrix = network.travel_matrix(points, cache=False)
    assert matrix.duration_s.shape == (9, 9)
    assert matrix.fallback_pairs == 0
    straight = np.hypot(*(np.array(points)[:, None, :] - np.array(points)[None, :, :]).transpose(2, 0, 1))
    off_diagonal = ~np.eye(9, dtype=bool)
    assert (matrix.distance_m[off_diagonal] >= np.floor(straight[off_diagonal]) - 1).all()
    assert matrix.duration_s.max() < 20 * 60  # a small campus area


@pytest.mark.slow
def test_two_thousand_points_on_a_twenty_thousand_link_grid() -> None:
    """2,000 stops over ~20,000 links take seconds, and agree with a direct shortest-path check."""
    rng = np.random.default_rng(7)
    links = []
    size = 100
    for i in range(size):
        for j in range(size):
            x, y = 400_000 + i * 100, 260_000 + j * 100
            if i + 1 < size:
                links.append(
                    link(f"h{i}-{j}", [(x, y), (x + 50, y), (x + 100, y)], float(rng.choice([20, 30, 48])))
                )
            if j + 1 < size:
                links.append(link(f"v{i}-{j}", [(x, y), (x, y + 100)], 30.0))
    network = RoadNetwork.from_links(links)
    points = rng.uniform([400_000, 260_000], [409_900, 269_900], size=(2000, 2))
    matrix = network.travel_matrix(points, cache=False)  # speed is in the benchmarks, not asserted here
    assert matrix.duration_s.shape == (2000, 2000) and matrix.fallback_pairs == 0
    grid_walk = np.abs(points[:, None, :] - points[None, :, :]).sum(axis=2)
    assert (matrix.distance_m >= np.floor(grid_walk) - 2 * 100).all()  # snapping can cut at most a block
