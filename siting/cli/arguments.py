"""Argument types: each checks one command-line value, so argparse rejects it up front."""

from __future__ import annotations

import argparse
import math

from siting.errors import InputError


def finite_number(text: str, expected: str = "a finite number") -> float:
    """Read a finite number; ``expected`` says what is wanted in the message."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def numbers(text: str) -> list[float]:
    """Comma-separated finite numbers, at least one; integers stay integers."""
    parts = [v.strip() for v in text.split(",")]
    if not any(parts) or not all(parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, e.g. 4,6,8, got {text!r}"
        )
    values: list[float] = []
    for part in parts:
        try:
            values.append(int(part))
        except ValueError:
            values.append(finite_number(part, "comma-separated finite numbers"))
    return values


def values(text: str) -> list[float] | list[str]:
    """Comma-separated values to sweep: finite numbers, or names such as ``optical,ip``."""
    try:
        return numbers(text)
    except argparse.ArgumentTypeError:
        names = [v.strip() for v in text.split(",")]
        if not all(names) or any(name.lower() in ("inf", "-inf", "nan") for name in names):
            raise argparse.ArgumentTypeError(
                f"expected comma-separated numbers or names, e.g. 4,6,8 or optical,ip, got {text!r}"
            ) from None
        given = [_is_number(name) for name in names]
        if any(given):  # a mix: the names are what is wrong (4,six)
            wrong = names[given.index(False)]
            raise argparse.ArgumentTypeError(
                f"expected all numbers or all names; {wrong!r} is not a number (got {text!r})"
            ) from None
        return names


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def weights(text: str) -> list[float]:
    """Comma-separated non-negative finite numbers, not all zero."""
    values = [float(v) for v in numbers(text)]
    if any(v < 0 for v in values) or not any(values):
        raise argparse.ArgumentTypeError(
            f"expected weights ≥ 0, not all zero, e.g. 0.7,0.3, got {text!r}"
        )
    return values


def positive(text: str) -> float:
    """Read a finite number above 0."""
    value = finite_number(text, "a finite number > 0")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def gap(text: str) -> float:
    """Read a relative MIP gap, from 0 to below 1."""
    value = finite_number(text, "a relative gap from 0 to below 1, e.g. 0.001")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a relative gap from 0 to below 1, e.g. 0.001, got {text!r}"
        )
    return abs(value)  # -0.0 is 0


def count(text: str) -> int:
    """Read a whole number ≥ 1 (a count of workers)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return value


def address(text: str) -> str:
    """Check a Dask scheduler address (see :func:`siting.batch.scheduler_address`)."""
    from siting.batch import scheduler_address

    try:
        return scheduler_address(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.problems[0].expected) from None


def kinds(text: str) -> list[str]:
    """Comma-separated classic location models, each once, e.g. ``p-median,mclp``."""
    from siting.scenario import CLASSIC_KINDS

    names = [v.strip().lower() for v in text.split(",")]
    if not all(n in CLASSIC_KINDS for n in names) or len(set(names)) < len(names):
        known = ",".join(CLASSIC_KINDS)
        raise argparse.ArgumentTypeError(
            f"expected comma-separated models from {known}, each once, got {text!r}"
        )
    return names
