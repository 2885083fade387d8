"""The market for compute: readers, the allocation against a brute force, the clearing rents."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import settings
from siting.api import load_scenario
from siting.errors import InputError
from siting.horizon import one_year
from siting.market import (
    OWNER_TYPES,
    MarketInputs,
    allocate,
    load_market_data,
    segment_use,
    year_market,
)
from siting.market.data import (
    FRICTION_COLUMNS,
    MARKET_FILES,
    SEGMENT_COLUMNS,
    read_frictions,
    read_segments,
    read_site_owners,
)
from siting.pipeline import prepare

DATA = Path(settings.data_dir)
#: An SLA no test route exceeds, and a penalty above every test cost.
WIDE_SLA, PENALTY = 100.0, 1000.0


def _write(path: Path, columns: tuple, rows: list[dict]) -> Path:
    names = [c.name for c in columns]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, names)
        writer.writeheader()
        for row in rows:
            writer.writerow({"source": "test", "confidence": "estimate", "method": "test", **row})
    return path


def _tables(
    tmp_path: Path,
    n_segments: int,
    *,
    captive: dict[int, str] | None = None,
    sla: float = WIDE_SLA,
    penalty: float | list[float] = PENALTY,
    friction: dict[tuple[int, str], dict] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Segments ``g0, g1, ...`` and their frictions (admissible, 0, 0, ``none`` by default)."""
    captive, friction = captive or {}, friction or {}
    penalties = penalty if isinstance(penalty, list) else [penalty] * n_segments
    share = 1.0 / n_segments
    segments = [
        {
            "segment": f"g{g}",
            "name": f"segment {g}",
            "inference_share": share,
            "training_share": share,
            "captive_owner": captive.get(g, ""),
            "sla_ms": sla,
            "unserved_penalty_cny_per_mw_year": penalties[g],
        }
        for g in range(n_segments)
    ]
    rows = [
        {
            "segment": f"g{g}",
            "owner_type": o,
            "admissible": "yes",
            "premium_cny_per_mw_year": 0,
            "domestic_penalty_cny_per_mw_year": 0,
            "residency": "none",
            **friction.get((g, o), {}),
        }
        for g in range(n_segments)
        for o in OWNER_TYPES
    ]
    seg = read_segments(_write(tmp_path / "segments.csv", SEGMENT_COLUMNS, segments))
    fr = read_frictions(
        _write(tmp_path / "frictions.csv", FRICTION_COLUMNS, rows), segments=list(seg["segment"])
    )
    return seg, fr


def _market(segments: pd.DataFrame, frictions: pd.DataFrame, **arrays) -> MarketInputs:
    """A market of ``S`` sites, ``K`` classes and ``H`` hubs; missing arrays take defaults."""
    capacity = np.asarray(arrays.pop("capacity"), float)
    n_s, n_k = capacity.shape
    inference = np.asarray(arrays.pop("inference"), float)
    n_h = inference.shape[1]
    defaults = {
        "site_ids": [f"s{s}" for s in range(n_s)],
        "owner_type": np.array(["telecom"] * n_s),
        "province": np.array(["P"] * n_s),
        "classes": [f"k{k}" for k in range(n_k)],
        "domestic": np.zeros(n_k, bool),
        "rent": np.zeros(n_k),
        "factor": np.ones((2, n_k)),
        "hub_ids": [f"h{h}" for h in range(n_h)],
        "hub_province": np.array(["P"] * n_h),
        "rtt_ms": np.zeros((n_h, n_s)),
        "network_cny": np.zeros((n_h, n_s)),
        "training": np.zeros(len(segments)),
    }
    return MarketInputs(
        capacity=capacity,
        inference=inference,
        segments=segments,
        frictions=frictions,
        **{**defaults, **arrays},
    )


# -- the shipped tables ---------------------------------------------------------------------


def test_shipped_tables_cover_every_site_segment_and_pair() -> None:
    data = load_market_data()
    sites = pd.read_csv(DATA / "sites.csv")
    assert list(data.owners["site_id"]) == [*sites["site_id"], "rest_of_china"]
    assert set(data.owners["owner_type"]) <= set(OWNER_TYPES)
    assert len(data.frictions) == len(data.segments) * len(OWNER_TYPES)
    captive = data.segments["captive_owner"].dropna()
    assert list(captive) == ["cloud"]
    # every row carries a source, a flag and, for an estimate, its method
    for table in (data.owners, data.segments, data.frictions):
        assert table["source"].str.len().min() > 0
        assert (table.loc[table["confidence"] == "estimate", "method"].str.len() > 0).all()


def test_sources_document_section_o_and_every_rule_used() -> None:
    text = (DATA / "SOURCES.md").read_text()
    assert "# O. Owners, segments and frictions" in text
    data = load_market_data()
    used = pd.concat([data.owners["source"], data.segments["source"], data.frictions["source"]])
    for key in set(used.str.findall(r"rule [A-Z]|O\d+").sum()):
        label = f"**{key}**" if key.startswith("rule") else f"| {key} |"
        assert label in text, key


# -- reader errors --------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in (*MARKET_FILES, "sites.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, line: int, field: str, value: str) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[line - 2, field] = value
    table.to_csv(path, index=False)


def test_unknown_owner_type_is_one_error_naming_file_line_and_field(copy: Path) -> None:
    _edit(copy / "site_owners.csv", 3, "owner_type", "hyperscaler")
    with pytest.raises(InputError) as err:
        load_market_data(copy)
    assert len(err.value.problems) == 1
    assert str(err.value) == (
        f"{copy / 'site_owners.csv'}: line 3 (site_id 'wuhu'): field 'owner_type': expected "
        "one of 'cloud', 'telecom', 'gpu_cloud', 'local_gov', got 'hyperscaler'"
    )


def test_unknown_owner_type_in_frictions(copy: Path) -> None:
    _edit(copy / "frictions.csv", 2, "owner_type", "hyperscaler")
    with pytest.raises(InputError, match=r"frictions.csv: line 2 \(segment 'cloud_own'\): field "
                       r"'owner_type': expected one of 'cloud'.*got 'hyperscaler'"):  # fmt: skip
        load_market_data(copy)


def test_a_friction_for_an_undefined_segment(copy: Path) -> None:
    _edit(copy / "frictions.csv", 5, "segment", "hedge_funds")
    with pytest.raises(InputError) as err:
        load_market_data(copy)
    first = str(err.value.problems[0])
    assert first == (
        f"{copy / 'frictions.csv'}: line 5 (segment 'hedge_funds'): field 'segment': expected a "
        "segment of segments.csv (cloud_own, model_labs, enterprise, public_research), got "
        "'hedge_funds'"
    )


def test_a_segment_with_no_admissible_owner(copy: Path) -> None:
    for line in (14, 15, 17):  # public_research on cloud, telecom, local_gov (gpu_cloud: no)
        _edit(copy / "frictions.csv", line, "admissible", "no")
    with pytest.raises(InputError) as err:
        load_market_data(copy)
    assert str(err.value) == (
        f"{copy / 'frictions.csv'}: lines 14, 15, 16, 17 (segment 'public_research'): field "
        "'admissible': 'yes' on at least one row: the segment has no admissible owner type"
    )


def test_a_site_without_owner_and_an_unknown_site(copy: Path) -> None:
    _edit(copy / "site_owners.csv", 31, "site_id", "atlantis")
    with pytest.raises(InputError) as err:
        load_market_data(copy)
    assert [p.field for p in err.value.problems] == ["site_id", "site_id"]
    assert "line 31 (site_id 'atlantis')" in str(err.value)
    assert "no row for the sites ['hami']" in str(err.value)


def test_a_repeated_pair_and_shares_not_adding_up(copy: Path) -> None:
    _edit(copy / "frictions.csv", 3, "owner_type", "cloud")
    with pytest.raises(InputError, match=r"lines 2, 3: field 'owner_type': one row per segment "
                       r"and owner type; cloud_own/cloud is repeated"):  # fmt: skip
        read_frictions(
            copy / "frictions.csv", segments=list(read_segments(copy / "segments.csv")["segment"])
        )
    _edit(copy / "segments.csv", 2, "training_share", "0.5")
    with pytest.raises(InputError, match=r"field 'training_share': shares adding up to 1 over "
                       r"the segments, got 1\.15"):  # fmt: skip
        read_segments(copy / "segments.csv")


def test_owner_reader_keeps_the_order_of_the_sites(copy: Path) -> None:
    table = pd.read_csv(copy / "site_owners.csv")
    table.iloc[::-1].to_csv(copy / "site_owners.csv", index=False)
    sites = list(pd.read_csv(copy / "sites.csv")["site_id"])
    read = read_site_owners(copy / "site_owners.csv", site_ids=sites)
    assert list(read["site_id"]) == [*sites, "rest_of_china"]


def test_the_rest_of_china_row_is_required(copy: Path) -> None:
    table = pd.read_csv(copy / "site_owners.csv")
    table[table["site_id"] != "rest_of_china"].to_csv(copy / "site_owners.csv", index=False)
    with pytest.raises(InputError, match=r"no row for the sites \['rest_of_china'\]"):
        load_market_data(copy)


# -- the allocation against a brute force ----------------------------------------------------


def _brute_force(m: MarketInputs) -> float:
    """Least cost of the two stages by enumerating whole-MW allocations (one class, one hub).

    With one class, one hub, capabilities of 1 and whole-MW data, the LP is a transportation
    problem whose vertices are whole: the grid holds an optimum.
    """
    seg, fr = m.segments, m.frictions
    n_g, n_s = len(seg), len(m.site_ids)
    owner = [OWNER_TYPES.index(o) for o in m.owner_type]
    table = fr.set_index(["segment", "owner_type"])
    cost = np.full((n_g, n_s), np.inf)
    for g, s in itertools.product(range(n_g), range(n_s)):
        row = table.loc[(seg["segment"][g], m.owner_type[s])]
        ok = row["admissible"] and m.rtt_ms[0, s] <= seg["sla_ms"][g]
        ok &= row["residency"] == "none" or m.province[s] == m.hub_province[0]
        if ok and m.capacity[s, 0] > 0 and m.inference[g, 0] > 0:
            extra = (
                row["premium_cny_per_mw_year"]
                + row["domestic_penalty_cny_per_mw_year"] * m.domestic[0]
            )
            cost[g, s] = m.rent[0] + m.network_cny[0, s] + extra
    penalty = seg["unserved_penalty_cny_per_mw_year"].to_numpy(float)
    captive = [OWNER_TYPES.index(c) if isinstance(c, str) else -1 for c in seg["captive_owner"]]
    first = np.array([[captive[g] == owner[s] for s in range(n_s)] for g in range(n_g)])

    def spend(a: np.ndarray) -> float:
        return float((np.where(a > 0, cost, 0) * a).sum())

    def best(allowed: np.ndarray, demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
        cells = [
            (g, s)
            for g in range(n_g)
            for s in range(n_s)
            if allowed[g, s] and np.isfinite(cost[g, s])
        ]
        ranges = [range(int(min(demand[g], capacity[s])) + 1) for g, s in cells]
        top, pick = np.inf, np.zeros((n_g, n_s))
        for values in itertools.product(*ranges):
            a = np.zeros((n_g, n_s))
            for (g, s), v in zip(cells, values, strict=True):
                a[g, s] = v
            if (a.sum(axis=1) > demand).any() or (a.sum(axis=0) > capacity).any():
                continue
            total = spend(a) + penalty @ (demand - a.sum(axis=1))
            if total < top:
                top, pick = total, a
        return pick

    demand = m.inference[:, 0].copy()
    own_demand = np.where(np.array(captive) >= 0, demand, 0)
    a1 = best(first, own_demand, m.capacity[:, 0])
    left = demand - a1.sum(axis=1)
    a2 = best(np.ones((n_g, n_s), bool), left, m.capacity[:, 0] - a1.sum(axis=0))
    return spend(a1) + spend(a2) + float(penalty @ (left - a2.sum(axis=1)))


def _random_small(tmp_path: Path, seed: int) -> MarketInputs:
    """2 sites × 2 segments, whole-MW data, random owners, frictions, SLA and residency."""
    rng = np.random.default_rng(seed)
    owners = rng.choice(OWNER_TYPES, 2)
    friction = {}
    for g, o in itertools.product(range(2), OWNER_TYPES):
        friction[(g, o)] = {
            "admissible": "yes" if rng.random() < 0.8 else "no",
            "premium_cny_per_mw_year": int(rng.integers(0, 5)),
            "domestic_penalty_cny_per_mw_year": int(rng.integers(0, 5)),
            "residency": "province" if rng.random() < 0.3 else "none",
        }
    for g in range(2):  # the readers require one admissible owner type per segment
        friction[(g, "cloud")]["admissible"] = "yes"
    captive = {0: "cloud"} if seed % 2 else {}
    seg, fr = _tables(
        tmp_path, 2, captive=captive, sla=10.0, friction=friction,
        penalty=[float(rng.integers(8, 20)), float(rng.integers(8, 20))],
    )  # fmt: skip
    return _market(
        seg, fr,
        capacity=rng.integers(0, 5, (2, 1)),
        inference=rng.integers(0, 5, (2, 1)),
        owner_type=owners,
        province=rng.choice(["P", "Q"], 2),
        domestic=np.array([bool(seed % 3 == 0)]),
        rent=np.array([float(rng.integers(1, 4))]),
        rtt_ms=rng.choice([5.0, 20.0], (1, 2), p=[0.8, 0.2]),
        network_cny=rng.integers(0, 4, (1, 2)).astype(float),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_allocation_equals_a_brute_force(tmp_path: Path, seed: int) -> None:
    m = _random_small(tmp_path, seed)
    assert allocate(m).cost_cny == pytest.approx(_brute_force(m), abs=1e-6)


def test_brute_force_and_allocation_disagree_when_a_rule_is_dropped(tmp_path: Path) -> None:
    """The brute force is sharp: with captive first ignored, it finds a different cost."""
    seg, fr = _tables(
        tmp_path, 2, captive={0: "cloud"}, friction={(1, "telecom"): {"admissible": "no"}}
    )
    m = _market(
        seg, fr, capacity=[[4], [4]], inference=[[4], [4]],
        owner_type=np.array(["cloud", "telecom"]), network_cny=np.array([[0.0, 0.0]]),
        rent=np.array([1.0]),
    )  # fmt: skip
    assert allocate(m).cost_cny == pytest.approx(_brute_force(m))
    free = dataclasses.replace(m, segments=seg.assign(captive_owner=None))
    assert _brute_force(free) < _brute_force(m)


# -- owner and friction rules ---------------------------------------------------------------


def test_captive_capacity_serves_its_owner_first(tmp_path: Path) -> None:
    """The owner takes its own hall though a telecom hall would let everyone be served."""
    seg, fr = _tables(
        tmp_path, 2, captive={0: "cloud"}, friction={(1, "telecom"): {"admissible": "no"}}
    )
    m = _market(
        seg, fr, capacity=[[10], [10]], inference=[[10], [10]],
        owner_type=np.array(["cloud", "telecom"]), rent=np.array([1.0]),
    )  # fmt: skip
    out = allocate(m)
    streams = out.streams.set_index("segment")
    assert streams.loc["g0", "captive_mw"] == pytest.approx(10)
    assert streams.loc["g1", "unserved_mw"] == pytest.approx(10)
    assert out.sites.set_index("site_id").loc["s1", "idle_mw"] == pytest.approx(10)
    # without an owner the market serves both
    free = allocate(dataclasses.replace(m, segments=seg.assign(captive_owner=None)))
    assert free.streams["unserved_mw"].sum() == pytest.approx(0)


def test_spare_captive_capacity_is_sold_on_the_market(tmp_path: Path) -> None:
    seg, fr = _tables(tmp_path, 2, captive={0: "cloud"})
    m = _market(seg, fr, capacity=[[10]], inference=[[4], [6]], owner_type=np.array(["cloud"]))
    out = allocate(m)
    assert out.rents["captive_mw"].sum() == pytest.approx(4)
    assert out.rents["market_mw"].sum() == pytest.approx(6)
    assert out.sites["utilisation"].iloc[0] == pytest.approx(1.0)


def test_non_admissible_sla_and_residency_get_nothing(tmp_path: Path) -> None:
    """Site 0 is cheapest for everyone but each segment is barred from it in one way."""
    friction = {(0, "gpu_cloud"): {"admissible": "no"}, (2, "gpu_cloud"): {"residency": "province"}}
    seg, fr = _tables(tmp_path, 3, friction=friction, sla=10.0)
    m = _market(
        seg, fr, capacity=[[50], [50]], inference=[[5], [5], [5]],
        owner_type=np.array(["gpu_cloud", "telecom"]), province=np.array(["Q", "P"]),
        network_cny=np.array([[0.0, 9.0]]), rtt_ms=np.array([[5.0, 5.0]]),
    )  # fmt: skip
    use = allocate(m).allocation.groupby(["segment", "site_id"])["mw"].sum()
    assert "s0" not in use.loc["g0"].index  # not admissible
    assert use.loc[("g1", "s0")] == pytest.approx(5)  # admissible and cheapest
    assert "s0" not in use.loc["g2"].index  # another province
    late = dataclasses.replace(m, rtt_ms=np.array([[11.0, 5.0]]))
    assert "s0" not in set(allocate(late).allocation["site_id"])  # beyond the SLA


def test_domestic_penalty_and_premium_steer_use(tmp_path: Path) -> None:
    friction = {(0, "telecom"): {"domestic_penalty_cny_per_mw_year": 5}}
    seg, fr = _tables(tmp_path, 1, friction=friction)
    m = _market(
        seg, fr, capacity=[[10, 10]], inference=[[10]], domestic=np.array([False, True]),
        rent=np.array([3.0, 0.0]),
    )  # fmt: skip
    by_class = allocate(m).rents.set_index("accelerator_class")["market_mw"]
    assert by_class["k0"] == pytest.approx(10) and by_class["k1"] == pytest.approx(0)
    cheap = dataclasses.replace(m, rent=np.array([6.0, 0.0]))
    assert allocate(cheap).rents.set_index("accelerator_class")["market_mw"]["k1"] == pytest.approx(
        10
    )


# -- clearing rents -------------------------------------------------------------------------


def _random_market(tmp_path: Path, seed: int) -> MarketInputs:
    """4 sites, 3 classes, 3 hubs, 3 segments, training too, capabilities not 1, tight capacity."""
    rng = np.random.default_rng(seed)
    friction = {
        (g, o): {
            "premium_cny_per_mw_year": float(rng.uniform(0, 3e7)),
            "domestic_penalty_cny_per_mw_year": float(rng.uniform(0, 3e7)),
            "residency": "province" if rng.random() < 0.2 else "none",
        }
        for g in range(3)
        for o in OWNER_TYPES
    }
    seg, fr = _tables(tmp_path, 3, captive={0: "cloud"}, sla=10.0, friction=friction, penalty=3.5e8)
    inference, training = segment_use(seg, rng.uniform(0, 40, 3), float(rng.uniform(0, 60)))
    return _market(
        seg, fr,
        capacity=rng.uniform(0, 15, (4, 3)) * (rng.random((4, 3)) < 0.8),
        inference=inference, training=training,
        owner_type=np.array(["cloud", "telecom", "gpu_cloud", "local_gov"]),
        province=np.array(["P", "P", "Q", "Q"]), hub_province=np.array(["P", "Q", "P"]),
        domestic=np.array([False, False, True]),
        rent=np.array([8.2e7, 6.0e7, 4.0e7]),
        factor=np.array([[1.03, 0.41, 1.0], [1.0, 0.6, 0.8]]),
        rtt_ms=rng.uniform(2, 14, (3, 4)),
        network_cny=rng.uniform(0, 5e6, (3, 4)),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(8))
def test_clearing_rents_satisfy_complementary_slackness(tmp_path: Path, seed: int) -> None:
    out = allocate(_random_market(tmp_path, seed))
    r = out.rents
    slack = r["capacity_mw"] - r["captive_mw"] - r["market_mw"]
    binding = r["clearing_premium"] > 1e-3  # CNY per MW-year
    assert (slack[binding].abs() < 1e-6).all()
    assert (r.loc[slack > 1e-6, "clearing_premium"] < 1e-3).all()
    assert (r["clearing_rent"] == r["posted_rent"] + r["clearing_premium"]).all()
    assert (r["clearing_premium"] >= 0).all()


def test_some_market_binds_with_a_premium(tmp_path: Path) -> None:
    """The random markets are tight enough that complementary slackness is tested, not vacuous."""
    premiums = [
        allocate(_random_market(tmp_path, seed)).rents["clearing_premium"].max()
        for seed in range(8)
    ]
    assert sum(p > 1e6 for p in premiums) >= 4


@pytest.mark.parametrize("seed", range(8))
def test_strong_duality_and_dual_feasibility(tmp_path: Path, seed: int) -> None:
    out = allocate(_random_market(tmp_path, seed))
    for stage in (out.captive, out.market):
        model, y = stage.model, stage.row_dual
        rhs = np.where(np.isfinite(model.row_upper), model.row_upper, model.row_lower)
        assert stage.objective / 1e6 == pytest.approx(y @ rhs, rel=1e-7, abs=1e-6)
        reduced = model.cost - model.transpose_product(y)
        assert reduced.min() > -1e-6  # every column x ≥ 0 prices out
        capacity_rows = y[len(stage.demand) :]
        assert capacity_rows.max() < 1e-9  # a ≤ row of a minimisation: dual ≤ 0


def test_a_binding_site_clears_above_the_posted_rent(tmp_path: Path) -> None:
    """One scarce cheap site: its premium is what the next site costs more, per MW."""
    seg, fr = _tables(tmp_path, 1)
    m = _market(
        seg, fr, capacity=[[5], [50]], inference=[[10]], rent=np.array([60.0]),
        network_cny=np.array([[0.0, 7.0]]),
    )  # fmt: skip
    out = allocate(m)
    rents = out.rents.set_index("site_id")
    assert rents.loc["s0", "clearing_premium"] == pytest.approx(7.0)
    assert rents.loc["s0", "clearing_rent"] == pytest.approx(67.0)
    assert rents.loc["s1", "clearing_premium"] == pytest.approx(0.0)
    sites = out.sites.set_index("site_id")
    assert sites.loc["s0", "revenue_cny"] == pytest.approx(5 * 67.0)
    assert sites.loc["s1", "revenue_cny"] == pytest.approx(5 * 60.0)
    for by, key in (("owner_type", "telecom"), ("province", "P"), ("accelerator_class", "k0")):
        idle = out.idle(by).loc[key]
        assert idle["idle_mw"] == pytest.approx(45.0)
        assert idle["idle_share"] == pytest.approx(45.0 / 55.0)


def test_capabilities_turn_use_into_capacity_per_role(tmp_path: Path) -> None:
    """A class serving half a demand MW of inference per MW, and two of training."""
    seg, fr = _tables(tmp_path, 1)
    m = _market(
        seg, fr, capacity=[[40]], inference=[[10]], training=np.array([10.0]),
        factor=np.array([[2.0], [0.5]]),
    )  # fmt: skip
    out = allocate(m)
    by_role = out.allocation.groupby("role")["mw"].sum()
    assert by_role["inference"] == pytest.approx(20) and by_role["training"] == pytest.approx(5)
    assert out.streams["market_mw"].tolist() == pytest.approx([10, 10])
    assert out.sites["utilisation"].iloc[0] == pytest.approx(25 / 40)


# -- a year of a horizon as a market --------------------------------------------------------


def test_a_year_of_the_default_scenario_as_a_market() -> None:

    prepared = prepare("default")
    h = one_year(prepared.instance)
    m = year_market(h, 0, load_market_data(), prepared.layers.hubs)
    assert m.site_ids == list(pd.read_csv(DATA / "sites.csv")["site_id"])
    assert m.capacity.sum() == pytest.approx(h.existing.sum())
    assert m.inference.sum() == pytest.approx(h.demand.sum())
    assert m.training.sum() == pytest.approx(h.training.sum())
    pairs = h.base.pairs
    assert np.isfinite(m.rtt_ms[pairs.hub, pairs.site]).all()
    assert np.isinf(m.rtt_ms).sum() == m.rtt_ms.size - len(
        set(zip(pairs.hub, pairs.site, strict=True))
    )
    out = allocate(m)
    used = out.rents["captive_mw"] + out.rents["market_mw"]
    assert (used <= out.rents["capacity_mw"] + 1e-6).all()
    assert out.sites["revenue_cny"].sum() > 0


def test_the_rest_of_china_takes_the_rest_of_china_owner_and_its_province() -> None:

    served = load_scenario("default").with_overrides({"demand.rest_of_china": "serve"})
    prepared = prepare(served)
    h = one_year(prepared.instance)
    m = year_market(h, 0, load_market_data(), prepared.layers.hubs)
    rest = np.char.startswith(np.asarray(m.site_ids), "rest_")
    assert rest.sum() > 0 and set(m.owner_type[rest]) == {"telecom"}
    hub = m.hub_ids.index("rest_inner_mongolia")
    assert m.hub_province[hub] == "Inner Mongolia"
    assert m.province[m.site_ids.index("rest_inner_mongolia")] == "Inner Mongolia"
    out = allocate(m)
    assert out.rents.loc[rest.repeat(len(m.classes)), "capacity_mw"].sum() > 0


def test_a_site_or_hub_the_tables_do_not_know_stops_the_market() -> None:

    prepared = prepare("default")
    h = one_year(prepared.instance)
    data = load_market_data()
    data = dataclasses.replace(data, owners=data.owners[data.owners["site_id"] != "wuhu"])
    hubs = prepared.layers.hubs[prepared.layers.hubs["hub_id"] != "beijing"]
    with pytest.raises(InputError) as err:
        year_market(h, 0, data, hubs)
    assert [str(p) for p in err.value.problems] == [
        "site_owners.csv: field 'site_id': an owner type for every site of the scenario; "
        "no row for ['wuhu']",
        "hubs layer: field 'hub_id': a province for every hub of the scenario; no row for "
        "['beijing']",
    ]
