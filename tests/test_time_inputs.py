"""Rest of China served from pseudo-hubs and pseudo-sites; IT prices per class and year."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from siting import settings
from siting.costs import annuity_factor
from siting.errors import InputError
from siting.horizon_run import horizon_for
from siting.model.horizon import build_horizon_model
from siting.pipeline import prepare
from siting.prices import price_per_mw, read_it_prices
from siting.rest_of_china import (
    load_allocation,
    pseudo_id,
    read_allocation,
    rest_capacity_mw,
    rest_demand_mw,
)
from siting.solve.horizon import solve_horizon
from siting.solve.options import RunOptions
from siting.vintages import RECONCILE_TOLERANCE_PF, load_time_tables

from .conftest import make_instance
from .test_periods import brute_force, make_horizon

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "siting" / "data"
FILES = ("rest_of_china.csv", "it_prices.csv")
with open(DATA / "provinces.csv", encoding="utf-8") as _f:
    PROVINCE_NAMES = [r["name_en"] for r in csv.DictReader(_f)]


def _edit(path: Path, transform) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    body = transform(rows[0], rows[1:])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *body])
    path.write_text(out.getvalue(), encoding="utf-8")


def _set(column: str, row: int, value: str):
    def transform(header, body):
        body[row][header.index(column)] = value
        return body

    return transform


def _serve(name: str):
    spec = prepare(name).scenario
    demand = spec.demand.model_copy(update={"rest_of_china": "serve"})
    return spec.model_copy(update={"demand": demand})


# ---------------------------------------------------------------- the shipped files


def test_build_script_reproduces_the_committed_files(tmp_path) -> None:
    script = REPO / "scripts" / "build_time_inputs.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_sources_document_every_column() -> None:
    sources = (DATA / "SOURCES.md").read_text()
    for name in FILES:
        assert f"`{name}`" in sources, name
        header = (DATA / name).read_text().splitlines()[0].split(",")
        missing = [c for c in header if f"`{c}`" not in sources]
        assert not missing, f"{name}: columns not in SOURCES.md: {missing}"


def test_allocation_key_by_hand() -> None:
    """Shandong (no hub): half its GDP share plus half the filings outside hub provinces."""
    key = load_allocation(PROVINCE_NAMES).set_index("province")
    assert key["weight"].sum() == pytest.approx(1.0, abs=1e-9)
    assert {"Beijing", "Shanghai", "Tianjin", "Chongqing"}.isdisjoint(key.index)  # all hub
    gdp = key["gdp_2024_100m_cny"]
    hub = key["hub_gdp_2024_100m_cny"]
    no_hub = hub == 0
    national = gdp.sum() + 49843.1 + 53926.71 + 18024.32 + 32193.15  # the four municipalities
    filings_rest = 100 - 90.71  # section B step 4: the 13 hub provinces hold 90.71 %
    raw = 0.5 * (gdp - hub) / national + 0.5 * no_hub * filings_rest / 100 * gdp / gdp[no_hub].sum()
    assert key["weight"].to_numpy() == pytest.approx((raw / raw.sum()).to_numpy(), abs=1e-6)
    assert key.loc["Shandong", "filing_share_pct"] == pytest.approx(
        9.29 * 98565.8 / gdp[no_hub].sum(), abs=1e-3
    )


# ---------------------------------------------------------------- the instance


def test_single_period_scenarios_are_unchanged_unless_they_ask() -> None:
    omit = prepare("default").instance
    assert omit.n_hubs == 15 and omit.n_sites == 30
    served = prepare(_serve("default")).instance
    tables = load_time_tables()
    n = len(load_allocation(PROVINCE_NAMES))
    assert served.n_hubs == 15 + n and served.n_sites == 30 + n
    pseudo = np.char.startswith(served.hubs.ids.astype(str), "rest_")
    assert served.hubs.demand_mw[pseudo].sum() == pytest.approx(rest_demand_mw(tables))
    assert served.hubs.demand_mw[~pseudo] == pytest.approx(omit.hubs.demand_mw)
    sites = np.char.startswith(served.sites.ids.astype(str), "rest_")
    assert served.sites.existing_mw[sites].sum() == pytest.approx(rest_capacity_mw(tables))
    # hubs + rest of China = the 2027 national inference of hubs.csv (2,821.8 MW)
    assert served.hubs.demand_mw.sum() == pytest.approx(2821.8, abs=0.2)
    # each pseudo-hub reaches its own pseudo-site (same point) within the class SLA
    for h in np.flatnonzero(pseudo):
        reached = served.sites.ids[served.pairs.site[served.pairs.hub == h]]
        assert served.hubs.ids[h] in set(reached)


@pytest.mark.parametrize("variant", ["low", "central", "high"])
def test_horizon_demand_is_national_use_and_capacity_the_national_series(variant) -> None:
    """Served, each year's demand is national use (the variant's) and capacity (before
    retirement) the national installed series; the service life keeps the series in service."""
    spec = _serve("2023-2030")
    horizon = spec.horizon.model_copy(update={"use": variant})
    prepared = prepare(spec.model_copy(update={"horizon": horizon}))
    h = horizon_for(prepared.instance, prepared.scenario, source="test")
    tables = load_time_tables()
    series = tables.national.set_index("year")["eflops_fp16"] * 1000  # PF
    use = tables.demand[tables.demand["variant"] == variant].groupby("year")["mw"].sum()
    for t, year in enumerate(h.years.tolist()):
        # hub rows are inference_mw / 2821.8 x national: hubs.csv rounds inference_mw to 0.1
        assert h.demand[:, t].sum() + h.training[t] == pytest.approx(use[year], rel=1e-4)
    kw = tables.accelerators.set_index("accelerator_class").loc[h.classes, "kw_per_pf"]
    for t, year in enumerate(h.years.tolist()):
        if year <= 2025:  # the vintages end with 2025 (2026+ is announced, not counted)
            pf = (h.existing[:, :, t].sum(axis=0) * 1000 / kw.to_numpy()).sum()
            assert pf == pytest.approx(series[year], abs=RECONCILE_TOLERANCE_PF)


def test_omitted_rest_of_china_drops_both_sides() -> None:
    prepared = prepare("2023-2030")  # serves
    served = horizon_for(prepared.instance, prepared.scenario, source="test")
    spec = prepared.scenario
    omit = spec.model_copy(
        update={"demand": spec.demand.model_copy(update={"rest_of_china": "omit"})}
    )
    p2 = prepare(omit)
    h = horizon_for(p2.instance, p2.scenario, source="test")
    assert h.demand.sum() < served.demand.sum()
    assert h.training.sum() < served.training.sum()
    assert served.inference_only is not None and served.inference_only.sum() > 0
    assert served.must_open.tolist() == served.inference_only.tolist()
    assert not h.inference_only.any() and h.must_open is None


# ---------------------------------------------------------------- IT prices


def test_it_prices_enter_capex_and_capital_by_hand() -> None:
    prepared = prepare("2023-2030")
    h = horizon_for(prepared.instance, prepared.scenario, source="test")
    costs = prepared.scenario.costs
    it_crf = annuity_factor(costs.discount_rate, costs.it_lifetime_years)
    k = list(h.classes).index("export_compliant")
    t = list(h.years).index(2025)
    # 2025: 8xH20 server 1.1 M CNY at 5.829 kW = 188,711,614 CNY per MW of IT load
    extra = it_crf * (188_711_614 - costs.it_capex_cny_per_mw)
    assert h.capex[0, k, t] == pytest.approx(prepared.instance.sites.capex_cost[0] + extra)
    assert h.capital[k, t] == pytest.approx(costs.capex_cny_per_mw + 188_711_614)
    # no row for 2023: the class's first row (2024) applies; no domestic rows: the scenario's
    assert h.capital[k, 0] == pytest.approx(costs.capex_cny_per_mw + 205_867_216)
    d = list(h.classes).index("domestic")
    flat_capex = np.broadcast_to(
        prepared.instance.sites.capex_cost[:, None], h.capex[:, d, :].shape
    )
    assert h.capex[:, d, :] == pytest.approx(flat_capex)
    # a 2023 imported cohort is valued at the 2023 price (8 x 200k + 0.5 M = 2.1 M / 10.2 kW)
    i = list(h.classes).index("imported_high_end")
    cohort = np.flatnonzero((h.cohort_class == i) & (h.cohort_start == 2023))[0]
    assert h.cohort_capital[cohort] == pytest.approx(costs.capex_cny_per_mw + 205_882_353)
    flat = prepared.scenario.horizon.model_copy(update={"it_prices": "flat"})
    h2 = horizon_for(
        prepared.instance, prepared.scenario.model_copy(update={"horizon": flat}), source="t"
    )
    assert h2.capex == pytest.approx(
        np.broadcast_to(prepared.instance.sites.capex_cost[:, None, None], h2.capex.shape)
    )


def test_price_per_mw_fills_years_and_classes() -> None:
    classes = ["imported_high_end", "export_compliant", "domestic"]
    prices = read_it_prices(DATA / "it_prices.csv", classes=classes)
    out = price_per_mw(prices, ["imported_high_end", "domestic"], [2020, 2024, 2030], 7.0)
    assert out[0].tolist() == [205882353, 264705882, 220588235]  # first, own, latest
    assert out[1].tolist() == [7.0, 7.0, 7.0]


def _price_case(first_year_capex: float) -> tuple[float, np.ndarray]:
    """One site, one hub, one class, lead 1: demand of 10 MW in years 1 and 2 only.

    Ordering in year 0 serves both years at the year-0 price; ordering in year 1 serves year 2
    at the year-1 price and leaves year 1 unmet (penalty 20 M CNY per MW).
    """
    inst = make_instance(0, n_sites=1, n_hubs=1, training_mw=0.0)
    inst = dataclasses.replace(
        inst,
        sites=dataclasses.replace(
            inst.sites,
            existing_mw=np.zeros(1),
            headroom_mw=np.full(1, 100.0),
            fixed_cost=np.zeros(1),
            opex=np.zeros_like(inst.sites.opex),
        ),
        pairs=dataclasses.replace(inst.pairs, cost=np.zeros(inst.n_pairs)),
    )
    h = make_horizon(0, n_sites=1, n_years=3, lead=1, life=5, penalty=2e7, factor=(1.0,))
    capex = np.array([first_year_capex, 8e6, 8e6]).reshape(1, 1, 3)
    h = dataclasses.replace(
        h,
        base=inst,
        existing=np.zeros((1, 1, 3)),
        demand=np.array([[0.0, 10.0, 10.0]]),
        training=np.zeros(3),
        capex=capex,
        fixed=np.zeros(1),
        standby=np.zeros(1),
        discount=np.ones(3),
    )
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)
    return sol.objective, sol.order[0, 0]


def test_build_year_moves_when_prices_fall() -> None:
    """Hand: order in year 0 costs 2 K0 per MW; in year 1, K1 + 20 M (year 1 unmet)."""
    # flat 8 M: 2 x 8 = 16 M per MW < 8 + 20 = 28 M, so build in year 0
    cost, order = _price_case(8e6)
    assert order.tolist() == pytest.approx([10.0, 0.0, 0.0])
    assert cost == pytest.approx(10 * 2 * 8e6)
    # at the top (year 0 at 16 M, falling to 8 M): 2 x 16 = 32 M > 28 M, so wait a year
    cost, order = _price_case(16e6)
    assert order.tolist() == pytest.approx([0.0, 10.0, 0.0])
    assert cost == pytest.approx(10 * (8e6 + 2e7))


# ---------------------------------------------------------------- bad input


def test_allocation_rows_that_do_not_add_up(tmp_path) -> None:
    path = tmp_path / "rest_of_china.csv"
    shutil.copy(DATA / "rest_of_china.csv", path)
    _edit(path, _set("weight", 0, "0.5"))
    with pytest.raises(InputError) as err:
        read_allocation(path, provinces=PROVINCE_NAMES)
    text = str(err.value)
    assert str(path) in text and "weight" in text and "add up to 1" in text


def test_allocation_unknown_province(tmp_path) -> None:
    path = tmp_path / "rest_of_china.csv"
    shutil.copy(DATA / "rest_of_china.csv", path)
    _edit(path, _set("province", 2, "Atlantis"))
    with pytest.raises(InputError) as err:
        read_allocation(path, provinces=PROVINCE_NAMES)
    assert "line 4" in str(err.value) and "province" in str(err.value)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("accelerator_class", "quantum", "accelerator_class"),
        ("year", "2031", "a whole year from 2023 to 2030"),
        ("year", "2019", "a whole year from 2023 to 2030"),
        ("price_cny_per_mw", "1", "price_cny_per_server × 1000 / server_kw"),
    ],
)
def test_bad_price_rows(tmp_path, column, value, words) -> None:
    path = tmp_path / "it_prices.csv"
    shutil.copy(DATA / "it_prices.csv", path)
    _edit(path, _set(column, 1, value))
    with pytest.raises(InputError) as err:
        read_it_prices(path, classes=["imported_high_end", "export_compliant", "domestic"])
    text = str(err.value)
    assert str(path) in text and "line 3" in text and column in text and words in text


@pytest.mark.parametrize(
    ("name", "column", "value", "words"),
    [
        ("rest_of_china.csv", "weight", "0.9", "weight"),
        ("it_prices.csv", "accelerator_class", "tpu", "accelerator_class"),
        ("it_prices.csv", "year", "2040", "year"),
        ("training_clusters.csv", "demand_mw", "50.0", "demand_mw"),
    ],
)
def test_bad_time_input_through_the_program(
    tmp_path, monkeypatch, capsys, name, column, value, words
) -> None:
    """One clear error naming the file, exit 2, nothing written."""
    from siting.cli import main

    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("county", "prefecture"))
    _edit(data / name, _set(column, 0, value))
    monkeypatch.setattr(settings, "data_dir", data)
    out = tmp_path / "out"
    assert main(["plan", "2023-2025-as-built", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert name in err and words in err and "Traceback" not in err
    assert not out.exists()


def test_serving_a_hub_set_that_covers_the_nation_is_refused(tmp_path, capsys) -> None:
    from siting.cli import main

    scenario = tmp_path / "pref.toml"
    base = (REPO / "siting" / "scenarios" / "prefecture.toml").as_posix()
    scenario.write_text(f'extends = "{base}"\nname = "pref"\n[demand]\nrest_of_china = "serve"\n')
    out = tmp_path / "out"
    assert main(["optimize", str(scenario), "--out", str(out), "--no-map"]) == 2
    assert "rest_of_china" in capsys.readouterr().err
    assert not out.exists()


def test_pseudo_ids() -> None:
    assert pseudo_id("Inner Mongolia") == "rest_inner_mongolia"


def test_a_class_dearer_per_demand_mw_is_dominated_exactly() -> None:
    """Class 0 costs 1.5 times class 1 per installed MW but serves twice the demand MW."""
    from siting.model.horizon import dominated_classes

    h = make_horizon(9, n_years=2, lead=1, standby=1e6, penalty=1e8, factor=(1.0, 0.5))
    capex = h.capex.copy()
    capex[:, 0] = 1.5 * capex[:, 1]
    h = dataclasses.replace(h, capex=capex)
    assert dominated_classes(h).tolist() == [False, True]
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)


def test_shipped_prices_leave_domestic_to_order() -> None:
    from siting.model.horizon import dominated_classes

    prepared = prepare("2023-2030")
    h = horizon_for(prepared.instance, prepared.scenario, source="test")
    dominated = dict(zip(h.classes, dominated_classes(h), strict=True))
    assert dominated["export_compliant"] and not dominated["domestic"]
    d, e = list(h.classes).index("domestic"), list(h.classes).index("export_compliant")
    r = (h.factor[:, e] / h.factor[:, d]).max()  # docs/model.md: the worse of the workloads
    assert 0.6 < r < 0.7  # an H20 MW does 0.41 of a domestic MW's training, 0.67 of its serving
    assert (h.capex[:, d] * r < h.capex[:, e]).all()  # and costs more than r domestic MW
