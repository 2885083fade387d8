"""The backbone graph and routing over it (siting.network)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest

from siting.backbone import read_backbone
from siting.errors import InputError
from siting.geo import EARTH_RADIUS_KM, haversine_km
from siting.network import build_graph, load_graph, route_matrix, shortest_route, snap

DATA = Path(__file__).resolve().parents[1] / "data"

#: Great-circle length of 0.1 degree of latitude, km (R × 0.1 × π / 180).
TENTH_DEGREE_KM = EARTH_RADIUS_KM * math.radians(0.1)

# A square-ish net: a-b 120 km, b-c 150 km, a-c 400 km (longer than a-b-c), c-d 500 km.
NODES = """node_id,name,name_zh,province,lon,lat
a,Alpha,,Sichuan,110.0,30.0
b,Bravo,,Sichuan,111.0,30.0
c,Charlie,,Chongqing,111.0,31.0
d,Delta,,Hubei,113.0,33.0
"""
EDGES = """u,v,route_km,route,length_basis,confidence
a,b,120,Line 1,test,estimate
b,c,150,Line 1,test,estimate
a,c,400,Line 2,test,estimate
c,d,500,Line 3,test,estimate
"""


def graph_from_text(tmp_path: Path, nodes: str, edges: str) -> nx.MultiDiGraph:
    n, e = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    n.write_text(nodes, encoding="utf-8")
    e.write_text(edges, encoding="utf-8")
    return build_graph(*read_backbone(n, e))


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return build_graph(*read_backbone(DATA / "backbone_nodes.csv", DATA / "backbone_edges.csv"))


@pytest.fixture
def square(tmp_path: Path) -> nx.MultiDiGraph:
    return graph_from_text(tmp_path, NODES, EDGES)


def test_shipped_graph_is_connected_with_positive_lengths(shipped: nx.MultiDiGraph) -> None:
    assert nx.is_strongly_connected(shipped)
    assert shipped.graph["crs"] == "EPSG:4326"
    lengths = np.array([d["length"] for _, _, d in shipped.edges(data=True)])
    assert lengths.size > 0 and (lengths > 0).all()
    km = np.array([d["route_km"] for _, _, d in shipped.edges(data=True)])
    np.testing.assert_allclose(lengths, km * 1000)


@pytest.mark.parametrize("layer", ["sites", "hubs"])
def test_every_site_and_hub_is_within_150_km_of_a_node(
    shipped: nx.MultiDiGraph, layer: str
) -> None:
    points = pd.read_csv(DATA / f"{layer}.csv")
    _, access = snap(shipped, points["lon"], points["lat"])
    assert access.max() <= 150.0, points.loc[access.argmax(), "name"]


def test_both_directions_of_every_edge(square: nx.MultiDiGraph) -> None:
    assert square.number_of_edges() == 8
    for u, v, data in list(square.edges(data=True)):
        back = square.get_edge_data(v, u)[0]
        assert back["route_km"] == data["route_km"]
        assert back["geometry"].coords[:] == data["geometry"].coords[::-1]


def test_snap_finds_nearest_node_and_access_distance(square: nx.MultiDiGraph) -> None:
    ids, km = snap(square, [110.0, 111.0, 112.9], [30.0, 31.1, 33.0])
    names = [square.nodes[i]["node_id"] for i in ids]
    assert names == ["a", "c", "d"]
    assert km[0] == pytest.approx(0.0, abs=1e-9)
    assert km[1] == pytest.approx(TENTH_DEGREE_KM, rel=1e-12)
    assert km[2] == pytest.approx(float(haversine_km(112.9, 33.0, 113.0, 33.0)), rel=1e-12)


def test_route_km_and_hops_by_hand(square: nx.MultiDiGraph) -> None:
    # origins: on a; 0.1 degree north of c. destinations: on a, 0.1 degree north of c, on d
    km, hops = route_matrix(
        square, [110.0, 111.0], [30.0, 31.1], [110.0, 111.0, 113.0], [30.0, 31.1, 33.0],
        access_factor=1.5,
    )  # fmt: skip
    access = 1.5 * TENTH_DEGREE_KM
    expected = np.array(
        [
            [0.0, 120 + 150 + access, 120 + 150 + 500],  # a-b-c beats a-c (400)
            [access + 270, 2 * access, access + 500],
        ]
    )
    np.testing.assert_allclose(km, expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(hops, [[0, 2, 3], [2, 0, 1]])
    assert km.dtype == np.float64 and hops.dtype == np.int32


def test_shortest_route_by_hand(square: nx.MultiDiGraph) -> None:
    route = shortest_route(square, (113.0, 33.1), (110.0, 30.0), access_factor=2.0)
    assert route.node_ids == ("d", "c", "b", "a")
    assert route.names == ("Delta", "Charlie", "Bravo", "Alpha")
    assert route.hops == 3
    assert route.km == pytest.approx(2.0 * TENTH_DEGREE_KM + 500 + 150 + 120, rel=1e-12)
    coords = route.geometry.coords[:]
    assert coords[0] == (113.0, 33.1) and coords[-1] == (110.0, 30.0)
    assert coords[1:-1] == [(113.0, 33.0), (111.0, 31.0), (111.0, 30.0), (110.0, 30.0)]


def test_single_straight_edge_equals_great_circle_times_factor(tmp_path: Path) -> None:
    # four points on one meridian: great-circle distances add up exactly along it
    factor = 1.3
    edge_km = float(haversine_km(100.0, 30.0, 100.0, 35.0)) * factor
    nodes = (
        "node_id,name,name_zh,province,lon,lat\np,P,,Sichuan,100.0,30.0\nq,Q,,Qinghai,100.0,35.0\n"
    )
    edges = f"u,v,route_km,route,length_basis,confidence\np,q,{edge_km!r},L,test,estimate\n"
    graph = graph_from_text(tmp_path, nodes, edges)
    km, hops = route_matrix(graph, [100.0], [29.0], [100.0], [36.0], access_factor=factor)
    expected = float(haversine_km(100.0, 29.0, 100.0, 36.0)) * factor
    assert km[0, 0] == pytest.approx(expected, rel=1e-9)
    assert hops[0, 0] == 1


def test_matrix_agrees_with_single_routes(shipped: nx.MultiDiGraph) -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(90, 122, 12), rng.uniform(22, 45, 12)
    km, hops = route_matrix(shipped, lon[:6], lat[:6], lon[6:], lat[6:], access_factor=1.25)
    for i in range(6):
        for j in range(6):
            route = shortest_route(
                shipped, (lon[i], lat[i]), (lon[6 + j], lat[6 + j]), access_factor=1.25
            )
            assert km[i, j] == pytest.approx(route.km, rel=1e-12)
            assert hops[i, j] == route.hops


def test_county_scale_matrix_in_float32(shipped: nx.MultiDiGraph) -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(80, 125, 2900), rng.uniform(20, 48, 2900)
    km, hops = route_matrix(shipped, lon, lat, lon, lat, access_factor=1.25, dtype=np.float32)
    assert km.shape == hops.shape == (2900, 2900)
    assert km.dtype == np.float32 and np.isfinite(km).all()
    ref, _ = route_matrix(shipped, lon[:50], lat[:50], lon, lat, access_factor=1.25)
    np.testing.assert_allclose(km[:50], ref, rtol=1e-6)


def test_graphml_round_trip_keeps_route_km(shipped: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = tmp_path / "backbone.graphml"
    ox.save_graphml(shipped, path)
    loaded = load_graph(path)
    assert set(loaded.edges(keys=True)) == set(shipped.edges(keys=True))
    for u, v, k, data in shipped.edges(keys=True, data=True):
        assert loaded.edges[u, v, k]["route_km"] == data["route_km"]
    assert loaded.nodes[0]["node_id"] == shipped.nodes[0]["node_id"]


def test_osmnx_projection_and_nearest_nodes_work(shipped: nx.MultiDiGraph) -> None:
    pytest.importorskip("scipy")  # osmnx's k-d tree search on projected graphs
    projected = ox.project_graph(shipped)
    hubs = pd.read_csv(DATA / "hubs.csv")
    xy = gpd.GeoSeries(gpd.points_from_xy(hubs["lon"], hubs["lat"]), crs="EPSG:4326")
    xy = xy.to_crs(projected.graph["crs"])
    theirs = ox.distance.nearest_nodes(projected, xy.x.to_numpy(), xy.y.to_numpy())
    ours, _ = snap(shipped, hubs["lon"], hubs["lat"])
    np.testing.assert_array_equal(theirs, ours)
    with pytest.raises(ValueError, match="unprojected"):
        snap(projected, [104.0], [30.0])


def test_disconnected_graph_names_the_cut_off_nodes(tmp_path: Path) -> None:
    nodes = NODES + "e,Echo,,Hubei,114.0,33.0\n"
    edges = "\n".join(EDGES.splitlines()[:3]) + "\nd,e,120,Line 4,test,estimate\n"
    pattern = r"edges\.csv: field 'u/v': the backbone is disconnected: node\(s\) 'd', 'e'"
    with pytest.raises(InputError, match=pattern):
        graph_from_text(tmp_path, nodes, edges)


def test_node_tables_are_cached_outside_the_graph(tmp_path) -> None:
    """Routing twice reuses the tables; they never reach graph.graph (so not GraphML)."""
    import osmnx as ox

    from siting.backbone import read_backbone
    from siting.network import build_graph, load_graph, node_tables, route_matrix

    graph = build_graph(*read_backbone(DATA / "backbone_nodes.csv", DATA / "backbone_edges.csv"))
    first = node_tables(graph)
    km, _ = route_matrix(graph, [116.4], [39.9], [121.47], [31.23], access_factor=1.25)
    assert node_tables(graph) is first
    assert not any(isinstance(v, tuple) for v in graph.graph.values())
    ox.save_graphml(graph, tmp_path / "g.graphml")
    again = load_graph(tmp_path / "g.graphml")
    km2, _ = route_matrix(again, [116.4], [39.9], [121.47], [31.23], access_factor=1.25)
    assert km2 == pytest.approx(km)


def _networkx_tables(graph: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node-to-node km and hops by networkx's own Dijkstra, in graph node order."""
    index = {k: i for i, k in enumerate(graph.nodes)}
    km = np.full((len(index), len(index)), np.inf)
    hops = np.full((len(index), len(index)), -1, dtype=np.int32)
    for key, i in index.items():
        lengths, paths = nx.single_source_dijkstra(graph, key, weight="length")
        for node, metres in lengths.items():
            km[i, index[node]] = metres / 1000.0
            hops[i, index[node]] = len(paths[node]) - 1
    return km, hops


def test_node_tables_are_networkx_dijkstra_bit_for_bit() -> None:
    """The same lengths to the last bit and the same hops, ties and parallel edges included.

    Small integer lengths make many equal routes with different hop counts: a node's hops
    are those of the route networkx keeps (the first to reach it at its final length).
    """
    from siting.network import node_tables

    graph = build_graph(*read_backbone(DATA / "backbone_nodes.csv", DATA / "backbone_edges.csv"))
    rng = np.random.default_rng(17)
    graphs = [graph]
    for _ in range(100):
        n = int(rng.integers(2, 30))
        g = nx.MultiDiGraph()
        g.add_nodes_from((i, {"x": 100.0 + i, "y": 30.0}) for i in range(n))
        for u, v in rng.integers(0, n, size=(int(rng.integers(0, 4 * n)), 2)).tolist():
            km = float(rng.integers(1, 4)) if rng.random() < 0.7 else 3.0 * rng.random()
            g.add_edge(u, v, length=km * 1000.0)  # parallel edges when (u, v) repeats
        graphs.append(g)
    for g in graphs:
        km, hops = _networkx_tables(g)
        _, table_km, table_hops = node_tables(g)
        assert np.array_equal(table_km.view(np.int64), km.view(np.int64))
        assert np.array_equal(table_hops, hops)
