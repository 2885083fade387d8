"""Halls: capacity at a site owned by one owner type (docs/model.md, "Many investors").

A hall is a (site, owner type) pair: the site's ``site_owners.csv`` type (it owns the existing
stock) and the type of every investor of the layer at the site (what it orders is its type's).
Halls of one site share its place (round trip, network cost, province) and its headroom; the
markets of a simulation allocate over halls exactly as over sites. Where a site has no
``site_owners.csv`` row, its existing stock is split over its halls by their investors' shares
of its headroom (``estimate``: whoever may claim a share of the site's grid is taken to own the
same share of what stands there).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from siting.errors import InputError, Problem
from siting.market import MarketData
from siting.market.allocate import MarketInputs
from siting.market.data import OWNER_TYPES, check_segments_have_sites
from siting.simulate.agents import Agents


@dataclass(frozen=True)
class Halls:
    """The halls ``N`` of a simulation, sorted by site, then by owner type.

    Attributes
    ----------
    site, owner_type
        Per hall: its site index and owner type.
    stock
        Per hall: its share of its site's existing stock (the shares of a site sum to 1).
    site_owner
        Per site: the owner type of its largest stock share (the ``site_owners.csv`` type
        where there is a row), for what is reported per site.
    at
        ``(S, O)``: the hall of each site and owner type (:data:`OWNER_TYPES` order), ``-1``
        where none.
    """

    site: np.ndarray
    owner_type: np.ndarray
    stock: np.ndarray
    site_owner: np.ndarray
    at: np.ndarray

    def __len__(self) -> int:
        return len(self.site)

    @classmethod
    def of(cls, site_ids: list[str], data: MarketData, agents: Agents) -> Halls:
        """Make the halls of the sites from the owners table and the investors.

        Raises
        ------
        InputError
            If a site has neither an owner type (``site_owners.csv``) nor an investor, or a
            segment may use no owner type of the halls.
        """
        n_s, n_o = len(site_ids), len(OWNER_TYPES)
        owned, _ = data.owner_type(site_ids)
        claim = np.zeros((n_s, n_o))  # investors' headroom shares per site and type
        kind = np.array([OWNER_TYPES.index(o) for o in agents.owner_type[agents.investor]], int)
        np.add.at(claim, (agents.site, kind), agents.share)
        stock = np.zeros((n_s, n_o))
        has_row = owned != ""
        rows = np.flatnonzero(has_row)
        stock[rows, [OWNER_TYPES.index(o) for o in owned[has_row]]] = 1.0
        total = claim.sum(axis=1)
        rest = ~has_row & (total > 0)
        stock[rest] = claim[rest] / total[rest, None]
        if missing := [site_ids[s] for s in np.flatnonzero(~has_row & (total <= 0))]:
            expected = (
                f"an owner type (site_owners.csv) or an investor for every site; none for {missing}"
            )
            raise InputError([Problem("site_owners.csv", "", "site_id", expected)])
        site, owner = np.nonzero((stock > 0) | (claim > 0))
        check_segments_have_sites(
            data.frictions, [OWNER_TYPES[o] for o in owner], source="frictions.csv"
        )
        at = np.full((n_s, n_o), -1, np.int64)
        at[site, owner] = np.arange(len(site))
        return cls(
            site=site,
            owner_type=np.array(OWNER_TYPES, dtype=object)[owner],
            stock=stock[site, owner],
            site_owner=np.array(OWNER_TYPES, dtype=object)[stock.argmax(axis=1)],
            at=at,
        )

    def index(self, sites: np.ndarray, owner_type: str) -> np.ndarray:
        """Return the hall of ``owner_type`` at each of ``sites``."""
        return self.at[sites, OWNER_TYPES.index(owner_type)]

    def split(self, per_site: np.ndarray) -> np.ndarray:
        """Split MW per site (first axis) over its halls by their stock shares."""
        shape = (-1,) + (1,) * (per_site.ndim - 1)
        return per_site[self.site] * self.stock.reshape(shape)

    def to_sites(self, per_hall: np.ndarray, n_sites: int) -> np.ndarray:
        """Sum MW per hall (first axis) to its sites."""
        out = np.zeros((n_sites, *per_hall.shape[1:]))
        np.add.at(out, self.site, per_hall)
        return out

    def market(self, m: MarketInputs, capacity: np.ndarray) -> MarketInputs:
        """Make the market of the halls from that of the sites and ``capacity`` ``(N, K)``.

        A hall takes its site's place (province, round trip, network cost) and its own owner
        type.
        """
        s = self.site
        return replace(
            m,
            site_ids=[m.site_ids[i] for i in s],
            owner_type=self.owner_type.astype(str),
            province=m.province[s],
            capacity=capacity,
            rtt_ms=m.rtt_ms[:, s],
            network_cny=m.network_cny[:, s],
        )


def by_site(rents: pd.DataFrame) -> pd.DataFrame:
    """Sum a market's rows per hall and class (:attr:`MarketResult.rents`) to sites.

    Returns
    -------
    pandas.DataFrame
        Per site and class, in the sites' order (halls are sorted by site): ``site_id``,
        ``accelerator_class`` and the sums of ``capacity_mw``, ``captive_mw``, ``market_mw``
        and ``idle_mw``.
    """
    columns = ["capacity_mw", "captive_mw", "market_mw", "idle_mw"]
    keys = ["site_id", "accelerator_class"]
    return rents.groupby(keys, sort=False)[columns].sum().reset_index()
