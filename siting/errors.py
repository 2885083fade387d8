"""Errors a user can act on.

Every error that reaches the command line is a :class:`SitingError`: the CLI prints its
message, without a traceback, and exits with status 2. Anything else is a bug.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


class SitingError(Exception):
    """Base class of the errors that are the user's to fix."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input.

    Parameters
    ----------
    source
        The file (or object) the problem is in.
    where
        The row, feature or table inside it, e.g. ``"row 4 (site_id 'wuhu')"``; empty for the
        whole file.
    field
        The column, property or key; empty for the whole row or file.
    expected
        What was expected and what was found.
    """

    source: str
    where: str
    field: str
    expected: str

    def __str__(self) -> str:
        parts = [self.source]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field '{self.field}'")
        return f"{': '.join(parts)}: {self.expected}"


class InputError(SitingError, ValueError):
    """One or more inputs are malformed; the message lists every problem found.

    Parameters
    ----------
    problems
        What is wrong, one item per problem.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            msg = str(self.problems[0])
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            msg = f"{len(self.problems)} problems in the input:\n{lines}"
        super().__init__(msg)


class InfeasibleError(SitingError):
    """The scenario's demand cannot be met under its limits.

    Parameters
    ----------
    reasons
        Each demand or limit that cannot be met, in words a planner can act on.
    """

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = list(reasons)
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        super().__init__(f"the scenario is infeasible:\n{lines}")


class SolverError(SitingError):
    """The solver failed, or stopped at a limit before it found any feasible plan."""


def counted(n: int, noun: str) -> str:
    """Say how many of a thing, in words: ``counted(1, "site")`` is ``"1 site"``.

    Parameters
    ----------
    n
        How many.
    noun
        The thing, singular; its plural adds "s".

    Returns
    -------
    str
    """
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def did_you_mean(word: str, choices: Iterable[str], *, n: int = 1) -> str:
    """Suggest the closest of ``choices`` to a word the user mistyped, for a message.

    Case and surrounding spaces are ignored (``Default`` suggests ``default``).

    Parameters
    ----------
    word
        What the user gave.
    choices
        What they could have given.
    n
        Most suggestions to make.

    Returns
    -------
    str
        ``" (did you mean 'default'?)"``, or ``""`` when nothing is close.
    """
    folded: dict[str, str] = {}
    for choice in choices:
        folded.setdefault(str(choice).casefold(), str(choice))
    key = str(word).strip().casefold()
    close = [key] if key in folded else difflib.get_close_matches(key, list(folded), n, 0.6)
    if not close:
        return ""
    shown = [repr(folded[c]) for c in close]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f" (did you mean {listed}?)"
