"""Tables of a multi-period plan: the year-by-year schedule, stranded MW and capital.

Definitions are those of ``docs/model.md``, "Stranded capacity and capital": stranded MW
``M_skt = I_skt − u^T_skt − u^I_skt`` (installed and unused, open or not), and stranded capital
the undepreciated capital of those MW, attributed to the cohorts in service pro rata. Idle is
stranded: :func:`idle_table` sums them by nation, region, province and class, with the capacity
added since end-2022 and its idle MW (attributed pro rata, "Idle tables" in the same section).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.horizon import Horizon
from siting.solve.horizon import HorizonSolution

#: Columns of the tidy schedule, one row per year, site and accelerator class.
SCHEDULE_COLUMNS = (
    "year", "site_id", "province", "accelerator_class", "open", "existing_mw", "ordered_mw",
    "new_in_service_mw", "installed_mw", "training_mw", "inference_mw", "stranded_mw",
    "stranded_capital_bn_cny", "added_mw", "added_stranded_mw",
)  # fmt: skip

#: Capacity entering service after this year-end is "added" (the 2023-24 build-out, and orders).
ADDED_AFTER = 2022

#: The groupings of :func:`idle_table`, in the order they are written.
IDLE_GROUPS = ("nation", "region", "province", "accelerator_class")


def installed(h: Horizon, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``N_skt`` (new MW in service) and ``I_skt = E_skt + N_skt``, each shape (S, C, T)."""
    new = np.zeros_like(h.existing)
    for k, tau, t in np.ndindex(h.n_accelerator_classes, h.n_years, h.n_years):
        if h.in_service(k, tau, t):
            new[:, k, t] += order[:, k, tau]
    return new, h.existing + new


def added(h: Horizon, order: np.ndarray) -> np.ndarray:
    """``A_skt``: MW in service that entered after :data:`ADDED_AFTER`, shape (S, C, T).

    The existing cohorts entering service from 2023 on and every order in service (the
    horizon starts in 2023 or later).
    """
    out, _ = installed(h, order)
    late = h.cohort_start > ADDED_AFTER
    for t, year in enumerate(h.years):
        age = year - h.cohort_start
        alive = late & (age >= 0) & (age < h.life[h.cohort_class])
        np.add.at(out[:, :, t], (h.cohort_site[alive], h.cohort_class[alive]), h.cohort_mw[alive])
    return out


def stranded(h: Horizon, sol: HorizonSolution) -> tuple[np.ndarray, np.ndarray]:
    """Stranded MW and stranded capital (CNY) per site, class and year, shape (S, C, T)."""
    _, total = installed(h, sol.order)
    mw = np.clip(total - sol.use.sum(axis=0), 0.0, None)
    value = np.zeros_like(total)  # undepreciated capital of everything in service
    life = h.life.astype(float)
    for t, year in enumerate(h.years):
        age = year - h.cohort_start
        alive = (age >= 0) & (age < h.life[h.cohort_class])
        left = np.clip(1.0 - age / life[h.cohort_class], 0.0, None) * alive
        worth = h.cohort_capital * left * h.cohort_mw
        np.add.at(value[:, :, t], (h.cohort_site, h.cohort_class), worth)
        for k, tau in np.ndindex(h.n_accelerator_classes, h.n_years):
            if h.in_service(k, tau, t):
                start = h.years[tau] + h.lead[k]
                left_new = max(0.0, 1.0 - (year - start) / life[k])
                value[:, k, t] += h.capital[k, tau] * left_new * sol.order[:, k, tau]
    share = np.divide(mw, total, out=np.zeros_like(mw), where=total > 1e-12)
    return mw, value * share


def schedule_table(h: Horizon, sol: HorizonSolution) -> pd.DataFrame:
    """Tabulate the schedule: one row per year, site and class with any MW (tidy)."""
    new, total = installed(h, sol.order)
    mw, capital = stranded(h, sol)
    late = added(h, sol.order)
    late_idle = mw * np.divide(late, total, out=np.zeros_like(late), where=total > 1e-12)
    s, k, t = np.meshgrid(
        np.arange(h.base.n_sites),
        np.arange(h.n_accelerator_classes),
        np.arange(h.n_years),
        indexing="ij",
    )
    table = pd.DataFrame(
        {
            "year": h.years[t.ravel()],
            "site_id": h.base.sites.ids[s.ravel()],
            "province": h.base.sites.group_names[h.base.sites.group][s.ravel()],
            "accelerator_class": h.classes[k.ravel()],
            "open": sol.open[s.ravel(), t.ravel()],
            "existing_mw": h.existing.ravel(),
            "ordered_mw": sol.order.ravel(),
            "new_in_service_mw": new.ravel(),
            "installed_mw": total.ravel(),
            "training_mw": sol.use[0].ravel(),
            "inference_mw": sol.use[1:].sum(axis=0).ravel(),
            "stranded_mw": mw.ravel(),
            "stranded_capital_bn_cny": capital.ravel() / 1e9,
            "added_mw": late.ravel(),
            "added_stranded_mw": late_idle.ravel(),
        }
    )
    keep = (table[["installed_mw", "ordered_mw"]] > 1e-9).any(axis=1)
    return table[keep].sort_values(["year", "site_id", "accelerator_class"], ignore_index=True)


def present_value(h: Horizon, sol: HorizonSolution) -> tuple[str, str]:
    """Return the name and text of a plan's present value: its cost, or its margin.

    A margin plan minimises cost less rental revenue, so its objective is the margin with
    the opposite sign; it is shown as the margin (revenue less cost, positive for a profit).

    Parameters
    ----------
    h
        The horizon planned.
    sol
        Its plan.

    Returns
    -------
    tuple of str
        ``("PV cost", "1,234.5 bn CNY (2023 CNY)")`` or ``("PV margin", ...)``.
    """
    margin = bool(h.base.maximise_margin)
    value = -sol.objective if margin else sol.objective
    text = f"{value / 1e9 + 0.0:,.1f} bn CNY ({int(h.years[0])} CNY)"
    return ("PV margin" if margin else "PV cost"), text


def stranded_by(schedule: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Stranded MW and capital summed by ``keys`` (e.g. ``["year", "province"]``)."""
    cols = ["installed_mw", "training_mw", "inference_mw", "stranded_mw", "stranded_capital_bn_cny",
            "added_mw", "added_stranded_mw"]  # fmt: skip
    out = schedule.groupby(keys, as_index=False)[cols].sum()
    out["stranded_share"] = out["stranded_mw"] / out["installed_mw"].where(out["installed_mw"] > 0)
    out["added_stranded_share"] = out["added_stranded_mw"] / out["added_mw"].where(
        out["added_mw"] > 0
    )
    return out


def idle_table(schedule: pd.DataFrame, regions: Mapping[str, str]) -> pd.DataFrame:
    """Idle (stranded) MW and capital per year by nation, region, province and class (tidy).

    Parameters
    ----------
    schedule
        From :func:`schedule_table`.
    regions
        Province → statistical region (``provinces.csv`` ``region``); a province without one
        is in region ``"unknown"``.

    Returns
    -------
    pandas.DataFrame
        One row per year, grouping (``by``: one of :data:`IDLE_GROUPS`) and ``group``, with
        the columns of :func:`stranded_by` and ``used_mw`` and ``utilisation`` (used over
        installed MW).
    """
    region = schedule["province"].map(regions).fillna("unknown")
    table = schedule.assign(nation="China", region=region)
    parts = []
    for by in IDLE_GROUPS:
        part = stranded_by(table, ["year", by]).rename(columns={by: "group"})
        part.insert(1, "by", by)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    after = list(out.columns).index("inference_mw") + 1
    out.insert(after, "used_mw", out["training_mw"] + out["inference_mw"])
    out["utilisation"] = out["used_mw"] / out["installed_mw"].where(out["installed_mw"] > 0)
    return out


def idle_summary(idle: pd.DataFrame, year: int) -> dict[str, Any]:
    """Return the idle tables of ``year`` for ``summary.json``: per grouping, group → figures."""
    part = idle[idle["year"] == year].drop(columns="year")
    out: dict[str, Any] = {
        "year": year,
        "added_after": ADDED_AFTER,
        "added_note": (
            f"added: cohorts entering service after {ADDED_AFTER} and orders in service; "
            "their idle MW attributed pro rata to installed MW"
        ),
    }
    for by, rows in part.groupby("by", sort=False):
        out[str(by)] = rows.drop(columns="by").set_index("group").to_dict("index")
    return out


def idle_lines(idle: pd.DataFrame, year: int) -> list[str]:
    """Format the idle tables of ``year``: by region, class and province, then the nation."""
    part = idle[idle["year"] == year]
    lines = [
        f"Idle in {year} (installed MW; added: in service from {ADDED_AFTER + 1}, idle pro rata)",
        f"{'':<26} {'installed':>9} {'used':>8} {'idle':>8} {'idle':>6} {'capital':>8} "
        f"{'added':>8} {'idle':>8} {'idle':>6}",
        f"{'':<26} {'MW':>9} {'MW':>8} {'MW':>8} {'share':>6} {'bn CNY':>8} "
        f"{'MW':>8} {'MW':>8} {'share':>6}",
    ]
    for by in (*IDLE_GROUPS[1:], IDLE_GROUPS[0]):
        rows = part[part["by"] == by].sort_values("stranded_mw", ascending=False)
        lines.append(f"by {by.replace('_', ' ')}" if by != "nation" else "")
        for row in rows.to_dict("records"):
            if by == "province" and row["installed_mw"] < 0.05:
                continue
            lines.append(
                f"  {row['group']:<24} {row['installed_mw']:>9,.0f} {row['used_mw']:>8,.0f} "
                f"{row['stranded_mw']:>8,.0f} {_share(row['stranded_share']):>6} "
                f"{row['stranded_capital_bn_cny']:>8,.1f} {row['added_mw']:>8,.0f} "
                f"{row['added_stranded_mw']:>8,.0f} {_share(row['added_stranded_share']):>6}"
            )
    return lines


def _share(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.0%}"


def year_sites(schedule: pd.DataFrame, year: int, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One year's sites (classes summed) with their point geometry, for GeoJSON."""
    part = schedule[schedule["year"] == year]
    cols = ["existing_mw", "ordered_mw", "new_in_service_mw", "installed_mw", "training_mw",
            "inference_mw", "stranded_mw", "stranded_capital_bn_cny"]  # fmt: skip
    summed = part.groupby(["site_id", "province"], as_index=False)[cols].sum()
    summed.insert(1, "year", year)
    located = sites[["site_id", "geometry"]].merge(summed, on="site_id", how="inner")
    return gpd.GeoDataFrame(located, geometry="geometry", crs=sites.crs)
