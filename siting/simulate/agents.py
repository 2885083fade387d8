"""The investors of a simulation as arrays: who may build where, and by which rule.

:func:`load_agents` turns what :func:`siting.market.investors.load_investors` reads and checks
(``data/investors.csv`` and ``data/investor_types.csv``, ``data/SOURCES.md`` section I) into
the per-investor and per-entry arrays the simulation indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import InputError, Problem, did_you_mean
from siting.market.investors import load_investors


@dataclass(frozen=True)
class Agents:
    """Investors ``I`` and their (investor, site) entries ``E``.

    Attributes
    ----------
    ids, owner_type, objective, forecast
        Per investor.
    hurdle, subsidy, jobs_value
        Per investor: hurdle rate (a fraction a year), share of capex paid by another purse,
        and jobs per MW times the value of a job, CNY/(MW·yr).
    investor, site, share
        Per entry: investor index, site index (into the scenario's sites) and its share of
        the site's remaining headroom.
    """

    ids: np.ndarray
    owner_type: np.ndarray
    objective: np.ndarray
    forecast: np.ndarray
    hurdle: np.ndarray
    subsidy: np.ndarray
    jobs_value: np.ndarray
    investor: np.ndarray
    site: np.ndarray
    share: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def sites_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Site indices and shares of investor ``i``."""
        mine = self.investor == i
        return self.site[mine], self.share[mine]

    def index(self, investor_id: str, *, source: str = "--investor") -> int:
        """Return the index of an investor id.

        Raises
        ------
        InputError
            If there is no such investor (naming the nearest ones).
        """
        hits = np.flatnonzero(self.ids == investor_id)
        if not len(hits):
            hint = did_you_mean(investor_id, [str(x) for x in self.ids])
            expected = f"an investor of the scenario's layer{hint}; got {investor_id!r}"
            raise InputError([Problem(source, "", "investor_id", expected)])
        return int(hits[0])


def load_agents(layer: str, site_ids: list[str], data_dir: Path | None = None) -> Agents:
    """Make the investors of ``layer`` whose sites are among ``site_ids`` into arrays.

    Parameters
    ----------
    layer, site_ids, data_dir
        As for :func:`~siting.market.investors.load_investors`, which reads and checks the
        tables.

    Raises
    ------
    InputError
        As :func:`~siting.market.investors.load_investors` does.
    """
    read = load_investors(layer, site_ids=site_ids, data_dir=data_dir)
    return Agents(
        ids=np.array(read.ids, dtype=object),
        owner_type=read.owner_type.astype(object),
        objective=read.of_type("objective").astype(object),
        forecast=read.of_type("forecast").astype(object),
        hurdle=read.of_type("hurdle_rate").astype(float),
        subsidy=read.of_type("subsidy_share_capex").astype(float),
        jobs_value=read.of_type("jobs_per_mw").astype(float)
        * read.of_type("value_per_job_cny_year").astype(float),
        investor=read.investor,
        site=read.site,
        share=read.share,
    )
