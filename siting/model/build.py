"""Build the MILP with PuLP: the single-scenario and the robust (two-stage) model.

The formulation is written out in ``docs/model.md``; the names follow it. A single-scenario
model has one second stage; a robust model (:func:`build_robust_model`) shares one first stage
among several scenarios, each with its own second stage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pulp

from siting.instance import Instance
from siting.model.base import (
    OBJECTIVE_UNIT,
    Forcing,
    RobustModel,
    SitingModel,
    Terms,
    summed,
)
from siting.model.classic import build_classic, classic_only, define_site_count
from siting.model.constraints import (
    define_forcing,
    define_green_power,
    define_headroom,
    define_operations,
    objective_terms,
)
from siting.model.variables import first_stage, second_stage


def build_model(
    instance: Instance, *, elastic: bool = False, forcing: Sequence[Forcing] = ()
) -> SitingModel:
    """Build the siting MILP of an instance.

    Parameters
    ----------
    instance
        Costs, capacities and admissible pairs.
    elastic
        Let demand go unmet at a penalty (:data:`SHORTFALL_PENALTY`), so the model is always
        feasible; used to find which demand cannot be met.
    forcing
        Lower bounds on what given sites host.

    Returns
    -------
    SitingModel
        A classic location model (:func:`~siting.model.classic.build_classic`) if the
        instance's objective kind is one.
    """
    if instance.classic:
        if elastic or forcing:
            raise classic_only(instance, "an elastic or forced model")
        return build_classic(instance)
    prob = pulp.LpProblem("siting", pulp.LpMinimize)
    opened, build = first_stage(prob, instance)
    model = second_stage(prob, instance, opened, build, elastic=elastic)
    define_site_count(model)
    define_headroom(model)
    define_green_power(model)
    define_operations(model)
    define_forcing(model, forcing)
    prob.setObjective(pulp.LpAffineExpression(objective_terms(model)))
    return model


def build_robust_model(
    instances: Sequence[Instance],
    weights: Sequence[float],
    *,
    optimal_costs: Sequence[float] | None = None,
) -> RobustModel:
    """Build a two-stage model: one build plan, used per scenario.

    Parameters
    ----------
    instances
        One instance per scenario; they must share sites, existing MW and headroom.
    weights
        Probability of each scenario (normalised here).
    optimal_costs
        Each scenario's own optimal cost, CNY/yr. If given, minimise the worst-case regret
        ``max_w (cost_w(plan) - optimal_w)``; else minimise the expected cost.

    Returns
    -------
    RobustModel

    Raises
    ------
    ValueError
        If the instances do not share the same sites, existing capacity and headroom; an
        :class:`~siting.errors.InputError` if an objective kind is classic.
    """
    first = instances[0]
    for inst in instances:
        if inst.classic:
            raise classic_only(inst, "a robust plan")
    for inst in instances[1:]:
        same = (
            np.array_equal(inst.sites.ids, first.sites.ids)
            and np.allclose(inst.sites.existing_mw, first.sites.existing_mw)
            and np.allclose(inst.sites.headroom_mw, first.sites.headroom_mw)
        )
        if not same:
            msg = "scenarios of a robust plan must share sites, existing MW and headroom"
            raise ValueError(msg)
    prob = pulp.LpProblem("siting_robust", pulp.LpMinimize)
    opened, build = first_stage(prob, first)
    subs = [
        second_stage(prob, inst, opened, build, tag=f"w{i}_") for i, inst in enumerate(instances)
    ]
    define_site_count(subs[0])
    define_headroom(subs[0])
    define_green_power(subs[0])
    for sub in subs:
        define_operations(sub)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    model = RobustModel(prob, subs, w)
    if optimal_costs is None:
        terms: Terms = []
        for weight, sub in zip(w, subs, strict=True):
            terms += [(v, c * float(weight)) for v, c in objective_terms(sub)]
        prob.setObjective(summed(terms))
    else:
        model.regret = prob.add_variable("regret")
        for i, (sub, best) in enumerate(zip(subs, optimal_costs, strict=True)):
            expr = pulp.LpAffineExpression([*objective_terms(sub), (model.regret, -1.0)])
            prob.addConstraint(expr <= float(best) / OBJECTIVE_UNIT, f"regret_{i}")
        prob.setObjective(pulp.LpAffineExpression([(model.regret, 1.0)]))
    return model


def fix_plan(model: SitingModel | RobustModel, opened: np.ndarray, build: np.ndarray) -> None:
    """Fix the first stage to a given build plan (sites open, MW built).

    Parameters
    ----------
    model
        A built model; changed in place.
    opened
        Whether each site is open.
    build
        New MW built at each site.
    """
    sub = model if isinstance(model, SitingModel) else model.scenarios[0]
    for var, value in zip(sub.open, opened, strict=True):
        var.lowBound = var.upBound = float(bool(value))
    for var, value in zip(sub.build, build, strict=True):
        var.lowBound = var.upBound = max(float(value), 0.0)
