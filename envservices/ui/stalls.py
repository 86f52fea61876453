"""How long the GUI thread stops answering during the supervisor's heavy actions, measured on the real board.

A 10 ms QTimer on the event loop records when it fires; the longest gap between two firings is the worst stall
a person would feel (a frozen window). Run on a database with a district:

    QT_QPA_PLATFORM=offscreen python -m envservices.ui.stalls --db district.sqlite [--time-limit 5]

It opens the plan board, changes week, runs Generate, and simulates one week (both regimes) on the dashboard,
and prints the worst stall of each. The issue's
target is no stall over 100 ms; the figures belong in the README, never in a timed test.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


class StallMeter:
    """Records the event loop's heartbeat; `worst_ms()` is the longest gap between beats since `start()`."""

    def __init__(self, interval_ms: int = 10) -> None:
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._beats: list[float] = []

    def _beat(self) -> None:
        self._beats.append(time.perf_counter())

    def start(self) -> None:
        self._beats = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> float:
        self._beat()
        self._timer.stop()
        return self.worst_ms()

    def worst_ms(self) -> float:
        gaps = [b - a for a, b in zip(self._beats, self._beats[1:], strict=False)]
        return 1000 * max(gaps, default=0.0)


def measure(action: Callable[[], None], until: Callable[[], bool], timeout_s: float = 300.0) -> tuple[float, float]:
    """Run `action` on the GUI thread, spin the event loop until `until()`; return (worst stall ms, seconds)."""
    app = QApplication.instance()
    meter = StallMeter()
    meter.start()
    started = time.perf_counter()
    action()
    while not until() and time.perf_counter() - started < timeout_s:
        app.processEvents()
        time.sleep(0.002)
    return meter.stop(), time.perf_counter() - started


def _preparing(screen) -> bool:
    return bool(getattr(screen, "is_preparing", lambda: False)())  # boards before 2026-11 prepared in place


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database with a district (e.g. from `envservices demo`)")
    parser.add_argument("--time-limit", type=int, default=5, help="the solver's seconds for Generate")
    parser.add_argument("--no-map", action="store_true", help="leave out the map's repaint and pan figures")
    args = parser.parse_args(argv)

    from envservices import services
    from envservices.ui.screens.plan_board import PlanBoardScreen

    app = QApplication.instance() or QApplication(sys.argv[:1])
    db = services.open_db(args.db)
    screen = PlanBoardScreen(db, lambda: services.settings.load(db))
    screen.resize(1366, 600)
    screen.show()
    from envservices.ui.heap import settle, tune

    tune()
    settle()  # as the application does once its window and map are up (envservices/ui/heap.py)
    shown = time.perf_counter()
    while time.perf_counter() - shown < 0.5:  # painted once, empty, as the main window is before the board
        app.processEvents()  # opens: the first text drawn in a process loads its fonts (40-65 ms here)
        time.sleep(0.01)
    rows = []
    map_data = services.district.map_data(db)  # the main window reads it at start and hands it to the board
    stall, took = measure(lambda: screen.load(map_data), lambda: not _preparing(screen))
    rows.append(("open the board", stall, took))
    stall, took = measure(lambda: screen._step_week(1), lambda: not _preparing(screen))
    rows.append(("change week", stall, took))
    screen.time_limit.setValue(args.time_limit)
    stall, took = measure(lambda: screen.generate(), lambda: not screen.is_busy())
    rows.append((f"Generate ({args.time_limit} s solve)", stall, took))
    screen.shutdown()
    from envservices.ui.screens.dashboard import DashboardScreen

    dashboard = DashboardScreen(db, lambda: services.settings.load(db))
    dashboard.resize(1366, 600)
    dashboard.show()
    settled = lambda: not dashboard.is_busy() and not dashboard.is_drawing()
    measure(dashboard.load, settled)  # the recorded figures first
    dashboard.weeks.setValue(1)
    dashboard.simulate.setChecked(True)
    stall, took = measure(dashboard.compare, settled)
    rows.append(("simulate 1 week (dashboard)", stall, took))
    for name, stall, took in rows:
        print(f"{name:28s} worst GUI-thread stall {stall:6.0f} ms   (action took {took:5.1f} s)")
    db.dispose()
    app.processEvents()
    if not args.no_map:
        from envservices.ui.map.bench import main as map_bench

        print()
        map_bench([])  # the map's repaint and pan on 10,000 features, so one command prints every figure
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
