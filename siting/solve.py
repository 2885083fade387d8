"""Run the solver and return a typed :class:`Solution`.

The solution's status says what the solver proved: ``optimal`` (within the relative gap),
``feasible`` (stopped at a limit with a plan and its gap), or an error. An infeasible model
raises :class:`~siting.errors.InfeasibleError` naming the demand or limit that cannot be met.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pulp

from siting import settings
from siting.errors import InfeasibleError, SolverError
from siting.feasibility import check_feasibility
from siting.instance import Instance
from siting.model import (
    OBJECTIVE_UNIT,
    RobustModel,
    SitingModel,
    build_model,
    objective_terms,
)


class Status(StrEnum):
    """What the solver proved about the plan it returns."""

    OPTIMAL = "optimal"
    """Optimal within the requested relative gap."""
    FEASIBLE = "feasible"
    """Stopped at a time or iteration limit with a feasible plan; see the gap."""


@dataclass(frozen=True)
class Solution:
    """A solved plan, as arrays indexed like the instance's.

    Attributes
    ----------
    status
        What the solver proved.
    objective
        Total cost of the plan, CNY/yr.
    bound
        Best lower bound on any plan's cost, CNY/yr (``nan`` if the solver gave none).
    gap
        Relative gap ``(objective - bound) / objective`` (``nan`` if unknown).
    solver
        ``"highs"`` or ``"cbc"``.
    termination
        The solver's own words for why it stopped.
    seconds
        Wall time of the solve, s.
    open
        Site is open, shape (S,).
    build
        New IT MW built, shape (S,).
    train
        Training MW hosted, shape (S,).
    serve
        Inference MW per admissible pair, shape (K,).
    """

    status: Status
    objective: float
    bound: float
    gap: float
    solver: str
    termination: str
    seconds: float
    open: np.ndarray
    build: np.ndarray
    train: np.ndarray
    serve: np.ndarray


def solve(
    model: SitingModel,
    *,
    solver: str | pulp.LpSolver | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
) -> Solution:
    """Solve a built model.

    Parameters
    ----------
    model
        From :func:`~siting.model.build_model`.
    solver
        ``"highs"`` or ``"cbc"`` (default ``settings.solver``), or a PuLP solver object such
        as ``pulp.HiGHS(timeLimit=10)``, used as configured (``time_limit``, ``mip_gap`` and
        ``threads`` then do not apply; the bound and gap are unknown).
    time_limit
        Seconds; default ``settings.time_limit``.
    mip_gap
        Relative gap; default ``settings.mip_gap``.
    threads
        Solver threads; default ``settings.threads``.

    Returns
    -------
    Solution

    Raises
    ------
    InfeasibleError
        If no plan meets every demand and limit; the message says which cannot be met.
    SolverError
        If the solver failed, or hit its limit before finding any plan.
    """
    run = _run(model.problem, solver, time_limit, mip_gap, threads)
    if run.status == "infeasible":
        if model.elastic:
            raise SolverError(f"{run.solver} reported the elastic model infeasible: {run.words}")
        raise InfeasibleError(explain_infeasibility(model.instance, solver=solver or run.solver))
    return _solution(model, run)


@dataclass(frozen=True)
class RobustSolution:
    """A solved robust plan: one build decision, one :class:`Solution` per scenario.

    Attributes
    ----------
    status, bound, gap, solver, termination, seconds
        As in :class:`Solution`, for the whole model.
    objective
        Expected cost (CNY/yr), or the worst-case regret (CNY/yr) when minimising regret.
    scenarios
        Each scenario's use of the shared plan; their ``open`` and ``build`` are equal.
    """

    status: Status
    objective: float
    bound: float
    gap: float
    solver: str
    termination: str
    seconds: float
    scenarios: list[Solution]


def solve_robust(
    model: RobustModel,
    *,
    solver: str | pulp.LpSolver | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
) -> RobustSolution:
    """Solve a robust (two-stage) model; options as in :func:`solve`.

    Raises
    ------
    InfeasibleError
        If some scenario cannot be served by any plan, naming the scenario and the reason.
    SolverError
        If the solver failed or found no plan within its limits.
    """
    run = _run(model.problem, solver, time_limit, mip_gap, threads)
    if run.status == "infeasible":
        reasons = []
        for i, sub in enumerate(model.scenarios):
            reasons += [f"scenario {i}: {r}" for r in check_feasibility(sub.instance)]
        raise InfeasibleError(reasons or ["the scenarios together admit no plan"])
    parts = [_solution(sub, run) for sub in model.scenarios]
    objective = (pulp.value(model.problem.objective) or 0.0) * OBJECTIVE_UNIT
    bound = run.bound * OBJECTIVE_UNIT
    if run.status == "optimal" and math.isnan(bound):
        bound = objective
    return RobustSolution(
        status=Status(run.status),
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound),
        solver=run.solver,
        termination=run.words,
        seconds=run.seconds,
        scenarios=parts,
    )


@dataclass(frozen=True)
class _Run:
    status: str
    bound: float
    words: str
    solver: str
    seconds: float


def _run(
    prob: pulp.LpProblem,
    solver: str | pulp.LpSolver | None,
    time_limit: float | None,
    mip_gap: float | None,
    threads: int | None,
) -> _Run:
    if isinstance(solver, pulp.LpSolver):
        return _run_pulp(prob, solver)
    solver = (solver or settings.solver).lower()
    time_limit = settings.time_limit if time_limit is None else time_limit
    mip_gap = settings.mip_gap if mip_gap is None else mip_gap
    threads = settings.threads if threads is None else threads
    if solver not in settings.SOLVERS:
        msg = f"unknown solver {solver!r}; expected one of {', '.join(settings.SOLVERS)}"
        raise SolverError(msg)
    start = time.perf_counter()
    runner = _run_highs if solver == "highs" else _run_cbc
    status, bound, words = runner(prob, time_limit, mip_gap, threads)
    seconds = time.perf_counter() - start
    if status == "none":
        msg = f"{solver} found no feasible plan ({words}); raise the time limit"
        raise SolverError(msg)
    return _Run(status, bound, words, solver, seconds)


def _run_pulp(prob: pulp.LpProblem, solver: pulp.LpSolver) -> _Run:
    """Solve with a PuLP solver object as configured by the caller (its own limits apply)."""
    start = time.perf_counter()
    prob.solve(solver)
    seconds = time.perf_counter() - start
    words = pulp.LpStatus[prob.status]
    if prob.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    elif prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "feasible"
    else:
        raise SolverError(f"{solver.name} found no feasible plan ({words})")
    return _Run(status, math.nan, words, solver.name, seconds)


def _gap(objective: float, bound: float) -> float:
    if math.isnan(bound):
        return math.nan
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _solution(model: SitingModel, run: _Run) -> Solution:
    def values(variables: list[pulp.LpVariable]) -> np.ndarray:
        return np.array([v.value() or 0.0 for v in variables], dtype=float)

    objective = sum(c * (v.value() or 0.0) for v, c in objective_terms(model)) * OBJECTIVE_UNIT
    single = pulp.value(model.problem.objective) or 0.0
    whole = abs(single * OBJECTIVE_UNIT - objective) <= 1e-6 * max(abs(objective), 1.0)
    bound = run.bound * OBJECTIVE_UNIT if whole else math.nan
    if run.status == "optimal" and whole and math.isnan(bound):
        bound = objective
    return Solution(
        status=Status(run.status),
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound),
        solver=run.solver,
        termination=run.words,
        seconds=run.seconds,
        open=values(model.open) > 0.5,
        build=np.clip(values(model.build), 0, None),
        train=np.clip(values(model.train), 0, None),
        serve=np.clip(values(model.serve), 0, None),
    )


def _run_highs(
    prob: pulp.LpProblem, time_limit: float, mip_gap: float, threads: int | None
) -> tuple[str, float, str]:
    import highspy

    options = {"msg": False, "timeLimit": time_limit, "gapRel": mip_gap}
    if threads:
        options["threads"] = threads
    with _silenced_stdout():  # HiGHS prints a banner from C++ before options apply
        prob.solve(pulp.HiGHS(**options))
    highs = prob.solverModel
    model_status = highs.getModelStatus()
    termination = highs.modelStatusToString(model_status)
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    kind = highspy.HighsModelStatus
    if model_status == kind.kOptimal:
        status = "optimal"
    elif model_status in (kind.kInfeasible, kind.kUnboundedOrInfeasible):
        status = "infeasible"
    elif has_solution and model_status in (kind.kTimeLimit, kind.kIterationLimit, kind.kInterrupt):
        status = "feasible"
    else:
        status = "none"
    bound = info.mip_dual_bound if prob.isMIP() else info.objective_function_value
    return status, (bound if math.isfinite(bound) else math.nan), termination


@contextlib.contextmanager
def _silenced_stdout() -> Iterator[None]:
    """Send what native code writes to file descriptor 1 to the null device."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_CBC_LINE = re.compile(r"^(Result|Objective value|Lower bound|Gap)\s*[-:]\s*(.+)$", re.MULTILINE)


def _run_cbc(
    prob: pulp.LpProblem, time_limit: float, mip_gap: float, threads: int | None
) -> tuple[str, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        options = {"msg": False, "timeLimit": time_limit, "gapRel": mip_gap, "logPath": str(log)}
        if threads:
            options["threads"] = threads
        prob.solve(pulp.COIN_CMD(path=_cbc_executable(), **options))
        text = log.read_text(errors="replace") if log.exists() else ""
    found = dict(_CBC_LINE.findall(text))
    termination = found.get("Result", pulp.LpStatus[prob.status]).strip()
    if prob.status == pulp.LpStatusInfeasible:
        return "infeasible", math.nan, termination
    if prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "feasible"
    else:
        return "none", math.nan, termination
    try:
        bound = float(found["Lower bound"])
    except (KeyError, ValueError):
        bound = math.nan
    return status, bound, termination


def _cbc_executable() -> str:
    """Find the ``cbc`` program installed by ``pulp[cbc]`` (cbcbox) beside this interpreter."""
    found = shutil.which("cbc", path=sysconfig.get_path("scripts")) or shutil.which("cbc")
    if found is None:
        msg = "CBC is not installed; install it with `pip install 'pulp[cbc]'` or use HiGHS"
        raise SolverError(msg)
    return found


def explain_infeasibility(instance: Instance, *, solver: str | None = None) -> list[str]:
    """Say which demand or limit makes an instance infeasible.

    Runs the cheap necessary checks of :mod:`siting.feasibility`; then solves the elastic model
    (demand may go unmet at a penalty) and reports the demand left unmet.

    Parameters
    ----------
    instance
        The infeasible instance.
    solver
        Solver for the elastic model.

    Returns
    -------
    list of str
        One sentence per unmet demand or violated limit.
    """
    reasons = check_feasibility(instance)
    elastic = build_model(instance, elastic=True)
    try:
        solve(elastic, solver=solver)
    except SolverError as exc:
        return [*reasons, f"the elastic re-solve failed: {exc}"]
    names = [f"hub '{h}' inference" for h in instance.hub_ids] + ["national training"]
    demand = [*instance.demand_mw.tolist(), instance.training_mw]
    for name, var, total in zip(names, elastic.shortfall, demand, strict=True):
        unmet = var.value() or 0.0
        if unmet > 1e-6:
            reasons.append(
                f"{name}: {unmet:.1f} of {total:.1f} MW cannot be met under the latency, grid, "
                "staff and cluster-size limits together"
            )
    return reasons or ["the solver proved the model infeasible, but no single demand is to blame"]
