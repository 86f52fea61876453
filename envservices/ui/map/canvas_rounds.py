"""Collection rounds on the map: one stream's rounds drawn, a household under the cursor, a picked household
ringed with its round drawn bold, and the tooltip naming its round.

A part of `MapCanvas` (a mixin using its layers, view transform and signals).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPoint

from envservices.ui.map.layers import (
    SelectionLayer,
)
from envservices.ui.map.rounds_layer import RoundHighlight, RoundsLayer
from envservices.ui.map.symbols import (
    CLICK_TOLERANCE_PX,
)


class CanvasRounds:
    """The rounds layer of the canvas and the household picked on it."""

    def set_rounds(self, data: Any) -> None:
        """Show one stream's rounds (a services.rounds_map.RoundsMap; None or no rounds: nothing)."""
        self.select_household(None, emit=True)  # another stream's rounds: the window forgets the household
        for item in self._layers["rounds"]:
            if item in self._screen_layers:
                self._screen_layers.remove(item)
            self.scene().removeItem(item)
        self._layers["rounds"] = []
        self._rounds = data
        if data is not None and len(data.xy):
            layer = RoundsLayer(data, self.devicePixelRatioF() or 1.0)
            layer.setZValue(4.5)  # over roads and streets, under bins, depots and the route
            self._add("rounds", layer)
            self._household = RoundHighlight()
            self._household.setZValue(4.6)  # its round over the rounds, under bins: a bin there is still clicked
            self._household_ring = SelectionLayer()  # ringed as a picked bin is, over everything
            self._household_ring.setZValue(8)
            for item in (self._household, self._household_ring):
                item.set_metres_per_pixel(self.metres_per_pixel())
                self._screen_layers.append(item)
                self._add("rounds", item)
        self._apply_visibility()
        self._update_legend()
        self.layersChanged.emit()

    def rounds(self) -> Any:
        """The rounds shown (services.rounds_map.RoundsMap), or None when none have been read."""
        return self._rounds

    def rounds_layer(self) -> RoundsLayer | None:
        items = self._layers["rounds"]
        return items[0] if items else None

    def household_at(self, view_pos: QPoint) -> int | None:
        """Row (in the rounds shown) of the household under the cursor, when the rounds are shown."""
        layer = self.rounds_layer()
        if layer is None or not self._visible["rounds"] or not len(layer.xs):
            return None
        scene_pt = self.mapToScene(view_pos)
        tol = CLICK_TOLERANCE_PX * self.metres_per_pixel()
        d2 = (layer.xs - scene_pt.x()) ** 2 + (layer.ys - scene_pt.y()) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= tol * tol else None

    def select_household(self, row: int | None, emit: bool = False) -> None:
        """Ring a household of the rounds shown and draw its round bold (None clears); `emit` tells the window
        (householdSelected: the row, or -1 when a selection is cleared)."""
        layer = self.rounds_layer()
        if row is not None and (layer is None or not 0 <= row < len(layer.xs)):
            raise IndexError(f"no household {row} in the rounds on the map")
        before = self._household.row
        self._household.select(layer if row is not None else None, row)
        if row is None:
            self._household_ring.select(None)
        else:
            dot = layer.dot(int(layer.colour_index[row]), 9)
            self._household_ring.select(f"household {row}", float(layer.xs[row]), float(layer.ys[row]), dot)
        if row is not None:
            self._place_overlays()  # the legend off the ring
        if emit and (row is not None or before is not None):
            self.householdSelected.emit(-1 if row is None else row)

    def selected_household(self) -> int | None:
        """Row (in the rounds shown) of the selected household, or None."""
        return self._household.row

    def household_highlight(self) -> RoundHighlight:
        """The selected household's round drawn bold (for tests and benchmarks); its ring is a SelectionLayer,
        as a picked bin's."""
        return self._household

    def _round_household_text(self, view_pos: QPoint) -> str:
        """The round of the household under the cursor, when the rounds are shown: a supervisor checks which
        round (and so which day) serves a street without opening the table."""
        i = self.household_at(view_pos)
        if i is None:
            return ""
        data = self._rounds
        k, stop = data.round_of_row(i)
        r = data.rounds[k]
        week = f", week {r.week}" if r.week else ", every week"
        stream = r.stream.replace("_", " ")
        return (f"<b>{r.name}</b><br>{stream} collection round: {r.day}{week}<br>"
                f"{r.households:,} households; this one is number {stop:,} in its order")
