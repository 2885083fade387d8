from __future__ import annotations

import re

import pytest

from siting.errors import InputError
from siting.scenario import load_scenario, parse_scenario


def _raw() -> dict:
    import tomllib

    from siting.scenario import default_scenario_path

    return tomllib.loads(default_scenario_path().read_text())


def test_default_loads_and_resolves_shipped_data() -> None:
    scenario, paths = load_scenario()
    assert scenario.name == "default"
    assert paths.sites.name == "sites.csv" and paths.sites.exists()


def test_shipped_name_resolves() -> None:
    assert load_scenario("default")[0].name == "default"


def test_hash_is_stable_and_sensitive() -> None:
    a, b = parse_scenario(_raw()), parse_scenario(_raw())
    assert a.content_hash() == b.content_hash()
    raw = _raw()
    raw["demand"]["training_mw"] += 1
    assert parse_scenario(raw).content_hash() != a.content_hash()
    reordered = dict(reversed(list(_raw().items())))
    assert parse_scenario(reordered).content_hash() == a.content_hash()


def test_round_trip_through_dict() -> None:
    a = parse_scenario(_raw())
    assert parse_scenario(a.to_dict()) == a


def test_unknown_key_is_named() -> None:
    raw = _raw()
    raw["demand"]["trainng_mw"] = 5
    with pytest.raises(InputError, match=r"x.toml: \[demand\]: field 'trainng_mw': unknown key"):
        parse_scenario(raw, source="x.toml")


def test_bad_value_is_named() -> None:
    raw = _raw()
    raw["inference"]["utilisation"] = 1.5
    with pytest.raises(
        InputError, match=r"\[inference\]: field 'utilisation': .*less than or equal to 1"
    ):
        parse_scenario(raw)


def test_missing_key_is_named() -> None:
    raw = _raw()
    del raw["costs"]["capex_cny_per_mw"]
    with pytest.raises(InputError, match=r"\[costs\]: field 'capex_cny_per_mw': missing"):
        parse_scenario(raw)


def test_unparseable_toml(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[demand\ntraining_mw = 1\n")
    with pytest.raises(InputError, match=r"bad.toml: not valid TOML: .*line 2"):
        load_scenario(bad)


def test_missing_file_lists_shipped(tmp_path) -> None:
    with pytest.raises(
        InputError,
        match=r"nope.toml: no such file; expected a scenario TOML file or a shipped .*default",
    ):
        load_scenario(tmp_path / "nope.toml")


def test_hash_is_the_same_on_every_machine() -> None:
    """A fixed scenario hashes to a fixed value: canonical JSON (sorted keys, shortest float
    repr, defaults filled) of the validated model, without [data]. If this changes, every
    stored sweep record would be recomputed: change it only on purpose."""
    raw = {
        "name": "fixed",
        "demand": {"training_mw": 500.0, "inference_sla_ms": 10.0},
        "training": {"min_cluster_mw": 50.0, "utilisation": 0.85, "staff_per_mw": 0.5},
        "inference": {"utilisation": 0.6, "staff_per_mw": 1.0},
        "costs": {
            "discount_rate": 0.08,
            "lifetime_years": 15.0,
            "capex_cny_per_mw": 3e7,
            "site_development_cny": 3e8,
            "site_fixed_cny_per_year": 2e7,
            "network_cny_per_mw_km_year": 1000.0,
        },
        "latency": {"fibre_km_per_ms": 200.0},
        "data": {"sites": "/anywhere/sites.csv"},
    }
    expected = "c9b97825d15cb1e37d6c77b13e2903668d2fd003b9cb891adc0e77a1973f9357"
    assert parse_scenario(raw).content_hash() == expected


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("demand", "inference_sla_ms", "inf", r"expected a finite number, got inf"),
        ("training", "staff_per_mw", "nan", r"expected a finite number, got nan"),
        ("costs", "capex_cny_per_mw", "1e300", r"less than or equal to 1000000000000"),
        ("training", "min_cluster_mw", "true", r"expected a number, got bool True"),
        ("costs", "discount_rate", '"0.08"', r"expected a number, got str '0.08'"),
        ("latency", "fibre_km_per_ms", "400.0", r"less than or equal to 299.79"),
        ("demand.hub_sla_ms", "beijing", "inf", r"expected a finite number"),
        ("data", "sites", '""', r"field 'sites': empty"),
    ],
)
def test_non_finite_absurd_and_mistyped_values(tmp_path, section, key, value, message) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "default"\nname = "s"\n[{section}]\n{key} = {value}\n')
    with pytest.raises(InputError, match=rf"s.toml: \[{section}\]: field '{key}'"):
        load_scenario(path)
    with pytest.raises(InputError, match=message):
        load_scenario(path)


def test_integers_are_numbers() -> None:
    raw = _raw()
    raw["demand"]["training_mw"] = 600
    assert parse_scenario(raw).demand.training_mw == 600.0


def test_problem_in_a_parent_is_reported_on_the_parent(tmp_path) -> None:
    (tmp_path / "parent.toml").write_text(
        'extends = "default"\nname = "parent"\n[latency]\nspeed = 3\n'
        "[costs]\ncarbon_cny_per_t = -1\n"
    )
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\nname = "child"\n')
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "child.toml")
    text = str(info.value)
    assert re.search(r"parent.toml: \[latency\]: field 'speed': unknown key", text), text
    assert re.search(r"parent.toml: \[costs\]: field 'carbon_cny_per_t'", text), text
    assert "child.toml" not in text


def test_byte_order_mark_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'extends = "default"\nname = "bom"\n')
    assert load_scenario(path)[0].name == "bom"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('extends = "default"\nname = "x"\n'.encode("utf-16"), r"UTF-16 text; expected .*UTF-8"),
        (b'name = "caf\xe9"\n', r"line 1: byte 0xe9 is not UTF-8"),
    ],
)
def test_encodings_are_named(tmp_path, data, message) -> None:
    path = tmp_path / "enc.toml"
    path.write_bytes(data)
    with pytest.raises(InputError, match=rf"enc.toml: {message}"):
        load_scenario(path)


def test_missing_data_file_is_reported_on_the_scenario(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('extends = "default"\nname = "s"\n[data]\nhubs = "nowhere.csv"\n')
    with pytest.raises(
        InputError, match=r"s.toml: \[data\]: field 'hubs': no such file: .*nowhere.csv"
    ):
        load_scenario(path)


def test_unknown_parent_is_named(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('extends = "nope"\nname = "s"\n')
    with pytest.raises(InputError, match=r"s.toml: top level: field 'extends': no scenario 'nope'"):
        load_scenario(path)


@pytest.mark.parametrize("name", [".", "..", ".hidden", "-x", "a/b", ""])
def test_a_scenario_name_is_a_plain_folder_name(name: str) -> None:
    raw = {**load_scenario("default")[0].to_dict(), "name": name}
    with pytest.raises(InputError, match="name"):
        parse_scenario(raw, source="x.toml")
