"""``siting simulate``: investors build year by year, the market allocates, three build-outs.

Chains: the scenario (``[horizon]``, ``[simulate]``) and its layers → the horizon of the
end-2022 stock → the investors of the layer (:func:`~siting.simulate.agents.load_agents`) →
the simulation (myopic, :func:`~siting.simulate.engine.simulate_myopic`, or perfect,
:func:`~siting.simulate.perfect.simulate_perfect`) → with ``compare``, the planner's and the
as-built build-outs → each costed by one model (:mod:`siting.simulate.fleet`) and allocated by
the market every year → ``simulate_years.csv``, ``simulate_idle.csv``,
``simulate_orders.csv`` and ``summary.json``, written atomically (:func:`siting.io.publish`).
Every bad input is refused before the first solve.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting import settings
from siting.errors import InputError, Problem
from siting.horizon import Horizon
from siting.horizon_run import horizon_for
from siting.io import publish, write_csv, write_json
from siting.layers import Layers, province_regions
from siting.market import MarketData, MarketResult, allocate, load_market_data
from siting.market.allocate import owner_sites
from siting.market_run import idle_table
from siting.pipeline import Prepared, prepare
from siting.provenance import provenance
from siting.reported import compare_figures, comparison_lines, default_path, read_reported
from siting.scenario import Scenario, check_runner, load_scenario
from siting.scenario.schema import Simulate
from siting.simulate.agents import Agents, load_agents
from siting.simulate.engine import (
    ORDER_COLUMNS,
    Simulation,
    World,
    best_response,
    simulate_myopic,
)
from siting.simulate.fleet import (
    Fleet,
    FleetCost,
    as_built_fleet,
    cost_fleet,
    order_fleet,
    stranded_capital,
)
from siting.simulate.forecast import installed_over_use
from siting.simulate.halls import by_site
from siting.simulate.levers import year_rules
from siting.simulate.perfect import check_objectives, simulate_perfect
from siting.solve.horizon import plan
from siting.solve.options import RunOptions, resolved
from siting.vintages import load_time_tables

if TYPE_CHECKING:
    from siting.maps import MapPage

#: The build-outs, in the order they are reported.
BUILD_OUTS = ("decentralised", "planner", "as_built")
#: Year-end to which the as-built build-out takes the vintages.
AS_BUILT_UNTIL = 2025
#: Columns of ``simulate_years.csv``.
YEAR_COLUMNS = (
    "build_out", "year", "installed_mw", "added_mw", "used_mw", "idle_mw", "idle_share",
    "stranded_capital_bn_cny", "demand_mw", "unmet_mw",
)  # fmt: skip


@dataclass
class BuildOut:
    """One build-out: its fleet, its cost (with ``compare``) and the market of each year on it."""

    fleet: Fleet
    cost: FleetCost | None
    markets: dict[int, MarketResult]


@dataclass(frozen=True)
class SimulationInputs:
    """What a simulation prepares before it decides anything.

    The same for every scenario with the same :func:`simulation_key` (the points of a sweep
    that differ in the investors' order, say), so a batch worker prepares it once for them.

    Attributes
    ----------
    prepared
        The scenario it was prepared for, its layers and instance
        (:func:`siting.pipeline.prepare`).
    horizon
        The horizon of the end-2022 stock (:func:`~siting.horizon_run.horizon_for`).
    agents
        The investors of ``[simulate] investors``
        (:func:`~siting.simulate.agents.load_agents`).
    published
        :func:`~siting.simulate.forecast.installed_over_use` of the horizon's years.
    key
        :func:`simulation_key` of the scenario.
    """

    prepared: Prepared
    horizon: Horizon
    agents: Agents
    published: np.ndarray
    key: str


def simulation_key(spec: Scenario) -> str:
    """Say what decides a scenario's :class:`SimulationInputs`, as text.

    Everything but its name and description, its ``[levers]`` (they act year by year in the
    run) and its ``[simulate]`` settings other than the investors' layer (the seed, the
    foresight and ``compare`` act in the run too).
    """
    content = spec.to_dict()
    for name in ("name", "description", "levers"):
        content.pop(name)
    content["simulate"] = (spec.simulate or Simulate()).investors
    return json.dumps(content, sort_keys=True)


def prepare_simulation(
    scenario: str | Path | Scenario | None = None, *, data_dir: Path | None = None
) -> SimulationInputs:
    """Prepare a simulation's inputs: layers, instance, horizon, investors, published forecasts.

    Parameters
    ----------
    scenario
        As :func:`run_simulation`'s.
    data_dir
        The data folder of the investors' tables (default the shipped data).

    Raises
    ------
    InputError
        On bad input.
    """
    prepared = prepare(scenario)
    spec = prepared.scenario
    h = horizon_for(prepared.instance, spec, source=str(prepared.path), runner="simulate")
    agents = load_agents(
        (spec.simulate or Simulate()).investors, [str(s) for s in h.base.sites.ids], data_dir
    )
    use = spec.horizon.use  # type: ignore[union-attr]
    published = installed_over_use(load_time_tables(), use, h.years)
    return SimulationInputs(prepared, h, agents, published, simulation_key(spec))


@dataclass
class SimulationRun:
    """A simulated build-out, beside the planner's and the as-built ones (with ``compare``).

    Attributes
    ----------
    scenario, horizon
        The assumptions and the horizon of the end-2022 stock.
    settings
        The ``[simulate]`` table used.
    simulation
        The decentralised run: orders, order records, markets, turns, solves and skips.
    build_outs
        ``decentralised`` and, with ``compare``, ``planner`` and ``as_built``.
    years, idle, orders
        ``simulate_years.csv``, ``simulate_idle.csv``, ``simulate_orders.csv``.
    comparison
        The reported figures beside the decentralised build-out's.
    investor
        With ``investor``: its best response in the last order year (:func:`best_response`).
    summary
        What ``summary.json`` holds.
    layers
        The layers simulated on (the map's provinces and places).
    table_dir
        The output folder, or ``None`` if nothing was written.
    map_path
        The owner map (``maps/simulate-<scenario>.html``), or ``None`` if none was written.
    """

    scenario: Scenario
    horizon: Horizon
    settings: Simulate
    simulation: Simulation
    build_outs: dict[str, BuildOut]
    years: pd.DataFrame
    idle: pd.DataFrame
    orders: pd.DataFrame
    comparison: pd.DataFrame | None
    investor: pd.DataFrame | None
    summary: dict[str, Any]
    layers: Layers
    table_dir: Path | None = field(default=None)
    map_path: Path | None = field(default=None)

    def map(self, *, year: int | None = None, tiles: str = "none") -> MapPage:
        """Draw one year of the decentralised build-out's halls by owner type and utilisation.

        Each hall (a site's capacity of one owner type) is a circle at its site, filled to its
        utilisation in the year's market (:func:`siting.maps.owners.make_owner_map`).

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
            For a year outside the horizon.
        ValueError
            For another tile choice.
        """
        from siting.maps.owners import make_owner_map

        markets = self.build_outs["decentralised"].markets
        year = max(markets) if year is None else year
        if year not in markets:
            expected = f"a year of the horizon ({min(markets)}-{max(markets)}); got {year}"
            raise InputError([Problem("SimulationRun.map", "", "year", expected)])
        return make_owner_map(
            owner_sites(markets[year], self.layers.sites),
            self.layers,
            year=year,
            title=f"siting simulate · {self.scenario.name} · {year}",
            description=self.scenario.description,
            tiles=tiles,  # type: ignore[arg-type]
        )


def run_simulation(
    scenario: str | Path | Scenario | None = None,
    *,
    options: RunOptions | None = None,
    out_dir: Path | None = None,
    write: bool = True,
    year: int | None = None,
    investor: str | None = None,
    data_dir: Path | None = None,
    market: MarketData | None = None,
    inputs: SimulationInputs | None = None,
    map: bool = True,
    maps_dir: Path | None = None,
    tiles: str = "none",
    cdn: bool = False,
) -> SimulationRun:
    """Simulate a scenario's build-out by its investors (docs/model.md, "Many investors").

    Parameters
    ----------
    scenario
        A scenario with ``[horizon]`` (its existing stock is where investors start) and
        ``[simulate]`` (defaults when absent).
    options
        Solver options of the horizon models (planner, costing, perfect foresight).
    out_dir
        Parent of the output folder ``<name>-simulate/`` (default ``settings.out_dir``).
    write
        Write the outputs.
    year
        A year the caller will report on, checked before solving.
    investor
        An investor id: also its best response in the last order year (myopic only).
    data_dir
        The data folder of the investors' tables (:func:`~siting.market.investors.load_investors`)
        and of the levers' (default the shipped data, ``settings.data_dir``).
    market
        The market tables (default :func:`~siting.market.load_market_data`).
    inputs
        The prepared inputs (default :func:`prepare_simulation` of the scenario and
        ``data_dir``): of a scenario with the same :func:`simulation_key`, and ``data_dir``.
    map
        With ``write``: also write the owner map of ``year`` (default the horizon's last),
        ``maps_dir/simulate-<scenario>.html`` (:meth:`SimulationRun.map`).
    maps_dir
        Folder of the map (default ``settings.maps_dir``).
    tiles
        The map's basemap: ``"none"`` (offline) or ``"osm"`` (needs a network).
    cdn
        Load the map's scripts from CDNs instead of inlining them.

    Raises
    ------
    InputError
        On bad input, before any solve (nothing is written).
    ValueError
        If ``inputs`` were prepared for a scenario with another :func:`simulation_key`.
    """
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)[0]
    check_runner(spec, "simulate")
    chosen = spec.simulate or Simulate()
    source = f"scenario {spec.name!r}"
    data = load_market_data() if market is None else market
    if inputs is None:
        inputs = prepare_simulation(scenario, data_dir=data_dir)
    elif inputs.key != simulation_key(spec):
        raise ValueError(f"inputs prepared for another scenario than {spec.name!r}")
    prepared = dataclasses.replace(inputs.prepared, scenario=spec)
    h, agents = inputs.horizon, inputs.agents
    years = [int(y) for y in h.years]
    if year is not None and year not in years:
        expected = f"a year of the horizon ({years[0]}-{years[-1]}); got {year}"
        raise InputError([Problem("simulate", "--year", "year", expected)])
    if chosen.foresight == "perfect":
        check_objectives(agents, source)
    who = None if investor is None else agents.index(investor)
    if who is not None and chosen.foresight != "myopic":
        expected = "foresight 'myopic' for --investor (a best response on the market of a year)"
        raise InputError([Problem(source, "[simulate]", "foresight", expected)])
    levers = spec.levers.switched()
    if levers and chosen.foresight != "myopic":
        expected = "foresight 'myopic' with [levers] switched on (levers act year by year)"
        raise InputError([Problem(source, "[simulate]", "foresight", expected)])
    built = None
    if chosen.compare:
        as_built = spec.with_overrides(
            {"horizon.existing_until": AS_BUILT_UNTIL, "horizon.orders": False}
        )
        built = horizon_for(
            prepared.instance, as_built, source=str(prepared.path), runner="simulate"
        )
    opts = resolved(options, prepared.scenario.solve)
    world = World(
        h, data, prepared.layers.hubs, agents, inputs.published,
        **({"rules": partial(year_rules, spec.levers, data_dir=data_dir)} if levers else {}),
    )  # fmt: skip
    world.halls  # noqa: B018 (refuses a site with no owner type before any solve)
    if chosen.foresight == "myopic":
        sim = simulate_myopic(world, chosen.seed)
    else:
        found = simulate_perfect(h, agents, chosen.seed, opts)
        orders = found.orders.sum(axis=0)
        sim = Simulation(orders, _perfect_records(world, found.orders), {})
        sim.turns = {"every sweep": found.turns}
        sim.notes = {"sweeps": (f"{found.sweeps} sweeps, converged: {found.converged}",)}
    fleets = [order_fleet("decentralised", h, sim.orders)]
    if built is not None:
        fleets += [
            order_fleet("planner", h, plan(h, "perfect", opts).order),
            as_built_fleet(h, built),
        ]
    outs = {}
    for fleet in fleets:
        markets = sim.markets if fleet.name == "decentralised" and sim.markets else {
            int(y): allocate(world.market(world.halls.split(fleet.existing)[:, :, t], t), threads=1)
            for t, y in enumerate(h.years)
        }  # fmt: skip
        cost = cost_fleet(h, fleet, opts) if chosen.compare else None
        outs[fleet.name] = BuildOut(fleet, cost, markets)
    sim.markets = outs["decentralised"].markets
    regions = province_regions(prepared.layers.provinces)
    year_table = pd.concat([_years(h, b) for b in outs.values()], ignore_index=True)
    idle = pd.concat(
        [idle_table(b.markets, regions).assign(build_out=name) for name, b in outs.items()],
        ignore_index=True,
    )
    idle = idle[["build_out", *idle.columns[:-1]]]
    path = default_path()
    comparison = (
        compare_figures(read_reported(path), _reported_view(h, outs["decentralised"]))
        if path.is_file()
        else None
    )
    response = None if who is None else best_response(world, sim, who)
    summary = _summary(prepared, h, chosen, sim, outs, year_table, comparison, response)
    run = SimulationRun(
        prepared.scenario, h, chosen, sim, outs, year_table, idle, sim.records, comparison,
        response, summary, prepared.layers,
    )  # fmt: skip
    if write:

        def write_outputs(folder: Path) -> None:
            write_csv(year_table, folder / "simulate_years.csv")
            write_csv(idle, folder / "simulate_idle.csv")
            write_csv(sim.records, folder / "simulate_orders.csv")
            if response is not None:
                write_csv(response, folder / "simulate_investor.csv")
            write_json(folder / "summary.json", summary)

        name = prepared.scenario.name
        run.table_dir, run.map_path = publish(
            f"{name}-simulate",
            Path(out_dir or settings.out_dir),
            write_outputs,
            fmap=run.map(year=year, tiles=tiles) if map else None,
            maps_dir=maps_dir,
            offline=not cdn,
            map_name=f"simulate-{name}",
        )
    return run


def _perfect_records(world: World, orders: np.ndarray) -> pd.DataFrame:
    """Order records of perfect-foresight investors (no perceived cost or expected rent)."""
    h, a = world.h, world.agents
    i, s, k, tau = np.nonzero(orders > 0)
    frame = pd.DataFrame(
        {
            "investor_id": a.ids[i],
            "owner_type": a.owner_type[i],
            "year": h.years[tau],
            "site_id": world.site_ids[s],
            "accelerator_class": h.classes[k],
            "mw": orders[i, s, k, tau],
        }
    )
    return frame.reindex(columns=list(ORDER_COLUMNS))


def _years(h: Horizon, b: BuildOut) -> pd.DataFrame:
    """Per year of a build-out: installed, added, used, idle MW, stranded capital, unmet use."""
    n_s, n_k, _ = h.existing.shape
    used = np.stack(
        [
            by_site(r.rents)[["captive_mw", "market_mw"]].sum(axis=1).to_numpy(float)
            .reshape(n_s, n_k)
            for r in b.markets.values()
        ],
        axis=2,
    )  # fmt: skip
    capital = stranded_capital(h, b.fleet, used)
    rows = []
    for t, (y, r) in enumerate(b.markets.items()):
        installed = float(b.fleet.existing[:, :, t].sum())
        idle = float(r.sites["idle_mw"].sum())
        rows.append(
            {
                "build_out": b.fleet.name,
                "year": y,
                "installed_mw": installed,
                "added_mw": float(
                    np.clip(b.fleet.existing[:, :, t] - h.existing[:, :, t], 0, None).sum()
                ),
                "used_mw": float(used[:, :, t].sum()),
                "idle_mw": idle,
                "idle_share": idle / installed if installed > 0 else float("nan"),
                "stranded_capital_bn_cny": float(capital[t]) / 1e9,
                "demand_mw": float(r.streams["demand_mw"].sum()),
                "unmet_mw": float(r.streams["unserved_mw"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(YEAR_COLUMNS))


def _reported_view(h: Horizon, b: BuildOut) -> pd.DataFrame:
    """Give the reported figures' measures from a build-out's markets (``compare_figures``).

    Nation and class rows per year: ``utilisation`` (used ÷ installed) and
    ``added_stranded_share`` (idle MW of the capacity added since end-2022, idle attributed
    pro rata to installed MW at each site and class, over the added MW).
    """
    rows = []
    for t, (y, r) in enumerate(b.markets.items()):
        rents = by_site(r.rents)
        added = np.clip(b.fleet.existing[:, :, t] - h.existing[:, :, t], 0, None).ravel()
        cap = rents["capacity_mw"].to_numpy(float)
        idle = rents["idle_mw"].to_numpy(float)
        added_idle = np.divide(idle * added, cap, out=np.zeros_like(cap), where=cap > 0)
        frame = pd.DataFrame(
            {
                "nation": "China",
                "accelerator_class": rents["accelerator_class"],
                "capacity": cap,
                "used": cap - idle,
                "added": added,
                "added_idle": added_idle,
            }
        )
        for by in ("nation", "accelerator_class"):
            sums = frame.groupby(by)[["capacity", "used", "added", "added_idle"]].sum()
            for group, row in sums.iterrows():
                rows.append(
                    {
                        "year": y,
                        "by": by,
                        "group": group,
                        "utilisation": row["used"] / row["capacity"]
                        if row["capacity"] > 0
                        else np.nan,
                        "added_stranded_share": (
                            row["added_idle"] / row["added"] if row["added"] > 0 else np.nan
                        ),
                    }
                )
    return pd.DataFrame(rows)


def _summary(
    prepared: Any,
    h: Horizon,
    chosen: Simulate,
    sim: Simulation,
    outs: dict[str, BuildOut],
    years: pd.DataFrame,
    comparison: pd.DataFrame | None,
    response: pd.DataFrame | None,
) -> dict[str, Any]:
    """Gather ``summary.json``: settings, turns, solves, costs, price of anarchy, years."""
    costs: dict[str, dict[str, Any]] = {
        name: {
            "pv_cost_cny": b.cost.cost_cny,
            "pv_penalty_cny": b.cost.penalty_cny,
            "pv_cost_without_penalty_cny": b.cost.cost_cny - b.cost.penalty_cny,
            "pv_capex_cny": b.cost.capex_cny,
            "operation_status": str(b.cost.operation.status),
            "operation_gap": b.cost.operation.gap,
        }
        for name, b in outs.items()
        if b.cost is not None
    }
    summary: dict[str, Any] = {
        "provenance": provenance(
            prepared.scenario, prepared.paths, solver="highs", source=prepared.path
        ),
        "scenario": prepared.scenario.name,
        "years": [int(y) for y in h.years],
        "simulate": chosen.model_dump(mode="json"),
        "investors_ordering": len(np.unique(sim.records["investor_id"])) if len(sim.records) else 0,
        "turns": sim.turns,
        "levers": {str(k): list(v) for k, v in sim.notes.items()},
        "solves": sim.solves,
        "skips": sim.skips,
        "costs": costs,
        "by_year": years.to_dict("records"),
    }
    if "planner" in costs:
        d, p = costs["decentralised"], costs["planner"]
        summary["price_of_anarchy"] = d["pv_cost_cny"] / p["pv_cost_cny"]
        summary["price_of_anarchy_without_penalty"] = (
            d["pv_cost_without_penalty_cny"] / p["pv_cost_without_penalty_cny"]
        )
    summary["comparison"] = None if comparison is None else comparison.to_dict("records")
    summary["investor"] = None if response is None else response.to_dict("records")
    return summary


def simulate_report(run: SimulationRun, year: int | None = None) -> str:
    """Format the run: build-outs by year, idle by owner type and region, price of anarchy.

    ``year`` (default the horizon's last) is the year of the idle tables.
    """
    years = run.summary["years"]
    year = years[-1] if year is None else year
    s = run.summary
    lines = [
        f"siting simulate · {run.scenario.name}: {s['simulate']['foresight']} investors "
        f"({s['simulate']['investors']} layer, seed {s['simulate']['seed']}), "
        f"{years[0]}-{years[-1]}; "
        f"{s['solves']} forecast-market solves, {s['skips']} turns skipped by reduced cost",
        "",
        "Per build-out and year (installed MW of IT load; unmet in demand MW)",
    ]
    table = run.years.set_index(["build_out", "year"])[
        [
            "installed_mw",
            "added_mw",
            "used_mw",
            "idle_mw",
            "idle_share",
            "stranded_capital_bn_cny",
            "unmet_mw",
        ]
    ]
    lines.append(_table(table))
    idle = run.idle[run.idle["year"] == year]
    for by in ("owner_type", "region"):
        part = idle[idle["dimension"] == by].pivot_table(
            index="group", columns="build_out", values="idle_share", sort=True
        )
        part = part[[b for b in BUILD_OUTS if b in part.columns]]
        lines += [
            "",
            f"{year}: idle share by {by.replace('_', ' ')} (idle MW ÷ installed MW)",
            _table(part),
        ]
    if run.comparison is not None:
        lines += ["", *comparison_lines(run.comparison)]
    costs = s["costs"]
    if costs:
        lines += [
            "",
            "PV cost of each build-out, costed by one model (bn CNY; with / without the unmet "
            "penalty)",
        ]
    for name, c in costs.items():
        lines.append(
            f"  {name:<14} {c['pv_cost_cny'] / 1e9:>10,.1f} "
            f"{c['pv_cost_without_penalty_cny'] / 1e9:>10,.1f}"
        )
    if "price_of_anarchy" in s:
        lines.append(
            f"Price of anarchy (decentralised ÷ planner): {s['price_of_anarchy']:.3f} with the "
            f"unmet penalty, {s['price_of_anarchy_without_penalty']:.3f} without"
        )
    if run.investor is not None:
        r = run.investor
        lines += [
            "",
            f"{r['investor_id'].iloc[0]}: best response in {int(r['year'].iloc[0])}, everyone "
            "else's build given, margin at the market's clearing rents (M CNY per MW-year)",
            _table(
                r.set_index(["site_id", "accelerator_class"])[["orderable", "mw"]].assign(
                    cost=r["perceived_cost_cny_per_mw_year"].to_numpy() / 1e6,
                    rent=r["expected_rent_cny_per_mw_year"].to_numpy() / 1e6,
                    margin=r["margin_cny_per_mw_year"].to_numpy() / 1e6,
                )
            ),
        ]
    if run.table_dir is not None:
        lines += [
            "",
            f"Tables: {run.table_dir}/ (simulate_years.csv, simulate_idle.csv, "
            "simulate_orders.csv, summary.json)",
        ]
    if run.map_path is not None:
        lines.append(f"Map: {run.map_path}")
    return "\n".join(lines)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda v: f"{v:,.2f}" if np.isfinite(v) else "–")
