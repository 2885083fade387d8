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


def _horizon(tmp_path, body: str) -> str:
    path = tmp_path / "h.toml"
    path.write_text(f'extends = "2023-2030"\nname = "h"\n[horizon]\n{body}\n')
    return str(path)


@pytest.mark.parametrize("year", [1900, -5, 2021])
def test_existing_until_before_the_vintages_is_refused(tmp_path, year) -> None:
    """It used to drop every existing MW without a word."""
    with pytest.raises(InputError) as err:
        load_scenario(_horizon(tmp_path, f"existing_until = {year}"))
    message = str(err.value)
    assert "field 'existing_until'" in message and "from 2022" in message and "to 2030" in message
    assert "every existing MW" in message


def test_existing_until_within_the_range_is_accepted(tmp_path) -> None:
    spec, _ = load_scenario(_horizon(tmp_path, "existing_until = 2022"))
    assert spec.horizon is not None and spec.horizon.existing_until == 2022


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("class_rent_cny_per_mw_year = { domestic = -1.0 }", "'domestic'"),
        ("class_rent_cny_per_mw_year = { domestic = 1e300 }", "'domestic'"),
        ("standby_cny_per_mw_year = 1e300", "standby_cny_per_mw_year"),
        ("unmet_penalty = 1e300", "unmet_penalty"),
    ],
)
def test_negative_or_absurd_horizon_money_is_refused(tmp_path, body, field) -> None:
    with pytest.raises(InputError, match=field):
        load_scenario(_horizon(tmp_path, body))


@pytest.mark.parametrize(
    ("table", "body", "field"),
    [
        ("policy", "size_limit_mw = 1e300", "size_limit_mw"),
        ("policy", "voucher_contract_cny_per_mw_year = 1e300", "voucher_contract"),
        ("policy", "green_supply_gwh = { Gansu = -1.0 }", "Gansu"),
        ("redundancy", "min_sites = 10000000", "min_sites"),
        ("classes.a", "sla_ms = 1e300\nutilisation = 0.5\nstaff_per_mw = 1.0", "sla_ms"),
        ("classes.a", "sla_ms = 5.0\nutilisation = 0.5\nstaff_per_mw = 1e300", "staff_per_mw"),
    ],
)
def test_scenario_numbers_without_a_bound_are_bounded(table, body, field) -> None:
    raw = _raw()
    raw[table.split(".")[0]] = {"a": {}} if "." in table else {}
    target = raw[table.split(".")[0]]["a"] if "." in table else raw[table]
    import tomllib

    target.update(tomllib.loads(body))
    with pytest.raises(InputError, match=field):
        parse_scenario(raw)


@pytest.mark.parametrize(
    ("table", "typo", "right"),
    [
        ("demand", "inference_sla", "inference_sla_ms"),
        ("costs", "discount", "discount_rate"),
        ("latency", "Layer", "layer"),
        ("policy", "size_limit_mv", "size_limit_mw"),
    ],
)
def test_a_mistyped_key_gets_a_suggestion(table, typo, right) -> None:
    raw = _raw()
    raw.setdefault(table, {})[typo] = 1
    with pytest.raises(InputError) as err:
        parse_scenario(raw)
    assert f"field '{typo}': unknown key (did you mean '{right}'?)" in str(err.value)


def test_a_mistyped_key_in_a_class_gets_a_suggestion() -> None:
    raw = _raw()
    raw["classes"] = {"a": {"sla_msx": 3, "utilisation": 0.5, "staff_per_mw": 1.0}}
    with pytest.raises(InputError, match=r"'sla_msx': unknown key \(did you mean 'sla_ms'\?\)"):
        parse_scenario(raw)


@pytest.mark.parametrize("name", ["defualt", "Default", "DEFAULT", "defaul"])
def test_a_mistyped_scenario_name_gets_a_suggestion(name) -> None:
    with pytest.raises(InputError, match=r"did you mean 'default'\?"):
        load_scenario(name)


def test_a_mistyped_parent_gets_a_suggestion(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('extends = "2023-planer"\nname = "s"\n')
    with pytest.raises(InputError, match=r"extends.*did you mean '2023-planner'\?"):
        load_scenario(path)


def test_a_pattern_is_quoted_as_written() -> None:
    """The pattern of names used to print lower-cased, as '^[a-za-z0-9]...'."""
    raw = _raw()
    raw["name"] = "a b"
    with pytest.raises(InputError) as err:
        parse_scenario(raw)
    assert "^[A-Za-z0-9][A-Za-z0-9_.-]*$" in str(err.value)
    assert "string should match pattern" in str(err.value)


def test_an_empty_table_clears_the_parents(tmp_path) -> None:
    """``classes = {}`` drops the default's classes; an empty hub_sla_ms drops a parent's."""
    (tmp_path / "base.toml").write_text(
        'extends = "default"\nname = "base"\n[demand]\nhub_sla_ms = { shanghai = 8.0 }\n'
    )
    (tmp_path / "child.toml").write_text(
        'extends = "base.toml"\nname = "child"\nclasses = {}\n[demand]\nhub_sla_ms = {}\n'
    )
    base, _ = load_scenario(tmp_path / "base.toml")
    child, _ = load_scenario(tmp_path / "child.toml")
    assert list(base.classes.root) == ["realtime", "interactive", "batch"]
    assert base.demand.hub_sla_ms == {"shanghai": 8.0}
    assert child.classes.root == {} and child.demand.hub_sla_ms == {}
