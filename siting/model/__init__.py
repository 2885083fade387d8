"""The MILP, written once as vectorised families and built as arrays.

``families`` holds one function per constraint family (``define_*``), ``build`` composes them
into the single-period, robust, classic and covering models, ``arrays`` holds the
:class:`ArrayModel` they build and the solvers read, and ``pulp_model`` derives the PuLP
problem from it (:func:`to_pulp`, for CBC and for users who want the ``LpProblem``).
``periods`` builds the multi-period model. ``docs/model.md`` has the maths and says how a
family is written and composed.
"""

from siting.model.arrays import ArrayModel, Builder, Layout
from siting.model.base import OBJECTIVE_UNIT, SHORTFALL_PENALTY, Forcing
from siting.model.build import (
    build_arrays,
    build_classic,
    build_covering,
    build_robust,
    fix_plan,
)
from siting.model.classic import (
    UNITS,
    check_classic,
    objective_scale,
    objective_value,
    serve_mw,
)
from siting.model.families import objective_terms
from siting.model.pulp_model import to_pulp

__all__ = [
    "OBJECTIVE_UNIT",
    "SHORTFALL_PENALTY",
    "UNITS",
    "ArrayModel",
    "Builder",
    "Forcing",
    "Layout",
    "build_arrays",
    "build_classic",
    "build_covering",
    "build_robust",
    "check_classic",
    "fix_plan",
    "objective_scale",
    "objective_terms",
    "objective_value",
    "serve_mw",
    "to_pulp",
]
