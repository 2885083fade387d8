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
#: Why a family is refused over a ``[horizon]``, and how to leave it out.
_NOT_OVER_HORIZON = (
    "not yet modelled over a [horizon] (multi-period runs: docs/model.md, 'Multi-period "
    "model'); remove it{off}, or plan a single year with siting optimize"
)


def horizon_gaps(scenario: Scenario, source: str) -> list[Problem]:
    """List the keys a ``[horizon]`` scenario sets that the multi-period model does not write.

    Failover reserves, compute vouchers and green power are single-period families; training
    demand over a horizon is the national training in use (``data/use_years.csv``), so
    ``training_share`` would be ignored.

    Parameters
    ----------
    scenario
        The scenario (with or without a ``[horizon]`` table; without, nothing is listed).
    source
        The scenario file or name, for messages.

    Returns
    -------
    list of Problem
        One per key, naming its table; empty if the horizon model writes every family set.
    """
    if scenario.horizon is None:
        return []
    off = " (or set it to 0)"
    found = []
    if scenario.redundancy.failover_share > 0:
        found.append(("[redundancy]", "failover_share", _NOT_OVER_HORIZON.format(off=off)))
    for name, klass in scenario.classes.root.items():
        if klass.failover_share:
            where = f"[classes.{name}]"
            found.append((where, "failover_share", _NOT_OVER_HORIZON.format(off=off)))
    policy = scenario.policy
    if policy.compute_vouchers:
        found.append(
            ("[policy]", "compute_vouchers", _NOT_OVER_HORIZON.format(off=" (or set it to false)"))
        )
    if policy.green_share > 0:
        found.append(("[policy]", "green_share", _NOT_OVER_HORIZON.format(off=off)))
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
    refuses the families the multi-period model does not write (:func:`horizon_gaps`);
    ``batch`` checks each point as ``plan`` if it has a horizon.

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
