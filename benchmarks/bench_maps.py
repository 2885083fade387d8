"""Time drawing and writing the default scenario's maps, and report their HTML size.

Run: ``.venv/bin/python benchmarks/bench_maps.py [--repeat N]``. Solves the default scenario
once, then prints, best of N, the seconds to draw and write the default map (self-contained,
target < 2 s and < 5 MB), the same map with CDN links, and the side-by-side comparison page.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

BUDGET_S = 2.0
BUDGET_BYTES = 5_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from siting.maps import make_comparison_map, make_map, save_map
    from siting.pipeline import optimize

    results = optimize(write=False).results
    cases = {
        "default map (offline)": (lambda: make_map(results, title="default"), True),
        "default map (CDN links)": (lambda: make_map(results, title="default"), False),
        "comparison page (offline)": (
            lambda: make_comparison_map(results, results, titles=("a", "b")),
            True,
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for label, (draw, offline) in cases.items():
            best = float("inf")
            for i in range(args.repeat):
                start = time.perf_counter()
                path = save_map(draw(), Path(tmp) / f"{i}.html", offline=offline)
                best = min(best, time.perf_counter() - start)
            size = path.stat().st_size
            print(
                f"{label:<27} {best * 1000:7.1f} ms  {size / 1e6:5.2f} MB"
                f"  (budget {BUDGET_S:g} s, {BUDGET_BYTES / 1e6:g} MB)"
            )


if __name__ == "__main__":
    main()
