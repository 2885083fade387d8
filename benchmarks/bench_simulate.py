"""Time the shipped prefecture simulation: many investors, 2023-2030 (issue 20).

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--seed N]``. It runs the shipped
``prefecture-2023-2030-simulate`` (the prefecture seats, the ``prefecture`` investors of
``data/investors.csv``, myopic, ``compare = false``) in a fresh process, so its peak memory
(max RSS) is its own; the load average is printed with it (the machine is shared: wall times
vary with the load). Every figure is printed, none asserted: investors, forecast-market
re-solves done and turns skipped by the reduced-cost test, wall and CPU seconds, peak memory.
Goal on a 2-core machine (issue 20): >= 500 investors, 2023-2030, in < 2 min.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

SCENARIO = "prefecture-2023-2030-simulate"

CASE = """
import json, os, resource, sys, time
start = time.perf_counter()
from siting.scenario import load_scenario
from siting.simulate.run import run_simulation
spec = load_scenario(sys.argv[1])[0].with_overrides({"simulate.seed": int(sys.argv[2])})
run = run_simulation(spec, write=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
s = run.summary
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
    "peak_mb": usage.ru_maxrss / 1024, "load": os.getloadavg(),
    "investors": len(run.simulation.turns[str(s["years"][0])]),
    "ordering": s["investors_ordering"], "solves": s["solves"], "skips": s["skips"],
    "years": s["years"], "sites": run.horizon.base.n_sites,
    "halls": len(run.simulation.hall_orders), "ordered_mw": float(run.simulation.orders.sum())}))
"""


def main() -> None:
    """Run the case in a fresh process and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{SCENARIO}: shipped data/investors.csv (prefecture layer), seed {args.seed}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out = subprocess.run(
        [sys.executable, "-c", CASE, SCENARIO, str(args.seed)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        print(out.stdout, out.stderr, sep="\n")
        sys.exit(out.returncode)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"prefecture {r['years'][0]}-{r['years'][-1]}, {r['sites']} sites in {r['halls']} halls, "
        f"myopic: {r['investors']} investors ({r['ordering']} ordered, "
        f"{r['ordered_mw']:,.0f} MW); {r['solves']} forecast-market solves, {r['skips']} turns "
        "skipped by reduced cost"
    )
    print(
        f"wall {r['seconds']:.1f} s, CPU {r['cpu']:.1f} s, peak memory {r['peak_mb']:,.0f} MB, "
        f"load average after {' '.join(f'{x:.2f}' for x in r['load'])}"
    )


if __name__ == "__main__":
    main()
