"""p-center on the 338 prefecture seats: the formulation against radius search.

Run: ``.venv/bin/python benchmarks/bench_pcenter.py [--time-limit S] [--solvers highs cbc]``.
Writes a scenario extending the shipped ``prefecture-pmedian`` with ``kind = "p-center"``
(p = 20, 338 × 338 = 114 k pairs) into a temporary folder and runs
``siting optimize <it> --no-map`` once with ``--strategy direct`` (the textbook formulation,
docs/model.md "p-center") and once with the default strategy (radius search over covering
problems), per solver. Prints wall time of the command, the solve stage's time (from
``summary.json``), status, the optimum W (ms round trip), the certified gap and the
termination. The machine is shared: read wall times with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = """extends = "prefecture-pmedian"
name = "prefecture-pcenter"
description = "p-center, p = 20, on the 338 prefecture seats"

[objective]
kind = "p-center"
sites = 20
"""


def run(folder: Path, solver: str, strategy: str | None, time_limit: float) -> dict:
    """Run ``siting optimize`` once; return its wall time and the summary's solver figures."""
    out = folder / f"out-{solver}-{strategy or 'auto'}"
    argv = [
        sys.executable,
        "-m",
        "siting",
        "optimize",
        str(folder / "prefecture-pcenter.toml"),
        "--no-map",
        "--out",
        str(out),
        "--solver",
        solver,
        "--time-limit",
        str(time_limit),
    ]
    if strategy:
        argv += ["--strategy", strategy]
    start = time.perf_counter()
    done = subprocess.run(argv, check=False, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:  # e.g. CBC finds no plan for the formulation in the time limit
        return {"wall": wall, "error": done.stderr.strip()}
    summary = json.loads((out / "prefecture-pcenter" / "summary.json").read_text())
    return {
        "wall": wall,
        "solve": summary["timings_s"]["solve"],
        "status": summary["solver"]["status"],
        "gap": summary["solver"]["gap"],
        "W": summary["kpis"]["objective_value"],
        "termination": summary["solver"]["termination"].split("; classic")[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--solvers", nargs="*", default=["highs", "cbc"])
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "prefecture-pcenter.toml").write_text(SCENARIO, encoding="utf-8")
        for solver in args.solvers:
            results = {}
            for strategy in ("direct", None):
                r = run(folder, solver, strategy, args.time_limit)
                results[strategy] = r
                if "error" in r:
                    shown = strategy or "auto"
                    print(f"{solver:5} {shown:22} wall {r['wall']:6.1f} s  {r['error']}")
                    continue
                print(
                    f"{solver:5} {strategy or 'auto (radius search)':22} wall {r['wall']:6.1f} s"
                    f"  solve {r['solve']:6.2f} s  {r['status']:8}  W {r['W']:7.3f} ms"
                    f"  gap {r['gap']:.2%}  ({r['termination']})"
                )
            # the certified optimum is never worse than the formulation's plan
            if "W" in results["direct"]:
                assert results[None]["W"] <= results["direct"]["W"] + 1e-9
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
