"""Tables of a multi-period plan: the year-by-year schedule, stranded MW and capital.

Definitions are those of ``docs/model.md``, "Stranded capacity and capital": stranded MW
``M_skt = I_skt − u^T_skt − u^I_skt`` (installed and unused, open or not), and stranded capital
the undepreciated capital of those MW, attributed to the cohorts in service pro rata.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.horizon import Horizon
from siting.solve.horizon import HorizonSolution

#: Columns of the tidy schedule, one row per year, site and accelerator class.
SCHEDULE_COLUMNS = (
    "year", "site_id", "province", "accelerator_class", "open", "existing_mw", "ordered_mw",
    "new_in_service_mw", "installed_mw", "training_mw", "inference_mw", "stranded_mw",
    "stranded_capital_bn_cny",
)  # fmt: skip


def installed(h: Horizon, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``N_skt`` (new MW in service) and ``I_skt = E_skt + N_skt``, each shape (S, C, T)."""
    new = np.zeros_like(h.existing)
    for k, tau, t in np.ndindex(h.n_accelerator_classes, h.n_years, h.n_years):
        if h.in_service(k, tau, t):
            new[:, k, t] += order[:, k, tau]
    return new, h.existing + new


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
    cols = ["installed_mw", "training_mw", "inference_mw", "stranded_mw", "stranded_capital_bn_cny"]
    out = schedule.groupby(keys, as_index=False)[cols].sum()
    out["stranded_share"] = out["stranded_mw"] / out["installed_mw"].where(out["installed_mw"] > 0)
    return out


def year_sites(schedule: pd.DataFrame, year: int, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One year's sites (classes summed) with their point geometry, for GeoJSON."""
    part = schedule[schedule["year"] == year]
    cols = ["existing_mw", "ordered_mw", "new_in_service_mw", "installed_mw", "training_mw",
            "inference_mw", "stranded_mw", "stranded_capital_bn_cny"]  # fmt: skip
    summed = part.groupby(["site_id", "province"], as_index=False)[cols].sum()
    summed.insert(1, "year", year)
    located = sites[["site_id", "geometry"]].merge(summed, on="site_id", how="inner")
    return gpd.GeoDataFrame(located, geometry="geometry", crs=sites.crs)
