"""How a run solves: solver, time limit, gap, threads and strategy, checked and resolved once.

A :class:`RunOptions` holds what the caller gave (``None`` for "not given"). Every option is
checked when the object is made, so a bad one fails before any data is read, with one
:class:`~siting.errors.InputError` naming each bad field. :meth:`RunOptions.resolve` fills in
the rest, once per run: what the caller gave, else the scenario's ``[solve]`` table
(``strategy``, ``time_limit``), else :mod:`siting.settings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from siting import settings
from siting.errors import InputError, Problem
from siting.solve.status import STRATEGIES

if TYPE_CHECKING:
    import pulp

    from siting.scenario import Solve


@dataclass(frozen=True)
class RunOptions:
    """Solver options of a run; ``None`` means "not given" until :meth:`resolve`.

    Parameters
    ----------
    solver
        ``"highs"`` or ``"cbc"``, or a PuLP solver object such as ``pulp.HiGHS(timeLimit=10)``,
        used as configured: it is kept in ``custom``, ``solver`` becomes its name, the model
        is solved directly and its bound and gap are unknown (``time_limit``, ``threads``
        and ``strategy`` do not apply).
    time_limit
        Seconds one solve may take.
    mip_gap
        Relative gap at which the solver may stop and call the plan optimal.
    threads
        Solver threads (``None`` after :meth:`resolve`: the solver chooses).
    strategy
        ``"auto"`` (decompose large instances with HiGHS; p-center by radius search),
        ``"direct"`` or ``"decompose"`` (HiGHS only; CBC solves directly).
    custom
        The PuLP solver object, if ``solver`` was one.

    Raises
    ------
    InputError
        If an option is unknown or out of range; one problem per bad field.
    """

    solver: str | None = None
    time_limit: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    strategy: str | None = None
    custom: pulp.LpSolver | None = None

    def __post_init__(self) -> None:
        solver: Any = self.solver
        if solver is not None and not isinstance(solver, str):
            if not callable(getattr(solver, "actualSolve", None)):
                expected = f"a solver name or a PuLP solver object; got {type(solver).__name__}"
                raise InputError([Problem("solver options", "", "solver", expected)])
            object.__setattr__(self, "custom", solver)
            object.__setattr__(self, "solver", solver.name.lower())
        elif solver is not None:
            object.__setattr__(self, "solver", solver.lower())
        if self.strategy is not None:
            object.__setattr__(self, "strategy", self.strategy.lower())
        problems = [
            Problem("solver options", "", name, expected) for name, expected in self._problems()
        ]
        if problems:
            raise InputError(problems)

    def _problems(self) -> list[tuple[str, str]]:
        found = []
        if self.custom is None and self.solver is not None and self.solver not in settings.SOLVERS:
            choices = ", ".join(settings.SOLVERS)
            found.append(("solver", f"one of {choices} or a PuLP solver; got {self.solver!r}"))
        if self.strategy is not None and self.strategy not in STRATEGIES:
            found.append(("strategy", f"one of {', '.join(STRATEGIES)}; got {self.strategy!r}"))
        limit = self.time_limit
        if limit is not None and not (isinstance(limit, int | float) and 0 < limit < math.inf):
            found.append(("time_limit", f"a finite number of seconds > 0; got {limit!r}"))
        gap = self.mip_gap
        if gap is not None and not (isinstance(gap, int | float) and 0 <= gap < 1):
            found.append(("mip_gap", f"a relative gap in [0, 1), e.g. 0.01 for 1 %; got {gap!r}"))
        if self.threads is not None and not (isinstance(self.threads, int) and self.threads >= 1):
            found.append(("threads", f"a whole number of at least 1; got {self.threads!r}"))
        return found

    def resolve(self, scenario: Solve | None = None) -> RunOptions:
        """Fill in every option not given: the scenario's ``[solve]`` table, then the settings.

        Parameters
        ----------
        scenario
            The scenario's ``[solve]`` table (``strategy``, ``time_limit``, ``mip_gap``), if any.

        Returns
        -------
        RunOptions
            Every option set (``threads`` may stay ``None``); a PuLP solver object solves
            directly under the settings' time limit.
        """
        if self.custom is not None:
            gap = float(_first(self.mip_gap, settings.mip_gap))
            return RunOptions(self.custom, settings.time_limit, gap, self.threads, "direct")
        table = (
            (scenario.strategy, scenario.time_limit, scenario.mip_gap)
            if scenario is not None
            else (None, None, None)
        )
        return RunOptions(
            solver=self.solver or settings.solver,
            time_limit=float(_first(self.time_limit, table[1], settings.time_limit)),
            mip_gap=float(_first(self.mip_gap, table[2], settings.mip_gap)),
            threads=_first(self.threads, settings.threads),
            strategy=self.strategy or table[0] or "auto",
        )

    def limits(self) -> dict[str, float | None]:
        """Return the time limit and gap, as a summary's solver block reports them."""
        return {"time_limit_s": self.time_limit, "mip_gap": self.mip_gap}

    @property
    def needs_pulp(self) -> bool:
        """Whether the solver reads the PuLP model (CBC, or a PuLP solver object)."""
        return self.solver == "cbc" or self.custom is not None


def _first(*values: Any) -> Any:
    """Return the first value that is not ``None``."""
    return next((v for v in values if v is not None), None)


def resolved(options: RunOptions | None, scenario: Solve | None = None) -> RunOptions:
    """Resolve the options of a run (``None``: none given) against a scenario's ``[solve]``.

    See :meth:`RunOptions.resolve`.
    """
    return (options or RunOptions()).resolve(scenario)
