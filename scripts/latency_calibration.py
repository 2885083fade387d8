"""Print the calibration tables of docs/latency.md: the latency layers against published figures.

With ``--plans`` it also solves the default with one inference class (``classes = {}``: the
10 ms round trip for all inference) and the 2025 scenario before calibration and at every
layer, and reports how much of the uncalibrated plan's inference falls outside its SLA at each
layer (docs/latency.md, "What the layers change").

Reads data/latency_measurements.csv (one published figure per row, with its direction, layer,
statistic and role), fits each ``role = fit`` figure's parameter from scratch and prints the
fitted values next to the scenario's, then every figure with the model's value and error at
each layer, and the model before calibration (propagation only, ``route_stretch`` 1). The same
table is recomputed and bounded by tests/test_latency_layers.py. Reference keys ([M1], [L3],
[C1], ...) are those of data/SOURCES.md section D. Run::

    .venv/bin/python scripts/latency_calibration.py [--scenario NAME] [--plans]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from siting.calibration import FITTABLE, calibration_table, fit_parameters, read_measurements
from siting.errors import InfeasibleError
from siting.latency import LAYERS, pair_matrix
from siting.model import build_arrays
from siting.pipeline import Prepared, prepare
from siting.results import build_results, compute_kpis, hub_arrays, site_arrays
from siting.scenario import load_scenario
from siting.solve import solve

#: The plans table's scenarios by label: shipped name and overrides.
PLANS = {
    "default, one class": ("default", {"classes": {}}),
    "2025-inference-shift": ("2025-inference-shift", {}),
}

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MEASUREMENTS = DATA / "latency_measurements.csv"
#: The model before calibration: propagation over the backbone and per-hop pass-through only.
BEFORE = {"route_stretch": 1.0, "access_one_way_ms": 0.0, "inter_operator_one_way_ms": 0.0}

# (cable, waypoint node ids the cable passes, published length km, year, reference)
CABLES = [
    ("京汉广 Beijing–Wuhan–Guangzhou", ["beijing", "wuhan", "guangzhou"], 3074.0, 1993, "C1"),
    ("FITI Beijing–Wuhan–Guangzhou", ["beijing", "wuhan", "guangzhou"], 3000.0, 2023, "C7"),
    ("广邕 Guangzhou–Nanning", ["guangzhou", "nanning"], 804.0, 1993, "C1"),
    ("广琼 Guangzhou–Haikou", ["guangzhou", "haikou"], 858.0, 1993, "C1"),
    ("兰西拉 Lanzhou–Xining–Lhasa", ["lanzhou", "xining", "lhasa"], 2739.0, 1997, "C2"),
    ("郑西成 Zhengzhou–Xi'an–Chengdu", ["zhengzhou", "xian", "chengdu"], 1600.0, 1993, "C3"),
    (
        "京津济宁 Beijing–Jinan–Hefei–Nanjing",
        ["beijing", "jinan", "hefei", "nanjing"],
        1720.0,
        2000,
        "C4",
    ),
    ("西成渝 Xi'an–Chengdu–Chongqing", ["xian", "chengdu", "chongqing"], 1400.0, 2000, "C5"),
    ("滇藏 Kunming–Lhasa", ["kunming", "lhasa"], 2635.4, 2003, "C6"),
]


def load_points(graph: nx.MultiDiGraph, layers: object) -> dict[str, tuple[float, float]]:
    """Place id -> (lon, lat): backbone nodes, then sites, then hubs (a hub wins on a tie)."""
    points = {d["node_id"]: (d["x"], d["y"]) for _, d in graph.nodes(data=True)}
    for frame, key in ((layers.sites, "site_id"), (layers.hubs, "hub_id")):
        points.update({r[key]: (r["lon"], r["lat"]) for _, r in frame.iterrows()})
    return points


def figures_markdown(table: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The docs' table: each figure, the model at every layer and the error."""
    out = pd.DataFrame(
        {
            "figure": table["figure_id"],
            "published ms": table["value_ms"].map(lambda v: f"{v:g}")
            + table["bound"].map({"equal": "", "upper_bound": " (bound)"}),
            "direction": table["direction"].str.replace("_", " "),
            "layer": table["layer"],
            "statistic": table["statistic"],
            "role": table["role"] + table["fits"].map(lambda f: f" ({f})" if f else ""),
            "floor ms": table["floor_ms"].round(2),
            "before ms": before["optical_ms"].round(2),
        }
    )
    for layer in LAYERS:
        ms, err = table[f"{layer}_ms"], table[f"{layer}_error_pct"]
        out[layer] = [f"{m:.2f} ({e:+.0f} %)" for m, e in zip(ms, err, strict=True)]
    out["compared"] = table["compared_layer"]
    out["error"] = table["error_pct"].map(lambda e: f"{e:+.0f} %")
    return out


def east_west_table(prepared: object, points: dict) -> pd.DataFrame:
    """One-way ms at the scenario's layer between the east and west cluster sites."""
    from siting.latency import one_way_matrix

    east = ["zhangjiakou", "yrd_eco_green", "shaoguan", "tianfu"]
    west = ["horinger", "guian", "qingyang", "zhongwei"]
    lat = prepared.scenario.latency
    a = [points[e] for e in east]
    b = [points[w] for w in west]
    _, _, delays = one_way_matrix(
        lat, *zip(*a, strict=True), *zip(*b, strict=True), prepared.inputs.graph
    )
    frame = pd.DataFrame(delays[lat.layer], index=east, columns=west)
    return frame.round(1)


def cables_table(graph: nx.MultiDiGraph) -> pd.DataFrame:
    index = {graph.nodes[n]["node_id"]: n for n in graph.nodes}
    rows = []
    for cable, stops, km, year, ref in CABLES:
        model = sum(
            nx.shortest_path_length(graph, index[a], index[b], weight="length") / 1000
            for a, b in itertools.pairwise(stops)
        )
        rows.append(
            {
                "cable": cable,
                "year": year,
                "published km": km,
                "model path km": round(model),
                "published / model": round(km / model, 2),
                "ref": ref,
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, *, index: bool = False) -> str:
    """Format a table as GitHub markdown (no tabulate dependency)."""
    if index:
        table = table.reset_index(names="")
    cells = [[str(c) for c in table.columns]] + [[f"{v:g}" if isinstance(v, float) else str(v)
             for v in row] for row in table.itertuples(index=False)]  # fmt: skip
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("---" for _ in table.columns) + "|")
    return "\n".join(lines)


def with_layer(prepared: Prepared, **update: object) -> Prepared:
    """The same scenario with ``[latency]`` keys replaced."""
    latency = prepared.scenario.latency.model_copy(update=update)
    return prepared.variant(prepared.scenario.model_copy(update={"latency": latency}))


def plans_table(plans: dict[str, tuple[str, dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Solve each scenario before calibration and at every layer; check the first plan."""
    rows, breaks = [], []
    for name, (shipped, overrides) in plans.items():
        base = prepare(load_scenario(shipped)[0].with_overrides(overrides))
        variants = {"before": {**BEFORE, "layer": "optical"}}
        variants |= {layer: {"layer": layer} for layer in LAYERS}
        for label, update in variants.items():
            run = with_layer(base, **update)
            row = {"scenario": name, "latency": label, "pairs": run.instance.n_pairs}
            try:
                solution = solve(build_arrays(run.instance))
            except InfeasibleError as exc:
                rows.append({**row, "status": "infeasible: " + "; ".join(exc.reasons)})
                continue
            inst = run.instance
            kpis = compute_kpis(
                solution, inst, site_arrays(solution, inst), hub_arrays(solution, inst)
            )
            rows.append(
                {
                    **row,
                    "cost bn CNY/yr": round(kpis["total_cost_cny"] / 1e9, 2),
                    "new MW": round(kpis["new_mw"]),
                    "stranded MW": round(kpis["stranded_mw"]),
                    "mean RTT ms": round(kpis["mean_rtt_ms"], 1),
                }
            )
            if label == "before":
                breaks.append(outside_sla(run, solution, name, base.scenario.latency))
    return pd.DataFrame(rows), pd.DataFrame(breaks)


def outside_sla(
    run: Prepared, solution: object, name: str, calibrated: object
) -> dict[str, object]:
    """Share of a plan's inference MW whose round trip exceeds its SLA at each layer."""
    flows = build_results(solution, run.instance, run.layers).flows
    hubs = run.layers.hubs.set_index("hub_id").loc[flows["hub_id"]]
    sites = run.layers.sites.set_index("site_id").loc[flows["site_id"]]
    inst = run.instance
    hub = pd.Index(inst.hubs.ids).get_indexer(flows["hub_id"])
    by_class = "class" in flows  # each flow against its own class's SLA
    cls = pd.Index(inst.classes.names).get_indexer(flows["class"]) if by_class else 0 * hub
    sla = inst.classes.sla_ms[cls, hub]
    mw = flows["mw"].to_numpy()
    row: dict[str, object] = {"scenario": name, "inference MW": round(mw.sum())}
    for layer in LAYERS:
        latency = calibrated.model_copy(update={"layer": layer})
        _, rtt = pair_matrix(
            latency, hubs["lon"], hubs["lat"], sites["lon"], sites["lat"], run.inputs.graph
        )
        out = np.diagonal(rtt) > sla + 1e-9
        row[f"{layer}: MW outside"] = (
            f"{mw[out].sum():.0f} ({100 * mw[out].sum() / mw.sum():.0f} %)"
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=None, help="scenario (default: 'default')")
    parser.add_argument("--plans", action="store_true", help="also solve the plans table")
    args = parser.parse_args()
    prepared = prepare(args.scenario)
    graph, latency = prepared.inputs.graph, prepared.scenario.latency
    points = load_points(graph, prepared.layers)
    measurements = read_measurements(MEASUREMENTS, points)
    fitted = fit_parameters(measurements, latency, graph, points)
    print(f"Scenario {prepared.scenario.name!r}, {latency.model} model. Fitted parameters:\n")
    rows = [(p, getattr(fitted, p), getattr(latency, p)) for p in FITTABLE]
    print(markdown(pd.DataFrame(rows, columns=["parameter", "fitted", "scenario"]).round(4)))
    table = calibration_table(measurements, latency, graph, points)
    before = calibration_table(measurements, latency.model_copy(update=BEFORE), graph, points)
    print("\nPublished latency figures against the model (scenario parameters)\n")
    print(markdown(figures_markdown(table, before)))
    held = table[table["role"] == "held_out"]
    stated = held[held["layer"] != "unstated"]
    print(
        f"\nHeld-out figures: {len(held)}; median |error| {held['error_pct'].abs().median():.0f} %"
        f" (stated layer: {len(stated)} figures, largest |error| "
        f"{stated['error_pct'].abs().max():.0f} %; unstated, nearest layer: largest |error| "
        f"{held.loc[held['layer'] == 'unstated', 'error_pct'].abs().max():.0f} %). Before "
        f"calibration, read at the stated layer or optical: median |error| "
        f"{before.loc[held.index, 'optical_error_pct'].abs().median():.0f} %."
    )
    print(f"\nOne-way ms at the {latency.layer} layer between eastern and western clusters\n")
    print(markdown(east_west_table(prepared, points), index=True))
    print("\nRoute lengths: published trunk-cable lengths against the model's path\n")
    print(markdown(cables_table(graph)))
    if args.plans:
        plans, breaks = plans_table(PLANS)
        print("\nPlans before calibration and at every layer\n")
        print(markdown(plans.astype(object).where(plans.notna(), "")))
        print("\nThe plan made before calibration, its inference checked at each layer\n")
        print(markdown(breaks))


if __name__ == "__main__":
    main()
