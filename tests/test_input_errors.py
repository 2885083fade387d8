"""The API and the command line raise siting's own errors, with a "did you mean" where a name
was mistyped; real ids may not take the rest-of-China pseudo ids."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pandas as pd
import pytest

from siting.errors import InputError, did_you_mean

from .conftest import DATA


def _plan_run():
    from siting.horizon_run import HorizonRun

    horizon = SimpleNamespace(years=[2023, 2024, 2025])
    return HorizonRun(scenario=None, horizon=horizon, solution=None, schedule=None, summary={})


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"year": 2031}, "year"), ({"tiles": "satellite"}, "tiles")]
)
def test_plan_run_map_raises_an_input_error(kwargs, field) -> None:
    """Both used to raise a bare ValueError from the map module."""
    with pytest.raises(InputError) as err:
        _plan_run().map(**kwargs)
    assert f"field '{field}'" in str(err.value)
    assert "2031" in str(err.value) or "'satellite'" in str(err.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        ("figure_id\nx\n".encode("utf-16"), "UTF-16"),
        ("figure_id,figure\ncafé,x\n".encode("latin-1"), "not UTF-8"),
        (b'figure_id,figure\n"x,y\n', "not a readable CSV"),
        (b"figure_id,figure\nx,y\n", "missing column"),
    ],
)
def test_read_measurements_raises_an_input_error(tmp_path, data, words) -> None:
    """It used to raise EmptyDataError, UnicodeDecodeError or ParserError."""
    from siting.calibration import read_measurements

    path = tmp_path / "m.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_measurements(path, {})
    assert str(path) in str(err.value) and words in str(err.value)


@pytest.mark.parametrize(("name", "key"), [("sites.csv", "site_id"), ("hubs.csv", "hub_id")])
def test_a_real_id_that_is_a_pseudo_id_is_refused(tmp_path, name, key) -> None:
    """A real site 'rest_hebei' used to be merged with the pseudo-site of that name."""
    from siting.pipeline import load_inputs
    from siting.scenario import load_scenario

    frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    extra = frame.iloc[[0]].assign(**{key: "rest_hebei"})
    pd.concat([frame, extra]).to_csv(tmp_path / name, index=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'extends = "default"\nname = "s"\n[data]\n{name.removesuffix(".csv")} = "{name}"\n'
        '[demand]\nrest_of_china = "serve"\n'
    )
    _, paths = load_scenario(scenario)
    with pytest.raises(InputError) as err:
        load_inputs(paths, "great_circle", "serve")
    message = str(err.value)
    assert name in message and f"line {len(frame) + 2} ({key} 'rest_hebei')" in message
    assert f"field '{key}'" in message and "'rest_'" in message


def test_pseudo_ids_are_free_when_rest_of_china_is_omitted(tmp_path) -> None:
    from siting.pipeline import load_inputs
    from siting.scenario import load_scenario

    frame = pd.read_csv(DATA / "sites.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "site_id"] = "rest_hebei"
    frame.to_csv(tmp_path / "sites.csv", index=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text('extends = "default"\nname = "s"\n[data]\nsites = "sites.csv"\n')
    _, paths = load_scenario(scenario)
    assert "rest_hebei" in set(load_inputs(paths, "great_circle").layers.sites["site_id"])


# --- did you mean ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("defualt", ["default", "county"], " (did you mean 'default'?)"),
        ("Default", ["default", "county"], " (did you mean 'default'?)"),
        ("zzz", ["default", "county"], ""),
        ("bejing", ["beijing", "nanjing", "bengbu"], " (did you mean 'beijing' or 'bengbu'?)"),
    ],
)
def test_did_you_mean(word, choices, hint) -> None:
    assert did_you_mean(word, choices, n=2) == hint


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["optimise"], "invalid choice: 'optimise'"),
        (["optimise"], "(did you mean 'optimize'?)"),
        (["Plan"], "(did you mean 'plan'?)"),
        (["optimize", "--time-limt", "5"], "unrecognized arguments: --time-limt"),
        (["optimize", "--time-limt=5"], "(did you mean '--time-limit'?)"),
        (["plan", "--foresigt", "myopic"], "(did you mean '--foresight'?)"),
        (["optimize", "--solver", "HiGHS"], "(did you mean 'highs'?)"),
        (["tradeoff", "--param", "demand.inference_sla_ms", "--values", "4,six"], "'six'"),
    ],
)
def test_the_command_line_suggests(capsys, argv, words) -> None:
    from siting.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "error:" in line]) == 1


def test_mixed_values_blame_the_name() -> None:
    """'4,six' used to be read as two names and blamed '4'."""
    from siting.cli.arguments import values

    with pytest.raises(argparse.ArgumentTypeError, match=r"'six' is not a number"):
        values("4,six")
    assert values("optical,ip") == ["optical", "ip"]
    assert values("4,6") == [4, 6]


@pytest.mark.parametrize("name", ["defualt", "Default"])
def test_a_mistyped_scenario_on_the_command_line(capsys, name) -> None:
    from siting.cli import main

    assert main(["validate", name]) == 2
    assert "did you mean 'default'?" in capsys.readouterr().err


def test_the_parser_keeps_the_exit_status_of_argparse() -> None:
    from siting.cli.parser import build_parser

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["optimize", "--nope"])
    assert exit_.value.code == 2
