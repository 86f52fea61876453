"""The command line as a new user meets it: real database files, real GIS files, real exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from envservices.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """A small demo district in a SQLite file, built once for the module's read-only tests."""
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--scale", "0.25", "--seed", "3"]) == 0
    return str(path)


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_info_json_shows_the_demo_counts(demo_db, capsys):
    """`info --json` reports areas, places, assets by kind, crews and observations of the demo."""
    assert main(["info", "--db", demo_db, "--json"]) == 0
    info = _json(capsys)
    assert info["areas"] == 2
    assert info["places"] >= 8
    assert info["assets"]["litter_bin"] > 50
    assert info["assets"]["grass_area"] > 20
    assert info["crews"] >= 2
    assert info["observations"] > 100


def test_db_before_subcommand_is_honoured(demo_db, capsys):
    """`--db` given before the sub-command name is not lost."""
    assert main(["--db", demo_db, "info", "--json"]) == 0
    assert _json(capsys)["areas"] == 2


def test_demo_refuses_to_mix_into_a_district(demo_db, capsys):
    """A second demo into the same database is refused with a sentence, and the data stays as it was."""
    main(["info", "--db", demo_db, "--json"])
    before = _json(capsys)
    assert main(["demo", "--db", demo_db, "--scale", "0.25"]) == 2
    err = capsys.readouterr().err
    assert "already holds a district" in err and "Traceback" not in err
    main(["info", "--db", demo_db, "--json"])
    assert _json(capsys) == before


def test_export_gpkg_opens_with_ogrinfo(demo_db, tmp_path, capsys):
    """The exported GeoPackage has one layer per kind, in British National Grid, and GDAL reads it."""
    out = tmp_path / "demo.gpkg"
    assert main(["export", "--db", demo_db, str(out)]) == 0
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"places", "litter_bin", "grass_area", "roads"} <= layers
    assert pyogrio.read_info(out, layer="places")["crs"] == "EPSG:27700"
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (gdal-bin) is not installed")
    run = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Layer name: places" in run.stdout


def test_export_then_import_round_trips_places_and_bins(demo_db, tmp_path, capsys):
    """Places and litter bins exported to GeoPackage import into a fresh database with the same counts."""
    out = tmp_path / "demo.gpkg"
    assert main(["export", "--db", demo_db, str(out)]) == 0
    capsys.readouterr()
    main(["info", "--db", demo_db, "--json"])
    info = _json(capsys)
    fresh = str(tmp_path / "fresh.sqlite")
    assert main(["import", "--db", fresh, str(out) , "--kind", "place", "--layer", "places",
                 "--area", "Imported", "--json"]) == 0
    assert _json(capsys)["places"] == info["places"]
    assert main(["import", "--db", fresh, str(out), "--kind", "litter_bin", "--layer", "litter_bin",
                 "--area", "Imported", "--json"]) == 0
    report = _json(capsys)
    assert report["assets"]["litter_bin"] == info["assets"]["litter_bin"]
    assert report["not_in_place"] == 0


def test_import_of_a_file_that_is_not_gis_changes_nothing(demo_db, tmp_path, capsys):
    """A text file named .geojson is refused in one sentence and the database is unchanged."""
    bad = tmp_path / "notes.geojson"
    bad.write_text("these are meeting notes, not a map", encoding="utf-8")
    main(["info", "--db", demo_db, "--json"])
    before = _json(capsys)
    assert main(["import", "--db", demo_db, str(bad), "--kind", "litter_bin"]) == 2
    err = capsys.readouterr().err
    assert "notes.geojson" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    main(["info", "--db", demo_db, "--json"])
    assert _json(capsys) == before


def test_unknown_week_is_one_sentence(demo_db, tmp_path, capsys):
    assert main(["plan", "--db", demo_db, "--week", "week 48", "--out", str(tmp_path / "p.json")]) == 2
    assert "ISO week" in capsys.readouterr().err


@pytest.mark.slow
def test_plan_writes_json_with_zero_violations(demo_db, tmp_path, capsys):
    """`plan` on the demo district writes the documented JSON with visits and no violations."""
    out = tmp_path / "plan.json"
    code = main(["plan", "--db", demo_db, "--week", "2026-W22", "--time-limit", "10", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    plan = json.loads(out.read_text())
    assert plan["violations"] == []
    assert plan["crew_days"] and all({"crew", "day", "visits"} <= set(cd) for cd in plan["crew_days"])
    visit = plan["crew_days"][0]["visits"][0]
    assert {"task", "place", "arrive", "start", "end"} <= set(visit)
    assert {"crew_hours", "travel_km", "visits", "unplanned"} <= set(plan["kpis"])
    assert plan["kpis"]["visits"] == sum(len(cd["visits"]) for cd in plan["crew_days"])
    csv_out = tmp_path / "plan.csv"
    assert main(["plan", "--db", demo_db, "--week", "2026-W22", "--time-limit", "5", "--no-save",
                 "--out", str(csv_out)]) == 0
    assert csv_out.read_text().splitlines()[0].startswith("crew,day,order")


def test_simulate_both_regimes_prints_the_issue_figures(demo_db, capsys):
    """`simulate --json` gives regime, weeks, crew hours, travel and the three failure counts, for each
    regime on the same seeded world; without --json a person reads the same, forecast error included."""
    results = {}
    for regime in ("needs", "rota"):
        args = ["simulate", "--db", demo_db, "--weeks", "2", "--regime", regime, "--time-limit", "1", "--json"]
        assert main(args) == 0
        results[regime] = _json(capsys)
    for regime, data in results.items():
        assert data["regime"] == regime and data["weeks"] == 2
        assert data["crew_hours"] > 0 and data["travel_km"] > 0
        assert set(data["failures"]) == {"bin_overflow_days", "grass_over_height_days",
                                         "litter_cd_beyond_response"}
        assert "forecast_mae_by_readings" in data
    assert results["needs"]["visits"] != results["rota"]["visits"]
    assert main(["simulate", "--db", demo_db, "--weeks", "1", "--time-limit", "1", "--cold-start"]) == 0
    out = capsys.readouterr().out
    assert "Regime needs, 1 week:" in out and "bin overflow days" in out and "forecast error" in out


def test_console_script_runs_as_a_process(tmp_path):
    """The installed entry point works as a real process and prints its version."""
    run = subprocess.run([sys.executable, "-m", "envservices", "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("envservices ")


def test_missing_server_is_one_sentence(capsys):
    """A PostgreSQL URL with no server behind it gives a clear sentence, not a traceback."""
    code = main(["info", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.startswith("envservices: ")


def test_paths_are_plain_files(tmp_path, capsys):
    """A bare file path names a SQLite database, which is created on first use."""
    path = Path(tmp_path) / "new.sqlite"
    assert main(["info", "--db", str(path), "--json"]) == 0
    assert _json(capsys)["places"] == 0
    assert path.exists()


def test_first_start_without_a_display_builds_the_demo_and_says_so(tmp_path, monkeypatch, capsys):
    """With no screen, `envservices` still creates the demo district on first start and prints its summary."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    path = tmp_path / "first.sqlite"
    assert main(["--db", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Places: 30" in out and "no display" in err
    assert main(["--db", str(path)]) == 0  # second start: the same district, not a second one
    assert "Places: 30" in capsys.readouterr().out


def test_capacity_prints_skill_weeks_and_refuses_a_bad_week_count(demo_db, capsys):
    """`capacity` gives each skill's crew-days needed and available per week; --weeks 0 is one sentence."""
    assert main(["capacity", "--db", demo_db, "--from", "2026-05-06", "--weeks", "2", "--json"]) == 0
    rows = _json(capsys)
    assert {r["week_start"] for r in rows} == {"2026-05-04", "2026-05-11"}
    assert all(r["needed_crew_days"] >= 1 and r["available_crew_days"] >= 0 for r in rows)
    assert main(["capacity", "--db", demo_db, "--from", "2026-05-06", "--weeks", "0"]) == 2
    assert "--weeks" in capsys.readouterr().err


def test_the_command_line_reads_the_installed_version_only_when_asked():
    """`importlib.metadata` was 30 ms of every desktop start; the version is read for `--version` and About
    only, and is still the installed one."""
    code = ("import sys, envservices.cli\n"
            "print('importlib.metadata' in sys.modules)\n"
            "import envservices\n"
            "print(envservices.__version__)\n"
            "from envservices import __version__\n"
            "print(__version__)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    from importlib.metadata import version

    assert run.stdout.split() == ["False", version("envservices"), version("envservices")]
