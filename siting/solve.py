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
from siting.model import OBJECTIVE_UNIT, SitingModel, build_model


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
    solver: str | None = None,
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
        ``"highs"`` or ``"cbc"``; default ``settings.solver``.
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
    solver = (solver or settings.solver).lower()
    time_limit = settings.time_limit if time_limit is None else time_limit
    mip_gap = settings.mip_gap if mip_gap is None else mip_gap
    threads = settings.threads if threads is None else threads
    if solver not in settings.SOLVERS:
        msg = f"unknown solver {solver!r}; expected one of {', '.join(settings.SOLVERS)}"
        raise SolverError(msg)
    start = time.perf_counter()
    if solver == "highs":
        status, bound, termination = _run_highs(model.problem, time_limit, mip_gap, threads)
    else:
        status, bound, termination = _run_cbc(model.problem, time_limit, mip_gap, threads)
    seconds = time.perf_counter() - start
    if status == "infeasible":
        if model.elastic:
            raise SolverError(f"{solver} reported the elastic model infeasible: {termination}")
        raise InfeasibleError(explain_infeasibility(model.instance, solver=solver))
    if status == "none":
        msg = f"{solver} found no feasible plan ({termination}); raise the time limit"
        raise SolverError(msg)
    return _solution(model, Status(status), bound, solver, termination, seconds)


def _solution(
    model: SitingModel, status: Status, bound: float, solver: str, termination: str, seconds: float
) -> Solution:
    def values(variables: list[pulp.LpVariable]) -> np.ndarray:
        return np.array([v.value() or 0.0 for v in variables], dtype=float)

    objective = (pulp.value(model.problem.objective) or 0.0) * OBJECTIVE_UNIT
    bound = bound * OBJECTIVE_UNIT
    if status is Status.OPTIMAL and math.isnan(bound):
        bound = objective
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if not math.isnan(bound) else math.nan
    return Solution(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        solver=solver,
        termination=termination,
        seconds=seconds,
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
