"""The map canvas moved to envservices.ui.map (canvas, layers, symbols); this name stays for existing imports."""

from envservices.ui.map.canvas import LAYERS, MapCanvas

__all__ = ["LAYERS", "MapCanvas"]
