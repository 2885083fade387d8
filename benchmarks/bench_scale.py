"""Build and solve time and peak memory of the default, prefecture and county instances.

Run: ``.venv/bin/python benchmarks/bench_scale.py``. Each instance runs in a fresh process so
its peak memory is its own. Targets on a 2-core machine: prefecture to a 0.1% gap in < 30 s;
county to a 1% gap in < 5 min with peak memory < 4 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys

CASES = (("default", 1e-4, 60.0), ("prefecture", 1e-3, 120.0), ("county", 1e-2, 300.0))

CHILD = """
import json, resource, sys, time
from siting.model import build_model
from siting.pipeline import prepare
from siting.solve import solve
name, gap, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t0 = time.perf_counter(); p = prepare(name); t1 = time.perf_counter()
m = build_model(p.instance); t2 = time.perf_counter()
s = solve(m, mip_gap=gap, time_limit=limit); t3 = time.perf_counter()
inst = p.instance
print(json.dumps({"sites": inst.n_sites, "hubs": inst.n_hubs, "pairs": inst.n_pairs,
    "prepare": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "status": s.status.value,
    "gap": s.gap, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    for name, gap, limit in CASES:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, name, str(gap), str(limit)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{name:<11} {r['sites']:>5} sites x {r['hubs']:>5} hubs, {r['pairs']:>7} pairs: "
            f"prepare {r['prepare']:5.1f} s, build {r['build']:5.1f} s, solve {r['solve']:6.1f} s "
            f"to {r['status']} (gap {r['gap']:.3%}, asked {gap:.2%}), peak {r['peak_mb']:,.0f} MB"
        )


if __name__ == "__main__":
    main()
