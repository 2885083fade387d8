"""Latency between hubs and sites: routes, network layers, directions (docs/latency.md).

Every figure here says its direction: ``one_way_ms`` is one way, ``rtt_ms`` a round trip
(twice the one-way delay; paths are taken as symmetric).

Routes. Backbone model: the route is the shortest path over the fibre backbone graph between
the points' nearest nodes plus the access legs; two points closer to each other than one of
them is to its node are joined directly by local fibre (access factor × their distance, no
hop) when that is shorter. Great-circle model: the route is ``route_factor`` times the
great-circle distance, with one equivalent hop per ``km_per_hop`` of route and a fixed
``equipment_delay_ms`` round trip.

Layers. Over a route of ``km`` and ``hops``, the one-way delay at a layer is::

    stretch * km / v + hops * hop_one_way_ms + fixed_one_way_ms

with ``v`` the speed of light in fibre. The optical layer has the backbone's per-hop
pass-through delay only; the IP layer adds ``ip_hop_one_way_ms`` per hop; the internet layer
adds ``internet_one_way_ms`` once (:func:`layer_terms`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.geo import haversine_km
from siting.network import routes_between, snap
from siting.scenario import Latency

Layer = Literal["optical", "ip", "internet"]

#: The network layers, from the physical floor up.
LAYERS: tuple[Layer, ...] = ("optical", "ip", "internet")


@dataclass(frozen=True)
class LayerTerms:
    """The one-way delay terms of one network layer.

    Attributes
    ----------
    layer
        ``optical``, ``ip`` or ``internet``.
    stretch
        Fibre route / modelled route.
    hop_one_way_ms
        One-way delay per backbone hop, ms.
    fixed_one_way_ms
        One-way delay per path whatever its length, ms.
    """

    layer: Layer
    stretch: float
    hop_one_way_ms: float
    fixed_one_way_ms: float


def layer_terms(latency: Latency, layer: Layer | None = None) -> LayerTerms:
    """Give the delay terms of a layer under a scenario's ``[latency]`` table.

    Parameters
    ----------
    latency
        The scenario's ``[latency]`` table.
    layer
        The layer; defaults to ``latency.layer``.

    Returns
    -------
    LayerTerms
        Optical: ``hop_delay_ms / 2`` per hop (it is a round trip). IP: plus
        ``ip_hop_one_way_ms`` per hop. Internet: as IP plus ``internet_one_way_ms``.
        The great-circle model adds half its ``equipment_delay_ms`` to the fixed term.
    """
    layer = layer or latency.layer
    if layer not in LAYERS:
        msg = f"unknown latency layer {layer!r}; expected one of {', '.join(LAYERS)}"
        raise ValueError(msg)
    hop = latency.hop_delay_ms / 2.0 + (latency.ip_hop_one_way_ms if layer != "optical" else 0.0)
    fixed = latency.internet_one_way_ms if layer == "internet" else 0.0
    if latency.model == "great_circle":
        fixed += latency.equipment_delay_ms / 2.0
    return LayerTerms(layer, latency.route_stretch, hop, fixed)


def one_way_ms(
    route_length_km: ArrayLike, hops: ArrayLike, terms: LayerTerms, *, fibre_km_per_ms: float
) -> NDArray[np.float64]:
    """One-way delay at a layer over routes of known length and hop count.

    Parameters
    ----------
    route_length_km
        Modelled route length, access legs included, km.
    hops
        Backbone hops on the route.
    terms
        The layer's terms (:func:`layer_terms`).
    fibre_km_per_ms
        One-way speed of light in fibre, km per ms.

    Returns
    -------
    numpy.ndarray
        ``stretch * km / v + hops * hop_one_way_ms + fixed_one_way_ms``, ms, one way.
    """
    km = np.asarray(route_length_km, dtype=float)
    hop_count = np.asarray(hops, dtype=float)
    return (
        terms.stretch * km / fibre_km_per_ms
        + hop_count * terms.hop_one_way_ms
        + terms.fixed_one_way_ms
    )


def fibre_floor_one_way_ms(distance_km: ArrayLike, fibre_km_per_ms: float) -> NDArray[np.float64]:
    """Give the least possible one-way delay: light in fibre along the great circle, ms.

    No measured one-way figure can lie below it, and no round trip below twice it.
    """
    return np.asarray(distance_km, dtype=float) / fibre_km_per_ms


def route_km(distance_km: ArrayLike, route_factor: float) -> NDArray[np.float64]:
    """Fibre route length from great-circle distance, km."""
    return np.asarray(distance_km, dtype=float) * route_factor


def round_trip_ms(
    route_length_km: ArrayLike, *, fibre_km_per_ms: float, equipment_delay_ms: float
) -> NDArray[np.float64]:
    """Round-trip propagation time over a fibre route, with no layer terms.

    Parameters
    ----------
    route_length_km
        One-way fibre route length, km.
    fibre_km_per_ms
        One-way propagation speed in fibre, km per ms.
    equipment_delay_ms
        Fixed round-trip equipment delay, ms.

    Returns
    -------
    numpy.ndarray
        ``2 * route_length_km / fibre_km_per_ms + equipment_delay_ms``, ms, round trip.
    """
    return 2.0 * np.asarray(route_length_km, dtype=float) / fibre_km_per_ms + equipment_delay_ms


def great_circle_matrix(
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    *,
    route_factor: float,
    fibre_km_per_ms: float,
    equipment_delay_ms: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Route length and round-trip propagation time between every pair of two point sets.

    Parameters
    ----------
    from_lon, from_lat
        Origins (hubs), degrees, shape (n,).
    to_lon, to_lat
        Destinations (sites), degrees, shape (m,).
    route_factor, fibre_km_per_ms, equipment_delay_ms
        See the module docstring.

    Returns
    -------
    tuple of numpy.ndarray
        Route km and round-trip ms (propagation and equipment only), each of shape (n, m).
    """
    km = route_km(_distance(from_lon, from_lat, to_lon, to_lat), route_factor)
    rtt = round_trip_ms(km, fibre_km_per_ms=fibre_km_per_ms, equipment_delay_ms=equipment_delay_ms)
    return km, rtt


def backbone_round_trip_ms(
    route_length_km: ArrayLike, hops: ArrayLike, *, fibre_km_per_ms: float, hop_delay_ms: float
) -> NDArray[np.float64]:
    """Round-trip propagation time over the fibre backbone, with no layer terms.

    Parameters
    ----------
    route_length_km
        One-way route length, access legs included, km.
    hops
        Backbone edges on the route.
    fibre_km_per_ms
        One-way propagation speed in fibre, km per ms.
    hop_delay_ms
        Round-trip delay per hop, ms.

    Returns
    -------
    numpy.ndarray
        ``2 * route_length_km / fibre_km_per_ms + hops * hop_delay_ms``, ms, round trip.
    """
    route = np.asarray(route_length_km, dtype=float)
    return 2.0 * route / fibre_km_per_ms + np.asarray(hops, dtype=float) * hop_delay_ms


def backbone_routes(
    graph: nx.MultiDiGraph,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    *,
    access_factor: float,
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    """Route length and hops between every pair over the backbone, local fibre included.

    Parameters
    ----------
    graph
        From :func:`siting.network.build_graph`.
    from_lon, from_lat
        Origins (hubs), degrees, shape (n,).
    to_lon, to_lat
        Destinations (sites), degrees, shape (m,).
    access_factor
        Access leg length / great-circle distance to the nearest node.

    Returns
    -------
    tuple of numpy.ndarray
        Route km and hops, each of shape (n, m).
    """
    origin, from_access = snap(graph, from_lon, from_lat)
    dest, to_access = snap(graph, to_lon, to_lat)
    km, hops = routes_between(
        graph, origin, from_access, dest, to_access, access_factor=access_factor
    )
    # Two points closer to each other than one of them is to its backbone node share an access
    # region: local fibre joins them directly, not via the backbone and back.
    apart = _distance(from_lon, from_lat, to_lon, to_lat)
    direct = access_factor * apart
    local = (apart <= np.maximum(from_access[:, None], to_access[None, :])) & (direct < km)
    return np.where(local, direct, km), np.where(local, 0, hops).astype(np.int32)


def backbone_matrix(
    graph: nx.MultiDiGraph,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    *,
    access_factor: float,
    fibre_km_per_ms: float,
    hop_delay_ms: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int32]]:
    """Route length, round-trip propagation time and hops between every pair over the backbone.

    The round trip here is propagation and per-hop pass-through only (no route stretch, no
    layer terms): the model before calibration, kept for comparison (docs/latency.md).

    Parameters
    ----------
    graph
        From :func:`siting.network.build_graph`.
    from_lon, from_lat, to_lon, to_lat
        Origins and destinations, degrees.
    access_factor, fibre_km_per_ms, hop_delay_ms
        See docs/latency.md.

    Returns
    -------
    tuple of numpy.ndarray
        Route km, round-trip ms and hops, each of shape (n, m).
    """
    km, hops = backbone_routes(
        graph, from_lon, from_lat, to_lon, to_lat, access_factor=access_factor
    )
    rtt = backbone_round_trip_ms(
        km, hops, fibre_km_per_ms=fibre_km_per_ms, hop_delay_ms=hop_delay_ms
    )
    return km, rtt, hops


def model_routes(
    latency: Latency,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    graph: nx.MultiDiGraph | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Route km and hops between every pair, by the scenario's route model.

    Parameters
    ----------
    latency
        The scenario's ``[latency]`` table.
    from_lon, from_lat, to_lon, to_lat
        Origins and destinations, degrees.
    graph
        The backbone graph; required when ``latency.model`` is ``"backbone"``.

    Returns
    -------
    tuple of numpy.ndarray
        Route km and hops, shape (n, m). Great-circle model: ``route_factor`` × distance and
        route km / ``km_per_hop`` equivalent hops (not an integer).
    """
    if latency.model == "great_circle":
        km = route_km(_distance(from_lon, from_lat, to_lon, to_lat), latency.route_factor)
        return km, km / latency.km_per_hop
    if graph is None:
        msg = "the backbone latency model needs the backbone graph"
        raise ValueError(msg)
    km, hops = backbone_routes(
        graph, from_lon, from_lat, to_lon, to_lat, access_factor=latency.access_factor
    )
    return km, hops.astype(float)


def one_way_matrix(
    latency: Latency,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    graph: nx.MultiDiGraph | None = None,
    *,
    layers: tuple[Layer, ...] = LAYERS,
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[Layer, NDArray[np.float64]]]:
    """Route km, hops and the one-way delay at each layer between every pair.

    Parameters
    ----------
    latency
        The scenario's ``[latency]`` table.
    from_lon, from_lat, to_lon, to_lat
        Origins and destinations, degrees.
    graph
        The backbone graph; required when ``latency.model`` is ``"backbone"``.
    layers
        The layers to compute.

    Returns
    -------
    tuple
        Route km, hops and ``{layer: one-way ms}``, each of shape (n, m).
    """
    km, hops = model_routes(latency, from_lon, from_lat, to_lon, to_lat, graph)
    delays = {
        layer: one_way_ms(
            km, hops, layer_terms(latency, layer), fibre_km_per_ms=latency.fibre_km_per_ms
        )
        for layer in layers
    }
    return km, hops, delays


def pair_matrix(
    latency: Latency,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    graph: nx.MultiDiGraph | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Route km and round-trip ms at the scenario's layer between every pair.

    Parameters
    ----------
    latency
        The scenario's ``[latency]`` table (its ``layer`` applies).
    from_lon, from_lat, to_lon, to_lat
        Origins and destinations, degrees.
    graph
        The backbone graph; required when ``latency.model`` is ``"backbone"``.

    Returns
    -------
    tuple of numpy.ndarray
        Route km and round-trip ms (twice the one-way delay), shape (n, m).
    """
    km, _, delays = one_way_matrix(
        latency, from_lon, from_lat, to_lon, to_lat, graph, layers=(latency.layer,)
    )
    return km, 2.0 * delays[latency.layer]


def route_budget_km(latency: Latency, rtt_ms: ArrayLike, hops: ArrayLike) -> NDArray[np.float64]:
    """Give the longest modelled route whose round trip at the scenario's layer fits a limit.

    Parameters
    ----------
    latency
        The scenario's ``[latency]`` table (its ``layer`` applies).
    rtt_ms
        Round-trip limit, ms.
    hops
        Hops on the route.

    Returns
    -------
    numpy.ndarray
        Route km; negative where even a zero-length route exceeds the limit.
    """
    terms = layer_terms(latency)
    spare = np.asarray(rtt_ms, dtype=float) / 2.0 - terms.fixed_one_way_ms
    spare = spare - np.asarray(hops, dtype=float) * terms.hop_one_way_ms
    return spare * latency.fibre_km_per_ms / terms.stretch


def _distance(
    from_lon: ArrayLike, from_lat: ArrayLike, to_lon: ArrayLike, to_lat: ArrayLike
) -> NDArray[np.float64]:
    return haversine_km(
        np.asarray(from_lon, dtype=float)[:, None],
        np.asarray(from_lat, dtype=float)[:, None],
        np.asarray(to_lon, dtype=float)[None, :],
        np.asarray(to_lat, dtype=float)[None, :],
    )
