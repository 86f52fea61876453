"""How long the desktop takes from a cold process to a painted window, warm (files in the disk cache).

    QT_QPA_PLATFORM=offscreen python -m envservices.ui.start_bench --db district.sqlite [--runs 3]

Each run starts a new Python process that opens the main window on the database the way `envservices gui`
does (the command line's module and parser included), and stops at the map's first paint. It prints the median of the runs and where the time went (Python
and library imports, building the window, opening the database and reading the map, the first paint). The
issue's target is under 2 s warm; the figures belong in the README, never in a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PHASES = ("imports", "window", "database and map", "first paint")


def _child(db: str, started: float) -> None:
    """Open the window and report the wall-clock time of each phase (seconds since the parent started us)."""
    marks = {"python": time.time() - started}
    from envservices import cli  # the way in of the `envservices` command: its module and its parser

    cli._parser().parse_args(["gui", "--db", db])
    from envservices.ui.heap import hold

    hold()  # as `envservices gui` does (see ui/heap.py)
    from envservices.ui.app_main import _application  # first, as `envservices gui` does (see app_main)

    # isort: split
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from envservices.ui.main_window import MainWindow

    marks["imports"] = time.time() - started
    app = QApplication.instance() or _application()
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat))
        window.resize(1366, 768)
        marks["window"] = time.time() - started

        def painted() -> None:
            marks["first paint"] = time.time() - started
            app.quit()

        window.canvas.firstDrawn.connect(painted)
        QTimer.singleShot(60_000, app.quit)
        window.show()
        window.open_initial(db)
        marks["database and map"] = time.time() - started
        app.exec()
        print(json.dumps(marks))
        window.close()
        window.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the database to open (e.g. made by `envservices demo`)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args.db, args.child)
        return 0
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # A person's Python keeps compiled modules (pip compiles them at install; an editable install writes them on
    # the first start). Some sandboxes set PYTHONDONTWRITEBYTECODE, which would compile envservices from source
    # at every start (60 ms here): the uncounted first run writes the caches, as a first start would.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = []
    for _ in range(args.runs + 1):  # the first run warms the disk cache and is not counted
        started = time.time()
        out = subprocess.run([sys.executable, "-m", "envservices.ui.start_bench", "--db", args.db,
                              "--child", repr(started)], capture_output=True, text=True, env=env, check=True)
        line = next(ln for ln in reversed(out.stdout.splitlines()) if ln.startswith("{"))
        runs.append(json.loads(line))
    runs = runs[1:]
    total = statistics.median(r["first paint"] for r in runs)
    each = ", ".join(f"{r['first paint']:.2f}" for r in runs)
    print(f"start to a painted window: median {total:.2f} s over {len(runs)} warm runs ({each})")
    before = "python"
    print(f"  {'python itself':18s} {statistics.median(r['python'] for r in runs):5.2f} s")
    for phase in PHASES:
        step = statistics.median(r[phase] - r[before] for r in runs)
        print(f"  {phase:18s} {step:5.2f} s")
        before = phase
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
