"""Known Chinese training runs and the minimum training cluster per year they give.

``training_clusters.csv`` lists runs with their accelerators (SOURCES.md T10);
:func:`read_training_clusters` checks it and :func:`min_cluster_by_year` applies the rule of
``docs/model.md`` ("Training cluster, service life, orders and the unmet penalty"): the
minimum cluster of a year is the smallest cluster a model of that year was pretrained on, in
demand MW; a year without such a run takes the latest earlier year's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting._validate import CONFIDENCE, CSV_ROWS, Column, read_table
from siting.errors import InputError, Problem
from siting.scenario import ACCELERATOR_CLASSES
from siting.vintages.checks import check_years, finish
from siting.vintages.constants import SERIES_YEARS, SITE_KW_PER_PF

#: File of the known training runs, in the data folder.
CLUSTERS_FILE = "training_clusters.csv"
#: What a run trained: a model from scratch, or an existing model further (not counted).
STAGES = ("pretraining", "post_training")
#: The stage whose runs set the minimum cluster.
PRETRAINING = "pretraining"
#: A run's ``it_mw`` and ``demand_mw`` match their inputs within the 0.001 MW they are rounded to.
CLUSTER_MW_TOLERANCE = 0.001
CLUSTER_COLUMNS = (
    Column("year", number=True),
    Column("model"),
    Column("developer"),
    Column("stage", choices=STAGES),
    Column("released"),
    Column("accelerators", number=True, minimum=0, positive=True, maximum=1e7),
    Column("accelerator"),
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("tflops_fp16_dense", number=True, minimum=0, positive=True, maximum=1e5),
    Column("server_kw_per_accelerator", number=True, minimum=0, positive=True, maximum=100.0),
    Column("it_mw", number=True, minimum=0, positive=True, maximum=1e5),
    Column("demand_mw", number=True, minimum=0, positive=True, maximum=1e5),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)


def read_training_clusters(path: Path) -> pd.DataFrame:
    """Read training runs: years in range and in order, MW that match their inputs.

    ``it_mw`` = accelerators × server kW per accelerator / 1000 and ``demand_mw`` =
    accelerators × dense FP16 TFLOPS × :data:`SITE_KW_PER_PF` / 10⁶, each within
    :data:`CLUSTER_MW_TOLERANCE`; at least one pretraining run.
    """
    source = str(path)
    table, problems = read_table(path, CLUSTER_COLUMNS, what="run", key="model")
    problems += check_years(table, path, SERIES_YEARS, strict=False)
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = CSV_ROWS.label(i, "model", row.model)
        n, tflops, kw = row.accelerators, row.tflops_fp16_dense, row.server_kw_per_accelerator
        derived = {
            "it_mw": (n * kw / 1000, "accelerators x server_kw_per_accelerator / 1000"),
            "demand_mw": (
                n * tflops * SITE_KW_PER_PF / 1e6,
                f"accelerators x tflops_fp16_dense x {SITE_KW_PER_PF:g} kW/PF / 1e6",
            ),
        }
        for field, (value, how) in derived.items():
            stored = getattr(row, field)
            if np.isfinite([value, stored]).all() and abs(stored - value) > CLUSTER_MW_TOLERANCE:
                expected = f"{how} = {value:.3f} within {CLUSTER_MW_TOLERANCE:g}, got {stored:g}"
                problems.append(Problem(source, where, field, expected))
    if not problems and not (table["stage"] == PRETRAINING).any():
        problems.append(Problem(source, "", "stage", f"at least one {PRETRAINING!r} run"))
    return finish(table, problems, CLUSTER_COLUMNS, ints=("year",))


def min_cluster_by_year(clusters: pd.DataFrame, years: np.ndarray) -> np.ndarray:
    """``L_t``: the smallest pretraining cluster of each year, in demand MW, shape (T,).

    A year without a pretraining run takes the latest earlier year's value (``docs/model.md``,
    "Training cluster, service life, orders and the unmet penalty").

    Raises
    ------
    InputError
        If a year comes before the first pretraining run.
    """
    runs = clusters[clusters["stage"] == PRETRAINING]
    smallest = runs.groupby("year")["demand_mw"].min().sort_index()
    out = np.zeros(len(years))
    for t, year in enumerate(years):
        known = smallest[smallest.index <= year]
        if known.empty:
            expected = f"a pretraining run in or before {year} (the first is {smallest.index[0]})"
            raise InputError([Problem(CLUSTERS_FILE, "", "year", expected)])
        out[t] = float(known.iloc[-1])
    return out
