"""Every scenario family acts in every runner that accepts it, or that runner refuses it.

The matrix of issue 18 ("no silent switch"): each family is a small override of the default
scenario (15 hubs x 30 sites); each runner is asked for its headline number with and without
it. A family *acts* if the number moves the expected way (``up``: dearer; ``down``: cheaper;
``kind``: the objective kind is the one asked for and its value differs); it is *refused* if
the runner raises :class:`~siting.errors.InputError` naming the key, before any solve.
docs/model.md ("What each runner models") has the same table in words.

Runners: ``optimize`` (API), ``plan`` (a two-year ``[horizon]`` on the same scenario),
``batch`` (its per-point solve, single-period and horizon; refusals from ``run_batch``
before any cluster starts), ``tradeoff``, ``whynot`` (its base plan), ``audit``, ``robust``,
``classic`` (the cost plan it stands beside; a classic kind's own plan), and the CLI
(``optimize`` and ``plan``: exit 2, nothing written). The fast cells are ``optimize``,
``plan`` and every refusal; the others are marked ``slow``.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import pytest

import siting
from siting.errors import InputError
from siting.scenario import Levers, Scenario
from siting.solve.options import RunOptions

LIMIT = 60.0
#: A two-year horizon on the default scenario's sites: existing MW flat, one-year lead.
HORIZON = {"years": [2026, 2027], "existing": "flat", "lead_time_years": 1}
#: Provinces where the default plan builds new MW in hub-node sites; no green supply there.
NO_GREEN = ("Anhui", "Jiangsu", "Sichuan")
#: Half the demand at a tighter SLA than the default's 10 ms, the rest as [inference] says.
CLASSES = {
    "classes.fast": {"share": 0.5, "sla_ms": 2.0, "utilisation": 0.6, "staff_per_mw": 1.0},
    "classes.rest": {"sla_ms": 10.0, "utilisation": 0.6, "staff_per_mw": 1.0},
}
RENTS = {
    "objective.training_rent_cny_per_mw_year": 5e7,
    "objective.inference_rent_cny_per_mw_year": 5e7,
}

#: family -> (base overrides, family overrides, expected direction of the headline number)
FAMILIES: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "classes": ({}, CLASSES, "up"),
    "redundancy.min_sites": ({}, {"redundancy.min_sites": 2}, "up"),
    "redundancy.failover_share": ({}, {"redundancy.failover_share": 0.5}, "up"),
    "policy.size_limit": ({}, {"policy.size_limit": True, "policy.size_limit_mw": 50.0}, "up"),
    "policy.green_share": (
        {},
        {"policy.green_share": 1.0, "policy.green_supply_gwh": dict.fromkeys(NO_GREEN, 0.0)},
        "up",
    ),
    "policy.power_subsidy": (
        {"costs.power_price_multiplier": 3.0},  # above the subsidised price everywhere
        {"policy.power_subsidy": True, "policy.domestic_chips": True},
        "down",
    ),
    "policy.compute_vouchers": (
        {},
        {"policy.compute_vouchers": True, "policy.voucher_contract_cny_per_mw_year": 3e7},
        "down",
    ),
    "demand.training_share": ({}, {"demand.training_share": 0.5}, "up"),
    "demand.rest_of_china": ({}, {"demand.rest_of_china": "serve"}, "up"),
    "latency.layer": ({}, {"latency.layer": "internet"}, "up"),
    "objective.margin": ({}, {"objective.kind": "margin", **RENTS}, "down"),
    **{
        f"objective.{kind}": (
            {},
            {"objective.kind": kind, "objective.sites": 3} if kind != "lscp" else {
                "objective.kind": kind, "objective.coverage_rtt_ms": 20.0
            },
            "kind",
        )
        for kind in ("p-median", "p-center", "mclp", "lscp")
    },
}  # fmt: skip

#: The simulation's levers (docs/model.md "Levers"): every runner here refuses them.
LEVERS = tuple(Levers.model_fields)
FAMILIES |= {f"levers.{k}": ({}, {f"levers.{k}": True}, "refused") for k in LEVERS}

CLASSIC_FAMILIES = [f for f in FAMILIES if FAMILIES[f][2] == "kind"]
RUNNERS = (
    "optimize", "plan", "batch", "batch-horizon", "tradeoff", "whynot", "audit", "robust",
    "classic",
)  # fmt: skip
#: The key each refusal names, by (family, runner).
_HORIZON_GAPS = {
    "demand.training_share": "training_share",
    **{f: "kind" for f in CLASSIC_FAMILIES},
}
REFUSED: dict[tuple[str, str], str] = {
    **{(f, "plan"): key for f, key in _HORIZON_GAPS.items()},
    **{(f, "batch-horizon"): key for f, key in _HORIZON_GAPS.items()},
    **{(f, r): "kind" for f in CLASSIC_FAMILIES for r in ("audit", "robust", "whynot")},
    **{(f"levers.{k}", r): k for k in LEVERS for r in RUNNERS},
}
#: Families a runner answers without, saying so in its report (docs/model.md, "What each
#: runner models"): the classic kinds place each hub's whole demand, one class.
LEFT_OUT: dict[tuple[str, str], Any] = {
    ("classes", "classic"): lambda spec: "service classes" in _classic_report(spec),
}
FAST = ("optimize", "plan")


def _classic_report(spec: Scenario) -> str:
    """What ``siting classic`` prints for a scenario (p-median beside its cost plan)."""
    from siting.classic import ClassicOptions, run_classic
    from siting.classic.report import classic_report

    run = run_classic(
        spec, ClassicOptions(("p-median",), sites=3), write=False, map=False,
        options=RunOptions(time_limit=LIMIT),
    )  # fmt: skip
    return classic_report(run)


@functools.cache
def _scenario(base: tuple, family: tuple = ()) -> Scenario:
    # The default with one inference class (10 ms), on which each family is switched on.
    overrides = {"classes": {}, **dict(base), **dict(family), "name": "family"}
    return siting.load_scenario("default").with_overrides(_thaw(overrides))


def _thaw(overrides: dict[str, Any]) -> dict[str, Any]:
    return {k: json.loads(v) if isinstance(v, str) and v[:1] == "{" else v
            for k, v in overrides.items()}  # fmt: skip


def _freeze(overrides: dict[str, Any]) -> tuple:
    """Hashable overrides (dicts as JSON text) for the cache."""
    return tuple(
        sorted((k, json.dumps(v, sort_keys=True) if isinstance(v, dict) else v)
               for k, v in overrides.items())
    )  # fmt: skip


def _horizon(spec: Scenario) -> Scenario:
    return spec.with_overrides({"horizon": HORIZON})


class _StartedError(Exception):
    """A batch passed its checks and would start a cluster."""


class _StoppedError(Exception):
    """whynot's base plan is solved; the alternatives are not needed here."""


def _measure(
    runner: str, spec: Scenario, monkeypatch: pytest.MonkeyPatch, classic: str | None = None
) -> tuple[float, str]:
    """Return the runner's headline number and objective kind for a scenario.

    ``classic``: the classic kind the ``classic`` runner solves and reports (else it reports
    the cost plan it stands beside, with a p-median plan at p = 3).
    """
    kind = spec.objective.kind
    if runner == "optimize":
        kpis = siting.optimize(spec, options=RunOptions(time_limit=LIMIT)).kpis
        return kpis["objective_value"], kpis["objective_kind"]
    if runner == "plan":
        from siting.horizon_run import run_horizon

        run = run_horizon(
            _horizon(spec), write=False, map=False, options=RunOptions(time_limit=LIMIT)
        )
        return run.solution.objective, kind
    if runner in ("batch", "batch-horizon"):
        from siting import batch
        from siting.sweep import Sweep, SweepPoint

        point = _horizon(spec) if runner == "batch-horizon" else spec
        sweep = Sweep("family", Path("family.toml"), [SweepPoint("family-0", point, {}, "k")])

        def started(*args: Any, **kwargs: Any) -> None:
            raise _StartedError

        monkeypatch.setattr(batch, "_client", started)
        with pytest.raises(_StartedError):  # the checks before any cluster starts
            batch.run_batch(sweep, Path("/nonexistent-family-batch"))
        kpis = batch.solve_point(point.to_dict(), RunOptions(time_limit=LIMIT))["kpis"]
        value = kpis["total_cost_cny"] if runner == "batch-horizon" else kpis["objective_value"]
        return value, kind
    if runner == "tradeoff":
        from siting.analysis import tradeoff

        row = tradeoff(
            spec,
            "costs.discount_rate",
            [spec.costs.discount_rate],
            options=RunOptions(time_limit=LIMIT),
        )
        return float(row["objective_value"].iloc[0]), str(row["objective_kind"].iloc[0])
    if runner == "whynot":
        from siting import analysis, stages
        from siting.solve import solve  # not stages.solve: a baseline may have patched it

        seen: list[float] = []

        def first_solve(*args: Any, **kwargs: Any) -> Any:
            seen.append(solve(*args, **kwargs).objective)
            raise _StoppedError

        monkeypatch.setattr(stages, "solve", first_solve)
        with pytest.raises(_StoppedError):
            analysis.why_not(spec, options=RunOptions(time_limit=LIMIT))
        return seen[0], kind
    if runner == "audit":
        from siting.analysis import audit

        return audit(spec, spec, options=RunOptions(time_limit=LIMIT)).kpis[
            "cost_optimal_cny"
        ], kind
    if runner == "robust":
        from siting.analysis import robust_plan

        twin = spec.with_overrides({"name": "family-twin"})
        table = robust_plan([spec, twin], options=RunOptions(time_limit=LIMIT)).table.set_index(
            "plan"
        )
        return float(table.loc["robust", "expected_cost_cny"]), kind
    if runner == "classic":
        from siting.classic import ClassicOptions, run_classic

        # a classic kind's plan takes the scenario's p and radius; the cost plan is the
        # scenario's own
        options = ClassicOptions((classic,)) if classic else ClassicOptions(("p-median",), sites=3)
        run = run_classic(
            spec, options, write=False, map=False, options=RunOptions(time_limit=LIMIT)
        )
        plan = run.plans[-1] if classic else run.plans[0]
        kpis = plan.run.results.kpis
        return kpis["objective_value"], kpis["objective_kind"]
    raise AssertionError(runner)


_BASELINES: dict[tuple, tuple[float, str]] = {}


def _cells() -> list[Any]:
    cells = []
    for family in FAMILIES:
        for runner in RUNNERS:
            refused = (family, runner) in REFUSED
            marks = [] if refused or runner in FAST else [pytest.mark.slow]
            cells.append(pytest.param(family, runner, id=f"{family}-{runner}", marks=marks))
    return cells


@pytest.mark.parametrize(("family", "runner"), _cells())
def test_family_acts_or_is_refused(family: str, runner: str, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may be written; a stray file would land here
    base, change, direction = FAMILIES[family]
    key = REFUSED.get((family, runner))
    if key is not None:
        with pytest.raises(InputError) as caught:
            spec = _scenario(_freeze(base), _freeze(change))
            _measure(runner, spec, monkeypatch)
        assert key in str(caught.value)
        assert not any(tmp_path.iterdir())
        return
    spec = _scenario(_freeze(base), _freeze(change))
    if (family, runner) in LEFT_OUT:  # the runner answers without it, and says so
        _measure(runner, spec, monkeypatch)
        assert LEFT_OUT[family, runner](spec)
        return
    classic = spec.objective.kind if runner == "classic" and spec.objective.classic else None
    cache = (runner, _freeze(base), classic)
    if cache not in _BASELINES:
        _BASELINES[cache] = _measure(runner, _scenario(_freeze(base)), monkeypatch, classic)
    before, _ = _BASELINES[cache]
    after, kind = _measure(runner, spec, monkeypatch, classic)
    assert math.isfinite(after)
    if direction == "up":
        assert after > before * (1 + 1e-6)
    elif direction == "down":
        assert after < before - 1e-6 * abs(before)
    else:
        assert kind == spec.objective.kind and after != pytest.approx(before, rel=1e-6)


@pytest.mark.parametrize("family", [f for f, r in REFUSED if r == "plan"])
def test_cli_plan_refuses_with_exit_2_and_writes_nothing(family: str, tmp_path, capsys) -> None:
    """``siting plan`` on a horizon with a family it does not model: one error, exit 2."""
    from siting.cli import main

    base, change, _ = FAMILIES[family]
    path = tmp_path / "family.toml"
    path.write_text(_toml({**base, **change, "horizon": HORIZON}))
    out, maps = tmp_path / "out", tmp_path / "maps"
    assert main(["plan", str(path), "--out", str(out), "--maps", str(maps)]) == 2
    err = capsys.readouterr().err
    assert REFUSED[family, "plan"] in err and "Traceback" not in err
    assert not out.exists() and not maps.exists()


def test_api_optimize_refuses_a_horizon_as_the_cli_does(tmp_path, capsys) -> None:
    """Issue 18: ``siting.optimize("2023-2030")`` returned a single-period plan."""
    from siting.cli import main

    with pytest.raises(InputError, match="siting plan 2023-2030"):
        siting.optimize("2023-2030")
    assert main(["optimize", "2023-2030", "--out", str(tmp_path / "out")]) == 2
    assert "siting plan 2023-2030" in capsys.readouterr().err


@pytest.mark.parametrize("runner", ["optimize", "batch", "tradeoff", "classic"])
def test_mclp_covering_no_hub_is_refused_by_every_runner(runner, monkeypatch, tmp_path) -> None:
    """An MCLP radius below every hub's nearest round trip (4.2 ms on the internet layer)."""
    monkeypatch.chdir(tmp_path)
    change = {"objective.kind": "mclp", "objective.sites": 3, "objective.coverage_rtt_ms": 1.0}
    spec = _scenario(_freeze({"latency.layer": "internet"}), _freeze(change))
    with pytest.raises(InputError, match="coverage_rtt_ms"):
        _measure(runner, spec, monkeypatch)


def test_cli_mclp_covering_no_hub_exits_2(tmp_path, capsys) -> None:
    from siting.cli import main

    path = tmp_path / "mclp.toml"
    path.write_text(
        _toml({"latency.layer": "internet", "objective.kind": "mclp", "objective.sites": 3,
               "objective.coverage_rtt_ms": 1.0})
    )  # fmt: skip
    for command in ("optimize", "classic"):
        out = tmp_path / command
        assert main([command, str(path), "--out", str(out)]) == 2
        assert "coverage_rtt_ms" in capsys.readouterr().err
        assert not out.exists()


def _toml(overrides: dict[str, Any]) -> str:
    """A scenario file extending the default with dotted overrides (tables as sub-tables)."""
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *tables, key = dotted.split(".")
        table = tree
        for part in tables:
            table = table.setdefault(part, {})
        table[key] = value
    lines = ['extends = "default"', 'name = "family"']
    if "classes" not in tree:  # one inference class, as _scenario
        lines.append("classes = {}")
    _dump(tree, [], lines)
    return "\n".join(lines) + "\n"


def _dump(table: dict[str, Any], path: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if path and scalars:
        lines.append(f"[{'.'.join(json.dumps(p) for p in path)}]")
    for key, value in scalars.items():
        lines.append(f"{json.dumps(key)} = {json.dumps(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            if not value:
                lines.append(f"[{'.'.join(json.dumps(p) for p in [*path, key])}]")
            _dump(value, [*path, key], lines)
