"""The packaging files are well-formed, carry the one version from pyproject.toml, and (on request) build.

The real build takes minutes and half a gigabyte, so it runs only with ENVSERVICES_TEST_PACKAGING=1.
"""

from __future__ import annotations

import ast
import configparser
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import envservices

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
LINUX = PACKAGING / "linux"
APP_ID = "uk.gov.envservices"

sys.path.insert(0, str(PACKAGING))
import render_linux  # noqa: E402


def test_version_comes_from_pyproject():
    with (REPO / "pyproject.toml").open("rb") as fh:
        declared = tomllib.load(fh)["project"]["version"]
    assert envservices.__version__ == declared


def test_spec_is_python_and_bundles_what_the_frozen_app_needs():
    text = (PACKAGING / "envservices.spec").read_text(encoding="utf-8")
    ast.parse(text)
    for needed in ('"resources"', "envservices/storage/migrations", "envservices/ui/resources",
                   'collect_data_files("pyogrio"', "pyproj.datadir.get_data_dir()", '"ortools"', '"pyvrp"',
                   '"shapely"', "sqlalchemy.dialects.postgresql.psycopg", "sqlalchemy.dialects.sqlite",
                   'copy_metadata(dist)', '"envservices"', "launcher.py"):
        assert needed in text, f"the spec does not mention {needed}"
    assert (PACKAGING / "launcher.py").is_file()


def test_build_script_builds_then_self_tests_the_built_program():
    script = (PACKAGING / "build.sh").read_text(encoding="utf-8")
    assert os.access(PACKAGING / "build.sh", os.X_OK)
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    build = script.index("PyInstaller")
    self_test = script.index('QT_QPA_PLATFORM=offscreen "$APP" --self-test')
    assert build < script.index('"$APP" --version') < self_test
    completed = subprocess.run(["bash", "-n", str(PACKAGING / "build.sh")], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_desktop_entry_has_the_keys_a_menu_needs():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(LINUX / f"{APP_ID}.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    for key in ("Type", "Name", "Comment", "Exec", "Icon", "Categories", "Terminal"):
        assert entry.get(key), f"the desktop entry lacks {key}"
    assert entry["Type"] == "Application" and entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "envservices" and entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils is not installed")
def test_desktop_entry_passes_desktop_file_validate():
    done = subprocess.run(["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "error" not in done.stdout, done.stdout


def test_metainfo_is_rendered_with_this_version(tmp_path):
    written = render_linux.write_linux_files(tmp_path, envservices.__version__, dt.date(2026, 11, 23))
    suffixes = (".metainfo.xml", ".desktop", ".svg", ".png")
    assert {p.name for p in written} == {f"{APP_ID}{s}" for s in suffixes}
    root = ET.parse(tmp_path / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    (release,) = root.find("releases")
    assert release.get("version") == envservices.__version__ and release.get("date") == "2026-11-23"
    assert "@" not in (tmp_path / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_rendered_metainfo_passes_appstream_validation(tmp_path):
    render_linux.write_linux_files(tmp_path, envservices.__version__)
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(tmp_path / f"{APP_ID}.metainfo.xml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_icons_are_a_real_svg_and_a_256_pixel_png():
    svg = ET.parse(LINUX / f"{APP_ID}.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
    png = (LINUX / f"{APP_ID}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (256, 256)
    assert (PACKAGING / "windows" / "envservices.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_inno_setup_definition_takes_the_version_from_the_build():
    text = (PACKAGING / "windows" / "envservices.iss").read_text(encoding="utf-8")
    sections = set(re.findall(r"^\[(\w+)\]", text, flags=re.MULTILINE))
    assert {"Setup", "Files", "Icons", "Tasks", "Run"} <= sections
    assert "AppVersion={#AppVersion}" in text and "#error" in text  # no version, no installer
    assert "PrivilegesRequiredOverridesAllowed=dialog" in text  # per-user or per-machine
    assert "{autodesktop}" in text and "{group}" in text and "{uninstallexe}" in text
    assert "/DAppVersion=$VERSION" in (PACKAGING / "build.sh").read_text(encoding="utf-8")


def test_user_guide_has_a_section_per_role_and_its_screenshots_exist():
    guide = REPO / "resources" / "guide" / "USER_GUIDE.md"
    text = guide.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    for role in ("depot supervisor", "team leader", "service manager", "administrator"):
        assert any(role in h.lower() for h in headings), f"no section for the {role}"
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (guide.parent / image).resolve().is_file(), f"the guide shows {image}, which does not exist"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ENVSERVICES_TEST_PACKAGING") != "1",
                    reason="the real PyInstaller build takes minutes: "
                           "set ENVSERVICES_TEST_PACKAGING=1 to run it")
def test_the_packaged_application_builds_and_passes_its_self_test():
    done = subprocess.run(["bash", str(PACKAGING / "build.sh")], cwd=REPO, capture_output=True, text=True,
                          timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"envservices {envservices.__version__}" in done.stdout
    assert "self-test: OK" in done.stdout
    app = REPO / "dist" / "envservices" / "envservices"
    version = subprocess.run([str(app), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"envservices {envservices.__version__}"
    assert (REPO / "dist" / "linux" / f"{APP_ID}.metainfo.xml").is_file()
