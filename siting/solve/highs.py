"""Run HiGHS on an :class:`~siting.model.arrays.ArrayModel`, passed as arrays.

Reads back why it stopped, the plan, the bound and (for LPs) the duals. Every run can be
stopped: HiGHS runs in a thread while the caller's thread waits, and a Ctrl-C
(``KeyboardInterrupt``) there asks HiGHS to stop through its interrupt callbacks, waits up to
:data:`STOP_GRACE` seconds for it and is raised again. HiGHS checks the callbacks between
simplex iterations and MIP nodes, not inside a MIP's root LP or presolve: a run that has not
stopped by then is left to stop in the background (:func:`still_running`). The ``siting``
command then leaves with :func:`os._exit`, as it does after any Ctrl-C once HiGHS is loaded:
HiGHS's C++ threads abort an orderly exit.

HiGHS's own log goes to the ``logging`` logger ``siting.solve.highs`` at level DEBUG when
that level is enabled (``siting --verbose``); otherwise HiGHS prints nothing.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import highspy
import numpy as np

from siting.model.arrays import ArrayModel

#: Where HiGHS's log goes (DEBUG), when enabled.
LOG = logging.getLogger(__name__)

#: Seconds a Ctrl-C waits for HiGHS to stop before it is raised anyway.
STOP_GRACE = 1.0

#: Runs asked to stop that had not stopped when the Ctrl-C was raised.
_LEFT_RUNNING: set[threading.Event] = set()

#: Magnitude above which an objective, matrix or bound figure is taken as a data error.
LARGEST = 1e12

_LIMITS = {
    "kTimeLimit": "time limit",
    "kIterationLimit": "iteration limit",
    "kSolutionLimit": "solution limit",
    "kMemoryLimit": "memory limit",
    "kInterrupt": "interrupted",
    "kHighsInterrupt": "interrupted",
    "kObjectiveBound": "objective bound",
    "kObjectiveTarget": "objective target",
}


@dataclass(frozen=True)
class HighsRun:
    """What one HiGHS run returned.

    Attributes
    ----------
    state
        ``"optimal"``, ``"limit"`` (stopped at a limit), ``"infeasible"`` or ``"error"``.
    words
        HiGHS's status in words, with the cause of a failure.
    x
        Column values, or ``None`` if there is no feasible plan.
    objective
        ``c·x`` in objective units (``nan`` without a plan).
    bound
        Dual bound in objective units (``nan`` if none).
    row_dual, col_dual
        LP duals (HiGHS signs: ``col_dual = c - Aᵀ row_dual``), or ``None``; an LP stopped
        at a limit has them only if HiGHS still holds valid duals (they need not be optimal).
    """

    state: str
    words: str
    x: np.ndarray | None
    objective: float
    bound: float
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None


@contextlib.contextmanager
def silenced_stdout() -> Iterator[None]:
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


class StoppableHighs(highspy.Highs):
    """HiGHS with the event that stops it (set by :func:`run_stoppably` on Ctrl-C)."""

    siting_stop: threading.Event


def new_highs(mip_gap: float, threads: int | None) -> StoppableHighs:
    """Make a HiGHS instance with the relative MIP gap and thread count set.

    It prints nothing; its log goes to :data:`LOG` if DEBUG is enabled there. :func:`run`
    can stop it on Ctrl-C.
    """
    with silenced_stdout():  # HiGHS prints a banner from C++ before options apply
        highs = StoppableHighs()
    verbose = LOG.isEnabledFor(logging.DEBUG)
    highs.setOptionValue("output_flag", verbose)
    highs.setOptionValue("log_to_console", False)
    if verbose:
        highs.cbLogging += _log_line
    highs.siting_stop = stop = threading.Event()

    def interrupt(event: highspy.highs.HighsCallbackEvent) -> None:
        if stop.is_set():
            event.interrupt()

    highs.cbSimplexInterrupt += interrupt
    highs.cbIpmInterrupt += interrupt
    highs.cbMipInterrupt += interrupt
    highs.setOptionValue("mip_rel_gap", float(mip_gap))
    if threads:
        highs.setOptionValue("threads", int(threads))
    return highs


def pass_model(highs: highspy.Highs, model: ArrayModel, *, relax: bool = False) -> None:
    """Give HiGHS the model, replacing any it holds; ``relax`` drops integrality.

    Passed through HiGHS's array calls (rows, then the columns with their column-wise
    entries, then the integer columns), which copy the NumPy arrays without a Python loop.
    HiGHS then holds what ``passModel`` of a ``HighsLp`` with the same arrays would: a
    continuous model has no integrality list at all.
    """
    highs.clearModel()
    none = np.zeros(0, np.int32)
    highs.addRows(model.n_rows, model.row_lower, model.row_upper, 0, none, none, np.zeros(0))
    highs.addCols(
        model.n_cols, model.cost, model.col_lower, model.col_upper, len(model.value),
        model.start[:-1].astype(np.int32), model.index.astype(np.int32), model.value,
    )  # fmt: skip
    if model.is_mip and not relax:
        integer = np.flatnonzero(model.integer).astype(np.int32)
        kind = np.full(len(integer), int(highspy.HighsVarType.kInteger), np.uint8)
        highs.changeColsIntegrality(len(integer), integer, kind)


def check_numbers(model: ArrayModel) -> str | None:
    """Say which figure of the model is not finite or absurdly large, or ``None``.

    Infinite bounds on rows and columns are allowed where they mean "no limit"; every cost
    and matrix entry, and every finite bound, must be finite and at most :data:`LARGEST`.
    """
    checks = (
        ("objective coefficient", "cols", model.cost, ()),
        ("lower bound", "cols", model.col_lower, (-np.inf,)),
        ("upper bound", "cols", model.col_upper, (np.inf,)),
        ("lower bound", "rows", model.row_lower, (-np.inf,)),
        ("upper bound", "rows", model.row_upper, (np.inf,)),
    )
    for what, axis, values, allowed in checks:
        bad = ~np.isfinite(values) | (np.abs(values) > LARGEST)
        for ok in allowed:
            bad &= values != ok
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            return f"{what} of '{model.names(axis)[j]}' is {values[j]:g}"
    bad = ~np.isfinite(model.value) | (np.abs(model.value) > LARGEST)
    if bad.any():
        e = int(np.flatnonzero(bad)[0])
        col = int(np.searchsorted(model.start, e, side="right") - 1)
        row = model.names("rows")[model.index[e]]
        return f"coefficient of '{model.names('cols')[col]}' in '{row}' is {model.value[e]:g}"
    return None


def run(highs: StoppableHighs, time_limit: float, *, is_mip: bool, duals: bool = False) -> HighsRun:
    """Run HiGHS on the model it holds and read the outcome.

    Parameters
    ----------
    highs
        A HiGHS instance holding a model.
    time_limit
        Seconds for this run.
    is_mip
        Whether the model holds integer columns (the bound is then the MIP dual bound).
    duals
        Read the LP duals too.

    Returns
    -------
    HighsRun
    """
    # HiGHS's time limit counts all runs of one instance: add the time already spent
    highs.setOptionValue("time_limit", highs.getRunTime() + max(float(time_limit), 0.0))
    run_stoppably(highs)
    state, words = _state(highs)
    info = highs.getInfo()
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    bound = info.mip_dual_bound if is_mip else info.objective_function_value
    bound = bound if math.isfinite(bound) else math.nan
    solution = highs.getSolution()
    # an LP stopped at a limit may still hold duals (e.g. the dual simplex without presolve)
    row_dual = col_dual = None
    if duals and solution.dual_valid and state in ("optimal", "limit"):
        row_dual = np.asarray(solution.row_dual, dtype=float)
        col_dual = np.asarray(solution.col_dual, dtype=float)
    if state in ("infeasible", "error") or not has_plan:
        bound = bound if state == "limit" else math.nan
        return HighsRun(state, words, None, math.nan, bound, row_dual, col_dual)
    x = np.asarray(solution.col_value, dtype=float)
    objective = info.objective_function_value
    if state == "optimal" and not is_mip:
        bound = objective
    return HighsRun(state, words, x, objective, bound, row_dual, col_dual)


def _state(highs: highspy.Highs) -> tuple[str, str]:
    """Say how a run ended: ``optimal``, ``infeasible``, ``limit`` or ``error``, and in words."""
    status = highs.getModelStatus()
    name = status.name
    words = highs.modelStatusToString(status)
    if name in ("kOptimal", "kModelEmpty"):
        return "optimal", words
    if name in ("kInfeasible", "kUnboundedOrInfeasible"):
        return "infeasible", words
    if name in _LIMITS:
        return "limit", _LIMITS[name]
    cause = "unbounded" if name == "kUnbounded" else "numerical trouble or a solver error"
    return "error", f"{words}: {cause}"


@dataclass(frozen=True)
class RowRun:
    """What a re-solve of an LP returned, rows only.

    Attributes
    ----------
    state, words
        As :class:`HighsRun`.
    row_value, row_dual
        Row activities and duals (HiGHS signs), or ``None`` unless optimal.
    """

    state: str
    words: str
    row_value: np.ndarray | None
    row_dual: np.ndarray | None


def rerun_rows(highs: highspy.Highs) -> RowRun:
    """Solve the LP HiGHS holds again, from its basis, in this thread; read the rows only.

    For many short re-solves of one LP after bound changes (each a few pivots): no thread per
    run (a Ctrl-C is raised when the run returns) and no copy of the columns, which in a
    large LP take longer to read than the re-solve. Columns whose values are wanted get a
    free row of their own. ``highs`` should leave ``threads`` at HiGHS's default: a thread
    count other than the one this thread's HiGHS scheduler started with is an error.
    """
    highs.run()
    state, words = _state(highs)
    if state != "optimal":
        return RowRun(state, words, None, None)
    solution = highs.getSolution()
    n = highs.getNumRow()
    return RowRun(
        state,
        words,
        np.fromiter(solution.row_value, float, n),
        np.fromiter(solution.row_dual, float, n),
    )


def _log_line(event: highspy.highs.HighsCallbackEvent) -> None:
    text = event.message.rstrip()
    if text:
        LOG.debug(text)


def run_stoppably(highs: StoppableHighs) -> None:
    """Run HiGHS (from :func:`new_highs`) in a thread; on Ctrl-C stop it and raise again.

    Raises
    ------
    KeyboardInterrupt
        When interrupted; HiGHS has stopped by then.
    """
    stop: threading.Event = highs.siting_stop
    stop.clear()
    done = threading.Event()  # not Thread.is_alive: an interrupted join can mark it stopped
    failed: list[BaseException] = []

    def work() -> None:
        try:
            highs.run()
        except BaseException as exc:  # raised again in the caller's thread
            failed.append(exc)
        finally:  # end this thread's HiGHS workers, as highspy's own threaded solve does
            highspy.Highs.resetThreadScheduler(False)
            done.set()
            _LEFT_RUNNING.discard(done)

    threading.Thread(target=work, name="highs", daemon=True).start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        stop.set()
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: stop waiting
            done.wait(STOP_GRACE)
        if not done.is_set():
            _LEFT_RUNNING.add(done)
        raise
    if failed:
        raise failed[0]


def still_running() -> bool:
    """Whether a HiGHS run asked to stop by a Ctrl-C is still running (in the background).

    A program that exits then must leave with :func:`os._exit`: the C++ runtime aborts an
    exit while HiGHS's threads run.
    """
    return any(not done.is_set() for done in _LEFT_RUNNING)
