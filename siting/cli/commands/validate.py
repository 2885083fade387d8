"""``siting validate``: check a scenario and its input layers without solving."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from siting.cli.checks import load_scenarios
from siting.cli.options import print_arguments, scenario_argument
from siting.cli.output import emit, stages
from siting.errors import counted

if TYPE_CHECKING:
    from siting.pipeline import Prepared

HELP = "check a scenario and its input layers without solving"
DESCRIPTION = "Read and validate a scenario and every input layer it names."


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    print_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the scenario before its data loads."""
    load_scenarios([args.scenario])


def run(args: argparse.Namespace) -> int:
    """Load the scenario and every layer it names; return the exit status."""
    from siting.pipeline import prepare

    with stages(args, "validate") as stage:
        stage("load")
        prepared = prepare(args.scenario)
    return show(args, prepared)


def show(args: argparse.Namespace, prepared: Prepared) -> int:
    """Print that the scenario is valid and its size (or JSON); return 0."""
    inst = prepared.instance
    data = {
        "scenario": str(prepared.path),
        "valid": True,
        "sites": inst.n_sites,
        "hubs": inst.n_hubs,
        "pairs_within_sla": inst.n_pairs,
    }
    text = (
        f"{prepared.path}: valid · {counted(inst.n_sites, 'site')}, "
        f"{counted(inst.n_hubs, 'hub')}, "
        f"{counted(inst.n_pairs, 'hub-site pair')} within the SLA"
    )
    emit(args, lambda: print(text), data, [])
    return 0
