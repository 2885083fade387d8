"""The command line's parser: commands, their arguments and the help text."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from siting import __version__, settings
from siting.cli.arguments import address, count, gap, kinds, positive, values, weights
from siting.errors import did_you_mean

_EPILOG = """\
examples:
  siting optimize                          the default China scenario
  siting optimize my.toml --out results    a scenario file of your own
  siting optimize --solver cbc --time-limit 30 --gap 0.001
  siting validate my.toml                  check a scenario and its data without solving
  siting compare 2023-training-boom 2025-inference-shift    side-by-side synchronised maps
  siting latency beijing 贵安新区           one-way and round trip at every layer
  siting latency --matrix                  every hub x site pair at every layer
  siting audit --built 2023-training-boom --under 2025-inference-shift
  siting robust 2023-training-boom 2025-inference-shift --criterion regret
  siting whynot                            price unused sites and tighter SLAs
  siting tradeoff --param demand.inference_sla_ms --values 4,6,8,10,15,20
  siting batch uncertain-2027 --out out/uncertain --workers 2
  siting plan 2023-planner --compare --year 2025    year-by-year plan; stranded by province
  siting classic prefecture --sites 20    p-median, p-center, MCLP, LSCP beside the cost plan
  siting scenarios                         the shipped scenarios and sweeps
  siting optimize --json --no-map          the summary as JSON; tables only

exit status: 0 success, 2 bad input, infeasible scenario or solver failure, 3 with --strict
when a plan is not proven optimal (the solver stopped at its time limit), 130 interrupted
"""


class Parser(argparse.ArgumentParser):
    """An argument parser that says "did you mean" for a mistyped command, choice or option.

    Python 3.11's argparse has no ``suggest_on_error``: :meth:`error` adds the closest valid
    choice to an invalid-choice message, and :meth:`parse_args` the closest option of the
    command to an unrecognised one. The message stays one line and the exit status 2.
    """

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse like argparse, suggesting the closest option for each unrecognised one."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._command(getattr(parsed, "command", None))
            options = [o for a in command._actions for o in a.option_strings if o[:2] == "--"]
            hints = "".join(
                did_you_mean(extra.split("=")[0], options)
                for extra in extras
                if extra.startswith("-")
            )
            command.error(f"unrecognized arguments: {' '.join(extras)}{hints}")
        return parsed

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message, with a suggestion for an invalid choice; exit 2."""
        found = re.search(r"invalid choice: '(.*?)' \(choose from (.*)\)$", message)
        if found:
            choices = [c.strip().strip("'") for c in found.group(2).split(",")]
            message += did_you_mean(found.group(1), choices)
        super().error(message)

    def _command(self, name: str | None) -> argparse.ArgumentParser:
        """Return the parser of command ``name``, else this one."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name]
        return self


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command and its arguments."""
    parser = Parser(
        prog="siting",
        description=(
            "Decide where AI compute should be built in mainland China, and which of it "
            "should be training and which inference capacity."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"siting {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    opt = sub.add_parser(
        "optimize",
        help="solve a scenario; write tables and a map",
        description=(
            "Solve the siting MILP of a scenario, print a summary, write result tables to "
            "OUT/<scenario>/ (sites, flows and hubs as CSV, GeoJSON and GeoParquet; "
            "summary.json with the provenance, scenario, solver status and timings) and a map "
            "to MAPS/<scenario>.html."
        ),
    )
    _scenario_argument(opt)
    _output_arguments(opt, maps=True)
    _map_arguments(opt, optional=True)
    _solver_arguments(opt)

    cmp = sub.add_parser(
        "compare",
        help="solve two scenarios and draw them side by side on one synchronised page",
        description=(
            "Solve two scenarios and write one HTML page with their maps side by side, "
            "panning and zooming together, to MAPS/compare-A-B.html, and both summaries to "
            "OUT/compare-A-B/."
        ),
    )
    cmp.add_argument("left", metavar="SCENARIO_A", help="left scenario")
    cmp.add_argument("right", metavar="SCENARIO_B", help="right scenario")
    _output_arguments(cmp, maps=True)
    _map_arguments(cmp)
    _solver_arguments(cmp)

    lat = sub.add_parser(
        "latency",
        help="one-way and round-trip latency between two places, or the hub x site matrix",
        description=(
            "With FROM and TO (hubs, sites, backbone nodes or prefecture seats by id, English "
            "or Chinese name, any case; or 'lon,lat'): print the route and the one-way and "
            "round-trip latency at the optical, IP and internet layers (docs/latency.md). "
            "With --matrix: write "
            "every hub x site pair at every layer to OUT/latency-<scenario>/matrix.csv."
        ),
    )
    lat.add_argument("places", nargs="*", metavar="FROM TO", help="two places")
    lat.add_argument("--matrix", action="store_true", help="write the hub x site matrix")
    lat.add_argument(
        "--scenario",
        default=None,
        metavar="SCENARIO",
        help="scenario whose latency parameters and layers apply (default: 'default')",
    )
    _output_arguments(lat)
    _print_arguments(lat)

    val = sub.add_parser(
        "validate",
        help="check a scenario and its input layers without solving",
        description="Read and validate a scenario and every input layer it names.",
    )
    _scenario_argument(val)
    _print_arguments(val)

    sce = sub.add_parser(
        "scenarios",
        help="list the shipped scenarios with their descriptions",
        description="List the scenarios shipped with siting, by name, with their descriptions.",
    )
    _print_arguments(sce)

    aud = sub.add_parser(
        "audit",
        help="fix one scenario's build as sunk, re-optimise under another: what is stranded",
        description=(
            "Take the capacity one scenario builds (or the existing capacity in the data) as "
            "sunk, re-optimise under another scenario, and report idle MW and utilisation by "
            "site and province and the cost of the mismatch. Writes OUT/audit-A-under-B/ and "
            "a map."
        ),
    )
    aud.add_argument(
        "--built",
        required=True,
        metavar="SCENARIO",
        help="scenario whose plan was built, or 'existing' for the data's capacity",
    )
    aud.add_argument(
        "--under", required=True, metavar="SCENARIO", help="scenario the capacity is used under"
    )
    _output_arguments(aud, maps=True)
    _map_arguments(aud, optional=True)
    _solver_arguments(aud)

    rob = sub.add_parser(
        "robust",
        help="one build plan for several scenarios, with each scenario's own plan beside it",
        description=(
            "Find one build plan (sites opened, MW built) shared by several scenarios, each "
            "using it its own way, minimising the expected cost or the worst-case regret; "
            "evaluate every single-scenario plan in every scenario beside it. Writes "
            "OUT/robust-<criterion>-<scenarios>/plans.csv and the robust plan's tables per "
            "scenario."
        ),
    )
    rob.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios")
    rob.add_argument(
        "--weights",
        type=weights,
        default=None,
        metavar="W,W,...",
        help="scenario probabilities (default: equal)",
    )
    rob.add_argument(
        "--criterion",
        choices=("expected", "regret"),
        default="expected",
        help="minimise expected cost or worst-case regret (default: expected)",
    )
    _output_arguments(rob)
    _solver_arguments(rob)

    why = sub.add_parser(
        "whynot",
        help="extra cost of using each unused site, and of tightening each hub's SLA",
        description=(
            "For every candidate the plan leaves unused, the extra yearly cost if it were "
            "made to host some inference or training; for every hub, the extra cost of "
            "tightening its SLA. Writes OUT/whynot-<scenario>/sites.csv and hubs.csv."
        ),
    )
    _scenario_argument(why)
    why.add_argument(
        "--inference-mw",
        type=positive,
        default=20.0,
        metavar="MW",
        help="inference an unused site is made to host (default: 20)",
    )
    why.add_argument(
        "--training-mw",
        type=positive,
        default=None,
        metavar="MW",
        help="training an unused site is made to host (default: the minimum cluster)",
    )
    why.add_argument(
        "--tighten-ms",
        type=positive,
        default=1.0,
        metavar="MS",
        help="how much each hub's SLA is tightened (default: 1)",
    )
    _output_arguments(why)
    _solver_arguments(why)

    tra = sub.add_parser(
        "tradeoff",
        help="cost against one parameter (e.g. SLA or carbon price), one optimisation a point",
        description=(
            "Optimise the scenario once per value of a parameter and write the curve as a "
            "table (CSV), a static plot (PNG) and an interactive page (HTML) to "
            "OUT/tradeoff-<scenario>-<parameter>/."
        ),
    )
    _scenario_argument(tra)
    tra.add_argument(
        "--param",
        required=True,
        metavar="KEY",
        help="dotted scenario key, e.g. demand.inference_sla_ms or costs.carbon_cny_per_t",
    )
    tra.add_argument(
        "--values",
        required=True,
        type=values,
        metavar="V,V,...",
        help="comma-separated values: numbers, or names (e.g. optical,ip,internet)",
    )
    _output_arguments(tra)
    _solver_arguments(tra)

    bat = sub.add_parser(
        "batch",
        help="run every scenario of a sweep file on Dask",
        description=(
            "Expand a sweep file (a grid and/or Monte Carlo draws around a base scenario) and "
            "solve every scenario on Dask: a local cluster, or an existing one at --scheduler. "
            "Each result is saved as it finishes (OUT/scenarios/<key>.json); a re-run skips "
            "finished scenarios; failures are recorded and do not stop the batch. Combined "
            "tables: OUT/results.parquet, results.csv, sites.parquet, summary.json."
        ),
    )
    bat.add_argument(
        "sweep",
        type=Path,
        metavar="SWEEP",
        help="sweep TOML file, or the name of a shipped sweep (listed by `siting scenarios`)",
    )
    bat.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    bat.add_argument(
        "--workers",
        type=count,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: the number of cores)",
    )
    bat.add_argument(
        "--scheduler",
        type=address,
        default=None,
        metavar="ADDRESS",
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    bat.add_argument(
        "--retry-failed", action="store_true", help="run again the scenarios recorded as failed"
    )
    _solver_arguments(bat)

    pln = sub.add_parser(
        "plan",
        help="plan a [horizon] scenario year by year; write the schedule",
        description=(
            "Plan the years of a scenario's [horizon] table (perfect or myopic foresight), "
            "print totals per year and stranded MW and capital by province, and write "
            "OUT/<scenario>-plan/ (schedule.csv, stranded.csv, sites_YEAR.csv/.geojson, "
            "summary.json) and MAPS/plan-<scenario>.html, a map with a year control (builds, "
            "use and stranded capacity per year; both foresights side by side with --compare)."
        ),
    )
    _scenario_argument(pln)
    pln.add_argument(
        "--foresight",
        choices=("perfect", "myopic"),
        default=None,
        help="plan with this foresight (default: the scenario's [horizon] foresight)",
    )
    pln.add_argument("--compare", action="store_true", help="also plan with the other foresight")
    pln.add_argument(
        "--year",
        type=int,
        default=None,
        metavar="YEAR",
        help="year of the by-province table, and the year the map shows first",
    )
    _output_arguments(pln, maps=True)
    _map_arguments(pln, optional=True)
    _solver_arguments(pln, strategy=False)

    cls = sub.add_parser(
        "classic",
        help="the classic location models (p-median, p-center, MCLP, LSCP) beside the cost plan",
        description=(
            "Solve the scenario's cost-optimal plan and the classic location models on the same "
            "layers and latency (docs/model.md, 'Classic location models'): p-median (least "
            "demand-weighted round trip), p-center (least worst round trip), MCLP (most demand "
            "within the coverage radius) with p sites, and LSCP (fewest sites covering every "
            "hub). Print each plan's objective and the same measures for all (mean round trip "
            "over the plan's own flows, weighted by MW served, as optimize reports it; mean and "
            "worst round trip with each hub served from its nearest open site; demand covered "
            "within the radius, sites, annual cost); write OUT/classic-<scenario>/ (plans.csv, "
            "sites.csv, hubs.csv, summary.json) and the plans side by side on one page, "
            "MAPS/classic-<scenario>.html. Options given are added to the names."
        ),
    )
    _scenario_argument(cls)
    cls.add_argument(
        "--sites",
        type=count,
        default=None,
        metavar="P",
        help="sites to open, p, for p-median, p-center and MCLP (default: the scenario's "
        "[objective] sites, else as many as the cost-optimal plan opens, at most hubs - 1, "
        "so that some hubs share a site)",
    )
    cls.add_argument(
        "--rule",
        choices=("exactly", "at_most"),
        default=None,
        help="open exactly p sites or at most p (default: the scenario's, else exactly)",
    )
    cls.add_argument(
        "--radius-rtt-ms",
        type=positive,
        default=None,
        metavar="MS",
        help="coverage radius of MCLP and LSCP, ms round trip at the scenario's latency layer "
        "(default: the scenario's coverage_rtt_ms, else each hub's SLA)",
    )
    cls.add_argument(
        "--kinds",
        type=kinds,
        default=None,
        metavar="KIND,...",
        help="the models to solve, from p-median,p-center,mclp,lscp (default: all four)",
    )
    _output_arguments(cls, maps=True)
    _map_arguments(cls, optional=True)
    _solver_arguments(cls)
    return parser


def _print_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--json", action="store_true", help="print the result as JSON on standard output"
    )
    group.add_argument(
        "--quiet", action="store_true", help="print only where outputs went (no summary)"
    )


def _scenario_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario TOML file or shipped scenario name (default: the shipped 'default')",
    )


def _output_arguments(parser: argparse.ArgumentParser, *, maps: bool = False) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for result tables (default: {settings.out_dir})",
    )
    if maps:
        parser.add_argument(
            "--maps",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"folder for the HTML map (default: {settings.maps_dir})",
        )


def _map_arguments(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    if optional:
        parser.add_argument(
            "--no-map", action="store_true", help="write the tables only, no map (faster)"
        )
    parser.add_argument(
        "--tiles",
        choices=("none", "osm"),
        default="none",
        help="basemap: none (provinces are the base; works offline) or osm (needs a network)",
    )
    parser.add_argument(
        "--cdn",
        action="store_true",
        help="load the map's scripts from CDNs (smaller file; blank without a network)",
    )


def _solver_arguments(parser: argparse.ArgumentParser, *, strategy: bool = True) -> None:
    _print_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 3 unless every plan is proven optimal within --gap",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also print the solver's own log on standard error (even with --json or --quiet)",
    )
    parser.add_argument(
        "--solver",
        choices=settings.SOLVERS,
        default=None,
        help=f"MILP solver (default: {settings.solver})",
    )
    parser.add_argument(
        "--time-limit",
        type=positive,
        default=None,
        metavar="S",
        help=(
            f"solver time limit in seconds (default: the scenario's [solve] time_limit, else "
            f"{settings.time_limit:g})"
        ),
    )
    parser.add_argument(
        "--gap",
        type=gap,
        default=None,
        metavar="G",
        help=f"relative MIP gap to stop at, from 0 to below 1 (default: {settings.mip_gap:g})",
    )
    if not strategy:  # the multi-period model has its own LP-guided restriction
        return
    parser.add_argument(
        "--strategy",
        choices=("auto", "direct", "decompose"),
        default=None,
        help="solve strategy: one solver run, or LP-guided decomposition with a bound valid "
        "for the full model (default: the scenario's [solve] strategy, else auto: decompose "
        "large instances)",
    )
