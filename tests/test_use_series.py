"""The use series (``data/use_years.csv``, SOURCES.md T9): demand as compute used.

Demand is not installed capacity; the series reconciles with its sources (tokens over
throughput, GPU-hours times the R&D multiplier, the non-LLM base); its parts add up; the
variants are ordered; a scenario picks its variant with ``[horizon] use``.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from siting.errors import InputError
from siting.horizon_run import horizon_for
from siting.pipeline import prepare
from siting.scenario import USE_VARIANTS, load_scenario
from siting.vintages import (
    MEASURED_LAST,
    NATIONAL,
    PLANNING_INFERENCE_MW,
    REST_OF_CHINA,
    SITE_KW_PER_PF,
    installed_mw,
    load_time_tables,
)

from .conftest import DATA, REPO

#: A national figure "equals" installed capacity if within this share of it.
SAME = 0.01
#: Rounding of a row (0.001 MW) over the 16 inference areas.
ROUNDING_MW = 16 * 0.0005
#: Serving throughput by hand (SOURCES.md T9): DeepSeek, 776e9 tokens a day over 278 peak
#: nodes of 8×H800 at 10.2 kW, tokens/s per MW.
THROUGHPUT = 776e9 / 86_400 / (278 * 10.2 / 1000)
#: NDA tokens a day at each year-end (T9): end-2024 is log-linear between the start of 2024
#: (1e11) and end-June 2025 (3e13) except in the low variant (the issue's 1e12).
TOKENS = {2022: 0.0, 2023: 1e11, 2024: 1e11 * 300 ** (1 / 1.5), 2025: 1e14}


@pytest.fixture(scope="module")
def use() -> pd.DataFrame:
    return load_time_tables(DATA).demand


@pytest.fixture(scope="module")
def inputs() -> pd.DataFrame:
    return pd.read_csv(DATA / "use_inputs.csv").set_index("name")


def national(use: pd.DataFrame, **where: str) -> pd.DataFrame:
    """National MW per year (rows) and variant (columns) of the rows matching ``where``."""
    rows = use
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows.groupby(["year", "variant"])["mw"].sum().unstack("variant")


def equal_years(demand: pd.Series, installed: pd.Series) -> list[int]:
    """Years in which demand equals installed capacity within :data:`SAME`."""
    common = demand.index.intersection(installed.index)
    return [int(y) for y in common if abs(demand[y] - installed[y]) <= SAME * installed[y]]


def installed_series() -> dict[str, pd.Series]:
    """Installed MW per year: IDC's series at the demand unit, and the vintages in service."""
    tables = load_time_tables(DATA)
    idc = tables.national.set_index("year")["eflops_fp16"] * 1000 * SITE_KW_PER_PF / 1000
    vintages = installed_mw(tables.vintages).groupby("year")["mw"].sum()
    return {"national_compute": idc, "vintages": vintages}


def test_build_script_reproduces_the_committed_file(tmp_path) -> None:
    script = REPO / "scripts" / "build_use_series.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "use_years.csv").read_bytes() == (DATA / "use_years.csv").read_bytes()


@pytest.mark.parametrize("variant", USE_VARIANTS)
def test_demand_is_not_installed_capacity(use, variant) -> None:
    demand = national(use)[variant]
    for name, installed in installed_series().items():
        assert equal_years(demand, installed) == [], name


def test_the_check_catches_demand_built_from_the_installed_series() -> None:
    """The old demand_years.csv: IDC's series × shares, every year equal by construction."""
    idc = installed_series()["national_compute"]
    shares = {y: 0.576 + 0.031 * (y - 2023) for y in idc.index}
    old = pd.Series({y: v * shares[y] + v * (1 - shares[y]) for y, v in idc.items()})
    assert equal_years(old, idc) == list(idc.index)


def test_kinds_and_years(use) -> None:
    assert sorted(use["year"].unique()) == list(range(2022, 2031))
    measured = use["year"] <= MEASURED_LAST
    assert set(use.loc[measured, "kind"]) == {"measured"}
    assert set(use.loc[~measured, "kind"]) == {"scenario"}
    assert sorted(use["variant"].unique()) == sorted(USE_VARIANTS)


def _tokens(variant: str, year: int) -> float:
    return 1e12 if (variant, year) == ("low", 2024) else TOKENS[year]


@pytest.mark.parametrize("variant", USE_VARIANTS)
def test_llm_inference_is_tokens_over_throughput(use, inputs, variant) -> None:
    """tokens/day / 86,400 / (θ₀ η) = the LLM inference MW of each measured year (0.1 %)."""
    eta = float(inputs.loc["fleet_efficiency", variant])
    got = national(use, role="inference", component="llm")[variant]
    for year in range(2022, MEASURED_LAST + 1):
        want = _tokens(variant, year) / 86_400 / (THROUGHPUT * eta)
        assert got[year] == pytest.approx(want, rel=1e-3, abs=ROUNDING_MW), year
    # by hand, central 2025: 1e14 / 86,400 / (3.1674e6 × 0.278) = 1,314.4 MW
    if variant == "central":
        assert got[2025] == pytest.approx(1314.4, abs=0.1)


@pytest.mark.parametrize("variant", USE_VARIANTS)
def test_llm_training_is_gpu_hours_times_the_multiplier(use, inputs, variant) -> None:
    """Σ final-run H800 GPU-hours × R&D multiplier × 0.989 PF × 2.0 kW/PF / 8,760 h."""
    models = inputs[inputs.index.str.startswith("model_compute:")]
    per_flop = 1 / (327.9e12 * 3600)  # H800 GPU-hours per FLOP at DeepSeek-V3's rate
    factor = {"H800 GPU-hours": 1.0, "A100 GPU-hours": 0.312 / 0.989, "FLOP": per_flop}
    hours = (models["value"] * models["unit"].map(factor)).groupby(models["year"]).sum()
    assert hours[2024] == pytest.approx(15.644e6, rel=1e-3)  # SOURCES.md T9
    multiplier = float(inputs.loc["rd_multiplier", variant])
    got = national(use, role="training", component="llm")[variant]
    for year in range(2022, MEASURED_LAST + 1):
        want = hours[year] * multiplier * 0.989 * 2.0 / 8760 / 1000
        assert got[year] == pytest.approx(want, rel=1e-3, abs=0.001), year


@pytest.mark.parametrize("variant", USE_VARIANTS)
def test_non_llm_is_the_2022_stock_used_and_grown(use, inputs, variant) -> None:
    u = float(inputs.loc["nonllm_utilisation", variant])
    g = float(inputs.loc["nonllm_growth", variant])
    both = national(use, component="non_llm")[variant]
    inference = national(use, role="inference", component="non_llm")[variant]
    for year in range(2022, 2031):
        want = 259_900 * 2.0 / 1000 * u * g ** (year - 2022)
        assert both[year] == pytest.approx(want, abs=ROUNDING_MW), year
        assert inference[year] == pytest.approx(0.576 * want, abs=ROUNDING_MW), year


def test_hubs_and_rest_of_china_make_national(use) -> None:
    """Hub rows are w_h × national inference (w_h = inference_mw / 2,821.8); the rest closes it."""
    hubs = pd.read_csv(DATA / "hubs.csv").set_index("hub_id")["inference_mw"]
    inference = use[use["role"] == "inference"]
    for key, group in inference.groupby(["variant", "year", "component"]):
        total = group["mw"].sum()
        by_area = group.set_index("area_id")["mw"]
        want = hubs / PLANNING_INFERENCE_MW * total
        assert (by_area[hubs.index] - want).abs().max() <= 0.001 + ROUNDING_MW, key
        rest = total - by_area[hubs.index].sum()
        assert by_area[REST_OF_CHINA] == pytest.approx(rest, abs=1e-6)
    assert set(use.loc[use["role"] == "training", "area_id"]) == {NATIONAL}


def test_components_add_up_to_the_totals(use) -> None:
    total = national(use)
    parts = sum(
        national(use, role=r, component=c).fillna(0.0)
        for r in ("inference", "training")
        for c in ("llm", "non_llm")
    )
    pd.testing.assert_frame_equal(total, parts, atol=1e-9)


def test_variants_are_ordered(use) -> None:
    for role in ("inference", "training"):
        for component in ("llm", "non_llm"):
            table = national(use, role=role, component=component)
            assert (table["low"] <= table["central"]).all(), (role, component)
            assert (table["central"] <= table["high"]).all(), (role, component)


def test_scenario_variant_sets_the_horizon_demand() -> None:
    """``[horizon] use`` picks the variant; the as-built low and high scenarios set it."""
    assert load_scenario("2023-2030")[0].horizon.use == "central"
    totals = {}
    for name, variant in [
        ("2023-2025-as-built-low", "low"),
        ("2023-2025-as-built", "central"),
        ("2023-2025-as-built-high", "high"),
    ]:
        prepared = prepare(name)
        assert prepared.scenario.horizon.use == variant
        h = horizon_for(prepared.instance, prepared.scenario, source="test")
        totals[variant] = h.demand.sum(axis=0) + h.training
        use = load_time_tables(DATA).demand
        want = use[use["variant"] == variant].groupby("year")["mw"].sum()
        for t, year in enumerate(h.years.tolist()):
            assert totals[variant][t] == pytest.approx(want[year], rel=1e-4)
    assert (totals["low"] < totals["central"]).all() and (totals["central"] < totals["high"]).all()


def test_an_unknown_variant_is_one_clear_error(tmp_path) -> None:
    path = tmp_path / "h.toml"
    path.write_text('extends = "2023-2030"\nname = "h"\n[horizon]\nuse = "median"\n')
    with pytest.raises(InputError) as err:
        load_scenario(str(path))
    message = str(err.value)
    assert "field 'use'" in message and "'low'" in message and "'high'" in message
    assert "problems in the input" not in message
