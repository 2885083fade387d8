"""Stand-in for ``siting.simulate.levers`` (the ``levers`` branch) until it is merged.

The contract's :class:`LeverContext`, :class:`YearRules` and :func:`no_levers`, nothing more:
delete this file when ``siting/simulate/levers.py`` lands and import from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LeverContext:
    """What the levers of a year see (the contract's fields)."""

    year: int
    site_ids: np.ndarray
    site_province: np.ndarray
    site_owner: np.ndarray
    class_names: tuple[str, ...]
    domestic: np.ndarray
    utilisation_by_province: dict[str, float]
    posted_rent: np.ndarray


@dataclass(frozen=True)
class YearRules:
    """What the levers of a year do: orderable (S, K), cost and voucher deltas (S, K)."""

    orderable: np.ndarray
    cost_delta: np.ndarray
    discount: np.ndarray
    notes: tuple[str, ...]


def no_levers(ctx: LeverContext) -> YearRules:
    """Every class orderable everywhere, no cost delta, no discount."""
    shape = (len(ctx.site_ids), len(ctx.class_names))
    return YearRules(np.ones(shape, bool), np.zeros(shape), np.zeros(shape), ())
