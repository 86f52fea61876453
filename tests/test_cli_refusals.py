"""Refusals on the command line store nothing and say one sentence (issue 16): output paths, weeks, --db URLs."""

from __future__ import annotations

import json
from pathlib import Path

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
