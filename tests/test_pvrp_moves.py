"""PVRP-IF day-pattern moves: whatever a move does, each customer keeps its visit frequency and an allowed
pattern, and the days it reports as changed are exactly those whose customer sets change."""

from __future__ import annotations

import random

import numpy as np
import pytest

from envservices.bench import pvrp
from envservices.bench import pvrp_moves as moves


def _instance(horizon: int = 4) -> pvrp.PvrpInstance:
    """Depot 0, tip 1, customers 2..25 on a line-ish map with frequencies 1, 2 and the whole horizon."""
    rng = np.random.default_rng(3)
    n = 26
    xy = rng.uniform(0, 100, size=(n, 2))
    duration = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    customers = tuple(range(2, n))
    freqs = [1, 2, horizon] if horizon == 4 else [1, 2, 3, horizon]
    frequency = {c: freqs[i % len(freqs)] for i, c in enumerate(customers)}
    frequency.update({0: 0, 1: 0})
    return pvrp.PvrpInstance(
        name="synthetic", horizon_days=horizon, vehicles=2, max_duration=10**6, capacity=10**6, depot=0,
        customers=customers, facilities=(1,), frequency=frequency, demand={v: 1 for v in range(n)},
        service={v: 0 for v in range(n)}, duration=duration)


def _random_patterns(inst: pvrp.PvrpInstance, rng: random.Random) -> dict[int, tuple[int, ...]]:
    return {c: rng.choice(inst.patterns(c)) for c in inst.customers}


def _check(inst, patterns, move):
    after, changed = moves.apply(patterns, move)
    for c in inst.customers:
        assert after[c] in inst.patterns(c)
        assert len(after[c]) == inst.frequency[c]
    members = [lambda pat, d=d: {c for c, p in pat.items() if d in p} for d in range(inst.horizon_days)]
    really = {d for d in range(inst.horizon_days) if members[d](patterns) != members[d](after)}
    assert changed >= really
    return after, changed


@pytest.mark.parametrize("horizon", [4, 6])
def test_every_move_keeps_frequencies_and_allowed_patterns(horizon):
    inst = _instance(horizon)
    rng = random.Random(1)
    patterns = _random_patterns(inst, rng)
    movable = [c for c in inst.customers if len(inst.patterns(c)) > 1]
    all_moves = (moves.single_moves(inst, patterns, movable) + moves.pair_moves(inst, patterns, movable)
                 + moves.exchange_moves(inst, patterns, movable)
                 + moves.merge_day_moves(inst, patterns)
                 + [moves.group_move(inst, patterns, movable, rng, size) for size in (2, 4, 8)])
    assert all_moves
    for move in all_moves:
        _check(inst, patterns, move)
    for ball in (False, True):
        fresh = moves.voronoi_patterns(inst, patterns, movable, rng, ball=ball)
        assert set(fresh) == set(patterns)
        assert all(fresh[c] in inst.patterns(c) for c in inst.customers)
        assert all(fresh[c] == patterns[c] for c in inst.customers if c not in movable)  # every-day ones stay


def test_single_moves_reach_every_other_pattern_once():
    inst = _instance(4)
    patterns = _random_patterns(inst, random.Random(2))
    movable = [c for c in inst.customers if len(inst.patterns(c)) > 1]
    got = sorted((m[0][0], m[0][1]) for m in moves.single_moves(inst, patterns, movable))
    want = sorted((c, p) for c in movable for p in inst.patterns(c) if p != patterns[c])
    assert got == want


def test_pair_swap_exchanges_two_customers_days():
    inst = _instance(4)
    patterns = _random_patterns(inst, random.Random(4))
    movable = [c for c in inst.customers if len(inst.patterns(c)) > 1]
    swaps = [m for m in moves.pair_moves(inst, patterns, movable) if m[0][1] == patterns[m[1][0]]
             and m[1][1] == patterns[m[0][0]] and patterns[m[0][0]] != patterns[m[1][0]]]
    assert swaps
    (a, _), (b, _) = swaps[0]
    after, _ = moves.apply(patterns, swaps[0])
    assert (after[a], after[b]) == (patterns[b], patterns[a])
    assert inst.frequency[a] == inst.frequency[b]


def test_merge_day_moves_put_all_single_visits_of_one_day_on_another():
    inst = _instance(4)
    patterns = _random_patterns(inst, random.Random(5))
    singles = {c for c in inst.customers if inst.frequency[c] == 1}
    for move in moves.merge_day_moves(inst, patterns):
        source = patterns[move[0][0]][0]
        target = move[0][1][0]
        assert source != target
        assert {c for c, _ in move} == {c for c in singles if patterns[c] == (source,)}
        after, changed = _check(inst, patterns, move)
        assert changed == {source, target}
        assert not any(after[c] == (source,) for c in singles)


def test_group_move_takes_nearest_peers_on_the_same_days():
    inst = _instance(4)
    patterns = _random_patterns(inst, random.Random(6))
    movable = [c for c in inst.customers if len(inst.patterns(c)) > 1]
    move = moves.group_move(inst, patterns, movable, random.Random(7), 3)
    first = move[0][0]
    assert len({p for _, p in move}) == 1 and move[0][1] != patterns[first]
    assert all(patterns[c] == patterns[first] for c, _ in move)
    peers = [o for o in movable if patterns[o] == patterns[first] and o != first]
    assert [c for c, _ in move[1:]] == moves.nearest(inst, first, peers)[:len(move) - 1]


def test_exchange_moves_send_two_neighbours_and_take_one_back():
    inst = _instance(4)
    patterns = _random_patterns(inst, random.Random(8))
    movable = [c for c in inst.customers if len(inst.patterns(c)) > 1]
    found = moves.exchange_moves(inst, patterns, movable)
    assert found
    for (c, target), (o, target2), (x, back) in found:
        assert target == target2 != patterns[c] == patterns[o] == back
        assert patterns[x] == target
