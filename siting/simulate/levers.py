"""Policy levers as experiments: each year's orderable halls and classes, costs and discounts.

A scenario's ``[levers]`` switches (:class:`~siting.scenario.Levers`) act on the simulation's
investors and market, never on the planner (the efficient benchmark keeps its ``[policy]``).
The simulation calls :func:`year_rules` once a year with a :class:`LeverContext` and gets a
:class:`YearRules`: which classes may be ordered in which halls (a site's capacity of one owner
type, :mod:`siting.simulate.halls`), a cost added to what an investor perceives (negative: a
subsidy) and a discount buyers get in the market (vouchers). The rows are halls, so a lever
bound to owner types binds each hall by its own type.

The dated facts are in ``data/levers.csv`` (``data/SOURCES.md`` section L); the power
subsidies, vouchers and 东数西算 statuses are read from ``data/policy_*.csv`` through
:mod:`siting.policy`'s checked reader. docs/model.md "Levers" holds the maths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting import settings
from siting._validate import CONFIDENCE, CSV_ROWS, Column, read_table
from siting.costs import KWH_PER_MWH
from siting.errors import InputError, Problem
from siting.market.data import OWNER_TYPES
from siting.policy import POLICY_YEARS, STATUSES, read_policy_table, site_status, subsidised_price
from siting.rest_of_china import PREFIX
from siting.scenario import ACCELERATOR_CLASSES, Levers

#: The file of dated lever facts in the data folder.
LEVERS_FILE = "levers.csv"
#: Per lever of ``levers.csv``: the unit its ``value`` is in (empty: no value) and what its
#: ``applies_to`` lists (';'-separated).
LEVER_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "h20_licence": ("share_of_orders_barred", ACCELERATOR_CLASSES),
    "approval_tightening": ("utilisation", OWNER_TYPES),
    "domestic_mandate": ("domestic_share", OWNER_TYPES),
    "ddsx": ("", STATUSES),
}
LEVER_COLUMNS = (
    Column("lever", choices=tuple(LEVER_KINDS)),
    Column("start"),
    Column("end", blank_ok=True),
    Column("value", number=True, blank_ok=True, minimum=0, maximum=1),
    Column("unit", blank_ok=True),
    Column("applies_to"),
    Column("source"),
    Column("year", number=True, minimum=POLICY_YEARS[0], maximum=POLICY_YEARS[1]),
    Column("confidence", choices=CONFIDENCE),
)


@dataclass(frozen=True)
class LeverContext:
    """What the levers need to know of one year of the simulation (built by it each year).

    Attributes
    ----------
    year
        The year orders are placed in (they serve from ``year + lead time``).
    site_ids, site_province
        ``(N,)``: per hall, its site's id and province (the halls of a site repeat them).
    owner_type
        ``(N,)``: per hall, its owner type (one of ``OWNER_TYPES``).
    class_names
        Accelerator classes, in the horizon's order.
    domestic
        ``(K,)``: whether each class is domestic.
    utilisation_by_province
        Last year's market: used ÷ capacity per province (empty in the first year).
    posted_rent
        ``(K,)``: posted rent, CNY/(MW·yr).
    power_price_cny_kwh
        ``(N,)``: the electricity price the investors pay at each hall's site, CNY/kWh
        (:attr:`siting.instance.Sites.power_price`; needed by ``power_subsidies`` only).
    energy_mwh_per_mw_year
        ``(N,)``: MWh drawn per installed MW a year at the PUE and load the horizon uses, at
        each hall's site (needed by ``power_subsidies`` only).
    """

    year: int
    site_ids: np.ndarray
    site_province: np.ndarray
    owner_type: np.ndarray
    class_names: tuple[str, ...]
    domestic: np.ndarray
    utilisation_by_province: dict[str, float]
    posted_rent: np.ndarray
    power_price_cny_kwh: np.ndarray | None = None
    energy_mwh_per_mw_year: np.ndarray | None = None


@dataclass(frozen=True)
class YearRules:
    """The levers in force in one year, as arrays over the context's halls ``N`` and classes ``K``.

    Attributes
    ----------
    orderable
        ``(N, K)`` bool: new orders of class ``k`` in hall ``n`` are allowed this year.
    cost_delta
        ``(N, K)``: CNY/(MW·yr) added to the perceived cost of an investor ordering in hall
        ``n`` (negative: a subsidy).
    discount
        ``(N, K)``: CNY/(MW·yr) taken off buyers' cost in the market (vouchers;
        :attr:`siting.market.MarketInputs.discount`).
    notes
        One line per lever in force, for the report.
    """

    orderable: np.ndarray
    cost_delta: np.ndarray
    discount: np.ndarray
    notes: tuple[str, ...]


def no_levers(ctx: LeverContext) -> YearRules:
    """Every class orderable everywhere, no cost delta, no discount."""
    shape = (len(ctx.site_ids), len(ctx.class_names))
    return YearRules(np.ones(shape, bool), np.zeros(shape), np.zeros(shape), ())


def read_levers(data_dir: Path | None = None) -> pd.DataFrame:
    """Read ``levers.csv`` of ``data_dir`` (default the shipped data) through the checked reader.

    Every row needs a known lever, ISO dates (``end`` blank: open, else not before ``start``),
    a ``value`` in [0, 1] with the lever's unit (blank for ``ddsx``, which has no number),
    ``applies_to`` naming the lever's accelerator classes, owner types or 东数西算 statuses,
    a source, a year and a confidence flag.

    Returns
    -------
    pandas.DataFrame
        The rows, ``start`` and ``end`` as :class:`datetime.date` (``end`` ``None`` if open).

    Raises
    ------
    InputError
        Naming the file, line and field of every problem.
    """
    path = Path(data_dir or settings.data_dir) / LEVERS_FILE
    source = str(path)
    table, problems = read_table(path, LEVER_COLUMNS, what="lever fact", key="lever")
    starts, ends = [], []
    for i, row in enumerate(table.to_dict("records")):
        where = CSV_ROWS.label(i, "lever", row["lever"])
        start, end = _date(row["start"]), _date(row["end"]) if row["end"] else None
        for field, raw, value in (("start", row["start"], start), ("end", row["end"], end)):
            if raw and value is None:
                problems.append(Problem(source, where, field, f"expected YYYY-MM-DD, got {raw!r}"))
        if start and end and end < start:
            expected = f"a date on or after start {start}, got {end}"
            problems.append(Problem(source, where, "end", expected))
        starts.append(start)
        ends.append(end)
        if row["lever"] not in LEVER_KINDS:
            continue  # the column check named it
        unit, names = LEVER_KINDS[row["lever"]]
        if (row["unit"] or "") != unit:
            expected = f"{unit!r} for {row['lever']}, got {row['unit']!r}"
            problems.append(Problem(source, where, "unit", expected))
        if np.isnan(row["value"]) == bool(unit):
            expected = "a value in [0, 1]" if unit else f"no value for {row['lever']}"
            problems.append(Problem(source, where, "value", f"expected {expected}"))
        unknown = [n for n in _split(row["applies_to"]) if n not in names]
        if unknown or not _split(row["applies_to"]):
            expected = f"';'-separated names from {', '.join(names)}; got {row['applies_to']!r}"
            problems.append(Problem(source, where, "applies_to", expected))
    if problems:
        raise InputError(problems)
    return table.assign(
        start=pd.Series(starts, index=table.index, dtype=object),
        end=pd.Series(ends, index=table.index, dtype=object),
    )


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _split(cell: object) -> list[str]:
    return [s.strip() for s in str(cell or "").split(";") if s.strip()]


def year_share(rows: pd.DataFrame, year: int) -> float:
    """Share of ``year``'s days on which a row is in force, weighted by its value.

    A day counts the largest value of the rows in force on it (overlapping rows do not add up);
    a row without a value (``ddsx``) counts 1.
    """
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    weight = np.zeros(len(days))
    for start, stop, raw in zip(rows["start"], rows["end"], rows["value"], strict=True):
        end = np.datetime64(stop) if stop is not None else days[-1]
        value = 1.0 if np.isnan(raw) else float(raw)
        inside = (days >= np.datetime64(start)) & (days <= end)
        weight = np.maximum(weight, value * inside)
    return float(weight.mean())


def year_rules(levers: Levers, ctx: LeverContext, data_dir: Path | None = None) -> YearRules:
    """Turn the switched-on levers into the rules of ``ctx.year`` (docs/model.md "Levers").

    A dated lever of ``levers.csv`` is in force in a year when its rows cover any share of it
    (:func:`year_share` > 0): a yearly model places a year's orders at once, so a bar during
    part of a year bars that year's orders (an upper bound on the lever's effect). Levers
    compose: the orderable masks multiply, the cost deltas and discounts add.

    Parameters
    ----------
    levers
        The scenario's ``[levers]``.
    ctx
        The year.
    data_dir
        The data folder (default the shipped data).

    Returns
    -------
    YearRules

    Raises
    ------
    InputError
        If a table the switched-on levers read is malformed, a switched-on lever has no row in
        ``levers.csv``, or a site has no 东数西算 status.
    ValueError
        If ``power_subsidies`` is on and the context has no power price or energy.
    """
    rules = no_levers(ctx)
    orderable, cost, discount = rules.orderable, rules.cost_delta, rules.discount
    notes: list[str] = []
    bars = [(lever, rule) for switch, (lever, rule) in _BARS.items() if getattr(levers, switch)]
    facts = read_levers(data_dir) if bars else pd.DataFrame()
    missing = [lever for lever, _ in bars if not (facts["lever"] == lever).any()]
    if missing:
        name = str(Path(data_dir or settings.data_dir) / LEVERS_FILE)
        expected = "a row; a lever is switched off in [levers], not by removing its rows"
        raise InputError(
            [Problem(name, "rows", "lever", f"{lever}: {expected}") for lever in missing]
        )
    for lever, rule in bars:
        barred, note = rule(facts[facts["lever"] == lever], ctx, data_dir)
        if note:
            orderable &= ~barred
            notes.append(note)
    if levers.power_subsidies:
        delta = _power_delta(ctx, data_dir)
        cost = cost + delta[:, None] * np.asarray(ctx.domestic, bool)[None, :]
        if (delta < 0).any():
            provinces = sorted(set(ctx.site_province[delta < 0].tolist()))
            notes.append(f"power subsidies for domestic classes in {', '.join(provinces)}")
    if levers.vouchers:
        discount, more = _vouchers(ctx, data_dir)
        notes += more
    return YearRules(orderable, cost, discount, tuple(notes))


#: A bar: from a lever's rows of ``levers.csv``, the ``(N, K)`` orders barred in the year and
#: the note saying so (``None``: not in force).
Bar = Callable[[pd.DataFrame, LeverContext, Path | None], tuple[np.ndarray, str | None]]


def _owners(rows: pd.DataFrame, ctx: LeverContext) -> np.ndarray:
    """``(N,)``: the halls whose owner type the rows' ``applies_to`` lists."""
    return np.isin(ctx.owner_type, sorted({o for c in rows["applies_to"] for o in _split(c)}))


def _none(ctx: LeverContext) -> np.ndarray:
    """``(N, K)``: nothing barred."""
    return np.zeros((len(ctx.site_ids), len(ctx.class_names)), bool)


def _ddsx(
    rows: pd.DataFrame, ctx: LeverContext, data_dir: Path | None
) -> tuple[np.ndarray, str | None]:
    """Bar every class in the halls of the sites whose 东数西算 status the rows bind."""
    if year_share(rows, ctx.year) == 0:
        return _none(ctx), None
    bound = sorted({s for c in rows["applies_to"] for s in _split(c)})
    halls = np.isin(_ddsx_status(ctx.site_ids, data_dir), bound)
    note = (
        f"东数西算 approvals: no new orders at {len(set(ctx.site_ids[halls]))} sites with "
        f"status {', '.join(bound)} (policy_sites.csv)"
    )
    return np.repeat(halls[:, None], len(ctx.class_names), axis=1), note


def _tightening(
    rows: pd.DataFrame, ctx: LeverContext, data_dir: Path | None
) -> tuple[np.ndarray, str | None]:
    """Bar every class in the bound owner types' halls in provinces used below the threshold."""
    if year_share(rows, ctx.year) == 0:
        return _none(ctx), None
    threshold = float(rows["value"].max())
    low = sorted(p for p, u in ctx.utilisation_by_province.items() if u < threshold)
    halls = np.isin(ctx.site_province, low) & _owners(rows, ctx)
    note = (
        f"approval tightening: no new orders where last year's utilisation < {threshold:g}: "
        f"{', '.join(low) if low else 'none'}"
    )
    return np.repeat(halls[:, None], len(ctx.class_names), axis=1), note


def _h20(
    rows: pd.DataFrame, ctx: LeverContext, data_dir: Path | None
) -> tuple[np.ndarray, str | None]:
    """Bar the listed classes everywhere while a row barring a share (value > 0) is in force."""
    rows = rows[rows["value"] > 0]
    share = year_share(rows, ctx.year)
    if share == 0:
        return _none(ctx), None
    classes = sorted({k for c in rows["applies_to"] for k in _split(c)})
    barred = np.isin(np.asarray(ctx.class_names), classes)
    note = (
        f"H20 licence: {', '.join(classes)} not orderable ({share:.2f} of the year's orders barred)"
    )
    return np.repeat(barred[None, :], len(ctx.site_ids), axis=0), note


def _mandate(
    rows: pd.DataFrame, ctx: LeverContext, data_dir: Path | None
) -> tuple[np.ndarray, str | None]:
    """Bar the foreign classes in the bound owner types' halls (rows requiring all domestic)."""
    rows = rows[rows["value"] >= 1.0]
    if year_share(rows, ctx.year) == 0:
        return _none(ctx), None
    halls = _owners(rows, ctx)
    types = sorted(set(ctx.owner_type[halls].tolist()))
    note = f"domestic mandate: only domestic classes orderable in {', '.join(types) or 'no'} halls"
    return halls[:, None] & ~np.asarray(ctx.domestic, bool)[None, :], note


#: The levers that bar orders: switch of ``[levers]`` → (lever of ``levers.csv``, its bar).
_BARS: dict[str, tuple[str, Bar]] = {
    "ddsx_approvals": ("ddsx", _ddsx),
    "approval_tightening": ("approval_tightening", _tightening),
    "h20_licence": ("h20_licence", _h20),
    "domestic_mandate": ("domestic_mandate", _mandate),
}


def _ddsx_status(site_ids: np.ndarray, data_dir: Path | None) -> np.ndarray:
    """东数西算 status per site; a rest-of-China pseudo-site is outside every hub (``none``)."""
    ids = np.asarray(site_ids, str)
    pseudo = np.char.startswith(ids, PREFIX)
    status = np.full(len(ids), "none", dtype=object)
    if (~pseudo).any():
        status[~pseudo] = site_status(ids[~pseudo], data_dir)
    return status.astype(str)


def _power_delta(ctx: LeverContext, data_dir: Path | None) -> np.ndarray:
    """``(N,)``: CNY/(MW·yr) the subsidy takes off a domestic MW's power bill (≤ 0).

    A province's subsidy acts from the year of its text (``policy_power_subsidies.csv``).
    """
    if ctx.power_price_cny_kwh is None or ctx.energy_mwh_per_mw_year is None:
        raise ValueError(
            "power_subsidies needs LeverContext.power_price_cny_kwh and energy_mwh_per_mw_year"
        )
    price = np.asarray(ctx.power_price_cny_kwh, float)
    provinces = np.asarray(ctx.site_province, str)
    table = read_policy_table("policy_power_subsidies.csv", data_dir, provinces=provinces.tolist())
    issued = table.loc[table["year"] <= ctx.year, "province"]
    subsidised = np.where(
        np.isin(provinces, issued), subsidised_price(price, provinces, data_dir), price
    )
    return (subsidised - price) * np.asarray(ctx.energy_mwh_per_mw_year, float) * KWH_PER_MWH


def _vouchers(ctx: LeverContext, data_dir: Path | None) -> tuple[np.ndarray, list[str]]:
    """``(N, K)`` voucher discount in force in the year, and a note per issuer.

    An issuer acts from the year of its text; it takes ``voucher_share_max`` (for domestic
    classes ``domestic_share_max`` where given) of the posted rent off at its sites. Several
    issuers at one site do not add up: the largest discount holds. The cap per user and the
    budget are left out (docs/model.md "Levers").
    """
    frame = read_policy_table(
        "policy_vouchers.csv", data_dir, sites=np.asarray(ctx.site_ids, str).tolist()
    )
    rent = np.asarray(ctx.posted_rent, float)
    domestic = np.asarray(ctx.domestic, bool)
    discount = np.zeros((len(ctx.site_ids), len(ctx.class_names)))
    notes = []
    for city, site_ids, year, share_max, domestic_max in zip(
        frame["city"].astype(str),
        frame["site_ids"],
        frame["year"].to_numpy(float),
        frame["voucher_share_max"].to_numpy(float),
        frame["domestic_share_max"].to_numpy(float),
        strict=True,
    ):
        inside = np.isin(ctx.site_ids, _split(site_ids))
        if year > ctx.year or not share_max > 0 or not inside.any():
            continue  # not yet issued, no share in the data (blank or 0), or no site
        share = np.where(domestic & (domestic_max >= 0), domestic_max, share_max)
        discount = np.maximum(discount, inside[:, None] * (share * rent)[None, :])
        notes.append(f"compute vouchers {city}: {share_max:g} of the posted rent")
    return discount, notes
