"""The investors of a simulated build-out: who may build where, and by which rule they decide.

Two tables of ``data/`` (``data/SOURCES.md`` section I documents every column):
``investor_types.csv`` (one row per owner type: objective, hurdle rate, jobs and their value to
a local government, the share of capex another public purse pays, the forecast the type plans
on) and ``investors.csv`` (one row per investor and site of a sites layer: the investor's share
of the site's headroom; rebuilt by ``scripts/build_investors.py``). :func:`load_investors`
checks both, column by column, row against row and against the market's segments and
frictions, and raises one :class:`~siting.errors.InputError` naming the file, the row, the
field and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting import settings
from siting._validate import CSV_ROWS, Column, check_unique, read_csv, read_table
from siting.errors import InputError, Problem
from siting.market.data import (
    MARKET_FILES,
    OWNER_TYPES,
    SHARE_TOLERANCE,
    SOURCE_COLUMNS,
    read_frictions,
    read_segments,
)
from siting.rest_of_china import pseudo_id
from siting.scenario import MAX_CNY

#: The investor tables in ``data/``.
INVESTOR_FILES = ("investor_types.csv", "investors.csv")
#: Sites layers with investors, and the site files (below ``data/``) that make each layer:
#: ``default`` is ``sites.csv`` plus a pseudo-site per province of ``rest_of_china.csv``.
LAYERS = {"default": ("sites.csv", "rest_of_china.csv"), "prefecture": ("prefecture/sites.csv",)}
#: What an investor maximises: its own segments' use served (clouds), its margin, or its
#: margin plus the value of the jobs it brings (local governments).
OBJECTIVES = ("own_demand", "margin", "jobs_and_margin")
#: What an investor plans on: the year's use forecast, or the published installed forecast.
FORECASTS = ("use", "published")
#: Largest permanent jobs per MW a type may name (far above any data centre).
MAX_JOBS_PER_MW = 1000.0

TYPE_COLUMNS = (
    Column("owner_type", choices=OWNER_TYPES),
    Column("objective", choices=OBJECTIVES),
    Column("hurdle_rate", number=True, minimum=0, maximum=1),
    Column("jobs_per_mw", number=True, minimum=0, maximum=MAX_JOBS_PER_MW),
    Column("value_per_job_cny_year", number=True, minimum=0, maximum=MAX_CNY),
    Column("subsidy_share_capex", number=True, minimum=0, maximum=1),
    Column("forecast", choices=FORECASTS),
    *SOURCE_COLUMNS,
)
INVESTOR_COLUMNS = (
    Column("investor_id"),
    Column("owner_type", choices=OWNER_TYPES),
    Column("site_id"),
    Column("layer", choices=tuple(LAYERS)),
    Column("share", number=True, minimum=0, positive=True, maximum=1),
    *SOURCE_COLUMNS,
)


@dataclass(frozen=True)
class Investors:
    """The investors of one layer, on the sites of one scenario.

    Attributes
    ----------
    layer
        The sites layer (a key of :data:`LAYERS`).
    site_ids
        The scenario's sites, in its order: what :attr:`site` indexes.
    ids
        One id per investor, in the order of their first row in ``investors.csv``.
    owner_type
        Each investor's owner type (:data:`~siting.market.data.OWNER_TYPES`), shape ``(I,)``.
    investor, site, share
        One entry per row (an investor at a site of the scenario): the investor's index in
        :attr:`ids`, the site's index in :attr:`site_ids` and the investor's share of the
        site's remaining headroom, shapes ``(R,)``. Rows at sites of the layer outside the
        scenario are left out.
    types
        ``investor_types.csv``, one row per owner type in :data:`OWNER_TYPES` order, indexed
        by ``owner_type``.
    """

    layer: str
    site_ids: tuple[str, ...]
    ids: tuple[str, ...]
    owner_type: np.ndarray
    investor: np.ndarray
    site: np.ndarray
    share: np.ndarray
    types: pd.DataFrame

    def of_type(self, column: str) -> np.ndarray:
        """Return a column of :attr:`types` for each investor, shape ``(I,)``."""
        return self.types[column].loc[self.owner_type].to_numpy()


def load_investors(
    layer: str, *, site_ids: Sequence[str], data_dir: Path | None = None
) -> Investors:
    """Read ``investor_types.csv`` and the rows of ``layer`` in ``investors.csv``.

    Parameters
    ----------
    layer
        ``default`` or ``prefecture``.
    site_ids
        The sites of the scenario; every investor needs at least one of them.
    data_dir
        The folder of the tables, of the layer's site files and of the market's segments and
        frictions (:data:`~siting.market.data.MARKET_FILES`); the shipped data
        (:data:`siting.settings.data_dir`) by default.

    Returns
    -------
    Investors

    Raises
    ------
    InputError
        Naming every problem: an unknown layer, owner type or site of the layer, a type
        without its row, a number out of range, the shares at a site adding up to more than
        1, an investor with no admissible site: none of the scenario's, or an owner type no
        segment may use (:func:`segments_of_type`).
    """
    data_dir = Path(settings.data_dir if data_dir is None else data_dir)
    types_file, investors_file = (data_dir / name for name in INVESTOR_FILES)
    if layer not in LAYERS:
        expected = f"expected a layer of investors ({', '.join(map(repr, LAYERS))}), got {layer!r}"
        raise InputError([Problem(str(investors_file), "", "layer", expected)])
    types = read_investor_types(types_file)
    usable = segments_of_type(types, data_dir)
    table = read_investor_rows(
        investors_file, layer=layer, layer_sites=layer_site_ids(layer, data_dir)
    )
    rows = table[table["layer"] == layer]
    index = {s: i for i, s in enumerate(site_ids)}
    ids = list(dict.fromkeys(rows["investor_id"]))
    admissible = set(rows.loc[rows["site_id"].isin(index), "investor_id"])
    problems = []
    if not ids:
        expected = f"expected at least one investor of layer {layer!r}, found none"
        problems.append(Problem(str(investors_file), "", "layer", expected))
    for investor in ids:
        if investor not in admissible:
            first = int(rows.index[rows["investor_id"] == investor][0])
            expected = (
                f"an investor with no admissible site: none of its sites in layer {layer!r} "
                "is a site of the scenario"
            )
            where = CSV_ROWS.label(first, "investor_id", investor)
            problems.append(Problem(str(investors_file), where, "site_id", expected))
    owner = rows.drop_duplicates("investor_id").set_index("investor_id")["owner_type"]
    for kind in OWNER_TYPES:
        stranded = list(owner.index[owner == kind])
        if stranded and not usable[kind]:
            named = ", ".join(stranded[:3]) + (", ..." if len(stranded) > 3 else "")
            objective = str(types.loc[kind, "objective"])
            expected = (
                f"an investor with no admissible site: no segment may use the capacity of "
                f"{kind!r} ({objective}; {' and '.join(MARKET_FILES[1:])}), "
                f"the owner type of {len(stranded)} investors ({named})"
            )
            problems.append(
                Problem(str(investors_file), f"owner type {kind!r}", "owner_type", expected)
            )
    if problems:
        raise InputError(problems)
    kept = rows[rows["site_id"].isin(index)]
    return Investors(
        layer=layer,
        site_ids=tuple(site_ids),
        ids=tuple(ids),
        owner_type=owner.loc[ids].to_numpy(dtype=str),
        investor=kept["investor_id"].map({x: i for i, x in enumerate(ids)}).to_numpy(int),
        site=kept["site_id"].map(index).to_numpy(int),
        share=kept["share"].to_numpy(float),
        types=types,
    )


def segments_of_type(types: pd.DataFrame, data_dir: Path) -> dict[str, bool]:
    """Say for each owner type whether some segment may use its capacity.

    A segment may use a type's capacity where ``frictions.csv`` admits it; an ``own_demand``
    type (a cloud) builds only for the segments whose ``captive_owner`` it is.

    Parameters
    ----------
    types
        As :func:`read_investor_types` returns them.
    data_dir
        The folder of ``segments.csv`` and ``frictions.csv``.

    Returns
    -------
    dict
        Owner type → whether an investor of it has a segment to build for.
    """
    _, segments_file, frictions_file = (data_dir / name for name in MARKET_FILES)
    segments = read_segments(segments_file)
    frictions = read_frictions(frictions_file, segments=list(segments["segment"]))
    usable = {}
    for kind in OWNER_TYPES:
        admitted = set(
            frictions.loc[frictions["admissible"] & (frictions["owner_type"] == kind), "segment"]
        )
        if types.loc[kind, "objective"] == "own_demand":
            admitted &= set(segments.loc[segments["captive_owner"] == kind, "segment"])
        usable[kind] = bool(admitted)
    return usable


def layer_site_ids(layer: str, data_dir: Path) -> list[str]:
    """Return the ids of every site of ``layer`` (``default``: with the rest-of-China ones)."""
    sites, *rest = (data_dir / name for name in LAYERS[layer])
    ids = list(read_csv(sites, what="site")["site_id"])
    for path in rest:
        ids += [pseudo_id(p) for p in read_csv(path, what="province")["province"]]
    return ids


def read_investor_types(path: Path) -> pd.DataFrame:
    """Read the investor types: exactly one row per owner type.

    Only a ``jobs_and_margin`` type may count jobs: the others have 0 jobs per MW and 0 per job.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``owner_type``, in :data:`OWNER_TYPES` order.
    """
    source = str(path)
    table, problems = read_table(path, TYPE_COLUMNS, what="investor type", key="owner_type")
    problems += check_unique(table, "owner_type", source=source)
    for i, (_, row) in enumerate(table.iterrows()):  # read_table keeps the 0-based RangeIndex
        for field in ("jobs_per_mw", "value_per_job_cny_year"):
            if row["objective"] in OBJECTIVES[:2] and (row[field] or 0) > 0:
                expected = (
                    f"expected 0 for objective {row['objective']!r} (only jobs_and_margin "
                    f"counts jobs), got {row[field]:g}"
                )
                where = CSV_ROWS.label(i, "owner_type", row["owner_type"])
                problems.append(Problem(source, where, field, expected))
    missing = [t for t in OWNER_TYPES if t not in set(table["owner_type"])]
    if missing and table["owner_type"].isin(OWNER_TYPES).all():
        problems.append(Problem(source, "", "owner_type", f"no row for the owner types {missing}"))
    if problems:
        raise InputError(problems)
    names = [c.name for c in TYPE_COLUMNS]
    return table[names].set_index("owner_type").loc[list(OWNER_TYPES)]


def read_investor_rows(path: Path, *, layer: str, layer_sites: Sequence[str]) -> pd.DataFrame:
    """Read ``investors.csv``: checked columns, known sites, one owner type per investor.

    Parameters
    ----------
    path
        The file.
    layer
        The layer being read.
    layer_sites
        Its sites: every row of ``layer`` must name one (rows of other layers are not checked
        against their sites).

    Returns
    -------
    pandas.DataFrame
        Every row, in the file's order.
    """
    source = str(path)
    table, problems = read_table(path, INVESTOR_COLUMNS, what="investor", key="investor_id")
    mine = (table["layer"] == layer) & table["site_id"].notna()
    for i in np.flatnonzero(mine & ~table["site_id"].isin(set(layer_sites))):
        row = table.iloc[i]
        expected = f"expected a site of layer {row['layer']!r}, got {row['site_id']!r}"
        where = CSV_ROWS.label(i, "investor_id", row["investor_id"])
        problems.append(Problem(source, where, "site_id", expected))
    typed = table[table["owner_type"].isin(OWNER_TYPES)]
    kinds = typed.groupby("investor_id", sort=False)["owner_type"].nunique()
    for investor in kinds.index[kinds > 1]:
        rows = typed[typed["investor_id"] == investor]
        expected = (
            f"expected one owner type per investor; {investor!r} has "
            f"{', '.join(rows['owner_type'].unique())}"
        )
        problems.append(Problem(source, _lines(rows.index), "owner_type", expected))
    pairs = table["investor_id"].astype(str) + " at " + table["site_id"].astype(str)
    pairs = pairs + " in " + table["layer"].astype(str)
    for pair in pairs[pairs.duplicated()].unique():
        expected = f"expected one row per investor, site and layer; {pair} is repeated"
        problems.append(Problem(source, _lines(np.flatnonzero(pairs == pair)), "site_id", expected))
    valid = table["share"].between(0, 1)  # out-of-range shares have their own problem
    totals = table[valid].groupby(["layer", "site_id"], sort=False)["share"].sum()
    over = totals[totals > 1 + SHARE_TOLERANCE]
    for name, site, total in zip(
        over.index.get_level_values("layer"),
        over.index.get_level_values("site_id"),
        over,
        strict=True,
    ):
        rows = np.flatnonzero((table["layer"] == name) & (table["site_id"] == site))
        expected = (
            f"expected shares at a site adding up to at most 1; at {site!r} ({name}) they "
            f"add up to {total:g}"
        )
        problems.append(Problem(source, _lines(rows), "share", expected))
    if problems:
        raise InputError(problems)
    return table[[c.name for c in INVESTOR_COLUMNS]]


def _lines(rows: Iterable[int]) -> str:
    """Name 0-based rows of a CSV file: ``lines 2, 3``."""
    return "lines " + ", ".join(str(CSV_ROWS.first + int(i)) for i in rows)
