"""Round trips, checks against the layers, and the measures every plan is scored by.

Every plan is judged twice (:func:`cross_metrics`), on the round trip (ms) at the scenario's
latency layer: over its own flows, as ``siting optimize`` reports it (``mean_rtt_ms``,
``max_rtt_ms``), and by its open sites alone, each hub served from its nearest open site
(``*_nearest_*``, ``covered_*``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.classic.plans import COVERING, LABELS, ClassicOptions, ClassicPlan
from siting.errors import InputError, Problem, counted
from siting.latency import pair_matrix
from siting.model.classic import coverage_problems
from siting.pipeline import Prepared, Run


def round_trips(prepared: Prepared) -> np.ndarray:
    """Round trip (ms) of every hub to every site at the scenario's latency layer, (H, S)."""
    hubs, sites = prepared.layers.hubs, prepared.layers.sites
    _, rtt = pair_matrix(
        prepared.scenario.latency,
        hubs["lon"].to_numpy(float),
        hubs["lat"].to_numpy(float),
        sites["lon"].to_numpy(float),
        sites["lat"].to_numpy(float),
        graph=prepared.inputs.graph,
    )
    return rtt


def check_against_data(
    prepared: Prepared, rtt: np.ndarray, options: ClassicOptions, radius: float | None
) -> None:
    """Check p and the radius against the layers, before any solve.

    Raises
    ------
    InputError
        If p exceeds the candidate sites; if MCLP's radius covers no hub; if LSCP's radius
        leaves some hub with no site within it.
    """
    inst = prepared.instance
    source = str(prepared.path)
    if options.sites is not None and options.sites > inst.n_sites:
        expected = f"at most the {counted(inst.n_sites, 'candidate site')}, got {options.sites}"
        raise InputError([Problem("classic", "", "--sites", expected)])
    if not rtt.size:
        return
    radii = np.full(inst.n_hubs, radius) if radius is not None else inst.classes.sla_ms[0]
    if options.radius_rtt_ms is not None:
        where = ("classic", "", "--radius-rtt-ms")
    elif radius is not None:
        where = (source, "[objective]", "coverage_rtt_ms")
    else:
        where = (source, "[demand]", "inference_sla_ms")
    problems = coverage_problems(
        set(options.kinds) & set(COVERING),
        nearest_rtt=rtt.min(axis=1),
        radius=radii,
        hubs=inst.hubs.ids,
        sites=inst.sites.ids[rtt.argmin(axis=1)],
        where=where,
        what=f"{radius:g} ms round trip" if radius is not None else "each hub's SLA",
    )
    if problems:
        raise InputError(problems)


def cross_metrics(
    run: Run, rtt: np.ndarray, demand_mw: np.ndarray, radii: np.ndarray
) -> dict[str, Any]:
    """Score a plan over its own flows, and by its open sites with each hub at the nearest.

    Parameters
    ----------
    run
        The solved plan.
    rtt
        Round trips hub × site, ms (:func:`round_trips`).
    demand_mw
        Inference demand per hub, MW.
    radii
        Coverage radius per hub, ms round trip.

    Returns
    -------
    dict
        ``sites_open``; over the plan's own flows, as ``siting optimize`` reports them:
        ``mean_rtt_ms`` (weighted by MW served) and ``max_rtt_ms`` (the worst flow); with each
        hub served from its nearest open site: ``weighted_rtt_nearest_mw_ms`` (Σ demand ×
        round trip: the p-median objective), ``mean_rtt_nearest_ms`` (its demand-weighted
        mean), ``worst_rtt_nearest_ms`` (the worst hub: the p-center objective),
        ``covered_mw`` and ``covered_share`` (demand with an open site within the radius: the
        MCLP objective); ``annual_cost_cny`` (cost and margin plans; ``nan`` for a classic
        model, whose cost is not optimised); the objective's kind, value and unit; solver
        status and gap (its seconds are in summary.json).
    """
    kpis = run.results.kpis
    opened = run.solution.open
    nearest = rtt[:, opened].min(axis=1) if opened.any() else np.full(len(demand_mw), np.inf)
    total = float(demand_mw.sum())
    weighted = float(demand_mw @ nearest) if opened.any() else math.inf
    covered = float(demand_mw[nearest <= radii].sum())
    worst_flow = run.results.hubs["max_rtt_ms"].max()
    return {
        "sites_open": int(opened.sum()),
        "objective_kind": kpis["objective_kind"],
        "objective_value": kpis["objective_value"],
        "objective_unit": kpis["objective_unit"],
        "mean_rtt_ms": kpis["mean_rtt_ms"],
        "max_rtt_ms": float(worst_flow) if worst_flow == worst_flow else math.nan,
        "weighted_rtt_nearest_mw_ms": weighted,
        "mean_rtt_nearest_ms": weighted / total if total else math.nan,
        "worst_rtt_nearest_ms": float(nearest.max()) if len(nearest) else math.nan,
        "covered_mw": covered,
        "covered_share": covered / total if total else math.nan,
        "annual_cost_cny": math.nan if run.instance.classic else kpis["total_cost_cny"],
        "status": kpis["status"],
        "gap": kpis["gap"],
    }


def plans_table(plans: Sequence[ClassicPlan], failed: dict[str, str]) -> pd.DataFrame:
    """One row per plan: model, the cross-metrics and the open sites (``;``-separated).

    A model in ``failed`` has a row with status ``"failed"`` and the solver's message.
    """
    rows = [
        {"model": p.kind, "label": p.label, **p.metrics, "open_sites": ";".join(p.open_sites)}
        for p in plans
    ]
    rows += [
        {"model": kind, "label": LABELS[kind], "status": "failed", "note": message}
        for kind, message in failed.items()
    ]
    return pd.DataFrame(rows)


def sites_table(plans: Sequence[ClassicPlan]) -> pd.DataFrame:
    """Return the open sites of every plan, with their place and the MW assigned to them."""
    keep = ["site_id", "name", "name_zh", "province", "lon", "lat", "hosted_mw"]
    frames = []
    for plan in plans:
        sites = plan.run.results.sites
        table = pd.DataFrame(sites.loc[sites["open"], [c for c in keep if c in sites]])
        frames.append(table.rename(columns={"hosted_mw": "assigned_mw"}).assign(model=plan.kind))
    out = pd.concat(frames, ignore_index=True)
    return out[["model", *[c for c in out.columns if c != "model"]]]


def hubs_table(
    plans: Sequence[ClassicPlan], prepared: Prepared, rtt: np.ndarray, radii: np.ndarray
) -> pd.DataFrame:
    """Every hub under every plan: its nearest open site, that round trip and if covered."""
    hubs = prepared.layers.hubs
    inst = prepared.instance
    frames = []
    for plan in plans:
        opened = np.flatnonzero(plan.run.solution.open)
        if not len(opened):
            continue
        best = opened[rtt[:, opened].argmin(axis=1)]
        nearest = rtt[np.arange(inst.n_hubs), best]
        frames.append(
            pd.DataFrame(
                {
                    "model": plan.kind,
                    "hub_id": inst.hubs.ids,
                    "name": hubs["name"].to_numpy(),
                    "demand_mw": inst.hubs.demand_mw,
                    "nearest_open_site": inst.sites.ids[best],
                    "nearest_rtt_ms": nearest,
                    "radius_rtt_ms": radii,
                    "covered": nearest <= radii,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
