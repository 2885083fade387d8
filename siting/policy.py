"""Policy families as numbers per site: 东数西算 status, power subsidies, compute vouchers.

The tables are ``data/policy_sites.csv``, ``policy_power_subsidies.csv`` and
``policy_vouchers.csv`` (cited texts in ``data/SOURCES.md`` section G). Each function turns
one switched-on family of a scenario's ``[policy]`` into arrays over the instance's sites;
``docs/model.md`` ("Policy") holds the maths. Every family that cannot act for want of data
says so in a note, which the run summary carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting import settings
from siting.errors import InputError, Problem
from siting.scenario import Policy

STATUSES = ("cluster", "hub_node", "none")
#: GWh per MW of IT load a year at full load, before PUE.
GWH_PER_MW_YEAR = 8.76

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Vouchers:
    """Active voucher issuers over the instance's sites.

    Attributes
    ----------
    names
        Issuers, shape (V,).
    member
        Whether each site is in each issuer's area, shape (V, S).
    cny_per_mw
        Value of the voucher per MW hosted, ``share × contract rent``, CNY/yr, shape (V,).
    max_mw
        MW the yearly budget covers, ``budget / value``, shape (V,).
    """

    names: NDArray[np.str_]
    member: NDArray[np.bool_]
    cny_per_mw: FloatArray
    max_mw: FloatArray


@dataclass(frozen=True)
class Green:
    """Green-power rows: one per province with known green supply.

    Attributes
    ----------
    names
        Provinces, shape (G,).
    coef
        GWh/yr of green power one new MW at each site needs, shape (G, S).
    supply_gwh
        Green supply available, GWh/yr, shape (G,).
    """

    names: NDArray[np.str_]
    coef: FloatArray
    supply_gwh: FloatArray


def read_policy_table(
    name: str, columns: tuple[str, ...], folder: Path | None = None
) -> pd.DataFrame:
    """Read one policy table, checking its columns.

    Raises
    ------
    InputError
        If the file is missing or lacks a column.
    """
    path = Path(folder or settings.data_dir) / name
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "missing; the policy tables ship in data/")])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError([Problem(str(path), "header", c, "missing column") for c in missing])
    return frame


def site_status(site_ids: NDArray[np.str_], folder: Path | None = None) -> NDArray[np.str_]:
    """东数西算 status of each site (``cluster``, ``hub_node`` or ``none``).

    Raises
    ------
    InputError
        If a site has no row, or a status is unknown.
    """
    frame = read_policy_table("policy_sites.csv", ("site_id", "ddsx_status"), folder)
    status = dict(zip(frame["site_id"], frame["ddsx_status"], strict=True))
    name = str(Path(folder or settings.data_dir) / "policy_sites.csv")
    problems = [
        Problem(name, f"site_id {s}", "ddsx_status", f"expected one of {STATUSES}, got {v!r}")
        for s, v in status.items()
        if v not in STATUSES
    ]
    missing = [s for s in site_ids if s not in status]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        expected = (
            f"no 东数西算 status for {len(missing)} sites ({shown}); the size limit needs one"
        )
        problems.append(Problem(name, "rows", "site_id", expected))
    if problems:
        raise InputError(problems)
    return np.array([status[s] for s in site_ids], dtype=str)


def limited_headroom(
    policy: Policy, status: NDArray[np.str_], existing: FloatArray, headroom: FloatArray
) -> FloatArray:
    """Grid headroom under the size limit: ``min(G, max(0, limit - E))`` outside the area."""
    assert policy.size_limit_mw is not None
    outside = status != "cluster" if policy.size_limit_outside == "clusters" else status == "none"
    room = np.clip(policy.size_limit_mw - existing, 0.0, None)
    return np.where(outside, np.minimum(headroom, room), headroom)


def subsidised_price(
    price: FloatArray, provinces: NDArray[np.str_], folder: Path | None = None
) -> FloatArray:
    """Electricity price after the provincial subsidy for domestic accelerators, CNY/kWh.

    ``min(π, max(π_sub, (1 - φ) π))`` in the listed provinces (docs/model.md), else ``π``.
    """
    frame = read_policy_table(
        "policy_power_subsidies.csv",
        ("province", "subsidy_max_share", "subsidised_price_cny_kwh"),
        folder,
    )
    out = price.copy()
    for row in frame.itertuples():
        here = provinces == row.province
        cut = (1.0 - float(row.subsidy_max_share)) * price[here]
        out[here] = np.minimum(price[here], np.maximum(float(row.subsidised_price_cny_kwh), cut))
    return out


def vouchers(
    policy: Policy, site_ids: NDArray[np.str_], folder: Path | None = None
) -> tuple[Vouchers, list[str]]:
    """Find the active voucher issuers, and a note per issuer left out (no share or no site)."""
    frame = read_policy_table(
        "policy_vouchers.csv", ("city", "site_ids", "voucher_share_max", "budget_cny_year"), folder
    )
    rent = policy.voucher_contract_cny_per_mw_year
    names, member, value, most, notes = [], [], [], [], []
    for row in frame.itertuples():
        inside = np.isin(site_ids, row.site_ids.split(";"))
        why = (
            "no share in the data"
            if not row.voucher_share_max
            else "no yearly budget in the data, so no bound on what it pays"
            if not row.budget_cny_year
            else "no contract rent set"
            if rent <= 0
            else "no site of the instance in its area"
            if not inside.any()
            else ""
        )
        if why:
            notes.append(f"compute voucher {row.city}: inactive ({why})")
            continue
        per_mw = float(row.voucher_share_max) * rent
        names.append(row.city)
        member.append(inside)
        value.append(per_mw)
        most.append(float(row.budget_cny_year) / per_mw)
    n = len(site_ids)
    return (
        Vouchers(
            np.array(names, dtype=str),
            np.array(member, dtype=bool).reshape(len(names), n),
            np.array(value, dtype=float),
            np.array(most, dtype=float),
        ),
        notes,
    )


def green_rows(
    policy: Policy,
    status: NDArray[np.str_],
    provinces: NDArray[np.str_],
    pue: FloatArray,
) -> tuple[Green, list[str]]:
    """Green-power rows for the provinces with known supply; a note on those without.

    Raises
    ------
    InputError
        If ``green_supply_gwh`` names a province without sites, or a negative supply.
    """
    problems = [
        Problem("[policy.green_supply_gwh]", "", p, f"expected a province with sites, got {p!r}")
        for p in policy.green_supply_gwh
        if p not in set(provinces.tolist())
    ]
    problems += [
        Problem("[policy.green_supply_gwh]", "", p, f"expected >= 0 GWh/yr, got {v}")
        for p, v in policy.green_supply_gwh.items()
        if v < 0
    ]
    if problems:
        raise InputError(problems)
    hub = status != "none"
    names = sorted(policy.green_supply_gwh)
    coef = np.array(
        [policy.green_share * GWH_PER_MW_YEAR * pue * (hub & (provinces == p)) for p in names],
        dtype=float,
    ).reshape(len(names), len(provinces))
    without = sorted(set(provinces[hub].tolist()) - set(names))
    notes = []
    if without:
        notes.append(
            f"green-power share {policy.green_share:g}: inactive in {', '.join(without)} "
            "(no provincial green supply data; data/SOURCES.md section G)"
        )
    supply = np.array([policy.green_supply_gwh[p] for p in names], dtype=float)
    return Green(np.array(names, dtype=str), coef, supply), notes
