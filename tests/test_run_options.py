"""Run options are checked when made, resolved once per scenario, and reach every runner."""

from __future__ import annotations

import pulp
import pytest

from siting import settings
from siting.errors import InputError
from siting.scenario import Solve
from siting.solve import direct
from siting.solve import horizon as solve_horizon_module
from siting.solve.options import RunOptions, resolved


class StopSolveError(Exception):
    """Raised by the spies below once they have seen a solve's options."""


def test_given_beats_the_scenario_beats_the_settings(monkeypatch) -> None:
    monkeypatch.setattr(settings, "time_limit", 11.0)
    monkeypatch.setattr(settings, "mip_gap", 0.02)
    table = Solve(strategy="decompose", time_limit=7.0)
    assert resolved(None) == RunOptions("highs", 11.0, 0.02, None, "auto")
    assert resolved(None, table) == RunOptions("highs", 7.0, 0.02, None, "decompose")
    given = RunOptions("cbc", 3.0, 0.1, 2, "direct")
    assert resolved(given, table) == given
    assert resolved(RunOptions(mip_gap=0.0), table).mip_gap == 0.0  # 0 is given, not unset


def test_a_pulp_solver_object_is_solved_directly_as_configured() -> None:
    options = RunOptions(pulp.HiGHS(msg=False), strategy="decompose")
    assert options.solver == "highs" and options.custom is not None and options.needs_pulp
    assert resolved(options, Solve(strategy="decompose")).strategy == "direct"


def test_every_bad_option_is_named_in_one_error() -> None:
    with pytest.raises(InputError) as info:
        RunOptions("gurobi", -1.0, 1.5, 0, "magic")
    text = str(info.value)
    for field in ("solver", "time_limit", "mip_gap", "threads", "strategy"):
        assert f"field '{field}'" in text


def _with_solve(tiny, name: str, table: str) -> str:
    """A copy of the tiny scenario ``name`` with a ``[solve]`` table."""
    path = tiny / f"{name}-solve.toml"
    path.write_text(f'extends = "{name}.toml"\nname = "{name}-solve"\n[solve]\n{table}\n')
    return str(path)


@pytest.fixture
def seen(monkeypatch) -> list:
    """Every single-period solve's options and the strategy it ran.

    The elastic re-solve that explains an infeasible model is left out: it is direct by design.
    """
    found: list = []
    real = direct._solve_arrays

    def spy(arrays, opts, problem, **kwargs):
        result = real(arrays, opts, problem, **kwargs)
        if not arrays.elastic:
            found.append((opts, result.strategy))
        return result

    monkeypatch.setattr(direct, "_solve_arrays", spy)
    return found


def _run(analysis: str, tiny, table: str) -> None:
    """Run an analysis on the tiny futures, each with the ``[solve]`` table ``table``."""
    from siting import analysis as a

    boom = _with_solve(tiny, "boom", table)
    shift = _with_solve(tiny, "shift", table)
    if analysis == "audit":
        a.audit(boom, shift)
    elif analysis == "robust":
        a.robust_plan([boom, shift])
    elif analysis == "whynot":
        a.why_not(shift, inference_mw=10.0, training_mw=60.0)
    else:
        a.tradeoff(shift, "demand.inference_sla_ms", [5.0, 6.0])


@pytest.mark.parametrize("analysis", ["audit", "robust", "whynot", "tradeoff"])
def test_analyses_honour_the_scenarios_solve_strategy(analysis, tiny, seen) -> None:
    """``[solve] strategy = "decompose"`` reaches every solve of the analysis.

    The plans of the scenarios themselves are decomposed; a model decomposition cannot take
    (a site forced in, a plan fixed) is solved directly and says why.
    """
    _run(analysis, tiny, 'strategy = "decompose"')
    assert seen and {opts.strategy for opts, _ in seen} == {"decompose"}
    assert "decompose" in {ran for _, ran in seen}


SOLVE = "time_limit = 7.0\nmip_gap = 0.003"


@pytest.mark.parametrize(
    "runner", ["optimize", "classic", "batch", "plan", "audit", "robust", "whynot", "tradeoff"]
)
def test_the_scenarios_time_limit_and_gap_reach_every_runner(runner, tiny, monkeypatch) -> None:
    """``[solve] time_limit`` and ``mip_gap`` are each solve's unless the caller gives them."""
    limits: list[tuple[float, float]] = []

    def stop_single(arrays, opts, problem, **kwargs):
        limits.append((opts.time_limit, opts.mip_gap))
        raise StopSolveError

    def stop_horizon(model, options=None, **kwargs):
        limits.append((resolved(options).time_limit, resolved(options).mip_gap))
        raise StopSolveError

    monkeypatch.setattr(direct, "_solve_arrays", stop_single)
    monkeypatch.setattr(solve_horizon_module, "solve_horizon", stop_horizon)
    shift = _with_solve(tiny, "shift", SOLVE)
    with pytest.raises(StopSolveError):
        if runner == "optimize":
            from siting.pipeline import optimize

            optimize(shift, write=False)
        elif runner == "classic":
            from siting.classic import ClassicOptions, run_classic

            run_classic(shift, ClassicOptions(("p-median",)), write=False, map=False)
        elif runner == "batch":
            from siting.batch import solve_point
            from siting.scenario import load_scenario

            solve_point(load_scenario(shift)[0].to_dict(), RunOptions())
        elif runner == "plan":
            from siting.horizon_run import run_horizon

            horizon = tiny / "h.toml"
            horizon.write_text(
                'extends = "default"\nname = "h"\nclasses = {}\n[solve]\n' + SOLVE + "\n"
                "[horizon]\nyears = [2024, 2025]\nlead_time_years = 1\n"
            )
            run_horizon(str(horizon), write=False, map=False)
        else:
            _run(runner, tiny, SOLVE)
    assert limits == [(7.0, 0.003)]
