"""Compile layers and a scenario into an :class:`Instance`, one record builder at a time."""

from __future__ import annotations

import networkx as nx
import numpy as np

from siting.instance.classes import build_classes, service_classes
from siting.instance.core import Instance
from siting.instance.hubs import build_hubs, hub_sla_ms
from siting.instance.pairs import build_pairs
from siting.instance.policy import build_policy
from siting.instance.sites import build_sites
from siting.instance.types import FloatArray
from siting.latency import one_way_matrix
from siting.layers import Layers
from siting.scenario import Scenario


def build_instance(
    layers: Layers,
    scenario: Scenario,
    *,
    source: str = "<scenario>",
    built_mw: FloatArray | None = None,
    graph: nx.MultiDiGraph | None = None,
) -> Instance:
    """Turn validated layers and a scenario into arrays.

    Parameters
    ----------
    layers
        The input layers.
    scenario
        The assumptions.
    source
        Name of the scenario file, for messages.
    built_mw
        New MW already built at each site by an earlier plan: added to the existing (sunk)
        capacity and taken off the grid headroom.
    graph
        The fibre backbone (:func:`siting.network.build_graph`), needed by the backbone
        latency model.

    Returns
    -------
    Instance

    Raises
    ------
    InputError
        If the scenario names a hub that the hubs layer lacks.
    """
    dem, obj = scenario.demand, scenario.objective
    terms = service_classes(scenario)
    staff_per_mw = np.array([scenario.training.staff_per_mw, *(c.staff_per_mw for c in terms)])
    utilisation = np.array([scenario.training.utilisation, *(c.utilisation for c in terms)])
    notes: list[str] = []
    sites = build_sites(layers, scenario, (utilisation, staff_per_mw), built_mw, notes)
    hubs = build_hubs(layers.hubs, dem.inference_scale)
    sla = hub_sla_ms(hubs.ids, dem.inference_sla_ms, dem.hub_sla_ms, source)
    floor = hub_sla_ms(hubs.ids, 0.0, dem.hub_sla_ms, source)  # with classes: relaxes each SLA
    km, _, one_way = one_way_matrix(
        scenario.latency, layers.hubs["lon"], layers.hubs["lat"], layers.sites["lon"],
        layers.sites["lat"], graph, layers=tuple(dict.fromkeys(c.layer for c in terms)),
    )  # fmt: skip
    class_sla = np.stack([sla if c.sla_ms is None else np.maximum(c.sla_ms, floor) for c in terms])
    rtt = np.stack([2.0 * one_way[c.layer] for c in terms])  # (C, H, S)
    if obj.kind in ("p-median", "p-center"):  # every pair: no SLA, no sparsification
        limit, most = np.full_like(class_sla, np.finfo(float).max), None  # every finite trip
    else:
        if obj.coverage_rtt_ms is not None and obj.classic:  # mclp, lscp: the radius is the SLA
            class_sla = np.full_like(class_sla, obj.coverage_rtt_ms)
        limit, most = class_sla, None if obj.classic else dem.max_sites_per_hub
    pairs = build_pairs(rtt, limit, km, scenario.costs.network_cny_per_mw_km_year, most)

    return Instance(
        sites=sites,
        hubs=hubs,
        pairs=pairs,
        classes=build_classes(terms, class_sla, rtt, dem.max_site_share),
        staff_per_mw=staff_per_mw,
        training_mw=training_demand_mw(dem.training_mw, dem.training_share, hubs.demand_mw.sum()),
        min_cluster_mw=scenario.training.min_cluster_mw,
        rent=np.array(
            [obj.training_rent_cny_per_mw_year, *[obj.inference_rent_cny_per_mw_year] * len(terms)]
        ),
        maximise_margin=obj.kind == "margin",
        policy=build_policy(scenario.policy, layers, notes),
        objective_kind=obj.kind,
        site_count=obj.sites or 0,
        site_count_rule=obj.sites_rule,
    )


def training_demand_mw(training_mw: float, share: float | None, inference_mw: float) -> float:
    """National training demand: ``training_mw``, or ``share`` of all demand when given.

    Parameters
    ----------
    training_mw
        Training demand stated in MW.
    share
        Training's share of total (training + inference) demand, in [0, 1); overrides
        ``training_mw`` when not ``None``.
    inference_mw
        Total inference demand, MW.

    Returns
    -------
    float
        ``share / (1 - share) * inference_mw`` if a share is given, else ``training_mw``.
    """
    return training_mw if share is None else share / (1.0 - share) * inference_mw
