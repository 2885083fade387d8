"""Demand: every stream's inference and the national training demand are served."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.families.columns import Columns


def define_inference_demand(b: Builder, v: Columns, inst: Instance) -> None:
    """Serve each stream (class, hub) from sites within its SLA: ``Σ_s f_qhs (+ u_g) = D_qh``.

    When maximising margin, demand is an upper bound (``≤``). Row ``g = q·H + h``; ``u_g`` is
    the elastic model's unmet MW.
    """
    demand = inst.stream_demand_mw
    low = -np.inf if inst.maximise_margin else demand
    rows = b.add_rows((f"{v.tag}inference_demand_", np.arange(inst.n_streams)), low, demand)
    b.add_entries(rows[inst.pair_stream], v.serve, 1.0)
    if v.elastic:
        b.add_entries(rows, v.shortfall[: inst.n_streams], 1.0)


def define_training_demand(b: Builder, v: Columns, inst: Instance) -> None:
    """Host the national training demand somewhere: ``Σ_s t_s (+ u_T) = T`` (``≤`` for margin)."""
    low = -np.inf if inst.maximise_margin else inst.training_mw
    rows = b.add_rows((f"{v.tag}training_demand", np.array([""])), low, inst.training_mw)
    b.add_entries(rows, v.train, 1.0)
    if v.elastic:
        b.add_entries(rows, v.shortfall[inst.n_streams :], 1.0)
