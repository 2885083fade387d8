"""Chain the stages: scenario → layers → instance → model → solve → results → outputs.

Outputs are published atomically: tables and map are written to hidden staging files first
and moved into place only when all of them are complete, so a failed run leaves no partial
output behind.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import re
import shutil
import socket
import stat
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting import __version__, settings
from siting.backbone import read_backbone
from siting.errors import InfeasibleError, InputError, Problem
from siting.feasibility import check_feasibility
from siting.instance import Instance, build_instance
from siting.layers import Layers, load_layers
from siting.maps import REACH_MAX_HUBS, make_map, save_map
from siting.model import check_classic
from siting.network import build_graph
from siting.provenance import provenance, public_dict
from siting.reach import reach_polygons
from siting.results import (
    Results,
    build_results,
    strictest_layer,
    strictest_sla_ms,
    write_tables,
)
from siting.scenario import (
    DataPaths,
    Scenario,
    data_paths,
    load_scenario,
    resolve_scenario_path,
)
from siting.solve import Solution, build_for, solve


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
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    strategy: str | None = None,
    write: bool = True,
    geography: bool = True,
    tiles: str = "none",
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
    solver, time_limit, mip_gap
        Solver options; defaults from :mod:`siting.settings`.
    strategy
        Solve strategy (``"auto"``, ``"direct"``, ``"decompose"``); default the scenario's.
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
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now
        if progress is not None:
            progress(stage)

    prepared = scenario if isinstance(scenario, Prepared) else prepare(scenario, timings=timings)
    if progress is not None:
        progress("instance")
    spec, layers, instance = prepared.scenario, prepared.layers, prepared.instance
    clock = time.perf_counter()
    strategy = strategy or spec.solve.strategy
    time_limit = spec.solve.time_limit if time_limit is None else time_limit
    model = build_for(instance, solver, strategy)
    lap("build")
    solution = solve(
        model, solver=solver, time_limit=time_limit, mip_gap=mip_gap, strategy=strategy
    )
    lap("solve")
    results = build_results(solution, instance, layers)
    if geography and (map or not write):  # only a map shows them
        results = with_geography(results, prepared)
    lap("results")
    summary = _summary(prepared, solution, results, time_limit, mip_gap)
    summary["timings_s"] = timings  # the same dict: later stages appear as they finish
    run = Run(spec, layers, instance, solution, results, summary, timings=timings)
    if write:
        fmap = None
        if map:
            fmap = make_map(
                results, title=f"siting · {spec.name}", description=spec.description, tiles=tiles
            )
            lap("map")

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
        lap("write")
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
    # classic kinds are uncapacitated; a horizon with an unmet penalty cannot be infeasible
    elastic = scenario.horizon is not None and scenario.horizon.unmet_penalty_cny_per_mw_year > 0
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
    time_limit: float | None,
    mip_gap: float | None,
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
            "time_limit_s": settings.time_limit if time_limit is None else time_limit,
            "mip_gap": settings.mip_gap if mip_gap is None else mip_gap,
            "seconds": solution.seconds,
        },
        "kpis": results.kpis,
        **(
            {"policy_notes": list(prepared.instance.policy.notes)}
            if prepared.instance.policy.notes
            else {}
        ),
    }


#: The file that marks a folder as siting's output. It names the tool and version and lists
#: every entry written, so that a later run replaces the folder only if it holds nothing else.
MARKER = ".siting-output.json"

#: Entries of a batch folder written before batch folders carried :data:`MARKER`.
BATCH_ENTRIES = frozenset(
    {"scenarios", "results.parquet", "results.csv", "sites.parquet", "summary.json"}
)

#: A staging folder, retired folder or temporary file left this many seconds ago is abandoned
#: even when the process that made it cannot be checked (another host, an older name).
ABANDONED_AFTER_S = 24 * 3600

_HOST = "".join(c if c.isalnum() else "_" for c in socket.gethostname()) or "host"
_TEMPORARY = re.compile(
    r"^\.(?P<stem>.+)\.(?:staging|old|tmp)-(?P<host>\w+)-(?P<pid>\d+)-[0-9a-f]{32}(?:\.html)?$"
)
_LEGACY_TEMPORARY = re.compile(r"^\..+\.(?:staging-|old-)?[0-9a-f]{32}(?:\.html)?$")


def temporary_name(stem: str, kind: str) -> str:
    """Name a hidden temporary entry beside its final one by this host and process.

    Parameters
    ----------
    stem
        The final entry's name.
    kind
        ``"staging"`` (a folder being written), ``"old"`` (a folder being deleted) or
        ``"tmp"`` (a file being written).

    Returns
    -------
    str
        ``.STEM.KIND-HOST-PID-RANDOM``: :func:`clean_abandoned` removes it once that process
        has gone.
    """
    return f".{stem}.{kind}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex}"


def clean_abandoned(folder: Path) -> list[Path]:
    """Remove the temporary entries that killed runs left in a folder.

    An entry named by :func:`temporary_name` is abandoned when its process (on this host) is
    no longer alive, or when it is older than :data:`ABANDONED_AFTER_S`; an entry of the
    older naming (no process id) only when it is that old. Live runs' entries, and anything
    else, are left alone.

    Parameters
    ----------
    folder
        The folder to tidy (it need not exist).

    Returns
    -------
    list of Path
        The entries removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None and not _LEGACY_TEMPORARY.match(entry.name):
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > ABANDONED_AFTER_S
        except OSError:
            continue
        gone = match is not None and match["host"] == _HOST and not _alive(int(match["pid"]))
        if not (gone or old):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process of this host is running (or exists under another user)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # none, or no such process id at all
        return False
    except PermissionError:  # another user's
        return True
    return True


def mark_output(folder: Path, *, kind: str, entries: bool = True) -> None:
    """Mark a folder as siting's output (:data:`MARKER`), listing what it holds.

    Parameters
    ----------
    folder
        The finished folder.
    kind
        What wrote it (``"output"``, ``"batch"``).
    entries
        List every entry in it (a folder written at once); ``False`` for a folder filled
        over time (a batch), which is then replaced by nothing.
    """
    listed = sorted(_entries(folder) - {MARKER}) if entries else None
    body = {"tool": "siting", "version": __version__, "kind": kind, "entries": listed}
    write_json(folder / MARKER, body)


def _entries(folder: Path | str, dir_fd: int | None = None) -> set[str]:
    """Every file and folder under a folder, as paths relative to it (``/``-separated)."""
    found = set()
    for root, dirs, files, _ in os.fwalk(folder, dir_fd=dir_fd):
        base = PurePosixPath(root).relative_to(PurePosixPath(folder))
        found |= {(base / n).as_posix() for n in (*dirs, *files)}
    return found


def _contents(folder: Path) -> tuple[set[str], dict[str, Any] | None] | None:
    """Return what a folder holds and its valid :data:`MARKER` (else ``None``).

    Both are read through one handle, and only count if the folder is still in its place
    afterwards: a folder that another run moves aside and deletes meanwhile is read again
    where it was. ``None`` if there is no folder there.
    """
    while True:
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            try:
                marker_fd = os.open(MARKER, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
                with os.fdopen(marker_fd, encoding="utf-8") as f:
                    marker = json.load(f)
            except (OSError, ValueError):
                marker = None
            found = _entries(".", dir_fd=fd)
            read = os.fstat(fd)
        finally:
            os.close(fd)
        try:
            now = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if (now.st_dev, now.st_ino) == (read.st_dev, read.st_ino):
            valid = isinstance(marker, dict) and marker.get("tool") == "siting"
            return found, marker if valid else None


def check_replaceable(folder: Path, *, option: str, batch: bool = False) -> None:
    """Refuse a folder siting may not write over: neither empty nor siting's own output.

    A folder that does not exist, is empty, or carries :data:`MARKER` and holds only the
    entries listed in it, may be replaced. A batch folder (``batch``) may also be one
    written by a batch before folders were marked; its records are kept and added to.

    Parameters
    ----------
    folder
        The output folder.
    option
        The argument or setting that named it, for messages (``"--out"``).
    batch
        The folder is a batch's, filled over time.

    Raises
    ------
    InputError
        If the folder holds anything siting did not write.
    """
    contents = _contents(folder)
    if contents is None or not contents[0]:
        return
    found, marker = contents
    present = found - {MARKER}
    if marker is None:
        top = {p for p in present if "/" not in p}
        legacy = {p for p in top if p in BATCH_ENTRIES or _LEGACY_TEMPORARY.match(p)}
        if batch and "scenarios" in top and legacy == top:
            return
        expected = (
            f"is not empty and is not a siting output folder; choose another {option} or remove it"
        )
        raise InputError([Problem(str(folder), "", option, expected)])
    listed = marker.get("entries")
    if listed is None:  # filled over time: nothing in it is replaced
        if batch:
            return
        listed = []
    extra = sorted(present - set(listed))
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        expected = (
            f"holds files siting did not write ({shown}); move them, or choose another {option}"
        )
        raise InputError([Problem(str(folder), "", option, expected)])


def check_output_folder(
    folder: Path | str, *, option: str, name: str | None = None, batch: bool = False
) -> None:
    """Check, before any work, that outputs can be published under a folder.

    Nothing is created: the nearest existing folder on the way is probed with a temporary
    file that is removed at once.

    Parameters
    ----------
    folder
        The output folder (it need not exist yet).
    option
        The argument or setting that named it, for messages (``"--out"``).
    name
        If given, the entry that will be published in it (``"default"`` or
        ``"default.html"``), which must not be in the way: a folder must be one siting may
        replace (:func:`check_replaceable`), a map a map siting wrote.
    batch
        ``folder`` itself is a batch's output folder (:func:`check_replaceable`).

    Raises
    ------
    InputError
        If the folder is a file, lies under a file, or cannot be written; or if ``name`` is
        in the way.
    """
    folder = Path(folder)
    source = str(folder)
    if "\x00" in source:
        raise InputError([Problem(repr(source), "", option, "a NUL byte; expected a folder")])
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        where = "a file" if probe == folder else f"under a file ({probe})"
        raise InputError([Problem(source, "", option, f"is {where}; expected a folder")])
    try:
        fd, tmp = tempfile.mkstemp(prefix=".siting-probe-", dir=probe)
    except OSError as exc:
        expected = f"cannot be written ({probe}: {exc.strerror}); expected a writable folder"
        raise InputError([Problem(source, "", option, expected)]) from None
    os.close(fd)
    os.unlink(tmp)
    if batch:
        check_replaceable(folder, option=option, batch=True)
    if name is not None:
        target = folder / name
        if target.suffix == ".html":
            check_map_path(target, option)
        elif _kind(target) == "file":
            expected = f"{target} is a file in the way of the output; move or remove it"
            raise InputError([Problem(source, "", option, expected)])
        else:
            check_replaceable(target, option=option)


def _kind(path: Path) -> str | None:
    """``"folder"``, ``"file"`` or ``None`` (nothing there), from one look (no race)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    return "folder" if stat.S_ISDIR(mode) else "file"


def check_map_path(target: Path, option: str) -> None:
    """Refuse a map's path held by a folder, or by a file that is not a page siting wrote.

    Parameters
    ----------
    target
        The HTML file to write.
    option
        The argument or setting that named it, for messages (``"--maps"``).

    Raises
    ------
    InputError
        If a folder, or a file siting did not write, is in the way.
    """
    kind = _kind(target)
    if kind == "folder":
        expected = f"{target} is a folder in the way of the output; move or remove it"
        raise InputError([Problem(str(target.parent), "", option, expected)])
    if kind == "file" and not _is_siting_map(target):
        expected = f"is not a map siting wrote; choose another {option} or remove it"
        raise InputError([Problem(str(target), "", option, expected)])


def _is_siting_map(path: Path) -> bool:
    """Whether an HTML file is a page siting wrote (its map element's ``siting-map`` class)."""
    try:
        return b"siting-map" in path.read_bytes()
    except FileNotFoundError:  # gone meanwhile: nothing left to keep
        return True
    except OSError:
        return False


def publish(
    name: str,
    out_dir: Path,
    write: Callable[[Path], None],
    *,
    fmap: Any = None,
    maps_dir: Path | None = None,
    offline: bool = True,
    map_name: str | None = None,
    option: str = "output folder",
) -> tuple[Path, Path | None]:
    """Write a run's files to ``out_dir/name/`` (and a map) all at once, or not at all.

    ``write`` fills a hidden staging folder beside the output; only when it and the map are
    complete is the folder marked as siting's (:data:`MARKER`) and renamed into place, and
    the map renamed to ``maps_dir/name.html``. An earlier folder is replaced only if it is
    empty or siting's own output holding nothing else (:func:`check_replaceable`), and a
    map only if siting wrote it; anything else is refused before a file is written. Runs
    publishing the same name at once never fail for it and leave no staging folder: the
    last to finish wins, and each output is whole. On any error (or an interrupt) the
    staging files are removed and earlier outputs stay as they were; those a killed run left
    are removed by later runs (:func:`clean_abandoned`).

    Parameters
    ----------
    name
        Folder and map name.
    out_dir
        Parent folder of the output folder.
    write
        Writes the output files into the folder it is given.
    fmap
        A map to save, or ``None``.
    maps_dir
        Folder of the map (default ``settings.maps_dir``).
    offline
        Inline every script and stylesheet into the map (else load them from CDNs).
    map_name
        The map's file name without ``.html`` (default ``name``).
    option
        What named the folder, for messages (``"--out"``).

    Returns
    -------
    tuple of Path and Path or None
        The output folder and the map.

    Raises
    ------
    InputError
        If the output folder or the map is in the way (see above).
    """
    out_dir = Path(out_dir)
    maps_dir = Path(maps_dir or settings.maps_dir)
    map_path = maps_dir / f"{map_name or name}.html"
    check_output_folder(out_dir, option=option, name=name)
    if fmap is not None:
        check_output_folder(maps_dir, option=option, name=map_path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_abandoned(out_dir)
    staging = out_dir / temporary_name(name, "staging")
    staging.mkdir()  # mode from the umask, as any published folder
    map_tmp = None
    try:
        write(staging)
        mark_output(staging, kind="output")
        if fmap is not None:
            maps_dir.mkdir(parents=True, exist_ok=True)
            clean_abandoned(maps_dir)
            map_tmp = maps_dir / f"{temporary_name(map_path.stem, 'tmp')}.html"
            save_map(fmap, map_tmp, offline=offline)
        final = _swap_into_place(staging, out_dir / name, option)
        if map_tmp is not None:
            check_map_path(map_path, option)
            os.replace(map_tmp, map_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already unless something failed
        if map_tmp is not None:
            map_tmp.unlink(missing_ok=True)
    return final, map_path if fmap is not None else None


def _swap_into_place(staging: Path, final: Path, option: str) -> Path:
    """Rename a finished folder to ``final``, moving an earlier output aside and deleting it.

    Other processes may publish ``final`` at the same time: a rename that finds the name
    taken moves the current holder aside (if siting may replace it) and tries again, and one
    whose holder was moved away meanwhile just tries again, so no publisher fails. A folder
    that must stay where it is (an empty one siting did not make, one reached through a
    symbolic link, or one holding the working folder) is filled instead (:func:`_fill`).
    """
    contents = _contents(final)
    stays = contents is not None and (contents[1] is None or final.is_symlink())
    if stays or (contents is not None and _holds_working_folder(final)):
        check_replaceable(final, option=option)
        return _fill(staging, final)
    retired = []
    try:
        while True:
            try:
                staging.rename(final)
                return final
            except OSError as exc:
                if exc.errno == errno.ENOTDIR:
                    expected = "a file is in the way of the output folder; move or remove it"
                    raise InputError([Problem(str(final), "", option, expected)]) from None
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                    raise
            check_replaceable(final, option=option)
            old = final.parent / temporary_name(final.name, "old")
            try:
                final.rename(old)
            except FileNotFoundError:
                continue  # another publisher moved it first
            retired.append(old)
    finally:
        for old in retired:
            shutil.rmtree(old, ignore_errors=True)


def _holds_working_folder(folder: Path) -> bool:
    """Whether a folder is the working folder or holds it (renaming it would strand it)."""
    try:
        cwd, folder = Path.cwd().resolve(), folder.resolve()
    except OSError:
        return False
    return cwd == folder or folder in cwd.parents


def _fill(staging: Path, final: Path) -> Path:
    """Move a finished folder's entries into an existing folder that stays in place.

    ``final`` is empty, or siting's output (:func:`check_replaceable`): its entries that the
    new output also has are replaced, and those it no longer has are removed. Its marker
    lists both until the end, so a run stopped halfway leaves a folder a later run may
    replace.
    """
    contents = _contents(final)
    marker = contents[1] if contents is not None else None
    before = {e for e in (marker or {}).get("entries") or [] if "/" not in e}
    written = json.loads((staging / MARKER).read_text("utf-8"))
    after = {e for e in written["entries"] if "/" not in e}
    everything = sorted(set(written["entries"]) | set((marker or {}).get("entries") or []))
    write_json(final / MARKER, {**written, "entries": everything})
    for name in sorted(after):
        target = final / name
        if target.is_dir() and not target.is_symlink():  # an earlier output's folder
            aside = final / temporary_name(name, "old")
            target.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        elif (staging / name).is_dir() and target.exists():
            target.unlink()
        os.replace(staging / name, target)
    for name in sorted(before - after):
        gone = final / name
        if gone.is_dir() and not gone.is_symlink():
            shutil.rmtree(gone, ignore_errors=True)
        else:
            gone.unlink(missing_ok=True)
    os.replace(staging / MARKER, final / MARKER)
    return final


def write_json(path: Path, data: Any) -> None:
    """Write data as indented UTF-8 JSON, NaN and infinities as ``null``, atomically."""
    text = json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(temporary_name(path.name, "tmp"))
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) with ``None``, recursively."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return json_safe(value.item())
    return value
