"""Build-outs as fleets, and one cost for all (docs/model.md, "Three build-outs, one cost").

A fleet is what is in service (``E'_skt``) and its additions after the end-2022 stock. Each is
costed by the horizon model with no orders and the fleet as its existing capacity (in memory),
under actual use, plus the capex its additions pay; the market allocates each fleet's use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np

from siting.horizon import Horizon
from siting.horizon_run import penalty_terms
from siting.horizon_tables import ADDED_AFTER, installed, stranded
from siting.solve.horizon import HorizonSolution, plan
from siting.solve.options import RunOptions


@dataclass(frozen=True)
class Fleet:
    """A build-out: in service per site, class and year, and its additions.

    Attributes
    ----------
    name
        ``decentralised``, ``planner`` or ``as_built``.
    existing
        ``E'_skt``, shape (S, K, T).
    site, klass, start, mw
        Per addition: site and class index, year index it enters service, MW.
    """

    name: str
    existing: np.ndarray
    site: np.ndarray
    klass: np.ndarray
    start: np.ndarray
    mw: np.ndarray


@dataclass(frozen=True)
class FleetCost:
    """A fleet costed: the operation under actual use and the additions' capex (PV, CNY).

    Attributes
    ----------
    operation
        The horizon model with no orders on the fleet.
    horizon
        That model's horizon (the fleet as existing, additions as cohorts).
    capex_cny
        PV of the capex the additions pay.
    """

    operation: HorizonSolution
    horizon: Horizon
    capex_cny: float

    @property
    def cost_cny(self) -> float:
        """PV cost with the unmet penalty."""
        return self.operation.objective + self.capex_cny

    @property
    def penalty_cny(self) -> float:
        """PV of the unmet penalty."""
        return penalty_terms(self.horizon, self.operation)["penalty_cny"]


def order_fleet(name: str, h: Horizon, orders: np.ndarray) -> Fleet:
    """Make the fleet of ``h``'s existing capacity plus ``orders`` (S, K, T)."""
    site, klass, tau = np.nonzero(orders > 0)
    return Fleet(
        name, installed(h, orders)[1], site, klass, tau + h.lead[klass], orders[site, klass, tau]
    )


def as_built_fleet(h: Horizon, built: Horizon) -> Fleet:
    """Make the as-built fleet: ``built``'s vintages (to 2025), additions after 2022."""
    late = (built.cohort_start > ADDED_AFTER) & (built.cohort_start <= built.years[-1])
    return Fleet(
        "as_built",
        built.existing,
        built.cohort_site[late],
        built.cohort_class[late],
        (built.cohort_start[late] - h.years[0]).astype(np.int64),
        built.cohort_mw[late],
    )


def fleet_horizon(h: Horizon, fleet: Fleet) -> Horizon:
    """Return ``h`` with no orders, ``fleet`` in service as existing and its additions as cohorts.

    Each addition is a cohort bought at the capital of its class ordered ``L`` years before it
    entered service (the first year at the earliest).
    """
    order_year = np.clip(fleet.start - h.lead[fleet.klass], 0, None)
    return replace(
        h,
        existing=fleet.existing,
        buildable=np.zeros_like(h.buildable),
        cohort_site=np.concatenate([h.cohort_site, fleet.site]),
        cohort_class=np.concatenate([h.cohort_class, fleet.klass]),
        cohort_start=np.concatenate([h.cohort_start, h.years[0] + fleet.start]),
        cohort_mw=np.concatenate([h.cohort_mw, fleet.mw]),
        cohort_capital=np.concatenate([h.cohort_capital, h.capital[fleet.klass, order_year]]),
    )


def stranded_capital(h: Horizon, fleet: Fleet, used: np.ndarray) -> np.ndarray:
    """Stranded capital per year, CNY, of ``fleet`` using ``used`` (S, K, T) MW (the market's).

    The horizon's measure (:func:`~siting.horizon_tables.stranded`) on the fleet's horizon: it
    reads a plan's orders (none here) and use only.
    """
    plan_like = SimpleNamespace(order=np.zeros_like(fleet.existing), use=used[None])
    return stranded(fleet_horizon(h, fleet), plan_like)[1].sum(axis=(0, 1))  # type: ignore[arg-type]


def cost_fleet(h: Horizon, fleet: Fleet, options: RunOptions | None = None) -> FleetCost:
    """Cost a fleet with ``h``'s model and prices (docs/model.md, "Three build-outs, one cost").

    The horizon model with no orders and ``fleet.existing`` as existing capacity
    (:func:`fleet_horizon`) is solved with perfect foresight under actual use; each addition
    pays the annualised capex of its class in its order year in the years it pays.
    """
    order_year = np.clip(fleet.start - h.lead[fleet.klass], 0, None)
    years = h.life if h.annuity is None else np.minimum(h.annuity, h.life)
    costed = fleet_horizon(h, fleet)
    operation = plan(costed, "perfect", options)
    t = np.arange(h.n_years)
    pays = (t[None, :] >= fleet.start[:, None]) & (
        t[None, :] < (fleet.start + years[fleet.klass])[:, None]
    )
    annual = h.capex[fleet.site, fleet.klass, order_year] * fleet.mw
    capex = float((annual[:, None] * pays * h.discount[None, :]).sum())
    return FleetCost(operation, costed, capex)
