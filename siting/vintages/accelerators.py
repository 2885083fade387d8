"""Accelerator classes: kW per PF, the server and the capability per workload."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from siting._validate import CONFIDENCE, CSV_ROWS, Column, check_unique
from siting.errors import Problem
from siting.scenario import ACCELERATOR_CLASSES
from siting.vintages.checks import finish, read_columns
from siting.vintages.constants import MAX_KW_PER_PF, REFERENCE_SERVER, SITE_KW_PER_PF

#: ``kw_per_pf`` of a class equals its server's kW per PF, and ``train_factor`` and
#: ``serve_factor`` their recomputed values, within this (all are stored to 0.001).
CAPABILITY_TOLERANCE = 0.001
#: Bounds far above any real server: accelerators per server, TFLOPS and TB/s per accelerator.
MAX_ACCELERATORS = 1e4
MAX_TFLOPS = 1e6
MAX_TBPS = 1e4
#: Bound far above any capability: demand MW per installed MW.
MAX_FACTOR = 1e3
ACCELERATOR_COLUMNS = (
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("examples"),
    Column("kw_per_pf", number=True, minimum=0, positive=True, maximum=MAX_KW_PER_PF),
    Column("server_kw", number=True, minimum=0, positive=True, maximum=MAX_KW_PER_PF),
    Column(
        "accelerators_per_server", number=True, minimum=0, positive=True, maximum=MAX_ACCELERATORS
    ),
    Column("tflops_fp16_dense", number=True, minimum=0, positive=True, maximum=MAX_TFLOPS),
    Column("hbm_tbps", number=True, minimum=0, positive=True, maximum=MAX_TBPS),
    Column("prefill_share", number=True, minimum=0, maximum=1),
    Column("train_factor", number=True, minimum=0, positive=True, maximum=MAX_FACTOR),
    Column("serve_factor", number=True, minimum=0, positive=True, maximum=MAX_FACTOR),
    Column("basis"),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)


def read_accelerators(path: Path) -> pd.DataFrame:
    """Read kW per PF, the server and the capability per accelerator class.

    Every class exactly once; ``kw_per_pf`` is the server's kW per PF, ``prefill_share`` the
    same in every row, ``train_factor`` and ``serve_factor`` what :func:`capability` makes of
    the row, each within :data:`CAPABILITY_TOLERANCE`.
    """
    source = str(path)
    table, problems = read_columns(path, ACCELERATOR_COLUMNS, key="accelerator_class")
    problems += check_unique(table, "accelerator_class", source=source)
    missing = sorted(set(ACCELERATOR_CLASSES) - set(table["accelerator_class"]))
    if missing:
        problems.append(Problem(source, "", "accelerator_class", f"no row for {missing}"))
    if not problems:
        problems += _check_capability(table, source)
    return finish(table, problems, ACCELERATOR_COLUMNS)


def server_kw_per_pf(accelerators: pd.DataFrame) -> np.ndarray:
    """Return the kW of IT load per PF (dense FP16) of each row's server, shape (rows,)."""
    tflops = accelerators["accelerators_per_server"] * accelerators["tflops_fp16_dense"]
    return (accelerators["server_kw"] / tflops * 1000).to_numpy(float)


def capability(accelerators: pd.DataFrame) -> np.ndarray:
    """``φ_wk``: demand MW of training (row 0) and inference (row 1) per installed MW.

    Training ``φ^T = κ̄ / kw_per_pf``; inference ``φ^I = 1 / (p/ρ^F + (1 − p)/ρ^B)`` with
    ``ρ^F``, ``ρ^B`` the server's dense FP16 TFLOPS and HBM TB/s per kW over those of
    :data:`REFERENCE_SERVER` and ``p`` the ``prefill_share`` (``docs/model.md``, "Capability
    per workload").

    Returns
    -------
    numpy.ndarray
        Shape (2, rows).
    """
    kw, n, tflops, tbps = REFERENCE_SERVER
    a = accelerators
    per_kw = a["accelerators_per_server"] / a["server_kw"]
    rho_f = (per_kw * a["tflops_fp16_dense"]).to_numpy(float) / (n * tflops / kw)
    rho_b = (per_kw * a["hbm_tbps"]).to_numpy(float) / (n * tbps / kw)
    p = a["prefill_share"].to_numpy(float)
    train = SITE_KW_PER_PF / a["kw_per_pf"].to_numpy(float)
    return np.stack([train, 1.0 / (p / rho_f + (1.0 - p) / rho_b)])


def _check_capability(table: pd.DataFrame, source: str) -> list[Problem]:
    """``kw_per_pf`` is the server's; one ``prefill_share``; the factors are recomputed."""
    problems = []
    computed = {
        "kw_per_pf": server_kw_per_pf(table),
        **dict(zip(("train_factor", "serve_factor"), capability(table), strict=True)),
    }
    first = float(table["prefill_share"].iloc[0])
    for i, name in enumerate(table["accelerator_class"]):
        where = CSV_ROWS.label(i, "accelerator_class", name)
        share = float(table["prefill_share"].iloc[i])
        if share != first:
            expected = (
                f"the same prefill_share in every row ({first:g} on the first), got {share:g}"
            )
            problems.append(Problem(source, where, "prefill_share", expected))
        for field, values in computed.items():
            got = float(table[field].iloc[i])
            if abs(got - values[i]) > CAPABILITY_TOLERANCE:
                what = (
                    "server_kw / (accelerators × TFLOPS / 1000)"
                    if field == "kw_per_pf"
                    else ("the capability of the row (docs/model.md)")
                )
                expected = f"{what} = {values[i]:.3f} ± {CAPABILITY_TOLERANCE:g}, got {got:g}"
                problems.append(Problem(source, where, field, expected))
    return problems
