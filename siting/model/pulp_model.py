"""The PuLP model, derived from the arrays: for CBC, and for users who want the ``LpProblem``.

:func:`to_pulp` writes an :class:`~siting.model.arrays.ArrayModel` as a
:class:`pulp.LpProblem`: one variable per column and one constraint per row, named as the
arrays name them, with the same bounds, integrality, coefficients and objective
(``tests/test_model.py`` checks this on every shipped scenario).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from siting.model.arrays import ArrayModel

if TYPE_CHECKING:
    import pulp


def _bound(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def to_pulp(model: ArrayModel) -> pulp.LpProblem:
    """Write an array model as a PuLP problem (minimised).

    Every column is a variable of the problem, also one in no row and with no cost (it is in
    the objective at cost 0). A row
    with both sides finite must have them equal (an equality); the builds write no ranged
    row.

    Raises
    ------
    ValueError
        If a row is ranged or free.
    """
    import pulp  # for CBC and the users of the LpProblem only: a HiGHS run never loads it

    problem = pulp.LpProblem("siting", pulp.LpMinimize)
    cats = np.where(model.integer, pulp.LpInteger, pulp.LpContinuous)
    variables = [
        problem.add_variable(name, _bound(lo), _bound(up), cat)
        for name, lo, up, cat in zip(
            model.names("cols").tolist(),
            model.col_lower.tolist(),
            model.col_upper.tolist(),
            cats.tolist(),
            strict=True,
        )
    ]
    # every column in the objective (cost 0 too), so a column in no row is still a variable
    problem.setObjective(
        pulp.LpAffineExpression(list(zip(variables, model.cost.tolist(), strict=True)))
    )
    # row-wise entries, a repeated (row, column) summed
    key = model.index * model.n_cols + model.entry_col
    keys, inverse = np.unique(key, return_inverse=True)
    values = np.bincount(inverse, model.value, len(keys))
    rows, cols = keys // max(model.n_cols, 1), keys % max(model.n_cols, 1)
    bounds = np.searchsorted(rows, np.arange(model.n_rows + 1))
    for i, name in enumerate(model.names("rows").tolist()):
        lo, up = float(model.row_lower[i]), float(model.row_upper[i])
        if (np.isfinite(lo) and np.isfinite(up) and lo != up) or not (
            np.isfinite(lo) or np.isfinite(up)
        ):
            raise ValueError(
                f"row {name!r} has sides [{lo}, {up}]; expected one side or an equality"
            )
        part = slice(bounds[i], bounds[i + 1])
        expr = pulp.LpAffineExpression(
            [
                (variables[j], v)
                for j, v in zip(cols[part].tolist(), values[part].tolist(), strict=True)
            ]
        )
        if lo == up:
            sense, rhs = pulp.LpConstraintEQ, lo
        elif np.isfinite(lo):
            sense, rhs = pulp.LpConstraintGE, lo
        else:
            sense, rhs = pulp.LpConstraintLE, up
        problem.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))
    return problem


def column_values(problem: pulp.LpProblem, model: ArrayModel) -> np.ndarray:
    """Return a solved problem's variable values in the model's column order (0 where unset)."""
    by_name = problem.variablesDict()
    return np.array([by_name[n].value() or 0.0 for n in model.names("cols").tolist()], float)
