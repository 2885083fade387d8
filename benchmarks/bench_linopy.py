"""linopy as the formulation layer, measured against the own array builder (issue 17, item 1).

Run: ``python benchmarks/bench_linopy.py [--only NAME ...] [--repeats N]`` with an interpreter
that has linopy (it is not a dependency of the project; without it the script says so and
exits 0), e.g. ``python3 -m venv /tmp/lp && /tmp/lp/bin/pip install -e . linopy``.

For the shipped ``county`` and ``county-all`` scenarios the instance is prepared once, as the
runner does (:func:`siting.pipeline.prepare`), and pickled. Each measurement then runs in a
fresh process, which builds the single-period model of :func:`siting.model.build_arrays`
either with the own builder or with linopy (:func:`linopy_model`: the same variables, rows,
coefficients and objective), and hands it to a ``highspy.Highs`` object: the own model through
:func:`siting.solve.highs.pass_model`, as the runners do, the linopy model through its
``to_highspy``; both use HiGHS's array calls. Printed per builder: build and handover seconds
in the fresh process, both again once warm, the peak resident memory (Linux peak RSS, reset
before the build) the build adds and the build with its handover adds, and the columns, rows
and nonzeros HiGHS holds, which must agree. On ``county`` the LP relaxations are solved and
must agree within 1e-6 relative. What importing linopy adds to a fresh process is printed
first. Each measurement is repeated (3 times by default) and its min and median printed, with
the load average: the machine is shared, so read the times with it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import linopy

    from siting.instance import Instance

#: Shipped scenarios measured.
SCENARIOS = ("county", "county-all")

#: The builders compared: the own builder handing over as the runners do, and linopy.
BUILDERS = ("own", "linopy")

#: Relative agreement asked of the two LP relaxations.
LP_TOLERANCE = 1e-6


def linopy_model(inst: Instance, *, relax: bool = False) -> linopy.Model:
    """Write :func:`siting.model.build_arrays`'s model of ``inst`` with linopy.

    Covers the families the measured scenarios use (not classic, elastic, forced, failover,
    vouchers, green power or a site count: it raises ``ValueError`` for an instance that
    needs them). Each family is one vectorised statement over labelled dimensions, masked where
    the own builder leaves a column or row out, as PyPSA writes its models.

    Parameters
    ----------
    inst
        The instance.
    relax
        Make the integer columns continuous (the LP relaxation).

    Returns
    -------
    linopy.Model
    """
    import linopy
    import pandas as pd
    import xarray as xr

    from siting.model.base import OBJECTIVE_UNIT

    unused = {
        "classic": inst.classic,
        "failover": bool((inst.stream_failover > 0).any()),
        "vouchers": len(inst.policy.vouchers.names) > 0,
        "green power": len(inst.policy.green.names) > 0,
        "site count": inst.site_count > 0,
    }
    if any(unused.values()):
        msg = f"linopy_model does not write {[k for k, v in unused.items() if v]}"
        raise ValueError(msg)
    site = pd.RangeIndex(inst.n_sites, name="site")
    pair = pd.RangeIndex(inst.n_pairs, name="pair")
    stream = pd.RangeIndex(inst.n_streams, name="stream")
    group = pd.RangeIndex(len(inst.sites.group_names), name="group")

    def per(index: pd.Index, values: np.ndarray | float) -> xr.DataArray:
        values = np.broadcast_to(np.asarray(values, dtype=float), len(index))
        return xr.DataArray(values, coords=[index])

    cap = inst.sites.capacity_mw
    needs_cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    can_train = cap >= inst.min_cluster_mw - 1e-9 if needs_cluster else cap > 0
    unit = (inst.sites.unit_opex - inst.rent[:, None] * inst.maximise_margin) / OBJECTIVE_UNIT
    upper, work = inst.pair_upper_mw, inst.pair_workload
    demand = inst.stream_demand_mw
    pair_site = xr.DataArray(inst.pairs.site, coords=[pair], name="site")

    m = linopy.Model()
    y = m.add_variables(0, 1, coords=[site], name="open", integer=not relax)
    x = m.add_variables(0, per(site, inst.sites.headroom_mw), coords=[site], name="build")
    t = m.add_variables(0, per(site, np.where(can_train, cap, 0.0)), coords=[site], name="train")
    mask = per(site, can_train if needs_cluster else False).astype(bool)
    z = m.add_variables(0, 1, coords=[site], name="hosts_training", integer=not relax, mask=mask)
    f = m.add_variables(0, per(pair, upper), coords=[pair], name="serve")
    m.add_objective(
        (per(site, inst.sites.fixed_cost / OBJECTIVE_UNIT) * y).sum()
        + (per(site, inst.sites.capex_cost / OBJECTIVE_UNIT) * x).sum()
        + (per(site, unit[0]) * t).sum()
        + (per(pair, unit[work, inst.pairs.site] + inst.pairs.cost / OBJECTIVE_UNIT) * f).sum()
    )
    headroom = per(site, inst.sites.headroom_mw)
    m.add_constraints(x - headroom * y <= 0, name="headroom", mask=headroom > 0)
    served = f.groupby(xr.DataArray(inst.pair_stream, coords=[pair], name="stream")).sum()
    m.add_constraints(served == per(stream, demand), name="inference_demand")
    m.add_constraints(t.sum() == inst.training_mw, name="training_demand")
    hosted = f.groupby(pair_site).sum()
    m.add_constraints(hosted + t - x - per(site, inst.sites.existing_mw) * y <= 0, name="capacity")
    y_of_pair = y.isel(site=inst.pairs.site).rename(site="pair").assign_coords(pair=pair)
    m.add_constraints(
        f - per(pair, upper) * y_of_pair <= 0, name="pair_open", mask=per(pair, upper) > 0
    )
    m.add_constraints(t - inst.min_cluster_mw * z >= 0, name="cluster_min", mask=mask)
    m.add_constraints(t - per(site, cap) * z <= 0, name="cluster_max", mask=mask)
    sigma = inst.staff_per_mw.astype(float)
    most = np.bincount(inst.sites.group, cap * float(sigma.max()), len(group))
    site_group = xr.DataArray(inst.sites.group, coords=[site], name="group")
    pair_group = xr.DataArray(inst.sites.group[inst.pairs.site], coords=[pair], name="group")
    staff = (sigma[0] * t).groupby(site_group).sum() + (per(pair, sigma[work]) * f).groupby(
        pair_group
    ).sum()
    m.add_constraints(
        staff <= per(group, inst.sites.staff_available),
        name="staff",
        mask=per(group, most > inst.sites.staff_available) > 0,
    )
    return m


def _peak_mb() -> float:
    """Peak resident memory of this process since the last :func:`_reset_peak`, in MB."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024


def _rss_mb() -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def measure(builder: str, instance_file: str, relax: bool) -> dict:
    """Build and hand over twice in this process (and with ``relax`` solve the LP relaxation).

    The first build is what a fresh run pays, with any module its builder loads on first use;
    the second is warm. Memory is the peak resident set the first build, and the first build
    with its handover, add to what the process held before.
    """
    import highspy

    from siting.model import build_arrays
    from siting.solve.highs import pass_model, silenced_stdout

    if builder == "linopy":
        import linopy  # noqa: F401 - imported before the clock starts, as build_arrays is

    def build() -> Any:
        return linopy_model(inst, relax=relax) if builder == "linopy" else build_arrays(inst)

    def hand_over(model: Any) -> highspy.Highs:
        with silenced_stdout():  # HiGHS's banner
            if builder == "linopy":
                return model.to_highspy()
            highs = highspy.Highs()
            pass_model(highs, model, relax=relax)
            return highs

    with open(instance_file, "rb") as fh:
        inst = pickle.load(fh)
    base = _rss_mb()
    _reset_peak()
    clock = [time.perf_counter()]
    model = build()
    clock.append(time.perf_counter())
    build_mb = _peak_mb() - base
    highs = hand_over(model)
    clock.append(time.perf_counter())
    result = {
        "build_s": clock[1] - clock[0],
        "handover_s": clock[2] - clock[1],
        "build_mb": build_mb,
        "peak_mb": _peak_mb() - base,
        "cols": highs.getNumCol(),
        "rows": highs.getNumRow(),
        "nonzeros": highs.getNumNz(),
    }
    if relax:
        highs.setOptionValue("output_flag", False)
        highs.run()
        result["lp"] = highs.getInfo().objective_function_value
        result["lp_status"] = highs.modelStatusToString(highs.getModelStatus())
        return result
    del model, highs
    clock = [time.perf_counter()]
    hand_over(build())
    result["warm_s"] = time.perf_counter() - clock[0]
    return result


def _child(builder: str, instance_file: str, *, relax: bool = False) -> dict:
    """:func:`measure` in a fresh process."""
    args = [sys.executable, __file__, "--child", builder, instance_file]
    out = subprocess.run(
        [*args, "--relax"] if relax else args, check=False, capture_output=True, text=True
    )
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"{builder} on {instance_file} failed: {last}")
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Times, in a fresh process, the imports linopy adds to a run that has numpy and pandas.
IMPORTS = """
import json, time
t = [time.perf_counter()]
import numpy, pandas
t.append(time.perf_counter())
import linopy
t.append(time.perf_counter())
import dask.array  # what xarray loads on linopy's first build
t.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(t, t[1:])]))
"""


def _import_seconds(repeats: int) -> None:
    """Print what importing linopy costs a fresh process (min / median of ``repeats``)."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", IMPORTS], check=True, capture_output=True, text=True
        )
        runs.append(json.loads(out.stdout))
    parts = ("numpy and pandas", "then linopy", "then dask.array (linopy's first build)")
    cells = (
        f"{what} {min(r[i] for r in runs):.2f} / {statistics.median(r[i] for r in runs):.2f} s"
        for i, what in enumerate(parts)
    )
    print(f"import in a fresh process (min / median): {', '.join(cells)}; load {_loads()}")


def _loads() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, help="scenarios (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per builder")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--relax", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child, args.relax)))
        return
    if importlib.util.find_spec("linopy") is None:
        print(f"linopy is not installed for {sys.executable}; nothing to compare. Install it")
        print("in a separate venv (pip install -e . linopy) and run this script with it.")
        return
    from importlib.metadata import version

    from siting.pipeline import prepare

    print(
        f"linopy {version('linopy')}, xarray {version('xarray')}, highspy {version('highspy')},"
        f" numpy {version('numpy')}, python {sys.version.split()[0]}"
    )
    print(f"load average at start: {_loads()}")
    _import_seconds(args.repeats)
    with tempfile.TemporaryDirectory(prefix="bench_linopy_") as tmp:
        for name in args.only or SCENARIOS:
            start = time.perf_counter()
            inst = prepare(name).instance
            path = str(Path(tmp) / f"{name}.pkl")
            with open(path, "wb") as fh:
                pickle.dump(inst, fh)
            print(
                f"\n{name}: {inst.n_sites:,} sites, {inst.n_streams:,} hubs, "
                f"{inst.n_pairs:,} pairs (prepared in {time.perf_counter() - start:.1f} s)"
            )
            del inst
            runs = {b: [] for b in BUILDERS}
            loads = []
            for _ in range(args.repeats):
                for builder in BUILDERS:
                    loads.append(os.getloadavg()[0])
                    runs[builder].append(_child(builder, path))
            print(
                f"{'builder':<9} {'cols':>8} {'rows':>8} {'nonzeros':>10}  {'build s':>13} "
                f"{'handover s':>13} {'warm both s':>13} {'build MB':>11} {'peak MB':>11}"
            )
            for builder, rs in runs.items():

                def stat(key: str, fmt: str, rs: list[dict] = rs) -> str:
                    values = [r[key] for r in rs]
                    return f"{min(values):{fmt}} / {statistics.median(values):{fmt}}"

                r = rs[0]
                print(
                    f"{builder:<9} {r['cols']:>8,} {r['rows']:>8,} {r['nonzeros']:>10,}  "
                    f"{stat('build_s', '.2f'):>13} {stat('handover_s', '.2f'):>13} "
                    f"{stat('warm_s', '.2f'):>13} {stat('build_mb', '.0f'):>11} "
                    f"{stat('peak_mb', '.0f'):>11}"
                )
            print(
                "(min / median of the runs; build and handover in a fresh process; warm both: "
                "build and handover again in it;\n MB: peak resident memory added by the build, "
                "and by the build with its handover)"
            )
            sizes = {b: (rs[0]["cols"], rs[0]["rows"], rs[0]["nonzeros"]) for b, rs in runs.items()}
            same = len(set(sizes.values())) == 1
            print(f"same columns, rows and nonzeros: {'yes' if same else f'NO: {sizes}'}")
            print(f"load average (1 min) over the runs: {min(loads):.2f} to {max(loads):.2f}")
            if name == "county":
                lp = {b: _child(b, path, relax=True) for b in BUILDERS}
                own = lp["own"]["lp"]
                rel = max(abs(r["lp"] - own) for r in lp.values()) / max(abs(own), 1e-12)
                print(
                    "LP relaxation: "
                    + ", ".join(f"{b} {r['lp']:.6f} ({r['lp_status']})" for b, r in lp.items())
                    + f"; largest relative difference {rel:.1e} "
                    f"({'within' if rel <= LP_TOLERANCE else 'NOT within'} {LP_TOLERANCE:g})"
                )
    print(f"\nload average at end: {_loads()}")


if __name__ == "__main__":
    main()
