"""Checks every command runs before any data loads: its scenarios and output folders.

A command's own rules live in its module (:mod:`siting.cli.commands`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from siting import settings

if TYPE_CHECKING:
    from siting.scenario import Scenario


def load_scenarios(refs: Sequence[str | None], runner: str | None = None) -> list[Scenario]:
    """Read and validate every scenario a command names, then check each suits its runner.

    Parameters
    ----------
    refs
        Scenario files or shipped names (``None`` is the shipped ``default``).
    runner
        If given, the runner each scenario must suit (:func:`~siting.scenario.check_runner`).

    Raises
    ------
    InputError
        Naming the file or scenario, the table, the key and what was expected.
    """
    from siting.scenario import check_runner, load_scenario

    specs = [load_scenario(ref)[0] for ref in refs]
    if runner is not None:
        for spec in specs:
            check_runner(spec, runner)
    return specs


def load_horizon_scenario(args: argparse.Namespace, runner: str) -> Scenario:
    """Read ``args.scenario``, check it suits ``runner`` and that its horizon holds ``--year``.

    Raises
    ------
    InputError
        As :func:`load_scenarios`, or naming ``--year`` and the horizon's years.
    """
    from siting.errors import InputError, Problem

    (spec,) = load_scenarios([args.scenario], runner)
    assert spec.horizon is not None  # the runners taking --year require a [horizon]
    years = spec.horizon.years
    if args.year is not None and args.year not in years:
        expected = f"a year of the horizon ({years[0]}-{years[-1]}), got {args.year}"
        raise InputError([Problem(args.command, "", "--year", expected)])
    return spec


def check_outputs(
    args: argparse.Namespace, name: str | None = None, page: str | None = None
) -> None:
    """Check that ``--out`` can take folder ``name``, and ``--maps`` (if any) map ``page``.

    Raises
    ------
    InputError
        Naming the argument, the folder and what was expected.
    """
    from siting.io import check_output_folder

    check_output_folder(args.out or settings.out_dir, option="--out", name=name)
    if hasattr(args, "maps"):
        check_output_folder(args.maps or settings.maps_dir, option="--maps", name=page)
