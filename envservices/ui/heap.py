"""Keep Python's cyclic garbage collector from freezing the window.

A full collection walks every tracked object while holding the interpreter lock, so while the week is
prepared in a worker thread the GUI thread stood still for its length: 74-91 ms on a demo week's objects
alone and 120-150 ms with the desktop's own (the stall meter, `python -m envservices.ui.stalls`, saw the
gaps vanish with the collector off). Objects that live as long as the window (modules, Qt wrappers, the map's
features, a prepared week) are moved out of its view with `gc.freeze()` once they exist; ordinary reference
counting still frees them, so only reference cycles among them would wait for the app to close.
Measured on a quiet machine: open the board 150 -> 101 ms, change week 149 -> 65 ms worst stall.
"""

from __future__ import annotations

import gc
import sys

YOUNG_THRESHOLD = 50_000  # objects allocated between young collections (Python's default is 700)
SWITCH_INTERVAL_S = 0.0005
"""How long a worker thread may keep the interpreter lock while the GUI thread asks for it (Python's default
is 5 ms). Every Python call the event loop makes (a paint, a model's data) must take the lock back, so while a
worker drew the dashboard's charts one turn of the loop waited 150 ms in 5 ms steps; at 0.5 ms the worst stall
when a simulation finished fell from 209-216 ms to 36-101 ms, the simulation itself no slower (61.5-61.7 s
against 61.9-62.6 s): `python /tmp/prof/dash3.py`-style runs of `envservices.ui.stalls`."""


def hold() -> None:
    """No cyclic collection while the desktop starts: every object made then (modules, classes, the map's
    features) lives as long as the window, so the collections the imports set off found nothing to free and
    cost 0.1-0.3 s of each start (`python -c` import of the main window: 1.6 s with the collector off, 1.6-1.9 s
    on). `settle` lets it run again once the map has drawn; `release` where it never draws."""
    gc.disable()


def release() -> None:
    gc.enable()


def tune() -> None:
    """Collect the young generation every 50,000 allocations instead of 700, so full collections, which walk
    every object a worker has made while the window waits for the lock, come about 70 times more rarely; each
    young collection then walks at most 50,000 objects (a few ms). Hand the lock back to the GUI thread within
    half a millisecond. Called once when the desktop starts."""
    gc.set_threshold(YOUNG_THRESHOLD, 20, 10)
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def settle() -> None:
    """Collect the youngest garbage, then leave the survivors out of future full collections.

    Only the youngest generation (at most YOUNG_THRESHOLD objects) is collected here, on the GUI thread: a
    full collection over a prepared week's objects was a 119 ms freeze under load, and the middle generation
    alone 84 ms when the board had opened (`/tmp`-style cProfile of `ui.stalls`' open step, 2026-12-01).
    Cycles already in the older generations are frozen with the rest and wait for the window to close."""
    gc.collect(0)
    gc.freeze()
    release()


__all__ = ["hold", "release", "settle", "tune"]
