"""Time drawing and writing the maps, and report their HTML size and template compilations.

Run: ``.venv/bin/python benchmarks/bench_maps.py [--repeat N] [--no-county]``. Solves the
default scenario once, then prints, best of N, the seconds to draw and write the default map
(self-contained, target < 0.3 s and < 5 MB), the same map with CDN links and the side-by-side
comparison page (after importing folium, timed once), with the number of Jinja templates
compiled while drawing each: folium's
own, for the page skeleton it renders from constants (branca compiles each rendered
element; about 7 per map, none holding data). Then solves the ``county`` scenario (2,852
hubs) with a short time limit and prints the same for its map (target < 2 s and < 5 MB).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jinja2

BUDGET_S = 0.3
COUNTY_BUDGET_S = 2.0
BUDGET_BYTES = 5_000_000
COUNTY_TIME_LIMIT_S = 20.0


def _count_compiles() -> dict[str, int]:
    """Count every Jinja template compiled in this process from now on."""
    count = {"n": 0}
    compile_ = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        count["n"] += 1
        return compile_(self, *args, **kwargs)

    jinja2.Environment.compile = counting  # type: ignore[method-assign]
    return count


def _time(
    label: str,
    draw: Callable,
    offline: bool,
    repeat: int,
    folder: Path,
    budget_s: float = BUDGET_S,
) -> None:
    from siting.maps import save_map

    compiles = _count_compiles()
    best, before = float("inf"), compiles["n"]
    for i in range(repeat):
        start = time.perf_counter()
        path = save_map(draw(), folder / f"{i}.html", offline=offline)
        best = min(best, time.perf_counter() - start)
    per_page = (compiles["n"] - before) / repeat
    size = path.stat().st_size
    print(
        f"{label:<27} {best * 1000:7.1f} ms  {size / 1e6:5.2f} MB  {per_page:3.0f} templates"
        f"  (budget {budget_s:g} s, {BUDGET_BYTES / 1e6:g} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-county", action="store_true", help="skip the county map")
    args = parser.parse_args()

    from siting.maps import make_comparison_map, make_map
    from siting.pipeline import optimize
    from siting.solve import RunOptions

    results = optimize(write=False).results
    start = time.perf_counter()
    import folium  # noqa: F401  (the first map of a process pays for it)

    print(f"{'import folium (once)':<27} {(time.perf_counter() - start) * 1000:7.1f} ms")
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
            _time(label, draw, offline, args.repeat, Path(tmp))
        if args.no_county:
            return
        start = time.perf_counter()
        limit = RunOptions(time_limit=COUNTY_TIME_LIMIT_S)
        county = optimize("county", write=False, options=limit).results
        print(
            f"county: solved and built results in {time.perf_counter() - start:.1f} s "
            f"({len(county.hubs):,} hubs, {len(county.sites):,} sites, {len(county.flows):,} "
            f"flows, time limit {COUNTY_TIME_LIMIT_S:g} s)"
        )
        _time(
            "county map (offline)",
            lambda: make_map(county, title="county"),
            True,
            max(1, args.repeat // 2),
            Path(tmp),
            COUNTY_BUDGET_S,
        )


if __name__ == "__main__":
    main()
