"""The fibre backbone as an osmnx graph, and route lengths over it.

A point reaches the backbone at its nearest node (great-circle), over an access leg of
``access_factor`` times that distance; between nodes, traffic follows the shortest backbone
path. Route length from a point ``o`` to a point ``d`` is therefore::

    access_km(o) * access_factor + path_km(node(o), node(d)) + access_km(d) * access_factor

and the hop count is the number of backbone edges on the path. Lengths are km, except the
graph's ``length`` edge attribute, which is in metres as osmnx expects.

This is the only module that imports osmnx. The graph is an ordinary osmnx graph (EPSG:4326,
integer node keys in the order of the nodes file), so ``osmnx.routing``,
``osmnx.distance.nearest_nodes``, ``osmnx.project_graph`` and ``osmnx.save_graphml`` work on
it; read a saved graph back with :func:`load_graph`.
"""

from __future__ import annotations

import heapq
import itertools
import math
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
from numpy.typing import ArrayLike, DTypeLike, NDArray
from shapely import LineString

from siting.errors import InputError, Problem
from siting.geo import haversine_km
from siting.layers import CRS

#: Edge attribute types to restore when reading a saved graph (GraphML stores text).
GRAPHML_EDGE_DTYPES = {"route_km": float}

#: Node attributes copied from the nodes layer onto the graph.
NODE_ATTRIBUTES = ("node_id", "name", "name_zh", "province")

#: Points snapped per block in :func:`snap` (bounds memory to block × nodes floats).
SNAP_BLOCK = 4096

#: Node-to-node tables per graph (see :func:`node_tables`); weak, so they go with the graph and
#: never end up in ``graph.graph`` (which GraphML files would carry).
_TABLES: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[Any, ...]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Route:
    """One route over the backbone, from a point to a point.

    Attributes
    ----------
    node_ids
        Backbone nodes passed, in order (``node_id`` of the nodes file).
    names
        Their English names.
    km
        Route length including both access legs, km.
    hops
        Number of backbone edges on the route.
    geometry
        Origin, the nodes passed, destination (EPSG:4326).
    """

    node_ids: tuple[str, ...]
    names: tuple[str, ...]
    km: float
    hops: int
    geometry: LineString


def build_graph(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, source: str | None = None
) -> nx.MultiDiGraph:
    """Build the backbone graph from the layers of :func:`siting.backbone.read_backbone`.

    Parameters
    ----------
    nodes
        Points with ``node_id``, ``name``, ``lon``, ``lat`` (optional ``name_zh``,
        ``province``).
    edges
        Lines with ``u``, ``v`` (node ids), ``route_km``, ``route`` and ``confidence``; each
        undirected edge once.
    source
        Name of the edges file for messages; defaults to ``edges.attrs["source"]``.

    Returns
    -------
    networkx.MultiDiGraph
        Node keys are the row numbers of ``nodes`` (osmnx's ``osmid``), with ``x``, ``y`` and
        the attributes of :data:`NODE_ATTRIBUTES`; both directions of every edge carry
        ``length`` (m), ``route_km``, ``route``, ``confidence`` and a line geometry. Graph CRS
        EPSG:4326.

    Raises
    ------
    InputError
        If the graph is disconnected, naming the nodes outside its largest component.
    """
    source = source or edges.attrs.get("source", "backbone edges")
    osmid = pd.Series(np.arange(len(nodes)), index=nodes["node_id"].to_numpy())
    columns = {
        "x": nodes.geometry.x.to_numpy(),
        "y": nodes.geometry.y.to_numpy(),
        **{c: nodes[c].to_numpy() for c in NODE_ATTRIBUTES if c in nodes},
    }
    node_frame = gpd.GeoDataFrame(
        pd.DataFrame(columns, index=pd.Index(osmid.to_numpy(), name="osmid")),
        geometry=nodes.geometry.to_numpy(),
        crs=CRS,
    )
    u = osmid.loc[edges["u"]].to_numpy()
    v = osmid.loc[edges["v"]].to_numpy()
    extra = [c for c in ("route", "confidence", "length_basis") if c in edges]
    forward = pd.DataFrame({"u": u, "v": v, "route_km": edges["route_km"].to_numpy(float)})
    for c in extra:
        forward[c] = edges[c].to_numpy()
    backward = forward.assign(u=v, v=u)
    lines = list(edges.geometry)
    table = pd.concat([forward, backward], ignore_index=True)
    table["length"] = table["route_km"] * 1000.0
    table["key"] = table.groupby(["u", "v"]).cumcount()
    geometry = lines + [LineString(line.coords[::-1]) for line in lines]
    edge_frame = gpd.GeoDataFrame(table.set_index(["u", "v", "key"]), geometry=geometry, crs=CRS)
    graph = _graph_from_gdfs(node_frame, edge_frame)
    _check_connected(graph, source)
    return graph


def _graph_from_gdfs(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> nx.MultiDiGraph:
    """Build what ``osmnx.convert.graph_from_gdfs`` builds, without importing osmnx.

    osmnx imports matplotlib.pyplot (about a second); a run that only routes needs neither.
    Edges first, in order, with their non-missing attributes; then any node without edges;
    then the node attributes.
    """
    graph: nx.MultiDiGraph = nx.MultiDiGraph(crs=CRS)
    names = edges.columns.to_list()
    for (u, v, k), values in zip(edges.index, edges.to_numpy(), strict=True):
        data = {
            n: x for n, x in zip(names, values, strict=True) if isinstance(x, list) or pd.notna(x)
        }
        graph.add_edge(u, v, key=k, **data)
    graph.add_nodes_from(set(nodes.index) - set(graph.nodes))
    for column in nodes.columns.drop(nodes.geometry.name):
        nx.set_node_attributes(graph, values=nodes[column].dropna().to_dict(), name=column)
    return graph


def load_graph(path: Path | str) -> nx.MultiDiGraph:
    """Read a graph saved with ``osmnx.save_graphml``, restoring ``route_km`` as numbers."""
    import osmnx as ox  # imports matplotlib: only when needed

    return ox.io.load_graphml(path, edge_dtypes=GRAPHML_EDGE_DTYPES)


def snap(
    graph: nx.MultiDiGraph, lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Nearest backbone node of each point, by great-circle distance.

    Gives the nodes ``osmnx.distance.nearest_nodes`` gives on an unprojected graph, without
    its scikit-learn dependency: an exact search over the node arrays, in blocks of
    :data:`SNAP_BLOCK` points.

    Parameters
    ----------
    graph
        An unprojected backbone graph (EPSG:4326).
    lon, lat
        Points, degrees, shape (n,) or scalars.

    Returns
    -------
    tuple of numpy.ndarray
        Node keys (osmid), shape (n,), and the great-circle access distance, km.
    """
    if pyproj.CRS.from_user_input(graph.graph["crs"]).is_projected:
        msg = f"snap needs an unprojected graph (EPSG:4326), got CRS {graph.graph['crs']}"
        raise ValueError(msg)
    keys, xs, ys = _node_arrays(graph)
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    nearest = np.empty(len(lon), dtype=np.int64)
    access = np.empty(len(lon), dtype=float)
    for start in range(0, len(lon), SNAP_BLOCK):
        block = slice(start, start + SNAP_BLOCK)
        d = haversine_km(lon[block, None], lat[block, None], xs[None, :], ys[None, :])
        best = d.argmin(axis=1)
        nearest[block] = keys[best]
        access[block] = d[np.arange(len(best)), best]
    return nearest, access


def route_matrix(
    graph: nx.MultiDiGraph,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    *,
    access_factor: float,
    dtype: DTypeLike = np.float64,
) -> tuple[NDArray[np.floating], NDArray[np.int32]]:
    """Route length and hop count between every origin and every destination.

    The node-to-node tables (one Dijkstra per node) are computed once per graph and kept on
    it (:func:`node_tables`); each call then only snaps its points and gathers from them.

    Parameters
    ----------
    graph
        The backbone graph.
    from_lon, from_lat
        Origins, degrees, shape (n,).
    to_lon, to_lat
        Destinations, degrees, shape (m,).
    access_factor
        Access leg length / great-circle distance to the nearest node.
    dtype
        Float type of the km matrix. ``numpy.float32`` halves its memory (a 2,900 × 2,900
        county matrix: 34 MB instead of 67 MB) at a relative error of about 1e-7, far below
        the model's accuracy.

    Returns
    -------
    tuple of numpy.ndarray
        Route km, shape (n, m), and hops (int32), shape (n, m). Pairs with no path get
        ``inf`` km and -1 hops.
    """
    origin, origin_km = snap(graph, from_lon, from_lat)
    dest, dest_km = snap(graph, to_lon, to_lat)
    return routes_between(
        graph, origin, origin_km, dest, dest_km, access_factor=access_factor, dtype=dtype
    )


def routes_between(
    graph: nx.MultiDiGraph,
    origin: NDArray[np.int64],
    origin_km: NDArray[np.float64],
    dest: NDArray[np.int64],
    dest_km: NDArray[np.float64],
    *,
    access_factor: float,
    dtype: DTypeLike = np.float64,
) -> tuple[NDArray[np.floating], NDArray[np.int32]]:
    """Route length and hops between points already snapped (see :func:`route_matrix`).

    Parameters
    ----------
    graph
        The backbone graph.
    origin, origin_km
        Origins' nearest nodes and great-circle distances to them, km, from :func:`snap`.
    dest, dest_km
        The same for the destinations.
    access_factor, dtype
        As in :func:`route_matrix`.

    Returns
    -------
    tuple of numpy.ndarray
        Route km, shape (n, m), and hops (int32), shape (n, m).
    """
    column, dist, hops = node_tables(graph)
    rows = np.array([column[k] for k in origin], dtype=np.int64)
    cols = np.array([column[k] for k in dest], dtype=np.int64)
    km = dist.astype(dtype)[np.ix_(rows, cols)]
    km += (origin_km * access_factor).astype(dtype)[:, None]
    km += (dest_km * access_factor).astype(dtype)[None, :]
    return km, hops[np.ix_(rows, cols)]


def node_tables(
    graph: nx.MultiDiGraph,
) -> tuple[dict[int, int], NDArray[np.float64], NDArray[np.int32]]:
    """Shortest-path km and hops between every pair of backbone nodes, cached on the graph.

    Parameters
    ----------
    graph
        The backbone graph; the tables are kept for it and reused while its node and edge
        counts are unchanged.

    Returns
    -------
    tuple
        Node key → table index, km (N × N) and hops (N × N, -1 where no path).
    """
    stamp = (graph.number_of_nodes(), graph.number_of_edges())
    cached = _TABLES.get(graph)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keys = _node_arrays(graph)[0]
    column = {int(k): i for i, k in enumerate(keys)}
    # each node's neighbours in the graph's order, over the shortest of parallel edges: the
    # weights networkx's Dijkstra reads from a multigraph
    succ = [
        [
            (column[u], min(e.get("length", 1) for e in parallel.values()))
            for u, parallel in graph.adj[key].items()
        ]
        for key in keys.tolist()
    ]
    dist = np.full((len(keys), len(keys)), np.inf)
    hops = np.full((len(keys), len(keys)), -1, dtype=np.int32)
    for i in range(len(keys)):
        metres, hops[i] = _dijkstra(succ, i)
        dist[i] = np.asarray(metres) / 1000.0
    tables = (column, dist, hops)
    _TABLES[graph] = (stamp, tables)
    return tables


def _dijkstra(succ: list[list[tuple[int, float]]], source: int) -> tuple[list[float], list[int]]:
    """Shortest length and its hop count from one node to every node.

    The search of ``networkx.single_source_dijkstra`` (3.x) on the same neighbour lists, step
    for step: the same sums in the same order, ties broken by the order nodes were reached,
    a node's path the one that first reached it at its final length. Without networkx's
    per-edge weight calls and dispatch it takes a sixth of the time.

    Parameters
    ----------
    succ
        Per node, its neighbours and the edge length to each (:func:`node_tables`).
    source
        The node searched from.

    Returns
    -------
    tuple of list
        Length (``inf`` where no path) and hops (-1 where no path) per node.
    """
    n = len(succ)
    dist = [math.inf] * n
    hops = [-1] * n
    done = [False] * n
    seen = {source: 0.0}
    hops[source] = 0
    order = itertools.count()
    fringe = [(0.0, next(order), source)]
    while fringe:
        d, _, v = heapq.heappop(fringe)
        if done[v]:
            continue
        done[v] = True
        dist[v] = d
        for u, cost in succ[v]:
            if done[u]:
                continue
            du = d + cost
            if u not in seen or du < seen[u]:
                seen[u] = du
                hops[u] = hops[v] + 1
                heapq.heappush(fringe, (du, next(order), u))
    return dist, hops


def shortest_route(
    graph: nx.MultiDiGraph,
    from_lonlat: tuple[float, float],
    to_lonlat: tuple[float, float],
    *,
    access_factor: float,
) -> Route:
    """Find the shortest backbone route between two points.

    Parameters
    ----------
    graph
        The backbone graph.
    from_lonlat, to_lonlat
        Origin and destination, (lon, lat) degrees.
    access_factor
        Access leg length / great-circle distance to the nearest node.

    Returns
    -------
    Route

    Raises
    ------
    InputError
        If no backbone path joins the two points' nodes.
    """
    (o, d), (o_km, d_km) = snap(
        graph, [from_lonlat[0], to_lonlat[0]], [from_lonlat[1], to_lonlat[1]]
    )
    import osmnx as ox  # imports matplotlib: only when needed

    path = ox.routing.shortest_path(graph, int(o), int(d), weight="length")
    if path is None:
        names = graph.nodes[int(o)]["node_id"], graph.nodes[int(d)]["node_id"]
        where = f"nodes {names[0]!r} and {names[1]!r}"
        raise InputError([Problem("backbone graph", where, "", "no backbone path joins them")])
    metres = sum(
        min(e["length"] for e in graph.get_edge_data(a, b).values())
        for a, b in itertools.pairwise(path)
    )
    data = [graph.nodes[n] for n in path]
    coords = [from_lonlat, *((n["x"], n["y"]) for n in data), to_lonlat]
    return Route(
        node_ids=tuple(n["node_id"] for n in data),
        names=tuple(n["name"] for n in data),
        km=float(o_km * access_factor + metres / 1000.0 + d_km * access_factor),
        hops=len(path) - 1,
        geometry=LineString(coords),
    )


def _node_arrays(
    graph: nx.MultiDiGraph,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    keys = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    xs = np.array([graph.nodes[k]["x"] for k in keys], dtype=float)
    ys = np.array([graph.nodes[k]["y"] for k in keys], dtype=float)
    return keys, xs, ys


def _check_connected(graph: nx.MultiDiGraph, source: str) -> None:
    parts = sorted(nx.weakly_connected_components(graph), key=len, reverse=True)
    if len(parts) < 2:
        return
    problems = []
    for part in parts[1:]:
        ids = sorted(str(graph.nodes[n].get("node_id", n)) for n in part)
        expected = (
            f"the backbone is disconnected: node(s) {', '.join(repr(i) for i in ids)} cannot "
            f"reach the other {len(parts[0])} nodes; add an edge joining them to the network"
        )
        problems.append(Problem(source, "", "u/v", expected))
    raise InputError(problems)
