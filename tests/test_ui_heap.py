"""The desktop starts with the garbage collector held and lets it run again once the map has drawn."""

from __future__ import annotations

import gc
import os
import subprocess
import sys


def test_gui_start_holds_the_collector_until_the_map_draws(tmp_path):
    """`envservices gui` holds collection from before its imports; the first drawing of the map settles the
    start-up objects and collects again (a start whose collector stayed off would grow without bound)."""
    from envservices import services

    db = services.open_db(str(tmp_path / "d.sqlite"))
    services.district.create_demo(db, scale=0.1)
    db.dispose()
    code = f"""
import gc, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from envservices.ui.heap import hold
hold()
import envservices.ui.app_main as app_main
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
seen = {{}}
def probe():
    seen["after"] = gc.isenabled()
    QApplication.instance().quit()
from envservices.ui.main_window import MainWindow
orig = MainWindow.open_initial
def open_initial(self, url):
    seen["during"] = gc.isenabled()
    ok = orig(self, url)
    self.canvas.firstDrawn.connect(lambda: QTimer.singleShot(50, probe))
    return ok
MainWindow.open_initial = open_initial
app_main.run_gui({str(tmp_path / 'd.sqlite')!r})
print(seen["during"], seen["after"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert out.stdout.split()[-2:] == ["False", "True"], out.stderr[-2000:]


def test_settle_lets_collection_run_again():
    from envservices.ui.heap import hold, settle

    hold()
    try:
        assert not gc.isenabled()
    finally:
        settle()
    assert gc.isenabled()
    gc.unfreeze()
