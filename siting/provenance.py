"""Where a result came from: scenario and data hashes, software versions, relative paths.

Every ``summary.json`` carries one :func:`provenance` block, so a result can be traced to the
exact inputs and software that made it without exposing the machine's folders: paths are
written relative to the package (``siting/data/...``) or the working folder, never absolute.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from siting import settings
from siting.scenario import DataPaths, Scenario

#: Distributions whose versions are recorded (the solver's own library is added per run).
PACKAGES = ("siting", "pulp", "highspy", "numpy", "pandas", "geopandas", "shapely", "pyproj")


def versions() -> dict[str, str]:
    """Return the versions of Python and of the packages that shape a result.

    Returns
    -------
    dict
        ``{"python": "3.11.9", "siting": "0.1.0", ...}``; ``"not installed"`` for a missing
        package.
    """
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def display_path(path: str | Path) -> str:
    """Return a path as written in outputs: relative to the package or working folder.

    Parameters
    ----------
    path
        Any path.

    Returns
    -------
    str
        ``siting/data/...`` or ``siting/scenarios/...`` for shipped files, a path relative to
        the working folder for files below it, else the bare file name; ``<name>`` labels (a
        scenario built in memory) are kept.
    """
    text = str(path)
    if text.startswith("<"):
        return text
    resolved = Path(path).resolve()
    bases = (
        (Path(settings.data_dir).resolve(), "siting/data"),
        (Path(settings.scenario_dir).resolve(), "siting/scenarios"),
        (Path.cwd().resolve(), ""),
    )
    for base, label in bases:
        if base != Path(base.anchor) and resolved.is_relative_to(base):  # never from "/"
            return str(PurePosixPath(label, resolved.relative_to(base).as_posix()))
    return resolved.name


def public_dict(scenario: Scenario) -> dict[str, Any]:
    """Return a scenario as JSON data with its ``[data]`` paths made relative.

    Parameters
    ----------
    scenario
        The scenario.

    Returns
    -------
    dict
        As :meth:`Scenario.to_dict`, with :func:`display_path` applied to the data files.
    """
    content = scenario.to_dict()
    content["data"] = {k: display_path(v) if v else v for k, v in content["data"].items()}
    return content


def provenance(
    scenarios: Scenario | Sequence[Scenario],
    paths: DataPaths | Sequence[DataPaths],
    *,
    solver: Any = None,
    source: str | Path | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Return the provenance block of a summary.

    Parameters
    ----------
    scenarios
        The scenario, or the scenarios, a result was computed from.
    paths
        Their input files (one per scenario, or one for all).
    solver
        The solver's name or a PuLP solver object; default ``settings.solver``.
    source
        The scenario file (or sweep file), shown relative.
    name
        What ``scenario`` says (e.g. a sweep's name); default the scenarios' names.

    Returns
    -------
    dict
        ``created_utc``, ``scenario`` (``name``, else the names joined by ``+``), ``scenario_file``,
        ``scenario_hash`` and ``data_hash`` (SHA-256; over several scenarios, the hash of
        their hashes in order), ``data_files`` (relative), ``solver`` and ``versions``.
    """
    specs = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    files = list(dict.fromkeys([paths] if isinstance(paths, DataPaths) else paths))
    data_files: dict[str, str] = {}
    for found in files:
        for key, path in vars(found).items():
            if path is not None:
                data_files.setdefault(key, display_path(path))
    return {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": name or "+".join(s.name for s in specs),
        "scenario_file": display_path(source) if source is not None else None,
        "scenario_hash": _combined([s.content_hash() for s in specs]),
        "data_hash": _combined([p.content_hash() for p in files]),
        "data_files": data_files,
        "solver": _solver_name(solver),
        "versions": versions(),
    }


def _solver_name(solver: Any) -> str:
    if solver is None or isinstance(solver, str):
        return (solver or settings.solver).lower()
    return str(getattr(solver, "name", type(solver).__name__))


def _combined(hashes: list[str]) -> str:
    if len(hashes) == 1:
        return hashes[0]
    return hashlib.sha256("".join(hashes).encode()).hexdigest()
