"""The objective of one scenario, as terms over its columns (docs/model.md, "Objective")."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import IndexArray
from siting.model.base import OBJECTIVE_UNIT, SHORTFALL_PENALTY
from siting.model.classic import serve_cost
from siting.model.families.columns import Columns


def shortfall_penalty(inst: Instance) -> float:
    """Cost of one MW of unmet demand: :data:`SHORTFALL_PENALTY` times the dearest MW served."""
    worst = max(
        float(np.max(inst.sites.capex_cost, initial=0) + np.max(inst.sites.unit_opex, initial=0)),
        float(np.max(inst.pairs.cost, initial=0)),
        1.0,
    )
    return SHORTFALL_PENALTY * worst / OBJECTIVE_UNIT


def voucher_value(inst: Instance) -> np.ndarray:
    """Cost of a voucher MW ``w_v``: ``-κ_v R^v``, in :data:`OBJECTIVE_UNIT` per MW, shape (V,).

    Also each year's (times its discount factor) in the multi-period objective.
    """
    return -inst.policy.vouchers.cny_per_mw / OBJECTIVE_UNIT


def objective_terms(inst: Instance, v: Columns) -> tuple[IndexArray, np.ndarray]:
    """Yearly cost of one scenario: fixed, annualised capex, running costs and network.

    When maximising margin, rental revenue per MW hosted is subtracted (cost − revenue);
    compute vouchers are subtracted at their value per MW; unmet demand (elastic) costs
    :func:`shortfall_penalty`. A classic kind's objective instead: the assignment shares'
    weights (:func:`~siting.model.classic.serve_cost`), plus one per open site for LSCP.

    Returns
    -------
    tuple of numpy.ndarray
        Columns and their coefficients, in :data:`OBJECTIVE_UNIT` per unit of the column
        (a column may appear once).
    """
    if inst.classic:
        per_site = float(inst.objective_kind == "lscp")
        cols = np.concatenate([v.open, v.serve])
        coefs = np.concatenate([np.full(inst.n_sites, per_site), serve_cost(inst)])
        return cols, coefs
    unit = (inst.sites.unit_opex - inst.rent[:, None] * inst.maximise_margin) / OBJECTIVE_UNIT
    serve = unit[inst.pair_workload, inst.pairs.site] + inst.pairs.cost / OBJECTIVE_UNIT
    parts = [
        (v.open, inst.sites.fixed_cost / OBJECTIVE_UNIT),
        (v.build, inst.sites.capex_cost / OBJECTIVE_UNIT),
        (v.train, unit[0]),
        (v.serve, serve),
        (v.shortfall, np.full(len(v.shortfall), shortfall_penalty(inst))),
        (v.voucher, voucher_value(inst)),
    ]
    cols = np.concatenate([c for c, _ in parts])
    coefs = np.concatenate([np.broadcast_to(k, len(c)) for c, k in parts]).astype(float)
    return cols, coefs
