"""Throughput of a 100-scenario sweep of the default instance on 1 and 2 Dask workers.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--draws 100]``. Prints scenarios per
second of compute (after cluster start and worker warm-up, which are printed apart), the
speed-up from 1 to 2 workers (target ≥ 1.7), and the per-scenario overhead (everything but
the solver) as a share of solve time (target < 20%).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

SWEEP = """
name = "bench"
base = "default"
[monte_carlo]
draws = {draws}
seed = 1
[monte_carlo.parameters]
"demand.training_share" = {{ distribution = "triangular", low = 0.1, mode = 0.25, high = 0.6 }}
"demand.inference_scale" = {{ distribution = "triangular", low = 0.6, mode = 1.0, high = 1.6 }}
"costs.power_price_multiplier" = {{ distribution = "uniform", low = 0.8, high = 1.2 }}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=100)
    args = parser.parse_args()

    from siting.batch import run_batch
    from siting.sweep import load_sweep

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(SWEEP.format(draws=args.draws))
        sweep = load_sweep(path)
        rates = {}
        for workers in (1, 2):
            start = time.perf_counter()
            outcome = run_batch(sweep, Path(tmp) / f"w{workers}", workers=workers)
            seconds = time.perf_counter() - start
            rates[workers] = len(sweep.points) / outcome.compute_seconds
            table = outcome.table
            ok = table[table["status"] == "ok"]
            solve = ok["seconds_solve"].sum()
            other = ok[["seconds_prepare", "seconds_build", "seconds_results"]].sum().sum()
            print(
                f"{workers} worker(s): {len(sweep.points)} scenarios in "
                f"{outcome.compute_seconds:.1f} s of compute (+{outcome.warmup_seconds:.1f} s "
                f"worker warm-up; {seconds:.1f} s in all, with cluster start) "
                f"= {rates[workers]:.1f} scenarios/s; "
                f"{table['status'].value_counts().to_dict()}; in-worker overhead "
                f"{other / solve:.0%} of solve time (solve {solve / len(ok) * 1000:.0f} ms, "
                f"other {other / len(ok) * 1000:.0f} ms per scenario)"
            )
        print(f"speed-up 1 -> 2 workers: {rates[2] / rates[1]:.2f}x (target >= 1.7x)")


if __name__ == "__main__":
    main()
