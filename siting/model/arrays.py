"""The MILP as arrays: the one form every model is built in and every solver path reads.

The families of :mod:`siting.model.families` write their columns, rows and entries into a
:class:`Builder`, which packs them column-wise (CSC) into an :class:`ArrayModel`; the builds
of :mod:`siting.model.build` compose them. The PuLP model is derived from the arrays
(:func:`~siting.model.pulp_model.to_pulp`).

The model is ``min c·x`` subject to ``row_lower ≤ A x ≤ row_upper`` and
``col_lower ≤ x ≤ col_upper``, ``x_j`` integer where ``integer[j]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from siting.instance import Instance

IndexArray = np.ndarray

#: A run of names: ``prefix + str(i)`` for each ``i`` (a lone name when ``i`` is ``""``).
Names = tuple[str, np.ndarray]


@dataclass
class Layout:
    """Where one scenario's variables sit among the columns (indices; ``-1`` where absent).

    Attributes
    ----------
    instance
        The scenario's instance.
    open, build, train, serve
        Columns of ``y_s``, ``x_s``, ``t_s`` (per site) and ``f_k`` (per pair); ``-1`` where a
        variable has no column (its value is 0: ``x_s``, ``t_s`` of a classic model).
    pair_row
        Row of each pair's ``pair_open`` constraint, ``-1`` where it has none.
    shortfall
        Columns of the elastic model's unmet demand (per hub, then training); empty otherwise.
    cost
        The scenario's own objective as columns and coefficients, where the model's objective
        is something else (a robust model's); ``None`` where it is the model's.
    """

    instance: Instance
    open: IndexArray
    build: IndexArray
    train: IndexArray
    serve: IndexArray
    pair_row: IndexArray
    shortfall: IndexArray = field(default_factory=lambda: np.zeros(0, np.int64))
    cost: tuple[IndexArray, np.ndarray] | None = None


@dataclass
class ArrayModel:
    """A MILP as arrays (see the module docstring), in objective units.

    Attributes
    ----------
    cost, col_lower, col_upper, integer
        Per column.
    start, index, value
        The constraint matrix, column-wise: column ``j``'s entries are
        ``index[start[j]:start[j+1]]`` (rows) and ``value[...]``.
    row_lower, row_upper
        Per row (``±inf`` where open).
    col_names, row_names
        Runs of names (:data:`Names`), in column and row order.
    scenarios
        Where each scenario's variables are.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_names: list[Names]
    row_names: list[Names]
    scenarios: list[Layout]
    elastic: bool = False

    @property
    def n_cols(self) -> int:
        """Number of columns (variables)."""
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.row_lower)

    @property
    def is_mip(self) -> bool:
        """Whether any column is integer."""
        return bool(self.integer.any())

    def names(self, which: str) -> np.ndarray:
        """Every column's (``"cols"``) or row's (``"rows"``) name, as PuLP names it."""
        runs = self.col_names if which == "cols" else self.row_names
        parts = [np.char.add(prefix, ids.astype(str)) for prefix, ids in runs]
        return np.concatenate(parts) if parts else np.zeros(0, str)

    @cached_property
    def entry_col(self) -> np.ndarray:
        """Column of each matrix entry."""
        return np.repeat(np.arange(self.n_cols, dtype=np.int64), np.diff(self.start))

    def transpose_product(self, y: np.ndarray) -> np.ndarray:
        """``Aᵀ y``: each column's entries weighted by ``y`` of their rows, summed."""
        return np.bincount(self.entry_col, self.value * y[self.index], self.n_cols)

    def subset(self, cols: np.ndarray, rows: np.ndarray) -> ArrayModel:
        """Restrict the model to some columns (others fixed at 0) and rows (others dropped).

        Parameters
        ----------
        cols, rows
            Sorted indices to keep.

        Returns
        -------
        ArrayModel
            Columns and rows renumbered in the given order; no names or layouts.
        """
        col_pos = np.full(self.n_cols, -1, dtype=np.int64)
        col_pos[cols] = np.arange(len(cols))
        row_pos = np.full(self.n_rows, -1, dtype=np.int64)
        row_pos[rows] = np.arange(len(rows))
        keep = (col_pos[self.entry_col] >= 0) & (row_pos[self.index] >= 0)
        entry_col = col_pos[self.entry_col[keep]]
        return ArrayModel(
            cost=self.cost[cols],
            col_lower=self.col_lower[cols],
            col_upper=self.col_upper[cols],
            integer=self.integer[cols],
            start=np.searchsorted(entry_col, np.arange(len(cols) + 1)).astype(np.int64),
            index=row_pos[self.index[keep]],
            value=self.value[keep],
            row_lower=self.row_lower[rows],
            row_upper=self.row_upper[rows],
            col_names=[],
            row_names=[],
            scenarios=[],
        )


class Builder:
    """Collects columns and coordinate-form entries, then packs them column-wise."""

    def __init__(self) -> None:
        self.cols: list[tuple[Names, np.ndarray | float, float, np.ndarray | float, bool]] = []
        self.n_cols = 0
        self.rows: list[tuple[Names, np.ndarray | float, np.ndarray | float]] = []
        self.n_rows = 0
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.objective: list[tuple[np.ndarray, np.ndarray]] = []

    def add_cols(
        self,
        names: Names,
        cost: np.ndarray | float,
        upper: np.ndarray | float,
        *,
        integer: bool = False,
    ) -> IndexArray:
        """Add a run of columns (lower bound 0); return their indices."""
        n = len(names[1])
        self.cols.append((names, cost, 0.0, upper, integer))
        self.n_cols += n
        return np.arange(self.n_cols - n, self.n_cols, dtype=np.int64)

    def add_rows(
        self, names: Names, lower: np.ndarray | float, upper: np.ndarray | float
    ) -> IndexArray:
        """Add a run of rows with their sides; return their indices."""
        n = len(names[1])
        self.rows.append((names, lower, upper))
        self.n_rows += n
        return np.arange(self.n_rows - n, self.n_rows, dtype=np.int64)

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray | float) -> None:
        """Add matrix entries (broadcast together); zeros are dropped when packing."""
        rows, cols, values = np.broadcast_arrays(rows, cols, values)
        self.entries.append((rows.ravel(), cols.ravel(), values.ravel().astype(float)))

    def add_objective(self, cols: np.ndarray, values: np.ndarray | float) -> None:
        """Add objective coefficients to columns (broadcast together; summed per column)."""
        cols, values = np.broadcast_arrays(cols, values)
        self.objective.append((cols.ravel().astype(np.int64), values.ravel().astype(float)))

    def finish(self, scenarios: list[Layout]) -> ArrayModel:
        """Pack everything added into an :class:`ArrayModel` with the given layouts."""
        rows, cols, values = (
            np.concatenate([e[i] for e in self.entries]) if self.entries else np.zeros(0)
            for i in range(3)
        )
        keep = values != 0
        rows, cols, values = rows[keep].astype(np.int64), cols[keep].astype(np.int64), values[keep]
        order = np.lexsort((rows, cols))
        start = np.searchsorted(cols[order], np.arange(self.n_cols + 1)).astype(np.int64)

        def stack(parts: list, i: int, dtype: type = float) -> np.ndarray:
            chunks: list[np.ndarray] = [
                np.broadcast_to(np.asarray(p[i], dtype=dtype), len(p[0][1])) for p in parts
            ]
            return np.concatenate(chunks) if chunks else np.zeros(0, dtype)

        cost = stack(self.cols, 1)
        for terms, coefs in self.objective:
            cost += np.bincount(terms, coefs, self.n_cols)
        return ArrayModel(
            cost=cost,
            col_lower=stack(self.cols, 2),
            col_upper=stack(self.cols, 3),
            integer=stack(self.cols, 4, bool),
            start=start,
            index=rows[order],
            value=values[order],
            row_lower=stack(self.rows, 1),
            row_upper=stack(self.rows, 2),
            col_names=[c[0] for c in self.cols],
            row_names=[r[0] for r in self.rows],
            scenarios=scenarios,
        )
