"""envservices: plan street cleansing and grounds maintenance by place and by need."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """The installed version, read on first use: importing `importlib.metadata` costs 30 ms of every desktop
    start (`python -X importtime -c "import envservices.cli"`), and only `--version` and Help > About need it."""
    if name != "__version__":
        raise AttributeError(f"module 'envservices' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("envservices")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
