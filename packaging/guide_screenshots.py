"""Take the user guide's pictures from the real application on a demo district, offscreen.

Run after a change to the windows, so the guide shows what people will see:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/guide_screenshots.py [OUT_DIR]

Writes main_window.png, record_need.png, survey_import.png, plan_board.png and dashboard.png into OUT_DIR
(default resources/guide/images). Each step that the current application cannot do yet is reported and
skipped, so one missing screen does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
WINDOW_SIZE = (1440, 900)


def _wait(app, done: Callable[[], bool], timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if done():
            return True
        time.sleep(0.05)
    return done()


def _save(widget, out: Path) -> None:
    if not widget.grab().save(str(out)):
        raise RuntimeError(f"could not write {out}")
    print(f"wrote {out}")


def main(out_dir: Path) -> int:
    from PySide6.QtCore import QSettings, Qt

    from envservices import services
    from envservices.ui.app_main import _application
    from envservices.ui.main_window import MainWindow

    out_dir.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "guide.sqlite")
        db = services.open_db(url)
        services.district.create_demo(db, seed=1, scale=0.5)
        db.dispose()
        app = _application()
        window = MainWindow(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        drawn = {"yes": False}
        window.canvas.firstDrawn.connect(lambda: drawn.update(yes=True))
        window.resize(*WINDOW_SIZE)
        window.show()
        if not window.open_database(url):
            print("could not open the demo database", file=sys.stderr)
            return 1
        _wait(app, lambda: drawn["yes"], 60)
        _wait(app, lambda: False, 0.5)

        steps: list[tuple[str, Callable[[], None]]] = []

        def main_window() -> None:
            _save(window, out_dir / "main_window.png")

        def record_need() -> None:
            record = window.screens["record"]
            place = sorted(window.map_data.places, key=lambda p: p.name)[0]
            record.select_place(place.id)
            _wait(app, lambda: False, 0.3)
            _save(window.record_dock, out_dir / "record_need.png")

        def survey_import() -> None:
            record = window.screens["record"]
            names = [p.name for p in sorted(window.map_data.places, key=lambda p: p.name)[:3]]
            sheet = Path(tmp) / "survey.csv"
            sheet.write_text(
                "place,kind,observed_at,grade,recorded_by,note\n"
                f"{names[0]},litter_grade,2026-11-16 09:15,B-,Dawn Evans,after the market\n"
                f"{names[1]},litter_grade,2026-11-16 10:00,A,Dawn Evans,\n"
                "Church Hil,litter_grade,2026-11-16 10:30,C,Dawn Evans,\n"
                f"{names[2]},litter_grade,2026-11-16 11:00,E,Dawn Evans,\n",
                encoding="utf-8",
            )
            dialog = record.preview_survey(sheet)
            dialog.resize(760, 420)
            dialog.show()
            _wait(app, lambda: False, 0.3)
            _save(dialog, out_dir / "survey_import.png")
            dialog.reject()

        def plan_board() -> None:
            window.plan_dock.show()
            _wait(app, lambda: "plan" in window.screens and hasattr(window.screens["plan"], "generate"), 30)
            board = window.screens["plan"]
            board.set_week(services.planning.week_of(dt.date(2026, 11, 23)))
            _wait(app, lambda: not board.is_loading(), 30)  # the week's stored plan is read by a worker
            board.time_limit.setValue(10)
            if not board.generate():
                raise RuntimeError("the planning board did not start planning")
            if not _wait(app, lambda: board.plan() is not None and not board.is_busy(), 180):
                raise RuntimeError("no plan within 3 minutes")
            first = board.plan().crew_days[0]
            board.select_crew_day(first.crew_id, first.day)
            window.plan_dock.setFloating(False)
            window.resizeDocks([window.plan_dock], [520], Qt.Orientation.Vertical)
            _wait(app, lambda: False, 0.5)
            _save(window, out_dir / "plan_board.png")

        def dashboard() -> None:
            window.plan_dock.hide()
            window.resize(*WINDOW_SIZE)
            window.show_dashboard()
            screen = window.screens.get("dashboard")
            if screen is None or type(screen).__name__ == "Placeholder":
                raise RuntimeError("the Compare areas screen is not part of this version yet")
            _wait(app, lambda: not screen.is_busy() and not getattr(screen, "is_drawing", lambda: False)(), 60)
            _wait(app, lambda: False, 0.5)
            _save(window, out_dir / "dashboard.png")

        steps += [("main window", main_window), ("record need", record_need),
                  ("survey import", survey_import), ("plan board", plan_board), ("compare areas", dashboard)]
        for label, step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - one screen that is not ready must not stop the others
                failures += 1
                print(f"skipped the {label}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        shutdown = getattr(window, "_shutdown_screens", None)
        if shutdown is not None:
            shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "resources" / "guide" / "images"))
