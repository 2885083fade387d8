"""Solve a built model and return a typed :class:`~siting.solve.status.Solution`.

HiGHS reads the model from arrays (:mod:`siting.solve.highs`): a PuLP model is read into
arrays first, a model from :func:`~siting.model.arrays.build_arrays` goes straight in. CBC
solves the PuLP model (one is built if only arrays are given). Large instances are
decomposed (:mod:`siting.solve.decompose`) under the ``"auto"`` strategy.

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

import highspy
import numpy as np
import pulp

from siting import settings
from siting.errors import InfeasibleError, SolverError
from siting.feasibility import check_feasibility, one_class, stream_names
from siting.instance import Instance
from siting.model import (
    OBJECTIVE_UNIT,
    RobustModel,
    SitingModel,
    build_model,
    objective_scale,
    objective_terms,
    serve_mw,
)
from siting.model.arrays import ArrayModel, build_arrays, from_pulp
from siting.model.classic import LEFT_OUT
from siting.solve.cbc import run_cbc
from siting.solve.center import assign_nearest, classic_objective, solve_center
from siting.solve.decompose import DECOMPOSE_PAIRS, decomposable, solve_decomposed
from siting.solve.highs import LARGEST, as_highs_lp, check_numbers, new_highs, run
from siting.solve.status import (
    STRATEGIES,
    RobustSolution,
    Solution,
    Status,
    best_bound,
    relative_gap,
    verdict,
)


@dataclass(frozen=True)
class Options:
    """Validated solver options (see :func:`solve`); ``custom`` is a PuLP solver object."""

    solver: str
    time_limit: float
    mip_gap: float
    threads: int | None
    strategy: str
    custom: pulp.LpSolver | None = None

    @property
    def needs_pulp(self) -> bool:
        """Whether the solver reads the PuLP model (CBC, or a PuLP solver object)."""
        return self.solver == "cbc" or self.custom is not None


def solver_options(
    solver: str | pulp.LpSolver | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    strategy: str | None = None,
) -> Options:
    """Fill in defaults from :mod:`siting.settings` and check every option.

    A PuLP solver object (e.g. ``pulp.HiGHS(timeLimit=10)``) is used as configured: the time
    limit, gap and threads then do not apply, the model is solved directly and the bound and
    gap are unknown.

    Raises
    ------
    SolverError
        If an option is unknown or out of range.
    """
    if isinstance(solver, pulp.LpSolver):
        name = solver.name.lower()
        gap = settings.mip_gap if mip_gap is None else float(mip_gap)
        return Options(name, settings.time_limit, gap, threads, "direct", custom=solver)
    solver = (solver or settings.solver).lower()
    strategy = (strategy or "auto").lower()
    time_limit = settings.time_limit if time_limit is None else float(time_limit)
    mip_gap = settings.mip_gap if mip_gap is None else float(mip_gap)
    threads = settings.threads if threads is None else threads
    if solver not in settings.SOLVERS:
        msg = f"unknown solver {solver!r}; expected one of {', '.join(settings.SOLVERS)}"
        raise SolverError(msg)
    if strategy not in STRATEGIES:
        msg = f"unknown solve strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}"
        raise SolverError(msg)
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise SolverError(f"time limit must be a positive number of seconds, got {time_limit}")
    if not (0 <= mip_gap < 1):
        raise SolverError(f"relative gap must be in [0, 1), got {mip_gap}")
    if threads is not None and threads < 1:
        raise SolverError(f"threads must be at least 1, got {threads}")
    return Options(solver, time_limit, mip_gap, threads, strategy)


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
    model: SitingModel | ArrayModel,
    *,
    solver: str | pulp.LpSolver | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    strategy: str | None = None,
) -> Solution:
    """Solve a built model.

    Parameters
    ----------
    model
        From :func:`~siting.model.build_model` (PuLP) or
        :func:`~siting.model.arrays.build_arrays` (arrays; faster for HiGHS).
    solver
        ``"highs"`` or ``"cbc"`` (default ``settings.solver``), or a PuLP solver object such
        as ``pulp.HiGHS(timeLimit=10)``, used as configured (``time_limit``, ``mip_gap``,
        ``threads`` and ``strategy`` then do not apply; the bound and gap are unknown).
    time_limit
        Seconds; default ``settings.time_limit``.
    mip_gap
        Relative gap; default ``settings.mip_gap``.
    threads
        Solver threads; default ``settings.threads``.
    strategy
        ``"auto"`` (decompose with HiGHS from :data:`~siting.solve.decompose.DECOMPOSE_PAIRS`
        pairs; p-center by radius search, :mod:`siting.solve.center`), ``"direct"`` or
        ``"decompose"`` (HiGHS only; CBC solves directly).

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
    opts = solver_options(solver, time_limit, mip_gap, threads, strategy)
    inst = model.instance if isinstance(model, SitingModel) else model.scenarios[0].instance
    if by_radius(inst, opts):
        return solve_center(inst, opts)
    pulp_model = model if isinstance(model, SitingModel) else None
    if opts.needs_pulp and pulp_model is None:
        assert isinstance(model, ArrayModel)
        inst = model.scenarios[0].instance
        pulp_model = build_model(inst, elastic=model.elastic, forcing=model.forcing)
    arrays = model if pulp_model is None else from_pulp(pulp_model.problem, [pulp_model])
    assert isinstance(arrays, ArrayModel)
    layout = arrays.scenarios[0]
    result = _solve_arrays(arrays, opts, pulp_model.problem if pulp_model else None)
    if result.state == "infeasible":
        if arrays.elastic:
            msg = f"{opts.solver} reported the elastic model infeasible: {result.words}"
            raise SolverError(msg)
        solver_used = opts.custom or opts.solver
        raise InfeasibleError(explain_infeasibility(layout.instance, solver=solver_used))
    x = _checked_plan(result, opts)
    inst = layout.instance
    opened = x[layout.open] > 0.5
    # a classic kind: the objective of its open sites, each client served from the nearest
    recomputed = classic_objective(inst, opened) if inst.classic else None
    objective, bound, gap, status, words = _judge(arrays, x, result, opts, recomputed)
    if inst.classic:
        x = x.copy()
        x[layout.serve] = assign_nearest(inst, opened)
        words = f"{words}; {LEFT_OUT}"
    if pulp_model is not None:
        _write_back(pulp_model.problem, x)
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


def build_for(
    instance: Instance,
    solver: str | pulp.LpSolver | None = None,
    strategy: str | None = None,
) -> SitingModel | ArrayModel:
    """Build a model in the form :func:`solve` reads with these options.

    Arrays for HiGHS (the fast build) and for p-center by radius search (which builds its own
    covering problems); the PuLP model for CBC and for a PuLP solver object.
    """
    opts = solver_options(solver, strategy=strategy)
    if opts.needs_pulp and not by_radius(instance, opts):
        return build_model(instance)
    return build_arrays(instance)


def by_radius(inst: Instance, opts: Options) -> bool:
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


def solve_robust(
    model: RobustModel,
    *,
    solver: str | pulp.LpSolver | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    strategy: str | None = None,
) -> RobustSolution:
    """Solve a robust (two-stage) model; options as in :func:`solve`.

    Raises
    ------
    InfeasibleError
        If some scenario cannot be served by any plan, naming the scenario and the reason.
    SolverError
        If the solver failed or found no plan within its limits.
    """
    opts = solver_options(solver, time_limit, mip_gap, threads, strategy)

    def reasons() -> list[str]:
        found = []
        for i, sub in enumerate(model.scenarios):
            found += [f"scenario {i}: {r}" for r in check_feasibility(sub.instance)]
        return found or ["the scenarios together admit no plan"]

    out = solve_problem(model.problem, model.scenarios, opts, reasons)
    parts = [
        _pulp_solution(sub, out.status, out.bound, out.objective, out.words, opts, out.result)
        for sub in model.scenarios
    ]
    return RobustSolution(
        status=out.status,
        objective=out.objective,
        bound=out.bound,
        gap=out.gap,
        solver=opts.solver,
        termination=out.words,
        seconds=out.result.seconds,
        scenarios=parts,
        strategy=out.result.strategy,
    )


@dataclass(frozen=True)
class Solved:
    """A solved PuLP problem: the plan over its columns, cost, bound and verdict."""

    x: np.ndarray
    objective: float
    bound: float
    gap: float
    status: Status
    words: str
    result: _Result


def solve_problem(
    problem: pulp.LpProblem | None,
    models: Sequence[SitingModel],
    opts: Options,
    reasons: Callable[[], list[str]],
    arrays: ArrayModel | None = None,
    *,
    earlier: _Result | None = None,
    began: float | None = None,
) -> Solved:
    """Solve a problem in one solver run and write the plan back into its PuLP variables.

    Parameters
    ----------
    problem
        The problem (minimised); ``None`` for a model given only as ``arrays`` (HiGHS).
    models
        Its single-period parts, for the array layouts.
    opts
        From :func:`solver_options`.
    reasons
        Called if the problem is infeasible: the sentences of the :class:`InfeasibleError`.
    arrays
        The problem already read into arrays (:func:`~siting.model.arrays.from_pulp`).
    earlier
        An earlier stage's result on the same arrays (e.g. the LP-guided restriction of
        :mod:`siting.solve.periods`): if ``"optimal"`` it is the answer; else the full model
        starts from its plan, and the cheaper plan and the best bound of both are kept
        (:func:`keep_best`).
    began
        When the whole solve began (:func:`time.perf_counter`): the time limit and the seconds
        reported count from then.
    """
    began = time.perf_counter() if began is None else began
    if arrays is None:
        assert problem is not None
        arrays = from_pulp(problem, models)
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
    if problem is not None:
        _write_back(problem, x)
    objective, bound, gap, status, words = _judge(arrays, x, result, opts)
    return Solved(x, objective, bound, gap, status, words, result)


def _solve_arrays(
    arrays: ArrayModel,
    opts: Options,
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
            x = pulp_values(problem.variables())
    elif opts.solver == "cbc":
        assert problem is not None
        state, words, bound = run_cbc(problem, left, opts.mip_gap, opts.threads)
        x = None
        if state in ("optimal", "limit"):
            x = pulp_values(problem.variables())
    else:
        highs = new_highs(opts.mip_gap, opts.threads)
        highs.passModel(as_highs_lp(arrays))
        if incumbent is not None and arrays.is_mip:
            given = highspy.HighsSolution()
            given.col_value = incumbent.tolist()
            highs.setSolution(given)
        out = run(highs, left, is_mip=arrays.is_mip)
        state, words, bound, x = out.state, out.words, out.bound, out.x
        if state == "limit" and x is None:
            state = "none"
    bound = best_bound(bound, known)
    seconds = time.perf_counter() - start
    return _Result(state, words + notes, x, bound, "direct", seconds)


def time_left(opts: Options, began: float) -> float:
    """Seconds left of the time limit since ``began``, at least one.

    A stage that starts with the time used up still runs briefly, so it can report a plan.
    """
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
    opts: Options,
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
    status, words = verdict(result.state == "optimal", gap, opts.mip_gap, words)
    return objective, bound, gap, status, words


def _checked_plan(result: _Result, opts: Options) -> np.ndarray:
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


def _pulp_solution(
    sub: SitingModel,
    status: Status,
    bound: float,
    whole_objective: float,
    words: str,
    opts: Options,
    result: _Result,
) -> Solution:
    """One scenario's part of a robust plan, read from its PuLP variables."""
    values = pulp_values
    objective = sum(c * (v.value() or 0.0) for v, c in objective_terms(sub)) * OBJECTIVE_UNIT
    whole = abs(whole_objective - objective) <= 1e-6 * max(abs(objective), 1.0)
    own = bound if whole else math.nan
    return Solution(
        status=status,
        objective=objective,
        bound=own,
        gap=relative_gap(objective, own),
        solver=opts.solver,
        termination=words,
        seconds=result.seconds,
        open=values(sub.open) > 0.5,
        build=np.clip(values(sub.build), 0, None),
        train=np.clip(values(sub.train), 0, None),
        serve=np.clip(values(sub.serve), 0, None),
        strategy=result.strategy,
    )


def explain_infeasibility(
    instance: Instance, *, solver: str | pulp.LpSolver | None = None
) -> list[str]:
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
    if instance.classic:
        return explain_classic(instance, solver=solver)
    reasons = check_feasibility(instance)
    if instance.site_count:
        rule = "exactly" if instance.site_count_rule == "exactly" else "at most"
        reasons.append(
            f"the plan may open {rule} {instance.site_count} of the {instance.n_sites} sites "
            "([objective] sites); the demand below cannot be met with that many"
        )
    elastic = build_arrays(instance, elastic=True)
    opts = solver_options(solver, strategy="direct")
    problem = None
    if opts.needs_pulp:
        pm = build_model(instance, elastic=True)
        elastic, problem = from_pulp(pm.problem, [pm]), pm.problem
    try:
        result = _solve_arrays(elastic, opts, problem)
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


def explain_classic(instance: Instance, *, solver: str | pulp.LpSolver | None = None) -> list[str]:
    """Say why a classic location model is infeasible: too few sites to cover every client.

    Only LSCP with a site count can be infeasible once the input checks have passed; the
    unlimited LSCP is solved to say how many sites covering every client needs.
    """
    p, rule = instance.site_count, instance.site_count_rule.replace("_", " ")
    free = dataclasses.replace(instance, site_count=0)
    try:
        needed = solve(build_arrays(free), solver=solver, strategy="direct", mip_gap=0.0)
    except (InfeasibleError, SolverError) as exc:
        return [f"{instance.objective_kind} with {rule} {p} sites is infeasible ({exc})"]
    return [
        f"covering every hub within its radius needs {needed.objective:.0f} sites, but "
        f"[objective] sites allows {rule} {p}"
    ]
