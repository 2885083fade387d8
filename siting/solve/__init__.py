"""Run the solver and return a typed, honest solution.

``options`` holds the run options, ``direct`` picks the strategy and runs the solver,
``decompose`` holds the LP-guided decomposition for large instances, ``highs`` and ``cbc``
talk to the two solvers, and ``status`` holds the solution types and the rule for calling a
plan optimal.
"""

from siting.solve import decompose
from siting.solve.direct import (
    build_for,
    explain_infeasibility,
    solve,
    solve_robust,
)
from siting.solve.options import RunOptions
from siting.solve.status import STRATEGIES, RobustSolution, Solution, Status

__all__ = [
    "STRATEGIES",
    "RobustSolution",
    "RunOptions",
    "Solution",
    "Status",
    "build_for",
    "decompose",
    "explain_infeasibility",
    "solve",
    "solve_robust",
]
