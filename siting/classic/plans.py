"""What ``siting classic`` is asked for, what it returns, and the scenario of each model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siting.errors import InputError, Problem
from siting.pipeline import Run
from siting.scenario import CLASSIC_KINDS, NEEDS_SITES, Scenario

#: Site-count rules.
RULES = ("exactly", "at_most")
#: Models with a coverage radius.
COVERING = ("mclp", "lscp")
#: What each model is called in tables, panels and maps.
LABELS = {
    "cost": "cost-optimal",
    "margin": "margin-optimal",
    "p-median": "p-median",
    "p-center": "p-center",
    "mclp": "MCLP (max covering)",
    "lscp": "LSCP (set covering)",
}


@dataclass(frozen=True)
class ClassicOptions:
    """What ``siting classic`` was asked for (``None``: the scenario's value or default).

    Attributes
    ----------
    kinds
        Classic models to solve, from :data:`CLASSIC_KINDS`.
    sites
        p for p-median, p-center and MCLP; default the scenario's ``objective.sites``, else
        the number of sites the cost-optimal plan opens, at most the number of hubs less one
        (:func:`siting.classic.run.default_p`).
    rule
        ``"exactly"`` or ``"at_most"`` p sites; default the scenario's ``sites_rule``.
    radius_rtt_ms
        Coverage radius of MCLP and LSCP, ms round trip; default the scenario's
        ``coverage_rtt_ms``, else each hub's SLA.
    """

    kinds: tuple[str, ...] = CLASSIC_KINDS
    sites: int | None = None
    rule: str | None = None
    radius_rtt_ms: float | None = None


@dataclass
class ClassicPlan:
    """One model's plan and how it scores on the shared measures.

    Attributes
    ----------
    kind
        ``"cost"`` or ``"margin"`` (the scenario's own plan), or a classic kind.
    run
        The solved run (scenario variant, instance, solution, results, summary).
    metrics
        The cross-metrics (:func:`cross_metrics`) with the objective and solver status.
    """

    kind: str
    run: Run
    metrics: dict[str, Any]

    @property
    def label(self) -> str:
        """The model's name as shown."""
        return LABELS[self.kind]

    @property
    def open_sites(self) -> list[str]:
        """Ids of the plan's open sites, in the sites layer's order."""
        sites = self.run.results.sites
        return sites.loc[sites["open"], "site_id"].tolist()


@dataclass
class ClassicRun:
    """The cost-optimal plan and the classic models' plans of one scenario.

    Attributes
    ----------
    scenario
        The scenario as given.
    plans
        The cost (or margin) plan first, then one per classic model.
    sites, rule, radius_rtt_ms
        The p used, its rule, and the coverage radius (``None``: each hub's SLA).
    p_source
        Where p came from: ``"--sites"``, ``"the scenario"`` or ``"the cost plan"``.
    table, hubs, open_sites
        One row per plan (:func:`plans_table`); each hub's nearest open site per plan; the
        open sites per plan.
    summary
        What ``summary.json`` holds.
    table_dir, map_path
        Where the outputs went, or ``None``.
    failed
        The classic models the solver found no plan for, with its message.
    """

    scenario: Scenario
    plans: list[ClassicPlan]
    sites: int
    rule: str
    radius_rtt_ms: float | None
    p_source: str
    table: pd.DataFrame
    hubs: pd.DataFrame
    open_sites: pd.DataFrame
    summary: dict[str, Any]
    table_dir: Path | None = None
    map_path: Path | None = None
    failed: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def check_options(options: ClassicOptions, *, source: str = "classic") -> None:
    """Check the options before any data loads.

    Raises
    ------
    InputError
        Naming the option and what was expected.
    """
    problems = []
    kinds = list(options.kinds)
    if not kinds or any(k not in CLASSIC_KINDS for k in kinds) or len(set(kinds)) < len(kinds):
        expected = f"one or more of {', '.join(CLASSIC_KINDS)}, each once; got {kinds!r}"
        problems.append(Problem(source, "", "--kinds", expected))
    p = options.sites
    if p is not None and (isinstance(p, bool) or not isinstance(p, int) or p < 1):
        problems.append(Problem(source, "", "--sites", f"a whole number ≥ 1, got {p!r}"))
    if options.rule is not None and options.rule not in RULES:
        expected = f"one of {', '.join(RULES)}, got {options.rule!r}"
        problems.append(Problem(source, "", "--rule", expected))
    r = options.radius_rtt_ms
    bad_radius = isinstance(r, bool) or not isinstance(r, int | float) or not 0 < r < math.inf
    if r is not None and bad_radius:
        expected = f"a finite round trip > 0 ms, got {r!r}"
        problems.append(Problem(source, "", "--radius-rtt-ms", expected))
    if problems:
        raise InputError(problems)


def output_name(scenario_name: str, options: ClassicOptions) -> str:
    """Name of the output folder and map: the scenario, and each option that was given."""
    parts = [f"classic-{scenario_name}"]
    if options.sites is not None:
        parts.append(f"p{options.sites}")
    if options.rule is not None:
        parts.append(options.rule)
    if options.radius_rtt_ms is not None:
        parts.append(f"r{options.radius_rtt_ms:g}ms")
    if tuple(options.kinds) != CLASSIC_KINDS:
        parts.append("_".join(options.kinds))
    return "-".join(parts)


def reference_scenario(spec: Scenario) -> Scenario:
    """Return the scenario the classic models stand beside: itself, or its cost version.

    A scenario that is itself a classic model stands for its cost version without a site
    count. The classic models place each hub's whole demand, one class: a scenario with
    service classes stands for itself without them (``classes = {}``, every hub at
    ``demand.inference_sla_ms``; the report says so).
    """
    overrides: dict[str, object] = {"classes": {}} if spec.classes.root else {}
    if spec.objective.classic:
        overrides |= {
            "objective.kind": "cost",
            "objective.sites": None,
            "objective.sites_rule": "exactly",
            "objective.coverage_rtt_ms": None,
        }
    return spec.with_overrides(overrides) if overrides else spec


def variant(spec: Scenario, kind: str, p: int, rule: str, radius: float | None) -> Scenario:
    """Return the scenario with a classic objective: p (not LSCP), rule, radius (MCLP, LSCP)."""
    return spec.with_overrides(
        {
            "name": f"{spec.name}-{kind}",
            "objective.kind": kind,
            "objective.sites": p if kind in NEEDS_SITES else None,
            "objective.sites_rule": rule,
            "objective.coverage_rtt_ms": radius if kind in COVERING else None,
        }
    )
