"""What ``siting classic`` reports: summary.json, the comparison page and the text report."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from siting.classic.plans import LABELS, ClassicPlan, ClassicRun
from siting.errors import counted
from siting.maps.panel import objective_text
from siting.pipeline import Prepared, with_geography
from siting.provenance import provenance, public_dict

if TYPE_CHECKING:
    from siting.maps.skeleton import Tiles


def classic_summary(run: ClassicRun, prepared: Prepared) -> dict[str, Any]:
    """Return what ``summary.json`` holds: provenance, scenario, options and every plan."""
    layer = prepared.scenario.latency.layer
    return {
        "provenance": provenance(
            [p.run.scenario for p in run.plans],
            prepared.paths,
            solver=run.plans[0].run.solution.solver,
            source=prepared.path,
            name=run.scenario.name,
        ),
        "scenario": public_dict(run.scenario),
        "sites": run.sites,
        "sites_from": run.p_source,
        "sites_rule": run.rule,
        "coverage_rtt_ms": run.radius_rtt_ms,
        "coverage": "each hub's SLA" if run.radius_rtt_ms is None else "coverage_rtt_ms",
        "metrics": metrics_note(layer),
        "plans": [
            {
                "model": p.kind,
                "label": p.label,
                "scenario": p.run.scenario.name,
                **p.metrics,
                "open_sites": p.open_sites,
                "solver": p.run.summary["solver"],
            }
            for p in run.plans
        ],
        "failed": run.failed,
        "timings_s": run.timings,
    }


def comparison_page(run: ClassicRun, prepared: Prepared, *, tiles: Tiles = "none") -> Any:
    """Draw the plans side by side on one page (:func:`siting.maps.make_comparison_page`)."""
    from siting.maps import make_comparison_page, make_map

    first = with_geography(run.plans[0].run.results, prepared)  # hubs and SLA reach are shared
    shared: dict[str, Any] = {"backbone": first.backbone, "reach": first.reach}
    results = [first] + [dataclasses.replace(p.run.results, **shared) for p in run.plans[1:]]
    if len(results) == 1:  # every classic model failed
        plan = run.plans[0]
        title = f"{run.scenario.name} · {plan.label}"
        return make_map(first, title=title, description=plan_line(plan), tiles=tiles)
    return make_comparison_page(
        results,
        titles=[f"{run.scenario.name} · {p.label}" for p in run.plans],
        descriptions=[plan_line(p) for p in run.plans],
        tiles=tiles,
    )


def metrics_note(layer: str) -> str:
    """Say how each plan is scored: over its own flows, and from the nearest open site."""
    return (
        f"round trips at the {layer} layer; mean_rtt_ms and max_rtt_ms over the plan's own "
        "flows, weighted by MW served (as siting optimize reports them); *_nearest_* and "
        "covered_* with each hub served from its nearest open site, weighted by demand"
    )


def plan_line(plan: ClassicPlan) -> str:
    """One line on a plan's open sites: count, round trips (flows, nearest), demand covered."""
    m = plan.metrics
    return (
        f"{counted(m['sites_open'], 'site')}; mean RTT {m['mean_rtt_ms']:.2f} ms (flows); "
        f"nearest open: mean {m['mean_rtt_nearest_ms']:.2f}, worst {m['worst_rtt_nearest_ms']:.2f} "
        f"ms; {m['covered_share']:.1%} of demand covered"
    )


def classic_report(run: ClassicRun) -> str:
    """Return the text report: how p and the radius were chosen, each plan, the open sites."""
    layer = run.plans[0].run.scenario.latency.layer
    radius = (
        "each hub's SLA" if run.radius_rtt_ms is None else f"{run.radius_rtt_ms:g} ms round trip"
    )
    rule = run.rule.replace("_", " ")
    lines = [
        f"{run.scenario.name}: the {run.plans[0].label} plan beside the classic location models",
        f"p = {run.sites} ({rule}; from {run.p_source}) for p-median, p-center and MCLP; "
        f"coverage radius {radius} for MCLP and LSCP",
        f"Round trips at the {layer} layer: 'flows' over the plan's own flows, weighted by MW "
        "served (as siting optimize);",
        "'nearest' and 'covered' with each hub served from its nearest open site, weighted by "
        "demand.",
        *(
            [
                f"One inference class: the scenario's service classes "
                f"({', '.join(run.scenario.classes.root)}) are left out (classes = {{}}), every "
                f"hub at demand.inference_sla_ms = {run.scenario.demand.inference_sla_ms:g} ms."
            ]
            if run.scenario.classes.root
            else []
        ),
        "",
        f"{'':<20} {'':>20} {'':>5} {'flows':>9} {'nearest':>9} {'nearest':>10}",
        f"{'model':<20} {'objective':>20} {'sites':>5} {'mean RTT':>9} {'mean RTT':>9} "
        f"{'worst RTT':>10} {'covered':>8} {'annual cost':>14} {'status':<8}",
    ]
    for plan in run.plans:
        m = plan.metrics
        cost = m["annual_cost_cny"]
        cost_text = "–" if cost != cost else f"{cost / 1e9:,.2f} bn CNY"
        lines.append(
            f"{plan.label:<20} {objective_text(m):>20} {m['sites_open']:>5} "
            f"{m['mean_rtt_ms']:>6.2f} ms {m['mean_rtt_nearest_ms']:>6.2f} ms "
            f"{m['worst_rtt_nearest_ms']:>7.2f} ms {m['covered_share']:>8.1%} {cost_text:>14} "
            f"{m['status']:<8}"
        )
    for kind, message in run.failed.items():
        lines.append(f"{LABELS[kind]:<20} no plan: {message}")
    lines += ["", "Open sites, most MW assigned first (ids and figures in sites.csv)"]
    for plan in run.plans:
        names = _open_names(plan)
        more = f" and {len(names) - 12} more" if len(names) > 12 else ""
        lines.append(f"  {plan.label}: {', '.join(names[:12])}{more}")
    if run.table_dir is not None:
        lines += ["", f"Tables: {run.table_dir}/ (plans.csv, sites.csv, hubs.csv, summary.json)"]
    if run.map_path is not None:
        lines.append(f"Map: {run.map_path}")
    return "\n".join(lines)


def _open_names(plan: ClassicPlan) -> list[str]:
    """Names (ids where a site has none) of a plan's open sites, most MW assigned first."""
    sites = plan.run.results.sites
    opened = sites[sites["open"]].sort_values("hosted_mw", ascending=False, kind="stable")
    return opened["name"].fillna(opened["site_id"]).astype(str).tolist()
