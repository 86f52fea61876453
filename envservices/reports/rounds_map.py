"""The new collection rounds on a map: each round in its colour, the households changing day in black.

Draws on a matplotlib axes passed in, so one function serves a PNG from the command line, a PDF page and a
Qt dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def draw_rounds(ax: Any, rounds: Sequence[dict], changes: Sequence[dict] = ()) -> None:
    """Each round's path through its streets (coords in metres, BNG) in its own colour, labelled by day."""
    import matplotlib as mpl

    colours = mpl.colormaps["tab20"]
    for k, r in enumerate(rounds):
        xs = [x for x, _ in r["coords"]]
        ys = [y for _, y in r["coords"]]
        ax.plot(xs, ys, color=colours(k % 20), linewidth=0.9,
                label=f"{r['name']} ({r['households']} hh, {r['hours']:.1f} h)")
    if changes:
        ax.scatter([c["easting"] for c in changes], [c["northing"] for c in changes], s=2, color="black",
                   label=f"households changing day ({len(changes):,})", zorder=3)
    ax.set_aspect("equal")
    ax.set_xlabel("easting (m)")
    ax.set_ylabel("northing (m)")
    ax.legend(fontsize=5, loc="center left", bbox_to_anchor=(1.0, 0.5), ncol=1 if len(rounds) <= 30 else 2)


def write_rounds_png(path: Path, rounds: Sequence[dict], changes: Sequence[dict] = (), title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8), dpi=110)
    ax = fig.add_subplot()
    draw_rounds(ax, rounds, changes)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
