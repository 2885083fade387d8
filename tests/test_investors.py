"""The investors: the shipped tables, their reader's errors, the build script, provenance."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import settings
from siting.errors import InputError
from siting.market import OWNER_TYPES, load_investors
from siting.market.data import MARKET_FILES
from siting.market.investors import INVESTOR_FILES, LAYERS, layer_site_ids

DATA = Path(settings.data_dir)
REPO = Path(__file__).resolve().parents[1]
#: The objective of each owner type (the contract between the data and the simulation).
OBJECTIVE = {
    "cloud": "own_demand",
    "telecom": "margin",
    "gpu_cloud": "margin",
    "local_gov": "jobs_and_margin",
}


def _read(name: str, folder: Path = DATA) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _sites(layer: str, folder: Path = DATA) -> list[str]:
    return layer_site_ids(layer, folder)


# -- the shipped tables ---------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
def test_the_reader_accepts_the_shipped_layers(layer: str) -> None:
    sites = _sites(layer)
    investors = load_investors(layer, site_ids=sites)
    rows = _read("investors.csv").query("layer == @layer")
    assert list(investors.ids) == list(dict.fromkeys(rows["investor_id"]))
    assert len(investors.site) == len(rows)  # every row on a site of the layer
    assert [sites[s] for s in investors.site] == list(rows["site_id"])
    assert set(investors.owner_type) <= set(OWNER_TYPES)
    shares = pd.Series(investors.share).groupby(investors.site).sum()
    assert shares.max() <= 1 + 1e-9
    assert list(investors.types.index) == list(OWNER_TYPES)
    assert dict(investors.types["objective"]) == OBJECTIVE
    hurdle = investors.of_type("hurdle_rate")
    assert hurdle.shape == (len(investors.ids),)
    assert (hurdle == investors.types.loc[investors.owner_type, "hurdle_rate"].to_numpy()).all()


def test_the_prefecture_layer_has_500_investors_and_every_seat_some() -> None:
    investors = load_investors("prefecture", site_ids=_sites("prefecture"))
    assert len(investors.ids) >= 500
    assert set(investors.site) == set(range(len(_sites("prefecture"))))
    assert {"local_gov", "telecom", "cloud", "gpu_cloud"} == set(investors.owner_type)


def test_default_investors_are_the_site_owners_types() -> None:
    """Every default site's investors have the owner type ``site_owners.csv`` gives it."""
    owners = _read("site_owners.csv").set_index("site_id")["owner_type"]
    rows = _read("investors.csv").query("layer == 'default'")
    expected = [owners["rest_of_china" if s.startswith("rest_") else s] for s in rows["site_id"]]
    assert list(rows["owner_type"]) == expected
    assert set(rows["site_id"]) == set(_sites("default"))


def test_rows_outside_the_scenario_are_left_out() -> None:
    """Without the rest-of-China pseudo-sites the operators keep their named sites only."""
    sites = list(_read("sites.csv")["site_id"])
    investors = load_investors("default", site_ids=sites)
    everywhere = load_investors("default", site_ids=_sites("default"))
    assert investors.ids == everywhere.ids
    assert len(investors.site) == len(everywhere.site) - 3 * len(_read("rest_of_china.csv"))
    assert investors.site.max() < len(sites)


def test_build_script_reproduces_the_committed_file(tmp_path: Path) -> None:
    script = REPO / "scripts" / "build_investors.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "investors.csv").read_bytes() == (DATA / "investors.csv").read_bytes()


def test_local_government_numbers_follow_their_method() -> None:
    """Section I: revenue per employed person; Wuhu's grant over its target's capex."""
    local = load_investors("default", site_ids=_sites("default")).types.loc["local_gov"]
    assert local["value_per_job_cny_year"] == round(21e12 / 746.52e6, -2)
    target_mw = 25_000 * 2.0 / 1000  # 25,000 PF at the demand unit's 2.0 kW/PF
    assert local["subsidy_share_capex"] == round(1e8 / (target_mw * (30e6 + 200e6)), 3)


# -- provenance -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", INVESTOR_FILES)
def test_every_column_rule_and_source_key_is_documented(name: str) -> None:
    sources = (DATA / "SOURCES.md").read_text()
    assert "# I. Investors" in sources
    assert f"`{name}`" in sources
    frame = _read(name)
    assert not [c for c in frame.columns if f"`{c}`" not in sources], name
    keys = set(frame["source"].str.findall(r"rule [A-Z]|[A-Z]+\d+").sum())
    for key in keys:
        label = f"**{key}**" if key.startswith("rule") else f"| {key} |"
        assert label in sources, (name, key)


@pytest.mark.parametrize("name", INVESTOR_FILES)
def test_every_row_has_a_source_a_flag_and_a_method(name: str) -> None:
    frame = _read(name)
    assert (frame["source"].str.len() > 0).all()
    assert set(frame["confidence"]) <= {"official", "secondary", "estimate"}
    assert (frame["method"].str.len() > 0).all()


# -- reader errors: each bad input gets its one error -----------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    copied = ("sites.csv", "rest_of_china.csv", "prefecture/sites.csv", *MARKET_FILES[1:])
    for name in (*INVESTOR_FILES, *copied):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _edit(name: str, line: int, field: str, value: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        table = _read(name, folder)
        table.loc[line - 2, field] = value
        table.to_csv(folder / name, index=False)

    return edit


def _drop(name: str, *, line: int | None = None, column: str | None = None):
    def edit(folder: Path) -> None:
        table = _read(name, folder)
        table = table.drop(index=line - 2) if line else table.drop(columns=column)
        table.to_csv(folder / name, index=False)

    return edit


def _frictions(owner_type: str, admissible: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        table = _read("frictions.csv", folder)
        table.loc[table["owner_type"] == owner_type, "admissible"] = admissible
        table.to_csv(folder / "frictions.csv", index=False)

    return edit


def _nothing(folder: Path) -> None:
    pass


TYPES, ROWS = INVESTOR_FILES
NOT_ZHONGWEI = [s for s in _sites("default") if s != "zhongwei"]
#: (case, edit of the copied data, layer, sites or None for the layer's, the one message).
CASES = [
    (
        "unknown owner type",
        _edit(ROWS, 2, "owner_type", "hyperscaler"),
        "default",
        None,
        f"{ROWS}: line 2 (investor_id 'tencent'): field 'owner_type': expected one of "
        "'cloud', 'telecom', 'gpu_cloud', 'local_gov', got 'hyperscaler'",
    ),
    (
        "unknown owner type of a type row",
        _edit(TYPES, 3, "owner_type", "hyperscaler"),
        "default",
        None,
        f"{TYPES}: line 3 (owner_type 'hyperscaler'): field 'owner_type': expected one of "
        "'cloud', 'telecom', 'gpu_cloud', 'local_gov', got 'hyperscaler'",
    ),
    (
        "unknown layer",
        _nothing,
        "county",
        [],
        f"{ROWS}: field 'layer': expected a layer of investors ('default', 'prefecture'), "
        "got 'county'",
    ),
    (
        "unknown layer in the file",
        _edit(ROWS, 2, "layer", "county"),
        "default",
        None,
        f"{ROWS}: line 2 (investor_id 'tencent'): field 'layer': expected one of 'default', "
        "'prefecture', got 'county'",
    ),
    (
        "unknown site",
        _edit(ROWS, 2, "site_id", "atlantis"),
        "default",
        None,
        f"{ROWS}: line 2 (investor_id 'tencent'): field 'site_id': expected a site of layer "
        "'default', got 'atlantis'",
    ),
    (
        "a prefecture seat in the default layer",
        _edit(ROWS, 2, "site_id", "c110000"),
        "default",
        None,
        f"{ROWS}: line 2 (investor_id 'tencent'): field 'site_id': expected a site of layer "
        "'default', got 'c110000'",
    ),
    (
        "shares above 1 at a site",
        _edit(ROWS, 2, "share", "0.9"),
        "default",
        None,
        f"{ROWS}: lines 2, 3: field 'share': expected shares at a site adding up to at most 1; "
        "at 'zhangjiakou' (default) they add up to 1.4",
    ),
    (
        "a type row missing",
        _drop(TYPES, line=4),
        "default",
        None,
        f"{TYPES}: field 'owner_type': no row for the owner types ['gpu_cloud']",
    ),
    (
        "a negative hurdle rate",
        _edit(TYPES, 2, "hurdle_rate", "-0.05"),
        "default",
        None,
        f"{TYPES}: line 2 (owner_type 'cloud'): field 'hurdle_rate': expected a number ≥ 0 "
        "and ≤ 1, got -0.05",
    ),
    (
        "a subsidy above the capex",
        _edit(TYPES, 5, "subsidy_share_capex", "1.5"),
        "default",
        None,
        f"{TYPES}: line 5 (owner_type 'local_gov'): field 'subsidy_share_capex': expected a "
        "number ≥ 0 and ≤ 1, got 1.5",
    ),
    (
        "a share above 1",
        _edit(ROWS, 16, "share", "2"),
        "default",
        None,
        f"{ROWS}: line 16 (investor_id 'china_mobile'): field 'share': expected a number > 0 "
        "and ≤ 1, got 2",
    ),
    (
        "a zero share",
        _edit(ROWS, 16, "share", "0"),
        "default",
        None,
        f"{ROWS}: line 16 (investor_id 'china_mobile'): field 'share': expected a number > 0 "
        "and ≤ 1, got 0",
    ),
    (
        "jobs for a margin investor",
        _edit(TYPES, 3, "jobs_per_mw", "2"),
        "default",
        None,
        f"{TYPES}: line 3 (owner_type 'telecom'): field 'jobs_per_mw': expected 0 for "
        "objective 'margin' (only jobs_and_margin counts jobs), got 2",
    ),
    (
        "an unknown forecast",
        _edit(TYPES, 5, "forecast", "hope"),
        "default",
        None,
        f"{TYPES}: line 5 (owner_type 'local_gov'): field 'forecast': expected one of 'use', "
        "'published', got 'hope'",
    ),
    (
        "an investor with two owner types",
        _edit(ROWS, 24, "investor_id", "sensetime"),
        "default",
        None,
        f"{ROWS}: lines 24, 30, 426: field 'owner_type': expected one owner type per investor; "
        "'sensetime' has cloud, gpu_cloud",
    ),
    (
        "an investor twice at a site",
        _edit(ROWS, 3, "investor_id", "tencent"),
        "default",
        None,
        f"{ROWS}: lines 2, 3: field 'site_id': expected one row per investor, site and layer; "
        "tencent at zhangjiakou in default is repeated",
    ),
    (
        "an investor with no admissible site",
        _nothing,
        "default",
        NOT_ZHONGWEI,
        f"{ROWS}: line 24 (investor_id 'aws_china_nwcd'): field 'site_id': an investor with "
        "no admissible site: none of its sites in layer 'default' is a site of "
        "the scenario",
    ),
    (
        "no segment may use an owner type",
        _frictions("gpu_cloud", "no"),
        "default",
        None,
        f"{ROWS}: owner type 'gpu_cloud': field 'owner_type': an investor with no admissible "
        "site: no segment may use the capacity of 'gpu_cloud' (margin; segments.csv and "
        "frictions.csv), the owner type of 3 investors (gpu_cloud_langfang, gpu_cloud_tianjin, "
        "sensetime)",
    ),
    (
        "a cloud without its own segment",
        _edit("segments.csv", 2, "captive_owner", ""),
        "prefecture",
        None,
        f"{ROWS}: owner type 'cloud': field 'owner_type': an investor with no admissible site: "
        "no segment may use the capacity of 'cloud' (own_demand; segments.csv and "
        "frictions.csv), the owner type of 9 investors (cloud_beijing, tencent, alibaba_cloud, "
        "...)",
    ),
    (
        "a column missing",
        _drop(ROWS, column="share"),
        "default",
        None,
        f"{ROWS}: header: field 'share': missing column",
    ),
]


@pytest.mark.parametrize(
    ("edit", "layer", "sites", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_bad_input_is_one_error(copy, edit, layer, sites, message) -> None:
    edit(copy)
    site_ids = _sites(layer, copy) if sites is None else sites
    with pytest.raises(InputError) as err:
        load_investors(layer, site_ids=site_ids, data_dir=copy)
    assert len(err.value.problems) == 1, err.value
    assert str(err.value).startswith(str(copy / message)), err.value


def test_the_shipped_copy_reads(copy) -> None:
    """The fixture itself is good: every case above fails for its edit alone."""
    investors = load_investors("default", site_ids=_sites("default", copy), data_dir=copy)
    assert np.isclose(investors.share.sum(), _read("investors.csv").query(
        "layer == 'default'")["share"].astype(float).sum())  # fmt: skip
    assert re.fullmatch(r"\w+", "".join(investors.ids).replace("_", ""))
