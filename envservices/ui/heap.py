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

YOUNG_THRESHOLD = 50_000  # objects allocated between young collections (Python's default is 700)


def tune() -> None:
    """Collect the young generation every 50,000 allocations instead of 700, so full collections, which walk
    every object a worker has made while the window waits for the lock, come about 70 times more rarely; each
    young collection then walks at most 50,000 objects (a few ms). Called once when the desktop starts."""
    gc.set_threshold(YOUNG_THRESHOLD, 20, 10)


def settle() -> None:
    """Collect the young garbage, then leave the survivors out of future full collections.

    Only the young generations are collected here, on the GUI thread: a full collection over a prepared
    week's objects was itself a 119 ms freeze under load. Cycles already in the old generation are frozen
    with the rest and wait for the window to close."""
    gc.collect(1)
    gc.freeze()


__all__ = ["settle", "tune"]
