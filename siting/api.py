"""The public API: ``optimize``, ``load_scenario``, ``audit``, ``run_market``, ``run_simulation``.

A :class:`Plan` holds a solved plan as GeoDataFrames (``sites``, ``flows``, ``hubs``), shows
itself as siting's self-contained map with :meth:`Plan.explore` (no CDN, works offline in a
notebook) and writes its tables with :meth:`Plan.to_file`. Nothing is written unless asked.
See ``docs/api.md``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from siting._assets import inline_assets
from siting.analysis import Audit
from siting.analysis import audit as _audit
from siting.errors import InputError, Problem
from siting.horizon_run import HorizonRun
from siting.io import check_map_path, check_output_folder, publish, write_json, write_tables
from siting.maps import add_to, make_map, save_map, to_html
from siting.market_run import MarketRun
from siting.market_run import run_market as _run_market
from siting.pipeline import Run
from siting.pipeline import optimize as _optimize
from siting.results import Results
from siting.scenario import Scenario, check_runner
from siting.scenario import load_scenario as _load_scenario
from siting.simulate.run import SimulationRun
from siting.simulate.run import run_simulation as _run_simulation
from siting.solve.options import RunOptions

ScenarioLike = str | Path | Scenario

__all__ = [
    "MapView",
    "MarketRun",
    "Plan",
    "SimulationRun",
    "audit",
    "load_scenario",
    "optimize",
    "run_market",
    "run_simulation",
]


def load_scenario(name_or_path: str | Path = "default") -> Scenario:
    """Read and validate a scenario: a shipped name (``"prefecture"``) or a TOML file.

    Parameters
    ----------
    name_or_path
        The shipped names are the files in ``siting/scenarios/`` (``"default"``, ...).

    Returns
    -------
    Scenario
        Validated; change it with :meth:`Scenario.with_overrides`.

    Raises
    ------
    siting.errors.InputError
        Naming the file, table and key of every problem.
    """
    return _load_scenario(name_or_path)[0]


def optimize(scenario: ScenarioLike = "default", *, options: RunOptions | None = None) -> Plan:
    """Solve a scenario and return its plan; nothing is written (see :meth:`Plan.to_file`).

    Parameters
    ----------
    scenario
        A shipped scenario's name, a TOML file or a :class:`Scenario`.
    options
        Solver, time limit, gap, threads and strategy (:class:`~siting.RunOptions`, e.g.
        ``RunOptions(solver="cbc", time_limit=30)`` or ``RunOptions(solver=pulp.HiGHS())``, a
        PuLP solver used as configured); those not given from the scenario's ``[solve]``
        table, then ``siting.settings``.

    Returns
    -------
    Plan

    Raises
    ------
    siting.errors.SitingError
        On bad input (a scenario with a ``[horizon]`` table: plan it with ``siting plan``),
        an infeasible scenario or a solver failure.
    """
    spec = scenario if isinstance(scenario, Scenario) else _load_scenario(scenario)[0]
    check_runner(spec, "optimize")  # as the CLI: a [horizon] scenario is planned, not optimised
    run = _optimize(scenario, options=options, write=False)
    name = run.scenario.name
    return Plan(name, f"siting · {name}", run.results, run.summary, run=run)


def audit(built: ScenarioLike, under: ScenarioLike, *, options: RunOptions | None = None) -> Plan:
    """Take what one scenario builds as sunk and use it as well as possible under another.

    Parameters
    ----------
    built
        The scenario whose build plan is sunk, or ``"existing"`` (the capacity in the data).
    under
        The scenario it is used under.
    options
        As for :func:`optimize`.

    Returns
    -------
    Plan
        The plan under ``under``; ``plan.audit`` holds the per-site and per-province
        utilisation tables and the KPIs (idle MW, mismatch cost).
    """
    result = _audit(built, under, options=options)
    name = f"audit-{result.built_name}-under-{result.under_name}"
    title = f"{result.built_name} built, used under {result.under_name}"
    return Plan(name, title, result.results, result.summary, audit=result)


def run_market(
    scenario: ScenarioLike | None = None,
    *,
    plan: HorizonRun | None = None,
    options: RunOptions | None = None,
) -> MarketRun:
    """Plan a ``[horizon]`` scenario, then let the market allocate each year's use.

    As ``siting market`` (docs/model.md "Market for compute"); nothing is written. Not named
    ``siting.market``: that is the subpackage of the market's parts.

    Parameters
    ----------
    scenario
        A shipped scenario's name, a TOML file or a :class:`Scenario` with a ``[horizon]``.
    plan
        Instead of ``scenario``: its horizon already planned
        (:func:`siting.horizon_run.run_horizon`), allocated without planning it again.
    options
        As for :func:`optimize`, for the plan (not with ``plan``).

    Returns
    -------
    MarketRun
        ``results`` (per year, the :class:`~siting.market.MarketResult`), ``sites`` and
        ``idle`` (the tables ``siting market`` writes), ``summary`` and the ``plan``.

    Raises
    ------
    siting.errors.InputError
        On bad input: the market tables, a site without an owner type, the scenario.
    ValueError
        If ``plan`` comes with a ``scenario`` or ``options``.
    """
    return _run_market(scenario, plan=plan, options=options, write=False)


def run_simulation(
    scenario: ScenarioLike,
    *,
    options: RunOptions | None = None,
    investor: str | None = None,
) -> SimulationRun:
    """Simulate a ``[horizon]`` scenario's build-out by many investors; the market allocates.

    As ``siting simulate`` (docs/model.md "Many investors"); nothing is written. Not named
    ``siting.simulate``: that is the subpackage of the simulation's parts.

    Parameters
    ----------
    scenario
        A shipped scenario's name, a TOML file or a :class:`Scenario` with a ``[horizon]``
        (and ``[simulate]``, whose defaults hold when absent).
    options
        As for :func:`optimize`, for the horizon models (planner, costing, perfect foresight).
    investor
        An investor id: also its best response in the last order year (``investor``).

    Returns
    -------
    SimulationRun
        ``simulation`` (orders, markets, turns), ``build_outs`` (each with its fleet, cost and
        markets), the tables ``siting simulate`` writes and ``summary``.

    Raises
    ------
    siting.errors.InputError
        On bad input: the scenario, the investors, an unknown investor id.
    """
    return _run_simulation(scenario, options=options, investor=investor, write=False)


@dataclass(frozen=True)
class Plan:
    """A solved plan: tables as GeoDataFrames, its summary, a map.

    Attributes
    ----------
    name
        Short name (the scenario's), used for file names.
    title
        Title of its map.
    results
        All result tables, with provinces, backbone and reach for maps.
    summary
        What ``summary.json`` holds, with the provenance block.
    run
        The pipeline's stages (layers, instance, solution, timings), from :func:`optimize`.
    audit
        The audit tables and KPIs, from :func:`audit`.
    """

    name: str
    title: str
    results: Results
    summary: dict[str, Any]
    run: Run | None = field(default=None, repr=False)
    audit: Audit | None = field(default=None, repr=False)

    @property
    def sites(self) -> gpd.GeoDataFrame:
        """One row per candidate site: decisions, MW, costs by component (points, WGS 84)."""
        return self.results.sites

    @property
    def flows(self) -> gpd.GeoDataFrame:
        """One row per hub-site pair carrying inference (lines, WGS 84)."""
        return self.results.flows

    @property
    def hubs(self) -> gpd.GeoDataFrame:
        """One row per demand hub: demand, SLA, latency served (points, WGS 84)."""
        return self.results.hubs

    @property
    def kpis(self) -> dict[str, Any]:
        """National totals: cost by component (CNY/yr), MW by workload, solver status."""
        return self.results.kpis

    @property
    def status(self) -> str:
        """What the solver proved: ``"optimal"`` or ``"feasible"`` (stopped at a limit)."""
        return str(self.results.kpis["status"])

    def __repr__(self) -> str:
        k = self.kpis
        value = f"{k['total_cost_cny'] / 1e9:,.2f} bn CNY/yr"
        if k["objective_unit"] != "CNY/yr":  # a classic location model
            value = f"{k['objective_kind']} {k['objective_value']:,.6g} {k['objective_unit']}"
        return (
            f"<Plan {self.name!r}: {k['status']}, {value}, "
            f"{k['sites_open']} sites open, training {k['training_mw']:,.0f} MW, inference "
            f"{k['inference_mw']:,.0f} MW>"
        )

    def explore(
        self,
        m: Any = None,
        column: str | None = None,
        tooltip: bool | str | list[str] | None = None,
        **folium_kwargs: Any,
    ) -> Any:
        """Show the plan on siting's interactive map, or add its layers to a folium map.

        As geopandas' ``GeoDataFrame.explore``: without ``m``, a new map; with ``m``, the
        plan's layers are added to that map, which is returned.

        Parameters
        ----------
        m
            A ``folium.Map`` of yours. The sites (chosen, and unused candidates below them),
            existing capacity, hubs, flows, boundary lines (and reach and backbone when the
            plan has them) are added as overlays with their own layer control, the plan's
            panel and symbols key; your base layers stay, and the view is fitted to the
            mainland. siting's script, style and data are inline in the page; Leaflet loads as
            your map loads it (folium's CDN links), so that page needs the network unless
            you make it self-contained (:meth:`MapView.of`).
        column
            Colour the sites by this column of :attr:`sites` (a ramp for numbers, a colour
            per category), with a legend.
        tooltip
            The fields each site's tooltip lists: a column name or a list of them, ``True``
            for every column, ``False`` for none; default siting's tooltips.
        **folium_kwargs
            Without ``m``: further ``folium.Map`` arguments (e.g. ``zoom_control=False``);
            ``width`` and ``height`` (px) size the notebook frame (default height 600).

        Returns
        -------
        MapView or folium.Map
            Without ``m``, the self-contained page (no network needed), which displays
            itself in Jupyter (``.save(path)`` writes it); with ``m``, ``m``.

        Raises
        ------
        siting.errors.InputError
            If ``column`` or a ``tooltip`` field is not a column of :attr:`sites`, ``m`` is
            not a ``folium.Map``, ``folium_kwargs`` are given with ``m``, or the frame size
            is not a whole number of px.
        """
        if m is not None:
            if folium_kwargs:
                expected = f"no folium.Map arguments with m (got {', '.join(folium_kwargs)})"
                raise InputError([Problem("explore", "", "folium_kwargs", expected)])
            return add_to(m, self.results, title=self.title, column=column, tooltip=tooltip)
        frame = {k: folium_kwargs.pop(k) for k in ("width", "height") if k in folium_kwargs}
        for key, value in frame.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                expected = f"a size in px, a whole number > 0; got {value!r}"
                raise InputError([Problem("explore", "", key, expected)])
        page = make_map(
            self.results, title=self.title, column=column, tooltip=tooltip, options=folium_kwargs
        )
        return MapView(to_html(page), **frame)

    def to_file(self, folder: str | Path, *, with_map: bool = True) -> Path:
        """Write the tables (CSV, GeoJSON, GeoParquet), ``summary.json`` and the map.

        The folder is written all at once: a failure leaves an earlier one as it was. It must
        not exist yet, be empty, or be an earlier siting output holding nothing else (see
        ``docs/security.md``); any other folder is refused before anything is written.

        Parameters
        ----------
        folder
            The output folder.
        with_map
            Also write ``map.html`` (self-contained).

        Returns
        -------
        Path
            The folder.

        Raises
        ------
        siting.errors.InputError
            If the folder holds files siting did not write, or a file is in its way.
        """
        target = Path(folder).resolve()  # "." or a symbolic link names the folder itself
        check_output_folder(target.parent, option="folder", name=target.name)
        fmap = make_map(self.results, title=self.title) if with_map else None

        def write(staging: Path) -> None:
            write_tables(self.results, staging)
            write_json(staging / "summary.json", self.summary)
            if fmap is not None:
                save_map(fmap, staging / "map.html")

        publish(target.name, target.parent, write, option="folder")
        return Path(folder)


class MapView:
    """A self-contained map page that Jupyter shows in a sandboxed ``<iframe srcdoc>``.

    Unlike folium's own notebook display, nothing is fetched from a CDN: the page carries its
    scripts, so the map works offline and in an exported notebook.

    Parameters
    ----------
    page
        The complete HTML page.
    height
        Height of the frame, px.
    """

    def __init__(self, page: str, *, height: int = 600, width: int | None = None) -> None:
        self.page = page
        self.height = height
        self.width = width

    @classmethod
    def of(cls, fmap: Any, *, height: int = 600) -> MapView:
        """Make a folium map (e.g. from ``plan.explore(m=...)``) a self-contained page.

        Leaflet and the other assets folium links are inlined from the XStatic packages
        (see :func:`siting._assets.inline_assets`), so the page needs no network.

        Raises
        ------
        siting._assets.OfflineAssetError
            If the map uses an asset with no offline copy (a folium plugin, say).
        """
        return cls(inline_assets(fmap.get_root().render()), height=height)

    def _repr_html_(self) -> str:
        width = "100%" if self.width is None else f"{int(self.width)}px"
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width:{width};height:{int(self.height)}px;border:none" '
            'sandbox="allow-scripts allow-popups"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page as an HTML file (UTF-8) and return its path.

        A file already there is replaced only if it is a page siting wrote.

        Raises
        ------
        siting.errors.InputError
            If a folder, or a file siting did not write, is at ``path``.
        """
        path = Path(path)
        check_map_path(path, "path")
        path.write_text(self.page, encoding="utf-8")
        return path
