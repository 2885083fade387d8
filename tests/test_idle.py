"""``siting plan``'s idle tables (nation, region, province, class; additions since 2022) and the
comparison with reported figures, which the plan never reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import settings
from siting.errors import InputError
from siting.horizon_run import horizon_report, run_horizon
from siting.horizon_tables import ADDED_AFTER, IDLE_GROUPS
from siting.reported import MEASURES, read_reported

SUMMED = ["installed_mw", "used_mw", "stranded_mw", "stranded_capital_bn_cny", "added_mw",
          "added_stranded_mw"]  # fmt: skip


@pytest.fixture(scope="module")
def as_built(tmp_path_factory):
    """2023-2025-as-built, planned and written once (its 2023 has idle MW)."""
    out = tmp_path_factory.mktemp("idle")
    return run_horizon("2023-2025-as-built", out_dir=out, map=False, year=2023)


def test_every_grouping_adds_up_to_the_nation(as_built) -> None:
    idle = as_built.idle
    assert set(idle["by"]) == set(IDLE_GROUPS)
    nation = idle[idle["by"] == "nation"].set_index("year")[SUMMED]
    assert nation.loc[2023, "stranded_mw"] > 1.0  # something to add up
    for by in IDLE_GROUPS[1:]:
        summed = idle[idle["by"] == by].groupby("year")[SUMMED].sum()
        pd.testing.assert_frame_equal(summed, nation, check_exact=False, rtol=1e-9, atol=1e-9)
    regions = set(idle.loc[idle["by"] == "region", "group"])
    assert regions <= {"east", "central", "west", "northeast"}  # every province has a region
    share = idle["used_mw"] / idle["installed_mw"]
    np.testing.assert_allclose(idle["utilisation"], share, rtol=1e-12)
    np.testing.assert_allclose(idle["stranded_share"], 1 - share, atol=1e-12)


def test_additions_are_the_late_cohorts_and_orders_with_idle_pro_rata(as_built) -> None:
    h, table = as_built.horizon, as_built.schedule
    late = h.cohort_start > ADDED_AFTER
    assert late.any() and (~late).any()
    for year in h.years.tolist():
        alive = late & (h.cohort_start <= year) & (year < h.cohort_start + h.life[h.cohort_class])
        part = table[table["year"] == year]
        expected = h.cohort_mw[alive].sum() + part["new_in_service_mw"].sum()
        assert part["added_mw"].sum() == pytest.approx(expected, rel=1e-9)
        assert part["added_mw"].sum() < part["installed_mw"].sum()  # older cohorts still serve
    rows = table[table["installed_mw"] > 1e-9]
    pro_rata = rows["stranded_mw"] * rows["added_mw"] / rows["installed_mw"]
    np.testing.assert_allclose(rows["added_stranded_mw"], pro_rata, atol=1e-9)


def test_plan_writes_and_prints_the_year_asked(as_built) -> None:
    folder = as_built.table_dir
    summary = json.loads((folder / "summary.json").read_text())
    idle = summary["idle"]
    assert idle["year"] == 2023 and idle["added_after"] == ADDED_AFTER
    written = pd.read_csv(folder / "idle.csv")
    china = written[(written["year"] == 2023) & (written["by"] == "nation")].iloc[0]
    assert idle["nation"]["China"]["stranded_mw"] == pytest.approx(china["stranded_mw"])
    assert set(idle["region"]) <= {"east", "central", "west", "northeast"}
    text = horizon_report(as_built, 2023)
    assert "Idle in 2023" in text and "by region" in text and "by accelerator class" in text
    assert "Reported figures beside the plan's" in text


def test_comparison_sets_each_figure_beside_the_tools_own(as_built) -> None:
    comparison = pd.read_csv(as_built.table_dir / "comparison.csv")
    figures = read_reported(settings.data_dir / "reported_figures.csv")
    assert list(comparison["figure_id"]) == list(figures["figure_id"])
    assert set(comparison["measures"]) == set(MEASURES)
    nation = as_built.idle.query("by == 'nation'").set_index("year")
    domestic = as_built.idle.query("group == 'domestic'").set_index("year")
    expected = {
        "utilisation": nation["utilisation"],
        "added_idle_share": nation["added_stranded_share"],
        "added_utilisation": 1 - nation["added_stranded_share"],
        "domestic_utilisation": domestic["utilisation"],
    }
    for row in comparison.itertuples():
        if row.year in nation.index:
            assert row.tool == pytest.approx(expected[row.measures][row.year])
        else:
            assert np.isnan(row.tool) and row.comparable == "no"


def test_the_plan_does_not_read_the_reported_figures(tmp_path) -> None:
    """Changed or absent, the reported figures leave the plan as it is."""
    scenario = tmp_path / "one.toml"
    scenario.write_text(
        'extends = "2023-2025-as-built"\nname = "one"\n'
        "[horizon]\nyears = [2023]\nlead_time_years = 0\n"
    )
    changed = tmp_path / "reported.csv"
    figures = pd.read_csv(settings.data_dir / "reported_figures.csv")
    figures.assign(value=0.01, high=np.nan, year=2023).to_csv(changed, index=False)
    runs = [
        run_horizon(scenario, write=False, reported=path)
        for path in (None, changed, tmp_path / "absent.csv")
    ]
    for run in runs[1:]:
        pd.testing.assert_frame_equal(run.schedule, runs[0].schedule)
        assert run.solution.objective == runs[0].solution.objective
        assert run.summary["by_year"] == runs[0].summary["by_year"]
    assert runs[1].comparison is not None and (runs[1].comparison["reported"] == 0.01).all()
    assert runs[2].comparison is None and runs[2].summary["comparison"] is None
    # only siting/reported.py names the file, and only the plan's and the simulation's reports
    # import it (siting simulate reads it after the simulation, for its comparison)
    package = Path(settings.data_dir).parent
    sources = {p: p.read_text() for p in package.rglob("*.py")}
    assert [p for p, text in sources.items() if '"reported_figures.csv"' in text] == [
        package / "reported.py"
    ]
    importers = [p for p, text in sources.items() if "from siting.reported import" in text]
    assert sorted(importers) == [package / "horizon_run.py", package / "simulate" / "run.py"]


def test_a_bad_reported_figure_is_one_clear_error_before_solving(tmp_path) -> None:
    bad = tmp_path / "reported.csv"
    figures = pd.read_csv(settings.data_dir / "reported_figures.csv")
    figures.loc[1, "value"] = 30  # a percentage, not a share
    figures.to_csv(bad, index=False)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_horizon("2023-2025-as-built", out_dir=out, map=False, reported=bad)
    (problem,) = info.value.problems
    assert problem.source == str(bad) and problem.field == "value"
    assert "centres_used_30" in problem.where
    assert not out.exists()


def test_regions_are_the_nbs_four_and_a_bad_one_is_refused(tmp_path) -> None:
    from siting.layers import read_province_attributes

    shipped = read_province_attributes(settings.data_dir / "provinces.csv")
    counts = shipped["region"].value_counts().to_dict()
    assert counts == {"west": 12, "east": 10, "central": 6, "northeast": 3}
    assert shipped.set_index("name_en").loc[
        ["Chongqing", "Liaoning", "Hainan"], "region"
    ].tolist() == ["west", "northeast", "east"]
    bad = tmp_path / "provinces.csv"
    text = (settings.data_dir / "provinces.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace(",secondary,east\n", ",secondary,coast\n", 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_province_attributes(bad)
    (problem,) = info.value.problems
    assert problem.field == "region" and "Beijing" in problem.where and "coast" in problem.expected


def test_a_province_without_a_region_is_unknown_in_plan_and_market_tables() -> None:
    """One province → region map serves ``siting plan`` and ``siting market`` alike."""
    from siting.layers import province_regions

    provinces = pd.DataFrame({"name_en": ["A", "B", "C"], "region": ["east", None, ""]})
    assert province_regions(provinces) == {"A": "east", "B": "unknown", "C": "unknown"}
