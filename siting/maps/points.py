"""The point layers of a map as JSON items: sites, existing capacity, demand hubs, flows.

Sites and hubs are numbered by their row; a flow and a popup table refer to them by that
number, so each name is written once. Names are escaped HTML (``label``); numbers stay
numbers and are formatted in the browser.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from siting.maps.escape import esc, missing
from siting.maps.panel import table
from siting.maps.symbols import MIN_RADIUS, dot_svg, pie_svg, radius, ring_svg, size
from siting.results import COST_COLUMNS, Results


def names(frame: pd.DataFrame, id_column: str) -> list[str]:
    """Each row's display name: ``name`` where present, else its id."""
    ids = frame[id_column].astype(str)
    if "name" not in frame:
        return list(ids)
    return [
        str(n) if not missing(n) and str(n) else i for n, i in zip(frame["name"], ids, strict=True)
    ]


def _records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).to_dict("records")


def _css_word(value: Any) -> str:
    """Make a value safe to use as (part of) a CSS class name."""
    word = "".join(c for c in str(value).lower() if c.isascii() and (c.isalnum() or c in "_-"))
    return word or "none"


def _optional(value: Any, digits: int) -> float | None:
    return None if missing(value) else round(float(value), digits)


def chosen(sites: pd.DataFrame) -> pd.Series:
    """Which sites the plan uses: hosting MW or open; the others are unused candidates."""
    hosted = pd.to_numeric(sites["hosted_mw"], errors="coerce").fillna(0.0) > 1e-6
    opened = sites["open"].fillna(False).astype(bool) if "open" in sites else False
    return hosted | opened


def flow_table(results: Results, sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the flows with the row number of their hub (``h``) and site (``s``).

    ``s`` counts rows of ``sites`` (default ``results.sites``). Flows whose hub or site is
    not there are left out; the largest come first.
    """
    sites = results.sites if sites is None else sites
    flows = pd.DataFrame(results.flows.drop(columns="geometry", errors="ignore"))
    hub_row = pd.Series(np.arange(len(results.hubs)), index=results.hubs["hub_id"].to_numpy())
    site_row = pd.Series(np.arange(len(sites)), index=sites["site_id"].to_numpy())
    hub_row = hub_row[~hub_row.index.duplicated()]
    site_row = site_row[~site_row.index.duplicated()]
    flows["h"] = flows["hub_id"].map(hub_row)
    flows["s"] = flows["site_id"].map(site_row)
    flows = flows.dropna(subset=["h", "s"]).astype({"h": int, "s": int})
    return flows.sort_values("mw", ascending=False, kind="stable")


def _by(flows: pd.DataFrame, key: str, other: str) -> dict[int, list[list[float]]]:
    """Per row number in column ``key``: ``[other row, MW, RTT ms]`` of its flows."""
    out: dict[int, list[list[float]]] = {}
    for k, o, mw, rtt in zip(flows[key], flows[other], flows["mw"], flows["rtt_ms"], strict=True):
        out.setdefault(int(k), []).append([int(o), round(float(mw), 2), round(float(rtt), 2)])
    return out


def site_items(sites: pd.DataFrame, flows: pd.DataFrame, max_mw: float) -> list[dict[str, Any]]:
    """One item per site: position, pie symbol, tooltip, popup and the hubs it serves.

    ``flows`` is :func:`flow_table` over the same ``sites``.
    """
    serves = _by(flows, "s", "h")
    items = []
    labels = names(sites, "site_id")
    for i, (rec, label) in enumerate(zip(_records(sites), labels, strict=True)):
        hosted = float(rec["hosted_mw"])
        share = float(rec["training_share"]) if hosted > 1e-6 else 0.0
        if hosted > 1e-6:
            r = radius(hosted, max_mw)
            svg = pie_svg(r, share)
            tip = (
                f"<b>{esc(label)}</b><br>{hosted:,.0f} MW: {share:.0%} training, "
                f"{1 - share:.0%} inference"
            )
        else:
            r = MIN_RADIUS
            opened = bool(rec.get("open", False))
            svg = dot_svg(r, "#bdbdbd" if opened else "#ffffff", "#555" if opened else "#888")
            tip = f"<b>{esc(label)}</b><br>{'open, idle' if opened else 'not used'}"
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "label": esc(label),
                "d": size(r),
                "svg": svg,
                "cls": f"siting-site siting-{_css_word(rec.get('role'))}",
                "z": -round(r * 40),
                "tip": tip,
                "pop": _site_popup(rec, label),
                "serves": serves.get(i, []),
            }
        )
    return items


def _class_rows(rec: Mapping[Hashable, Any]) -> list[tuple[str, str]]:
    """One row per service class's inference MW (``inference_<class>_mw``), if any."""
    keys = [str(k) for k in rec]
    names = [k[len("inference_") : -len("_mw")] for k in keys if k.startswith("inference_")]
    return [
        (f"· {esc(n)} inference", f"{rec[f'inference_{n}_mw']:,.1f} MW")
        for n in names
        if n and f"inference_{n}_mw" in rec
    ]


def _site_popup(rec: Mapping[Hashable, Any], label: str) -> str:
    zh = rec.get("name_zh")
    head = f"<b>{esc(label)}</b>" + (f" {esc(zh)}" if not missing(zh) else "")
    where = ", ".join(esc(rec[c]) for c in ("province", "cluster") if not missing(rec.get(c)))
    rows = [
        ("Role", esc(rec.get("role"))),
        ("Training", f"{rec['training_mw']:,.1f} MW"),
        ("Inference", f"{rec['inference_mw']:,.1f} MW"),
        *_class_rows(rec),
        ("Existing (stranded)", f"{rec['existing_mw']:,.1f} ({rec['stranded_mw']:,.1f}) MW"),
        ("New build", f"{rec['new_mw']:,.1f} of {rec['headroom_mw']:,.1f} MW headroom"),
    ]
    costs = [
        (c.removeprefix("cost_").removesuffix("_cny").capitalize(), f"{rec[c] / 1e6:,.1f}")
        for c in COST_COLUMNS
        if c in rec
    ]
    costs.append(("<b>Total</b>", f"<b>{rec['cost_total_cny'] / 1e6:,.1f}</b>"))
    return (
        f"{head}<br><small>{where}</small>{table(rows)}"
        f"<div class='siting-h'>Cost (M CNY/yr)</div>{table(costs)}"
    )


def candidate_items(sites: pd.DataFrame) -> list[dict[str, Any]]:
    """One small item per unused candidate: position, name, where and its headroom MW.

    The page draws them as light dots below the chosen sites (their popups would only
    repeat zeros, so they carry what a user needs to tell candidates apart).
    """
    labels = names(sites, "site_id")
    items = []
    for rec, label in zip(_records(sites), labels, strict=True):
        where = ", ".join(esc(rec[c]) for c in ("province", "cluster") if not missing(rec.get(c)))
        zh = rec.get("name_zh")
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "label": esc(label) + (f" {esc(zh)}" if not missing(zh) and zh != label else ""),
                "where": where,
                "room": _optional(rec.get("headroom_mw"), 1),
            }
        )
    return items


def existing_items(results: Results, max_mw: float) -> list[dict[str, Any]]:
    """One ring per site with existing capacity, its stranded part highlighted."""
    items = []
    labels = names(results.sites, "site_id")
    for rec, label in zip(_records(results.sites), labels, strict=True):
        existing = float(rec["existing_mw"])
        if existing <= 1e-6:
            continue
        stranded = min(max(float(rec["stranded_mw"]), 0.0), existing)
        r = radius(existing, max_mw) + 2.0
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "d": size(r + 2),
                "svg": ring_svg(r, stranded / existing),
                "tip": (
                    f"<b>{esc(label)}</b><br>existing {existing:,.0f} MW, "
                    f"{existing - stranded:,.0f} used, {stranded:,.0f} stranded"
                ),
            }
        )
    return items


def hub_items(results: Results, flows: pd.DataFrame) -> list[dict[str, Any]]:
    """One item per hub: position, demand, SLA, mean RTT and the sites serving it."""
    hubs = results.hubs
    served = _by(flows, "h", "s")
    n_sites = hubs["n_sites"] if "n_sites" in hubs else pd.Series(0, index=hubs.index)
    mean = hubs["mean_rtt_ms"] if "mean_rtt_ms" in hubs else pd.Series(np.nan, index=hubs.index)
    columns = zip(
        hubs["lat"], hubs["lon"], hubs["demand_mw"], hubs["sla_rtt_ms"], mean, n_sites, strict=True
    )
    return [
        {
            "lat": round(float(lat), 5),
            "lon": round(float(lon), 5),
            "label": esc(label),
            "mw": round(float(mw), 2),
            "sla": float(sla),
            "rtt": _optional(rtt, 2),
            "n": 0 if missing(n) else int(n),
            "served": served.get(i, []),
        }
        for i, (label, (lat, lon, mw, sla, rtt, n)) in enumerate(
            zip(names(hubs, "hub_id"), columns, strict=True)
        )
    ]


def flow_items(flows: pd.DataFrame, max_flow_mw: float) -> list[dict[str, Any]]:
    """One line per flow: its hub and site row numbers, MW, RTT and line width."""
    return [
        {
            "h": int(h),
            "s": int(s),
            "mw": round(float(mw), 2),
            "rtt": round(float(rtt), 2),
            "w": round(1.5 + 7.0 * float(mw) / max_flow_mw, 2),
        }
        for h, s, mw, rtt in zip(flows["h"], flows["s"], flows["mw"], flows["rtt_ms"], strict=True)
    ]
