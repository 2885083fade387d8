"""A corpus of generated malformed inputs for every input path of the CLI and the Python API.

Each case is built by a deterministic generator (a seeded ``random.Random``) from the shipped
scenario and data: scenario TOML files, sites/hubs/province CSVs, GeoJSON provinces, backbone
CSVs, the policy tables (through ``optimize`` with every policy family on) and the time tables
(through ``plan``) of the data folder, ``[horizon]`` keys, sweep files, command-line arguments of
every command (``plan`` and ``classic`` included, and mistyped names that must get a "did you
mean"), odd encodings (byte-order marks,
Latin-1, UTF-16, NUL bytes), extreme numbers (inf, nan, 1e308, -0, huge integers), empty and
header-only files and wrong types. Every case must end in exit status 2, with no traceback,
a message naming the file (or argument) and the field, and nothing written to the output
folders; the command-line cases must also stop before any data loads (the argument and
scenario cases) and before any solve starts (all cases).

Most cases run in-process through :func:`siting.cli.main`; a few through a subprocess; a
subset also through the Python API (``load_scenario``, the ``read_*`` functions,
``load_sweep``). ``test_corpus_size`` prints the corpus size (shown with ``pytest -rA`` or
``-s``).
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from siting.errors import InputError

from .conftest import DATA, REPO
from .test_layers import set_cell

SEED = 8
SWEEPS = REPO / "sweeps"


@dataclass(frozen=True)
class Case:
    """One malformed input.

    Attributes
    ----------
    id
        Test id.
    argv
        Command-line arguments; ``{d}`` stands for the case's folder.
    files
        Files to write into the case's folder first: name -> bytes.
    source
        Text the message must contain to name the file or argument (``{d}``-free).
    field
        Text the message must contain to name the field, or ``None`` when the problem is the
        whole file (unreadable, empty, wrong encoding).
    stage
        How far the command may get: ``"args"`` (no scenario or data read), ``"data"``
        (data may load; no solve).
    api
        A Python API call to check too: ``(function name, file name)``, or ``None``.
    data
        Files of the data folder (``settings.data_dir``) to replace: name -> bytes; the rest
        are the shipped files.
    """

    id: str
    argv: tuple[str, ...]
    files: dict[str, bytes] = field(default_factory=dict)
    source: str = ""
    field: str | None = None
    stage: str = "args"
    api: tuple[str, str] | None = None
    data: dict[str, bytes] = dataclasses.field(default_factory=dict)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, repr(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def _opt(scenario: str = "{d}/s.toml") -> tuple[str, ...]:
    return ("optimize", scenario, "--out", "{d}/out", "--maps", "{d}/maps")


# --- scenario files --------------------------------------------------------------------------

NUMBER_KEYS = {
    "demand": [
        "training_mw",
        "training_share",
        "inference_scale",
        "inference_sla_ms",
        "max_site_share",
        "max_sites_per_hub",
    ],
    "training": ["min_cluster_mw", "utilisation", "staff_per_mw"],
    "inference": ["utilisation", "staff_per_mw"],
    "costs": [
        "discount_rate",
        "lifetime_years",
        "capex_cny_per_mw",
        "site_development_cny",
        "site_fixed_cny_per_year",
        "network_cny_per_mw_km_year",
        "it_capex_cny_per_mw",
        "it_lifetime_years",
        "carbon_cny_per_t",
        "power_price_multiplier",
    ],
    "latency": [
        "route_factor",
        "fibre_km_per_ms",
        "equipment_delay_ms",
        "hop_delay_ms",
        "access_factor",
    ],
    "objective": ["training_rent_cny_per_mw_year", "inference_rent_cny_per_mw_year"],
}
#: Values no number key accepts: non-finite, beyond every bound, negative, wrong types.
BAD_NUMBERS = [
    float("inf"),
    float("-inf"),
    float("nan"),
    1e308,
    -1e308,
    "12",
    True,
    [1.0],
    {"x": 1.0},
    -(2**63),
]


def _scenario(body: str) -> dict[str, bytes]:
    return {"s.toml": f'extends = "default"\nname = "fz"\n{body}'.encode()}


def scenario_cases(rng: random.Random) -> list[Case]:
    cases = []
    for table, keys in NUMBER_KEYS.items():
        for key in keys:
            for value in rng.sample(BAD_NUMBERS, 5):
                files = _scenario(f"[{table}]\n{key} = {_toml_value(value)}\n")
                cases.append(
                    Case(f"scenario-{table}.{key}={value!r}", _opt(), files, "s.toml", key)
                )
    for table in [*NUMBER_KEYS, "data"]:
        files = _scenario(f"[{table}]\n{table}_nonsense = 1\n")
        cases.append(Case(f"scenario-unknown-in-{table}", _opt(), files, "s.toml", "nonsense"))
        files = {"s.toml": f'extends = "default"\nname = "fz"\n{table} = 5\n'.encode()}
        cases.append(Case(f"scenario-{table}-not-a-table", _opt(), files, "s.toml", table))
    for key in ("latency.model", "objective.kind"):
        table, name = key.split(".")
        files = _scenario(f'[{table}]\n{name} = "{rng.choice(["warp", "", "COST", "1"])}"\n')
        cases.append(Case(f"scenario-{key}-choice", _opt(), files, "s.toml", name))
    for i, name in enumerate(['"a b"', '""', '"../up"', "3", '"x\\u0000y"', '"名字"']):
        files = _scenario(f"name = {name}\n")
        files["s.toml"] = files["s.toml"].replace(b'name = "fz"\n', b"")
        cases.append(Case(f"scenario-name-{i}", _opt(), files, "s.toml", "name"))
    for i, (parent, fld) in enumerate(
        [('"nope"', "extends"), ("3", "extends"), ('"s.toml"', "extends"), ('""', "extends")]
    ):
        files = {"s.toml": f'extends = {parent}\nname = "fz"\n'.encode()}
        cases.append(Case(f"scenario-extends-{i}", _opt(), files, "s.toml", fld))
    files = {"s.toml": b'extends = "p.toml"\nname = "fz"\n', "p.toml": b'extends = "s.toml"\n'}
    files["p.toml"] += b'name = "p"\n'
    cases.append(Case("scenario-extends-loop", _opt(), files, "s.toml", "extends"))
    parent = b'extends = "default"\nname = "p"\n[costs]\ncarbon_cny_per_t = -5.0\n'
    files = {"s.toml": b'extends = "p.toml"\nname = "fz"\n', "p.toml": parent}
    cases.append(Case("scenario-bad-value-in-parent", _opt(), files, "p.toml", "carbon"))
    for key in ("sites", "hubs", "provinces", "backbone_edges"):
        for i, value in enumerate(['""', '"missing.csv"', '"."', '"a\\u0000b"']):
            files = _scenario(f"[data]\n{key} = {value}\n")
            cases.append(Case(f"scenario-data-{key}-{i}", _opt(), files, "s.toml", key))
    files = _scenario("[demand]\nhub_sla_ms = { beijing = 0.0 }\n")
    cases.append(Case("scenario-hub-sla-zero", _opt(), files, "s.toml", "beijing"))
    files = _scenario("[demand]\nhub_sla_ms = { beijing = nan }\n")
    cases.append(Case("scenario-hub-sla-nan", _opt(), files, "s.toml", "beijing"))
    full = (REPO / "siting" / "scenarios" / "default.toml").read_text(encoding="utf-8")
    for key in ("inference_sla_ms", "min_cluster_mw", "discount_rate", "fibre_km_per_ms"):
        text = re.sub(rf"(?m)^{key} = .*\n", "", full, count=1).replace('"default"', '"fz"')
        cases.append(
            Case(f"scenario-missing-{key}", _opt(), {"s.toml": text.encode()}, "s.toml", key)
        )
    syntax = {
        "unterminated": b'extends = "default\nname = "fz"\n',
        "duplicate-key": b'extends = "default"\nname = "fz"\nname = "fy"\n',
        "bad-table": b'extends = "default"\nname = "fz"\n[demand\n',
        "bare-value": b"= 3\n",
        "huge-int": b'extends = "default"\nname = "fz"\n[demand]\ntraining_mw = 1' + b"0" * 30,
    }
    for name, data in syntax.items():
        cases.append(Case(f"scenario-toml-{name}", _opt(), {"s.toml": data}, "s.toml"))
    text = 'extends = "default"\nname = "fz"\n'
    encodings = {
        "utf16": text.encode("utf-16"),
        "utf16-be-no-bom": text.encode("utf-16-be"),
        "latin1": (text + 'description = "café"\n').encode("latin-1"),
        "nul": text.encode() + b"\x00",
        "binary": bytes(rng.randrange(256) for _ in range(64)),
        "bom-utf16": b"\xef\xbb\xbf" + text.encode("utf-16"),
    }
    for name, data in encodings.items():
        cases.append(Case(f"scenario-encoding-{name}", _opt(), {"s.toml": data}, "s.toml"))
    cases.append(Case("scenario-empty-file", _opt(), {"s.toml": b""}, "s.toml", "name"))
    cases.append(Case("scenario-missing-file", _opt("{d}/none.toml"), {}, "none.toml"))
    cases.append(
        Case("scenario-is-a-folder", _opt("{d}/dir.toml"), {"dir.toml/x": b""}, "dir.toml")
    )
    return cases


#: Bad values of the classic-model keys of ``[objective]``, each with the field it must name.
OBJECTIVE_BAD = {
    "sites": [0, -1, 2.5, '"3"', True, [2], float("inf"), float("nan"), -(2**63)],
    "sites_rule": ['"most"', '""', '"EXACTLY"', "1", "true"],
    "coverage_rtt_ms": [0.0, -1.0, float("inf"), float("nan"), '"5"', True, 1e308],
    "kind": ["3", "[1]", '"p_center"', '"P-MEDIAN"', '"lscp "', "true"],
}


def objective_cases(rng: random.Random) -> list[Case]:
    """Malformed ``[objective]`` keys of the classic location models (kind, sites, radius)."""
    cases = []
    for key, values in OBJECTIVE_BAD.items():
        for value in values:
            shown = value if isinstance(value, str) else _toml_value(value)
            kind = "" if key == "kind" else f'kind = "{rng.choice(["p-median", "mclp"])}"\n'
            sites = "" if key == "sites" else "sites = 3\n"
            files = _scenario(f"[objective]\n{kind}{sites}{key} = {shown}\n")
            cases.append(Case(f"scenario-objective.{key}={shown}", _opt(), files, "s.toml", key))
    for kind in ("p-median", "p-center", "mclp"):  # p required
        files = _scenario(f'[objective]\nkind = "{kind}"\n')
        cases.append(Case(f"scenario-objective-{kind}-no-sites", _opt(), files, "s.toml", "sites"))
    # valid alone, rejected once the instance is known: no solve may start
    for key, body in {
        "sites": 'kind = "p-center"\nsites = 100000\n',
        "coverage_rtt_ms": 'kind = "lscp"\ncoverage_rtt_ms = 1e-6\n',
    }.items():
        files = _scenario(f"[objective]\n{body}")
        case_id = f"scenario-objective-{key}-beyond-the-instance"
        cases.append(Case(case_id, _opt(), files, "s.toml", key, "data"))
    return cases


# --- data files ------------------------------------------------------------------------------

CSV_FILES = {
    "sites.csv": ("sites", "read_sites"),
    "hubs.csv": ("hubs", "read_hubs"),
    "provinces.csv": ("province_attributes", "read_province_attributes"),
    "backbone_nodes.csv": ("backbone_nodes", None),
    "backbone_edges.csv": ("backbone_edges", None),
}
#: Bad values by column; each is rejected by that column's check.
CSV_BAD = {
    "sites.csv": {
        "grid_headroom_mw": ["inf", "nan", "-1", "lots", "", "1e999", "1e300"],
        "existing_mw": ["-0.5", "NaN", "", "1,000"],
        "tariff_cny_kwh": ["0", "-0.3", "inf", "cheap"],
        "lon": ["1e308", "inf", "", "-0", "181"],
        "lat": ["91", "nan", "", "-1e308"],
        "site_id": [""],
        "province": ["Atlantis", "", "hebei "],
        "headroom_confidence": ["sure", "OFFICIAL"],
    },
    "hubs.csv": {
        "inference_mw": ["-1", "nan", "", "inf", "x", "1e309", "1e300", "2e6"],
        "lon": ["0", "inf", "a"],
        "lat": ["-0", "1e308", ""],
        "hub_id": [""],
        "province": ["Narnia", ""],
        "demand_confidence": ["maybe"],
    },
    "provinces.csv": {
        "power_price_cny_kwh": ["0", "-1", "inf", "", "free"],
        "pue": ["0.5", "nan", "", "1e300"],
        "grid_co2_kg_kwh": ["-1", "inf"],
        "staff_available_fte": ["-5", "many"],
        "wage_cny_year": ["-1", "1e999"],
        "name_en": ["Gondor"],
        "pue_confidence": ["", "guess"],
    },
    "backbone_nodes.csv": {
        "lon": ["inf", "", "200", "x"],
        "lat": ["nan", "-91"],
        "node_id": [""],
    },
    "backbone_edges.csv": {
        "route_km": ["0", "-5", "inf", "nan", "", "1", "1e300"],
        "u": ["", "atlantis"],
        "v": ["nowhere"],
        "confidence": ["high"],
    },
}


#: Columns a file may leave out.
OPTIONAL_COLUMNS = {"tariff_cny_kwh", "headroom_confidence", "demand_confidence"}


def _drop_column(text: str, column: str) -> str:
    import io

    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return frame.drop(columns=column).to_csv(index=False, lineterminator="\n")


def _data_scenario() -> bytes:
    lines = ['extends = "default"', 'name = "fz"', "[data]", 'provinces = "{provinces}"']
    lines += [f'{key} = "{name}"' for name, (key, _) in CSV_FILES.items()]
    return ("\n".join(lines) + "\n").encode()


def csv_cases(rng: random.Random) -> list[Case]:
    cases = []
    for name, columns in CSV_BAD.items():
        text = (DATA / name).read_text(encoding="utf-8")
        n_rows = len(text.splitlines()) - 1
        reader = CSV_FILES[name][1]
        for column, values in columns.items():
            for value in values:
                row = rng.randrange(n_rows)
                files = {
                    "s.toml": _data_scenario(),
                    name: set_cell(text, row, column, value).encode(),
                }
                # the province checks join two files: only load_layers sees them
                alone = column not in ("province", "name_en")
                api = (reader, name) if reader and alone and rng.random() < 0.3 else None
                case_id = f"csv-{name}-{column}={value!r}"
                cases.append(Case(case_id, _opt(), files, name, column, "data", api))
        header, first = text.splitlines()[:2]
        key = header.split(",")[0]
        whole = {
            "header-only": (header + "\n").encode(),
            "empty": b"",
            "blank-lines": b"\n\n\n",
            "utf16": text.encode("utf-16"),
            "latin1": text.encode() + "é,é\n".encode("latin-1"),
            "nul": text.encode().replace(b"\n", b"\n\x00", 1),
            "ragged": (
                text + first + ",extra,cells,here,and,more,and,more,and,more,x,y,z,w\n"
            ).encode(),
            "unclosed-quote": (text + '"' + first + "\n").encode(),
        }
        for kind, data in whole.items():
            files = {"s.toml": _data_scenario(), name: data}
            api = (reader, name) if reader else None
            cases.append(Case(f"csv-{name}-{kind}", _opt(), files, name, None, "data", api))
        missing = rng.choice([c for c in columns if c not in OPTIONAL_COLUMNS])
        files = {"s.toml": _data_scenario(), name: _drop_column(text, missing).encode()}
        cases.append(Case(f"csv-{name}-no-{missing}", _opt(), files, name, missing, "data"))
        duplicated = text + first + "\n"
        files = {"s.toml": _data_scenario(), name: duplicated.encode()}
        field_name = {"backbone_edges.csv": "u/v", "provinces.csv": "name_en"}.get(name, key)
        cases.append(Case(f"csv-{name}-duplicate", _opt(), files, name, field_name, "data"))
    return cases


def _provinces_geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_json(drop_id=True).encode()


def geojson_cases(rng: random.Random, provinces: gpd.GeoDataFrame) -> list[Case]:
    from shapely import LineString, Point, Polygon

    cases = []
    i = rng.randrange(len(provinces))

    def with_geometry(geom) -> bytes:
        frame = provinces.copy()
        frame.loc[i, "geometry"] = geom
        return _provinces_geojson(frame)

    variants = {
        "bow-tie": (
            with_geometry(Polygon([(105, 36), (107, 39), (107, 36), (105, 39)])),
            "geometry",
        ),
        "point": (with_geometry(Point(105, 36)), "geometry"),
        "line": (with_geometry(LineString([(105, 36), (106, 37)])), "geometry"),
        "empty-polygon": (with_geometry(Polygon()), "geometry"),
        "outside-china": (with_geometry(Polygon([(0, 0), (1, 0), (1, 1)])), "geometry"),
        "no-features": (b'{"type": "FeatureCollection", "features": []}', None),
        "not-json": (b"{ this is not json", None),
        "latin1": ('{"type": "FeatureCollection", "name": "é"'.encode("latin-1"), None),
        "nul": (b"\x00" * 16, None),
    }
    for column in ("name_en", "adcode"):
        frame = provinces.copy()
        frame.loc[i, column] = frame.loc[(i + 1) % len(frame), column]
        variants[f"duplicate-{column}"] = (_provinces_geojson(frame), column)
        variants[f"no-{column}"] = (_provinces_geojson(provinces.drop(columns=column)), column)
    for kind, (data, fld) in variants.items():
        files = {"s.toml": _data_scenario(), "provinces.geojson": data}
        files.update({n: (DATA / n).read_bytes() for n in CSV_FILES})
        api = ("read_provinces", "provinces.geojson")
        cases.append(Case(f"geojson-{kind}", _opt(), files, "provinces.geojson", fld, "data", api))
    table = pd.read_csv(DATA / "sites.csv", dtype=str, keep_default_na=False)
    sites = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]),
        geometry=[LineString([(100, 30), (101, 31)])] * len(table),
        crs="EPSG:4326",
    )
    files = {"s.toml": _data_scenario().replace(b'"sites.csv"', b'"sites.geojson"')}
    files["sites.geojson"] = sites.to_json(drop_id=True).encode()
    files.update({n: (DATA / n).read_bytes() for n in CSV_FILES if n != "sites.csv"})
    cases.append(Case("geojson-sites-as-lines", _opt(), files, "sites.geojson", "geometry", "data"))
    return cases


# --- sweep files -----------------------------------------------------------------------------

_MC = 'name = "fz"\n[monte_carlo]\ndraws = 2\nseed = 1\n[monte_carlo.parameters]\n'
SWEEP_BAD = {
    "no-name": ('[grid]\n"demand.training_mw" = [1.0]\n', "name"),
    "bad-name": ('name = "a b"\n[grid]\n"demand.training_mw" = [1.0]\n', "name"),
    "no-tables": ('name = "fz"\n', "grid"),
    "grid-empty-list": ('name = "fz"\n[grid]\n"demand.training_mw" = []\n', "demand.training_mw"),
    "grid-scalar": ('name = "fz"\n[grid]\n"demand.training_mw" = 1.0\n', "demand.training_mw"),
    "grid-inf": ('name = "fz"\n[grid]\n"demand.training_mw" = [inf]\n', "demand.training_mw"),
    "grid-bad-value": ('name = "fz"\n[grid]\n"demand.training_mw" = [-1.0]\n', "training_mw"),
    "grid-unknown-key": ('name = "fz"\n[grid]\n"demand.trainng_mw" = [1.0]\n', "trainng_mw"),
    "grid-not-table": ('name = "fz"\ngrid = 3\n', "grid"),
    "unknown-top": ('name = "fz"\ncolour = 1\n[grid]\n"demand.training_mw" = [1.0]\n', "colour"),
    "base-missing": ('name = "fz"\nbase = "nope"\n[grid]\n"demand.training_mw" = [1.0]\n', "base"),
    "base-number": ('name = "fz"\nbase = 3\n[grid]\n"demand.training_mw" = [1.0]\n', "base"),
    "draws-zero": ('name = "fz"\n[monte_carlo]\ndraws = 0\nseed = 1\n', "draws"),
    "draws-huge": ('name = "fz"\n[monte_carlo]\ndraws = 9223372036854775807\nseed = 1\n', "draws"),
    "draws-float": ('name = "fz"\n[monte_carlo]\ndraws = 2.5\nseed = 1\n', "draws"),
    "seed-text": ('name = "fz"\n[monte_carlo]\ndraws = 2\nseed = "x"\n', "seed"),
    "no-parameters": ('name = "fz"\n[monte_carlo]\ndraws = 2\nseed = 1\n', "parameters"),
    "mc-unknown": ('name = "fz"\n[monte_carlo]\ndraws = 2\nseed = 1\nsamples = 3\n', "samples"),
}
DISTRIBUTIONS_BAD = {
    "normal-negative-sd": ('{ distribution = "normal", mean = 1.0, sd = -0.2 }', "sd"),
    "normal-nan-mean": ('{ distribution = "normal", mean = nan, sd = 0.2 }', "mean"),
    "choice-empty": ('{ distribution = "choice", values = [] }', "values"),
    "choice-not-list": ('{ distribution = "choice", values = 3 }', "values"),
    "triangular-mode-high": (
        '{ distribution = "triangular", low = 0.1, mode = 0.9, high = 0.5 }',
        "mode",
    ),
    "triangular-mode-low": (
        '{ distribution = "triangular", low = 0.1, mode = 0.0, high = 0.5 }',
        "mode",
    ),
    "uniform-low-above-high": ('{ distribution = "uniform", low = 2.0, high = 1.0 }', "low"),
    "uniform-string": ('{ distribution = "uniform", low = "a", high = 1.0 }', "low"),
    "uniform-bool": ('{ distribution = "uniform", low = true, high = 1.0 }', "low"),
    "uniform-inf": ('{ distribution = "uniform", low = 0.0, high = inf }', "high"),
    "uniform-missing-high": ('{ distribution = "uniform", low = 0.0 }', "high"),
    "unknown-distribution": ('{ distribution = "beta", a = 1 }', "distribution"),
    "not-a-table": ("0.5", "distribution"),
    "extra-key": ('{ distribution = "uniform", low = 0.0, high = 1.0, sd = 1 }', "sd"),
}


def sweep_cases(rng: random.Random) -> list[Case]:
    cases = []
    argv = ("batch", "{d}/w.toml", "--out", "{d}/out")
    for kind, (body, fld) in SWEEP_BAD.items():
        api = ("load_sweep", "w.toml") if rng.random() < 0.5 else None
        cases.append(Case(f"sweep-{kind}", argv, {"w.toml": body.encode()}, "w.toml", fld, api=api))
    for kind, (dist, fld) in DISTRIBUTIONS_BAD.items():
        key = rng.choice(["costs.power_price_multiplier", "demand.inference_scale"])
        body = _MC + f'"{key}" = {dist}\n'
        api = ("load_sweep", "w.toml") if rng.random() < 0.5 else None
        cases.append(Case(f"sweep-{kind}", argv, {"w.toml": body.encode()}, "w.toml", fld, api=api))
    text = 'name = "fz"\n[grid]\n"demand.training_mw" = [1.0]\n'
    for kind, data in {
        "utf16": text.encode("utf-16"),
        "latin1": (text + "# é\n").encode("latin-1"),
        "nul": text.encode() + b"\x00",
        "empty": b"",
        "toml-syntax": b"name = \n",
    }.items():
        fld = "grid" if kind == "empty" else None
        cases.append(Case(f"sweep-encoding-{kind}", argv, {"w.toml": data}, "w.toml", fld))
    cases.append(Case("sweep-missing", argv, {}, "w.toml"))
    return cases


# --- command-line arguments ------------------------------------------------------------------

SWEEP = str(SWEEPS / "sla-carbon.toml")
COMMANDS = {
    "optimize": ("optimize", "--out", "{d}/out", "--maps", "{d}/maps"),
    "compare": ("compare", "default", "2025-margin", "--out", "{d}/out", "--maps", "{d}/maps"),
    "audit": (
        "audit",
        "--built",
        "existing",
        "--under",
        "default",
        "--out",
        "{d}/out",
        "--maps",
        "{d}/maps",
    ),
    "robust": ("robust", "default", "2025-margin", "--out", "{d}/out"),
    "whynot": ("whynot", "--out", "{d}/out"),
    "tradeoff": (
        "tradeoff",
        "--param",
        "demand.inference_sla_ms",
        "--values",
        "8,10",
        "--out",
        "{d}/out",
    ),
    "batch": ("batch", SWEEP, "--out", "{d}/out"),
}
SOLVER_BAD = [
    ("--gap", "2"),
    ("--gap", "1"),
    ("--gap", "-0.1"),
    ("--gap", "nan"),
    ("--gap", "inf"),
    ("--time-limit", "0"),
    ("--time-limit", "-5"),
    ("--time-limit", "inf"),
    ("--time-limit", "soon"),
    ("--solver", "gurobi"),
]


def argument_cases(rng: random.Random) -> list[Case]:
    cases = []
    for command, argv in COMMANDS.items():
        for flag, value in SOLVER_BAD:
            cases.append(
                Case(f"args-{command}-{flag}={value}", (*argv, flag, value), {}, flag, flag)
            )
        for option in ("--out", "--maps"):
            if option not in argv:
                continue
            files = {"file": b"x"}
            at = argv.index(option) + 1
            for where, path in (("file", "{d}/file"), ("under-file", "{d}/file/sub")):
                bad = (*argv[:at], path, *argv[at + 1 :])
                cases.append(Case(f"args-{command}-{option}-{where}", bad, files, "file", option))
            cases.append(
                Case(
                    f"args-{command}-{option}-proc",
                    (*argv[:at], "/proc/siting-fz", *argv[at + 1 :]),
                    {},
                    "/proc",
                    option,
                )
            )
    for command in ("optimize", "validate", "whynot", "latency --scenario"):
        argv = (*command.split(), "no-such-scenario")
        if command != "validate":
            argv = (*argv, "--out", "{d}/out")
        if command.startswith("latency"):
            argv = (*argv, "--matrix")
        cases.append(Case(f"args-{command}-unknown-scenario", argv, {}, "no-such-scenario"))
    robust = ("robust", "default", "2025-margin", "--out", "{d}/out")
    for value in ("-1,2", "0,0", "1,inf", "", "a,b", "1,nan", ",", "1,2,3"):
        fld = "--weights"
        cases.append(
            Case(f"args-robust-weights={value!r}", (*robust, f"--weights={value}"), {}, fld, fld)
        )
    cases.append(
        Case("args-robust-one", ("robust", "default", "--out", "{d}/out"), {}, "robust", "SCENARIO")
    )
    cases.append(
        Case(
            "args-robust-criterion",
            (*robust, "--criterion", "worst"),
            {},
            "--criterion",
            "--criterion",
        )
    )
    cases.append(
        Case("args-compare-unknown", ("compare", "default", "nope", "--out", "{d}/out"), {}, "nope")
    )
    cases.append(
        Case(
            "args-audit-unknown",
            ("audit", "--built", "nope", "--under", "default", "--out", "{d}/out"),
            {},
            "nope",
        )
    )
    tradeoff = ("tradeoff", "--param", "demand.inference_sla_ms", "--out", "{d}/out")
    for value in ("", ",", "1,,2", "a", "inf", "1e999", "-5", "0", "1e308"):
        fld = "--values" if value not in ("-5", "0", "1e308") else "inference_sla_ms"
        cases.append(
            Case(
                f"args-tradeoff-values={value!r}",
                (*tradeoff, f"--values={value}"),
                {},
                "--values",
                fld,
            )
        )
    for param in (
        "demand.inference_sla",
        "data.sites",
        "name",
        "demand",
        "costs.carbon_cny_per_t.x",
    ):
        argv = ("tradeoff", "--param", param, "--values", "1,2", "--out", "{d}/out")
        cases.append(Case(f"args-tradeoff-param={param}", argv, {}, "tradeoff", "--param"))
    for flag in ("--inference-mw", "--training-mw", "--tighten-ms"):
        for value in rng.sample(["0", "-1", "nan", "inf", "x", "-0"], 3):
            argv = ("whynot", "--out", "{d}/out", f"{flag}={value}")
            cases.append(Case(f"args-whynot-{flag}={value}", argv, {}, flag, flag))
    batch = ("batch", SWEEP, "--out", "{d}/out")
    for value in ("-1", "0", "1.5", "x", "", "-0"):
        cases.append(
            Case(
                f"args-batch-workers={value!r}",
                (*batch, f"--workers={value}"),
                {},
                "--workers",
                "--workers",
            )
        )
    for value in (
        "notaurl",
        "http://a:1",
        "tcp://host",
        "tcp://:8786",
        "tcp://h:99999",
        "tcp://h:1/x",
        "",
    ):
        fld = "--scheduler"
        cases.append(
            Case(f"args-batch-scheduler={value!r}", (*batch, f"--scheduler={value}"), {}, fld, fld)
        )
    cases.append(Case("args-batch-no-out", ("batch", SWEEP), {}, "--out", "--out"))
    for i, places in enumerate([("beijing",), ("a", "b", "c"), ("a", "b", "--matrix"), ()]):
        cases.append(
            Case(f"args-latency-places-{i}", ("latency", *places), {}, "latency", "FROM TO")
        )
    cases.append(
        Case("args-tiles", (*COMMANDS["optimize"], "--tiles", "google"), {}, "--tiles", "--tiles")
    )
    cases.append(Case("args-scenarios-flag", ("scenarios", "--all"), {}, "--all", "--all"))
    cases.append(Case("args-validate-out", ("validate", "--out", "{d}/out"), {}, "--out", "--out"))
    cases.append(
        Case("args-json-and-quiet", ("validate", "--json", "--quiet"), {}, "--quiet", "--json")
    )
    cases.append(Case("args-unknown-command", ("explode",), {}, "COMMAND", "COMMAND"))
    cases.append(Case("args-no-command", (), {}, "COMMAND", "COMMAND"))
    cases.append(Case("args-unknown-flag", ("optimize", "--fast"), {}, "--fast", "--fast"))
    return cases


# --- policy and time tables (files of the data folder) ----------------------------------------

#: A scenario that switches every policy family on that reads a table.
POLICY_SCENARIO = _scenario(
    "[policy]\nsize_limit = true\nsize_limit_mw = 500.0\npower_subsidy = true\n"
    "domestic_chips = true\ncompute_vouchers = true\nvoucher_contract_cny_per_mw_year = 1.0e6\n"
)
#: A multi-period scenario: ``siting plan`` reads every time table.
PLAN_SCENARIO = {"s.toml": b'extends = "2023-2025-as-built"\nname = "fz"\n'}
_PLAN = ("plan", "{d}/s.toml", "--out", "{d}/out", "--maps", "{d}/maps")
POLICY_TABLES = ("policy_sites.csv", "policy_power_subsidies.csv", "policy_vouchers.csv")
#: Bad values by table and column; each is rejected by that column's rules.
TABLE_BAD = {
    "policy_sites.csv": {
        "ddsx_status": ["", "hub", "CLUSTER", "1"],
        "site_id": ["", "atlantis_dc", "Beijing"],
        "status_year": ["", "x", "1800", "inf", "3000"],
        "status_confidence": ["sure", ""],
        "status_source": [""],
    },
    "policy_power_subsidies.csv": {
        "subsidy_max_share": ["1.5", "-0.1", "nan", "inf", "", "half", "1e300"],
        "subsidised_price_cny_kwh": ["-5", "inf", "-inf", "nan", "", "cheap", "1e300", "-0.01"],
        "province": ["Atlantis", "", "gansu", "甘肃"],
        "year": ["", "1800", "x"],
        "confidence": ["maybe", ""],
        "source": [""],
    },
    "policy_vouchers.csv": {
        "voucher_share_max": ["1.5", "-0.2", "inf", "nan", "x", "1e300", "30%"],
        "domestic_share_max": ["2", "-1", "x"],
        "cap_per_user_cny_year": ["-1", "inf", "x", "1e300"],
        "budget_cny_year": ["inf", "-1", "1e300", "nan", "lots", "1e999"],
        "site_ids": ["atlantis", "beijing;nowhere", "", "Beijing"],
        "city": [""],
        "year": ["", "x"],
        "confidence": ["?"],
    },
    "use_years.csv": {
        "year": ["1999", "2040", "2023.5", "x", ""],
        "variant": ["median", ""],
        "area_id": ["atlantis", ""],
        "role": ["serving", ""],
        "component": ["gpt", ""],
        "mw": ["-1", "inf", "nan", "x", "", "1e300"],
        "kind": ["guess", ""],
        "confidence": ["?"],
    },
    "demand_forecasts.csv": {
        "published": ["1900", "x", ""],
        "year": ["2050", "x"],
        "eflops_fp16": ["0", "-1", "inf", "x", "1e300"],
        "kind": ["guess"],
        "confidence": [""],
    },
    "national_compute.csv": {
        "year": ["1999", "x"],
        "eflops_fp16": ["0", "inf", "x", "1e300"],
        "kind": ["guess"],
    },
    "accelerators.csv": {
        "kw_per_pf": ["0", "-1", "inf", "x", "1e300", "2.5"],
        "server_kw": ["0", "inf", "x"],
        "hbm_tbps": ["0", "-1", "nan"],
        "prefill_share": ["1.5", "-0.1", "x", "0.18"],
        "serve_factor": ["9", "x", "1.0"],
        "accelerator_class": ["tpu"],
    },
    "it_prices.csv": {
        "year": ["2040", "x", "2023.5"],
        "accelerator_class": ["tpu", ""],
        "server_kw": ["0", "-1", "inf", "1e300"],
        "price_cny_per_server": ["0", "-1", "x", "inf"],
        "price_cny_per_mw": ["1", "nan", "1e300"],
        "confidence": ["high"],
    },
    "rents.csv": {
        "period": ["2023", "2023-13", "x", ""],
        "accelerator_class": ["tpu"],
        "server_kw": ["0", "inf"],
        "rent_low_cny_month": ["-1", "x", "inf"],
        "rent_high_cny_month": ["0", "nan", "1e300"],
        "rent_mid_cny_per_mw_year": ["-5", "inf", "x", "1e300"],
    },
    "capacity_vintages.csv": {
        "site_id": ["atlantis", ""],
        "year_band": ["2019", ""],
        "accelerator_class": ["tpu"],
        "pf": ["-1", "inf", "x", "1e300"],
        "mw": ["-1", "nan", "x", "1e300"],
        "confidence": ["?"],
    },
    "training_clusters.csv": {
        "year": ["1999", "2040", "2023.5", "x", ""],
        "stage": ["finetune", ""],
        "accelerators": ["0", "-1", "inf", "x", "1e300"],
        "accelerator_class": ["tpu"],
        "tflops_fp16_dense": ["0", "nan", "x"],
        "server_kw_per_accelerator": ["-1", "inf"],
        "it_mw": ["-1", "1e300", "x"],
        "demand_mw": ["0", "nan", "1e300"],
        "confidence": ["?"],
    },
    "rest_of_china.csv": {
        "province": ["Atlantis", ""],
        "lon": ["200", "inf", "x"],
        "lat": ["-91", "nan"],
        "weight": ["0", "-0.1", "2", "x"],
        "grid_headroom_mw": ["-1", "inf", "1e300"],
        "gdp_confidence": ["?"],
    },
}
#: The field a repeated first row is reported on (no entry: repeats are allowed).
TABLE_KEYS = {
    "policy_sites.csv": "site_id",
    "policy_power_subsidies.csv": "province",
    "policy_vouchers.csv": "city",
    "use_years.csv": "year",  # the repeat comes after the last year
    "demand_forecasts.csv": "year",
    "national_compute.csv": "year",
    "accelerators.csv": "accelerator_class",
    "it_prices.csv": "year",
    "capacity_vintages.csv": "accelerator_class",
    "rest_of_china.csv": "province",
    "training_clusters.csv": "year",  # the repeat comes after the last year
}
#: Columns a table may leave out.
TABLE_OPTIONAL = {
    "capital_zh",
    "hub_node",
    "cluster",
    "status_basis",
    "condition",
    "scope",
    "provider_scope",
}


def whole_file_variants(text: str, rng: random.Random) -> dict[str, bytes]:
    """Malformed versions of a whole CSV file: empty, header only, odd encodings, bad syntax."""
    header, first = text.splitlines()[:2]
    return {
        "header-only": (header + "\n").encode(),
        "empty": b"",
        "blank-lines": b"\n\n\n",
        "utf16": text.encode("utf-16"),
        "latin1": text.encode() + "é,é\n".encode("latin-1"),
        "gbk": text.encode() + "中文,数据\n".encode("gbk"),
        "nul": text.encode().replace(b"\n", b"\n\x00", 1),
        "binary": bytes(rng.randrange(128, 256) for _ in range(64)),
        "ragged": (
            text + first + ",extra,cells,here,and,more,and,more,and,more,x,y,z,w\n"
        ).encode(),
        "unclosed-quote": (text + '"' + first + "\n").encode(),
    }


def _table_case(
    rng: random.Random, name: str, kind: str, data: str | bytes, fld: str | None, call: bool = False
) -> Case:
    """One malformed data-folder table: policy tables through ``optimize``, time tables ``plan``."""
    policy = name in POLICY_TABLES
    files, argv = (POLICY_SCENARIO, _opt()) if policy else (PLAN_SCENARIO, _PLAN)
    api = ("read_policy_table" if policy else "load_time_tables", name)
    no_api = "rest_of_china.csv"  # not read by load_time_tables
    with_api = api if name != no_api and (call or rng.random() < 0.25) else None
    raw = data.encode() if isinstance(data, str) else data
    return Case(f"table-{name}-{kind}", argv, files, name, fld, "data", with_api, {name: raw})


def table_cases(rng: random.Random) -> list[Case]:
    """Malformed policy tables (through ``optimize``) and time tables (through ``plan``)."""
    cases = []
    for name, columns in TABLE_BAD.items():
        text = (DATA / name).read_text(encoding="utf-8")
        n_rows = len(text.splitlines()) - 1

        for column, values in columns.items():
            for value in values:
                changed = set_cell(text, rng.randrange(n_rows), column, value)
                cases.append(_table_case(rng, name, f"{column}={value!r}", changed, column))
        for kind, data in whole_file_variants(text, rng).items():
            cases.append(_table_case(rng, name, kind, data, None, call=True))
        for column in pd.read_csv(DATA / name, nrows=0).columns:
            if column not in TABLE_OPTIONAL:
                cases.append(
                    _table_case(rng, name, f"no-{column}", _drop_column(text, column), column)
                )
        if name in TABLE_KEYS:
            first = text.splitlines()[1]
            cases.append(_table_case(rng, name, "duplicate", text + first + "\n", TABLE_KEYS[name]))
    # one site, two statuses
    text = (DATA / "policy_sites.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1]
    other = first.replace(",cluster,", ",none,", 1)
    data = {"policy_sites.csv": (text + other + "\n").encode()}
    cases.append(
        Case("table-policy_sites.csv-two-statuses", _opt(), POLICY_SCENARIO, "policy_sites.csv",
             "site_id", "data", None, data)
    )  # fmt: skip
    # a real site or hub with a rest-of-China pseudo id
    for name, key in (("sites.csv", "site_id"), ("hubs.csv", "hub_id")):
        table = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        for i, ident in enumerate(("rest_hebei", "rest_of_china")):
            changed = set_cell(table.to_csv(index=False), i, key, ident)
            body = b'[demand]\nrest_of_china = "serve"\n' if ident == "rest_hebei" else b""
            scenario = {"s.toml": POLICY_SCENARIO["s.toml"].split(b"[policy]")[0] + body}
            argv = _opt() if body else _PLAN
            scenario = scenario if body else PLAN_SCENARIO
            case_id = f"table-{name}-pseudo-id-{ident}"
            cases.append(
                Case(case_id, argv, scenario, name, key, "data", None, {name: changed.encode()})
            )
    return cases


_CLASS = "share = 1.0\nsla_ms = {sla}\nutilisation = 0.5\nstaff_per_mw = {staff}"
#: Bad ``[horizon]`` keys, each with the field the message must name.
HORIZON_BAD = {
    "existing_until": ["1900", "-5", "2021", "2040", '"2023"', "2023.5", "true"],
    "class_rent_cny_per_mw_year": [
        "{ domestic = -1.0 }",
        "{ domestic = inf }",
        "{ domestic = nan }",
        "{ domestic = 1e300 }",
        '{ domestic = "x" }',
        "{ tpu = 1.0 }",
        "5",
    ],
    "years": ["[2022]", "[2031]", "[2024, 2023]", "[2023, 2025]", "[]", '"2023"', "[2023.5]"],
    "lead_time_years": ["-1", "10", "1.5", '"1"'],
    "foresight": ['"psychic"', '"Perfect"', "1"],
    "standby_cny_per_mw_year": ["-1.0", "inf", "1e300", '"0"'],
    "unmet_penalty": ["0.0", "-1.0", "inf", "1e300", '"rents"', "true"],
    "unmet_penalty_premium": ["-0.1", "inf", "1e300", '"0.2"'],
    "training_cluster": ['"largest"', "50.0"],
    "service_life_years": ["0", "-6", "6.5", "1000", '"6"'],
    "orders": ['"no"', "0"],
    "new_classes": ["[]", '["tpu"]', '"domestic"'],
    "it_prices": ['"random"', "true"],
    "use": ['"median"', '"Central"', "1"],
    "existing": ['"guess"', "1"],
    "announced": ['"yes"', "1"],
    "discount_rate": ["1.0", "0.0", "-0.1", "nan"],
    "existing_untill": ["2023"],
}


def plan_cases(rng: random.Random) -> list[Case]:
    """``siting plan`` and ``siting classic``: scenario keys and arguments."""
    cases = []
    for key, values in HORIZON_BAD.items():
        for value in values:
            body = f'extends = "2023-2025-as-built"\nname = "fz"\n[horizon]\n{key} = {value}\n'
            files = {"s.toml": body.encode()}
            cases.append(Case(f"scenario-horizon.{key}={value}", _PLAN, files, "s.toml", key))
    for value in ("5", '"x"', "[1]"):
        files = {"s.toml": f'extends = "2023-2030"\nname = "fz"\nhorizon = {value}\n'.encode()}
        cases.append(
            Case(f"scenario-horizon-not-a-table-{value}", _PLAN, files, "s.toml", "horizon")
        )
    for key, value, fld in (
        ("demand", "inference_sla = 5.0", "inference_sla_ms"),  # did you mean
        ("costs", "discount = 0.05", "discount_rate"),
        ("policy", "size_limit_mv = 5.0", "size_limit_mw"),
        ("policy", "size_limit_mw = -5.0", "size_limit_mw"),
        ("policy", "size_limit_mw = 1e300", "size_limit_mw"),
        ("policy", "voucher_contract_cny_per_mw_year = inf", "voucher_contract"),
        ("policy", "green_supply_gwh = { Gansu = -1.0 }", "Gansu"),
        ("policy", "green_supply_gwh = { Gansu = inf }", "Gansu"),
        ("policy", "green_share = 1.5", "green_share"),
        ("redundancy", "min_sites = 0", "min_sites"),
        ("redundancy", "failover_share = 1.5", "failover_share"),
        ("classes.a", _CLASS.format(sla="1e300", staff="1.0"), "sla_ms"),
        ("classes.a", _CLASS.format(sla="5.0", staff="1e300"), "staff_per_mw"),
        ("classes.A", _CLASS.format(sla="5.0", staff="1.0"), "classes"),
    ):
        for command, argv, parent in (
            ("plan", _PLAN, "2023-2025-as-built"),
            ("classic", _CLASSIC, "default"),
        ):
            files = {"s.toml": f'extends = "{parent}"\nname = "fz"\n[{key}]\n{value}\n'.encode()}
            name = f"scenario-{command}-{key}.{value.splitlines()[-1]}"
            cases.append(Case(name, argv, files, "s.toml", fld))
    for extends in ('"defualt"', '"Default"', '"2023-planer"'):
        files = {"s.toml": f'extends = {extends}\nname = "fz"\n'.encode()}
        cases.append(
            Case(f"scenario-extends-typo-{extends}", _PLAN, files, "s.toml", "did you mean")
        )
    plan = ("plan", "2023-2030", "--out", "{d}/out", "--maps", "{d}/maps")
    for flag, value, fld in (
        ("--year", "2031", "--year"),
        ("--year", "2022", "--year"),
        ("--year", "x", "--year"),
        ("--year", "2024.5", "--year"),
        ("--year", "", "--year"),
        ("--foresight", "psychic", "--foresight"),
        ("--foresight", "Perfect", "did you mean 'perfect'"),
        ("--tiles", "satellite", "--tiles"),
        ("--strategy", "direct", "--strategy"),
        ("--foresigt", "myopic", "did you mean '--foresight'"),
        ("--time-limt", "5", "did you mean '--time-limit'"),
        ("--comapre", "", "did you mean '--compare'"),
    ):
        argv = (*plan, f"{flag}={value}") if value else (*plan, flag)
        cases.append(Case(f"args-plan-{flag}={value}", argv, {}, flag, fld))
    for flag, value in SOLVER_BAD:
        cases.append(Case(f"args-plan-{flag}={value}", (*plan, flag, value), {}, flag, flag))
    for scenario, fld in (
        ("default", "horizon"),
        ("defualt", "did you mean 'default'"),
        ("Default", "did you mean 'default'"),
        ("2023-2030.tom", "2023-2030"),
    ):
        argv = ("plan", scenario, "--out", "{d}/out")
        cases.append(Case(f"args-plan-scenario-{scenario}", argv, {}, scenario, fld))
    classic = ("classic", "--out", "{d}/out", "--maps", "{d}/maps")
    for flag, values, fld in (
        ("--sites", ["0", "-1", "x", "2.5", "", "inf"], "--sites"),
        ("--rule", ["most", "EXACTLY", ""], "--rule"),
        ("--radius-rtt-ms", ["0", "-1", "inf", "nan", "x", ""], "--radius-rtt-ms"),
        ("--kinds", ["foo", "p-median,p-median", "", ",", "pmedian"], "--kinds"),
        ("--tiles", ["google"], "--tiles"),
        ("--strategy", ["fastest"], "--strategy"),
    ):
        for value in values:
            argv = (*classic, f"{flag}={value}")
            cases.append(Case(f"args-classic-{flag}={value!r}", argv, {}, flag, fld))
    for flag, value in SOLVER_BAD:
        cases.append(Case(f"args-classic-{flag}={value}", (*classic, flag, value), {}, flag, flag))
    for typo, right in (("--stes", "--sites"), ("--radius-rtt", "--radius-rtt-ms"),
                        ("--knids", "--kinds"), ("--rul", "--rule")):  # fmt: skip
        if right.startswith(typo):
            continue  # an unambiguous prefix is argparse's abbreviation
        argv = (*classic, typo, "3")
        cases.append(Case(f"args-classic-typo-{typo}", argv, {}, typo, f"did you mean {right!r}"))
    for command, right in (("optimise", "optimize"), ("Plan", "plan"), ("clasic", "classic"),
                           ("validat", "validate"), ("trade-off", "tradeoff")):  # fmt: skip
        cases.append(Case(f"args-command-{command}", (command,), {}, command, repr(right)))
    for scenario in ("defualt", "Default", "2027-clases"):
        argv = ("classic", scenario, "--out", "{d}/out")
        cases.append(Case(f"args-classic-scenario-{scenario}", argv, {}, scenario, "did you mean"))
    argv = ("classic", "2023-2030", "--out", "{d}/out")
    cases.append(Case("args-classic-horizon-scenario", argv, {}, "2023-2030", "horizon"))
    for value in ("4,six", "six,4", "1,2,x"):
        wrong = next(v for v in value.split(",") if not v.isdigit())
        argv = ("tradeoff", "--param", "demand.inference_sla_ms", f"--values={value}",
                "--out", "{d}/out")  # fmt: skip
        cases.append(Case(f"args-tradeoff-mixed-{value}", argv, {}, "--values", repr(wrong)))
    del rng
    return cases


_CLASSIC = ("classic", "{d}/s.toml", "--out", "{d}/out", "--maps", "{d}/maps")


# --- the corpus ------------------------------------------------------------------------------


def _simplified_provinces() -> gpd.GeoDataFrame:
    frame = gpd.read_file(DATA / "provinces.geojson")
    frame["geometry"] = frame.geometry.simplify(0.05, preserve_topology=True)
    return frame


def build_corpus() -> list[Case]:
    """Every case, in a fixed order; the same on every run."""
    rng = random.Random(SEED)
    provinces = _simplified_provinces()
    corpus = [
        *scenario_cases(rng),
        *csv_cases(rng),
        *objective_cases(rng),
        *geojson_cases(rng, provinces),
        *sweep_cases(rng),
        *argument_cases(rng),
        *table_cases(rng),
        *plan_cases(rng),
    ]
    ids = [c.id for c in corpus]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return corpus


CORPUS = build_corpus()
#: A few cases also run through a subprocess (the real program, its exit status and output);
#: the data folder of a subprocess is the shipped one.
SUBPROCESS = [c.id for c in random.Random(SEED).sample([c for c in CORPUS if not c.data], 5)]


def test_corpus_size() -> None:
    kinds: dict[str, int] = {}
    for case in CORPUS:
        kinds[case.id.split("-")[0]] = kinds.get(case.id.split("-")[0], 0) + 1
    api = sum(c.api is not None for c in CORPUS)
    print(f"\nfuzz corpus: {len(CORPUS)} malformed inputs {kinds}; {api} also through the API")
    assert len(CORPUS) >= 300


@pytest.fixture(scope="module")
def provinces_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "provinces.geojson"
    path.write_bytes(_provinces_geojson(_simplified_provinces()))
    return path


def _materialise(case: Case, folder: Path, provinces: Path) -> list[str]:
    if case.stage == "data":  # the untouched data files beside the scenario
        for name in CSV_FILES:
            (folder / name).write_bytes((DATA / name).read_bytes())
    for name, data in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.replace(b"{provinces}", str(provinces).encode()))
    if "provinces.geojson" in case.files:
        text = (
            (folder / "s.toml").read_bytes().replace(str(provinces).encode(), b"provinces.geojson")
        )
        (folder / "s.toml").write_bytes(text)
    return [a.replace("{d}", str(folder)) for a in case.argv]


def _check_message(case: Case, text: str) -> None:
    assert "Traceback" not in text, text
    assert case.source in text, f"message does not name {case.source!r}: {text}"
    if case.field is not None:
        assert case.field in text, f"message does not name the field {case.field!r}: {text}"


@pytest.fixture
def no_work(monkeypatch, request):
    """Fail the case if data loads (argument and scenario cases) or a solve starts (all)."""
    import siting.analysis
    import siting.batch
    import siting.horizon_run
    import siting.stages

    def forbidden(what):
        def fail(*args, **kwargs):
            raise AssertionError(f"{what} before the input was rejected")

        return fail

    monkeypatch.setattr(siting.stages, "build_for", forbidden("a model was built"))
    monkeypatch.setattr(siting.analysis, "build_arrays", forbidden("a model was built"))
    monkeypatch.setattr(siting.batch, "run_batch", forbidden("a batch started"))
    monkeypatch.setattr(siting.horizon_run, "plan", forbidden("a plan was solved"))

    def forbid_loading():
        monkeypatch.setattr(siting.pipeline, "load_inputs", forbidden("data loaded"))

    return forbid_loading


def _data_folder(case: Case, folder: Path) -> Path:
    """A data folder: the shipped files (linked), with the case's replacements."""
    data = folder / "data"
    data.mkdir()
    for entry in DATA.iterdir():
        if entry.name not in case.data:
            (data / entry.name).symlink_to(entry.resolve())
    for name, content in case.data.items():
        (data / name).write_bytes(content)
    return data


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_malformed_input_is_rejected_cleanly(
    case, tmp_path, provinces_file, capsys, no_work, monkeypatch
):
    from siting import settings
    from siting.cli import main

    argv = _materialise(case, tmp_path, provinces_file)
    if case.data:
        monkeypatch.setattr(settings, "data_dir", _data_folder(case, tmp_path))
    if case.stage == "args" and not case.source.endswith(".csv"):
        no_work()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    _check_message(case, err)
    for folder in ("out", "maps"):
        assert not (tmp_path / folder).exists(), f"{folder} was written"
    if case.api is not None:
        _check_api(case, tmp_path)


def _check_api(case: Case, folder: Path) -> None:
    import siting.layers
    import siting.policy
    import siting.sweep
    import siting.vintages

    function, name = case.api
    with pytest.raises(InputError) as info:
        if function == "read_policy_table":
            siting.policy.read_policy_table(name, folder / "data")
        elif function == "load_time_tables":
            siting.vintages.load_time_tables(folder / "data")
        else:
            call = getattr(siting.sweep if function == "load_sweep" else siting.layers, function)
            call(folder / name)
    _check_message(case, str(info.value))


@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_malformed_input_through_the_program(case_id, tmp_path, provinces_file) -> None:
    case = next(c for c in CORPUS if c.id == case_id)
    argv = _materialise(case, tmp_path, provinces_file)
    result = subprocess.run(
        [sys.executable, "-m", "siting", *argv], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    _check_message(case, result.stderr)
    assert not (tmp_path / "out").exists() and not (tmp_path / "maps").exists()


@pytest.mark.parametrize(
    "case", [c for c in CORPUS if c.id.startswith("scenario-")][::4], ids=lambda c: c.id
)
def test_malformed_scenario_through_the_api(case, tmp_path, provinces_file) -> None:
    from siting.scenario import load_scenario

    _materialise(case, tmp_path, provinces_file)
    path = case.argv[1].replace("{d}", str(tmp_path))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    _check_message(case, str(info.value))
