"""Latency layers: hand-computed terms, directions, the fibre floor and the calibration table.

The calibration bounds are those stated in docs/latency.md ("Calibration bounds").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.calibration import (
    FITTABLE,
    calibration_table,
    fit_parameters,
    read_measurements,
)
from siting.errors import InputError
from siting.latency import (
    LAYERS,
    layer_terms,
    one_way_matrix,
    pair_matrix,
    route_budget_km,
)
from siting.pipeline import Prepared, prepare
from siting.scenario import Latency

DATA = Path(__file__).resolve().parents[1] / "data"
MEASUREMENTS = DATA / "latency_measurements.csv"

#: Fitted figures must be reproduced within this |error| (the scenario rounds the fit), %.
FIT_BOUND_PCT = 2.0
#: Held-out figures that state their layer: |error| at that layer, %.
STATED_BOUND_PCT = 25.0
#: Held-out figures that state no layer: |error| at the nearest layer, %.
UNSTATED_BOUND_PCT = 35.0
#: Median |error| over all held-out figures, %.
MEDIAN_BOUND_PCT = 12.0


@pytest.fixture(scope="module")
def default() -> Prepared:
    return prepare(None)


@pytest.fixture(scope="module")
def points(default) -> dict[str, tuple[float, float]]:
    graph, layers = default.inputs.graph, default.layers
    found = {d["node_id"]: (d["x"], d["y"]) for _, d in graph.nodes(data=True)}
    for frame, key in ((layers.sites, "site_id"), (layers.hubs, "hub_id")):
        found.update({r[key]: (r["lon"], r["lat"]) for _, r in frame.iterrows()})
    return found


@pytest.fixture(scope="module")
def table(default, points) -> pd.DataFrame:
    measurements = read_measurements(MEASUREMENTS, points)
    return calibration_table(measurements, default.scenario.latency, default.inputs.graph, points)


def _latency(**kw: float | str) -> Latency:
    return Latency(fibre_km_per_ms=200.0, **kw)


def test_layer_terms_by_hand() -> None:
    lat = _latency(hop_delay_ms=0.1, ip_hop_one_way_ms=0.7, internet_one_way_ms=2.0)
    assert layer_terms(lat, "optical").hop_one_way_ms == pytest.approx(0.05)
    assert layer_terms(lat, "optical").fixed_one_way_ms == 0.0
    assert layer_terms(lat, "ip").hop_one_way_ms == pytest.approx(0.75)
    assert layer_terms(lat, "internet").fixed_one_way_ms == pytest.approx(2.0)
    gc = _latency(model="great_circle", equipment_delay_ms=1.0, internet_one_way_ms=2.0)
    assert layer_terms(gc, "internet").fixed_one_way_ms == pytest.approx(2.5)
    with pytest.raises(ValueError, match="unknown latency layer"):
        layer_terms(lat, "carrier-pigeon")  # type: ignore[arg-type]


def test_great_circle_one_way_by_hand() -> None:
    lat = _latency(
        model="great_circle",
        route_factor=1.5,
        route_stretch=1.2,
        km_per_hop=300.0,
        hop_delay_ms=0.1,
        ip_hop_one_way_ms=0.5,
        equipment_delay_ms=1.0,
    )
    # Two points 1 degree of latitude apart: 111.195 km; route 166.79 km, 0.556 hops.
    km, hops, delays = one_way_matrix(lat, [110.0], [30.0], [110.0], [31.0])
    assert km[0, 0] == pytest.approx(1.5 * 111.195, rel=1e-4)
    assert hops[0, 0] == pytest.approx(km[0, 0] / 300.0)
    optical = 1.2 * km[0, 0] / 200 + hops[0, 0] * 0.05 + 0.5
    assert delays["optical"][0, 0] == pytest.approx(optical)
    assert delays["ip"][0, 0] == pytest.approx(optical + hops[0, 0] * 0.5)
    _, rtt = pair_matrix(lat.model_copy(update={"layer": "ip"}), [110.0], [30.0], [110.0], [31.0])
    assert rtt[0, 0] == pytest.approx(2 * delays["ip"][0, 0])  # round trip = 2 x one way


def test_layers_are_ordered_and_above_the_floor(default) -> None:
    hubs, sites = default.layers.hubs, default.layers.sites
    lat = default.scenario.latency
    args = (hubs["lon"], hubs["lat"], sites["lon"], sites["lat"], default.inputs.graph)
    _, _, delays = one_way_matrix(lat, *args)
    assert np.all(delays["optical"] <= delays["ip"])
    assert np.all(delays["ip"] < delays["internet"])
    _, rtt = pair_matrix(lat, *args)  # what the instance compares with the SLA
    assert np.allclose(rtt, 2 * delays[lat.layer])


def test_route_budget_inverts_the_round_trip(default) -> None:
    lat = default.scenario.latency
    for layer in LAYERS:
        varied = lat.model_copy(update={"layer": layer})
        km = route_budget_km(varied, np.array([10.0, 30.0]), np.array([0, 4]))
        terms = layer_terms(varied)
        back = 2 * (terms.stretch * km / 200 + np.array([0, 4]) * terms.hop_one_way_ms)
        assert back + 2 * terms.fixed_one_way_ms == pytest.approx([10.0, 30.0])


def test_fit_recovers_the_scenario_parameters(default, points) -> None:
    """Solving each fitting figure from scratch gives the scenario's rounded values."""
    measurements = read_measurements(MEASUREMENTS, points)
    blank = default.scenario.latency.model_copy(update=dict.fromkeys(FITTABLE, 1.0))
    fitted = fit_parameters(measurements, blank, default.inputs.graph, points)
    for name in FITTABLE:
        assert getattr(fitted, name) == pytest.approx(
            getattr(default.scenario.latency, name), rel=0.01
        ), name


def test_calibration_within_documented_bounds(table) -> None:
    fit = table[table["role"] == "fit"]
    assert len(fit) == len(FITTABLE)
    assert fit["error_pct"].abs().max() <= FIT_BOUND_PCT
    held = table[table["role"] == "held_out"]
    stated = held[held["layer"] != "unstated"]
    assert (stated["compared_layer"] == stated["layer"]).all()
    assert stated["error_pct"].abs().max() <= STATED_BOUND_PCT
    unstated = held[held["layer"] == "unstated"]
    assert unstated["error_pct"].abs().max() <= UNSTATED_BOUND_PCT
    assert held["error_pct"].abs().median() <= MEDIAN_BOUND_PCT


def test_every_figure_states_its_direction_and_is_above_its_floor(table) -> None:
    assert set(table["direction"]) <= {"one_way", "round_trip"}
    assert (table["value_ms"] >= table["floor_ms"]).all()
    # The CAICT optical mean is one way: as a round trip it would be below the floor.
    caict = table.set_index("figure_id").loc["caict_optical_mean"]
    assert caict["value_ms"] < 2 * caict["floor_ms"]


def test_calibration_can_fail(default, points) -> None:
    """Without the calibrated terms (propagation only) the held-out figures are far off."""
    measurements = read_measurements(MEASUREMENTS, points)
    bare = default.scenario.latency.model_copy(
        update={"route_stretch": 1.0, "ip_hop_one_way_ms": 0.0, "internet_one_way_ms": 0.0}
    )
    worse = calibration_table(measurements, bare, default.inputs.graph, points)
    held = worse[(worse["role"] == "held_out") & (worse["layer"] != "unstated")]
    assert held["error_pct"].abs().max() > STATED_BOUND_PCT


def _write(tmp_path: Path, **changes: str) -> Path:
    frame = pd.read_csv(MEASUREMENTS, dtype=str, keep_default_na=False)
    for key, value in changes.items():
        frame.loc[0, key] = value
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    return path


def test_round_trip_below_the_floor_is_rejected(tmp_path, points) -> None:
    path = _write(tmp_path, direction="round_trip")  # 9.7 ms mean < 11.5 ms round-trip floor
    with pytest.raises(InputError) as err:
        read_measurements(path, points)
    message = str(err.value)
    assert "line 2 (figure_id 'caict_optical_mean')" in message
    assert "field 'value_ms'" in message and "below the round trip fibre floor" in message
    assert "as a one-way figure it would be possible" in message


def test_one_way_below_the_floor_is_rejected(tmp_path, points) -> None:
    with pytest.raises(InputError, match=r"below the one way fibre floor of 5\.63 ms"):
        read_measurements(_write(tmp_path, value_ms="4.0"), points)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"layer": "optic"}, "field 'layer': expected one of"),
        ({"to_places": "atlantis"}, "unknown place(s) 'atlantis'"),
        ({"fits": ""}, "field 'fits': a fitted parameter exactly when role is 'fit'"),
        ({"direction": "both"}, "field 'direction': expected one of 'one_way', 'round_trip'"),
    ],
)
def test_bad_measurements_name_line_and_field(tmp_path, points, changes, message) -> None:
    with pytest.raises(InputError) as err:
        read_measurements(_write(tmp_path, **changes), points)
    assert "line 2" in str(err.value) and message in str(err.value)


def test_unknown_layer_is_a_clear_scenario_error() -> None:
    import tomllib

    from siting.scenario import parse_scenario

    path = Path(__file__).resolve().parents[1] / "siting" / "scenarios" / "default.toml"
    raw = tomllib.loads(path.read_text())
    raw["latency"]["layer"] = "optic"
    with pytest.raises(InputError, match="field 'layer': input should be 'optical', 'ip' or"):
        parse_scenario(raw, source="s.toml")


def test_every_latency_function_states_its_direction() -> None:
    """Each public function of siting.latency that returns a time says one way or round trip."""
    import inspect

    import siting.latency as module

    for name, func in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("_") or func.__module__ != module.__name__:
            continue
        doc = (func.__doc__ or "").lower()
        if " ms" in doc or "_ms" in name:
            assert any(w in doc for w in ("one way", "one-way", "round trip", "round-trip")), name


def test_docs_table_matches_the_recomputed_one(table) -> None:
    """docs/latency.md shows the values this code computes (rerun the script if not)."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "latency.md").read_text()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in docs.splitlines()}
    for record in table.itertuples(index=False):
        line = rows[record.figure_id]
        for layer in LAYERS:
            assert f"| {getattr(record, f'{layer}_ms'):.2f} (" in line, (record.figure_id, layer)


def test_every_latency_in_the_outputs_states_its_direction(tiny, tmp_path) -> None:
    """Each output column or KPI in ms says whether it is a round trip or one way."""
    import json
    import re

    import pandas as pd

    from siting.pipeline import optimize

    run = optimize(tiny / "shift.toml", out_dir=tmp_path / "out", maps_dir=tmp_path / "maps")
    folder = run.table_dir
    names = []
    for table in ("sites", "flows", "hubs"):
        names += list(pd.read_csv(folder / f"{table}.csv").columns)
    names += list(json.loads((folder / "summary.json").read_text())["kpis"])
    in_ms = [n for n in names if re.search(r"(^|_)ms$", n)]
    assert in_ms, "no latency column found: the test would pass vacuously"
    unstated = [n for n in in_ms if not re.search(r"(rtt|one_way)_ms$", n)]
    assert unstated == []
