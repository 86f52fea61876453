"""Weekly planning: build the problem from domain objects, solve it, check it, and turn it into a Plan.

The names below are imported on first use: `planning.problem` (what the desktop reads at start, through the
record screen's visit list) then needs neither the engine nor multiprocessing, 0.2-0.3 s of every start
(`python -m envservices.ui.start_bench`).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_WHERE = {
    "build_problem": "build",
    "straight_line_travel": "build",
    "check": "check",
    "to_plan": "interpret",
    "solve": "solve",
    "AnyOf": "stop",
    "Cancel": "stop",
    "IterationLimit": "stop",
    "TimeLimit": "stop",
}


class _Package(types.ModuleType):
    """`planning.solve` and `planning.check` name the functions, as they always have, although the modules
    that hold them have the same names: the import system binds a submodule to its package once imported, and
    that binding would otherwise hide the function (`from envservices.planning import solve` gave the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_WHERE)
