"""Build and solve time, certified gap and peak memory, from the default to every county.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--only NAME ...]``. Each case runs in a
fresh process so its peak memory is its own. The gap printed is certified against a lower
bound valid for the full model (for the decomposition: its Lagrangian/LP bound; see
docs/model.md, "Solve strategy"). Wall and CPU seconds of the solve are both printed: the
machine is shared, so read wall times with the load average printed beside them.

Targets on a 2-core machine (issue 17): prefecture optimal (0.01 %) in <= 2 s solve; the
shipped county scenario <= 0.1 % in <= 10 s; all counties as sites (``county-all``, ~0.4 M
pairs) <= 0.1 % in <= 3 min wall with peak memory <= 2 GB, at its own defaults (the gap and
the scenario's ``[solve] time_limit``), also at a load average of 3. Each case prints its wall
time (prepare, build and solve in the fresh process), the certified gap, the decomposition's
LP rounds and the sites it closed by reduced cost, peak memory and the load average (1 min)
before and after it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

#: (scenario, strategy, relative gap, time limit s); 0 means the scenario's own defaults
CASES = (
    ("default", "auto", 1e-4, 60.0),
    ("prefecture", "direct", 1e-4, 120.0),
    ("prefecture", "auto", 1e-4, 120.0),
    ("county", "auto", 1e-3, 10.0),
    ("county", "auto", 0.0, 0.0),
    ("county-all", "auto", 0.0, 0.0),
)

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from siting.model import build_arrays
from siting.pipeline import prepare
from siting.solve import solve
from siting.solve.options import resolved, RunOptions
name, strategy, gap, limit = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
p = prepare(name); t1 = time.perf_counter()
opts = resolved(RunOptions(None, limit or None, gap or None, strategy=strategy), p.scenario.solve)
gap, limit = opts.mip_gap, opts.time_limit
m = build_arrays(p.instance); t2 = time.perf_counter()
c2 = time.process_time()
s = solve(m, opts); t3 = time.perf_counter()
c3 = time.process_time()
inst = p.instance
print(json.dumps({"sites": inst.n_sites, "hubs": inst.n_hubs, "pairs": inst.n_pairs,
    "prepare": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "solve_cpu": c3 - c2,
    "wall": t3 - t0, "gap_asked": gap, "limit": limit, "status": s.status.value,
    "strategy": s.strategy, "gap": s.gap, "termination": s.termination,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _count(pattern: str, text: str) -> str:
    """The number the decomposition's notes give for ``pattern`` (``-`` if none)."""
    found = re.search(pattern, text)
    return found.group(1) if found else "-"


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all)")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, strategy, gap, limit in CASES:
        if args.only and name not in args.only:
            continue
        load = _load()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, name, strategy, str(gap), str(limit)],
            check=False,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"{name:<11} {strategy}: failed: {last}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{name:<11} {r['sites']:>5} sites x {r['hubs']:>5} hubs, {r['pairs']:>9,} pairs, "
            f"{r['strategy']:<9}: wall {r['wall']:6.1f} s (prepare {r['prepare']:5.1f} s, "
            f"build {r['build']:5.2f} s, solve {r['solve']:6.1f} s, {r['solve_cpu']:.1f} CPU s, "
            f"limit {r['limit']:g} s) to {r['status']} (certified gap {r['gap']:.3%}, "
            f"asked {r['gap_asked']:.2%}), peak {r['peak_mb']:,.0f} MB, load {load} -> {_load()}"
        )
        if r["strategy"] == "decompose":
            rounds = _count(r"(\d+) LP rounds", r["termination"])
            fixed = _count(r"(\d+) sites provably closed", r["termination"])
            print(f"    LP rounds {rounds}, sites closed by reduced cost {fixed}")
            print(f"    {r['termination']}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
