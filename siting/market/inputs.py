"""One year of a multi-period horizon as a market: its capacity, use, rents and routes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.errors import InputError, Problem
from siting.horizon import Horizon
from siting.market.allocate import MarketInputs, segment_use
from siting.market.data import MarketData, check_segments_have_sites


def year_market(
    h: Horizon,
    t: int,
    data: MarketData,
    hubs: pd.DataFrame,
    *,
    owner_type: np.ndarray | None = None,
) -> MarketInputs:
    """Make the market of year index ``t`` of a horizon.

    Capacity is the horizon's existing MW in service in the year (``E_skt``), use its hubs'
    inference and national training demand split over the segments by their shares, the
    posted rent of a class its training-workload rent ``R_0kt``, and the round trip and network
    cost of a hub and site those of their admissible pair (the fastest over the service
    classes); a hub and site with no pair are out of reach.

    Parameters
    ----------
    h
        The horizon (``build_horizon``).
    t
        Year index into ``h.years``.
    data
        The market tables (:func:`~siting.market.data.load_market_data`); a rest-of-China
        pseudo-site has the owner type of their ``rest_of_china`` row.
    hubs
        The hubs layer the horizon was built from (``hub_id``, ``province``; with the
        rest-of-China pseudo-hubs when it serves them).
    owner_type
        The owner type of each site, given by the caller, who checks it (the simulation's
        halls, :class:`~siting.simulate.halls.Halls`); default ``data``'s.

    Raises
    ------
    InputError
        If a site of the horizon has no owner type, a hub no province, or a segment may use
        no owner type of the horizon's sites.
    """
    inst = h.base
    site_ids = [str(s) for s in inst.sites.ids]
    hub_ids = [str(x) for x in inst.hubs.ids]
    given = owner_type is not None
    no_owner: list[str] = []
    if owner_type is None:
        owner_type, no_owner = data.owner_type(site_ids)
    province = hubs.set_index("hub_id")["province"]
    problems = []
    if no_owner:
        expected = f"an owner type for every site of the scenario; no row for {no_owner}"
        problems.append(Problem("site_owners.csv", "", "site_id", expected))
    if missing := [x for x in hub_ids if x not in province.index]:
        expected = f"a province for every hub of the scenario; no row for {missing}"
        problems.append(Problem("hubs layer", "", "hub_id", expected))
    if problems:
        raise InputError(problems)
    if not given:
        check_segments_have_sites(data.frictions, owner_type, source="frictions.csv")
    shape = (len(hub_ids), len(site_ids))
    rtt, network = np.full(shape, np.inf), np.full(shape, np.inf)
    pairs = inst.pairs
    np.minimum.at(rtt, (pairs.hub, pairs.site), pairs.rtt_ms)
    np.minimum.at(network, (pairs.hub, pairs.site), pairs.cost)
    inference, training = segment_use(data.segments, h.demand[:, t], float(h.training[t]))
    n_k = len(h.classes)
    return MarketInputs(
        site_ids=site_ids,
        owner_type=owner_type.astype(str),
        province=inst.sites.group_names[inst.sites.group].astype(str),
        classes=[str(k) for k in h.classes],
        domestic=h.classes == "domestic",
        capacity=h.existing[:, :, t],
        rent=h.rent[0, :, t],
        factor=np.broadcast_to(h.factor, (2, n_k)),
        hub_ids=hub_ids,
        hub_province=province.loc[hub_ids].to_numpy(str),
        rtt_ms=rtt,
        network_cny=np.where(np.isfinite(network), network, 0.0),
        inference=inference,
        training=training,
        segments=data.segments,
        frictions=data.frictions,
    )
