"""The instance's records: one form for one class and many, each array the length it says."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siting.instance import Instance
from siting.pipeline import prepare
from siting.scenario import load_scenario

from .conftest import make_instance


def _check_shapes(inst: Instance) -> None:
    S, H, K, C = inst.n_sites, inst.n_hubs, inst.n_pairs, inst.n_service_classes  # noqa: N806
    W = 1 + C  # noqa: N806 - training, then each class
    for f in ("group", "existing_mw", "headroom_mw", "fixed_cost", "capex_cost"):
        assert getattr(inst.sites, f).shape == (S,), f
    assert inst.sites.opex.shape == (W, 3, S)
    assert inst.sites.energy_mwh.shape == inst.sites.emissions_t.shape == (W, S)
    assert inst.staff_per_mw.shape == inst.rent.shape == (W,)
    assert inst.hubs.demand_mw.shape == (H,)
    for f in dataclasses.fields(inst.pairs):
        assert getattr(inst.pairs, f.name).shape == (K,), f.name
    for f in ("share", "share_cap", "min_sites", "failover", "layer"):
        assert getattr(inst.classes, f).shape == (C,), f
    for f in ("sla_ms", "nearest_site", "nearest_rtt_ms"):
        assert getattr(inst.classes, f).shape == (C, H), f
    assert inst.stream_demand_mw.shape == inst.stream_share_cap.shape == (C * H,)


@pytest.mark.parametrize("name", ["one class", "default", "realtime-10ms"])
def test_built_records_have_one_form(name: str) -> None:
    """One class or three: the same arrays, the class shares splitting each hub's demand."""
    one = load_scenario("default")[0].with_overrides({"classes": {}})
    prepared = prepare(one if name == "one class" else name)
    inst = prepared.instance
    _check_shapes(inst)
    stated = prepared.scenario.classes.shares() if name != "one class" else {"inference": 1.0}
    np.testing.assert_allclose(inst.classes.share, [stated[q] for q in inst.classes.names])
    by_class = inst.stream_demand_mw.reshape(inst.n_service_classes, inst.n_hubs)
    np.testing.assert_allclose(by_class.sum(axis=0), inst.hubs.demand_mw)
    sla = inst.classes.sla_ms[inst.pairs.service_class, inst.pairs.hub]
    assert (inst.pairs.rtt_ms <= sla + 1e-9).all()
    assert inst.n_service_classes == (1 if name == "one class" else 3)


def test_one_class_constructor_is_a_built_instance_of_one_class() -> None:
    inst = make_instance(0, max_site_share=0.6)
    _check_shapes(inst)
    assert inst.classes.names.tolist() == ["inference"]
    np.testing.assert_array_equal(inst.stream_demand_mw, inst.hubs.demand_mw)
    np.testing.assert_array_equal(inst.stream_share_cap, 0.6)
    assert (inst.pair_workload == 1).all()
