"""The area each hub reaches within its SLA, as polygons for maps.

Backbone model: a point ``p`` is served over its nearest backbone node ``n``; it is within the
SLA of hub ``h`` (nearest node ``n_h``, access ``g_h``) when

    a·g(p, n) ≤ B(SLA, hops(n_h, n)) − a·g_h − P(n_h, n),

a disk around ``n`` clipped to the points whose nearest node is ``n`` (its Voronoi cell); or it
is joined to the hub by local fibre (``g(p, h)`` within the hub's access distance and
``a·g(p, h) ≤ B(SLA, 0)``), a disk around the hub, where ``B`` is the longest route whose round
trip at the scenario's layer fits (:func:`siting.latency.route_budget_km`). The reach is
the union of these, clipped to the province layer. Great-circle model: a disk of the radius
whose round trip at the layer equals the SLA (hops grow with route length). Disks are drawn
in an Albers projection of China (distances within a few per cent), so the polygons are for
display; admissibility of pairs is decided from exact distances in :mod:`siting.instance`.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from numpy.typing import ArrayLike

from siting.latency import layer_terms, route_budget_km
from siting.layers import CRS
from siting.network import node_tables, snap
from siting.scenario import Latency

#: Equal-area projection of China used to draw disks and Voronoi cells.
ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m"
#: Tolerance of the simplification of the reach and of the outline it is clipped to, m.
SIMPLIFY_M = 2000.0
#: Segments per quarter circle of the disks (16: within 0.5 % of the radius).
QUAD_SEGS = 16


def reach_polygons(
    hub_ids: ArrayLike,
    hub_lon: ArrayLike,
    hub_lat: ArrayLike,
    sla_ms: ArrayLike,
    latency: Latency,
    *,
    graph: nx.MultiDiGraph | None = None,
    clip: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Draw the area each hub reaches within its SLA.

    Parameters
    ----------
    hub_ids, hub_lon, hub_lat, sla_ms
        The hubs, their coordinates (degrees) and SLAs (ms).
    latency
        The scenario's latency model.
    graph
        The backbone graph, for the backbone model.
    clip
        Polygons to clip the reach to (e.g. the provinces).

    Returns
    -------
    geopandas.GeoDataFrame
        ``hub_id``, ``sla_rtt_ms`` (round trip) and a (multi)polygon per hub, EPSG:4326.
    """
    hubs = gpd.GeoSeries(gpd.points_from_xy(hub_lon, hub_lat), crs=CRS).to_crs(ALBERS_CHINA)
    sla = np.asarray(sla_ms, dtype=float)
    if latency.model == "great_circle":
        terms = layer_terms(latency)
        per_km = latency.route_factor * (
            terms.stretch / latency.fibre_km_per_ms + terms.hop_one_way_ms / latency.km_per_hop
        )  # one-way ms per km of great-circle distance
        radius_km = np.clip((sla / 2 - terms.fixed_one_way_ms) / per_km, 0.0, None)
        shapes = list(shapely.buffer(hubs.values, radius_km * 1000.0, quad_segs=4 * QUAD_SEGS))
    else:
        if graph is None:
            msg = "the backbone latency model needs the backbone graph"
            raise ValueError(msg)
        shapes = _backbone_reach(hubs, hub_lon, hub_lat, sla, latency, graph)
    out = gpd.GeoDataFrame(
        {"hub_id": np.asarray(hub_ids), "sla_rtt_ms": sla}, geometry=shapes, crs=ALBERS_CHINA
    )
    simple = shapely.simplify(np.asarray(out.geometry.values), SIMPLIFY_M)
    if clip is not None:
        outline = _outline(np.asarray(clip.to_crs(ALBERS_CHINA).geometry.values))
        outline = shapely.make_valid(shapely.simplify(outline, SIMPLIFY_M))
        shapely.prepare(outline)
        cut = ~shapely.contains_properly(outline, simple)  # only shapes that cross it
        simple[cut] = shapely.intersection(simple[cut], outline)
    out["geometry"] = simple
    return out.to_crs(CRS)


def _outline(polygons: np.ndarray) -> shapely.Geometry:
    """Union of polygons; the fast coverage union when they tile without overlaps (provinces)."""
    if shapely.coverage_is_valid(polygons):
        return shapely.coverage_union_all(polygons)
    return shapely.union_all(polygons)


def _backbone_reach(
    hubs: gpd.GeoSeries,
    hub_lon: ArrayLike,
    hub_lat: ArrayLike,
    sla: np.ndarray,
    latency: Latency,
    graph: nx.MultiDiGraph,
) -> list[shapely.Geometry]:
    keys = list(graph.nodes)
    nodes = gpd.GeoSeries(
        gpd.points_from_xy(
            [graph.nodes[k]["x"] for k in keys], [graph.nodes[k]["y"] for k in keys]
        ),
        crs=CRS,
    ).to_crs(ALBERS_CHINA)
    cells = np.array(_voronoi_cells(nodes), dtype=object)
    hub_nodes, access_km = snap(graph, hub_lon, hub_lat)
    # the node-to-node tables the instance's routes came from, columns in ``keys`` order
    column, route_km, route_hops = node_tables(graph)
    rows = [column[int(node)] for node in hub_nodes]
    # Node disks: budget left at each node after the route from the hub's node, all pairs at once
    budget_km = route_budget_km(latency, sla[:, None], route_hops[rows])
    budget_km -= latency.access_factor * access_km[:, None] + route_km[rows]
    hub_of, node_of = np.nonzero(budget_km > 0)
    radius = budget_km[hub_of, node_of] / latency.access_factor * 1000.0
    disks = shapely.buffer(nodes.values[node_of], radius, quad_segs=QUAD_SEGS)
    pieces = shapely.intersection(disks, cells[node_of])
    # Local fibre: within the hub's own access distance (an approximation of the rule in
    # siting.latency.backbone_matrix, which also admits the site's access distance).
    local_km = np.minimum(route_budget_km(latency, sla, 0) / latency.access_factor, access_km)
    near = np.flatnonzero(local_km > 0)
    local = shapely.buffer(hubs.values[near], local_km[near] * 1000.0, quad_segs=QUAD_SEGS)
    owner = np.concatenate([near, hub_of])
    shapes = np.concatenate([local, pieces])
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(len(sla) + 1))
    return [
        shapely.union_all(shapes[order[lo:hi]]) if hi > lo else shapely.Polygon()
        for lo, hi in itertools.pairwise(bounds)
    ]


def _voronoi_cells(nodes: gpd.GeoSeries) -> list[shapely.Geometry]:
    """Voronoi cell of each node (points closer to it than to any other), in node order."""
    points = shapely.MultiPoint(list(nodes.values))
    envelope = shapely.box(*nodes.total_bounds).buffer(3_000_000.0)
    regions = shapely.voronoi_polygons(points, extend_to=envelope)
    cells = list(regions.geoms)
    tree = shapely.STRtree(cells)
    order = tree.query(nodes.values, predicate="within")
    by_node = {int(n): cells[int(c)] for n, c in zip(*order, strict=True)}
    return [by_node[i] for i in range(len(nodes))]
