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


# --- the tables through the checked reader --------------------------------------------------

POLICY_ON = (
    'extends = "default"\nname = "p"\n[policy]\nsize_limit = true\nsize_limit_mw = 500.0\n'
    "power_subsidy = true\ndomestic_chips = true\ncompute_vouchers = true\n"
    "voucher_contract_cny_per_mw_year = 1.0e6\n"
)


def _folder(tmp_path: Path, name: str, text: str | bytes) -> Path:
    """A data folder: the shipped files linked, ``name`` replaced."""
    folder = tmp_path / "data"
    folder.mkdir()
    for entry in DATA.iterdir():
        if entry.name != name:
            (folder / entry.name).symlink_to(entry.resolve())
    data = text.encode() if isinstance(text, str) else text
    (folder / name).write_bytes(data)
    return folder


def _cell(name: str, column: str, value: str, row: int = 0) -> str:
    frame = _read(name)
    frame.loc[row, column] = value
    return frame.to_csv(index=False)


def _repeat(name: str, **changes: str) -> str:
    frame = _read(name)
    extra = frame.iloc[[0]].assign(**changes)
    return pd.concat([frame, extra]).to_csv(index=False)


def _header(name: str) -> str:
    return _read(name).iloc[:0].to_csv(index=False)


#: The inputs that used to run to an "optimal" plan: (file, text, field, words).
ACCEPTED_BEFORE = {
    "duplicate-site": ("policy_sites.csv", lambda: _repeat("policy_sites.csv"), "site_id",
                       "duplicate id 'zhangjiakou'"),
    "two-statuses": ("policy_sites.csv", lambda: _repeat("policy_sites.csv", ddsx_status="none"),
                     "site_id", "lines 2, 32"),
    "duplicate-subsidy": ("policy_power_subsidies.csv",
                          lambda: _repeat("policy_power_subsidies.csv"), "province", "duplicate"),
    "duplicate-voucher": ("policy_vouchers.csv", lambda: _repeat("policy_vouchers.csv"), "city",
                          "duplicate"),
    "share-1.5": ("policy_power_subsidies.csv",
                  lambda: _cell("policy_power_subsidies.csv", "subsidy_max_share", "1.5"),
                  "subsidy_max_share", "≤ 1"),
    "price-minus-5": ("policy_power_subsidies.csv",
                      lambda: _cell("policy_power_subsidies.csv", "subsidised_price_cny_kwh", "-5"),
                      "subsidised_price_cny_kwh", "≥ 0"),
    "price-inf": ("policy_power_subsidies.csv",
                  lambda: _cell("policy_power_subsidies.csv", "subsidised_price_cny_kwh", "inf"),
                  "subsidised_price_cny_kwh", "got 'inf'"),
    "budget-inf": ("policy_vouchers.csv",
                   lambda: _cell("policy_vouchers.csv", "budget_cny_year", "inf", row=1),
                   "budget_cny_year", "got 'inf'"),
    "voucher-share-1.5": ("policy_vouchers.csv",
                          lambda: _cell("policy_vouchers.csv", "voucher_share_max", "1.5"),
                          "voucher_share_max", "≤ 1"),
    "atlantis": ("policy_power_subsidies.csv",
                 lambda: _cell("policy_power_subsidies.csv", "province", "Atlantis"),
                 "province", "a province of provinces.csv; got 'Atlantis'"),
    "header-only-subsidies": ("policy_power_subsidies.csv",
                              lambda: _header("policy_power_subsidies.csv"),
                              None, "a header and no rows"),
    "header-only-vouchers": ("policy_vouchers.csv",
                             lambda: _header("policy_vouchers.csv"),
                             None, "a header and no rows"),
    "unknown-voucher-site": ("policy_vouchers.csv",
                             lambda: _cell("policy_vouchers.csv", "site_ids", "beijing;nowhere"),
                             "site_ids", "unknown: 'nowhere'"),
}  # fmt: skip
#: Inputs that used to crash with a traceback: (file, bytes, words).
CRASHED_BEFORE = {
    "empty": ("policy_vouchers.csv", b"", "empty"),
    "binary": ("policy_sites.csv", bytes(range(128, 256)), "not UTF-8"),
    "utf16": ("policy_power_subsidies.csv", "province\nGansu\n".encode("utf-16"), "UTF-16"),
    "gbk": ("policy_vouchers.csv", "city,site_ids\n北京,beijing\n".encode("gbk"), "not UTF-8"),
    "latin1": ("policy_sites.csv", "site_id\ncafé\n".encode("latin-1"), "not UTF-8"),
    "ragged": ("policy_power_subsidies.csv", b"province,year\nGansu,2025,x,y,z\nA,1,2,3,4,5,6\n",
               "not a readable CSV"),
    "unterminated-quote": ("policy_vouchers.csv", b'city,site_ids\n"Beijing,beijing\n',
                           "not a readable CSV"),
    "text-in-number": ("policy_power_subsidies.csv",
                       _cell("policy_power_subsidies.csv", "subsidy_max_share", "half").encode(),
                       "got 'half'"),
}  # fmt: skip


@pytest.mark.parametrize("case", ACCEPTED_BEFORE, ids=str)
def test_a_bad_policy_table_is_refused(tmp_path, case) -> None:
    from siting.errors import InputError
    from siting.policy import read_policy_table

    name, text, field, words = ACCEPTED_BEFORE[case]
    folder = _folder(tmp_path, name, text())
    with pytest.raises(InputError) as err:
        read_policy_table(name, folder)
    message = str(err.value)
    assert name in message and words in message, message
    assert field is None or f"field '{field}'" in message, message


@pytest.mark.parametrize("case", CRASHED_BEFORE, ids=str)
def test_an_unreadable_policy_table_is_an_input_error(tmp_path, case) -> None:
    from siting.errors import InputError
    from siting.policy import read_policy_table

    name, data, words = CRASHED_BEFORE[case]
    with pytest.raises(InputError) as err:
        read_policy_table(name, _folder(tmp_path, name, data))
    assert name in str(err.value) and words in str(err.value), str(err.value)


@pytest.mark.parametrize("case", ["two-statuses", "price-minus-5", "budget-inf"])
def test_a_bad_policy_table_through_the_program(tmp_path, monkeypatch, capsys, case) -> None:
    """Exit 2, one message naming the file, row and field, nothing written."""
    from siting import settings
    from siting.cli import main

    name, text, field, _ = ACCEPTED_BEFORE[case]
    monkeypatch.setattr(settings, "data_dir", _folder(tmp_path, name, text()))
    scenario = tmp_path / "p.toml"
    scenario.write_text(POLICY_ON)
    out, maps = tmp_path / "out", tmp_path / "maps"
    assert main(["optimize", str(scenario), "--out", str(out), "--maps", str(maps)]) == 2
    err = capsys.readouterr().err
    assert name in err and f"field '{field}'" in err and "line" in err
    assert "Traceback" not in err
    assert not out.exists() and not maps.exists()


def test_the_shipped_policy_tables_pass_the_checked_reader() -> None:
    from siting.policy import read_policy_table

    for name in FILES[:3]:
        assert len(read_policy_table(name)) == len(_read(name))
