"""The supervisor's decisions not yet planned: pins, locked days, absences and urgent work. No Qt: the board
keeps one `PendingChanges`, shows `summary()`, and hands `prepare_args()` to the next re-plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from envservices.domain.model import Pin, Plan, Task

CellKey = tuple[str, dt.date]  # (crew id, day)


@dataclass
class PendingChanges:
    """What the next re-plan must respect. Belongs to one week: `forget()` when the week changes."""

    pins: dict[str, Pin] = field(default_factory=dict)  # task id -> pin
    locked: set[CellKey] = field(default_factory=set)
    absent: set[CellKey] = field(default_factory=set)
    extra: list[Task] = field(default_factory=list)  # urgent work added since the last plan
    dirty: bool = False  # changed since the plan shown was generated

    def pin(self, task_id: str, crew_id: str, day: dt.date) -> None:
        self.pins[task_id] = Pin(task_id=task_id, crew_id=crew_id, day=day)
        self.dirty = True

    def unpin(self, task_id: str) -> None:
        self.pins.pop(task_id, None)
        self.dirty = True

    def lock(self, key: CellKey, on: bool) -> None:
        """Lock (or unlock) a crew-day; a locked crew is not absent."""
        if on:
            self.absent.discard(key)
            self.locked.add(key)
        else:
            self.locked.discard(key)
        self.dirty = True

    def set_absent(self, key: CellKey, on: bool) -> None:
        """Mark a crew-day absent (its lock and the pins sent there go) or back at work."""
        if on:
            self.absent.add(key)
            self.locked.discard(key)
            for task_id, pin in list(self.pins.items()):
                if (pin.crew_id, pin.day) == key:
                    del self.pins[task_id]
        else:
            self.absent.discard(key)
        self.dirty = True

    def add_urgent(self, task: Task) -> None:
        self.extra.append(task)
        self.dirty = True

    def clear(self, plan: Plan | None) -> None:
        """Forget what was not planned; days the stored plan keeps locked stay locked."""
        self.pins.clear()
        self.absent.clear()
        self.extra.clear()
        self.locked = {(cd.crew_id, cd.day) for cd in plan.crew_days if cd.locked} if plan else set()
        self.dirty = True

    def forget(self) -> None:
        """A new week: nothing carries over."""
        self.pins.clear()
        self.locked.clear()
        self.absent.clear()
        self.extra.clear()
        self.dirty = False

    def pins_per_cell(self) -> dict[CellKey, int]:
        out: dict[CellKey, int] = {}
        for pin in self.pins.values():
            out[(pin.crew_id, pin.day)] = out.get((pin.crew_id, pin.day), 0) + 1
        return out

    def summary(self) -> str:
        """'2 pinned, 1 locked: press Re-plan to apply' (empty when nothing is pending)."""
        parts = []
        for count, word in ((len(self.pins), "pinned"), (len(self.locked), "locked"), (len(self.absent), "absent"),
                            (len(self.extra), "urgent")):
            if count:
                parts.append(f"{count} {word}")
        return ", ".join(parts) + (": press Re-plan to apply" if self.dirty else "")

    def prepare_args(self, week: str, area: str | None, depot: str | None, plan: Plan | None) -> dict[str, Any]:
        """The keyword arguments of `services.planning.prepare_week` for these decisions."""
        locked_plan = plan if plan is not None and self.locked else None
        return {
            "week": week,
            "area": area,
            "depot": depot,
            "pins": tuple(self.pins.values()),
            "absent": tuple(sorted(self.absent)),
            "locked_plan": locked_plan,
            "locked_days": tuple(sorted(self.locked)) if locked_plan is not None else (),
            "extra_tasks": tuple(self.extra),
        }


__all__ = ["CellKey", "PendingChanges"]
