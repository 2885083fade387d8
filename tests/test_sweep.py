from __future__ import annotations

import pytest

from siting.errors import InputError
from siting.sweep import load_sweep


def _write(tmp_path, body: str):
    path = tmp_path / "s.toml"
    path.write_text(body)
    return path


def test_grid_expands_every_combination(tmp_path) -> None:
    sweep = load_sweep(
        _write(
            tmp_path,
            'name = "g"\n[grid]\n"demand.inference_sla_ms" = [5.0, 10.0]\n'
            '"costs.carbon_cny_per_t" = [0.0, 50.0, 100.0]\n',
        )
    )
    assert len(sweep.points) == 6
    assert sweep.parameters == ["demand.inference_sla_ms", "costs.carbon_cny_per_t"]
    combos = {
        (p.scenario.demand.inference_sla_ms, p.scenario.costs.carbon_cny_per_t)
        for p in sweep.points
    }
    assert combos == {(a, b) for a in (5.0, 10.0) for b in (0.0, 50.0, 100.0)}
    assert [p.name for p in sweep.points][:2] == ["g-0000", "g-0001"]
    assert len({p.key for p in sweep.points}) == 6


def test_keys_are_stable_and_content_based(tmp_path) -> None:
    body = 'name = "g"\n[grid]\n"demand.training_mw" = [100.0, 200.0]\n'
    a = load_sweep(_write(tmp_path, body))
    b = load_sweep(_write(tmp_path, body))
    assert [p.key for p in a.points] == [p.key for p in b.points]
    c = load_sweep(_write(tmp_path, body.replace("200.0", "300.0")))
    assert a.points[0].key == c.points[0].key and a.points[1].key != c.points[1].key


def test_monte_carlo_is_seeded(tmp_path) -> None:
    body = (
        'name = "m"\n[monte_carlo]\ndraws = 20\nseed = 3\n[monte_carlo.parameters]\n'
        '"costs.power_price_multiplier" = { distribution = "uniform", low = 0.8, high = 1.2 }\n'
        '"demand.training_share" = '
        '{ distribution = "triangular", low = 0.1, mode = 0.2, high = 0.5 }\n'
        '"demand.inference_scale" = { distribution = "normal", mean = 1.0, sd = 0.5, low = 0.0 }\n'
    )
    a, b = load_sweep(_write(tmp_path, body)), load_sweep(_write(tmp_path, body))
    assert [p.overrides for p in a.points] == [p.overrides for p in b.points]
    prices = [p.scenario.costs.power_price_multiplier for p in a.points]
    assert all(0.8 <= x <= 1.2 for x in prices) and len(set(prices)) == 20
    assert all(p.scenario.demand.inference_scale >= 0 for p in a.points)
    other = load_sweep(_write(tmp_path, body.replace("seed = 3", "seed = 4")))
    assert [p.key for p in other.points] != [p.key for p in a.points]


def test_integer_and_choice_draws(tmp_path) -> None:
    body = (
        'name = "m"\nbase = "2023-2025-simulate"\n'
        "[monte_carlo]\ndraws = 200\nseed = 5\n[monte_carlo.parameters]\n"
        '"simulate.seed" = { distribution = "integer", low = 3, high = 6 }\n'
        '"horizon.use" = { distribution = "choice", values = ["low", "central", "high"] }\n'
    )
    path = _write(tmp_path, body)
    draws = [p.overrides for p in load_sweep(path).points]
    assert draws == [p.overrides for p in load_sweep(path).points]
    seeds = [d["simulate.seed"] for d in draws]
    assert all(type(s) is int for s in seeds) and set(seeds) == {3, 4, 5, 6}  # both ends
    assert {d["horizon.use"] for d in draws} == {"low", "central", "high"}


def test_futures_sweep_draws_the_use_variant_and_the_investors_order() -> None:
    """The shipped futures: 100 distinct simulations of 2023-2025-simulate, decentralised only."""
    sweep = load_sweep("futures-2023-2025")
    assert len(sweep.points) == 100 and len({p.key for p in sweep.points}) == 100
    assert {p.overrides["horizon.use"] for p in sweep.points} == {"low", "central", "high"}
    assert len({p.scenario.simulate.seed for p in sweep.points}) == 100
    assert all(p.scenario.simulate.compare is False for p in sweep.points)
    assert all(p.scenario.horizon.use == p.overrides["horizon.use"] for p in sweep.points)


def test_grid_times_draws(tmp_path) -> None:
    body = (
        'name = "gm"\n[grid]\n"demand.inference_sla_ms" = [8.0, 12.0]\n'
        "[monte_carlo]\ndraws = 3\nseed = 1\n[monte_carlo.parameters]\n"
        '"costs.power_price_multiplier" = { distribution = "uniform", low = 0.9, high = 1.1 }\n'
    )
    assert len(load_sweep(_write(tmp_path, body)).points) == 6


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[grid]\n"demand.training_mw" = [1.0]\n', r"field 'name': expected a name"),
        (
            'name = "x"\n[grid]\n"demand.training_mw" = []\n',
            r"\[grid\]: field 'demand.training_mw': expected a non-empty list",
        ),
        (
            'name = "x"\n[grid]\n"demand.trainng_mw" = [1.0]\n',
            r"\[demand\]: field 'trainng_mw': unknown key",
        ),
        (
            'name = "x"\n[grid]\n"demand.training_mw" = [-1.0]\n',
            r"field 'training_mw': input should be greater than or equal to 0",
        ),
        (
            'name = "x"\n[monte_carlo]\ndraws = 0\nseed = 1\n',
            r"field 'draws': expected an integer from 1 to",
        ),
        (
            'name = "x"\n[monte_carlo]\ndraws = 2\nseed = 1\n[monte_carlo.parameters]\n'
            '"costs.carbon_cny_per_t" = { distribution = "beta" }\n',
            r'parameters."costs.carbon_cny_per_t"\]: field \'distribution\': expected \{ '
            r"distribution = one of uniform.*got 'beta'",
        ),
        ('name = "x"\n', r"expected a \[grid\] or \[monte_carlo\] table"),
        (
            'name = "x"\nbase = "nope"\n[grid]\n"demand.training_mw" = [1.0]\n',
            r"s.toml: top level: field 'base': no scenario 'nope'",
        ),
    ],
)
def test_bad_sweeps(tmp_path, body: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_sweep(_write(tmp_path, body))


_MC = 'name = "x"\n[monte_carlo]\ndraws = 2\nseed = 1\n[monte_carlo.parameters]\n"{key}" = {dist}\n'


@pytest.mark.parametrize(
    ("dist", "message"),
    [
        ('{ distribution = "normal", mean = 1.0, sd = -0.2 }', r"field 'sd': .*≥ 0, got -0.2"),
        ('{ distribution = "choice", values = [] }', r"field 'values': expected a non-empty"),
        (
            '{ distribution = "triangular", low = 0.1, mode = 0.9, high = 0.5 }',
            r"field 'mode': expected a mode from low \(0.1\) to high \(0.5\), got 0.9",
        ),
        (
            '{ distribution = "uniform", low = 2.0, high = 1.0 }',
            r"field 'low': low \(2\) is above high \(1\)",
        ),
        (
            '{ distribution = "uniform", low = "a", high = 1.0 }',
            r"field 'low': expected a finite number, got str 'a'",
        ),
        (
            '{ distribution = "uniform", low = 0.0, high = inf }',
            r"field 'high': expected a finite number, got float inf",
        ),
        ('{ distribution = "uniform", low = 0.0 }', r"field 'high': uniform: missing"),
        (
            '{ distribution = "uniform", low = 0.0, high = 1.0, sd = 3 }',
            r"field 'sd': unknown key for a uniform distribution",
        ),
        (
            '{ distribution = "integer", low = 0, high = 1.5 }',
            r"field 'high': expected a whole number, got float 1.5",
        ),
        ('{ distribution = "gamma" }', r"field 'distribution': .*got 'gamma'"),
        ("3.0", r"field 'distribution': .*got 3.0"),
    ],
)
def test_bad_distributions_name_file_key_and_parameter(tmp_path, dist, message) -> None:
    body = _MC.format(key="costs.power_price_multiplier", dist=dist)
    with pytest.raises(InputError, match=r"s.toml: \[monte_carlo.parameters.\"costs.power_pr"):
        load_sweep(_write(tmp_path, body))
    with pytest.raises(InputError, match=message):
        load_sweep(_write(tmp_path, body))


def test_use_sweep_runs_the_as_built_scenario_under_each_use_variant() -> None:
    """The shipped uncertainty sweep: 2023-2025-as-built under the low, central, high use."""
    import tomllib

    from siting import settings
    from siting.scenario import Scenario

    raw = tomllib.loads((settings.sweep_dir / "use-2023-2025.toml").read_text())
    assert raw["base"] == "2023-2025-as-built"
    assert raw["grid"] == {"horizon.use": ["low", "central", "high"]}  # central in the middle
    horizon = Scenario.model_fields["horizon"].annotation.__args__[0]
    if "use" not in horizon.model_fields:
        pytest.skip("[horizon] use comes with the use series (helper `use`)")
    sweep = load_sweep("use-2023-2025")
    assert [p.scenario.horizon.use for p in sweep.points] == ["low", "central", "high"]
