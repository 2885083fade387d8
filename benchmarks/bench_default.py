"""Time the default scenario stage by stage, and the whole `siting optimize` command.

Run: ``.venv/bin/python benchmarks/bench_default.py [--repeat N]``. Prints seconds per stage
(best of N in-process runs) and the wall time of the CLI as a fresh process (target < 5 s).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

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

        walls = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "siting",
                    "optimize",
                    "--quiet",
                    "--out",
                    f"{tmp}/o",
                    "--maps",
                    f"{tmp}/m",
                ],
                check=True,
                capture_output=True,
            )
            walls.append(time.perf_counter() - start)
        print(
            f"siting optimize (fresh process, incl. imports): best {min(walls):.2f} s, "
            f"worst {max(walls):.2f} s; target < 5 s"
        )


if __name__ == "__main__":
    main()
