"""Read and validate the fibre backbone layer: nodes (cities) and edges (fibre routes).

Every problem of both files is collected and raised once as an :class:`InputError` naming the
file, the row (``line N (node_id 'x')`` or ``line N (edge 'a–b')``), the field and what was
expected. Lengths are km; coordinates WGS84 degrees.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import LineString, points

from siting._validate import (
    CONFIDENCE,
    CSV_ROWS,
    Column,
    check_columns,
    check_unique,
    read_csv,
    read_table,
)
from siting.errors import InputError, Problem
from siting.geo import CHINA_LAT, CHINA_LON, haversine_km
from siting.layers import CRS

NODE_COLUMNS = (
    Column("node_id"),
    Column("name"),
    Column("name_zh", required=False, blank_ok=True),
    Column("province"),
    Column("lon", number=True),
    Column("lat", number=True),
)

#: Longest plausible fibre route between two backbone nodes (the equator is 40,075 km).
MAX_ROUTE_KM = 40_000.0

EDGE_COLUMNS = (
    Column("u"),
    Column("v"),
    Column("route_km", number=True, minimum=0, positive=True, maximum=MAX_ROUTE_KM),
    Column("route"),
    Column("length_basis", required=False, blank_ok=True),
    Column("confidence", choices=CONFIDENCE),
)

#: Slack (km) allowed when comparing a route with the great-circle distance of its ends, for
#: coordinates and lengths rounded in the file (5 decimals of a degree is ~1 m).
GREAT_CIRCLE_SLACK_KM = 0.01

_EDGE_KEY = "edge"


def read_backbone(
    nodes_path: Path | str, edges_path: Path | str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read the backbone nodes and edges and check them against each other.

    Parameters
    ----------
    nodes_path
        CSV file with ``node_id``, ``name``, ``name_zh`` (optional), ``province``, ``lon``,
        ``lat`` (WGS84).
    edges_path
        CSV file with ``u``, ``v`` (node ids), ``route_km`` (fibre route length, km), ``route``,
        ``length_basis`` (optional) and ``confidence``; one row per undirected edge.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        Nodes (points) and edges (lines from ``u`` to ``v``), both in EPSG:4326. The edges'
        ``attrs["source"]`` holds the edges file name, used in later messages.

    Raises
    ------
    InputError
        Listing every problem in both files.
    """
    nodes_src, edges_src = str(nodes_path), str(edges_path)
    problems: list[Problem] = []
    nodes: pd.DataFrame | None = None
    edges: pd.DataFrame | None = None
    try:
        nodes = _read_nodes(Path(nodes_path))
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        edges = _read_edges(Path(edges_path))
    except InputError as exc:
        problems.extend(exc.problems)
    if nodes is not None and edges is not None:
        problems += _check_edges(nodes, edges, nodes_src=nodes_src, edges_src=edges_src)
    if problems or nodes is None or edges is None:  # None only with problems
        raise InputError(problems)
    node_frame = gpd.GeoDataFrame(
        nodes, geometry=points(nodes[["lon", "lat"]].to_numpy()), crs=CRS
    ).reset_index(drop=True)
    xy = _coordinates(nodes)
    lines = [LineString([xy[u], xy[v]]) for u, v in zip(edges["u"], edges["v"], strict=True)]
    edge_frame = gpd.GeoDataFrame(
        edges.drop(columns=_EDGE_KEY), geometry=lines, crs=CRS
    ).reset_index(drop=True)
    node_frame.attrs["source"] = nodes_src
    edge_frame.attrs["source"] = edges_src
    return node_frame, edge_frame


def _read_nodes(path: Path) -> pd.DataFrame:
    source = str(path)
    table, problems = read_table(path, NODE_COLUMNS, what="backbone node", key="node_id")
    problems += check_unique(table, "node_id", source=source)
    lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
    outside = (lon < CHINA_LON[0]) | (lon > CHINA_LON[1]) | (lat < CHINA_LAT[0])
    outside |= lat > CHINA_LAT[1]
    for i in np.flatnonzero(outside):
        expected = (
            f"({lon[i]:g}, {lat[i]:g}) lies outside China (lon {CHINA_LON[0]:g}–"
            f"{CHINA_LON[1]:g}, lat {CHINA_LAT[0]:g}–{CHINA_LAT[1]:g}); expected WGS84 "
            "degrees (lon and lat swapped?)"
        )
        where = CSV_ROWS.label(i, "node_id", table["node_id"].iloc[i])
        problems.append(Problem(source, where, "lon/lat", expected))
    if problems:
        raise InputError(problems)
    return table[[c.name for c in NODE_COLUMNS]]


def _read_edges(path: Path) -> pd.DataFrame:
    source = str(path)
    raw = read_csv(path, what="backbone edge")
    if {"u", "v"} <= set(raw.columns):
        raw[_EDGE_KEY] = raw["u"].str.strip() + "–" + raw["v"].str.strip()
    table, problems = check_columns(raw, EDGE_COLUMNS, source=source, key=_EDGE_KEY)
    if problems:
        raise InputError(problems)
    return table[[c.name for c in EDGE_COLUMNS] + [_EDGE_KEY]]


def _coordinates(nodes: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Each node's (lon, lat) by its id."""
    lonlat = zip(nodes["lon"].tolist(), nodes["lat"].tolist(), strict=True)
    return dict(zip(nodes["node_id"].tolist(), lonlat, strict=True))


def _check_edges(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, nodes_src: str, edges_src: str
) -> list[Problem]:
    xy = _coordinates(nodes)
    problems = []
    seen: dict[frozenset[str], int] = {}
    for i, (u, v, km, key) in enumerate(
        zip(edges["u"], edges["v"], edges["route_km"], edges[_EDGE_KEY], strict=True)
    ):
        where = CSV_ROWS.label(i, _EDGE_KEY, key)
        unknown = False
        for field, node in (("u", u), ("v", v)):
            if node not in xy:
                unknown = True
                expected = f"unknown node {node!r}; expected a node_id of {nodes_src}"
                problems.append(Problem(edges_src, where, field, expected))
        if u == v:
            expected = f"self-loop: u and v are both {u!r}; an edge must join two different nodes"
            problems.append(Problem(edges_src, where, "v", expected))
            continue
        pair = frozenset((u, v))
        if pair in seen:
            expected = (
                f"duplicate edge {u!r}–{v!r} (also on line {seen[pair] + CSV_ROWS.first}); "
                "list each undirected edge once"
            )
            problems.append(Problem(edges_src, where, "u/v", expected))
        seen.setdefault(pair, i)
        if unknown:
            continue
        gc = float(haversine_km(*xy[u], *xy[v]))
        if km < gc - GREAT_CIRCLE_SLACK_KM:
            expected = (
                f"{km:g} km is shorter than the great-circle distance ({gc:.1f} km) between "
                f"{u!r} and {v!r}: physically impossible for a fibre route; "
                "check the length or the nodes' coordinates"
            )
            problems.append(Problem(edges_src, where, "route_km", expected))
    return problems
