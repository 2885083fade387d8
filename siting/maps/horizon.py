"""The year map of a multi-period plan (``siting plan``): one set of layers per year.

:func:`make_plan_map` writes every year of one plan (or of the perfect and myopic plans side
by side) into the page's JSON: per site and year the installed MW (pre-horizon and new), MW
used for training and inference, idle (stranded) MW and capital, MW ordered and MW entering
service; per hub and year its demand and the sites serving it; national totals per year.
``static/years.js`` draws the chosen year and the year control (slider, previous, next,
play) on folium's maps, as ``siting.js`` draws the provinces and hubs. As on every map
(:mod:`siting.maps.page`), names are escaped here and no data reaches a template.

The site figures are the rows of :func:`siting.horizon_tables.schedule_table` (``schedule.csv``)
summed over accelerator classes; the totals are ``summary.json``'s ``by_year``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from siting.horizon import Horizon
from siting.horizon_tables import present_value
from siting.layers import Layers
from siting.maps import shapes
from siting.maps.escape import esc
from siting.maps.page import (
    CLUSTER_ABOVE,
    LAYER_HUBS,
    MapPage,
    base_layers,
    choropleth_ranges,
    finish_layers,
    hub_options,
    map_frame,
)
from siting.maps.panel import table
from siting.maps.points import names
from siting.maps.skeleton import Tiles
from siting.maps.symbols import (
    EXISTING_COLOUR,
    HUB_COLOUR,
    INFERENCE_COLOUR,
    MAX_RADIUS,
    MIN_RADIUS,
    STRANDED_COLOUR,
    TRAINING_COLOUR,
)
from siting.solve.horizon import HorizonSolution

#: Layer names of a plan map (with the province shadings, hubs and boundary lines).
LAYER_INSTALLED = "Installed MW: used / idle"
LAYER_BUILDS = "New builds: entering service / ordered"
LAYER_YEAR_FLOWS = "Inference flows in the year"
#: Capacity built within the horizon (the vintage ring and the new-build triangles).
NEW_COLOUR = "#1a9641"
#: Per site and year, in this order: site row, installed, pre-horizon (existing), new in
#: service, entering service this year, ordered this year, training, inference, idle
#: (stranded) MW, stranded capital bn CNY, open (1/0); then one row per accelerator class:
#: class, existing, new in service, training, inference, idle MW.
SITE_FIELDS = (
    "site", "installed_mw", "existing_mw", "new_in_service_mw", "entering_mw", "ordered_mw",
    "training_mw", "inference_mw", "stranded_mw", "stranded_capital_bn_cny", "open",
)  # fmt: skip
#: The national totals per year (``summary.json``'s ``by_year``), as the panel shows them.
TOTALS = (
    ("demand_mw", "Demand", "MW"),
    ("installed_mw", "Installed", "MW"),
    ("used_mw", "Used", "MW"),
    ("stranded_mw", "Idle (stranded)", "MW"),
    ("stranded_capital_bn_cny", "Stranded capital", "bn CNY"),
    ("ordered_mw", "Ordered", "MW"),
    ("unmet_mw", "Unmet demand", "MW"),
)
DIGITS = 4  # of MW in the page (0.1 kW)


@dataclass(frozen=True)
class YearPlan:
    """One foresight's plan, as the year map draws it.

    Attributes
    ----------
    solution
        The solved plan.
    schedule
        Its tidy schedule (:func:`siting.horizon_tables.schedule_table`, as in ``schedule.csv``).
    totals
        National totals, one mapping per year (``summary.json``'s ``by_year``), with the keys
        of ``TOTALS``.
    """

    solution: HorizonSolution
    schedule: pd.DataFrame
    totals: Sequence[Mapping[str, float]]


def make_plan_map(
    horizon: Horizon,
    plans: Sequence[YearPlan],
    layers: Layers,
    *,
    title: str,
    description: str = "",
    year: int | None = None,
    tiles: Tiles = "none",
) -> MapPage:
    """Draw a multi-period plan on an interactive map with a year control.

    Base layers as on :func:`~siting.maps.make_map` (provinces by power price, PUE, grid
    carbon or staff, or not shaded). Overlays, for the year chosen with the slider (or the
    previous, next and play buttons, or the keyboard): sites as pies sized by installed MW
    and split into training, inference and idle MW, ringed by their pre-horizon and new MW;
    new builds as triangles (filled: MW entering service that year; outlined: MW ordered);
    the year's inference flows, weighted by MW; demand hubs sized by that year's demand;
    boundary lines. A panel shows the year's
    national totals, for both plans when there are two.

    Parameters
    ----------
    horizon
        The planned horizon (its sites and hubs align with ``layers``' rows).
    plans
        One plan, or two (e.g. perfect and myopic foresight) drawn side by side, their
        views, sizes and year kept in step.
    layers
        The layers the horizon was built from (names, places, provinces).
    title
        The page title and each panel's heading (e.g. the scenario name).
    description
        Shown under the title (e.g. the scenario's description).
    year
        The year shown first; default the last year of the horizon.
    tiles
        As for :func:`~siting.maps.make_map`.

    Returns
    -------
    MapPage
        Save it with :func:`~siting.maps.save_map`.

    Raises
    ------
    ValueError
        For no plan or more than two, a year outside the horizon, or another tile choice.
    """
    years = [int(y) for y in horizon.years]
    if tiles not in ("none", "osm"):
        msg = f"tiles must be 'none' or 'osm', not {tiles!r}"
        raise ValueError(msg)
    if not 1 <= len(plans) <= 2 or (year is not None and year not in years):
        msg = f"one or two plans and a year of {years[0]}-{years[-1]}, not {len(plans)}, {year}"
        raise ValueError(msg)
    sites = [_site_years(horizon, p) for p in plans]
    max_mw = max([1e-9] + [row[1] for plan in sites for rows in plan for row in rows])
    ranges = choropleth_ranges([layers.provinces])
    hubs = [_hub_years(horizon, p.solution, layers) for p in plans]
    max_hub_mw = max(1e-9, float(horizon.demand[: len(layers.hubs)].max(initial=0.0)))
    max_flow_mw = max(
        [1e-9] + [r[1] for plan in hubs for hub in plan for year in hub["y"] for r in year[3]]
    )
    maps = [
        _plan_map(
            horizon, plan, layers, site_rows, hub_items, title, description, tiles, ranges,
            max_hub_mw, collapsed=len(plans) > 1,
        )
        for plan, site_rows, hub_items in zip(plans, sites, hubs, strict=True)
    ]  # fmt: skip
    data = {
        "geometry": shapes.province_geometry(layers.provinces),
        "maps": maps,
        "years": {
            "years": years,
            "start": years.index(year) if year is not None else len(years) - 1,
            "classes": [esc(c) for c in horizon.classes],
            "fields": list(SITE_FIELDS),
            "maxMw": max_mw,
            "maxFlowMw": max_flow_mw,
            "radius": [MIN_RADIUS, MAX_RADIUS],
            "colours": {
                "training": TRAINING_COLOUR,
                "inference": INFERENCE_COLOUR,
                "idle": STRANDED_COLOUR,
                "existing": EXISTING_COLOUR,
                "new": NEW_COLOUR,
            },
            "totals": {
                "rows": [[key, esc(label), unit] for key, label, unit in TOTALS],
                "plans": [
                    {"foresight": esc(p.solution.foresight), "values": _totals(p, years)}
                    for p in plans
                ],
            },
        },
    }
    return MapPage(title, data, tiles, extensions=("years.css", "years.js"))


def entering_service(horizon: Horizon, order: np.ndarray) -> np.ndarray:
    """MW entering service per site, class and year: orders placed ``L_k`` years before."""
    entering = np.zeros_like(order)
    for k in range(horizon.n_accelerator_classes):
        lead = int(horizon.lead[k])
        if lead < horizon.n_years:
            entering[:, k, lead:] = order[:, k, : horizon.n_years - lead]
    return entering


def _site_years(horizon: Horizon, plan: YearPlan) -> list[list[list[Any]]]:
    """Per year, one row per site with MW (``SITE_FIELDS``, then its class rows)."""
    table = plan.schedule
    site_row = {str(s): i for i, s in enumerate(horizon.base.sites.ids)}
    class_row = {str(c): k for k, c in enumerate(horizon.classes)}
    year_row = {int(y): t for t, y in enumerate(horizon.years)}
    s = table["site_id"].astype(str).map(site_row).to_numpy(int)
    k = table["accelerator_class"].astype(str).map(class_row).to_numpy(int)
    t = table["year"].astype(int).map(year_row).to_numpy(int)
    entering = entering_service(horizon, plan.solution.order)[s, k, t]
    columns = ["installed_mw", "existing_mw", "new_in_service_mw", "ordered_mw", "training_mw",
               "inference_mw", "stranded_mw", "stranded_capital_bn_cny"]  # fmt: skip
    values = np.column_stack([table[c].to_numpy(float) for c in columns])
    values = np.insert(values, 3, entering, axis=1)  # SITE_FIELDS order
    rows: dict[tuple[int, int], list[Any]] = {}
    opened = plan.solution.open
    for ti, si, ki, v in zip(t.tolist(), s.tolist(), k.tolist(), values.tolist(), strict=True):
        row = rows.get((ti, si))
        if row is None:
            row = rows[(ti, si)] = [si, *[0.0] * 9, int(bool(opened[si, ti] > 0.5)), []]
        for j, x in enumerate(v, start=1):
            row[j] += x
        c = (v[1], v[2], v[5], v[6], v[7])  # existing, new, training, inference, idle
        row[-1].append([ki, *(round(x, DIGITS) for x in c)])
    out: list[list[list[Any]]] = [[] for _ in range(horizon.n_years)]
    for (ti, _), row in sorted(rows.items()):
        row[1:9] = [round(x, DIGITS) for x in row[1:9]]
        row[9] = round(row[9], 6)
        out[ti].append(row)
    return out


def _hub_years(horizon: Horizon, sol: HorizonSolution, layers: Layers) -> list[dict[str, Any]]:
    """One item per hub as on the single-year map, with its figures for each year in ``y``."""
    base = horizon.base
    labels = names(layers.hubs, "hub_id")
    served: list[list[list[list[float]]]] = [
        [[] for _ in range(horizon.n_years)] for _ in range(base.n_hubs)
    ]
    for t in range(horizon.n_years):
        for p in np.flatnonzero(sol.serve[:, t] > 1e-6):
            served[int(base.pairs.hub[p])][t].append(
                [int(base.pairs.site[p]), round(float(sol.serve[p, t]), 2),
                 round(float(base.pairs.rtt_ms[p]), 2)]
            )  # fmt: skip
    items = []
    for h, (label, lat, lon) in enumerate(
        zip(labels, layers.hubs["lat"], layers.hubs["lon"], strict=True)
    ):
        per_year = []
        for t in range(horizon.n_years):
            rows = sorted(served[h][t], key=lambda r: -r[1])
            mw = sum(r[1] for r in rows)
            rtt = round(sum(r[1] * r[2] for r in rows) / mw, 2) if mw > 0 else None
            per_year.append([round(float(horizon.demand[h, t]), 2), rtt, len(rows), rows])
        items.append(
            {
                "lat": round(float(lat), 5),
                "lon": round(float(lon), 5),
                "label": esc(label),
                "sla": float(base.classes.sla_ms[0, h]),
                "y": per_year,
                # the hub layer's fields, set to the year shown by years.js
                "mw": per_year[-1][0],
                "rtt": per_year[-1][1],
                "n": per_year[-1][2],
                "served": per_year[-1][3],
            }
        )
    return items


def _totals(plan: YearPlan, years: list[int]) -> list[list[float]]:
    """Per year, the national totals in the order of ``TOTALS``."""
    by_year = {int(row["year"]): row for row in plan.totals}
    return [[round(float(by_year[y][key]), DIGITS) for key, _, _ in TOTALS] for y in years]


def _plan_map(
    horizon: Horizon,
    plan: YearPlan,
    layers: Layers,
    site_rows: list[list[list[Any]]],
    hub_items: list[dict[str, Any]],
    title: str,
    description: str,
    tiles: Tiles,
    ranges: dict[str, tuple[float, float]],
    max_hub_mw: float,
    *,
    collapsed: bool,
) -> dict[str, Any]:
    """Return the JSON of one plan's map: base layers, year layers, panel and legend."""
    spec = base_layers()
    spec += [
        {"kind": "planSites", "name": LAYER_INSTALLED, "show": True},
        {"kind": "planBuilds", "name": LAYER_BUILDS, "show": True},
        {"kind": "planFlows", "name": LAYER_YEAR_FLOWS, "show": True},
        {"kind": "hubs", "name": LAYER_HUBS, "show": True},
    ]
    finish_layers(spec, layers.boundary_lines, tiles)
    sites = layers.sites
    site_names = names(sites, "site_id")
    clustered = len(hub_items) > CLUSTER_ABOVE
    return {
        **map_frame(key(), layers.provinces, ranges, collapsed=collapsed),
        "panel": _panel(plan, horizon, title, description),
        "layers": spec,
        "sites": [
            {
                "lat": round(float(lat), 5),
                "lon": round(float(lon), 5),
                "label": esc(label),
                "where": esc(province),
            }
            for label, lat, lon, province in zip(
                site_names, sites["lat"], sites["lon"], sites["province"], strict=True
            )
        ],
        "plan": site_rows,
        "hubs": hub_items,
        "hubOptions": hub_options(clustered, max_hub_mw),
        "flows": [],
        "flowColour": INFERENCE_COLOUR,
    }


def _panel(plan: YearPlan, horizon: Horizon, title: str, description: str) -> str:
    """Return the heading: title, description, foresight, solver status, present value."""
    sol = plan.solution
    years = horizon.years
    gap = "" if math.isnan(sol.gap) else f", gap {sol.gap:.2%}"
    rows = [
        ("Foresight", esc(sol.foresight)),
        ("Years", f"{int(years[0])}–{int(years[-1])}"),
        present_value(horizon, sol),
        ("Solver", f"{esc(sol.solver)} {esc(sol.status)}{gap}"),
    ]
    about = f"<div class='siting-desc'>{esc(description)}</div>" if description else ""
    return f"<div class='siting-title'>{esc(title)}</div>{about}{table(rows, th=True)}"


def _wedges(r: float, parts: Sequence[tuple[float, str]]) -> str:
    """SVG of a circle of radius ``r`` cut into wedges (share, colour) clockwise from 12."""
    d = math.ceil(2 * r + 3)
    c = d / 2
    body, start = [], 0.0
    for share, colour in parts:
        a0, a1 = 2 * math.pi * start, 2 * math.pi * (start + share)
        x0, y0 = c + r * math.sin(a0), c - r * math.cos(a0)
        x1, y1 = c + r * math.sin(a1), c - r * math.cos(a1)
        large = 1 if share > 0.5 else 0
        body.append(
            f"<path d='M{c:g},{c:g} L{x0:.2f},{y0:.2f} A{r:.2f},{r:.2f} 0 {large} 1 "
            f"{x1:.2f},{y1:.2f} Z' fill='{colour}'/>"
        )
        start += share
    return f"<svg width='{d}' height='{d}' viewBox='0 0 {d} {d}'>{''.join(body)}</svg>"


def key() -> str:
    """Return the ``Symbols`` part of a plan map's legend (HTML of constants only)."""
    pie = _wedges(9, ((0.3, TRAINING_COLOUR), (0.45, INFERENCE_COLOUR), (0.25, STRANDED_COLOUR)))
    ring = (
        "<svg width='22' height='22'><circle cx='11' cy='11' r='8' fill='none' "
        f"stroke='{EXISTING_COLOUR}' stroke-width='3'/><path d='M11,3 A8,8 0 0 1 19,11' "
        f"fill='none' stroke='{NEW_COLOUR}' stroke-width='3'/></svg>"
    )
    built = (
        f"<svg width='18' height='16'><path d='M9,1 L17,15 L1,15 Z' fill='{NEW_COLOUR}' "
        "stroke='#fff'/></svg>"
    )
    ordered = (
        "<svg width='18' height='16'><path d='M9,1 L17,15 L1,15 Z' fill='none' "
        f"stroke='{NEW_COLOUR}' stroke-width='2' stroke-dasharray='3 2'/></svg>"
    )
    flow = (
        f"<svg width='22' height='22'><path d='M1,11 L21,11' stroke='{INFERENCE_COLOUR}' "
        "stroke-width='4' stroke-opacity='0.55'/></svg>"
    )
    hub = (
        f"<svg width='16' height='16'><path d='M8,2 L14,8 L8,14 L2,8 Z' fill='{HUB_COLOUR}' "
        "stroke='#000'/></svg>"
    )
    rows = [
        (
            pie,
            f"Site in the year: <b style='color:{TRAINING_COLOUR}'>training</b> / "
            f"<b style='color:{INFERENCE_COLOUR}'>inference</b> / "
            f"<b style='color:{STRANDED_COLOUR}'>idle (stranded)</b> MW, area ∝ installed MW",
        ),
        (ring, f"Ring: pre-horizon / <b style='color:{NEW_COLOUR}'>new</b> MW in service"),
        (built, "MW entering service this year, area ∝ MW"),
        (ordered, "MW ordered this year (in service after the lead time)"),
        (flow, "Inference flow in the year, width ∝ MW"),
        (hub, "Demand hub, area ∝ the year's MW demand"),
    ]
    body = "".join(
        f"<div><span class='siting-sym'>{s}</span><span>{t}</span></div>" for s, t in rows
    )
    return f"<summary>Symbols</summary>{body}"
