"""The desktop application (PySide6): the only package that imports Qt.

PySide6 6.12.0 on Python 3.11 drops one reference to None on every call of a Qt method that returns nothing
(QPainter.setPen, QPainter.save, a super().paintEvent ...). Python 3.12+ makes None immortal so nothing
happens there, but on 3.11 a few thousand paints take None's count to zero and the interpreter aborts
("none_dealloc"), usually at exit. Importing the UI therefore gives None a count it cannot run out of, which is
what Python 3.12 does itself. Remove this once the project requires Python 3.12 or a fixed PySide6.
"""

from __future__ import annotations

import ctypes
import sys

NONE_REFCOUNT_RESERVE = 1 << 40


def keep_none_alive() -> None:
    """Make None effectively immortal on Python < 3.12 (see the module docstring); a no-op elsewhere."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < NONE_REFCOUNT_RESERVE // 2:
        refcount.value += NONE_REFCOUNT_RESERVE


keep_none_alive()
