"""Turn a solution into tables, GeoDataFrames and KPIs a planner can audit.

Every cost in the tables is CNY per year and is the product of a decision value and a unit
cost of the instance, so the per-site costs add up to the solver's objective.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import LineString

from siting.feasibility import one_class
from siting.instance import OPEX_COMPONENTS, Instance
from siting.layers import CRS, Layers
from siting.model import UNITS, objective_value
from siting.solve import Solution

#: Cost components of the per-site table, in the order of docs/model.md.
COST_COLUMNS = tuple(
    f"cost_{c}_cny" for c in ("fixed", "capex", *OPEX_COMPONENTS, "network", "voucher")
)

#: Share of a site's hosted MW above which it is called a training (or inference) site.
ROLE_SHARE = 0.8


@dataclass(frozen=True)
class Results:
    """The plan as tables.

    Attributes
    ----------
    sites
        One row per candidate site: decisions, MW, costs by component, energy, emissions.
    flows
        One row per (hub, site) pair carrying inference, with a line geometry.
    hubs
        One row per hub: demand, SLA, mean (weighted by MW served) and worst RTT, sites serving
        it (docs/outputs.md).
    provinces
        The province layer with its attributes, for maps.
    kpis
        Totals: cost by component, MW by workload, stranded MW, emissions, solver status.
    boundary_lines
        Official-view boundary lines for maps, or ``None``.
    backbone
        Fibre backbone edges (line geometry; ``u``, ``v``, ``route_km``, ``name``), or ``None``
        when latency comes from the great-circle model.
    reach
        Per hub, the area whose sites it can reach within its SLA (the strictest class's, at
        that class's layer; ``hub_id``, ``sla_rtt_ms``, polygon geometry), or ``None``.
    """

    sites: gpd.GeoDataFrame
    flows: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    kpis: dict[str, Any]
    boundary_lines: gpd.GeoDataFrame | None = None
    backbone: gpd.GeoDataFrame | None = None
    reach: gpd.GeoDataFrame | None = None


def build_results(solution: Solution, instance: Instance, layers: Layers) -> Results:
    """Assemble the result tables of a solved instance.

    Parameters
    ----------
    solution
        From :func:`~siting.solve.solve`.
    instance
        The instance that was solved (its arrays align with the layers' rows).
    layers
        The layers the instance was built from.

    Returns
    -------
    Results
    """
    site_values = site_arrays(solution, instance)
    hub_values = hub_arrays(solution, instance)
    sites = _site_table(site_values, layers.sites)
    flows = _flow_table(solution, instance, layers)
    hubs = _hub_table(hub_values, layers.hubs)
    kpis = compute_kpis(solution, instance, site_values, hub_values)
    return Results(sites, flows, hubs, layers.provinces, kpis, layers.boundary_lines)


def site_arrays(sol: Solution, inst: Instance) -> dict[str, np.ndarray]:
    """Per-site decisions, MW, costs (CNY/yr), energy, emissions and staff, as arrays.

    The numeric core of the site table (see ``docs/model.md``, "What is reported").
    """
    by_class = class_mw(sol, inst)  # (C, S)
    inference = by_class.sum(axis=0)
    hosted = sol.train + inference
    installed = np.where(sol.open, inst.sites.existing_mw, 0.0) + sol.build
    per_workload = np.vstack([sol.train, by_class])  # (1 + C, S)
    share = np.divide(sol.train, hosted, out=np.zeros_like(hosted), where=hosted > 0)
    values = {
        "open": sol.open,
        "role": _roles(sol.open, hosted, share),
        "existing_mw": inst.sites.existing_mw,
        "headroom_mw": inst.sites.headroom_mw,
        "new_mw": sol.build,
        "installed_mw": installed,
        "training_mw": sol.train,
        "inference_mw": inference,
        **(
            {}
            if one_class(inst)
            else {f"inference_{q}_mw": by_class[i] for i, q in enumerate(inst.classes.names)}
        ),
        "hosted_mw": hosted,
        "training_share": share,
        "stranded_mw": np.clip(inst.sites.existing_mw - hosted, 0.0, None),
        "utilisation": np.divide(hosted, installed, out=np.zeros_like(hosted), where=installed > 0),
        "cost_fixed_cny": np.where(sol.open, inst.sites.fixed_cost, 0.0),
        "cost_capex_cny": sol.build * inst.sites.capex_cost,
    }
    for c, name in enumerate(OPEX_COMPONENTS):
        values[f"cost_{name}_cny"] = (inst.sites.opex[:, c, :] * per_workload).sum(axis=0)
    values["cost_network_cny"] = np.bincount(
        inst.pairs.site, sol.serve * inst.pairs.cost, inst.n_sites
    )
    values["cost_voucher_cny"] = 0.0 - voucher_cny(inst, hosted)  # never -0.0
    values["cost_total_cny"] = np.sum([values[c] for c in COST_COLUMNS], axis=0)
    values["revenue_cny"] = (inst.rent[:, None] * per_workload).sum(axis=0)
    values["margin_cny"] = values["revenue_cny"] - values["cost_total_cny"]
    if inst.sites.energy_mwh.shape == per_workload.shape:
        values["energy_mwh"] = (inst.sites.energy_mwh * per_workload).sum(axis=0)
        values["emissions_t"] = (inst.sites.emissions_t * per_workload).sum(axis=0)
    values["staff_fte"] = (inst.staff_per_mw[:, None] * per_workload).sum(axis=0)
    return values


def class_mw(sol: Solution, inst: Instance) -> np.ndarray:
    """Inference MW of each class hosted at each site, shape (C, S)."""
    cls = (
        inst.pairs.service_class
        if inst.pairs.service_class.size
        else np.zeros(inst.n_pairs, np.int64)
    )
    flat = np.bincount(
        cls * inst.n_sites + inst.pairs.site, sol.serve, inst.n_service_classes * inst.n_sites
    )
    return flat.reshape(inst.n_service_classes, inst.n_sites)


def voucher_cny(inst: Instance, hosted: np.ndarray) -> np.ndarray:
    """Voucher value per site, CNY/yr: each issuer's ``w_v`` shared by hosted MW.

    At an optimum ``w_v = min(B_v / (κ_v R), Σ_{s∈S_v} hosted_s)`` (its objective term is
    negative), so the value is computed from the plan, not read from the solver.
    """
    value = np.zeros(inst.n_sites)
    for v in range(len(inst.policy.vouchers.names)):
        area = inst.policy.vouchers.member[v]
        total = float(hosted[area].sum())
        if total <= 0:
            continue
        paid = min(float(inst.policy.vouchers.max_mw[v]), total) * float(
            inst.policy.vouchers.cny_per_mw[v]
        )
        value[area] += paid * hosted[area] / total
    return value


def hub_arrays(sol: Solution, inst: Instance) -> dict[str, np.ndarray]:
    """Per-hub demand, service and latency, as arrays (by class too, with classes).

    ``mean_rtt_ms`` is weighted by MW served (each pair's round trip at its class's layer);
    ``n_sites`` counts the distinct sites serving the hub and ``sites_within_sla`` the
    distinct sites within its SLA (of some class); ``sla_rtt_ms`` is the strictest class's
    SLA. docs/outputs.md defines every column.
    """
    served = np.bincount(inst.pairs.hub, sol.serve, inst.n_hubs)
    worst = np.zeros(inst.n_hubs)
    carrying = sol.serve > 1e-6
    np.maximum.at(worst, inst.pairs.hub[carrying], inst.pairs.rtt_ms[carrying])
    n_sites = distinct_sites(inst, carrying)
    return {
        "demand_mw": inst.hubs.demand_mw,
        "served_mw": served,
        "sla_rtt_ms": strictest_sla_ms(inst),
        "mean_rtt_ms": _mean_rtt(sol, inst, np.ones(inst.n_pairs, bool)),
        "max_rtt_ms": np.where(n_sites > 0, worst, np.nan),
        "n_sites": n_sites,
        "sites_within_sla": distinct_sites(inst, np.ones(inst.n_pairs, bool)),
        **_hub_classes(sol, inst),
    }


def strictest_sla_ms(inst: Instance) -> np.ndarray:
    """Each hub's SLA, ms round trip: the strictest (smallest) class's, (H,)."""
    return inst.classes.sla_ms.min(axis=0)


def strictest_layer(inst: Instance) -> np.ndarray:
    """Latency layer of each hub's strictest class, (H,)."""
    return inst.classes.layer[inst.classes.sla_ms.argmin(axis=0)].astype(object)


def distinct_sites(inst: Instance, pairs: np.ndarray) -> np.ndarray:
    """Distinct sites per hub among the pairs where ``pairs`` is true (any class), (H,)."""
    keys = np.unique(inst.pairs.hub[pairs] * inst.n_sites + inst.pairs.site[pairs])
    return np.bincount(keys // max(inst.n_sites, 1), minlength=inst.n_hubs)


def _mean_rtt(sol: Solution, inst: Instance, pairs: np.ndarray) -> np.ndarray:
    """Round trip per hub over ``pairs``, weighted by MW served (``nan`` where none), (H,)."""
    served = np.bincount(inst.pairs.hub[pairs], sol.serve[pairs], inst.n_hubs)
    rtt_mw = np.bincount(
        inst.pairs.hub[pairs], sol.serve[pairs] * inst.pairs.rtt_ms[pairs], inst.n_hubs
    )
    return np.divide(rtt_mw, served, out=np.full_like(served, np.nan), where=served > 0)


def _hub_classes(sol: Solution, inst: Instance) -> dict[str, np.ndarray]:
    if one_class(inst):
        return {}
    served = np.bincount(inst.pair_stream, sol.serve, inst.n_streams).reshape(
        inst.n_service_classes, -1
    )
    demand = inst.stream_demand_mw.reshape(inst.n_service_classes, -1)
    carrying = sol.serve > 1e-6
    out = {}
    for q, name in enumerate(inst.classes.names):
        mine = inst.pairs.service_class == q
        out[f"demand_{name}_mw"] = demand[q]
        out[f"served_{name}_mw"] = served[q]
        out[f"sla_{name}_rtt_ms"] = inst.classes.sla_ms[q]
        out[f"mean_{name}_rtt_ms"] = _mean_rtt(sol, inst, mine)
        out[f"n_sites_{name}"] = distinct_sites(inst, mine & carrying)
        out[f"sites_within_sla_{name}"] = distinct_sites(inst, mine)
    return out


def _site_table(values: dict[str, np.ndarray], layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return _point_table(values, layer, ("site_id", "name", "name_zh", "province", "cluster"))


def _point_table(
    values: dict[str, np.ndarray], layer: gpd.GeoDataFrame, keep: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Put a layer's identifying columns and coordinates beside per-row result arrays."""
    table = pd.DataFrame(layer[[c for c in keep if c in layer]]).reset_index(drop=True)
    coords = {"lon": layer["lon"].to_numpy(float), "lat": layer["lat"].to_numpy(float)}
    table = pd.concat([table, pd.DataFrame({**coords, **values})], axis=1)
    return gpd.GeoDataFrame(table, geometry=layer.geometry.values, crs=CRS)


def _roles(opened: np.ndarray, hosted: np.ndarray, share: np.ndarray) -> np.ndarray:
    role = np.where(
        share >= ROLE_SHARE, "training", np.where(share <= 1 - ROLE_SHARE, "inference", "mixed")
    )
    role = np.where(hosted > 1e-6, role, np.where(opened, "idle", "unused"))
    return role.astype(object)


def _flow_table(sol: Solution, inst: Instance, layers: Layers) -> gpd.GeoDataFrame:
    used = np.flatnonzero(sol.serve > 1e-6)
    h, s = inst.pairs.hub[used], inst.pairs.site[used]
    hub_xy = layers.hubs[["lon", "lat"]].to_numpy(float)
    site_xy = layers.sites[["lon", "lat"]].to_numpy(float)
    classes = (
        {} if one_class(inst) else {"class": inst.classes.names[inst.pairs.service_class[used]]}
    )
    table = pd.DataFrame(
        {
            "hub_id": inst.hubs.ids[h],
            "site_id": inst.sites.ids[s],
            **classes,
            "mw": sol.serve[used],
            "share_of_hub": sol.serve[used] / np.maximum(inst.hubs.demand_mw[h], 1e-12),
            "rtt_ms": inst.pairs.rtt_ms[used],
            "route_km": inst.pairs.km[used],
            "cost_network_cny": sol.serve[used] * inst.pairs.cost[used],
        }
    )
    lines = [LineString([hub_xy[a], site_xy[b]]) for a, b in zip(h, s, strict=True)]
    return gpd.GeoDataFrame(table, geometry=lines, crs=CRS)


def _hub_table(values: dict[str, np.ndarray], layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return _point_table(values, layer, ("hub_id", "name", "name_zh", "province"))


def compute_kpis(
    sol: Solution,
    inst: Instance,
    sites: dict[str, np.ndarray],
    hubs: dict[str, np.ndarray],
) -> dict[str, Any]:
    """National totals of a plan from its per-site and per-hub arrays.

    Parameters
    ----------
    sol
        The solution.
    inst
        The instance.
    sites
        From :func:`site_arrays`.
    hubs
        From :func:`hub_arrays`.

    Returns
    -------
    dict
        Solver status and gap; the objective's kind, value and unit (``objective_kind``,
        ``objective_value``, ``objective_unit``; ``objective_cny`` and ``bound_cny`` are
        ``nan`` for a classic kind); cost by component and total (CNY/yr), MW by workload,
        new, existing, used and stranded MW, open sites, emissions, staff, mean RTT.
    """
    costs = {c.removeprefix("cost_"): float(sites[c].sum()) for c in COST_COLUMNS}
    served = float(hubs["served_mw"].sum())
    weighted = np.nan_to_num(hubs["mean_rtt_ms"]) * hubs["served_mw"]
    cny = not inst.classic
    return {
        "status": sol.status.value,
        "termination": sol.termination,
        "solver": sol.solver,
        "objective_kind": inst.objective_kind,
        "objective_value": float(objective_value(inst, sol.objective)),
        "objective_unit": UNITS[inst.objective_kind],
        "objective_cny": sol.objective if cny else float("nan"),
        "bound_cny": sol.bound if cny else float("nan"),
        "gap": sol.gap,
        "total_cost_cny": float(sites["cost_total_cny"].sum()),
        **costs,
        "revenue_cny": float(sites["revenue_cny"].sum()),
        "margin_cny": float(sites["margin_cny"].sum()),
        "demand_served_share": (  # a classic kind has no training in its model
            float(
                (sites["training_mw"].sum() + hubs["served_mw"].sum())
                / max(inst.training_mw * cny + inst.hubs.demand_mw.sum(), 1e-12)
            )
        ),
        "training_mw": float(sites["training_mw"].sum()),
        "inference_mw": float(sites["inference_mw"].sum()),
        "new_mw": float(sites["new_mw"].sum()),
        "existing_mw": float(inst.sites.existing_mw.sum()),
        "existing_used_mw": float(np.minimum(sites["hosted_mw"], sites["existing_mw"]).sum()),
        "stranded_mw": float(sites["stranded_mw"].sum()),
        "sites_open": int(sites["open"].sum()),
        "emissions_t": float(sites["emissions_t"].sum()) if "emissions_t" in sites else np.nan,
        "staff_fte": float(sites["staff_fte"].sum()),
        "mean_rtt_ms": float(weighted.sum() / served) if served else float("nan"),
        **(
            {}
            if one_class(inst)
            else {
                f"inference_{q}_mw": float(sites[f"inference_{q}_mw"].sum())
                for q in inst.classes.names
            }
        ),
        "solve_seconds": sol.seconds,
    }


def located_sites(table: pd.DataFrame, site_files: Iterable[Path]) -> gpd.GeoDataFrame:
    """Give a table keyed by ``site_id`` the sites' point geometry (WGS 84).

    Parameters
    ----------
    table
        Any table with a ``site_id`` column (e.g. one row per scenario and site).
    site_files
        Site layer CSVs (``site_id``, ``lon``, ``lat``) that hold every ``site_id`` of it; the
        first file naming an id gives its coordinates.

    Returns
    -------
    geopandas.GeoDataFrame
        The table with ``lon``, ``lat`` and a point geometry; an empty table stays empty.
    """
    if table.empty:
        return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([], crs=CRS))
    coords = pd.concat(
        [pd.read_csv(f, usecols=["site_id", "lon", "lat"]) for f in site_files]
    ).drop_duplicates("site_id")
    merged = table.drop(columns=["lon", "lat"], errors="ignore").merge(
        coords, on="site_id", how="left", validate="many_to_one"
    )
    points = gpd.points_from_xy(merged["lon"], merged["lat"], crs=CRS)
    return gpd.GeoDataFrame(merged, geometry=points)
