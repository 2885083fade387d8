"""What a solve proved: the typed solutions and the honest status and gap.

A plan is called :attr:`Status.OPTIMAL` only when its gap to a valid lower bound is within the
relative gap the user asked for; a plan stopped earlier (time limit, iteration limit, or a gap
above the tolerance) is :attr:`Status.FEASIBLE` and its termination says where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

#: Strategies of :func:`~siting.solve.solve`: choose by size, one solver run, or decomposition.
STRATEGIES = ("auto", "direct", "decompose")

#: Slack on the gap test for floating-point noise in the solver's objective and bound, and for
#: plan values read to 8 significant digits (PuLP's bundled CBC writes its solution file so,
#: which moves a plan's cost by up to about 5e-8 of itself).
GAP_SLACK = 1e-7


class Status(StrEnum):
    """What the solver proved about the plan it returns."""

    OPTIMAL = "optimal"
    """Optimal within the requested relative gap."""
    FEASIBLE = "feasible"
    """A feasible plan whose gap exceeds the requested one (stopped at a limit); see the gap."""


@dataclass(frozen=True)
class Outcome:
    """What every solve reports: status, cost, bound, gap and how it stopped.

    Attributes
    ----------
    status, objective, bound, gap, solver, termination, seconds
        As in :class:`Solution`.
    """

    status: Status
    objective: float
    bound: float
    gap: float
    solver: str
    termination: str
    seconds: float


@dataclass(frozen=True)
class Solution(Outcome):
    """A solved plan, as arrays indexed like the instance's.

    Attributes
    ----------
    status
        What the solver proved.
    objective
        Total cost of the plan, CNY/yr; for a classic location model the objective in its
        unit as minimised (``siting.model.classic.UNITS``; MCLP: minus the MW covered), and
        ``serve`` is the assignment in MW.
    bound
        Best lower bound on any plan's cost, CNY/yr, valid for the full model (``nan`` if the
        solver gave none).
    gap
        Relative gap ``(objective - bound) / |objective|`` (``nan`` if unknown).
    solver
        ``"highs"`` or ``"cbc"``.
    termination
        Why it stopped, in words: the solver's status, and the strategy's notes.
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
    strategy
        ``"direct"`` (one solver run) or ``"decompose"`` (:mod:`siting.solve.decompose`).
    """

    open: np.ndarray
    build: np.ndarray
    train: np.ndarray
    serve: np.ndarray
    strategy: str = "direct"


@dataclass(frozen=True)
class RobustSolution(Outcome):
    """A solved robust plan: one build decision, one :class:`Solution` per scenario.

    Attributes
    ----------
    status, bound, gap, solver, termination, seconds, strategy
        As in :class:`Solution`, for the whole model.
    objective
        Expected cost (CNY/yr), or the worst-case regret (CNY/yr) when minimising regret.
    scenarios
        Each scenario's use of the shared plan; their ``open`` and ``build`` are equal.
    """

    scenarios: list[Solution]
    strategy: str = "direct"


def relative_gap(objective: float, bound: float) -> float:
    """``(objective - bound) / |objective|``, ``nan`` if the bound is unknown."""
    if math.isnan(bound):
        return math.nan
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def best_bound(*bounds: float) -> float:
    """Return the largest of several valid lower bounds on one model (``nan`` if none)."""
    return max((float(b) for b in bounds if not math.isnan(b)), default=math.nan)


def verdict(proved_optimal: bool, gap: float, mip_gap: float, words: str) -> tuple[Status, str]:
    """Status and termination words of a plan, honest about its gap.

    Parameters
    ----------
    proved_optimal
        The solver (or strategy) says it reached its gap tolerance.
    gap
        The plan's gap to a valid bound (``nan`` if unknown).
    mip_gap
        The tolerance the user asked for.
    words
        The solver's own words for why it stopped.

    Returns
    -------
    tuple of Status and str
        :attr:`Status.OPTIMAL` if the gap is known and within ``mip_gap``, or unknown and the
        solver proved optimality; else :attr:`Status.FEASIBLE` with
        ``"feasible, stopped at gap X (words)"``.
    """
    within = proved_optimal if math.isnan(gap) else gap <= mip_gap + GAP_SLACK
    if within:
        return Status.OPTIMAL, words
    shown = "unknown" if math.isnan(gap) else f"{gap:.3%}"
    return Status.FEASIBLE, f"feasible, stopped at gap {shown} ({words})"


@dataclass(frozen=True)
class Step:
    """One solve of a result made of several (a myopic plan's years, a multi-stage solve).

    Attributes
    ----------
    label
        Which solve, in words (e.g. ``"planning year 2024"``).
    status, gap, bound, seconds, termination
        As in :class:`Solution`, for this solve.
    """

    label: str
    status: Status
    gap: float
    bound: float
    seconds: float
    termination: str


def overall(steps: Sequence[Step]) -> tuple[Status, float, str]:
    """Status, gap and words of a result made of several solves.

    Parameters
    ----------
    steps
        Every solve of the result, in order.

    Returns
    -------
    tuple of Status, float and str
        :attr:`Status.OPTIMAL` only if every solve is optimal, with the largest gap among
        them; else :attr:`Status.FEASIBLE` with the worst gap of the solves that stopped early
        (unknown counts as worst) and words naming that solve.
    """
    if not steps:
        raise ValueError("a result needs at least one solve")

    def badness(step: Step) -> tuple[bool, float]:
        unknown = math.inf if step.status is not Status.OPTIMAL else -math.inf
        return step.status is not Status.OPTIMAL, unknown if math.isnan(step.gap) else step.gap

    worst = max(steps, key=badness)
    if len(steps) == 1:
        return worst.status, worst.gap, worst.termination
    if worst.status is Status.OPTIMAL:
        return worst.status, worst.gap, f"optimal: all {len(steps)} solves optimal"
    stopped = sum(s.status is not Status.OPTIMAL for s in steps)
    words = (
        f"feasible: {stopped} of {len(steps)} solves stopped before proving optimality; "
        f"the worst is {worst.label}: {worst.termination}"
    )
    return Status.FEASIBLE, worst.gap, words
