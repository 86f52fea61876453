"""Find files shipped with envservices (demo boundaries, default settings, icons), installed or not.

A source checkout (and an editable install) keeps them in `<repo>/resources`; a frozen build carries a copy in
`envservices/_resources`; a wheel installs them under `<prefix>/share/envservices` (pyproject's data-files).
Code asks for a file by its parts and never cares which of these it came from.
"""

from __future__ import annotations

import sys
from pathlib import Path

from envservices.errors import UserError

_PACKAGE_DIR = Path(__file__).resolve().parent


class ResourceNotFound(UserError, FileNotFoundError):
    """A file that should ship with envservices is missing: the installation is incomplete."""


def resource_roots() -> tuple[Path, ...]:
    """Folders searched for resources, in order: the source checkout first, then the installed copies."""
    return (_PACKAGE_DIR.parent / "resources", _PACKAGE_DIR / "_resources",
            Path(sys.prefix) / "share" / "envservices")


def resource_path(*parts: str) -> Path:
    """The path of a shipped file or folder, e.g. resource_path("boundaries", "x.geojson")."""
    for root in resource_roots():
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    wanted = "/".join(parts)
    looked = " and ".join(str(r) for r in resource_roots())
    raise ResourceNotFound(f"the resource '{wanted}' is missing from both {looked}; reinstall envservices")
