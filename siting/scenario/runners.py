"""Which runner models which scenario: one check before any data loads (``check_runner``)."""

from __future__ import annotations

from siting.errors import InputError, Problem
from siting.scenario.schema import Scenario

#: Runners of single-period scenarios; a ``[horizon]`` scenario is planned by ``siting plan``.
SINGLE_PERIOD_RUNNERS = ("optimize", "compare", "audit", "robust", "whynot", "tradeoff", "classic")
#: Runners that compare costs: a classic location model (no costs) is refused by them.
COST_RUNNERS = ("audit", "robust", "whynot")
#: Runners of ``[horizon]`` scenarios (``batch`` takes both kinds, each point by its own);
#: ``simulate`` also reads ``[simulate]`` (its defaults when absent).
HORIZON_RUNNERS = ("plan", "simulate")


def horizon_gaps(scenario: Scenario, source: str) -> list[Problem]:
    """List the keys a ``[horizon]`` scenario sets that the multi-period model does not use.

    Every constraint family acts in each year of the multi-period model (failover reserves,
    compute vouchers and green power included); training demand over a horizon is the national
    training in use (``data/use_years.csv``), so ``training_share`` would be ignored.

    Parameters
    ----------
    scenario
        The scenario (with or without a ``[horizon]`` table; without, nothing is listed).
    source
        The scenario file or name, for messages.

    Returns
    -------
    list of Problem
        One per key, naming its table; empty if the horizon model uses every key set.
    """
    if scenario.horizon is None:
        return []
    found = []
    if scenario.demand.training_share is not None:
        expected = (
            "not used over a [horizon]: each year's training demand is the national training "
            "in use of data/use_years.csv (docs/model.md, 'Multi-period model'); remove it"
        )
        found.append(("[demand]", "training_share", expected))
    return [Problem(source, table, key, expected) for table, key, expected in found]


def check_runner(scenario: Scenario, runner: str, *, source: str | None = None) -> None:
    """Refuse a scenario that a runner would not model as written, before any data loads.

    One check for every runner (docs/model.md, "What each runner models"): single-period
    runners refuse a ``[horizon]`` table (naming ``siting plan``), and those that compare
    costs (:data:`COST_RUNNERS`) a classic objective kind; ``plan`` needs a horizon, and
    refuses the keys the multi-period model does not use (:func:`horizon_gaps`);
    ``batch`` checks each point as ``plan`` if it has a horizon. Every runner but
    ``simulate`` refuses switched-on ``[levers]``.

    Parameters
    ----------
    scenario
        The validated scenario.
    runner
        ``"plan"``, ``"batch"`` or one of :data:`SINGLE_PERIOD_RUNNERS`.
    source
        The scenario file or name, for messages (default the scenario's name).

    Raises
    ------
    InputError
        Naming the runner or the scenario, the table, the key and what was expected.
    """
    where = source or f"scenario {scenario.name!r}"
    switched = scenario.levers.switched()
    if switched and runner != "simulate":  # a sweep of simulations checks each point so
        expected = (
            "off: the levers act on the simulation's investors and market (docs/model.md, "
            f"'Levers'), not on the {runner} runner's planner; run it with siting simulate"
        )
        raise InputError([Problem(where, "[levers]", key, expected) for key in switched])
    if runner in SINGLE_PERIOD_RUNNERS:
        if scenario.horizon is not None:
            expected = (
                f"a single-period scenario; {scenario.name!r} has a [horizon] table, so plan "
                f"it with 'siting plan {scenario.name}' (siting.horizon_run.run_horizon)"
            )
            raise InputError([Problem(runner, "", "SCENARIO", expected)])
        if runner in COST_RUNNERS and scenario.objective.classic:
            expected = (
                f"objective kind 'cost' or 'margin' ({runner} compares costs); a "
                f"{scenario.objective.kind} model is uncapacitated and has no costs to compare"
            )
            raise InputError([Problem(where, "[objective]", "kind", expected)])
        return
    if runner in HORIZON_RUNNERS and scenario.horizon is None:
        expected = "a [horizon] table (years, foresight, ...), e.g. the shipped '2023-2030'"
        raise InputError([Problem(where, "[horizon]", "years", expected)])
    problems = horizon_gaps(scenario, where)
    if problems:
        raise InputError(problems)
