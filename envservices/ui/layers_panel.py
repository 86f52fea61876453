"""The Layers dock: a check box per map layer, the rounds' stream chooser and the places' thematic colouring."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from envservices.ui.map.canvas import LAYERS, MapCanvas

THEMES = (("none", "Plain"), ("grade", "Latest litter grade"), ("need", "Forecast need"), ("regime", "Regime"))


class LayersPanel(QWidget):
    """Check boxes for the map's layers and a choice of thematic colouring."""

    def __init__(self, canvas: MapCanvas, on_theme: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Colour places by</b>"))
        self.theme_combo = QComboBox()
        for key, label in THEMES:
            self.theme_combo.addItem(label, key)
        self.theme_combo.currentIndexChanged.connect(lambda _: on_theme(self.theme_combo.currentData()))
        layout.addWidget(self.theme_combo)
        layout.addSpacing(8)
        layout.addWidget(QLabel("<b>Layers</b>"))
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in LAYERS:
            box = QCheckBox(label)
            box.setChecked(canvas.layer_visible(key))
            box.toggled.connect(lambda on, k=key: canvas.set_layer_visible(k, on))
            self.boxes[key] = box
            layout.addWidget(box)
            if key == "rounds":
                self.rounds_stream = QComboBox()
                self.rounds_stream.setAccessibleName("Rounds of which waste")
                self.rounds_stream.setToolTip("Whose rounds the map shows: residual, recycling, garden, food")
                self.rounds_stream.hide()
                indented = QHBoxLayout()
                indented.addSpacing(20)  # under its check box: it belongs to the rounds layer
                indented.addWidget(self.rounds_stream)
                layout.addLayout(indented)
        self._round_streams: tuple[str, ...] = ()
        self.legend_box = QCheckBox("Show legend on the map")
        self.legend_box.setChecked(True)
        self.legend_box.toggled.connect(canvas.set_legend_visible)
        layout.addSpacing(8)
        layout.addWidget(self.legend_box)
        layout.addStretch(1)
        canvas.layersChanged.connect(self.sync)

    def sync(self) -> None:
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(self._canvas.layer_visible(key))
            box.setEnabled(self._canvas.layer_has_features(key) or key == "route"
                           or (key == "rounds" and bool(self._round_streams)))
            box.blockSignals(False)
        self.rounds_stream.setVisible(len(self._round_streams) > 1 and self._canvas.layer_visible("rounds"))

    def set_round_streams(self, streams: tuple[str, ...]) -> None:
        """The streams that have rounds (residual first): the rounds layer is offered only when there are
        some, and the chooser only when there is more than one."""
        self._round_streams = tuple(streams)
        self.rounds_stream.blockSignals(True)
        self.rounds_stream.clear()
        for s in self._round_streams:
            self.rounds_stream.addItem(s.replace("_", " ").capitalize(), s)
        self.rounds_stream.blockSignals(False)
        self.sync()

    def set_theme_key(self, key: str) -> None:
        i = self.theme_combo.findData(key)
        if i >= 0 and i != self.theme_combo.currentIndex():
            self.theme_combo.blockSignals(True)
            self.theme_combo.setCurrentIndex(i)
            self.theme_combo.blockSignals(False)
