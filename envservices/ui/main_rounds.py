"""The collection rounds on the main window's map: read a stream's rounds off the GUI thread when their layer
is turned on, and tell the record dock about a household picked on it.

A part of `MainWindow` (a mixin) using its database, canvas, layers panel and status bar.
"""

from __future__ import annotations

from typing import Any

from envservices import services
from envservices.errors import UserError
from envservices.ui.placeholder import first_line
from envservices.ui.screens.record_need import RecordNeedScreen
from envservices.ui.workers import Worker


class MainRounds:
    """Rounds on the map: `show_rounds`, the lazy first read, and a picked household in the record dock."""

    def _round_streams(self) -> tuple[str, ...]:
        try:
            return services.rounds_map.round_streams(self.db)
        except UserError as exc:
            self.statusBar().showMessage(f"Collection rounds not shown: {exc}", 8000)
            return ()

    def _on_layers_changed(self) -> None:
        """Read the rounds the first time their layer is turned on (not at start-up: 20,000 households)."""
        if (self.db is not None and self.canvas.layer_visible("rounds") and self.canvas.rounds() is None
                and self._rounds_pending is None):
            self.show_rounds(self.layers_panel.rounds_stream.currentData())

    def show_rounds(self, stream: str | None = None) -> None:
        """Show one stream's collection rounds on the map (residual when not named), read off the GUI thread:
        the demo's 20,000 households at scale 1 take 0.7 s to read and put in order."""
        if self.db is None:
            return
        db, wanted = self.db, (self.db, stream)
        self._rounds_pending = wanted
        worker = Worker(services.rounds_map.rounds_on_map, db, stream, cancellable=False)

        def done(data: Any) -> None:
            if self._rounds_pending is not wanted:
                return  # another database or stream was asked for meanwhile
            self._rounds_pending = None
            self.canvas.set_rounds(data)
            if data.rounds:
                self.statusBar().showMessage(f"{len(data.rounds)} {data.stream.replace('_', ' ')} rounds, "
                                             f"{len(data.xy):,} households.", 8000)

        def failed(message: str) -> None:
            if self._rounds_pending is wanted:
                self._rounds_pending = None
            self.statusBar().showMessage(f"Collection rounds not shown: {message}", 10000)

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(failed)
        self.statusBar().showMessage("Reading collection rounds...")
        self._background.start(worker)

    def rounds_loading(self) -> bool:
        """Whether rounds are being read for the map (for tests and the screenshot mode)."""
        return self._rounds_pending is not None

    def _on_household_selected(self, row: int) -> None:
        """A household picked on the rounds layer (-1: cleared): the record dock says which property it is, its
        round and its number in the round's order, read through services."""
        record = self.screens.get("record")
        record = record if isinstance(record, RecordNeedScreen) else None
        shown = self.canvas.rounds()
        if row < 0 or shown is None or self.db is None or not 0 <= row < len(shown.ids):
            if record is not None:
                record.show_household(None)
            return
        try:
            household = services.rounds_map.household_on_map(self.db, shown, shown.ids[row])
        except UserError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return
        except Exception as exc:  # noqa: BLE001 - the database went away: say so, keep the map
            self.statusBar().showMessage(f"Household not read: {first_line(exc)}", 10000)
            return
        self.statusBar().showMessage(f"{household.title}: {household.round_name}, {household.when}, number "
                                     f"{household.number:,} of {household.households:,}", 10000)
        if record is not None:
            layer = self.canvas.rounds_layer()
            record.show_household(household, layer.colour_of(row).name() if layer is not None else "")
            if not self.record_dock.isVisible():
                self.record_dock.show()
