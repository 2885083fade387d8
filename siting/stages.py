"""Run the stages of a run in order and time them: prepare → build → solve → results → publish.

Every runner (:func:`siting.pipeline.optimize`, :func:`siting.horizon_run.run_horizon`, the batch
workers, :func:`siting.classic.run_classic` and the analyses of :mod:`siting.analysis`)
keeps one :class:`Stages`: it resolves the run's solver options against the scenario once
(:func:`~siting.solve.options.resolved`), builds the model in the form the solver reads
(:func:`~siting.solve.build_for`) and solves it, and times each stage in one place, calling the
caller's ``progress`` as each finishes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from siting.instance import Instance
from siting.scenario import Scenario
from siting.solve import Solution, build_for, solve
from siting.solve.options import RunOptions, resolved


@dataclass
class Stages:
    """The stages of one run: its solver options, and the seconds each stage took.

    Attributes
    ----------
    options
        The options the caller gave (``None``: none); :meth:`options_for` resolves them.
    progress
        Called with each stage's name as it finishes, or ``None``.
    timings
        Seconds per stage; a stage run several times (an analysis's solves) adds up.
    """

    options: RunOptions | None = None
    progress: Callable[[str], None] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    _clock: float = field(default_factory=time.perf_counter, repr=False)

    def restart(self) -> None:
        """Start timing the next stage now (time since the last lap is not counted)."""
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Record the seconds since the last lap as ``stage`` and report it finished."""
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self._clock
        self._clock = now
        if self.progress is not None:
            self.progress(stage)

    def options_for(self, scenario: Scenario) -> RunOptions:
        """Resolve the run's options against a scenario's ``[solve]`` table and the settings.

        What the caller gave wins, then the scenario's ``strategy`` and ``time_limit``, then
        :mod:`siting.settings`.
        """
        return resolved(self.options, scenario.solve)

    def solve(self, instance: Instance, options: RunOptions) -> Solution:
        """Build the instance's model for the solver and solve it (stages ``build``, ``solve``).

        Parameters
        ----------
        instance
            The compiled scenario.
        options
            From :meth:`options_for` its scenario.
        """
        model = build_for(instance, options)
        self.lap("build")
        solution = solve(model, options)
        self.lap("solve")
        return solution
