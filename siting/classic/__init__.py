"""The classic location models beside the cost-optimal plan (``siting classic``).

Chains: scenario and layers, read once (:func:`siting.pipeline.prepare`) → one variant of the
scenario per model (``[objective] kind``, ``sites``, ``sites_rule``, ``coverage_rtt_ms``;
docs/model.md, "Classic location models") → build, solve and results of each
(:func:`siting.pipeline.optimize`) → the same cross-metrics for every plan → tables,
``summary.json`` and one comparison page, published atomically through
:func:`siting.io.publish`.

Cross-metrics judge every plan on the round trip (ms) at the scenario's latency layer: over
its own flows, weighted by MW served, as ``siting optimize`` reports it (``mean_rtt_ms``,
``max_rtt_ms``), and by its open sites alone, each hub served from its nearest open site (the
``*_nearest_*`` measures): the demand-weighted total and mean round trip, the worst hub's round
trip, the demand with an open site within the coverage
radius, and the number of sites; the annual cost where the plan is a cost (or margin) plan.
So a p-median's total is its objective, a p-center's worst round trip its objective and an
MCLP's covered demand its objective, and the cost plan is judged by the same measures.

Modules: :mod:`~siting.classic.plans` (options, plans and the scenario variants),
:mod:`~siting.classic.metrics` (round trips, checks against the layers, cross-metrics and
tables), :mod:`~siting.classic.run` (:func:`run_classic`) and :mod:`~siting.classic.report`
(summary, comparison page, text report).
"""

from siting.classic.metrics import cross_metrics, round_trips
from siting.classic.plans import (
    LABELS,
    ClassicOptions,
    ClassicPlan,
    ClassicRun,
    check_options,
    output_name,
)
from siting.classic.report import classic_report
from siting.classic.run import run_classic
from siting.scenario import CLASSIC_KINDS

__all__ = [
    "CLASSIC_KINDS",
    "LABELS",
    "ClassicOptions",
    "ClassicPlan",
    "ClassicRun",
    "check_options",
    "classic_report",
    "cross_metrics",
    "output_name",
    "round_trips",
    "run_classic",
]
