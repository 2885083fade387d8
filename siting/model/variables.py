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
        prob.add_variable(f"build_{s}", 0, float(inst.sites.headroom_mw[s]))
        for s in range(inst.n_sites)
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
    cap = inst.sites.capacity_mw
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
    upper = inst.pair_upper_mw
    serve = [prob.add_variable(f"{tag}serve_{k}", 0, float(upper[k])) for k in range(inst.n_pairs)]
    shortfall = []
    if elastic:
        shortfall = [prob.add_variable(f"{tag}unmet_hub_{g}", 0) for g in range(inst.n_streams)]
        shortfall.append(prob.add_variable(f"{tag}unmet_training", 0))
    model = SitingModel(prob, inst, opened, build, train, hosts, serve, shortfall, tag)
    policy_stage(prob, model)
    return model


def policy_stage(prob: pulp.LpProblem, m: SitingModel) -> None:
    """Add the failover reserve ``r_k``, peak ``m_g`` and voucher ``w_v`` variables, if used."""
    inst, tag = m.instance, m.tag
    if inst.stream_failover.any():
        demand = inst.stream_demand_mw
        room = np.minimum(demand[inst.pair_stream], inst.sites.capacity_mw[inst.pairs.site])
        on = inst.stream_failover[inst.pair_stream] > 0
        m.reserve = [
            prob.add_variable(f"{tag}reserve_{k}", 0, float(room[k])) if on[k] else None
            for k in range(inst.n_pairs)
        ]
        m.peak = [
            prob.add_variable(f"{tag}failover_peak_{g}", 0, float(demand[g]))
            if inst.stream_failover[g] > 0
            else None
            for g in range(inst.n_streams)
        ]
    most = [float(v) if np.isfinite(v) else None for v in inst.policy.vouchers.max_mw]
    m.voucher = [prob.add_variable(f"{tag}voucher_{v}", 0, most[v]) for v in range(len(most))]


def pairs_by(index: np.ndarray, size: int) -> list[np.ndarray]:
    """Pair indices grouped by hub or site: element ``i`` lists the pairs of ``i``."""
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]
