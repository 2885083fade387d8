"""The command line's parser: one sub-parser per command module, and the help text."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import NoReturn

from siting import __version__
from siting.cli.commands import COMMANDS
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
    for name, command in COMMANDS.items():
        command.arguments(sub.add_parser(name, help=command.HELP, description=command.DESCRIPTION))
    return parser
