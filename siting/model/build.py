"""Compose the families into models: single-period, robust (two-stage), classic, covering.

Every model is built as arrays (:class:`~siting.model.arrays.ArrayModel`) from the families
of :mod:`siting.model.families`; the PuLP model is derived from it
(:func:`~siting.model.pulp_model.to_pulp`). A single-period model has one second stage; a
robust model (:func:`build_robust`) shares one first stage among several scenarios, each with
its own second stage (names prefixed ``w0_``, ``w1_``...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from siting.instance import Instance
from siting.model.arrays import ArrayModel, Builder
from siting.model.base import OBJECTIVE_UNIT, Forcing
from siting.model.classic import classic_only
from siting.model.families import (
    Columns,
    define_capacity,
    define_columns,
    define_failover,
    define_first_stage,
    define_forcing,
    define_green_power,
    define_headroom,
    define_inference_demand,
    define_pair_open,
    define_site_count,
    define_staff,
    define_training_cluster,
    define_training_demand,
    define_vouchers,
    objective_terms,
)
from siting.model.families.classic import (
    define_assign_open,
    define_assignment,
    define_center,
    define_classic_columns,
    define_cover,
)

#: The first-stage families, written once over the first stage (a robust model's first scenario).
FIRST_STAGE = (define_headroom, define_site_count, define_green_power)

#: The second-stage families, written once per scenario, in row order.
OPERATIONS = (
    define_inference_demand,
    define_training_demand,
    define_capacity,
    define_pair_open,
    define_training_cluster,
    define_staff,
    define_failover,
    define_vouchers,
)


def build_arrays(
    instance: Instance, *, elastic: bool = False, forcing: Sequence[Forcing] = ()
) -> ArrayModel:
    """Build the siting MILP of an instance (docs/model.md).

    Parameters
    ----------
    instance
        Costs, capacities and admissible pairs.
    elastic
        Let demand go unmet at a penalty (:data:`~siting.model.base.SHORTFALL_PENALTY`), so
        the model is always feasible; used to find which demand cannot be met.
    forcing
        Lower bounds on what given sites host.

    Returns
    -------
    ArrayModel
        A classic location model (:func:`build_classic`) if the instance's objective kind is
        one.

    Raises
    ------
    InputError
        If a classic kind is asked for an elastic or forced model.
    """
    if instance.classic:
        if elastic or forcing:
            raise classic_only(instance, "an elastic or forced model")
        return build_classic(instance)
    b = Builder()
    v = define_columns(b, instance, define_first_stage(b, instance), elastic=elastic)
    b.add_objective(*objective_terms(instance, v))
    for family in (*FIRST_STAGE, *OPERATIONS):
        family(b, v, instance)
    define_forcing(b, v, instance, forcing)
    model = b.finish([v.layout(instance)])
    model.elastic = elastic
    return model


def build_classic(inst: Instance) -> ArrayModel:
    """Build a classic location model (p-median, p-center, MCLP, LSCP).

    The ``serve`` columns are the assignment shares; ``build`` and ``train`` have no column
    (``-1`` in the layout: their value is 0).
    """
    b = Builder()
    v = define_classic_columns(b, inst)
    b.add_objective(*objective_terms(inst, v))
    define_site_count(b, v, inst)
    define_assignment(b, v, inst)
    define_assign_open(b, v, inst)
    if inst.objective_kind == "p-center":
        define_center(b, v, inst)
    return b.finish([v.layout(inst)])


def build_covering(inst: Instance, radius: float) -> ArrayModel:
    """Build p-center's decision problem at a radius (docs/model.md, "p-center by radius search").

    Does some set of at most ``p`` sites cover every client within ``radius`` ms round trip?
    Rows ``cover_g`` and ``site_count`` (``Σ_s y_s ≤ p``); minimise ``Σ_s y_s``. The layout's
    ``open`` holds the ``y`` columns; it has no pair columns.
    """
    b = Builder()
    sites = np.arange(inst.n_sites, dtype=np.int64)
    y = b.add_cols(("open_", sites), 0.0, 1.0, integer=True)
    none = np.zeros(0, np.int64)
    v = Columns(y, none, none, none)
    b.add_objective(y, 1.0)
    define_cover(b, v, inst, radius)
    define_site_count(b, v, dataclasses.replace(inst, site_count_rule="at_most"))
    return b.finish([v.layout(inst)])


def build_robust(
    instances: Sequence[Instance],
    weights: Sequence[float],
    *,
    optimal_costs: Sequence[float] | None = None,
) -> ArrayModel:
    """Build a two-stage model: one build plan, used per scenario.

    Parameters
    ----------
    instances
        One instance per scenario; they must share sites, existing MW and headroom.
    weights
        Probability of each scenario (normalised here).
    optimal_costs
        Each scenario's own optimal cost, CNY/yr. If given, minimise the worst-case regret
        ``max_w (cost_w(plan) - optimal_w)`` (column ``regret``, rows ``regret_i``); else
        minimise the expected cost.

    Returns
    -------
    ArrayModel
        One layout per scenario, each with its own cost (:attr:`Layout.cost`).

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
    b = Builder()
    stage = define_first_stage(b, first)
    subs = [define_columns(b, inst, stage, tag=f"w{i}_") for i, inst in enumerate(instances)]
    costs = [objective_terms(inst, v) for inst, v in zip(instances, subs, strict=True)]
    for family in FIRST_STAGE:  # over the first stage, named as in a single-period model
        family(b, dataclasses.replace(subs[0], tag=""), first)
    for inst, v in zip(instances, subs, strict=True):
        for family in OPERATIONS:
            family(b, v, inst)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    if optimal_costs is None:
        for weight, (cols, coefs) in zip(w, costs, strict=True):
            b.add_objective(cols, coefs * weight)
    else:
        regret = b.add_cols(("regret", np.array([""])), 1.0, np.inf)
        best = np.asarray(optimal_costs, dtype=float) / OBJECTIVE_UNIT
        rows = b.add_rows(("regret_", np.arange(len(subs), dtype=np.int64)), -np.inf, best)
        for row, (cols, coefs) in zip(rows, costs, strict=True):
            b.add_entries(row, cols, coefs)
        b.add_entries(rows, regret, -1.0)
    layouts = [v.layout(inst, c) for inst, v, c in zip(instances, subs, costs, strict=True)]
    model = b.finish(layouts)
    if optimal_costs is not None:
        model.col_lower[regret] = -np.inf  # free: a plan may beat a cost solved to a gap
    return model


def fix_plan(model: ArrayModel, opened: np.ndarray, build: np.ndarray) -> None:
    """Fix the first stage to a given build plan (sites open, MW built) by column bounds.

    Parameters
    ----------
    model
        A built model; changed in place.
    opened
        Whether each site is open.
    build
        New MW built at each site.
    """
    layout = model.scenarios[0]
    value = np.asarray(opened, dtype=bool).astype(float)
    model.col_lower[layout.open] = model.col_upper[layout.open] = value
    has = layout.build >= 0
    mw = np.maximum(np.asarray(build, dtype=float), 0.0)[has]
    model.col_lower[layout.build[has]] = model.col_upper[layout.build[has]] = mw
