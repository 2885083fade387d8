"""The investors of a simulation as arrays: who may build where, and by which rule.

Reads ``data/investors.csv`` and ``data/investor_types.csv`` by the columns of the shared
contract (docs/model.md, "Many investors"; ``data/SOURCES.md`` section I) and keeps the rows
of one layer whose sites the scenario has. Row-by-row checks of the files are the reader
:func:`siting.market.investors.load_investors`'s; here only what the simulation needs: every
investor kept has a site of the scenario and a known type.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting import settings
from siting._validate import read_csv
from siting.errors import InputError, Problem, did_you_mean
from siting.market.data import OWNER_TYPES

#: The two tables, in ``data/``.
INVESTOR_FILES = ("investors.csv", "investor_types.csv")
#: Objectives of ``investor_types.csv``; ``cost`` (the planner's) only under perfect foresight.
OBJECTIVES = ("own_demand", "margin", "jobs_and_margin", "cost")
#: What an investor type forecasts (``investor_types.csv`` ``forecast``).
FORECASTS = ("use", "published")


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
    """Read the investors of ``layer`` whose sites are among ``site_ids``.

    Raises
    ------
    InputError
        If a table is missing or lacks a column, an investor has an unknown owner type, or an
        investor of the layer has no site of the scenario ("an investor with no admissible
        site").
    """
    folder = Path(settings.data_dir if data_dir is None else data_dir)
    investors_path, types_path = (folder / name for name in INVESTOR_FILES)
    rows = read_csv(investors_path, what="investor")
    types = read_csv(types_path, what="investor type")
    for path, frame, needed in (
        (investors_path, rows, ("investor_id", "owner_type", "site_id", "layer", "share")),
        (types_path, types, ("owner_type", "objective", "hurdle_rate", "jobs_per_mw",
                             "value_per_job_cny_year", "subsidy_share_capex", "forecast")),
    ):  # fmt: skip
        if missing := [c for c in needed if c not in frame.columns]:
            raise InputError([Problem(str(path), "header", missing[0], "a column of the contract")])
    rows = rows[rows["layer"] == layer]
    types = types.set_index("owner_type")
    problems = []
    if unknown := sorted(set(rows["owner_type"]) - set(types.index) - set()):
        expected = f"an owner type of investor_types.csv ({', '.join(OWNER_TYPES)})"
        problems.append(
            Problem(str(investors_path), f"owner_type {unknown[0]!r}", "owner_type", expected)
        )
    known = {s: i for i, s in enumerate(site_ids)}
    ids = list(dict.fromkeys(rows["investor_id"]))
    here = rows[rows["site_id"].isin(known)]
    for investor in ids:
        if investor not in set(here["investor_id"]):
            expected = (
                "a site of the scenario; none of its sites is in it "
                "(an investor with no admissible site)"
            )
            problems.append(
                Problem(str(investors_path), f"investor {investor!r}", "site_id", expected)
            )
    if problems:
        raise InputError(problems)
    first = rows.drop_duplicates("investor_id").set_index("investor_id").loc[ids]
    kind = types.loc[first["owner_type"]]
    return Agents(
        ids=np.array(ids, dtype=object),
        owner_type=first["owner_type"].to_numpy(object),
        objective=kind["objective"].to_numpy(object),
        forecast=kind["forecast"].to_numpy(object),
        hurdle=kind["hurdle_rate"].to_numpy(float),
        subsidy=kind["subsidy_share_capex"].to_numpy(float),
        jobs_value=kind["jobs_per_mw"].to_numpy(float)
        * kind["value_per_job_cny_year"].to_numpy(float),
        investor=here["investor_id"].map({x: n for n, x in enumerate(ids)}).to_numpy(int),
        site=here["site_id"].map(known).to_numpy(int),
        share=here["share"].to_numpy(float),
    )


def check_own_demand(agents: Agents, segments: pd.DataFrame, source: str) -> None:
    """Refuse an ``own_demand`` investor whose owner type is no segment's ``captive_owner``.

    Such an investor has no use to build for anywhere: an investor with no admissible site.

    Raises
    ------
    InputError
        One problem per such investor.
    """
    captive = set(segments["captive_owner"].dropna())
    expected = (
        "an owner type some segment uses as its own (segments.csv captive_owner: {}) for "
        "objective own_demand; {!r} is none (an investor with no admissible site)"
    )
    problems = [
        Problem(source, f"investor {i!r}", "owner_type", expected.format(sorted(captive), o))
        for i, o, obj in zip(agents.ids, agents.owner_type, agents.objective, strict=True)
        if obj == "own_demand" and o not in captive
    ]
    if problems:
        raise InputError(problems)
