"""The owner map of one year of a market for compute: who owns each hall, and how full it is.

:func:`make_owner_map` draws a plain per-site table (:data:`SITE_COLUMNS`), such as the rows
of one year of ``market_sites.csv`` (``siting market``) or of a simulated build-out: each
site with capacity as a circle in its owner type's colour, area ∝ capacity MW, filled over
its utilisation (used ÷ capacity, as the market allocated it). One overlay per owner type
lets the owners be switched on and off; the panel sums capacity, use and idle MW by owner
type. As on every map (:mod:`siting.maps.page`), names are escaped here and no data reaches
a template.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, Problem
from siting.layers import Layers
from siting.maps import shapes
from siting.maps.escape import esc, missing
from siting.maps.page import MapPage, base_layers, choropleth_ranges, finish_layers, map_frame
from siting.maps.panel import num, table
from siting.maps.points import names
from siting.maps.skeleton import Tiles
from siting.maps.symbols import filled_svg, radius, size
from siting.market.data import OWNER_TYPES

#: Columns the site table must have: per site its place, owner type (one of
#: :data:`~siting.market.OWNER_TYPES`), installed, used and idle MW, utilisation (used ÷
#: capacity) and revenue (CNY in the year).
SITE_COLUMNS = (
    "site_id", "lon", "lat", "owner_type", "capacity_mw", "used_mw", "idle_mw", "utilisation",
    "revenue_cny",
)  # fmt: skip
#: Columns shown when present: the site's name and province, and its largest clearing
#: premium over the posted rent (CNY per MW-year; 0 where no capacity binds).
OPTIONAL_COLUMNS = ("name", "province", "clearing_premium")
#: Each owner type's colour (ColorBrewer Paired, Set1; apart from the province ramps) and
#: what it stands for.
OWNER_COLOURS = {
    "cloud": "#1f78b4",
    "telecom": "#6a3d9a",
    "gpu_cloud": "#ff7f00",
    "local_gov": "#e7298a",
}
OWNER_LABELS = {
    "cloud": "hyperscaler or cloud, captive",
    "telecom": "telecom operator",
    "gpu_cloud": "GPU cloud or merchant",
    "local_gov": "local government or SOE",
}
#: The name of an owner type's overlay in the layer control.
LAYER_OWNER = "Owner: {owner} ({n} sites)"
DIGITS = 6  # of utilisation in the page


def make_owner_map(
    sites: pd.DataFrame,
    layers: Layers,
    *,
    year: int,
    title: str,
    description: str = "",
    tiles: Tiles = "none",
) -> MapPage:
    """Draw one year's sites coloured by owner type and filled to their utilisation.

    Base layers as on :func:`~siting.maps.make_map` (provinces by power price, PUE, grid
    carbon or staff, or not shaded). Overlays: one per owner type, its sites as circles in
    its colour, area ∝ capacity MW and filled over the site's utilisation; each site's
    tooltip gives its owner and utilisation, its popup the capacity, used and idle MW,
    utilisation, revenue and (when given) the clearing premium; boundary lines. A panel
    shows the year's capacity, use and idle MW by owner type.

    Parameters
    ----------
    sites
        One row per site (:data:`SITE_COLUMNS`, and any of :data:`OPTIONAL_COLUMNS`); sites
        without capacity are left out.
    layers
        The layers the sites come from (provinces and boundary lines).
    year
        The year drawn (the panel's heading).
    title
        The page title and the panel's heading (e.g. the scenario name).
    description
        Shown under the title (e.g. the scenario's description).
    tiles
        As for :func:`~siting.maps.make_map`.

    Returns
    -------
    MapPage
        Save it with :func:`~siting.maps.save_map`.

    Raises
    ------
    InputError
        For a missing column or an unknown owner type, naming them.
    ValueError
        For another tile choice.
    """
    if tiles not in ("none", "osm"):
        msg = f"tiles must be 'none' or 'osm', not {tiles!r}"
        raise ValueError(msg)
    shown = _checked(sites)
    max_mw = max(1e-9, float(shown["capacity_mw"].to_numpy(float).max(initial=0.0)))
    spec = base_layers()
    owners = shown["owner_type"].to_numpy()
    for owner in OWNER_TYPES:
        rows = np.flatnonzero(owners == owner).tolist()
        name = LAYER_OWNER.format(owner=owner, n=len(rows))
        spec.append({"kind": "sites", "name": name, "show": True, "rows": rows})
    finish_layers(spec, layers.boundary_lines, tiles)
    ranges = choropleth_ranges([layers.provinces])
    one = {
        **map_frame(key(), layers.provinces, ranges, collapsed=False),
        "panel": _panel(shown, year, title, description),
        "layers": spec,
        "sites": site_items(shown, max_mw),
        "hubs": [],
        "flows": [],
    }
    data = {"geometry": shapes.province_geometry(layers.provinces), "maps": [one]}
    return MapPage(title, data, tiles)


def _checked(sites: pd.DataFrame) -> pd.DataFrame:
    """Return the sites with capacity; raise one error naming each missing column and owner."""
    problems = [
        Problem("owner map", "site table", c, "a column of the site table")
        for c in SITE_COLUMNS
        if c not in sites.columns
    ]
    if problems:
        raise InputError(problems)
    shown = sites[pd.to_numeric(sites["capacity_mw"], errors="coerce").fillna(0.0) > 0]
    shown = shown.reset_index(drop=True)
    unknown = ~shown["owner_type"].isin(OWNER_TYPES)
    if unknown.any():
        expected = f"one of {', '.join(OWNER_TYPES)}"
        raise InputError(
            Problem("owner map", f"site {shown.at[i, 'site_id']!r}", "owner_type",
                    f"{expected}; got {shown.at[i, 'owner_type']!r}")
            for i in np.flatnonzero(unknown)
        )  # fmt: skip
    return shown


def site_items(sites: pd.DataFrame, max_mw: float) -> list[dict[str, Any]]:
    """One item per site: position, symbol, tooltip, popup and its figures as numbers."""
    items = []
    labels = names(sites, "site_id")
    records = pd.DataFrame(sites.drop(columns="geometry", errors="ignore")).to_dict("records")
    for rec, label in zip(records, labels, strict=True):
        owner, capacity = str(rec["owner_type"]), float(rec["capacity_mw"])
        share = 0.0 if missing(rec["utilisation"]) else float(rec["utilisation"])
        r = radius(capacity, max_mw)
        used = "–" if missing(rec["utilisation"]) else f"{share:.0%}"
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "id": esc(rec["site_id"]),
                "label": esc(label),
                "owner": owner,
                "mw": round(capacity, 4),
                "util": None if missing(rec["utilisation"]) else round(share, DIGITS),
                "d": size(r),
                "svg": filled_svg(r, min(max(share, 0.0), 1.0), OWNER_COLOURS[owner]),
                "cls": f"siting-site siting-owner-{owner}",
                "z": -round(r * 40),
                "tip": f"<b>{esc(label)}</b><br>{owner}: {used} used of {capacity:,.0f} MW",
                "pop": _popup(rec, label),
                "serves": [],
            }
        )
    return items


def _popup(rec: dict[Any, Any], label: str) -> str:
    """Return a site's popup: name, province and owner, then its year's figures."""
    owner = str(rec["owner_type"])
    where = esc(rec.get("province"))
    head = f"<b>{esc(label)}</b>" + (f"<br><small>{where}</small>" if where else "")
    rows = [
        ("Owner type", f"{owner} ({OWNER_LABELS[owner]})"),
        ("Capacity", f"{num(rec['capacity_mw'], ',.1f')} MW"),
        ("Used", f"{num(rec['used_mw'], ',.1f')} MW"),
        ("Idle", f"{num(rec['idle_mw'], ',.1f')} MW"),
        ("Utilisation", "–" if missing(rec["utilisation"]) else f"{rec['utilisation']:.1%}"),
        ("Revenue", f"{num(float(rec['revenue_cny']) / 1e6, ',.1f')} M CNY"),
    ]
    if "clearing_premium" in rec:
        premium = rec["clearing_premium"]
        value = (
            "none (no capacity binds)"
            if not missing(premium) and float(premium) <= 0
            else f"{num(float(premium) / 1e6, ',.2f')} M CNY per MW-year"
        )
        rows.append(("Clearing premium", value))
    return f"<div class='siting-popup'>{head}{table(rows)}</div>"


def _panel(sites: pd.DataFrame, year: int, title: str, description: str) -> str:
    """Return the heading: title, description, year, then MW and use by owner type."""
    groups = sites.groupby("owner_type")[["capacity_mw", "used_mw", "idle_mw"]].sum()
    groups = groups.reindex(list(OWNER_TYPES), fill_value=0.0)
    groups.loc["all"] = groups.sum()
    counts = sites["owner_type"].value_counts().reindex(list(OWNER_TYPES), fill_value=0)
    rows = []
    for owner, row in groups.iterrows():
        n = len(sites) if owner == "all" else int(counts[str(owner)])
        share = f"{row['used_mw'] / row['capacity_mw']:.0%}" if n > 0 else "–"
        rows.append(
            (str(owner), f"{n:,}", f"{row['capacity_mw']:,.0f}", f"{row['idle_mw']:,.0f}", share)
        )
    header = ("Owner", "Sites", "MW", "Idle MW", "Used")
    about = f"<div class='siting-desc'>{esc(description)}</div>" if description else ""
    return (
        f"<div class='siting-title'>{esc(title)}</div>{about}"
        f"<div class='siting-h'>{int(year)}: sites by owner type</div>"
        f"<div class='siting-owners'>{table(rows, header=header)}</div>"
    )


def key() -> str:
    """Return the ``Symbols`` part of the owner map's legend (HTML of constants only)."""
    rows = [
        (
            filled_svg(7, 1.0, OWNER_COLOURS[owner]),
            f"<b style='color:{OWNER_COLOURS[owner]}'>{owner}</b>: {OWNER_LABELS[owner]}",
        )
        for owner in OWNER_TYPES
    ]
    rows.append(
        (
            filled_svg(9, 0.6, "#555555"),
            "Site: filled share = utilisation (used ÷ capacity, as the market allocated it), "
            "area ∝ capacity MW",
        )
    )
    body = "".join(
        f"<div><span class='siting-sym'>{s}</span><span>{t}</span></div>" for s, t in rows
    )
    return f"<summary>Owner types</summary>{body}"
