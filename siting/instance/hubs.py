"""Hubs: the demand points, and the latency limits ``[demand]`` sets for them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.errors import InputError, Problem
from siting.instance.types import FloatArray


@dataclass(frozen=True)
class Hubs:
    """The demand hubs ``h``.

    Attributes
    ----------
    ids
        Identifiers, shape (H,).
    demand_mw
        Inference demand of each hub over all service classes, MW, shape (H,) (each class
        takes its :attr:`ServiceClasses.share`).
    """

    ids: NDArray[np.str_]
    demand_mw: FloatArray


def build_hubs(hubs: pd.DataFrame, inference_scale: float) -> Hubs:
    """Read the hubs and their inference demand from the hubs layer.

    Parameters
    ----------
    hubs
        The hubs layer.
    inference_scale
        Multiplier on every hub's demand (``[demand] inference_scale``).

    Returns
    -------
    Hubs
    """
    demand = hubs["inference_mw"].to_numpy(float) * inference_scale
    return Hubs(ids=hubs["hub_id"].to_numpy(str), demand_mw=demand)


def hub_sla_ms(
    hub_ids: NDArray[np.str_], default_ms: float, overrides: dict[str, float], source: str
) -> FloatArray:
    """Return each hub's round-trip limit: ``default_ms`` or its ``[demand.hub_sla_ms]`` entry.

    Parameters
    ----------
    hub_ids
        The hubs.
    default_ms
        Limit of a hub without an entry, ms.
    overrides
        Limits by hub id, ms.
    source
        Name of the scenario file, for messages.

    Returns
    -------
    numpy.ndarray
        Limits, ms, shape (H,).

    Raises
    ------
    InputError
        If an entry names a hub that the hubs layer lacks, or is not positive.
    """
    known = {h: i for i, h in enumerate(hub_ids)}
    problems = []
    sla = np.full(len(hub_ids), float(default_ms))
    for hub, ms in overrides.items():
        if hub not in known:
            expected = f"unknown hub {hub!r}; expected a hub_id of the hubs layer"
            problems.append(Problem(source, "[demand.hub_sla_ms]", hub, expected))
        elif ms <= 0:
            problems.append(Problem(source, "[demand.hub_sla_ms]", hub, f"expected > 0, got {ms}"))
        else:
            sla[known[hub]] = ms
    if problems:
        raise InputError(problems)
    return sla
