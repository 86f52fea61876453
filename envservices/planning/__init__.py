"""Weekly planning: build the problem from domain objects, solve it, check it, and turn it into a Plan."""

from envservices.planning.build import build_problem, straight_line_travel
from envservices.planning.check import check
from envservices.planning.interpret import to_plan
from envservices.planning.solve import solve
from envservices.planning.stop import AnyOf, Cancel, IterationLimit, TimeLimit

__all__ = [
    "build_problem",
    "straight_line_travel",
    "check",
    "to_plan",
    "solve",
    "AnyOf",
    "Cancel",
    "IterationLimit",
    "TimeLimit",
]
