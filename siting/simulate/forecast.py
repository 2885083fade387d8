"""What an investor believes the use of a future year will be (docs/model.md, "Many investors").

``use``: the myopic planner's forecast, the use of the year times ``forecast_ratio`` (the
report published by the order year over the series). ``published``: the published installed
compute of the year, in MW at the reference kW per PF, taken as all used: the use of each
stream times that over the national use of the year.
"""

from __future__ import annotations

import numpy as np

from siting.horizon import Horizon
from siting.vintages import SITE_KW_PER_PF, TimeTables, use_by_year


def installed_over_use(tables: TimeTables, variant: str, years: np.ndarray) -> np.ndarray:
    """``κ P_t / U_t`` per year: national installed MW (reference kW/PF) over national use MW."""
    installed = tables.national.set_index("year")["eflops_fp16"] * SITE_KW_PER_PF
    use = use_by_year(tables.demand, variant)
    return (installed.reindex(years) / use.reindex(years)).to_numpy(float)


def belief(h: Horizon, tau: int, t: int, kind: str, ratio: np.ndarray) -> float:
    """Return the factor on the use of year index ``t`` an investor believes in ``tau``.

    Parameters
    ----------
    h
        The horizon (its ``forecast_ratio``).
    tau, t
        Order year and target year, indices.
    kind
        ``"use"`` or ``"published"`` (``investor_types.csv`` ``forecast``).
    ratio
        :func:`installed_over_use` of the horizon's years.
    """
    gamma = h.forecast(tau, t)
    if kind == "use":
        return gamma
    if kind == "published":
        return gamma * float(ratio[t])
    raise ValueError(f"unknown forecast {kind!r}; expected 'use' or 'published'")
