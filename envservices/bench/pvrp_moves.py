"""Day-pattern moves for the PVRP-IF search: which customers change their visit days together.

A move is a list of (customer, new pattern) changes; every new pattern is one of the customer's allowed
patterns, so a move never changes how often a customer is visited. Why moves of several customers: the
published best plans differ from our local optima by groups (Milano_020_4_0: 2-3 customers, Roma_020_4_5:
4, Torino_040_4_1: 19, with rounds of unequal size), and moving one customer at a time looks worse at each
step.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envservices.bench.pvrp import PvrpInstance

Move = list[tuple[int, tuple[int, ...]]]


def nearest(instance: PvrpInstance, c: int, among: list[int]) -> list[int]:
    """`among` (without c) nearest first, by travel time both ways."""
    d = instance.duration
    return sorted((o for o in among if o != c), key=lambda o: (int(d[c, o] + d[o, c]), o))


def single_moves(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]],
                 movable: list[int]) -> list[Move]:
    """Each customer to each of its other patterns."""
    return [[(c, p)] for c in movable for p in instance.patterns(c) if p != patterns[c]]


def pair_moves(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]], movable: list[int],
               near: int = 3) -> list[Move]:
    """A customer and one of its `near` nearest peers on the same days, both to another pattern; and a
    customer swapping patterns with one of its `near` nearest customers of the same frequency elsewhere."""
    moves: list[Move] = []
    for c in movable:
        same = [o for o in movable if patterns[o] == patterns[c]]
        for o in nearest(instance, c, same)[:near]:
            if o > c or c not in nearest(instance, o, same)[:near]:  # each pair once
                moves += [[(c, p), (o, p)] for p in instance.patterns(c) if p != patterns[c]]
        other = [o for o in movable if instance.frequency[o] == instance.frequency[c]
                 and patterns[o] != patterns[c]]
        for o in nearest(instance, c, other)[:near]:
            if o > c or c not in nearest(instance, o, other)[:near]:
                moves.append([(c, patterns[o]), (o, patterns[c])])
    return moves


def exchange_moves(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]], movable: list[int],
                   near: int = 3) -> list[Move]:
    """Two neighbours on the same days to another pattern and, in return, one of the nearest customers of
    that pattern to theirs (two for one). Why: on Roma_020_4_5 the best plan is four customers away from our
    local optimum and every one- or two-customer step towards it is dearer; this three-customer step costs
    nothing and the fourth then saves 10."""
    moves: list[Move] = []
    for c in movable:
        same = [o for o in movable if patterns[o] == patterns[c]]
        for o in nearest(instance, c, same)[:near]:
            if o < c and c in nearest(instance, o, same)[:near]:
                continue  # each pair once
            for target in instance.patterns(c):
                if target == patterns[c]:
                    continue
                back = [x for x in movable if patterns[x] == target and patterns[c] in instance.patterns(x)]
                moves += [[(c, target), (o, target), (x, patterns[c])]
                          for x in nearest(instance, c, back)[:near]]
    return moves


def group_move(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]], movable: list[int],
               rng: random.Random, size: int) -> Move:
    """A piece of a round changes days: a random customer and its `size - 1` nearest peers on the same days
    to one random other pattern (a ray/cluster of the round, so the target days grow by a compact piece)."""
    c = rng.choice(movable)
    target = rng.choice([p for p in instance.patterns(c) if p != patterns[c]])
    peers = [o for o in movable if patterns[o] == patterns[c]]
    return [(c, target)] + [(o, target) for o in nearest(instance, c, peers)[:size - 1]]


def merge_day_moves(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]]) -> list[Move]:
    """Every once-a-week (single-visit) customer of one day to another day, for every ordered pair of days:
    the published Torino_040_4_1 plan has all of them on one day, which no one-customer step reaches."""
    horizon = instance.horizon_days
    singles: dict[int, list[int]] = {day: [] for day in range(horizon)}
    for c, p in patterns.items():
        if instance.frequency[c] == 1:
            singles[p[0]].append(c)
    return [[(c, (b,)) for c in singles[a]] for a in range(horizon) for b in range(horizon)
            if a != b and singles[a]]


def apply(patterns: dict[int, tuple[int, ...]], move: Move) -> tuple[dict[int, tuple[int, ...]], set[int]]:
    """The patterns after the move, and the days whose customer sets change."""
    out = dict(patterns)
    changed: set[int] = set()
    for c, p in move:
        changed |= set(out[c]) ^ set(p)
        out[c] = p
    return out, changed


def voronoi_patterns(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]], movable: list[int],
                     rng: random.Random, ball: bool = False) -> dict[int, tuple[int, ...]]:
    """A fresh start: for each visit frequency, one random seed customer per pattern, and every customer to
    the pattern of its nearest seed (distances scaled by a random weight per seed), so each pattern's
    customers form a compact region of the map, of unequal sizes. Why: the published plans' days are such
    regions, e.g. Torino_040_4_1's days-1-and-3 round is 22 customers near the tip served by one vehicle;
    descents from our greedy start never get there. `ball`: one pattern per frequency gets a random seed and
    its nearest peers (up to half), e.g. Torino_020_4_1's days-0-and-2 round is one tight cluster of 8
    served by one vehicle for 64 while the rest take 178.
    """
    d = instance.duration
    out = dict(patterns)
    for frequency in sorted({instance.frequency[c] for c in movable}):
        group = [c for c in movable if instance.frequency[c] == frequency]
        options = list(instance.patterns(group[0]))
        rng.shuffle(options)
        if ball and len(group) >= 4:  # one pattern takes a random seed and its nearest peers, a compact
            # round of random size; the others share the rest as above
            seed = rng.choice(group)
            size = rng.randint(1, len(group) // 2)
            taken = [seed, *nearest(instance, seed, group)[:size - 1]]
            for c in taken:
                out[c] = options[0]
            group = [c for c in group if c not in taken]
            options = options[1:] or options
        seeds = rng.sample(group, min(len(options), len(group)))
        weight = [rng.uniform(0.5, 2.0) for _ in seeds]  # unequal regions: some rounds big, some small
        for c in group:
            k = min(range(len(seeds)), key=lambda i: weight[i] * int(d[c, seeds[i]] + d[seeds[i], c]))
            out[c] = options[k]
    return out
