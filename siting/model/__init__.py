"""The MILP, built with PuLP: one small function per constraint family.

``base`` holds the units and containers, ``variables`` and ``constraints`` the blocks of the
formulation (``docs/model.md``), ``build`` assembles them.
"""

from siting.model.arrays import ArrayModel, Layout, build_arrays, from_pulp
from siting.model.base import (
    OBJECTIVE_UNIT,
    SHORTFALL_PENALTY,
    Forcing,
    RobustModel,
    SitingModel,
    Terms,
    summed,
)
from siting.model.build import build_model, build_robust_model, fix_plan
from siting.model.classic import (
    UNITS,
    build_classic,
    check_classic,
    define_assign_open,
    define_assignment,
    define_center,
    define_site_count,
    objective_scale,
    objective_value,
    serve_mw,
)
from siting.model.constraints import (
    define_capacity,
    define_failover,
    define_forcing,
    define_green_power,
    define_headroom,
    define_inference_demand,
    define_operations,
    define_pair_open,
    define_staff,
    define_training_cluster,
    define_training_demand,
    define_vouchers,
    objective_terms,
)

__all__ = [
    "OBJECTIVE_UNIT",
    "SHORTFALL_PENALTY",
    "UNITS",
    "ArrayModel",
    "Forcing",
    "Layout",
    "RobustModel",
    "SitingModel",
    "Terms",
    "build_arrays",
    "build_classic",
    "build_model",
    "build_robust_model",
    "check_classic",
    "define_assign_open",
    "define_assignment",
    "define_capacity",
    "define_center",
    "define_failover",
    "define_forcing",
    "define_green_power",
    "define_headroom",
    "define_inference_demand",
    "define_operations",
    "define_pair_open",
    "define_site_count",
    "define_staff",
    "define_training_cluster",
    "define_training_demand",
    "define_vouchers",
    "fix_plan",
    "from_pulp",
    "objective_scale",
    "objective_terms",
    "objective_value",
    "serve_mw",
    "summed",
]
