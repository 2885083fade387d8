"""``siting market`` and ``siting.run_market``: a planned horizon's years, market-allocated."""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import siting
from siting import settings
from siting.cli import main
from siting.errors import InputError
from siting.market.data import MARKET_FILES, OWNER_TYPES

from .test_maps import page_data

SCENARIO = "2023-2025-as-built"
DATA = Path(settings.data_dir)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The as-built scenario's market, written (its folder) and printed (for 2024)."""
    out = tmp_path_factory.mktemp("market")
    text = io.StringIO()
    maps = ("--maps", str(out / "maps"))
    with contextlib.redirect_stdout(text):
        assert main(["market", SCENARIO, "--year", "2024", "--out", str(out), *maps]) == 0
    return out / f"{SCENARIO}-market", text.getvalue()


def test_the_command_writes_sites_idle_and_summary(written: tuple[Path, str]) -> None:
    folder, _ = written
    sites = pd.read_csv(folder / "market_sites.csv")
    idle = pd.read_csv(folder / "market_idle.csv")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["years"] == [2023, 2024, 2025] and summary["area"] == "region"
    assert list(summary["market_files"]) == list(MARKET_FILES)
    owners = summary["market_files"]["site_owners.csv"]
    assert owners["sha256"] == hashlib.sha256((DATA / "site_owners.csv").read_bytes()).hexdigest()
    assert sorted(set(sites["year"])) == summary["years"]
    # the rest of China is served: its pseudo-sites are in the market, as telecom
    rest = sites[sites["site_id"].str.startswith("rest_")]
    assert len(rest) > 0 and set(rest["owner_type"]) == {"telecom"}
    for row in summary["by_year"]:
        year = sites[sites["year"] == row["year"]]
        assert row["capacity_mw"] == pytest.approx(year["capacity_mw"].sum())
        assert row["idle_mw"] == pytest.approx(year["idle_mw"].sum(), abs=1e-9)
        assert row["served_mw"] + row["unserved_mw"] == pytest.approx(row["demand_mw"])
        for dimension in ("owner_type", "region", "accelerator_class"):
            part = idle[(idle["year"] == row["year"]) & (idle["dimension"] == dimension)]
            assert part["capacity_mw"].sum() == pytest.approx(row["capacity_mw"])
    used = sites["captive_mw"] + sites["market_mw"]
    assert np.allclose(used + sites["idle_mw"], sites["capacity_mw"])
    # a premium is reported only where the site's class is used to its capacity
    for c in summary["clearing"]:
        assert c["clearing_rent"] == pytest.approx(c["posted_rent"] + c["clearing_premium"])
        assert c["clearing_premium"] > 0


def test_the_summary_prints_idle_by_owner_place_and_class(written: tuple[Path, str]) -> None:
    _, text = written
    for title in (
        "2024: idle MW by owner type",
        "2024: idle MW by region",
        "2024: idle MW by accelerator class",
        "2024: utilisation and revenue per site",
    ):
        assert title in text
    assert "clearing premia where capacity binds" in text or "no capacity binds" in text
    assert "rest_guizhou" in text


def test_the_command_writes_the_owner_map_of_the_year(written: tuple[Path, str]) -> None:
    """One marker per site with capacity in 2024, its utilisation that of market_sites.csv."""
    folder, _ = written
    page = (folder.parent / "maps" / f"market-{SCENARIO}.html").read_text(encoding="utf-8")
    sites = pd.read_csv(folder / "market_sites.csv")
    year = sites[(sites["year"] == 2024) & (sites["capacity_mw"] > 0)].set_index("site_id")
    (one,) = page_data(page)["maps"]
    drawn = pd.DataFrame(one["sites"]).set_index("id")
    assert sorted(drawn.index) == sorted(year.index) and len(drawn) >= 30
    assert np.allclose(drawn["util"], year.loc[drawn.index, "utilisation"], atol=1e-6)
    assert np.allclose(drawn["mw"], year.loc[drawn.index, "capacity_mw"], atol=1e-4)
    assert (drawn["owner"] == year.loc[drawn.index, "owner_type"]).all()
    assert html.unescape(one["panel"]).startswith(
        f"<div class='siting-title'>siting market · {SCENARIO} · 2024</div>"
    )
    key = html.unescape(one["legend"]["key"])
    assert all(f">{owner}</b>" in key for owner in OWNER_TYPES)
    # a site whose capacity binds shows its largest premium; an idle one shows none
    premia = json.loads((folder / "summary.json").read_text())["clearing"]
    bound = {c["site_id"] for c in premia if c["year"] == 2024}
    for site, item in zip(drawn.index, drawn["pop"], strict=True):
        assert ("M CNY per MW-year" in item) == (site in bound), site


def test_no_map_writes_the_tables_only(tmp_path: Path) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["market", SCENARIO, "--out", str(out), "--maps", str(maps), "--no-map", "--quiet"]
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(argv) == 0
    assert text.getvalue().splitlines() == [str(out / f"{SCENARIO}-market")]
    assert (out / f"{SCENARIO}-market" / "market_sites.csv").is_file()
    assert not maps.exists() or list(maps.iterdir()) == []


def test_the_api_returns_the_typed_result() -> None:
    run = siting.run_market(SCENARIO)
    assert isinstance(run, siting.MarketRun) and run.table_dir is None
    assert list(run.results) == [2023, 2024, 2025]
    h = run.plan.horizon
    for t, (year, result) in enumerate(run.results.items()):
        assert result.sites["capacity_mw"].sum() == pytest.approx(h.existing[:, :, t].sum())
        by_owner = result.idle("owner_type")
        assert by_owner["idle_mw"].sum() == pytest.approx(
            run.sites.loc[run.sites["year"] == year, "idle_mw"].sum(), abs=1e-9
        )
    page = run.map(year=2023)  # the owner map, as the command writes it
    assert page.title == f"siting market · {SCENARIO} · 2023"
    (one,) = page.data["maps"]
    held = run.sites[(run.sites["year"] == 2023) & (run.sites["capacity_mw"] > 0)]
    assert len(one["sites"]) == len(held)
    with pytest.raises(InputError, match=r"MarketRun\.map: field 'year': a year of the horizon"):
        run.map(year=2030)


def test_a_planned_horizon_is_allocated_without_planning_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import siting.market_run
    from siting.horizon_run import run_horizon

    planned = siting.run_market(SCENARIO)
    plan = run_horizon(SCENARIO, write=False, map=False)

    def plan_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the horizon was planned again")

    monkeypatch.setattr(siting.market_run, "run_horizon", plan_again)
    run = siting.run_market(plan=plan)
    assert run.plan is plan
    pd.testing.assert_frame_equal(run.sites, planned.sites)
    pd.testing.assert_frame_equal(run.idle, planned.idle)
    for key in ("years", "by_year", "clearing"):
        assert run.summary[key] == planned.summary[key], key
    with pytest.raises(InputError, match=r"--year: field 'year': a year of the horizon"):
        siting.market_run.run_market(plan=plan, year=2030, write=False)
    with pytest.raises(ValueError, match="or a plan"):
        siting.run_market(SCENARIO, plan=plan)


# -- bad input: one error, exit 2, nothing written ------------------------------------------


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of links to the shipped files, the market tables copied to edit."""
    folder = tmp_path / "data"
    folder.mkdir()
    for path in DATA.iterdir():
        (folder / path.name).symlink_to(path)
    for name in MARKET_FILES:
        (folder / name).unlink()
        (folder / name).write_bytes((DATA / name).read_bytes())
    monkeypatch.setattr(settings, "data_dir", folder)
    return folder


def _edit(path: Path, line: int, field: str, value: str) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[line - 2, field] = value
    table.to_csv(path, index=False)


def _fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "out"
    assert main(["market", SCENARIO, "--out", str(out)]) == 2
    assert not out.exists() or list(out.iterdir()) == []
    err = capsys.readouterr().err
    assert err.count("siting: error:") == 1
    return err


def test_an_unknown_owner_type(data: Path, tmp_path: Path, capsys) -> None:
    _edit(data / "site_owners.csv", 3, "owner_type", "hyperscaler")
    err = _fails(tmp_path, capsys)
    assert "site_owners.csv: line 3 (site_id 'wuhu'): field 'owner_type'" in err


def test_a_friction_for_an_undefined_segment(data: Path, tmp_path: Path, capsys) -> None:
    table = pd.read_csv(data / "frictions.csv", dtype=str, keep_default_na=False)
    extra = table.iloc[[0]].assign(segment="hedge_funds")
    pd.concat([table, extra]).to_csv(data / "frictions.csv", index=False)
    err = _fails(tmp_path, capsys)
    assert "field 'segment': expected a segment of segments.csv" in err
    assert "got 'hedge_funds'" in err


def test_a_segment_with_no_admissible_site(data: Path, tmp_path: Path, capsys) -> None:
    """public_research may use local_gov only, and no site is local_gov any more."""
    for line in (14, 15):  # public_research on cloud and telecom
        _edit(data / "frictions.csv", line, "admissible", "no")
    owners = pd.read_csv(data / "site_owners.csv", dtype=str, keep_default_na=False)
    owners["owner_type"] = owners["owner_type"].replace("local_gov", "telecom")
    owners.to_csv(data / "site_owners.csv", index=False)
    err = _fails(tmp_path, capsys)
    assert (
        "frictions.csv: segment 'public_research': field 'admissible': a segment admissible on "
        "the owner type of some site; 'public_research' may use local_gov, which own no site"
    ) in err


@pytest.mark.parametrize("command", ["market", "plan"])
def test_a_year_outside_the_horizon(command: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main([command, SCENARIO, "--year", "2030", "--out", str(out)]) == 2
    assert not out.exists()
    assert capsys.readouterr().err == (
        f"siting: error: {command}: field '--year': a year of the horizon (2023-2025), got 2030\n"
    )
