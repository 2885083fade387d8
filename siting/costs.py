"""Pure, vectorised cost helpers. Units are stated in every name."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

HOURS_PER_YEAR = 8760.0
KWH_PER_MWH = 1000.0


def annuity_factor(rate: float, lifetime_years: float) -> float:
    """Share of a one-off investment paid each year over its life (capital recovery factor).

    Parameters
    ----------
    rate
        Discount rate per year, e.g. 0.08.
    lifetime_years
        Economic life in years.

    Returns
    -------
    float
        ``rate / (1 - (1 + rate) ** -lifetime_years)``; ``1 / lifetime_years`` when the rate is 0.
    """
    if rate == 0:
        return 1.0 / lifetime_years
    return rate / (1.0 - (1.0 + rate) ** -lifetime_years)


def energy_mwh_per_mw_year(pue: ArrayLike, utilisation: float) -> NDArray[np.float64]:
    """Electricity drawn from the grid per MW of installed IT load per year.

    Parameters
    ----------
    pue
        Power usage effectiveness (facility power / IT power).
    utilisation
        Average IT load as a share of installed IT MW.

    Returns
    -------
    numpy.ndarray
        MWh per MW-year: ``pue * utilisation * 8760``.
    """
    return np.asarray(pue, dtype=float) * utilisation * HOURS_PER_YEAR
