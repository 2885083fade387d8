"""Training clusters: training only in clusters of a minimum size."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.families.columns import Columns


def define_training_cluster(b: Builder, v: Columns, inst: Instance) -> None:
    """``t_s - L z_s ≥ 0`` and ``t_s - C_s z_s ≤ 0`` at sites with a cluster binary ``z_s``."""
    sites = np.flatnonzero(v.hosts >= 0)
    z = v.hosts[sites]
    rows = b.add_rows((f"{v.tag}cluster_min_", sites), 0.0, np.inf)
    b.add_entries(rows, v.train[sites], 1.0)
    b.add_entries(rows, z, -inst.min_cluster_mw)
    rows = b.add_rows((f"{v.tag}cluster_max_", sites), -np.inf, 0.0)
    b.add_entries(rows, v.train[sites], 1.0)
    b.add_entries(rows, z, -inst.sites.capacity_mw[sites])
