"""Time the year map of ``siting plan``: end to end with and without it, and its stages.

Run: ``.venv/bin/python benchmarks/bench_plan_map.py [--repeat N]``. Prints, best of N fresh
processes, ``siting plan 2023-2030`` end to end (imports, solve, tables, map) with the map and
with ``--no-map`` (target < 10 s), their difference, and, in one fresh process after the
plan is solved, the seconds to build the page's data (``HorizonRun.map``), to render it the first
time (importing folium included) and again, and to write it, with its size. Target: the map
adds < 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

STAGES = """
import json, sys, time
from pathlib import Path
from siting.horizon_run import run_horizon
run = run_horizon("2023-2030", write=False, compare=sys.argv[1] == "compare")
clock = time.perf_counter()
page = run.map()
build = time.perf_counter() - clock
clock = time.perf_counter()
text = page.to_html()
first = time.perf_counter() - clock
clock = time.perf_counter()
page.to_html()
again = time.perf_counter() - clock
clock = time.perf_counter()
page.save(Path(sys.argv[2]) / "plan.html")
save = time.perf_counter() - clock
print(json.dumps({"build": build, "first": first, "again": again, "save": save,
                  "bytes": len(text.encode())}))
"""


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start, cpu = time.perf_counter(), usage.ru_utime + usage.ru_stime
    subprocess.run(argv, check=True, capture_output=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        base = [sys.executable, "-m", "siting", "plan", "2023-2030", "--quiet"]
        base += ["--out", f"{tmp}/o", "--maps", f"{tmp}/m"]
        runs = {"map": [], "no map": []}
        for _ in range(repeat):  # interleaved, so a change in the machine's load hits both
            runs["map"].append(_run(base))
            runs["no map"].append(_run([*base, "--no-map"]))
        (wall, cpu), (wall_no, cpu_no) = (
            tuple(map(min, zip(*r, strict=True))) for r in runs.values()
        )
        print(
            f"siting plan 2023-2030, best of {repeat} fresh processes (load average "
            f"{os.getloadavg()[0]:.1f}): {wall:.2f} s wall, {cpu:.2f} s CPU with the map; "
            f"{wall_no:.2f} s wall, {cpu_no:.2f} s CPU with --no-map (target < 10 s); the map "
            f"adds {wall - wall_no:+.2f} s wall, {cpu - cpu_no:+.2f} s CPU (target < 0.5 s)"
        )
        for mode in ("single", "compare"):
            argv = [sys.executable, "-c", STAGES, mode, tmp]
            out = subprocess.run(argv, check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            total = r["build"] + r["first"] + r["save"]
            print(
                f"{mode} map stages: data {r['build']:.3f} s, first render (imports folium) "
                f"{r['first']:.3f} s, again {r['again']:.3f} s, write {r['save']:.3f} s; "
                f"{total:.2f} s in all, {r['bytes'] / 1e6:.2f} MB"
            )


if __name__ == "__main__":
    main()
