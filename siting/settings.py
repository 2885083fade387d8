"""Process defaults: where files live and how the solver runs.

These change how a run is carried out, never its optimum (that is the :class:`Scenario`'s
job). Functions take ``None`` for these and fall back to the module value, so a notebook can
set, e.g., ``siting.settings.time_limit = 10`` once.

Attributes
----------
data_dir
    Folder of the shipped input layers: ``siting/data/`` inside the package, so an installed
    wheel carries them (the repository's top-level ``data`` is a link to it).
scenario_dir
    Folder of the shipped scenario files.
sweep_dir
    Folder of the shipped sweep files (``siting batch NAME``).
out_dir
    Folder the result tables are written to, one sub-folder per scenario.
maps_dir
    Folder the HTML maps are written to.
solver
    ``"highs"`` (HiGHS through ``highspy``) or ``"cbc"`` (PuLP's bundled CBC).
time_limit
    Wall-clock limit of one MILP solve, in seconds.
mip_gap
    Relative MIP gap at which the solver may stop and call the plan optimal.
threads
    Solver threads; ``None`` lets the solver choose.
"""

from __future__ import annotations

from pathlib import Path

_package_dir = Path(__file__).resolve().parent

data_dir: Path = _package_dir / "data"
scenario_dir: Path = _package_dir / "scenarios"
sweep_dir: Path = _package_dir / "sweeps"
out_dir: Path = Path("out")
maps_dir: Path = Path("maps")
solver: str = "highs"
time_limit: float = 60.0
mip_gap: float = 1e-4
threads: int | None = None

SOLVERS = ("highs", "cbc")
