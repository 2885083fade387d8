"""The model's shared pieces: units and forcing requests.

Coefficients are in million CNY per year (:data:`OBJECTIVE_UNIT`) to keep the numbers the
solver sees near 1. The build decision (which sites open, how many MW are built) is the *first
stage*; how the capacity is used (training MW, inference flows) is the *second stage*.
"""

from __future__ import annotations

from dataclasses import dataclass

#: CNY per unit of the objective the solver sees.
OBJECTIVE_UNIT = 1e6

#: Cost of one MW of unmet demand in the elastic model, as a multiple of the largest cost of
#: serving one MW (CNY/yr); large enough that demand is dropped only where it cannot be met.
SHORTFALL_PENALTY = 1e3


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
