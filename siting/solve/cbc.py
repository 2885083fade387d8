"""Run CBC (PuLP's bundled ``cbc`` program) on a PuLP problem and read why it stopped.

A Ctrl-C (``KeyboardInterrupt``) during a solve ends the ``cbc`` process (PuLP would leave it
running) and removes its files before it is raised again.

CBC's log prints the lower bound with six significant digits (``Lower bound: 1.67578e+09``);
read as printed it can exceed the plan's own cost. :func:`printed_lower_bound` takes off half
a unit of the last printed digit, so the figure is a valid bound; callers also clamp it to the
plan's cost.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import sysconfig
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from siting.errors import SolverError

if TYPE_CHECKING:
    import pulp

_CBC_LINE = re.compile(r"^(Result|Objective value|Lower bound|Gap)\s*[-:]\s*(.+)$", re.MULTILINE)


def run_cbc(
    prob: pulp.LpProblem, time_limit: float, mip_gap: float, threads: int | None
) -> tuple[str, str, float]:
    """Solve a problem with CBC; the values land in its variables.

    Parameters
    ----------
    prob
        The PuLP problem.
    time_limit
        Seconds.
    mip_gap
        Relative gap.
    threads
        Threads, or ``None``.

    Returns
    -------
    tuple of str, str and float
        State (``"optimal"``, ``"limit"``, ``"infeasible"``, ``"none"`` or ``"error"``), CBC's
        words, and the lower bound in objective units (``nan`` if none; for an optimal plan at
        least CBC's objective less the gap).
    """
    import pulp  # a CBC run only: a HiGHS run never loads it

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        options = {"msg": False, "timeLimit": time_limit, "gapRel": mip_gap, "logPath": str(log)}
        if threads:
            options["threads"] = threads
        solver = pulp.COIN_CMD(path=cbc_executable(), **options)
        solver.tmpDir = tmp  # PuLP's model and solution files: removed with the folder
        before = _children()
        try:
            prob.solve(solver)
        except KeyboardInterrupt:
            _end(_children() - before)
            raise
        text = log.read_text(errors="replace") if log.exists() else ""
    found = dict(_CBC_LINE.findall(text))
    words = found.get("Result", pulp.LpStatus[prob.status]).strip()
    if prob.status == pulp.LpStatusInfeasible:
        return "infeasible", words, math.nan
    if prob.status == pulp.LpStatusUnbounded:
        return "error", f"{words}: unbounded", math.nan
    if prob.sol_status == pulp.LpSolutionOptimal:
        state = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        state = "limit"
        words = "time limit" if "time" in words.lower() else words
    elif prob.status == pulp.LpStatusNotSolved:
        return "none", "time limit" if "time" in words.lower() else words, math.nan
    else:
        return "error", f"{words}: numerical trouble or a solver error", math.nan
    bound = printed_lower_bound(found.get("Lower bound", ""))
    if state == "optimal":
        # CBC proved its gap on its own objective, which it prints to more digits than the
        # plan's values (PuLP's bundled CBC writes them to 8 significant digits).
        objective = _number(found.get("Objective value", ""))
        proved = objective - mip_gap * abs(objective)
        bound = proved if math.isnan(bound) else max(bound, proved)
    return state, words, bound


def _children() -> set:
    """Return the descendants of this process (``psutil`` processes)."""
    import psutil  # a dependency of dask.distributed

    return set(psutil.Process().children(recursive=True))


def _end(processes: set) -> None:
    """Terminate processes (CBC and its launcher), then kill those still running after 1 s."""
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):  # gone already
            process.terminate()
    _, alive = psutil.wait_procs(list(processes), timeout=1.0)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()


def printed_lower_bound(text: str) -> float:
    """Turn a rounded printed bound into a valid one: take off half a unit of its last digit.

    Parameters
    ----------
    text
        The figure as printed, e.g. ``"1.67578e+09"``.

    Returns
    -------
    float
        ``1.67578e9 - 5e3`` for the example; ``nan`` if the text is not a number.
    """
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return math.nan
    if not value.is_finite():
        return math.nan
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return float(value) - 0.5 * 10.0**exponent


def _number(text: str) -> float:
    """Read a printed number; ``nan`` if it is not a finite one."""
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def cbc_executable() -> str:
    """Find a ``cbc`` program: PuLP's bundled one, else one beside this interpreter or on PATH.

    PuLP 3's wheel bundles a CBC build for Linux, macOS and Windows; ``pulp[cbc]`` (cbcbox, 600
    MB of CBC builds) or a system CBC serve where it does not.
    """
    import pulp  # a CBC run only: a HiGHS run never loads it

    bundled = getattr(pulp.PULP_CBC_CMD, "pulp_cbc_path", None)
    found = (
        (shutil.which(bundled) if bundled else None)
        or shutil.which("cbc", path=sysconfig.get_path("scripts"))
        or shutil.which("cbc")
    )
    if found is None:
        msg = "CBC is not installed; install it with `pip install 'pulp[cbc]'` or use HiGHS"
        raise SolverError(msg)
    return found
