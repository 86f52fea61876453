"""Start the desktop application; with a screenshot path, open, wait for the map to draw, save and exit.

The screenshot mode gives tests and the user guide a real picture of the window without anyone clicking.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

SCREENSHOT_TIMEOUT_MS = 60_000


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        QCoreApplication.setOrganizationName("envservices")
        QCoreApplication.setApplicationName("envservices")
        app = QApplication(sys.argv[:1])
    return app  # type: ignore[return-value]


def run_gui(db_url: str | None, screenshot: str | None = None, qsettings: QSettings | None = None) -> int:
    """Open the main window on `db_url` (or the last database, or the demo); returns the exit status."""
    from envservices.ui.icons import icon
    from envservices.ui.main_window import MainWindow

    app = _application()
    app.setWindowIcon(icon("app"))
    window = MainWindow(qsettings)
    status = {"code": 0}

    if screenshot:
        out = Path(screenshot)
        window.resize(1440, 900)

        def save() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
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

        window.canvas.firstDrawn.connect(lambda: QTimer.singleShot(300, save))
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)

    window.show()
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
