"""The desktop application (PySide6): the only package that imports Qt.

PySide6-Essentials is held below 6.12 in pyproject.toml: 6.12.0 on Python 3.11 drops a reference to None on
every Qt call that returns nothing, and the interpreter aborts ("none_dealloc") after a few thousand paints.
6.10 and 6.11 do not (measured: 10,000 QPainter.setPen/save/restore calls).
"""
