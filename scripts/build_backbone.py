"""Build data/backbone_nodes.csv and data/backbone_edges.csv: a national fibre backbone graph.

Nodes are prefecture-level seats (and the four municipalities) on the trunk network, located
from PyPI ``cpca`` 0.5.5 ``resources/adcodes.csv`` (GCJ-02, converted here to WGS84). Edges join
consecutive nodes along the trunk corridors listed in :data:`CORRIDORS`; each corridor leg takes
its length from one of three bases:

- ``rail [Rn]``: the published length of the railway line between exactly these two cities
  (``secondary``);
- ``rail apportioned [Rn]``: a published railway line length split over the consecutive nodes
  it passes in proportion to their great-circle distances (``estimate``: the total is published,
  the split is not);
- ``great-circle x 1.25``: :data:`ESTIMATE_FACTOR` times the great-circle distance
  (``estimate``).

An edge shared by several corridors is written once; its ``route`` names them all and its
length comes from the first corridor that lists it. Every figure is documented in
``data/_sources_backbone.md``. Deterministic; rerun gives identical bytes::

    .venv/bin/python scripts/build_backbone.py [OUTDIR]
"""

from __future__ import annotations

import csv
import itertools
import math
import statistics
import sys
from pathlib import Path

import cpca

from siting.geo import haversine_km

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data"
ADCODES = Path(cpca.__file__).parent / "resources" / "adcodes.csv"
PROVINCES = ROOT / "data" / "provinces.csv"

#: Fibre route length / great-circle distance for legs with no published length. Chosen before
#: any latency figure was compared: the published railway lengths below are 1.03-1.38 x the
#: great-circle length of their node chains (median 1.08, printed by this script), mostly new
#: high-speed lines; the 1990s trunk cables ran 1.5-1.9 x. The legs estimated here are mostly
#: conventional lines and expressways, so 1.25 sits between the two. Not fitted to latency.
ESTIMATE_FACTOR = 1.25

# ------------------------------------------------------------------------------------ nodes
# node_id, 6-digit adcode prefix in cpca adcodes.csv, English name, Chinese name (None: cpca's)
NODES = [
    ("beijing", "110100", "Beijing", "北京市"),
    ("tianjin", "120100", "Tianjin", "天津市"),
    ("shanghai", "310100", "Shanghai", "上海市"),
    ("chongqing", "500100", "Chongqing", "重庆市"),
    ("shijiazhuang", "130100", "Shijiazhuang", None),
    ("tangshan", "130200", "Tangshan", None),
    ("qinhuangdao", "130300", "Qinhuangdao", None),
    ("handan", "130400", "Handan", None),
    ("baoding", "130600", "Baoding", None),
    ("zhangjiakou", "130700", "Zhangjiakou", None),
    ("chengde", "130800", "Chengde", None),
    ("hengshui", "131100", "Hengshui", None),
    ("taiyuan", "140100", "Taiyuan", None),
    ("datong", "140200", "Datong", None),
    ("changzhi", "140400", "Changzhi", None),
    ("lvliang", "141100", "Lüliang", None),
    ("hohhot", "150100", "Hohhot", None),
    ("baotou", "150200", "Baotou", None),
    ("wuhai", "150300", "Wuhai", None),
    ("chifeng", "150400", "Chifeng", None),
    ("tongliao", "150500", "Tongliao", None),
    ("ordos", "150600", "Ordos", None),
    ("bayannur", "150800", "Bayannur", None),
    ("ulanqab", "150900", "Ulanqab", None),
    ("shenyang", "210100", "Shenyang", None),
    ("dalian", "210200", "Dalian", None),
    ("jinzhou", "210700", "Jinzhou", None),
    ("chaoyang", "211300", "Chaoyang", None),
    ("changchun", "220100", "Changchun", None),
    ("jilin", "220200", "Jilin", None),
    ("baicheng", "220800", "Baicheng", None),
    ("yanji", "222400", "Yanji (Yanbian)", None),
    ("harbin", "230100", "Harbin", None),
    ("qiqihar", "230200", "Qiqihar", None),
    ("mudanjiang", "231000", "Mudanjiang", None),
    ("nanjing", "320100", "Nanjing", None),
    ("xuzhou", "320300", "Xuzhou", None),
    ("changzhou", "320400", "Changzhou", None),
    ("suzhou", "320500", "Suzhou", None),
    ("nantong", "320600", "Nantong", None),
    ("lianyungang", "320700", "Lianyungang", None),
    ("yancheng", "320900", "Yancheng", None),
    ("hangzhou", "330100", "Hangzhou", None),
    ("ningbo", "330200", "Ningbo", None),
    ("wenzhou", "330300", "Wenzhou", None),
    ("jiaxing", "330400", "Jiaxing", None),
    ("jinhua", "330700", "Jinhua", None),
    ("hefei", "340100", "Hefei", None),
    ("wuhu", "340200", "Wuhu", None),
    ("bengbu", "340300", "Bengbu", None),
    ("anqing", "340800", "Anqing", None),
    ("fuyang", "341200", "Fuyang", None),
    ("fuzhou", "350100", "Fuzhou", None),
    ("xiamen", "350200", "Xiamen", None),
    ("nanping", "350700", "Nanping", None),
    ("longyan", "350800", "Longyan", None),
    ("nanchang", "360100", "Nanchang", None),
    ("jiujiang", "360400", "Jiujiang", None),
    ("ganzhou", "360700", "Ganzhou", None),
    ("shangrao", "361100", "Shangrao", None),
    ("jinan", "370100", "Jinan", None),
    ("qingdao", "370200", "Qingdao", None),
    ("weifang", "370700", "Weifang", None),
    ("heze", "371700", "Heze", None),
    ("zhengzhou", "410100", "Zhengzhou", None),
    ("luoyang", "410300", "Luoyang", None),
    ("nanyang", "411300", "Nanyang", None),
    ("shangqiu", "411400", "Shangqiu", None),
    ("xinyang", "411500", "Xinyang", None),
    ("wuhan", "420100", "Wuhan", None),
    ("shiyan", "420300", "Shiyan", None),
    ("yichang", "420500", "Yichang", None),
    ("xiangyang", "420600", "Xiangyang", None),
    ("jingzhou", "421000", "Jingzhou", None),
    ("enshi", "422800", "Enshi", None),
    ("changsha", "430100", "Changsha", None),
    ("hengyang", "430400", "Hengyang", None),
    ("yueyang", "430600", "Yueyang", None),
    ("huaihua", "431200", "Huaihua", None),
    ("guangzhou", "440100", "Guangzhou", None),
    ("shaoguan", "440200", "Shaoguan", None),
    ("shenzhen", "440300", "Shenzhen", None),
    ("shantou", "440500", "Shantou", None),
    ("zhanjiang", "440800", "Zhanjiang", None),
    ("nanning", "450100", "Nanning", None),
    ("liuzhou", "450200", "Liuzhou", None),
    ("guilin", "450300", "Guilin", None),
    ("wuzhou", "450400", "Wuzhou", None),
    ("beihai", "450500", "Beihai", None),
    ("baise", "451000", "Baise", None),
    ("haikou", "460100", "Haikou", None),
    ("sanya", "460200", "Sanya", None),
    ("chengdu", "510100", "Chengdu", None),
    ("panzhihua", "510400", "Panzhihua", None),
    ("mianyang", "510700", "Mianyang", None),
    ("guangyuan", "510800", "Guangyuan", None),
    ("nanchong", "511300", "Nanchong", None),
    ("yibin", "511500", "Yibin", None),
    ("yaan", "511800", "Ya'an", None),
    ("xichang", "513400", "Xichang (Liangshan)", None),
    ("guiyang", "520100", "Guiyang", None),
    ("zunyi", "520300", "Zunyi", None),
    ("kunming", "530100", "Kunming", None),
    ("qujing", "530300", "Qujing", None),
    ("dali", "532900", "Dali", None),
    ("diqing", "533400", "Shangri-La (Diqing)", None),
    ("lhasa", "540100", "Lhasa", None),
    ("nyingchi", "540400", "Nyingchi", None),
    ("nagqu", "542400", "Nagqu", "那曲市"),
    ("xian", "610100", "Xi'an", None),
    ("baoji", "610300", "Baoji", None),
    ("yanan", "610600", "Yan'an", None),
    ("hanzhong", "610700", "Hanzhong", None),
    ("yulin", "610800", "Yulin (Shaanxi)", None),
    ("lanzhou", "620100", "Lanzhou", None),
    ("tianshui", "620500", "Tianshui", None),
    ("zhangye", "620700", "Zhangye", None),
    ("jiuquan", "620900", "Jiuquan", None),
    ("qingyang", "621000", "Qingyang", None),
    ("longnan", "621200", "Longnan", None),
    ("xining", "630100", "Xining", None),
    ("golmud", "632801", "Golmud", None),  # county-level city: the trunk junction of Haixi
    ("yinchuan", "640100", "Yinchuan", None),
    ("zhongwei", "640500", "Zhongwei", None),
    ("urumqi", "650100", "Urumqi", None),
    ("turpan", "650400", "Turpan", None),
    ("hami", "650500", "Hami", None),
    ("korla", "652800", "Korla (Bayingolin)", None),
    ("aksu", "652900", "Aksu", None),
    ("kashgar", "653100", "Kashgar", None),
    ("yining", "654000", "Yining (Ili)", None),
]

# ------------------------------------------------------------------- published line lengths
# key: (km, what); every key is cited in data/_sources_backbone.md, section "Railway lengths".
RAIL = {
    "R1": (1318.0, "京沪高铁 Beijing South-Shanghai Hongqiao"),
    "R2a": (693.0, "京广高铁 Beijing West-Zhengzhou East"),
    "R2b": (2298.0 - 693.0, "京广高铁 Zhengzhou East-Guangzhou South (2,298 - 693)"),
    "R3": (174.0, "京张高铁 Beijing North-Zhangjiakou"),
    "R4a": (286.8 - 126.0, "张呼高铁 Zhangjiakou-Ulanqab (286.8 - 126)"),
    "R4b": (126.0, "张呼高铁 Ulanqab-Hohhot East"),
    "R5a": (169.0, "沪昆高铁 Shanghai-Hangzhou section"),
    "R5b": (883.0, "沪昆高铁 Hangzhou-Changsha section"),
    "R5c": (1138.0, "沪昆高铁 Changsha-Kunming section"),
    "R6": (658.0, "西成高铁 Xi'an North-Chengdu East"),
    "R7": (308.0, "成渝高铁 Chengdu East-Chongqing"),
    "R8": (632.6, "成贵高铁 Chengdu East-Guiyang East"),
    "R9": (347.0, "渝贵铁路 Chongqing West-Guiyang North"),
    "R10": (857.0, "贵广高铁 Guiyang East-Guangzhou South"),
    "R11": (577.1, "南广铁路 Nanning-Guangzhou"),
    "R12": (482.0, "贵南高铁 Guiyang-Nanning"),
    "R13": (1776.0, "兰新高铁 Lanzhou-Xining-Urumqi"),
    "R14a": (814.0, "青藏铁路 Xining-Golmud"),
    "R14b": (1142.0, "青藏铁路 Golmud-Lhasa"),
    "R15": (618.0, "银西高铁 Yinchuan-Xi'an North"),
    "R16": (505.0, "郑西高铁 Zhengzhou-Xi'an"),
    "R17": (921.0, "哈大高铁 Harbin-Dalian"),
    "R18": (709.0, "京沈高铁 Beijing-Shenyang"),
}

# --------------------------------------------------------------------------------- corridors
# (route name, [(node ids along one leg, space-separated; RAIL key, or None: great-circle)])
CORRIDORS: list[tuple[str, list[tuple[str, str | None]]]] = [
    (
        "Beijing–Guangzhou (京广)",
        [
            ("beijing baoding shijiazhuang handan zhengzhou", "R2a"),
            ("zhengzhou xinyang wuhan yueyang changsha hengyang shaoguan guangzhou", "R2b"),
        ],
    ),
    (
        "Beijing–Shanghai (京沪)",
        [("beijing tianjin jinan xuzhou bengbu nanjing changzhou suzhou shanghai", "R1")],
    ),
    (
        "Shanghai–Kunming (沪昆)",
        [
            ("shanghai jiaxing hangzhou", "R5a"),
            ("hangzhou jinhua shangrao nanchang changsha", "R5b"),
            ("changsha huaihua guiyang qujing kunming", "R5c"),
        ],
    ),
    (
        "Beijing–Lanzhou (京张—张呼—包兰)",
        [
            ("beijing zhangjiakou", "R3"),
            ("zhangjiakou ulanqab", "R4a"),
            ("ulanqab hohhot", "R4b"),
            ("hohhot baotou bayannur wuhai yinchuan zhongwei lanzhou", None),
        ],
    ),
    ("Harbin–Dalian (哈大)", [("harbin changchun shenyang dalian", "R17")]),
    ("Beijing–Shenyang (京沈)", [("beijing chengde chaoyang shenyang", "R18")]),
    (
        "Tianjin–Shenyang coastal (津秦—秦沈)",
        [("tianjin tangshan qinhuangdao jinzhou shenyang", None)],
    ),
    (
        "Beijing–Shenzhen (京九)",
        [("beijing hengshui heze shangqiu fuyang jiujiang nanchang ganzhou shenzhen", None)],
    ),
    (
        "Lianyungang–Urumqi–Yining (陇海—兰新)",
        [
            ("lianyungang xuzhou shangqiu zhengzhou", None),
            ("zhengzhou luoyang xian", "R16"),
            ("xian baoji tianshui lanzhou", None),
            ("lanzhou xining zhangye jiuquan hami turpan urumqi", "R13"),
            ("urumqi yining", None),
        ],
    ),
    (
        "Lanzhou–Xining–Lhasa (兰西拉)",
        [("lanzhou xining", None), ("xining golmud", "R14a"), ("golmud nagqu lhasa", "R14b")],
    ),
    ("Xi'an–Chengdu (西成)", [("xian hanzhong guangyuan mianyang chengdu", "R6")]),
    ("Chengdu–Chongqing (成渝)", [("chengdu chongqing", "R7")]),
    ("Chengdu–Guiyang (成贵)", [("chengdu yibin guiyang", "R8")]),
    ("Chongqing–Guiyang (渝贵)", [("chongqing zunyi guiyang", "R9")]),
    ("Guiyang–Guangzhou (贵广)", [("guiyang guilin guangzhou", "R10")]),
    ("Nanning–Guangzhou (南广)", [("nanning wuzhou guangzhou", "R11")]),
    ("Guiyang–Nanning (贵南)", [("guiyang nanning", "R12")]),
    ("Yinchuan–Xi'an (银西)", [("yinchuan qingyang xian", "R15")]),
    ("Baotou–Xi'an (包西)", [("baotou ordos yulin yanan xian", None)]),
    ("Chengdu–Kunming (成昆 / G5)", [("chengdu yaan xichang panzhihua kunming", None)]),
    (
        "Hohhot–Taiyuan–Beihai (呼太北)",
        [
            (
                "ulanqab datong taiyuan changzhi luoyang nanyang xiangyang yichang huaihua "
                "liuzhou nanning beihai",
                None,
            )
        ],
    ),
    (
        "Qingdao–Shijiazhuang–Yinchuan (青石银)",
        [("qingdao weifang jinan shijiazhuang taiyuan lvliang yinchuan", None)],
    ),
    ("Nanjing–Xi'an (宁西)", [("nanjing hefei xinyang nanyang xian", None)]),
    (
        "Nanjing–Wuhan–Chongqing (宁汉—沿江)",
        [("nanjing wuhu anqing jiujiang wuhan jingzhou yichang enshi chongqing", None)],
    ),
    ("Hefei–Wuhan (合武)", [("hefei wuhan", None)]),
    ("Huaihua–Chongqing (渝怀)", [("huaihua chongqing", None)]),
    ("Nanning–Kunming (南昆)", [("nanning baise kunming", None)]),
    ("Guangzhou–Haikou–Sanya (广琼)", [("guangzhou zhanjiang haikou sanya", None)]),
    ("Beihai–Haikou (北海—海口)", [("beihai haikou", None)]),
    (
        "Hangzhou–Shenzhen coastal (杭甬—甬台温—温福—福厦—厦深)",
        [("hangzhou ningbo wenzhou fuzhou xiamen shantou shenzhen guangzhou", None)],
    ),
    ("Qingdao–Shanghai coastal (沿海)", [("qingdao lianyungang yancheng nantong shanghai", None)]),
    ("Qiqihar–Harbin–Mudanjiang (滨洲—滨绥)", [("qiqihar harbin mudanjiang", None)]),
    ("Changchun–Yanji–Mudanjiang (长珲—图佳)", [("changchun jilin yanji mudanjiang", None)]),
    ("Qiqihar–Beijing (平齐—通霍—京通)", [("qiqihar baicheng tongliao chifeng chengde", None)]),
    ("Changchun–Baicheng (长白)", [("changchun baicheng", None)]),
    ("Beijing–Taiyuan–Xi'an (京太西)", [("shijiazhuang taiyuan xian", None)]),
    ("Xi'an–Wuhan (西武)", [("xian shiyan xiangyang wuhan", None)]),
    ("Lanzhou–Chongqing (兰渝)", [("lanzhou longnan guangyuan nanchong chongqing", None)]),
    ("Golmud–Korla (格尔木—库尔勒)", [("golmud korla", None)]),
    ("Southern Xinjiang (南疆)", [("turpan korla aksu kashgar", None)]),
    ("Kunming–Lhasa (滇藏)", [("kunming dali diqing nyingchi lhasa", None)]),
    ("Hefei–Fuzhou (合福)", [("hefei shangrao nanping fuzhou", None)]),
    ("Xiamen–Ganzhou (赣龙厦)", [("xiamen longyan ganzhou", None)]),
    ("Hengyang–Liuzhou (湘桂)", [("hengyang guilin liuzhou", None)]),
    ("Datong–Zhangjiakou (大张)", [("datong zhangjiakou", None)]),
]

# -------------------------------------------------------------------------- GCJ-02 -> WGS84
_A, _EE = 6378245.0, 0.00669342162296594323


def _tlat(x: float, y: float) -> float:
    r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    r += (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
    r += (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3
    return r


def _tlon(x: float, y: float) -> float:
    r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    r += (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
    r += (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3
    return r


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    dlat, dlon = _tlat(lon - 105, lat - 35), _tlon(lon - 105, lat - 35)
    rl = lat / 180 * math.pi
    m = 1 - _EE * math.sin(rl) ** 2
    sm = math.sqrt(m)
    dlat = dlat * 180 / ((_A * (1 - _EE)) / (m * sm) * math.pi)
    dlon = dlon * 180 / (_A / sm * math.cos(rl) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    wl, wa = lon, lat
    for _ in range(30):
        gl, ga = wgs84_to_gcj02(wl, wa)
        wl, wa = wl - (gl - lon), wa - (ga - lat)
    return wl, wa


# ------------------------------------------------------------------------------------ build
def gc_km(a: dict, b: dict) -> float:
    return float(haversine_km(a["lon"], a["lat"], b["lon"], b["lat"]))


def build_nodes() -> dict[str, dict]:
    cpca_rows = {}
    with ADCODES.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["longitude"] and r["latitude"]:
                cpca_rows[r["adcode"][:6]] = r
    with PROVINCES.open(encoding="utf-8") as f:
        province = {r["adcode"][:2]: r["name_en"] for r in csv.DictReader(f)}
    nodes = {}
    for node_id, code, name, name_zh in NODES:
        row = cpca_rows[code]
        lon, lat = gcj02_to_wgs84(float(row["longitude"]), float(row["latitude"]))
        nodes[node_id] = {
            "node_id": node_id,
            "name": name,
            "name_zh": name_zh or row["name"],
            "province": province[code[:2]],
            "lon": round(lon, 5),
            "lat": round(lat, 5),
        }
    return dict(sorted(nodes.items()))


def build_edges(nodes: dict[str, dict]) -> tuple[list[dict], list[float]]:
    edges: dict[frozenset[str], dict] = {}
    rail_ratios = []
    for route, legs in CORRIDORS:
        for leg, ref in legs:
            seq = leg.split()
            gcs = [gc_km(nodes[a], nodes[b]) for a, b in itertools.pairwise(seq)]
            if ref is None:
                factor, basis, confidence = ESTIMATE_FACTOR, "great-circle x 1.25", "estimate"
            else:
                total = RAIL[ref][0]
                factor = total / sum(gcs)
                rail_ratios.append(factor)
                if factor < 1.0:
                    raise SystemExit(f"{ref}: {total} km is shorter than the node chain {seq}")
                if len(seq) == 2:
                    basis, confidence = f"rail [{ref}]", "secondary"
                else:
                    basis, confidence = f"rail apportioned [{ref}]", "estimate"
            for (a, b), gc in zip(itertools.pairwise(seq), gcs, strict=True):
                key = frozenset((a, b))
                if key in edges:
                    if route not in edges[key]["route"].split("; "):
                        edges[key]["route"] += f"; {route}"
                    continue
                km = math.ceil(gc * factor * 10) / 10  # 0.1 km, never below great-circle
                edges[key] = {
                    "u": a,
                    "v": b,
                    "route_km": f"{km:.1f}",
                    "route": route,
                    "length_basis": basis,
                    "confidence": confidence,
                }
    return list(edges.values()), rail_ratios


def check(nodes: dict[str, dict], edges: list[dict]) -> None:
    adjacency: dict[str, set[str]] = {n: set() for n in nodes}
    for e in edges:
        adjacency[e["u"]].add(e["v"])
        adjacency[e["v"]].add(e["u"])
    seen, todo = set(), ["beijing"]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(adjacency[n] - seen)
    if seen != set(nodes):
        raise SystemExit(f"backbone disconnected: {sorted(set(nodes) - seen)}")
    for path in (ROOT / "data" / "sites.csv", ROOT / "data" / "hubs.csv"):
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                p = {"lon": float(r["lon"]), "lat": float(r["lat"])}
                d, near = min((gc_km(p, n), k) for k, n in nodes.items())
                if d > 150:
                    raise SystemExit(f"{path.name} {r['name']}: nearest node {near} is {d:.0f} km")


def write(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: (f"{r[c]:.5f}" if c in ("lon", "lat") else r[c]) for c in columns})


def main() -> None:
    nodes = build_nodes()
    edges, ratios = build_edges(nodes)
    check(nodes, edges)
    OUT.mkdir(parents=True, exist_ok=True)
    write(OUT / "backbone_nodes.csv", list(nodes.values()), list(next(iter(nodes.values()))))
    columns = ["u", "v", "route_km", "route", "length_basis", "confidence"]
    write(OUT / "backbone_edges.csv", edges, columns)
    provinces = {n["province"] for n in nodes.values()}
    print(f"{len(nodes)} nodes in {len(provinces)} provinces, {len(edges)} edges")
    print(
        f"published rail length / great-circle over node chains: median "
        f"{statistics.median(ratios):.3f}, range {min(ratios):.3f}-{max(ratios):.3f}"
    )


if __name__ == "__main__":
    main()
