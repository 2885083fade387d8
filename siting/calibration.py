"""Published latency figures, checked for direction and compared with the latency layers.

``data/latency_measurements.csv`` holds one published figure per row: between which places,
its value, direction (one way or round trip), layer, statistic over the pairs it covers, and
whether it fits a parameter of the ``[latency]`` table or is held out (docs/latency.md).
:func:`read_measurements` checks the file; :func:`check_floor` rejects any figure below the
light-in-fibre floor of its direction; :func:`fit_parameters` solves each fitting row for its
parameter; :func:`calibration_table` gives every figure the model's value at each layer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from siting._validate import CONFIDENCE, Column, check_unique, read_table
from siting.errors import InputError, Problem
from siting.geo import haversine_km
from siting.latency import LAYERS, fibre_floor_one_way_ms, one_way_matrix
from siting.scenario import Latency

#: Parameters of ``[latency]`` a figure may fit; each enters the model linearly.
FITTABLE = (
    "route_stretch",
    "ip_hop_one_way_ms",
    "internet_one_way_ms",
    "access_one_way_ms",
    "inter_operator_one_way_ms",
)

COLUMNS = (
    Column("figure_id"),
    Column("figure"),
    Column("from_places"),
    Column("to_places"),
    Column("pairs", choices=("among", "cross")),
    Column("value_ms", number=True, minimum=0.0, positive=True),
    Column("bound", choices=("equal", "upper_bound")),
    Column("direction", choices=("one_way", "round_trip")),
    Column("direction_basis"),
    Column("layer", choices=(*LAYERS, "unstated")),
    Column("statistic", choices=("mean", "max", "p95")),
    Column("terminal_access", choices=("0", "1")),
    Column("inter_operator", choices=("0", "1")),
    Column("role", choices=("fit", "held_out", "context")),
    Column("fits", blank_ok=True, choices=FITTABLE),
    Column("source"),
    Column("year", number=True, minimum=1990.0),
    Column("confidence", choices=CONFIDENCE),
)

Points = Mapping[str, tuple[float, float]]

#: Fastest light in silica fibre, km per ms (c / 1.468): a figure below the floor at this
#: speed cannot have been measured. The model's own ``fibre_km_per_ms`` (200) is a little slower.
LIGHT_IN_FIBRE_KM_PER_MS = 204.0


def read_measurements(path: Path | str, points: Points) -> pd.DataFrame:
    """Read and check the published latency figures.

    Parameters
    ----------
    path
        ``latency_measurements.csv``.
    points
        Place id → (lon, lat) degrees, for the ids in ``from_places`` and ``to_places``.

    Returns
    -------
    pandas.DataFrame
        One row per figure; ``from_places`` and ``to_places`` as lists of ids.

    Raises
    ------
    InputError
        Naming the file, line, field and what was expected: bad values, unknown places, a
        fitting row without its parameter, or a figure below the fibre floor.
    """
    source = str(path)
    table, problems = read_table(path, COLUMNS, what="figure", key="figure_id")
    problems += check_unique(table, "figure_id", source=source)
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = f"line {i + 2} (figure_id {row.figure_id!r})"
        for field in ("from_places", "to_places"):
            unknown = [p for p in str(getattr(row, field) or "").split(";") if p not in points]
            if unknown:
                expected = f"unknown place(s) {', '.join(map(repr, unknown))}"
                problems.append(Problem(source, where, field, expected))
        if row.pairs == "among" and row.from_places != row.to_places:
            expected = "the same places as from_places when pairs is 'among'"
            problems.append(Problem(source, where, "to_places", expected))
        if (row.role == "fit") != bool(row.fits):
            expected = "a fitted parameter exactly when role is 'fit'"
            problems.append(Problem(source, where, "fits", expected))
    if problems:
        raise InputError(problems)
    for field in ("from_places", "to_places"):
        table[field] = table[field].str.split(";")
    check_floor(table, points, source=source)
    return table


def check_floor(
    table: pd.DataFrame,
    points: Points,
    *,
    source: str,
    fibre_km_per_ms: float = LIGHT_IN_FIBRE_KM_PER_MS,
) -> None:
    """Reject figures below light in fibre along the great circle, for their direction.

    A round trip cannot be below twice the one-way floor, nor a one-way figure below it; a
    figure's floor is the same statistic (mean or max) of its pairs' floors (a p95 is compared
    with the mean).

    Raises
    ------
    InputError
        Naming each figure below its floor, and saying when it could only be one way.
    """
    problems = []
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        (a, b) = _pairs(row, points)
        distance = haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        floor = _aggregate(fibre_floor_one_way_ms(distance, fibre_km_per_ms), row.statistic)
        if row.direction == "round_trip":
            floor *= 2.0
        if row.value_ms < floor - 1e-9:
            hint = (
                "; as a one-way figure it would be possible"
                if row.direction == "round_trip" and row.value_ms >= floor / 2
                else ""
            )
            expected = (
                f"{row.value_ms:g} ms is below the {row.direction.replace('_', ' ')} fibre floor "
                f"of {floor:.2f} ms (light at {fibre_km_per_ms:g} km/ms along the great "
                f"circle){hint}"
            )
            where = f"line {i + 2} (figure_id {row.figure_id!r})"
            problems.append(Problem(source, where, "value_ms", expected))
    if problems:
        raise InputError(problems)


def figure_delays(
    table: pd.DataFrame, latency: Latency, graph: nx.MultiDiGraph | None, points: Points
) -> pd.DataFrame:
    """Compute each figure's modelled value at each layer, in its direction and statistic.

    Terminal access (``terminal_access``) and an operator change (``inter_operator``) add
    ``access_one_way_ms`` and ``inter_operator_one_way_ms`` to each one-way path; a round trip
    is twice the one-way delay; a p95 figure is compared with the model's mean.

    Returns
    -------
    pandas.DataFrame
        ``figure_id``, ``floor_ms`` and ``{layer}_ms`` for each layer, in the figure's
        direction.
    """
    rows = []
    row: Any  # pandas types a row's cells as any scalar
    for row in table.itertuples(index=False):
        (a, b) = _pairs(row, points)
        _, _, delays = one_way_matrix(latency, a[:, 0], a[:, 1], b[:, 0], b[:, 1], graph)
        extra = latency.access_one_way_ms * int(row.terminal_access)
        extra += latency.inter_operator_one_way_ms * int(row.inter_operator)
        times = 2.0 if row.direction == "round_trip" else 1.0
        distance = haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        floor = _aggregate(fibre_floor_one_way_ms(distance, latency.fibre_km_per_ms), row.statistic)
        record = {"figure_id": row.figure_id, "floor_ms": times * floor}
        for layer, matrix in delays.items():
            record[f"{layer}_ms"] = times * _aggregate(np.diagonal(matrix) + extra, row.statistic)
        rows.append(record)
    return pd.DataFrame(rows)


def fit_parameters(
    table: pd.DataFrame, latency: Latency, graph: nx.MultiDiGraph | None, points: Points
) -> Latency:
    """Solve each fitting figure, in file order, for the parameter it fits.

    Each parameter enters the modelled figure linearly, so one figure fixes one parameter:
    with the others held, ``value = f(0) + p × (f(1) − f(0))``.

    Returns
    -------
    Latency
        ``latency`` with the fitted parameters replaced.
    """
    row: Any  # pandas types a row's cells as any scalar
    for _, row in table[table["role"] == "fit"].iterrows():
        one = row.to_frame().T
        layer = row["layer"]

        base, slope = _linear(one, latency, row["fits"], f"{layer}_ms", graph, points)
        latency = latency.model_copy(update={row["fits"]: (row["value_ms"] - base) / slope})
    return latency


def calibration_table(
    table: pd.DataFrame, latency: Latency, graph: nx.MultiDiGraph | None, points: Points
) -> pd.DataFrame:
    """Every figure with the model's value and error at each layer.

    Returns
    -------
    pandas.DataFrame
        The figure's id, value, bound, direction, layer, statistic and role; ``floor_ms``;
        ``{layer}_ms`` and ``{layer}_error_pct`` for each layer; ``compared_layer`` (the stated
        layer, or the nearest for figures that state none) with its ``error_pct``. For an
        upper bound the error is 0 when the model is within it.
    """
    delays = figure_delays(table, latency, graph, points)
    out = table[
        ["figure_id", "value_ms", "bound", "direction", "layer", "statistic", "role", "fits"]
    ].reset_index(drop=True)
    out["floor_ms"] = delays["floor_ms"]
    for layer in LAYERS:
        model = delays[f"{layer}_ms"]
        error = 100.0 * (model - out["value_ms"]) / out["value_ms"]
        within = (out["bound"] == "upper_bound") & (model <= out["value_ms"])
        out[f"{layer}_ms"] = model
        out[f"{layer}_error_pct"] = error.where(~within, 0.0)
    errors = out[[f"{layer}_error_pct" for layer in LAYERS]].abs()
    # pandas-stubs type idxmin as Series[int]; along axis 1 it holds column names (str)
    nearest = errors.idxmin(axis=1).str.removesuffix("_error_pct")  # type: ignore[misc]
    out["compared_layer"] = out["layer"].where(out["layer"] != "unstated", nearest)
    out["error_pct"] = np.array(
        [out.loc[i, f"{layer}_error_pct"] for i, layer in enumerate(out["compared_layer"])],
        dtype=float,
    )
    return out


def _pairs(row: object, points: Points) -> tuple[np.ndarray, np.ndarray]:
    """Origin and destination points, (k, 2) each, of the pairs a figure covers."""
    a, b = list(row.from_places), list(row.to_places)  # type: ignore[attr-defined]
    among = row.pairs == "among"  # type: ignore[attr-defined]
    pairs = list(itertools.combinations(a, 2)) if among else list(itertools.product(a, b))
    origin = np.array([points[x] for x, _ in pairs], dtype=float)
    dest = np.array([points[y] for _, y in pairs], dtype=float)
    return origin, dest


def _linear(
    one: pd.DataFrame,
    latency: Latency,
    name: str,
    column: str,
    graph: nx.MultiDiGraph | None,
    points: Points,
) -> tuple[float, float]:
    """Intercept and slope of one figure's modelled value in parameter ``name``."""
    at = [
        float(
            figure_delays(one, latency.model_copy(update={name: p}), graph, points)[column].iloc[0]
        )
        for p in (0.0, 1.0)
    ]
    return at[0], at[1] - at[0]


def _aggregate(values: np.ndarray, statistic: str) -> float:
    return float(np.max(values) if statistic == "max" else np.mean(values))
