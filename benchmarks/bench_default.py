"""Time the default scenario stage by stage, and the `siting` command as a fresh process.

Run: ``.venv/bin/python benchmarks/bench_default.py [--repeat N]``. Prints seconds per stage
(best of N in-process runs); the wall time of ``siting optimize`` as a fresh process, with
the map and with ``--no-map`` (minimum and median of N; target <= 2.0 s on an idle machine),
with the processor time it used (user + system, less sensitive to other work on a shared
machine); the import floor (the libraries the run needs) and ``import siting.pipeline``;
and the wall time of ``siting --help`` and an argument error (target <= 0.3 s). The machine
is shared: the load average is printed with the figures.

The fresh processes read compiled bytecode, as an installed package does: Python writes it
on first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (then every run compiles the
hundred siting modules it loads again: 0.15 s of processor time here at load 3). They keep
it in a folder of their own (``PYTHONPYCACHEPREFIX``), filled by one run before the timed
ones.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: What the default run cannot do without: tables (pandas, GeoParquet, GeoJSON), the scenario
#: schema and the solver.
FLOOR = ("numpy", "pandas", "geopandas", "pyarrow.parquet", "pyogrio", "pydantic", "highspy")


def _cached_bytecode(folder: Path) -> dict[str, str]:
    """The fresh runs' environment: compiled bytecode written and read in ``folder``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(folder)}


def _wall(
    command: list[str], repeat: int, env: dict[str, str], *, check: bool = True
) -> list[float]:
    return [w for w, _ in _times(command, repeat, env, check=check)]


def _times(
    command: list[str], repeat: int, env: dict[str, str], *, check: bool = True
) -> list[tuple[float, float]]:
    """Wall and processor (user + system) seconds of each of ``repeat`` fresh runs."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=check, capture_output=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        times.append((wall, cpu))
    return times


def _report(label: str, times: list[tuple[float, float]], target: str = "") -> None:
    walls, cpus = [w for w, _ in times], [c for _, c in times]
    print(
        f"{label}: wall min {min(walls):.2f} s, median {statistics.median(walls):.2f} s; "
        f"cpu min {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s "
        f"(n={len(times)}, load {os.getloadavg()[0]:.2f}){target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    from siting.pipeline import optimize

    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            run = optimize(out_dir=Path(tmp) / "out", maps_dir=Path(tmp) / "maps")
            for stage, seconds in run.timings.items():
                best[stage] = min(best.get(stage, float("inf")), seconds)
        inst = run.instance
        print(f"default scenario: {inst.n_sites} sites, {inst.n_hubs} hubs, {inst.n_pairs} pairs")
        for stage, seconds in best.items():
            print(f"  {stage:<9} {seconds * 1000:8.1f} ms")
        total_ms = sum(best.values()) * 1000
        print(f"  {'total':<9} {total_ms:8.1f} ms (in process, best of {args.repeat})")

        siting = [sys.executable, "-m", "siting"]
        out = ["--out", f"{tmp}/o", "--maps", f"{tmp}/m"]  # prints its summary, as by default
        optimize = [*siting, "optimize", *out]
        env = _cached_bytecode(Path(tmp) / "pycache")
        _times(optimize, 1, env)  # compiles and caches the bytecode
        fresh = _times(optimize, args.repeat, env)
        _report("siting optimize (fresh)", fresh, "; target <= 2.0 s")
        no_map = _times([*optimize, "--no-map"], args.repeat, env)
        _report("siting optimize --no-map (fresh)", no_map)
        pipeline = [sys.executable, "-c", "import siting.pipeline"]
        _report("import siting.pipeline", _times(pipeline, args.repeat, env))
        floor = [sys.executable, "-c", f"import {', '.join(FLOOR)}"]
        _report("import floor (the libraries the run needs)", _times(floor, args.repeat, env))
        helps = _wall([*siting, "--help"], args.repeat, env)
        errors = _wall([*siting, "optimize", "--gap", "x"], args.repeat, env, check=False)
        print(
            f"siting --help: best {min(helps):.2f} s; argument error: best {min(errors):.2f} s; "
            "target <= 0.3 s"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
