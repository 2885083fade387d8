"""p-median, p = 20, on the 338 prefecture seats: siting against PySAL spopt, side by side.

Run: ``.venv/bin/python benchmarks/bench_classic.py [--spopt-highs-limit S] [--repeat N]``.

The instance is the shipped scenario ``prefecture-pmedian``: the 338 prefecture seats as
candidate sites and as demand hubs, the round trip (ms, IP layer) of every seat pair as the
distance and each seat's inference demand (MW) as its weight; 114,244 assignment pairs.
Every tool gets the same round-trip matrix and weights and solves to a zero gap:

- ``siting (HiGHS, auto)``: the path ``siting optimize`` takes: the model built from arrays
  (``build_arrays``) and solved by HiGHS with the default strategy ``auto``, which on this
  many pairs is the LP-guided decomposition (docs/model.md, "Solve strategy");
- ``siting direct, HiGHS``: the same model in one HiGHS run (``strategy="direct"``);
- ``siting + CBC``: the PuLP build solved by CBC (the same CBC program spopt runs), strategy
  ``auto``;
- ``spopt + CBC``: ``PMedian.from_cost_matrix`` then ``.solve(COIN_CMD)`` (results=False);
- ``spopt + HiGHS``: the same through PuLP's HiGHS interface, stopped at
  ``--spopt-highs-limit`` seconds (0 skips it; spopt makes the assignment variables binary).

Build is model construction from the matrix (siting's ``prepare`` of layers, latency and
instance is printed apart, as spopt starts from the matrix); solve is the solver run. Each
tool runs in a fresh process, so its peak memory (max RSS, of the process or of the CBC
program it runs, whichever is larger) is its own; CPU seconds include the CBC program's. The
objectives must agree (relative 1e-6), else the script exits with status 1. Wall and CPU
seconds are both printed with the load average: the machine is shared (2 cores), so read wall
times with it.

Goal (issue #13): siting at least 3 times faster than spopt + CBC, build plus solve.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SCENARIO = "prefecture-pmedian"
#: siting as ``siting optimize`` runs it: arrays into HiGHS, strategy auto.
SITING_MAIN = "siting (HiGHS, auto)"
REL = 1e-6

#: What both children measure with: CPU seconds and peak memory of the process and its children.
MEASURE = """
import json, sys, time
from resource import RUSAGE_CHILDREN, RUSAGE_SELF, getrusage
def cpu():  # this process and its finished children (CBC runs as a child)
    return sum(getattr(getrusage(w), f) for w in (RUSAGE_SELF, RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
def peak_mb():
    return max(getrusage(w).ru_maxrss for w in (RUSAGE_SELF, RUSAGE_CHILDREN)) / 1024
"""

SITING = (
    MEASURE
    + """
import numpy as np
from siting.model import build_arrays, objective_value
from siting.pipeline import prepare
from siting.solve import RunOptions, solve
solver, matrix, strategy = sys.argv[1], sys.argv[2], sys.argv[4]
t0 = time.perf_counter(); p = prepare(sys.argv[3]); inst = p.instance
t1 = time.perf_counter(); c1 = cpu()
model = build_arrays(inst)
t2 = time.perf_counter(); c2 = cpu()
sol = solve(model, RunOptions(solver, 3600, 0.0, strategy=strategy))
t3 = time.perf_counter(); c3 = cpu()
if matrix != "-":
    d = np.full((inst.n_hubs, inst.n_sites), np.nan)
    d[inst.pairs.hub, inst.pairs.site] = inst.pairs.rtt_ms
    np.savez(matrix, d=d, w=inst.hubs.demand_mw, p=inst.site_count, sites=inst.sites.ids)
print(json.dumps({"prepare": t1 - t0, "build": t2 - t1, "solve": t3 - t2,
    "build_cpu": c2 - c1, "solve_cpu": c3 - c2, "status": sol.status.value,
    "objective": float(objective_value(inst, sol.objective)),
    "open": sorted(inst.sites.ids[sol.open].tolist()), "pairs": int(inst.n_pairs),
    "strategy": sol.strategy, "peak_mb": peak_mb()}))
"""
)

SPOPT = (
    MEASURE
    + """
import warnings
import numpy as np, pulp
from siting.solve.cbc import cbc_executable
warnings.filterwarnings("ignore", category=DeprecationWarning)
from spopt.locate import PMedian
solver, matrix, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = np.load(matrix)
d, w, p = data["d"], data["w"], int(data["p"])
t1 = time.perf_counter(); c1 = cpu()
model = PMedian.from_cost_matrix(d, w, p)
t2 = time.perf_counter(); c2 = cpu()
if solver == "cbc":
    engine = pulp.COIN_CMD(path=cbc_executable(), msg=False, gapRel=0.0)
else:
    engine = pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=limit)
model.problem.solve(engine)  # what PMedian.solve(engine, results=False) does, less its check
t3 = time.perf_counter(); c3 = cpu()
opened = [j for j, y in enumerate(model.fac_vars) if (y.value() or 0) > 0.5]
print(json.dumps({"build": t2 - t1, "solve": t3 - t2, "build_cpu": c2 - c1,
    "solve_cpu": c3 - c2, "status": pulp.LpStatus[model.problem.status],
    "solution": pulp.LpSolution[model.problem.sol_status],
    "objective": float(model.problem.objective.value()),
    "open": sorted(str(data["sites"][j]) for j in opened),
    "peak_mb": peak_mb()}))
"""
)


def child(code: str, *args: str, timeout: float | None = None) -> dict | None:
    """Run one tool in a fresh process; return what it printed (JSON), or None if too slow."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"bench_classic: a child failed: {last}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spopt-highs-limit",
        type=float,
        default=300.0,
        metavar="S",
        help="time limit of spopt + HiGHS, s (0 skips it; default 300)",
    )
    parser.add_argument(
        "--scenario", default=SCENARIO, help=f"a p-median scenario (default: {SCENARIO})"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="runs of each tool; the best is kept"
    )
    args = parser.parse_args()
    print(f"{args.scenario}: p-median, zero gap; {os.cpu_count()} CPUs; load average {load()}")
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        matrix = str(Path(tmp) / "matrix.npz")
        tools = [
            (SITING_MAIN, SITING, ("highs", matrix, args.scenario, "auto")),
            ("siting direct, HiGHS", SITING, ("highs", "-", args.scenario, "direct")),
            ("siting + CBC", SITING, ("cbc", "-", args.scenario, "auto")),
            ("spopt + CBC", SPOPT, ("cbc", matrix, "0")),
        ]
        if args.spopt_highs_limit > 0:
            tools.append(("spopt + HiGHS", SPOPT, ("highs", matrix, str(args.spopt_highs_limit))))
        for name, code, argv in tools:
            # spopt + HiGHS: the solver's own limit, then a margin for a loaded machine
            timeout = args.spopt_highs_limit + 300 if name == "spopt + HiGHS" else None
            tries = [child(code, *argv, timeout=timeout) for _ in range(max(args.repeat, 1))]
            if None in tries:
                print(f"  {name:<26} did not finish within {timeout:.0f} s (stopped)")
                continue
            runs[name] = min(tries, key=lambda r: r["build"] + r["solve"])
            r = runs[name]
            how = r.get("strategy") or r["solution"]  # siting's strategy; spopt's solution
            print(
                f"  {name:<26} build {r['build']:7.2f} s ({r['build_cpu']:6.2f} CPU)  "
                f"solve {r['solve']:7.2f} s ({r['solve_cpu']:6.2f} CPU)  "
                f"total {r['build'] + r['solve']:7.2f} s  peak {r['peak_mb']:6,.0f} MB  "
                f"{r['status']} ({how})  "
                f"objective {r['objective']:,.6f} MW·ms"
            )
    ours = runs[SITING_MAIN]
    print(
        f"  siting prepare (layers, latency, instance; {ours['pairs']:,} pairs): "
        f"{ours['prepare']:.2f} s"
    )
    spopt_cbc = runs["spopt + CBC"]
    total = ours["build"] + ours["solve"]
    for name, r in runs.items():
        ratio = (r["build"] + r["solve"]) / total
        unfinished = r.get("solution", "Optimal Solution Found") != "Optimal Solution Found"
        more = " (stopped unfinished: at least)" if unfinished else ""
        print(f"  {name:<26} takes {ratio:6.2f}x siting's build + solve time{more}")
    print(f"load average at end: {load()}")
    failed = []
    for name, r in runs.items():
        finished = r.get("solution", "Optimal Solution Found") == "Optimal Solution Found"
        if finished and abs(r["objective"] - ours["objective"]) > REL * abs(ours["objective"]):
            failed.append(f"{name}: {r['objective']!r} != siting's {ours['objective']!r}")
        if not finished:
            print(f"  {name} did not finish: objective not compared ({r['solution']})")
    if ours["open"] != spopt_cbc["open"]:
        print("  note: spopt + CBC opened other sites with the same objective (a tie)")
    goal = (spopt_cbc["build"] + spopt_cbc["solve"]) / total
    cpu = (spopt_cbc["build_cpu"] + spopt_cbc["solve_cpu"]) / (
        ours["build_cpu"] + ours["solve_cpu"]
    )
    verdict = "met" if goal >= 3 else "NOT met"
    print(
        f"goal: siting >= 3x faster than spopt + CBC (build + solve): {goal:.2f}x wall, "
        f"{cpu:.2f}x CPU; {verdict}"
    )
    if failed:
        raise SystemExit("objectives differ: " + "; ".join(failed))
    print("objectives equal (relative 1e-6)")


if __name__ == "__main__":
    main()
