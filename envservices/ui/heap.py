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


def settle() -> None:
    """Collect what is garbage now, then leave the survivors out of future full collections."""
    gc.collect()
    gc.freeze()


__all__ = ["settle"]
