"""The variables of each stage, with their bounds."""

from __future__ import annotations

import numpy as np
import pulp

from siting.instance import Instance
from siting.model.base import SitingModel


def first_stage(
    prob: pulp.LpProblem, inst: Instance
) -> tuple[list[pulp.LpVariable], list[pulp.LpVariable]]:
    """Add the first-stage variables: ``y_s`` (open, binary) and ``x_s`` (new MW)."""
    opened = [prob.add_variable(f"open_{s}", 0, 1, pulp.LpBinary) for s in range(inst.n_sites)]
    build = [
        prob.add_variable(f"build_{s}", 0, float(inst.headroom_mw[s])) for s in range(inst.n_sites)
    ]
    return opened, build


def second_stage(
    prob: pulp.LpProblem,
    inst: Instance,
    opened: list[pulp.LpVariable],
    build: list[pulp.LpVariable],
    *,
    elastic: bool = False,
    tag: str = "",
) -> SitingModel:
    """Add one scenario's second-stage variables: ``t_s``, ``z_s``, ``f_k`` and shortfall."""
    cap = inst.capacity_mw
    needs_cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    can_train = cap >= inst.min_cluster_mw - 1e-9 if needs_cluster else cap > 0
    train = [
        prob.add_variable(f"{tag}train_{s}", 0, float(cap[s]) if can_train[s] else 0.0)
        for s in range(inst.n_sites)
    ]
    hosts = [
        prob.add_variable(f"{tag}hosts_training_{s}", 0, 1, pulp.LpBinary)
        if needs_cluster and can_train[s]
        else None
        for s in range(inst.n_sites)
    ]
    upper = np.minimum(inst.demand_mw * inst.max_site_share, inst.demand_mw)[inst.pair_hub]
    upper = np.minimum(upper, cap[inst.pair_site])
    serve = [prob.add_variable(f"{tag}serve_{k}", 0, float(upper[k])) for k in range(inst.n_pairs)]
    shortfall = []
    if elastic:
        shortfall = [prob.add_variable(f"{tag}unmet_hub_{h}", 0) for h in range(inst.n_hubs)]
        shortfall.append(prob.add_variable(f"{tag}unmet_training", 0))
    return SitingModel(prob, inst, opened, build, train, hosts, serve, shortfall, tag)


def pairs_by(index: np.ndarray, size: int) -> list[np.ndarray]:
    """Pair indices grouped by hub or site: element ``i`` lists the pairs of ``i``."""
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]
