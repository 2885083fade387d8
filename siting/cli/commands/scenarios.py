"""``siting scenarios``: list the shipped scenarios and sweeps."""

from __future__ import annotations

import argparse

from siting.cli.options import print_arguments
from siting.cli.output import emit

HELP = "list the shipped scenarios with their descriptions"
DESCRIPTION = "List the scenarios shipped with siting, by name, with their descriptions."


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    print_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Nothing to check: the command reads only what siting ships."""


def run(args: argparse.Namespace) -> int:
    """Print the shipped scenarios and sweeps (or JSON, or the names); return 0."""
    from siting.report import print_scenarios
    from siting.scenario import shipped_scenarios
    from siting.sweep import shipped_sweeps

    rows = shipped_scenarios()
    emit(
        args, lambda: print_scenarios(rows, shipped_sweeps()), rows, [], quiet_line="\n".join(rows)
    )
    return 0
