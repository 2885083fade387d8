"""The commands: one module each, holding the command's arguments, checks, run and print.

Each module has

- ``HELP`` and ``DESCRIPTION``: its line in ``siting --help`` and its own help's text;
- ``arguments(parser)``: adds its arguments to its parser;
- ``check(args)``: its checks before any data loads (scenarios, output folders, its own
  rules), raising :class:`~siting.errors.InputError`;
- ``run(args)``: runs it and prints its result (``show``), returning the exit status.
"""

from __future__ import annotations

from types import ModuleType

from siting.cli.commands import (
    audit,
    batch,
    classic,
    compare,
    latency,
    market,
    optimize,
    plan,
    robust,
    scenarios,
    simulate,
    tradeoff,
    validate,
    whynot,
)

#: Each command's module by name, in the order ``siting --help`` lists them.
COMMANDS: dict[str, ModuleType] = {
    module.__name__.rsplit(".", 1)[-1]: module
    for module in (
        optimize,
        compare,
        latency,
        validate,
        scenarios,
        audit,
        robust,
        whynot,
        tradeoff,
        batch,
        plan,
        market,
        simulate,
        classic,
    )
}

__all__ = ["COMMANDS"]
