"""The constraint families, one function each, written once as vectorised array blocks.

Every family is ``define_x(b, v, inst)``: it writes its rows into the
:class:`~siting.model.arrays.Builder` ``b`` over the columns ``v`` (a :class:`Columns` record,
from :func:`define_columns`) of one instance ``inst``. The builds of :mod:`siting.model.build`
compose them; ``docs/model.md`` ("How a family is written and composed") has the maths.
"""

from siting.model.families.capacity import define_capacity, define_headroom, define_pair_open
from siting.model.families.classic import (
    define_assign_open,
    define_assignment,
    define_center,
    define_cover,
    define_site_count,
)
from siting.model.families.cluster import define_training_cluster
from siting.model.families.columns import Columns, define_columns, define_first_stage
from siting.model.families.demand import define_inference_demand, define_training_demand
from siting.model.families.failover import define_failover
from siting.model.families.forcing import define_forcing
from siting.model.families.objective import objective_terms, shortfall_penalty, voucher_value
from siting.model.families.policy import define_green_power, define_vouchers
from siting.model.families.staff import define_staff

__all__ = [
    "Columns",
    "define_assign_open",
    "define_assignment",
    "define_capacity",
    "define_center",
    "define_columns",
    "define_cover",
    "define_failover",
    "define_first_stage",
    "define_forcing",
    "define_green_power",
    "define_headroom",
    "define_inference_demand",
    "define_pair_open",
    "define_site_count",
    "define_staff",
    "define_training_cluster",
    "define_training_demand",
    "define_vouchers",
    "objective_terms",
    "shortfall_penalty",
    "voucher_value",
]
