"""Policy families as numbers per site: 东数西算 status, power subsidies, compute vouchers.

The tables are ``data/policy_sites.csv``, ``policy_power_subsidies.csv`` and
``policy_vouchers.csv`` (cited texts in ``data/SOURCES.md`` section G). Each function turns
one switched-on family of a scenario's ``[policy]`` into arrays over the instance's sites;
``docs/model.md`` ("Policy") holds the maths. Every family that cannot act for want of data
says so in a note, which the run summary carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting import settings
from siting._validate import CONFIDENCE, CSV_ROWS, Column, check_unique, read_csv, read_table
from siting.errors import InputError, Problem
from siting.layers import MAX_CNY_KWH
from siting.scenario import MAX_CNY, Policy

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


#: Years a policy text may date from.
POLICY_YEARS = (1990, 2100)
_YEAR: dict[str, Any] = {"number": True, "minimum": POLICY_YEARS[0], "maximum": POLICY_YEARS[1]}
SITE_COLUMNS = (
    Column("site_id"),
    Column("ddsx_status", choices=STATUSES),
    Column("hub_node", required=False, blank_ok=True),
    Column("cluster", required=False, blank_ok=True),
    Column("status_basis", required=False, blank_ok=True),
    Column("status_source"),
    Column("status_year", **_YEAR),
    Column("status_confidence", choices=CONFIDENCE),
)
SUBSIDY_COLUMNS = (
    Column("province"),
    Column("subsidy_max_share", number=True, minimum=0, maximum=1),
    Column("subsidised_price_cny_kwh", number=True, minimum=0, maximum=MAX_CNY_KWH),
    Column("condition", required=False, blank_ok=True),
    Column("scope", required=False, blank_ok=True),
    Column("source"),
    Column("year", **_YEAR),
    Column("confidence", choices=CONFIDENCE),
)
VOUCHER_COLUMNS = (
    Column("city"),
    Column("site_ids"),
    Column("voucher_share_max", number=True, blank_ok=True, minimum=0, maximum=1),
    Column("domestic_share_max", number=True, blank_ok=True, minimum=0, maximum=1),
    Column("cap_per_user_cny_year", number=True, blank_ok=True, minimum=0, maximum=MAX_CNY),
    Column("budget_cny_year", number=True, blank_ok=True, minimum=0, maximum=MAX_CNY),
    Column("provider_scope", required=False, blank_ok=True),
    Column("source"),
    Column("year", **_YEAR),
    Column("confidence", choices=CONFIDENCE),
)
#: What one row of each table is, and its key column (one row per key).
_TABLES = {
    "policy_sites.csv": ("site status", "site_id", SITE_COLUMNS),
    "policy_power_subsidies.csv": ("province subsidy", "province", SUBSIDY_COLUMNS),
    "policy_vouchers.csv": ("voucher issuer", "city", VOUCHER_COLUMNS),
}


def read_policy_table(
    name: str,
    folder: Path | None = None,
    *,
    sites: Iterable[str] = (),
    provinces: Iterable[str] = (),
) -> pd.DataFrame:
    """Read one policy table of ``folder`` (default the shipped data) through the checked reader.

    Each table needs at least one row (a family without rows is switched off in the
    scenario's ``[policy]``, not by emptying its table), one row per key, values in range,
    and ids known to the data: sites of ``sites.csv`` or ``sites``, provinces of
    ``provinces.csv`` or ``provinces``.

    Parameters
    ----------
    name
        ``policy_sites.csv``, ``policy_power_subsidies.csv`` or ``policy_vouchers.csv``.
    folder
        The data folder.
    sites
        Further known site ids (the instance's).
    provinces
        Further known provinces (the instance's sites').

    Raises
    ------
    InputError
        Naming the file, row and field of every problem.
    """
    what, key, columns = _TABLES[name]
    folder = Path(folder or settings.data_dir)
    path = folder / name
    source = str(path)
    table, problems = read_table(path, columns, what=what, key=key)
    problems += check_unique(table, key, source=source)
    known_sites = _known(folder / "sites.csv", "site_id", sites)
    known_provinces = _known(folder / "provinces.csv", "name_en", provinces)
    for i, row in enumerate(table.to_dict("records")):
        where = CSV_ROWS.label(i, key, row[key])
        if name == "policy_power_subsidies.csv" and row["province"] not in known_provinces:
            expected = f"a province of provinces.csv; got {row['province']!r}"
            problems.append(Problem(source, where, "province", expected))
        ids = [row["site_id"]] if name == "policy_sites.csv" else _ids(row.get("site_ids"))
        unknown = [s for s in ids if s and s not in known_sites]
        if unknown:
            field = "site_id" if name == "policy_sites.csv" else "site_ids"
            shown = ", ".join(repr(s) for s in unknown)
            expected = f"site ids of sites.csv (';'-separated); unknown: {shown}"
            problems.append(Problem(source, where, field, expected))
    if problems:
        raise InputError(problems)
    return table[[c.name for c in columns]].reset_index(drop=True)


def _ids(cell: object) -> list[str]:
    return [s.strip() for s in str(cell or "").split(";")]


def _known(path: Path, column: str, more: Iterable[str]) -> set[str]:
    """Return the ids in ``column`` of a data file beside the policy tables, and ``more``."""
    known = {str(m) for m in more}
    if path.is_file():
        table = read_csv(path, what=column.removesuffix("_id"))
        if column in table:
            known |= set(table[column].str.strip())
    return known


def site_status(site_ids: NDArray[np.str_], folder: Path | None = None) -> NDArray[np.str_]:
    """东数西算 status of each site (``cluster``, ``hub_node`` or ``none``).

    Raises
    ------
    InputError
        If the table is malformed, or a site has no row.
    """
    frame = read_policy_table("policy_sites.csv", folder, sites=site_ids.tolist())
    status = dict(zip(frame["site_id"], frame["ddsx_status"], strict=True))
    missing = [s for s in site_ids.tolist() if s not in status]
    if missing:
        name = str(Path(folder or settings.data_dir) / "policy_sites.csv")
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        expected = (
            f"no 东数西算 status for {len(missing)} sites ({shown}); the size limit needs one"
        )
        raise InputError([Problem(name, "rows", "site_id", expected)])
    return np.array([status[s] for s in site_ids.tolist()], dtype=str)


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
    frame = read_policy_table("policy_power_subsidies.csv", folder, provinces=provinces.tolist())
    out = price.copy()
    row: Any  # pandas types a row's cells as any scalar
    for row in frame.itertuples():
        here = provinces == row.province
        cut = (1.0 - row.subsidy_max_share) * price[here]
        out[here] = np.minimum(price[here], np.maximum(row.subsidised_price_cny_kwh, cut))
    return out


def vouchers(
    policy: Policy, site_ids: NDArray[np.str_], folder: Path | None = None
) -> tuple[Vouchers, list[str]]:
    """Find the active voucher issuers, and a note per issuer left out (no share or no site)."""
    frame = read_policy_table("policy_vouchers.csv", folder, sites=site_ids.tolist())
    rent = policy.voucher_contract_cny_per_mw_year
    names, member, value, most, notes = [], [], [], [], []
    row: Any  # pandas types a row's cells as any scalar
    for row in frame.itertuples():
        inside = np.isin(site_ids, _ids(row.site_ids))
        why = (
            "no share in the data"
            if not row.voucher_share_max > 0  # blank (NaN) or 0
            else "no yearly budget in the data, so no bound on what it pays"
            if np.isnan(row.budget_cny_year)
            else "no contract rent set"
            if rent <= 0
            else "no site of the instance in its area"
            if not inside.any()
            else ""
        )
        if why:
            notes.append(f"compute voucher {row.city}: inactive ({why})")
            continue
        per_mw = row.voucher_share_max * rent
        names.append(row.city)
        member.append(inside)
        value.append(per_mw)
        most.append(row.budget_cny_year / per_mw)
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
        If ``green_supply_gwh`` names a province without sites (the scenario refuses a
        negative supply).
    """
    problems = [
        Problem("[policy.green_supply_gwh]", "", p, f"expected a province with sites, got {p!r}")
        for p in policy.green_supply_gwh
        if p not in set(provinces.tolist())
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
