"""Solve a built model and return a typed :class:`~siting.solve.status.Solution`.

Every model is built as arrays (:mod:`siting.model.build`). HiGHS reads them directly
(:mod:`siting.solve.highs`); CBC and a PuLP solver object solve the PuLP problem derived from
them (:func:`~siting.model.pulp_model.to_pulp`). Large instances are decomposed
(:mod:`siting.solve.decompose`) under the ``"auto"`` strategy.

An infeasible model raises :class:`~siting.errors.InfeasibleError` naming the demand or
limit that cannot be met; a solver that fails or finds no plan raises
:class:`~siting.errors.SolverError` naming the cause (time limit, numerics, bad numbers).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from siting.errors import InfeasibleError, SolverError
from siting.feasibility import check_feasibility, one_class, stream_names
from siting.instance import Instance
from siting.model import OBJECTIVE_UNIT, build_arrays, objective_scale, serve_mw, to_pulp
from siting.model.arrays import ArrayModel, Layout
from siting.model.classic import LEFT_OUT
from siting.model.pulp_model import column_values
from siting.solve.cbc import run_cbc
from siting.solve.center import assign_nearest, classic_objective, solve_center
from siting.solve.decompose import DECOMPOSE_PAIRS, decomposable, solve_decomposed
from siting.solve.highs import LARGEST, check_numbers, new_highs, pass_model, run
from siting.solve.options import RunOptions, resolved
from siting.solve.status import (
    RobustSolution,
    Solution,
    Status,
    best_bound,
    relative_gap,
    verdict,
)

if TYPE_CHECKING:
    import pulp

#: HiGHS's algorithm for the root LP of a MIP that starts from an earlier stage's plan (the
#: multi-period model after its LP-guided restriction, :mod:`siting.solve.horizon`): the
#: interior point method, then crossover (the nodes and cut rounds stay with the simplex).
#: Prefecture sites over 8 years (``benchmarks/bench_periods.py`` with a 180 s limit, 2 cores):
#: a certified 0.1 % after 94 s (63 s of CPU, load average 3.2-3.5), against 164 s (116 s of
#: CPU, load 5.6-3.2) with HiGHS's default, the dual simplex (docs/model.md).
ROOT_LP_AFTER_PLAN = "ipm"


@dataclass(frozen=True)
class _Result:
    """One solve of an array model: plan over its columns, bound, why it stopped."""

    state: str
    words: str
    x: np.ndarray | None
    bound: float
    strategy: str
    seconds: float


def solve(
    model: ArrayModel,
    options: RunOptions | None = None,
) -> Solution:
    """Solve a built model.

    Parameters
    ----------
    model
        From :func:`~siting.model.build_arrays` (with :func:`~siting.model.fix_plan`, if the
        first stage is fixed).
    options
        Solver, time limit, gap, threads and strategy (:class:`RunOptions`; those not given
        from :mod:`siting.settings`). A PuLP solver object is used as configured (the bound
        and gap are then unknown). Under ``"auto"`` HiGHS decomposes from
        :data:`~siting.solve.decompose.DECOMPOSE_PAIRS` pairs and p-center is solved by
        radius search (:mod:`siting.solve.center`); CBC solves directly.

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
    opts = resolved(options)
    assert opts.solver is not None  # set by RunOptions.resolve
    layout = model.scenarios[0]
    if by_radius(layout.instance, opts):
        return solve_center(layout.instance, opts)
    result = _solve_arrays(model, opts, to_pulp(model) if opts.needs_pulp else None)
    if result.state == "infeasible":
        if model.elastic:
            msg = f"{opts.solver} reported the elastic model infeasible: {result.words}"
            raise SolverError(msg)
        raise InfeasibleError(explain_infeasibility(layout.instance, opts))
    x = _checked_plan(result, opts)
    inst = layout.instance
    opened = x[layout.open] > 0.5
    # a classic kind: the objective of its open sites, each client served from the nearest
    recomputed = classic_objective(inst, opened) if inst.classic else None
    objective, bound, gap, status, words = _judge(model, x, result, opts, recomputed)
    if inst.classic:
        x = x.copy()
        x[layout.serve] = assign_nearest(inst, opened)
        words = f"{words}; {LEFT_OUT}"
    return Solution(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        solver=opts.solver,
        termination=words,
        seconds=result.seconds,
        open=opened,
        build=_column_values(x, layout.build),
        train=_column_values(x, layout.train),
        serve=serve_mw(inst, np.clip(x[layout.serve], 0, None)),
        strategy=result.strategy,
    )


def build_for(instance: Instance, options: RunOptions | None = None) -> ArrayModel:
    """Build the model :func:`solve` reads with these options: the arrays, for any solver.

    The options are checked here, before the build; CBC and a PuLP solver object get the
    PuLP problem derived from the arrays inside :func:`solve`.
    """
    resolved(options)
    return build_arrays(instance)


def by_radius(inst: Instance, opts: RunOptions) -> bool:
    """Whether to solve p-center by radius search (:mod:`siting.solve.center`).

    Under strategy ``"auto"``, with a site count, every client with a pair and the solver
    chosen by name; ``"direct"``, ``"decompose"`` and a PuLP solver object solve the textbook
    formulation.
    """
    return (
        inst.objective_kind == "p-center"
        and opts.strategy == "auto"
        and opts.custom is None
        and inst.site_count > 0
        and bool(np.all(np.bincount(inst.pair_stream, minlength=inst.n_streams) > 0))
    )


def _column_values(x: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Values of some columns, clipped at 0; 0 where a variable has no column (``-1``)."""
    return np.where(cols >= 0, np.clip(x[np.maximum(cols, 0)], 0, None), 0.0)


def pulp_values(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
    """Return the solved values of PuLP variables (0 where unset)."""
    return np.array([v.value() or 0.0 for v in variables], dtype=float)


def solve_robust(model: ArrayModel, options: RunOptions | None = None) -> RobustSolution:
    """Solve a robust model (:func:`~siting.model.build_robust`); options as in :func:`solve`.

    Raises
    ------
    InfeasibleError
        If some scenario cannot be served by any plan, naming the scenario and the reason.
    SolverError
        If the solver failed or found no plan within its limits.
    """
    opts = resolved(options)
    assert opts.solver is not None  # set by RunOptions.resolve

    def reasons() -> list[str]:
        found = []
        for i, layout in enumerate(model.scenarios):
            found += [f"scenario {i}: {r}" for r in check_feasibility(layout.instance)]
        return found or ["the scenarios together admit no plan"]

    problem = to_pulp(model) if opts.needs_pulp else None
    out = solve_model(model, opts, reasons, problem)
    parts = [_scenario_solution(layout, out, opts) for layout in model.scenarios]
    return RobustSolution(
        **out.outcome_fields(opts.solver),
        scenarios=parts,
        strategy=out.result.strategy,
    )


@dataclass(frozen=True)
class Solved:
    """A solved model: the plan over its columns, cost, bound and verdict."""

    x: np.ndarray
    objective: float
    bound: float
    gap: float
    status: Status
    words: str
    result: _Result

    def outcome_fields(self, solver: str) -> dict[str, Any]:
        """Return the fields every :class:`~siting.solve.status.Outcome` of this solve shares."""
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solver": solver,
            "termination": self.words,
            "seconds": self.result.seconds,
        }


def solve_model(
    arrays: ArrayModel,
    opts: RunOptions,
    reasons: Callable[[], list[str]],
    problem: pulp.LpProblem | None = None,
    *,
    earlier: _Result | None = None,
    began: float | None = None,
) -> Solved:
    """Solve an array model in one solver run (after an earlier stage, if any).

    Parameters
    ----------
    arrays
        The model (minimised).
    opts
        Resolved options (:meth:`RunOptions.resolve`).
    reasons
        Called if the problem is infeasible: the sentences of the :class:`InfeasibleError`.
    problem
        Its PuLP form, for CBC and a PuLP solver object.
    earlier
        An earlier stage's result on the same arrays (e.g. the LP-guided restriction of
        :mod:`siting.solve.horizon`): if ``"optimal"`` it is the answer; else the full model
        starts from its plan, and the cheaper plan and the best bound of both are kept
        (:func:`keep_best`).
    began
        When the whole solve began (:func:`time.perf_counter`): the time limit and the seconds
        reported count from then.
    """
    began = time.perf_counter() if began is None else began
    if earlier is not None and earlier.state == "optimal":
        result = earlier
    else:
        plan = None if earlier is None else earlier.x
        result = _solve_arrays(arrays, opts, problem, began=began, incumbent=plan)
        if earlier is not None:
            result = keep_best(arrays, earlier, result)
    result = dataclasses.replace(result, seconds=time.perf_counter() - began)
    if result.state == "infeasible":
        raise InfeasibleError(reasons())
    x = _checked_plan(result, opts)
    objective, bound, gap, status, words = _judge(arrays, x, result, opts)
    return Solved(x, objective, bound, gap, status, words, result)


def _solve_arrays(
    arrays: ArrayModel,
    opts: RunOptions,
    problem: pulp.LpProblem | None,
    *,
    began: float | None = None,
    incumbent: np.ndarray | None = None,
) -> _Result:
    """Run the chosen strategy and solver; ``problem`` is the PuLP form, for CBC.

    Parameters
    ----------
    arrays, opts, problem
        The model, the options and (for CBC) its PuLP form.
    began
        When the whole solve began (:func:`time.perf_counter`), if earlier stages ran: the
        time limit counts from then, and so do the seconds reported.
    incumbent
        A plan of the model from an earlier stage, given to HiGHS as its first incumbent.
    """
    bad = check_numbers(arrays)
    if bad is not None:
        msg = (
            f"the model cannot be solved: its {bad}; every cost (million CNY/yr), capacity "
            f"(MW) and staff figure must be finite and at most {LARGEST:g}; check the input "
            "files and the scenario"
        )
        raise SolverError(msg)
    assert opts.mip_gap is not None  # set by RunOptions.resolve
    start = time.perf_counter() if began is None else began
    pairs = sum(lay.instance.n_pairs for lay in arrays.scenarios)
    wants = opts.strategy == "decompose" or (opts.strategy == "auto" and pairs >= DECOMPOSE_PAIRS)
    notes = ""
    known = math.nan  # a valid bound from the decomposition, kept if it falls back
    why_direct = decomposable(arrays) if wants else ""
    if why_direct:
        wants, notes = False, f"; not decomposed: {why_direct}"
    if wants and opts.solver == "cbc":
        notes = "; decomposition needs HiGHS's LP duals, so CBC solved the full model directly"
    elif wants:
        out, notes = solve_decomposed(
            arrays, time_limit=time_left(opts, start), mip_gap=opts.mip_gap, threads=opts.threads
        )
        if out.state in ("optimal", "limit", "infeasible"):
            seconds = time.perf_counter() - start
            words = f"{out.words}; {notes}"
            return _Result(out.state, words, out.x, out.bound, "decompose", seconds)
        known = out.bound
        notes = f"; {notes}; decomposition found no plan ({out.words}), so solved directly"
    left = time_left(opts, start)
    if opts.custom is not None:
        assert problem is not None
        state, words, bound = _run_custom(problem, opts.custom)
        x = None
        if state in ("optimal", "limit"):
            x = column_values(problem, arrays)
    elif opts.solver == "cbc":
        assert problem is not None
        state, words, bound = run_cbc(problem, left, opts.mip_gap, opts.threads)
        x = None
        if state in ("optimal", "limit"):
            x = column_values(problem, arrays)
    else:
        highs = new_highs(opts.mip_gap, opts.threads)
        pass_model(highs, arrays)
        if incumbent is not None and arrays.is_mip:
            given = highspy.HighsSolution()
            given.col_value = incumbent.tolist()
            highs.setSolution(given)
            highs.setOptionValue("mip_lp_solver", ROOT_LP_AFTER_PLAN)
        out = run(highs, left, is_mip=arrays.is_mip)
        state, words, bound, x = out.state, out.words, out.bound, out.x
        if state == "limit" and x is None:
            state = "none"
    bound = best_bound(bound, known)
    seconds = time.perf_counter() - start
    return _Result(state, words + notes, x, bound, "direct", seconds)


def time_left(opts: RunOptions, began: float) -> float:
    """Seconds left of the time limit since ``began``, at least one.

    A stage that starts with the time used up still runs briefly, so it can report a plan.
    """
    assert opts.time_limit is not None  # set by RunOptions.resolve
    return max(opts.time_limit - (time.perf_counter() - began), 1.0)


def keep_best(arrays: ArrayModel, earlier: _Result, later: _Result) -> _Result:
    """Combine two stages' solves of one model: the cheaper plan and the best valid bound.

    Parameters
    ----------
    arrays
        The model both stages solved (their plans are over its columns).
    earlier
        The first stage's result (e.g. the LP-guided restriction): its plan, if any, is a plan
        of the model and its bound is valid for the model.
    later
        The stage that solved the full model.

    Returns
    -------
    _Result
        ``later`` with the larger of the two bounds, unless ``earlier`` holds a plan and
        ``later`` holds none or a costlier one: then ``earlier``'s plan, state ``"limit"``
        (the verdict then rests on its gap to the bound) and words that say so.
    """
    bound = best_bound(earlier.bound, later.bound)
    has_later = later.x is not None and later.state in ("optimal", "limit")
    if earlier.x is None or (
        has_later and float(arrays.cost @ later.x) <= float(arrays.cost @ earlier.x)
    ):
        return dataclasses.replace(later, bound=bound)
    why = "found a costlier plan" if has_later else "found no plan"
    words = f"{later.words}; kept the {earlier.strategy} stage's plan (the full model {why})"
    return dataclasses.replace(earlier, state="limit", words=words, bound=bound)


def _run_custom(problem: pulp.LpProblem, solver: pulp.LpSolver) -> tuple[str, str, float]:
    """Solve with a PuLP solver object as configured by the caller (its own limits apply)."""
    import pulp  # the caller's PuLP solver object: a HiGHS run never loads PuLP

    problem.solve(solver)
    words = pulp.LpStatus[problem.status]
    if problem.status == pulp.LpStatusInfeasible:
        return "infeasible", words, math.nan
    if problem.sol_status == pulp.LpSolutionOptimal:
        return "optimal", words, math.nan
    if problem.sol_status == pulp.LpSolutionIntegerFeasible:
        return "limit", words, math.nan
    return "none", words, math.nan


def _judge(
    arrays: ArrayModel,
    x: np.ndarray,
    result: _Result,
    opts: RunOptions,
    objective: float | None = None,
) -> tuple[float, float, float, Status, str]:
    """Objective and bound (bound at most the objective), gap, status and words.

    In CNY/yr for cost and margin, in the kind's unit for a classic kind (as minimised).
    ``objective``, if given, is the plan's objective recomputed from the plan itself (a
    classic kind's open sites, :func:`~siting.solve.center.classic_objective`); where it
    differs from the solver's beyond the solver's tolerance it is reported, and the words say
    so.
    """
    scale = objective_scale(arrays.scenarios[0].instance) if arrays.scenarios else OBJECTIVE_UNIT
    solver_value = float(arrays.cost @ x) * scale
    words = result.words
    if objective is None or abs(objective - solver_value) <= 1e-6 * max(abs(objective), 1.0):
        objective = solver_value  # equal up to the solver's feasibility tolerance
    else:
        words = (
            f"{words}; objective recomputed from the open sites, each client served from its "
            f"nearest ({objective:.6g}; the solver's assignment gave {solver_value:.6g})"
        )
    bound = min(result.bound * scale, objective)
    gap = relative_gap(objective, bound)
    assert opts.mip_gap is not None  # set by RunOptions.resolve
    status, words = verdict(result.state == "optimal", gap, opts.mip_gap, words)
    return objective, bound, gap, status, words


def _checked_plan(result: _Result, opts: RunOptions) -> np.ndarray:
    """Return the plan of a solve that found one; else raise the reason as a SolverError."""
    if result.x is not None and result.state in ("optimal", "limit"):
        return result.x
    if result.state == "error":
        raise SolverError(f"{opts.solver} failed: {result.words}")
    if result.words.startswith("time limit"):
        msg = (
            f"{opts.solver} found no feasible plan within the time limit "
            f"({opts.time_limit:g} s); raise the time limit"
        )
        raise SolverError(msg)
    raise SolverError(f"{opts.solver} found no feasible plan ({result.words})")


def _write_back(problem: pulp.LpProblem, x: np.ndarray) -> None:
    """Put a plan's values into the PuLP variables (in :meth:`~pulp.LpProblem.variables` order)."""
    for var, value in zip(problem.variables(), x.tolist(), strict=True):
        var.varValue = value


def _scenario_solution(layout: Layout, out: Solved, opts: RunOptions) -> Solution:
    """One scenario's part of a robust plan: its columns and its own cost (:attr:`Layout.cost`)."""
    assert layout.cost is not None
    assert opts.solver is not None  # set by RunOptions.resolve
    cols, coefs = layout.cost
    objective = float(coefs @ out.x[cols]) * OBJECTIVE_UNIT
    whole = abs(out.objective - objective) <= 1e-6 * max(abs(objective), 1.0)
    own = out.bound if whole else math.nan
    return Solution(
        status=out.status,
        objective=objective,
        bound=own,
        gap=relative_gap(objective, own),
        solver=opts.solver,
        termination=out.words,
        seconds=out.result.seconds,
        open=out.x[layout.open] > 0.5,
        build=_column_values(out.x, layout.build),
        train=_column_values(out.x, layout.train),
        serve=_column_values(out.x, layout.serve),
        strategy=out.result.strategy,
    )


def explain_infeasibility(instance: Instance, options: RunOptions | None = None) -> list[str]:
    """Say which demand or limit makes an instance infeasible.

    Runs the cheap necessary checks of :mod:`siting.feasibility`; then solves the elastic model
    (demand may go unmet at a penalty) and reports the demand left unmet.

    Parameters
    ----------
    instance
        The infeasible instance.
    options
        Solver options for the elastic model (solved directly).

    Returns
    -------
    list of str
        One sentence per unmet demand or violated limit.
    """
    if instance.classic:
        return explain_classic(instance, options)
    reasons = check_feasibility(instance)
    if instance.site_count:
        rule = "exactly" if instance.site_count_rule == "exactly" else "at most"
        reasons.append(
            f"the plan may open {rule} {instance.site_count} of the {instance.n_sites} sites "
            "([objective] sites); the demand below cannot be met with that many"
        )
    elastic = build_arrays(instance, elastic=True)
    opts = dataclasses.replace(resolved(options), strategy="direct")
    try:
        result = _solve_arrays(elastic, opts, to_pulp(elastic) if opts.needs_pulp else None)
        x = _checked_plan(result, opts)
    except SolverError as exc:
        return [*reasons, f"the elastic re-solve failed: {exc}"]
    hubs = stream_names(instance)
    if one_class(instance):
        hubs = [f"{n} inference" for n in hubs]
    names = [*hubs, "national training"]
    demand = [*instance.stream_demand_mw.tolist(), instance.training_mw]
    unmet = x[elastic.scenarios[0].shortfall]
    for name, short, total in zip(names, unmet.tolist(), demand, strict=True):
        if short > 1e-6:
            reasons.append(
                f"{name}: {short:.1f} of {total:.1f} MW cannot be met under the latency, grid, "
                "staff and cluster-size limits together"
            )
    return reasons or ["the solver proved the model infeasible, but no single demand is to blame"]


def explain_classic(instance: Instance, options: RunOptions | None = None) -> list[str]:
    """Say why a classic location model is infeasible: too few sites to cover every client.

    Only LSCP with a site count can be infeasible once the input checks have passed; the
    unlimited LSCP is solved to say how many sites covering every client needs.
    """
    p, rule = instance.site_count, instance.site_count_rule.replace("_", " ")
    free = dataclasses.replace(instance, site_count=0)
    try:
        exact = dataclasses.replace(options or RunOptions(), strategy="direct", mip_gap=0.0)
        needed = solve(build_arrays(free), exact)
    except (InfeasibleError, SolverError) as exc:
        return [f"{instance.objective_kind} with {rule} {p} sites is infeasible ({exc})"]
    return [
        f"covering every hub within its radius needs {needed.objective:.0f} sites, but "
        f"[objective] sites allows {rule} {p}"
    ]
