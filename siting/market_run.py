"""Plan a horizon, then let the market allocate each year's use (``siting market``).

Chains: the market tables (:func:`siting.market.load_market_data`, read first so that bad
tables stop the run before any solve) → the planned horizon (:func:`siting.horizon_run.
run_horizon`, as ``siting plan`` plans it, nothing written) → one market per year
(:func:`siting.market.year_market`, :func:`siting.market.allocate`) → the tables
``market_sites.csv`` and ``market_idle.csv`` and ``summary.json``, written atomically
through :func:`siting.io.publish`, with the owner map of the year reported
(:func:`siting.maps.owners.make_owner_map`). docs/model.md "Market for compute" has the maths and
docs/outputs.md the columns.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting import settings
from siting.errors import InputError, Problem
from siting.horizon_run import HorizonRun, check_year, run_horizon
from siting.io import publish, write_csv, write_json
from siting.layers import province_regions
from siting.market import MarketResult, allocate, idle_by, load_market_data, year_market
from siting.market.allocate import PREMIUM_TOLERANCE, owner_sites
from siting.market.data import MARKET_FILES
from siting.provenance import display_path
from siting.scenario import Scenario
from siting.solve.options import RunOptions
from siting.vintages import SITE_KW_PER_PF

if TYPE_CHECKING:
    from siting.maps import MapPage

#: Rows of the printed premium table.
PREMIA_SHOWN = 15
#: What the MW of the outputs count (docs/outputs.md, "Conventions").
MW_UNITS = (
    f"demand_mw, served_mw, unserved_mw: demand MW, compute at the reference {SITE_KW_PER_PF:g} "
    "kW/PF; capacity_mw, captive_mw, market_mw, used_mw, idle_mw: installed MW of IT load, of "
    "which one of accelerator class k serves phi_k demand MW"
)


@dataclass
class MarketRun:
    """A planned horizon whose years' use the market allocated.

    Attributes
    ----------
    plan
        The planned horizon (:func:`~siting.horizon_run.run_horizon`, nothing written).
    results
        Per year: the market's allocation, rents and idle capacity.
    area
        ``"region"``: idle MW are summed by place by statistical region (``provinces.csv``
        ``region``; a province without one in ``"unknown"``).
    sites
        ``market_sites.csv``: per year and site, capacity, use, utilisation and revenue.
    idle
        ``market_idle.csv``: per year, the idle MW by owner type, by ``area`` and by class.
    summary
        What ``summary.json`` holds.
    table_dir
        The output folder, or ``None`` if nothing was written.
    map_path
        The owner map (``maps/market-<scenario>.html``), or ``None`` if none was written.
    """

    plan: HorizonRun
    results: dict[int, MarketResult]
    area: str
    sites: pd.DataFrame
    idle: pd.DataFrame
    summary: dict[str, Any]
    table_dir: Path | None = field(default=None)
    map_path: Path | None = field(default=None)

    @property
    def scenario(self) -> Scenario:
        """The scenario planned."""
        return self.plan.scenario

    def map(self, *, year: int | None = None, tiles: str = "none") -> MapPage:
        """Draw one year's sites by owner type, filled to their utilisation.

        Parameters
        ----------
        year
            The year drawn; default the last of the horizon.
        tiles
            ``"none"`` (offline) or ``"osm"``, as for :func:`siting.maps.make_map`.

        Returns
        -------
        MapPage
            Show it in Jupyter, or write it with its ``save`` method.

        Raises
        ------
        InputError
            For a year outside the horizon or another tile choice.
        """
        from siting.maps.owners import make_owner_map

        years = self.summary["years"]
        year = years[-1] if year is None else year
        problems = []
        if year not in years:
            expected = f"a year of the horizon ({years[0]}-{years[-1]}); got {year}"
            problems.append(Problem("MarketRun.map", "", "year", expected))
        if tiles not in ("none", "osm"):
            problems.append(
                Problem("MarketRun.map", "", "tiles", f"'none' or 'osm'; got {tiles!r}")
            )
        if problems:
            raise InputError(problems)
        assert self.plan.layers is not None  # run_horizon keeps them
        return make_owner_map(
            owner_sites(self.results[year], self.plan.layers.sites),
            self.plan.layers,
            year=year,
            title=f"siting market · {self.scenario.name} · {year}",
            description=self.scenario.description,
            tiles=tiles,  # type: ignore[arg-type]
        )


def run_market(
    scenario: str | Path | Scenario | None = None,
    *,
    plan: HorizonRun | None = None,
    year: int | None = None,
    options: RunOptions | None = None,
    out_dir: Path | None = None,
    write: bool = True,
    map: bool = True,
    maps_dir: Path | None = None,
    tiles: str = "none",
    cdn: bool = False,
) -> MarketRun:
    """Plan a horizon scenario as ``siting plan`` does, then allocate each year by the market.

    Parameters
    ----------
    scenario
        A scenario with a ``[horizon]`` table (file, shipped name or :class:`Scenario`).
    plan
        Instead of ``scenario``: its horizon already planned (:func:`~siting.horizon_run.
        run_horizon`, with its layers), allocated as it is, not planned again.
    year
        A year the caller will report on, checked against the horizon before solving.
    options
        Solver options of the plan (as for :func:`~siting.horizon_run.run_horizon`); not with
        ``plan``.
    out_dir
        Parent of the output folder ``<name>-market/`` (default ``settings.out_dir``).
    write
        Write the outputs.
    map
        With ``write``: also write the owner map of ``year`` (default the horizon's last),
        ``maps_dir/market-<scenario>.html`` (:meth:`MarketRun.map`).
    maps_dir
        Folder of the map (default ``settings.maps_dir``).
    tiles
        The map's basemap: ``"none"`` (offline) or ``"osm"`` (needs a network).
    cdn
        Load the map's scripts from CDNs instead of inlining them.

    Raises
    ------
    InputError
        On bad input: the market tables (an unknown owner type, a friction for an undefined
        segment, a segment with no admissible site), a site of the scenario without an owner
        type, or the scenario (nothing is written).
    ValueError
        If ``plan`` comes with a ``scenario`` or ``options``.
    """
    if plan is not None and (scenario is not None or options is not None):
        raise ValueError("run_market takes a scenario (and options) to plan, or a plan")
    data = load_market_data()
    if plan is None:
        plan = run_horizon(scenario, year=year, options=options, write=False, map=False)
    else:
        check_year([int(y) for y in plan.horizon.years], year)
    h, layers = plan.horizon, plan.layers
    assert layers is not None  # run_horizon keeps them
    markets = [year_market(h, t, data, layers.hubs) for t in range(len(h.years))]
    results = {int(y): allocate(m) for y, m in zip(h.years, markets, strict=True)}
    area, region = "region", province_regions(layers.provinces)
    sites = pd.concat([r.sites.assign(year=y) for y, r in results.items()], ignore_index=True)
    sites = sites[["year", *results[int(h.years[0])].sites.columns]]
    idle = idle_table(results, region)
    summary = {
        "provenance": plan.summary["provenance"],
        "market_files": market_files(Path(settings.data_dir)),
        "scenario": plan.scenario.name,
        "years": [int(y) for y in h.years],
        "plan_solver": plan.summary["solver"],
        "by_year": [
            year_summary(y, r, plan_year)
            for (y, r), plan_year in zip(results.items(), plan.summary["by_year"], strict=True)
        ],
        "clearing": clearing_premia(results),
        "area": area,
        "mw_units": MW_UNITS,
    }
    run = MarketRun(plan, results, area, sites, idle, summary)
    if write:

        def write_outputs(folder: Path) -> None:
            write_csv(sites, folder / "market_sites.csv")
            write_csv(idle, folder / "market_idle.csv")
            write_json(folder / "summary.json", summary)

        name = plan.scenario.name
        run.table_dir, run.map_path = publish(
            f"{name}-market",
            Path(out_dir or settings.out_dir),
            write_outputs,
            fmap=run.map(year=year, tiles=tiles) if map else None,
            maps_dir=maps_dir,
            offline=not cdn,
            map_name=f"market-{name}",
        )
    return run


def market_files(data_dir: Path) -> dict[str, dict[str, str]]:
    """Name the market's tables (not in the provenance's ``data_files``): path and SHA-256."""
    return {
        name: {
            "path": display_path(data_dir / name),
            "sha256": hashlib.sha256((data_dir / name).read_bytes()).hexdigest(),
        }
        for name in MARKET_FILES
    }


def idle_table(results: dict[int, MarketResult], region: dict[str, str]) -> pd.DataFrame:
    """Sum idle MW per year by owner type, by region and by class (``market_idle.csv``).

    ``region``: province → statistical region (:func:`~siting.layers.province_regions`); a
    province without one is in region ``"unknown"``, as in the plan's idle tables.
    """
    frames = []
    for y, r in results.items():
        rents = r.rents.assign(region=r.rents["province"].map(region).fillna("unknown"))
        for by in ("owner_type", "region", "accelerator_class"):
            table = idle_by(rents, by).reset_index(names="group")
            frames.append(table.assign(year=y, dimension=by))
    out = pd.concat(frames, ignore_index=True)
    return out[["year", "dimension", "group", "capacity_mw", "idle_mw", "idle_share"]]


def year_summary(year: int, r: MarketResult, plan_year: dict[str, Any]) -> dict[str, Any]:
    """National totals of one year's market, beside the plan's stranded MW of that year."""
    capacity = float(r.sites["capacity_mw"].sum())
    idle = float(r.sites["idle_mw"].sum())
    return {
        "year": year,
        "capacity_mw": capacity,
        "captive_mw": float(r.sites["captive_mw"].sum()),
        "market_mw": float(r.sites["market_mw"].sum()),
        "idle_mw": idle,
        "idle_share": idle / capacity if capacity > 0 else float("nan"),
        "demand_mw": float(r.streams["demand_mw"].sum()),
        "served_mw": float((r.streams["captive_mw"] + r.streams["market_mw"]).sum()),
        "unserved_mw": float(r.streams["unserved_mw"].sum()),
        "revenue_cny": float(r.sites["revenue_cny"].sum()),
        "cost_cny": r.cost_cny,
        "plan_stranded_mw": plan_year["stranded_mw"],
    }


def clearing_premia(results: dict[int, MarketResult]) -> list[dict[str, Any]]:
    """Every site and class whose capacity binds with a premium over the posted rent."""
    rows = []
    for y, r in results.items():
        rents = r.rents[r.rents["clearing_premium"] > PREMIUM_TOLERANCE]
        for row in rents.itertuples(index=False):
            rows.append(
                {
                    "year": y,
                    "site_id": row.site_id,
                    "owner_type": row.owner_type,
                    "accelerator_class": row.accelerator_class,
                    "capacity_mw": row.capacity_mw,
                    "posted_rent": row.posted_rent,
                    "clearing_premium": row.clearing_premium,
                    "clearing_rent": row.clearing_rent,
                }
            )
    return rows


def market_report(run: MarketRun, year: int | None = None) -> str:
    """Format the summary: totals per year, then the idle MW, sites and premia of ``year``.

    ``year`` defaults to the horizon's last.
    """
    years = run.summary["years"]
    year = years[-1] if year is None else year
    by_year = pd.DataFrame(run.summary["by_year"]).set_index("year")
    totals = by_year[
        ["demand_mw", "served_mw", "unserved_mw", "capacity_mw", "idle_mw", "idle_share",
         "plan_stranded_mw"]
    ]  # fmt: skip
    idle = run.idle[run.idle["year"] == year]
    sites = run.sites[run.sites["year"] == year].set_index("site_id")
    sites = sites[sites["capacity_mw"] > 0]
    premia = [c for c in run.summary["clearing"] if c["year"] == year]
    lines = [
        f"siting market · {run.scenario.name}: the plan's capacity, each year's use allocated "
        f"by the market ({years[0]}-{years[-1]})",
        "",
        "Per year (demand MW and installed MW, see mw_units; plan_stranded_mw: what the "
        "planner's dispatch leaves idle)",
        _table(totals),
    ]
    for by, title in (
        ("owner_type", "owner type"),
        (run.area, run.area),
        ("accelerator_class", "accelerator class"),
    ):
        part = idle[idle["dimension"] == by].set_index("group")
        lines += [
            "",
            f"{year}: idle MW by {title}",
            _table(part[["capacity_mw", "idle_mw", "idle_share"]]),
        ]
    site_table = sites[["owner_type", "province", "capacity_mw", "utilisation"]].assign(
        revenue_m_cny=sites["revenue_cny"] / 1e6
    )
    lines += ["", f"{year}: utilisation and revenue per site", _table(site_table)]
    if premia:
        table = pd.DataFrame(premia).sort_values("clearing_premium", ascending=False)
        table = table.set_index(["site_id", "accelerator_class"])
        table = table[["posted_rent", "clearing_premium", "clearing_rent"]] / 1e6
        title = f"{year}: clearing premia where capacity binds (M CNY per MW-year)"
        if len(table) > PREMIA_SHOWN:
            title += f", the {PREMIA_SHOWN} largest of {len(table)} (all in summary.json)"
        lines += ["", title, _table(table.head(PREMIA_SHOWN))]
    else:
        lines += ["", f"{year}: no capacity binds: every class clears at its posted rent"]
    return "\n".join(lines)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda v: f"{v:,.2f}" if np.isfinite(v) else "–")
