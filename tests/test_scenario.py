from __future__ import annotations

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
    with pytest.raises(InputError, match=r"nope.toml: no such file \(shipped scenarios: .*default"):
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
