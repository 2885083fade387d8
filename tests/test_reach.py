"""SLA reach polygons agree with the admissible pairs the model uses."""

from __future__ import annotations

import numpy as np
import pytest

from siting.pipeline import prepare
from siting.reach import ALBERS_CHINA, reach_polygons
from siting.scenario import Latency, load_scenario


@pytest.fixture(scope="module")
def default():
    """The default with one inference class: every hub's reach at 10 ms."""
    return prepare(load_scenario("default")[0].with_overrides({"classes": {}}))


def test_backbone_reach_matches_admissible_pairs(default) -> None:
    hubs, inst = default.layers.hubs, default.instance
    reach = reach_polygons(
        hubs["hub_id"],
        hubs["lon"],
        hubs["lat"],
        inst.classes.sla_ms[0],
        default.scenario.latency,
        graph=default.inputs.graph,
    )
    sites = default.layers.sites.geometry
    for h in range(inst.n_hubs):
        area = reach.geometry.iloc[h]
        admissible = set(inst.pairs.site[inst.pairs.hub == h].tolist())
        for s in range(inst.n_sites):
            if s in admissible:  # within the SLA: inside (up to drawing precision, ~5 km)
                assert area.buffer(0.05).contains(sites.iloc[s]), (h, s)
    # and a site far outside every SLA is outside every reach
    hami = default.layers.sites.index[default.layers.sites["site_id"] == "hami"][0]
    assert not reach.geometry.contains(sites.iloc[hami]).any()


def test_sites_beyond_the_sla_are_outside(default) -> None:
    hubs, inst = default.layers.hubs, default.instance
    tight = np.full(inst.n_hubs, 5.0)
    reach = reach_polygons(
        hubs["hub_id"],
        hubs["lon"],
        hubs["lat"],
        tight,
        default.scenario.latency,
        graph=default.inputs.graph,
    )
    from siting.latency import pair_matrix

    sites = default.layers.sites
    _, rtt = pair_matrix(
        default.scenario.latency,
        hubs["lon"],
        hubs["lat"],
        sites["lon"],
        sites["lat"],
        default.inputs.graph,
    )
    for h in range(inst.n_hubs):
        for s in np.flatnonzero(rtt[h] > 5.0 * 1.15):  # clearly beyond: outside
            assert not reach.geometry.iloc[h].contains(sites.geometry.iloc[s]), (h, s)
        for s in np.flatnonzero(rtt[h] < 5.0 * 0.85):  # clearly within: inside
            assert reach.geometry.iloc[h].contains(sites.geometry.iloc[s]), (h, s)


def test_great_circle_reach_is_a_disk_of_the_hand_computed_radius() -> None:
    latency = Latency(
        model="great_circle",
        layer="optical",
        route_stretch=1.0,
        hop_delay_ms=0.0,
        route_factor=1.5,
        fibre_km_per_ms=200.0,
        equipment_delay_ms=1.0,
    )
    reach = reach_polygons(["x"], [110.0], [35.0], [10.0], latency)
    # Optical layer, no stretch, no hop delay: (10 - 1) ms x 200 km/ms / 2 / 1.5 = 600 km
    # radius: area pi r^2 within drawing error.
    area_km2 = reach.to_crs(ALBERS_CHINA).geometry.area.iloc[0] / 1e6
    assert area_km2 == pytest.approx(np.pi * 600.0**2, rel=0.01)


def test_local_fibre_joins_points_that_share_an_access_region(default) -> None:
    """A hub and a site together in Ngari, ~1,000 km from any backbone node, are 'local';
    Beijing and Gui'an, both near nodes, are routed over the backbone."""
    from siting.latency import backbone_matrix

    lat = default.scenario.latency
    km, rtt, hops = backbone_matrix(
        default.inputs.graph,
        [80.1, 116.4],
        [32.5, 39.9],
        [80.11, 106.45],
        [32.5, 26.35],
        access_factor=lat.access_factor,
        fibre_km_per_ms=lat.fibre_km_per_ms,
        hop_delay_ms=lat.hop_delay_ms,
    )
    assert hops[0, 0] == 0 and rtt[0, 0] < 0.02  # ~0.9 km apart: local
    assert hops[1, 1] > 0 and km[1, 1] > 2000  # over the backbone
    assert rtt[1, 1] == pytest.approx(2 * km[1, 1] / 200 + 0.1 * hops[1, 1])


def test_reach_is_computed_only_for_a_map_that_draws_it(tiny, tmp_path, monkeypatch) -> None:
    import siting.pipeline as pipeline

    calls = []
    real = pipeline.reach_polygons
    monkeypatch.setattr(
        pipeline, "reach_polygons", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    kwargs = {"out_dir": tmp_path / "out", "maps_dir": tmp_path / "maps"}
    run = pipeline.optimize(tiny / "shift.toml", map=False, **kwargs)
    assert calls == [] and run.results.reach is None
    run = pipeline.optimize(tiny / "shift.toml", **kwargs)
    assert calls == [1] and run.results.reach is not None
    monkeypatch.setattr(pipeline, "REACH_MAX_HUBS", 0)  # more hubs than a map draws reach for
    run = pipeline.optimize(tiny / "shift.toml", write=False)
    assert calls == [1] and run.results.reach is None and run.results.backbone is None
