"""Forcing: make given sites host at least given MW (for "why not here?" questions)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from siting.instance import WORKLOADS, Instance
from siting.model.arrays import Builder
from siting.model.base import Forcing
from siting.model.families.columns import Columns


def define_forcing(b: Builder, v: Columns, inst: Instance, forcing: Sequence[Forcing]) -> None:
    """``t_s ≥ mw`` (training) or ``Σ_qh f_qhs ≥ mw`` (inference) per request, row ``forced_i``.

    Raises
    ------
    ValueError
        If a request's workload is neither training nor inference.
    """
    for i, force in enumerate(forcing):
        if force.workload not in ("training", "inference"):
            msg = f"unknown workload {force.workload!r}; expected one of {WORKLOADS}"
            raise ValueError(msg)
        rows = b.add_rows((f"{v.tag}forced_{i}", np.array([""])), force.mw, np.inf)
        if force.workload == "training":
            b.add_entries(rows, v.train[force.site], 1.0)
        else:
            b.add_entries(rows, v.serve[inst.pairs.site == force.site], 1.0)
