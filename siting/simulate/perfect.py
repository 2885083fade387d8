"""Investors with perfect foresight: Gauss–Seidel sweeps of the planner's model per investor.

docs/model.md, "Many investors": investor ``i`` solves the multi-period model with headroom
only at its sites (its share of it) and everyone else's orders in service as existing
capacity; sweeps repeat until no order changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siting.errors import InputError, Problem
from siting.horizon import Horizon
from siting.horizon_tables import installed
from siting.simulate.agents import Agents
from siting.solve.horizon import plan
from siting.solve.options import RunOptions

#: Most sweeps over the investors.
MAX_SWEEPS = 10
#: MW by which an order may change between sweeps and still count as unchanged.
TOLERANCE_MW = 1e-6
#: The objective the horizon model writes for one investor.
COST = "cost"


@dataclass(frozen=True)
class PerfectOrders:
    """Orders of the investors with perfect foresight.

    Attributes
    ----------
    orders
        Per investor: MW ordered per site, class and year, shape (I, S, K, T).
    sweeps, converged
        Sweeps done, and whether the last changed no order.
    turns
        The investors' ids in the order they decided (the same in every sweep).
    """

    orders: np.ndarray
    sweeps: int
    converged: bool
    turns: list[str]


def check_objectives(agents: Agents, source: str) -> None:
    """Refuse investor objectives the horizon model cannot express for one investor.

    Raises
    ------
    InputError
        Naming ``[simulate] foresight`` and the objectives found.
    """
    other = sorted(set(agents.objective) - {COST})
    if other:
        expected = (
            f"investors whose objective the horizon model writes ({COST!r}) with foresight "
            f"'perfect'; these have {', '.join(other)}: use foresight = 'myopic'"
        )
        raise InputError([Problem(source, "[simulate]", "foresight", expected)])


def simulate_perfect(
    h: Horizon, agents: Agents, seed: int, options: RunOptions | None = None
) -> PerfectOrders:
    """Sweep the investors' perfect-foresight best responses until no order changes."""
    n_s, n_k, n_t = h.existing.shape
    orders = np.zeros((len(agents), n_s, n_k, n_t))
    turn = np.random.default_rng(seed).permutation(len(agents))
    converged, sweep = False, 0
    while not converged and sweep < MAX_SWEEPS:
        sweep += 1
        converged = True
        for i in turn:
            others = orders.sum(axis=0) - orders[i]
            sites, shares = agents.sites_of(int(i))
            headroom = np.zeros(n_s)
            np.add.at(headroom, sites, shares * h.base.sites.headroom_mw[sites])
            mine = replace(
                h,
                base=replace(h.base, sites=replace(h.base.sites, headroom_mw=headroom)),
                existing=installed(h, others)[1],
            )
            new = plan(mine, "perfect", options).order
            if np.abs(new - orders[i]).max(initial=0.0) > TOLERANCE_MW:
                converged = False
            orders[i] = new
    return PerfectOrders(orders, sweep, converged, [str(agents.ids[i]) for i in turn])
