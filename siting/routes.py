"""Latency look-ups of ``siting latency``: between two places, and over every hub × site pair.

Delays are those of the optimisation (:mod:`siting.latency`) at every network layer, for a
scenario prepared by :func:`siting.pipeline.prepare`; docs/latency.md explains the models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting import settings
from siting.errors import InputError, Problem, did_you_mean
from siting.feasibility import one_class
from siting.geo import CHINA_LAT, CHINA_LON, haversine_km
from siting.latency import fibre_floor_one_way_ms, one_way_matrix
from siting.network import Route, shortest_route
from siting.pipeline import Prepared
from siting.results import strictest_sla_ms


@dataclass(frozen=True)
class PointRoute:
    """The latency between two places at every layer, one way and round trip.

    Attributes
    ----------
    names
        The two places as found (hub, site or backbone node name, or ``lon,lat``).
    route
        The backbone route (nodes, km, hops, line); ``None`` under the great-circle model.
    route_km, hops
        The modelled route (local fibre when shorter than the backbone) and its hops.
    floor_one_way_ms
        Light in fibre along the great circle, one way, ms: no measurement can be lower.
    one_way_ms
        One-way delay at each layer, ms (round trip: twice it).
    """

    names: tuple[str, str]
    route: Route | None
    route_km: float
    hops: float
    floor_one_way_ms: float
    one_way_ms: dict[str, float]


def latency_between(prepared: Prepared, origin: str, destination: str) -> PointRoute:
    """Route and one-way delay at every layer between two places.

    Parameters
    ----------
    prepared
        A scenario whose latency parameters apply.
    origin, destination
        A hub, site or backbone node, by id or English or Chinese name (any case), or
        ``"lon,lat"`` (WGS84 degrees).

    Returns
    -------
    PointRoute

    Raises
    ------
    InputError
        If a place is not known, with the closest known names.
    """
    lat, graph = prepared.scenario.latency, prepared.inputs.graph
    (a_name, a), (b_name, b) = (_place(prepared, name) for name in (origin, destination))
    route = None
    if graph is not None:
        route = shortest_route(graph, a, b, access_factor=lat.access_factor)
    km, hops, delays = one_way_matrix(lat, [a[0]], [a[1]], [b[0]], [b[1]], graph)
    distance = haversine_km(a[0], a[1], b[0], b[1])
    return PointRoute(
        names=(a_name, b_name),
        route=route,
        route_km=float(km[0, 0]),
        hops=float(hops[0, 0]),
        floor_one_way_ms=float(fibre_floor_one_way_ms(distance, lat.fibre_km_per_ms)),
        one_way_ms={layer: float(m[0, 0]) for layer, m in delays.items()},
    )


def latency_table(prepared: Prepared) -> pd.DataFrame:
    """Every hub × site pair at every layer, one way and round trip.

    Parameters
    ----------
    prepared
        A scenario; its latency model and parameters apply.

    Returns
    -------
    pandas.DataFrame
        ``hub_id``, ``site_id``, ``route_km``, ``hops``, ``floor_one_way_ms`` (light in fibre
        along the great circle), ``{layer}_one_way_ms`` and ``{layer}_rtt_ms`` for each layer,
        ``sla_rtt_ms`` and ``within_sla`` (round trip at the scenario's layer; with classes
        the strictest class's SLA) and, with classes, ``sla_<class>_rtt_ms`` and
        ``within_sla_<class>`` (round trip at the class's layer). docs/outputs.md.
    """
    lat, graph = prepared.scenario.latency, prepared.inputs.graph
    hubs, sites, inst = prepared.layers.hubs, prepared.layers.sites, prepared.instance
    args = (hubs["lon"], hubs["lat"], sites["lon"], sites["lat"])
    km, hops, delays = one_way_matrix(lat, *args, graph)
    distance = haversine_km(
        hubs["lon"].to_numpy()[:, None],
        hubs["lat"].to_numpy()[:, None],
        sites["lon"].to_numpy()[None, :],
        sites["lat"].to_numpy()[None, :],
    )
    h, s = np.meshgrid(np.arange(inst.n_hubs), np.arange(inst.n_sites), indexing="ij")
    columns = {
        "hub_id": inst.hubs.ids[h.ravel()],
        "site_id": inst.sites.ids[s.ravel()],
        "route_km": km.ravel(),
        "hops": hops.ravel(),
        "floor_one_way_ms": fibre_floor_one_way_ms(distance, lat.fibre_km_per_ms).ravel(),
    }
    for layer, matrix in delays.items():
        columns[f"{layer}_one_way_ms"] = matrix.ravel()
        columns[f"{layer}_rtt_ms"] = 2.0 * matrix.ravel()
    sla = strictest_sla_ms(inst)
    columns["sla_rtt_ms"] = sla[h.ravel()]
    columns["within_sla"] = (2.0 * delays[lat.layer] <= sla[:, None] + 1e-9).ravel()
    if not one_class(inst):
        for q, name in enumerate(inst.classes.names):
            rtt = 2.0 * delays[inst.classes.layer[q]]
            columns[f"sla_{name}_rtt_ms"] = inst.classes.sla_ms[q][h.ravel()]
            columns[f"within_sla_{name}"] = (rtt <= inst.classes.sla_ms[q][:, None] + 1e-9).ravel()
    return pd.DataFrame(columns)


def _place(prepared: Prepared, name: str) -> tuple[str, tuple[float, float]]:
    """Find a place by id, English or Chinese name (any case), or ``lon,lat``.

    Hubs, sites and backbone nodes are searched first, then the prefecture seats of
    ``cities.csv`` in the data folder.
    """
    places: dict[str, tuple[str, tuple[float, float]]] = {}
    frames = [(prepared.layers.hubs, "hub_id"), (prepared.layers.sites, "site_id")]
    graph = prepared.inputs.graph
    if graph is not None:
        nodes = pd.DataFrame([d for _, d in graph.nodes(data=True)])
        frames.append((nodes.rename(columns={"x": "lon", "y": "lat"}), "node_id"))
    cities = settings.data_dir / "cities.csv"
    if cities.is_file():
        seats = pd.read_csv(cities, dtype={"adcode": str})
        frames.append((seats.rename(columns={"name_en": "name"}), "adcode"))
    for frame, key in frames:
        for row in frame.itertuples(index=False):
            point = (float(row.lon), float(row.lat))
            label = str(getattr(row, "name", "") or getattr(row, key))
            zh = str(getattr(row, "name_zh", "") or "")
            for alias in (getattr(row, key), row.name, zh, zh.removesuffix("市")):
                if isinstance(alias, str) and alias.strip():
                    places.setdefault(alias.strip().casefold(), (label, point))
    found = places.get(name.strip().casefold())
    if found is not None:
        return found
    parts = name.split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]:
                return f"{lon:g},{lat:g}", (lon, lat)
    hint = did_you_mean(name, places, n=3)
    expected = (
        "a hub, site, backbone node or prefecture seat (id, English or Chinese name) or "
        "'lon,lat' (WGS84) "
        f"inside China{hint}"
    )
    raise InputError([Problem("latency", "", name, f"unknown place; expected {expected}")])
