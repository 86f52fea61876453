"""Crash safety: a real process killed (SIGKILL) at random moments of an import, a plan save or a migration
leaves a SQLite database that opens, passes `envservices check`, and holds the whole change or none of it.

Runs per scenario: $ENVSERVICES_CRASH_RUNS (default 10, so 30 kills in all). Also backup, restore and check
end to end through the command line, and the backup made before a migration.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shapely import to_wkb
from shapely.geometry import Point
from test_multiuser import small_district

from envservices.bench.load import write_bins_geojson
from envservices.services import maintenance
from envservices.storage import migrate, open_database

RUNS = int(os.environ.get("ENVSERVICES_CRASH_RUNS", "10"))
IMPORT_BINS = 20_000
ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "ENVSERVICES_USER": "crash-test"}


def _run_and_kill(args: list[str], delay_s: float, wait_for_ready: bool = False) -> int | None:
    """Start a process, kill it with SIGKILL after delay_s (after its 'ready' line if asked); its return
    code if it finished first, else None."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV, cwd=ROOT,
                               text=True)
    if wait_for_ready:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    time.sleep(delay_s)
    finished = process.poll()
    if finished is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    if process.stdout is not None:
        process.stdout.close()
    return finished


def _timed(args: list[str], wait_for_ready: bool = False) -> float:
    """How long one undisturbed run takes after start (or after its 'ready' line)."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT, text=True)
    if wait_for_ready:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    began = time.perf_counter()
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return time.perf_counter() - began


def _assert_checks(path: Path) -> None:
    db = open_database(str(path))
    try:
        report = maintenance.check(db)
        assert report["ok"], report["messages"]
    finally:
        db.dispose()


@pytest.mark.slow
def test_import_killed_at_random_moments_is_all_or_nothing(tmp_path: Path):
    path = tmp_path / "district.sqlite"
    db = open_database(str(path), user="crash-test")
    small_district(db)
    db.dispose()
    bbox = (399_500.0, 259_500.0, 401_600.0, 260_600.0)

    def command(run: int) -> list[str]:
        source = write_bins_geojson(tmp_path / f"bins-{run}.geojson", IMPORT_BINS, bbox, seed=run,
                                    id_prefix=f"run{run}-bin")
        return [PYTHON, "-m", "envservices", "import", "--db", str(path), str(source), "--kind", "litter_bin"]

    full_s = _timed(command(0))
    rng = random.Random(6)
    expected = IMPORT_BINS
    for run in range(1, RUNS + 1):
        finished = _run_and_kill(command(run), rng.uniform(0.0, full_s * 1.1))
        connection = sqlite3.connect(path)
        try:
            count = connection.execute("select count(*) from assets").fetchone()[0]
            summaries = connection.execute(
                "select count(*) from audit_log where table_name = 'assets' and action = 'insert_many'"
            ).fetchone()[0]
        finally:
            connection.close()
        assert count in (expected, expected + IMPORT_BINS), f"run {run}: {count} assets, a partial import"
        if finished == 0:
            assert count == expected + IMPORT_BINS
        expected = count
        assert summaries == count // IMPORT_BINS, "the audit row is committed with its import, or neither"
        _assert_checks(path)
    result = subprocess.run([PYTHON, "-m", "envservices", "check", "--db", str(path)], env=ENV, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr


PLAN_SAVER = """
import dataclasses, datetime as dt, sys
from envservices.domain import CrewDay, Plan, Visit
from envservices.services import planning
from envservices.storage import open_database

db = open_database(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    n += 1
    size = 500 + (n * 137) % 1500
    visits = tuple(Visit(f"t{n}-{i}", "place-a", 28800 + i, 28800 + i, 28810 + i, "litter_pick") for i in range(size))
    days = (CrewDay("crew-a", dt.date(2026, 11, 2), visits=visits),)
    planning.save_plan(db, Plan(f"plan-new-{n}", "2026-W45", days, kpis={"visits": size}, depot_id=f"depot-run-{n}"))
    with db.unit_of_work() as uow:
        big = uow.plans.get("plan-big")
    planning.save_plan(db, dataclasses.replace(big, crew_days=days, kpis={"visits": size}))
"""


@pytest.mark.slow
def test_plan_save_killed_at_random_moments_keeps_whole_plans(tmp_path: Path):
    """New plans and a replaced plan (children deleted and inserted again) are never stored half-done."""
    import dataclasses

    path = tmp_path / "plans.sqlite"
    db = open_database(str(path), user="crash-test")
    small_district(db)
    with db.unit_of_work() as uow:
        plan = uow.plans.get("plan-1")
        uow.plans.add(dataclasses.replace(plan, id="plan-big", week="2026-W46", kpis={"visits": 2}))
        uow.commit()
    db.dispose()
    rng = random.Random(7)
    for run in range(RUNS):
        assert _run_and_kill([PYTHON, "-c", PLAN_SAVER, str(path)], rng.uniform(0.05, 2.5),
                             wait_for_ready=True) is None
        connection = sqlite3.connect(path)
        try:
            visits = dict(connection.execute("select plan_id, count(*) from plan_visits group by plan_id"))
            kpis = dict(connection.execute("select id, json_extract(kpis, '$.visits') from plans"))
        finally:
            connection.close()
        for plan_id, expected in kpis.items():
            if expected is not None:
                assert visits.get(plan_id, 0) == expected, f"run {run}: plan {plan_id} is stored half-saved"
        _assert_checks(path)


OLD_PLACE = (
    "insert into places (id, name, area_id, geometry, character, zone, team_crew_id, attributes, version, "
    "minx, miny, maxx, maxy) values ('p1', 'Old place', 'a1', ?, '', 'medium', null, '{}', 1, 0, 0, 1, 1)"
)
OBSERVATIONS = 60_000


def _database_at_first_revision(path: Path) -> None:
    migrate.upgrade(f"sqlite:///{path}", "0001")
    with sqlite3.connect(path) as connection:
        connection.execute("insert into areas (id, name, regime, kind) values ('a1', 'Old district', 'rota', 'district')")
        connection.execute(OLD_PLACE, (to_wkb(Point(0, 0).buffer(1)),))
        connection.executemany(
            "insert into observations (id, kind, observed_at, place_id, recorded_by, note) "
            "values (?, 'complaint', '2026-01-01 09:00:00', 'p1', 'old', '')",
            [(f"o{i}",) for i in range(OBSERVATIONS)],
        )
    connection.close()
    with sqlite3.connect(path) as connection:
        connection.execute("pragma wal_checkpoint(truncate)")
    connection.close()


MIGRATOR = "import sys\nfrom envservices.storage import migrate\nprint('ready', flush=True)\nmigrate.upgrade(sys.argv[1])\n"


def _state(path: Path) -> tuple[str, int, bool]:
    connection = sqlite3.connect(path)
    try:
        revision = connection.execute("select version_num from alembic_version").fetchone()[0]
        count = connection.execute("select count(*) from observations").fetchone()[0]
        columns = {row[1] for row in connection.execute("pragma table_info(observations)")}
        tables = {row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")}
    finally:
        connection.close()
    head = revision == migrate.head_revision()
    assert ("source" in columns) == (revision != "0001") and ("audit_log" in tables) == head
    return revision, count, head


@pytest.mark.slow
def test_migration_killed_at_random_moments_leaves_old_or_new_schema_never_half(tmp_path: Path):
    template = tmp_path / "template.sqlite"
    _database_at_first_revision(template)
    work = tmp_path / "work"
    work.mkdir()
    full_s = 0.0
    probe = work / "probe.sqlite"
    shutil.copy(template, probe)
    full_s = _timed([PYTHON, "-c", MIGRATOR, f"sqlite:///{probe}"], wait_for_ready=True)
    rng = random.Random(8)
    outcomes = set()
    for run in range(RUNS):
        folder = work / f"run{run}"
        folder.mkdir()
        path = folder / "old.sqlite"
        shutil.copy(template, path)
        _run_and_kill([PYTHON, "-c", MIGRATOR, f"sqlite:///{path}"], rng.uniform(0.0, full_s * 1.1),
                      wait_for_ready=True)
        revision, count, head = _state(path)
        assert revision in ("0001", migrate.head_revision()) and count == OBSERVATIONS
        outcomes.add(head)
        for backup in folder.glob("old.backup-0001-*.sqlite"):
            if backup.name.endswith(".part"):
                continue
            assert _state(backup)[:2] == ("0001", OBSERVATIONS), "a finished backup is a whole copy"
        _assert_checks(path)  # opening upgrades whatever was left behind
        assert _state(path) == (migrate.head_revision(), OBSERVATIONS, True)
    assert outcomes, "no run happened"


def test_backup_before_migration_is_a_whole_copy(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    _database_at_first_revision(path)
    backup = migrate.upgrade(f"sqlite:///{path}")
    assert backup is not None and backup.exists() and not list(tmp_path.glob("*.part"))
    assert _state(backup) == ("0001", OBSERVATIONS, False)
    assert _state(path) == (migrate.head_revision(), OBSERVATIONS, True)


def test_backup_restore_and_check_end_to_end(tmp_path: Path):
    """Through the command line: back up, change, restore, check; a broken backup is refused, untouched."""
    path = tmp_path / "live.sqlite"
    db = open_database(str(path), user="crash-test")
    small_district(db)
    db.dispose()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PYTHON, "-m", "envservices", *args], env=ENV, cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)

    copy = tmp_path / "copy.sqlite"
    assert cli("backup", "--db", str(path), str(copy)).returncode == 0
    with sqlite3.connect(path) as connection:
        connection.execute("delete from plan_visits")
        connection.execute("delete from plan_crew_days")
        connection.execute("delete from plans")
    connection.close()
    restored = cli("restore", "--db", str(path), str(copy))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(path) as connection:
        assert connection.execute("select count(*) from plan_visits").fetchone()[0] == 2
    connection.close()
    assert (tmp_path / "live.sqlite.before-restore").exists()
    checked = cli("check", "--db", str(path))
    assert checked.returncode == 0 and "OK" in checked.stdout, checked.stdout + checked.stderr
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    refused = cli("restore", "--db", str(path), str(junk))
    assert refused.returncode != 0 and "junk.sqlite" in refused.stderr + refused.stdout
    with sqlite3.connect(path) as connection:
        assert connection.execute("select count(*) from plans").fetchone()[0] == 1
    connection.close()
