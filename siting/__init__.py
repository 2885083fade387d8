"""siting: where AI compute should be built in mainland China, and for which workload.

The public API (``docs/api.md``)::

    import siting

    plan = siting.optimize("default")  # or a Scenario, a TOML file; options=RunOptions(...)
    plan.sites, plan.flows, plan.hubs  # GeoDataFrames
    plan.explore()  # offline interactive map
    plan.to_file("out/default")  # CSV, GeoJSON, GeoParquet, summary.json, map.html

``import siting`` is cheap: the names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY = {
    "optimize": "siting.api",
    "load_scenario": "siting.api",
    "audit": "siting.api",
    "run_market": "siting.api",
    "MarketRun": "siting.api",
    "run_simulation": "siting.api",
    "SimulationRun": "siting.api",
    "Plan": "siting.api",
    "MapView": "siting.api",
    "Scenario": "siting.scenario",
    "RunOptions": "siting.solve.options",
    "SitingError": "siting.errors",
    "InputError": "siting.errors",
    "InfeasibleError": "siting.errors",
    "SolverError": "siting.errors",
    "settings": "siting.settings",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'siting' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__ == f"siting.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
