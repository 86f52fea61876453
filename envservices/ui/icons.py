"""Icons drawn as SVG, so they stay sharp on high-DPI screens; one place to look them up by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_DIR = Path(__file__).resolve().parent / "resources" / "icons"


@cache
def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg`; an empty icon (never an error) when the file is missing."""
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        return QIcon()
    return QIcon(str(path))


def icon_names() -> list[str]:
    return sorted(p.stem for p in ICON_DIR.glob("*.svg"))
