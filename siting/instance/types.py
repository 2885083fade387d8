"""Array aliases and the workload axes shared by the instance records."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

WORKLOADS = ("training", "inference")
#: Per-MW running-cost components, in the order of :attr:`Sites.opex`'s second axis.
OPEX_COMPONENTS = ("power", "carbon", "staff")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
