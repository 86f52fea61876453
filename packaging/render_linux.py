"""Write the Linux desktop files of this version into a folder: the AppStream file gets the version and date.

The version lives only in pyproject.toml (read through `envservices.__version__`); the metainfo template in
packaging/linux/ carries @VERSION@ and @DATE@ placeholders that this fills in, so they can never disagree.

    python packaging/render_linux.py dist/linux
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

LINUX = Path(__file__).resolve().parent / "linux"
APP_ID = "uk.gov.envservices"


def render_metainfo(version: str, date: dt.date) -> str:
    """The AppStream XML for this release."""
    template = (LINUX / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    return template.replace("@VERSION@", version).replace("@DATE@", date.isoformat())


def write_linux_files(out: Path, version: str, date: dt.date | None = None) -> list[Path]:
    """Copy the desktop entry and icons into `out` and write the versioned AppStream file beside them."""
    out.mkdir(parents=True, exist_ok=True)
    metainfo = out / f"{APP_ID}.metainfo.xml"
    metainfo.write_text(render_metainfo(version, date or dt.date.today()), encoding="utf-8")
    written = [metainfo]
    for suffix in (".desktop", ".svg", ".png"):
        written.append(Path(shutil.copy2(LINUX / f"{APP_ID}{suffix}", out / f"{APP_ID}{suffix}")))
    return written


if __name__ == "__main__":
    from envservices import __version__

    for path in write_linux_files(Path(sys.argv[1] if len(sys.argv) > 1 else "dist/linux"), __version__):
        print(path)
