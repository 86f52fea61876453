"""The user guide's "Load your council's own data" commands, run exactly as written on the sample files."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from envservices.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "resources" / "guide" / "USER_GUIDE.md"
SAMPLES = ROOT / "resources" / "samples"


def _commands() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("### Load your council's own data", 1)[1].split("\n### ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("envservices ")]


def test_the_guide_is_followed_as_written(tmp_path, monkeypatch, capsys):
    """Each command in the guide's block succeeds in a fresh folder holding the sample files."""
    for f in SAMPLES.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    monkeypatch.chdir(tmp_path)
    commands = _commands()
    assert len(commands) >= 18
    for args in commands:
        assert main(args) == 0, (args, capsys.readouterr().err)
    out = capsys.readouterr()
    assert "Imported 8 rota lines" in out.out
    plan = (tmp_path / "plan.csv").read_text(encoding="utf-8")
    assert "weed_spray" not in plan  # the sample rota does not name it
    assert "Marked 2 visits" in out.out
