"""Policy levers: the dated facts, the [levers] switches, each year's rules, voucher discounts."""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import settings
from siting.errors import InputError
from siting.horizon_run import horizon_for
from siting.market import OWNER_TYPES, allocate, load_market_data
from siting.pipeline import prepare
from siting.scenario import Levers, check_runner, load_scenario, parse_scenario
from siting.simulate.agents import load_agents
from siting.simulate.engine import (
    World,
    context,
    in_service,
    open_year,
    rules_of,
    simulate_myopic,
)
from siting.simulate.forecast import installed_over_use
from siting.simulate.levers import (
    LEVER_KINDS,
    LeverContext,
    YearRules,
    no_levers,
    read_levers,
    year_rules,
    year_share,
)
from siting.simulate.run import SimulationRun, run_simulation
from siting.sweep import load_sweep
from siting.vintages import load_time_tables
from tests.test_halls import _agents
from tests.test_market import _edit, _market, _random_market, _tables
from tests.test_scenario import _raw

DATA = Path(settings.data_dir)
CLASSES = ("imported_high_end", "export_compliant", "domestic")
#: One site of each kind the rules tell apart: a cluster, a hub node outside its clusters, a
#: site outside the hubs, a subsidised province, a voucher city and a rest-of-China pseudo-site.
SITES = {
    "zhangjiakou": ("Hebei", "cloud"),  # cluster
    "beijing": ("Beijing", "cloud"),  # hub node; vouchers from 2023
    "zhengzhou": ("Henan", "local_gov"),  # outside the hubs; vouchers from 2024
    "guian": ("Guizhou", "telecom"),  # cluster; power subsidy from 2025
    "hangzhou": ("Zhejiang", "gpu_cloud"),  # hub node; vouchers from 2025 (domestic share)
    "rest_hubei": ("Hubei", "telecom"),  # pseudo-site
}
RENT = np.array([8e7, 6e7, 4e7])
PRICE, ENERGY = 0.6, 1.3 * 0.6 * 8760  # CNY/kWh; MWh per MW-year


def _ctx(year: int, utilisation: dict[str, float] | None = None) -> LeverContext:
    provinces, owners = zip(*SITES.values(), strict=True)
    return LeverContext(
        year=year,
        site_ids=np.array(list(SITES)),
        site_province=np.array(provinces),
        owner_type=np.array(owners),
        class_names=CLASSES,
        domestic=np.array([False, False, True]),
        utilisation_by_province=utilisation or {},
        posted_rent=RENT,
        power_price_cny_kwh=np.full(len(SITES), PRICE),
        energy_mwh_per_mw_year=np.full(len(SITES), ENERGY),
    )


def _rules(switch: str, year: int, **ctx) -> YearRules:
    return year_rules(Levers(**{switch: True}), _ctx(year, **ctx))


def _barred(rules: YearRules) -> set[tuple[str, str]]:
    s, k = np.nonzero(~rules.orderable)
    return {(list(SITES)[i], CLASSES[j]) for i, j in zip(s, k, strict=True)}


def _only_orderable_changes(rules: YearRules) -> None:
    assert not rules.cost_delta.any() and not rules.discount.any()


# -- the data ------------------------------------------------------------------------------


def test_every_lever_fact_carries_its_provenance() -> None:
    table = read_levers()
    assert set(table["lever"]) == set(LEVER_KINDS)
    text = (DATA / "SOURCES.md").read_text()
    assert "# L. Levers: `levers.csv`" in text
    section = text.split("# L. Levers")[1]
    for row in table.itertuples():
        assert 1990 <= row.year <= 2100 and row.confidence in ("official", "secondary", "estimate")
        for key in row.source.split(";"):
            assert re.fullmatch(r"[LP]\d+", key), key
            assert f"| {key} |" in text, key  # a row of a sources table (L here, P in G)
        # every row is described in section L, its lever and its first date
        assert f"**{row.lever}, " in section and str(row.start) in section
    estimates = table[table["confidence"] == "estimate"]
    assert len(estimates) > 0
    for row in estimates.itertuples():  # an estimate says how it was made
        bullet = section.split(f"**{row.lever}, ")[1].split("\n* ")[0]
        assert "estimate" in bullet, row.lever


def test_the_ddsx_row_refers_to_the_policy_tables_rather_than_copying_them() -> None:
    ddsx = read_levers().query("lever == 'ddsx'")
    assert np.isnan(ddsx["value"]).all()
    rules = pd.read_csv(DATA / "policy_rules.csv").set_index("rule_id")
    for rule_id in ("large_only_in_clusters", "no_new_large_outside_hubs"):
        assert rules.loc[rule_id, "source"].split(";")[0] in ddsx["source"].iloc[0]
        assert f"`{rule_id}`" in (DATA / "SOURCES.md").read_text().split("# L. Levers")[1]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    for name in ("levers.csv", "policy_sites.csv", "sites.csv", "provinces.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("line", "field", "value", "message"),
    [
        (2, "lever", "h20_ban", r"expected one of 'h20_licence'"),
        (2, "start", "2025-13-01", r"expected YYYY-MM-DD, got '2025-13-01'"),
        (2, "end", "2025-01-01", r"a date on or after start 2025-04-09"),
        (2, "value", "", r"expected a value in \[0, 1\]"),
        (2, "value", "1.5", r"≤ 1"),
        (7, "value", "1", r"expected no value for ddsx"),
        (2, "unit", "share", r"'share_of_orders_barred' for h20_licence"),
        (2, "applies_to", "h20", r"names from imported_high_end, export_compliant"),
        (5, "applies_to", "cloud;state", r"names from cloud, telecom"),
        (7, "applies_to", "clusters", r"names from cluster, hub_node, none"),
        (4, "confidence", "guess", r"expected one of 'official'"),
        (4, "source", "", r"empty"),
    ],
)
def test_a_bad_lever_fact_is_one_clear_error(
    data: Path, line: int, field: str, value: str, message: str
) -> None:
    _edit(data / "levers.csv", line, field, value)
    with pytest.raises(InputError, match=message) as err:
        read_levers(data)
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert problem.source.endswith("levers.csv") and problem.where.startswith(f"line {line}")
    assert problem.field == field


def test_a_share_of_a_year_counts_the_days_in_force() -> None:
    h20 = read_levers().query("lever == 'h20_licence' and value > 0")
    days = (pd.Timestamp("2025-07-14") - pd.Timestamp("2025-04-09")).days + 1
    assert year_share(h20, 2025) == pytest.approx(days / 365)
    assert year_share(h20, 2024) == 0 and year_share(h20, 2026) == 0


# -- the [levers] table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "h20_license",
            True,
            r"\[levers\]: field 'h20_license': unknown key \(did you mean 'h20_licence'\?\)",
        ),
        ("voucher", True, r"'voucher': unknown key \(did you mean 'vouchers'\?\)"),
        ("vouchers", "yes", r"\[levers\]: field 'vouchers': input should be a valid boolean"),
        ("vouchers", 1, r"\[levers\]: field 'vouchers': input should be a valid boolean"),
    ],
)
def test_a_bad_levers_key_is_refused(key: str, value: object, message: str) -> None:
    raw = _raw()
    raw["levers"][key] = value
    with pytest.raises(InputError, match=message):
        parse_scenario(raw, source="x.toml")


def test_levers_off_leave_the_hash_and_on_change_it() -> None:
    raw = _raw()
    off = parse_scenario(raw).content_hash()
    del raw["levers"]
    assert parse_scenario(raw).content_hash() == off
    raw["levers"] = {"vouchers": True}
    assert parse_scenario(raw).content_hash() != off


@pytest.mark.parametrize("runner", ["plan", "batch", "optimize"])
def test_a_planner_runner_refuses_switched_on_levers(runner: str) -> None:
    scenario, _ = load_scenario("levers-h20")
    with pytest.raises(InputError, match=r"\[levers\]: field 'h20_licence': off: the levers act"):
        check_runner(scenario, runner)
    check_runner(scenario, "simulate")
    check_runner(load_scenario("levers-none")[0], "plan")


def test_shipped_lever_scenarios_switch_one_lever_each_and_the_sweep_every_combination() -> None:
    switches = set(Levers.model_fields)
    shipped = {
        "ddsx": "ddsx_approvals", "tightening": "approval_tightening", "h20": "h20_licence",
        "domestic-mandate": "domestic_mandate", "power-subsidies": "power_subsidies",
        "vouchers": "vouchers",
    }  # fmt: skip
    assert set(shipped.values()) == switches
    control, _ = load_scenario("levers-none")
    assert not any(control.levers.model_dump().values())
    for name, switch in shipped.items():
        scenario, _ = load_scenario(f"levers-{name}")
        on = {k for k, v in scenario.levers.model_dump().items() if v}
        assert on == {switch}
        # the same simulation as the control but for the lever
        assert (
            scenario.model_copy(
                update={
                    "levers": control.levers,
                    "name": control.name,
                    "description": control.description,
                }
            )
            == control
        )
    sweep = load_sweep("levers-2023-2025")
    assert len(sweep.points) == 2 ** len(switches)
    seen = {tuple(sorted(p.scenario.levers.model_dump().items())) for p in sweep.points}
    assert len(seen) == 2 ** len(switches)


# -- each rule, in its years, and nothing else -----------------------------------------------


def test_no_levers_and_levers_off_allow_everything() -> None:
    for rules in (
        no_levers(_ctx(2025)),
        year_rules(Levers(), _ctx(2025, utilisation={"Henan": 0.1})),
    ):
        assert rules.orderable.all() and rules.orderable.shape == (len(SITES), len(CLASSES))
        _only_orderable_changes(rules)
        assert rules.notes == ()


def test_ddsx_bars_new_orders_outside_the_clusters_from_its_text() -> None:
    assert _barred(_rules("ddsx_approvals", 2020)) == set()  # before 2021-12-08
    for year in (2021, 2023, 2026):
        rules = _rules("ddsx_approvals", year)
        outside = {"beijing", "zhengzhou", "hangzhou", "rest_hubei"}
        assert _barred(rules) == {(s, k) for s in outside for k in CLASSES}
        _only_orderable_changes(rules)
        assert len(rules.notes) == 1 and "东数西算" in rules.notes[0]


def test_the_data_decides_what_a_lever_binds_and_when(data: Path) -> None:
    """Only the hub nodes' outside (P6's reading); the mandate on cloud sites, from 2027."""
    _edit(data / "levers.csv", 7, "applies_to", "none")
    _edit(data / "levers.csv", 5, "applies_to", "cloud")
    _edit(data / "levers.csv", 5, "start", "2027-01-01")
    _edit(data / "levers.csv", 6, "start", "2027-01-01")
    rules = year_rules(Levers(ddsx_approvals=True), _ctx(2023), data)
    assert _barred(rules) == {(s, k) for s in ("zhengzhou", "rest_hubei") for k in CLASSES}
    assert _barred(year_rules(Levers(domestic_mandate=True), _ctx(2026), data)) == set()
    rules = year_rules(Levers(domestic_mandate=True), _ctx(2027), data)
    bound = {"zhangjiakou", "beijing", "guian", "rest_hubei"}  # cloud and telecom
    assert _barred(rules) == {(s, k) for s in bound for k in CLASSES[:2]}


def test_a_switched_on_lever_needs_its_rows(data: Path) -> None:
    frame = pd.read_csv(data / "levers.csv", dtype=str, keep_default_na=False)
    frame[frame["lever"] != "h20_licence"].to_csv(data / "levers.csv", index=False)
    with pytest.raises(InputError, match=r"levers.csv: rows: field 'lever': h20_licence: a row"):
        year_rules(Levers(h20_licence=True, ddsx_approvals=True), _ctx(2025), data)
    year_rules(Levers(ddsx_approvals=True), _ctx(2025), data)  # the others still read


def test_ddsx_needs_a_status_for_every_named_site(data: Path) -> None:
    frame = pd.read_csv(data / "policy_sites.csv")
    frame[frame["site_id"] != "zhengzhou"].to_csv(data / "policy_sites.csv", index=False)
    with pytest.raises(InputError, match=r"no 东数西算 status for 1 sites \(zhengzhou\)"):
        year_rules(Levers(ddsx_approvals=True), _ctx(2023), data)


def test_approval_tightening_bars_low_utilisation_provinces_from_2025() -> None:
    used = {"Henan": 0.3, "Beijing": 0.9, "Guizhou": 0.59, "Zhejiang": float("nan")}
    assert _barred(_rules("approval_tightening", 2024, utilisation=used)) == set()
    assert _barred(_rules("approval_tightening", 2025)) == set()  # first year: no utilisation
    rules = _rules("approval_tightening", 2025, utilisation=used)
    assert _barred(rules) == {(s, k) for s in ("zhengzhou", "guian") for k in CLASSES}
    _only_orderable_changes(rules)
    assert rules.notes == (
        "approval tightening: no new orders where last year's utilisation < 0.6: Guizhou, Henan",
    )


def test_h20_licence_bars_export_compliant_in_2025_only() -> None:
    for year in (2024, 2026):
        assert _barred(_rules("h20_licence", year)) == set()
    rules = _rules("h20_licence", 2025)
    assert _barred(rules) == {(s, "export_compliant") for s in SITES}
    _only_orderable_changes(rules)
    assert rules.notes == (
        "H20 licence: export_compliant not orderable (0.27 of the year's orders barred)",
    )


def test_domestic_mandate_bars_foreign_classes_at_the_bound_owner_types_from_2025() -> None:
    assert _barred(_rules("domestic_mandate", 2024)) == set()
    bound = {"zhengzhou", "guian", "rest_hubei"}  # local_gov and telecom
    for year in (2025, 2026):
        rules = _rules("domestic_mandate", year)
        assert _barred(rules) == {(s, k) for s in bound for k in CLASSES[:2]}
        _only_orderable_changes(rules)


def test_power_subsidies_lower_the_cost_of_domestic_classes_in_the_listed_provinces() -> None:
    assert not _rules("power_subsidies", 2024).cost_delta.any()  # the text is of 2025
    rules = _rules("power_subsidies", 2025)
    assert rules.orderable.all() and not rules.discount.any()
    expected = np.zeros((len(SITES), len(CLASSES)))
    # Guizhou: min(π, max(0.4, (1 - 0.5) π)) = 0.4 CNY/kWh, on the energy of a MW-year
    expected[list(SITES).index("guian"), 2] = (0.4 - PRICE) * ENERGY * 1000
    np.testing.assert_allclose(rules.cost_delta, expected)
    assert rules.notes == ("power subsidies for domestic classes in Guizhou",)


def test_power_subsidies_need_the_price_and_energy() -> None:
    ctx = dataclasses.replace(_ctx(2025), power_price_cny_kwh=None)
    with pytest.raises(ValueError, match="power_price_cny_kwh"):
        year_rules(Levers(power_subsidies=True), ctx)


def test_vouchers_discount_the_rent_at_their_cities_from_their_year() -> None:
    def discount(year: int) -> dict[str, np.ndarray]:
        rules = _rules("vouchers", year)
        assert rules.orderable.all() and not rules.cost_delta.any()
        return dict(zip(SITES, rules.discount, strict=True))

    d = discount(2023)
    np.testing.assert_allclose(d["beijing"], 0.2 * RENT)
    assert not d["zhengzhou"].any() and not d["hangzhou"].any()
    d = discount(2024)
    np.testing.assert_allclose(d["zhengzhou"], 0.2 * RENT)  # city and province: not added
    d = discount(2025)
    np.testing.assert_allclose(d["hangzhou"], 0.3 * RENT)
    for site in ("zhangjiakou", "guian", "rest_hubei"):
        assert not d[site].any()


def test_levers_together_are_each_lever_alone() -> None:
    used = {"Henan": 0.3}
    every = year_rules(Levers(**dict.fromkeys(Levers.model_fields, True)), _ctx(2025, used))
    alone = [_rules(k, 2025, utilisation=used) for k in Levers.model_fields]
    assert (every.orderable == np.logical_and.reduce([r.orderable for r in alone])).all()
    np.testing.assert_allclose(every.cost_delta, sum(r.cost_delta for r in alone))
    np.testing.assert_allclose(every.discount, sum(r.discount for r in alone))
    assert sorted(every.notes) == sorted(n for r in alone for n in r.notes)


# -- the discount in the market -------------------------------------------------------------


def test_a_discount_moves_use_to_the_discounted_site(tmp_path: Path) -> None:
    seg, fr = _tables(tmp_path, 1)
    m = _market(
        seg, fr, capacity=[[10], [10]], inference=[[10]], rent=np.array([60.0]),
        network_cny=np.array([[0.0, 3.0]]),
    )  # fmt: skip
    used = allocate(m).rents.set_index("site_id")["market_mw"]
    assert used["s0"] == pytest.approx(10) and used["s1"] == pytest.approx(0)
    voucher = dataclasses.replace(m, discount=np.array([[0.0], [5.0]]))
    out = allocate(voucher)
    used = out.rents.set_index("site_id")["market_mw"]
    assert used["s0"] == pytest.approx(0) and used["s1"] == pytest.approx(10)
    assert out.cost_cny == pytest.approx(10 * (60 + 3 - 5))


def test_the_captive_owner_gets_no_discount_at_its_own_site(tmp_path: Path) -> None:
    seg, fr = _tables(tmp_path, 2, captive={0: "cloud"})
    m = _market(
        seg, fr, capacity=[[10]], inference=[[4], [6]], owner_type=np.array(["cloud"]),
        rent=np.array([60.0]), discount=np.array([[5.0]]),
    )  # fmt: skip
    cost = allocate(m).allocation.set_index("segment")["cost_cny_per_mw_year"]
    assert cost["g0"] == pytest.approx(60.0) and cost["g1"] == pytest.approx(55.0)


def test_a_discount_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    seg, fr = _tables(tmp_path, 1)
    with pytest.raises(ValueError, match=r"discount has shape \(1,\), not \(1, 1\)"):
        _market(seg, fr, capacity=[[1]], inference=[[1]], discount=np.zeros(1))


@pytest.mark.parametrize("seed", range(6))
def test_clearing_rents_with_a_discount_satisfy_complementary_slackness(
    tmp_path: Path, seed: int
) -> None:
    m = _random_market(tmp_path, seed)
    rng = np.random.default_rng(100 + seed)
    m = dataclasses.replace(m, discount=rng.uniform(0, 3e7, m.capacity.shape))
    r = allocate(m).rents
    slack = r["capacity_mw"] - r["captive_mw"] - r["market_mw"]
    binding = r["clearing_premium"] > 1e-3
    assert (slack[binding].abs() < 1e-6).all()
    assert (r.loc[slack > 1e-6, "clearing_premium"] < 1e-3).all()
    assert (r["clearing_premium"] >= 0).all()
    assert binding.any()  # tight enough that the check is not vacuous


def test_a_discount_lowers_what_the_random_markets_cost(tmp_path: Path) -> None:
    """The discount reaches the market stage's LP (so the slackness check above is not moot)."""
    for seed in range(6):
        m = _random_market(tmp_path, seed)
        d = np.random.default_rng(100 + seed).uniform(1e6, 3e7, m.capacity.shape)
        plain, voucher = allocate(m), allocate(dataclasses.replace(m, discount=d))
        if plain.rents["market_mw"].sum() > 1e-6:
            assert voucher.market.objective < plain.market.objective - 1e6


# -- the levers in the simulation ------------------------------------------------------------


@functools.cache
def _simulated(*switches: str) -> SimulationRun:
    """``levers-none`` simulated (no comparison) with ``switches`` on."""
    control, _ = load_scenario("levers-none")
    spec = control.with_overrides(
        {"simulate.compare": False, **{f"levers.{switch}": True for switch in switches}}
    )
    return run_simulation(spec, write=False)


def _site_owner(run: SimulationRun) -> pd.Series:
    """The owner type (``site_owners.csv``) of each site of a run, by site id."""
    ids = [str(s) for s in run.horizon.base.sites.ids]
    return pd.Series(load_market_data().owner_type(ids)[0], index=ids)


def test_the_domestic_mandate_leaves_no_foreign_order_at_a_bound_owner_type() -> None:
    rows = read_levers()
    rows = rows[(rows["lever"] == "domestic_mandate") & (rows["value"] >= 1)]
    bound = {o for cell in rows["applies_to"] for o in cell.split(";")}
    start = min(rows["start"]).year

    def foreign_at_bound(run: SimulationRun) -> pd.DataFrame:
        r = run.orders
        owner = r["site_id"].map(_site_owner(run))
        return r[owner.isin(bound) & (r["accelerator_class"] != "domestic") & (r["year"] >= start)]

    assert len(foreign_at_bound(_simulated())) > 0  # the control orders them
    run = _simulated("domestic_mandate")
    assert foreign_at_bound(run).empty
    assert any("domestic mandate" in n for n in run.summary["levers"][str(start)])


def test_the_h20_licence_leaves_no_export_compliant_order_in_2025() -> None:
    def compliant(run: SimulationRun, year: int) -> pd.DataFrame:
        r = run.orders
        return r[(r["accelerator_class"] == "export_compliant") & (r["year"] == year)]

    control, run = _simulated(), _simulated("h20_licence")
    assert len(compliant(control, 2025)) > 0
    assert compliant(run, 2025).empty
    earlier = [r[r["year"] < 2025].reset_index(drop=True) for r in (control.orders, run.orders)]
    pd.testing.assert_frame_equal(*earlier)  # nothing else changes before its year


@functools.cache
def _world() -> World:
    """``levers-none``'s horizon, market tables and ``default`` investors, with no lever."""
    prepared = prepare("levers-none")
    h = horizon_for(prepared.instance, prepared.scenario, source="levers-none", runner="simulate")
    return World(
        h, load_market_data(), prepared.layers.hubs,
        load_agents("default", [str(s) for s in h.base.sites.ids]),
        installed_over_use(load_time_tables(), "central", h.years),
    )  # fmt: skip


def _with_levers(world: World, **switches: bool) -> World:
    return dataclasses.replace(world, rules=functools.partial(year_rules, Levers(**switches)))


def test_the_levers_read_the_power_price_that_prices_the_sites_running_cost() -> None:
    world = _world()
    sites = world.h.base.sites
    price = context(world, 0, None).power_price_cny_kwh
    np.testing.assert_array_equal(price, sites.power_price[world.halls.site])  # each hall's site's
    assert (sites.power_price > 0).all()
    energy_cost = sites.energy_mwh * sites.power_price * 1000  # MWh x CNY/kWh x kWh/MWh
    np.testing.assert_allclose(sites.opex[:, 0], energy_cost, rtol=1e-12)


def _two_halls_at(world: World, sites: dict[str, str], rules: Levers, data_dir: Path) -> World:
    """``world`` with two investors at each of ``sites``: its owner's type and the other one."""
    index = [list(world.site_ids).index(s) for s in sites]
    owners = list(world.data.owner_type(list(sites))[0])
    agents = _agents(
        [o for pair in zip(owners, sites.values(), strict=True) for o in pair],
        [s for s in index for _ in range(2)], [0.5] * 2 * len(sites),
    )  # fmt: skip
    return dataclasses.replace(
        world, agents=agents, rules=functools.partial(year_rules, rules, data_dir=data_dir)
    )


@pytest.mark.parametrize("lever", ["domestic_mandate", "approval_tightening"])
def test_a_lever_bound_to_owner_types_binds_each_hall_by_its_own_type(
    data: Path, lever: str
) -> None:
    """A cloud site with a local-government hall, a local-government site with a cloud hall."""
    if lever == "approval_tightening":  # bind local governments alone
        _edit(data / "levers.csv", 4, "applies_to", "local_gov")
    sites = {"guian": "local_gov", "zhengzhou": "cloud"}
    world = _two_halls_at(_world(), sites, Levers(**{lever: True}), data)
    h, halls = world.h, world.halls
    t = list(h.years).index(2025)
    idle = 10 * world.existing[:, :, t - 1]  # last year used at most 0.1 everywhere
    last = allocate(world.market(idle, t - 1), threads=1)
    year, rules, _, _ = open_year(world, t, np.zeros(world.existing.shape), last)
    assert rules.notes  # in force
    foreign = ~np.asarray(h.classes == "domestic")
    for site in sites:
        s = list(world.site_ids).index(site)
        for owner in ("cloud", "local_gov"):
            orderable = year.orderable[halls.at[s, OWNER_TYPES.index(owner)]]
            if owner == "cloud":
                np.testing.assert_array_equal(orderable, h.buildable)
            else:  # barred: the mandate the foreign classes, the tightening every class
                barred = foreign if lever == "domestic_mandate" else np.ones_like(foreign)
                np.testing.assert_array_equal(orderable, h.buildable & ~barred)


def test_a_voucher_discount_moves_market_use_to_the_voucher_sites() -> None:
    world = _with_levers(_world(), vouchers=True)
    h = world.h
    sim = simulate_myopic(world, 0)
    t = 2  # 2025: the year with most issuers
    year = int(h.years[t])
    existing = in_service(world, sim.hall_orders)[:, :, t]  # per hall
    discount = rules_of(world, t, sim.markets[year - 1]).discount
    assert discount.any()
    with_vouchers = sim.markets[year].rents
    without = allocate(world.market(existing, t), threads=1).rents
    at = discount[world.halls.site].ravel() > 0  # the rents run hall by hall, class by class
    assert with_vouchers["market_mw"][at].sum() > without["market_mw"][at].sum() + 1.0
    capacity = with_vouchers["capacity_mw"].to_numpy()
    np.testing.assert_allclose(capacity, without["capacity_mw"].to_numpy())  # same fleet
