"""The ``siting`` command line.

Every argument, output folder and scenario is checked before any data loads. Errors the user
can fix are printed as one message, without a traceback, with exit status 2; with
``--strict``, a plan not proven optimal exits with 3; an interrupt exits with 130.

Modules: :mod:`~siting.cli.commands` (one module per command: its arguments, checks, run
and print), :mod:`~siting.cli.parser` (the parser, built from the command modules),
:mod:`~siting.cli.arguments` (argument types), :mod:`~siting.cli.options` (arguments several
commands share), :mod:`~siting.cli.checks` (checks every command runs before work) and
:mod:`~siting.cli.output` (summaries, JSON, progress, warnings).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Sequence

from siting.cli.commands import COMMANDS
from siting.cli.parser import build_parser
from siting.errors import SitingError
from siting.terminal import printable_output

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 on an error the user can fix, 3 with ``--strict`` when a plan is not
        proven optimal, 130 when interrupted.
    """
    with printable_output():  # no control characters from data files reach the terminal
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    """Parse, check and run a command; return the exit status (see :func:`main`)."""
    args = build_parser().parse_args(argv)
    command = COMMANDS[args.command]
    try:
        with _loading():
            command.check(args)
        return command.run(args)
    except SitingError as exc:
        print(f"siting: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siting: interrupted", file=sys.stderr)
        if "siting.solve.highs" in sys.modules:  # HiGHS may have run: its C++ threads (a
            # run still stopping, or the worker pool of one stopped in presolve) abort an
            # orderly exit; every clean-up of ours has run on the way here
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130
    except BrokenPipeError:  # e.g. `siting scenarios --json | head`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Pause the cyclic garbage collector while the modules load, then exempt what they made.

    The checks import the pipeline (pandas, geopandas, networkx, pydantic and the rest): many
    objects that live as long as the process, and no garbage. Collecting them as they come
    costs about 0.15 s of a fresh run; :func:`gc.freeze` leaves them out of later
    collections instead (reference counting still frees them).
    """
    if not gc.isenabled():  # the caller's choice
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
