"""Long work in a child process (`envservices.ui.child_work`): the desktop's simulation runs there so the
child's garbage collections never hold the window's interpreter lock (170-479 ms freezes in a worker thread)."""

from __future__ import annotations

import importlib
import os
import threading

import child_targets
import pytest

from envservices.errors import UserError
from envservices.planning.stop import Cancel
from envservices.ui.child_work import run_in_child


def test_the_work_runs_in_another_process_and_its_progress_arrives_in_order():
    seen = []
    result = run_in_child(child_targets.weeks_of_work, 3, progress=lambda *v: seen.append(v))
    assert result["pid"] != os.getpid()
    assert result["weeks"] == [1, 2, 3]
    assert seen == [(1, 3, "1 of 3 weeks"), (2, 3, "2 of 3 weeks"), (3, 3, "3 of 3 weeks")]


def test_cancel_stops_the_child_at_its_next_check_and_keeps_what_it_did():
    cancel = Cancel()

    def progress(week, weeks, message):
        if week == 2:
            cancel.cancel()

    result = run_in_child(child_targets.weeks_of_work, 200, stop=cancel, progress=progress)
    assert 2 <= len(result["weeks"]) < 200
    assert result["weeks"] == list(range(1, len(result["weeks"]) + 1))


def test_a_refusal_in_the_child_arrives_as_the_same_sentence():
    with pytest.raises(UserError, match="holds no district to compare"):
        run_in_child(child_targets.refuses)


def test_a_crash_in_the_child_arrives_as_one_line_and_leaves_no_process_behind():
    with pytest.raises(RuntimeError, match="ZeroDivisionError: division by zero"):
        run_in_child(child_targets.falls_over)
    assert not [t for t in threading.enumerate() if t.name.startswith("envservices-background")]


def test_the_dashboard_simulates_in_a_child_process_on_a_database_file(monkeypatch, tmp_path):
    """Only a database another process can open goes to a child; an in-memory one stays in this process."""
    from envservices.services import compare as compare_service
    from envservices.storage.database import open_database
    # `envservices.ui.screens.dashboard` is also a function of the package: import the module by its name
    dashboard = importlib.import_module("envservices.ui.screens.dashboard")

    calls = []
    monkeypatch.setattr(dashboard, "run_in_child", lambda target, *args, **kwargs: calls.append((target, args)))
    monkeypatch.setattr(compare_service, "compare_areas", lambda db, **kwargs: "in this process")
    on_file = open_database(str(tmp_path / "district.sqlite"))
    in_memory = open_database("sqlite://")
    try:
        dashboard.run_comparison(on_file, weeks=1, seed=1, simulate=True)
        assert calls and calls[0][0] is compare_service.compare_areas_at
        assert calls[0][1][0].endswith("district.sqlite")
        assert dashboard.run_comparison(in_memory, weeks=1, seed=1, simulate=True) == "in this process"
        assert dashboard.run_comparison(on_file, weeks=1, seed=1, simulate=False) == "in this process"
        assert len(calls) == 1
    finally:
        on_file.dispose()
        in_memory.dispose()
