"""The checker's walk of a split-body vehicle's loads: per compartment, independent of the engine's simulator.

Part of `check.py` (and, like it, sharing no code with the solver): a collection's load goes into the first
compartment that takes its stream (`ProblemCrew.compartment_for`, the rule of the problem itself); a tip
empties each compartment whose every stream on board it takes (`PlanningProblem.tips_taking`), and the others
keep their load; a compartment holding more than its litres is a violation naming the crew-day, the
compartment and the stop.
"""

from __future__ import annotations

from envservices.planning.problem import PlanningProblem, ProblemCrew, ProblemTask


class Bodies:
    """The loads of one crew-day's split-body vehicle along its route."""

    def __init__(self, crew: ProblemCrew) -> None:
        self.crew = crew
        self.loads = [0] * len(crew.compartments)
        self.streams: list[set[str | None]] = [set() for _ in crew.compartments]

    def name(self, c: int) -> str:
        """`compartment 2 (food, 2,000 l)`: how a violation names a compartment."""
        comp = self.crew.compartments[c]
        what = ", ".join(sorted(x.replace("_", " ") for x in comp.streams)) or "any load"
        return f"compartment {c + 1} ({what}, {comp.capacity_l:,} l)"

    def load(self, t: ProblemTask, label: str, out: list[str]) -> None:
        """Put a task's load aboard; a violation when no compartment takes it or its compartment overflows."""
        if t.volume_l <= 0:
            return
        c = self.crew.compartment_for(t.stream)
        if c < 0:
            out.append(f"task {t.id}: route {label}: no compartment of the vehicle of {self.crew.id} takes "
                       f"{(t.stream or 'street waste').replace('_', ' ')}")
            return
        self.loads[c] += t.volume_l
        self.streams[c].add(t.stream)
        if self.loads[c] > self.crew.compartments[c].capacity_l:
            out.append(f"task {t.id}: route {label}: {self.name(c)} holds {self.loads[c]:,} l after this stop, "
                       f"more than its {self.crew.compartments[c].capacity_l:,} l")

    def unload(self, problem: PlanningProblem, j: int) -> None:
        """Tip j empties each compartment whose every stream it takes."""
        for c, streams in enumerate(self.streams):
            if self.loads[c] and all(j in problem.tips_taking(s) for s in streams):
                self.loads[c] = 0
                streams.clear()

    def room_for(self, t: ProblemTask) -> bool:
        """Whether the task's load fits in its compartment on top of what is aboard now."""
        if t.volume_l <= 0:
            return True
        c = self.crew.compartment_for(t.stream)
        return c >= 0 and self.loads[c] + t.volume_l <= self.crew.compartments[c].capacity_l
