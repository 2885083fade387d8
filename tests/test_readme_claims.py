"""The README's figures on 2024's idle capacity are the ones the as-built runs print.

Each row of the README table "end-2024, as built" (and the figures quoted beside the reported
ones) is rebuilt here from ``siting plan 2023-2025-as-built[-low|-high]`` and must appear in
README.md word for word: a changed input or model that moves a figure fails this test until
the README says what the tool now says.
"""

from __future__ import annotations

import pandas as pd
import pytest

from siting.horizon_run import HorizonRun, run_horizon

from .conftest import REPO

VARIANTS = {"low": "-low", "central": "", "high": "-high"}
YEAR = 2024


@pytest.fixture(scope="module")
def runs() -> dict[str, HorizonRun]:
    return {
        v: run_horizon(f"2023-2025-as-built{suffix}", write=False, map=False, year=YEAR)
        for v, suffix in VARIANTS.items()
    }


def _mw(x: float) -> str:
    return f"{x:,.0f}"


def _pc(x: float) -> str:
    return f"{100 * x:.0f} %"


def _row(label: str, cells: list[str]) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


def _idle(run: HorizonRun, by: str, group: str, year: int = YEAR):
    idle = run.idle
    assert idle is not None
    rows = idle[(idle["year"] == year) & (idle["by"] == by) & (idle["group"] == group)]
    assert len(rows) == 1, (by, group)
    return rows.iloc[0]


def _year(run: HorizonRun, year: int) -> dict:
    return next(r for r in run.summary["by_year"] if r["year"] == year)


def test_the_as_built_table_is_what_the_runs_print(runs) -> None:
    readme = (REPO / "README.md").read_text()
    order = list(VARIANTS)
    nation = {v: _idle(runs[v], "nation", "China") for v in order}
    regions = ("east", "central", "west", "northeast")
    demand = [_mw(_year(runs[v], YEAR)["demand_mw"]) for v in order]
    expected = [
        _row("AI compute in use (demand MW)", demand),
        _row("installed MW", [_mw(nation[v]["installed_mw"]) for v in order]),
        _row(
            "used MW (utilisation)",
            [f"{_mw(nation[v]['used_mw'])} ({_pc(nation[v]['utilisation'])})" for v in order],
        ),
        _row(
            "idle MW (stranded capital, bn CNY)",
            [
                f"{_mw(nation[v]['stranded_mw'])} ({nation[v]['stranded_capital_bn_cny']:.0f})"
                for v in order
            ],
        ),
        _row(
            "idle share of the MW added since end-2022",
            [_pc(nation[v]["added_stranded_share"]) for v in order],
        ),
        _row(
            "idle share east / central / west / northeast",
            [
                " / ".join(
                    f"{100 * _idle(runs[v], 'region', r)['stranded_share']:.0f}" for r in regions
                )
                + " %"
                for v in order
            ],
        ),
        _row(
            "domestic class used",
            [_pc(_idle(runs[v], "accelerator_class", "domestic")["utilisation"]) for v in order],
        ),
        _row(
            "2025: idle MW, unmet MW",
            [
                f"{_mw(y['stranded_mw'])}, {_mw(y['unmet_mw'])}"
                for y in (_year(runs[v], 2025) for v in order)
            ],
        ),
    ]
    missing = [row for row in expected if row not in readme]
    assert not missing, "README.md does not say what the runs print:\n" + "\n".join(missing)


def test_the_figures_beside_the_reported_ones_are_the_runs(runs) -> None:
    readme = " ".join((REPO / "README.md").read_text().split())
    nation = [_idle(runs[v], "nation", "China") for v in VARIANTS]
    domestic = [_idle(runs[v], "accelerator_class", "domestic") for v in VARIANTS]

    def central_and_range(values: list[float]) -> str:
        """The central value, then low-high whichever way the variants order them."""
        return f"{100 * values[1]:.0f} % ... ({100 * min(values):.0f}–{100 * max(values):.0f} %)"

    for measure, values in (
        ("of the MW added since end-2022 idle", [n["added_stranded_share"] for n in nation]),
        ("of installed MW used", [n["utilisation"] for n in nation]),
    ):
        head, tail = central_and_range(values).split(" ... ")
        assert f"{head} {measure} {tail}" in readme, (measure, head, tail)
    head, tail = central_and_range([d["utilisation"] for d in domestic]).split(" ... ")
    assert f"domestic class {head} used {tail}" in readme
    east, west = (_idle(runs["central"], "region", r)["stranded_share"] for r in ("east", "west"))
    assert f"({100 * east:.0f} % in the east, {100 * west:.0f} % in the west" in readme
    c2025 = _year(runs["central"], 2025)
    used_2025 = 1 - c2025["stranded_mw"] / c2025["installed_mw"]
    assert f"the central fleet is {100 * used_2025:.0f} % used" in readme
    h = runs["high"].summary
    penalty = (
        f"{h['penalty_cny'] / 1e9:.1f} of the high plan's {h['pv_cost_cny'] / 1e9:.1f} bn CNY "
        "present value"
    )
    assert penalty in readme, penalty
    assert f"({h['unmet_penalty_cny_per_mw_year'] / 1e6:.1f} M CNY per demand MW-year" in readme


def test_the_market_figures_are_what_siting_market_prints(runs) -> None:
    from siting.market_run import run_market

    readme = " ".join((REPO / "README.md").read_text().split())
    run = run_market(plan=runs["central"], year=YEAR, write=False)  # the central as-built plan
    idle = run.idle[run.idle["year"] == YEAR].set_index(["dimension", "group"])["idle_share"]

    def share(dimension: str, group: str) -> str:
        return f"{100 * idle[(dimension, group)]:.0f} %"

    for text in (
        f"local-government halls {share('owner_type', 'local_gov')} idle, the clouds' "
        f"{share('owner_type', 'cloud')} and the telecom operators' "
        f"{share('owner_type', 'telecom')}",
        f"the west {share('region', 'west')}, the east {share('region', 'east')}",
        f"leaves {share('accelerator_class', 'imported_high_end')} of the imported high-end "
        f"class idle, {share('accelerator_class', 'domestic')} of the domestic and "
        f"{share('accelerator_class', 'export_compliant')} of the export-compliant",
    ):
        assert text in readme, text


# -- "Many investors": siting simulate on the shipped investors ---------------------------------

SIMULATION = "2023-2025-simulate"
#: The local government whose best response the README quotes (``--investor``).
INVESTOR = "local_gov_lanzhou"


@pytest.fixture(scope="module")
def simulated():
    from siting.simulate.run import run_simulation

    return run_simulation(SIMULATION, write=False, investor=INVESTOR)


def _simulated_idle(run, build_out: str, year: int, dimension: str, group: str) -> float:
    idle = run.idle
    rows = idle[
        (idle["build_out"] == build_out) & (idle["year"] == year)
        & (idle["dimension"] == dimension) & (idle["group"] == group)
    ]  # fmt: skip
    assert len(rows) == 1, (build_out, year, dimension, group)
    return float(rows["idle_share"].iloc[0])


def test_the_many_investors_table_is_what_siting_simulate_prints(simulated) -> None:
    readme = (REPO / "README.md").read_text()
    outs = ("decentralised", "planner", "as_built")
    years = simulated.years[simulated.years["year"] == 2025].set_index("build_out")
    costs = simulated.summary["costs"]
    expected = [
        _row(
            "installed MW, of which idle",
            [
                f"{_mw(years.loc[b, 'installed_mw'])}, {_pc(years.loc[b, 'idle_share'])}"
                for b in outs
            ],
        ),
        _row(
            "local-government halls idle",
            [_pc(_simulated_idle(simulated, b, 2025, "owner_type", "local_gov")) for b in outs],
        ),
        _row(
            "west idle", [_pc(_simulated_idle(simulated, b, 2025, "region", "west")) for b in outs]
        ),
        _row("PV cost 2023-25, bn CNY", [f"{costs[b]['pv_cost_cny'] / 1e9:.1f}" for b in outs]),
    ]
    missing = [row for row in expected if row not in readme]
    assert not missing, "README.md does not say what siting simulate prints:\n" + "\n".join(missing)


def test_the_many_investors_figures_are_what_siting_simulate_prints(simulated) -> None:
    from siting.simulate.agents import load_agents

    readme = " ".join((REPO / "README.md").read_text().split())
    run = simulated
    agents = load_agents("default", [str(s) for s in run.horizon.base.sites.ids])
    kinds = pd.Series(agents.owner_type).value_counts()
    years = run.years.set_index(["build_out", "year"])
    orders = run.orders
    local_2023 = orders[(orders["owner_type"] == "local_gov") & (orders["year"] == 2023)]
    tool = run.comparison.set_index("figure_id")["tool"]
    response = run.investor.set_index("accelerator_class")
    margin = response["margin_cny_per_mw_year"] / 1e6

    def idle(build_out: str, year: int, dimension: str, group: str) -> str:
        return _pc(_simulated_idle(run, build_out, year, dimension, group))

    for text in (
        f"{len(agents)} investors, {kinds['local_gov']} local governments, {kinds['telecom']} "
        f"telecom operators, {kinds['cloud']} clouds and {kinds['gpu_cloud']} GPU clouds",
        f"(decentralised ÷ planner cost) is {run.summary['price_of_anarchy']:.2f}.",
        f"order {_mw(local_2023['mw'].sum())} MW in 2023 for 2024",
        f"so {_pc(years.loc[('decentralised', 2024), 'idle_share'])} of all installed MW is idle "
        f"in 2024, and {idle('decentralised', 2024, 'owner_type', 'local_gov')} of the "
        "local-government halls",
        f"{_pc(tool['newly_built_unused'])} of the MW added since end-2022 idle",
        f"{_pc(tool['centres_used_30'])} of installed MW used (reported: 30 %",
        f"the domestic class, {_pc(tool['domestic_under_20'])} used against at most 20 %",
        f"leave {idle('decentralised', 2025, 'owner_type', 'telecom')} and "
        f"{idle('decentralised', 2025, 'owner_type', 'cloud')} of their halls idle, the local "
        f"governments {idle('decentralised', 2025, 'owner_type', 'local_gov')}",
        f"leaves {_mw(years.loc[('planner', 2025), 'unmet_mw'])} MW of use unmet in the market",
        f"`--investor {INVESTOR}` orders nothing more in 2024",
        f"domestic class ({margin['domestic']:.1f} M CNY per MW-year) and the export-compliant "
        f"({margin['export_compliant']:.1f} M CNY)",
    ):
        assert text in readme, text
    assert response["mw"].sum() == 0 and (margin[response["orderable"]] > 0).all()
    assert (run.investor["year"] == 2024).all()


def test_the_levers_sentence_is_what_siting_simulate_prints() -> None:
    from siting.scenario import load_scenario
    from siting.simulate.run import run_simulation

    readme = " ".join((REPO / "README.md").read_text().split())
    last = {}
    for name in ("levers-none", "levers-h20", "levers-domestic-mandate"):
        spec = load_scenario(name)[0].with_overrides({"simulate.compare": False})
        years = run_simulation(spec, write=False).years.set_index(["build_out", "year"])
        last[name] = years.loc[("decentralised", 2026)]

    def fleet(name: str) -> str:
        return f"{_mw(last[name]['installed_mw'])} MW, {_pc(last[name]['idle_share'])} idle"

    assert len({_mw(r["unmet_mw"]) for r in last.values()}) == 1
    for text in (
        f"(2023-2026: {_mw(last['levers-none']['installed_mw'])} MW installed in 2026, "
        f"{_pc(last['levers-none']['idle_share'])} idle)",
        f"(`siting simulate levers-h20`) leaves {fleet('levers-h20')}",
        f"(`levers-domestic-mandate`) {fleet('levers-domestic-mandate')}, with the same "
        f"{_mw(last['levers-none']['unmet_mw'])} MW of use unmet",
    ):
        assert text in readme, text
