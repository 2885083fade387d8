"""How commands report: a summary, JSON or output paths; stage progress; warnings."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from siting import settings


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
        from siting.pipeline import json_safe
        from siting.terminal import UNPRINTABLE

        text = json.dumps(json_safe(plain(data)), indent=2, ensure_ascii=False)
        # escaped, not dropped: JSON keeps the data whole, the terminal shows \uXXXX
        print(UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text))
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

    Yields a function taking the name of the stage that just finished (``"load"`` starts).
    """
    if args.quiet or args.json or not sys.stderr.isatty():
        yield lambda stage: None
        return
    from siting.report import TerminalConsole

    with TerminalConsole(stderr=True).status(f"{command}: {NEXT_STAGE['load']}") as status:

        def update(stage: str) -> None:
            if stage in NEXT_STAGE:
                status.update(f"{command}: {NEXT_STAGE[stage]}")

        yield update


def verdict(args: argparse.Namespace, solved: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Warn about every plan not proven optimal; with ``--strict`` return 3 if any."""
    stopped = 0
    for name, info in solved:
        if info.get("status", "optimal") == "optimal":
            continue
        stopped += 1
        gap = info.get("gap", math.nan)
        gap_text = "an unknown gap" if gap != gap else f"a gap of {gap:.2%}"
        limit = args.time_limit if args.time_limit is not None else settings.time_limit
        asked = args.gap if args.gap is not None else settings.mip_gap
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
