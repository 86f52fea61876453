"""Pinned tasks into their crew-days: each crew-day's pins placed as one ordered block where they fit.

Why a block: a collection round's streets are all pinned to its crew on its day (`rounds.week.round_pins`),
so a crew-day holds 100-160 pinned tasks. Placed one at a time by exhaustive insertion, each is simulated at
every position of a growing route (cubic in the round's size): the demo at scale 1 with households spent
28.6 s on the pins of one depot (3,230 pins in 26 crew-days, a quiet machine) and the week's other work then
ran out of time. Ordered once (nearest-next from the depot, then 2-opt on the travel times) and simulated
once, the same pins took 3.8 s on a shared CPU, the 112 that did not fit tried one at a time included (144
did not fit the old way); the engine's 2-opt and the PyVRP day pass still re-order them later. A block that
does not fit keeps its longest fitting head and the rest go one at a time as before.
"""

from __future__ import annotations

import numpy as np

from envservices.planning.engine.state import Search
from envservices.planning.problem import ProblemPin


def place_pins(s: Search, pins: tuple[ProblemPin, ...] | list[ProblemPin], should_stop=None) -> None:
    """Every pinned task into its crew-day, or a reason why not; placed pins are fixed (never moved to
    another crew-day). Call after `eligibility`. `should_stop()` true stops before the next crew-day."""
    blocks: dict[int, list[int]] = {}
    for pin in pins:
        t = s.task_index.get(pin.task)
        k = s.cd_index.get((pin.crew, pin.day))
        if t is None or s.route_of[t] >= 0:
            continue
        if k is None or not s.crewdays[k].open or s.crewdays[k].locked:
            s.reason[t] = "it is pinned to a crew-day that is not worked"
            s.eligible[t] = []
            continue
        if k not in s.eligible[t]:
            s.reason[t] = (s.reason.get(t) or "it is pinned to a crew-day that cannot do it "
                           "(skill, equipment, due day or shift)")
            s.eligible[t] = []
            continue
        # a pinned task is only ever offered to its crew-day: if it does not fit now, a later move may make
        # room there, but no other crew-day may take it (that would break the pin)
        s.eligible[t] = [k]
        block = blocks.setdefault(k, [])
        if t not in block:
            block.append(t)
    for k, block in blocks.items():
        if should_stop is not None and should_stop():
            return
        rest = place_block(s, k, block)
        for t in block:
            if t not in rest:
                s.fixed[t] = True
                s.reason.pop(t, None)
        for t in rest:
            if s.insert(t, exhaustive=True):
                s.fixed[t] = True
                s.reason.pop(t, None)
            else:
                s.reason[t] = "it is pinned to a crew-day where it does not fit"


def place_block(s: Search, k: int, block: list[int]) -> list[int]:
    """Put the longest fitting head of `block`, in a short tour's order, after what crew-day k holds;
    returns the tasks not placed (to be tried one at a time)."""
    if len(block) < 2:
        return list(block)
    base = list(s.routes[k])
    order = tour(s, s.crewdays[k].depot, block)
    old_sim = s._simulate(k, base)

    def fits(n: int) -> bool:
        return n == 0 or s._simulate(k, base + order[:n]) is not None

    lo, hi = 0, len(order)  # the longest head that fits, by bisection (a shorter head of one that fits fits)
    if not fits(hi):
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fits(mid):
                lo = mid
            else:
                hi = mid
        hi = lo
    if hi == 0:
        return list(block)
    seq = base + order[:hi]
    s._set_route(k, seq, s._simulate(k, seq))  # type: ignore[arg-type]
    if not s._links_ok(seq):
        s._set_route(k, base, old_sim)  # type: ignore[arg-type]
        return list(block)
    s.refresh_dependents({k})
    return order[hi:]


def tour(s: Search, depot: int, tasks: list[int]) -> list[int]:
    """A short round trip from `depot` through `tasks` on the travel times: nearest next, then 2-opt (the
    times may differ each way, one-way streets, so a reversed stretch is costed in its new direction)."""
    # the depot (0) and the tasks (1..n) on a small int64 matrix of their own (a piece's is int32)
    where = np.array([depot] + [s.loc[t] for t in tasks], dtype=np.int64)
    d = np.asarray(s.dur_s[np.ix_(where, where)], dtype=np.int64)
    n = len(tasks)
    left = np.ones(n + 1, dtype=bool)
    left[0] = False
    order: list[int] = []  # positions 1..n in the small matrix
    here = 0
    for _ in range(n):
        row = np.where(left, d[here], np.iinfo(np.int64).max)
        here = int(np.argmin(row))
        order.append(here)
        left[here] = False
    if n < 3:
        return [tasks[j - 1] for j in order]
    for _ in range(4 * n):  # one best move a pass; from nearest-next it settles well within this
        route = np.array([0] + order + [0], dtype=np.int64)
        fwd = np.concatenate(([0], np.cumsum(d[route[:-1], route[1:]])))
        bwd = np.concatenate(([0], np.cumsum(d[route[1:], route[:-1]])))
        i = np.arange(1, n)[:, None]  # first reversed route position
        j = np.arange(2, n + 1)[None, :]  # last reversed route position
        delta = (d[route[i - 1], route[j]] + d[route[i], route[j + 1]] - d[route[i - 1], route[i]]
                 - d[route[j], route[j + 1]] + (bwd[j] - bwd[i]) - (fwd[j] - fwd[i]))
        delta = np.where(j > i, delta, 0)
        a, b = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[a, b] >= 0:
            break
        ii, jj = int(a), int(b) + 1  # order positions (route position minus one)
        order[ii:jj + 1] = order[ii:jj + 1][::-1]
    return [tasks[j - 1] for j in order]
