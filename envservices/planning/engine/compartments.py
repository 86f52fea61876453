"""Split-body vehicles in the engine: which compartment takes each task's load, and why a task cannot go.

A refuse vehicle may have a split body (a recycling body and a food pod, `ProblemCrew.compartments`). The
simulator (`schedule.py`) keeps a load per compartment; this module gives it, per crew, the compartment each
task's load goes into, and gives eligibility its reason when no compartment of any able vehicle takes a task.
"""

from __future__ import annotations

from envservices.planning.problem import PlanningProblem, ProblemCrew, ProblemTask


def compartments_of(problem: PlanningProblem) -> list[list[int] | None]:
    """Per crew, the compartment (index) each task's load goes into, -1 where none takes its stream; None for
    a one-body vehicle (every load into its one body). A task with no load needs no compartment."""
    out: list[list[int] | None] = []
    for c in problem.crews:
        if not c.compartments:
            out.append(None)
            continue
        index: dict[str | None, int] = {}
        row = []
        for t in problem.tasks:
            if t.volume_l <= 0:
                row.append(0)
                continue
            if t.stream not in index:
                index[t.stream] = c.compartment_for(t.stream)
            row.append(index[t.stream])
        out.append(row)
    return out


def room_l(crew: ProblemCrew, stream: str | None) -> int:
    """Litres the crew's vehicle has for a load of this stream: the compartment that takes it (the whole body
    for a one-body vehicle), 0 when no compartment does. Every size check of a task against a vehicle (the
    filters of the assignment, the pieces, the depot split, the benchmark's bound) goes through this, so none
    lets a food bag into a split body's 16,500 l recycling side."""
    c = crew.compartment_for(stream)
    return crew.capacities[c] if c >= 0 else 0


def holds(crew: ProblemCrew, task: ProblemTask) -> bool:
    """Whether the crew's vehicle can carry this task's load alone: a compartment that takes its stream and
    is big enough (the whole body for a one-body vehicle)."""
    return task.volume_l <= 0 or room_l(crew, task.stream) >= task.volume_l


def not_held_reason(task: ProblemTask, crews: list[ProblemCrew], names: dict[str, str]) -> str:
    """Why none of these able crews' vehicles can carry the task, in one phrase naming the stream, the
    vehicle or the volume."""
    if all(c.capacity_l <= 0 and not c.compartments for c in crews):
        return "the vehicles of the crews that could do it have no capacity (0 l)"
    if all(c.compartments and c.compartment_for(task.stream) < 0 for c in crews):
        stream = (task.stream or "street waste").replace("_", " ")
        which = ", ".join(names.get(c.id, c.id) for c in crews[:3]) + (" and others" if len(crews) > 3 else "")
        return f"no compartment of the vehicle of {which} takes {stream}"
    return f"its volume ({task.volume_l} l) is more than any able crew's vehicle holds"


class LoadDimensions:
    """A day's loads as PyVRP load dimensions, when a crew-day of the day has a split body.

    One dimension per compartment of each distinct body layout among the day's crew-days (a one-body
    vehicle is a layout of one compartment taking everything): a task's load counts in the compartment that
    takes it in every layout, and a vehicle's capacity is its own compartments' litres on its layout's
    dimensions and unbounded on the others'. So each vehicle is held to exactly its own compartments, and a
    day with no split body keeps PyVRP's one dimension as before (`None` from `of_day`). A PyVRP reload (a
    tip that takes every stream the crew-day may collect) empties all dimensions, as the simulator's tip
    then empties every compartment.
    """

    def __init__(self, s, ks: list[int]) -> None:
        crews = s.p.crews
        self.s = s
        self.offset: dict[tuple, int] = {}  # layout -> its first dimension
        self.layout_of_crew: dict[int, tuple] = {}
        n = 0
        for k in ks:
            ci = s.crewdays[k].crew
            layout = tuple(c.streams for c in crews[ci].compartments)
            self.layout_of_crew[ci] = layout
            if layout not in self.offset:
                self.offset[layout] = n
                n += len(layout) or 1
        self.size = n
        self.crew_of_layout = {layout: ci for ci, layout in self.layout_of_crew.items()}
        self.unbounded = sum(s.vol) + 1

    @classmethod
    def of_day(cls, s, ks: list[int]) -> LoadDimensions | None:
        if all(s.comp_of[s.crewdays[k].crew] is None for k in ks):
            return None
        return cls(s, ks)

    def loads(self, tasks: list[int]) -> tuple[int, ...]:
        """These tasks' loads (one visit) per dimension."""
        out = [0] * self.size
        for layout, o in self.offset.items():
            comp = self.s.comp_of[self.crew_of_layout[layout]]
            for t in tasks:
                c = comp[t] if comp is not None else 0
                if c >= 0:
                    out[o + c] += self.s.vol[t]
        return tuple(out)

    def capacities(self, k: int) -> tuple[int, ...]:
        cd = self.s.crewdays[k]
        out = [self.unbounded] * self.size
        o = self.offset[self.layout_of_crew[cd.crew]]
        for c, cap in enumerate(cd.capacities):
            out[o + c] = cap
        return tuple(out)
