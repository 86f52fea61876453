"""The main window: opening databases, remembering them, hosting screens, the screenshot mode, models, workers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QTextBrowser  # noqa: E402

from envservices.errors import UserError  # noqa: E402
from envservices.ui.models.table_model import Column, make_table  # noqa: E402
from envservices.ui.workers import Worker, WorkerPool  # noqa: E402
from ui_helpers import SCREENSHOTS, demo_database, is_blank, save_screenshot  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("main")
    demo_database(folder).dispose()
    return folder / "t.sqlite"


@pytest.fixture()
def qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture()
def window(qtbot, qsettings):
    from envservices.ui.main_window import MainWindow

    w = MainWindow(qsettings)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_opens_a_database_and_remembers_it(window, demo_file, qsettings):
    """Opening the demo district shows its places on the map and adds it to the recent list."""
    assert window.open_initial(str(demo_file))
    window.canvas.grab()
    assert window.canvas.place_ids()
    assert window.recent_databases()[0] == str(demo_file)
    assert str(demo_file) in qsettings.value("recent/databases")
    assert not is_blank(save_screenshot(window, "main_window"))


def test_reopens_the_last_database(qtbot, window, demo_file, qsettings):
    """A second start with no database named opens the last one used, and the window layout is kept."""
    from envservices.ui.main_window import MainWindow

    assert window.open_database(str(demo_file))
    window.layers_dock.hide()
    window.close()
    again = MainWindow(qsettings)
    qtbot.addWidget(again)
    assert again.open_initial(None)
    assert Path(str(again.db.url).removeprefix("sqlite:///")) == demo_file.resolve()
    again.show()
    assert not again.layers_dock.isVisible()


def test_bad_database_keeps_what_was_open(window, demo_file, tmp_path):
    """A file that is not a database gets a message and the open district stays."""
    assert window.open_database(str(demo_file))
    places = window.canvas.place_ids()
    junk = tmp_path / "junk.sqlite"
    junk.write_text("this is not a database", encoding="utf-8")
    assert not window.open_database(str(junk))
    assert window.canvas.place_ids() == places
    assert "Could not open" in window.statusBar().currentMessage()


def test_missing_screen_shows_placeholder(window, demo_file, monkeypatch):
    """A screen whose module cannot be imported is replaced by a placeholder and a status message."""
    from envservices.ui import main_window

    def missing(db, settings_provider):
        import envservices.ui.screens.no_such_screen  # noqa: F401 - the import is what fails

    monkeypatch.setitem(main_window.SCREENS, "plan", missing)
    assert window.open_database(str(demo_file))
    assert isinstance(window.plan_screen(), main_window.Placeholder)
    assert "not available" in window.statusBar().currentMessage()


def test_themes_and_layers_from_the_menus(qtbot, window, demo_file):
    """The thematic colouring actions recolour the places (forecast need off the GUI thread); the layers panel
    hides a layer."""
    assert window.open_database(str(demo_file))
    pid = window.canvas.place_ids()[0]
    window.theme_actions["regime"].trigger()
    regime = window.canvas.place_brush_colour(pid)
    window.theme_actions["none"].trigger()
    assert window.canvas.place_brush_colour(pid) != regime
    assert window.theme_key() == "none"
    window.theme_actions["need"].trigger()
    qtbot.waitUntil(lambda: window.canvas.theme().key == "need", timeout=30_000)
    window.layers_panel.boxes["roads"].setChecked(False)
    assert not window.canvas.layer_visible("roads")


def test_export_geopackage(window, demo_file, tmp_path):
    """File > Export writes a GeoPackage of the district."""
    assert window.open_database(str(demo_file))
    out = tmp_path / "district.gpkg"
    assert window.export_to(out)
    assert out.stat().st_size > 0


def test_connect_dialog_checks_the_url_at_the_field(qtbot):
    """A URL that is not PostgreSQL is refused beside the field without trying to connect."""
    from envservices.ui.dialogs.connect_dialog import ConnectDialog, check_postgres_url

    calls = []
    dialog = ConnectDialog(lambda url: calls.append(url), "sqlite:///x.sqlite")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.try_connect()
    assert not dialog.error.isHidden() and "postgresql://" in dialog.error.text()
    assert calls == []
    assert check_postgres_url("postgresql://u@h:5432/db") == ""
    assert check_postgres_url("postgresql://u@h:5432/") != ""

    def refuse(url):
        raise UserError("the server said no")

    failing = ConnectDialog(refuse, "postgresql://u@h:5432/db")
    qtbot.addWidget(failing)
    assert not failing.try_connect()
    assert "the server said no" in failing.error.text()


def test_about_names_the_version():
    """The About box shows the package version."""
    import envservices
    from envservices.ui.main_window import about_text

    assert envservices.__version__ in about_text()


def test_row_table_model_passes_the_model_tester(qtmodeltester):
    """The generic row model and its filter proxy behave as Qt expects, and filter and sort by raw values."""
    rows = [("Abbey", 3), ("Batchley", 12), ("Central", 1)]
    model, proxy = make_table((Column("Place", lambda r: r[0]), Column("Visits", lambda r: r[1], align_right=True)),
                              rows)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    proxy.sort(1)
    assert [proxy.row_at(i)[0] for i in range(3)] == ["Central", "Abbey", "Batchley"]
    proxy.setFilterFixedString("bat")
    assert proxy.rowCount() == 1 and proxy.row_at(0)[0] == "Batchley"
    model.set_rows(rows[:1])
    assert proxy.rowCount() == 0


def test_worker_reports_result_failure_and_cancel(qtbot):
    """A worker hands back its result, turns an error into a message, and stops when cancelled."""
    from PySide6.QtCore import QThreadPool

    # A pool of its own: the global pool may still be busy with an earlier test's week preparation, which
    # `cancel_all` would wait on too (this test failed once in a loaded run that way).
    own = QThreadPool()
    pool = WorkerPool(own)

    def add(a, b, *, stop, progress):
        progress(1.0, 0.0, "half way")
        return a + b

    ok = Worker(add, 2, 3)
    with qtbot.waitSignal(ok.signals.finished, timeout=5000) as done:
        pool.start(ok)
    assert done.args == [5]

    def broken(*, stop, progress):
        raise UserError("no crew has skill hedge")

    bad = Worker(broken)
    with qtbot.waitSignal(bad.signals.failed, timeout=5000) as failed:
        pool.start(bad)
    assert failed.args == ["no crew has skill hedge"]

    started = threading.Event()

    def until_stopped(*, stop, progress):
        started.set()
        while not stop.cancelled:
            time.sleep(0.01)
        return "stopped"

    slow = Worker(until_stopped)
    with qtbot.waitSignal(slow.signals.finished, timeout=5000) as stopped:
        pool.start(slow)
        assert started.wait(5)
        assert pool.cancel_all(5000)
    assert stopped.args == ["stopped"]


@pytest.mark.slow
def test_screenshot_mode_saves_a_picture_and_exits(demo_file, tmp_path):
    """`run_gui(db, screenshot)` opens the window, waits for the map, saves a non-blank PNG and exits 0."""
    out = tmp_path / "shot.png"
    code = (
        "import sys\n"
        "from PySide6.QtCore import QSettings\n"
        "from envservices.ui.app_main import run_gui\n"
        f"qs = QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat)\n"
        f"sys.exit(run_gui({str(demo_file)!r}, {str(out)!r}, qsettings=qs))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.exists() and not is_blank(out)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "gui_screenshot_mode.png").write_bytes(out.read_bytes())


def test_help_opens_the_user_guide_inside_the_app(window):
    """Help > User guide shows the guide, with its role sections, in the application itself."""
    dialog = window.open_user_guide()
    text = dialog.findChild(QTextBrowser).toPlainText()
    assert "team leader" in text.lower() and "supervisor" in text.lower() and "manager" in text.lower()
    dialog.close()


def test_recent_databases_never_keep_a_password(window):
    """A PostgreSQL URL typed with a password is remembered without it."""
    from envservices.ui.main_window import without_password

    assert without_password("postgresql://ada:s3cret@db.council.local:5433/envservices") == \
        "postgresql://ada@db.council.local:5433/envservices"
    window._remember("postgresql://ada:s3cret@db/envservices")
    assert window.recent_databases()[0] == "postgresql://ada@db/envservices"
    assert all("s3cret" not in u for u in window.recent_databases())


def test_every_screen_fits_a_1366x768_laptop(window, demo_file, qtbot):
    """With the plan board open and the dashboard shown, the window's minimum size stays within 1366x768:
    docks tab and scroll instead of pushing the window past the screen (it needed 1933x1132 before)."""
    assert window.open_initial(str(demo_file))
    window.resize(1366, 768)
    window.fit_small_screen(1366, 768)
    window.plan_dock.show()
    window.show_dashboard()
    qtbot.wait(200)
    need = window.minimumSizeHint()
    assert need.width() <= 1366 and need.height() <= 768, f"needs {need.width()}x{need.height()}"
    board = window.plan_screen()
    assert board.board.verticalHeader().defaultSectionSize() <= 40  # compact crew rows


@pytest.mark.slow
def test_sized_screenshot_of_the_plan_board_from_the_command_line(demo_file, tmp_path):
    """`envservices gui --screenshot OUT --size 1366x768 --screen plan` saves a picture of exactly that size."""
    from PySide6.QtGui import QImage

    out = tmp_path / "plan.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "envservices", "gui", "--db", str(demo_file), "--screenshot",
                             str(out), "--size", "1366x768", "--screen", "plan"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)
    assert not is_blank(out)
    bad = subprocess.run([sys.executable, "-m", "envservices", "gui", "--db", str(demo_file), "--screenshot",
                          str(out), "--size", "big"], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode != 0 and "1366x768" in bad.stderr


def test_every_hosted_screen_is_a_screen(window, demo_file):
    """The record, plan and dashboard screens all answer the main window's Screen protocol."""
    from envservices.ui.screens import Screen

    assert window.open_database(str(demo_file))
    window.plan_screen()
    window.show_dashboard()
    assert set(window.screens) >= {"record", "plan", "dashboard"}
    assert all(isinstance(s, Screen) for s in window.screens.values())


def test_a_worker_asked_to_wait_starts_after_the_window_has_painted_and_never_after_closing(qtbot):
    """The board starts a week's preparation and a solve once it has repainted (a repaint beside a busy
    worker froze 118-326 ms); a worker still waiting when the window closes never runs."""
    pool = WorkerPool()
    ran = []

    def job(*, stop, progress):
        ran.append(threading.current_thread() is not threading.main_thread())
        return "done"

    later = Worker(job)
    pool.start(later, after_ms=50)
    assert ran == []  # not yet: the event loop has not turned
    with qtbot.waitSignal(later.signals.finished, timeout=5000) as done:
        pass
    assert done.args == ["done"] and ran == [True]

    closing = WorkerPool()
    never = Worker(job)
    closing.start(never, after_ms=50)
    assert closing.cancel_all(1000)
    qtbot.wait(200)
    assert ran == [True] and never.done


def test_the_plan_board_is_made_after_the_map_has_painted(qtbot, window, demo_file):
    """Opening a database paints the map first; the plan board (and the planner it imports) follows once the
    map has painted, and at once where it is asked for sooner."""
    assert window.open_database(str(demo_file))
    assert "plan" not in window.screens
    qtbot.waitUntil(lambda: "plan" in window.screens, timeout=30_000)
    assert window.canvas.has_drawn()
    board = window.screens["plan"]
    assert window.plan_screen() is board and window.plan_dock.widget().widget() is board
    assert window.open_database(str(demo_file))
    assert "plan" not in window.screens
    window.plan_dock.show()
    assert "plan" in window.screens and window.screens["plan"] is not board


@pytest.mark.slow
def test_the_start_bench_opens_the_window_as_the_command_does_and_prints_each_phase(demo_file):
    """The README's start-up figure comes from this bench: each run a new process through the command line to
    the map's first paint; it runs where the environment says not to write bytecode caches. No time is
    asserted."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-m", "envservices.ui.start_bench", "--db", str(demo_file), "--runs", "1"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("start to a painted window: median ") and "over 1 warm runs" in lines[0]
    assert [ln.split("  ")[1].strip() for ln in lines[1:]] == ["python itself", "imports", "window",
                                                                "database and map", "first paint"]
