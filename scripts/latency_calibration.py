"""Print the calibration tables of docs/latency.md: modelled RTTs against published figures.

The model runs on the shipped backbone (data/backbone_*.csv) with the parameters below, none
of which was set from the figures compared here. Reference keys ([L1], [C1], ...) are those of
data/_sources_backbone.md. Run::

    .venv/bin/python scripts/latency_calibration.py
"""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pandas as pd

from siting.backbone import read_backbone
from siting.geo import haversine_km
from siting.network import build_graph, shortest_route, snap

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

#: One-way speed of light in silica fibre (c / 1.47 ≈ 204 km/ms, rounded down), km/ms.
FIBRE_KM_PER_MS = 200.0
#: Round-trip delay per backbone edge traversed (OTN/ROADM pass-through and amplifiers), ms.
#: An assumption, not a measurement.
HOP_DELAY_MS = 0.1
#: Access leg length / great-circle distance to the nearest node (= the backbone's estimate
#: factor for legs with no published length).
ACCESS_FACTOR = 1.25
#: The great-circle alternative, as in the default scenario: route factor and equipment delay.
GC_ROUTE_FACTOR = 1.5
GC_EQUIPMENT_MS = 1.0

#: Extra points (lon, lat): approximate locations, +-5 km.
EXTRA_POINTS = {
    "tianjin_beichen": (117.13, 39.22),  # Chayora TJ1 campus, Beichen district (approx.)
    "beijing_jiuxianqiao": (116.49, 39.97),  # Jiuxianqiao, Chaoyang district (approx.)
    "taiyuan": (112.55, 37.87),  # Taiyuan city centre
}

# (pair, from point, to point, published ms, as the source states it, compared as, reference)
# Figures are compared as round trips unless the source's wording or physics says otherwise:
# Shaoguan's figures lie below the light-in-fibre round-trip floor of their great-circle
# distance, so they can only be one-way.
FIGURES = [
    ("Gui'an–Zunyi (within Guizhou)", "guian", "zunyi_node", 3.0, "within province", "RTT", "L3"),
    ("Gui'an–Chongqing (Chengdu–Chongqing)", "guian", "chongqing", 6.0, "region", "RTT", "L3"),
    ("Gui'an–Chengdu (Chengdu–Chongqing)", "guian", "chengdu", 6.0, "region", "RTT", "L3"),
    ("Gui'an–Guangzhou (Greater Bay Area)", "guian", "guangzhou", 10.0, "region", "RTT", "L3"),
    ("Gui'an–Shenzhen (Greater Bay Area)", "guian", "shenzhen", 10.0, "region", "RTT", "L3"),
    ("Gui'an–Wuhu (Yangtze Delta)", "guian", "wuhu", 15.0, "region", "RTT", "L3"),
    ("Gui'an–Hangzhou (Yangtze Delta)", "guian", "hangzhou", 15.0, "region", "RTT", "L3"),
    ("Gui'an–Shanghai (Yangtze Delta)", "guian", "shanghai", 15.0, "region", "RTT", "L3"),
    ("Gui'an–Beijing (Beijing–Tianjin–Hebei)", "guian", "beijing", 20.0, "region", "RTT", "L3"),
    ("Shaoguan–Guangzhou", "shaoguan", "guangzhou", 1.3, "city pair", "one-way", "L4"),
    ("Shaoguan–Shenzhen", "shaoguan", "shenzhen", 1.66, "city pair", "one-way", "L4"),
    (
        "Tianjin Beichen–Beijing Jiuxianqiao",
        "tianjin_beichen",
        "beijing_jiuxianqiao",
        2.0,
        "< (link offer)",
        "RTT",
        "L5",
    ),
    ("Taiyuan–Beijing (Shanxi–BTH)", "taiyuan", "beijing", 10.0, "average", "RTT", "L6"),
]

#: East and west hub points for the "< 20 ms between eastern and western hubs" check [L1, L2].
EAST = {
    "Beijing": "beijing",
    "Shanghai": "shanghai",
    "Guangzhou": "guangzhou",
    "Chengdu": "chengdu",
}
WEST = {"Horinger": "horinger", "Gui'an": "guian", "Qingyang": "qingyang", "Zhongwei": "zhongwei"}

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


def rtt_ms(km: float, hops: int) -> float:
    """Round trip over the backbone: propagation both ways plus per-hop delay."""
    return 2.0 * km / FIBRE_KM_PER_MS + hops * HOP_DELAY_MS


def gc_rtt_ms(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Round trip of the great-circle model (default scenario parameters)."""
    return 2.0 * gc_km(a, b) * GC_ROUTE_FACTOR / FIBRE_KM_PER_MS + GC_EQUIPMENT_MS


def gc_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_km(a[0], a[1], b[0], b[1]))


def load_points(nodes: pd.DataFrame) -> dict[str, tuple[float, float]]:
    points = dict(EXTRA_POINTS)
    for name in ("sites", "hubs"):  # a hub's point wins over a site of the same id
        table = pd.read_csv(DATA / f"{name}.csv")
        key = "hub_id" if name == "hubs" else "site_id"
        points.update({r[key]: (r["lon"], r["lat"]) for _, r in table.iterrows()})
    points.update({f"{r.node_id}_node": (r.lon, r.lat) for r in nodes.itertuples(index=False)})
    return points


def figures_table(graph: nx.MultiDiGraph, points: dict) -> pd.DataFrame:
    rows = []
    for pair, a, b, ms, stated, compared, ref in FIGURES:
        route = shortest_route(graph, points[a], points[b], access_factor=ACCESS_FACTOR)
        halve = 2.0 if compared == "one-way" else 1.0
        floor = 2.0 * gc_km(points[a], points[b]) / FIBRE_KM_PER_MS / halve
        modelled = rtt_ms(route.km, route.hops) / halve
        gc_model = gc_rtt_ms(points[a], points[b]) / halve
        rows.append(
            {
                "pair": pair,
                "published ms": ms,
                "stated as": stated,
                "compared as": compared,
                "floor ms": round(floor, 2),
                "route km": round(route.km),
                "hops": route.hops,
                "model ms": round(modelled, 2),
                "error ms": round(modelled - ms, 2),
                "error %": round(100 * (modelled - ms) / ms),
                "great-circle model ms": round(gc_model, 2),
                "great-circle error %": round(100 * (gc_model - ms) / ms),
                "ref": ref,
            }
        )
    return pd.DataFrame(rows)


def east_west_table(graph: nx.MultiDiGraph, points: dict) -> pd.DataFrame:
    rows = {}
    for (east, a), (west, b) in itertools.product(EAST.items(), WEST.items()):
        route = shortest_route(graph, points[a], points[b], access_factor=ACCESS_FACTOR)
        rows.setdefault(east, {})[west] = round(rtt_ms(route.km, route.hops), 1)
    return pd.DataFrame(rows).T


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


def main() -> None:
    nodes, edges = read_backbone(DATA / "backbone_nodes.csv", DATA / "backbone_edges.csv")
    graph = build_graph(nodes, edges)
    points = load_points(pd.DataFrame(nodes.drop(columns="geometry")))
    _, access = snap(graph, *zip(*points.values(), strict=True))
    print(
        f"fibre {FIBRE_KM_PER_MS:g} km/ms one way, hop delay {HOP_DELAY_MS:g} ms per edge "
        f"(round trip), access factor {ACCESS_FACTOR:g}; great-circle model x{GC_ROUTE_FACTOR:g}"
        f" + {GC_EQUIPMENT_MS:g} ms. Largest access leg: {access.max():.0f} km.\n"
    )
    print("Published latency figures\n")
    figures = figures_table(graph, points)
    print(markdown(figures))
    print(
        f"\nMedian absolute error: backbone model {figures['error %'].abs().median():g} %, "
        f"great-circle model {figures['great-circle error %'].abs().median():g} %"
    )
    print("\nModelled RTT (ms) between eastern and western hubs; requirement < 20 ms [L1, L2]\n")
    print(markdown(east_west_table(graph, points), index=True))
    print("\nRoute lengths: published trunk-cable lengths against the model's path\n")
    print(markdown(cables_table(graph)))


if __name__ == "__main__":
    main()
