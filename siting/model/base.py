"""The model's shared pieces: units, forcing requests, and the multi-period model's PuLP container.

Coefficients are in million CNY per year (:data:`OBJECTIVE_UNIT`) to keep the numbers the
solver sees near 1. The build decision (which sites open, how many MW are built) is the *first
stage*; how the capacity is used (training MW, inference flows) is the *second stage*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from siting.instance import Instance

#: CNY per unit of the objective the solver sees.
OBJECTIVE_UNIT = 1e6

#: Cost of one MW of unmet demand in the elastic model, as a multiple of the largest cost of
#: serving one MW (CNY/yr); large enough that demand is dropped only where it cannot be met.
SHORTFALL_PENALTY = 1e3

Terms = list[tuple[pulp.LpVariable, float]]


@dataclass(frozen=True)
class Forcing:
    """Make a site host at least some MW of one workload (for "why not here?" questions).

    Parameters
    ----------
    site
        Index of the site.
    workload
        ``"training"`` or ``"inference"``.
    mw
        Lower bound on the MW of that workload hosted at the site.
    """

    site: int
    workload: str
    mw: float


@dataclass
class SitingModel:
    """One year of the multi-period PuLP model and its variables (:mod:`siting.model.periods`).

    Attributes
    ----------
    problem
        The PuLP problem.
    instance
        The instance it was built from.
    open
        ``y_s``: site ``s`` is open (binary), per site (first stage).
    build
        ``x_s``: new IT MW built at ``s``, per site (first stage).
    train
        ``t_s``: training MW hosted at ``s``, per site.
    hosts_training
        ``z_s``: ``s`` hosts a training cluster (binary), per site; ``None`` where ``s`` is too
        small for a minimum cluster or no binary is needed.
    serve
        ``f_k``: inference MW of pair ``k``'s hub served at its site, per pair.
    shortfall
        Elastic model only: unmet inference MW per stream (class, hub), then unmet training MW.
    reserve
        ``r_k``: failover reserve MW of pair ``k`` (``None`` where its class has no failover).
    peak
        ``m_g``: largest flow plus reserve of stream ``g`` at one site (failover only).
    voucher
        ``w_v``: MW hosted in voucher issuer ``v``'s area that its vouchers pay for.
    tag
        Prefix of the second stage's variable and constraint names (robust models).
    """

    problem: pulp.LpProblem
    instance: Instance
    open: list[pulp.LpVariable]
    build: list[pulp.LpVariable]
    train: list[pulp.LpVariable]
    hosts_training: list[pulp.LpVariable | None]
    serve: list[pulp.LpVariable]
    shortfall: list[pulp.LpVariable] = field(default_factory=list)
    tag: str = ""
    reserve: list[pulp.LpVariable | None] = field(default_factory=list)
    peak: list[pulp.LpVariable | None] = field(default_factory=list)
    voucher: list[pulp.LpVariable] = field(default_factory=list)

    @property
    def elastic(self) -> bool:
        """Whether unmet demand is allowed at a penalty."""
        return bool(self.shortfall)


def summed(terms: Terms) -> pulp.LpAffineExpression:
    """Build an expression from terms, adding the coefficients of a repeated variable.

    ``pulp.LpAffineExpression(terms)`` keeps only the last coefficient of a variable that
    appears twice; the multi-period model's shared variables do.
    """
    total: dict[pulp.LpVariable, float] = {}
    for var, coef in terms:
        total[var] = total.get(var, 0.0) + coef
    return pulp.LpAffineExpression(list(total.items()))
