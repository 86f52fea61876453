"""Start the desktop application; with a screenshot path, open, wait for the map to draw, save and exit.

The screenshot mode gives tests and the user guide a real picture of the window without anyone clicking.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import envservices.services  # noqa: F401  before Qt, see below

# isort: split
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

SCREENSHOT_TIMEOUT_MS = 60_000
SETTLE_AT_LATEST_MS = 10_000

# The services (and SQLAlchemy, numpy, shapely under them) are imported before PySide6 on purpose: once
# PySide6 is loaded, its import hook reads the source of every module that imports anything (494 modules
# when the main window's imports came after Qt, 40 when they come first; 0.2-0.5 s of each start measured
# with `python -m envservices.ui.start_bench`).


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        QCoreApplication.setOrganizationName("envservices")
        QCoreApplication.setApplicationName("envservices")
        app = QApplication(sys.argv[:1])
    return app  # type: ignore[return-value]


def parse_size(text: str) -> tuple[int, int]:
    """'1366x768' -> (1366, 768); anything else raises ValueError with a sentence."""
    try:
        w, h = (int(v) for v in text.lower().replace(" ", "").split("x"))
    except ValueError:
        raise ValueError(f"'{text}' is not a window size: write it like 1366x768") from None
    if not (320 <= w <= 10_000 and 240 <= h <= 10_000):
        raise ValueError(f"'{text}' is not a usable window size (320x240 to 10000x10000)")
    return w, h


def _screenshot_settings() -> QSettings:
    """The user's settings without their window layout, in a throwaway file: a sized screenshot shows the
    layout a new user gets on that screen and leaves the user's own layout alone."""
    import tempfile

    user = QSettings("envservices", "envservices")
    temp = QSettings(str(Path(tempfile.mkdtemp(prefix="envservices-shot-")) / "settings.ini"),
                     QSettings.Format.IniFormat)
    for key in user.allKeys():
        if not key.startswith("window/"):
            temp.setValue(key, user.value(key))
    return temp


def run_gui(db_url: str | None, screenshot: str | None = None, qsettings: QSettings | None = None,
            size: tuple[int, int] | None = None, screen: str = "main") -> int:
    """Open the main window on `db_url` (or the last database, or the demo); returns the exit status.

    With `screenshot`, draw `screen` (the map, the plan board or the dashboard) in a window of exactly `size`
    (the window may not grow past it, so the picture shows what a laptop of that size shows), save and exit."""
    from envservices.ui.icons import icon
    from envservices.ui.main_window import MainWindow

    app = _application()
    app.setWindowIcon(icon("app"))
    if screenshot and size is not None and qsettings is None:
        qsettings = _screenshot_settings()
    window = MainWindow(qsettings)
    status = {"code": 0}

    if screenshot:
        out = Path(screenshot)
        width, height = size or (1440, 900)
        window.resize(width, height)
        if size is not None:
            window.setMaximumSize(width, height)  # never grows past the laptop it stands for
            window.fit_small_screen(width, height)

        def save() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            QApplication.processEvents()
            needs = window.minimumSizeHint()
            if needs.width() > width or needs.height() > height:
                print(f"note: the window would need {needs.width()}x{needs.height()} to show everything",
                      file=sys.stderr)
            ok = window.grab().save(str(out))
            status["code"] = 0 if ok else 1
            if not ok:
                print(f"could not write the screenshot to {out}", file=sys.stderr)
            window.close()
            app.quit()

        def give_up() -> None:
            print("the map did not draw in time; no screenshot saved", file=sys.stderr)
            status["code"] = 1
            window.close()
            app.quit()

        def open_screen() -> None:
            if screen == "plan":
                window.plan_dock.show()
                window.plan_dock.raise_()
                window.fit_small_screen(width, height)
            elif screen == "dashboard":
                window.show_dashboard()
            QTimer.singleShot(300 if screen == "main" else 1500, save_when_ready)

        def save_when_ready(waited_ms: int = 0) -> None:
            # the board gathers the week and the dashboard its figures and charts in the background: picture
            # them once they have arrived (at most 60 s)
            shown = window.screens.get(screen)
            preparing = screen in ("plan", "dashboard") and any(
                bool(getattr(shown, name, lambda: False)()) for name in ("is_preparing", "is_busy", "is_drawing"))
            if preparing and waited_ms < 60_000:
                QTimer.singleShot(250, lambda: save_when_ready(waited_ms + 250))
            else:
                save()

        drawn = {"once": False}

        def first_draw() -> None:
            if not drawn["once"]:
                drawn["once"] = True
                open_screen()

        window.canvas.firstDrawn.connect(first_draw)
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)

    window.show()
    from envservices.ui.heap import release, settle, tune

    tune()  # full garbage collections 70 times more rarely: each froze the window while a worker ran

    window.canvas.firstDrawn.connect(lambda: QTimer.singleShot(0, settle))  # the map's data is in: settle it
    QTimer.singleShot(SETTLE_AT_LATEST_MS, release)  # a start that never draws the map collects again too
    if not window.open_initial(db_url):
        if screenshot:
            print("could not open the database; no screenshot saved", file=sys.stderr)
            window.close()
            return 1
    code = app.exec()
    # Free the window (and its scene's Python-made items) while Qt is still alive: tearing them down during
    # interpreter exit can crash PySide.
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del window
    gc.collect()
    return status["code"] or code
