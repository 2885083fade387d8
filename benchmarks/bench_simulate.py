"""Time a 2023-2030 simulation of many investors on the prefecture sites (issue 20).

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--seed N]``. The case runs in a fresh
process, so its peak memory (max RSS) is its own; the load average is printed with it (the
machine is shared: wall times vary with the load). Every figure is printed, none asserted:
wall and CPU seconds, peak memory, investors, forecast-market re-solves done and turns
skipped by the reduced-cost test. Goal on a 2-core machine (issue 20): >= 500 investors on
the prefecture sites, 2023-2030, myopic, ``compare = false``, in < 2 min.

If ``data/investors.csv`` has no ``prefecture`` layer yet, a stand-in is written to the
benchmark's temporary folder (``STAND_IN``, printed as such): per prefecture seat a local
government (share 0.4); per province an SOE investor on all its seats (0.1); three
telecom operators on every seat (0.1 each); four clouds on the 40 seats with the most
existing MW (0.05 each); a GPU cloud on each of the 200 seats with the most existing MW
(0.05); investor types from ``data/investor_types.csv`` if present, else stand-in figures.
The market needs an owner type per seat: a seat with a cloud is ``cloud``, the others
``local_gov`` (stand-in, as the shipped ``site_owners.csv`` covers the default sites only).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"

SCENARIO = """extends = "{base}"
name = "prefecture-simulate"
[horizon]
years = [2023, 2024, 2025, 2026, 2027, 2028, 2029, 2030]
foresight = "perfect"
lead_time_years = 1
standby_cny_per_mw_year = 1.5e6
existing = "flat"
new_classes = ["export_compliant", "domestic"]
[simulate]
investors = "prefecture"
seed = {seed}
foresight = "myopic"
compare = false
"""

#: Stand-in investor types (used only if data/investor_types.csv is missing): not data.
TYPES = (
    ("cloud", "own_demand", 0.08, 0, 0, 0.0, "use"),
    ("telecom", "margin", 0.07, 0, 0, 0.0, "use"),
    ("gpu_cloud", "margin", 0.12, 0, 0, 0.0, "use"),
    ("local_gov", "jobs_and_margin", 0.05, 1.0, 200_000, 0.3, "published"),
)

CASE = """
import json, os, resource, sys, time
from pathlib import Path
import pandas as pd
start = time.perf_counter()
from siting.market import MarketData, load_market_data
from siting.simulate.run import run_simulation
folder = Path(sys.argv[2])
market = load_market_data()
owners = pd.read_csv(folder / "owners.csv")
rest = market.owners[market.owners["site_id"] == "rest_of_china"]
market = MarketData(pd.concat([owners, rest[owners.columns]], ignore_index=True),
                    market.segments, market.frictions)
run = run_simulation(sys.argv[1], data_dir=folder, market=market, write=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
s = run.summary
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
    "peak_mb": usage.ru_maxrss / 1024, "load": os.getloadavg(),
    "investors": len(run.simulation.turns[str(s["years"][0])]),
    "ordering": s["investors_ordering"], "solves": s["solves"], "skips": s["skips"],
    "years": s["years"], "sites": run.horizon.base.n_sites,
    "ordered_mw": float(run.simulation.orders.sum())}))
"""


def stand_in(folder: Path) -> str:
    """Write the investors of the prefecture layer (shipped, or a stand-in); say which."""
    sites = pd.read_csv(DATA / "prefecture" / "sites.csv")
    shipped = DATA / "investors.csv"
    types = DATA / "investor_types.csv"
    if (
        shipped.is_file()
        and (pd.read_csv(shipped)["layer"] == "prefecture").any()
        and types.is_file()
    ):
        rows = pd.read_csv(shipped)
        (folder / "investors.csv").write_text(shipped.read_text())
        (folder / "investor_types.csv").write_text(types.read_text())
        note = "shipped data/investors.csv (prefecture layer)"
    else:
        big = sites.sort_values("existing_mw", ascending=False)["site_id"]
        rows = [("lg_" + s, "local_gov", s, 0.4) for s in sites["site_id"]]
        for province, part in sites.groupby("province"):
            rows += [(f"soe_{province}", "local_gov", s, 0.1) for s in part["site_id"]]
        for op in ("china_mobile", "china_telecom", "china_unicom"):
            rows += [(op, "telecom", s, 0.1) for s in sites["site_id"]]
        for cloud in ("alibaba", "tencent", "huawei", "baidu"):
            rows += [(cloud, "cloud", s, 0.05) for s in big[:40]]
        rows += [("gpu_" + s, "gpu_cloud", s, 0.05) for s in big[:200]]
        rows = pd.DataFrame(rows, columns=["investor_id", "owner_type", "site_id", "share"])
        rows = rows.assign(layer="prefecture", source="stand-in", confidence="estimate",
                           method="bench_simulate.py stand-in")  # fmt: skip
        rows.to_csv(folder / "investors.csv", index=False)
        if types.is_file():
            (folder / "investor_types.csv").write_text(types.read_text())
        else:
            with (folder / "investor_types.csv").open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["owner_type", "objective", "hurdle_rate", "jobs_per_mw",
                                 "value_per_job_cny_year", "subsidy_share_capex", "forecast",
                                 "source", "confidence", "method"])  # fmt: skip
                writer.writerows([*t, "stand-in", "estimate", "stand-in"] for t in TYPES)
        note = "STAND_IN investors (bench_simulate.py), data/investors.csv has no prefecture layer"
    rows = rows[rows["layer"] == "prefecture"]
    clouds = set(rows.loc[rows["owner_type"] == "cloud", "site_id"])
    owners = pd.DataFrame({"site_id": sites["site_id"]})
    owners["owner_type"] = ["cloud" if s in clouds else "local_gov" for s in owners["site_id"]]
    owners = owners.assign(anchor="", source="stand-in", confidence="estimate", method="stand-in")
    owners.to_csv(folder / "owners.csv", index=False)
    return note


def main() -> None:
    """Run the case in a fresh process and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        note = stand_in(folder)
        scenario = folder / "prefecture-simulate.toml"
        base = REPO / "siting" / "scenarios" / "prefecture.toml"
        scenario.write_text(SCENARIO.format(base=base, seed=args.seed))
        print(f"investors: {note}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        out = subprocess.run(
            [sys.executable, "-c", CASE, str(scenario), str(folder)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if out.returncode:
            print(out.stdout, out.stderr, sep="\n")
            sys.exit(out.returncode)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"prefecture {r['years'][0]}-{r['years'][-1]}, {r['sites']} sites, myopic: "
            f"{r['investors']} investors ({r['ordering']} ordered, {r['ordered_mw']:,.0f} MW); "
            f"{r['solves']} forecast-market solves, {r['skips']} turns skipped by reduced cost"
        )
        print(
            f"wall {r['seconds']:.1f} s, CPU {r['cpu']:.1f} s, peak memory {r['peak_mb']:,.0f} MB, "
            f"load average after {' '.join(f'{x:.2f}' for x in r['load'])}"
        )


if __name__ == "__main__":
    main()
