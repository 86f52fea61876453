"""The field loop's commands: serve, timesheet, apikeys and crew-link, with real files and exit codes."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from field_helpers import make_field_db

from envservices.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_timesheet_apikeys_and_crew_link(tmp_path, capsys):
    """timesheet writes a CSV per crew-day; apikeys adds and lists keys; crew-link prints a link and a QR image."""
    path = tmp_path / "c.sqlite"
    make_field_db(path).dispose()
    db = ["--db", str(path)]
    assert main(["timesheet", *db, "--week", "2026-W49", "--out", str(tmp_path / "t.csv")]) == 0
    assert [r["crew"] for r in csv.DictReader((tmp_path / "t.csv").open())] == ["Crew A", "Crew B"]
    assert main(["timesheet", *db, "--week", "2026-W47", "--out", str(tmp_path / "x.csv")]) == 2
    assert "no stored plan for 2026-W47" in capsys.readouterr().err
    assert main(["--user", "super", "apikeys", *db, "add", "fixmystreet"]) == 0
    assert "API key for fixmystreet" in capsys.readouterr().out
    assert main(["--user", "super", "apikeys", *db, "list"]) == 0
    assert capsys.readouterr().out.startswith("fixmystreet: issued")
    assert main(["--user", "nobody", "apikeys", *db, "add", "crm"]) == 2
    assert "nobody is not a user" in capsys.readouterr().err
    qr = tmp_path / "link.png"
    assert main(["--user", "super", "crew-link", *db, "crew-a", "2026-11-30", "--qr", str(qr)]) == 0
    assert capsys.readouterr().out.startswith("http://127.0.0.1:8765/crew/")
    assert qr.read_bytes().startswith(b"\x89PNG")
    assert main(["--user", "super", "crew-link", *db, "crew-a", "2026-11-29"]) == 2
    assert "no stored plan has a day for crew 'crew-a'" in capsys.readouterr().err


def test_serve_listens_on_localhost_and_answers(tmp_path):
    """`envservices serve` starts on 127.0.0.1 and serves the schedule page until stopped."""
    path = tmp_path / "s.sqlite"
    make_field_db(path).dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ENVSERVICES_USER": "super", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "envservices", "serve", "--db", str(path), "--port", str(port)],
                            env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/schedules", timeout=2) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        assert "When is my street cleaned?" in body
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert f"on http://127.0.0.1:{port}" in err
