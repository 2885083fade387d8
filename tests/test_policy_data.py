"""The policy tables (东数西算 status, power subsidies, compute vouchers, national rules) are
consistent with the sites and fully documented in data/SOURCES.md."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = (
    "policy_sites.csv",
    "policy_power_subsidies.csv",
    "policy_vouchers.csv",
    "policy_rules.csv",
    "latency_measurements.csv",
)
FLAGS = {"official", "secondary", "estimate"}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def _sources() -> str:
    return (DATA / "SOURCES.md").read_text()


@pytest.mark.parametrize("name", FILES)
def test_every_column_and_source_key_is_documented(name) -> None:
    frame, sources = _read(name), _sources()
    assert not [c for c in frame.columns if f"`{c}`" not in sources], name
    assert f"`{name}`" in sources
    source_column = "status_source" if name == "policy_sites.csv" else "source"
    keys = {k for cell in frame[source_column] for k in cell.split(";")}
    undocumented = [k for k in keys if not re.search(rf"^\| {re.escape(k)} \|", sources, re.M)]
    assert not undocumented, (name, undocumented)


@pytest.mark.parametrize("name", FILES)
def test_every_row_has_a_year_and_a_confidence(name) -> None:
    frame = _read(name)
    year = "status_year" if name == "policy_sites.csv" else "year"
    flag = "status_confidence" if name == "policy_sites.csv" else "confidence"
    assert frame[year].astype(int).between(1990, 2026).all()
    assert set(frame[flag]) <= FLAGS


def test_every_site_has_one_status_matching_its_cluster() -> None:
    sites, policy = _read("sites.csv"), _read("policy_sites.csv")
    assert sorted(policy["site_id"]) == sorted(sites["site_id"])
    assert set(policy["ddsx_status"]) <= {"hub_node", "cluster", "none"}
    merged = sites.merge(policy, on="site_id", suffixes=("_site", ""))
    clustered = merged["cluster_site"] != ""
    assert (merged.loc[clustered, "ddsx_status"] == "cluster").all()
    assert (merged.loc[~clustered, "ddsx_status"] != "cluster").all()
    # The plan's 8 hub nodes and 10 clusters.
    assert policy["hub_node"].replace("", None).dropna().nunique() == 8
    assert policy["cluster"].replace("", None).dropna().nunique() == 10
    assert (policy.loc[policy["ddsx_status"] == "none", "hub_node"] == "").all()


def test_shares_and_amounts_are_in_range() -> None:
    subsidies = _read("policy_power_subsidies.csv")
    assert subsidies["subsidy_max_share"].astype(float).between(0, 1).all()
    vouchers = _read("policy_vouchers.csv")
    sites = set(_read("sites.csv")["site_id"])
    assert {s for cell in vouchers["site_ids"] for s in cell.split(";")} <= sites
    for column in ("voucher_share_max", "domestic_share_max"):
        shares = pd.to_numeric(vouchers[column].replace("", None)).dropna()
        assert shares.between(0, 1).all()
    rules = _read("policy_rules.csv")
    assert rules["rule_id"].is_unique
