"""100 simulated futures (the shipped sweep ``futures-2023-2025``) on 1, then 2 Dask workers.

Run: ``.venv/bin/python benchmarks/bench_futures.py [--draws 100]``. Each worker count gets a
fresh local cluster (ports picked by the system) through the batch runner, as
``siting batch futures-2023-2025`` runs it. Prints the wall seconds of each (compute: from the
first submission to the last result; in all: with cluster start and warm-up), the speed-up
from 1 to 2 workers in compute seconds (goal ≥ 1.7), the peak memory (max RSS) of the workers
and of the client, each worker's threads and CPU seconds per future (the same on 1 and 2
workers unless the workers add work), and the load average before and after. Times are
printed, never asserted: the machine is shared.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from siting.batch import run_batch, solve_point
from siting.solve.options import RunOptions
from siting.sweep import load_sweep

#: The shipped sweep of futures.
SWEEP = "futures-2023-2025"


def measured_point(scenario: dict[str, Any], options: RunOptions) -> dict[str, Any]:
    """Run a point as the batch runner does; add the worker's pid, peak RSS, threads and CPU.

    Returns
    -------
    dict
        :func:`siting.batch.solve_point`'s record with ``worker`` (``pid``, ``max_rss_mb``:
        the process's peak resident memory so far, ``threads``: its OS threads now,
        ``cpu_s``: the CPU seconds of the point, every thread of the process).
    """
    cpu = time.process_time()
    record = solve_point(scenario, options)
    cpu = time.process_time() - cpu
    status = Path("/proc/self/status").read_text()
    threads = next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:")
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        **record,
        "worker": {"pid": os.getpid(), "max_rss_mb": peak, "threads": threads, "cpu_s": cpu},
    }


def _workers(records: Path) -> dict[int, dict[str, float]]:
    """Each worker process's largest peak RSS and thread count over its records."""
    out: dict[int, dict[str, float]] = {}
    for path in records.glob("*.json"):
        worker = json.loads(path.read_text()).get("worker")
        if worker is None:
            continue
        seen = out.setdefault(
            worker["pid"], {"max_rss_mb": 0, "threads": 0, "tasks": 0, "cpu_s": 0}
        )
        seen["max_rss_mb"] = max(seen["max_rss_mb"], worker["max_rss_mb"])
        seen["threads"] = max(seen["threads"], worker["threads"])
        seen["tasks"] += 1
        seen["cpu_s"] += worker["cpu_s"]
    return out


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=100, help="run the sweep's first N points")
    args = parser.parse_args()

    sweep = load_sweep(SWEEP)
    sweep = dataclasses.replace(sweep, points=sweep.points[: args.draws])
    n = len(sweep.points)
    compute = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            before = _load()
            start = time.perf_counter()
            outcome = run_batch(
                sweep, Path(tmp) / f"w{workers}", workers=workers, task=measured_point
            )
            seconds = time.perf_counter() - start
            compute[workers] = outcome.compute_seconds
            inside = outcome.summary["seconds"].get("simulate", {}).get("mean", float("nan"))
            print(
                f"{workers} worker(s): {n} futures in {outcome.compute_seconds:.1f} s of compute "
                f"({seconds:.1f} s in all, with cluster start and {outcome.warmup_seconds:.1f} s "
                f"warm-up); {outcome.table['status'].value_counts().to_dict()}; "
                f"{inside:.2f} s per future in run_simulation; "
                f"load average {before} before, {_load()} after"
            )
            for pid, seen in sorted(_workers(Path(tmp) / f"w{workers}" / "scenarios").items()):
                print(
                    f"  worker {pid}: {seen['tasks']} futures, peak RSS "
                    f"{seen['max_rss_mb']:.0f} MB, {seen['threads']} threads, "
                    f"{seen['cpu_s'] / seen['tasks']:.2f} CPU s per future"
                )
    client = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"client peak RSS {client:.0f} MB")
    print(f"speed-up 1 -> 2 workers: {compute[1] / compute[2]:.2f}x (goal >= 1.7x)")


if __name__ == "__main__":
    main()
