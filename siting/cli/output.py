"""How commands report: a summary, JSON or output paths; stage progress; warnings."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siting.pipeline import Run


def emit(
    args: argparse.Namespace,
    text: Callable[[], None],
    data: object,
    paths: Sequence[Path | None],
    *,
    quiet_line: str | None = None,
) -> None:
    """Print a command's result: a summary, JSON (``--json``) or output paths (``--quiet``)."""
    if args.json:
        from siting.io import json_safe
        from siting.terminal import UNPRINTABLE

        document = json.dumps(json_safe(plain(data)), indent=2, ensure_ascii=False)
        # escaped, not dropped: JSON keeps the data whole, the terminal shows \uXXXX
        print(UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", document))
    elif args.quiet:
        lines = [str(p) for p in paths if p is not None]
        if quiet_line is not None:
            lines.append(quiet_line)
        if lines:
            print("\n".join(lines))
    else:
        text()


def plain(value: object) -> object:
    """Paths as text, recursively, for JSON."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


#: What a command is doing once a stage has finished ("load" is the start).
NEXT_STAGE = {
    "load": "reading the scenario and its data",
    "instance": "building the model",
    "build": "solving",
    "solve": "computing results",
    "results": "drawing the map",
    "map": "writing outputs",
}


@contextlib.contextmanager
def stages(args: argparse.Namespace, command: str) -> Iterator[Callable[[str], None]]:
    """Show which stage a long command is in, on a terminal (standard error); else nothing.

    The solver's progress (:func:`progress_log`) is printed above the stage line. Yields a
    function taking the name of the stage that just finished (``"load"`` starts).
    """
    if args.quiet or args.json or not sys.stderr.isatty():
        with progress_log(args):
            yield lambda stage: None
        return
    from siting.report import TerminalConsole

    console = TerminalConsole(stderr=True)
    with (
        progress_log(args, console),
        console.status(f"{command}: {NEXT_STAGE['load']}") as status,
    ):

        def update(stage: str) -> None:
            if stage in NEXT_STAGE:
                status.update(f"{command}: {NEXT_STAGE[stage]}")

        yield update


class _Lines(logging.Handler):
    """Print log records as lines on standard error (or a rich console).

    HiGHS's own log lines start ``highs:``, the rest ``siting:``.
    """

    def __init__(self, console: Any | None) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        who = "highs" if record.name == "siting.solve.highs" else "siting"
        text = f"{who}: {record.getMessage()}"
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        elif sys.stderr is not None:
            print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def progress_log(args: argparse.Namespace, console: Any | None = None) -> Iterator[None]:
    """Print what the library logs while a command runs, on standard error.

    The library logs each decomposition round and planning year at INFO (shown unless
    ``--quiet`` or ``--json``) and the solver's own log at DEBUG (shown with ``--verbose``);
    as a library it prints nothing unless the caller sets up :mod:`logging`.

    Parameters
    ----------
    args
        The command's arguments.
    console
        A rich console on standard error to print through (so a spinner stays in place).
    """
    verbose = getattr(args, "verbose", False)
    terse = args.quiet or args.json
    if terse and not verbose:
        yield
        return
    logger = logging.getLogger("siting")
    handler = _Lines(console)
    if terse:  # --verbose with --quiet or --json: the solver's log only, not the rounds
        handler.addFilter(lambda record: record.levelno <= logging.DEBUG)
    level = logging.DEBUG if verbose else logging.INFO
    saved = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def run_kpis(run: Run) -> dict[str, Any]:
    """Give a run's KPIs with the time limit and gap its solve had (the scenario's, if set)."""
    solver = run.summary["solver"]
    return {
        **run.results.kpis,
        "time_limit_s": solver["time_limit_s"],
        "mip_gap": solver["mip_gap"],
    }


def verdict(args: argparse.Namespace, solved: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Warn about every plan not proven optimal; with ``--strict`` return 3 if any.

    Each plan's information holds its status, gap, and the ``time_limit_s`` and ``mip_gap``
    its solve had (its summary's solver block).
    """
    stopped = 0
    for name, info in solved:
        if info.get("status", "optimal") == "optimal":
            continue
        stopped += 1
        gap = info.get("gap", math.nan)
        gap_text = "an unknown gap" if gap != gap else f"a gap of {gap:.2%}"
        limit, asked = info["time_limit_s"], info["mip_gap"]
        warn(
            f"{name}: {info.get('solver', 'the solver')} stopped before proving optimality, at "
            f"{gap_text} (asked for {asked:g}; time limit {limit:g} s): the plan may cost more "
            "than the optimum. Raise --time-limit, or accept a larger --gap"
        )
    return 3 if args.strict and stopped else 0


def warn(message: str) -> None:
    """Print a warning on standard error."""
    if sys.stderr is not None:
        print(f"siting: warning: {message}", file=sys.stderr)
