"""Time the default scenario stage by stage, and the `siting` command as a fresh process.

Run: ``.venv/bin/python benchmarks/bench_default.py [--repeat N]``. Prints seconds per stage
(best of N in-process runs), the wall time of ``siting optimize`` as a fresh process (target
<= 2.5 s on an idle machine), and of ``siting --help`` and an argument error (target
<= 0.3 s). The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _wall(command: list[str], repeat: int, *, check: bool = True) -> list[float]:
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=check, capture_output=True)
        walls.append(time.perf_counter() - start)
    return walls


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
        out = ["--quiet", "--out", f"{tmp}/o", "--maps", f"{tmp}/m"]
        walls = _wall([*siting, "optimize", *out], args.repeat)
        print(
            f"siting optimize (fresh process, incl. imports): best {min(walls):.2f} s, "
            f"worst {max(walls):.2f} s; target <= 2.5 s"
        )
        helps = _wall([*siting, "--help"], args.repeat)
        errors = _wall([*siting, "optimize", "--gap", "x"], args.repeat, check=False)
        print(
            f"siting --help: best {min(helps):.2f} s; argument error: best {min(errors):.2f} s; "
            "target <= 0.3 s"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
