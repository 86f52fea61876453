"""Refusals on the command line store nothing and say one sentence (issue 16): output paths, weeks, --db URLs."""

from __future__ import annotations

import json

import pytest

from envservices.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("refusals") / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--scale", "0.25", "--seed", "3"]) == 0
    return str(path)


def _plans(db: str, capsys) -> int:
    capsys.readouterr()
    assert main(["info", "--db", db, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["plans"]


@pytest.mark.parametrize("out", ["p.xlsx", "missing-folder/p.json", "p"])
def test_a_plan_that_cannot_be_written_is_refused_before_it_is_saved(demo_db, tmp_path, capsys, out):
    before = _plans(demo_db, capsys)
    code = main(["plan", "--db", demo_db, "--week", "2026-W26", "--time-limit", "1", "--out", str(tmp_path / out)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("envservices: cannot write") and err.count("\n") == 1, err
    assert _plans(demo_db, capsys) == before


def test_a_folder_as_output_is_refused(demo_db, tmp_path, capsys):
    folder = tmp_path / "plan.json"
    folder.mkdir()
    assert main(["plan", "--db", demo_db, "--week", "2026-W26", "--time-limit", "1", "--out", str(folder)]) == 2
    assert "it is a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("url", "words"), [
    ("sqlite://", "in memory, so nothing 'import' stores would be kept"),
    ("sqlite:///:memory:", "in memory, so nothing 'import' stores would be kept"),
    ("", "--db is empty"),
    ("   ", "--db is empty"),
    ("postgresql://", "must name the server and the database"),
    ("postgresql://nobody@127.0.0.1/", "must name the server and the database"),
    ("postgres:///envservices", "must name the server and the database"),
    ("mysql://u:secret@db.example/council", "SQLite or PostgreSQL, not mysql"),
    ("oracle+cx://x/y", "SQLite or PostgreSQL, not oracle"),
    ("::://", "not a database address"),
])
def test_a_db_url_that_would_keep_nothing_or_go_elsewhere_is_refused(tmp_path, capsys, url, words):
    sheet = tmp_path / "bins.csv"
    sheet.write_text("easting,northing\n400000,260000\n", encoding="utf-8")
    assert main(["import", str(sheet), "--db", url]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "secret" not in err, err


def test_an_in_memory_database_may_still_be_read(capsys):
    assert main(["info", "--db", "sqlite://", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["places"] == 0


def test_check_lists_damage_and_points_to_restore(demo_db, tmp_path, capsys):
    import shutil
    import sqlite3

    damaged = tmp_path / "damaged.sqlite"
    assert main(["backup", str(damaged), "--db", demo_db]) == 0
    with sqlite3.connect(damaged) as connection:
        connection.execute("update places set attributes = CAST(X'7b2261223a22ff22' AS TEXT) "
                           "where rowid in (select rowid from places limit 1)")
    connection.close()
    capsys.readouterr()
    assert main(["check", "--db", str(damaged)]) == 1
    out = capsys.readouterr().out
    assert "table places has rows that cannot be read" in out and "envservices restore" in out
    good = tmp_path / "good.sqlite"
    shutil.copy(demo_db, good)
    assert main(["restore", str(good), "--db", str(damaged)]) == 0
    assert main(["check", "--db", str(damaged)]) == 0


@pytest.mark.parametrize("target", ["missing/b.sqlite", "."])
def test_backup_to_a_place_it_cannot_write_is_one_sentence(demo_db, tmp_path, capsys, target):
    assert main(["backup", str(tmp_path / target), "--db", demo_db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("envservices: ") and err.count("\n") == 1 and "unexpected" not in err


@pytest.mark.parametrize("week", ["9999-W52", "２０２６-W26", "2027-W53"])
def test_impossible_weeks_are_one_sentence(demo_db, tmp_path, capsys, week):
    assert main(["plan", "--db", demo_db, "--week", week, "--out", str(tmp_path / "p.json")]) == 2
    err = capsys.readouterr().err
    assert "unexpected" not in err and err.count("\n") == 1
