"""Run every scenario of a sweep on Dask, persisting each result as it finishes.

A local cluster is started by default; with a scheduler address the same sweep runs on an
existing Dask cluster. Each scenario's record is written atomically to
``OUT/scenarios/<key>.json`` when it finishes (``ok``, ``infeasible`` or ``failed`` with the
message), so a crash leaves no half-written file and a re-run skips what is done. When all
are done, the records are combined into tables and a summary.

This is the only module that uses Dask.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError, InputError, Problem
from siting.horizon_run import horizon_for, year_totals
from siting.horizon_tables import installed, schedule_table, stranded
from siting.instance import Instance
from siting.io import (
    check_output_folder,
    clean_abandoned,
    json_safe,
    mark_output,
    temporary_name,
    write_csv,
    write_geoparquet,
)
from siting.market import MarketData, load_market_data
from siting.network import node_tables
from siting.pipeline import Inputs, instance_for, load_inputs
from siting.provenance import provenance, public_dict
from siting.results import (
    compute_kpis,
    hub_arrays,
    located_sites,
    site_arrays,
)
from siting.scenario import CLASSIC_KINDS, DataPaths, Scenario, check_runner, data_paths
from siting.simulate.run import (
    SimulationInputs,
    prepare_simulation,
    run_simulation,
    simulation_key,
)
from siting.solve.horizon import plan
from siting.solve.options import RunOptions
from siting.stages import Stages
from siting.sweep import Sweep, SweepPoint

#: Per-site result columns kept in the combined site table (beside site_id and province).
SITE_COLUMNS = (
    "open",
    "new_mw",
    "training_mw",
    "inference_mw",
    "hosted_mw",
    "stranded_mw",
    "cost_total_cny",
)

#: The combined outputs of a batch, written when every scenario has a record.
_COMBINED = ("results.parquet", "results.csv", "sites.parquet", "summary.json")

#: Written besides when the sweep's scenarios are horizons: totals per scenario and year, and
#: idle MW and stranded capital by year with the band over the scenarios.
_YEARLY = ("years.csv", "idle_band.png", "idle_band.html")

#: Seconds to wait for an existing scheduler to answer.
CONNECT_TIMEOUT_S = 10

Task = Callable[[dict[str, Any], RunOptions], dict[str, Any]]


def _warm_up(paths: DataPaths, latency_model: str) -> None:
    """Read a set of inputs into this worker's cache, with the backbone's routing tables."""
    inputs = _inputs(paths, latency_model)
    if inputs.graph is not None:
        node_tables(inputs.graph)


@functools.lru_cache(maxsize=1)
def _market_data() -> MarketData:
    """Read the shipped market tables once per worker process (every simulation reads them)."""
    return load_market_data()


#: Per worker process: the simulations' prepared inputs by :func:`simulation_key`, the latest
#: :data:`SIMULATION_INPUTS_KEPT`.
_SIMULATION_INPUTS: dict[str, SimulationInputs] = {}
SIMULATION_INPUTS_KEPT = 8


def _simulation_inputs(spec: Scenario) -> SimulationInputs:
    """Prepare a simulation's inputs once per worker process and :func:`simulation_key`.

    The futures of a sweep that differ only in the investors' order (or levers, or
    ``compare``) share them; a point with other layers, another horizon or another investors'
    layer prepares its own.
    """
    key = simulation_key(spec)
    if key not in _SIMULATION_INPUTS:
        if len(_SIMULATION_INPUTS) >= SIMULATION_INPUTS_KEPT:
            del _SIMULATION_INPUTS[next(iter(_SIMULATION_INPUTS))]
        _SIMULATION_INPUTS[key] = prepare_simulation(spec)
    return _SIMULATION_INPUTS[key]


@functools.lru_cache(maxsize=8)
def _inputs(paths: DataPaths, latency_model: str, rest_of_china: str = "omit") -> Inputs:
    """Read the inputs once per worker process, input files, latency model and rest of China."""
    return load_inputs(paths, latency_model, rest_of_china)


def solve_point(scenario: dict[str, Any], options: RunOptions) -> dict[str, Any]:
    """Solve one scenario and return its record (runs on a worker).

    Parameters
    ----------
    scenario
        The scenario as plain data (:meth:`Scenario.to_dict`).
    options
        Solver options; those not given from the scenario's ``[solve]`` table, as for a
        single run.

    Returns
    -------
    dict
        ``status`` (``ok`` or ``infeasible``), ``error``, ``kpis``, ``sites`` (per-site rows)
        and ``timings_s`` (``prepare``, ``build``, ``solve``, ``results``).
    """
    stages = Stages(options)
    spec = Scenario.model_validate(scenario)
    opts = stages.options_for(spec)
    if _simulates(spec):
        return _simulate_point(spec, stages, opts)  # the simulation prepares its own instance
    inputs = _inputs(data_paths(spec), spec.latency.model, spec.demand.rest_of_china)
    layers = inputs.layers
    try:
        inst = instance_for(inputs, spec, source=spec.name)
        stages.lap("prepare")
        if spec.horizon is not None:
            return _solve_horizon(inst, spec, layers.sites["province"].tolist(), stages, opts)
        solution = stages.solve(inst, opts)
    except InfeasibleError as exc:
        if "prepare" not in stages.timings:
            stages.lap("prepare")
        return {"status": "infeasible", "error": str(exc), "timings_s": stages.timings}
    sites = site_arrays(solution, inst)
    kpis = compute_kpis(solution, inst, sites, hub_arrays(solution, inst))
    table = {"site_id": inst.sites.ids.tolist(), "province": layers.sites["province"].tolist()}
    table.update({c: sites[c].tolist() for c in SITE_COLUMNS})
    stages.lap("results")
    return {
        "status": "ok",
        "error": "",
        "kpis": kpis,
        "sites": table,
        "timings_s": stages.timings,
    }


def _solve_horizon(
    inst: Instance, spec: Scenario, provinces: list[str], stages: Stages, options: RunOptions
) -> dict[str, Any]:
    """Plan a multi-period scenario; its record holds the horizon's totals and last year.

    KPIs: ``total_cost_cny`` (present value over the horizon), and for the last year
    ``stranded_mw``, ``stranded_capital_bn_cny`` and ``unmet_mw``; ``new_mw`` is all MW
    ordered. Sites: the last year's use per site, ``new_mw`` ordered over the horizon.
    ``by_year``: the national totals of every year, as ``siting plan``'s ``summary.json``.
    """
    h = horizon_for(inst, spec, source=spec.name)
    assert spec.horizon is not None
    sol = plan(h, spec.horizon.foresight, options)
    stages.lap("plan")
    _, total = installed(h, sol.order)
    mw, capital = stranded(h, sol)
    used = sol.use[:, :, :, -1].sum(axis=2)
    kpis = {
        "status": str(sol.status),
        "solver": sol.solver,
        "gap": sol.gap,
        "total_cost_cny": sol.objective,
        "new_mw": float(sol.order.sum()),
        "stranded_mw": float(mw[:, :, -1].sum()),
        "stranded_capital_bn_cny": float(capital[:, :, -1].sum() / 1e9),
        "unmet_mw": float(sol.unmet[:, -1].sum()),
        "last_year": int(h.years[-1]),
    }
    sites = {
        "site_id": inst.sites.ids.tolist(),
        "province": provinces,
        "open": sol.open[:, -1].tolist(),
        "new_mw": sol.order.sum(axis=(1, 2)).tolist(),
        "training_mw": used[0].tolist(),
        "inference_mw": used[1:].sum(axis=0).tolist(),
        "hosted_mw": used.sum(axis=0).tolist(),
        "stranded_mw": mw[:, :, -1].sum(axis=1).tolist(),
        "installed_mw": total[:, :, -1].sum(axis=1).tolist(),
    }
    by_year = year_totals(h, sol, schedule_table(h, sol))
    return {"status": "ok", "error": "", "kpis": kpis, "sites": sites, "by_year": by_year,
            "timings_s": stages.timings}  # fmt: skip


def _simulates(spec: Scenario) -> bool:
    """Whether a point is a simulation: a ``[horizon]`` with ``[simulate]``."""
    return spec.horizon is not None and spec.simulate is not None


def _simulate_point(spec: Scenario, stages: Stages, options: RunOptions) -> dict[str, Any]:
    """Simulate a scenario with ``[simulate]`` (``siting simulate``, nothing written).

    KPIs of the decentralised build-out: ``new_mw`` ordered, and for the last year
    ``stranded_mw`` (the market's idle MW), ``stranded_capital_bn_cny`` and ``unmet_mw``;
    with ``compare``, ``total_cost_cny`` (its PV cost) and ``price_of_anarchy``. Sites: the
    last year's installed, used (``hosted_mw``) and idle MW, ``new_mw`` ordered. ``by_year``:
    its rows of ``simulate_years.csv``, idle MW as ``stranded_mw``.
    """
    run = run_simulation(
        spec, options=options, write=False, market=_market_data(), inputs=_simulation_inputs(spec)
    )
    stages.lap("simulate")
    decentralised = run.build_outs["decentralised"]
    years = run.years[run.years["build_out"] == "decentralised"].drop(columns="build_out")
    years = years.rename(columns={"idle_mw": "stranded_mw"})
    last = years.iloc[-1]
    kpis: dict[str, Any] = {
        "status": "simulated",
        "new_mw": float(run.simulation.orders.sum()),
        "stranded_mw": float(last["stranded_mw"]),
        "stranded_capital_bn_cny": float(last["stranded_capital_bn_cny"]),
        "unmet_mw": float(last["unmet_mw"]),
        "last_year": int(last["year"]),
    }
    if decentralised.cost is not None:
        kpis["total_cost_cny"] = decentralised.cost.cost_cny
        kpis["price_of_anarchy"] = run.summary["price_of_anarchy"]
    market = decentralised.markets[int(last["year"])].sites
    sites = {
        "site_id": market["site_id"].tolist(),
        "province": market["province"].tolist(),
        "new_mw": run.simulation.orders.sum(axis=(1, 2)).tolist(),
        "installed_mw": market["capacity_mw"].tolist(),
        "hosted_mw": (market["captive_mw"] + market["market_mw"]).tolist(),
        "stranded_mw": market["idle_mw"].tolist(),
    }
    return {"status": "ok", "error": "", "kpis": kpis, "sites": sites,
            "by_year": years.to_dict("records"), "timings_s": stages.timings}  # fmt: skip


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch run did.

    Attributes
    ----------
    table
        One row per scenario: name, key, status, swept parameters, KPIs.
    sites
        One row per scenario and site (scenarios that solved).
    summary
        Counts, the distribution of each objective kind's value (``objective_value``, with
        its unit), of total cost and stranded MW (cost and margin plans only), and each
        site's share of scenarios in which it is used.
    ran, skipped
        Scenarios solved in this run, and skipped because a record existed.
    compute_seconds
        Wall time from the first submission to the last result (cluster start and worker
        warm-up excluded).
    warmup_seconds
        Wall time of loading the inputs on every worker before the first submission.
    years
        With horizon scenarios: national totals per scenario and year (:func:`year_table`).
    """

    table: pd.DataFrame
    sites: pd.DataFrame
    summary: dict[str, Any]
    ran: int
    skipped: int
    compute_seconds: float = 0.0
    warmup_seconds: float = 0.0
    years: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def run_batch(
    sweep: Sweep,
    out_dir: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    options: RunOptions | None = None,
    retry_failed: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    task: Task = solve_point,
) -> BatchOutcome:
    """Run a sweep on Dask and write per-scenario records and combined tables.

    Parameters
    ----------
    sweep
        From :func:`siting.sweep.load_sweep`.
    out_dir
        Output folder; records go to ``out_dir/scenarios/``.
    workers
        Worker processes of the local cluster (default: the number of cores).
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); no local cluster then.
    options
        Solver options for every scenario (one solver thread per worker unless given).
    retry_failed
        Run again the scenarios whose record says ``failed`` (a crash or solver error).
    progress
        Called with (done, failed, left) after each scenario.
    task
        The function run per scenario (tests replace it).

    Returns
    -------
    BatchOutcome
    """
    from dask.distributed import as_completed

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
        expected = f"expected a whole number ≥ 1, got {workers!r}"
        raise InputError([Problem("batch", "", "workers", expected)])
    if workers is not None and workers < 1:
        raise InputError([Problem("batch", "", "workers", f"expected ≥ 1, got {workers}")])
    if scheduler is not None:
        scheduler = scheduler_address(scheduler)
    check_output_folder(out_dir, option="out_dir", batch=True)
    for point in sweep.points:  # a point is refused as siting plan (simulate) refuses it
        runner = "simulate" if _simulates(point.scenario) else "batch"
        check_runner(point.scenario, runner, source=f"{sweep.path} ({point.name})")
    records = out_dir / "scenarios"
    clean_abandoned(records)
    todo = [p for p in sweep.points if _needs_run(records / f"{p.key}.json", retry_failed)]
    skipped = len(sweep.points) - len(todo)
    done = failed = 0
    compute_seconds = warmup_seconds = 0.0
    if todo:
        with contextlib.ExitStack() as stack:
            client = stack.enter_context(_client(scheduler, workers))
            if not records.exists():  # only once the cluster is up; not left empty
                records.mkdir(parents=True)
                stack.callback(_remove_if_empty, records)
            warm = time.perf_counter()
            groups = {(data_paths(p.scenario), p.scenario.latency.model) for p in todo}
            # every worker imports and reads its inputs at once
            for group in sorted(groups, key=str):
                client.run(_warm_up, *group)
            warmup_seconds = time.perf_counter() - warm
            # One solver thread per worker: workers already use every core.
            started = time.perf_counter()
            opts = options or RunOptions()
            opts = opts if opts.threads is not None else dataclasses.replace(opts, threads=1)
            futures = {
                client.submit(
                    task, p.scenario.to_dict(), opts, key=f"siting-{p.key}", pure=False
                ): p
                for p in todo
            }
            for future in as_completed(futures):
                point = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # a crashed scenario is recorded, not raised
                    record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                _write_record(records / f"{point.key}.json", point, record)
                done += record["status"] == "ok"
                failed += record["status"] != "ok"
                if progress is not None:
                    progress(done, failed, len(todo) - done - failed)
            compute_seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_abandoned(out_dir)
    mark_output(out_dir, kind="batch", entries=False)
    table, sites, summary = combine(sweep, records)
    years = year_table(sweep, records)
    names = _COMBINED + (_YEARLY if len(years) else ())
    tmp = {n: out_dir / temporary_name(n, "tmp") for n in names}
    try:
        table.to_parquet(tmp["results.parquet"], index=False)
        write_csv(table, tmp["results.csv"])
        site_files = dict.fromkeys(data_paths(p.scenario).sites for p in sweep.points)
        write_geoparquet(located_sites(sites, site_files), tmp["sites.parquet"])
        tmp["summary.json"].write_text(json.dumps(json_safe(summary), indent=2) + "\n")
        if len(years):
            write_yearly(sweep, years, tmp)
        for name, path in tmp.items():
            os.replace(path, out_dir / name)
    finally:
        for path in tmp.values():
            path.unlink(missing_ok=True)
    return BatchOutcome(
        table, sites, summary, len(todo), skipped, compute_seconds, warmup_seconds, years
    )


def scheduler_address(text: str) -> str:
    """Check a Dask scheduler address: ``tcp://host:port``, ``tls://host:port`` or ``host:port``.

    Parameters
    ----------
    text
        The address as given.

    Returns
    -------
    str
        The address with its scheme (``tcp://`` if none was given).

    Raises
    ------
    InputError
        If it is not such an address.
    """
    from urllib.parse import urlsplit

    url = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in ("tcp", "tls") or not url.hostname or port is None or url.path:
        expected = f"expected a scheduler address like tcp://10.0.0.5:8786, got {text!r}"
        raise InputError([Problem("batch", "", "scheduler", expected)])
    return text if "://" in text else f"tcp://{text}"


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """Connect to a scheduler, or start a local cluster, quietly and on free ports only.

    The local scheduler listens on 127.0.0.1 on a port the system picks, and so does its
    HTTP server (the dashboard is off), so batches never collide with each other or with
    another Dask or Jupyter on the machine. Workers ignore Ctrl-C: the process that started
    them handles it and shuts them down.

    Raises
    ------
    InputError
        If the scheduler cannot be reached.
    """
    from dask.distributed import Client, LocalCluster

    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore")  # Dask's port and deprecation notes are not for users
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError) as exc:
                expected = (
                    f"cannot reach a Dask scheduler there ({type(exc).__name__}: {exc}); "
                    "expected the address of a running scheduler"
                )
                raise InputError([Problem(scheduler, "", "--scheduler", expected)]) from None
        else:
            with _workers_ignore_interrupts():
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers or os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        scheduler_port=0,
                        dashboard_address="127.0.0.1:0",  # never a fixed port
                        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                        preload=[__name__],  # a restarted worker ignores Ctrl-C too
                        silence_logs=logging.CRITICAL,  # failures are in the records
                    )
                )
            client = stack.enter_context(Client(cluster))
        yield client


@contextlib.contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Start worker processes with Ctrl-C ignored (a disposition children inherit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def dask_setup(worker: Any) -> None:
    """Dask preload hook: make a worker process ignore Ctrl-C (see :func:`_client`)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # fails, as it should, once a record is in it


def _needs_run(path: Path, retry_failed: bool) -> bool:
    if not path.exists():
        return True
    return retry_failed and json.loads(path.read_text())["status"] == "failed"


def _write_record(path: Path, point: SweepPoint, record: dict[str, Any]) -> None:
    body = {
        "name": point.name,
        "key": point.key,
        "overrides": point.overrides,
        "scenario": public_dict(point.scenario),
        **record,
    }
    tmp = path.with_name(temporary_name(path.stem, "tmp"))
    try:
        tmp.write_text(json.dumps(json_safe(body), separators=(",", ":")) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def year_table(sweep: Sweep, records: Path) -> pd.DataFrame:
    """National totals per scenario and year of a sweep's horizon plans (empty if none).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``key``, the swept keys, then the ``by_year`` columns of ``siting plan``
        (``docs/outputs.md``), one row per scenario that planned a horizon and year.
    """
    frames = []
    for point in sweep.points:
        path = records / f"{point.key}.json"
        record = json.loads(path.read_text()) if path.exists() else {}
        if record.get("status") == "ok" and "by_year" in record:
            frame = pd.DataFrame(record["by_year"])
            for i, (key, value) in enumerate({"name": point.name, "key": point.key,
                                              **point.overrides}.items()):  # fmt: skip
                frame.insert(i, key, value)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_yearly(sweep: Sweep, years: pd.DataFrame, paths: dict[str, Path]) -> None:
    """Write ``years.csv`` and the idle band chart (PNG, offline HTML) to ``paths``."""
    from siting.plots import band_html, band_png, band_table

    write_csv(years, paths["years.csv"])
    band = band_table(years, sweep.parameters)
    title = f"{sweep.name}: idle capacity and stranded capital by year"
    band_png(band, paths["idle_band.png"], title=title)
    band_html(band, paths["idle_band.html"], title=title)


def combine(sweep: Sweep, records: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Combine the records of a sweep's scenarios into tables and a summary.

    Parameters
    ----------
    sweep
        The sweep.
    records
        The folder of per-scenario records.

    Returns
    -------
    tuple
        The scenario table, the scenario × site table and the summary (with the
        distribution of each stage's seconds, which the tables leave out).
    """
    rows, site_frames, timings = [], [], []
    for point in sweep.points:
        path = records / f"{point.key}.json"
        record: dict[str, Any] = (
            json.loads(path.read_text()) if path.exists() else {"status": "missing"}
        )
        row = {
            "name": point.name,
            "key": point.key,
            "status": record["status"],
            "error": record.get("error", ""),
            **point.overrides,
        }
        kpis = dict(record.get("kpis", {}))
        row["solver_status"] = kpis.pop("status", "")
        kpis.pop("solve_seconds", None)  # timings go to summary.json: tables are the same
        row.update(kpis)  # on every run
        timings.append(record.get("timings_s", {}))
        rows.append(row)
        if record["status"] == "ok":
            frame = pd.DataFrame(record["sites"])
            frame.insert(0, "name", point.name)
            site_frames.append(frame)
    table = pd.DataFrame(rows)
    sites = pd.concat(site_frames, ignore_index=True) if site_frames else pd.DataFrame()
    summary = _summary(sweep, table, sites)
    stages = sorted({stage for t in timings for stage in t})
    summary["seconds"] = {
        stage: _distribution(np.array([t[stage] for t in timings if stage in t], float))
        for stage in stages
    }
    return table, sites, summary


def _summary(sweep: Sweep, table: pd.DataFrame, sites: pd.DataFrame) -> dict[str, Any]:
    ok = table[table["status"] == "ok"]
    counts = table["status"].value_counts().to_dict()
    summary: dict[str, Any] = {"sweep": sweep.name, "scenarios": len(table), "counts": counts}
    specs = [p.scenario for p in sweep.points]
    solver = next(iter(ok["solver"]), None) if "solver" in ok else None
    paths = [data_paths(s) for s in specs]
    summary["provenance"] = provenance(
        specs, paths, solver=solver, source=sweep.path, name=sweep.name
    )
    priced = ok
    if "objective_kind" in ok:  # a classic plan is not priced by what it optimised
        summary["objective_value"] = {
            str(kind): {
                "unit": str(rows["objective_unit"].iloc[0]),
                **_distribution(rows["objective_value"].to_numpy(float)),
            }
            for kind, rows in ok.groupby("objective_kind")
        }
        priced = ok[~ok["objective_kind"].isin(CLASSIC_KINDS)]
    for column in ("total_cost_cny", "stranded_mw", "new_mw"):
        if column in priced:
            summary[column] = _distribution(priced[column].to_numpy(float))
    if len(sites):
        used = sites.assign(used=sites["hosted_mw"] > 1e-6).groupby("site_id")["used"].mean()
        summary["share_of_scenarios_site_used"] = used.sort_values(ascending=False).to_dict()
    return summary


def _distribution(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    q = np.percentile(values, [5, 25, 50, 75, 95])
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": float(values.min()),
        "p5": q[0],
        "p25": q[1],
        "p50": q[2],
        "p75": q[3],
        "p95": q[4],
        "max": float(values.max()),
    }
