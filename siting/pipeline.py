"""Chain the stages: scenario → layers → instance → model → solve → results → outputs.

Outputs are published atomically: tables and map are written to hidden staging files first
and moved into place only when all of them are complete, so a failed run leaves no partial
output behind.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting import settings
from siting.backbone import read_backbone
from siting.errors import InfeasibleError, InputError, Problem
from siting.feasibility import check_feasibility
from siting.instance import Instance, build_instance
from siting.io import publish, write_json, write_tables
from siting.layers import Layers, load_layers
from siting.maps import REACH_MAX_HUBS, Tiles, make_map
from siting.model import check_classic
from siting.network import build_graph
from siting.provenance import provenance, public_dict
from siting.reach import reach_polygons
from siting.results import (
    Results,
    build_results,
    strictest_layer,
    strictest_sla_ms,
)
from siting.scenario import (
    DataPaths,
    Scenario,
    data_paths,
    load_scenario,
    resolve_scenario_path,
)
from siting.solve import Solution
from siting.solve.options import RunOptions
from siting.stages import Stages


@dataclass
class Run:
    """One optimisation run and where its outputs went.

    Attributes
    ----------
    scenario
        The assumptions.
    layers, instance, solution, results
        Each stage's output, for notebooks.
    summary
        What ``summary.json`` holds: scenario, hashes, solver, KPIs, timings.
    table_dir
        Folder of the result tables, or ``None`` if nothing was written.
    map_path
        The HTML map, or ``None`` if nothing was written.
    timings
        Seconds per stage.
    """

    scenario: Scenario
    layers: Layers
    instance: Instance
    solution: Solution
    results: Results
    summary: dict[str, Any]
    table_dir: Path | None = None
    map_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def optimize(
    scenario: str | Path | Scenario | Prepared | None = None,
    *,
    out_dir: Path | None = None,
    maps_dir: Path | None = None,
    options: RunOptions | None = None,
    write: bool = True,
    geography: bool = True,
    tiles: Tiles = "none",
    cdn: bool = False,
    map: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Solve one scenario and write its tables and map.

    Parameters
    ----------
    scenario
        A scenario file, the name of a shipped scenario, ``None`` for the default, a
        :class:`Scenario`, or a :class:`Prepared` one (from :func:`prepare`; its inputs are not
        read again).
    out_dir
        Tables go to ``out_dir/<scenario name>/``; default ``settings.out_dir``.
    maps_dir
        The map goes to ``maps_dir/<scenario name>.html``; default ``settings.maps_dir``.
    options
        Solver options; those not given from the scenario's ``[solve]`` table (strategy, time
        limit), then :mod:`siting.settings`.
    write
        Write outputs (else only compute them).
    geography
        Add each hub's SLA reach and the backbone to the results, for maps (the slowest part
        of the results stage). They are computed only when a map is drawn (``map``), or
        when nothing is written (the caller may draw one); ``False`` leaves them out.
    tiles
        Basemap: ``"none"`` (provinces are the base) or ``"osm"`` (needs a network).
    cdn
        Load the map's scripts from CDNs instead of inlining them (smaller, needs a network).
    map
        Draw and write the map (else the tables only).
    progress
        Called with each stage's name as it finishes (``"instance"`` covers loading).

    Returns
    -------
    Run

    Raises
    ------
    siting.errors.SitingError
        On bad input, an infeasible scenario or a solver failure; nothing is written then.
    """
    stages = Stages(options, progress)
    prepared = (
        scenario if isinstance(scenario, Prepared) else prepare(scenario, timings=stages.timings)
    )
    if progress is not None:
        progress("instance")
    spec, layers, instance = prepared.scenario, prepared.layers, prepared.instance
    stages.restart()
    options = stages.options_for(spec)
    solution = stages.solve(instance, options)
    results = build_results(solution, instance, layers)
    if geography and (map or not write):  # only a map shows them
        results = with_geography(results, prepared)
    stages.lap("results")
    summary = _summary(prepared, solution, results, options)
    summary["timings_s"] = stages.timings  # the same dict: later stages appear as they finish
    run = Run(spec, layers, instance, solution, results, summary, timings=stages.timings)
    if write:
        fmap = None
        if map:
            fmap = make_map(
                results, title=f"siting · {spec.name}", description=spec.description, tiles=tiles
            )
            stages.lap("map")

        def write_outputs(folder: Path) -> None:
            write_tables(results, folder)
            write_json(folder / "summary.json", summary)

        run.table_dir, run.map_path = publish(
            spec.name,
            Path(out_dir or settings.out_dir),
            write_outputs,
            fmap=fmap,
            maps_dir=maps_dir,
            offline=not cdn,
        )
        stages.lap("write")
    return run


@dataclass(frozen=True)
class Inputs:
    """Everything read from a scenario's input files.

    Attributes
    ----------
    layers
        The validated layers.
    graph
        The fibre backbone graph, or ``None`` under the great-circle latency model.
    backbone
        The backbone's edges (lines), or ``None``.
    """

    layers: Layers
    graph: nx.MultiDiGraph | None = None
    backbone: gpd.GeoDataFrame | None = None


def load_inputs(paths: DataPaths, latency_model: str, rest_of_china: str = "omit") -> Inputs:
    """Read and validate a scenario's input files, and the backbone if its model needs it.

    Parameters
    ----------
    paths
        The files.
    latency_model
        ``"backbone"`` or ``"great_circle"``.
    rest_of_china
        ``"serve"`` adds the rest-of-China pseudo-hubs and pseudo-sites
        (:mod:`siting.rest_of_china`); ``"omit"`` leaves them out.

    Returns
    -------
    Inputs

    Raises
    ------
    InputError
        On bad input, or a backbone model without backbone files.
    """
    layers = load_layers(paths)
    if rest_of_china == "serve":
        from siting.rest_of_china import with_rest_of_china  # and the vintages: only then

        layers = with_rest_of_china(layers, files=(paths.sites, paths.hubs))
    if latency_model != "backbone":
        return Inputs(layers)
    if paths.backbone_nodes is None or paths.backbone_edges is None:
        expected = "the backbone latency model needs [data] backbone_nodes and backbone_edges"
        raise InputError([Problem("scenario", "[latency]", "model", expected)])
    nodes, edges = read_backbone(paths.backbone_nodes, paths.backbone_edges)
    graph = build_graph(nodes, edges, source=str(paths.backbone_edges))
    return Inputs(layers, graph, edges)


@dataclass(frozen=True)
class Prepared:
    """A scenario with its inputs and instance, ready to model.

    Attributes
    ----------
    scenario
        The assumptions.
    path
        The scenario file.
    paths
        Its input files.
    inputs
        What was read from them.
    instance
        The arrays.
    """

    scenario: Scenario
    path: Path
    paths: DataPaths
    inputs: Inputs
    instance: Instance

    @property
    def layers(self) -> Layers:
        """The validated layers."""
        return self.inputs.layers

    def variant(self, scenario: Scenario, *, built_mw: np.ndarray | None = None) -> Prepared:
        """Prepare another scenario on the same inputs without reading them again.

        Parameters
        ----------
        scenario
            The other scenario; if it names other input files or another latency model, its
            inputs are read (as :func:`prepare` does).
        built_mw
            New MW already built per site by an earlier plan (sunk).

        Returns
        -------
        Prepared

        Raises
        ------
        siting.errors.InfeasibleError
            As :func:`prepare`.
        """
        same_inputs = (
            scenario.data == self.scenario.data
            and scenario.latency.model == self.scenario.latency.model
            and scenario.demand.rest_of_china == self.scenario.demand.rest_of_china
        )
        if not same_inputs:
            return prepare(scenario, built_mw=built_mw)
        source = f"{self.path} ({scenario.name})"
        instance = instance_for(self.inputs, scenario, source=source, built_mw=built_mw)
        return dataclasses.replace(self, scenario=scenario, instance=instance)


def instance_for(
    inputs: Inputs, scenario: Scenario, *, source: str, built_mw: np.ndarray | None = None
) -> Instance:
    """Build a scenario's instance from its inputs and check it can be feasible.

    Parameters
    ----------
    inputs
        The scenario's inputs.
    scenario
        The assumptions.
    source
        Name of the scenario for messages.
    built_mw
        New MW already built per site by an earlier plan (sunk).

    Returns
    -------
    Instance

    Raises
    ------
    siting.errors.InputError
        If a classic objective's site count or coverage radius cannot work
        (:func:`~siting.model.check_classic`).
    siting.errors.InfeasibleError
        If a necessary condition for feasibility fails (see :mod:`siting.feasibility`).
    """
    instance = build_instance(
        inputs.layers, scenario, source=source, built_mw=built_mw, graph=inputs.graph
    )
    check_classic(instance, source)
    # classic kinds are uncapacitated; a horizon (unmet demand at a penalty) cannot be infeasible
    elastic = scenario.horizon is not None
    reasons = [] if instance.classic or elastic else check_feasibility(instance)
    if reasons:
        raise InfeasibleError(reasons)
    return instance


def prepare(
    scenario: str | Path | Scenario | None = None,
    *,
    built_mw: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
) -> Prepared:
    """Load a scenario and its layers and build its instance; check it can be feasible.

    Parameters
    ----------
    scenario
        A scenario file, a shipped scenario's name, ``None`` for the default, or a validated
        :class:`Scenario` (its relative ``[data]`` paths are taken from the working folder).
    built_mw
        New MW already built per site by an earlier plan (sunk); see
        :func:`~siting.instance.build_instance`.
    timings
        If given, seconds of the ``load`` and ``instance`` stages are recorded in it.

    Returns
    -------
    Prepared

    Raises
    ------
    siting.errors.InputError
        On bad input.
    siting.errors.InfeasibleError
        If a necessary condition for feasibility fails (see :mod:`siting.feasibility`).
    """
    start = time.perf_counter()
    if isinstance(scenario, Scenario):
        spec, path = scenario, Path(f"<{scenario.name}>")
        paths = data_paths(spec, Path.cwd())
    else:
        path = resolve_scenario_path(scenario)
        spec, paths = load_scenario(path)
    inputs = load_inputs(paths, spec.latency.model, spec.demand.rest_of_china)
    loaded = time.perf_counter()
    instance = instance_for(inputs, spec, source=str(path), built_mw=built_mw)
    if timings is not None:
        timings["load"] = loaded - start
        timings["instance"] = time.perf_counter() - loaded
    return Prepared(spec, path, paths, inputs, instance)


def with_geography(results: Results, prepared: Prepared) -> Results:
    """Add the backbone and each hub's SLA reach to results, for maps.

    Parameters
    ----------
    results
        From :func:`~siting.results.build_results`.
    prepared
        The scenario they were solved from.

    Returns
    -------
    Results
        A copy with ``backbone`` set, and ``reach`` unless there are more hubs than a map
        draws reach for (``siting.maps.REACH_MAX_HUBS``): then it stays ``None``.
    """
    hubs, inst = prepared.layers.hubs, prepared.instance
    reach = None
    if len(hubs) <= REACH_MAX_HUBS:  # the strictest class's SLA at its layer, as hubs.csv
        sla, latency = strictest_sla_ms(inst), prepared.scenario.latency
        layer = strictest_layer(inst)
        parts = [
            reach_polygons(
                hubs["hub_id"].to_numpy()[mine],
                hubs["lon"].to_numpy()[mine],
                hubs["lat"].to_numpy()[mine],
                sla[mine],
                latency.model_copy(update={"layer": name}),
                graph=prepared.inputs.graph,
                clip=prepared.layers.provinces,
            )
            for name in dict.fromkeys(layer)
            for mine in [layer == name]
        ]
        reach = gpd.GeoDataFrame(pd.concat(parts)).set_index("hub_id").loc[hubs["hub_id"]]
        reach = reach.reset_index()
    return dataclasses.replace(results, backbone=prepared.inputs.backbone, reach=reach)


def _summary(
    prepared: Prepared,
    solution: Solution,
    results: Results,
    options: RunOptions,
) -> dict[str, Any]:
    spec = prepared.scenario
    return {
        "provenance": provenance(
            spec, prepared.paths, solver=solution.solver, source=prepared.path
        ),
        "scenario": public_dict(spec),
        "solver": {
            "name": solution.solver,
            "status": solution.status.value,
            "termination": solution.termination,
            "objective_cny": results.kpis["objective_cny"],
            "bound_cny": results.kpis["bound_cny"],
            "gap": solution.gap,
            **options.limits(),
            "seconds": solution.seconds,
        },
        "kpis": results.kpis,
        **policy_notes(prepared),
    }


def policy_notes(prepared: Prepared) -> dict[str, list[str]]:
    """``{"policy_notes": [...]}``: what each policy family did or why it is inactive, if any."""
    notes = prepared.instance.policy.notes
    return {"policy_notes": list(notes)} if notes else {}
