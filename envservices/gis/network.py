"""The road network and the travel matrix the planner needs: seconds and metres between every pair of stops.

Road links are cut into a graph at their ends and wherever two links share a vertex (OpenStreetMap ways meet
at shared nodes, not only at their ends), with endpoints within ``snap_m`` merged so small digitising gaps do
not break the network. Each stop is snapped to its nearest node (in the largest strongly connected part of
the network by default, so every pair is reachable) and the straight snap distance is added at a slow
access speed. Dijkstra runs once per distinct snapped node, in chunks, so ~2,000 stops on a ~20,000-link
network take a few seconds; results are cached by the network's content hash and the stops.

Pairs the network cannot join get a straight-line estimate (distance x circuity at a fallback speed) and are
flagged in ``TravelMatrix.fallback``, so the plan can say where its travel times are guesses.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from envservices.domain.model import RoadLink
from envservices.errors import UserError

__all__ = [
    "DEFAULT_CIRCUITY",
    "RoadBlocks",
    "RoadNetwork",
    "TravelMatrix",
    "clear_memory_cache",
    "largest_component",
    "straight_line_matrix",
]

DEFAULT_CIRCUITY = 1.3  # typical ratio of road distance to straight-line distance in English towns
DEFAULT_ACCESS_SPEED_KPH = 8.0  # from the road to the stop: walking, or a vehicle creeping along a verge
DEFAULT_FALLBACK_SPEED_KPH = 25.0
_MIN_EDGE_S = 1e-3  # csgraph drops zero weights; a 1 ms floor keeps very short edges as edges
_CHUNK_CELLS = 4_000_000
_ROWS_PER_PASS = 128  # Dijkstra sources per scipy call, so other threads get the interpreter lock (see _compute)
_LENGTH_SLOTS = float(2**26)  # decimetres per packed weight unit: routes up to 6,700 km
_EXACT_FLOAT = float(2**53)  # rows x nodes per Dijkstra chunk: bounds memory to some 100 MB


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Whole seconds and metres from row stop to column stop; unpacks as ``duration_s, distance_m``.

    ``fallback[i, j]`` is True where the value is a straight-line estimate because the network does not
    join the two stops; ``snap_m[i]`` is how far stop i lies from the network node it was joined to.
    """

    duration_s: np.ndarray
    distance_m: np.ndarray
    fallback: np.ndarray
    snap_m: np.ndarray
    source: str = "road network"

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.duration_s
        yield self.distance_m

    @property
    def fallback_pairs(self) -> int:
        return int(self.fallback.sum())

    @property
    def nbytes(self) -> int:
        return int(
            self.duration_s.nbytes + self.distance_m.nbytes + self.fallback.nbytes + self.snap_m.nbytes
        )


def _as_points(points: Sequence[tuple[float, float]] | np.ndarray) -> np.ndarray:
    xy = np.asarray(points, dtype=float)
    if xy.size == 0:
        return xy.reshape(0, 2)
    if xy.ndim != 2 or xy.shape[1] != 2 or not np.isfinite(xy).all():
        raise UserError(
            "Travel times need a list of (easting, northing) pairs in metres, all of them numbers."
        )
    return xy


def straight_line_matrix(
    points: Sequence[tuple[float, float]] | np.ndarray,
    speed_kph: float = DEFAULT_FALLBACK_SPEED_KPH,
    circuity: float = DEFAULT_CIRCUITY,
) -> TravelMatrix:
    """Straight-line distance times circuity at a steady speed: the estimate when there is no road network."""
    if speed_kph <= 0:
        raise UserError(f"The fallback speed must be above 0 km/h, not {speed_kph}.")
    xy = _as_points(points)
    distance = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * circuity
    duration = distance / (speed_kph / 3.6)
    fallback = np.ones(distance.shape, dtype=bool)
    np.fill_diagonal(fallback, False)
    return TravelMatrix(
        duration_s=np.rint(duration).astype(np.int64),
        distance_m=np.rint(distance).astype(np.int64),
        fallback=fallback,
        snap_m=np.zeros(len(xy)),
        source=f"straight line x {circuity:g} at {speed_kph:g} km/h",
    )


class _LRU:
    """Travel matrices by key, dropping the least recently used beyond a memory budget."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, TravelMatrix] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> TravelMatrix | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, value: TravelMatrix) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > 1 and sum(v.nbytes for v in self._items.values()) > self.max_bytes:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_MEMORY = _LRU()


def clear_memory_cache() -> None:
    _MEMORY.clear()


class RoadNetwork:
    """A directed graph of road links; build with ``from_links``. Treat as immutable."""

    def __init__(
        self,
        links: tuple[RoadLink, ...],
        node_xy: np.ndarray,
        edge_from: np.ndarray,
        edge_to: np.ndarray,
        edge_time_s: np.ndarray,
        edge_length_m: np.ndarray,
        edge_link: np.ndarray,
        key: str,
    ) -> None:
        self.links = links
        self.node_xy = node_xy
        self.edge_from = edge_from
        self.edge_to = edge_to
        self.edge_time_s = edge_time_s
        self.edge_length_m = edge_length_m
        self.edge_link = edge_link
        self.key = key
        n = len(node_xy)
        self.graph: csr_matrix = coo_matrix((edge_time_s, (edge_from, edge_to)), shape=(n, n)).tocsr()
        self._edge_keys = edge_from.astype(np.int64) * max(n, 1) + edge_to
        order = np.argsort(self._edge_keys)
        self._edge_keys = self._edge_keys[order]
        self._edge_key_length = edge_length_m[order]
        self._components: np.ndarray | None = None
        self._packed: csr_matrix | None = None
        self._trees: dict[bool, tuple[cKDTree, np.ndarray]] = {}

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_from)

    @classmethod
    def from_links(cls, links: Sequence[RoadLink], *, snap_m: float = 1.0) -> RoadNetwork:
        """Build the graph; link ends closer than ``snap_m`` become one junction."""
        links = tuple(links)
        if not links:
            raise UserError(
                "There is no road network: import roads (e.g. from an OpenStreetMap extract) first."
            )
        parts = [list(getattr(link.geometry, "geoms", [link.geometry])) for link in links]
        geoms = [g for group in parts for g in group]
        part_link = np.repeat(np.arange(len(links)), [len(group) for group in parts])
        coords, part_of_vertex = shapely.get_coordinates(geoms, return_index=True)
        link_of_vertex = part_link[part_of_vertex]

        # A vertex is a junction candidate if it ends a line or is shared by two lines (or twice by one).
        _, exact_id, exact_count = np.unique(
            np.round(coords, 2), axis=0, return_inverse=True, return_counts=True
        )
        exact_id = exact_id.ravel()
        first = np.r_[True, part_of_vertex[1:] != part_of_vertex[:-1]]
        last = np.r_[part_of_vertex[1:] != part_of_vertex[:-1], True]
        is_node = first | last | (exact_count[exact_id] > 1)

        # Merge junction candidates within snap_m (by exact id first, then by distance).
        cand_exact = np.unique(exact_id[is_node])
        cand_xy = np.zeros((len(cand_exact), 2))
        cand_xy_idx = np.flatnonzero(is_node)
        cand_index = np.searchsorted(cand_exact, exact_id[cand_xy_idx])
        cand_xy[cand_index] = coords[cand_xy_idx]
        pairs = (
            cKDTree(cand_xy).query_pairs(snap_m, output_type="ndarray") if snap_m > 0 else np.empty((0, 2))
        )
        adjacency = (
            coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(cand_xy), len(cand_xy)))
            if len(pairs)
            else coo_matrix((len(cand_xy), len(cand_xy)))
        )
        _, cluster = connected_components(adjacency, directed=False)
        counts = np.bincount(cluster)
        node_xy = np.zeros((len(counts), 2))
        np.add.at(node_xy, cluster, cand_xy)
        node_xy /= counts[:, None]

        vertex_node = np.full(len(coords), -1, dtype=np.int64)
        vertex_node[cand_xy_idx] = cluster[cand_index]

        # Length along each line to every vertex, then an edge between consecutive junctions of a line.
        step = np.hypot(*np.diff(coords, axis=0).T)
        step = np.r_[0.0, step]
        step[first] = 0.0
        along = np.cumsum(step)
        node_pos = np.flatnonzero(is_node)
        same_part = part_of_vertex[node_pos[1:]] == part_of_vertex[node_pos[:-1]]
        a_pos, b_pos = node_pos[:-1][same_part], node_pos[1:][same_part]
        u, v = vertex_node[a_pos], vertex_node[b_pos]
        length = along[b_pos] - along[a_pos]
        link_idx = link_of_vertex[a_pos]
        keep = u != v
        u, v, length, link_idx = u[keep], v[keep], length[keep], link_idx[keep]

        speed_ms = np.array([max(link.speed_kph, 1.0) for link in links]) / 3.6
        oneway = np.array([link.oneway for link in links], dtype=bool)
        time = np.maximum(length / speed_ms[link_idx], _MIN_EDGE_S)
        back = ~oneway[link_idx]
        e_from = np.r_[u, v[back]]
        e_to = np.r_[v, u[back]]
        e_time = np.r_[time, time[back]]
        e_len = np.r_[length, length[back]]
        e_link = np.r_[link_idx, link_idx[back]]
        # Keep the fastest of parallel edges (dual carriageway pieces, duplicated links).
        n = len(node_xy)
        order = np.lexsort((e_time, e_from.astype(np.int64) * n + e_to))
        sorted_keys = (e_from.astype(np.int64) * n + e_to)[order]
        unique = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        pick = order[unique]
        return cls(
            links=links,
            node_xy=node_xy,
            edge_from=e_from[pick],
            edge_to=e_to[pick],
            edge_time_s=e_time[pick],
            edge_length_m=e_len[pick],
            edge_link=e_link[pick],
            key=network_key(links, snap_m),
        )

    # Components -------------------------------------------------------------------------------------

    def components(self) -> np.ndarray:
        """Strongly connected component of each node: within one, every node reaches every other."""
        if self._components is None:
            _, self._components = connected_components(self.graph, directed=True, connection="strong")
        return self._components

    def largest_component_nodes(self) -> np.ndarray:
        labels = self.components()
        return np.flatnonzero(labels == np.bincount(labels).argmax())

    def largest_component(self) -> RoadNetwork:
        """The same network without the pieces cut off from its main part (private yards, one-way traps)."""
        return RoadNetwork.from_links(largest_component(self.links))

    # Travel -----------------------------------------------------------------------------------------

    def snap(
        self, points: Sequence[tuple[float, float]] | np.ndarray, *, largest_only: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point and the straight distance to it in metres."""
        xy = _as_points(points)
        if largest_only not in self._trees:
            nodes = self.largest_component_nodes() if largest_only else np.arange(self.n_nodes)
            self._trees[largest_only] = (cKDTree(self.node_xy[nodes]), nodes)
        tree, nodes = self._trees[largest_only]
        distance, nearest = tree.query(xy)
        return nodes[nearest], np.asarray(distance, dtype=float)

    def travel_matrix(
        self,
        points: Sequence[tuple[float, float]] | np.ndarray,
        *,
        access_speed_kph: float = DEFAULT_ACCESS_SPEED_KPH,
        fallback_speed_kph: float = DEFAULT_FALLBACK_SPEED_KPH,
        circuity: float = DEFAULT_CIRCUITY,
        largest_only: bool = True,
        cache: bool = True,
        disk_cache: bool | Path = False,
    ) -> TravelMatrix:
        """Seconds and metres between every pair of points (EPSG:27700), by the fastest route.

        Distance is the length of the fastest route, not the shortest one, so the two stay consistent.
        ``disk_cache`` True keeps results in the user cache folder; a Path keeps them there instead.
        """
        xy = _as_points(points)
        if access_speed_kph <= 0 or fallback_speed_kph <= 0:
            raise UserError("Access and fallback speeds must be above 0 km/h.")
        params = struct.pack("<dddd?", access_speed_kph, fallback_speed_kph, circuity, 0.0, largest_only)
        cache_key = hashlib.sha256(self.key.encode() + params + np.round(xy, 2).tobytes()).hexdigest()[:32]
        if cache:
            hit = _MEMORY.get(cache_key)
            if hit is not None:
                return hit
        folder = _disk_folder(disk_cache)
        if folder is not None:
            hit = _load(folder / f"{cache_key}.npz")
            if hit is not None:
                if cache:
                    _MEMORY.put(cache_key, hit)
                return hit
        result = self._compute(xy, access_speed_kph, fallback_speed_kph, circuity, largest_only)
        if cache:
            _MEMORY.put(cache_key, result)
        if folder is not None:
            _save(folder / f"{cache_key}.npz", result)
        return result

    def _compute(
        self,
        xy: np.ndarray,
        access_speed_kph: float,
        fallback_speed_kph: float,
        circuity: float,
        largest_only: bool,
    ) -> TravelMatrix:
        n = len(xy)
        if n == 0:
            empty = np.zeros((0, 0), dtype=np.int64)
            return TravelMatrix(empty, empty.copy(), np.zeros((0, 0), dtype=bool), np.zeros(0))
        node, snap_m = self.snap(xy, largest_only=largest_only)
        sources, inverse = np.unique(node, return_inverse=True)
        k = len(sources)
        time_kk = np.empty((k, k))
        dist_kk = np.empty((k, k))
        # Rows per Dijkstra call: bounded by memory, and by _ROWS_PER_PASS because scipy's Dijkstra holds
        # Python's interpreter lock while it runs: one call over the demo's 1,900 task locations froze the
        # desktop's GUI thread for 190 ms while a worker prepared the week; 128 rows give it back every ~15 ms.
        chunk = max(1, min(_ROWS_PER_PASS, _CHUNK_CELLS // max(self.n_nodes, 1)))
        for start in range(0, k, chunk):
            rows = sources[start : start + chunk]
            time, along = self._fastest_routes(rows, sources)
            time_kk[start : start + len(rows)] = time
            dist_kk[start : start + len(rows)] = along
        network_s = time_kk[np.ix_(inverse, inverse)]
        network_m = dist_kk[np.ix_(inverse, inverse)]
        access_ms = access_speed_kph / 3.6
        duration = network_s + (snap_m[:, None] + snap_m[None, :]) / access_ms
        distance = network_m + snap_m[:, None] + snap_m[None, :]
        fallback = ~np.isfinite(network_s)
        if fallback.any():
            straight = straight_line_matrix(xy, fallback_speed_kph, circuity)
            duration[fallback] = straight.duration_s[fallback]
            distance[fallback] = straight.distance_m[fallback]
        np.fill_diagonal(duration, 0.0)
        np.fill_diagonal(distance, 0.0)
        np.fill_diagonal(fallback, False)
        return TravelMatrix(
            duration_s=np.rint(duration).astype(np.int64),
            distance_m=np.rint(distance).astype(np.int64),
            fallback=fallback,
            snap_m=snap_m,
            source=f"road network {self.key[:12]}",
        )

    def travel_blocks(
        self,
        points: Sequence[tuple[float, float]] | np.ndarray,
        *,
        access_speed_kph: float = DEFAULT_ACCESS_SPEED_KPH,
        fallback_speed_kph: float = DEFAULT_FALLBACK_SPEED_KPH,
        circuity: float = DEFAULT_CIRCUITY,
        largest_only: bool = True,
    ) -> RoadBlocks:
        """Travel between some of the points only, computed when asked (a county has too many pairs)."""
        if access_speed_kph <= 0 or fallback_speed_kph <= 0:
            raise UserError("Access and fallback speeds must be above 0 km/h.")
        return RoadBlocks(self, _as_points(points), access_speed_kph, fallback_speed_kph, circuity,
                          largest_only)

    def _fastest_routes(self, rows: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and metres of the fastest route from each row node to each target node.

        One Dijkstra pass over an exact integer weight (milliseconds x 2^26 + decimetres) yields both the
        fastest time and the length of that route; routes too long for exact float sums (over ~37 hours)
        fall back to following the predecessor tree.
        """
        weighted = self._packed_graph()
        packed = dijkstra(weighted, directed=True, indices=rows)[:, targets]
        finite = np.isfinite(packed)
        if not finite.any() or packed[finite].max() < _EXACT_FLOAT:
            time_ms = np.floor(packed / _LENGTH_SLOTS)
            length_dm = np.where(finite, packed - np.where(finite, time_ms, 0.0) * _LENGTH_SLOTS, np.inf)
            return time_ms / 1000.0, length_dm / 10.0
        time, pred = dijkstra(self.graph, directed=True, indices=rows, return_predecessors=True)
        return time[:, targets], self._route_lengths(pred)[:, targets]

    def _packed_graph(self) -> csr_matrix:
        if self._packed is None:
            time_ms = np.maximum(np.rint(self.edge_time_s * 1000.0), 1.0)
            length_dm = np.minimum(np.rint(self.edge_length_m * 10.0), _LENGTH_SLOTS - 1)
            n = self.n_nodes
            self._packed = coo_matrix(
                (time_ms * _LENGTH_SLOTS + length_dm, (self.edge_from, self.edge_to)), shape=(n, n)
            ).tocsr()
        return self._packed

    def _route_lengths(self, pred: np.ndarray) -> np.ndarray:
        """Metres along each shortest-path tree, by pointer jumping (log of the tree depth numpy passes)."""
        rows, n = pred.shape
        flat_pred = pred.ravel()
        has = flat_pred >= 0
        child = np.tile(np.arange(n, dtype=np.int64), rows)
        acc = np.zeros(rows * n)
        found = np.searchsorted(self._edge_keys, flat_pred[has].astype(np.int64) * max(n, 1) + child[has])
        acc[has] = self._edge_key_length[found]
        offset = np.repeat(np.arange(rows, dtype=np.int64) * n, n)
        anc = np.where(has, flat_pred + offset, -1)
        active = np.flatnonzero(anc >= 0)
        while len(active):
            up = anc[active]
            acc[active] += acc[up]
            anc[active] = anc[up]
            active = active[anc[active] >= 0]
        return acc.reshape(rows, n)


class RoadBlocks:
    """Seconds and metres between chosen rows and columns of the points, the same figures `travel_matrix`
    gives for those pairs (whole seconds and metres, int32), with Dijkstra run only from the rows' nodes.

    Why: `travel_matrix` holds every pair in several float64 arrays; the demo at scale 16 (about 16,000
    stops) peaked at 17.1 GB. A depot's stops, or the legs of a plan, are a small part of that.
    """

    def __init__(self, network: RoadNetwork, xy: np.ndarray, access_speed_kph: float, fallback_speed_kph: float,
                 circuity: float, largest_only: bool) -> None:
        self.network, self.xy = network, xy
        self.access_ms = access_speed_kph / 3.6
        self.fallback_ms = fallback_speed_kph / 3.6
        self.circuity = circuity
        if len(xy):
            self.node, self.snap_m = network.snap(xy, largest_only=largest_only)
        else:
            self.node, self.snap_m = np.zeros(0, dtype=np.int64), np.zeros(0)
        self.source = f"road network {network.key[:12]}"

    def block(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        duration = np.zeros((len(rows), len(cols)), dtype=np.int32)
        distance = np.zeros((len(rows), len(cols)), dtype=np.int32)
        if not len(rows) or not len(cols):
            return duration, distance
        sources, src_of_row = np.unique(self.node[rows], return_inverse=True)
        targets, dst_of_col = np.unique(self.node[cols], return_inverse=True)
        src_of_row, dst_of_col = src_of_row.ravel(), dst_of_col.ravel()
        order = np.argsort(src_of_row, kind="stable")
        bounds = np.searchsorted(src_of_row[order], np.arange(len(sources) + 1))
        chunk = max(1, min(_ROWS_PER_PASS, _CHUNK_CELLS // max(self.network.n_nodes, 1)))
        snap_cols = self.snap_m[cols]
        for start in range(0, len(sources), chunk):
            stop = min(start + chunk, len(sources))
            time, along = self.network._fastest_routes(sources[start:stop], targets)
            sel = order[bounds[start]:bounds[stop]]
            here = src_of_row[sel] - start
            snap = self.snap_m[rows[sel]][:, None] + snap_cols[None, :]
            seconds = time[here][:, dst_of_col] + snap / self.access_ms
            metres = along[here][:, dst_of_col] + snap
            lost = ~np.isfinite(seconds)
            if lost.any():
                a, b = self.xy[rows[sel]], self.xy[cols]
                straight = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]) * self.circuity
                metres[lost] = straight[lost]
                seconds[lost] = straight[lost] / self.fallback_ms
            same = rows[sel][:, None] == cols[None, :]
            seconds[same] = 0.0
            metres[same] = 0.0
            duration[sel] = np.rint(seconds)
            distance[sel] = np.rint(metres)
        return duration, distance


def network_key(links: Sequence[RoadLink], snap_m: float = 1.0) -> str:
    """A content hash of the links (geometry to the cm, speed, one-way), independent of ids and order."""
    digests = []
    for link in links:
        h = hashlib.sha256()
        h.update(np.round(shapely.get_coordinates(link.geometry), 2).tobytes())
        h.update(struct.pack("<d?", float(link.speed_kph), bool(link.oneway)))
        digests.append(h.digest())
    total = hashlib.sha256(struct.pack("<d", snap_m))
    for digest in sorted(digests):
        total.update(digest)
    return total.hexdigest()


def largest_component(links: Sequence[RoadLink]) -> list[RoadLink]:
    """The links of the largest strongly connected part: from any junction in it you can reach any other."""
    network = RoadNetwork.from_links(links)
    labels = network.components()
    main = labels == np.bincount(labels).argmax()
    inside = main[network.edge_from] & main[network.edge_to]
    keep = np.zeros(len(network.links), dtype=bool)
    outside = np.zeros(len(network.links), dtype=bool)
    np.logical_or.at(keep, network.edge_link, inside)
    np.logical_or.at(outside, network.edge_link, ~inside)
    return [link for link, k, o in zip(network.links, keep, outside, strict=True) if k and not o]


def _disk_folder(disk_cache: bool | Path) -> Path | None:
    if disk_cache is False:
        return None
    if disk_cache is True:
        from platformdirs import user_cache_dir

        folder = Path(user_cache_dir("envservices")) / "travel"
    else:
        folder = Path(disk_cache)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _load(path: Path) -> TravelMatrix | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return TravelMatrix(
                duration_s=data["duration_s"],
                distance_m=data["distance_m"],
                fallback=data["fallback"],
                snap_m=data["snap_m"],
                source=str(data["source"]),
            )
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache file is recomputed, never trusted


def _save(path: Path, result: TravelMatrix) -> None:
    temporary = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        temporary,
        duration_s=result.duration_s,
        distance_m=result.distance_m,
        fallback=result.fallback,
        snap_m=result.snap_m,
        source=np.array(result.source),
    )
    temporary.replace(path)
